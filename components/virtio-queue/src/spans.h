/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The buffers of the chain being walked, as a set of disjoint guest ranges,
 * so a buffer that overlaps an earlier one of its chain is refused (the
 * chain's bytes never exceed the distinct memory it covers).
 *
 * The set lives in a pool allocated with the queue (max_size entries after
 * the sentinel at index 0), in two parts:
 *   - the run, growing up from index 1: ranges that each began at or after
 *     the end of every range before them, so they are sorted and a new
 *     such range needs no lookup at all (drivers mostly hand out buffers in
 *     address order);
 *   - an AA tree (Andersson's simplification of the red-black tree) keyed
 *     by start address, its nodes growing down from index max_size, for
 *     every other range: lookup and insert are O(log n) in the worst case
 *     whatever order the guest chooses.
 * Nothing allocates, and a range is never removed: the whole set is cleared
 * when a new chain's walk begins. Inline: it runs once per buffer on the
 * walk's hot path.
 */
#ifndef CVMM_VQ_SPANS_H
#define CVMM_VQ_SPANS_H

#include "internal.h"

/* An AA tree of n nodes is at most 2 log2(n + 1) levels deep: 32 for the
 * largest pool (32768 nodes). */
#define SPANS_MAX_DEPTH 34

/* A left child on t's level is a horizontal left link: rotate right. The
 * sentinel (index 0) has level 0, below every node. */
static inline uint16_t spans_skew(struct cvmm_vq__span *n, uint16_t t)
{
	uint16_t l = n[t].left;

	if (n[l].level != n[t].level)
		return t;
	n[t].left = n[l].right;
	n[l].right = t;
	return l;
}

/* Two horizontal right links in a row: lift the middle node. With no right
 * child, r is the sentinel, whose right is the sentinel again: level 0. */
static inline uint16_t spans_split(struct cvmm_vq__span *n, uint16_t t)
{
	uint16_t r = n[t].right;

	if (n[n[r].right].level != n[t].level)
		return t;
	n[t].right = n[r].left;
	n[r].left = t;
	n[r].level++;
	return r;
}

/* The run entry overlapping [start, end), or 0: the last entry starting
 * before end is the only candidate (the run is sorted and disjoint). */
static inline uint32_t spans_run_find(const struct cvmm_vq__spans *s,
				      uint64_t start, uint64_t end)
{
	const struct cvmm_vq__span *n = s->node;
	uint32_t lo = 1, hi = s->run + 1; /* entries [lo, hi) start < end? */

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (n[mid].start < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 1 && n[lo - 1].end > start ? lo - 1 : 0;
}

/*
 * Add the non-empty guest range [start, end) to the set. -EADDRINUSE, with
 * the range it overlaps in *hit, if it overlaps one already in the set. The
 * caller adds at most capacity ranges between two clears (a chain has at
 * most `size` buffers), so the pool never runs out.
 */
static inline int cvmm_vq__spans_add(struct cvmm_vq__spans *s, uint64_t start,
				     uint64_t end, struct cvmm_vq__span *hit)
{
	struct cvmm_vq__span *n = s->node;
	uint16_t path[SPANS_MAX_DEPTH], t = s->root, x;
	unsigned depth = 0;
	uint32_t r;

	if (start >= s->end) {
		/* At or past the end of everything: the run takes it. */
		s->run++;
		n[s->run].start = start;
		n[s->run].end = end;
		s->end = end;
		return 0;
	}
	r = spans_run_find(s, start, end);
	if (r != 0) {
		*hit = n[r];
		return -EADDRINUSE;
	}
	/* One descent both looks for an overlap and finds where the range
	 * goes: the stored ranges are disjoint, so a range that overlaps
	 * none of the nodes on its path overlaps none at all. */
	while (t != 0) {
		if (start < n[t].end && n[t].start < end) {
			*hit = n[t];
			return -EADDRINUSE;
		}
		path[depth++] = t;
		t = start < n[t].start ? n[t].left : n[t].right;
	}
	/* s->end stays: a range starting before the largest end and
	 * overlapping nothing ends before it too. */
	x = (uint16_t)(s->capacity - s->tree);
	s->tree++;
	n[x] = (struct cvmm_vq__span){start, end, 0, 0, 1};
	if (depth == 0) {
		s->root = x;
		return 0;
	}
	/* Attach, then restore the AA invariants on the way back up. */
	if (start < n[path[depth - 1]].start)
		n[path[depth - 1]].left = x;
	else
		n[path[depth - 1]].right = x;
	while (depth > 0) {
		uint16_t old = path[--depth];
		uint16_t top = spans_split(n, spans_skew(n, old));

		if (depth == 0)
			s->root = top;
		else if (n[path[depth - 1]].left == old)
			n[path[depth - 1]].left = top;
		else
			n[path[depth - 1]].right = top;
	}
	return 0;
}

static inline void cvmm_vq__spans_clear(struct cvmm_vq__spans *s)
{
	s->run = 0;
	s->tree = 0;
	s->root = 0;
	s->end = 0;
}

#endif
