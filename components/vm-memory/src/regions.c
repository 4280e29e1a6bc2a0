/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The region collection and the guest-memory interface over it. Every
 * access is validated over its whole range before a byte moves, so a failed
 * write leaves guest memory as it was.
 */
#include <cvmm/mem-regions.h>

#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "layout.h"

struct cvmm_mem_regions {
	size_t n;
	uint64_t total;
	struct cvmm_mem_region r[];
};

/* Exclusive end of a region; cannot wrap once the collection is built. */
static uint64_t region_end(const struct cvmm_mem_region *r)
{
	return r->gpa.raw + r->size;
}

static struct cvmm_mem_range range_of(const struct cvmm_mem_region *r)
{
	struct cvmm_mem_range range = {r->gpa, r->size, r->flags};
	return range;
}

static int validate(const struct cvmm_mem_region *regions, size_t n)
{
	if (n == 0)
		return -ENODATA;
	if (n > CVMM_MEM_REGIONS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		struct cvmm_mem_range cur = range_of(&regions[i]), prev;
		int rc;

		if (i > 0)
			prev = range_of(&regions[i - 1]);
		rc = cvmm_mem__check_next(i ? &prev : NULL, &cur);
		if (rc != 0)
			return rc;
		if (regions[i].host == NULL)
			return -EFAULT;
	}
	return 0;
}

int cvmm_mem_regions_create(const struct cvmm_mem_region *regions, size_t n,
			    struct cvmm_mem_regions **out)
{
	struct cvmm_mem_regions *c;
	int rc = validate(regions, n);

	if (rc != 0)
		return rc;
	/* n <= CVMM_MEM_REGIONS_MAX keeps this product far from overflow. */
	c = malloc(sizeof(*c) + n * sizeof(c->r[0]));
	if (c == NULL)
		return -ENOMEM;
	c->n = n;
	c->total = 0;
	memcpy(c->r, regions, n * sizeof(c->r[0]));
	for (size_t i = 0; i < n; i++)
		c->total += c->r[i].size;
	*out = c;
	return 0;
}

void cvmm_mem_regions_destroy(struct cvmm_mem_regions *regions)
{
	free(regions);
}

size_t cvmm_mem_regions_count(const struct cvmm_mem_regions *regions)
{
	return regions->n;
}

const struct cvmm_mem_region *
cvmm_mem_regions_at(const struct cvmm_mem_regions *regions, size_t i)
{
	return i < regions->n ? &regions->r[i] : NULL;
}

uint64_t cvmm_mem_regions_total(const struct cvmm_mem_regions *regions)
{
	return regions->total;
}

/* Index of the last region starting at or below gpa, or n if none does. */
static size_t floor_index(const struct cvmm_mem_regions *c, uint64_t gpa)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->r[mid].gpa.raw <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? c->n : lo - 1;
}

const struct cvmm_mem_region *
cvmm_mem_regions_find(const struct cvmm_mem_regions *regions, cvmm_mem_gpa gpa)
{
	size_t i = floor_index(regions, gpa.raw);

	if (i == regions->n || gpa.raw >= region_end(&regions->r[i]))
		return NULL;
	return &regions->r[i];
}

/*
 * Validate [gpa, gpa + len) for access and return the index of the region
 * holding gpa in *first. A zero-length range is valid inside a region or at
 * a region's end (then *first is that region).
 */
static int span(const struct cvmm_mem_regions *c, uint64_t gpa, uint64_t len,
		unsigned access, size_t *first)
{
	uint64_t end;
	size_t i;

	if ((access & ~(CVMM_MEM_ACCESS_READ | CVMM_MEM_ACCESS_WRITE)) != 0)
		return -EINVAL;
	if (__builtin_add_overflow(gpa, len, &end))
		return -EOVERFLOW;
	i = floor_index(c, gpa);
	if (i == c->n || gpa > region_end(&c->r[i]))
		return -EFAULT;
	/* One past region i with no adjacent region: only len 0 is valid. */
	if (gpa == region_end(&c->r[i]) && len != 0)
		return -EFAULT;
	*first = i;
	for (;;) {
		const struct cvmm_mem_region *r = &c->r[i];

		if ((access & CVMM_MEM_ACCESS_WRITE) &&
		    (r->flags & CVMM_MEM_REGION_READONLY) && len != 0)
			return -EACCES;
		if (end <= region_end(r))
			return 0;
		/* The range goes on: the next region must start right here. */
		if (++i == c->n || c->r[i].gpa.raw != region_end(r))
			return -EFAULT;
	}
}

static int regions_check(void *ctx, cvmm_mem_gpa gpa, uint64_t len,
			 unsigned access)
{
	size_t first;

	return span(ctx, gpa.raw, len, access, &first);
}

static int regions_translate(void *ctx, cvmm_mem_gpa gpa, uint64_t len,
			     unsigned access, void **host)
{
	const struct cvmm_mem_regions *c = ctx;
	const struct cvmm_mem_region *r;
	size_t first;
	int rc = span(c, gpa.raw, len, access, &first);

	if (rc != 0)
		return rc;
	r = &c->r[first];
	if (gpa.raw + len > region_end(r))
		return -EXDEV;
	*host = r->host + (gpa.raw - r->gpa.raw);
	return 0;
}

static int regions_read(void *ctx, cvmm_mem_gpa gpa, void *dst, size_t len)
{
	const struct cvmm_mem_regions *c = ctx;
	uint8_t *out = dst;
	size_t i;
	int rc;

	if (dst == NULL && len != 0)
		return -EINVAL;
	rc = span(c, gpa.raw, len, CVMM_MEM_ACCESS_READ, &i);
	if (rc != 0)
		return rc;
	for (uint64_t cur = gpa.raw; len != 0; i++) {
		const struct cvmm_mem_region *r = &c->r[i];
		uint64_t off = cur - r->gpa.raw;
		uint64_t avail = r->size - off;
		size_t chunk = avail < len ? (size_t)avail : len;

		cvmm_mem__copy_from_guest(out, r->host + off, chunk);
		out += chunk;
		cur += chunk;
		len -= chunk;
	}
	return 0;
}

static int regions_write(void *ctx, cvmm_mem_gpa gpa, const void *src,
			 size_t len)
{
	const struct cvmm_mem_regions *c = ctx;
	const uint8_t *in = src;
	size_t i;
	int rc;

	if (src == NULL && len != 0)
		return -EINVAL;
	rc = span(c, gpa.raw, len, CVMM_MEM_ACCESS_WRITE, &i);
	if (rc != 0)
		return rc;
	for (uint64_t cur = gpa.raw; len != 0; i++) {
		const struct cvmm_mem_region *r = &c->r[i];
		uint64_t off = cur - r->gpa.raw;
		uint64_t avail = r->size - off;
		size_t chunk = avail < len ? (size_t)avail : len;

		cvmm_mem__copy_to_guest(r->host + off, in, chunk);
		in += chunk;
		cur += chunk;
		len -= chunk;
	}
	return 0;
}

const struct cvmm_mem_ops cvmm_mem_regions_ops = {
    .read = regions_read,
    .write = regions_write,
    .check = regions_check,
    .translate = regions_translate,
};

struct cvmm_mem cvmm_mem_regions_iface(struct cvmm_mem_regions *regions)
{
	struct cvmm_mem mem = {&cvmm_mem_regions_ops, regions};
	return mem;
}
