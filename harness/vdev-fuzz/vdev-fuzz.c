/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic device fuzzer's body: any device implementing cvmm/vdev.h,
 * behind the virtio-mmio transport on vm-memory's test backend, driven by
 * a fuzzed sequence of driver actions. After every step the invariants
 * below are checked; a broken one prints
 *   vdev-<device>: invariant: <name>: <condition> (line N)
 * and aborts, so it reads differently from a sanitizer report.
 *
 * Invariants
 *   register-result    every register, config and notify access returns 0
 *                      or an errno cvmm/vdev-mmio.h documents (the
 *                      transport's list, a queue-layout errno from
 *                      cvmm_vq_enable(), a device errno from activate or
 *                      notify: the queue's or the memory's); a refused
 *                      read stores zeros; MagicValue, Version and DeviceID
 *                      read their documented values;
 *   status             only known status and interrupt bits; DRIVER_OK
 *                      only with FEATURES_OK, FEATURES_OK only with
 *                      VERSION_1 negotiated; the interrupt line is high
 *                      exactly while InterruptStatus is non-zero;
 *   transport-contract the device is called as cvmm/vdev.h promises:
 *                      config accesses in range and aligned, acked
 *                      features offered and with VERSION_1, notify only
 *                      while active on a ready queue it has, one call at
 *                      a time (the device ops are interposed to see this);
 *   buffer-in-memory   every guest access the device makes (read, write,
 *                      check, translate) passes cvmm_mem_check() with its
 *                      access: the queue hands out only guest memory and
 *                      the device stays inside what it was handed;
 *   broken-stays       a broken queue stays broken until a reset (status
 *                      0, QueueReady 0, a handshake or a restore);
 *   head-returned      after a notification or a device event returns,
 *                      every queue that is not broken has no chain in
 *                      flight (cvmm_vq_inflight() == 0), except the
 *                      queues the registration lists in pending_queues;
 *   head-once          the driver never sees a used entry whose id it did
 *                      not make available or that it already got back
 *                      (the model's -EPROTO), checked while the driver has
 *                      done nothing hostile to that queue since its
 *                      handshake (raw ring, descriptor or register writes,
 *                      rings outside their slots, a refused queue
 *                      register, writable buffers or indirect tables over
 *                      any modelled ring: each makes the model's
 *                      bookkeeping no evidence against the device); and
 *                      the in-flight count never exceeds the queue size;
 *   double-fetch       no guest byte is read twice by the device within
 *                      one request (below);
 *   save-roundtrip     a state just saved restores (the same memory, the
 *                      same registers: nothing may refuse it).
 *
 * One request. The device's own guest accesses reach memory through a view
 * the body interposes at activate() (the queues keep the transport's),
 * so the watch (harness/mem-watch) logs exactly the reads the device made,
 * not the queue's ring and descriptor reads. A request is one chain: the
 * window opens when a notification or event starts and closes each time a
 * used index of the device's queues moves (the queue wrote a used entry:
 * the previous chain was returned) and when the call returns. The guest
 * may have left any value in a used index, even the one the queue writes
 * next, so before a request the body writes back the queue's own
 * next_used there (see snapshot_used()). Two chains
 * may share guest bytes (the driver's business), so a byte read once per
 * chain is fine; a byte read twice within one chain is a double fetch. The
 * log holds 8192 reads; a window that overflows it is not judged (the
 * bounds on chain and queue sizes keep real windows far below that).
 *
 * Input (harness/fuzz-input; decoding is total and deterministic):
 *   u8     bits: 0 CVMM_VQ_CFG_UNCACHED for every queue; 1-2 memory
 *          granule {whole regions, 4096, 512, 64};
 *   range  0..8: the device's largest queue size, 1 << k (factory);
 *   u8     the factory's variant byte;
 *   then operations until the input ends (at most MAX_OPS):
 *   range  0..15, then the operation's operands (see run_op() and the
 *          encoder, vdev-fuzz-encode.h, which writes each of them).
 * Guest memory is fixed: RAM [0x10000, 0x20000) read-write (queue q's
 * rings in slot 0x10000 + 0x2000 * (q % 4), buffers mostly in the upper
 * half), a 4 KiB hole, a 4 KiB read-only region at 0x21000 and a 4 KiB
 * read-write one right after it (a buffer may span the two). Addresses and
 * lengths are picked from kinds (inside a region, at a region's end, in
 * the hole, read-only, raw u64) so most bytes land somewhere meaningful.
 */
#include "vdev-fuzz.h"

#include <cvmm/mem-test.h>
#include <cvmm/vdev-mmio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem-watch.h"
#include "vdev-fuzz-encode.h"
#include "virtqueue-model.h"

#define MAX_OPS	     256u
#define MAX_QUEUES   CVMM_VDEV_MAX_QUEUES
#define WATCH_CAP    8192u
#define MAX_QLOG     8u
#define KNOWN_STATUS (1u | 2u | 4u | 8u | 64u | 128u)
#define RAM_END	     (CVMM_VFZ_RAM_BASE + CVMM_VFZ_RAM_SIZE)
#define CONFIG_RANGE 64u

#define CHECK(z, cond, name)                                                   \
	do {                                                                   \
		if (!(cond))                                                   \
			fail((z), name, #cond, __LINE__);                      \
	} while (0)

struct fz {
	const struct cvmm_vdev_fuzz_device *reg;
	void *obj;
	struct cvmm_vdev inner; /* the device as its factory made it */
	struct cvmm_vdev_info info;
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;	  /* the test backend */
	struct cvmm_mem dev_view; /* what the device gets at activate() */
	struct cvmm_vdev_activation act;
	struct cvmm_vdev_mmio *t;
	struct cvmm_vqm *m[MAX_QUEUES];
	bool hostile[MAX_QUEUES];
	bool was_broken[MAX_QUEUES];
	uint64_t used_addr[MAX_QUEUES]; /* QueueDevice as last written */
	uint64_t used_at[MAX_QUEUES];	/* the used index watched */
	uint32_t queue_sel;
	/* Device-call tracking (transport-contract). */
	int depth;
	bool active;
	/* The watch. */
	struct cvmm_mw mw;
	bool watching;	 /* inside a notification or event */
	bool dev_access; /* inside an access the device made */
	bool mute;	 /* the body's own access */
	uint16_t used_idx[MAX_QUEUES];
	/* Interrupt line. */
	bool line;
	uint32_t raises;
	/* Resets seen during the current step (broken-stays). */
	bool reset_seen;
};

static __attribute__((noreturn)) void fail(const struct fz *z, const char *name,
					   const char *cond, int line)
{
	(void)fprintf(stderr, "vdev-%s: invariant: %s: %s (line %d)\n",
		      z->reg->name, name, cond, line);
	abort();
}

/* ---------------------------------------------------------------------- */
/* Guest memory and the device's view of it.                               */

static const struct cvmm_mem_range memory_map[] = {
    {{CVMM_VFZ_RAM_BASE}, CVMM_VFZ_RAM_SIZE, 0},
    {{CVMM_VFZ_RO_BASE}, CVMM_VFZ_RO_SIZE, CVMM_MEM_REGION_READONLY},
    {{CVMM_VFZ_HI_BASE}, CVMM_VFZ_HI_SIZE, 0},
};

/* Only the device's accesses go into the watch's log. */
static void observe(void *arg, enum cvmm_mem_test_op op, cvmm_mem_gpa gpa,
		    uint64_t len, int result)
{
	struct fz *z = arg;

	if (z->watching && z->dev_access && !z->mute)
		cvmm_mw_observe(&z->mw, op, gpa, len, result);
}

static uint16_t peek16(struct fz *z, uint64_t gpa)
{
	uint8_t b[2] = {0, 0};
	int rc;

	z->mute = true;
	rc = cvmm_mem_read(&z->mem, cvmm_mem_gpa_from(gpa), b, 2);
	z->mute = false;
	return rc == 0 ? (uint16_t)(b[0] | b[1] << 8) : 0;
}

/* Judge the reads of the request that just ended and start a new one. */
static void close_window(struct fz *z)
{
	uint64_t at = 0;

	if (!z->mw.overflow)
		CHECK(z, !cvmm_mw_read_twice(&z->mw, &at), "double-fetch");
	cvmm_mw_clear(&z->mw);
}

/*
 * Where each queue's used index is, and its value, when a request starts.
 * The guest may have written any value there (even the one the queue is
 * about to write, which would hide a returned chain), so for a queue whose
 * state can be saved (ready, not broken, nothing in flight) the body puts
 * back the queue's own next_used first: the queue never reads that field,
 * and the next value it writes differs from it. Other queues are watched
 * at the address the driver wrote, by value only.
 */
static void snapshot_used(struct fz *z)
{
	for (uint32_t q = 0; q < z->info.num_queues; q++) {
		struct cvmm_vq *vq = cvmm_vdev_mmio_queue(z->t, q);
		struct cvmm_vq_state st;

		z->used_at[q] = z->used_addr[q] + 2;
		memset(&st, 0, sizeof(st));
		if (cvmm_vq_save(vq, &st) == 0 && st.ready) {
			uint8_t b[2] = {(uint8_t)st.next_used,
					(uint8_t)(st.next_used >> 8)};

			z->used_at[q] = st.layout.used.raw + 2;
			z->mute = true;
			if (cvmm_mem_write(&z->mem,
					   cvmm_mem_gpa_from(z->used_at[q]), b,
					   2) != 0)
				z->used_at[q] = z->used_addr[q] + 2;
			z->mute = false;
		}
		z->used_idx[q] = peek16(z, z->used_at[q]);
	}
}

/* Before each device access: a used index that moved ends a request. */
static void device_access(struct fz *z, uint64_t gpa, uint64_t len,
			  unsigned access)
{
	bool moved = false;
	int rc;

	if (z->watching) {
		for (uint32_t q = 0; q < z->info.num_queues; q++) {
			uint16_t u = peek16(z, z->used_at[q]);

			moved |= u != z->used_idx[q];
			z->used_idx[q] = u;
		}
		if (moved)
			close_window(z);
	}
	if (len == 0)
		return;
	z->mute = true;
	rc = cvmm_mem_check(&z->mem, cvmm_mem_gpa_from(gpa), len, access);
	z->mute = false;
	CHECK(z, rc == 0, "buffer-in-memory");
}

static int dv_read(void *ctx, cvmm_mem_gpa gpa, void *dst, size_t len)
{
	struct fz *z = ctx;
	int rc;

	device_access(z, gpa.raw, len, CVMM_MEM_ACCESS_READ);
	z->dev_access = true;
	rc = cvmm_mem_read(&z->mem, gpa, dst, len);
	z->dev_access = false;
	return rc;
}

static int dv_write(void *ctx, cvmm_mem_gpa gpa, const void *src, size_t len)
{
	struct fz *z = ctx;
	int rc;

	device_access(z, gpa.raw, len, CVMM_MEM_ACCESS_WRITE);
	z->dev_access = true;
	rc = cvmm_mem_write(&z->mem, gpa, src, len);
	z->dev_access = false;
	return rc;
}

static int dv_check(void *ctx, cvmm_mem_gpa gpa, uint64_t len, unsigned acc)
{
	struct fz *z = ctx;
	int rc;

	device_access(z, gpa.raw, len, acc);
	z->dev_access = true;
	rc = cvmm_mem_check(&z->mem, gpa, len, acc);
	z->dev_access = false;
	return rc;
}

static int dv_translate(void *ctx, cvmm_mem_gpa gpa, uint64_t len, unsigned acc,
			void **host)
{
	struct fz *z = ctx;
	int rc;

	device_access(z, gpa.raw, len, acc);
	z->dev_access = true;
	rc = cvmm_mem_translate(&z->mem, gpa, len, acc, host);
	z->dev_access = false;
	return rc;
}

static const struct cvmm_mem_ops dev_view_ops = {dv_read, dv_write, dv_check,
						 dv_translate};

/* ---------------------------------------------------------------------- */
/* The device, interposed: the transport calls these, they call it.        */

static void enter(struct fz *z)
{
	CHECK(z, z->depth == 0, "transport-contract");
	z->depth++;
}

static void leave(struct fz *z)
{
	z->depth--;
}

static void ip_info(void *ctx, struct cvmm_vdev_info *info)
{
	struct fz *z = ctx;

	enter(z);
	z->inner.ops->info(z->inner.ctx, info);
	leave(z);
}

static int ip_ack_features(void *ctx, uint64_t features)
{
	struct fz *z = ctx;
	int rc;

	CHECK(z,
	      (features & ~(z->info.features | CVMM_VDEV_F_VERSION_1)) == 0 &&
		  (features & CVMM_VDEV_F_VERSION_1) != 0,
	      "transport-contract");
	enter(z);
	rc = z->inner.ops->ack_features(z->inner.ctx, features);
	leave(z);
	return rc;
}

static bool config_ok(const struct fz *z, uint32_t offset, uint32_t len)
{
	return (len == 1 || len == 2 || len == 4) && offset % len == 0 &&
	       offset <= z->info.config_size &&
	       len <= z->info.config_size - offset;
}

static int ip_config_read(void *ctx, uint32_t offset, uint8_t *data,
			  uint32_t len)
{
	struct fz *z = ctx;
	int rc;

	CHECK(z, config_ok(z, offset, len), "transport-contract");
	enter(z);
	rc = z->inner.ops->config_read(z->inner.ctx, offset, data, len);
	leave(z);
	return rc;
}

static int ip_config_write(void *ctx, uint32_t offset, const uint8_t *data,
			   uint32_t len)
{
	struct fz *z = ctx;
	int rc;

	CHECK(z, config_ok(z, offset, len), "transport-contract");
	enter(z);
	rc = z->inner.ops->config_write(z->inner.ctx, offset, data, len);
	leave(z);
	return rc;
}

static int ip_activate(void *ctx, const struct cvmm_vdev_activation *act)
{
	struct fz *z = ctx;
	int rc;

	CHECK(z, !z->active && act->num_queues == z->info.num_queues,
	      "transport-contract");
	/* The device's accesses go through the view; the queues keep the
	 * transport's memory. The copy lives until the next reset. */
	z->act = *act;
	z->act.mem = &z->dev_view;
	enter(z);
	rc = z->inner.ops->activate(z->inner.ctx, &z->act);
	leave(z);
	z->active = true;
	return rc;
}

static int ip_notify(void *ctx, uint32_t queue)
{
	struct fz *z = ctx;
	int rc;

	CHECK(z,
	      z->active && queue < z->info.num_queues &&
		  cvmm_vq_is_ready(cvmm_vdev_mmio_queue(z->t, queue)),
	      "transport-contract");
	enter(z);
	rc = z->inner.ops->notify(z->inner.ctx, queue);
	leave(z);
	return rc;
}

static void ip_reset(void *ctx)
{
	struct fz *z = ctx;

	enter(z);
	z->inner.ops->reset(z->inner.ctx);
	leave(z);
	z->active = false;
	z->reset_seen = true;
}

static int ip_save(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *len)
{
	struct fz *z = ctx;
	int rc;

	enter(z);
	rc = z->inner.ops->save(z->inner.ctx, buf, cap, len);
	leave(z);
	return rc;
}

static int ip_restore(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct fz *z = ctx;
	int rc;

	enter(z);
	rc = z->inner.ops->restore(z->inner.ctx, buf, len);
	leave(z);
	return rc;
}

static struct cvmm_vdev_ops make_ops(void)
{
	struct cvmm_vdev_ops o;

	memset(&o, 0, sizeof(o));
	o.info = ip_info;
	o.ack_features = ip_ack_features;
	o.config_read = ip_config_read;
	o.config_write = ip_config_write;
	o.activate = ip_activate;
	o.notify = ip_notify;
	o.reset = ip_reset;
	o.save = ip_save;
	o.restore = ip_restore;
	return o;
}

static void on_irq(void *arg, bool level, uint32_t status)
{
	struct fz *z = arg;

	if (level) {
		CHECK(z, status != 0 && (status & ~3u) == 0, "status");
		z->raises++;
	}
	z->line = level;
}

/* ---------------------------------------------------------------------- */
/* Results.                                                                */

static bool transport_errno(int rc)
{
	switch (rc) {
	case 0:
	case -EINVAL:
	case -EDOM:
	case -ENXIO:
	case -EACCES:
	case -ERANGE:
	case -EPERM:
	case -EALREADY:
	case -EPROTO:
	case -EOPNOTSUPP:
	case -EIO:
	case -ENODEV:
	case -EBUSY:
		return true;
	default:
		return false;
	}
}

/* A device's failure: a queue violation's errno (cvmm/virtqueue.h) or a
 * guest-memory errno, which notify() and activate() pass on. */
static bool device_errno(int rc)
{
	switch (rc) {
	case -ENOSPC:
	case -EBADSLT:
	case -ELOOP:
	case -EADDRINUSE:
	case -EMLINK:
	case -EBADMSG:
	case -E2BIG:
	case -EOVERFLOW:
	case -EFAULT:
	case -EMSGSIZE:
	case -EILSEQ:
	case -EROFS:
	case -EXDEV:
		return true;
	default:
		return false;
	}
}

static void check_result(struct fz *z, int rc, bool device_call)
{
	CHECK(z, transport_errno(rc) || (device_call && device_errno(rc)),
	      "register-result");
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/* ---------------------------------------------------------------------- */
/* Requests: a notification or an event, watched.                          */

static void begin_request(struct fz *z)
{
	cvmm_mw_clear(&z->mw);
	snapshot_used(z);
	z->watching = true;
}

static void end_request(struct fz *z)
{
	close_window(z);
	z->watching = false;
	for (uint32_t q = 0; q < z->info.num_queues; q++) {
		struct cvmm_vq *vq = cvmm_vdev_mmio_queue(z->t, q);

		if ((z->reg->pending_queues & (1u << q)) != 0 ||
		    cvmm_vq_is_broken(vq))
			continue;
		CHECK(z, cvmm_vq_inflight(vq) == 0, "head-returned");
	}
}

/* Register accesses: a QueueNotify write is a request. */
static bool touches_queues(uint64_t off)
{
	return off == CVMM_VDEV_MMIO_STATUS ||
	       (off >= CVMM_VDEV_MMIO_QUEUE_SEL &&
		off <= CVMM_VDEV_MMIO_QUEUE_READY) ||
	       (off >= CVMM_VDEV_MMIO_QUEUE_DESC_LOW &&
		off <= CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH);
}

static void mark_all_hostile(struct fz *z)
{
	for (uint32_t q = 0; q < MAX_QUEUES; q++)
		z->hostile[q] = true;
}

static bool ranges_meet(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	uint64_t aend = a + alen < a ? UINT64_MAX : a + alen;
	uint64_t bend = b + blen < b ? UINT64_MAX : b + blen;

	return alen != 0 && blen != 0 && a < bend && b < aend;
}

/*
 * Whether [gpa, gpa + len) touches the rings of a queue the driver models:
 * a device writing there (a writable buffer the driver placed over its own
 * rings) or the model writing an indirect table there scrambles what the
 * model reads back, which is the driver's doing, not the device's.
 */
static bool on_rings(const struct fz *z, uint64_t gpa, uint64_t len)
{
	for (uint32_t q = 0; q < MAX_QUEUES; q++) {
		const struct cvmm_vqm_layout *l;
		uint64_t n;

		if (z->m[q] == NULL)
			continue;
		l = cvmm_vqm_get_layout(z->m[q]);
		n = l->size;
		if (ranges_meet(gpa, len, l->desc.raw, 16 * n) ||
		    ranges_meet(gpa, len, l->avail.raw, 6 + 2 * n) ||
		    ranges_meet(gpa, len, l->used.raw, 6 + 8 * n))
			return true;
	}
	return false;
}

static int reg_write(struct fz *z, uint64_t off, uint32_t v, uint32_t len)
{
	uint8_t b[8];
	bool notify = off == CVMM_VDEV_MMIO_QUEUE_NOTIFY;
	int rc;

	for (unsigned i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * (i % 4)));
	if (notify)
		begin_request(z);
	rc = cvmm_vdev_mmio_write(z->t, off, b, len);
	if (notify)
		end_request(z);
	check_result(z, rc,
		     notify || off == CVMM_VDEV_MMIO_STATUS ||
			 off == CVMM_VDEV_MMIO_QUEUE_READY);
	if (rc != 0 || len != 4)
		return rc;
	/* Follow what the driver wrote (for the used index the watch
	 * reads). */
	if (off == CVMM_VDEV_MMIO_QUEUE_SEL)
		z->queue_sel = v;
	if (z->queue_sel < MAX_QUEUES) {
		uint64_t *u = &z->used_addr[z->queue_sel];

		if (off == CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW)
			*u = (*u & ~UINT64_C(0xffffffff)) | v;
		else if (off == CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH)
			*u = (*u & UINT64_C(0xffffffff)) | (uint64_t)v << 32;
	}
	if ((off == CVMM_VDEV_MMIO_STATUS && v == 0) ||
	    (off == CVMM_VDEV_MMIO_QUEUE_READY && v == 0))
		z->reset_seen = true;
	return rc;
}

static int reg_read(struct fz *z, uint64_t off, uint32_t len, uint32_t *out)
{
	uint8_t b[8];
	int rc;

	memset(b, 0xa5, sizeof(b));
	rc = cvmm_vdev_mmio_read(z->t, off, b, len);
	check_result(z, rc, false);
	if (rc != 0) {
		for (uint32_t i = 0; i < len && len <= 8; i++)
			CHECK(z, b[i] == 0, "register-result");
		*out = 0;
		return rc;
	}
	*out = len >= 4 ? get32(b) : 0;
	if (len == 4 && off == CVMM_VDEV_MMIO_MAGIC_VALUE)
		CHECK(z, *out == CVMM_VDEV_MMIO_MAGIC, "register-result");
	if (len == 4 && off == CVMM_VDEV_MMIO_VERSION)
		CHECK(z, *out == 2, "register-result");
	if (len == 4 && off == CVMM_VDEV_MMIO_DEVICE_ID)
		CHECK(z, *out == z->info.device_id, "register-result");
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Decoding.                                                               */

static const uint64_t reg_offsets[] = {
    0x000, 0x004, 0x008, 0x00c, 0x010, 0x014, 0x020, 0x024, 0x030,
    0x034, 0x038, 0x044, 0x050, 0x060, 0x064, 0x070, 0x080, 0x084,
    0x090, 0x094, 0x0a0, 0x0a4, 0x0ac, 0x0b0, 0x0b4, 0x0b8, 0x0bc,
    0x0fc, 0x100, 0x028, 0x03c, 0x040, 0x071, 0x0c0, 0x0fe, 0xffc};
#define NREG_OFFSETS (sizeof(reg_offsets) / sizeof(reg_offsets[0]))

static uint64_t dec_offset(struct cvmm_fi *in)
{
	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		return reg_offsets[cvmm_fi_range(in, 0, NREG_OFFSETS - 1)];
	case 1:
		return CVMM_VDEV_MMIO_CONFIG + cvmm_fi_range(in, 0, 63);
	case 2:
		return cvmm_fi_range(in, 0, 0xfff);
	default:
		return cvmm_fi_u64(in);
	}
}

static uint32_t dec_len(struct cvmm_fi *in)
{
	static const uint32_t lens[8] = CVMM_VFZ_LENS;

	return lens[cvmm_fi_range(in, 0, 7)];
}

static uint32_t dec_value(struct cvmm_fi *in)
{
	static const uint32_t statuses[8] = {1, 3, 11, 15, 0, 128, 64, 4};

	switch (cvmm_fi_range(in, 0, 5)) {
	case 0:
		return cvmm_fi_u32(in);
	case 1:
		return (uint32_t)cvmm_fi_range(in, 0, 3);
	case 2:
		return 1u << cvmm_fi_range(in, 0, 31);
	case 3:
		return statuses[cvmm_fi_range(in, 0, 7)];
	case 4:
		return CVMM_VFZ_RAM_BASE +
		       (uint32_t)cvmm_fi_range(in, 0, 0xffff);
	default:
		return (uint32_t)cvmm_fi_range(in, 0, 300);
	}
}

static uint64_t pick_gpa(struct cvmm_fi *in)
{
	static const uint64_t ends[3] = {RAM_END,
					 CVMM_VFZ_RO_BASE + CVMM_VFZ_RO_SIZE,
					 CVMM_VFZ_HI_BASE + CVMM_VFZ_HI_SIZE};

	switch (cvmm_fi_range(in, 0, 5)) {
	case 0:
		return CVMM_VFZ_RAM_BASE +
		       cvmm_fi_range(in, 0, CVMM_VFZ_RAM_SIZE);
	case 1:
		return CVMM_VFZ_RO_BASE +
		       cvmm_fi_range(in, 0, CVMM_VFZ_RO_SIZE);
	case 2:
		return CVMM_VFZ_HI_BASE +
		       cvmm_fi_range(in, 0, CVMM_VFZ_HI_SIZE);
	case 3:
		return ends[cvmm_fi_range(in, 0, 2)] - cvmm_fi_range(in, 0, 64);
	case 4: /* the hole */
		return RAM_END + cvmm_fi_range(in, 0, CVMM_VFZ_HOLE_SIZE);
	default:
		return cvmm_fi_u64(in);
	}
}

static uint32_t pick_len(struct cvmm_fi *in)
{
	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		return (uint32_t)cvmm_fi_range(in, 0, 64);
	case 1:
		return (uint32_t)cvmm_fi_range(in, 0, 4096);
	case 2:
		return 1u << cvmm_fi_range(in, 0, 31);
	default:
		return cvmm_fi_u32(in);
	}
}

static uint32_t pick_queue(struct fz *z, struct cvmm_fi *in)
{
	return (uint32_t)cvmm_fi_range(in, 0, z->info.num_queues - 1);
}

static uint16_t pick_index(struct fz *z, struct cvmm_fi *in, uint32_t q)
{
	uint32_t size =
	    z->m[q] != NULL ? cvmm_vqm_get_layout(z->m[q])->size : 1;

	if (cvmm_fi_bool(in))
		return cvmm_fi_u16(in);
	return (uint16_t)cvmm_fi_range(in, 0, size - 1);
}

/* ---------------------------------------------------------------------- */
/* Operations.                                                             */

static void op_write(struct fz *z, struct cvmm_fi *in)
{
	uint64_t off = dec_offset(in);
	uint32_t len = dec_len(in);
	uint32_t v = dec_value(in);

	/* The driver models do not follow raw queue register writes. */
	if (touches_queues(off))
		mark_all_hostile(z);
	(void)reg_write(z, off, v, len);
}

static void op_read(struct fz *z, struct cvmm_fi *in)
{
	uint64_t off = dec_offset(in);
	uint32_t v;

	(void)reg_read(z, off, dec_len(in), &v);
}

/* Set queue q up as the input says; true if its rings are in their own
 * slot (or it stays off). */
static bool setup_queue(struct fz *z, struct cvmm_fi *in, uint32_t q,
			bool event_idx)
{
	struct cvmm_vqm_layout l;
	uint32_t size;
	unsigned kind;
	bool ok;

	cvmm_vqm_destroy(z->m[q]);
	z->m[q] = NULL;
	z->hostile[q] = false;
	if (!cvmm_fi_bool(in))
		return true;
	size = 1u << cvmm_fi_range(in, 0, MAX_QLOG);
	kind = (unsigned)cvmm_fi_range(in, 0, 2);
	switch (kind) {
	case 0:
		ok =
		    cvmm_vqm_layout_at(cvmm_mem_gpa_from(CVMM_VFZ_RING_SLOT(q)),
				       size, event_idx, &l, NULL) == 0;
		break;
	case 1: {
		cvmm_mem_gpa *g[3] = {&l.desc, &l.avail, &l.used};
		static const uint64_t align[3] = {16, 2, 4};

		for (int i = 0; i < 3; i++) {
			uint64_t a = pick_gpa(in);

			if (cvmm_fi_bool(in))
				a &= ~(align[i] - 1);
			*g[i] = cvmm_mem_gpa_from(a);
		}
		ok = true;
		break;
	}
	default:
		l.desc = cvmm_mem_gpa_from(cvmm_fi_u64(in));
		l.avail = cvmm_mem_gpa_from(cvmm_fi_u64(in));
		l.used = cvmm_mem_gpa_from(cvmm_fi_u64(in));
		ok = true;
		break;
	}
	if (!ok)
		return true;
	l.size = size;
	l.event_idx = event_idx;
	/* The driver zeroes its rings before it hands them over. */
	if (cvmm_vqm_create(&z->mem, &l, &z->m[q]) != 0)
		z->m[q] = NULL;
	{
		const uint32_t regs[8][2] = {
		    {CVMM_VDEV_MMIO_QUEUE_SEL, q},
		    {CVMM_VDEV_MMIO_QUEUE_NUM, size},
		    {CVMM_VDEV_MMIO_QUEUE_DESC_LOW, (uint32_t)l.desc.raw},
		    {CVMM_VDEV_MMIO_QUEUE_DESC_HIGH,
		     (uint32_t)(l.desc.raw >> 32)},
		    {CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW, (uint32_t)l.avail.raw},
		    {CVMM_VDEV_MMIO_QUEUE_DRIVER_HIGH,
		     (uint32_t)(l.avail.raw >> 32)},
		    {CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW, (uint32_t)l.used.raw},
		    {CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH,
		     (uint32_t)(l.used.raw >> 32)}};

		/* A refused write (a size over QueueNumMax, say) leaves the
		 * queue and the model disagreeing about the rings: the
		 * driver's doing. */
		for (unsigned i = 0; i < 8; i++)
			if (reg_write(z, regs[i][0], regs[i][1], 4) != 0)
				mark_all_hostile(z);
	}
	if (reg_write(z, CVMM_VDEV_MMIO_QUEUE_READY, 1, 4) != 0) {
		cvmm_vqm_destroy(z->m[q]);
		z->m[q] = NULL;
	}
	return kind == 0 && q < 4;
}

static void op_handshake(struct fz *z, struct cvmm_fi *in)
{
	uint64_t offered = z->info.features | CVMM_VDEV_F_VERSION_1;
	uint64_t acked = cvmm_fi_bool(in) ? offered : offered & cvmm_fi_u64(in);
	bool driver_ok, slots = true;

	if (cvmm_fi_bool(in))
		acked &= ~CVMM_VDEV_F_VERSION_1;
	else
		acked |= CVMM_VDEV_F_VERSION_1;
	driver_ok = cvmm_fi_bool(in);
	(void)reg_write(z, CVMM_VDEV_MMIO_STATUS, 0, 4);
	(void)reg_write(z, CVMM_VDEV_MMIO_STATUS, CVMM_VDEV_S_ACKNOWLEDGE, 4);
	(void)reg_write(z, CVMM_VDEV_MMIO_STATUS,
			CVMM_VDEV_S_ACKNOWLEDGE | CVMM_VDEV_S_DRIVER, 4);
	for (uint32_t w = 0; w < 2; w++) {
		(void)reg_write(z, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, w, 4);
		(void)reg_write(z, CVMM_VDEV_MMIO_DRIVER_FEATURES,
				(uint32_t)(acked >> (32 * w)), 4);
	}
	(void)reg_write(z, CVMM_VDEV_MMIO_STATUS,
			CVMM_VDEV_S_ACKNOWLEDGE | CVMM_VDEV_S_DRIVER |
			    CVMM_VDEV_S_FEATURES_OK,
			4);
	for (uint32_t q = 0; q < z->info.num_queues; q++)
		slots &= setup_queue(z, in, q,
				     (cvmm_vdev_mmio_features(z->t) &
				      CVMM_VDEV_F_EVENT_IDX) != 0);
	/* Rings placed anywhere (or sharing a slot) may overlap each other,
	 * another queue's or the buffers: the driver's doing, so the models'
	 * bookkeeping is no evidence against the device. */
	if (!slots)
		mark_all_hostile(z);
	if (driver_ok)
		(void)reg_write(z, CVMM_VDEV_MMIO_STATUS,
				CVMM_VDEV_S_ACKNOWLEDGE | CVMM_VDEV_S_DRIVER |
				    CVMM_VDEV_S_FEATURES_OK |
				    CVMM_VDEV_S_DRIVER_OK,
				4);
}

static void dec_buf(struct cvmm_fi *in, struct cvmm_vqm_buf *b)
{
	uint64_t a = cvmm_fi_bool(in)
			 ? CVMM_VFZ_BUF_BASE +
			       cvmm_fi_range(in, 0, CVMM_VFZ_BUF_SIZE - 1)
			 : pick_gpa(in);

	b->addr = cvmm_mem_gpa_from(a);
	b->len = cvmm_fi_bool(in) ? (uint32_t)cvmm_fi_range(in, 0, 512)
				  : pick_len(in);
}

static void op_chain(struct fz *z, struct cvmm_fi *in)
{
	struct cvmm_vqm_buf d[16], t[16];
	uint32_t q = pick_queue(z, in);
	uint32_t nd = (uint32_t)cvmm_fi_range(in, 0, 16);
	uint32_t nt = cvmm_fi_bool(in) ? (uint32_t)cvmm_fi_range(in, 1, 16) : 0;
	uint32_t first_w = (uint32_t)cvmm_fi_range(in, 0, 32);
	struct cvmm_vqm_chain ch;
	uint64_t table = 0;
	uint16_t head;

	for (uint32_t i = 0; i < nd + nt; i++) {
		struct cvmm_vqm_buf *b = i < nd ? &d[i] : &t[i - nd];

		dec_buf(in, b);
		b->writable = i >= first_w;
		if (b->writable && on_rings(z, b->addr.raw, b->len))
			mark_all_hostile(z);
	}
	if (nt != 0)
		table = cvmm_fi_bool(in)
			    ? CVMM_VFZ_BUF_BASE +
				  16 * cvmm_fi_range(in, 0,
						     CVMM_VFZ_BUF_SIZE / 16 - 1)
			    : pick_gpa(in);
	if (nt != 0 && on_rings(z, table, 16 * (uint64_t)nt))
		mark_all_hostile(z);
	ch.direct = d;
	ch.ndirect = nd;
	ch.indirect = t;
	ch.nindirect = nt;
	ch.table = cvmm_mem_gpa_from(table);
	if (z->m[q] != NULL)
		(void)cvmm_vqm_add(z->m[q], &ch, &head);
}

static void do_notify(struct fz *z, uint32_t q, bool reg)
{
	int rc;

	if (reg) {
		(void)reg_write(z, CVMM_VDEV_MMIO_QUEUE_NOTIFY, q, 4);
		return;
	}
	begin_request(z);
	rc = cvmm_vdev_mmio_notify(z->t, q);
	end_request(z);
	check_result(z, rc, true);
}

static void op_notify(struct fz *z, struct cvmm_fi *in)
{
	bool reg = cvmm_fi_bool(in);
	uint32_t q = cvmm_fi_bool(in) ? pick_queue(z, in) : cvmm_fi_u32(in);

	do_notify(z, q, reg);
}

static void take_used(struct fz *z, uint32_t q, uint32_t n)
{
	for (uint32_t i = 0; i < n && z->m[q] != NULL; i++) {
		uint16_t id;
		uint32_t len;
		int rc = cvmm_vqm_get_used(z->m[q], &id, &len);

		if (rc == -EAGAIN)
			break;
		CHECK(z, rc != -EPROTO || z->hostile[q], "head-once");
		if (rc != 0)
			break;
	}
}

static void op_poke(struct fz *z, struct cvmm_fi *in)
{
	uint32_t q = pick_queue(z, in);
	enum cvmm_vqm_field f =
	    (enum cvmm_vqm_field)cvmm_fi_range(in, 0, CVMM_VQM_FIELD_COUNT - 1);
	uint16_t index = pick_index(z, in, q);
	uint64_t v;

	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		v = cvmm_fi_range(in, 0, 513);
		break;
	case 1:
		v = cvmm_fi_u16(in);
		break;
	case 2:
		v = cvmm_fi_u32(in);
		break;
	default:
		v = cvmm_fi_u64(in);
		break;
	}
	z->hostile[q] = true;
	if (z->m[q] != NULL)
		(void)cvmm_vqm_poke(z->m[q], f, index, v);
}

