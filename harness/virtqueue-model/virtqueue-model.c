/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver-side split virtqueue model. Its bookkeeping (free list, which
 * descriptors each outstanding chain holds) lives in host memory, never in
 * the rings, so hostile writes into the rings cannot confuse the model.
 */
#include "virtqueue-model.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZE 32768u
#define NONE	 0xffffffffu

struct cvmm_vqm {
	struct cvmm_mem mem;
	struct cvmm_vqm_layout layout;
	uint16_t avail_idx; /* published by the model */
	uint16_t last_used; /* next used entry to read */
	uint32_t free_head; /* first free descriptor, NONE if none */
	uint32_t num_free;
	uint32_t *free_next;  /* free list links */
	uint32_t *chain_next; /* per descriptor: next of its chain, NONE */
	uint32_t *chain_len;  /* per head: descriptors held, 0 = not out */
};

static bool is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int cvmm_vqm_layout_at(cvmm_mem_gpa base, uint32_t size, bool event_idx,
		       struct cvmm_vqm_layout *out, uint64_t *bytes)
{
	uint64_t ev = event_idx ? 2 : 0, desc, avail, used, end;

	if (out == NULL || !is_pow2(size) || size > MAX_SIZE)
		return -EINVAL;
	/* Everything below stays under 2^20 past base.raw. */
	if (base.raw > UINT64_MAX - (UINT64_C(1) << 21))
		return -EOVERFLOW;
	desc = align_up(base.raw, 16);
	avail = desc + 16 * (uint64_t)size;
	used = align_up(avail + 4 + 2 * (uint64_t)size + ev, 4);
	end = used + 4 + 8 * (uint64_t)size + ev;
	out->size = size;
	out->desc = cvmm_mem_gpa_from(desc);
	out->avail = cvmm_mem_gpa_from(avail);
	out->used = cvmm_mem_gpa_from(used);
	out->event_idx = event_idx;
	if (bytes != NULL)
		*bytes = end - base.raw;
	return 0;
}

static void le_put(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		b[i] = (uint8_t)(v & 0xff);
}

static uint64_t le_get(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i > 0; i--)
		v = (v << 8) | b[i - 1];
	return v;
}

int cvmm_vqm_write_desc(const struct cvmm_mem *mem, cvmm_mem_gpa table,
			uint64_t index, const struct cvmm_vqm_desc *d)
{
	cvmm_mem_gpa gpa;
	uint8_t b[16];
	int rc = cvmm_mem_gpa_index(table, index, 16, &gpa);

	if (rc != 0)
		return rc;
	le_put(b, d->addr, 8);
	le_put(b + 8, d->len, 4);
	le_put(b + 12, d->flags, 2);
	le_put(b + 14, d->next, 2);
	return cvmm_mem_write(mem, gpa, b, sizeof(b));
}

int cvmm_vqm_read_desc(const struct cvmm_mem *mem, cvmm_mem_gpa table,
		       uint64_t index, struct cvmm_vqm_desc *d)
{
	cvmm_mem_gpa gpa;
	uint8_t b[16];
	int rc = cvmm_mem_gpa_index(table, index, 16, &gpa);

	if (rc == 0)
		rc = cvmm_mem_read(mem, gpa, b, sizeof(b));
	if (rc != 0)
		return rc;
	d->addr = le_get(b, 8);
	d->len = (uint32_t)le_get(b + 8, 4);
	d->flags = (uint16_t)le_get(b + 12, 2);
	d->next = (uint16_t)le_get(b + 14, 2);
	return 0;
}

