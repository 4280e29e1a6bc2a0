/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for virtio-queue: a queue on fuzzed guest memory, driven by a
 * fuzzed sequence of device-side operations interleaved with driver-side
 * actions (the harness/virtqueue-model driver adding chains of every shape,
 * and hostile writes into any ring field or any guest byte). A reference
 * of the queue's documented behaviour (cvmm/virtqueue.h), written here,
 * predicts every result; after each operation the invariants below are
 * checked and a broken one aborts with "virtqueue: invariant: <name>", so an
 * invariant failure reads differently from a sanitizer report.
 *
 * Invariants
 *   buffer-in-memory   every buffer returned passes cvmm_mem_check() with
 *                      the access it grants, and is exactly the descriptor
 *                      the reference walk reads (addr, len, WRITE);
 *   chain-accounting   a chain's count, readable_len and writable_len are
 *                      the sums of the buffers returned; readable never
 *                      follows writable; the total stays <= 2^32 - 1 and
 *                      the count <= the queue size;
 *   distinct-memory    a chain's bytes never exceed the distinct guest
 *                      memory its buffers cover (checked when its walk
 *                      ends: the union of its buffers, sorted and merged,
 *                      is at least its total length);
 *   head-once          a popped head is never one already in flight, and
 *                      cvmm_vq_inflight() is the reference's count;
 *   broken-fails       once broken, every operation fails with -EIO until
 *                      reset (or a restore, documented as reset + restore);
 *                      a violation's errno is one of the rules the
 *                      reference finds broken, and it is the errno the
 *                      queue reports and logs (at most one log per call);
 *   work-bound         memory-interface calls per operation are bounded:
 *                      3 per pop (an empty ring: read, ask for a
 *                      notification, read again), 32 per descriptor
 *                      walked (+32), 6 for
 *                      enable/restore, 2 for the rest; a whole-chain walk
 *                      ends within size + 32768 + 1 calls of chain_next;
 *   used-ring-only     the queue writes guest memory only inside its used
 *                      ring (enable, restore and walks write nothing);
 *   used-entry         after add_used the used ring holds (head, len) and
 *                      the used index; notification fields as documented;
 *   result             every call's result equals the reference's (for a
 *                      violation: is one of the rules the reference finds
 *                      broken); a failed pop leaves its chain untouched;
 *   save-roundtrip     save, restore of that state, save again: identical.
 *
 * The reference refuses overlapping buffers by comparing each new buffer
 * with every earlier one of its chain (the queue uses a balanced tree), and
 * models "one walk at a time" (-EXDEV) with the ticket of the chain whose
 * walk began last.
 *
 * Injected memory failures (op ARM) are allowed to change a result only to
 * the injected errno, which then breaks the queue (or fails enable/restore
 * leaving the queue as it was).
 *
 * Input (harness/fuzz-input; decoding is total, see fuzz-input.h):
 *   u8     config bits: 0 CVMM_VQ_CFG_UNCACHED, 1 phantom memory (2^23
 *          GiB at the top of the address space that accepts every check,
 *          reads zeros and drops writes), 2 INDIRECT_DESC, 3 EVENT_IDX,
 *          4 other feature bits follow (u64), 5-6 log burst {default, 1,
 *          2, unlimited}
 *   [u64   extra feature bits, if bit 4]
 *   size   queue size (decode_size: range 0..255: 1..256 (0..199), 512..32768
 *          (200..213), 0, 3, 6, 255, 65536, 2^31, 2^32 - 1 (214..254),
 *          then a u32 (255)
 *   bool + max size: max = size << range 0..2 if true and size valid,
 *          else 1 << range 0..15
 *   range  granule index 0..6 -> {0, 1, 2, 3, 8, 64, 4096} (made coarser
 *          if the layout would need more than 2048 pieces)
 *   range  buffer regions 0..5
 *   range  ring region slack 0..80, minus 16 (may cut the used ring short)
 *   per buffer region: range gap kind 0..3 {0, 1..64, 4096, 1 MiB + 0..4096},
 *          size (range kind 0..3: 1..64, 1..4096, 16/32/64 KiB + -8..8,
 *          1..65536), bool read-only
 *   range  base kind 0..2: low (16 * range 0..65536), top of the address
 *          space (minus range 0..64), 16 * u32
 *   range  ring placement 0..2: 0 contiguous at the ring region start +
 *          16 * range 0..3; 1 each ring at a fuzzed address (pick_gpa), then
 *          bool "align it"; 2 each ring a raw u64
 *   then operations until the input ends (at most MAX_OPS, and no new one
 *   once MAX_STEPS descriptors have been walked): range 0..23,
 *   then the operation's operands (see run_op).
 */
#include <cvmm/mem-test.h>
#include <cvmm/virtqueue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "virtqueue-model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BUF_REGIONS 5
#define MAX_REGIONS	(MAX_BUF_REGIONS + 1)
#define MAX_PIECES	2048u
#define MAX_OPS		400u
#define MAX_STEPS	(1u << 20) /* descriptors walked per input */
#define NCHAINS		8u
#define KEEP_BUFS	8u
#define MAX_COLLECT	40u
#define INJECTED	(-EHWPOISON)
#define PHANTOM_BASE	(UINT64_C(0) - (UINT64_C(1) << 41))
#define PHANTOM_END	UINT64_MAX
#define PER_DESC_CALLS	32u

#define CHECK(cond, name)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			fail(name, #cond, __LINE__);                           \
	} while (0)

static __attribute__((noreturn)) void fail(const char *name, const char *cond,
					   int line)
{
	fprintf(stderr, "virtqueue: invariant: %s: %s (line %d)\n", name, cond,
		line);
	abort();
}

/* ---------------------------------------------------------------------- */
/* Guest memory: the test backend, optionally with the phantom range.      */

struct region {
	uint64_t gpa, size;
	bool ro;
};

struct fz;

/* One view of memory: the queue's (counted, with injected failures) or
 * the target's own (neither); both with the phantom range if enabled. */
struct view {
	struct cvmm_mem inner;
	struct fz *z;
	bool counted;
};

/* A chain the target popped, with the reference's walk of it. */
struct rwalk {
	uint16_t next;
	bool in_table;
	uint64_t table;
	uint32_t entries;
	uint32_t visited;
	bool write_seen;
	bool done;
	bool started; /* its walk began (it claimed the span list once) */
	uint64_t readable, writable;
	uint32_t count;
};

struct slot {
	struct cvmm_vq_chain c;
	uint64_t rticket; /* reference ticket; 0: never popped */
	struct rwalk w;
	struct cvmm_vq_buf bufs[KEEP_BUFS]; /* the last buffers returned */
	uint32_t nbufs;
};

/* A guest range [start, end). */
struct span {
	uint64_t start, end;
};

/* The reference queue. */
struct ref {
	bool ready;
	int broken;
	struct cvmm_vq_layout layout;
	uint32_t size, mask;
	bool ev, ind;
	uint16_t next_avail, shadow, next_used, sig_used;
	bool sig_valid;
	uint32_t inflight;
	uint64_t pops;
	uint64_t *ticket;   /* per head: 0 = not in flight */
	uint64_t *writable; /* per head: writable bytes walked */
	/* The chain whose walk began last (its reference ticket, 0 none) and
	 * its non-empty buffers so far (max_size entries). */
	uint64_t walker;
	struct span *spans;
	uint32_t nspans;
};

struct fz {
	struct region r[MAX_REGIONS];
	size_t n;
	bool phantom;
	uint64_t granule;
	struct cvmm_mem_test *tm;
	struct view dev_view, ref_view;
	struct cvmm_mem dev, mem; /* the queue's memory; the target's */
	uint32_t max_size;
	struct cvmm_vq_config cfg;
	struct cvmm_vq *vq;
	struct cvmm_vqm *m;
	struct cvmm_vq_layout layout; /* as configured */
	struct ref q;
	struct slot s[NCHAINS];
	/* Counting, during a queue call. */
	bool in_call;
	uint64_t calls;
	bool armed;
	/* Log and clock. */
	unsigned logs;
	int log_err;
	uint64_t clock;
	uint64_t violations;
	uint64_t steps; /* descriptors the reference walked */
};

