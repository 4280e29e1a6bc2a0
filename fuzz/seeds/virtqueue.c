/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the virtqueue target, written with the encoder that mirrors
 * fuzz/virtqueue.c's decoder: the unit tests' interesting cases turned into
 * inputs. Valid direct, indirect and mixed chains of lengths 1..63 (and
 * tables up to 63 entries), EVENT_IDX on and off, memory in whole regions
 * and in 1-byte regions, queue size 32768, the wrap of the avail index,
 * notification suppression, save/restore, injected memory failures, and
 * one input per regression class of components/virtio-queue/tests
 * (test_regress.c): buffer across a hole (CVE-2019-18960), avail index
 * jump, queue size 0, chain total over 2^32, descriptor loop, nested
 * indirect table, zero-length indirect table, head out of range, head in
 * flight twice, overlapping descriptors, maximum queue size.
 *
 *   fuzz-seeds-virtqueue OUT_DIR
 */
#include <stdio.h>
#include <string.h>

#include "fuzz-input.h"
#include "seeds.h"

/* Operation numbers, as fuzz/virtqueue.c's run_op decodes them. */
enum {
	POP,
	NEXT,
	COLLECT,
	WALK_ALL,
	ADD_USED,
	NEEDS_NOTIF,
	ENABLE_NOTIF,
	DISABLE_NOTIF,
	SAVE_RESTORE,
	RESTORE_FUZZED,
	RESET,
	ENABLE,
	BUF_IO,
	ADD_CHAIN,
	WRITE_DESC,
	WRITE_TABLE,
	POKE,
	PUBLISH,
	GET_USED,
	SET_INDICES,
	RAW_WRITE,
	ARM,
	TICK,
	SERVE,
};

/* Config bits. */
#define UNCACHED  1u
#define PHANTOM	  2u
#define INDIRECT  4u
#define EVIDX	  8u
#define BURST_ALL (3u << 5)

/* Model fields (harness/virtqueue-model). */
enum {
	F_DESC_ADDR,
	F_DESC_LEN,
	F_DESC_FLAGS,
	F_DESC_NEXT,
	F_AVAIL_FLAGS,
	F_AVAIL_IDX,
	F_AVAIL_RING,
	F_USED_EVENT,
	F_USED_FLAGS,
	F_USED_IDX,
	F_USED_ID,
	F_USED_LEN,
	F_AVAIL_EVENT,
};

/* The standard memory: ring region, a 4 KiB buffer region right after it,
 * a hole of 4 KiB, a read-only 4 KiB region. Regions: 0 rings, 1 BUF,
 * 2 RO. */
#define NREG  3u
#define BUF   1u
#define RO    2u
#define BUFSZ 4096u

struct seed {
	struct cvmm_fo o;
	uint8_t buf[8192];
	uint32_t size;
	unsigned nreg;
};

static unsigned log2u(uint32_t v)
{
	unsigned k = 0;

	while ((1u << k) < v)
		k++;
	return k;
}

static void enc_size(struct cvmm_fo *o, uint32_t size)
{
	static const uint32_t invalid[7] = {0,	   3,	     6,		255,
					    65536, 1u << 31, UINT32_MAX};
	unsigned k = log2u(size);

	if (size != 0 && (size & (size - 1)) == 0 && k <= 8) {
		cvmm_fo_range(o, 0, 255, k);
		return;
	}
	if (size != 0 && (size & (size - 1)) == 0 && k <= 15) {
		cvmm_fo_range(o, 0, 255, 200 + (k - 9));
		return;
	}
	for (unsigned i = 0; i < 7; i++) {
		if (invalid[i] == size) {
			cvmm_fo_range(o, 0, 255, 214 + i);
			return;
		}
	}
	cvmm_fo_range(o, 0, 255, 255);
	cvmm_fo_u32(o, size);
}

/*
 * Header and the standard memory (granule index gi: 0 whole regions,
 * 1 one byte), rings contiguous at the ring region's start, max size =
 * size (or 1 << max_k when size is invalid).
 */
