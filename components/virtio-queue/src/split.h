/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split-ring field access (virtio 1.x, 2.7), inline: this is the hot path. Each
 * field is read or written either through the host pointer resolved at enable
 * time (the ring lies in one region, suitably aligned) or through the memory
 * interface. Offsets cannot wrap: cvmm_vq_enable() checked that every ring,
 * event fields included, lies inside guest memory, and an indirect table is
 * checked the same way before it is read.
 *
 * Host-pointer accesses are relaxed atomics of the field's natural size, so
 * a field the guest writes concurrently is never torn; acquire and release
 * ordering come from fences, as in vm-memory.
 */
#ifndef CVMM_VQ_SPLIT_H
#define CVMM_VQ_SPLIT_H

#include "internal.h"

/* Offsets in the avail and used rings. */
#define AVAIL_FLAGS 0u
#define AVAIL_IDX   2u
#define AVAIL_RING  4u
#define USED_FLAGS  0u
#define USED_IDX    2u
#define USED_RING   4u
#define USED_ELEM   8u

static inline uint16_t le16(uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap16(v);
#else
	return v;
#endif
}

static inline uint32_t le32(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap32(v);
#else
	return v;
#endif
}

static inline uint64_t le64(uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

static inline cvmm_mem_gpa at(cvmm_mem_gpa base, uint64_t offset)
{
	/* Cannot wrap: the whole ring or table was validated. */
	return cvmm_mem_gpa_from(base.raw + offset);
}

static inline uint16_t load16(const uint8_t *p)
{
	return le16(__atomic_load_n((const uint16_t *)(const void *)p,
				    __ATOMIC_RELAXED));
}

static inline void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)p, le16(v), __ATOMIC_RELAXED);
}

static inline void store32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)p, le32(v), __ATOMIC_RELAXED);
}

static inline int read16(struct cvmm_vq *vq, const struct cvmm_vq__ring *ring,
			 uint64_t off, uint16_t *out)
{
	if (ring->host != NULL) {
		*out = load16(ring->host + off);
		return 0;
	}
	return cvmm_mem_read_le16(&vq->mem, at(ring->gpa, off), out);
}

static inline int write16(struct cvmm_vq *vq, const struct cvmm_vq__ring *ring,
			  uint64_t off, uint16_t v)
{
	if (ring->host != NULL) {
		store16(ring->host + off, v);
		return 0;
	}
	return cvmm_mem_write_le16(&vq->mem, at(ring->gpa, off), v);
}

static inline int cvmm_vq__read_avail_idx(struct cvmm_vq *vq, uint16_t *idx)
{
	if (vq->avail.host != NULL) {
		*idx = load16(vq->avail.host + AVAIL_IDX);
		atomic_thread_fence(memory_order_acquire);
		return 0;
	}
	return cvmm_mem_read_le16_acquire(&vq->mem,
					  at(vq->avail.gpa, AVAIL_IDX), idx);
}

static inline int cvmm_vq__read_avail_head(struct cvmm_vq *vq, uint16_t slot,
					   uint16_t *head)
{
	return read16(vq, &vq->avail, AVAIL_RING + 2 * (uint64_t)slot, head);
}

static inline int cvmm_vq__read_avail_flags(struct cvmm_vq *vq, uint16_t *flags)
{
	return read16(vq, &vq->avail, AVAIL_FLAGS, flags);
}

static inline int cvmm_vq__read_used_event(struct cvmm_vq *vq, uint16_t *event)
{
	return read16(vq, &vq->avail, AVAIL_RING + 2 * (uint64_t)vq->size,
		      event);
}

static inline int cvmm_vq__write_used(struct cvmm_vq *vq, uint16_t slot,
				      uint32_t id, uint32_t len)
{
	uint64_t off = USED_RING + USED_ELEM * (uint64_t)slot;
	uint8_t elem[8];

	if (vq->used.host != NULL) {
		store32(vq->used.host + off, id);
		store32(vq->used.host + off + 4, len);
		return 0;
	}
	for (unsigned i = 0; i < 4; i++) {
		elem[i] = (uint8_t)(id >> (8 * i));
		elem[4 + i] = (uint8_t)(len >> (8 * i));
	}
	return cvmm_mem_write(&vq->mem, at(vq->used.gpa, off), elem,
			      sizeof(elem));
}

static inline int cvmm_vq__write_used_idx(struct cvmm_vq *vq, uint16_t idx)
{
	if (vq->used.host != NULL) {
		atomic_thread_fence(memory_order_release);
		store16(vq->used.host + USED_IDX, idx);
		return 0;
	}
	return cvmm_mem_write_le16_release(&vq->mem, at(vq->used.gpa, USED_IDX),
					   idx);
}

static inline int cvmm_vq__write_used_flags(struct cvmm_vq *vq, uint16_t flags)
{
	return write16(vq, &vq->used, USED_FLAGS, flags);
}

static inline int cvmm_vq__write_avail_event(struct cvmm_vq *vq, uint16_t event)
{
	return write16(vq, &vq->used,
		       USED_RING + USED_ELEM * (uint64_t)vq->size, event);
}

static inline int cvmm_vq__read_desc(struct cvmm_vq *vq, const uint8_t *host,
				     cvmm_mem_gpa table, uint32_t index,
				     struct cvmm_vq__desc *out)
{
	uint64_t off = (uint64_t)index * CVMM_VQ_DESC_SIZE;
	uint64_t lo, hi;

	if (host != NULL) {
		/* 8-byte aligned (checked when host was resolved). */
		lo = le64(__atomic_load_n(
		    (const uint64_t *)(const void *)(host + off),
		    __ATOMIC_RELAXED));
		hi = le64(__atomic_load_n(
		    (const uint64_t *)(const void *)(host + off + 8),
		    __ATOMIC_RELAXED));
	} else {
		uint8_t b[CVMM_VQ_DESC_SIZE];
		int rc = cvmm_mem_read(&vq->mem, at(table, off), b, sizeof(b));

		if (rc != 0)
			return rc;
		lo = hi = 0;
		for (unsigned i = 8; i > 0; i--) {
			lo = (lo << 8) | b[i - 1];
			hi = (hi << 8) | b[i + 7];
		}
	}
	out->addr = lo;
	out->len = (uint32_t)(hi & 0xffffffffu);
	out->flags = (uint16_t)((hi >> 32) & 0xffffu);
	out->next = (uint16_t)(hi >> 48);
	return 0;
}

#endif
