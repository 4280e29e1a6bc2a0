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

/* Rate limiter state for violation reports. */
struct cvmm_vq__ratelimit {
	uint64_t window_start;
	uint32_t in_window;
	uint32_t suppressed;
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

	uint32_t inflight;
	uint32_t ticket; /* last ticket handed out; never 0 once used */
	struct cvmm_vq__slot slots[];
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
    __attribute__((format(printf, 3, 4)));

/* The rate-limited log, without breaking anything. */
void cvmm_vq__log(struct cvmm_vq *vq, int err, const char *msg);

/* Split-ring accesses (split.c). Each returns 0 or the backend's errno. */
int cvmm_vq__read_avail_idx(struct cvmm_vq *vq, uint16_t *idx);
int cvmm_vq__read_avail_head(struct cvmm_vq *vq, uint16_t slot, uint16_t *head);
int cvmm_vq__read_avail_flags(struct cvmm_vq *vq, uint16_t *flags);
int cvmm_vq__read_used_event(struct cvmm_vq *vq, uint16_t *event);
int cvmm_vq__write_used(struct cvmm_vq *vq, uint16_t slot, uint32_t id,
			uint32_t len);
int cvmm_vq__write_used_idx(struct cvmm_vq *vq, uint16_t idx);
int cvmm_vq__write_used_flags(struct cvmm_vq *vq, uint16_t flags);
int cvmm_vq__write_avail_event(struct cvmm_vq *vq, uint16_t event);
int cvmm_vq__read_desc(struct cvmm_vq *vq, const uint8_t *host,
		       cvmm_mem_gpa table, uint32_t index,
		       struct cvmm_vq__desc *out);

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
int cvmm_vq__memfail(struct cvmm_vq *vq, int err, const char *what);

/* True if head is in flight. head must be < size. */
static inline bool cvmm_vq__in_flight(const struct cvmm_vq *vq, uint32_t head)
{
	return vq->slots[head].ticket != 0;
}

#endif
