/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio driver of vdrv.h (virtio 1.x, sections 2.7 and 4.2.3).
 * Ring fields are little-endian; both places this runs (the x86-64 guest
 * and the x86-64 host) are too, so they are stored as they are, through
 * volatile pointers so every poll reads memory again.
 */
#include "vdrv.h"

/* The device reads the rings after the notify (an MMIO exit, or a call on
 * the host): keep the compiler from moving ring stores past it. x86 keeps
 * stores in order by itself. */
#define BARRIER() __asm__ volatile("" ::: "memory")

const char *vdrv_strerror(int err)
{
	switch (err) {
	case VDRV_OK:
		return "ok";
	case VDRV_E_MAGIC:
		return "MagicValue is not 0x74726976";
	case VDRV_E_VERSION:
		return "Version is not 2";
	case VDRV_E_NODEV:
		return "DeviceID is 0 (no device)";
	case VDRV_E_FEATURES:
		return "feature negotiation failed (VERSION_1 not offered or "
		       "FEATURES_OK did not stick)";
	case VDRV_E_NOQUEUE:
		return "QueueNumMax is 0 (no such queue)";
	case VDRV_E_QREADY:
		return "QueueReady did not behave (ready before set-up, or "
		       "not ready after)";
	case VDRV_E_ARENA:
		return "driver memory exhausted";
	case VDRV_E_NEEDS_RESET:
		return "the device set DEVICE_NEEDS_RESET";
	case VDRV_E_TIMEOUT:
		return "no used entry before the deadline";
	case VDRV_E_USED:
		return "a used entry names a head that was not submitted";
	case VDRV_E_ARG:
		return "bad driver argument";
	case VDRV_E_STATUS:
		return "DRIVER_OK did not stick";
	default:
		return "unknown error";
	}
}

uint32_t vdrv_read(struct vdrv_dev *d, uint32_t off)
{
	return d->ops->read(d->ctx, off, 4);
}

void vdrv_write(struct vdrv_dev *d, uint32_t off, uint32_t val)
{
	BARRIER();
	d->ops->write(d->ctx, off, 4, val);
	BARRIER();
}

uint32_t vdrv_config(struct vdrv_dev *d, uint32_t off, uint32_t size)
{
	return d->ops->read(d->ctx, VDRV_CONFIG + off, size);
}

uint32_t vdrv_status(struct vdrv_dev *d)
{
	return vdrv_read(d, VDRV_STATUS);
}

int vdrv_probe(struct vdrv_dev *d, const struct vdrv_ops *ops, void *ctx,
	       const struct vdrv_arena *arena)
{
	d->ops = ops;
	d->ctx = ctx;
	d->arena = *arena;
	d->arena.used = 0;
	d->arena_base = 0;
	d->device_id = 0;
	d->offered = 0;
	d->features = 0;
	for (uint32_t i = 0; i < VDRV_MAX_QUEUES; i++)
		d->q[i].size = 0;
	if (vdrv_read(d, VDRV_MAGIC_VALUE) != VDRV_MAGIC)
		return VDRV_E_MAGIC;
	if (vdrv_read(d, VDRV_VERSION) != 2)
		return VDRV_E_VERSION;
	d->device_id = vdrv_read(d, VDRV_DEVICE_ID);
	return d->device_id ? VDRV_OK : VDRV_E_NODEV;
}

void vdrv_reset(struct vdrv_dev *d)
{
	vdrv_write(d, VDRV_STATUS, 0);
	/* The spec has the driver wait for Status to read 0. */
	for (uint32_t i = 0; i < 1000 && vdrv_status(d) != 0; i++)
		;
	for (uint32_t i = 0; i < VDRV_MAX_QUEUES; i++)
		d->q[i].size = 0;
	d->arena.used = 0;
	d->features = 0;
}

