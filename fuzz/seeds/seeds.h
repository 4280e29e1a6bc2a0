/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing seed files for the corpus generators (fuzz/seeds/<target>.c). A
 * generator encodes inputs with harness/fuzz-input's encoder, the inverse of
 * the decoder its target uses, and names each file <what>-<n>.
 */
#ifndef CVMM_FUZZ_SEEDS_H
#define CVMM_FUZZ_SEEDS_H

#include <stdio.h>

#include "fuzz-input.h"

struct seeds {
	const char *dir;
	unsigned written;
	int failed;
};

/* Take the output directory from argv[1]; -1 with a usage message if none. */
static inline int seeds_open(struct seeds *s, int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return -1;
	}
	s->dir = argv[1];
	s->written = 0;
	s->failed = 0;
	return 0;
}

static inline void seeds_write(struct seeds *s, const char *what, unsigned n,
			       const struct cvmm_fo *o)
{
	char path[4096];
	FILE *f;

	if (o->overflow) {
		fprintf(stderr, "seed %s-%u does not fit its buffer\n", what,
			n);
		s->failed = 1;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s-%u", s->dir, what, n);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(o->buf, 1, o->len, f) != o->len) {
		fprintf(stderr, "cannot write %s\n", path);
		s->failed = 1;
	} else {
		s->written++;
	}
	if (f != NULL)
		fclose(f);
}

/* Report and return the exit status. */
static inline int seeds_close(const struct seeds *s)
{
	printf("wrote %u seeds to %s\n", s->written, s->dir);
	return s->failed;
}

#endif
