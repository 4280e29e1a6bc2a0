/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of what is particular to each backend: alignment rules, guard
 * pages, the file behind the fd backend, and the test backend's granules,
 * fault injection and observer. The common rules are in the conformance
 * suite.
 */
#define _GNU_SOURCE
#include <cvmm/mem-fd.h>
#include <cvmm/mem-mmap.h>
#include <cvmm/mem-test.h>

#include <setjmp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc-fail.h"

#define PAGE 0x1000u

static const struct cvmm_mem_range one_page[] = {{{0x10000}, PAGE, 0}};

static void page_backends_require_page_alignment(void **state)
{
	const struct cvmm_mem_range odd_gpa[] = {{{0x10}, PAGE, 0}};
	const struct cvmm_mem_range odd_size[] = {{{0}, PAGE + 1, 0}};
	struct cvmm_mem_mmap *mm = NULL;
	struct cvmm_mem_fd *fm = NULL;

	(void)state;
	assert_int_equal(cvmm_mem_mmap_create(odd_gpa, 1, &mm), -ERANGE);
	assert_int_equal(cvmm_mem_mmap_create(odd_size, 1, &mm), -ERANGE);
	assert_int_equal(cvmm_mem_fd_create(odd_gpa, 1, -1, &fm), -ERANGE);
	assert_int_equal(cvmm_mem_fd_create(odd_size, 1, -1, &fm), -ERANGE);
	assert_int_equal(cvmm_mem_fd_create(odd_size, 0, -1, &fm), -ENODATA);
	/* The count is checked before any range is read. */
	assert_int_equal(
	    cvmm_mem_mmap_create(odd_gpa, CVMM_MEM_REGIONS_MAX + 1, &mm),
	    -E2BIG);
	assert_null(mm);
	assert_null(fm);
}

/* Touch host[offset] in a child; true if the child died of SIGSEGV. */
static bool touch_faults(volatile uint8_t *host, long offset)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		/* Die of the fault itself, not of a sanitizer's report. */
		signal(SIGSEGV, SIG_DFL);
		host[offset] = 1;
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

static void mmap_regions_have_guard_pages(void **state)
{
	const struct cvmm_mem_range layout[] = {{{0}, PAGE, 0},
						{{PAGE}, 2 * PAGE, 0}};
	struct cvmm_mem_mmap *mm = NULL;
	const struct cvmm_mem_region *r;

	(void)state;
	assert_int_equal(cvmm_mem_mmap_create(layout, 2, &mm), 0);
	assert_int_equal(cvmm_mem_regions_count(cvmm_mem_mmap_regions(mm)), 2);
	r = cvmm_mem_regions_at(cvmm_mem_mmap_regions(mm), 1);
	assert_int_equal(r->fd, -1);
	assert_false(touch_faults(r->host, 0));
	assert_false(touch_faults(r->host, 2 * PAGE - 1));
	assert_true(touch_faults(r->host, -1));
	assert_true(touch_faults(r->host, 2 * PAGE));
	cvmm_mem_mmap_destroy(mm);
	cvmm_mem_mmap_destroy(NULL);
}

static void mmap_failure_unmaps_what_was_mapped(void **state)
{
	/* The second range is larger than the x86-64 user address space. */
	const struct cvmm_mem_range huge[] = {
	    {{0}, PAGE, 0}, {{UINT64_C(1) << 48}, UINT64_C(1) << 48, 0}};
	const struct cvmm_mem_range wrapping_guard[] = {
	    {{0}, UINT64_MAX - 2 * PAGE + 1, 0}};
	struct cvmm_mem_mmap *mm = NULL;
	int rc;

	(void)state;
	rc = cvmm_mem_mmap_create(huge, 2, &mm);
	/* mmap's own errno: ENOMEM natively, EINVAL under valgrind. */
	assert_true(rc == -ENOMEM || rc == -EINVAL);
	assert_int_equal(cvmm_mem_mmap_create(wrapping_guard, 1, &mm), -ENOMEM);
	assert_null(mm);
}

