/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for virtio-queue's saved state (cvmm_vq_save/cvmm_vq_restore):
 * fuzzed state structs, built field by field from good values, boundary
 * values and raw ones (size 0, sizes above the maximum or not a power of
 * two, huge and wrapping indices, rings misaligned, outside memory, across
 * the end of memory, at the top of the address space, in read-only memory,
 * any feature bits), restored into a queue that may be ready, broken or
 * have chains in flight. Then a sequence of operations: full driver/device
 * cycles through the harness/virtqueue-model driver, more restores, saves,
 * resets, notification calls and hostile writes of the avail index.
 *
 * Invariants (abort with "virtqueue-state: invariant: <name>"):
 *   restore-validates  restore succeeds iff the state is valid by the rules
 *                      of cvmm/virtqueue.h (checked here independently),
 *                      and a refusal's errno is one of the rules broken;
 *   refused-unchanged  a refused restore leaves the queue as it was (ready,
 *                      broken, size, in-flight count, what save returns);
 *   no-ring-access     restore and save touch no guest memory beyond at
 *                      most 3 checks and 3 translations (restore); a pop
 *                      reads at most the avail index twice and one head,
 *                      and writes only the notification request (one
 *                      field) when it finds the ring empty;
 *   save-roundtrip     save after a successful restore returns exactly the
 *                      state restored (not ready: all zero), and restoring
 *                      that again changes nothing;
 *   cycle              on a restored ready queue, a chain the driver adds
 *                      at the restored indices pops with its head, walks to
 *                      exactly the buffers added, returns through the used
 *                      ring at the restored used index, and the driver
 *                      reads it back; needs_notification follows
 *                      vring_need_event from the restored signalled_used;
 *   fails-closed       after a violation every call fails with -EIO until
 *                      reset or restore; results are always documented
 *                      errnos; chains from before a restore are stale.
 *
 * Input (harness/fuzz-input, decoding total):
 *   u8     bits: 0 CVMM_VQ_CFG_UNCACHED, 1 memory near the top of the
 *          address space (2 MiB below it), 2-3 granule index {0, 1, 8, 64}
 *   range  max size 0..63: 1 << (v % 9) below 56, else 1 << (v - 47)
 *   range  ring region slack 0..64 (the region is the largest queue's
 *          rings + slack - 32 bytes)
 *   bool   enable the queue first (with the good layout, size = max)
 *   range  chains to leave in flight first 0..3
 *   then operations until the input ends (at most MAX_OPS): range 0..8
 *   and operands (see run_op); a state (decode_state) is, per field, a
 *   choice of kind then its value.
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

#define MAX_OPS	 64u
#define MAX_BUFS 4u
#define BUF_SIZE 4096u
#define BUF_SLOT (BUF_SIZE / MAX_BUFS) /* one buffer of a cycle per slot */
#define RO_SIZE	 4096u
#define HOLE	 4096u

#define CHECK(cond, name)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			fail(name, #cond, __LINE__);                           \
	} while (0)

static __attribute__((noreturn)) void fail(const char *name, const char *cond,
					   int line)
{
	fprintf(stderr, "virtqueue-state: invariant: %s: %s (line %d)\n", name,
		cond, line);
	abort();
}

struct st {
	/* Memory: rings [ring, ring + ring_size), buffers right after,
	 * a hole, read-only memory. */
	uint64_t ring, ring_size, buf, ro, end;
	struct cvmm_mem_test *tm;
	struct cvmm_mem dev; /* the queue's: counted */
	struct cvmm_mem mem; /* the target's and the driver's */
	struct cvmm_mem inner;
	bool in_call;
	uint64_t calls, writes;
	uint32_t max_size;
	struct cvmm_vq *vq;
	struct cvmm_vqm *m;
	/* What the target knows about the queue. */
	bool ready;
	int broken;
	bool exact; /* no hostile write since the last restore */
	struct cvmm_vq_layout layout;
	uint16_t next_avail, shadow, next_used, sig_used;
	bool sig_valid;
	uint32_t inflight;
	struct cvmm_vq_chain chains[4];
	bool chain_live[4];
};

/* Counting wrapper around the test backend. */
static int c_read(void *ctx, cvmm_mem_gpa gpa, void *dst, size_t len)
{
	struct st *s = ctx;

	s->calls += s->in_call;
	return cvmm_mem_read(&s->inner, gpa, dst, len);
}

