/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One regression test per real bug class found in virtqueue implementations
 * (Firecracker, vm-virtio, QEMU, Linux vhost/vringh), each named after it.
 * Each breaks the rule and also shows the closest case that is accepted.
 */
#include "fixture.h"

#include "alloc-fail.h"

#define TABLE (BUF_BASE + 0x2000)

static int publish_and_walk(struct fx *f, uint16_t head, uint32_t *n)
{
	struct cvmm_vq_chain c;
	int rc;

	assert_int_equal(cvmm_vqm_publish(f->m, head), 0);
	rc = fx_pop_walk(f, &c, NULL, 0, n);
	if (rc == 0)
		assert_int_equal(cvmm_vq_add_used(f->vq, c.head, 0), 0);
	return rc;
}

/*
 * CVE-2019-18960 (Firecracker): a buffer crossing a hole in guest memory
 * was accessed through one host pointer past the end of its region.
 */
static void regress_cve_2019_18960_buffer_across_hole(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf across = fx_buf(BUF_END - 16, 32, true);
	struct cvmm_vqm_buf over = fx_buf(BUF_END - 16, 0x1010, false);
	struct cvmm_vqm_buf adjacent = fx_buf(RING_END - 16, 32, true);
	struct cvmm_vq_chain c;
	struct cvmm_vq_buf b;
	uint32_t n;
	uint16_t head;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	/* Adjacent regions with no hole: accepted, and usable through the
	 * interface. */
	head = fx_add(f, &adjacent, 1);
	assert_int_equal(fx_pop_walk(f, &c, &b, 1, NULL), 0);
	assert_int_equal(cvmm_mem_write(&f->mem, b.addr,
					"0123456789abcdef"
					"0123456789abcdef",
					32),
			 0);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 32), 0);
	/* Into the hole. */
	fx_add(f, &across, 1);
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, &n), -EFAULT);
	assert_int_equal(n, 0);
	fx_expect_broken(f, -EFAULT);
	/* Over the whole hole into the next region. */
	fx_reenable(f);
	fx_add(f, &over, 1);
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), -EFAULT);
	fx_expect_broken(f, -EFAULT);
	/* An indirect table across the hole. */
	fx_reenable(f);
	fx_desc(f, 0, BUF_END - 16, 32, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(publish_and_walk(f, 0, NULL), -EFAULT);
	fx_expect_broken(f, -EFAULT);
}

/*
 * An avail index that jumps ahead by more than the queue size (a guest
 * claiming more chains than the ring holds) made devices spin over stale
 * entries: a self-inflicted denial of service.
 */
static void regress_avail_index_jump(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 8, false);
	struct cvmm_vq_chain c;

	fx_open(f, 16, 0);
	/* Exactly size chains available: accepted. */
	for (int i = 0; i < 16; i++)
		fx_add(f, &b, 1);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), 0);
		assert_int_equal(cvmm_vq_add_used(f->vq, c.head, 0), 0);
	}
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -EAGAIN);
	/* size + 1 past the last consumed. */
	assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_AVAIL_IDX, 0, 16 + 17),
			 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -ENOSPC);
	fx_expect_broken(f, -ENOSPC);
	assert_non_null(strstr(f->log_msg, "avail idx 33, last consumed 16"));
	/* Backwards is the same violation. */
	fx_reenable(f);
	assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_AVAIL_IDX, 0, 0xffff), 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -ENOSPC);
	fx_expect_broken(f, -ENOSPC);
}

/*
 * vm-virtio: a queue size of 0 (set by the driver or restored from a
 * snapshot) reached a modulo and crashed the VMM.
 */
static void regress_queue_size_zero(void **state)
{
	struct fx *f = *state;
	struct cvmm_vq_layout l;
	struct cvmm_vq_state s;
	struct cvmm_vq_chain c;
	bool flag;

	fx_open(f, 16, FEAT_ALL);
	cvmm_vq_reset(f->vq);
	l = f->layout;
	l.size = 0;
	assert_int_equal(cvmm_vq_enable(f->vq, &l), -EINVAL);
	assert_false(cvmm_vq_is_ready(f->vq));
	memset(&s, 0, sizeof(s));
	s.ready = true;
	s.layout = l;
	assert_int_equal(cvmm_vq_restore(f->vq, &s), -EINVAL);
	assert_false(cvmm_vq_is_ready(f->vq));
	/* Nothing runs on a queue without a valid size. */
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -ENODEV);
	assert_int_equal(cvmm_vq_add_used(f->vq, 0, 0), -ENODEV);
	assert_int_equal(cvmm_vq_needs_notification(f->vq, &flag), -ENODEV);
	/* Size 1 is the smallest accepted. */
	l.size = 1;
	assert_int_equal(cvmm_vq_enable(f->vq, &l), 0);
	{
		struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 8, true);
		uint16_t head = fx_add(f, &b, 1);

		assert_int_equal(head, 0);
		fx_roundtrip(f, head, 8);
	}
}

