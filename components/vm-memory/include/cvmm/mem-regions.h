/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A validated collection of host-mapped guest memory regions, and the
 * guest-memory interface over it.
 *
 * A collection is built once from an array of regions and never changes.
 * Building validates the array; each defect has its own errno and leaves
 * nothing allocated:
 *   -ENODATA     no regions;
 *   -EINVAL      a region of size 0;
 *   -EOVERFLOW   gpa + size of a region is beyond 2^64 - 1;
 *   -EDOM        regions not sorted by address;
 *   -EEXIST      two regions overlap;
 *   -EFAULT      a region without a host address;
 *   -EOPNOTSUPP  unknown bits in a region's flags;
 *   -E2BIG       more than CVMM_MEM_REGIONS_MAX regions;
 *   -ENOMEM      allocation failed.
 * Regions may be adjacent; an access may span adjacent regions through
 * cvmm_mem_read/write, never through one host pointer.
 *
 * Ownership. The collection copies the region array but borrows the host
 * memory the regions point to: the caller (normally a backend) keeps that
 * memory mapped until cvmm_mem_regions_destroy(). The collection owns
 * nothing else.
 */
#ifndef CVMM_MEM_REGIONS_H
#define CVMM_MEM_REGIONS_H

#include <cvmm/mem.h>

/* The region may only be read through the interface. */
#define CVMM_MEM_REGION_READONLY 1u

#define CVMM_MEM_REGIONS_MAX ((size_t)1 << 24)

/* One region: guest range [gpa, gpa + size) at host address host. */
struct cvmm_mem_region {
	cvmm_mem_gpa gpa;
	uint64_t size;
	uint8_t *host;
	uint32_t flags;
	/* The file the region maps and where, for a VMM that shares guest
	 * memory with another process; fd is -1 for anonymous memory. */
	int fd;
	uint64_t fd_offset;
};

/* A guest range a backend is asked to provide: the layout of guest memory. */
struct cvmm_mem_range {
	cvmm_mem_gpa gpa;
	uint64_t size;
	uint32_t flags; /* CVMM_MEM_REGION_* */
};

struct cvmm_mem_regions;

/*
 * Validate regions[0..n) and build a collection holding a copy of them.
 * On success *out owns the collection; free it with
 * cvmm_mem_regions_destroy(). On failure *out is untouched.
 */
CVMM_MEM_MUST_CHECK int
cvmm_mem_regions_create(const struct cvmm_mem_region *regions, size_t n,
			struct cvmm_mem_regions **out);

/* Free a collection (NULL is allowed). Host memory is not touched. */
void cvmm_mem_regions_destroy(struct cvmm_mem_regions *regions);

/* Number of regions. */
size_t cvmm_mem_regions_count(const struct cvmm_mem_regions *regions);

/* Region i (i < count), sorted by address; borrowed from the collection. */
const struct cvmm_mem_region *
cvmm_mem_regions_at(const struct cvmm_mem_regions *regions, size_t i);

/* The region holding gpa, or NULL if gpa is not guest memory. */
const struct cvmm_mem_region *
cvmm_mem_regions_find(const struct cvmm_mem_regions *regions, cvmm_mem_gpa gpa);

/* Sum of region sizes (cannot overflow: regions do not overlap). */
uint64_t cvmm_mem_regions_total(const struct cvmm_mem_regions *regions);

/*
 * The guest-memory interface over a collection. The handle borrows regions,
 * which must outlive it.
 */
struct cvmm_mem cvmm_mem_regions_iface(struct cvmm_mem_regions *regions);

/* The ops table behind cvmm_mem_regions_iface(), for backends that wrap it. */
extern const struct cvmm_mem_ops cvmm_mem_regions_ops;

#endif
