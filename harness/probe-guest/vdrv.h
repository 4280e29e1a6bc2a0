/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small virtio-mmio (version 2) driver and the DSDT reader that finds
 * virtio-mmio devices, written for the probe guest but free of it: plain
 * C11 over an ops table (register reads and writes, a deadline) and a
 * memory arena the caller owns, so the same code runs in the guest (MMIO
 * and identity-mapped RAM) and on the host against the real transport
 * (harness/probe-guest/test_vdrv.c).
 *
 * The driver is deliberately simple: one chain in flight per queue, its
 * descriptors always 0..n-1, completions found by polling the used ring
 * (the guest runs with interrupts off) within a deadline, InterruptStatus
 * acknowledged after each. Hostile tests reach the rings directly through
 * struct vdrv_queue.
 *
 * Ownership: nothing is allocated. struct vdrv_dev borrows the ops, their
 * context and the arena for as long as it is used; queues are carved from
 * the arena by vdrv_queue_setup() and given back by vdrv_reset().
 */
#ifndef VDRV_H
#define VDRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the DSDT: virtio-mmio devices (_HID "LNRO0005") ---- */

struct vdrv_acpi_dev {
	uint32_t uid;  /* _UID */
	uint32_t base; /* Memory32Fixed window */
	uint32_t size;
	uint32_t gsi; /* the Interrupt descriptor's one interrupt */
};

#define VDRV_ACPI_MAX 24u

/*
 * Find every Device with _HID "LNRO0005" in the AML of a DSDT (aml: the
 * bytes after the 36-byte header, len of them), in the shapes
 * components/acpi-tables emits: Device (name) { Name (_HID, "LNRO0005"),
 * Name (_UID, n), Name (_CRS, Buffer () { Memory32Fixed, Interrupt, End
 * }) }. Every length is checked against the bytes that hold it. Returns
 * the number of devices found (at most max are stored), or -1 with *why
 * set to what was wrong (a malformed package length, a _CRS without a
 * window or interrupt, more devices than max, ...).
 */
int vdrv_acpi_find(const uint8_t *aml, uint32_t len, struct vdrv_acpi_dev *out,
		   uint32_t max, const char **why);

/* ---- the transport ---- */

#define VDRV_MAGIC 0x74726976u /* "virt" */

#define VDRV_MAGIC_VALUE	 0x000u
#define VDRV_VERSION		 0x004u
#define VDRV_DEVICE_ID		 0x008u
#define VDRV_VENDOR_ID		 0x00cu
#define VDRV_DEVICE_FEATURES	 0x010u
#define VDRV_DEVICE_FEATURES_SEL 0x014u
#define VDRV_DRIVER_FEATURES	 0x020u
#define VDRV_DRIVER_FEATURES_SEL 0x024u
#define VDRV_QUEUE_SEL		 0x030u
#define VDRV_QUEUE_NUM_MAX	 0x034u
#define VDRV_QUEUE_NUM		 0x038u
#define VDRV_QUEUE_READY	 0x044u
#define VDRV_QUEUE_NOTIFY	 0x050u
#define VDRV_INTERRUPT_STATUS	 0x060u
#define VDRV_INTERRUPT_ACK	 0x064u
#define VDRV_STATUS		 0x070u
#define VDRV_QUEUE_DESC_LOW	 0x080u
#define VDRV_QUEUE_DESC_HIGH	 0x084u
#define VDRV_QUEUE_DRIVER_LOW	 0x090u
#define VDRV_QUEUE_DRIVER_HIGH	 0x094u
#define VDRV_QUEUE_DEVICE_LOW	 0x0a0u
#define VDRV_QUEUE_DEVICE_HIGH	 0x0a4u
#define VDRV_CONFIG		 0x100u

#define VDRV_S_ACKNOWLEDGE	  1u
#define VDRV_S_DRIVER		  2u
#define VDRV_S_DRIVER_OK	  4u
#define VDRV_S_FEATURES_OK	  8u
#define VDRV_S_DEVICE_NEEDS_RESET 64u
#define VDRV_S_FAILED		  128u

#define VDRV_F_INDIRECT_DESC (UINT64_C(1) << 28)
#define VDRV_F_VERSION_1     (UINT64_C(1) << 32)

