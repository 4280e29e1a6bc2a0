/* SPDX-License-Identifier: Apache-2.0 */
/* The guest-memory watch (mem-watch.h). */
#include "mem-watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cvmm_mw_init(struct cvmm_mw *w, size_t cap)
{
	memset(w, 0, sizeof(*w));
	if (cap != 0) {
		w->log = calloc(cap, sizeof(w->log[0]));
		if (w->log == NULL)
			return -ENOMEM;
	}
	w->cap = cap;
	cvmm_mw_clear(w);
	return 0;
}

void cvmm_mw_fini(struct cvmm_mw *w)
{
	free(w->log);
	w->log = NULL;
	w->cap = w->n = 0;
}

void cvmm_mw_clear(struct cvmm_mw *w)
{
	w->writes = 0;
	w->lo = UINT64_MAX;
	w->hi = 0;
	w->n = 0;
	w->overflow = false;
}

void cvmm_mw_attach(struct cvmm_mw *w, struct cvmm_mem_test *tm)
{
	cvmm_mem_test_set_observer(tm, cvmm_mw_observe, w);
}

void cvmm_mw_detach(struct cvmm_mem_test *tm)
{
	cvmm_mem_test_set_observer(tm, NULL, NULL);
}

void cvmm_mw_observe(void *arg, enum cvmm_mem_test_op op, cvmm_mem_gpa gpa,
		     uint64_t len, int result)
{
	struct cvmm_mw *w = arg;
	bool write = op == CVMM_MEM_TEST_WRITE || op == CVMM_MEM_TEST_TRANSLATE;
	uint64_t end;

	/* A failed access may still have been attempted: logged too. */
	(void)result;
	if (len == 0 || (!write && op != CVMM_MEM_TEST_READ))
		return;
	if (write) {
		w->writes++;
		if (__builtin_add_overflow(gpa.raw, len, &end))
			end = UINT64_MAX;
		w->lo = gpa.raw < w->lo ? gpa.raw : w->lo;
		w->hi = end > w->hi ? end : w->hi;
	}
	if (w->n == w->cap) {
		w->overflow = true; /* the log no longer holds everything */
		return;
	}
	w->log[w->n++] = (struct cvmm_mw_access){gpa.raw, len, write};
}

/* [gpa, gpa + len) inside [r.start, r.end), without forming gpa + len. */
static bool inside(uint64_t gpa, uint64_t len, const struct cvmm_mw_range *r)
{
	return gpa >= r->start && gpa <= r->end && len <= r->end - gpa;
}

bool cvmm_mw_writes_inside(const struct cvmm_mw *w,
			   const struct cvmm_mw_range *ranges, size_t n)
{
	if (w->overflow)
		return false;
	for (size_t i = 0; i < w->n; i++) {
		bool ok = !w->log[i].write;

		for (size_t k = 0; k < n && !ok; k++)
			ok = inside(w->log[i].gpa, w->log[i].len, &ranges[k]);
		if (!ok)
			return false;
	}
	return true;
}

static int by_start(const void *a, const void *b)
{
	const struct cvmm_mw_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

bool cvmm_mw_read_twice(const struct cvmm_mw *w, uint64_t *gpa)
{
	struct cvmm_mw_range *r;
	size_t n = 0;
	uint64_t reach = 0;
	bool twice = false;

	*gpa = UINT64_MAX;
	if (w->overflow)
		return true;
	r = malloc((w->n + 1) * sizeof(*r));
	if (r == NULL)
		return true;
	for (size_t i = 0; i < w->n; i++) {
		uint64_t end;

		if (w->log[i].write)
			continue;
		if (__builtin_add_overflow(w->log[i].gpa, w->log[i].len, &end))
			end = UINT64_MAX;
		r[n++] = (struct cvmm_mw_range){w->log[i].gpa, end};
	}
	/* Sorted by start, a read overlaps an earlier one exactly when it
	 * starts before the furthest end seen so far. */
	qsort(r, n, sizeof(*r), by_start);
	for (size_t i = 0; i < n && !twice; i++) {
		if (i > 0 && r[i].start < reach) {
			twice = true;
			*gpa = r[i].start;
		}
		reach = r[i].end > reach ? r[i].end : reach;
	}
	free(r);
	return twice;
}