static void op_desc(struct fz *z, struct cvmm_fi *in)
{
	uint32_t q = pick_queue(z, in);
	uint16_t index = pick_index(z, in, q);
	struct cvmm_vqm_desc d;

	d.addr = pick_gpa(in);
	d.len = pick_len(in);
	d.flags = cvmm_fi_bool(in) ? cvmm_fi_u16(in)
				   : (uint16_t)cvmm_fi_range(in, 0, 7);
	d.next = pick_index(z, in, q);
	z->hostile[q] = true;
	if (z->m[q] != NULL)
		(void)cvmm_vqm_write_desc(
		    &z->mem, cvmm_vqm_get_layout(z->m[q])->desc, index, &d);
}

static void op_raw(struct fz *z, struct cvmm_fi *in)
{
	uint8_t b[16];
	uint64_t gpa = pick_gpa(in);
	size_t n = (size_t)cvmm_fi_range(in, 1, sizeof(b));

	cvmm_fi_bytes(in, b, n);
	mark_all_hostile(z);
	/* Anywhere: a write outside memory just fails. */
	if (cvmm_mem_write(&z->mem, cvmm_mem_gpa_from(gpa), b, n) != 0)
		return;
}

static void op_publish(struct fz *z, struct cvmm_fi *in)
{
	uint32_t q = pick_queue(z, in);
	uint16_t head = pick_index(z, in, q);

	z->hostile[q] = true;
	if (z->m[q] != NULL)
		(void)cvmm_vqm_publish(z->m[q], head);
}

