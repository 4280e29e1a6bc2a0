/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Queue configuration: create, the layout rules of cvmm_vq_enable(), ready
 * and reset semantics, and saving/restoring state.
 */
#include "fixture.h"

static struct cvmm_vq_layout layout(uint32_t size, uint64_t desc,
				    uint64_t avail, uint64_t used,
				    uint64_t features)
{
	struct cvmm_vq_layout l = {size, cvmm_mem_gpa_from(desc),
				   cvmm_mem_gpa_from(avail),
				   cvmm_mem_gpa_from(used), features};
	return l;
}

/* Field by field: the structs have padding. */
static void assert_same_layout(const struct cvmm_vq_layout *a,
			       const struct cvmm_vq_layout *b)
{
	assert_int_equal(a->size, b->size);
	assert_true(a->desc.raw == b->desc.raw);
	assert_true(a->avail.raw == b->avail.raw);
	assert_true(a->used.raw == b->used.raw);
	assert_true(a->features == b->features);
}

/* Enable must fail with err and leave the queue not ready. */
static void refused(struct fx *f, struct cvmm_vq_layout l, int err)
{
	assert_int_equal(cvmm_vq_enable(f->vq, &l), err);
	assert_false(cvmm_vq_is_ready(f->vq));
	assert_false(cvmm_vq_is_broken(f->vq));
	assert_int_equal(cvmm_vq_size(f->vq), 0);
}

static void accepted(struct fx *f, struct cvmm_vq_layout l)
{
	assert_int_equal(cvmm_vq_enable(f->vq, &l), 0);
	assert_true(cvmm_vq_is_ready(f->vq));
	assert_int_equal(cvmm_vq_size(f->vq), l.size);
	cvmm_vq_reset(f->vq);
}

static void create_validates_config(void **state)
{
	struct fx *f = *state;
	struct cvmm_vq_config c = fx_config(f);
	struct cvmm_vq *vq = (struct cvmm_vq *)1;
	struct cvmm_mem no_ops = {NULL, NULL};
	static const uint32_t bad[] = {
	    0, 3, 6, 100, 65536, 32768 * 2 + 1, UINT32_MAX};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.max_size = bad[i];
		assert_int_equal(cvmm_vq_create(&f->mem, &c, &vq), -EINVAL);
	}
	c.max_size = 16;
	assert_int_equal(cvmm_vq_create(NULL, &c, &vq), -EINVAL);
	assert_int_equal(cvmm_vq_create(&no_ops, &c, &vq), -EINVAL);
	assert_int_equal(cvmm_vq_create(&f->mem, NULL, &vq), -EINVAL);
	assert_int_equal(cvmm_vq_create(&f->mem, &c, NULL), -EINVAL);
	assert_ptr_equal(vq, (struct cvmm_vq *)1);
	/* Boundaries: 1 and 32768. */
	c.max_size = 1;
	assert_int_equal(cvmm_vq_create(&f->mem, &c, &vq), 0);
	assert_int_equal(cvmm_vq_max_size(vq), 1);
	assert_false(cvmm_vq_is_ready(vq));
	cvmm_vq_destroy(vq);
	c.max_size = CVMM_VQ_MAX_SIZE;
	assert_int_equal(cvmm_vq_create(&f->mem, &c, &vq), 0);
	assert_int_equal(cvmm_vq_max_size(vq), CVMM_VQ_MAX_SIZE);
	cvmm_vq_destroy(vq);
	cvmm_vq_destroy(NULL);
}

static void every_power_of_two_size_is_accepted(void **state)
{
	struct fx *f = *state;

	fx_create_queue(f);
	for (uint32_t size = 1; size <= 256; size *= 2)
		accepted(f, layout(size, RING_BASE, RING_BASE + 0x1000,
				   RING_BASE + 0x2000, FEAT_ALL));
}