int cvmm_vqm_field_gpa(const struct cvmm_vqm *m, enum cvmm_vqm_field field,
		       uint64_t index, cvmm_mem_gpa *gpa, unsigned *width)
{
	const struct cvmm_vqm_layout *l = &m->layout;
	const uint64_t size = l->size;
	cvmm_mem_gpa base, at;
	uint64_t off;
	unsigned w = 2;
	int rc;

	switch (field) {
	case CVMM_VQM_DESC_ADDR:
	case CVMM_VQM_DESC_LEN:
	case CVMM_VQM_DESC_FLAGS:
	case CVMM_VQM_DESC_NEXT_IDX:
		rc = cvmm_mem_gpa_index(l->desc, index, 16, &base);
		if (rc != 0)
			return rc;
		off = field == CVMM_VQM_DESC_ADDR    ? 0
		      : field == CVMM_VQM_DESC_LEN   ? 8
		      : field == CVMM_VQM_DESC_FLAGS ? 12
						     : 14;
		w = field == CVMM_VQM_DESC_ADDR	 ? 8
		    : field == CVMM_VQM_DESC_LEN ? 4
						 : 2;
		break;
	case CVMM_VQM_AVAIL_FLAGS:
		base = l->avail, off = 0;
		break;
	case CVMM_VQM_AVAIL_IDX:
		base = l->avail, off = 2;
		break;
	case CVMM_VQM_AVAIL_RING:
		rc = cvmm_mem_gpa_index(l->avail, index, 2, &base);
		if (rc != 0)
			return rc;
		off = 4;
		break;
	case CVMM_VQM_USED_EVENT:
		base = l->avail, off = 4 + 2 * size;
		break;
	case CVMM_VQM_USED_FLAGS:
		base = l->used, off = 0;
		break;
	case CVMM_VQM_USED_IDX:
		base = l->used, off = 2;
		break;
	case CVMM_VQM_USED_ID:
	case CVMM_VQM_USED_LEN:
		rc = cvmm_mem_gpa_index(l->used, index, 8, &base);
		if (rc != 0)
			return rc;
		off = field == CVMM_VQM_USED_ID ? 4 : 8;
		w = 4;
		break;
	case CVMM_VQM_AVAIL_EVENT:
		base = l->used, off = 4 + 8 * size;
		break;
	default:
		return -EINVAL;
	}
	rc = cvmm_mem_gpa_add(base, off, &at);
	if (rc != 0)
		return rc;
	*gpa = at;
	*width = w;
	return 0;
}

int cvmm_vqm_poke(struct cvmm_vqm *m, enum cvmm_vqm_field field, uint64_t index,
		  uint64_t value)
{
	cvmm_mem_gpa gpa;
	unsigned w;
	uint8_t b[8];
	int rc = cvmm_vqm_field_gpa(m, field, index, &gpa, &w);

	if (rc != 0)
		return rc;
	le_put(b, value, w);
	return cvmm_mem_write(&m->mem, gpa, b, w);
}

int cvmm_vqm_peek(struct cvmm_vqm *m, enum cvmm_vqm_field field, uint64_t index,
		  uint64_t *value)
{
	cvmm_mem_gpa gpa;
	unsigned w;
	uint8_t b[8];
	int rc = cvmm_vqm_field_gpa(m, field, index, &gpa, &w);

	if (rc == 0)
		rc = cvmm_mem_read(&m->mem, gpa, b, w);
	if (rc == 0)
		*value = le_get(b, w);
	return rc;
}

/* Zero [gpa, gpa + len) in small writes (no buffer sized by len). */
static int zero(const struct cvmm_mem *mem, cvmm_mem_gpa gpa, uint64_t len)
{
	static const uint8_t zeros[256];

	while (len != 0) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		int rc = cvmm_mem_write(mem, gpa, zeros, n);

		if (rc != 0)
			return rc;
		gpa.raw += n;
		len -= n;
	}
	return 0;
}

int cvmm_vqm_create(const struct cvmm_mem *mem,
		    const struct cvmm_vqm_layout *layout, struct cvmm_vqm **out)
{
	uint64_t ev, size;
	struct cvmm_vqm *m;
	int rc;

	if (mem == NULL || layout == NULL || out == NULL ||
	    !is_pow2(layout->size) || layout->size > MAX_SIZE)
		return -EINVAL;
	size = layout->size;
	ev = layout->event_idx ? 2 : 0;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->free_next = calloc(size, sizeof(uint32_t));
	m->chain_next = calloc(size, sizeof(uint32_t));
	m->chain_len = calloc(size, sizeof(uint32_t));
	if (m->free_next == NULL || m->chain_next == NULL ||
	    m->chain_len == NULL) {
		cvmm_vqm_destroy(m);
		return -ENOMEM;
	}
	m->mem = *mem;
	m->layout = *layout;
	for (uint32_t i = 0; i < size; i++) {
		m->free_next[i] = i + 1 < size ? i + 1 : NONE;
		m->chain_next[i] = NONE;
	}
	m->free_head = 0;
	m->num_free = (uint32_t)size;
	rc = zero(mem, layout->desc, 16 * size);
	if (rc == 0)
		rc = zero(mem, layout->avail, 4 + 2 * size + ev);
	if (rc == 0)
		rc = zero(mem, layout->used, 4 + 8 * size + ev);
	if (rc != 0) {
		cvmm_vqm_destroy(m);
		return rc;
	}
	*out = m;
	return 0;
}