static void op_event(struct fz *z, struct cvmm_fi *in)
{
	if (z->reg->event == NULL)
		return;
	begin_request(z);
	z->reg->event(z->obj, in);
	end_request(z);
}

static void op_save(struct fz *z, struct cvmm_fi *in)
{
	struct cvmm_vdev_mmio_state *st = calloc(1, sizeof(*st));
	bool mutate = cvmm_fi_bool(in);
	unsigned field = (unsigned)cvmm_fi_range(in, 0, 7);
	uint32_t v = cvmm_fi_u32(in);
	int rc;

	if (st == NULL)
		return;
	rc = cvmm_vdev_mmio_save(z->t, st);
	/* cvmm_vdev_mmio_save()'s documented results; the device's own save
	 * fails only for want of room, which a CVMM_VDEV_STATE_MAX blob
	 * always has. */
	CHECK(z, rc == 0 || rc == -EINPROGRESS || rc == -EIO,
	      "register-result");
	if (rc != 0)
		goto out;
	if (mutate) {
		switch (field) {
		case 0:
			st->status = v;
			break;
		case 1:
			st->driver_features = (uint64_t)v << (v & 32);
			break;
		case 2:
			st->interrupt_status = v;
			break;
		case 3:
			st->num_queues = v;
			break;
		case 4:
			st->queues[v % MAX_QUEUES].vq.next_avail = (uint16_t)v;
			break;
		case 5:
			st->queues[v % MAX_QUEUES].desc = v;
			break;
		case 6:
			st->device_len = v;
			break;
		default:
			st->device[v % CVMM_VDEV_STATE_MAX] ^=
			    (uint8_t)(v >> 8);
			break;
		}
		mark_all_hostile(z);
	}
	z->reset_seen = true;
	rc = cvmm_vdev_mmio_restore(z->t, st);
	CHECK(z, rc <= 0, "register-result");
	if (!mutate)
		CHECK(z, rc == 0, "save-roundtrip");
	if (rc != 0)
		mark_all_hostile(z);
out:
	free(st);
}