static void bad_sizes_are_refused(void **state)
{
	struct fx *f = *state;
	static const uint32_t bad[] = {
	    0,	 3,   5,    6,	   7,	  12,	 255,	     257,
	    384, 512, 1024, 32768, 65535, 65536, 0x80000000, UINT32_MAX};

	fx_create_queue(f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(f,
			layout(bad[i], RING_BASE, RING_BASE + 0x1000,
			       RING_BASE + 0x2000, 0),
			-EINVAL);
}

static void ring_alignment_is_checked(void **state)
{
	struct fx *f = *state;
	const uint64_t d = RING_BASE, a = RING_BASE + 0x1000,
		       u = RING_BASE + 0x2000;

	fx_create_queue(f);
	refused(f, layout(16, d + 8, a, u, 0), -EDOM);
	refused(f, layout(16, d + 1, a, u, 0), -EDOM);
	accepted(f, layout(16, d + 16, a, u, 0));
	refused(f, layout(16, d, a + 1, u, 0), -EDOM);
	accepted(f, layout(16, d, a + 2, u, 0));
	refused(f, layout(16, d, a, u + 2, 0), -EDOM);
	refused(f, layout(16, d, a, u + 1, 0), -EDOM);
	accepted(f, layout(16, d, a, u + 4, 0));
}

static void rings_must_lie_in_guest_memory(void **state)
{
	struct fx *f = *state;
	const uint64_t d = RING_BASE, a = RING_BASE + 0x1000,
		       u = RING_BASE + 0x2000;
	const uint64_t dlen = cvmm_vq_desc_bytes(16);
	const uint64_t alen = cvmm_vq_avail_bytes(16, false);
	const uint64_t ulen = cvmm_vq_used_bytes(16, false);

	fx_create_queue(f);
	/* Each ring ending exactly at the end of a region followed by a
	 * hole is accepted; one step further is not. */
	accepted(f, layout(16, HI_END - dlen, a, u, 0));
	refused(f, layout(16, HI_END - dlen + 16, a, u, 0), -EFAULT);
	accepted(f, layout(16, d, HI_END - alen, u, 0));
	refused(f, layout(16, d, HI_END - alen + 2, u, 0), -EFAULT);
	accepted(f, layout(16, d, a, HI_END - ulen, 0));
	refused(f, layout(16, d, a, HI_END - ulen + 4, 0), -EFAULT);
	/* With EVENT_IDX the event fields belong to the rings too. */
	refused(f, layout(16, d, HI_END - alen, u, CVMM_VQ_F_EVENT_IDX),
		-EFAULT);
	refused(f, layout(16, d, a, HI_END - ulen, CVMM_VQ_F_EVENT_IDX),
		-EFAULT);
	accepted(f, layout(16, d, HI_END - alen - 2, HI_END - ulen - 4 - 0x100,
			   CVMM_VQ_F_EVENT_IDX));
	/* In a hole, across a hole, nowhere near memory. */
	refused(f, layout(16, BUF_END, a, u, 0), -EFAULT);
	refused(f, layout(16, BUF_END - 128, a, u, 0), -EFAULT);
	refused(f, layout(16, 0, a, u, 0), -EFAULT);
	refused(f, layout(16, d, 0x30000, u, 0), -EFAULT);
	refused(f, layout(16, d, a, 0x30000, 0), -EFAULT);
	/* The end of memory (the read-only range) is a boundary too. */
	accepted(f, layout(16, RO_END - dlen, RO_END - dlen - alen - 2, u, 0));
	refused(f, layout(16, RO_END - dlen + 16, a, u, 0), -EFAULT);
}

static void used_ring_needs_writable_memory(void **state)
{
	struct fx *f = *state;

	fx_create_queue(f);
	refused(f, layout(16, RING_BASE, RING_BASE + 0x1000, RO_BASE, 0),
		-EACCES);
	/* The driver-written rings may be read-only to the device. */
	accepted(f, layout(16, RO_BASE, RO_BASE + 0x400, RING_BASE, 0));
}

static void ring_address_wrap_is_refused(void **state)
{
	struct fx *f = *state;
	const uint64_t top = UINT64_MAX - 15; /* 16-aligned */

	fx_create_queue(f);
	refused(f, layout(16, top, RING_BASE + 0x1000, RING_BASE + 0x2000, 0),
		-EOVERFLOW);
	refused(f, layout(16, RING_BASE, UINT64_MAX - 1, RING_BASE + 0x2000, 0),
		-EOVERFLOW);
	refused(f, layout(16, RING_BASE, RING_BASE + 0x1000, UINT64_MAX - 3, 0),
		-EOVERFLOW);
	/* Ending exactly at 2^64 is a wrap of the exclusive end too. */
	refused(f,
		layout(16, UINT64_MAX - cvmm_vq_desc_bytes(16) + 1,
		       RING_BASE + 0x1000, RING_BASE + 0x2000, 0),
		-EOVERFLOW);
}

static void ready_and_reset_semantics(void **state)
{
	struct fx *f = *state;
	struct cvmm_vq_buf b;
	struct cvmm_vq_chain c;
	struct cvmm_vqm_buf buf = fx_buf(BUF_BASE, 64, true);
	bool flag;
	uint16_t head;

	fx_create_queue(f);
	/* Not ready: every operation says so, touching nothing. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -ENODEV);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &b), -ENODEV);
	assert_int_equal(cvmm_vq_add_used(f->vq, 0, 0), -ENODEV);
	assert_int_equal(cvmm_vq_needs_notification(f->vq, &flag), -ENODEV);
	assert_int_equal(cvmm_vq_enable_notification(f->vq, &flag), -ENODEV);
	assert_int_equal(cvmm_vq_disable_notification(f->vq), -ENODEV);
	assert_int_equal(cvmm_vq_inflight(f->vq), 0);

	fx_open(f, 16, FEAT_ALL);
	assert_int_equal(cvmm_vq_enable(f->vq, &f->layout), -EALREADY);
	head = fx_add(f, &buf, 1);
	assert_int_equal(fx_pop_walk(f, &c, &b, 1, NULL), 0);
	assert_int_equal(cvmm_vq_inflight(f->vq), 1);
	/* Reset forgets everything in flight, keeps the configuration. */
	cvmm_vq_reset(f->vq);
	assert_false(cvmm_vq_is_ready(f->vq));
	assert_int_equal(cvmm_vq_size(f->vq), 0);
	assert_int_equal(cvmm_vq_max_size(f->vq), 256);
	assert_int_equal(cvmm_vq_inflight(f->vq), 0);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 0), -ENODEV);
	/* Enabled again, it starts from index 0: the driver re-initialised
	 * its rings. */
	fx_reenable(f);
	head = fx_add(f, &buf, 1);
	fx_roundtrip(f, head, 64);
	/* A chain from before the reset is stale. */
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &b), -ESTALE);
}

