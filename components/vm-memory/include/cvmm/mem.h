/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm vm-memory: guest physical addresses and the guest-memory interface.
 *
 * Consumers (virtqueues, loaders, devices) take a struct cvmm_mem: an ops
 * table plus a context pointer. Only the backend behind it knows how guest
 * memory is mapped. Three backends ship with the component:
 *   cvmm/mem-mmap.h  anonymous mmap, a guard page on each side of a region;
 *   cvmm/mem-fd.h    memfd- or file-backed, with the same guard pages;
 *   cvmm/mem-test.h  many tiny regions (down to 1 byte) and fault injection.
 * cvmm/mem-regions.h is the validated, sorted collection of host-mapped
 * regions the first two are built on; it is usable on its own.
 *
 * Errors. Every function returns 0 or a negative errno, and a failed call
 * changes nothing (a write that fails writes no byte). For accesses:
 *   -EFAULT     a byte of the range is not guest memory (outside every
 *               region, or in a hole between regions);
 *   -EOVERFLOW  gpa + len is beyond 2^64 - 1 (the range would wrap);
 *   -EACCES     a write (or a write translation) touches a read-only region;
 *   -EXDEV      cvmm_mem_translate() only: the range is guest memory but
 *               crosses from one region into the next, so no single host
 *               pointer covers it (use cvmm_mem_read/write, which can);
 *   -EINVAL     a caller bug: a NULL buffer with len > 0, or unknown access
 *               bits.
 * Backends may return other negative errnos of their own (the test backend
 * injects them on demand); callers must treat any non-zero as failure.
 *
 * Zero-length accesses. A zero-length read, write, check or translation at
 * gpa succeeds, touching nothing, iff gpa lies inside a region or exactly at
 * a region's end (one past its last byte, like a C pointer); otherwise it
 * fails with -EFAULT. A zero-length translation yields the host address of
 * gpa (one past the region's last byte when gpa is at its end), never to be
 * dereferenced.
 *
 * Concurrency. The guest may write its memory while the VMM reads it, so a
 * value read from guest memory is a snapshot: read each guest field once,
 * into VMM memory, and validate the copy (no double fetch). Guarantees:
 *   - a read or write of 1, 2, 4 or 8 bytes at a naturally aligned address
 *     inside one region is a single access (never torn); the mmap and fd
 *     backends use page-sized regions, so this holds for every aligned
 *     object they hold;
 *   - other accesses are plain copies with no atomicity between bytes;
 *   - cvmm_mem_read_le16_acquire() and cvmm_mem_read_le32_acquire() order
 *     every later access to guest memory after them; the _release writes
 *     order every earlier access before them (virtio ring indices need
 *     exactly this);
 *   - the library keeps no cached copies of guest memory.
 *
 * Dirty-page tracking (not yet implemented) has its place: every guest write
 * goes through the ops table's write or through a translation with
 * CVMM_MEM_ACCESS_WRITE, so a backend can mark pages there without any
 * consumer changing.
 *
 * Ownership. struct cvmm_mem is a borrowed handle: it does not own its
 * context, and stays valid only while the backend that produced it lives.
 * Host pointers from cvmm_mem_translate() are borrowed for the same time.
 */
#ifndef CVMM_MEM_H
#define CVMM_MEM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CVMM_MEM_MUST_CHECK __attribute__((warn_unused_result))

/*
 * A guest physical address. It is a struct, not an integer, so that '+' on
 * it does not compile: every offset goes through cvmm_mem_gpa_add() or
 * cvmm_mem_gpa_index(), which refuse to wrap.
 */
typedef struct {
	uint64_t raw;
} cvmm_mem_gpa;

/* The address whose numeric value is raw. */
static inline cvmm_mem_gpa cvmm_mem_gpa_from(uint64_t raw)
{
	cvmm_mem_gpa gpa = {raw};
	return gpa;
}

/* *out = base + offset; -EOVERFLOW (and *out untouched) if that wraps. */
CVMM_MEM_MUST_CHECK static inline int
cvmm_mem_gpa_add(cvmm_mem_gpa base, uint64_t offset, cvmm_mem_gpa *out)
{
	uint64_t sum;

	if (__builtin_add_overflow(base.raw, offset, &sum))
		return -EOVERFLOW;
	out->raw = sum;
	return 0;
}

/*
 * *out = base + index * stride, the address of element index of an array
 * at base; -EOVERFLOW (and *out untouched) if any step wraps.
 */
CVMM_MEM_MUST_CHECK static inline int cvmm_mem_gpa_index(cvmm_mem_gpa base,
							 uint64_t index,
							 uint64_t stride,
							 cvmm_mem_gpa *out)
{
	uint64_t offset;

	if (__builtin_mul_overflow(index, stride, &offset))
		return -EOVERFLOW;
	return cvmm_mem_gpa_add(base, offset, out);
}

/* True if gpa is a multiple of align, which must be a power of two. */
static inline bool cvmm_mem_gpa_is_aligned(cvmm_mem_gpa gpa, uint64_t align)
{
	return (gpa.raw & (align - 1)) == 0;
}

/* Access kinds for cvmm_mem_check() and cvmm_mem_translate(). */
#define CVMM_MEM_ACCESS_READ  1u
#define CVMM_MEM_ACCESS_WRITE 2u

/*
 * The interface a backend implements. Each operation follows the error and
 * zero-length rules at the top of this file. ctx is the backend's own.
 *   read:      copy len bytes of guest memory at gpa into dst;
 *   write:     copy len bytes from src into guest memory at gpa;
 *   check:     tell whether [gpa, gpa + len) is guest memory allowing every
 *              access in `access`, without touching it;
 *   translate: the host address of gpa, only if [gpa, gpa + len) lies
 *              wholly inside one region (never across a hole or a region
 *              boundary) and allows `access`.
 */
struct cvmm_mem_ops {
	int (*read)(void *ctx, cvmm_mem_gpa gpa, void *dst, size_t len);
	int (*write)(void *ctx, cvmm_mem_gpa gpa, const void *src, size_t len);
	int (*check)(void *ctx, cvmm_mem_gpa gpa, uint64_t len,
		     unsigned access);
	int (*translate)(void *ctx, cvmm_mem_gpa gpa, uint64_t len,
			 unsigned access, void **host);
};

/* A guest memory: a borrowed handle, passed by pointer or by value. */
struct cvmm_mem {
	const struct cvmm_mem_ops *ops;
	void *ctx;
};

/* Copy len bytes of guest memory at gpa into dst. */
CVMM_MEM_MUST_CHECK int cvmm_mem_read(const struct cvmm_mem *mem,
				      cvmm_mem_gpa gpa, void *dst, size_t len);

/* Copy len bytes from src into guest memory at gpa; all or nothing. */
CVMM_MEM_MUST_CHECK int cvmm_mem_write(const struct cvmm_mem *mem,
				       cvmm_mem_gpa gpa, const void *src,
				       size_t len);

/*
 * 0 if [gpa, gpa + len) is guest memory allowing `access` (a mask of
 * CVMM_MEM_ACCESS_*). len is 64-bit so a guest-supplied length can be
 * checked before anything is sized by it.
 */
CVMM_MEM_MUST_CHECK int cvmm_mem_check(const struct cvmm_mem *mem,
				       cvmm_mem_gpa gpa, uint64_t len,
				       unsigned access);

/*
 * Store in *host the host address of gpa if [gpa, gpa + len) lies wholly
 * inside one region and allows `access`. A range that crosses a hole fails
 * with -EFAULT and one that crosses two regions with -EXDEV: no host pointer
 * ever spans two regions (the Firecracker CVE-2019-18960 class). *host is
 * untouched on failure.
 */
CVMM_MEM_MUST_CHECK int cvmm_mem_translate(const struct cvmm_mem *mem,
					   cvmm_mem_gpa gpa, uint64_t len,
					   unsigned access, void **host);

/*
 * Fixed-size little-endian objects. Reads store into *out only on success;
 * writes are all or nothing.
 */
CVMM_MEM_MUST_CHECK int cvmm_mem_read_u8(const struct cvmm_mem *mem,
					 cvmm_mem_gpa gpa, uint8_t *out);
CVMM_MEM_MUST_CHECK int cvmm_mem_read_le16(const struct cvmm_mem *mem,
					   cvmm_mem_gpa gpa, uint16_t *out);
CVMM_MEM_MUST_CHECK int cvmm_mem_read_le32(const struct cvmm_mem *mem,
					   cvmm_mem_gpa gpa, uint32_t *out);
CVMM_MEM_MUST_CHECK int cvmm_mem_read_le64(const struct cvmm_mem *mem,
					   cvmm_mem_gpa gpa, uint64_t *out);
CVMM_MEM_MUST_CHECK int cvmm_mem_write_u8(const struct cvmm_mem *mem,
					  cvmm_mem_gpa gpa, uint8_t value);
CVMM_MEM_MUST_CHECK int cvmm_mem_write_le16(const struct cvmm_mem *mem,
					    cvmm_mem_gpa gpa, uint16_t value);
CVMM_MEM_MUST_CHECK int cvmm_mem_write_le32(const struct cvmm_mem *mem,
					    cvmm_mem_gpa gpa, uint32_t value);
CVMM_MEM_MUST_CHECK int cvmm_mem_write_le64(const struct cvmm_mem *mem,
					    cvmm_mem_gpa gpa, uint64_t value);

/*
 * Read with acquire ordering: no later guest-memory access by this thread
 * is performed before it (for a ring index the driver publishes).
 */
CVMM_MEM_MUST_CHECK int cvmm_mem_read_le16_acquire(const struct cvmm_mem *mem,
						   cvmm_mem_gpa gpa,
						   uint16_t *out);
CVMM_MEM_MUST_CHECK int cvmm_mem_read_le32_acquire(const struct cvmm_mem *mem,
						   cvmm_mem_gpa gpa,
						   uint32_t *out);

/*
 * Write with release ordering: every earlier guest-memory access by this
 * thread is performed before it (for a ring index the device publishes).
 */
CVMM_MEM_MUST_CHECK int cvmm_mem_write_le16_release(const struct cvmm_mem *mem,
						    cvmm_mem_gpa gpa,
						    uint16_t value);
CVMM_MEM_MUST_CHECK int cvmm_mem_write_le32_release(const struct cvmm_mem *mem,
						    cvmm_mem_gpa gpa,
						    uint32_t value);

/*
 * A static description of what err (a negative errno returned by this
 * component) means for guest memory, for log messages.
 */
const char *cvmm_mem_strerror(int err);

#endif