static void op_config(struct fz *z, struct cvmm_fi *in)
{
	bool write = cvmm_fi_bool(in);
	uint64_t off = CVMM_VDEV_MMIO_CONFIG + cvmm_fi_range(in, 0, 63);
	uint32_t len = 1u << cvmm_fi_range(in, 0, 2);
	uint32_t v;

	if (write) {
		v = cvmm_fi_u32(in);
		(void)reg_write(z, off, v, len);
	} else {
		(void)reg_read(z, off, len, &v);
	}
}

static void op_ack(struct fz *z, struct cvmm_fi *in)
{
	uint32_t v = cvmm_fi_bool(in) ? (uint32_t)cvmm_fi_range(in, 0, 3)
				      : cvmm_fi_u32(in);

	(void)reg_write(z, CVMM_VDEV_MMIO_INTERRUPT_ACK, v, 4);
}

static void op_serve(struct fz *z, struct cvmm_fi *in)
{
	struct cvmm_vqm_buf b[4];
	uint32_t q = pick_queue(z, in);
	uint32_t n = (uint32_t)cvmm_fi_range(in, 1, 4);
	uint32_t off = (uint32_t)cvmm_fi_range(in, 0, CVMM_VFZ_BUF_SIZE - 1);
	uint32_t len = (uint32_t)cvmm_fi_range(in, 0, 512);
	bool w = cvmm_fi_bool(in);
	uint16_t head;

	for (uint32_t i = 0; i < n; i++) {
		/* Consecutive, non-overlapping pieces of the buffer area. */
		uint64_t a =
		    CVMM_VFZ_BUF_BASE + (off + i * len) % CVMM_VFZ_BUF_SIZE;

		b[i].addr = cvmm_mem_gpa_from(a);
		b[i].len = len;
		b[i].writable = w;
	}
	if (z->m[q] != NULL)
		(void)cvmm_vqm_add_direct(z->m[q], b, n, &head);
	do_notify(z, q, true);
	take_used(z, q, 16);
}

