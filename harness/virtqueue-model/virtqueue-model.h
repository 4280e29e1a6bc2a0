/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver-side virtqueue model (split ring), for unit tests, fuzz targets and
 * device tests: the counterpart of Linux's virtio_ring and rust-vmm's mock
 * queue. It lays a queue out in guest memory, adds direct and indirect
 * chains of any shape, reads used entries, and writes arbitrary (hostile)
 * values into any ring field.
 *
 * It is written from the virtio 1.x specification independently of the
 * virtio-queue component (it shares no code or constants with it), so the
 * two check each other. It reaches guest memory only through struct
 * cvmm_mem, so it works on any backend, including 1-byte regions.
 *
 * Errors: 0 or a negative errno.
 *   -EINVAL     bad argument (size not a power of two in 1..32768, empty
 *               chain, unknown field, NULL);
 *   -ENOSPC     not enough free descriptors for the chain;
 *   -EAGAIN     cvmm_vqm_get_used(): no new used entry;
 *   -EPROTO     cvmm_vqm_get_used(): the device returned an id the model
 *               has not made available, or moved the used index more than
 *               the queue size (a device bug; id and len are still stored);
 *   -EOVERFLOW  a field address computed from a hostile index wraps;
 *   -EBUSY      cvmm_vqm_set_indices() while chains are outstanding;
 *   -ENOMEM     allocation failed;
 *   anything the memory backend returns.
 *
 * Ownership: cvmm_vqm_create() allocates (in proportion to the queue size,
 * which the test chooses); cvmm_vqm_destroy() frees. The memory handle's
 * backend is borrowed and must outlive the model. Not thread-safe.
 */
#ifndef CVMM_HARNESS_VIRTQUEUE_MODEL_H
#define CVMM_HARNESS_VIRTQUEUE_MODEL_H

#include <cvmm/mem.h>

#include <errno.h>

#include <stdbool.h>
#include <stdint.h>

/* Descriptor flags, and ring flags, as the specification numbers them. */
#define CVMM_VQM_DESC_NEXT	    1u
#define CVMM_VQM_DESC_WRITE	    2u
#define CVMM_VQM_DESC_INDIRECT	    4u
#define CVMM_VQM_AVAIL_NO_INTERRUPT 1u
#define CVMM_VQM_USED_NO_NOTIFY	    1u

/* Where the three rings of a queue are. */
struct cvmm_vqm_layout {
	uint32_t size;
	cvmm_mem_gpa desc;
	cvmm_mem_gpa avail;
	cvmm_mem_gpa used;
	/* Whether the event fields (used_event, avail_event) exist. */
	bool event_idx;
};

/*
 * Lay the rings out from base: descriptor table at base rounded up to 16,
 * avail ring right after it, used ring after that rounded up to 4. Stores
 * the layout and, if bytes is not NULL, the bytes from base to the end of
 * the used ring. -EINVAL for a bad size, -EOVERFLOW if it would wrap.
 */
int cvmm_vqm_layout_at(cvmm_mem_gpa base, uint32_t size, bool event_idx,
		       struct cvmm_vqm_layout *out, uint64_t *bytes);

/* One buffer of a chain. */
struct cvmm_vqm_buf {
	cvmm_mem_gpa addr;
	uint32_t len;
	bool writable;
};

/*
 * A chain to add: ndirect descriptors in the descriptor table, then, if
 * nindirect > 0, one indirect descriptor whose table (nindirect entries)
 * is written at `table`.
 */
struct cvmm_vqm_chain {
	const struct cvmm_vqm_buf *direct;
	uint32_t ndirect;
	const struct cvmm_vqm_buf *indirect;
	uint32_t nindirect;
	cvmm_mem_gpa table;
};

/* A raw descriptor, as it lies in a descriptor table. */
struct cvmm_vqm_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* Ring fields, for cvmm_vqm_field_gpa(), cvmm_vqm_poke(), cvmm_vqm_peek().
 * The index selects the descriptor (DESC_*) or the ring slot (AVAIL_RING,
 * USED_ID, USED_LEN); it may be anything, even past the ring. */
