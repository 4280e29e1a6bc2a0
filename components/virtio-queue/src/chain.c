/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Walking a descriptor chain: one descriptor per call, read once and
 * validated as read (virtio 1.x, 2.7.5 and 2.7.5.3). The walk is bounded:
 * at most `size` descriptors of the descriptor table, then at most the
 * entry count of one indirect table, and at most `size` buffers in all (a
 * driver must not make a chain longer than the queue size, 2.7.5.3.1);
 * each call reads at most two descriptors (an indirect descriptor and the
 * first entry of its table). The buffers of the chain being walked are kept
 * in the queue's span set, so one that overlaps another is refused.
 *
 * The rules are ring-format neutral except for how a descriptor is decoded
 * (cvmm_vq__read_desc); a packed ring would supply its own decoder and
 * reuse the rest.
 */
#include "spans.h"
#include "split.h"

/* chain->priv.state bits. */
#define ST_DONE	      CVMM_VQ__CHAIN_DONE
#define ST_INDIRECT   2u
#define ST_WRITE_SEEN 4u
#define ST_STARTED    8u /* the walk has begun: the span set is this chain's */

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

/* An indirect table the walk enters. */
struct table {
	cvmm_mem_gpa gpa;
	const uint8_t *host;
	uint32_t entries;
};

/*
 * Validate the indirect descriptor d (at index `at` of the chain of head;
 * nested if the walk is already in a table) and describe its table in *t.
 * d comes by value so the walk's copy never has its address taken.
 */
static __attribute__((noinline)) int
enter_table(struct cvmm_vq *vq, uint16_t head, uint16_t at, bool nested,
	    struct cvmm_vq__desc d, struct table *t)
{
	cvmm_mem_gpa table = cvmm_mem_gpa_from(d.addr), end;
	int rc;

	if (nested)
		return cvmm_vq__violation(vq, -EMLINK,
					  "head %u: indirect descriptor at "
					  "entry %u of its indirect table",
					  head, at);
	if (!vq->indirect)
		return cvmm_vq__violation(vq, -EOPNOTSUPP,
					  "head %u: descriptor %u is indirect",
					  head, at);
	if ((d.flags & CVMM_VQ_DESC_F_NEXT) != 0)
		return cvmm_vq__violation(vq, -EPROTO,
					  "head %u: descriptor %u has INDIRECT "
					  "and NEXT (next %u)",
					  head, at, d.next);
	if (d.len == 0 || d.len % CVMM_VQ_DESC_SIZE != 0)
		return cvmm_vq__violation(vq, -EBADMSG,
					  "head %u: indirect table length %u",
					  head, d.len);
	if (d.len / CVMM_VQ_DESC_SIZE > CVMM_VQ_MAX_SIZE)
		return cvmm_vq__violation(vq, -E2BIG,
					  "head %u: indirect table of %u "
					  "entries",
					  head, d.len / CVMM_VQ_DESC_SIZE);
	if (cvmm_mem_gpa_add(table, d.len, &end) != 0)
		return cvmm_vq__violation(vq, -EOVERFLOW,
					  "head %u: indirect table at 0x%llx "
					  "length %u",
					  head, (unsigned long long)d.addr,
					  d.len);
	/* A translation proves the table is guest memory; only when there is
	 * none is the check needed (and it names the problem). */
	t->host = cvmm_vq__host(vq, table, d.len, CVMM_MEM_ACCESS_READ, 8);
	if (t->host == NULL) {
		rc = cvmm_mem_check(&vq->mem, table, d.len,
				    CVMM_MEM_ACCESS_READ);
		if (rc != 0)
			return cvmm_vq__violation(
			    vq, rc,
			    "head %u: indirect table at 0x%llx length %u", head,
			    (unsigned long long)d.addr, d.len);
	}
	t->gpa = table;
	t->entries = d.len / CVMM_VQ_DESC_SIZE;
	return 0;
}