static void run_op(struct fz *z, struct cvmm_fi *in)
{
	switch ((enum cvmm_vfz_op)cvmm_fi_range(in, 0, CVMM_VFZ_OP_COUNT - 1)) {
	case CVMM_VFZ_OP_WRITE:
		op_write(z, in);
		break;
	case CVMM_VFZ_OP_READ:
		op_read(z, in);
		break;
	case CVMM_VFZ_OP_HANDSHAKE:
		op_handshake(z, in);
		break;
	case CVMM_VFZ_OP_CHAIN:
		op_chain(z, in);
		break;
	case CVMM_VFZ_OP_NOTIFY:
		op_notify(z, in);
		break;
	case CVMM_VFZ_OP_POKE:
		op_poke(z, in);
		break;
	case CVMM_VFZ_OP_DESC:
		op_desc(z, in);
		break;
	case CVMM_VFZ_OP_RAW:
		op_raw(z, in);
		break;
	case CVMM_VFZ_OP_USED: {
		uint32_t q = pick_queue(z, in);

		take_used(z, q, (uint32_t)cvmm_fi_range(in, 1, 16));
		break;
	}
	case CVMM_VFZ_OP_PUBLISH:
		op_publish(z, in);
		break;
	case CVMM_VFZ_OP_EVENT:
		op_event(z, in);
		break;
	case CVMM_VFZ_OP_SAVE:
		op_save(z, in);
		break;
	case CVMM_VFZ_OP_CONFIG:
		op_config(z, in);
		break;
	case CVMM_VFZ_OP_ACK:
		op_ack(z, in);
		break;
	case CVMM_VFZ_OP_RESET:
		mark_all_hostile(z);
		(void)reg_write(z, CVMM_VDEV_MMIO_STATUS, 0, 4);
		break;
	default:
		op_serve(z, in);
		break;
	}
}