static int phantom_where(const struct fz *z, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (!z->phantom || gpa < PHANTOM_BASE)
		return 0;
	if (__builtin_add_overflow(gpa, len, &end))
		return -EOVERFLOW;
	return end <= PHANTOM_END ? 1 : -EFAULT;
}

static bool in_used_ring(const struct fz *z, uint64_t gpa, uint64_t len)
{
	const struct ref *q = &z->q;
	uint64_t lo = q->layout.used.raw,
		 bytes = cvmm_vq_used_bytes(q->size, q->ev);

	return q->ready && gpa >= lo && gpa - lo <= bytes &&
	       len <= bytes - (gpa - lo);
}

/* Count a call the queue makes; its writes must hit its used ring. */
static void count_call(struct view *v, uint64_t gpa, uint64_t len, bool write)
{
	if (!v->counted || !v->z->in_call)
		return;
	v->z->calls++;
	if (write)
		CHECK(in_used_ring(v->z, gpa, len), "used-ring-only");
}

static int ov_read(void *ctx, cvmm_mem_gpa gpa, void *dst, size_t len)
{
	struct view *v = ctx;
	int w = phantom_where(v->z, gpa.raw, len);

	count_call(v, gpa.raw, len, false);
	if (w == 0)
		return cvmm_mem_read(&v->inner, gpa, dst, len);
	if (w == 1)
		memset(dst, 0, len);
	return w < 0 ? w : 0;
}

static int ov_write(void *ctx, cvmm_mem_gpa gpa, const void *src, size_t len)
{
	struct view *v = ctx;
	int w = phantom_where(v->z, gpa.raw, len);

	count_call(v, gpa.raw, len, true);
	if (w == 0)
		return cvmm_mem_write(&v->inner, gpa, src, len);
	return w < 0 ? w : 0;
}

static int ov_check(void *ctx, cvmm_mem_gpa gpa, uint64_t len, unsigned acc)
{
	struct view *v = ctx;
	int w = phantom_where(v->z, gpa.raw, len);

	count_call(v, gpa.raw, len, false);
	if (w == 0)
		return cvmm_mem_check(&v->inner, gpa, len, acc);
	return w < 0 ? w : 0;
}

static int ov_translate(void *ctx, cvmm_mem_gpa gpa, uint64_t len, unsigned acc,
			void **host)
{
	struct view *v = ctx;
	int w = phantom_where(v->z, gpa.raw, len);

	count_call(v, gpa.raw, len, false);
	if (w == 0)
		return cvmm_mem_translate(&v->inner, gpa, len, acc, host);
	return w < 0 ? w : -EXDEV; /* no host memory behind it */
}

static const struct cvmm_mem_ops overlay_ops = {ov_read, ov_write, ov_check,
						ov_translate};

static int mcheck(struct fz *z, uint64_t gpa, uint64_t len, unsigned acc)
{
	return cvmm_mem_check(&z->mem, cvmm_mem_gpa_from(gpa), len, acc);
}

static uint64_t rd(struct fz *z, uint64_t gpa, unsigned width)
{
	uint8_t b[8] = {0};
	uint64_t v = 0;

	CHECK(cvmm_mem_read(&z->mem, cvmm_mem_gpa_from(gpa), b, width) == 0,
	      "reference-read");
	for (unsigned i = width; i > 0; i--)
		v = (v << 8) | b[i - 1];
	return v;
}

/* ---------------------------------------------------------------------- */
/* Decoding helpers.                                                       */

static uint32_t decode_size(struct cvmm_fi *in)
{
	static const uint32_t invalid[8] = {0,	   3,	     6,		 255,
					    65536, 1u << 31, UINT32_MAX, 0};
	uint64_t v = cvmm_fi_range(in, 0, 255);

	/* Mostly small queues (cheap); large ones cost their rings. */
	if (v < 200)
		return 1u << (v % 9);
	if (v < 214)
		return 1u << (9 + (v - 200) % 7);
	if (v < 255)
		return invalid[(v - 214) % 7];
	return cvmm_fi_u32(in);
}

static bool valid_size(uint32_t size)
{
	return size != 0 && (size & (size - 1)) == 0 &&
	       size <= CVMM_VQ_MAX_SIZE;
}

static uint64_t pick_gpa(struct fz *z, struct cvmm_fi *in)
{
	const struct region *r = &z->r[cvmm_fi_range(in, 0, z->n - 1)];

	switch (cvmm_fi_range(in, 0, 5)) {
	case 0: /* inside a region, or exactly at its end */
		return r->gpa + cvmm_fi_range(in, 0, r->size);
	case 1: /* just before a region's end */
		return r->gpa + r->size - cvmm_fi_range(in, 0, r->size);
	case 2: { /* on the rings */
		const uint64_t bases[3] = {z->layout.desc.raw,
					   z->layout.avail.raw,
					   z->layout.used.raw};
		uint64_t b = bases[cvmm_fi_range(in, 0, 2)];
		uint64_t off = cvmm_fi_range(in, 0, 1024);
		return b > UINT64_MAX - off ? b : b + off;
	}
	case 3: /* phantom memory, or the top of the address space */
		if (z->phantom)
			return PHANTOM_BASE + cvmm_fi_range(in, 0, 1u << 24);
		return UINT64_MAX - cvmm_fi_range(in, 0, 4096);
	case 4: { /* just past a region: a hole, or the next region */
		uint64_t end = r->gpa + r->size, off = cvmm_fi_range(in, 0, 64);
		return end > UINT64_MAX - off ? end : end + off;
	}
	default:
		return cvmm_fi_u64(in);
	}
}

/* End of the memory holding gpa (adjacent regions merged), or 0. */
static uint64_t memory_end(const struct fz *z, uint64_t gpa)
{
	uint64_t end = 0;

	if (z->phantom && gpa >= PHANTOM_BASE)
		return PHANTOM_END;
	for (size_t i = 0; i < z->n; i++) {
		const struct region *r = &z->r[i];

		if ((end != 0 && end == r->gpa) ||
		    (end == 0 && gpa >= r->gpa && gpa - r->gpa <= r->size))
			end = r->gpa + r->size;
	}
	return end;
}

static uint32_t pick_len(struct fz *z, struct cvmm_fi *in, uint64_t addr)
{
	switch (cvmm_fi_range(in, 0, 5)) {
	case 0:
		return (uint32_t)cvmm_fi_range(in, 0, 64);
	case 1: { /* up to the end of memory, +- 2 */
		uint64_t end = memory_end(z, addr), d = cvmm_fi_range(in, 0, 4);
		uint64_t len = end > addr ? end - addr : 0;

		len = len + d >= 2 ? len + d - 2 : 0;
		return len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	}
	case 2:
		return (uint32_t)cvmm_fi_range(in, 0, 8192);
	case 3:
		return UINT32_MAX - (uint32_t)cvmm_fi_range(in, 0, 64);
	case 4:
		return 1u << cvmm_fi_range(in, 0, 31);
	default:
		return cvmm_fi_u32(in);
	}
}

static uint16_t pick_flags(struct cvmm_fi *in)
{
	return cvmm_fi_bool(in) ? cvmm_fi_u16(in)
				: (uint16_t)cvmm_fi_range(in, 0, 7);
}

static uint16_t pick_index(struct cvmm_fi *in, uint32_t limit)
{
	if (cvmm_fi_bool(in) || limit == 0)
		return cvmm_fi_u16(in);
	return (uint16_t)cvmm_fi_range(in, 0, (limit - 1) & 0xffffu);
}

/* ---------------------------------------------------------------------- */
/* Memory layout.                                                          */

