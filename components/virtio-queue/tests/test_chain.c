/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Popping chains and walking them: every rule of the descriptor walk, each
 * broken once and met exactly once (the accepted boundary).
 */
#include "fixture.h"

#define TABLE (BUF_BASE + 0x2000) /* where indirect tables go */

/* Publish raw head and walk it: returns the walk's result. A chain walked
 * to its end is returned to the driver. */
static int raw_walk(struct fx *f, uint16_t head, uint32_t *n)
{
	struct cvmm_vq_chain c;
	int rc;

	assert_int_equal(cvmm_vqm_publish(f->m, head), 0);
	rc = fx_pop_walk(f, &c, NULL, 0, n);
	if (rc == 0)
		assert_int_equal(cvmm_vq_add_used(f->vq, c.head, 0), 0);
	return rc;
}

static void empty_queue_has_nothing_to_pop(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf buf = fx_buf(BUF_BASE, 8, false);
	struct cvmm_vq_chain c;
	uint16_t head;

	fx_open(f, 16, 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -EAGAIN);
	assert_false(cvmm_vq_is_broken(f->vq));
	head = fx_add(f, &buf, 1);
	fx_roundtrip(f, head, 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -EAGAIN);
	assert_int_equal(f->logs, 0);
}

static void direct_chains_of_every_length(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf bufs[16];
	struct cvmm_vq_buf seen[16], extra;
	struct cvmm_vq_chain c;

	fx_open(f, 16, 0);
	for (uint32_t n = 1; n <= 16; n++) {
		uint32_t readable = 0, writable = 0, got;
		uint16_t head;

		for (uint32_t i = 0; i < n; i++) {
			bufs[i] = fx_buf(BUF_BASE + 0x100 * i, 16 + i,
					 i >= (n + 1) / 2);
			if (bufs[i].writable)
				writable += bufs[i].len;
			else
				readable += bufs[i].len;
		}
		head = fx_add(f, bufs, n);
		assert_int_equal(fx_pop_walk(f, &c, seen, 16, &got), 0);
		assert_int_equal(c.head, head);
		assert_int_equal(got, n);
		assert_int_equal(c.count, n);
		assert_int_equal(c.readable_len, readable);
		assert_int_equal(c.writable_len, writable);
		for (uint32_t i = 0; i < n; i++) {
			assert_true(seen[i].addr.raw == bufs[i].addr.raw);
			assert_int_equal(seen[i].len, bufs[i].len);
			assert_int_equal(seen[i].writable, bufs[i].writable);
		}
		assert_true(cvmm_vq_chain_done(&c));
		assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &extra),
				 -ENODATA);
		assert_int_equal(cvmm_vq_add_used(f->vq, head, writable), 0);
		{
			uint16_t id;
			uint32_t len;

			assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), 0);
			assert_int_equal(id, head);
			assert_int_equal(len, writable);
		}
	}
	assert_int_equal(cvmm_vqm_num_free(f->m), 16);
}

static void indirect_chains_of_several_shapes(void **state)
{
	struct fx *f = *state;
	static struct cvmm_vqm_buf direct[3], table[200];
	static struct cvmm_vq_buf seen[210];
	static const uint32_t sizes[][2] = {{0, 1}, {0, 2}, {0, 16},
					    {3, 5}, {1, 1}, {15, 1}};
	struct cvmm_vq_chain c;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t nd = sizes[k][0] < 3 ? sizes[k][0] : 3;
		uint32_t ni = sizes[k][1], got;
		struct cvmm_vqm_chain ch = {direct, nd, table, ni,
					    cvmm_mem_gpa_from(TABLE)};
		uint16_t head;

		if (sizes[k][0] == 15) {
			/* A long direct prefix: 15 direct + 1 indirect
			 * descriptor, and 15 + 1 buffers: the whole queue. */
			static struct cvmm_vqm_buf many[15];

			for (uint32_t i = 0; i < 15; i++)
				many[i] = fx_buf(BUF_BASE + 16 * i, 16, false);
			ch.direct = many;
			ch.ndirect = nd = 15;
		}
		for (uint32_t i = 0; i < 3; i++)
			direct[i] = fx_buf(BUF_BASE + 0x40 * i, 32, false);
		for (uint32_t i = 0; i < ni; i++)
			table[i] =
			    fx_buf(BUF_BASE + 0x1000 + 8 * i, 8, i * 2 >= ni);
		assert_int_equal(cvmm_vqm_add(f->m, &ch, &head), 0);
		assert_int_equal(fx_pop_walk(f, &c, seen, 210, &got), 0);
		assert_int_equal(got, nd + ni);
		for (uint32_t i = 0; i < ni; i++) {
			assert_true(seen[nd + i].addr.raw == table[i].addr.raw);
			assert_int_equal(seen[nd + i].writable,
					 table[i].writable);
		}
		assert_int_equal(cvmm_vq_add_used(f->vq, head, c.writable_len),
				 0);
		{
			uint16_t id;
			uint32_t len;

			assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), 0);
			assert_int_equal(id, head);
		}
	}
}