/*
 * Chain lengths summed in 32 bits wrapped (Firecracker, QEMU), so a device
 * believed a huge chain was small.
 */
static void regress_chain_total_length_over_4g(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	/* 0x80000000 + 0x7fffffff = 2^32 - 1: accepted. */
	fx_desc(f, 0, PHANTOM_BASE, 0x80000000u, CVMM_VQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, PHANTOM_BASE + 0x80000000u, 0x7fffffffu,
		CVMM_VQ_DESC_F_WRITE, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), 0);
	assert_int_equal(n, 2);
	/* One byte more: refused. */
	fx_desc(f, 1, PHANTOM_BASE + 0x80000000u, 0x7fffffffu,
		CVMM_VQ_DESC_F_WRITE | CVMM_VQ_DESC_F_NEXT, 2);
	fx_desc(f, 2, PHANTOM_BASE + 0xffffffffu, 1, CVMM_VQ_DESC_F_WRITE, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), -EMSGSIZE);
	assert_int_equal(n, 2);
	fx_expect_broken(f, -EMSGSIZE);
	/* Many maximal buffers, through an indirect table. */
	fx_reenable(f);
	for (uint32_t i = 0; i < 4; i++)
		fx_table_desc(f, TABLE, i, PHANTOM_BASE + ((uint64_t)i << 32),
			      UINT32_MAX, CVMM_VQ_DESC_F_NEXT,
			      (uint16_t)(i + 1));
	fx_desc(f, 0, TABLE, 4 * 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), -EMSGSIZE);
	assert_int_equal(n, 1);
	fx_expect_broken(f, -EMSGSIZE);
}

/* A descriptor chain that loops made devices spin forever (or overflow an
 * I/O vector, in the fuzzing lessons of DESIGN.md). */
static void regress_descriptor_loop(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	/* A chain of exactly size descriptors (all of them): accepted. */
	for (uint16_t i = 0; i < 16; i++)
		fx_desc(f, i, BUF_BASE + 8 * i, 8,
			i < 15 ? CVMM_VQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	assert_int_equal(publish_and_walk(f, 0, &n), 0);
	assert_int_equal(n, 16);
	/* A self-loop of a zero-length buffer (which overlaps nothing): the
	 * walk stops after size descriptors. */
	fx_desc(f, 3, BUF_BASE, 0, CVMM_VQ_DESC_F_NEXT, 3);
	assert_int_equal(publish_and_walk(f, 3, &n), -ELOOP);
	assert_int_equal(n, 16);
	fx_expect_broken(f, -ELOOP);
	/* A longer cycle. */
	fx_reenable(f);
	fx_desc(f, 0, BUF_BASE, 0, CVMM_VQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, BUF_BASE, 0, CVMM_VQ_DESC_F_NEXT, 2);
	fx_desc(f, 2, BUF_BASE, 0, CVMM_VQ_DESC_F_NEXT, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), -ELOOP);
	fx_expect_broken(f, -ELOOP);
	/* A loop of non-empty buffers is caught at its first repeat: the
	 * buffer overlaps itself. */
	fx_reenable(f);
	fx_desc(f, 0, BUF_BASE, 8, CVMM_VQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, BUF_BASE + 8, 8, CVMM_VQ_DESC_F_NEXT, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), -EADDRINUSE);
	assert_int_equal(n, 2);
	fx_expect_broken(f, -EADDRINUSE);
	/* Inside an indirect table: bounded by the table's entries. */
	fx_reenable(f);
	for (uint16_t i = 0; i < 8; i++)
		fx_table_desc(f, TABLE, i, BUF_BASE, 0,
			      i < 7 ? CVMM_VQ_DESC_F_NEXT : 0,
			      (uint16_t)(i + 1));
	fx_desc(f, 0, TABLE, 8 * 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), 0);
	assert_int_equal(n, 8);
	fx_table_desc(f, TABLE, 7, BUF_BASE, 0, CVMM_VQ_DESC_F_NEXT, 2);
	assert_int_equal(publish_and_walk(f, 0, &n), -ELOOP);
	assert_int_equal(n, 8);
	fx_expect_broken(f, -ELOOP);
	assert_non_null(strstr(f->log_msg, "in its indirect table"));
}