/* After every step. */
static void check_state(struct fz *z)
{
	uint32_t status = cvmm_vdev_mmio_status(z->t);
	uint32_t isr = cvmm_vdev_mmio_interrupt_status(z->t);

	CHECK(z, (status & ~KNOWN_STATUS) == 0 && (isr & ~3u) == 0, "status");
	if ((status & CVMM_VDEV_S_DRIVER_OK) != 0)
		CHECK(z, (status & CVMM_VDEV_S_FEATURES_OK) != 0, "status");
	if ((status & CVMM_VDEV_S_FEATURES_OK) != 0)
		CHECK(z,
		      (cvmm_vdev_mmio_features(z->t) & CVMM_VDEV_F_VERSION_1) !=
			  0,
		      "status");
	CHECK(z, (isr != 0) == z->line, "status");
	CHECK(z, z->depth == 0, "transport-contract");
	for (uint32_t q = 0; q < z->info.num_queues; q++) {
		struct cvmm_vq *vq = cvmm_vdev_mmio_queue(z->t, q);
		bool broken = cvmm_vq_is_broken(vq);

		CHECK(z, vq != NULL, "transport-contract");
		if (z->was_broken[q] && !z->reset_seen)
			CHECK(z, broken, "broken-stays");
		z->was_broken[q] = broken;
		CHECK(z, cvmm_vq_inflight(vq) <= cvmm_vq_max_size(vq),
		      "head-once");
	}
	z->reset_seen = false;
}