static void memfd_lays_ranges_back_to_back(void **state)
{
	const struct cvmm_mem_range layout[] = {
	    {{0}, PAGE, 0}, {{0x100000}, PAGE, CVMM_MEM_REGION_READONLY}};
	struct cvmm_mem_fd *fm = NULL;
	const struct cvmm_mem_region *r0, *r1;
	struct cvmm_mem mem;
	uint32_t v = 0;

	(void)state;
	assert_int_equal(cvmm_mem_fd_create(layout, 2, -1, &fm), 0);
	mem = cvmm_mem_fd_iface(fm);
	r0 = cvmm_mem_regions_at(cvmm_mem_fd_regions(fm), 0);
	r1 = cvmm_mem_regions_at(cvmm_mem_fd_regions(fm), 1);
	assert_true(r0->fd >= 0);
	assert_int_equal(r0->fd, r1->fd);
	assert_true(r0->fd_offset == 0);
	assert_true(r1->fd_offset == PAGE);
	/* A write through the interface is in the file at the region offset. */
	assert_int_equal(
	    cvmm_mem_write_le32(&mem, cvmm_mem_gpa_from(8), 0xFEEDF00D), 0);
	assert_int_equal(pread(r0->fd, &v, 4, 8), 4);
	assert_int_equal(v, 0xFEEDF00D);
	/* And the file shows through the read-only region. */
	v = 0x12345678;
	assert_int_equal(pwrite(r1->fd, &v, 4, PAGE + 16), 4);
	v = 0;
	assert_int_equal(
	    cvmm_mem_read_le32(&mem, cvmm_mem_gpa_from(0x100010), &v), 0);
	assert_int_equal(v, 0x12345678);
	cvmm_mem_fd_destroy(fm);
	cvmm_mem_fd_destroy(NULL);
}

static void given_file_must_be_large_enough(void **state)
{
	FILE *f = tmpfile();
	struct cvmm_mem_fd *fm = NULL;
	const struct cvmm_mem_region *r;
	struct cvmm_mem mem;

	(void)state;
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), PAGE - 1), 0);
	assert_int_equal(cvmm_mem_fd_create(one_page, 1, fileno(f), &fm),
			 -ENOSPC);
	assert_int_equal(ftruncate(fileno(f), PAGE), 0);
	assert_int_equal(cvmm_mem_fd_create(one_page, 1, fileno(f), &fm), 0);
	/* The backend holds its own duplicate of the caller's descriptor. */
	r = cvmm_mem_regions_at(cvmm_mem_fd_regions(fm), 0);
	assert_int_not_equal(r->fd, fileno(f));
	fclose(f);
	mem = cvmm_mem_fd_iface(fm);
	assert_int_equal(cvmm_mem_write_u8(&mem, cvmm_mem_gpa_from(0x10000), 9),
			 0);
	cvmm_mem_fd_destroy(fm);
	fm = NULL;
	assert_int_equal(cvmm_mem_fd_create(one_page, 1, 1 << 20, &fm), -EBADF);
	assert_null(fm);
}

static void read_only_file_cannot_back_writable_memory(void **state)
{
	FILE *f = tmpfile();
	struct cvmm_mem_fd *fm = NULL;
	const struct cvmm_mem_range ro[] = {
	    {{0x10000}, PAGE, CVMM_MEM_REGION_READONLY}};
	char path[64];
	int fd;

	(void)state;
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), PAGE), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fileno(f));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(cvmm_mem_fd_create(one_page, 1, fd, &fm), -EACCES);
	assert_null(fm);
	assert_int_equal(cvmm_mem_fd_create(ro, 1, fd, &fm), 0);
	cvmm_mem_fd_destroy(fm);
	close(fd);
	fclose(f);
}

static void memfd_larger_than_a_file_can_be(void **state)
{
	const struct cvmm_mem_range layout[] = {
	    {{0}, UINT64_C(1) << 62, 0},
	    {{UINT64_C(1) << 62}, UINT64_C(1) << 62, 0},
	    {{UINT64_C(1) << 63}, UINT64_C(1) << 62, 0}};
	struct cvmm_mem_fd *fm = NULL;

	(void)state;
	assert_int_equal(cvmm_mem_fd_create(layout, 3, -1, &fm), -EFBIG);
	assert_null(fm);
}