static uint64_t region_size(struct cvmm_fi *in)
{
	static const uint64_t big[3] = {16384, 32768, 65536};

	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		return cvmm_fi_range(in, 1, 64);
	case 1:
		return cvmm_fi_range(in, 1, 4096);
	case 2: {
		uint64_t b = big[cvmm_fi_range(in, 0, 2)];
		return b + cvmm_fi_range(in, 0, 16) - 8;
	}
	default:
		return cvmm_fi_range(in, 1, 65536);
	}
}

static uint64_t gap(struct cvmm_fi *in)
{
	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		return 0;
	case 1:
		return cvmm_fi_range(in, 1, 64);
	case 2:
		return 4096;
	default:
		return (UINT64_C(1) << 20) + cvmm_fi_range(in, 0, 4096);
	}
}

/* The bytes the rings of a queue of `size` need, contiguous. */
static uint64_t ring_bytes(uint32_t size, bool ev)
{
	struct cvmm_vqm_layout l;
	uint64_t bytes = 0;

	if (cvmm_vqm_layout_at(cvmm_mem_gpa_from(0),
			       valid_size(size) ? size : 1, ev, &l,
			       &bytes) != 0)
		return 64;
	return bytes;
}

static bool decode_memory(struct fz *z, struct cvmm_fi *in, uint32_t size,
			  bool ev, uint64_t *ring_start)
{
	static const uint64_t granules[7] = {0, 1, 2, 3, 8, 64, 4096};
	struct cvmm_mem_range ranges[MAX_REGIONS];
	uint64_t span, base, limit, total = 0;
	unsigned gi = (unsigned)cvmm_fi_range(in, 0, 6);
	size_t nbuf = (size_t)cvmm_fi_range(in, 0, MAX_BUF_REGIONS);
	uint64_t slack = cvmm_fi_range(in, 0, 80);

	z->n = nbuf + 1;
	z->r[0].gpa = 0;
	z->r[0].size = 48 + ring_bytes(size, ev) + slack - 16;
	z->r[0].ro = false;
	span = z->r[0].size;
	for (size_t i = 1; i < z->n; i++) {
		z->r[i].gpa = span + gap(in);
		z->r[i].size = region_size(in);
		z->r[i].ro = cvmm_fi_bool(in);
		span = z->r[i].gpa + z->r[i].size;
	}
	limit = z->phantom ? PHANTOM_BASE : UINT64_MAX;
	switch (cvmm_fi_range(in, 0, 2)) {
	case 0:
		base = 16 * cvmm_fi_range(in, 0, 65536);
		break;
	case 1:
		base =
		    (limit - span - cvmm_fi_range(in, 0, 64)) & ~UINT64_C(15);
		break;
	default:
		base = 16 * (uint64_t)cvmm_fi_u32(in);
		break;
	}
	for (size_t i = 0; i < z->n; i++) {
		z->r[i].gpa += base;
		ranges[i].gpa = cvmm_mem_gpa_from(z->r[i].gpa);
		ranges[i].size = z->r[i].size;
		ranges[i].flags = z->r[i].ro ? CVMM_MEM_REGION_READONLY : 0;
		total += z->r[i].size;
	}
	/* Keep the piece count (one allocation each) bounded. */
	while (gi < 7 && granules[gi] != 0 && total / granules[gi] > MAX_PIECES)
		gi++;
	z->granule = gi < 7 ? granules[gi] : 0;
	*ring_start = z->r[0].gpa;
	if (cvmm_mem_test_create(ranges, z->n, z->granule, &z->tm) != 0)
		return false;
	z->dev_view.inner = cvmm_mem_test_iface(z->tm);
	z->dev_view.z = z;
	z->dev_view.counted = true;
	z->ref_view.inner = cvmm_mem_regions_iface(
	    (struct cvmm_mem_regions *)(uintptr_t)cvmm_mem_test_regions(z->tm));
	z->ref_view.z = z;
	z->ref_view.counted = false;
	z->dev.ops = &overlay_ops;
	z->dev.ctx = &z->dev_view;
	z->mem.ops = &overlay_ops;
	z->mem.ctx = &z->ref_view;
	return true;
}

/* ---------------------------------------------------------------------- */
/* The reference queue.                                                    */

/* The set of errnos a call may return: the rules it breaks. */
struct verdict {
	unsigned n;
	int err[12];
};

static void v_add(struct verdict *v, int err)
{
	if (v->n < 12)
		v->err[v->n++] = err;
}

static bool v_has(const struct verdict *v, int err)
{
	for (unsigned i = 0; i < v->n; i++) {
		if (v->err[i] == err)
			return true;
	}
	return false;
}

static void ref_layout_verdict(struct fz *z, const struct cvmm_vq_layout *l,
			       struct verdict *v)
{
	const uint32_t size = l->size;
	const bool ev = (l->features & CVMM_VQ_F_EVENT_IDX) != 0;
	const uint64_t gpa[3] = {l->desc.raw, l->avail.raw, l->used.raw};
	const uint64_t len[3] = {cvmm_vq_desc_bytes(size),
				 cvmm_vq_avail_bytes(size, ev),
				 cvmm_vq_used_bytes(size, ev)};
	const uint64_t align[3] = {16, 2, 4};
	const unsigned acc[3] = {CVMM_MEM_ACCESS_READ, CVMM_MEM_ACCESS_READ,
				 CVMM_MEM_ACCESS_READ | CVMM_MEM_ACCESS_WRITE};

	if (!valid_size(size) || size > z->max_size)
		v_add(v, -EINVAL);
	for (int i = 0; i < 3; i++) {
		uint64_t end;
		int rc;

		if ((gpa[i] & (align[i] - 1)) != 0)
			v_add(v, -EDOM);
		if (__builtin_add_overflow(gpa[i], len[i], &end)) {
			v_add(v, -EOVERFLOW);
			continue;
		}
		rc = mcheck(z, gpa[i], len[i], acc[i]);
		if (rc != 0)
			v_add(v, rc);
	}
}

static void ref_reset(struct ref *q, uint32_t max_size)
{
	memset(q->ticket, 0, max_size * sizeof(q->ticket[0]));
	memset(q->writable, 0, max_size * sizeof(q->writable[0]));
	memset(&q->layout, 0, sizeof(q->layout));
	q->ready = false;
	q->broken = 0;
	q->size = q->mask = 0;
	q->ev = q->ind = false;
	q->next_avail = q->shadow = q->next_used = q->sig_used = 0;
	q->sig_valid = false;
	q->inflight = 0;
	q->walker = 0;
	q->nspans = 0;
}

static void ref_apply(struct ref *q, const struct cvmm_vq_layout *l)
{
	q->ready = true;
	q->layout = *l;
	q->size = l->size;
	q->mask = l->size - 1;
	q->ev = (l->features & CVMM_VQ_F_EVENT_IDX) != 0;
	q->ind = (l->features & CVMM_VQ_F_INDIRECT_DESC) != 0;
	q->next_avail = q->shadow = q->next_used = q->sig_used = 0;
	q->sig_valid = false;
}

static int ref_usable(const struct ref *q)
{
	if (q->broken != 0)
		return -EIO;
	return q->ready ? 0 : -ENODEV;
}

/* The queue's observable state must be the reference's. */
static void check_state(struct fz *z)
{
	const struct ref *q = &z->q;

	CHECK(cvmm_vq_is_ready(z->vq) == q->ready, "result");
	CHECK(cvmm_vq_broken_error(z->vq) == q->broken, "broken-fails");
	CHECK(cvmm_vq_is_broken(z->vq) == (q->broken != 0), "broken-fails");
	CHECK(cvmm_vq_size(z->vq) == q->size, "result");
	CHECK(cvmm_vq_max_size(z->vq) == z->max_size, "result");
	CHECK(cvmm_vq_inflight(z->vq) == q->inflight, "head-once");
}

/* ---------------------------------------------------------------------- */
/* Calling the queue: counting, injected failures, logs.                   */

struct call {
	unsigned logs;
	bool fired;
};

static void call_begin(struct fz *z, struct call *c)
{
	c->logs = z->logs;
	z->calls = 0;
	z->in_call = true;
}

