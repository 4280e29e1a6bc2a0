/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The used ring: cvmm_vq_add_used() validation and contents, and
 * notification suppression in both directions, with and without
 * VIRTIO_F_EVENT_IDX.
 */
#include "fixture.h"

static void add_used_needs_a_head_in_flight(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 64, true);
	struct cvmm_vq_chain c;
	uint64_t v;
	uint16_t head;

	fx_open(f, 16, 0);
	/* Never popped, out of range, returned twice. */
	assert_int_equal(cvmm_vq_add_used(f->vq, 0, 0), -ENOENT);
	assert_int_equal(cvmm_vq_add_used(f->vq, 16, 0), -ENOENT);
	assert_int_equal(cvmm_vq_add_used(f->vq, 0xffff, 0), -ENOENT);
	head = fx_add(f, &b, 1);
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), 0);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 64), 0);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 64), -ENOENT);
	/* Caller errors write nothing and break nothing. */
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_USED_IDX, 0, &v), 0);
	assert_int_equal(v, 1);
	assert_false(cvmm_vq_is_broken(f->vq));
	assert_int_equal(f->logs, 0);
}

static void add_used_length_is_bounded_by_writable_buffers(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b[3] = {fx_buf(BUF_BASE, 100, false),
				    fx_buf(BUF_BASE + 0x100, 30, true),
				    fx_buf(BUF_BASE + 0x200, 12, true)};
	struct cvmm_vq_chain c;
	struct cvmm_vq_buf buf;
	uint16_t head, id;
	uint32_t len;

	fx_open(f, 16, 0);
	head = fx_add(f, b, 3);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), 0);
	/* Nothing walked: nothing writable yet. */
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 1), -ENOBUFS);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &buf), 0);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 1), -ENOBUFS);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &buf), 0);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 31), -ENOBUFS);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &buf), 0);
	assert_true(cvmm_vq_chain_done(&c));
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 43), -ENOBUFS);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, UINT32_MAX), -ENOBUFS);
	assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), -EAGAIN);
	/* Exactly the writable bytes: accepted. */
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 42), 0);
	assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), 0);
	assert_int_equal(id, head);
	assert_int_equal(len, 42);
	/* A chain returned without being walked: length 0 only. */
	head = fx_add(f, b, 3);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), 0);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 0), 0);
	assert_false(cvmm_vq_is_broken(f->vq));
}

static void used_entries_land_in_order_across_laps(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 4096, true);
	struct cvmm_vq_chain c[4];
	uint64_t v;

	fx_open(f, 4, 0);
	/* Ten laps of the ring, four chains at a time returned in reverse:
	 * used slots follow the used index, not the head. */
	for (uint32_t lap = 0; lap < 10; lap++) {
		uint16_t heads[4];

		for (int i = 0; i < 4; i++)
			heads[i] = fx_add(f, &b, 1);
		for (int i = 0; i < 4; i++) {
			assert_int_equal(fx_pop_walk(f, &c[i], NULL, 0, NULL),
					 0);
			assert_int_equal(c[i].head, heads[i]);
		}
		for (int i = 3; i >= 0; i--)
			assert_int_equal(
			    cvmm_vq_add_used(f->vq, c[i].head,
					     lap * 4 + (uint32_t)i),
			    0);
		for (int i = 3; i >= 0; i--) {
			uint16_t id;
			uint32_t len;

			assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), 0);
			assert_int_equal(id, c[i].head);
			assert_int_equal(len, lap * 4 + (uint32_t)i);
		}
	}
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_USED_IDX, 0, &v), 0);
	assert_int_equal(v, 40);
}

/* Add and return one chain. */
static void one(struct fx *f)
{
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 8, true);
	uint16_t head = fx_add(f, &b, 1);

	fx_roundtrip(f, head, 8);
}

static bool needs(struct fx *f)
{
	bool n = false;

	assert_int_equal(cvmm_vq_needs_notification(f->vq, &n), 0);
	return n;
}

static void interrupt_suppression_without_event_idx(void **state)
{
	struct fx *f = *state;

	fx_open(f, 16, 0);
	/* Nothing added yet. */
	assert_false(needs(f));
	one(f);
	assert_true(needs(f));
	/* Nothing new since the last decision. */
	assert_false(needs(f));
	assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_AVAIL_FLAGS, 0,
				       CVMM_VQM_AVAIL_NO_INTERRUPT),
			 0);
	one(f);
	assert_false(needs(f));
	assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_AVAIL_FLAGS, 0, 0xfffe),
			 0);
	one(f);
	assert_true(needs(f));
}