void cvmm_vqm_destroy(struct cvmm_vqm *m)
{
	if (m == NULL)
		return;
	free(m->free_next);
	free(m->chain_next);
	free(m->chain_len);
	free(m);
}

const struct cvmm_vqm_layout *cvmm_vqm_get_layout(const struct cvmm_vqm *m)
{
	return &m->layout;
}

uint32_t cvmm_vqm_num_free(const struct cvmm_vqm *m)
{
	return m->num_free;
}

uint16_t cvmm_vqm_avail_idx(const struct cvmm_vqm *m)
{
	return m->avail_idx;
}

static uint32_t take_free(struct cvmm_vqm *m)
{
	uint32_t i = m->free_head;

	m->free_head = m->free_next[i];
	m->num_free--;
	return i;
}

static void put_free(struct cvmm_vqm *m, uint32_t i)
{
	m->free_next[i] = m->free_head;
	m->free_head = i;
	m->num_free++;
}

static struct cvmm_vqm_desc desc_of(const struct cvmm_vqm_buf *b)
{
	struct cvmm_vqm_desc d = {
	    b->addr.raw, b->len,
	    (uint16_t)(b->writable ? CVMM_VQM_DESC_WRITE : 0), 0};
	return d;
}

int cvmm_vqm_set_indices(struct cvmm_vqm *m, uint16_t avail_idx,
			 uint16_t used_idx)
{
	int rc;

	if (m->num_free != m->layout.size)
		return -EBUSY;
	rc = cvmm_vqm_poke(m, CVMM_VQM_AVAIL_IDX, 0, avail_idx);
	if (rc == 0)
		rc = cvmm_vqm_poke(m, CVMM_VQM_USED_IDX, 0, used_idx);
	if (rc == 0) {
		m->avail_idx = avail_idx;
		m->last_used = used_idx;
	}
	return rc;
}

int cvmm_vqm_publish(struct cvmm_vqm *m, uint16_t head)
{
	uint16_t slot = (uint16_t)(m->avail_idx & (m->layout.size - 1));
	uint16_t idx = (uint16_t)(m->avail_idx + 1);
	cvmm_mem_gpa gpa;
	unsigned w;
	int rc = cvmm_vqm_poke(m, CVMM_VQM_AVAIL_RING, slot, head);

	if (rc != 0)
		return rc;
	rc = cvmm_vqm_field_gpa(m, CVMM_VQM_AVAIL_IDX, 0, &gpa, &w);
	if (rc == 0)
		rc = cvmm_mem_write_le16_release(&m->mem, gpa, idx);
	if (rc == 0)
		m->avail_idx = idx;
	return rc;
}

int cvmm_vqm_add(struct cvmm_vqm *m, const struct cvmm_vqm_chain *c,
		 uint16_t *head)
{
	uint32_t need, first = NONE, prev = NONE;
	int rc = 0;

	if (m == NULL || c == NULL || head == NULL ||
	    (c->ndirect != 0 && c->direct == NULL) ||
	    (c->nindirect != 0 && c->indirect == NULL))
		return -EINVAL;
	need = c->ndirect + (c->nindirect != 0 ? 1 : 0);
	if (need == 0 || c->ndirect > MAX_SIZE || c->nindirect > MAX_SIZE)
		return -EINVAL;
	if (need > m->num_free)
		return -ENOSPC;
	/* The indirect table first: it is not the model's to free. */
	for (uint32_t i = 0; i < c->nindirect && rc == 0; i++) {
		struct cvmm_vqm_desc d = desc_of(&c->indirect[i]);

		if (i + 1 < c->nindirect) {
			d.flags |= CVMM_VQM_DESC_NEXT;
			d.next = (uint16_t)(i + 1);
		}
		rc = cvmm_vqm_write_desc(&m->mem, c->table, i, &d);
	}
	if (rc != 0)
		return rc;
	/* Direct descriptors, then the indirect one, each linked from the
	 * previous; written back to front so each knows its next. Take the
	 * slots first. */
	for (uint32_t i = 0; i < need; i++) {
		uint32_t s = take_free(m);

		if (first == NONE)
			first = s;
		else
			m->chain_next[prev] = s;
		m->chain_next[s] = NONE;
		prev = s;
	}
	{
		uint32_t s = first;

		for (uint32_t i = 0; i < need && rc == 0; i++) {
			struct cvmm_vqm_desc d;

			if (i < c->ndirect) {
				d = desc_of(&c->direct[i]);
			} else {
				d.addr = c->table.raw;
				d.len = 16 * c->nindirect;
				d.flags = CVMM_VQM_DESC_INDIRECT;
				d.next = 0;
			}
			if (m->chain_next[s] != NONE) {
				d.flags |= CVMM_VQM_DESC_NEXT;
				d.next = (uint16_t)m->chain_next[s];
			}
			rc =
			    cvmm_vqm_write_desc(&m->mem, m->layout.desc, s, &d);
			s = m->chain_next[s];
		}
	}
	if (rc == 0)
		rc = cvmm_vqm_publish(m, (uint16_t)first);
	if (rc != 0) {
		/* Give the slots back; the chain was never published. */
		for (uint32_t s = first, n; s != NONE; s = n) {
			n = m->chain_next[s];
			m->chain_next[s] = NONE;
			put_free(m, s);
		}
		return rc;
	}
	m->chain_len[first] = need;
	*head = (uint16_t)first;
	return 0;
}