/* Nested indirect tables (forbidden by the spec) made some devices
 * recurse. */
static void regress_nested_indirect_table(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	fx_table_desc(f, TABLE + 0x100, 0, BUF_BASE, 8, 0, 0);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 8, CVMM_VQ_DESC_F_NEXT, 1);
	fx_table_desc(f, TABLE, 1, TABLE + 0x100, 16, CVMM_VQ_DESC_F_INDIRECT,
		      0);
	fx_desc(f, 0, TABLE, 32, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), -EMLINK);
	assert_int_equal(n, 1);
	fx_expect_broken(f, -EMLINK);
	/* The same table pointing at itself. */
	fx_reenable(f);
	fx_table_desc(f, TABLE, 0, TABLE, 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	fx_desc(f, 0, TABLE, 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), -EMLINK);
	fx_expect_broken(f, -EMLINK);
	/* One level: accepted. */
	fx_reenable(f);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 8, 0, 0);
	fx_desc(f, 0, TABLE, 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), 0);
	assert_int_equal(n, 1);
}

/* A zero-length indirect table made devices compute a table of 0 entries
 * and index it anyway. */
static void regress_zero_length_indirect_table(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, CVMM_VQ_F_INDIRECT_DESC);
	fx_desc(f, 0, TABLE, 0, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), -EBADMSG);
	fx_expect_broken(f, -EBADMSG);
	assert_non_null(strstr(f->log_msg, "indirect table length 0"));
	fx_reenable(f);
	fx_table_desc(f, TABLE, 0, BUF_BASE, 8, 0, 0);
	fx_desc(f, 0, TABLE, 16, CVMM_VQ_DESC_F_INDIRECT, 0);
	assert_int_equal(publish_and_walk(f, 0, &n), 0);
}

/* A head index past the descriptor table read outside it (DESIGN.md's
 * fuzzing lessons, QEMU "Guest says index is out of range"). */
static void regress_head_out_of_range(void **state)
{
	struct fx *f = *state;
	uint32_t n;

	fx_open(f, 16, 0);
	fx_desc(f, 15, BUF_BASE, 8, 0, 0);
	assert_int_equal(publish_and_walk(f, 15, &n), 0);
	assert_int_equal(publish_and_walk(f, 16, &n), -ERANGE);
	fx_expect_broken(f, -ERANGE);
	assert_non_null(strstr(f->log_msg, "head 16"));
	fx_reenable(f);
	assert_int_equal(publish_and_walk(f, 0xffff, &n), -ERANGE);
	fx_expect_broken(f, -ERANGE);
}

/* The same head made available twice while in flight: the device would
 * complete it twice and the driver free its buffers twice. */
static void regress_head_in_flight_twice(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 8, true);
	struct cvmm_vq_chain c;
	uint16_t head;

	fx_open(f, 16, 0);
	head = fx_add(f, &b, 1);
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), 0);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 8), 0);
	/* Re-used after it came back: accepted. */
	assert_int_equal(cvmm_vqm_publish(f->m, head), 0);
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), 0);
	/* Made available again while still in flight. */
	assert_int_equal(cvmm_vqm_publish(f->m, head), 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -EBUSY);
	fx_expect_broken(f, -EBUSY);
	assert_non_null(strstr(f->log_msg, "already in flight"));
}

/*
 * Many descriptors pointing at the same buffer made a chain far longer than
 * the memory it covers: a device that allocates by chain length, or does
 * work per byte (an rng filling 4 GiB from one page), is amplified. A
 * buffer that overlaps an earlier one of its chain is refused, so a chain's
 * bytes never exceed the distinct guest memory it covers.
 */