int vdrv_negotiate(struct vdrv_dev *d, uint64_t want)
{
	uint64_t acked;

	vdrv_reset(d);
	vdrv_write(d, VDRV_STATUS, VDRV_S_ACKNOWLEDGE);
	vdrv_write(d, VDRV_STATUS, VDRV_S_ACKNOWLEDGE | VDRV_S_DRIVER);
	vdrv_write(d, VDRV_DEVICE_FEATURES_SEL, 0);
	d->offered = vdrv_read(d, VDRV_DEVICE_FEATURES);
	vdrv_write(d, VDRV_DEVICE_FEATURES_SEL, 1);
	d->offered |= (uint64_t)vdrv_read(d, VDRV_DEVICE_FEATURES) << 32;
	if ((d->offered & VDRV_F_VERSION_1) == 0)
		return VDRV_E_FEATURES;
	acked = d->offered & (want | VDRV_F_VERSION_1);
	vdrv_write(d, VDRV_DRIVER_FEATURES_SEL, 0);
	vdrv_write(d, VDRV_DRIVER_FEATURES, (uint32_t)acked);
	vdrv_write(d, VDRV_DRIVER_FEATURES_SEL, 1);
	vdrv_write(d, VDRV_DRIVER_FEATURES, (uint32_t)(acked >> 32));
	vdrv_write(d, VDRV_STATUS,
		   VDRV_S_ACKNOWLEDGE | VDRV_S_DRIVER | VDRV_S_FEATURES_OK);
	if ((vdrv_status(d) & VDRV_S_FEATURES_OK) == 0)
		return VDRV_E_FEATURES;
	d->features = acked;
	return VDRV_OK;
}

void *vdrv_alloc(struct vdrv_dev *d, uint32_t n, uint32_t align, uint64_t *gpa)
{
	uint32_t at = (d->arena.used + align - 1) & ~(align - 1);
	uint8_t *p;

	if (at < d->arena.used || at > d->arena.size || n > d->arena.size - at)
		return NULL;
	p = d->arena.host + at;
	for (uint32_t i = 0; i < n; i++)
		((volatile uint8_t *)p)[i] = 0;
	d->arena.used = at + n;
	*gpa = d->arena.gpa + at;
	return p;
}

static void write_addr(struct vdrv_dev *d, uint32_t lo, uint64_t a)
{
	vdrv_write(d, lo, (uint32_t)a);
	vdrv_write(d, lo + 4, (uint32_t)(a >> 32));
}

int vdrv_queue_setup(struct vdrv_dev *d, uint32_t qi, uint16_t size)
{
	struct vdrv_queue *q;
	uint32_t max;

	if (qi >= VDRV_MAX_QUEUES || size == 0 || (size & (size - 1)))
		return VDRV_E_ARG;
	q = &d->q[qi];
	vdrv_write(d, VDRV_QUEUE_SEL, qi);
	if (vdrv_read(d, VDRV_QUEUE_READY) != 0)
		return VDRV_E_QREADY;
	max = vdrv_read(d, VDRV_QUEUE_NUM_MAX);
	if (max == 0)
		return VDRV_E_NOQUEUE;
	while (size > max)
		size >>= 1;
	if (size == 0)
		return VDRV_E_NOQUEUE;
	q->desc = vdrv_alloc(d, 16u * size, 16, &q->desc_gpa);
	q->avail = vdrv_alloc(d, 6u + 2u * size, 2, &q->avail_gpa);
	q->used = vdrv_alloc(d, 6u + 8u * size, 4, &q->used_gpa);
	if (!q->desc || !q->avail || !q->used)
		return VDRV_E_ARENA;
	q->next_avail = 0;
	q->last_used = 0;
	vdrv_write(d, VDRV_QUEUE_NUM, size);
	write_addr(d, VDRV_QUEUE_DESC_LOW, q->desc_gpa);
	write_addr(d, VDRV_QUEUE_DRIVER_LOW, q->avail_gpa);
	write_addr(d, VDRV_QUEUE_DEVICE_LOW, q->used_gpa);
	vdrv_write(d, VDRV_QUEUE_READY, 1);
	if (vdrv_read(d, VDRV_QUEUE_READY) != 1)
		return VDRV_E_QREADY;
	q->size = size;
	d->arena_base = d->arena.used;
	return VDRV_OK;
}

int vdrv_driver_ok(struct vdrv_dev *d)
{
	uint32_t s;

	vdrv_write(d, VDRV_STATUS,
		   VDRV_S_ACKNOWLEDGE | VDRV_S_DRIVER | VDRV_S_FEATURES_OK |
		       VDRV_S_DRIVER_OK);
	s = vdrv_status(d);
	if (s & VDRV_S_DEVICE_NEEDS_RESET)
		return VDRV_E_NEEDS_RESET;
	return (s & VDRV_S_DRIVER_OK) ? VDRV_OK : VDRV_E_STATUS;
}

static void st16(volatile uint8_t *p, uint16_t v)
{
	*(volatile uint16_t *)(volatile void *)p = v;
}

static void st32(volatile uint8_t *p, uint32_t v)
{
	*(volatile uint32_t *)(volatile void *)p = v;
}