static void indirect_descriptor_write_flag_is_ignored(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 16, CVMM_VQ_DESC_F_NEXT, 1);
	fx_table_desc(f, TABLE, 1, BUF_BASE + 16, 16, 0, 0);
	fx_desc(f, 0, TABLE, 32, CVMM_VQ_DESC_F_INDIRECT | CVMM_VQ_DESC_F_WRITE,
		0);
	/* A readable entry after the WRITE-flagged indirect descriptor is
	 * fine: that flag means nothing. */
	assert_int_equal(raw_walk(f, 0, &n), 0);
	assert_int_equal(n, 2);
}

static void next_index_must_be_in_range(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	fx_desc(f, 0, BUF_BASE, 8, CVMM_VQ_DESC_F_NEXT, 15);
	fx_desc(f, 15, BUF_BASE + 8, 8, 0, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0); /* next = size - 1 */
	assert_int_equal(n, 2);
	fx_desc(f, 0, BUF_BASE, 8, CVMM_VQ_DESC_F_NEXT, 16);
	assert_int_equal(raw_walk(f, 0, &n), -EBADSLT);
	assert_int_equal(n, 0);
	fx_expect_broken(f, -EBADSLT);
	assert_non_null(strstr(f->log_msg, "next 16"));

	/* Inside an indirect table the limit is the table's length. */
	fx_reenable(f);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 8, CVMM_VQ_DESC_F_NEXT, 3);
	fx_table_desc(f, TABLE, 3, BUF_BASE + 8, 8, 0, 0);
	fx_desc(f, 0, TABLE, 4 * 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 8, CVMM_VQ_DESC_F_NEXT, 4);
	assert_int_equal(raw_walk(f, 0, &n), -EBADSLT);
	fx_expect_broken(f, -EBADSLT);
}

static void indirect_needs_the_feature(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, 0);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 8, 0, 0);
	fx_desc(f, 0, TABLE, 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), -EOPNOTSUPP);
	fx_expect_broken(f, -EOPNOTSUPP);
	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 8, 0, 0);
	fx_desc(f, 0, TABLE, 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	assert_int_equal(n, 1);
}

static void indirect_with_next_is_refused(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 8, 0, 0);
	fx_desc(f, 1, BUF_BASE, 8, 0, 0);
	fx_desc(f, 0, TABLE, 16, CVMM_VQ_DESC_F_INDIRECT | CVMM_VQ_DESC_F_NEXT,
		1);
	assert_int_equal(raw_walk(f, 0, &n), -EPROTO);
	fx_expect_broken(f, -EPROTO);
}

