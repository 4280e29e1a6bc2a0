/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Walking a descriptor chain: one descriptor per call, read once and
 * validated as read (virtio 1.x, 2.7.5 and 2.7.5.3). The walk is bounded:
 * at most `size` descriptors of the descriptor table, then at most the
 * entry count of one indirect table; each call reads at most two
 * descriptors (an indirect descriptor and the first entry of its table).
 *
 * The rules are ring-format neutral except for how a descriptor is decoded
 * (cvmm_vq__read_desc); a packed ring would supply its own decoder and
 * reuse the rest.
 */
#include "split.h"

/* chain->priv.state bits. */
#define ST_DONE	      CVMM_VQ__CHAIN_DONE
#define ST_INDIRECT   2u
#define ST_WRITE_SEEN 4u

/* Learned ranges: from 16 KiB up to 1 TiB, naturally aligned. */
#define LEARN_MIN_SHIFT 14u
#define LEARN_MAX_SHIFT 40u

/*
 * After a buffer [addr, end) passed its check, remember the largest
 * naturally aligned block around it (16 KiB, doubling up to 1 TiB) that is
 * wholly readable and writable guest memory, so later buffers in it need no
 * call through the memory interface. Where even the smallest block is not,
 * that block is not tried again until another block is.
 */
static void learn(struct cvmm_vq *vq, uint64_t addr, uint64_t end)
{
	const uint64_t block = (addr >> LEARN_MIN_SHIFT) + 1;
	uint64_t lo = 0, hi = 0;

	if (vq->no_learn == block)
		return;
	for (unsigned shift = LEARN_MIN_SHIFT; shift <= LEARN_MAX_SHIFT;
	     shift++) {
		const uint64_t size = UINT64_C(1) << shift;
		const uint64_t start = addr & ~(size - 1);

		/* A block ending at 2^64 has no representable end. */
		if (start > UINT64_MAX - size)
			break;
		if (end > start + size)
			continue; /* the buffer sticks out: a larger block */
		if (cvmm_mem_check(&vq->mem, cvmm_mem_gpa_from(start), size,
				   CVMM_MEM_ACCESS_READ |
				       CVMM_MEM_ACCESS_WRITE) != 0)
			break;
		lo = start;
		hi = start + size;
	}
	if (hi == 0) {
		vq->no_learn = block;
		return;
	}
	vq->win[vq->win_next].start = lo;
	vq->win[vq->win_next].end = hi;
	vq->win_next ^= 1;
}

/* The slow part of check_buffer(): ask the memory interface. */
static __attribute__((noinline)) int check_slow(struct cvmm_vq *vq,
						uint64_t addr, uint64_t end,
						uint32_t len, unsigned access)
{
	int rc = cvmm_mem_check(&vq->mem, cvmm_mem_gpa_from(addr), len, access);

	if (rc == 0 && (vq->config.flags & CVMM_VQ_CFG_UNCACHED) == 0)
		learn(vq, addr, end);
	return rc;
}

/* 0 if [addr, end) (end = addr + len, not wrapped) is guest memory allowing
 * access; the memory interface's errno otherwise. */
static inline int check_buffer(struct cvmm_vq *vq, uint64_t addr, uint64_t end,
			       uint32_t len, unsigned access)
{
	if ((addr >= vq->win[0].start && end <= vq->win[0].end) ||
	    (addr >= vq->win[1].start && end <= vq->win[1].end))
		return 0;
	return check_slow(vq, addr, end, len, access);
}

static bool in_table(const struct cvmm_vq_chain *c)
{
	return (c->priv.state & ST_INDIRECT) != 0;
}

