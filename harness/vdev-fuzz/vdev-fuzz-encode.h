/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The encoder of the generic device fuzzer's input (vdev-fuzz.c documents
 * the format): seed generators (fuzz/seeds/vdev-<device>.c) write inputs
 * with it that the body decodes back exactly, so a seed means what its
 * generator says. Each function appends one piece; the generator keeps the
 * queue count it announced so queue numbers encode as the body decodes
 * them.
 *
 * Ownership: everything lives in the caller's struct cvmm_vfe (no
 * allocation); out.overflow is set if an input outgrew the buffer.
 */
#ifndef CVMM_HARNESS_VDEV_FUZZ_ENCODE_H
#define CVMM_HARNESS_VDEV_FUZZ_ENCODE_H

#include <stdbool.h>
#include <stdint.h>

#include "fuzz-input.h"

/* The fixed guest memory of every input (see vdev-fuzz.c). */
#define CVMM_VFZ_RAM_BASE  0x10000u
#define CVMM_VFZ_RAM_SIZE  0x10000u
#define CVMM_VFZ_HOLE_SIZE 0x1000u
#define CVMM_VFZ_RO_BASE   0x21000u
#define CVMM_VFZ_RO_SIZE   0x1000u
#define CVMM_VFZ_HI_BASE   0x22000u
#define CVMM_VFZ_HI_SIZE   0x1000u
/* Queue q's rings, when placed in their slot. */
#define CVMM_VFZ_RING_SLOT(q) (CVMM_VFZ_RAM_BASE + 0x2000u * ((q) % 4u))
/* Where buffers go by default. */
#define CVMM_VFZ_BUF_BASE (CVMM_VFZ_RAM_BASE + 0x8000u)
#define CVMM_VFZ_BUF_SIZE 0x8000u

/* Header bits. */
#define CVMM_VFZ_UNCACHED    1u
#define CVMM_VFZ_GRANULE(gi) (((gi)&3u) << 1) /* {0, 4096, 512, 64} */

/* Operations, as the body numbers them. */
enum cvmm_vfz_op {
	CVMM_VFZ_OP_WRITE,
	CVMM_VFZ_OP_READ,
	CVMM_VFZ_OP_HANDSHAKE,
	CVMM_VFZ_OP_CHAIN,
	CVMM_VFZ_OP_NOTIFY,
	CVMM_VFZ_OP_POKE,
	CVMM_VFZ_OP_DESC,
	CVMM_VFZ_OP_RAW,
	CVMM_VFZ_OP_USED,
	CVMM_VFZ_OP_PUBLISH,
	CVMM_VFZ_OP_EVENT,
	CVMM_VFZ_OP_SAVE,
	CVMM_VFZ_OP_CONFIG,
	CVMM_VFZ_OP_ACK,
	CVMM_VFZ_OP_RESET,
	CVMM_VFZ_OP_SERVE,
	CVMM_VFZ_OP_COUNT
};

/* Access lengths, by the index the body decodes. */
#define CVMM_VFZ_LENS                                                          \
	{                                                                      \
		4, 1, 2, 8, 3, 0, 4, 4                                         \
	}

/* One buffer of a chain: in the buffer area at off (area true), or at a
 * raw guest address; its length is any u32. */
struct cvmm_vfe_buf {
	bool area;
	uint64_t addr; /* offset in the buffer area, or a raw address */
	uint32_t len;
};

struct cvmm_vfe {
	struct cvmm_fo out;
	uint8_t buf[8192];
	uint32_t nq; /* the device's queue count (queue numbers' range) */
};

/* Start an input: header bits, queue size 1 << qlog (qlog 0..8) and the
 * factory's variant byte; nq is the device's queue count. */
void cvmm_vfe_begin(struct cvmm_vfe *e, uint8_t bits, unsigned qlog,
		    uint8_t variant, uint32_t nq);

/* A handshake acking the offered features & mask (all of them if all),
 * with VERSION_1 dropped if drop_v1; then cvmm_vfe_queue_*() once per
 * queue of the device, in order. */
void cvmm_vfe_handshake(struct cvmm_vfe *e, bool all, uint64_t mask,
			bool drop_v1, bool driver_ok);
/* Queue not enabled. */
void cvmm_vfe_queue_off(struct cvmm_vfe *e);
/* Queue of size 1 << qlog with its rings in its slot. */
void cvmm_vfe_queue_slot(struct cvmm_vfe *e, unsigned qlog);
/* Queue of size 1 << qlog with rings at raw addresses. */
void cvmm_vfe_queue_raw(struct cvmm_vfe *e, unsigned qlog, uint64_t desc,
			uint64_t avail, uint64_t used);

/* Register write and read (len by index into CVMM_VFZ_LENS). */
void cvmm_vfe_write(struct cvmm_vfe *e, uint64_t off, unsigned len_index,
		    uint32_t value);
void cvmm_vfe_read(struct cvmm_vfe *e, uint64_t off, unsigned len_index);

/* A chain on queue q: d[0..nd) direct (nd <= 16), then t[0..nt) in an
 * indirect table (nt <= 16; the table at table_off in the buffer area);
 * buffers from index first_w on (direct ones counted first) writable. */
void cvmm_vfe_chain(struct cvmm_vfe *e, uint32_t q,
		    const struct cvmm_vfe_buf *d, unsigned nd,
		    const struct cvmm_vfe_buf *t, unsigned nt, unsigned first_w,
		    uint32_t table_off);

/* Notify queue q (through QueueNotify if reg, else the ioeventfd path). */
void cvmm_vfe_notify(struct cvmm_vfe *e, uint32_t q, bool reg);
/* The driver takes up to n (1..16) used entries of queue q. */
void cvmm_vfe_used(struct cvmm_vfe *e, uint32_t q, unsigned n);
/* Hostile ring field write (field: enum cvmm_vqm_field). */
void cvmm_vfe_poke(struct cvmm_vfe *e, uint32_t q, unsigned field,
		   uint16_t index, uint64_t value);
/* Raw descriptor at index of queue q's table. */
void cvmm_vfe_desc(struct cvmm_vfe *e, uint32_t q, uint16_t index,
		   uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
/* Raw bytes (1..16) anywhere. */
void cvmm_vfe_raw(struct cvmm_vfe *e, uint64_t gpa, const uint8_t *bytes,
		  unsigned n);
/* Publish any head on queue q. */
void cvmm_vfe_publish(struct cvmm_vfe *e, uint32_t q, uint16_t head);
/* A device-side event: the generator appends the event's own bytes. */
void cvmm_vfe_event(struct cvmm_vfe *e);
/* Save and restore, with one state field (0..7) changed if mutate. */
void cvmm_vfe_save(struct cvmm_vfe *e, bool mutate, unsigned field,
		   uint32_t value);
/* Config space access at offset off (0..63), len 1 << len_log (0..2). */
void cvmm_vfe_config(struct cvmm_vfe *e, bool write, unsigned off,
		     unsigned len_log, uint32_t value);
/* InterruptACK of value. */
void cvmm_vfe_ack(struct cvmm_vfe *e, uint32_t value);
/* Status 0. */
void cvmm_vfe_reset(struct cvmm_vfe *e);
/* Add n (1..4) buffers of len bytes each at off in the buffer area,
 * writable if w, as one chain on q; notify q; take the used entries. */
void cvmm_vfe_serve(struct cvmm_vfe *e, uint32_t q, unsigned n, uint32_t off,
		    uint32_t len, bool w);

#endif