static void indirect_table_length_rules(void **state)
{
	struct fx *f = *state;
	static const uint32_t bad[] = {8, 15, 17, 24, 33, 0xfffffff8u};
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx_desc(f, 0, TABLE, bad[i], CVMM_VQ_DESC_F_INDIRECT, 0);
		assert_int_equal(raw_walk(f, 0, &n), -EBADMSG);
		fx_expect_broken(f, -EBADMSG);
		fx_reenable(f);
	}
	/* More entries than any queue may have. */
	fx_desc(f, 0, PHANTOM_BASE, 16 * (CVMM_VQ_MAX_SIZE + 1),
		CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), -E2BIG);
	fx_expect_broken(f, -E2BIG);
	/* 32768 entries pass that rule (the phantom table reads as zeros:
	 * its first entry is a zero-length buffer at 0, not memory). */
	fx_reenable(f);
	fx_desc(f, 0, PHANTOM_BASE, 16 * CVMM_VQ_MAX_SIZE,
		CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), -EFAULT);
	fx_expect_broken(f, -EFAULT);
	assert_non_null(strstr(f->log_msg, "descriptor 0 at 0x0 length 0"));
	/* One entry is the smallest table. */
	fx_reenable(f);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 8, CVMM_VQ_DESC_F_WRITE, 0);
	fx_desc(f, 0, TABLE, 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	assert_int_equal(n, 1);
}

