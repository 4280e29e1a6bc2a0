/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the virtqueue-state target, written with the encoder that
 * mirrors fuzz/virtqueue-state.c's decoder: good states with every feature
 * combination followed by driver/device cycles, indices at the 16-bit wrap,
 * and one state per refusal rule of cvmm_vq_restore() (size 0, above the
 * maximum, not a power of two, each ring misaligned, across the end of
 * memory, in a hole, read-only used ring, at the top of the address space,
 * next_used != next_avail, a not-ready state with a field set), restored
 * over a ready queue with chains in flight.
 *
 *   fuzz-seeds-virtqueue-state OUT_DIR
 */
#include <stdio.h>

#include "fuzz-input.h"
#include "seeds.h"

enum {
	CYCLE,
	CYCLE2,
	RESTORE,
	ROUNDTRIP,
	RESET,
	NEEDS,
	POP_KEEP,
	ENABLE_N,
	HOSTILE
};

/* decode_size kinds, decode_ring kinds, decode_index kinds. */
enum { S_MAX, S_MAX2, S_POW2, S_ZERO, S_TWICE, S_PLUS1, S_SMALL, S_RAW };
enum { R_GOOD, R_GOOD2, R_MISALIGN, R_END, R_RO, R_HOLE, R_TOP, R_RAW };
enum { I_NEAR, I_AROUND, I_TOP, I_RAW };

struct ring {
	unsigned kind;
	uint64_t v;
};

struct state {
	bool ready;
	unsigned features; /* 0..3: bits 28-29 */
	unsigned size_kind;
	uint64_t size_v;
	struct ring r[3];
	unsigned na_kind;
	uint64_t na_v;
	bool nu_same;
	unsigned nu_kind;
	uint64_t nu_v;
	unsigned su_kind;
	uint64_t su_v;
	bool su_valid;
};

static void enc_size(struct cvmm_fo *o, unsigned kind, uint64_t v)
{
	cvmm_fo_range(o, 0, 7, kind);
	if (kind == S_POW2)
		cvmm_fo_range(o, 0, 15, v);
	else if (kind == S_SMALL)
		cvmm_fo_range(o, 0, 65536, v);
	else if (kind == S_RAW)
		cvmm_fo_u32(o, (uint32_t)v);
}

static void enc_ring(struct cvmm_fo *o, const struct ring *r)
{
	cvmm_fo_range(o, 0, 7, r->kind);
	switch (r->kind) {
	case R_MISALIGN:
		cvmm_fo_range(o, 1, 15, r->v);
		break;
	case R_END:
		cvmm_fo_range(o, 0, 16, r->v);
		break;
	case R_RO:
		cvmm_fo_range(o, 0, 1024, r->v);
		break;
	case R_HOLE:
		cvmm_fo_range(o, 0, 1024, r->v);
		break;
	case R_TOP:
		cvmm_fo_range(o, 0, 4096, r->v);
		break;
	case R_RAW:
		cvmm_fo_u64(o, r->v);
		break;
	default:
		break;
	}
}

static void enc_index(struct cvmm_fo *o, unsigned kind, uint64_t v)
{
	cvmm_fo_range(o, 0, 3, kind);
	if (kind == I_AROUND)
		cvmm_fo_range(o, 0, 4, v);
	else if (kind == I_TOP)
		cvmm_fo_range(o, 0, 3, v);
	else if (kind == I_RAW)
		cvmm_fo_u16(o, (uint16_t)v);
}

static void enc_state(struct cvmm_fo *o, const struct state *s)
{
	cvmm_fo_range(o, 0, 7, s->ready ? 1 : 0);
	if (!s->ready) {
		/* Not ready: size_kind is the "one field set" kind 0..3. */
		cvmm_fo_range(o, 0, 3, s->size_kind);
		if (s->size_kind == 2)
			cvmm_fo_u16(o, (uint16_t)s->size_v);
		return;
	}
	cvmm_fo_range(o, 0, 3, s->features);
	cvmm_fo_bool(o, false);
	enc_size(o, s->size_kind, s->size_v);
	for (int i = 0; i < 3; i++)
		enc_ring(o, &s->r[i]);
	enc_index(o, s->na_kind, s->na_v);
	cvmm_fo_range(o, 0, 3, s->nu_same ? 1 : 0);
	if (!s->nu_same)
		enc_index(o, s->nu_kind, s->nu_v);
	enc_index(o, s->su_kind, s->su_v);
	cvmm_fo_bool(o, s->su_valid);
}

/* A good state: the contiguous layout for the maximum size, indices as
 * the target knows them. */
static struct state good(unsigned features)
{
	struct state s = {0};

	s.ready = true;
	s.features = features;
	s.size_kind = S_MAX;
	s.nu_same = true;
	s.su_kind = I_NEAR;
	s.su_valid = true;
	return s;
}

/* Header: bits, max size index (0..63), slack, enable first, chains in
 * flight. */
static void header(struct cvmm_fo *o, uint8_t *buf, size_t cap, uint8_t bits,
		   unsigned max_k, bool enable, unsigned nflight)
{
	cvmm_fo_init(o, buf, cap);
	cvmm_fo_u8(o, bits);
	cvmm_fo_range(o, 0, 63, max_k);
	cvmm_fo_range(o, 0, 64, 32); /* slack 0: the rings fill the region */
	cvmm_fo_bool(o, enable);
	cvmm_fo_range(o, 0, 3, nflight);
}

static void op(struct cvmm_fo *o, unsigned n)
{
	cvmm_fo_range(o, 0, 8, n);
}

