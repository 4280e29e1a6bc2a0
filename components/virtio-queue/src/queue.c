/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The queue: creation, layout validation, ready/reset, popping heads from
 * the avail ring, returning them through the used ring, notification
 * suppression, and saving/restoring state.
 */
#include "spans.h"
#include "split.h"

#include <stdint.h>
#include <stdlib.h>

static bool is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

int cvmm_vq_create(const struct cvmm_mem *mem,
		   const struct cvmm_vq_config *config, struct cvmm_vq **out)
{
	struct cvmm_vq *vq;

	if (mem == NULL || mem->ops == NULL || config == NULL || out == NULL ||
	    !is_pow2(config->max_size) || config->max_size > CVMM_VQ_MAX_SIZE)
		return -EINVAL;
	/* Sized by the VMM's maximum, never by anything the guest chooses:
	 * a slot per head, then the span pool (a node per buffer of the
	 * longest chain, max_size, plus the sentinel) last, so an overrun
	 * would leave the allocation rather than corrupt the slots. */
	vq = calloc(1,
		    sizeof(*vq) + config->max_size * sizeof(vq->slots[0]) +
			(config->max_size + 1) * sizeof(struct cvmm_vq__span));
	if (vq == NULL)
		return -ENOMEM;
	vq->spans.node =
	    (struct cvmm_vq__span *)(void *)&vq->slots[config->max_size];
	vq->spans.capacity = config->max_size;
	vq->mem = *mem;
	vq->config = *config;
	cvmm_vq__forget_memory(vq);
	*out = vq;
	return 0;
}

void cvmm_vq_destroy(struct cvmm_vq *vq)
{
	free(vq);
}

uint8_t *cvmm_vq__host(const struct cvmm_vq *vq, cvmm_mem_gpa gpa, uint64_t len,
		       unsigned access, uint64_t align)
{
	void *host;

	if ((vq->config.flags & CVMM_VQ_CFG_UNCACHED) != 0 ||
	    cvmm_mem_translate(&vq->mem, gpa, len, access, &host) != 0 ||
	    ((uintptr_t)host & (align - 1)) != 0)
		return NULL;
	return host;
}

int cvmm_vq__check_layout(struct cvmm_vq *vq,
			  const struct cvmm_vq_layout *layout,
			  struct cvmm_vq__ring rings[3])
{
	const uint32_t size = layout->size;
	const bool ev = (layout->features & CVMM_VQ_F_EVENT_IDX) != 0;
	const struct {
		cvmm_mem_gpa gpa;
		uint64_t len, align;
		unsigned access;
	} r[3] = {
	    {layout->desc, cvmm_vq_desc_bytes(size), CVMM_VQ_DESC_ALIGN,
	     CVMM_MEM_ACCESS_READ},
	    {layout->avail, cvmm_vq_avail_bytes(size, ev), CVMM_VQ_AVAIL_ALIGN,
	     CVMM_MEM_ACCESS_READ},
	    {layout->used, cvmm_vq_used_bytes(size, ev), CVMM_VQ_USED_ALIGN,
	     CVMM_MEM_ACCESS_READ | CVMM_MEM_ACCESS_WRITE},
	};
	/* Host alignment the accessors in split.h need. */
	static const uint64_t host_align[3] = {8, 2, 4};

	if (!is_pow2(size) || size > vq->config.max_size)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (!cvmm_mem_gpa_is_aligned(r[i].gpa, r[i].align))
			return -EDOM;
	}
	for (int i = 0; i < 3; i++) {
		cvmm_mem_gpa end;
		int rc = cvmm_mem_gpa_add(r[i].gpa, r[i].len, &end);

		if (rc == 0)
			rc = cvmm_mem_check(&vq->mem, r[i].gpa, r[i].len,
					    r[i].access);
		if (rc != 0)
			return rc;
	}
	for (int i = 0; i < 3; i++) {
		rings[i].gpa = r[i].gpa;
		rings[i].host = cvmm_vq__host(vq, r[i].gpa, r[i].len,
					      r[i].access, host_align[i]);
	}
	return 0;
}

/* Make the queue ready with a validated layout; indices at 0. */
static void apply(struct cvmm_vq *vq, const struct cvmm_vq_layout *layout,
		  const struct cvmm_vq__ring rings[3])
{
	vq->layout = *layout;
	vq->size = layout->size;
	vq->mask = layout->size - 1;
	vq->event_idx = (layout->features & CVMM_VQ_F_EVENT_IDX) != 0;
	vq->indirect = (layout->features & CVMM_VQ_F_INDIRECT_DESC) != 0;
	vq->desc = rings[0];
	vq->avail = rings[1];
	vq->used = rings[2];
	vq->next_avail = vq->next_used = vq->shadow_avail = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	cvmm_vq__forget_memory(vq);
	vq->ready = true;
}

int cvmm_vq_enable(struct cvmm_vq *vq, const struct cvmm_vq_layout *layout)
{
	struct cvmm_vq__ring rings[3];
	int rc;

	if (vq->broken != 0)
		return -EIO;
	if (vq->ready)
		return -EALREADY;
	rc = cvmm_vq__check_layout(vq, layout, rings);
	if (rc == 0)
		apply(vq, layout, rings);
	return rc;
}