static void indirect_table_must_be_guest_memory(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	/* A table ending exactly where a hole begins: accepted. */
	fx_table_desc(f, HI_END - 32, 0, BUF_BASE, 8, CVMM_VQ_DESC_F_NEXT, 1);
	fx_table_desc(f, HI_END - 32, 1, BUF_BASE + 8, 8, 0, 0);
	fx_desc(f, 0, HI_END - 32, 32, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	assert_int_equal(n, 2);
	/* One entry further: refused. */
	fx_desc(f, 0, HI_END - 16, 32, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), -EFAULT);
	fx_expect_broken(f, -EFAULT);
	assert_non_null(strstr(f->log_msg, "indirect table"));
	/* Address wrap. */
	fx_reenable(f);
	fx_desc(f, 0, UINT64_MAX - 15, 32, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), -EOVERFLOW);
	fx_expect_broken(f, -EOVERFLOW);
	/* Across adjacent regions (RING/BUF): fine, read via the
	 * interface. */
	fx_reenable(f);
	fx_table_desc(f, BUF_BASE - 16, 0, BUF_BASE, 8, CVMM_VQ_DESC_F_NEXT, 1);
	fx_table_desc(f, BUF_BASE - 16, 1, BUF_BASE + 8, 8, 0, 0);
	fx_desc(f, 0, BUF_BASE - 16, 32, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	assert_int_equal(n, 2);
	/* A table at an odd address: allowed, read via the interface. */
	fx_table_desc(f, TABLE + 3, 0, BUF_BASE, 8, 0, 0);
	fx_desc(f, 1, TABLE + 3, 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(raw_walk(f, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(f->logs, 0);
}

static void address_plus_length_must_not_wrap(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, 0);
	/* Ending at 2^64 - 1 (the phantom memory reaches it): accepted. */
	fx_desc(f, 0, UINT64_MAX - 15, 15, 0, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	/* One byte more ends at 2^64: a wrap. */
	fx_desc(f, 0, UINT64_MAX - 15, 16, 0, 0);
	assert_int_equal(raw_walk(f, 0, &n), -EOVERFLOW);
	fx_expect_broken(f, -EOVERFLOW);
	fx_reenable(f);
	fx_desc(f, 0, UINT64_MAX, UINT32_MAX, CVMM_VQ_DESC_F_WRITE, 0);
	assert_int_equal(raw_walk(f, 0, &n), -EOVERFLOW);
	fx_expect_broken(f, -EOVERFLOW);
}

static void buffers_must_be_guest_memory(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, 0);
	/* Readable, ending exactly at the end of memory: accepted. */
	fx_desc(f, 0, RO_END - 100, 100, 0, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	/* One byte more: refused. */
	fx_desc(f, 1, RO_END - 100, 101, 0, 0);
	assert_int_equal(raw_walk(f, 1, &n), -EFAULT);
	fx_expect_broken(f, -EFAULT);
	/* Writable, ending exactly where a hole begins, then one more. */
	fx_reenable(f);
	fx_desc(f, 0, HI_END - 64, 64, CVMM_VQ_DESC_F_WRITE, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	fx_desc(f, 1, HI_END - 64, 65, CVMM_VQ_DESC_F_WRITE, 0);
	assert_int_equal(raw_walk(f, 1, &n), -EFAULT);
	fx_expect_broken(f, -EFAULT);
	/* Starting in a hole. */
	fx_reenable(f);
	fx_desc(f, 0, BUF_END, 1, 0, 0);
	assert_int_equal(raw_walk(f, 0, &n), -EFAULT);
	fx_expect_broken(f, -EFAULT);
	/* Zero-length: valid inside memory or one past a region's end, not
	 * in a hole. */
	fx_reenable(f);
	fx_desc(f, 0, HI_END, 0, CVMM_VQ_DESC_F_WRITE, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	fx_desc(f, 1, BUF_BASE, 0, 0, 0);
	assert_int_equal(raw_walk(f, 1, &n), 0);
	fx_desc(f, 2, BUF_END + 1, 0, 0, 0);
	assert_int_equal(raw_walk(f, 2, &n), -EFAULT);
	fx_expect_broken(f, -EFAULT);
}

static void writable_buffers_need_writable_memory(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, 0);
	fx_desc(f, 0, RO_BASE, 64, 0, 0);
	assert_int_equal(raw_walk(f, 0, &n), 0);
	fx_desc(f, 1, RO_BASE, 0, CVMM_VQ_DESC_F_WRITE, 0);
	assert_int_equal(raw_walk(f, 1, &n), 0);
	fx_desc(f, 2, RO_BASE, 64, CVMM_VQ_DESC_F_WRITE, 0);
	assert_int_equal(raw_walk(f, 2, &n), -EACCES);
	fx_expect_broken(f, -EACCES);
	assert_non_null(strstr(f->log_msg, "device-writable"));
}

static void buffers_may_span_adjacent_regions(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(RING_END - 64, 128, false);
	struct cvmm_vq_buf seen;
	struct cvmm_vq_chain c;
	uint8_t pattern[128], got[128];

	for (int i = 0; i < 128; i++)
		pattern[i] = (uint8_t)(i * 7 + 1);
	fx_open(f, 16, 0);
	assert_int_equal(cvmm_mem_write(&f->mem, b.addr, pattern, 128), 0);
	fx_add(f, &b, 1);
	assert_int_equal(fx_pop_walk(f, &c, &seen, 1, NULL), 0);
	/* The device reads it through the interface, across the boundary. */
	assert_int_equal(cvmm_mem_read(&f->mem, seen.addr, got, seen.len), 0);
	assert_memory_equal(got, pattern, 128);
}

static void readable_after_writable_is_refused(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf rw[2] = {fx_buf(BUF_BASE, 8, false),
				     fx_buf(BUF_BASE + 8, 8, true)};
	struct cvmm_vqm_buf wr[2] = {fx_buf(BUF_BASE, 8, true),
				     fx_buf(BUF_BASE + 8, 8, false)};
	struct cvmm_vqm_buf ww[2] = {fx_buf(BUF_BASE + 16, 8, true),
				     fx_buf(BUF_BASE + 24, 8, true)};
	struct cvmm_vq_chain c;
	struct cvmm_vqm_chain mixed = {ww, 1, rw, 1, cvmm_mem_gpa_from(TABLE)};
	uint16_t head;
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	head = fx_add(f, rw, 2);
	fx_roundtrip(f, head, 8);
	head = fx_add(f, ww, 2);
	fx_roundtrip(f, head, 16);
	/* Readable direct, then a writable table: fine. */
	mixed.direct = rw;
	mixed.indirect = ww;
	assert_int_equal(cvmm_vqm_add(f->m, &mixed, &head), 0);
	fx_roundtrip(f, head, 8);
	/* Writable then readable. */
	fx_add(f, wr, 2);
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, &n), -EILSEQ);
	assert_int_equal(n, 1);
	fx_expect_broken(f, -EILSEQ);
	/* The order holds across the indirect boundary. */
	fx_reenable(f);
	mixed.direct = ww;
	mixed.indirect = rw;
	assert_int_equal(cvmm_vqm_add(f->m, &mixed, &head), 0);
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, &n), -EILSEQ);
	fx_expect_broken(f, -EILSEQ);
}