int cvmm_vdev_fuzz_one(const struct cvmm_vdev_fuzz_device *reg,
		       const uint8_t *data, size_t size)
{
	static const uint64_t granules[4] = {0, 4096, 512, 64};
	struct cvmm_vdev_ops ops = make_ops();
	struct cvmm_vdev_fuzz_params params;
	struct cvmm_vdev_mmio_config cfg;
	struct cvmm_fi in;
	struct fz *z;
	uint8_t bits;

	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return 0;
	z->reg = reg;
	cvmm_fi_init(&in, data, size);
	bits = cvmm_fi_u8(&in);
	params.queue_size = 1u << cvmm_fi_range(&in, 0, MAX_QLOG);
	params.variant = cvmm_fi_u8(&in);
	params.arg = reg->arg;
	if (cvmm_mem_test_create(memory_map,
				 sizeof(memory_map) / sizeof(memory_map[0]),
				 granules[(bits >> 1) & 3], &z->tm) != 0)
		goto out;
	z->mem = cvmm_mem_test_iface(z->tm);
	z->dev_view.ops = &dev_view_ops;
	z->dev_view.ctx = z;
	if (cvmm_mw_init(&z->mw, WATCH_CAP) != 0)
		goto out;
	cvmm_mem_test_set_observer(z->tm, observe, z);
	if (reg->create(&params, &z->obj, &z->inner) != 0)
		goto out;
	/* The transport validates the info; the body keeps its own copy. */
	z->inner.ops->info(z->inner.ctx, &z->info);
	if (cvmm_vdev_info_validate(&z->info) != 0)
		goto out;

	memset(&cfg, 0, sizeof(cfg));
	cfg.device.ops = &ops;
	cfg.device.ctx = z;
	cfg.vendor_id = 0x4d4d5643; /* "CVMM" */
	cfg.irq = on_irq;
	cfg.irq_arg = z;
	cfg.log_burst = 4;
	cfg.queue_flags = (bits & CVMM_VFZ_UNCACHED) ? CVMM_VQ_CFG_UNCACHED : 0;
	if (cvmm_vdev_mmio_create(&z->mem, &cfg, &z->t) != 0)
		goto out;
	check_state(z);
	for (unsigned op = 0; op < MAX_OPS && !cvmm_fi_done(&in); op++) {
		run_op(z, &in);
		check_state(z);
	}
out:
	cvmm_vdev_mmio_destroy(z->t);
	for (uint32_t q = 0; q < MAX_QUEUES; q++)
		cvmm_vqm_destroy(z->m[q]);
	if (z->obj != NULL)
		reg->destroy(z->obj);
	if (z->tm != NULL)
		cvmm_mem_test_set_observer(z->tm, NULL, NULL);
	cvmm_mw_fini(&z->mw);
	cvmm_mem_test_destroy(z->tm);
	free(z);
	return 0;
}
