/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared benchmark helpers. A benchmark measures the component's checked
 * path and a baseline doing the same work without the checks, in the same
 * run, and reports both with their ratio. Ratios, not absolute times, are
 * what the gate compares with the limits in a manifest, so a noisy machine
 * does not decide.
 *
 * Output, one line per figure, machine-readable and readable:
 *   bench <name>: <checked> <unit> vs baseline <baseline> <unit>: ratio <r>
 * where ratio = baseline rate / checked rate (1.0 = as fast as the baseline,
 * 2.0 = half as fast).
 */
#ifndef CVMM_HARNESS_BENCH_H
#define CVMM_HARNESS_BENCH_H

#include <stdint.h>

/* Monotonic time in nanoseconds. */
uint64_t cvmm_bench_now_ns(void);

/*
 * Run fn(arg, iterations) with growing iteration counts until one call takes
 * at least min_ns, then return that call's rate in iterations per second.
 * The best of `repeats` such measurements is returned, to shed noise.
 */
double cvmm_bench_rate(void (*fn)(void *arg, uint64_t iterations), void *arg,
		       uint64_t min_ns, int repeats);

/* Print one "bench" line and return the ratio baseline/checked. */
double cvmm_bench_report(const char *name, double checked_rate,
			 double baseline_rate, const char *unit);

/*
 * Keep the compiler from deleting work whose result is otherwise unused.
 */
static inline void cvmm_bench_keep(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

#endif