static int c_write(void *ctx, cvmm_mem_gpa gpa, const void *src, size_t len)
{
	struct st *s = ctx;

	s->calls += s->in_call;
	s->writes += s->in_call;
	return cvmm_mem_write(&s->inner, gpa, src, len);
}

static int c_check(void *ctx, cvmm_mem_gpa gpa, uint64_t len, unsigned acc)
{
	struct st *s = ctx;

	s->calls += s->in_call;
	return cvmm_mem_check(&s->inner, gpa, len, acc);
}

static int c_translate(void *ctx, cvmm_mem_gpa gpa, uint64_t len, unsigned acc,
		       void **host)
{
	struct st *s = ctx;

	s->calls += s->in_call;
	return cvmm_mem_translate(&s->inner, gpa, len, acc, host);
}

static const struct cvmm_mem_ops counting_ops = {c_read, c_write, c_check,
						 c_translate};

static bool valid_size(uint32_t size)
{
	return size != 0 && (size & (size - 1)) == 0 &&
	       size <= CVMM_VQ_MAX_SIZE;
}

static void call_begin(struct st *s)
{
	s->in_call = true;
	s->calls = s->writes = 0;
}

static void call_end(struct st *s)
{
	s->in_call = false;
}

/* Every errno a queue call may return (cvmm/virtqueue.h). */
static bool documented(int rc)
{
	static const int known[] = {
	    0,	      -ENOSPC,	    -ERANGE,	 -EBUSY,
	    -EBADSLT, -ELOOP,	    -EOPNOTSUPP, -EMLINK,
	    -EPROTO,  -EBADMSG,	    -E2BIG,	 -EOVERFLOW,
	    -EFAULT,  -EACCES,	    -EMSGSIZE,	 -EILSEQ,
	    -EINVAL,  -EDOM,	    -ENODEV,	 -EALREADY,
	    -EIO,     -ENOENT,	    -ENOBUFS,	 -ESTALE,
	    -ENODATA, -EINPROGRESS, -EAGAIN,	 -EADDRINUSE,
	    -EXDEV};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (known[i] == rc)
			return true;
	}
	return false;
}

static bool is_violation(int rc)
{
	switch (rc) {
	case -ENOSPC:
	case -ERANGE:
	case -EBUSY:
	case -EBADSLT:
	case -ELOOP:
	case -EOPNOTSUPP:
	case -EMLINK:
	case -EPROTO:
	case -EBADMSG:
	case -E2BIG:
	case -EOVERFLOW:
	case -EFAULT:
	case -EACCES:
	case -EMSGSIZE:
	case -EILSEQ:
	case -EADDRINUSE:
		return true;
	default:
		return false;
	}
}

/* After any call: documented result, and the queue broken iff a violation
 * has been seen since the last reset or restore. */
static void after(struct st *s, int rc)
{
	CHECK(documented(rc), "fails-closed");
	if (s->broken != 0) {
		CHECK(cvmm_vq_broken_error(s->vq) == s->broken, "fails-closed");
		return;
	}
	if (is_violation(rc)) {
		CHECK(cvmm_vq_broken_error(s->vq) == rc, "fails-closed");
		s->broken = rc;
	}
	CHECK(cvmm_vq_broken_error(s->vq) == s->broken, "fails-closed");
}

/* 0, or what a call on a broken or not-ready queue must return. */
static int usable(const struct st *s)
{
	if (s->broken != 0)
		return -EIO;
	return s->ready ? 0 : -ENODEV;
}

/* ---------------------------------------------------------------------- */
/* States.                                                                 */

static uint32_t decode_size(struct st *s, struct cvmm_fi *in)
{
	switch (cvmm_fi_range(in, 0, 7)) {
	case 0:
	case 1:
		return s->max_size;
	case 2:
		return 1u << cvmm_fi_range(in, 0, 15);
	case 3:
		return 0;
	case 4:
		return s->max_size * 2;
	case 5:
		return s->max_size + 1;
	case 6:
		return (uint32_t)cvmm_fi_range(in, 0, 65536);
	default:
		return cvmm_fi_u32(in);
	}
}

