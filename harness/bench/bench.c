/* SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdio.h>
#include <time.h>

uint64_t cvmm_bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double cvmm_bench_rate(void (*fn)(void *arg, uint64_t iterations), void *arg,
		       uint64_t min_ns, int repeats)
{
	double best = 0;

	for (int r = 0; r < repeats; r++) {
		for (uint64_t n = 1;; n *= 2) {
			uint64_t t0 = cvmm_bench_now_ns(), dt;

			fn(arg, n);
			dt = cvmm_bench_now_ns() - t0;
			if (dt >= min_ns || n >= (UINT64_C(1) << 40)) {
				double rate =
				    (double)n * 1e9 / (double)(dt ? dt : 1);
				if (rate > best)
					best = rate;
				break;
			}
		}
	}
	return best;
}

double cvmm_bench_report(const char *name, double checked_rate,
			 double baseline_rate, const char *unit)
{
	double ratio = checked_rate > 0 ? baseline_rate / checked_rate : 0;

	printf("bench %s: %.4g %s vs baseline %.4g %s: ratio %.2f\n", name,
	       checked_rate, unit, baseline_rate, unit, ratio);
	fflush(stdout);
	return ratio;
}