static void regress_overlapping_descriptors_amplify_length(void **state)
{
	struct fx *f = *state;
	static struct cvmm_vqm_buf bufs[256];
	struct cvmm_vqm_buf table[2];
	struct cvmm_vq_chain c;
	uint64_t allocs;
	uint32_t n;

	fx_open(f, 256, CVMM_VQ_F_INDIRECT_DESC);
	/* 256 adjacent buffers, last to first (every shape of the span
	 * tree's rebalancing): accepted, with no allocation. */
	for (int i = 0; i < 256; i++)
		bufs[i] = fx_buf(BUF_BASE + 0x40 * (255 - (uint64_t)i), 0x40,
				 i >= 128);
	fx_add(f, bufs, 256);
	allocs = cvmm_alloc_fail_count();
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, &n), 0);
	assert_int_equal(cvmm_alloc_fail_count(), allocs);
	assert_int_equal(n, 256);
	assert_int_equal(c.readable_len + c.writable_len, BUF_END - BUF_BASE);
	assert_int_equal(cvmm_vq_add_used(f->vq, c.head, c.writable_len), 0);
	{
		uint16_t id;
		uint32_t len;

		/* The model takes its descriptors back. */
		assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), 0);
		assert_int_equal(len, c.writable_len);
	}
	/* Zero-length buffers cover nothing: any number at one address. */
	for (int i = 0; i < 4; i++)
		bufs[i] = fx_buf(BUF_BASE + 0x40, 0, false);
	bufs[4] = fx_buf(BUF_BASE, 0x80, true);
	fx_roundtrip(f, fx_add(f, bufs, 5), 0x80);
	/* Buffers may overlap the rings (nothing the queue reads twice). */
	bufs[0] = fx_buf(RING_BASE, 0x1000, true);
	bufs[1] = fx_buf(RING_BASE + 0x1000, 0x1000, true);
	fx_roundtrip(f, fx_add(f, bufs, 2), 0x2000);
	assert_int_equal(f->logs, 0);

	/* One byte of overlap, in either order, either direction. */
	for (int order = 0; order < 2; order++) {
		bufs[order] = fx_buf(BUF_BASE, 0x40, false);
		bufs[1 - order] = fx_buf(BUF_BASE + 0x3f, 0x40, true);
		if (order == 1)
			bufs[0].writable = bufs[1].writable = true;
		fx_add(f, bufs, 2);
		assert_int_equal(fx_pop_walk(f, &c, NULL, 0, &n), -EADDRINUSE);
		assert_int_equal(n, 1);
		fx_expect_broken(f, -EADDRINUSE);
		assert_non_null(strstr(f->log_msg, "overlaps an earlier"));
		fx_reenable(f);
	}
	/* The same buffer over and over: refused at its first repeat. */
	for (int i = 0; i < 256; i++)
		bufs[i] = fx_buf(BUF_BASE, BUF_END - BUF_BASE, i >= 128);
	fx_add(f, bufs, 256);
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, &n), -EADDRINUSE);
	assert_int_equal(n, 1);
	fx_expect_broken(f, -EADDRINUSE);
	/* Across the indirect boundary: a table entry inside a direct
	 * buffer. */
	fx_reenable(f);
	bufs[0] = fx_buf(BUF_BASE, 0x100, false);
	table[0] = fx_buf(BUF_BASE + 0x100, 0x10, false);
	table[1] = fx_buf(BUF_BASE + 0x80, 0x10, true);
	{
		struct cvmm_vqm_chain ch = {bufs, 1, table, 2,
					    cvmm_mem_gpa_from(TABLE)};
		uint16_t head;

		assert_int_equal(cvmm_vqm_add(f->m, &ch, &head), 0);
	}
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, &n), -EADDRINUSE);
	assert_int_equal(n, 2);
	fx_expect_broken(f, -EADDRINUSE);
}

/*
 * The largest queue: ring offsets reach 4 + 8 * 32767 = 262140 in the used
 * ring and 65540 for used_event, far past 16 bits; index arithmetic must
 * not be done in 16 bits.
 */