/* Linux's vring_need_event(), written out independently. */
static bool reference_need_event(uint16_t event, uint16_t now, uint16_t old)
{
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

static void interrupt_suppression_with_event_idx(void **state)
{
	struct fx *f = *state;
	uint16_t used = 0;

	fx_open(f, 16, CVMM_VQ_F_EVENT_IDX);
	/* The first decision after enable: yes, whatever used_event says. */
	assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_USED_EVENT, 0, 0x1234),
			 0);
	one(f);
	used = 1;
	assert_true(needs(f));
	assert_false(needs(f));
	/* Then exactly when [old, now) crosses used_event, for batches of 1
	 * to 5 entries and events around them, across the 16-bit wrap. */
	for (int round = 0; round < 200; round++) {
		uint16_t old = used, event;
		int batch = 1 + round % 5;

		event = (uint16_t)(old + (round % 9) - 3);
		assert_int_equal(
		    cvmm_vqm_poke(f->m, CVMM_VQM_USED_EVENT, 0, event), 0);
		for (int i = 0; i < batch; i++)
			one(f);
		used = (uint16_t)(used + batch);
		assert_int_equal(needs(f),
				 reference_need_event(event, used, old));
		if (round == 100) {
			struct cvmm_vq_state s;

			/* Jump close to the wrap, keeping the bookkeeping. */
			assert_int_equal(cvmm_vq_save(f->vq, &s), 0);
			s.next_avail = s.next_used = s.signalled_used = 65500;
			assert_int_equal(cvmm_vq_restore(f->vq, &s), 0);
			assert_int_equal(
			    cvmm_vqm_set_indices(f->m, 65500, 65500), 0);
			used = 65500;
		}
	}
	/* A restored state without a decision says yes once. */
	{
		struct cvmm_vq_state s;

		assert_int_equal(cvmm_vq_save(f->vq, &s), 0);
		s.signalled_used_valid = false;
		assert_int_equal(cvmm_vq_restore(f->vq, &s), 0);
		assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_USED_EVENT, 0,
					       (uint16_t)(used + 100)),
				 0);
		one(f);
		assert_true(needs(f));
		one(f);
		assert_false(needs(f));
	}
}

static void driver_notification_without_event_idx(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 8, false);
	bool pending = true, kick = false;
	uint64_t v;
	uint16_t old;

	fx_open(f, 16, 0);
	assert_int_equal(cvmm_vq_disable_notification(f->vq), 0);
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_USED_FLAGS, 0, &v), 0);
	assert_int_equal(v, CVMM_VQM_USED_NO_NOTIFY);
	old = cvmm_vqm_avail_idx(f->m);
	fx_add(f, &b, 1);
	assert_int_equal(cvmm_vqm_kick_needed(f->m, old, &kick), 0);
	assert_false(kick);
	/* Re-enabling reports the chain that arrived meanwhile. */
	assert_int_equal(cvmm_vq_enable_notification(f->vq, &pending), 0);
	assert_true(pending);
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_USED_FLAGS, 0, &v), 0);
	assert_int_equal(v, 0);
	fx_roundtrip(f, 0, 0);
	assert_int_equal(cvmm_vq_enable_notification(f->vq, &pending), 0);
	assert_false(pending);
	old = cvmm_vqm_avail_idx(f->m);
	fx_add(f, &b, 1);
	assert_int_equal(cvmm_vqm_kick_needed(f->m, old, &kick), 0);
	assert_true(kick);
}

static void driver_notification_with_event_idx(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 8, false);
	bool pending = true, kick = true;
	uint64_t v;
	uint16_t old, head;

	fx_open(f, 16, CVMM_VQ_F_EVENT_IDX);
	/* Disabling writes nothing with EVENT_IDX. */
	assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_AVAIL_EVENT, 0, 0x77), 0);
	assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_USED_FLAGS, 0, 0), 0);
	assert_int_equal(cvmm_vq_disable_notification(f->vq), 0);
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_AVAIL_EVENT, 0, &v), 0);
	assert_int_equal(v, 0x77);
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_USED_FLAGS, 0, &v), 0);
	assert_int_equal(v, 0);
	/* Enabling sets avail_event to the next index to consume. */
	for (int i = 0; i < 3; i++) {
		head = fx_add(f, &b, 1);
		fx_roundtrip(f, head, 0);
	}
	assert_int_equal(cvmm_vq_enable_notification(f->vq, &pending), 0);
	assert_false(pending);
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_AVAIL_EVENT, 0, &v), 0);
	assert_int_equal(v, 3);
	/* The driver kicks for the next chain, not for the one after. */
	old = cvmm_vqm_avail_idx(f->m);
	fx_add(f, &b, 1);
	assert_int_equal(cvmm_vqm_kick_needed(f->m, old, &kick), 0);
	assert_true(kick);
	old = cvmm_vqm_avail_idx(f->m);
	fx_add(f, &b, 1);
	assert_int_equal(cvmm_vqm_kick_needed(f->m, old, &kick), 0);
	assert_false(kick);
	assert_int_equal(cvmm_vq_enable_notification(f->vq, &pending), 0);
	assert_true(pending);
}

