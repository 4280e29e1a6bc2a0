/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File-backed backend: guest memory lives in a file (a memfd by default),
 * so it can be shared with another process or snapshotted. The ranges are
 * laid out back to back in the file, each mapped MAP_SHARED with a guard
 * page on each side.
 *
 * Ranges must be page-aligned in address and size; otherwise -ERANGE. With
 * an existing file, the file must already be at least as large as the sum
 * of the ranges, otherwise -ENOSPC (the backend never resizes a file it
 * was given). The other layout errors are those of
 * cvmm_mem_regions_create(); system call failures return their errno.
 *
 * Ownership: the backend owns a memfd it created and closes it on destroy;
 * a file descriptor passed in stays the caller's (it is duplicated).
 */
#ifndef CVMM_MEM_FD_H
#define CVMM_MEM_FD_H

#include <cvmm/mem-regions.h>

struct cvmm_mem_fd;

/*
 * Map ranges[0..n) from fd, or from a new memfd when fd is -1. Region i
 * maps the file at the sum of the sizes of ranges 0..i-1.
 */
CVMM_MEM_MUST_CHECK int cvmm_mem_fd_create(const struct cvmm_mem_range *ranges,
					   size_t n, int fd,
					   struct cvmm_mem_fd **out);

/* Unmap, close and free (NULL is allowed). */
void cvmm_mem_fd_destroy(struct cvmm_mem_fd *fm);

/* The guest-memory interface; borrowed from fm. */
struct cvmm_mem cvmm_mem_fd_iface(struct cvmm_mem_fd *fm);

/* The regions, with host addresses and file offsets. */
const struct cvmm_mem_regions *
cvmm_mem_fd_regions(const struct cvmm_mem_fd *fm);

#endif