static void regress_max_queue_size_32768(void **state)
{
	struct fx *f = *state;
	const uint32_t size = CVMM_VQ_MAX_SIZE;
	struct cvmm_vqm_layout l;
	struct cvmm_mem_range map[2];
	struct cvmm_vqm_buf b = fx_buf(0, 64, true);
	struct cvmm_vq_chain c;
	uint64_t bytes, v;
	uint16_t head, id;
	uint32_t len;

	assert_int_equal(cvmm_vqm_layout_at(cvmm_mem_gpa_from(0x100000), size,
					    true, &l, &bytes),
			 0);
	map[0] = (struct cvmm_mem_range){{0x100000}, bytes, 0};
	map[1] = (struct cvmm_mem_range){{0x400000}, 0x1000, 0};
	fx_memory(f, map, 2);
	b.addr = cvmm_mem_gpa_from(0x400000);
	f->cfg.max_size = size;
	fx_create_queue(f);
	assert_int_equal(cvmm_vqm_create(&f->mem, &l, &f->m), 0);
	f->layout = fx_layout_of(&l, FEAT_ALL);
	assert_int_equal(cvmm_vq_enable(f->vq, &f->layout), 0);
	/* The used ring ends exactly at the end of memory. */
	assert_true(l.used.raw + cvmm_vq_used_bytes(size, true) ==
		    0x100000 + bytes);

	/* Start two chains before the ring's last slot, so slots 32766,
	 * 32767, 0 and 1 are used, and the 16-bit index wraps too. */
	assert_int_equal(cvmm_vqm_set_indices(f->m, 65534, 65534), 0);
	{
		struct cvmm_vq_state s;

		assert_int_equal(cvmm_vq_save(f->vq, &s), 0);
		s.next_avail = s.next_used = 65534;
		assert_int_equal(cvmm_vq_restore(f->vq, &s), 0);
	}
	for (int i = 0; i < 4; i++) {
		/* The last descriptor too: 32767 is a valid head. */
		struct cvmm_vqm_desc d = {0x400000, 64, CVMM_VQM_DESC_WRITE, 0};

		if (i == 1) {
			assert_int_equal(
			    cvmm_vqm_write_desc(&f->mem, l.desc, size - 1, &d),
			    0);
			assert_int_equal(
			    cvmm_vqm_publish(f->m, (uint16_t)(size - 1)), 0);
			assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), 0);
			assert_int_equal(c.head, size - 1);
			assert_int_equal(cvmm_vq_add_used(f->vq, c.head, 64),
					 0);
			/* The entry landed in used slot 32767 (offset
			 * 262140), read back independently. */
			assert_int_equal(
			    cvmm_vqm_peek(f->m, CVMM_VQM_USED_ID, size - 1, &v),
			    0);
			assert_int_equal(v, size - 1);
			assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len),
					 -EPROTO); /* not the model's chain */
			assert_int_equal(id, size - 1);
			continue;
		}
		head = fx_add(f, &b, 1);
		fx_roundtrip(f, head, (uint32_t)i);
	}
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_USED_IDX, 0, &v), 0);
	assert_int_equal(v, 2);
	/* Event fields at offsets 65540 and 262148. */
	{
		bool notify, pending;

		assert_int_equal(cvmm_vq_enable_notification(f->vq, &pending),
				 0);
		assert_false(pending);
		assert_int_equal(
		    cvmm_vqm_peek(f->m, CVMM_VQM_AVAIL_EVENT, 0, &v), 0);
		assert_int_equal(v, 2);
		assert_int_equal(cvmm_vq_needs_notification(f->vq, &notify), 0);
		assert_true(notify);
		assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_USED_EVENT, 0, 2),
				 0);
		head = fx_add(f, &b, 1);
		fx_roundtrip(f, head, 0);
		assert_int_equal(cvmm_vq_needs_notification(f->vq, &notify), 0);
		assert_true(notify);
		head = fx_add(f, &b, 1);
		fx_roundtrip(f, head, 0);
		assert_int_equal(cvmm_vq_needs_notification(f->vq, &notify), 0);
		assert_false(notify);
	}
	/* A full ring's worth of chains: the avail jump bound is 32768. */
	for (uint32_t i = 0; i < size; i++)
		assert_int_equal(cvmm_vqm_publish(f->m, (uint16_t)i), 0);
	for (uint32_t i = 0; i < size; i++) {
		assert_int_equal(cvmm_vq_pop(f->vq, &c), 0);
		assert_int_equal(c.head, i);
	}
	assert_int_equal(cvmm_vq_inflight(f->vq), size);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -EAGAIN);
	assert_int_equal(f->logs, 0);
}

int run_regression_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		regress_cve_2019_18960_buffer_across_hole, fx_setup,
		fx_teardown),
	    cmocka_unit_test_setup_teardown(regress_avail_index_jump, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(regress_queue_size_zero, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(regress_chain_total_length_over_4g,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(regress_descriptor_loop, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(regress_nested_indirect_table,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(regress_zero_length_indirect_table,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(regress_head_out_of_range, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(regress_head_in_flight_twice,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		regress_overlapping_descriptors_amplify_length, fx_setup,
		fx_teardown),
	    cmocka_unit_test_setup_teardown(regress_max_queue_size_32768,
					    fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("virtio-queue regressions", tests,
					   NULL, NULL);
}