int cvmm_vqm_add_direct(struct cvmm_vqm *m, const struct cvmm_vqm_buf *bufs,
			uint32_t n, uint16_t *head)
{
	struct cvmm_vqm_chain c = {bufs, n, NULL, 0, {0}};

	return cvmm_vqm_add(m, &c, head);
}

int cvmm_vqm_add_indirect(struct cvmm_vqm *m, const struct cvmm_vqm_buf *bufs,
			  uint32_t n, cvmm_mem_gpa table, uint16_t *head)
{
	struct cvmm_vqm_chain c = {NULL, 0, bufs, n, table};

	if (n == 0)
		return -EINVAL;
	return cvmm_vqm_add(m, &c, head);
}

int cvmm_vqm_get_used(struct cvmm_vqm *m, uint16_t *id, uint32_t *len)
{
	uint16_t idx, slot, jump;
	uint64_t v_id, v_len;
	cvmm_mem_gpa gpa;
	unsigned w;
	int rc = cvmm_vqm_field_gpa(m, CVMM_VQM_USED_IDX, 0, &gpa, &w);

	if (rc == 0)
		rc = cvmm_mem_read_le16_acquire(&m->mem, gpa, &idx);
	if (rc != 0)
		return rc;
	if (idx == m->last_used)
		return -EAGAIN;
	slot = (uint16_t)(m->last_used & (m->layout.size - 1));
	rc = cvmm_vqm_peek(m, CVMM_VQM_USED_ID, slot, &v_id);
	if (rc == 0)
		rc = cvmm_vqm_peek(m, CVMM_VQM_USED_LEN, slot, &v_len);
	if (rc != 0)
		return rc;
	*id = (uint16_t)v_id;
	*len = (uint32_t)v_len;
	jump = (uint16_t)(idx - m->last_used);
	/* The entry is consumed even when it is wrong. */
	m->last_used = (uint16_t)(m->last_used + 1);
	if (jump > m->layout.size || v_id >= m->layout.size ||
	    m->chain_len[v_id] == 0)
		return -EPROTO;
	for (uint32_t s = (uint32_t)v_id, n; s != NONE; s = n) {
		n = m->chain_next[s];
		m->chain_next[s] = NONE;
		put_free(m, s);
	}
	m->chain_len[v_id] = 0;
	return 0;
}

int cvmm_vqm_kick_needed(struct cvmm_vqm *m, uint16_t old, bool *kick)
{
	uint64_t v;
	int rc;

	atomic_thread_fence(memory_order_seq_cst);
	if (m->layout.event_idx) {
		uint16_t now = m->avail_idx;

		rc = cvmm_vqm_peek(m, CVMM_VQM_AVAIL_EVENT, 0, &v);
		if (rc == 0)
			*kick = (uint16_t)(now - (uint16_t)v - 1) <
				(uint16_t)(now - old);
		return rc;
	}
	rc = cvmm_vqm_peek(m, CVMM_VQM_USED_FLAGS, 0, &v);
	if (rc == 0)
		*kick = (v & CVMM_VQM_USED_NO_NOTIFY) == 0;
	return rc;
}
