/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Anonymous-memory backend: each range is a private anonymous mapping with
 * an inaccessible guard page on each side, so a host-pointer overrun of a
 * region faults instead of reaching other memory.
 *
 * Ranges must be page-aligned in address and size (KVM requires the same);
 * otherwise -ERANGE. The other layout errors are those of
 * cvmm_mem_regions_create(); mmap failures return their errno.
 *
 * Ownership: cvmm_mem_mmap_create() allocates; cvmm_mem_mmap_destroy()
 * unmaps everything. Handles and host pointers obtained from the backend
 * are borrowed until then.
 */
#ifndef CVMM_MEM_MMAP_H
#define CVMM_MEM_MMAP_H

#include <cvmm/mem-regions.h>

struct cvmm_mem_mmap;

/* Map ranges[0..n) (sorted, non-overlapping); *out only set on success. */
CVMM_MEM_MUST_CHECK int
cvmm_mem_mmap_create(const struct cvmm_mem_range *ranges, size_t n,
		     struct cvmm_mem_mmap **out);

/* Unmap and free (NULL is allowed). */
void cvmm_mem_mmap_destroy(struct cvmm_mem_mmap *mm);

/* The guest-memory interface; borrowed from mm. */
struct cvmm_mem cvmm_mem_mmap_iface(struct cvmm_mem_mmap *mm);

/* The regions, with their host addresses (for KVM memory slots). */
const struct cvmm_mem_regions *
cvmm_mem_mmap_regions(const struct cvmm_mem_mmap *mm);

#endif
