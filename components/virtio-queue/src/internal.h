/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to virtio-queue: the queue object and the helpers its files share
 * (prefix cvmm_vq__). Nothing here is exported.
 */
#ifndef CVMM_VQ_INTERNAL_H
#define CVMM_VQ_INTERNAL_H

#include <cvmm/virtqueue.h>

#include <stdatomic.h>
#include <string.h>

/*
 * Per-head record, one per possible head (max_size of them). ticket != 0
 * means the head is in flight: it is the number of the pop that took it,
 * which the chain carries too, so a stale chain is recognized. writable is
 * the sum of the writable buffers the device has walked, the bound of
 * cvmm_vq_add_used().
 */
struct cvmm_vq__slot {
	uint32_t ticket;
	uint32_t writable;
};

/* A ring: its guest address and, when usable directly, its host address. */
struct cvmm_vq__ring {
	cvmm_mem_gpa gpa;
	uint8_t *host;
};

/*
 * A guest range [start, end) that cvmm_mem_check() found readable and
 * writable, so buffers inside it need no new check. Empty: start
 * UINT64_MAX, end 0 (contains nothing, not even a zero-length range).
 */
struct cvmm_vq__window {
	uint64_t start;
	uint64_t end;
};

/*
 * A node of the set of buffers of the chain being walked (spans.h): the
 * guest range [start, end) and its AA-tree links. Index 0 of the pool is
 * the sentinel (level 0); nodes are 1..used.
 */
struct cvmm_vq__span {
	uint64_t start;
	uint64_t end;
	uint16_t left;
	uint16_t right;
	uint16_t level;
};

struct cvmm_vq__spans {
	struct cvmm_vq__span *node; /* capacity + 1 entries, with the queue */
	uint32_t capacity;	    /* max_size */
	uint32_t run;		    /* entries 1..run: the sorted run */
	uint32_t tree;		    /* entries capacity - tree + 1..capacity */
	uint16_t root;		    /* the tree's root, 0 when empty */
	uint64_t end;		    /* the largest end in the set, 0 if empty */
};

/* Rate limiter state for violation reports. */
struct cvmm_vq__ratelimit {
	uint64_t window_start;
	uint32_t in_window;
	uint64_t suppressed; /* cannot wrap: one per violation */
	bool started;
};

struct cvmm_vq {
	struct cvmm_mem mem;
	struct cvmm_vq_config config;
	struct cvmm_vq__ratelimit rl;

	bool ready;
	int broken; /* the violation's errno, or 0 */

	/* Valid while ready. */
	struct cvmm_vq_layout layout;
	uint32_t size;
	uint32_t mask; /* size - 1 */
	bool event_idx;
	bool indirect;
	struct cvmm_vq__ring desc;
	struct cvmm_vq__ring avail;
	struct cvmm_vq__ring used;

	uint16_t next_avail;
	uint16_t next_used;
	/* The avail index last read: chains up to it need no new read. */
	uint16_t shadow_avail;
	uint16_t signalled_used;
	bool signalled_used_valid;

	/* Memory ranges learned from buffer checks (not with
	 * CVMM_VQ_CFG_UNCACHED); forgotten at enable, restore and reset. */
	struct cvmm_vq__window win[2];
	uint32_t win_next;
	uint64_t no_learn; /* 1 + the 16-KiB block learning failed in */

	/* The chain being walked (its ticket, 0 for none) and its buffers:
	 * one chain's walk at a time, see cvmm_vq_chain_next(). */
	uint32_t walker;
	struct cvmm_vq__spans spans;

	uint32_t inflight;
	uint64_t pops;	 /* chains popped since create */
	uint32_t ticket; /* the last pop's ticket */
	/* max_size slots; the span pool follows them, hence the alignment. */
	_Alignas(struct cvmm_vq__span) struct cvmm_vq__slot slots[];
};

/* One split-ring (or indirect table) descriptor, decoded. */
struct cvmm_vq__desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/*
 * Mark the queue broken with err and report it (rate limited). Returns err,
 * so a caller can write `return cvmm_vq__violation(...)`.
 */
int cvmm_vq__violation(struct cvmm_vq *vq, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), cold));

/* Validate a layout against max_size and guest memory, and resolve the
 * rings' host pointers into desc/avail/used (queue.c). */
int cvmm_vq__check_layout(struct cvmm_vq *vq,
			  const struct cvmm_vq_layout *layout,
			  struct cvmm_vq__ring rings[3]);

/* A host pointer to [gpa, gpa + len) if the queue may use one and the range
 * is in one region with host alignment align; NULL otherwise. */
uint8_t *cvmm_vq__host(const struct cvmm_vq *vq, cvmm_mem_gpa gpa, uint64_t len,
		       unsigned access, uint64_t align);

/* 0 if the queue can be operated on: -EIO if broken, -ENODEV if not
 * ready. */
static inline int cvmm_vq__usable(const struct cvmm_vq *vq)
{
	if (vq->broken != 0)
		return -EIO;
	return vq->ready ? 0 : -ENODEV;
}

/* Break the queue on a failed ring access (the backend's errno). */
int cvmm_vq__memfail(struct cvmm_vq *vq, int err, const char *what)
    __attribute__((cold));

/* Forget every learned memory range. */
static inline void cvmm_vq__forget_memory(struct cvmm_vq *vq)
{
	for (int i = 0; i < 2; i++) {
		vq->win[i].start = UINT64_MAX;
		vq->win[i].end = 0;
	}
	vq->win_next = 0;
	vq->no_learn = 0;
}

/* True if head is in flight. head must be < size. */
static inline bool cvmm_vq__in_flight(const struct cvmm_vq *vq, uint32_t head)
{
	return vq->slots[head].ticket != 0;
}

#endif