/* 0 if chain can be walked further on vq. */
static int walkable(const struct cvmm_vq *vq, const struct cvmm_vq_chain *c)
{
	int rc = cvmm_vq__usable(vq);

	if (rc != 0)
		return rc;
	if (c->priv.owner != vq || c->priv.ticket == 0 || c->head >= vq->size ||
	    vq->slots[c->head].ticket != c->priv.ticket)
		return -ESTALE;
	if ((c->priv.state & ST_DONE) != 0)
		return -ENODATA;
	return 0;
}

/*
 * Walk up to max buffers of a walkable chain into bufs. The walk's position
 * lives in locals (registers) and is written back at the end. Each
 * iteration reads one descriptor and either returns a buffer, enters the
 * indirect table (once: a second is nested and refused) or stops on a
 * violation, so the loop runs at most max + 1 times.
 */
static int walk_from(struct cvmm_vq *vq, struct cvmm_vq_chain *c,
		     struct cvmm_vq_buf *bufs, uint32_t max, uint32_t *n)
{
	const uint16_t head = c->head;
	uint16_t state = c->priv.state, next = c->priv.next;
	uint32_t visited = c->priv.visited;
	uint32_t readable = c->readable_len, writable_len = c->writable_len;
	uint32_t count = c->count;
	cvmm_mem_gpa table = vq->desc.gpa;
	const uint8_t *host = vq->desc.host;
	uint32_t limit = vq->size, i = 0;
	int rc = 0;