/* End a call that returned rc; bound is the most memory calls allowed. */
static void call_end(struct fz *z, struct call *c, int rc, uint64_t bound)
{
	z->in_call = false;
	c->fired = false;
	if (z->armed && cvmm_mem_test_failure_fired(z->tm)) {
		c->fired = true;
		z->armed = false;
	}
	CHECK(z->calls <= bound, "work-bound");
	CHECK(z->logs <= c->logs + 1, "broken-fails");
	if (z->logs != c->logs)
		CHECK(z->log_err == rc && cvmm_vq_is_broken(z->vq),
		      "broken-fails");
}

/* True if rc is the injected failure that fired during the call. */
static bool injected(const struct call *c, int rc)
{
	return c->fired && rc == INJECTED;
}

/* A violation the reference predicted (or an injected failure): the
 * queue is now broken with rc. */
static void broke(struct fz *z, const struct call *c, int rc,
		  const struct verdict *v)
{
	CHECK(injected(c, rc) || v_has(v, rc), "result");
	CHECK(cvmm_vq_broken_error(z->vq) == rc, "broken-fails");
	z->q.broken = rc;
	z->violations++;
	if (z->cfg.log_burst >= 1000000)
		CHECK(z->logs == z->violations, "broken-fails");
}

/* ---------------------------------------------------------------------- */
/* Device-side operations.                                                 */

static struct slot *pick_slot(struct fz *z, struct cvmm_fi *in)
{
	return &z->s[cvmm_fi_range(in, 0, NCHAINS - 1)];
}

/* The queue asked the driver for a notification of the next chain:
 * avail_event is next_avail with EVENT_IDX, the used flags are 0 without. */
static void check_armed(struct fz *z)
{
	struct ref *q = &z->q;

	if (q->ev) {
		uint64_t f = q->layout.used.raw + 4 + 8 * (uint64_t)q->size;
		if (phantom_where(z, f, 2) != 1)
			CHECK(rd(z, f, 2) == q->next_avail, "used-entry");
	} else if (phantom_where(z, q->layout.used.raw, 2) != 1) {
		CHECK(rd(z, q->layout.used.raw, 2) == 0, "used-entry");
	}
}

static void op_pop(struct fz *z, struct slot *s)
{
	struct ref *q = &z->q;
	struct cvmm_vq_chain before = s->c;
	struct verdict v = {0};
	struct call c;
	int usable = ref_usable(q), rc;
	uint16_t head = 0, shadow = q->shadow;

	call_begin(z, &c);
	rc = cvmm_vq_pop(z->vq, &s->c);
	call_end(z, &c, rc, 3);
	if (rc != 0)
		CHECK(memcmp(&before, &s->c, sizeof(before)) == 0, "result");
	if (usable != 0) {
		CHECK(rc == usable, "broken-fails");
		return;
	}
	if (injected(&c, rc)) {
		broke(z, &c, rc, &v);
		return;
	}
	/* The reference reads what the queue read. Pop writes only when the
	 * ring is empty: it asks for a notification (nothing adds a chain
	 * during the call, so it then finds the ring still empty). */
	if (q->next_avail == q->shadow) {
		uint16_t idx = (uint16_t)rd(z, q->layout.avail.raw + 2, 2);

		if (idx == q->next_avail) {
			CHECK(rc == -EAGAIN, "result");
			check_armed(z);
			return;
		}
		if ((uint16_t)(idx - q->next_avail) > q->size) {
			v_add(&v, -ENOSPC);
			broke(z, &c, rc, &v);
			return;
		}
		shadow = idx;
	}
	head = (uint16_t)rd(z,
			    q->layout.avail.raw + 4 +
				2 * (uint64_t)(q->next_avail & q->mask),
			    2);
	if (head >= q->size)
		v_add(&v, -ERANGE);
	else if (q->ticket[head] != 0)
		v_add(&v, -EBUSY);
	if (v.n != 0) {
		broke(z, &c, rc, &v);
		return;
	}
	CHECK(rc == 0, "result");
	CHECK(s->c.head == head, "result");
	CHECK(q->ticket[head] == 0, "head-once");
	q->shadow = shadow;
	q->ticket[head] = ++q->pops;
	q->writable[head] = 0;
	q->inflight++;
	q->next_avail = (uint16_t)(q->next_avail + 1);
	s->rticket = q->pops;
	memset(&s->w, 0, sizeof(s->w));
	s->w.next = head;
	s->nbufs = 0;
	CHECK(s->c.count == 0 && s->c.readable_len == 0 &&
		  s->c.writable_len == 0 && !cvmm_vq_chain_done(&s->c),
	      "chain-accounting");
}

/* -ESTALE, -ENODATA, -EIO, -ENODEV, -EXDEV or 0, as a walk must answer. */
static int ref_walkable(const struct fz *z, const struct slot *s)
{
	const struct ref *q = &z->q;
	int rc = ref_usable(q);

	if (rc != 0)
		return rc;
	if (s->rticket == 0 || s->c.head >= q->size ||
	    q->ticket[s->c.head] != s->rticket)
		return -ESTALE;
	if (s->w.done)
		return -ENODATA;
	return s->w.started && q->walker != s->rticket ? -EXDEV : 0;
}

/* A walkable chain's walk call: the first one claims the span list. */
static void ref_claim(struct fz *z, struct slot *s)
{
	if (s->w.started)
		return;
	s->w.started = true;
	z->q.walker = s->rticket;
	z->q.nspans = 0;
}