/* Switch the walk into the indirect table d points to. */
static __attribute__((noinline)) int enter_table(struct cvmm_vq *vq,
						 struct cvmm_vq_chain *c,
						 const struct cvmm_vq__desc *d)
{
	cvmm_mem_gpa table = cvmm_mem_gpa_from(d->addr), end;
	int rc;

	if (in_table(c))
		return cvmm_vq__violation(vq, -EMLINK,
					  "head %u: indirect descriptor at "
					  "entry %u of its indirect table",
					  c->head, c->priv.next);
	if (!vq->indirect)
		return cvmm_vq__violation(vq, -EOPNOTSUPP,
					  "head %u: descriptor %u is indirect",
					  c->head, c->priv.next);
	if ((d->flags & CVMM_VQ_DESC_F_NEXT) != 0)
		return cvmm_vq__violation(vq, -EPROTO,
					  "head %u: descriptor %u has INDIRECT "
					  "and NEXT (next %u)",
					  c->head, c->priv.next, d->next);
	if (d->len == 0 || d->len % CVMM_VQ_DESC_SIZE != 0)
		return cvmm_vq__violation(vq, -EBADMSG,
					  "head %u: indirect table length %u",
					  c->head, d->len);
	if (d->len / CVMM_VQ_DESC_SIZE > CVMM_VQ_MAX_SIZE)
		return cvmm_vq__violation(vq, -E2BIG,
					  "head %u: indirect table of %u "
					  "entries",
					  c->head, d->len / CVMM_VQ_DESC_SIZE);
	if (cvmm_mem_gpa_add(table, d->len, &end) != 0)
		return cvmm_vq__violation(vq, -EOVERFLOW,
					  "head %u: indirect table at 0x%llx "
					  "length %u",
					  c->head, (unsigned long long)d->addr,
					  d->len);
	/* A translation proves the table is guest memory; only when there is
	 * none is the check needed (and it names the problem). */
	c->priv.table_host =
	    cvmm_vq__host(vq, table, d->len, CVMM_MEM_ACCESS_READ, 8);
	if (c->priv.table_host == NULL) {
		rc = cvmm_mem_check(&vq->mem, table, d->len,
				    CVMM_MEM_ACCESS_READ);
		if (rc != 0)
			return cvmm_vq__violation(
			    vq, rc,
			    "head %u: indirect table at 0x%llx length %u",
			    c->head, (unsigned long long)d->addr, d->len);
	}
	c->priv.state |= ST_INDIRECT;
	c->priv.table = table;
	c->priv.table_len = d->len / CVMM_VQ_DESC_SIZE;
	c->priv.visited = 0;
	c->priv.next = 0;
	return 0;
}

/* Validate d as the chain's next buffer and advance past it. */
static inline __attribute__((always_inline)) int
take_buffer(struct cvmm_vq *vq, struct cvmm_vq_chain *c,
	    const struct cvmm_vq__desc *d, struct cvmm_vq_buf *buf)
{
	const bool writable = (d->flags & CVMM_VQ_DESC_F_WRITE) != 0;
	const uint32_t limit = in_table(c) ? c->priv.table_len : vq->size;
	cvmm_mem_gpa addr = cvmm_mem_gpa_from(d->addr), end;
	uint64_t total;
	int rc;

	if (!writable && (c->priv.state & ST_WRITE_SEEN) != 0)
		return cvmm_vq__violation(vq, -EILSEQ,
					  "head %u: descriptor %u is readable "
					  "after a writable one",
					  c->head, c->priv.next);
	if (cvmm_mem_gpa_add(addr, d->len, &end) != 0)
		return cvmm_vq__violation(vq, -EOVERFLOW,
					  "head %u: descriptor %u at 0x%llx "
					  "length %u",
					  c->head, c->priv.next,
					  (unsigned long long)d->addr, d->len);
	/* Three 32-bit terms: cannot overflow 64 bits. */
	total = (uint64_t)c->readable_len + c->writable_len + d->len;
	if (total > UINT32_MAX)
		return cvmm_vq__violation(vq, -EMSGSIZE,
					  "head %u: %llu bytes after "
					  "descriptor %u",
					  c->head, (unsigned long long)total,
					  c->priv.next);
	if ((d->flags & CVMM_VQ_DESC_F_NEXT) != 0 && d->next >= limit)
		return cvmm_vq__violation(vq, -EBADSLT,
					  "head %u: descriptor %u has next %u, "
					  "limit %u",
					  c->head, c->priv.next, d->next,
					  limit);
	rc = check_buffer(vq, addr.raw, end.raw, d->len,
			  writable ? CVMM_MEM_ACCESS_WRITE
				   : CVMM_MEM_ACCESS_READ);
	if (rc != 0)
		return cvmm_vq__violation(vq, rc,
					  "head %u: descriptor %u at 0x%llx "
					  "length %u%s",
					  c->head, c->priv.next,
					  (unsigned long long)d->addr, d->len,
					  writable ? " (device-writable)" : "");

	if ((d->flags & CVMM_VQ_DESC_F_NEXT) != 0)
		c->priv.next = d->next;
	else
		c->priv.state |= ST_DONE;
	if (writable) {
		c->priv.state |= ST_WRITE_SEEN;
		c->writable_len += d->len;
		vq->slots[c->head].writable = c->writable_len;
	} else {
		c->readable_len += d->len;
	}
	c->count++;
	buf->addr = addr;
	buf->len = d->len;
	buf->writable = writable;
	return 0;
}

