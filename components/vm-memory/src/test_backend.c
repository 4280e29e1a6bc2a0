/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The test backend: each range cut into separately allocated regions of a
 * chosen size, behind an ops table that counts operations, injects a
 * failure on the Nth one and reports each to an observer.
 */
#include <cvmm/mem-test.h>

#include <stdlib.h>

#include "layout.h"

struct cvmm_mem_test {
	struct cvmm_mem_regions *regions;
	uint64_t ops;
	uint64_t fail_at; /* operation number that fails; 0 = none */
	int fail_err;
	bool fired;
	cvmm_mem_test_observer observer;
	void *observer_arg;
};

/* Number of regions granule-sized pieces of ranges need; 0 if too many. */
static size_t count_regions(const struct cvmm_mem_range *ranges, size_t n,
			    uint64_t granule)
{
	uint64_t total = 0;

	if (granule == 0)
		return n;
	for (size_t i = 0; i < n; i++) {
		uint64_t pieces =
		    ranges[i].size / granule + (ranges[i].size % granule != 0);
		if (__builtin_add_overflow(total, pieces, &total) ||
		    total > CVMM_MEM_REGIONS_MAX)
			return 0;
	}
	return (size_t)total;
}

static void free_hosts(struct cvmm_mem_region *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].host);
}

/* Cut the ranges into pieces and allocate each; -ENOMEM on failure. */
static int build_pieces(const struct cvmm_mem_range *ranges, size_t n,
			uint64_t granule, struct cvmm_mem_region *r)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t piece = granule != 0 ? granule : ranges[i].size;

		for (uint64_t off = 0, size; off < ranges[i].size;
		     off += size, k++) {
			uint64_t left = ranges[i].size - off;

			size = left < piece ? left : piece;

			r[k].gpa.raw = ranges[i].gpa.raw + off;
			r[k].size = size;
			r[k].flags = ranges[i].flags;
			r[k].fd = -1;
			r[k].host =
			    size <= SIZE_MAX ? calloc(1, (size_t)size) : NULL;
			if (r[k].host == NULL) {
				free_hosts(r, k);
				return -ENOMEM;
			}
		}
	}
	return 0;
}

int cvmm_mem_test_create(const struct cvmm_mem_range *ranges, size_t n,
			 uint64_t granule, struct cvmm_mem_test **out)
{
	struct cvmm_mem_region *r;
	struct cvmm_mem_test *tm;
	size_t count;
	int rc = cvmm_mem__check_ranges(ranges, n);

	if (rc != 0)
		return rc;
	count = count_regions(ranges, n, granule);
	if (count == 0)
		return -E2BIG;
	tm = calloc(1, sizeof(*tm));
	r = calloc(count, sizeof(*r));
	if (tm == NULL || r == NULL) {
		free(tm);
		free(r);
		return -ENOMEM;
	}
	rc = build_pieces(ranges, n, granule, r);
	if (rc == 0) {
		rc = cvmm_mem_regions_create(r, count, &tm->regions);
		if (rc != 0)
			free_hosts(r, count);
	}
	free(r);
	if (rc != 0) {
		free(tm);
		return rc;
	}
	*out = tm;
	return 0;
}

void cvmm_mem_test_destroy(struct cvmm_mem_test *tm)
{
	if (tm == NULL)
		return;
	for (size_t i = 0; i < cvmm_mem_regions_count(tm->regions); i++)
		free(cvmm_mem_regions_at(tm->regions, i)->host);
	cvmm_mem_regions_destroy(tm->regions);
	free(tm);
}

/* Count an operation; a negative errno if it is the one set to fail. */
static int inject(struct cvmm_mem_test *tm)
{
	tm->ops++;
	if (tm->fail_at != 0 && tm->ops == tm->fail_at) {
		tm->fired = true;
		return tm->fail_err;
	}
	return 0;
}

static int observed(struct cvmm_mem_test *tm, enum cvmm_mem_test_op op,
		    cvmm_mem_gpa gpa, uint64_t len, int rc)
{
	if (tm->observer != NULL)
		tm->observer(tm->observer_arg, op, gpa, len, rc);
	return rc;
}

static int test_read(void *ctx, cvmm_mem_gpa gpa, void *dst, size_t len)
{
	struct cvmm_mem_test *tm = ctx;
	int rc = inject(tm);

	if (rc == 0)
		rc = cvmm_mem_regions_ops.read(tm->regions, gpa, dst, len);
	return observed(tm, CVMM_MEM_TEST_READ, gpa, len, rc);
}

static int test_write(void *ctx, cvmm_mem_gpa gpa, const void *src, size_t len)
{
	struct cvmm_mem_test *tm = ctx;
	int rc = inject(tm);

	if (rc == 0)
		rc = cvmm_mem_regions_ops.write(tm->regions, gpa, src, len);
	return observed(tm, CVMM_MEM_TEST_WRITE, gpa, len, rc);
}

static int test_check(void *ctx, cvmm_mem_gpa gpa, uint64_t len,
		      unsigned access)
{
	struct cvmm_mem_test *tm = ctx;
	int rc = inject(tm);

	if (rc == 0)
		rc = cvmm_mem_regions_ops.check(tm->regions, gpa, len, access);
	return observed(tm, CVMM_MEM_TEST_CHECK, gpa, len, rc);
}

static int test_translate(void *ctx, cvmm_mem_gpa gpa, uint64_t len,
			  unsigned access, void **host)
{
	struct cvmm_mem_test *tm = ctx;
	int rc = inject(tm);

	if (rc == 0)
		rc = cvmm_mem_regions_ops.translate(tm->regions, gpa, len,
						    access, host);
	return observed(tm, CVMM_MEM_TEST_TRANSLATE, gpa, len, rc);
}

static const struct cvmm_mem_ops test_ops = {
    .read = test_read,
    .write = test_write,
    .check = test_check,
    .translate = test_translate,
};

struct cvmm_mem cvmm_mem_test_iface(struct cvmm_mem_test *tm)
{
	struct cvmm_mem mem = {&test_ops, tm};
	return mem;
}

const struct cvmm_mem_regions *
cvmm_mem_test_regions(const struct cvmm_mem_test *tm)
{
	return tm->regions;
}

int cvmm_mem_test_fail_nth(struct cvmm_mem_test *tm, uint64_t nth, int err)
{
	if (err >= 0)
		return -EINVAL;
	tm->fail_at = 0;
	tm->fired = false;
	if (nth != 0 && __builtin_add_overflow(tm->ops, nth, &tm->fail_at))
		return -EOVERFLOW;
	tm->fail_err = err;
	return 0;
}

bool cvmm_mem_test_failure_fired(const struct cvmm_mem_test *tm)
{
	return tm->fired;
}

uint64_t cvmm_mem_test_op_count(const struct cvmm_mem_test *tm)
{
	return tm->ops;
}

void cvmm_mem_test_set_observer(struct cvmm_mem_test *tm,
				cvmm_mem_test_observer fn, void *arg)
{
	tm->observer = fn;
	tm->observer_arg = arg;
}