/* A pop that finds the ring empty asks the driver for a notification, so
 * a device that waits after -EAGAIN is always notified of the next chain. */
static void an_empty_pop_asks_for_a_notification(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 8, false);
	struct cvmm_vq_chain c;
	bool kick = false;
	uint64_t v;
	uint16_t old, head;

	/* Without EVENT_IDX: NO_NOTIFY is cleared. */
	fx_open(f, 16, 0);
	assert_int_equal(cvmm_vq_disable_notification(f->vq), 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -EAGAIN);
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_USED_FLAGS, 0, &v), 0);
	assert_int_equal(v, 0);
	old = cvmm_vqm_avail_idx(f->m);
	fx_add(f, &b, 1);
	assert_int_equal(cvmm_vqm_kick_needed(f->m, old, &kick), 0);
	assert_true(kick);

	/* With EVENT_IDX: avail_event is the next chain, however many chains
	 * the driver added without a notification before. */
	fx_open(f, 16, CVMM_VQ_F_EVENT_IDX);
	assert_int_equal(cvmm_vqm_poke(f->m, CVMM_VQM_AVAIL_EVENT, 0, 0x77), 0);
	for (int i = 0; i < 3; i++) {
		head = fx_add(f, &b, 1);
		fx_roundtrip(f, head, 0);
	}
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -EAGAIN);
	assert_int_equal(cvmm_vqm_peek(f->m, CVMM_VQM_AVAIL_EVENT, 0, &v), 0);
	assert_int_equal(v, 3);
	old = cvmm_vqm_avail_idx(f->m);
	fx_add(f, &b, 1);
	assert_int_equal(cvmm_vqm_kick_needed(f->m, old, &kick), 0);
	assert_true(kick);
}

struct late_add {
	struct fx *f;
	struct cvmm_vqm_buf b;
	uint16_t head;
	int added;
};

/* The driver adds a chain right when the device asks for a notification
 * (as another vCPU could): after the device's write, before its re-read. */
static void add_on_write(void *arg, enum cvmm_mem_test_op op, cvmm_mem_gpa gpa,
			 uint64_t len, int result)
{
	struct late_add *l = arg;

	(void)gpa;
	(void)len;
	if (op != CVMM_MEM_TEST_WRITE || result != 0 || l->added++ != 0)
		return;
	cvmm_mem_test_set_observer(l->f->tm, NULL, NULL);
	l->head = fx_add(l->f, &l->b, 1);
}

static void a_chain_added_while_pop_asks_is_taken(void **state)
{
	struct fx *f = *state;
	struct cvmm_vq_chain c;

	for (int ev = 0; ev < 2; ev++) {
		struct late_add l = {f, fx_buf(BUF_BASE, 8, false), 0, 0};

		/* Uncached: the rings' accesses go through the interface,
		 * where the observer sees them. */
		fx_open_at(f, 16, ev ? CVMM_VQ_F_EVENT_IDX : 0, RING_BASE,
			   CVMM_VQ_CFG_UNCACHED);
		cvmm_mem_test_set_observer(f->tm, add_on_write, &l);
		assert_int_equal(cvmm_vq_pop(f->vq, &c), 0);
		assert_int_equal(l.added, 1);
		assert_int_equal(c.head, l.head);
		assert_int_equal(cvmm_vq_add_used(f->vq, c.head, 0), 0);
		assert_int_equal(cvmm_vq_pop(f->vq, &c), -EAGAIN);
	}
}

int run_used_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(add_used_needs_a_head_in_flight,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		add_used_length_is_bounded_by_writable_buffers, fx_setup,
		fx_teardown),
	    cmocka_unit_test_setup_teardown(
		used_entries_land_in_order_across_laps, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		interrupt_suppression_without_event_idx, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		interrupt_suppression_with_event_idx, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		driver_notification_without_event_idx, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(driver_notification_with_event_idx,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		an_empty_pop_asks_for_a_notification, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		a_chain_added_while_pop_asks_is_taken, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("virtio-queue used ring", tests,
					   NULL, NULL);
}