/* True if [start, end) overlaps a buffer the walking chain already has. */
static bool ref_overlaps(const struct ref *q, uint64_t start, uint64_t end)
{
	for (uint32_t i = 0; i < q->nspans; i++) {
		if (start < q->spans[i].end && q->spans[i].start < end)
			return true;
	}
	return false;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* distinct-memory: the union of the walking chain's buffers is at least
 * the chain's total length. */
static void check_distinct(struct fz *z, const struct cvmm_vq_chain *c)
{
	struct ref *q = &z->q;
	struct span *copy = malloc((q->nspans + 1) * sizeof(*copy));
	uint64_t covered = 0, lo = 0, hi = 0;

	CHECK(copy != NULL, "harness");
	memcpy(copy, q->spans, q->nspans * sizeof(*copy));
	qsort(copy, q->nspans, sizeof(*copy), span_cmp);
	for (uint32_t i = 0; i < q->nspans; i++) {
		if (i == 0 || copy[i].start > hi) {
			covered += hi - lo;
			lo = copy[i].start;
			hi = copy[i].end;
		} else if (copy[i].end > hi) {
			hi = copy[i].end;
		}
	}
	covered += hi - lo;
	free(copy);
	CHECK((uint64_t)c->readable_len + c->writable_len <= covered,
	      "distinct-memory");
}

/*
 * One step of the reference walk: the next buffer of the chain (following
 * an indirect descriptor into its table), or, in *v, every rule the
 * descriptor that stops the walk breaks.
 */
static bool ref_step(struct fz *z, struct rwalk *w, struct cvmm_vq_buf *out,
		     struct verdict *v)
{
	const struct ref *q = &z->q;

	for (;;) {
		uint32_t limit = w->in_table ? w->entries : q->size;
		uint64_t table = w->in_table ? w->table : q->layout.desc.raw;
		struct cvmm_vqm_desc d;
		uint64_t end;
		bool writable, wraps;
		int rc;

		if (w->visited >= limit || w->count >= q->size) {
			v_add(v, -ELOOP);
			return false;
		}
		CHECK(cvmm_vqm_read_desc(&z->mem, cvmm_mem_gpa_from(table),
					 w->next, &d) == 0,
		      "reference-read");
		z->steps++;
		if ((d.flags & CVMM_VQ_DESC_F_INDIRECT) != 0) {
			if (w->in_table)
				v_add(v, -EMLINK);
			if (!q->ind)
				v_add(v, -EOPNOTSUPP);
			if ((d.flags & CVMM_VQ_DESC_F_NEXT) != 0)
				v_add(v, -EPROTO);
			if (d.len == 0 || d.len % 16 != 0)
				v_add(v, -EBADMSG);
			else if (d.len / 16 > CVMM_VQ_MAX_SIZE)
				v_add(v, -E2BIG);
			if (__builtin_add_overflow(d.addr, d.len, &end))
				v_add(v, -EOVERFLOW);
			else if ((rc = mcheck(z, d.addr, d.len,
					      CVMM_MEM_ACCESS_READ)) != 0)
				v_add(v, rc);
			if (v->n != 0)
				return false;
			w->visited++;
			w->in_table = true;
			w->table = d.addr;
			w->entries = d.len / 16;
			w->visited = 0;
			w->next = 0;
			continue;
		}
		writable = (d.flags & CVMM_VQ_DESC_F_WRITE) != 0;
		wraps = __builtin_add_overflow(d.addr, d.len, &end);
		if (!writable && w->write_seen)
			v_add(v, -EILSEQ);
		if (wraps)
			v_add(v, -EOVERFLOW);
		if (w->readable + w->writable + d.len > UINT32_MAX)
			v_add(v, -EMSGSIZE);
		if ((d.flags & CVMM_VQ_DESC_F_NEXT) != 0 && d.next >= limit)
			v_add(v, -EBADSLT);
		if (!wraps &&
		    (rc = mcheck(z, d.addr, d.len,
				 writable ? CVMM_MEM_ACCESS_WRITE
					  : CVMM_MEM_ACCESS_READ)) != 0)
			v_add(v, rc);
		if (!wraps && d.len != 0 && ref_overlaps(q, d.addr, end))
			v_add(v, -EADDRINUSE);
		if (v->n != 0)
			return false;
		if (d.len != 0) {
			CHECK(q->nspans < z->max_size, "chain-accounting");
			z->q.spans[z->q.nspans++] = (struct span){d.addr, end};
		}
		w->visited++;
		if ((d.flags & CVMM_VQ_DESC_F_NEXT) != 0)
			w->next = d.next;
		else
			w->done = true;
		if (writable) {
			w->write_seen = true;
			w->writable += d.len;
		} else {
			w->readable += d.len;
		}
		w->count++;
		out->addr = cvmm_mem_gpa_from(d.addr);
		out->len = d.len;
		out->writable = writable;
		return true;
	}
}

/* Check the buffers a walk returned and the error it stopped with. */
static void walked(struct fz *z, struct slot *s, const struct call *c,
		   const struct cvmm_vq_buf *bufs, uint32_t n, int rc,
		   uint32_t max)
{
	struct ref *q = &z->q;
	int want = ref_walkable(z, s);
	struct verdict v = {0};

	if (want != 0) {
		CHECK(rc == want && n == 0, "result");
		return;
	}
	ref_claim(z, s);
	CHECK(n <= max, "result");
	for (uint32_t i = 0; i < n; i++) {
		struct cvmm_vq_buf b;

		CHECK(ref_step(z, &s->w, &b, &v), "result");
		CHECK(b.addr.raw == bufs[i].addr.raw && b.len == bufs[i].len &&
			  b.writable == bufs[i].writable,
		      "buffer-in-memory");
		CHECK(mcheck(z, b.addr.raw, b.len,
			     b.writable ? CVMM_MEM_ACCESS_WRITE
					: CVMM_MEM_ACCESS_READ) == 0,
		      "buffer-in-memory");
		s->bufs[s->nbufs % KEEP_BUFS] = b;
		s->nbufs++;
	}
	q->writable[s->c.head] = s->w.writable;
	CHECK(s->c.count == s->w.count && s->c.readable_len == s->w.readable &&
		  s->c.writable_len == s->w.writable,
	      "chain-accounting");
	CHECK((uint64_t)s->c.readable_len + s->c.writable_len <= UINT32_MAX &&
		  s->c.count <= q->size,
	      "chain-accounting");
	if (s->w.done)
		check_distinct(z, &s->c);
	if (rc == 0) {
		/* Stopped at max or at the end of the chain. */
		CHECK(n == max || s->w.done, "result");
		CHECK(cvmm_vq_chain_done(&s->c) == s->w.done, "result");
		return;
	}
	if (!injected(c, rc))
		CHECK(!ref_step(z, &s->w, &(struct cvmm_vq_buf){{0}, 0, false},
				&v),
		      "result");
	broke(z, c, rc, &v);
}

static void op_next(struct fz *z, struct slot *s)
{
	struct cvmm_vq_buf b = {{0}, 0, false}, before;
	struct call c;
	int rc;

	memset(&b, 0xA5, sizeof(b));
	before = b;
	call_begin(z, &c);
	rc = cvmm_vq_chain_next(z->vq, &s->c, &b);
	call_end(z, &c, rc, 2 * PER_DESC_CALLS);
	if (rc != 0)
		CHECK(memcmp(&b, &before, sizeof(b)) == 0, "result");
	walked(z, s, &c, &b, rc == 0 ? 1 : 0, rc, 1);
}

static void op_collect(struct fz *z, struct slot *s, uint32_t max)
{
	struct cvmm_vq_buf bufs[MAX_COLLECT];
	uint32_t n = 12345;
	struct call c;
	int rc;

	call_begin(z, &c);
	rc = cvmm_vq_chain_collect(z->vq, &s->c, bufs, max, &n);
	call_end(z, &c, rc, (uint64_t)(max + 1) * PER_DESC_CALLS);
	walked(z, s, &c, bufs, n, rc, max);
}

/* Walk a chain to its end one call at a time: must end in bounded calls. */
static void op_walk_all(struct fz *z, struct slot *s)
{
	uint64_t bound = (uint64_t)z->q.size + CVMM_VQ_MAX_SIZE + 1;

	for (uint64_t i = 0;; i++) {
		CHECK(i <= bound, "work-bound");
		if (ref_walkable(z, s) != 0) {
			op_next(z, s); /* checks the refusal */
			return;
		}
		op_next(z, s);
	}
}

static void check_used_entry(struct fz *z, uint16_t slot, uint16_t head,
			     uint32_t len)
{
	const struct ref *q = &z->q;
	uint64_t u = q->layout.used.raw;

	if (phantom_where(z, u, 8) == 1)
		return;
	CHECK(rd(z, u + 4 + 8 * (uint64_t)slot, 4) == head, "used-entry");
	CHECK(rd(z, u + 8 + 8 * (uint64_t)slot, 4) == len, "used-entry");
	CHECK(rd(z, u + 2, 2) == q->next_used, "used-entry");
}

static void op_add_used(struct fz *z, struct cvmm_fi *in)
{
	struct ref *q = &z->q;
	uint16_t head;
	uint32_t len;
	uint64_t wr;
	struct verdict none = {0};
	struct call c;
	int want, rc;

	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		head = pick_slot(z, in)->c.head;
		break;
	case 1:
		head = cvmm_fi_u16(in);
		break;
	case 2:
		head = (uint16_t)cvmm_fi_range(in, 0, 0xffff & (q->size - 1));
		break;
	default:
		head = (uint16_t)q->size;
		break;
	}
	wr = head < q->size ? q->writable[head] : 0;
	switch (cvmm_fi_range(in, 0, 4)) {
	case 0:
		len = (uint32_t)wr;
		break;
	case 1:
		len = (uint32_t)wr + 1;
		break;
	case 2:
		len = 0;
		break;
	case 3:
		len = cvmm_fi_u32(in);
		break;
	default:
		len = (uint32_t)cvmm_fi_range(in, 0, wr);
		break;
	}
	want = ref_usable(q);
	if (want == 0 && (head >= q->size || q->ticket[head] == 0))
		want = -ENOENT;
	else if (want == 0 && len > wr)
		want = -ENOBUFS;
	call_begin(z, &c);
	rc = cvmm_vq_add_used(z->vq, head, len);
	call_end(z, &c, rc, 2);
	if (injected(&c, rc) && want == 0) {
		broke(z, &c, rc, &none);
		return;
	}
	CHECK(rc == want, "result");
	if (rc != 0)
		return;
	q->ticket[head] = 0;
	q->inflight--;
	q->next_used = (uint16_t)(q->next_used + 1);
	check_used_entry(z, (uint16_t)((q->next_used - 1) & q->mask), head,
			 len);
}

