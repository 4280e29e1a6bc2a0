/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the linux-loader sources; never installed. */
#ifndef CVMM_LL_INTERNAL_H
#define CVMM_LL_INTERNAL_H

#include <cvmm/ll.h>

/* Shared between the component's files, never exported from a DSO. */
#define CVMM_LL__HIDDEN __attribute__((visibility("hidden")))

/* Fill err (if any) with code and a formatted message; return code. */
CVMM_LL__HIDDEN int cvmm_ll__fail(struct cvmm_ll_error *err, int code,
				  const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Mark err (if any) as success; return 0. */
CVMM_LL__HIDDEN int cvmm_ll__ok(struct cvmm_ll_error *err);

/*
 * Copy len bytes at source offset off into guest memory at gpa: straight
 * into the host mapping when the range is inside one region, through a
 * bounce buffer when it spans regions. Writes only inside [gpa, gpa + len).
 */
CVMM_LL__HIDDEN CVMM_LL_MUST_CHECK int
cvmm_ll__copy_to_guest(const struct cvmm_mem *mem,
		       const struct cvmm_ll_source *src, uint64_t off,
		       uint64_t gpa, uint64_t len);

/* Write len zero bytes at gpa; only inside [gpa, gpa + len). */
CVMM_LL__HIDDEN CVMM_LL_MUST_CHECK int
cvmm_ll__zero_guest(const struct cvmm_mem *mem, uint64_t gpa, uint64_t len);

/*
 * Check that [gpa, gpa + len) is writable guest memory; on failure the
 * message says "<what> [start, end) is not writable guest memory: <why>".
 */
CVMM_LL__HIDDEN CVMM_LL_MUST_CHECK int
cvmm_ll__check_guest(const struct cvmm_mem *mem, uint64_t gpa, uint64_t len,
		     const char *what, struct cvmm_ll_error *err);

/* True if [a, a + alen) and [b, b + blen) share a byte (no wrap assumed). */
static inline int cvmm_ll__overlap(uint64_t a, uint64_t alen, uint64_t b,
				   uint64_t blen)
{
	return alen != 0 && blen != 0 && a < b + blen && b < a + alen;
}

static inline uint16_t cvmm_ll__le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t cvmm_ll__le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t cvmm_ll__le64(const uint8_t *p)
{
	return (uint64_t)cvmm_ll__le32(p) | (uint64_t)cvmm_ll__le32(p + 4)
						<< 32;
}

static inline void cvmm_ll__put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void cvmm_ll__put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void cvmm_ll__put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
