/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The buffers of the chain being walked, as a set of disjoint guest ranges,
 * so a buffer that overlaps an earlier one of its chain is refused (the
 * chain's bytes never exceed the distinct memory it covers).
 *
 * An AA tree (Andersson's simplification of the red-black tree) keyed by
 * start address, in a node pool allocated with the queue: lookup and insert
 * are O(log n) in the worst case whatever order the guest chooses, and
 * nothing allocates. Nodes are never removed one by one; the whole set is
 * cleared when a new chain's walk begins.
 */
#include "internal.h"

static uint16_t skew(struct cvmm_vq__span *n, uint16_t t)
{
	uint16_t l = n[t].left;

	/* A left child on t's level is a horizontal left link: rotate. The
	 * sentinel (index 0) has level 0, below every node. */
	if (n[l].level != n[t].level)
		return t;
	n[t].left = n[l].right;
	n[l].right = t;
	return l;
}

static uint16_t split(struct cvmm_vq__span *n, uint16_t t)
{
	uint16_t r = n[t].right;

	/* Two horizontal right links in a row: lift the middle node. */
	if (r == 0 || n[n[r].right].level != n[t].level)
		return t;
	n[t].right = n[r].left;
	n[r].left = t;
	n[r].level++;
	return r;
}

/* Insert node x into the subtree t; returns the subtree's new root. The
 * recursion is as deep as the tree: at most 2 log2(n + 1) levels. */
static uint16_t insert(struct cvmm_vq__span *n, uint16_t t, uint16_t x)
{
	if (t == 0)
		return x;
	if (n[x].start < n[t].start)
		n[t].left = insert(n, n[t].left, x);
	else
		n[t].right = insert(n, n[t].right, x);
	return split(n, skew(n, t));
}

int cvmm_vq__spans_add(struct cvmm_vq__spans *s, uint64_t start, uint64_t end,
		       struct cvmm_vq__span *hit)
{
	struct cvmm_vq__span *n = s->node;
	uint16_t t = s->root, x;

	/* The stored ranges are disjoint, so one descent finds any range
	 * the new one overlaps. */
	while (t != 0) {
		if (end <= n[t].start) {
			t = n[t].left;
		} else if (start >= n[t].end) {
			t = n[t].right;
		} else {
			*hit = n[t];
			return -EADDRINUSE;
		}
	}
	x = (uint16_t)++s->used;
	n[x] = (struct cvmm_vq__span){start, end, 0, 0, 1};
	s->root = insert(n, s->root, x);
	return 0;
}
