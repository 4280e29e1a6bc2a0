/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layout validation shared by the region collection and the backends, so
 * every way of describing guest memory is refused for the same reasons with
 * the same errnos (listed in cvmm/mem-regions.h).
 */
#ifndef CVMM_MEM_LAYOUT_H
#define CVMM_MEM_LAYOUT_H

#include <cvmm/mem-regions.h>

/*
 * Check one range, and its order against the previous one (prev NULL for
 * the first): -EINVAL, -EOVERFLOW, -EOPNOTSUPP, -EDOM or -EEXIST.
 */
int cvmm_mem__check_next(const struct cvmm_mem_range *prev,
			 const struct cvmm_mem_range *cur);

/* Check ranges[0..n): non-empty, sorted, non-overlapping, no wrap. */
int cvmm_mem__check_ranges(const struct cvmm_mem_range *ranges, size_t n);

/* The host page size (what mmap-based backends align to). */
uint64_t cvmm_mem__page_size(void);

/* -ERANGE unless every range is page-aligned in address and size. */
int cvmm_mem__check_page_aligned(const struct cvmm_mem_range *ranges, size_t n);

/*
 * Map size bytes between two inaccessible guard pages: anonymous private
 * memory if fd is -1, else fd at offset, shared. *host gets the first usable
 * byte. Returns 0 or -errno.
 */
int cvmm_mem__map_guarded(uint64_t size, int readonly, int fd, uint64_t offset,
			  uint8_t **host);

/* Undo cvmm_mem__map_guarded() (host NULL is allowed). */
void cvmm_mem__unmap_guarded(uint8_t *host, uint64_t size);

#endif
