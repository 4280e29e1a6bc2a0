/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "layout.h"

#include <sys/mman.h>
#include <unistd.h>

int cvmm_mem__check_next(const struct cvmm_mem_range *prev,
			 const struct cvmm_mem_range *cur)
{
	uint64_t end;

	if (cur->size == 0)
		return -EINVAL;
	if (__builtin_add_overflow(cur->gpa.raw, cur->size, &end))
		return -EOVERFLOW;
	if ((cur->flags & ~CVMM_MEM_REGION_READONLY) != 0)
		return -EOPNOTSUPP;
	if (prev == NULL)
		return 0;
	if (cur->gpa.raw < prev->gpa.raw)
		return -EDOM;
	/* prev passed this check already, so its end does not wrap. */
	if (cur->gpa.raw < prev->gpa.raw + prev->size)
		return -EEXIST;
	return 0;
}

int cvmm_mem__check_ranges(const struct cvmm_mem_range *ranges, size_t n)
{
	if (n == 0)
		return -ENODATA;
	if (n > CVMM_MEM_REGIONS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		int rc =
		    cvmm_mem__check_next(i ? &ranges[i - 1] : NULL, &ranges[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

uint64_t cvmm_mem__page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 ? (uint64_t)page : 4096;
}

int cvmm_mem__check_page_aligned(const struct cvmm_mem_range *ranges, size_t n)
{
	uint64_t mask = cvmm_mem__page_size() - 1;

	for (size_t i = 0; i < n; i++) {
		if ((ranges[i].gpa.raw & mask) != 0 ||
		    (ranges[i].size & mask) != 0)
			return -ERANGE;
	}
	return 0;
}

int cvmm_mem__map_guarded(uint64_t size, int readonly, int fd, uint64_t offset,
			  uint8_t **host)
{
	uint64_t page = cvmm_mem__page_size(), total;
	int prot = readonly ? PROT_READ : PROT_READ | PROT_WRITE;
	void *base, *mid;

	if (__builtin_add_overflow(size, 2 * page, &total) ||
	    total > SIZE_MAX || offset > (uint64_t)INT64_MAX)
		return -ENOMEM;
	/* Reserve the whole span inaccessible, then map the middle over it. */
	base = mmap(NULL, (size_t)total, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	if (fd < 0)
		mid = mmap((uint8_t *)base + page, (size_t)size, prot,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			       MAP_NORESERVE,
			   -1, 0);
	else
		mid = mmap((uint8_t *)base + page, (size_t)size, prot,
			   MAP_SHARED | MAP_FIXED, fd, (off_t)offset);
	if (mid == MAP_FAILED) {
		int err = -errno;
		munmap(base, (size_t)total);
		return err;
	}
	*host = mid;
	return 0;
}

void cvmm_mem__unmap_guarded(uint8_t *host, uint64_t size)
{
	uint64_t page = cvmm_mem__page_size();

	if (host != NULL)
		munmap(host - page, (size_t)(size + 2 * page));
}