enum cvmm_vqm_field {
	CVMM_VQM_DESC_ADDR,	/* 8 bytes */
	CVMM_VQM_DESC_LEN,	/* 4 */
	CVMM_VQM_DESC_FLAGS,	/* 2 */
	CVMM_VQM_DESC_NEXT_IDX, /* 2 */
	CVMM_VQM_AVAIL_FLAGS,	/* 2 */
	CVMM_VQM_AVAIL_IDX,	/* 2 */
	CVMM_VQM_AVAIL_RING,	/* 2 */
	CVMM_VQM_USED_EVENT,	/* 2, after avail ring[size] */
	CVMM_VQM_USED_FLAGS,	/* 2 */
	CVMM_VQM_USED_IDX,	/* 2 */
	CVMM_VQM_USED_ID,	/* 4 */
	CVMM_VQM_USED_LEN,	/* 4 */
	CVMM_VQM_AVAIL_EVENT,	/* 2, after used ring[size] */
	CVMM_VQM_FIELD_COUNT
};

struct cvmm_vqm;

/*
 * Create a model of the queue at *layout and zero its three rings in guest
 * memory (a freshly initialized driver queue: all descriptors free).
 */
int cvmm_vqm_create(const struct cvmm_mem *mem,
		    const struct cvmm_vqm_layout *layout,
		    struct cvmm_vqm **out);

/* Free the model (NULL is allowed); guest memory is left as it is. */
void cvmm_vqm_destroy(struct cvmm_vqm *m);

/* The model's layout (borrowed from m). */
const struct cvmm_vqm_layout *cvmm_vqm_get_layout(const struct cvmm_vqm *m);

/*
 * Write a chain into free descriptors (linked with NEXT, in free-list
 * order, so chains are not contiguous once descriptors were recycled) and
 * make it available: avail ring entry, then the avail index (release).
 * Stores the head in *head.
 */
int cvmm_vqm_add(struct cvmm_vqm *m, const struct cvmm_vqm_chain *chain,
		 uint16_t *head);

/* Shorthands for a direct chain and for a chain that is one indirect table. */
int cvmm_vqm_add_direct(struct cvmm_vqm *m, const struct cvmm_vqm_buf *bufs,
			uint32_t n, uint16_t *head);
int cvmm_vqm_add_indirect(struct cvmm_vqm *m, const struct cvmm_vqm_buf *bufs,
			  uint32_t n, cvmm_mem_gpa table, uint16_t *head);

/*
 * Take the next used entry (reads the used index with acquire ordering):
 * stores its id and len and frees the chain's descriptors. -EAGAIN if the
 * device has not added one.
 */
int cvmm_vqm_get_used(struct cvmm_vqm *m, uint16_t *id, uint32_t *len);

/* Descriptors free for new chains. */
uint32_t cvmm_vqm_num_free(const struct cvmm_vqm *m);

/*
 * Start the driver at other ring indices, as if that many chains had gone
 * round: sets the model's avail index and next used entry and writes the
 * avail and used index fields to match. For tests near the 16-bit wrap and
 * for restoring a saved device state. -EBUSY while chains are outstanding.
 */
int cvmm_vqm_set_indices(struct cvmm_vqm *m, uint16_t avail_idx,
			 uint16_t used_idx);

/* The avail index the model has published (its own copy). */
uint16_t cvmm_vqm_avail_idx(const struct cvmm_vqm *m);

/*
 * Publish any head value in the next avail slot and bump the avail index,
 * without writing descriptors or recording ownership (for hostile heads).
 */
int cvmm_vqm_publish(struct cvmm_vqm *m, uint16_t head);

/*
 * Whether the driver must notify the device after publishing from avail
 * index old to the current one: with event_idx, if that crossed the
 * device's avail_event; otherwise unless the device set NO_NOTIFY.
 */
int cvmm_vqm_kick_needed(struct cvmm_vqm *m, uint16_t old, bool *kick);

/* The guest address of a field and its width in bytes. */
int cvmm_vqm_field_gpa(const struct cvmm_vqm *m, enum cvmm_vqm_field field,
		       uint64_t index, cvmm_mem_gpa *gpa, unsigned *width);

/* Write value (truncated to the field's width, little-endian) into a field. */
int cvmm_vqm_poke(struct cvmm_vqm *m, enum cvmm_vqm_field field, uint64_t index,
		  uint64_t value);

/* Read a field. */
int cvmm_vqm_peek(struct cvmm_vqm *m, enum cvmm_vqm_field field, uint64_t index,
		  uint64_t *value);

/*
 * Write or read a raw descriptor at entry index of the table at `table`
 * (the queue's descriptor table or any indirect table).
 */
int cvmm_vqm_write_desc(const struct cvmm_mem *mem, cvmm_mem_gpa table,
			uint64_t index, const struct cvmm_vqm_desc *desc);
int cvmm_vqm_read_desc(const struct cvmm_mem *mem, cvmm_mem_gpa table,
		       uint64_t index, struct cvmm_vqm_desc *desc);

#endif
