/* SPDX-License-Identifier: Apache-2.0 */
/* The guest-memory watch: what it logs, and each check's answer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mem-watch.h"

struct fx {
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	struct cvmm_mw w;
};

static int setup(void **state)
{
	static struct fx f;
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0x1000), 0x1000, 0};

	if (cvmm_mem_test_create(&r, 1, 0, &f.tm) != 0 ||
	    cvmm_mw_init(&f.w, 8) != 0)
		return -1;
	f.mem = cvmm_mem_test_iface(f.tm);
	cvmm_mw_attach(&f.w, f.tm);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	cvmm_mw_detach(f->tm);
	cvmm_mw_fini(&f->w);
	cvmm_mem_test_destroy(f->tm);
	return 0;
}

static void writes_make_the_hull(void **state)
{
	struct fx *f = *state;
	uint8_t b[16] = {0};
	void *host;
	const struct cvmm_mw_range in = {0x1100, 0x1300},
				   tight = {0x1100, 0x12ff};

	assert_int_equal(f->w.writes, 0);
	assert_true(f->w.lo == UINT64_MAX && f->w.hi == 0);
	assert_int_equal(
	    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(0x1200), b, 16), 0);
	assert_int_equal(cvmm_mem_translate(&f->mem, cvmm_mem_gpa_from(0x1100),
					    0x10, CVMM_MEM_ACCESS_WRITE, &host),
			 0);
	/* Empty accesses and checks are not logged. */
	assert_int_equal(
	    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(0x1f00), b, 0), 0);
	assert_int_equal(cvmm_mem_check(&f->mem, cvmm_mem_gpa_from(0x1000),
					0x1000, CVMM_MEM_ACCESS_WRITE),
			 0);
	assert_int_equal(f->w.writes, 2);
	assert_true(f->w.lo == 0x1100 && f->w.hi == 0x1210);
	assert_true(cvmm_mw_writes_inside(&f->w, &in, 1));
	/* A write one byte past the allowed range is caught. */
	assert_int_equal(
	    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(0x12f0), b, 16), 0);
	assert_false(cvmm_mw_writes_inside(&f->w, &tight, 1));
	assert_false(cvmm_mw_writes_inside(&f->w, NULL, 0));
	cvmm_mw_clear(&f->w);
	assert_int_equal(f->w.writes, 0);
	assert_true(cvmm_mw_writes_inside(&f->w, NULL, 0));
}

static void a_byte_read_twice_is_found(void **state)
{
	struct fx *f = *state;
	uint8_t b[8];
	uint64_t at;

	cvmm_mw_clear(&f->w);
	assert_int_equal(
	    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(0x1010), b, 8), 0);
	assert_int_equal(
	    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(0x1000), b, 8), 0);
	/* Adjacent reads, and a write over them, are not double fetches. */
	assert_int_equal(
	    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(0x1008), b, 8), 0);
	assert_int_equal(
	    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(0x1000), b, 8), 0);
	assert_false(cvmm_mw_read_twice(&f->w, &at));
	assert_true(at == UINT64_MAX);
	/* The last byte of one read again. */
	assert_int_equal(
	    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(0x1017), b, 1), 0);
	assert_true(cvmm_mw_read_twice(&f->w, &at));
	assert_true(at == 0x1017);
}

static void a_full_log_fails_closed(void **state)
{
	struct fx *f = *state;
	uint8_t b = 0;
	uint64_t at = 0;
	const struct cvmm_mw_range all = {0, UINT64_MAX};

	cvmm_mw_clear(&f->w);
	for (uint64_t i = 0; i < 9; i++)
		assert_int_equal(cvmm_mem_write(&f->mem,
						cvmm_mem_gpa_from(0x1000 + i),
						&b, 1),
				 0);
	assert_true(f->w.overflow);
	assert_int_equal(f->w.writes, 9);
	assert_true(f->w.lo == 0x1000 && f->w.hi == 0x1009);
	assert_false(cvmm_mw_writes_inside(&f->w, &all, 1));
	assert_true(cvmm_mw_read_twice(&f->w, &at));
	assert_true(at == UINT64_MAX);
}

static void a_hull_only_watch(void **state)
{
	struct cvmm_mw w;
	uint8_t b = 0;
	struct fx *f = *state;

	assert_int_equal(cvmm_mw_init(&w, 0), 0);
	cvmm_mw_attach(&w, f->tm);
	assert_int_equal(
	    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(0x1ff0), &b, 1), 0);
	/* An access that wraps the address space is clipped to its end. */
	cvmm_mw_observe(&w, CVMM_MEM_TEST_WRITE, cvmm_mem_gpa_from(UINT64_MAX),
			2, -EFAULT);
	assert_int_equal(w.writes, 2);
	assert_true(w.lo == 0x1ff0 && w.hi == UINT64_MAX);
	assert_true(w.overflow);
	cvmm_mw_attach(&f->w, f->tm);
	cvmm_mw_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(writes_make_the_hull),
	    cmocka_unit_test(a_byte_read_twice_is_found),
	    cmocka_unit_test(a_full_log_fails_closed),
	    cmocka_unit_test(a_hull_only_watch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