/* CYCLE with n buffers (last w writable) of 16 bytes, 64 bytes into their
 * slots (the target gives buffer i the i-th 1-KiB slot of BUF). */
static void cycle(struct cvmm_fo *o, unsigned n, unsigned w)
{
	op(o, CYCLE);
	cvmm_fo_range(o, 1, 4, n);
	cvmm_fo_range(o, 0, n, w);
	for (unsigned i = 0; i < n; i++) {
		cvmm_fo_range(o, 0, 512, 64);
		cvmm_fo_range(o, 0, 512, 16);
	}
	cvmm_fo_range(o, 0, 16 * w, 16 * w); /* all of it written */
}

static void restore(struct cvmm_fo *o, const struct state *s)
{
	op(o, RESTORE);
	enc_state(o, s);
}

int main(int argc, char **argv)
{
	static uint8_t buf[4096];
	struct cvmm_fo o;
	struct seeds out;
	unsigned n = 0;

	if (seeds_open(&out, argc, argv) != 0)
		return 1;

	/* Good states with every feature combination, sizes 1..256 and
	 * 32768, memory whole and in 1-byte regions, then cycles. */
	{
		static const unsigned ks[] = {0, 2, 4, 8, 62};
		for (unsigned f = 0; f < 4; f++) {
			for (unsigned i = 0; i < 5; i++) {
				uint8_t bits = (uint8_t)((i & 1) ? 4 : 0);
				struct state s = good(f);

				header(&o, buf, sizeof(buf), bits, ks[i], false,
				       0);
				restore(&o, &s);
				for (unsigned c = 0; c < 3; c++) {
					cycle(&o, c + 1, c);
					op(&o, NEEDS);
				}
				op(&o, ROUNDTRIP);
				op(&o, ENABLE_N);
				seeds_write(&out, "good", n++, &o);
			}
		}
	}

	/* Indices at the 16-bit wrap, EVENT_IDX, signalled_used around. */
	n = 0;
	for (unsigned v = 0; v < 2; v++) {
		struct state s = good(3);

		s.na_kind = I_TOP;
		s.na_v = 1;
		s.su_kind = I_AROUND;
		s.su_v = 1;
		s.su_valid = v != 0;
		header(&o, buf, sizeof(buf), 0, 3, false, 0);
		restore(&o, &s);
		for (unsigned c = 0; c < 4; c++) {
			cycle(&o, 1, 1);
			op(&o, NEEDS);
		}
		op(&o, ROUNDTRIP);
		seeds_write(&out, "index-wrap", n++, &o);
	}

	/* One state per refusal rule, restored over a ready queue with
	 * chains in flight. */
	n = 0;
	{
		struct state bad[16];
		unsigned nb = 0;

		bad[nb] = good(0), bad[nb].size_kind = S_ZERO, nb++;
		bad[nb] = good(0), bad[nb].size_kind = S_TWICE, nb++;
		bad[nb] = good(0), bad[nb].size_kind = S_PLUS1, nb++;
		bad[nb] = good(0), bad[nb].size_kind = S_RAW,
		bad[nb].size_v = 65536, nb++;
		for (int r = 0; r < 3; r++) {
			bad[nb] = good(3);
			bad[nb].r[r] = (struct ring){R_MISALIGN, 1};
			nb++;
			bad[nb] = good(3);
			bad[nb].r[r] = (struct ring){R_END, 9};
			nb++;
		}
		bad[nb] = good(0), bad[nb].r[2] = (struct ring){R_RO, 0}, nb++;
		bad[nb] = good(0), bad[nb].r[1] = (struct ring){R_HOLE, 0},
		nb++;
		bad[nb] = good(0), bad[nb].r[0] = (struct ring){R_TOP, 0}, nb++;
		bad[nb] = good(0), bad[nb].nu_same = false,
		bad[nb].nu_kind = I_AROUND, bad[nb].nu_v = 3, nb++;
		bad[nb] = good(0), bad[nb].ready = false, bad[nb].size_kind = 1,
		nb++;
		for (unsigned i = 0; i < nb; i++) {
			header(&o, buf, sizeof(buf), 0, 3, true, 3);
			restore(&o, &bad[i]);
			cycle(&o, 2, 1);
			seeds_write(&out, "refused", n++, &o);
		}
	}

	/* Accepted edge states: rings ending exactly at the end of memory
	 * (read-only memory is readable: desc and avail may lie there). */
	n = 0;
	for (int r = 0; r < 2; r++) {
		struct state s = good(1);

		s.r[r] = (struct ring){R_END, 8};
		header(&o, buf, sizeof(buf), 0, 2, false, 0);
		restore(&o, &s);
		cycle(&o, 1, 0);
		seeds_write(&out, "end-of-memory", n++, &o);
	}

	/* Resets, hostile avail index, restore of the saved state over
	 * chains in flight, near the top of the address space. */
	header(&o, buf, sizeof(buf), 2 | 1, 4, true, 2);
	op(&o, ROUNDTRIP);
	op(&o, HOSTILE);
	cvmm_fo_u16(&o, 0x7fff);
	cycle(&o, 1, 1);
	op(&o, RESET);
	op(&o, NEEDS);
	{
		struct state s = good(2);
		restore(&o, &s);
	}
	op(&o, POP_KEEP);
	cvmm_fo_range(&o, 0, 3, 1);
	op(&o, ROUNDTRIP);
	seeds_write(&out, "sequence", 0, &o);
	return seeds_close(&out);
}