void cvmm_vq_reset(struct cvmm_vq *vq)
{
	/* Only heads below the current size can be in flight. The ticket
	 * counter is kept, so no chain from before the reset matches a new
	 * one. */
	memset(vq->slots, 0, vq->size * sizeof(vq->slots[0]));
	memset(&vq->layout, 0, sizeof(vq->layout));
	memset(&vq->desc, 0, sizeof(vq->desc));
	memset(&vq->avail, 0, sizeof(vq->avail));
	memset(&vq->used, 0, sizeof(vq->used));
	vq->size = vq->mask = 0;
	vq->event_idx = vq->indirect = false;
	vq->next_avail = vq->next_used = vq->shadow_avail = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->inflight = 0;
	vq->walker = 0;
	cvmm_vq__spans_clear(&vq->spans);
	cvmm_vq__forget_memory(vq);
	vq->ready = false;
	vq->broken = 0;
}

bool cvmm_vq_is_ready(const struct cvmm_vq *vq)
{
	return vq->ready;
}

bool cvmm_vq_is_broken(const struct cvmm_vq *vq)
{
	return vq->broken != 0;
}

int cvmm_vq_broken_error(const struct cvmm_vq *vq)
{
	return vq->broken;
}

uint32_t cvmm_vq_size(const struct cvmm_vq *vq)
{
	return vq->size;
}

uint32_t cvmm_vq_max_size(const struct cvmm_vq *vq)
{
	return vq->config.max_size;
}

uint32_t cvmm_vq_inflight(const struct cvmm_vq *vq)
{
	return vq->inflight;
}

int cvmm_vq__memfail(struct cvmm_vq *vq, int err, const char *what)
{
	return cvmm_vq__violation(vq, err, "guest memory access failed: %s",
				  what);
}

/* Ask the driver to notify the device of the next chain, then read the
 * avail index again into *idx. */
static int arm_notification(struct cvmm_vq *vq, uint16_t *idx)
{
	int rc;

	if (vq->event_idx)
		rc = cvmm_vq__write_avail_event(vq, vq->next_avail);
	else
		rc = cvmm_vq__write_used_flags(vq, 0);
	if (rc != 0)
		return cvmm_vq__memfail(vq, rc, "notification suppression");
	/* The store above must be visible before the avail idx is read
	 * again, or a chain added meanwhile could go unnoticed. */
	atomic_thread_fence(memory_order_seq_cst);
	rc = cvmm_vq__read_avail_idx(vq, idx);
	if (rc != 0)
		return cvmm_vq__memfail(vq, rc, "avail idx");
	return 0;
}

int cvmm_vq_pop(struct cvmm_vq *vq, struct cvmm_vq_chain *chain)
{
	uint16_t head, slot;
	int rc = cvmm_vq__usable(vq);

	if (rc != 0)
		return rc;
	if (vq->next_avail == vq->shadow_avail) {
		uint16_t idx, pending;

		rc = cvmm_vq__read_avail_idx(vq, &idx);
		if (rc != 0)
			return cvmm_vq__memfail(vq, rc, "avail idx");
		if (idx == vq->next_avail) {
			/* Empty: the device will wait for a notification, so
			 * ask for one (a driver with VIRTIO_F_EVENT_IDX
			 * notifies only when avail_event says so), then look
			 * again for a chain added before the request was
			 * visible, which would otherwise never be notified. */
			rc = arm_notification(vq, &idx);
			if (rc != 0)
				return rc;
			if (idx == vq->next_avail)
				return -EAGAIN;
		}
		pending = (uint16_t)(idx - vq->next_avail);
		if (pending > vq->size)
			return cvmm_vq__violation(
			    vq, -ENOSPC,
			    "avail idx %u, last consumed %u, queue size %u",
			    idx, vq->next_avail, vq->size);
		vq->shadow_avail = idx;
	}
	slot = (uint16_t)(vq->next_avail & vq->mask);
	rc = cvmm_vq__read_avail_head(vq, slot, &head);
	if (rc != 0)
		return cvmm_vq__memfail(vq, rc, "avail ring");
	if (head >= vq->size)
		return cvmm_vq__violation(vq, -ERANGE,
					  "head %u in avail slot %u, size %u",
					  head, slot, vq->size);
	if (cvmm_vq__in_flight(vq, head))
		return cvmm_vq__violation(vq, -EBUSY,
					  "head %u in avail slot %u is already "
					  "in flight",
					  head, slot);
	/* Tickets are odd, so never 0 ("not in flight"), and repeat only
	 * after 2^31 pops. */
	vq->pops++;
	vq->ticket = (uint32_t)((vq->pops << 1) | 1);
	vq->slots[head].ticket = vq->ticket;
	vq->slots[head].writable = 0;
	vq->inflight++;
	vq->next_avail = (uint16_t)(vq->next_avail + 1);

	memset(chain, 0, sizeof(*chain));
	chain->head = head;
	chain->priv.owner = vq;
	chain->priv.ticket = vq->ticket;
	chain->priv.next = head;
	return 0;
}