static void zero_length_buffers_are_accepted(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b[3] = {fx_buf(BUF_BASE, 0, false),
				    fx_buf(BUF_BASE, 0, true),
				    fx_buf(BUF_BASE, 0, true)};
	uint16_t head;

	fx_open(f, 16, 0);
	head = fx_add(f, b, 3);
	fx_roundtrip(f, head, 0);
}

static void stale_chains_are_refused(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b[2] = {fx_buf(BUF_BASE, 8, false),
				    fx_buf(BUF_BASE + 8, 8, true)};
	struct cvmm_vq_chain c, copy, zero;
	struct cvmm_vq_buf buf;

	fx_open(f, 16, 0);
	fx_add(f, b, 2);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), 0);
	copy = c;
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &buf), 0);
	assert_false(cvmm_vq_chain_done(&c));
	assert_int_equal(cvmm_vq_add_used(f->vq, c.head, 0), 0);
	/* Returned: its chain (and copies of it) are stale. */
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &buf), -ESTALE);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &copy, &buf), -ESTALE);
	/* A chain never popped. */
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(cvmm_vq_chain_next(f->vq, &zero, &buf), -ESTALE);
	/* The same head popped again: the old chain stays stale. */
	assert_int_equal(cvmm_vqm_publish(f->m, copy.head), 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), 0);
	assert_int_equal(c.head, copy.head);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &copy, &buf), -ESTALE);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &buf), 0);
	/* Another queue's chain, even with a matching head and ticket. */
	{
		struct cvmm_vq *other;
		struct cvmm_vq_chain theirs;

		assert_int_equal(cvmm_vq_create(&f->mem, &f->cfg, &other), 0);
		assert_int_equal(cvmm_vq_enable(other, &f->layout), 0);
		assert_int_equal(cvmm_vq_pop(other, &theirs), 0);
		theirs.priv.ticket = c.priv.ticket;
		theirs.head = c.head;
		assert_int_equal(cvmm_vq_chain_next(f->vq, &theirs, &buf),
				 -ESTALE);
		assert_int_equal(cvmm_vq_chain_next(other, &c, &buf), -ESTALE);
		/* Ticket 0 is "not in flight", never a chain's. */
		theirs = c;
		theirs.priv.ticket = 0;
		assert_int_equal(cvmm_vq_chain_next(f->vq, &theirs, &buf),
				 -ESTALE);
		cvmm_vq_destroy(other);
	}
	/* After a reset into a smaller queue, a high head is stale too. */
	copy.head = 15;
	cvmm_vq_reset(f->vq);
	f->layout.size = 8;
	assert_int_equal(cvmm_vq_enable(f->vq, &f->layout), 0);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &copy, &buf), -ESTALE);
	assert_int_equal(f->logs, 0);
	assert_false(cvmm_vq_is_broken(f->vq));
}

/* A driver must not make a chain longer than the queue size (virtio 1.x
 * 2.7.5.3.1), counting direct and indirect buffers together. */
static void chains_have_at_most_size_buffers(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 8, CVMM_VQ_F_INDIRECT_DESC);
	/* 3 direct buffers, then a table of 5: 8 buffers, accepted. */
	for (uint16_t i = 0; i < 3; i++)
		fx_desc(f, i, BUF_BASE + 8 * i, 8, CVMM_VQ_DESC_F_NEXT,
			(uint16_t)(i + 1));
	fx_desc(f, 3, TABLE, 6 * 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	for (uint16_t i = 0; i < 6; i++)
		fx_table_desc(f, TABLE, i, BUF_BASE + 0x100 + 8 * i, 8,
			      i < 4 ? CVMM_VQ_DESC_F_NEXT : 0,
			      (uint16_t)(i + 1));
	assert_int_equal(raw_walk(f, 0, &n), 0);
	assert_int_equal(n, 8);
	/* A ninth: refused, though the table holds it. */
	fx_table_desc(f, TABLE, 4, BUF_BASE + 0x100 + 32, 8,
		      CVMM_VQ_DESC_F_NEXT, 5);
	assert_int_equal(raw_walk(f, 0, &n), -ELOOP);
	assert_int_equal(n, 8);
	fx_expect_broken(f, -ELOOP);
	assert_non_null(strstr(f->log_msg, "more than 8 buffers"));
}