static void begin(struct seed *s, uint8_t bits, uint32_t size, unsigned gi,
		  unsigned max_k)
{
	bool valid = size != 0 && (size & (size - 1)) == 0 && size <= 32768;

	cvmm_fo_init(&s->o, s->buf, sizeof(s->buf));
	s->size = size;
	s->nreg = NREG;
	cvmm_fo_u8(&s->o, bits);
	enc_size(&s->o, size);
	cvmm_fo_bool(&s->o, valid);
	if (valid)
		cvmm_fo_range(&s->o, 0, 2, 0);
	else
		cvmm_fo_range(&s->o, 0, 15, max_k);
	cvmm_fo_range(&s->o, 0, 6, gi);
	cvmm_fo_range(&s->o, 0, 5, NREG - 1);
	cvmm_fo_range(&s->o, 0, 80, 16); /* slack: rings fill the region */
	/* BUF: adjacent, 4096 bytes, writable. */
	cvmm_fo_range(&s->o, 0, 3, 0);
	cvmm_fo_range(&s->o, 0, 3, 1);
	cvmm_fo_range(&s->o, 1, 4096, BUFSZ);
	cvmm_fo_bool(&s->o, false);
	/* RO: after a 4 KiB hole, 4096 bytes, read-only. */
	cvmm_fo_range(&s->o, 0, 3, 2);
	cvmm_fo_range(&s->o, 0, 3, 1);
	cvmm_fo_range(&s->o, 1, 4096, BUFSZ);
	cvmm_fo_bool(&s->o, true);
	/* Base 0x10000. */
	cvmm_fo_range(&s->o, 0, 2, 0);
	cvmm_fo_range(&s->o, 0, 65536, 0x1000);
	/* Contiguous rings at the region start. */
	cvmm_fo_range(&s->o, 0, 2, 0);
	cvmm_fo_range(&s->o, 0, 3, 0);
}

static void op(struct seed *s, unsigned n)
{
	cvmm_fo_range(&s->o, 0, 23, n);
}

static void slot(struct seed *s, unsigned k)
{
	cvmm_fo_range(&s->o, 0, 7, k);
}

/* pick_gpa: region r at offset off (mode 0). */
static void gpa_in(struct seed *s, unsigned r, uint64_t region_size,
		   uint64_t off)
{
	cvmm_fo_range(&s->o, 0, s->nreg - 1, r);
	cvmm_fo_range(&s->o, 0, 5, 0);
	cvmm_fo_range(&s->o, 0, region_size, off);
}

static void gpa_buf(struct seed *s, uint64_t off)
{
	gpa_in(s, BUF, BUFSZ, off);
}

/* pick_gpa mode 3: phantom memory (with PHANTOM set) at off. */
static void gpa_phantom(struct seed *s, uint64_t off)
{
	cvmm_fo_range(&s->o, 0, s->nreg - 1, 0);
	cvmm_fo_range(&s->o, 0, 5, 3);
	cvmm_fo_range(&s->o, 0, 1u << 24, off);
}

/* pick_gpa mode 5: a raw address. */
static void gpa_raw(struct seed *s, uint64_t gpa)
{
	cvmm_fo_range(&s->o, 0, s->nreg - 1, 0);
	cvmm_fo_range(&s->o, 0, 5, 5);
	cvmm_fo_u64(&s->o, gpa);
}

/* pick_len: exact lengths 0..64 (mode 0) or 0..8192 (mode 2). */
static void len_of(struct seed *s, uint32_t len)
{
	if (len <= 64) {
		cvmm_fo_range(&s->o, 0, 5, 0);
		cvmm_fo_range(&s->o, 0, 64, len);
	} else if (len <= 8192) {
		cvmm_fo_range(&s->o, 0, 5, 2);
		cvmm_fo_range(&s->o, 0, 8192, len);
	} else {
		cvmm_fo_range(&s->o, 0, 5, 5);
		cvmm_fo_u32(&s->o, len);
	}
}