static void st64(volatile uint8_t *p, uint64_t v)
{
	*(volatile uint64_t *)(volatile void *)p = v;
}

static uint16_t ld16(const volatile uint8_t *p)
{
	return *(const volatile uint16_t *)(const volatile void *)p;
}

static uint32_t ld32(const volatile uint8_t *p)
{
	return *(const volatile uint32_t *)(const volatile void *)p;
}

void vdrv_desc_set(struct vdrv_queue *q, uint32_t i, uint64_t addr,
		   uint32_t len, uint16_t flags, uint16_t next)
{
	volatile uint8_t *e = q->desc + (size_t)16 * (i % q->size);

	st64(e, addr);
	st32(e + 8, len);
	st16(e + 12, flags);
	st16(e + 14, next);
}

void vdrv_avail_push(struct vdrv_queue *q, uint16_t head, uint16_t step)
{
	st16(q->avail + 4 + (size_t)2 * (q->next_avail % q->size), head);
	BARRIER();
	q->next_avail = (uint16_t)(q->next_avail + step);
	st16(q->avail + 2, q->next_avail);
	BARRIER();
}

uint16_t vdrv_used_idx(const struct vdrv_queue *q)
{
	return ld16(q->used + 2);
}

void vdrv_used_entry(const struct vdrv_queue *q, uint16_t i, uint32_t *id,
		     uint32_t *len)
{
	const volatile uint8_t *e = q->used + 4 + (size_t)8 * (i % q->size);

	*id = ld32(e);
	*len = ld32(e + 4);
}

void vdrv_notify(struct vdrv_dev *d, uint32_t qi)
{
	vdrv_write(d, VDRV_QUEUE_NOTIFY, qi);
}

int vdrv_submit(struct vdrv_dev *d, uint32_t qi, const struct vdrv_buf *bufs,
		uint32_t n)
{
	struct vdrv_queue *q;

	if (qi >= VDRV_MAX_QUEUES || d->q[qi].size == 0 || n == 0 ||
	    n > d->q[qi].size)
		return VDRV_E_ARG;
	q = &d->q[qi];
	for (uint32_t i = 0; i < n; i++)
		vdrv_desc_set(
		    q, i, bufs[i].gpa, bufs[i].len,
		    (uint16_t)((bufs[i].write ? VDRV_DESC_F_WRITE : 0) |
			       (i + 1 < n ? VDRV_DESC_F_NEXT : 0)),
		    (uint16_t)(i + 1 < n ? i + 1 : 0));
	vdrv_avail_push(q, 0, 1);
	vdrv_notify(d, qi);
	return VDRV_OK;
}

uint32_t vdrv_ack(struct vdrv_dev *d)
{
	uint32_t isr = vdrv_read(d, VDRV_INTERRUPT_STATUS);

	if (isr)
		vdrv_write(d, VDRV_INTERRUPT_ACK, isr);
	return isr;
}

int vdrv_wait(struct vdrv_dev *d, uint32_t qi, uint32_t seconds, uint32_t *len)
{
	struct vdrv_queue *q;
	uint32_t id, polls = 0;

	if (qi >= VDRV_MAX_QUEUES || d->q[qi].size == 0)
		return VDRV_E_ARG;
	q = &d->q[qi];
	d->ops->deadline(d->ctx, seconds);
	while (vdrv_used_idx(q) == q->last_used) {
		/* The status register costs an exit: look now and then. */
		if ((++polls & 0xff) == 0 &&
		    (vdrv_status(d) & VDRV_S_DEVICE_NEEDS_RESET)) {
			vdrv_ack(d);
			return VDRV_E_NEEDS_RESET;
		}
		if (d->ops->expired(d->ctx)) {
			vdrv_ack(d);
			return vdrv_status(d) & VDRV_S_DEVICE_NEEDS_RESET
				   ? VDRV_E_NEEDS_RESET
				   : VDRV_E_TIMEOUT;
		}
	}
	BARRIER();
	vdrv_used_entry(q, q->last_used, &id, len);
	q->last_used++;
	vdrv_ack(d);
	return id == 0 ? VDRV_OK : VDRV_E_USED;
}

bool vdrv_wait_needs_reset(struct vdrv_dev *d, uint32_t seconds)
{
	d->ops->deadline(d->ctx, seconds);
	for (;;) {
		if (vdrv_status(d) & VDRV_S_DEVICE_NEEDS_RESET)
			return true;
		if (d->ops->expired(d->ctx))
			return (vdrv_status(d) & VDRV_S_DEVICE_NEEDS_RESET) !=
			       0;
	}
}