static void test_backend_cuts_ranges_by_granule(void **state)
{
	const struct cvmm_mem_range layout[] = {{{100}, 10, 0}, {{200}, 3, 0}};
	const struct cvmm_mem_range too_many[] = {
	    {{0}, (uint64_t)CVMM_MEM_REGIONS_MAX + 1, 0}};
	struct cvmm_mem_test *tm = NULL;
	const struct cvmm_mem_regions *c;

	(void)state;
	assert_int_equal(cvmm_mem_test_create(layout, 2, 3, &tm), 0);
	c = cvmm_mem_test_regions(tm);
	/* 10 bytes in 3-byte pieces is 4 regions; 3 bytes is one. */
	assert_int_equal(cvmm_mem_regions_count(c), 5);
	assert_true(cvmm_mem_regions_at(c, 3)->gpa.raw == 109);
	assert_true(cvmm_mem_regions_at(c, 3)->size == 1);
	assert_true(cvmm_mem_regions_at(c, 4)->size == 3);
	cvmm_mem_test_destroy(tm);

	assert_int_equal(cvmm_mem_test_create(layout, 2, 0, &tm), 0);
	assert_int_equal(cvmm_mem_regions_count(cvmm_mem_test_regions(tm)), 2);
	cvmm_mem_test_destroy(tm);
	cvmm_mem_test_destroy(NULL);

	tm = NULL;
	assert_int_equal(cvmm_mem_test_create(too_many, 1, 1, &tm), -E2BIG);
	assert_int_equal(cvmm_mem_test_create(layout, 0, 1, &tm), -ENODATA);
	assert_null(tm);
}