static void op_needs_notification(struct fz *z)
{
	struct ref *q = &z->q;
	struct verdict none = {0};
	bool notify = false, want_notify = false;
	struct call c;
	int want = ref_usable(q), rc;

	call_begin(z, &c);
	rc = cvmm_vq_needs_notification(z->vq, &notify);
	call_end(z, &c, rc, 1);
	if (want == 0) {
		uint16_t old = q->sig_used, now = q->next_used;
		bool valid = q->sig_valid;

		if (now == old) {
			want_notify = false;
		} else if (q->ev && !valid) {
			want_notify = true;
		} else if (q->ev) {
			uint16_t e = (uint16_t)rd(
			    z, q->layout.avail.raw + 4 + 2 * (uint64_t)q->size,
			    2);
			want_notify =
			    (uint16_t)(now - e - 1) < (uint16_t)(now - old);
		} else {
			want_notify = (rd(z, q->layout.avail.raw, 2) &
				       CVMM_VQ_AVAIL_F_NO_INTERRUPT) == 0;
		}
		if (injected(&c, rc)) {
			broke(z, &c, rc, &none);
			return;
		}
		q->sig_used = now;
		q->sig_valid = true;
	}
	CHECK(rc == want, "result");
	if (rc == 0)
		CHECK(notify == want_notify, "result");
}

static void op_enable_notification(struct fz *z)
{
	struct ref *q = &z->q;
	struct verdict none = {0};
	bool pending = false;
	struct call c;
	int want = ref_usable(q), rc;

	call_begin(z, &c);
	rc = cvmm_vq_enable_notification(z->vq, &pending);
	call_end(z, &c, rc, 2);
	if (want == 0 && injected(&c, rc)) {
		broke(z, &c, rc, &none);
		return;
	}
	CHECK(rc == want, "result");
	if (rc != 0)
		return;
	check_armed(z);
	CHECK(pending == (rd(z, q->layout.avail.raw + 2, 2) != q->next_avail),
	      "result");
}

static void op_disable_notification(struct fz *z)
{
	struct ref *q = &z->q;
	struct verdict none = {0};
	struct call c;
	int want = ref_usable(q), rc;

	call_begin(z, &c);
	rc = cvmm_vq_disable_notification(z->vq);
	call_end(z, &c, rc, 1);
	if (want == 0 && injected(&c, rc)) {
		broke(z, &c, rc, &none);
		return;
	}
	CHECK(rc == want, "result");
	if (rc == 0 && !q->ev && phantom_where(z, q->layout.used.raw, 2) != 1)
		CHECK(rd(z, q->layout.used.raw, 2) == CVMM_VQ_USED_F_NO_NOTIFY,
		      "used-entry");
}

static bool state_empty(const struct cvmm_vq_state *s)
{
	return s->layout.size == 0 && s->layout.desc.raw == 0 &&
	       s->layout.avail.raw == 0 && s->layout.used.raw == 0 &&
	       s->layout.features == 0 && s->next_avail == 0 &&
	       s->next_used == 0 && s->signalled_used == 0 &&
	       !s->signalled_used_valid;
}

static bool state_equal(const struct cvmm_vq_state *a,
			const struct cvmm_vq_state *b)
{
	return a->ready == b->ready && a->layout.size == b->layout.size &&
	       a->layout.desc.raw == b->layout.desc.raw &&
	       a->layout.avail.raw == b->layout.avail.raw &&
	       a->layout.used.raw == b->layout.used.raw &&
	       a->layout.features == b->layout.features &&
	       a->next_avail == b->next_avail && a->next_used == b->next_used &&
	       a->signalled_used == b->signalled_used &&
	       a->signalled_used_valid == b->signalled_used_valid;
}

/* Save; returns the result, with the state checked against the reference. */
static int do_save(struct fz *z, struct cvmm_vq_state *st)
{
	const struct ref *q = &z->q;
	struct call c;
	int want = q->broken ? -EIO : q->inflight ? -EINPROGRESS : 0, rc;

	call_begin(z, &c);
	rc = cvmm_vq_save(z->vq, st);
	call_end(z, &c, rc, 0);
	CHECK(rc == want, "result");
	if (rc != 0)
		return rc;
	if (!q->ready) {
		CHECK(!st->ready && state_empty(st), "result");
		return 0;
	}
	CHECK(st->ready && st->layout.size == q->layout.size &&
		  st->layout.desc.raw == q->layout.desc.raw &&
		  st->layout.avail.raw == q->layout.avail.raw &&
		  st->layout.used.raw == q->layout.used.raw &&
		  st->layout.features == q->layout.features &&
		  st->next_avail == q->next_avail &&
		  st->next_used == q->next_used &&
		  st->signalled_used == q->sig_used &&
		  st->signalled_used_valid == q->sig_valid,
	      "result");
	return 0;
}

/* Restore st; the reference decides the result. */
static int do_restore(struct fz *z, const struct cvmm_vq_state *st)
{
	struct ref *q = &z->q;
	struct verdict v = {0};
	struct call c;
	int rc;

	if (!st->ready) {
		if (!state_empty(st))
			v_add(&v, -EINVAL);
	} else {
		ref_layout_verdict(z, &st->layout, &v);
		if (st->next_used != st->next_avail)
			v_add(&v, -EINVAL);
	}
	call_begin(z, &c);
	rc = cvmm_vq_restore(z->vq, st);
	call_end(z, &c, rc, 6);
	if (rc != 0) {
		/* Refused: the queue is as it was. */
		CHECK(injected(&c, rc) || v_has(&v, rc), "result");
		check_state(z);
		return rc;
	}
	CHECK(v.n == 0, "result");
	ref_reset(q, z->max_size);
	if (st->ready) {
		ref_apply(q, &st->layout);
		q->next_avail = q->shadow = st->next_avail;
		q->next_used = st->next_used;
		q->sig_used = st->signalled_used;
		q->sig_valid = st->signalled_used_valid;
	}
	return 0;
}

static void op_save_restore(struct fz *z)
{
	struct cvmm_vq_state a, b;
	int rc;

	memset(&a, 0, sizeof(a));
	if (do_save(z, &a) != 0)
		return;
	rc = do_restore(z, &a);
	if (rc == INJECTED)
		return;
	CHECK(rc == 0, "save-roundtrip");
	memset(&b, 0xA5, sizeof(b));
	CHECK(do_save(z, &b) == 0 && state_equal(&a, &b), "save-roundtrip");
}

/* A layout: the configured one, or one with fuzzed fields. */
static struct cvmm_vq_layout decode_layout(struct fz *z, struct cvmm_fi *in)
{
	struct cvmm_vq_layout l = z->layout;

	if (!cvmm_fi_bool(in))
		return l;
	if (cvmm_fi_bool(in))
		l.size = decode_size(in);
	if (cvmm_fi_bool(in))
		l.desc = cvmm_mem_gpa_from(pick_gpa(z, in));
	if (cvmm_fi_bool(in))
		l.avail = cvmm_mem_gpa_from(pick_gpa(z, in));
	if (cvmm_fi_bool(in))
		l.used = cvmm_mem_gpa_from(pick_gpa(z, in));
	if (cvmm_fi_bool(in))
		l.features ^= (uint64_t)cvmm_fi_range(in, 0, 3) << 28;
	return l;
}

static void op_restore_fuzzed(struct fz *z, struct cvmm_fi *in)
{
	struct cvmm_vq_state st;

	memset(&st, 0, sizeof(st));
	st.ready = cvmm_fi_bool(in);
	if (st.ready) {
		st.layout = decode_layout(z, in);
		st.next_avail = cvmm_fi_u16(in);
		st.next_used =
		    cvmm_fi_bool(in) ? cvmm_fi_u16(in) : st.next_avail;
		st.signalled_used = cvmm_fi_u16(in);
		st.signalled_used_valid = cvmm_fi_bool(in);
	} else if (cvmm_fi_bool(in)) {
		/* A not-ready state with one field set. */
		st.next_avail = (uint16_t)cvmm_fi_range(in, 1, 0xffff);
	}
	(void)do_restore(z, &st);
}

