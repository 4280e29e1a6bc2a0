/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
/* Unit tests of the manifest parser: every rule, with the line it names. */
#include "manifest.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define VALID                                                                  \
	"# SPDX-License-Identifier: Apache-2.0\n"                              \
	"name = virtio-queue\n"                                                \
	"version = 1.2.3-rc.1\n"                                               \
	"status = published\n"                                                 \
	"prefix = cvmm_vq_\n"                                                  \
	"depends = vm-memory, kvm\n"                                           \
	"coverage-line = 95.5\n"                                               \
	"coverage-branch = 90.25\n"                                            \
	"fuzz-targets = virtqueue,virtqueue-state\n"                           \
	"license = Apache-2.0 OR MIT\n"                                        \
	"guest-data = yes\n"                                                   \
	"bench-limits = chain.1:1.5, chain.16:2\n"

static int parse(const char *text, struct cvmm_manifest *m,
		 struct cvmm_manifest_error *err)
{
	return cvmm_manifest_parse(text, strlen(text), m, err);
}

static void valid_manifest_is_read_whole(void **state)
{
	struct cvmm_manifest m;
	struct cvmm_manifest_error err;

	(void)state;
	assert_int_equal(parse(VALID, &m, &err), 0);
	assert_string_equal(m.name, "virtio-queue");
	assert_string_equal(m.version, "1.2.3-rc.1");
	assert_int_equal(m.status, CVMM_MANIFEST_PUBLISHED);
	assert_string_equal(cvmm_manifest_status_name(m.status), "published");
	assert_string_equal(m.prefix, "cvmm_vq_");
	assert_int_equal(m.n_depends, 2);
	assert_string_equal(m.depends[0], "vm-memory");
	assert_string_equal(m.depends[1], "kvm");
	assert_int_equal(m.coverage_line, 9550);
	assert_int_equal(m.coverage_branch, 9025);
	assert_int_equal(m.n_fuzz_targets, 2);
	assert_string_equal(m.fuzz_targets[1], "virtqueue-state");
	assert_string_equal(m.license, "Apache-2.0 OR MIT");
	assert_true(m.guest_data);
	assert_int_equal(m.n_bench_limits, 2);
	assert_string_equal(m.bench_limits[0].name, "chain.1");
	assert_int_equal(m.bench_limits[0].max_ratio, 150);
	assert_int_equal(m.bench_limits[1].max_ratio, 200);
	assert_int_equal(m.line_of_depends, 6);
	assert_int_equal(m.line_of_name, 2);
}

static void blank_lines_comments_crlf_and_empty_lists(void **state)
{
	const char *text =
	    "\r\n  # comment\r\n\tname=vm-memory\r\n"
	    "version=0.1.0\nstatus = incubating\n"
	    "prefix = cvmm_mem_\ndepends =\ncoverage-line = 100\n"
	    "coverage-branch = 0.5\nfuzz-targets =   \n"
	    "license = Apache-2.0";
	struct cvmm_manifest m;
	struct cvmm_manifest_error err;

	(void)state;
	assert_int_equal(parse(text, &m, &err), 0);
	assert_string_equal(m.name, "vm-memory");
	assert_int_equal(m.status, CVMM_MANIFEST_INCUBATING);
	assert_string_equal(cvmm_manifest_status_name(m.status), "incubating");
	assert_int_equal(m.n_depends, 0);
	assert_int_equal(m.n_fuzz_targets, 0);
	assert_int_equal(m.coverage_line, 10000);
	assert_int_equal(m.coverage_branch, 50);
	assert_false(m.guest_data);
}

/* Replace line `line` (1-based) of VALID by `with`, parse, check the error. */
static void expect_error(unsigned line, const char *with, unsigned err_line,
			 const char *message)
{
	char text[2048];
	const char *p = VALID;
	size_t n = 0;
	struct cvmm_manifest m;
	struct cvmm_manifest_error err;

	for (unsigned l = 1; *p != '\0'; l++) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p) + 1;

		if (l == line)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s",
					      with);
		else
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%.*s", (int)len, p);
		p = nl + 1;
	}
	assert_int_equal(cvmm_manifest_parse(text, n, &m, &err), -EINVAL);
	assert_int_equal(err.line, err_line);
	if (strstr(err.message, message) == NULL)
		fail_msg("message '%s' lacks '%s'", err.message, message);
}