/* A ring address: good (contiguous layout at the ring region), or not. */
static uint64_t decode_ring(struct st *s, struct cvmm_fi *in, uint64_t good,
			    uint64_t len)
{
	switch (cvmm_fi_range(in, 0, 7)) {
	case 0:
	case 1:
		return good;
	case 2: /* misaligned */
		return good + cvmm_fi_range(in, 1, 15);
	case 3: /* ending at the end of memory, +- 8 */
		return s->end - len + cvmm_fi_range(in, 0, 16) - 8;
	case 4: /* in read-only memory */
		return s->ro + 4 * cvmm_fi_range(in, 0, RO_SIZE / 4);
	case 5: /* in the hole */
		return s->ro - HOLE + 4 * cvmm_fi_range(in, 0, HOLE / 4);
	case 6: /* at the top of the address space */
		return UINT64_MAX - 16 * cvmm_fi_range(in, 0, 4096) + 1;
	default:
		return cvmm_fi_u64(in);
	}
}

static uint16_t decode_index(struct cvmm_fi *in, uint16_t near)
{
	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		return near;
	case 1:
		return (uint16_t)(near + cvmm_fi_range(in, 0, 4) - 2);
	case 2:
		return (uint16_t)(0xffff - cvmm_fi_range(in, 0, 3));
	default:
		return cvmm_fi_u16(in);
	}
}

static void decode_state(struct st *s, struct cvmm_fi *in,
			 struct cvmm_vq_state *st)
{
	struct cvmm_vqm_layout g;
	uint32_t gsize;
	bool ev;

	memset(st, 0, sizeof(*st));
	st->ready = cvmm_fi_range(in, 0, 7) != 0;
	if (!st->ready) {
		/* Not ready: all zero, or one field set. */
		switch (cvmm_fi_range(in, 0, 3)) {
		case 0:
			break;
		case 1:
			st->layout.size = s->max_size;
			break;
		case 2:
			st->next_used = cvmm_fi_u16(in);
			break;
		default:
			st->signalled_used_valid = true;
			break;
		}
		return;
	}
	st->layout.features = cvmm_fi_range(in, 0, 3) << 28;
	if (cvmm_fi_bool(in))
		st->layout.features |= cvmm_fi_u64(in);
	ev = (st->layout.features & CVMM_VQ_F_EVENT_IDX) != 0;
	st->layout.size = decode_size(s, in);
	gsize = valid_size(st->layout.size) ? st->layout.size : 1;
	if (cvmm_vqm_layout_at(cvmm_mem_gpa_from(s->ring), gsize, ev, &g,
			       NULL) != 0)
		g.desc = g.avail = g.used = cvmm_mem_gpa_from(s->ring);
	st->layout.desc = cvmm_mem_gpa_from(decode_ring(
	    s, in, g.desc.raw, cvmm_vq_desc_bytes(st->layout.size)));
	st->layout.avail = cvmm_mem_gpa_from(decode_ring(
	    s, in, g.avail.raw, cvmm_vq_avail_bytes(st->layout.size, ev)));
	st->layout.used = cvmm_mem_gpa_from(decode_ring(
	    s, in, g.used.raw, cvmm_vq_used_bytes(st->layout.size, ev)));
	st->next_avail = decode_index(in, s->next_avail);
	st->next_used = cvmm_fi_range(in, 0, 3) != 0
			    ? st->next_avail
			    : decode_index(in, st->next_avail);
	st->signalled_used = decode_index(in, st->next_used);
	st->signalled_used_valid = cvmm_fi_bool(in);
}

/* The rules of cvmm_vq_restore(), written from the header: is rc one of
 * the rules st breaks (0: none broken)? */
