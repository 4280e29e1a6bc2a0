/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structure-aware fuzz input: a decoder that turns the fuzzer's bytes into
 * typed values, and the matching encoder that corpus generators use to write
 * seeds the decoder reads back exactly. Every target decodes its input into
 * structure (layouts, configurations, operation lists) through this, so that
 * every byte the fuzzer changes means something.
 *
 * Decoding is deterministic and total:
 *   - integers are little-endian, of the width asked for;
 *   - cvmm_fi_range(lo, hi) reads the fewest whole bytes that can hold
 *     hi - lo and returns lo + raw % (hi - lo + 1);
 *   - a bool is one byte's low bit;
 *   - past the end of the input every byte reads as 0, and cvmm_fi_done()
 *     turns true, so an operation loop ends.
 *
 * Ownership: the decoder borrows the input for its lifetime; the encoder
 * writes into a caller-owned buffer and never allocates.
 */
#ifndef CVMM_HARNESS_FUZZ_INPUT_H
#define CVMM_HARNESS_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cvmm_fi {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

void cvmm_fi_init(struct cvmm_fi *in, const uint8_t *data, size_t size);

/* True once every input byte has been consumed. */
bool cvmm_fi_done(const struct cvmm_fi *in);

uint8_t cvmm_fi_u8(struct cvmm_fi *in);
uint16_t cvmm_fi_u16(struct cvmm_fi *in);
uint32_t cvmm_fi_u32(struct cvmm_fi *in);
uint64_t cvmm_fi_u64(struct cvmm_fi *in);
bool cvmm_fi_bool(struct cvmm_fi *in);

/* A value in [lo, hi] (lo <= hi). */
uint64_t cvmm_fi_range(struct cvmm_fi *in, uint64_t lo, uint64_t hi);

/* Copy the next n bytes into dst (zeros past the end). */
void cvmm_fi_bytes(struct cvmm_fi *in, void *dst, size_t n);

/* The encoder: the exact inverse of the decoder. */
struct cvmm_fo {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow; /* set if a write did not fit */
};

void cvmm_fo_init(struct cvmm_fo *out, uint8_t *buf, size_t cap);
void cvmm_fo_u8(struct cvmm_fo *out, uint8_t v);
void cvmm_fo_u16(struct cvmm_fo *out, uint16_t v);
void cvmm_fo_u32(struct cvmm_fo *out, uint32_t v);
void cvmm_fo_u64(struct cvmm_fo *out, uint64_t v);
void cvmm_fo_bool(struct cvmm_fo *out, bool v);
/* Encode v (lo <= v <= hi) so cvmm_fi_range(lo, hi) decodes it. */
void cvmm_fo_range(struct cvmm_fo *out, uint64_t lo, uint64_t hi, uint64_t v);
void cvmm_fo_bytes(struct cvmm_fo *out, const void *src, size_t n);

#endif