/* ---- hostile rings ---- */

const char *vdrv_corruption_name(enum vdrv_corruption c)
{
	switch (c) {
	case VDRV_C_JUMP:
		return "avail index jumped by queue size + 1";
	case VDRV_C_HEAD:
		return "head 0xbeef out of range";
	case VDRV_C_LOOP:
		return "descriptor loop (two empty descriptors, each the "
		       "other's next)";
	case VDRV_C_NEXT:
		return "next out of range";
	case VDRV_C_ADDR:
		return "buffer outside guest RAM";
	case VDRV_C_INDIRECT:
		return "indirect table of 24 bytes";
	case VDRV_C_ORDER:
		return "readable descriptor after a writable one";
	default:
		return "?";
	}
}

static uint16_t buf_flags(const struct vdrv_buf *b, bool next)
{
	return (uint16_t)((b->write ? VDRV_DESC_F_WRITE : 0) |
			  (next ? VDRV_DESC_F_NEXT : 0));
}

void vdrv_corrupt(struct vdrv_queue *q, const struct vdrv_buf *good, uint32_t n,
		  enum vdrv_corruption c, uint64_t outside, uint8_t *spare,
		  uint64_t spare_gpa)
{
	struct vdrv_buf b[5];
	uint32_t last;

	if (n < 1 || n > 3)
		return;
	for (uint32_t k = 0; k < n; k++)
		b[k] = good[k];
	if (c == VDRV_C_ORDER) {
		/* A chain of only readable buffers gets a writable one
		 * first, so the readable one truly follows a writable. */
		if (!b[n - 1].write)
			b[n++] = (struct vdrv_buf){spare_gpa, 16, true};
		b[n++] = (struct vdrv_buf){spare_gpa + 16, 16, false};
	}
	last = n - 1;
	for (uint32_t k = 0; k < n; k++)
		vdrv_desc_set(q, k, b[k].gpa, b[k].len,
			      buf_flags(&b[k], k < last),
			      (uint16_t)(k < last ? k + 1 : 0));
	switch (c) {
	case VDRV_C_JUMP:
		vdrv_avail_push(q, 0, (uint16_t)(q->size + 1));
		return;
	case VDRV_C_HEAD:
		vdrv_avail_push(q, 0xbeef, 1);
		return;
	case VDRV_C_LOOP:
		/* Two empty buffers of the last one's kind pointing at each
		 * other after it: empty, so no overlap is seen first, and
		 * of one kind, so no order rule is broken first. */
		vdrv_desc_set(q, last, b[last].gpa, b[last].len,
			      buf_flags(&b[last], true), (uint16_t)n);
		vdrv_desc_set(q, n, spare_gpa, 0, buf_flags(&b[last], true),
			      (uint16_t)(n + 1));
		vdrv_desc_set(q, n + 1, spare_gpa, 0, buf_flags(&b[last], true),
			      (uint16_t)n);
		break;
	case VDRV_C_NEXT:
		vdrv_desc_set(q, last, b[last].gpa, b[last].len,
			      buf_flags(&b[last], true),
			      (uint16_t)(q->size + 3));
		break;
	case VDRV_C_ADDR:
		vdrv_desc_set(q, last, outside, b[last].len,
			      buf_flags(&b[last], false), 0);
		break;
	case VDRV_C_INDIRECT: {
		/* A table whose first entry is the real first buffer, but
		 * 24 bytes long: not a whole number of descriptors. */
		volatile uint8_t *t = spare + 32;

		for (uint32_t k = 0; k < 32; k++)
			t[k] = 0;
		st64(t, b[0].gpa);
		st32(t + 8, b[0].len);
		st16(t + 12, buf_flags(&b[0], false));
		vdrv_desc_set(q, 0, spare_gpa + 32, 24, VDRV_DESC_F_INDIRECT,
			      0);
		break;
	}
	default:
		break;
	}
	vdrv_avail_push(q, 0, 1);
}

bool vdrv_used_clean(const struct vdrv_queue *q, enum vdrv_corruption c,
		     uint16_t *used)
{
	bool clean = true;

	*used = vdrv_used_idx(q);
	if (c == VDRV_C_JUMP || c == VDRV_C_HEAD)
		return *used == 0;
	for (uint16_t k = 0; k < *used && k < q->size; k++) {
		uint32_t id, len;

		vdrv_used_entry(q, k, &id, &len);
		if (id != 0)
			clean = false;
	}
	return clean && *used <= 1;
}
