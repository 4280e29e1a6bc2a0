/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest-memory backend conformance suite: every rule of cvmm/mem.h and
 * cvmm/mem-regions.h, checked through the interface alone, so any backend
 * (in the tree or outside it) can prove it behaves like the others. It is
 * the C counterpart of running a trait's test suite against each
 * implementation.
 *
 * A backend author writes a factory and calls cvmm_mem_conformance_run()
 * from a test's main(); the result is cmocka's (0 when all pass).
 */
#ifndef CVMM_HARNESS_MEM_CONFORMANCE_H
#define CVMM_HARNESS_MEM_CONFORMANCE_H

#include <cvmm/mem-regions.h>

struct cvmm_mem_backend_factory {
	/* Name shown in the test report. */
	const char *name;
	/*
	 * Create zero-filled guest memory with ranges[0..n) (page-aligned,
	 * maybe invalid: the suite checks the layout errors too). On success
	 * store the backend in *backend and its interface in *mem; on failure
	 * return the negative errno.
	 */
	int (*create)(const struct cvmm_mem_range *ranges, size_t n,
		      void **backend, struct cvmm_mem *mem);
	void (*destroy)(void *backend);
	/*
	 * Largest span the backend guarantees to keep in one region (so a
	 * translation of it can succeed); 0 means a whole range is one region.
	 */
	uint64_t granule;
};

/* Run the suite against one backend; returns the number of failed tests. */
int cvmm_mem_conformance_run(const struct cvmm_mem_backend_factory *factory);

#endif