static void test_backend_fails_the_nth_operation(void **state)
{
	struct cvmm_mem_test *tm = NULL;
	struct cvmm_mem mem;
	uint8_t b = 0;
	void *host = NULL;

	(void)state;
	assert_int_equal(cvmm_mem_test_create(one_page, 1, 0, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	assert_int_equal(cvmm_mem_test_fail_nth(tm, 1, 0), -EINVAL);
	assert_int_equal(cvmm_mem_test_fail_nth(tm, 3, -EIO), 0);
	assert_int_equal(cvmm_mem_write_u8(&mem, cvmm_mem_gpa_from(0x10000), 5),
			 0);
	assert_int_equal(cvmm_mem_check(&mem, cvmm_mem_gpa_from(0x10000), 1,
					CVMM_MEM_ACCESS_READ),
			 0);
	assert_false(cvmm_mem_test_failure_fired(tm));
	/* The third operation fails and does not touch memory. */
	assert_int_equal(cvmm_mem_write_u8(&mem, cvmm_mem_gpa_from(0x10000), 7),
			 -EIO);
	assert_true(cvmm_mem_test_failure_fired(tm));
	assert_int_equal(cvmm_mem_read_u8(&mem, cvmm_mem_gpa_from(0x10000), &b),
			 0);
	assert_int_equal(b, 5);
	assert_int_equal(cvmm_mem_test_op_count(tm), 4);
	/* Every kind of operation can be failed. */
	assert_int_equal(cvmm_mem_test_fail_nth(tm, 1, -ENOSPC), 0);
	assert_int_equal(cvmm_mem_translate(&mem, cvmm_mem_gpa_from(0x10000), 1,
					    CVMM_MEM_ACCESS_READ, &host),
			 -ENOSPC);
	assert_null(host);
	assert_int_equal(cvmm_mem_test_fail_nth(tm, 1, -EIO), 0);
	assert_int_equal(cvmm_mem_read_u8(&mem, cvmm_mem_gpa_from(0x10000), &b),
			 -EIO);
	assert_int_equal(cvmm_mem_test_fail_nth(tm, 1, -EIO), 0);
	assert_int_equal(cvmm_mem_check(&mem, cvmm_mem_gpa_from(0x10000), 1,
					CVMM_MEM_ACCESS_READ),
			 -EIO);
	/* Disarmed: nothing fails. */
	assert_int_equal(cvmm_mem_test_fail_nth(tm, 0, -EIO), 0);
	assert_int_equal(cvmm_mem_translate(&mem, cvmm_mem_gpa_from(0x10000), 1,
					    CVMM_MEM_ACCESS_READ, &host),
			 0);
	assert_false(cvmm_mem_test_failure_fired(tm));
	assert_int_equal(cvmm_mem_test_fail_nth(tm, UINT64_MAX, -EIO),
			 -EOVERFLOW);
	cvmm_mem_test_destroy(tm);
}

struct log {
	int n;
	enum cvmm_mem_test_op op[4];
	uint64_t gpa[4], len[4];
	int rc[4];
};

static void record(void *arg, enum cvmm_mem_test_op op, cvmm_mem_gpa gpa,
		   uint64_t len, int rc)
{
	struct log *l = arg;

	if (l->n < 4) {
		l->op[l->n] = op;
		l->gpa[l->n] = gpa.raw;
		l->len[l->n] = len;
		l->rc[l->n] = rc;
	}
	l->n++;
}

static void test_backend_reports_every_operation(void **state)
{
	struct cvmm_mem_test *tm = NULL;
	struct log l = {0};
	struct cvmm_mem mem;
	uint8_t b[2];
	void *host;

	(void)state;
	assert_int_equal(cvmm_mem_test_create(one_page, 1, 1, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	cvmm_mem_test_set_observer(tm, record, &l);
	assert_int_equal(cvmm_mem_read(&mem, cvmm_mem_gpa_from(0x10001), b, 2),
			 0);
	assert_int_equal(cvmm_mem_write(&mem, cvmm_mem_gpa_from(0x20000), b, 2),
			 -EFAULT);
	assert_int_equal(cvmm_mem_check(&mem, cvmm_mem_gpa_from(0x10000), 9,
					CVMM_MEM_ACCESS_WRITE),
			 0);
	/* With 1-byte regions, a 2-byte translation cannot succeed. */
	assert_int_equal(cvmm_mem_translate(&mem, cvmm_mem_gpa_from(0x10000), 2,
					    CVMM_MEM_ACCESS_READ, &host),
			 -EXDEV);
	cvmm_mem_test_set_observer(tm, NULL, NULL);
	assert_int_equal(cvmm_mem_read(&mem, cvmm_mem_gpa_from(0x10001), b, 2),
			 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.op[0], CVMM_MEM_TEST_READ);
	assert_true(l.gpa[0] == 0x10001 && l.len[0] == 2 && l.rc[0] == 0);
	assert_int_equal(l.op[1], CVMM_MEM_TEST_WRITE);
	assert_int_equal(l.rc[1], -EFAULT);
	assert_int_equal(l.op[2], CVMM_MEM_TEST_CHECK);
	assert_true(l.len[2] == 9);
	assert_int_equal(l.op[3], CVMM_MEM_TEST_TRANSLATE);
	assert_int_equal(l.rc[3], -EXDEV);
	cvmm_mem_test_destroy(tm);
}

/* SQLite-style: fail each allocation in turn until creation succeeds. */
static void every_backend_survives_each_allocation_failure(void **state)
{
	const struct cvmm_mem_range layout[] = {{{0}, PAGE, 0},
						{{0x4000}, 2 * PAGE, 0}};

	(void)state;
	for (int backend = 0; backend < 4; backend++) {
		int rc = -1;

		for (uint64_t n = 1; rc != 0; n++) {
			void *b = NULL;

			cvmm_alloc_fail_nth(n);
			switch (backend) {
			case 0:
				rc = cvmm_mem_mmap_create(
				    layout, 2, (struct cvmm_mem_mmap **)&b);
				if (rc == 0)
					cvmm_mem_mmap_destroy(b);
				break;
			case 1:
				rc = cvmm_mem_fd_create(
				    layout, 2, -1, (struct cvmm_mem_fd **)&b);
				if (rc == 0)
					cvmm_mem_fd_destroy(b);
				break;
			case 2:
				rc = cvmm_mem_test_create(
				    layout, 2, 0, (struct cvmm_mem_test **)&b);
				if (rc == 0)
					cvmm_mem_test_destroy(b);
				break;
			default:
				rc = cvmm_mem_test_create(
				    layout, 2, 512,
				    (struct cvmm_mem_test **)&b);
				if (rc == 0)
					cvmm_mem_test_destroy(b);
				break;
			}
			if (cvmm_alloc_fail_fired()) {
				assert_int_equal(rc, -ENOMEM);
				assert_null(b);
			} else {
				assert_int_equal(rc, 0);
			}
		}
	}
	cvmm_alloc_fail_nth(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(page_backends_require_page_alignment),
	    cmocka_unit_test(mmap_regions_have_guard_pages),
	    cmocka_unit_test(mmap_failure_unmaps_what_was_mapped),
	    cmocka_unit_test(memfd_lays_ranges_back_to_back),
	    cmocka_unit_test(given_file_must_be_large_enough),
	    cmocka_unit_test(read_only_file_cannot_back_writable_memory),
	    cmocka_unit_test(memfd_larger_than_a_file_can_be),
	    cmocka_unit_test(test_backend_cuts_ranges_by_granule),
	    cmocka_unit_test(test_backend_fails_the_nth_operation),
	    cmocka_unit_test(test_backend_reports_every_operation),
	    cmocka_unit_test(every_backend_survives_each_allocation_failure),
	};

	return cmocka_run_group_tests_name("vm-memory backends", tests, NULL,
					   NULL);
}
