/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the region collection: validation, lookup and accessors. */
#include <cvmm/mem-regions.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc-fail.h"

static uint8_t backing[4][64];

static struct cvmm_mem_region region(uint64_t gpa, uint64_t size, int i)
{
	struct cvmm_mem_region r = {
	    cvmm_mem_gpa_from(gpa), size, backing[i], 0, -1, 0};
	return r;
}

static void expect_refused(const struct cvmm_mem_region *r, size_t n, int err)
{
	struct cvmm_mem_regions *c = (struct cvmm_mem_regions *)1;

	assert_int_equal(cvmm_mem_regions_create(r, n, &c), err);
	/* *out is untouched on failure. */
	assert_ptr_equal(c, (struct cvmm_mem_regions *)1);
}

static void each_layout_defect_has_its_own_errno(void **state)
{
	struct cvmm_mem_region r[2];

	(void)state;
	expect_refused(NULL, 0, -ENODATA);
	r[0] = region(0, 0, 0);
	expect_refused(r, 1, -EINVAL);
	r[0] = region(UINT64_MAX - 15, 16, 0);
	expect_refused(r, 1, -EOVERFLOW);
	r[0] = region(0x100, 64, 0);
	r[1] = region(0x0, 64, 1);
	expect_refused(r, 2, -EDOM);
	r[0] = region(0x0, 64, 0);
	r[1] = region(0x3F, 64, 1);
	expect_refused(r, 2, -EEXIST);
	r[1] = region(0x40, 64, 1);
	r[1].host = NULL;
	expect_refused(r, 2, -EFAULT);
	r[1] = region(0x40, 64, 1);
	r[1].flags = 0x10;
	expect_refused(r, 2, -EOPNOTSUPP);
	/* The count is checked before any element is read. */
	expect_refused(r, CVMM_MEM_REGIONS_MAX + 1, -E2BIG);
}

static void boundaries_that_are_accepted(void **state)
{
	/* Adjacent regions, and one whose last byte is 2^64 - 2. */
	struct cvmm_mem_region r[3] = {
	    region(0x0, 64, 0),
	    region(0x40, 64, 1),
	    region(UINT64_MAX - 15, 15, 2),
	};
	struct cvmm_mem_regions *c = NULL;

	(void)state;
	assert_int_equal(cvmm_mem_regions_create(r, 3, &c), 0);
	assert_int_equal(cvmm_mem_regions_count(c), 3);
	assert_true(cvmm_mem_regions_total(c) == 64 + 64 + 15);
	cvmm_mem_regions_destroy(c);
}

static void lookup_and_accessors(void **state)
{
	struct cvmm_mem_region r[3] = {
	    region(0x1000, 64, 0),
	    region(0x1040, 64, 1),
	    region(0x2000, 64, 2),
	};
	struct cvmm_mem_regions *c = NULL;
	struct cvmm_mem mem;
	uint8_t b[4] = {1, 2, 3, 4}, out[4] = {0};

	(void)state;
	assert_int_equal(cvmm_mem_regions_create(r, 3, &c), 0);
	/* The collection holds a copy: changing the input changes nothing. */
	r[0].gpa = cvmm_mem_gpa_from(0x9999);
	assert_true(cvmm_mem_regions_at(c, 0)->gpa.raw == 0x1000);
	assert_null(cvmm_mem_regions_at(c, 3));
	assert_null(cvmm_mem_regions_find(c, cvmm_mem_gpa_from(0xFFF)));
	assert_ptr_equal(cvmm_mem_regions_find(c, cvmm_mem_gpa_from(0x1000)),
			 cvmm_mem_regions_at(c, 0));
	assert_ptr_equal(cvmm_mem_regions_find(c, cvmm_mem_gpa_from(0x1040)),
			 cvmm_mem_regions_at(c, 1));
	assert_ptr_equal(cvmm_mem_regions_find(c, cvmm_mem_gpa_from(0x203F)),
			 cvmm_mem_regions_at(c, 2));
	assert_null(cvmm_mem_regions_find(c, cvmm_mem_gpa_from(0x1080)));
	assert_null(cvmm_mem_regions_find(c, cvmm_mem_gpa_from(0x2040)));

	mem = cvmm_mem_regions_iface(c);
	assert_ptr_equal(mem.ops, &cvmm_mem_regions_ops);
	assert_int_equal(cvmm_mem_write(&mem, cvmm_mem_gpa_from(0x103E), b, 4),
			 0);
	/* The bytes land in the two host buffers the regions point to. */
	assert_int_equal(backing[0][62], 1);
	assert_int_equal(backing[0][63], 2);
	assert_int_equal(backing[1][0], 3);
	assert_int_equal(backing[1][1], 4);
	assert_int_equal(cvmm_mem_read(&mem, cvmm_mem_gpa_from(0x103E), out, 4),
			 0);
	assert_memory_equal(b, out, 4);
	/* Below the first region. */
	assert_int_equal(cvmm_mem_read(&mem, cvmm_mem_gpa_from(0xFFF), out, 1),
			 -EFAULT);
	cvmm_mem_regions_destroy(c);
	cvmm_mem_regions_destroy(NULL);
}

static void allocation_failure_leaves_nothing(void **state)
{
	struct cvmm_mem_region r[1] = {region(0, 64, 0)};
	struct cvmm_mem_regions *c = NULL;
	int rc;

	(void)state;
	for (uint64_t n = 1;; n++) {
		cvmm_alloc_fail_nth(n);
		rc = cvmm_mem_regions_create(r, 1, &c);
		if (!cvmm_alloc_fail_fired())
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(c);
	}
	cvmm_alloc_fail_nth(0);
	assert_int_equal(rc, 0);
	cvmm_mem_regions_destroy(c);
}

static void strerror_names_every_access_error(void **state)
{
	(void)state;
	assert_string_equal(cvmm_mem_strerror(0), "success");
	assert_string_equal(cvmm_mem_strerror(-EFAULT),
			    "range is not guest memory");
	assert_string_equal(cvmm_mem_strerror(-EOVERFLOW),
			    "range wraps past the top of the address space");
	assert_string_equal(cvmm_mem_strerror(-EACCES),
			    "write to read-only guest memory");
	assert_string_equal(cvmm_mem_strerror(-EINVAL), "invalid argument");
	assert_string_equal(cvmm_mem_strerror(-ENOMEM), "out of memory");
	assert_string_equal(cvmm_mem_strerror(-EIO),
			    "guest memory access failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_layout_defect_has_its_own_errno),
	    cmocka_unit_test(boundaries_that_are_accepted),
	    cmocka_unit_test(lookup_and_accessors),
	    cmocka_unit_test(allocation_failure_leaves_nothing),
	    cmocka_unit_test(strerror_names_every_access_error),
	};

	return cmocka_run_group_tests_name("vm-memory regions", tests, NULL,
					   NULL);
}