#define VDRV_ID_NET	1u
#define VDRV_ID_BLOCK	2u
#define VDRV_ID_CONSOLE 3u
#define VDRV_ID_RNG	4u

#define VDRV_DESC_F_NEXT     1u
#define VDRV_DESC_F_WRITE    2u
#define VDRV_DESC_F_INDIRECT 4u

/* Register access and time, supplied by the caller. */
struct vdrv_ops {
	/* A read or write of size 1, 2 or 4 at offset off of the window. */
	uint32_t (*read)(void *ctx, uint32_t off, uint32_t size);
	void (*write)(void *ctx, uint32_t off, uint32_t size, uint32_t val);
	/* Start a deadline of seconds; then expired() says when it passed.
	 * expired() is called in the polling loops (it may also let a
	 * host-side device run). */
	void (*deadline)(void *ctx, uint32_t seconds);
	bool (*expired)(void *ctx);
};

/* Memory the driver owns: host pointer and guest physical address of the
 * same bytes. */
struct vdrv_arena {
	uint8_t *host;
	uint64_t gpa;
	uint32_t size;
	uint32_t used;
};

#define VDRV_MAX_QUEUES 2u

struct vdrv_queue {
	uint16_t size; /* 0: not set up */
	uint16_t next_avail;
	uint16_t last_used;
	volatile uint8_t *desc, *avail, *used; /* host pointers */
	uint64_t desc_gpa, avail_gpa, used_gpa;
};

struct vdrv_dev {
	const struct vdrv_ops *ops;
	void *ctx;
	struct vdrv_arena arena;
	uint32_t arena_base; /* arena.used after the queues */
	uint32_t device_id;
	uint64_t offered;
	uint64_t features; /* negotiated */
	struct vdrv_queue q[VDRV_MAX_QUEUES];
};

/* One buffer of a chain (gpa inside the arena, or anywhere for hostile
 * chains). */
struct vdrv_buf {
	uint64_t gpa;
	uint32_t len;
	bool write; /* device-writable */
};

/* Errors (negative returns). */
enum {
	VDRV_OK = 0,
	VDRV_E_MAGIC = -1,	 /* MagicValue is not "virt" */
	VDRV_E_VERSION = -2,	 /* Version is not 2 */
	VDRV_E_NODEV = -3,	 /* DeviceID 0 */
	VDRV_E_FEATURES = -4,	 /* VERSION_1 not offered, or FEATURES_OK
				    did not stick */
	VDRV_E_NOQUEUE = -5,	 /* QueueNumMax 0 */
	VDRV_E_QREADY = -6,	 /* a queue already ready, or QueueReady did
				    not read back 1 */
	VDRV_E_ARENA = -7,	 /* the arena is too small */
	VDRV_E_NEEDS_RESET = -8, /* the device set DEVICE_NEEDS_RESET */
	VDRV_E_TIMEOUT = -9,	 /* no used entry before the deadline */
	VDRV_E_USED = -10,	 /* a used entry names another head */
	VDRV_E_ARG = -11,	 /* a bad argument (queue, chain length) */
	VDRV_E_STATUS = -12,	 /* DRIVER_OK did not stick */
};

const char *vdrv_strerror(int err);

/* Read the identity registers: 0, VDRV_E_MAGIC, _VERSION or _NODEV. */
int vdrv_probe(struct vdrv_dev *d, const struct vdrv_ops *ops, void *ctx,
	       const struct vdrv_arena *arena);

uint32_t vdrv_read(struct vdrv_dev *d, uint32_t off);
void vdrv_write(struct vdrv_dev *d, uint32_t off, uint32_t val);
uint32_t vdrv_config(struct vdrv_dev *d, uint32_t off, uint32_t size);
uint32_t vdrv_status(struct vdrv_dev *d);

/* Status 0, the queues forgotten, the arena emptied. */
void vdrv_reset(struct vdrv_dev *d);

/* Reset, ACKNOWLEDGE, DRIVER, then ack what the device offers of
 * VERSION_1 | want, and FEATURES_OK (read back). */
int vdrv_negotiate(struct vdrv_dev *d, uint64_t want);

