/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation-failure injection for tests (SQLite's anomaly testing): a test
 * binary linked with cvmm::alloc-fail has malloc, calloc and realloc routed
 * through counters (ld --wrap), so it can fail the Nth allocation, for every
 * N in turn, until the operation under test succeeds, and check that each
 * failure was reported cleanly and leaked nothing (ASan/valgrind check the
 * leaks, and cvmm_alloc_fail_live() lets a test check its own balance at
 * once). Only calls made from objects linked into the test binary are
 * counted (free too); the C library's own allocations are not, so a test
 * compares live counts around code that frees only what it allocated.
 *
 * This is test machinery: it is process-global by nature and not
 * thread-safe. Components never link it.
 */
#ifndef CVMM_HARNESS_ALLOC_FAIL_H
#define CVMM_HARNESS_ALLOC_FAIL_H

#include <stdint.h>

/* Fail the nth allocation from now (1 = the next); 0 disarms. */
void cvmm_alloc_fail_nth(uint64_t nth);

/* True if the armed failure has fired. */
int cvmm_alloc_fail_fired(void);

/* Allocations counted since the process started. */
uint64_t cvmm_alloc_fail_count(void);

/* Blocks allocated and not yet freed (successful malloc, calloc and
 * realloc(NULL, n) minus free of non-NULL pointers) since the process
 * started: equal before and after code that leaks nothing. */
int64_t cvmm_alloc_fail_live(void);

#endif
