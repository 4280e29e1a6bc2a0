/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test backend: guest memory for tests and fuzz targets.
 *
 * - Granularity: each range is cut into regions of `granule` bytes (the last
 *   one may be shorter), each a separate heap allocation. With granule 1
 *   every byte is its own region, so any code that walks past a region
 *   through one host pointer is caught by AddressSanitizer or valgrind, and
 *   every multi-byte access has to span regions. granule 0 means one region
 *   per range.
 * - Fault injection: the Nth operation (read, write, check or translate)
 *   through the interface fails with a chosen errno, for SQLite-style
 *   "fail every N in turn" loops.
 * - Observation: a callback sees every operation and its result, so a test
 *   can record which guest bytes a piece of code read or wrote.
 *
 * Ranges need no alignment. Layout errors are those of
 * cvmm_mem_regions_create(); -ENOMEM if allocation fails.
 *
 * Ownership: create allocates, destroy frees everything. The handle and host
 * pointers are borrowed until destroy. Not thread-safe: the counters are
 * plain fields.
 */
#ifndef CVMM_MEM_TEST_H
#define CVMM_MEM_TEST_H

#include <cvmm/mem-regions.h>

struct cvmm_mem_test;

/* Operation kinds reported to an observer. */
enum cvmm_mem_test_op {
	CVMM_MEM_TEST_READ,
	CVMM_MEM_TEST_WRITE,
	CVMM_MEM_TEST_CHECK,
	CVMM_MEM_TEST_TRANSLATE,
};

/* Called after every operation with its range and its result. */
typedef void (*cvmm_mem_test_observer)(void *arg, enum cvmm_mem_test_op op,
				       cvmm_mem_gpa gpa, uint64_t len,
				       int result);

/* Allocate ranges[0..n), zero-filled, cut into regions of granule bytes. */
CVMM_MEM_MUST_CHECK int
cvmm_mem_test_create(const struct cvmm_mem_range *ranges, size_t n,
		     uint64_t granule, struct cvmm_mem_test **out);

/* Free everything (NULL is allowed). */
void cvmm_mem_test_destroy(struct cvmm_mem_test *tm);

/* The guest-memory interface, with fault injection and observation. */
struct cvmm_mem cvmm_mem_test_iface(struct cvmm_mem_test *tm);

/* The underlying regions (no injection, no observation). */
const struct cvmm_mem_regions *
cvmm_mem_test_regions(const struct cvmm_mem_test *tm);

/*
 * Make the nth operation from now (1 = the next one) fail with err (a
 * negative errno) without touching memory; later operations succeed again.
 * nth 0 disarms. Returns -EINVAL if err is not negative.
 */
CVMM_MEM_MUST_CHECK int cvmm_mem_test_fail_nth(struct cvmm_mem_test *tm,
					       uint64_t nth, int err);

/* True if an armed failure has fired since it was armed. */
bool cvmm_mem_test_failure_fired(const struct cvmm_mem_test *tm);

/* Operations performed through the interface since create. */
uint64_t cvmm_mem_test_op_count(const struct cvmm_mem_test *tm);

/* Install (or, with fn NULL, remove) the observer. */
void cvmm_mem_test_set_observer(struct cvmm_mem_test *tm,
				cvmm_mem_test_observer fn, void *arg);

#endif