static void each_defect_names_its_line_and_reason(void **state)
{
	(void)state;
	expect_error(2, "name = Virtio\n", 2, "name: 'Virtio' is not");
	expect_error(2, "name = a--b\n", 2, "is not a component name");
	expect_error(2, "name = -a\n", 2, "is not a component name");
	expect_error(3, "version = 1.0\n", 3, "not a semantic version");
	expect_error(3, "version = 01.0.0\n", 3, "not a semantic version");
	expect_error(3, "version = 1.0.0-\n", 3, "not a semantic version");
	expect_error(3, "version = 1.0.0+x\n", 3, "not a semantic version");
	expect_error(3, "version = 1.0.0-r_c\n", 3, "not a semantic version");
	expect_error(4, "status = stable\n", 4, "neither 'incubating'");
	expect_error(5, "prefix = cvmm_vq\n", 5, "ending in '_'");
	expect_error(5, "prefix = 9vq_\n", 5, "ending in '_'");
	expect_error(5, "prefix = Cvmm_\n", 5, "ending in '_'");
	expect_error(6, "depends = vm-memory,\n", 6, "depends: '' is not");
	expect_error(6, "depends = kvm, kvm\n", 6, "'kvm' is listed twice");
	expect_error(6, "depends = a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\n", 6,
		     "more than 16 entries");
	expect_error(7, "coverage-line = 101\n", 7, "not a percentage");
	expect_error(7, "coverage-line = 100.01\n", 7, "not a percentage");
	expect_error(7, "coverage-line = 95.\n", 7, "not a percentage");
	expect_error(7, "coverage-line = 95.123\n", 7, "not a percentage");
	expect_error(7, "coverage-line = .5\n", 7, "not a percentage");
	expect_error(7, "coverage-line = 12345\n", 7, "not a percentage");
	expect_error(9, "fuzz-targets = Bad\n", 9, "fuzz-targets: 'Bad'");
	expect_error(10, "license = Apache/2\n", 10, "not an SPDX");
	expect_error(10, "license =\n", 10, "not an SPDX");
	expect_error(11, "guest-data = maybe\n", 11, "neither 'yes' nor");
	expect_error(12, "bench-limits = a\n", 12, "is not 'name:ratio'");
	expect_error(12, "bench-limits = A:1\n", 12, "not a benchmark name");
	expect_error(12, "bench-limits = a..b:1\n", 12, "not a benchmark name");
	expect_error(12, "bench-limits = a:0\n", 12, "is not a ratio");
	expect_error(12, "bench-limits = a:x\n", 12, "is not a ratio");
	expect_error(12, "bench-limits = a:1, a:2\n", 12, "listed twice");
	expect_error(12,
		     "bench-limits = a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1,j:1,"
		     "k:1,l:1,m:1,n:1,o:1,p:1,q:1\n",
		     12, "more than 16 entries");
	expect_error(11, "name = again\n", 11, "repeats line 2");
	expect_error(11, "colour = blue\n", 11, "unknown key 'colour'");
	expect_error(11, "just words\n", 11, "expected 'key = value'");
	expect_error(11, " = value\n", 11, "missing key before '='");
	expect_error(4, "# status removed\n", 13,
		     "missing required key 'status'");
}

static void oversized_and_binary_input(void **state)
{
	char text[1024];
	struct cvmm_manifest m;
	struct cvmm_manifest_error err;

	(void)state;
	memset(text, 'a', sizeof(text));
	assert_int_equal(cvmm_manifest_parse(text, sizeof(text), &m, &err),
			 -EINVAL);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.message, "line longer than"));

	snprintf(text, sizeof(text), "name = %0300d\n", 0);
	assert_int_equal(parse(text, &m, &err), -EINVAL);
	assert_non_null(strstr(err.message, "value longer than"));

	snprintf(text, sizeof(text), "name = %060d\n", 0);
	assert_int_equal(parse(text, &m, &err), -EINVAL);
	assert_non_null(strstr(err.message, "not a component name"));

	snprintf(text, sizeof(text), "version = 1.0.%060d\n", 1);
	assert_int_equal(parse(text, &m, &err), -EINVAL);
	assert_non_null(strstr(err.message, "semantic version"));

	memcpy(text, "name = a\0b\n", 11);
	assert_int_equal(cvmm_manifest_parse(text, 11, &m, &err), -EINVAL);
	assert_non_null(strstr(err.message, "NUL byte"));

	assert_int_equal(cvmm_manifest_parse("", 0, &m, &err), -EINVAL);
	assert_int_equal(err.line, 1);
}

static void load_reports_unreadable_files(void **state)
{
	struct cvmm_manifest m;
	struct cvmm_manifest_error err;
	char path[] = "/tmp/cvmm-manifest-XXXXXX";
	FILE *f;

	(void)state;
	assert_int_equal(
	    cvmm_manifest_load("/nonexistent/manifest.conf", &m, &err),
	    -ENOENT);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.message, "cannot open"));
	assert_int_equal(cvmm_manifest_load("/", &m, &err), -EISDIR);
	assert_non_null(strstr(err.message, "cannot read"));

	f = fdopen(mkstemp(path), "w");
	assert_non_null(f);
	fputs(VALID, f);
	fclose(f);
	assert_int_equal(cvmm_manifest_load(path, &m, &err), 0);
	assert_string_equal(m.name, "virtio-queue");
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 70000; i++)
		fputc('#', f);
	fclose(f);
	assert_int_equal(cvmm_manifest_load(path, &m, &err), -EFBIG);
	remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_manifest_is_read_whole),
	    cmocka_unit_test(blank_lines_comments_crlf_and_empty_lists),
	    cmocka_unit_test(each_defect_names_its_line_and_reason),
	    cmocka_unit_test(oversized_and_binary_input),
	    cmocka_unit_test(load_reports_unreadable_files),
	};

	return cmocka_run_group_tests_name("manifest parser", tests, NULL,
					   NULL);
}