	if ((state & ST_INDIRECT) != 0) {
		table = c->priv.table;
		host = c->priv.table_host;
		limit = c->priv.table_len;
	}
	while (i < max && (state & ST_DONE) == 0) {
		struct cvmm_vq__desc d;
		cvmm_mem_gpa addr, end;
		uint64_t total;
		bool writable;

		if (visited >= limit) {
			rc = cvmm_vq__violation(
			    vq, -ELOOP, "head %u: more than %u descriptors%s",
			    head, limit,
			    (state & ST_INDIRECT) != 0
				? " in its indirect table"
				: "");
			break;
		}
		if (count >= vq->size) {
			rc = cvmm_vq__violation(vq, -ELOOP,
						"head %u: more than %u buffers",
						head, vq->size);
			break;
		}
		rc = cvmm_vq__read_desc(vq, host, table, next, &d);
		if (rc != 0) {
			rc = cvmm_vq__memfail(vq, rc, "descriptor");
			break;
		}
		visited++;
		if ((d.flags & CVMM_VQ_DESC_F_INDIRECT) != 0) {
			/* Its own WRITE flag is ignored (virtio 1.x,
			 * 2.7.5.3.2). */
			struct table t = {{0}, NULL, 0};

			rc = enter_table(vq, head, next,
					 (state & ST_INDIRECT) != 0, d, &t);
			if (rc != 0)
				break;
			state |= ST_INDIRECT;
			c->priv.table = table = t.gpa;
			c->priv.table_host = host = t.host;
			c->priv.table_len = limit = t.entries;
			visited = 0;
			next = 0;
			continue;
		}

		/* A buffer. */
		writable = (d.flags & CVMM_VQ_DESC_F_WRITE) != 0;
		addr = cvmm_mem_gpa_from(d.addr);
		if (!writable && (state & ST_WRITE_SEEN) != 0) {
			rc = cvmm_vq__violation(vq, -EILSEQ,
						"head %u: descriptor %u is "
						"readable after a writable one",
						head, next);
			break;
		}
		if (cvmm_mem_gpa_add(addr, d.len, &end) != 0) {
			rc = cvmm_vq__violation(
			    vq, -EOVERFLOW,
			    "head %u: descriptor %u at 0x%llx length %u", head,
			    next, (unsigned long long)d.addr, d.len);
			break;
		}
		/* Three 32-bit terms: cannot overflow 64 bits. */
		total = (uint64_t)readable + writable_len + d.len;
		if (total > UINT32_MAX) {
			rc = cvmm_vq__violation(vq, -EMSGSIZE,
						"head %u: %llu bytes after "
						"descriptor %u",
						head, (unsigned long long)total,
						next);
			break;
		}
		if ((d.flags & CVMM_VQ_DESC_F_NEXT) != 0 && d.next >= limit) {
			rc = cvmm_vq__violation(vq, -EBADSLT,
						"head %u: descriptor %u has "
						"next %u, limit %u",
						head, next, d.next, limit);
			break;
		}
		rc = check_buffer(vq, addr.raw, end.raw, d.len,
				  writable ? CVMM_MEM_ACCESS_WRITE
					   : CVMM_MEM_ACCESS_READ);
		if (rc != 0) {
			rc = cvmm_vq__violation(
			    vq, rc,
			    "head %u: descriptor %u at 0x%llx length %u%s",
			    head, next, (unsigned long long)d.addr, d.len,
			    writable ? " (device-writable)" : "");
			break;
		}
		if (d.len != 0) {
			struct cvmm_vq__span hit;

			rc = cvmm_vq__spans_add(&vq->spans, addr.raw, end.raw,
						&hit);
			if (rc != 0) {
				rc = cvmm_vq__violation(
				    vq, rc,
				    "head %u: descriptor %u at 0x%llx length "
				    "%u overlaps an earlier buffer at 0x%llx "
				    "length %llu",
				    head, next, (unsigned long long)d.addr,
				    d.len, (unsigned long long)hit.start,
				    (unsigned long long)(hit.end - hit.start));
				break;
			}
		}
		if ((d.flags & CVMM_VQ_DESC_F_NEXT) != 0)
			next = d.next;
		else
			state |= ST_DONE;
		if (writable) {
			state |= ST_WRITE_SEEN;
			writable_len += d.len;
		} else {
			readable += d.len;
		}
		bufs[i].addr = addr;
		bufs[i].len = d.len;
		bufs[i].writable = writable;
		i++;
		count++;
	}
	c->priv.state = state;
	c->priv.next = next;
	c->priv.visited = visited;
	c->readable_len = readable;
	c->writable_len = writable_len;
	c->count = count;
	/* The bound of cvmm_vq_add_used(): what the device has been given. */
	vq->slots[head].writable = writable_len;
	*n = i;
	return rc;
}

/* Walk up to max buffers: one copy of the walk serves both entry points. */
static __attribute__((noinline)) int walk(struct cvmm_vq *vq,
					  struct cvmm_vq_chain *c,
					  struct cvmm_vq_buf *bufs,
					  uint32_t max, uint32_t *n)
{
	int rc = walkable(vq, c);

	if (rc == 0 && (c->priv.state & ST_STARTED) == 0) {
		/* The walk begins: the span set becomes this chain's. */
		vq->walker = c->priv.ticket;
		cvmm_vq__spans_clear(&vq->spans);
		c->priv.state |= ST_STARTED;
	} else if (rc == 0 && vq->walker != c->priv.ticket) {
		rc = -EXDEV;
	}
	if (rc != 0) {
		*n = 0;
		return rc;
	}
	return walk_from(vq, c, bufs, max, n);
}

int cvmm_vq_chain_next(struct cvmm_vq *vq, struct cvmm_vq_chain *c,
		       struct cvmm_vq_buf *buf)
{
	uint32_t n;

	/* walk() returns 0 only after producing the one buffer asked for:
	 * a chain already done is -ENODATA. */
	return walk(vq, c, buf, 1, &n);
}

int cvmm_vq_chain_collect(struct cvmm_vq *vq, struct cvmm_vq_chain *c,
			  struct cvmm_vq_buf *bufs, uint32_t max, uint32_t *n)
{
	return walk(vq, c, bufs, max, n);
}