static void rings_across_regions_work_through_the_interface(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf bufs[3] = {fx_buf(BUF_BASE + 0x100, 16, false),
				       fx_buf(BUF_BASE + 0x200, 32, true),
				       fx_buf(BUF_BASE + 0x300, 48, true)};
	uint16_t head;

	/* Descriptor table straddling the RING/BUF boundary. */
	fx_open_at(f, 16, FEAT_ALL, RING_END - 128, 0);
	for (int round = 0; round < 40; round++) {
		head = fx_add(f, bufs, 3);
		fx_roundtrip(f, head, 80);
	}
	/* And with host pointers disabled altogether. */
	fx_open_at(f, 16, FEAT_ALL, RING_BASE, CVMM_VQ_CFG_UNCACHED);
	for (int round = 0; round < 40; round++) {
		head = fx_add(f, bufs, 3);
		fx_roundtrip(f, head, 80);
	}
}

static void save_and_restore_round_trip(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf buf = fx_buf(BUF_BASE, 64, true);
	struct cvmm_vq_state s, s2;
	struct cvmm_vq *old;
	bool notify;
	uint16_t head;

	fx_open(f, 16, FEAT_ALL);
	/* Not-ready state is all zero. */
	fx_create_queue(f);
	memset(&s, 0xA5, sizeof(s));
	assert_int_equal(cvmm_vq_save(f->vq, &s), 0);
	assert_false(s.ready);
	assert_int_equal(s.layout.size, 0);
	assert_int_equal(cvmm_vq_restore(f->vq, &s), 0);
	assert_false(cvmm_vq_is_ready(f->vq));

	assert_int_equal(cvmm_vq_enable(f->vq, &f->layout), 0);
	for (int i = 0; i < 21; i++) {
		head = fx_add(f, &buf, 1);
		fx_roundtrip(f, head, 64);
	}
	assert_int_equal(cvmm_vq_needs_notification(f->vq, &notify), 0);
	assert_true(notify);
	assert_int_equal(cvmm_vq_save(f->vq, &s), 0);
	assert_true(s.ready);
	assert_int_equal(s.next_avail, 21);
	assert_int_equal(s.next_used, 21);
	assert_int_equal(s.signalled_used, 21);
	assert_true(s.signalled_used_valid);
	assert_int_equal(s.layout.size, 16);
	assert_true(s.layout.features == FEAT_ALL);

	/* A new queue continues where the old one stopped. */
	old = f->vq;
	f->vq = NULL;
	fx_create_queue(f);
	assert_int_equal(cvmm_vq_restore(f->vq, &s), 0);
	assert_true(cvmm_vq_is_ready(f->vq));
	assert_int_equal(cvmm_vq_save(f->vq, &s2), 0);
	assert_same_layout(&s2.layout, &s.layout);
	assert_int_equal(s2.next_avail, 21);
	cvmm_vq_destroy(old);
	for (int i = 0; i < 21; i++) {
		head = fx_add(f, &buf, 1);
		fx_roundtrip(f, head, 64);
	}
	/* Restoring over a ready queue replaces its state. */
	assert_int_equal(cvmm_vq_restore(f->vq, &s2), 0);
	assert_int_equal(cvmm_vq_save(f->vq, &s), 0);
	assert_int_equal(s.next_avail, 21);
	/* Restoring the empty state resets. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(cvmm_vq_restore(f->vq, &s), 0);
	assert_false(cvmm_vq_is_ready(f->vq));
}

static void restore_validates_everything(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf buf = fx_buf(BUF_BASE, 64, true);
	struct cvmm_vq_state good, s, after;
	uint16_t head;

	fx_open(f, 16, FEAT_ALL);
	head = fx_add(f, &buf, 1);
	fx_roundtrip(f, head, 64);
	assert_int_equal(cvmm_vq_save(f->vq, &good), 0);

#define EXPECT_REFUSED(mutation, err)                                          \
	do {                                                                   \
		s = good;                                                      \
		mutation;                                                      \
		assert_int_equal(cvmm_vq_restore(f->vq, &s), err);             \
		/* Unchanged: still ready with the old state. */               \
		assert_int_equal(cvmm_vq_save(f->vq, &after), 0);              \
		assert_same_layout(&after.layout, &good.layout);               \
		assert_int_equal(after.next_avail, good.next_avail);           \
	} while (0)

	EXPECT_REFUSED(s.layout.size = 0, -EINVAL);
	EXPECT_REFUSED(s.layout.size = 3, -EINVAL);
	EXPECT_REFUSED(s.layout.size = 512, -EINVAL);
	EXPECT_REFUSED(s.layout.size = UINT32_MAX, -EINVAL);
	EXPECT_REFUSED(s.layout.desc.raw += 8, -EDOM);
	EXPECT_REFUSED(s.layout.avail.raw += 1, -EDOM);
	EXPECT_REFUSED(s.layout.used.raw += 2, -EDOM);
	EXPECT_REFUSED(s.layout.desc.raw = BUF_END, -EFAULT);
	EXPECT_REFUSED(s.layout.used.raw = RO_BASE, -EACCES);
	EXPECT_REFUSED(s.layout.avail.raw = UINT64_MAX - 1, -EOVERFLOW);
	EXPECT_REFUSED(s.next_used = (uint16_t)(s.next_avail + 1), -EINVAL);
	/* A not-ready state must carry nothing. */
	EXPECT_REFUSED(s.ready = false, -EINVAL);
	cvmm_vq_reset(f->vq);
	{
		struct cvmm_vq_state z;

		memset(&z, 0, sizeof(z));
		z.layout.desc.raw = 1;
		assert_int_equal(cvmm_vq_restore(f->vq, &z), -EINVAL);
		memset(&z, 0, sizeof(z));
		z.layout.avail.raw = 1;
		assert_int_equal(cvmm_vq_restore(f->vq, &z), -EINVAL);
		memset(&z, 0, sizeof(z));
		z.layout.used.raw = 1;
		assert_int_equal(cvmm_vq_restore(f->vq, &z), -EINVAL);
		memset(&z, 0, sizeof(z));
		z.layout.features = 1;
		assert_int_equal(cvmm_vq_restore(f->vq, &z), -EINVAL);
		memset(&z, 0, sizeof(z));
		z.next_avail = 1;
		assert_int_equal(cvmm_vq_restore(f->vq, &z), -EINVAL);
		memset(&z, 0, sizeof(z));
		z.next_used = 1;
		assert_int_equal(cvmm_vq_restore(f->vq, &z), -EINVAL);
		memset(&z, 0, sizeof(z));
		z.signalled_used = 1;
		assert_int_equal(cvmm_vq_restore(f->vq, &z), -EINVAL);
		memset(&z, 0, sizeof(z));
		z.signalled_used_valid = true;
		assert_int_equal(cvmm_vq_restore(f->vq, &z), -EINVAL);
		memset(&z, 0, sizeof(z));
		z.layout.size = 16;
		assert_int_equal(cvmm_vq_restore(f->vq, &z), -EINVAL);
		assert_false(cvmm_vq_is_ready(f->vq));
	}
