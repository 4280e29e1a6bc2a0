/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs the backend conformance suite (harness/mem-conformance) against one
 * of the component's backends, named by argv[1].
 */
#define _GNU_SOURCE
#include <cvmm/mem-fd.h>
#include <cvmm/mem-mmap.h>
#include <cvmm/mem-test.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem-conformance.h"

static int mmap_create(const struct cvmm_mem_range *r, size_t n, void **b,
		       struct cvmm_mem *mem)
{
	struct cvmm_mem_mmap *mm = NULL;
	int rc = cvmm_mem_mmap_create(r, n, &mm);

	if (rc == 0)
		*mem = cvmm_mem_mmap_iface(mm);
	*b = mm;
	return rc;
}

static void mmap_destroy(void *b)
{
	cvmm_mem_mmap_destroy(b);
}

static int memfd_create_backend(const struct cvmm_mem_range *r, size_t n,
				void **b, struct cvmm_mem *mem)
{
	struct cvmm_mem_fd *fm = NULL;
	int rc = cvmm_mem_fd_create(r, n, -1, &fm);

	if (rc == 0)
		*mem = cvmm_mem_fd_iface(fm);
	*b = fm;
	return rc;
}

/* A real file, created large enough for the suite's layouts. */
static int file_create(const struct cvmm_mem_range *r, size_t n, void **b,
		       struct cvmm_mem *mem)
{
	struct cvmm_mem_fd *fm = NULL;
	FILE *f = tmpfile();
	int rc;

	if (f == NULL)
		return -errno;
	if (ftruncate(fileno(f), 1 << 20) != 0) {
		fclose(f);
		return -errno;
	}
	rc = cvmm_mem_fd_create(r, n, fileno(f), &fm);
	fclose(f);
	if (rc == 0)
		*mem = cvmm_mem_fd_iface(fm);
	*b = fm;
	return rc;
}

static void fd_destroy(void *b)
{
	cvmm_mem_fd_destroy(b);
}

static uint64_t test_granule;

static int test_create(const struct cvmm_mem_range *r, size_t n, void **b,
		       struct cvmm_mem *mem)
{
	struct cvmm_mem_test *tm = NULL;
	int rc = cvmm_mem_test_create(r, n, test_granule, &tm);

	if (rc == 0)
		*mem = cvmm_mem_test_iface(tm);
	*b = tm;
	return rc;
}

static void test_destroy(void *b)
{
	cvmm_mem_test_destroy(b);
}

int main(int argc, char **argv)
{
	struct cvmm_mem_backend_factory f = {0};
	const char *which = argc > 1 ? argv[1] : "";

	if (strcmp(which, "mmap") == 0) {
		f = (struct cvmm_mem_backend_factory){"mmap", mmap_create,
						      mmap_destroy, 0};
	} else if (strcmp(which, "memfd") == 0) {
		f = (struct cvmm_mem_backend_factory){
		    "memfd", memfd_create_backend, fd_destroy, 0};
	} else if (strcmp(which, "file") == 0) {
		f = (struct cvmm_mem_backend_factory){"file", file_create,
						      fd_destroy, 0};
	} else if (strncmp(which, "test-", 5) == 0) {
		test_granule = strtoull(which + 5, NULL, 10);
		f = (struct cvmm_mem_backend_factory){
		    which, test_create, test_destroy, test_granule};
	} else {
		fprintf(stderr, "usage: %s mmap|memfd|file|test-GRANULE\n",
			argv[0]);
		return 2;
	}
	return cvmm_mem_conformance_run(&f) == 0 ? 0 : 1;
}