/* Set up queue qi with at most size entries (a power of two) in the
 * arena. */
int vdrv_queue_setup(struct vdrv_dev *d, uint32_t qi, uint16_t size);

/* DRIVER_OK (read back, and no DEVICE_NEEDS_RESET). */
int vdrv_driver_ok(struct vdrv_dev *d);

/* n bytes of the arena, aligned to align (a power of two); NULL when it
 * is full. *gpa gets their guest address. */
void *vdrv_alloc(struct vdrv_dev *d, uint32_t n, uint32_t align, uint64_t *gpa);

/* Descriptor i of queue q, raw. */
void vdrv_desc_set(struct vdrv_queue *q, uint32_t i, uint64_t addr,
		   uint32_t len, uint16_t flags, uint16_t next);
/* Put head into the avail ring and move the avail index by step (1 for
 * a well-behaved driver). */
void vdrv_avail_push(struct vdrv_queue *q, uint16_t head, uint16_t step);
uint16_t vdrv_used_idx(const struct vdrv_queue *q);
/* Used entry i (mod size): the head it returns and its length. */
void vdrv_used_entry(const struct vdrv_queue *q, uint16_t i, uint32_t *id,
		     uint32_t *len);
void vdrv_notify(struct vdrv_dev *d, uint32_t qi);

/* Make a chain of n buffers (descriptors 0..n-1, head 0) available on
 * queue qi and notify. */
int vdrv_submit(struct vdrv_dev *d, uint32_t qi, const struct vdrv_buf *bufs,
		uint32_t n);

/*
 * Wait up to seconds for the next used entry of queue qi; *len gets its
 * length. Acknowledges the interrupt. VDRV_E_NEEDS_RESET when the device
 * gave up on the queue, VDRV_E_USED when the entry is not head 0.
 */
int vdrv_wait(struct vdrv_dev *d, uint32_t qi, uint32_t seconds, uint32_t *len);

/* Wait up to seconds for DEVICE_NEEDS_RESET; true when it is set. */
bool vdrv_wait_needs_reset(struct vdrv_dev *d, uint32_t seconds);

/* Acknowledge whatever InterruptStatus says; returns what it said. */
uint32_t vdrv_ack(struct vdrv_dev *d);

/* ---- hostile rings ---- */

/* Ways to break a queue (virtio 1.x 2.7.5 and 2.7.13 say what a driver
 * must not do; each is a distinct violation class of the device side). */
enum vdrv_corruption {
	VDRV_C_JUMP,	 /* avail index moved by the queue size + 1 */
	VDRV_C_HEAD,	 /* a head >= the queue size (0xbeef) */
	VDRV_C_LOOP,	 /* two empty descriptors after the chain, each the
			    other's next */
	VDRV_C_NEXT,	 /* the last descriptor's next >= the queue size */
	VDRV_C_ADDR,	 /* the last buffer outside guest memory */
	VDRV_C_INDIRECT, /* the head is an indirect table of 24 bytes */
	VDRV_C_ORDER,	 /* a readable buffer after a writable one */
	VDRV_C_COUNT
};

const char *vdrv_corruption_name(enum vdrv_corruption c);

/* Bytes of arena vdrv_corrupt() needs besides the good chain's. */
#define VDRV_SPARE 64u

/*
 * Write the good chain good[0..n) (1 <= n <= 3) into queue q broken as c,
 * and make it available (no notification). outside: an address with no
 * guest memory; spare: VDRV_SPARE bytes of the arena (host pointer and
 * guest address) for the extra buffers and the indirect table.
 */
void vdrv_corrupt(struct vdrv_queue *q, const struct vdrv_buf *good, uint32_t n,
		  enum vdrv_corruption c, uint64_t outside, uint8_t *spare,
		  uint64_t spare_gpa);

/*
 * After vdrv_corrupt(): true when the used ring names no head but 0 (the
 * one a broken but real chain has), and nothing at all when c left no
 * chain to return (VDRV_C_JUMP, VDRV_C_HEAD). *used gets the used index.
 */
bool vdrv_used_clean(const struct vdrv_queue *q, enum vdrv_corruption c,
		     uint16_t *used);

#endif
