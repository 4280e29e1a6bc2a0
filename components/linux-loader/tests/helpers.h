/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers shared by the linux-loader tests. */
#ifndef CVMM_LL_TEST_HELPERS_H
#define CVMM_LL_TEST_HELPERS_H

#include <cvmm/mem-test.h>
#include <cvmm/ll.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Records every write (and every translation, which the loader only asks
 * for to write) through a test backend, and whether any fell outside the
 * allowed ranges.
 */
#define WATCH_MAX_RANGES 80

struct watch {
	uint64_t start[WATCH_MAX_RANGES];
	uint64_t end[WATCH_MAX_RANGES];
	unsigned n;
	uint64_t writes; /* writes and translations seen */
	uint64_t strays; /* of which outside every allowed range */
	uint64_t first_stray;
	uint64_t lo, hi; /* hull of everything written */
};

/* Reset w and install it as tm's observer. */
void watch_start(struct watch *w, struct cvmm_mem_test *tm);

/* Allow [start, start + size). */
void watch_allow(struct watch *w, uint64_t start, uint64_t size);

/* A source that fails its nth read (1 = the first) with err. */
struct failing_source {
	struct cvmm_ll_source inner;
	uint64_t nth;
	uint64_t reads;
	int err;
};
struct cvmm_ll_source failing_source(struct failing_source *fs,
				     struct cvmm_ll_source inner, uint64_t nth,
				     int err);

/* Read a whole file into a malloc'ed buffer; NULL on failure. */
uint8_t *read_file(const char *path, size_t *len);

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static inline void set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void set32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void set64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