int cvmm_vq_add_used(struct cvmm_vq *vq, uint16_t head, uint32_t len)
{
	uint16_t next;
	int rc = cvmm_vq__usable(vq);

	if (rc != 0)
		return rc;
	if (head >= vq->size || !cvmm_vq__in_flight(vq, head))
		return -ENOENT;
	if (len > vq->slots[head].writable)
		return -ENOBUFS;
	rc = cvmm_vq__write_used(vq, (uint16_t)(vq->next_used & vq->mask), head,
				 len);
	if (rc != 0)
		return cvmm_vq__memfail(vq, rc, "used ring");
	next = (uint16_t)(vq->next_used + 1);
	rc = cvmm_vq__write_used_idx(vq, next);
	if (rc != 0)
		return cvmm_vq__memfail(vq, rc, "used idx");
	vq->next_used = next;
	vq->slots[head].ticket = 0;
	vq->inflight--;
	return 0;
}

int cvmm_vq_needs_notification(struct cvmm_vq *vq, bool *notify)
{
	uint16_t old, now, v;
	bool valid;
	int rc = cvmm_vq__usable(vq);

	if (rc != 0)
		return rc;
	/* The used idx store must be visible before the driver's field is
	 * read (store-load ordering, a full fence). */
	atomic_thread_fence(memory_order_seq_cst);
	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	now = vq->next_used;
	vq->signalled_used = now;
	vq->signalled_used_valid = true;
	if (now == old) {
		*notify = false;
		return 0;
	}
	if (vq->event_idx) {
		if (!valid) {
			*notify = true;
			return 0;
		}
		rc = cvmm_vq__read_used_event(vq, &v);
		if (rc != 0)
			return cvmm_vq__memfail(vq, rc, "used_event");
		/* vring_need_event(): did [old, now) cross used_event? */
		*notify = (uint16_t)(now - v - 1) < (uint16_t)(now - old);
		return 0;
	}
	rc = cvmm_vq__read_avail_flags(vq, &v);
	if (rc != 0)
		return cvmm_vq__memfail(vq, rc, "avail flags");
	*notify = (v & CVMM_VQ_AVAIL_F_NO_INTERRUPT) == 0;
	return 0;
}

int cvmm_vq_enable_notification(struct cvmm_vq *vq, bool *pending)
{
	uint16_t idx = 0;
	int rc = cvmm_vq__usable(vq);

	if (rc != 0)
		return rc;
	rc = arm_notification(vq, &idx);
	if (rc != 0)
		return rc;
	*pending = idx != vq->next_avail;
	return 0;
}

int cvmm_vq_disable_notification(struct cvmm_vq *vq)
{
	int rc = cvmm_vq__usable(vq);

	if (rc != 0 || vq->event_idx)
		return rc;
	rc = cvmm_vq__write_used_flags(vq, CVMM_VQ_USED_F_NO_NOTIFY);
	if (rc != 0)
		return cvmm_vq__memfail(vq, rc, "notification suppression");
	return 0;
}

int cvmm_vq_save(const struct cvmm_vq *vq, struct cvmm_vq_state *state)
{
	if (vq->broken != 0)
		return -EIO;
	if (vq->inflight != 0)
		return -EINPROGRESS;
	memset(state, 0, sizeof(*state));
	if (!vq->ready)
		return 0;
	state->ready = true;
	state->layout = vq->layout;
	state->next_avail = vq->next_avail;
	state->next_used = vq->next_used;
	state->signalled_used = vq->signalled_used;
	state->signalled_used_valid = vq->signalled_used_valid;
	return 0;
}

/* A not-ready state carries nothing: every field must be zero. */
static bool state_is_empty(const struct cvmm_vq_state *s)
{
	return s->layout.size == 0 && s->layout.desc.raw == 0 &&
	       s->layout.avail.raw == 0 && s->layout.used.raw == 0 &&
	       s->layout.features == 0 && s->next_avail == 0 &&
	       s->next_used == 0 && s->signalled_used == 0 &&
	       !s->signalled_used_valid;
}

int cvmm_vq_restore(struct cvmm_vq *vq, const struct cvmm_vq_state *state)
{
	struct cvmm_vq__ring rings[3];
	int rc;

	if (!state->ready) {
		if (!state_is_empty(state))
			return -EINVAL;
		cvmm_vq_reset(vq);
		return 0;
	}
	/* Size first: nothing below runs with an unvalidated size. */
	rc = cvmm_vq__check_layout(vq, &state->layout, rings);
	if (rc != 0)
		return rc;
	if (state->next_used != state->next_avail)
		return -EINVAL;
	cvmm_vq_reset(vq);
	apply(vq, &state->layout, rings);
	vq->next_avail = vq->shadow_avail = state->next_avail;
	vq->next_used = state->next_used;
	vq->signalled_used = state->signalled_used;
	vq->signalled_used_valid = state->signalled_used_valid;
	return 0;
}
