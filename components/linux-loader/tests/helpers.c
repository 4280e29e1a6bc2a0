/* SPDX-License-Identifier: Apache-2.0 */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void observe(void *arg, enum cvmm_mem_test_op op, cvmm_mem_gpa gpa,
		    uint64_t len, int result)
{
	struct watch *w = arg;
	bool inside = false;

	(void)result;
	if ((op != CVMM_MEM_TEST_WRITE && op != CVMM_MEM_TEST_TRANSLATE) ||
	    len == 0)
		return;
	w->writes++;
	for (unsigned i = 0; i < w->n; i++)
		if (gpa.raw >= w->start[i] && gpa.raw <= w->end[i] &&
		    len <= w->end[i] - gpa.raw)
			inside = true;
	if (!inside && w->strays++ == 0)
		w->first_stray = gpa.raw;
	if (gpa.raw < w->lo)
		w->lo = gpa.raw;
	if (gpa.raw + len > w->hi)
		w->hi = gpa.raw + len;
}

void watch_start(struct watch *w, struct cvmm_mem_test *tm)
{
	memset(w, 0, sizeof(*w));
	w->lo = UINT64_MAX;
	cvmm_mem_test_set_observer(tm, observe, w);
}

void watch_allow(struct watch *w, uint64_t start, uint64_t size)
{
	if (w->n < WATCH_MAX_RANGES) {
		w->start[w->n] = start;
		w->end[w->n] = start + size;
		w->n++;
	}
}

static int failing_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	struct failing_source *fs = ctx;

	if (++fs->reads == fs->nth)
		return fs->err;
	return fs->inner.ops->read(fs->inner.ctx, off, dst, len);
}

static const struct cvmm_ll_source_ops failing_ops = {.read = failing_read};

struct cvmm_ll_source failing_source(struct failing_source *fs,
				     struct cvmm_ll_source inner, uint64_t nth,
				     int err)
{
	struct cvmm_ll_source src = {&failing_ops, fs, inner.size};

	fs->inner = inner;
	fs->nth = nth;
	fs->reads = 0;
	fs->err = err;
	return src;
}

uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}