static void op_enable(struct fz *z, struct cvmm_fi *in)
{
	struct cvmm_vq_layout l = decode_layout(z, in);
	struct ref *q = &z->q;
	struct verdict v = {0};
	struct call c;
	int want = q->broken ? -EIO : q->ready ? -EALREADY : 0, rc;

	if (want == 0)
		ref_layout_verdict(z, &l, &v);
	call_begin(z, &c);
	rc = cvmm_vq_enable(z->vq, &l);
	call_end(z, &c, rc, 6);
	if (want != 0) {
		CHECK(rc == want, "result");
		return;
	}
	if (rc != 0) {
		CHECK(injected(&c, rc) || v_has(&v, rc), "result");
		return;
	}
	CHECK(v.n == 0, "result");
	ref_apply(q, &l);
}

static void op_reset(struct fz *z)
{
	struct call c;

	call_begin(z, &c);
	cvmm_vq_reset(z->vq);
	call_end(z, &c, 0, 0);
	ref_reset(&z->q, z->max_size);
}

/* Read or write a buffer the queue handed out: it is guest memory. */
static void op_buf_io(struct fz *z, struct cvmm_fi *in)
{
	struct slot *s = pick_slot(z, in);
	const struct cvmm_vq_buf *b;
	uint8_t tmp[256], fill;
	uint32_t off, len;
	bool wr;

	if (s->nbufs == 0)
		return;
	b = &s->bufs[cvmm_fi_range(in, 0, KEEP_BUFS - 1) %
		     (s->nbufs < KEEP_BUFS ? s->nbufs : KEEP_BUFS)];
	off = (uint32_t)cvmm_fi_range(in, 0, b->len);
	len = (uint32_t)cvmm_fi_range(in, 0, sizeof(tmp));
	if (len > b->len - off)
		len = b->len - off;
	wr = cvmm_fi_bool(in);
	fill = cvmm_fi_u8(in);
	if (b->writable && wr) {
		memset(tmp, fill, sizeof(tmp));
		CHECK(cvmm_mem_write(&z->mem,
				     cvmm_mem_gpa_from(b->addr.raw + off), tmp,
				     len) == 0,
		      "buffer-in-memory");
	} else {
		CHECK(cvmm_mem_read(&z->mem,
				    cvmm_mem_gpa_from(b->addr.raw + off), tmp,
				    len) == 0,
		      "buffer-in-memory");
	}
}

/* The usual device loop on one chain: pop, walk it all, return it. */
static void op_serve(struct fz *z, struct slot *s)
{
	struct ref *q = &z->q;

	op_pop(z, s);
	if (ref_walkable(z, s) != 0)
		return;
	op_walk_all(z, s);
	if (q->broken == 0 && q->ready && s->c.head < q->size &&
	    q->ticket[s->c.head] == s->rticket) {
		struct call c;
		int rc;
		uint32_t len = s->c.writable_len;

		call_begin(z, &c);
		rc = cvmm_vq_add_used(z->vq, s->c.head, len);
		call_end(z, &c, rc, 2);
		if (injected(&c, rc)) {
			struct verdict none = {0};
			broke(z, &c, rc, &none);
			return;
		}
		CHECK(rc == 0, "result");
		q->ticket[s->c.head] = 0;
		q->inflight--;
		q->next_used = (uint16_t)(q->next_used + 1);
		check_used_entry(z, (uint16_t)((q->next_used - 1) & q->mask),
				 s->c.head, len);
	}
}

/* ---------------------------------------------------------------------- */
/* Driver-side actions.                                                    */

static void drv_add_chain(struct fz *z, struct cvmm_fi *in)
{
	struct cvmm_vqm_buf d[64], t[64];
	uint32_t nd = (uint32_t)cvmm_fi_range(in, 0, 63);
	uint32_t nt = cvmm_fi_bool(in) ? (uint32_t)cvmm_fi_range(in, 1, 63) : 0;
	uint32_t first_w = (uint32_t)cvmm_fi_range(in, 0, 127);
	struct cvmm_vqm_chain ch;
	uint16_t head;

	/* Readable buffers first, writable from index first_w (direct ones
	 * count before the table's). */
	for (uint32_t i = 0; i < nd + nt; i++) {
		struct cvmm_vqm_buf *b = i < nd ? &d[i] : &t[i - nd];
		uint64_t a = pick_gpa(z, in);

		b->addr = cvmm_mem_gpa_from(a);
		b->len = pick_len(z, in, a);
		b->writable = i >= first_w;
	}
	ch.direct = d;
	ch.ndirect = nd;
	ch.indirect = t;
	ch.nindirect = nt;
	ch.table = cvmm_mem_gpa_from(nt != 0 ? pick_gpa(z, in) : 0);
	if (z->m != NULL)
		(void)cvmm_vqm_add(z->m, &ch, &head);
}

static void drv_write_desc(struct fz *z, struct cvmm_fi *in, uint64_t table,
			   uint32_t limit, uint32_t index)
{
	struct cvmm_vqm_desc d;

	d.addr = pick_gpa(z, in);
	d.len = pick_len(z, in, d.addr);
	d.flags = pick_flags(in);
	d.next = pick_index(in, limit);
	(void)cvmm_vqm_write_desc(&z->mem, cvmm_mem_gpa_from(table), index, &d);
}

/* An indirect table at a fuzzed address, and optionally the descriptor
 * that points at it. */
static void drv_write_table(struct fz *z, struct cvmm_fi *in)
{
	uint64_t table = pick_gpa(z, in);
	uint32_t n = (uint32_t)cvmm_fi_range(in, 1, 32);

	if (cvmm_fi_bool(in))
		table &= ~UINT64_C(15);
	for (uint32_t i = 0; i < n; i++)
		drv_write_desc(z, in, table, n, i);
	if (cvmm_fi_bool(in)) {
		struct cvmm_vqm_desc d = {table, 16 * n,
					  CVMM_VQ_DESC_F_INDIRECT, 0};

		if (cvmm_fi_bool(in))
			d.len = pick_len(z, in, table);
		(void)cvmm_vqm_write_desc(
		    &z->mem, z->layout.desc,
		    pick_index(in, z->layout.size & 0xffffu), &d);
	}
}

static void drv_poke(struct fz *z, struct cvmm_fi *in)
{
	enum cvmm_vqm_field f =
	    (enum cvmm_vqm_field)cvmm_fi_range(in, 0, CVMM_VQM_FIELD_COUNT - 1);
	uint64_t index = pick_index(in, z->layout.size), v;

	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		v = cvmm_fi_range(in, 0, 2 * (uint64_t)z->layout.size + 1);
		break;
	case 1:
		v = cvmm_fi_u16(in);
		break;
	case 2:
		v = (uint64_t)z->q.next_avail + cvmm_fi_range(in, 0, 8);
		break;
	default:
		v = cvmm_fi_u64(in);
		break;
	}
	if (z->m != NULL)
		(void)cvmm_vqm_poke(z->m, f, index, v);
}

static void drv_raw_write(struct fz *z, struct cvmm_fi *in)
{
	uint8_t b[16];
	uint64_t gpa = pick_gpa(z, in);
	size_t n = (size_t)cvmm_fi_range(in, 1, sizeof(b));

	cvmm_fi_bytes(in, b, n);
	/* Anywhere: a write outside memory just fails. */
	if (cvmm_mem_write(&z->mem, cvmm_mem_gpa_from(gpa), b, n) != 0)
		return;
}

/* ---------------------------------------------------------------------- */