/* pick_len mode 1: up to the end of memory, plus delta (-2..2). */
static void len_to_end(struct seed *s, int delta)
{
	cvmm_fo_range(&s->o, 0, 5, 1);
	cvmm_fo_range(&s->o, 0, 4, (uint64_t)(delta + 2));
}

static void flags_of(struct seed *s, uint16_t flags)
{
	if (flags <= 7) {
		cvmm_fo_bool(&s->o, false);
		cvmm_fo_range(&s->o, 0, 7, flags);
	} else {
		cvmm_fo_bool(&s->o, true);
		cvmm_fo_u16(&s->o, flags);
	}
}

/* pick_index with limit. */
static void index_of(struct seed *s, uint32_t limit, uint16_t v)
{
	if (limit != 0 && v < limit) {
		cvmm_fo_bool(&s->o, false);
		cvmm_fo_range(&s->o, 0, (limit - 1) & 0xffffu, v);
	} else {
		cvmm_fo_bool(&s->o, true);
		cvmm_fo_u16(&s->o, v);
	}
}

/* A buffer of a chain: in BUF at off, len bytes. */
struct b {
	uint32_t off, len;
};

/* ADD_CHAIN: nd direct buffers, nt in a table at BUF offset table_off,
 * writable from index first_w. */
static void add_chain(struct seed *s, const struct b *d, unsigned nd,
		      const struct b *t, unsigned nt, unsigned first_w,
		      uint32_t table_off)
{
	op(s, ADD_CHAIN);
	cvmm_fo_range(&s->o, 0, 63, nd);
	cvmm_fo_bool(&s->o, nt != 0);
	if (nt != 0)
		cvmm_fo_range(&s->o, 1, 63, nt);
	cvmm_fo_range(&s->o, 0, 127, first_w);
	for (unsigned i = 0; i < nd + nt; i++) {
		const struct b *x = i < nd ? &d[i] : &t[i - nd];

		gpa_buf(s, x->off);
		len_of(s, x->len);
	}
	if (nt != 0)
		gpa_buf(s, table_off);
}

/* A direct chain of n buffers of 16 bytes each (64 apart), the last w
 * writable. */
static void add_direct(struct seed *s, unsigned n, unsigned w)
{
	struct b d[63];

	for (unsigned i = 0; i < n; i++)
		d[i] = (struct b){64u * i, 16};
	add_chain(s, d, n, NULL, 0, n - w, 0);
}

static void serve(struct seed *s, unsigned k)
{
	op(s, SERVE);
	slot(s, k);
}

/* WRITE_DESC at index: buffer in BUF at off, len, flags, next. */
static void write_desc(struct seed *s, uint16_t index, uint32_t off,
		       uint32_t len, uint16_t flags, uint16_t next)
{
	op(s, WRITE_DESC);
	index_of(s, s->size, index);
	gpa_buf(s, off);
	len_of(s, len);
	flags_of(s, flags);
	index_of(s, s->size, next);
}

static void publish(struct seed *s, uint16_t head)
{
	op(s, PUBLISH);
	index_of(s, s->size, head);
}

static void poke(struct seed *s, unsigned field, uint16_t index, uint64_t value)
{
	op(s, POKE);
	cvmm_fo_range(&s->o, 0, 12, field);
	index_of(s, s->size, index);
	cvmm_fo_range(&s->o, 0, 3, 3);
	cvmm_fo_u64(&s->o, value);
}

static void add_used_slot(struct seed *s, unsigned k)
{
	op(s, ADD_USED);
	cvmm_fo_range(&s->o, 0, 3, 0);
	slot(s, k);
	cvmm_fo_range(&s->o, 0, 4, 0); /* the writable length */
}

static void walk(struct seed *s, unsigned k)
{
	op(s, WALK_ALL);
	slot(s, k);
}

static void pop(struct seed *s, unsigned k)
{
	op(s, POP);
	slot(s, k);
}