static bool restore_allows(struct st *s, const struct cvmm_vq_state *st, int rc)
{
	const struct cvmm_vq_layout *l = &st->layout;
	const bool ev = (l->features & CVMM_VQ_F_EVENT_IDX) != 0;
	const uint64_t gpa[3] = {l->desc.raw, l->avail.raw, l->used.raw};
	const uint64_t len[3] = {cvmm_vq_desc_bytes(l->size),
				 cvmm_vq_avail_bytes(l->size, ev),
				 cvmm_vq_used_bytes(l->size, ev)};
	const uint64_t align[3] = {16, 2, 4};
	const unsigned acc[3] = {CVMM_MEM_ACCESS_READ, CVMM_MEM_ACCESS_READ,
				 CVMM_MEM_ACCESS_READ | CVMM_MEM_ACCESS_WRITE};
	bool any = false;

	if (!st->ready) {
		bool empty = l->size == 0 && l->desc.raw == 0 &&
			     l->avail.raw == 0 && l->used.raw == 0 &&
			     l->features == 0 && st->next_avail == 0 &&
			     st->next_used == 0 && st->signalled_used == 0 &&
			     !st->signalled_used_valid;
		return empty ? rc == 0 : rc == -EINVAL;
	}
	if (!valid_size(l->size) || l->size > s->max_size ||
	    st->next_used != st->next_avail) {
		any = true;
		if (rc == -EINVAL)
			return true;
	}
	for (int i = 0; i < 3; i++) {
		uint64_t e;
		int r;

		if ((gpa[i] & (align[i] - 1)) != 0) {
			any = true;
			if (rc == -EDOM)
				return true;
		}
		if (__builtin_add_overflow(gpa[i], len[i], &e)) {
			any = true;
			if (rc == -EOVERFLOW)
				return true;
			continue;
		}
		r = cvmm_mem_check(&s->mem, cvmm_mem_gpa_from(gpa[i]), len[i],
				   acc[i]);
		if (r != 0) {
			any = true;
			if (rc == r)
				return true;
		}
	}
	return !any && rc == 0;
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

static int save(struct st *s, struct cvmm_vq_state *out)
{
	int rc, want = s->broken ? -EIO : s->inflight ? -EINPROGRESS : 0;

	memset(out, 0xA5, sizeof(*out));
	call_begin(s);
	rc = cvmm_vq_save(s->vq, out);
	call_end(s);
	CHECK(s->calls == 0, "no-ring-access");
	CHECK(rc == want, "save-roundtrip");
	return rc;
}

/* Where the queue's observable state is compared before and after. */
struct snapshot {
	bool ready, broken;
	uint32_t size, inflight;
	int saved;
	struct cvmm_vq_state st;
};

static void snap(struct st *s, struct snapshot *p)
{
	p->ready = cvmm_vq_is_ready(s->vq);
	p->broken = cvmm_vq_is_broken(s->vq);
	p->size = cvmm_vq_size(s->vq);
	p->inflight = cvmm_vq_inflight(s->vq);
	memset(&p->st, 0, sizeof(p->st));
	p->saved = cvmm_vq_save(s->vq, &p->st);
}

static void forget_model(struct st *s)
{
	cvmm_vqm_destroy(s->m);
	s->m = NULL;
}

/* Rings that overlap make the driver's writes change each other (valid,
 * but then results are not predicted exactly). */
static bool rings_overlap(const struct cvmm_vq_layout *l)
{
	const bool ev = (l->features & CVMM_VQ_F_EVENT_IDX) != 0;
	const uint64_t lo[3] = {l->desc.raw, l->avail.raw, l->used.raw};
	const uint64_t len[3] = {cvmm_vq_desc_bytes(l->size),
				 cvmm_vq_avail_bytes(l->size, ev),
				 cvmm_vq_used_bytes(l->size, ev)};

	for (int i = 0; i < 3; i++) {
		for (int j = i + 1; j < 3; j++) {
			if (lo[i] < lo[j] + len[j] && lo[j] < lo[i] + len[i])
				return true;
		}
	}
	return false;
}

/* Restore st and check the result; on success the target follows. */
static int restore(struct st *s, const struct cvmm_vq_state *st)
{
	struct snapshot a, b;
	struct cvmm_vq_state back;
	int rc;

	snap(s, &a);
	call_begin(s);
	rc = cvmm_vq_restore(s->vq, st);
	call_end(s);
	CHECK(s->writes == 0 && s->calls <= 6, "no-ring-access");
	CHECK(restore_allows(s, st, rc), "restore-validates");
	if (rc != 0) {
		snap(s, &b);
		CHECK(a.ready == b.ready && a.broken == b.broken &&
			  a.size == b.size && a.inflight == b.inflight &&
			  a.saved == b.saved &&
			  (a.saved != 0 || state_equal(&a.st, &b.st)),
		      "refused-unchanged");
		return rc;
	}
	/* As if reset and restored: chains from before are stale. */
	s->ready = st->ready;
	s->broken = 0;
	s->exact = !rings_overlap(&st->layout);
	s->inflight = 0;
	s->layout = st->layout;
	s->next_avail = s->shadow = st->next_avail;
	s->next_used = st->next_used;
	s->sig_used = st->signalled_used;
	s->sig_valid = st->signalled_used_valid;
	CHECK(cvmm_vq_is_ready(s->vq) == st->ready &&
		  !cvmm_vq_is_broken(s->vq) && cvmm_vq_inflight(s->vq) == 0,
	      "save-roundtrip");
	CHECK(save(s, &back) == 0, "save-roundtrip");
	if (st->ready) {
		CHECK(state_equal(&back, st), "save-roundtrip");
	} else {
		struct cvmm_vq_state zero;

		memset(&zero, 0, sizeof(zero));
		CHECK(state_equal(&back, &zero), "save-roundtrip");
	}
	for (unsigned i = 0; i < 4; i++) {
		if (s->chain_live[i]) {
			struct cvmm_vq_buf buf;
			int r = cvmm_vq_chain_next(s->vq, &s->chains[i], &buf);

			CHECK(r == (st->ready ? -ESTALE : -ENODEV),
			      "fails-closed");
			s->chain_live[i] = false;
		}
	}
	/* The driver starts over on the restored rings, if it can. */
	forget_model(s);
	if (st->ready) {
		struct cvmm_vqm_layout ml = {
		    st->layout.size, st->layout.desc, st->layout.avail,
		    st->layout.used,
		    (st->layout.features & CVMM_VQ_F_EVENT_IDX) != 0};

		if (cvmm_vqm_create(&s->mem, &ml, &s->m) != 0)
			s->m = NULL;
		else
			CHECK(cvmm_vqm_set_indices(s->m, st->next_avail,
						   st->next_used) == 0,
			      "harness");
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Operations.                                                             */

static int pop(struct st *s, struct cvmm_vq_chain *c)
{
	int rc;

	call_begin(s);
	rc = cvmm_vq_pop(s->vq, c);
	call_end(s);
	CHECK(s->writes <= (rc == 0 ? 0u : 1u) && s->calls <= 4,
	      "no-ring-access");
	after(s, rc);
	if (rc == 0) {
		s->inflight++;
		s->next_avail = (uint16_t)(s->next_avail + 1);
	}
	return rc;
}

/* The driver adds a chain of n valid buffers (the last w writable, each in
 * its own slot of the buffer area so none overlaps another), the device
 * serves it: every result is predicted while s->exact. */
static void op_cycle(struct st *s, struct cvmm_fi *in)
{
	struct cvmm_vqm_buf b[MAX_BUFS];
	uint32_t n = (uint32_t)cvmm_fi_range(in, 1, MAX_BUFS);
	uint32_t w = (uint32_t)cvmm_fi_range(in, 0, n);
	uint32_t written = 0, total_w = 0;
	struct cvmm_vq_chain c;
	uint16_t head = 0, id;
	uint32_t len;
	int rc, u = usable(s);

	for (uint32_t i = 0; i < n; i++) {
		b[i].addr = cvmm_mem_gpa_from(
		    s->buf + i * BUF_SLOT + cvmm_fi_range(in, 0, BUF_SLOT / 2));
		b[i].len = (uint32_t)cvmm_fi_range(in, 0, BUF_SLOT / 2);
		b[i].writable = i >= n - w;
		if (b[i].writable)
			total_w += b[i].len;
	}
	if (s->m == NULL || cvmm_vqm_add_direct(s->m, b, n, &head) != 0) {
		(void)pop(s, &c);
		return;
	}
	rc = pop(s, &c);
	if (u != 0) {
		CHECK(rc == u, "fails-closed");
		return;
	}
	if (!s->exact)
		return;
	/* The driver's chain is the next one at the restored index. */
	CHECK(rc == 0 && c.head == head, "cycle");
	for (uint32_t i = 0;; i++) {
		struct cvmm_vq_buf buf;

		call_begin(s);
		rc = cvmm_vq_chain_next(s->vq, &c, &buf);
		call_end(s);
		CHECK(s->writes == 0, "no-ring-access");
		if (i == n) {
			CHECK(rc == -ENODATA, "cycle");
			break;
		}
		CHECK(rc == 0 && buf.addr.raw == b[i].addr.raw &&
			  buf.len == b[i].len && buf.writable == b[i].writable,
		      "cycle");
	}
	CHECK(c.writable_len == total_w, "cycle");
	written = (uint32_t)cvmm_fi_range(in, 0, total_w);
	call_begin(s);
	rc = cvmm_vq_add_used(s->vq, c.head, written);
	call_end(s);
	CHECK(rc == 0, "cycle");
	s->inflight--;
	s->next_used = (uint16_t)(s->next_used + 1);
	CHECK(cvmm_vqm_get_used(s->m, &id, &len) == 0 && id == head &&
		  len == written,
	      "cycle");
}

static void op_needs_notification(struct st *s)
{
	bool notify = false, want = false;
	uint16_t old = s->sig_used, now = s->next_used;
	int rc, u = usable(s);

	call_begin(s);
	rc = cvmm_vq_needs_notification(s->vq, &notify);
	call_end(s);
	after(s, rc);
	if (u != 0) {
		CHECK(rc == u, "fails-closed");
		return;
	}
	CHECK(rc == 0, "cycle");
	if (s->exact && s->m != NULL && now != old) {
		if ((s->layout.features & CVMM_VQ_F_EVENT_IDX) == 0) {
			want = true; /* the model never sets NO_INTERRUPT */
		} else if (!s->sig_valid) {
			want = true;
		} else {
			uint64_t v = 0;

			CHECK(cvmm_vqm_peek(s->m, CVMM_VQM_USED_EVENT, 0, &v) ==
				  0,
			      "harness");
			want = (uint16_t)(now - (uint16_t)v - 1) <
			       (uint16_t)(now - old);
		}
	}
	if (s->exact && s->m != NULL)
		CHECK(notify == want, "cycle");
	s->sig_used = now;
	s->sig_valid = true;
}

static void op_roundtrip(struct st *s)
{
	struct cvmm_vq_state a;

	if (save(s, &a) != 0)
		return;
	CHECK(restore(s, &a) == 0, "save-roundtrip");
}

static void op_reset(struct st *s)
{
	call_begin(s);
	cvmm_vq_reset(s->vq);
	call_end(s);
	CHECK(s->calls == 0, "no-ring-access");
	s->ready = false;
	s->broken = 0;
	s->inflight = 0;
	s->next_avail = s->next_used = s->sig_used = 0;
	s->sig_valid = false;
	for (unsigned i = 0; i < 4; i++)
		s->chain_live[i] = false;
	forget_model(s);
}

static void op_pop_keep(struct st *s, struct cvmm_fi *in)
{
	unsigned k = (unsigned)cvmm_fi_range(in, 0, 3);
	int rc;

	if (s->m != NULL) {
		struct cvmm_vqm_buf b = {cvmm_mem_gpa_from(s->buf), 16, true};
		uint16_t head;

		(void)cvmm_vqm_add_direct(s->m, &b, 1, &head);
	}
	rc = pop(s, &s->chains[k]);
	if (rc == 0)
		s->chain_live[k] = true;
	CHECK(cvmm_vq_inflight(s->vq) == s->inflight, "fails-closed");
}

static void op_enable_notification(struct st *s)
{
	bool pending = false;
	int rc, u = usable(s);

	call_begin(s);
	rc = cvmm_vq_enable_notification(s->vq, &pending);
	call_end(s);
	after(s, rc);
	CHECK(u == 0 ? rc == 0 : rc == u, "fails-closed");
}

static void op_hostile(struct st *s, struct cvmm_fi *in)
{
	uint16_t v = cvmm_fi_u16(in);

	if (s->m != NULL)
		(void)cvmm_vqm_poke(s->m, CVMM_VQM_AVAIL_IDX, 0, v);
	s->exact = false;
}

static void run_op(struct st *s, struct cvmm_fi *in)
{
	struct cvmm_vq_state st;

	switch (cvmm_fi_range(in, 0, 8)) {
	case 0:
	case 1:
		op_cycle(s, in);
		break;
	case 2:
		decode_state(s, in, &st);
		(void)restore(s, &st);
		break;
	case 3:
		op_roundtrip(s);
		break;
	case 4:
		op_reset(s);
		break;
	case 5:
		op_needs_notification(s);
		break;
	case 6:
		op_pop_keep(s, in);
		break;
	case 7:
		op_enable_notification(s);
		break;
	default:
		op_hostile(s, in);
		break;
	}
	CHECK(cvmm_vq_inflight(s->vq) == s->inflight, "fails-closed");
	CHECK(cvmm_vq_is_ready(s->vq) == s->ready, "fails-closed");
}

static bool make_memory(struct st *s, struct cvmm_fi *in, uint8_t bits)
{
	static const uint64_t granules[4] = {0, 1, 8, 64};
	uint64_t gi = (bits >> 2) & 3, slack = cvmm_fi_range(in, 0, 64), span;
	struct cvmm_vqm_layout l;
	uint64_t bytes = 0;
	struct cvmm_mem_range r[3];

	if (cvmm_vqm_layout_at(cvmm_mem_gpa_from(0), s->max_size, true, &l,
			       &bytes) != 0)
		return false;
	s->ring_size = bytes + slack - 32;
	span = s->ring_size + BUF_SIZE + HOLE + RO_SIZE;
	/* At the top: as high as the model's layout arithmetic allows. */
	s->ring = (bits & 2) ? (UINT64_MAX - (UINT64_C(1) << 21) - span) &
				   ~UINT64_C(15)
			     : UINT64_C(0x100000);
	s->buf = s->ring + s->ring_size;
	s->ro = s->buf + BUF_SIZE + HOLE;
	s->end = s->ro + RO_SIZE;
	r[0] = (struct cvmm_mem_range){cvmm_mem_gpa_from(s->ring), s->ring_size,
				       0};
	r[1] = (struct cvmm_mem_range){cvmm_mem_gpa_from(s->buf), BUF_SIZE, 0};
	r[2] = (struct cvmm_mem_range){cvmm_mem_gpa_from(s->ro), RO_SIZE,
				       CVMM_MEM_REGION_READONLY};
	while (gi < 4 && granules[gi] != 0 && (span / granules[gi]) > 2048)
		gi++;
	if (cvmm_mem_test_create(r, 3, gi < 4 ? granules[gi] : 0, &s->tm) != 0)
		return false;
	s->inner = cvmm_mem_test_iface(s->tm);
	s->dev.ops = &counting_ops;
	s->dev.ctx = s;
	s->mem = s->inner;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st *s = calloc(1, sizeof(*s));
	struct cvmm_vq_config cfg;
	struct cvmm_fi in;
	uint8_t bits;
	unsigned nflight;
	uint64_t k;

	if (s == NULL)
		return 0;
	cvmm_fi_init(&in, data, size);
	bits = cvmm_fi_u8(&in);
	/* Mostly small queues: a large one costs its rings at every restore. */
	k = cvmm_fi_range(&in, 0, 63);
	s->max_size = k < 56 ? 1u << (k % 9) : 1u << (k - 56 + 9);
	if (!make_memory(s, &in, bits))
		goto out;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_size = s->max_size;
	cfg.flags = (bits & 1) ? CVMM_VQ_CFG_UNCACHED : 0;
	CHECK(cvmm_vq_create(&s->dev, &cfg, &s->vq) == 0, "harness");
	s->exact = true;
	if (cvmm_fi_bool(&in)) {
		struct cvmm_vq_state st;
		struct cvmm_vqm_layout g;

		CHECK(cvmm_vqm_layout_at(cvmm_mem_gpa_from(s->ring),
					 s->max_size, true, &g, NULL) == 0,
		      "harness");
		memset(&st, 0, sizeof(st));
		st.ready = true;
		st.layout = (struct cvmm_vq_layout){
		    s->max_size, g.desc, g.avail, g.used,
		    CVMM_VQ_F_EVENT_IDX | CVMM_VQ_F_INDIRECT_DESC};
		CHECK(restore(s, &st) == 0, "restore-validates");
	}
	nflight = (unsigned)cvmm_fi_range(&in, 0, 3);
	for (unsigned i = 0; i < nflight; i++) {
		struct cvmm_fi none;

		/* Slot i, decoded from a one-byte input of value i. */
		uint8_t slot = (uint8_t)i;
		cvmm_fi_init(&none, &slot, 1);
		op_pop_keep(s, &none);
	}
	for (unsigned op = 0; op < MAX_OPS && !cvmm_fi_done(&in); op++)
		run_op(s, &in);
out:
	cvmm_vqm_destroy(s->m);
	cvmm_vq_destroy(s->vq);
	cvmm_mem_test_destroy(s->tm);
	free(s);
	return 0;
}