#undef EXPECT_REFUSED
}

static void save_refuses_chains_in_flight(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf buf = fx_buf(BUF_BASE, 64, true);
	struct cvmm_vq_state s;
	struct cvmm_vq_chain c;

	fx_open(f, 16, FEAT_ALL);
	fx_add(f, &buf, 1);
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), 0);
	memset(&s, 0x5A, sizeof(s));
	assert_int_equal(cvmm_vq_save(f->vq, &s), -EINPROGRESS);
	assert_int_equal(s.next_avail, 0x5A5A); /* untouched */
	assert_int_equal(cvmm_vq_add_used(f->vq, c.head, 0), 0);
	assert_int_equal(cvmm_vq_save(f->vq, &s), 0);
	assert_int_equal(s.next_avail, 1);
	/* A broken queue has no state worth saving. */
	assert_int_equal(cvmm_vqm_publish(f->m, 16), 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -ERANGE);
	assert_int_equal(cvmm_vq_save(f->vq, &s), -EIO);
}

static void restore_near_the_index_wrap(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf buf = fx_buf(BUF_BASE, 64, true);
	struct cvmm_vq_state s;
	uint64_t v;

	fx_open(f, 16, FEAT_ALL);
	assert_int_equal(cvmm_vq_save(f->vq, &s), 0);
	s.next_avail = s.next_used = 65530;
	assert_int_equal(cvmm_vq_restore(f->vq, &s), 0);
	assert_int_equal(cvmm_vqm_set_indices(f->m, 65530, 65530), 0);
	for (int i = 0; i < 40; i++) {
		uint16_t head = fx_add(f, &buf, 1);

		fx_roundtrip(f, head, (uint32_t)i);
	}
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_USED_IDX, 0, &v), 0);
	assert_int_equal(v, (65530 + 40) & 0xffff);
}

int run_layout_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(create_validates_config, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(every_power_of_two_size_is_accepted,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(bad_sizes_are_refused, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(ring_alignment_is_checked, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(rings_must_lie_in_guest_memory,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(used_ring_needs_writable_memory,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(ring_address_wrap_is_refused,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(ready_and_reset_semantics, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(
		rings_across_regions_work_through_the_interface, fx_setup,
		fx_teardown),
	    cmocka_unit_test_setup_teardown(save_and_restore_round_trip,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(restore_validates_everything,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(save_refuses_chains_in_flight,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(restore_near_the_index_wrap,
					    fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("virtio-queue layout", tests, NULL,
					   NULL);
}