int main(int argc, char **argv)
{
	static struct seed s;
	struct seeds out;
	unsigned n = 0;

	if (seeds_open(&out, argc, argv) != 0)
		return 1;

	/* Direct chains of lengths 1..63, readable then writable, on whole
	 * and 1-byte regions, with and without EVENT_IDX. */
	{
		static const unsigned lens[] = {1, 2, 3, 4, 8, 16, 63};
		for (unsigned gi = 0; gi < 2; gi++) {
			for (unsigned e = 0; e < 2; e++) {
				for (unsigned i = 0; i < 7; i++) {
					begin(&s, (uint8_t)(e ? EVIDX : 0), 64,
					      gi, 0);
					add_direct(&s, lens[i], lens[i] / 2);
					serve(&s, 0);
					op(&s, NEEDS_NOTIF);
					op(&s, GET_USED);
					seeds_write(&out, "direct", n++, &s.o);
				}
			}
		}
	}

	/* Indirect tables of 1..63 entries, and mixed chains. */
	n = 0;
	{
		static const unsigned lens[] = {1, 2, 5, 16, 63};
		struct b t[63], d[3] = {{0, 8}, {64, 8}, {128, 8}};

		for (unsigned i = 0; i < 63; i++)
			t[i] = (struct b){2048 + 16u * i, 16};
		for (unsigned gi = 0; gi < 2; gi++) {
			for (unsigned i = 0; i < 5; i++) {
				begin(&s, INDIRECT | EVIDX, 16, gi, 0);
				add_chain(&s, NULL, 0, t, lens[i], lens[i] / 2,
					  1024);
				serve(&s, 1);
				seeds_write(&out, "indirect", n++, &s.o);
				begin(&s, INDIRECT, 16, gi, 0);
				add_chain(&s, d, 3, t, lens[i], 3, 1024);
				op(&s, COLLECT);
				slot(&s, 2);
				cvmm_fo_range(&s.o, 0, 40, 40);
				pop(&s, 2);
				op(&s, COLLECT);
				slot(&s, 2);
				cvmm_fo_range(&s.o, 0, 40, 40);
				op(&s, BUF_IO);
				slot(&s, 2);
				cvmm_fo_range(&s.o, 0, 7, 0);
				cvmm_fo_range(&s.o, 0, 16, 0);
				cvmm_fo_range(&s.o, 0, 256, 16);
				cvmm_fo_bool(&s.o, true);
				cvmm_fo_u8(&s.o, 0x5a);
				add_used_slot(&s, 2);
				seeds_write(&out, "mixed", n++, &s.o);
			}
		}
	}

	/* Many chains in flight, returned out of order; notifications. */
	n = 0;
	for (unsigned e = 0; e < 2; e++) {
		begin(&s, (uint8_t)(INDIRECT | (e ? EVIDX : 0) | BURST_ALL), 16,
		      0, 0);
		for (unsigned k = 0; k < 4; k++)
			add_direct(&s, k + 1, 1);
		op(&s, DISABLE_NOTIF);
		for (unsigned k = 0; k < 4; k++) {
			pop(&s, k);
			walk(&s, k);
		}
		for (unsigned k = 4; k > 0; k--)
			add_used_slot(&s, k - 1);
		op(&s, NEEDS_NOTIF);
		op(&s, ENABLE_NOTIF);
		op(&s, SAVE_RESTORE);
		serve(&s, 5);
		seeds_write(&out, "inflight-notify", n++, &s.o);
	}

	/* The avail index wrapping past 0xffff. */
	n = 0;
	for (unsigned e = 0; e < 2; e++) {
		begin(&s, (uint8_t)(e ? EVIDX : 0), 4, 1, 0);
		op(&s, RESTORE_FUZZED);
		cvmm_fo_bool(&s.o, true);  /* ready */
		cvmm_fo_bool(&s.o, false); /* the configured layout */
		cvmm_fo_u16(&s.o, 0xfffe);
		cvmm_fo_bool(&s.o, false);
		cvmm_fo_u16(&s.o, 0xfffe);
		cvmm_fo_bool(&s.o, true);
		op(&s, SET_INDICES);
		cvmm_fo_u16(&s.o, 0xfffe);
		cvmm_fo_u16(&s.o, 0xfffe);
		for (unsigned k = 0; k < 4; k++) {
			add_direct(&s, 1, 1);
			serve(&s, k);
			op(&s, NEEDS_NOTIF);
			op(&s, GET_USED);
		}
		seeds_write(&out, "avail-wrap", n++, &s.o);
	}

	/* The largest queue, and the largest queue with 1-byte regions
	 * (made coarser by the target). */
	n = 0;
	for (unsigned gi = 0; gi < 2; gi++) {
		begin(&s, INDIRECT | EVIDX, 32768, gi ? 1 : 0, 0);
		add_direct(&s, 2, 1);
		serve(&s, 0);
		op(&s, ENABLE_NOTIF);
		op(&s, NEEDS_NOTIF);
		seeds_write(&out, "max-queue-size-32768", n++, &s.o);
	}

	/* Save/restore round trips and refused states. */
	n = 0;
	begin(&s, EVIDX, 16, 0, 0);
	add_direct(&s, 2, 1);
	serve(&s, 0);
	op(&s, SAVE_RESTORE);
	op(&s, RESTORE_FUZZED); /* size 0 */
	cvmm_fo_bool(&s.o, true);
	cvmm_fo_bool(&s.o, true);
	cvmm_fo_bool(&s.o, true);
	enc_size(&s.o, 0);
	for (unsigned i = 0; i < 4; i++)
		cvmm_fo_bool(&s.o, false);
	cvmm_fo_u16(&s.o, 1);
	cvmm_fo_bool(&s.o, false);
	cvmm_fo_u16(&s.o, 0);
	cvmm_fo_bool(&s.o, false);
	op(&s, RESTORE_FUZZED); /* not ready, but a field set */
	cvmm_fo_bool(&s.o, false);
	cvmm_fo_bool(&s.o, true);
	cvmm_fo_range(&s.o, 1, 0xffff, 7);
	op(&s, RESET);
	op(&s, ENABLE);
	cvmm_fo_bool(&s.o, false);
	serve(&s, 1);
	seeds_write(&out, "save-restore", n++, &s.o);

	/* Injected memory failures on each of the next accesses. */
	n = 0;
	for (unsigned nth = 1; nth <= 4; nth++) {
		begin(&s, (uint8_t)(UNCACHED | INDIRECT | BURST_ALL), 8, 0, 0);
		add_direct(&s, 3, 1);
		op(&s, ARM);
		cvmm_fo_range(&s.o, 1, 8, nth);
		serve(&s, 0);
		op(&s, RESET);
		op(&s, ENABLE);
		cvmm_fo_bool(&s.o, false);
		seeds_write(&out, "fail-nth", n++, &s.o);
	}

	/* Regression classes of the unit tests. */
	/* A buffer from BUF running over its end into the hole. */
	begin(&s, 0, 8, 1, 0);
	op(&s, ADD_CHAIN);
	cvmm_fo_range(&s.o, 0, 63, 1);
	cvmm_fo_bool(&s.o, false);
	cvmm_fo_range(&s.o, 0, 127, 0);
	gpa_buf(&s, BUFSZ - 8);
	len_to_end(&s, 1);
	serve(&s, 0);
	seeds_write(&out, "regress-cve-2019-18960-buffer-across-hole", 0, &s.o);

	begin(&s, 0, 8, 0, 0);
	add_direct(&s, 1, 0);
	poke(&s, F_AVAIL_IDX, 0, 8 + 2);
	pop(&s, 0);
	seeds_write(&out, "regress-avail-index-jump", 0, &s.o);

	begin(&s, 0, 0, 0, 4);
	add_direct(&s, 1, 0);
	serve(&s, 0);
	op(&s, SAVE_RESTORE);
	seeds_write(&out, "regress-queue-size-zero", 0, &s.o);

	begin(&s, PHANTOM, 8, 0, 0);
	op(&s, ADD_CHAIN);
	cvmm_fo_range(&s.o, 0, 63, 2);
	cvmm_fo_bool(&s.o, false);
	cvmm_fo_range(&s.o, 0, 127, 2);
	for (unsigned i = 0; i < 2; i++) {
		gpa_phantom(&s, 0);
		cvmm_fo_range(&s.o, 0, 5, 3);
		cvmm_fo_range(&s.o, 0, 64, 0); /* UINT32_MAX */
	}
	serve(&s, 0);
	seeds_write(&out, "regress-chain-total-length-over-4g", 0, &s.o);

	begin(&s, 0, 8, 0, 0);
	write_desc(&s, 0, 0, 16, 1, 1);
	write_desc(&s, 1, 64, 16, 1, 0);
	publish(&s, 0);
	serve(&s, 0);
	seeds_write(&out, "regress-descriptor-loop", 0, &s.o);

	/* Nested indirect: a table whose entry is itself indirect. */
	begin(&s, INDIRECT, 8, 0, 0);
	op(&s, WRITE_TABLE);
	gpa_buf(&s, 1024);
	cvmm_fo_range(&s.o, 1, 32, 2);
	cvmm_fo_bool(&s.o, true);
	/* entry 0: a buffer with NEXT 1; entry 1: indirect to BUF 2048 */
	gpa_buf(&s, 0);
	len_of(&s, 8);
	flags_of(&s, 1);
	index_of(&s, 2, 1);
	gpa_buf(&s, 2048);
	len_of(&s, 32);
	flags_of(&s, 4);
	index_of(&s, 2, 0);
	cvmm_fo_bool(&s.o, true);  /* write the pointer */
	cvmm_fo_bool(&s.o, false); /* of 16 * n bytes */
	index_of(&s, 8, 0);
	publish(&s, 0);
	serve(&s, 0);
	seeds_write(&out, "regress-nested-indirect-table", 0, &s.o);

	begin(&s, INDIRECT, 8, 0, 0);
	write_desc(&s, 0, 1024, 0, 4, 0);
	publish(&s, 0);
	serve(&s, 0);
	seeds_write(&out, "regress-zero-length-indirect-table", 0, &s.o);

	begin(&s, 0, 8, 0, 0);
	publish(&s, 8 + 5);
	pop(&s, 0);
	seeds_write(&out, "regress-head-out-of-range", 0, &s.o);

	begin(&s, 0, 8, 0, 0);
	add_direct(&s, 1, 1);
	pop(&s, 0);
	publish(&s, 0);
	pop(&s, 1);
	seeds_write(&out, "regress-head-in-flight-twice", 0, &s.o);

	begin(&s, INDIRECT, 64, 0, 0);
	{
		struct b d[63];

		for (unsigned i = 0; i < 63; i++)
			d[i] = (struct b){0, BUFSZ};
		add_chain(&s, d, 63, NULL, 0, 32, 0);
	}
	serve(&s, 0);
	op(&s, GET_USED);
	seeds_write(&out, "regress-overlapping-descriptors-amplify-length", 0,
		    &s.o);

	/* Layout errors: misaligned rings, rings outside memory, the used
	 * ring in read-only memory. */
	n = 0;
	for (unsigned k = 0; k < 3; k++) {
		begin(&s, 0, 8, 0, 0);
		op(&s, RESET);
		op(&s, ENABLE);
		cvmm_fo_bool(&s.o, true);
		cvmm_fo_bool(&s.o, false); /* size kept */
		cvmm_fo_bool(&s.o, k == 0);
		if (k == 0)
			gpa_raw(&s, 0x10008); /* desc misaligned */
		cvmm_fo_bool(&s.o, k == 1);
		if (k == 1)
			gpa_raw(&s, 0x18000); /* avail in the hole */
		cvmm_fo_bool(&s.o, k == 2);
		if (k == 2)
			gpa_in(&s, RO, BUFSZ, 0); /* used read-only */
		cvmm_fo_bool(&s.o, false);
		serve(&s, 0);
		seeds_write(&out, "layout-error", n++, &s.o);
	}
	return seeds_close(&out);
}