static void run_op(struct fz *z, struct cvmm_fi *in)
{
	uint16_t id;
	uint32_t len;

	switch (cvmm_fi_range(in, 0, 23)) {
	case 0:
		op_pop(z, pick_slot(z, in));
		break;
	case 1:
		op_next(z, pick_slot(z, in));
		break;
	case 2: {
		struct slot *s = pick_slot(z, in);
		op_collect(z, s, (uint32_t)cvmm_fi_range(in, 0, MAX_COLLECT));
		break;
	}
	case 3:
		op_walk_all(z, pick_slot(z, in));
		break;
	case 4:
		op_add_used(z, in);
		break;
	case 5:
		op_needs_notification(z);
		break;
	case 6:
		op_enable_notification(z);
		break;
	case 7:
		op_disable_notification(z);
		break;
	case 8:
		op_save_restore(z);
		break;
	case 9:
		op_restore_fuzzed(z, in);
		break;
	case 10:
		op_reset(z);
		break;
	case 11:
		op_enable(z, in);
		break;
	case 12:
		op_buf_io(z, in);
		break;
	case 13:
		drv_add_chain(z, in);
		break;
	case 14: {
		uint16_t i = pick_index(in, z->layout.size);
		drv_write_desc(z, in, z->layout.desc.raw, z->layout.size, i);
		break;
	}
	case 15:
		drv_write_table(z, in);
		break;
	case 16:
		drv_poke(z, in);
		break;
	case 17: {
		uint16_t h = pick_index(in, z->layout.size);
		if (z->m != NULL)
			(void)cvmm_vqm_publish(z->m, h);
		break;
	}
	case 18:
		if (z->m != NULL)
			(void)cvmm_vqm_get_used(z->m, &id, &len);
		break;
	case 19: {
		uint16_t a = cvmm_fi_u16(in), u = cvmm_fi_u16(in);
		if (z->m != NULL)
			(void)cvmm_vqm_set_indices(z->m, a, u);
		break;
	}
	case 20:
		drv_raw_write(z, in);
		break;
	case 21: {
		uint64_t nth = cvmm_fi_range(in, 1, 8);
		CHECK(cvmm_mem_test_fail_nth(z->tm, nth, INJECTED) == 0,
		      "harness");
		z->armed = true;
		break;
	}
	case 22:
		z->clock +=
		    cvmm_fi_bool(in) ? cvmm_fi_u32(in) : UINT64_C(1000000000);
		break;
	default:
		op_serve(z, pick_slot(z, in));
		break;
	}
	check_state(z);
}

static void record_log(void *arg, int err, const char *msg)
{
	struct fz *z = arg;

	CHECK(msg != NULL && strlen(msg) < 320 &&
		  strncmp(msg, "virtqueue ", 10) == 0,
	      "log");
	z->logs++;
	z->log_err = err;
}

static uint64_t fake_clock(void *arg)
{
	return ((const struct fz *)arg)->clock;
}

/* Place the rings (see the top of the file). */
static void place_rings(struct fz *z, struct cvmm_fi *in, uint64_t start)
{
	struct cvmm_vq_layout *l = &z->layout;

	switch (cvmm_fi_range(in, 0, 2)) {
	case 0: {
		struct cvmm_vqm_layout m;
		uint32_t size = valid_size(l->size) ? l->size : 1;
		uint64_t at = start + 16 * cvmm_fi_range(in, 0, 3);

		if (cvmm_vqm_layout_at(cvmm_mem_gpa_from(at), size,
				       (l->features & CVMM_VQ_F_EVENT_IDX) != 0,
				       &m, NULL) == 0) {
			l->desc = m.desc;
			l->avail = m.avail;
			l->used = m.used;
		}
		break;
	}
	case 1: {
		cvmm_mem_gpa *g[3] = {&l->desc, &l->avail, &l->used};
		static const uint64_t align[3] = {16, 2, 4};

		for (int i = 0; i < 3; i++) {
			uint64_t a = pick_gpa(z, in);
			if (cvmm_fi_bool(in))
				a &= ~(align[i] - 1);
			*g[i] = cvmm_mem_gpa_from(a);
		}
		break;
	}
	default:
		l->desc = cvmm_mem_gpa_from(cvmm_fi_u64(in));
		l->avail = cvmm_mem_gpa_from(cvmm_fi_u64(in));
		l->used = cvmm_mem_gpa_from(cvmm_fi_u64(in));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t bursts[4] = {0, 1, 2, 1000000};
	struct fz *z = calloc(1, sizeof(*z));
	struct cvmm_fi in;
	uint8_t bits;
	uint32_t qsize;
	uint64_t ring_start = 0;

	if (z == NULL)
		return 0;
	cvmm_fi_init(&in, data, size);
	bits = cvmm_fi_u8(&in);
	z->phantom = (bits & 2) != 0;
	z->layout.features = ((bits & 4) ? CVMM_VQ_F_INDIRECT_DESC : 0) |
			     ((bits & 8) ? CVMM_VQ_F_EVENT_IDX : 0);
	if (bits & 16)
		z->layout.features |=
		    cvmm_fi_u64(&in) &
		    ~(CVMM_VQ_F_INDIRECT_DESC | CVMM_VQ_F_EVENT_IDX);
	qsize = decode_size(&in);
	z->layout.size = qsize;
	if (cvmm_fi_bool(&in) && valid_size(qsize)) {
		uint64_t m = (uint64_t)qsize << cvmm_fi_range(&in, 0, 2);
		z->max_size =
		    m > CVMM_VQ_MAX_SIZE ? CVMM_VQ_MAX_SIZE : (uint32_t)m;
	} else {
		z->max_size = 1u << cvmm_fi_range(&in, 0, 15);
	}
	if (!decode_memory(z, &in, qsize,
			   (z->layout.features & CVMM_VQ_F_EVENT_IDX) != 0,
			   &ring_start))
		goto out;
	place_rings(z, &in, ring_start);

	z->cfg.max_size = z->max_size;
	z->cfg.index = 3;
	z->cfg.flags = (bits & 1) ? CVMM_VQ_CFG_UNCACHED : 0;
	z->cfg.log = record_log;
	z->cfg.log_arg = z;
	z->cfg.log_burst = bursts[(bits >> 5) & 3];
	z->cfg.clock = fake_clock;
	z->cfg.clock_arg = z;
	z->q.ticket = calloc(z->max_size, sizeof(uint64_t));
	z->q.writable = calloc(z->max_size, sizeof(uint64_t));
	z->q.spans = calloc(z->max_size, sizeof(struct span));
	if (z->q.ticket == NULL || z->q.writable == NULL || z->q.spans == NULL)
		goto out;
	CHECK(cvmm_vq_create(&z->dev, &z->cfg, &z->vq) == 0, "harness");
	if (valid_size(qsize)) {
		struct cvmm_vqm_layout ml = {
		    qsize, z->layout.desc, z->layout.avail, z->layout.used,
		    (z->layout.features & CVMM_VQ_F_EVENT_IDX) != 0};
		if (cvmm_vqm_create(&z->mem, &ml, &z->m) != 0)
			z->m = NULL;
	}
	/* The driver sets the queue up first, as a transport would. */
	{
		struct verdict v = {0};
		struct call c;
		int rc;

		ref_layout_verdict(z, &z->layout, &v);
		call_begin(z, &c);
		rc = cvmm_vq_enable(z->vq, &z->layout);
		call_end(z, &c, rc, 6);
		if (rc == 0) {
			CHECK(v.n == 0, "result");
			ref_apply(&z->q, &z->layout);
		} else {
			CHECK(v_has(&v, rc), "result");
		}
	}
	check_state(z);
	for (unsigned op = 0;
	     op < MAX_OPS && z->steps < MAX_STEPS && !cvmm_fi_done(&in); op++)
		run_op(z, &in);
out:
	cvmm_vqm_destroy(z->m);
	cvmm_vq_destroy(z->vq);
	cvmm_mem_test_destroy(z->tm);
	free(z->q.ticket);
	free(z->q.writable);
	free(z->q.spans);
	free(z);
	return 0;
}
