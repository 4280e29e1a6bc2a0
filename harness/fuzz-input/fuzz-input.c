/* SPDX-License-Identifier: Apache-2.0 */
#include "fuzz-input.h"

#include <string.h>

void cvmm_fi_init(struct cvmm_fi *in, const uint8_t *data, size_t size)
{
	in->data = data;
	in->size = size;
	in->pos = 0;
}

bool cvmm_fi_done(const struct cvmm_fi *in)
{
	return in->pos >= in->size;
}

static uint64_t le(struct cvmm_fi *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		uint64_t b = in->pos < in->size ? in->data[in->pos++] : 0;
		v |= b << (8 * i);
	}
	return v;
}

uint8_t cvmm_fi_u8(struct cvmm_fi *in)
{
	return (uint8_t)le(in, 1);
}

uint16_t cvmm_fi_u16(struct cvmm_fi *in)
{
	return (uint16_t)le(in, 2);
}

uint32_t cvmm_fi_u32(struct cvmm_fi *in)
{
	return (uint32_t)le(in, 4);
}

uint64_t cvmm_fi_u64(struct cvmm_fi *in)
{
	return le(in, 8);
}

bool cvmm_fi_bool(struct cvmm_fi *in)
{
	return (le(in, 1) & 1) != 0;
}

/* Bytes needed to hold span (0 for span 0). */
static unsigned width(uint64_t span)
{
	unsigned w = 0;

	for (; span != 0; span >>= 8)
		w++;
	return w;
}

uint64_t cvmm_fi_range(struct cvmm_fi *in, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo, raw = le(in, width(span));

	return span == UINT64_MAX ? raw : lo + raw % (span + 1);
}

void cvmm_fi_bytes(struct cvmm_fi *in, void *dst, size_t n)
{
	uint8_t *d = dst;

	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)le(in, 1);
}

void cvmm_fo_init(struct cvmm_fo *out, uint8_t *buf, size_t cap)
{
	out->buf = buf;
	out->cap = cap;
	out->len = 0;
	out->overflow = false;
}

static void put(struct cvmm_fo *out, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++, v >>= 8) {
		if (out->len == out->cap) {
			out->overflow = true;
			return;
		}
		out->buf[out->len++] = (uint8_t)(v & 0xff);
	}
}

void cvmm_fo_u8(struct cvmm_fo *out, uint8_t v)
{
	put(out, v, 1);
}

void cvmm_fo_u16(struct cvmm_fo *out, uint16_t v)
{
	put(out, v, 2);
}

void cvmm_fo_u32(struct cvmm_fo *out, uint32_t v)
{
	put(out, v, 4);
}

void cvmm_fo_u64(struct cvmm_fo *out, uint64_t v)
{
	put(out, v, 8);
}

void cvmm_fo_bool(struct cvmm_fo *out, bool v)
{
	put(out, v ? 1 : 0, 1);
}

void cvmm_fo_range(struct cvmm_fo *out, uint64_t lo, uint64_t hi, uint64_t v)
{
	put(out, v - lo, width(hi - lo));
}

void cvmm_fo_bytes(struct cvmm_fo *out, const void *src, size_t n)
{
	const uint8_t *s = src;

	for (size_t i = 0; i < n; i++)
		put(out, s[i], 1);
}
