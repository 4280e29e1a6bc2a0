/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two host-mapped backends, anonymous and file-backed. They differ only
 * in what they map; both hand the mapping to a region collection, which
 * implements the interface.
 */
#define _GNU_SOURCE
#include <cvmm/mem-fd.h>
#include <cvmm/mem-mmap.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h"

struct mapped {
	struct cvmm_mem_regions *regions;
	int fd; /* -1 for anonymous memory */
};

struct cvmm_mem_mmap {
	struct mapped m;
};

struct cvmm_mem_fd {
	struct mapped m;
};

static void unmap_all(struct cvmm_mem_region *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cvmm_mem__unmap_guarded(r[i].host, r[i].size);
}

/*
 * Validate the layout, map every range (from fd when fd >= 0, back to back
 * in the file) and build the collection. On failure nothing stays mapped.
 */
static int map_layout(struct mapped *m, const struct cvmm_mem_range *ranges,
		      size_t n, int fd)
{
	struct cvmm_mem_region *r;
	uint64_t offset = 0;
	int rc = cvmm_mem__check_ranges(ranges, n);

	if (rc == 0)
		rc = cvmm_mem__check_page_aligned(ranges, n);
	if (rc != 0)
		return rc;
	r = calloc(n, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r[i].gpa = ranges[i].gpa;
		r[i].size = ranges[i].size;
		r[i].flags = ranges[i].flags;
		r[i].fd = fd;
		r[i].fd_offset = fd >= 0 ? offset : 0;
		rc = cvmm_mem__map_guarded(
		    r[i].size, (r[i].flags & CVMM_MEM_REGION_READONLY) != 0, fd,
		    offset, &r[i].host);
		if (rc != 0) {
			unmap_all(r, i);
			free(r);
			return rc;
		}
		/* Ranges do not overlap, so the sum fits in 64 bits. */
		offset += r[i].size;
	}
	rc = cvmm_mem_regions_create(r, n, &m->regions);
	if (rc != 0)
		unmap_all(r, n);
	free(r);
	m->fd = fd;
	return rc;
}

static void unmap_layout(struct mapped *m)
{
	size_t n = cvmm_mem_regions_count(m->regions);

	for (size_t i = 0; i < n; i++) {
		const struct cvmm_mem_region *r =
		    cvmm_mem_regions_at(m->regions, i);
		cvmm_mem__unmap_guarded(r->host, r->size);
	}
	cvmm_mem_regions_destroy(m->regions);
	if (m->fd >= 0)
		close(m->fd);
}

int cvmm_mem_mmap_create(const struct cvmm_mem_range *ranges, size_t n,
			 struct cvmm_mem_mmap **out)
{
	struct cvmm_mem_mmap *mm = calloc(1, sizeof(*mm));
	int rc;

	if (mm == NULL)
		return -ENOMEM;
	rc = map_layout(&mm->m, ranges, n, -1);
	if (rc != 0) {
		free(mm);
		return rc;
	}
	*out = mm;
	return 0;
}

void cvmm_mem_mmap_destroy(struct cvmm_mem_mmap *mm)
{
	if (mm == NULL)
		return;
	unmap_layout(&mm->m);
	free(mm);
}

struct cvmm_mem cvmm_mem_mmap_iface(struct cvmm_mem_mmap *mm)
{
	return cvmm_mem_regions_iface(mm->m.regions);
}

const struct cvmm_mem_regions *
cvmm_mem_mmap_regions(const struct cvmm_mem_mmap *mm)
{
	return mm->m.regions;
}

/* Total bytes the layout needs in its file, or 0 if the layout is invalid. */
static uint64_t layout_bytes(const struct cvmm_mem_range *ranges, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += ranges[i].size;
	return total;
}

/* A file to map: a new memfd sized for the layout, or a duplicate of fd. */
static int open_backing(int fd, uint64_t need, int *out)
{
	struct stat st;
	int own;

	if (fd < 0) {
		own = memfd_create("cvmm-guest-memory", MFD_CLOEXEC);
		if (own < 0)
			return -errno;
		if (need > (uint64_t)INT64_MAX ||
		    ftruncate(own, (off_t)need) != 0) {
			int err = need > (uint64_t)INT64_MAX ? -EFBIG : -errno;
			close(own);
			return err;
		}
		*out = own;
		return 0;
	}
	if (fstat(fd, &st) != 0)
		return -errno;
	if (st.st_size < 0 || (uint64_t)st.st_size < need)
		return -ENOSPC;
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0)
		return -errno;
	*out = own;
	return 0;
}

int cvmm_mem_fd_create(const struct cvmm_mem_range *ranges, size_t n, int fd,
		       struct cvmm_mem_fd **out)
{
	struct cvmm_mem_fd *fm;
	int backing = -1, rc = cvmm_mem__check_ranges(ranges, n);

	if (rc == 0)
		rc = cvmm_mem__check_page_aligned(ranges, n);
	if (rc != 0)
		return rc;
	fm = calloc(1, sizeof(*fm));
	if (fm == NULL)
		return -ENOMEM;
	rc = open_backing(fd, layout_bytes(ranges, n), &backing);
	if (rc == 0) {
		rc = map_layout(&fm->m, ranges, n, backing);
		if (rc != 0)
			close(backing);
	}
	if (rc != 0) {
		free(fm);
		return rc;
	}
	*out = fm;
	return 0;
}

void cvmm_mem_fd_destroy(struct cvmm_mem_fd *fm)
{
	if (fm == NULL)
		return;
	unmap_layout(&fm->m);
	free(fm);
}

struct cvmm_mem cvmm_mem_fd_iface(struct cvmm_mem_fd *fm)
{
	return cvmm_mem_regions_iface(fm->m.regions);
}

const struct cvmm_mem_regions *cvmm_mem_fd_regions(const struct cvmm_mem_fd *fm)
{
	return fm->m.regions;
}
