/* SPDX-License-Identifier: Apache-2.0 */
/* Image sources: buffers, files, and their failures. */
#define _GNU_SOURCE
#include <cvmm/ll-boot.h>
#include <cvmm/ll.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "expect.h"

static void test_buffer(void **state)
{
	const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct cvmm_ll_source src = cvmm_ll_source_buffer(data, sizeof(data));
	uint8_t out[8] = {0};

	(void)state;
	assert_int_equal(src.size, 8);
	assert_int_equal(cvmm_ll_source_read(&src, 2, out, 6), 0);
	assert_memory_equal(out, data + 2, 6);
	assert_int_equal(cvmm_ll_source_read(&src, 3, out, 6), -ERANGE);
	assert_int_equal(cvmm_ll_source_read(&src, UINT64_MAX, out, 2),
			 -ERANGE);
	assert_int_equal(cvmm_ll_source_read(&src, 8, NULL, 0), 0);
	assert_int_equal(cvmm_ll_source_read(&src, 9, NULL, 0), -ERANGE);
	cvmm_ll_source_close(&src);
	assert_null(src.ops);
	cvmm_ll_source_close(&src);
	cvmm_ll_source_close(NULL);
}

/* The descriptor a file source holds: the one pointing at path. */
static int find_fd(const char *path)
{
	for (int fd = 3; fd < 1024; fd++) {
		char link[64], target[PATH_MAX];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (strcmp(target, path) == 0)
				return fd;
		}
	}
	return -1;
}

static void test_file(void **state)
{
	char path[] = "/tmp/cvmm-ll-source-XXXXXX";
	uint8_t data[5000], out[5000];
	struct cvmm_ll_source src;
	struct cvmm_ll_error err;
	int fd = mkstemp(path), dir;

	(void)state;
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	close(fd);
	check_ok(cvmm_ll_source_open(path, &src, &err), err);
	assert_int_equal(src.size, sizeof(data));
	assert_int_equal(cvmm_ll_source_read(&src, 100, out, 4900), 0);
	assert_memory_equal(out, data + 100, 4900);
	/* The file shrinks under the source: a short read. */
	assert_int_equal(truncate(path, 1000), 0);
	assert_int_equal(cvmm_ll_source_read(&src, 900, out, 200), -EIO);
	/* pread itself fails: the descriptor now names a directory. */
	fd = find_fd(path);
	assert_true(fd >= 0);
	dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_true(dir >= 0);
	assert_int_equal(dup2(dir, fd), fd);
	close(dir);
	assert_int_equal(cvmm_ll_source_read(&src, 0, out, 10), -EISDIR);
	cvmm_ll_source_close(&src);
	unlink(path);
	check_err(cvmm_ll_source_open(path, &src, &err), err, -ENOENT,
		  "cannot open /tmp/cvmm-ll-source-");
	check_err(cvmm_ll_source_open("/tmp", &src, &err), err, -EINVAL,
		  "/tmp is not a regular file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buffer),
	    cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