/* The queue keeps the buffers of one walk at a time (to refuse overlapping
 * buffers): a walk cannot resume after another chain's walk began. */
static void walks_do_not_interleave(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b[2] = {fx_buf(BUF_BASE, 8, false),
				    fx_buf(BUF_BASE + 8, 8, true)};
	struct cvmm_vq_chain first, second;
	struct cvmm_vq_buf buf;
	uint32_t n;

	fx_open(f, 16, 0);
	fx_add(f, b, 2);
	fx_add(f, b, 2);
	/* Both popped; popping does not begin a walk. */
	assert_int_equal(cvmm_vq_pop(f->vq, &first), 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &second), 0);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &first, &buf), 0);
	/* The second's walk begins: the first can no longer continue... */
	assert_int_equal(cvmm_vq_chain_next(f->vq, &second, &buf), 0);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &first, &buf), -EXDEV);
	assert_int_equal(cvmm_vq_chain_collect(f->vq, &first, &buf, 1, &n),
			 -EXDEV);
	assert_int_equal(n, 0);
	assert_int_equal(first.count, 1);
	/* ...but can be returned, bounded by what it walked (nothing
	 * writable). */
	assert_int_equal(cvmm_vq_add_used(f->vq, first.head, 1), -ENOBUFS);
	assert_int_equal(cvmm_vq_add_used(f->vq, first.head, 0), 0);
	/* The second walks on; the same buffers in another chain are no
	 * overlap. */
	assert_int_equal(cvmm_vq_chain_next(f->vq, &second, &buf), 0);
	assert_true(cvmm_vq_chain_done(&second));
	assert_int_equal(cvmm_vq_add_used(f->vq, second.head, 8), 0);
	assert_int_equal(f->logs, 0);
	assert_false(cvmm_vq_is_broken(f->vq));
}

static void collect_walks_many_buffers_per_call(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf direct[3], table[5];
	struct cvmm_vqm_chain ch = {direct, 3, table, 5,
				    cvmm_mem_gpa_from(TABLE)};
	struct cvmm_vq_buf bufs[8];
	struct cvmm_vq_chain c, stale;
	uint32_t n = 99;
	uint16_t head;

	for (uint32_t i = 0; i < 3; i++)
		direct[i] = fx_buf(BUF_BASE + 0x10 * i, 0x10, false);
	for (uint32_t i = 0; i < 5; i++)
		table[i] = fx_buf(BUF_BASE + 0x100 + 0x20 * i, 0x20, i > 0);
	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	assert_int_equal(cvmm_vqm_add(f->m, &ch, &head), 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), 0);
	stale = c;
	/* In pieces: 0 buffers, then 2, then the remaining 6 of a room of 8,
	 * then nothing is left. */
	assert_int_equal(cvmm_vq_chain_collect(f->vq, &c, bufs, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cvmm_vq_chain_collect(f->vq, &c, bufs, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_false(cvmm_vq_chain_done(&c));
	assert_int_equal(cvmm_vq_chain_collect(f->vq, &c, bufs, 8, &n), 0);
	assert_int_equal(n, 6);
	assert_true(cvmm_vq_chain_done(&c));
	assert_true(bufs[0].addr.raw == BUF_BASE + 0x20);
	assert_true(bufs[5].addr.raw == BUF_BASE + 0x100 + 0x20 * 4);
	assert_true(bufs[5].writable);
	assert_int_equal(c.count, 8);
	assert_int_equal(c.readable_len, 0x30 + 0x20);
	assert_int_equal(c.writable_len, 4 * 0x20);
	assert_int_equal(cvmm_vq_chain_collect(f->vq, &c, bufs, 8, &n),
			 -ENODATA);
	assert_int_equal(n, 0);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 4 * 0x20), 0);
	{
		uint16_t id;
		uint32_t len;

		assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), 0);
		assert_int_equal(id, head);
		assert_int_equal(len, 4 * 0x20);
	}
	assert_int_equal(cvmm_vq_chain_collect(f->vq, &stale, bufs, 8, &n),
			 -ESTALE);
	/* A violation mid-way: the buffers before it are counted. */
	table[2].writable = false;
	assert_int_equal(cvmm_vqm_add(f->m, &ch, &head), 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), 0);
	assert_int_equal(cvmm_vq_chain_collect(f->vq, &c, bufs, 8, &n),
			 -EILSEQ);
	assert_int_equal(n, 5); /* 3 direct, 2 from the table */
	fx_expect_broken(f, -EILSEQ);
}