/* 0 if chain can be walked further on vq. */
static int walkable(const struct cvmm_vq *vq, const struct cvmm_vq_chain *c)
{
	int rc = cvmm_vq__usable(vq);

	if (rc != 0)
		return rc;
	if (c->priv.ticket == 0 || c->head >= vq->size ||
	    vq->slots[c->head].ticket != c->priv.ticket)
		return -ESTALE;
	if ((c->priv.state & ST_DONE) != 0)
		return -ENODATA;
	return 0;
}

/* The next buffer of a walkable chain that is not done. */
static inline __attribute__((always_inline)) int
step(struct cvmm_vq *vq, struct cvmm_vq_chain *c, struct cvmm_vq_buf *buf)
{
	for (;;) {
		const bool table = in_table(c);
		const uint32_t limit = table ? c->priv.table_len : vq->size;
		struct cvmm_vq__desc d;
		int rc;

		if (c->priv.visited >= limit)
			return cvmm_vq__violation(
			    vq, -ELOOP, "head %u: more than %u descriptors%s",
			    c->head, limit,
			    table ? " in its indirect table" : "");
		rc = cvmm_vq__read_desc(
		    vq, table ? c->priv.table_host : vq->desc.host,
		    table ? c->priv.table : vq->desc.gpa, c->priv.next, &d);
		if (rc != 0)
			return cvmm_vq__memfail(vq, rc, "descriptor");
		c->priv.visited++;
		if ((d.flags & CVMM_VQ_DESC_F_INDIRECT) == 0)
			return take_buffer(vq, c, &d, buf);
		/* The indirect descriptor's own WRITE flag is ignored
		 * (virtio 1.x, 2.7.5.3.2). At most once per chain: a second
		 * one is nested and refused. */
		rc = enter_table(vq, c, &d);
		if (rc != 0)
			return rc;
	}
}

/*
 * Walk up to max buffers into bufs. One copy of the walk serves both entry
 * points (so every rule is exercised through either).
 */
static __attribute__((noinline)) int walk(struct cvmm_vq *vq,
					  struct cvmm_vq_chain *c,
					  struct cvmm_vq_buf *bufs,
					  uint32_t max, uint32_t *n)
{
	uint32_t i = 0;
	int rc = walkable(vq, c);

	while (rc == 0 && i < max && (c->priv.state & ST_DONE) == 0) {
		rc = step(vq, c, &bufs[i]);
		if (rc == 0)
			i++;
	}
	*n = i;
	return rc;
}

int cvmm_vq_chain_next(struct cvmm_vq *vq, struct cvmm_vq_chain *c,
		       struct cvmm_vq_buf *buf)
{
	uint32_t n;

	/* walk() returns 0 only after producing the one buffer asked for:
	 * a done chain is -ENODATA. */
	return walk(vq, c, buf, 1, &n);
}

int cvmm_vq_chain_collect(struct cvmm_vq *vq, struct cvmm_vq_chain *c,
			  struct cvmm_vq_buf *bufs, uint32_t max, uint32_t *n)
{
	return walk(vq, c, bufs, max, n);
}