/* A small deterministic generator, so every run does the same. */
static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void random_chains_out_of_order(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf bufs[8], table[8];
	struct cvmm_vq_chain chains[32];
	uint32_t seed = 42, expect_w[32];
	uint32_t live = 0;

	fx_open(f, 32, FEAT_ALL);
	for (int round = 0; round < 300; round++) {
		/* Add while there is room. */
		uint32_t nd = 1 + next_rand(&seed) % 4;
		uint32_t ni =
		    next_rand(&seed) % 3 == 0 ? 1 + next_rand(&seed) % 8 : 0;
		uint16_t head;
		uint32_t w = 0;

		/* Random buffers, each in its own 1-KiB slot of BUF so a
		 * chain's buffers never overlap. */
		for (uint32_t i = 0; i < nd; i++) {
			bufs[i] = fx_buf(BUF_BASE + 0x400 * i +
					     next_rand(&seed) % 0x200,
					 next_rand(&seed) % 0x200,
					 ni == 0 && i > 0 && i + 1 == nd);
			w += bufs[i].writable ? bufs[i].len : 0;
		}
		for (uint32_t i = 0; i < ni; i++) {
			table[i] = fx_buf(BUF_BASE + 0x400 * (4 + i) +
					      next_rand(&seed) % 0x200,
					  next_rand(&seed) % 0x200, i > ni / 2);
			w += table[i].writable ? table[i].len : 0;
		}
		{
			struct cvmm_vqm_chain ch = {
			    bufs, nd, table, ni,
			    cvmm_mem_gpa_from(RING_BASE + 0x2000 +
					      0x100 * (uint64_t)(round % 16))};
			int rc = cvmm_vqm_add(f->m, &ch, &head);

			if (rc == 0) {
				assert_int_equal(fx_pop_walk(f, &chains[live],
							     NULL, 0, NULL),
						 0);
				assert_int_equal(chains[live].head, head);
				assert_int_equal(chains[live].writable_len, w);
				expect_w[live] = w;
				live++;
			} else {
				assert_int_equal(rc, -ENOSPC);
			}
		}
		/* Return a random one now and then. */
		while (live > 0 && (next_rand(&seed) % 3 == 0 || live > 8)) {
			uint32_t k = next_rand(&seed) % live;
			uint16_t id;
			uint32_t len;

			assert_int_equal(cvmm_vq_add_used(f->vq, chains[k].head,
							  expect_w[k]),
					 0);
			assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), 0);
			assert_int_equal(id, chains[k].head);
			assert_int_equal(len, expect_w[k]);
			chains[k] = chains[live - 1];
			expect_w[k] = expect_w[live - 1];
			live--;
		}
		assert_int_equal(cvmm_vq_inflight(f->vq), live);
	}
	assert_int_equal(f->logs, 0);
}

int run_chain_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(empty_queue_has_nothing_to_pop,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(direct_chains_of_every_length,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(indirect_chains_of_several_shapes,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		indirect_descriptor_write_flag_is_ignored, fx_setup,
		fx_teardown),
	    cmocka_unit_test_setup_teardown(next_index_must_be_in_range,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(indirect_needs_the_feature,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(indirect_with_next_is_refused,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(indirect_table_length_rules,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(indirect_table_must_be_guest_memory,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(address_plus_length_must_not_wrap,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(buffers_must_be_guest_memory,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		writable_buffers_need_writable_memory, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(buffers_may_span_adjacent_regions,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(readable_after_writable_is_refused,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(zero_length_buffers_are_accepted,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(stale_chains_are_refused, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(chains_have_at_most_size_buffers,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(walks_do_not_interleave, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(collect_walks_many_buffers_per_call,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(random_chains_out_of_order,
					    fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("virtio-queue chains", tests, NULL,
					   NULL);
}
