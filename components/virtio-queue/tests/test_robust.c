/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Failing closed: the broken state, the rate-limited log, ring accesses
 * that fail (every one in turn), allocation failure, no allocation after
 * create, and no double fetch of guest fields.
 */
#include "fixture.h"

#include "alloc-fail.h"

#define TABLE (BUF_BASE + 0x2000)

static void violation(struct fx *f)
{
	struct cvmm_vq_chain c;

	assert_int_equal(cvmm_vqm_publish(f->m, 0xffff), 0);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -ERANGE);
}

static void broken_queue_fails_closed_until_reset(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 8, true);
	struct cvmm_vq_chain c;
	struct cvmm_vq_buf buf;
	uint16_t head;

	fx_open(f, 16, 0);
	head = fx_add(f, &b, 1);
	assert_int_equal(cvmm_vq_pop(f->vq, &c), 0);
	violation(f);
	/* Everything fails, the chain in flight included. */
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &buf), -EIO);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, 0), -EIO);
	fx_expect_broken(f, -ERANGE);
	assert_true(cvmm_vq_is_ready(f->vq));
	assert_non_null(strstr(f->log_msg, "head 65535 in avail slot 1"));
	assert_non_null(strstr(f->log_msg, "queue broken until reset"));
	/* Reset clears it. */
	fx_reenable(f);
	assert_int_equal(cvmm_vq_broken_error(f->vq), 0);
	head = fx_add(f, &b, 1);
	fx_roundtrip(f, head, 8);
}

static void violations_are_rate_limited(void **state)
{
	struct fx *f = *state;

	f->cfg.log_burst = 2;
	f->cfg.log_interval_ns = 1000;
	fx_open(f, 16, 0);
	for (int i = 0; i < 5; i++) {
		violation(f);
		assert_int_equal(cvmm_vq_broken_error(f->vq), -ERANGE);
		fx_reenable(f);
	}
	/* The limit survives resets: two reports, three suppressed. */
	assert_int_equal(f->logs, 2);
	f->clock = 999;
	violation(f);
	assert_int_equal(f->logs, 2);
	fx_reenable(f);
	f->clock = 1000;
	violation(f);
	assert_int_equal(f->logs, 3);
	assert_non_null(strstr(f->log_msg, "(4 earlier reports suppressed)"));
	fx_reenable(f);
	violation(f);
	assert_int_equal(f->logs, 4);
	assert_null(strstr(f->log_msg, "suppressed"));
	fx_reenable(f);
	violation(f);
	assert_int_equal(f->logs, 4);
	/* A clock that goes backwards opens a new window. */
	fx_reenable(f);
	f->clock = 10;
	violation(f);
	assert_int_equal(f->logs, 5);
	assert_non_null(strstr(f->log_msg, "(1 earlier reports suppressed)"));
}

static void default_rate_limit_and_clock(void **state)
{
	struct fx *f = *state;

	f->cfg.log_burst = 0;
	f->cfg.log_interval_ns = 0;
	f->cfg.clock = NULL;
	fx_open(f, 16, 0);
	/* Ten per five seconds (far more than this test takes). */
	for (int i = 0; i < 12; i++) {
		violation(f);
		fx_reenable(f);
	}
	assert_int_equal(f->logs, 10);
}

static void no_log_callback_is_fine(void **state)
{
	struct fx *f = *state;

	f->cfg.log = NULL;
	fx_open(f, 16, 0);
	violation(f);
	assert_true(cvmm_vq_is_broken(f->vq));
	assert_int_equal(cvmm_vq_broken_error(f->vq), -ERANGE);
	assert_int_equal(f->logs, 0);
}

/* One full cycle of every operation that touches the rings. */
static int cycle(struct fx *f)
{
	struct cvmm_vq_chain c;
	bool flag;
	int rc;

	rc = cvmm_vq_disable_notification(f->vq);
	if (rc == 0)
		rc = fx_pop_walk(f, &c, NULL, 0, NULL);
	if (rc == 0)
		rc = cvmm_vq_add_used(f->vq, c.head, c.writable_len);
	if (rc == 0)
		rc = cvmm_vq_needs_notification(f->vq, &flag);
	if (rc == 0)
		rc = cvmm_vq_enable_notification(f->vq, &flag);
	/* The ring is empty now: the pop asks for a notification (a write
	 * and a read of the rings that can fail too). */
	if (rc == 0) {
		rc = cvmm_vq_pop(f->vq, &c);
		if (rc == -EAGAIN)
			rc = 0;
		else if (rc == 0)
			rc = -ENOTEMPTY;
	}
	return rc;
}

static void fail_every_ring_access_in_turn(uint32_t flags, uint64_t features)
{
	struct fx *f = NULL;
	struct cvmm_vqm_buf direct[2] = {fx_buf(BUF_BASE, 8, false),
					 fx_buf(BUF_BASE + 8, 8, false)};
	struct cvmm_vqm_buf table[2] = {fx_buf(BUF_BASE + 16, 8, true),
					fx_buf(BUF_BASE + 24, 8, true)};
	struct cvmm_vqm_chain ch = {direct, 2, table, 2,
				    cvmm_mem_gpa_from(TABLE)};
	uint64_t nth;
	void *st;

	fx_setup(&st);
	f = st;
	fx_open_at(f, 16, features, RING_BASE, flags);
	for (nth = 1;; nth++) {
		uint16_t head;
		int rc;

		fx_reenable(f);
		assert_int_equal(cvmm_vqm_add(f->m, &ch, &head), 0);
		if (features & CVMM_VQ_F_EVENT_IDX) {
			/* The first notification decision reads no field;
			 * make a second one that does. */
			bool flag;

			assert_int_equal(
			    cvmm_vq_needs_notification(f->vq, &flag), 0);
		}
		assert_int_equal(cvmm_mem_test_fail_nth(f->tm, nth, INJECTED),
				 0);
		rc = cycle(f);
		if (!cvmm_mem_test_failure_fired(f->tm)) {
			assert_int_equal(rc, 0);
			break;
		}
		assert_int_equal(cvmm_mem_test_fail_nth(f->tm, 0, INJECTED), 0);
		/* An injected failure where a host pointer was being
		 * resolved is not an error: the interface is used. */
		if (rc == 0)
			continue;
		assert_int_equal(rc, INJECTED);
		fx_expect_broken(f, INJECTED);
	}
	/* Several ring fields and buffer checks were reached. */
	assert_true(nth > 4);
	fx_teardown(&st);
}

static void ring_access_failures_break_the_queue(void **state)
{
	(void)state;
	fail_every_ring_access_in_turn(CVMM_VQ_CFG_UNCACHED,
				       CVMM_VQ_F_INDIRECT_DESC);
	fail_every_ring_access_in_turn(CVMM_VQ_CFG_UNCACHED, FEAT_ALL);
	fail_every_ring_access_in_turn(0, FEAT_ALL);
	fail_every_ring_access_in_turn(0, CVMM_VQ_F_INDIRECT_DESC);
}

static void enable_survives_failures_in_turn(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 8, true);
	uint64_t nth;

	fx_open(f, 16, FEAT_ALL);
	for (nth = 1;; nth++) {
		int rc;
		uint16_t head;

		cvmm_vq_reset(f->vq);
		assert_int_equal(cvmm_mem_test_fail_nth(f->tm, nth, INJECTED),
				 0);
		rc = cvmm_vq_enable(f->vq, &f->layout);
		if (!cvmm_mem_test_failure_fired(f->tm)) {
			assert_int_equal(rc, 0);
			break;
		}
		assert_int_equal(cvmm_mem_test_fail_nth(f->tm, 0, INJECTED), 0);
		assert_false(cvmm_vq_is_broken(f->vq));
		if (rc != 0) {
			/* A failed check is a layout error. */
			assert_int_equal(rc, INJECTED);
			assert_false(cvmm_vq_is_ready(f->vq));
			continue;
		}
		/* A failed translation only costs the fast path. */
		cvmm_vqm_destroy(f->m);
		f->m = NULL;
		{
			struct cvmm_vqm_layout l;

			assert_int_equal(
			    cvmm_vqm_layout_at(cvmm_mem_gpa_from(RING_BASE), 16,
					       true, &l, NULL),
			    0);
			assert_int_equal(cvmm_vqm_create(&f->mem, &l, &f->m),
					 0);
		}
		head = fx_add(f, &b, 1);
		fx_roundtrip(f, head, 8);
	}
	assert_true(nth > 3);
	assert_int_equal(f->logs, 0);
}

static void create_survives_allocation_failure(void **state)
{
	struct fx *f = *state;
	uint64_t nth;

	for (nth = 1;; nth++) {
		struct cvmm_vq *vq = (struct cvmm_vq *)1;
		int rc;

		cvmm_alloc_fail_nth(nth);
		rc = cvmm_vq_create(&f->mem, &f->cfg, &vq);
		if (!cvmm_alloc_fail_fired()) {
			cvmm_alloc_fail_nth(0);
			assert_int_equal(rc, 0);
			cvmm_vq_destroy(vq);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_ptr_equal(vq, (struct cvmm_vq *)1);
	}
	assert_int_equal(nth, 2);
	/* The model too (leaks would show under ASan and valgrind). */
	for (nth = 1;; nth++) {
		struct cvmm_vqm_layout l;
		struct cvmm_vqm *m = NULL;
		int rc;

		assert_int_equal(
		    cvmm_vqm_layout_at(cvmm_mem_gpa_from(RING_BASE), 64, true,
				       &l, NULL),
		    0);
		cvmm_alloc_fail_nth(nth);
		rc = cvmm_vqm_create(&f->mem, &l, &m);
		if (!cvmm_alloc_fail_fired()) {
			cvmm_alloc_fail_nth(0);
			assert_int_equal(rc, 0);
			cvmm_vqm_destroy(m);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_null(m);
	}
}

static void nothing_allocates_after_create(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b[3] = {fx_buf(BUF_BASE, 100, false),
				    fx_buf(BUF_BASE + 0x100, 200, true),
				    fx_buf(BUF_BASE + 0x200, 300, true)};
	struct cvmm_vq_state s;
	uint64_t before;

	fx_open(f, 64, FEAT_ALL);
	before = cvmm_alloc_fail_count();
	for (int i = 0; i < 200; i++) {
		struct cvmm_vqm_chain ch = {b, 1, b + 1, 2,
					    cvmm_mem_gpa_from(TABLE)};
		uint16_t head;
		bool flag;

		assert_int_equal(cvmm_vqm_add(f->m, &ch, &head), 0);
		fx_roundtrip(f, head, 500);
		assert_int_equal(cvmm_vq_needs_notification(f->vq, &flag), 0);
		assert_int_equal(cvmm_vq_enable_notification(f->vq, &flag), 0);
	}
	assert_int_equal(cvmm_vq_save(f->vq, &s), 0);
	assert_int_equal(cvmm_vq_restore(f->vq, &s), 0);
	cvmm_vq_reset(f->vq);
	assert_int_equal(cvmm_vq_enable(f->vq, &f->layout), 0);
	assert_int_equal(cvmm_alloc_fail_count(), before);
}

struct reads {
	uint64_t gpa[256];
	uint64_t len[256];
	unsigned n;
};

static void record_read(void *arg, enum cvmm_mem_test_op op, cvmm_mem_gpa gpa,
			uint64_t len, int result)
{
	struct reads *r = arg;

	if (op == CVMM_MEM_TEST_READ && result == 0 && r->n < 256) {
		r->gpa[r->n] = gpa.raw;
		r->len[r->n] = len;
		r->n++;
	}
}

static unsigned reads_at(const struct reads *r, uint64_t gpa, uint64_t len)
{
	unsigned count = 0;

	for (unsigned i = 0; i < r->n; i++)
		count += r->gpa[i] == gpa && r->len[i] == len;
	return count;
}

static void guest_fields_are_read_once(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf direct[3] = {fx_buf(BUF_BASE, 8, false),
					 fx_buf(BUF_BASE + 8, 8, false),
					 fx_buf(BUF_BASE + 16, 8, false)};
	struct cvmm_vqm_buf table[3] = {fx_buf(BUF_BASE + 24, 8, true),
					fx_buf(BUF_BASE + 32, 8, true),
					fx_buf(BUF_BASE + 40, 8, true)};
	struct cvmm_vqm_chain ch = {direct, 3, table, 3,
				    cvmm_mem_gpa_from(TABLE)};
	struct cvmm_vq_chain c;
	struct reads r = {{0}, {0}, 0};
	uint64_t avail_idx;
	uint16_t heads[3];

	fx_open_at(f, 16, CVMM_VQ_F_INDIRECT_DESC, RING_BASE,
		   CVMM_VQ_CFG_UNCACHED);
	avail_idx = f->layout.avail.raw + 2;
	for (int i = 0; i < 3; i++)
		assert_int_equal(cvmm_vqm_add(f->m, &ch, &heads[i]), 0);
	cvmm_mem_test_set_observer(f->tm, record_read, &r);
	for (int i = 0; i < 3; i++) {
		struct cvmm_vqm_desc d;
		uint64_t slot = f->layout.desc.raw;

		assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), 0);
		assert_int_equal(c.count, 6);
		/* Each of the chain's four table descriptors and three
		 * indirect entries was read exactly once. */
		uint16_t s = c.head;

		for (int k = 0; k < 4; k++) {
			cvmm_mem_test_set_observer(f->tm, NULL, NULL);
			assert_int_equal(
			    cvmm_vqm_read_desc(&f->mem, f->layout.desc, s, &d),
			    0);
			cvmm_mem_test_set_observer(f->tm, record_read, &r);
			assert_int_equal(
			    reads_at(&r, slot + 16 * (uint64_t)s, 16), 1);
			s = d.next;
		}
		for (uint64_t k = 0; k < 3; k++)
			assert_int_equal(reads_at(&r, TABLE + 16 * k, 16),
					 (unsigned)i + 1);
	}
	/* One avail idx read served all three chains. */
	assert_int_equal(reads_at(&r, avail_idx, 2), 1);
	/* Finding the ring empty takes two: one before and one after asking
	 * for a notification. */
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -EAGAIN);
	assert_int_equal(reads_at(&r, avail_idx, 2), 3);
	cvmm_mem_test_set_observer(f->tm, NULL, NULL);
}

/* Walk one direct chain of the given buffer and return it; the number of
 * checks the memory interface saw. */
static unsigned checks_for(struct fx *f, struct cvmm_vqm_buf b, int expect)
{
	struct cvmm_vq_chain c;
	unsigned checks;
	uint16_t head = fx_add(f, &b, 1);

	f->checks = 0;
	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), expect);
	checks = f->checks;
	if (expect == 0) {
		uint16_t id;
		uint32_t len;

		assert_int_equal(cvmm_vq_add_used(f->vq, head, 0), 0);
		assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), 0);
	}
	return checks;
}

static void learned_memory_saves_checks_and_hides_nothing(void **state)
{
	struct fx *f = *state;

	fx_open(f, 16, 0);
	/* First buffer in BUF: its check, then the learning checks (the
	 * 16-KiB block is BUF, the 32-KiB one RING + BUF, the 64-KiB one takes
	 * in the hole).
	 * Then nothing for buffers inside RING or BUF. */
	assert_int_equal(checks_for(f, fx_buf(BUF_BASE + 8, 64, true), 0), 4);
	assert_int_equal(
	    checks_for(f, fx_buf(BUF_BASE + 0x3000, 0x1000, true), 0), 0);
	assert_int_equal(checks_for(f, fx_buf(RING_BASE, 8, false), 0), 0);
	assert_int_equal(checks_for(f, fx_buf(BUF_END, 0, true), 0), 0);
	/* The window never covers more than was checked: one byte past BUF
	 * is still a hole. */
	assert_int_equal(checks_for(f, fx_buf(BUF_END - 8, 9, false), -EFAULT),
			 1);
	fx_expect_broken(f, -EFAULT);
	/* Reset forgets: the check happens again. */
	fx_reenable(f);
	assert_true(checks_for(f, fx_buf(BUF_BASE + 8, 64, true), 0) > 1);
	/* HI is too small for a 16 KiB block: learning fails once, and is not
	 * retried for the same block. */
	assert_int_equal(checks_for(f, fx_buf(HI_BASE, 64, true), 0), 2);
	assert_int_equal(checks_for(f, fx_buf(HI_BASE + 64, 64, true), 0), 1);
	/* Read-only memory is never learned, so a writable buffer there is
	 * still refused after readable ones passed. */
	assert_int_equal(checks_for(f, fx_buf(RO_BASE, 64, false), 0), 2);
	assert_int_equal(checks_for(f, fx_buf(RO_BASE, 64, false), 0), 1);
	assert_int_equal(checks_for(f, fx_buf(RO_BASE, 64, true), -EACCES), 1);
	fx_expect_broken(f, -EACCES);
	/* Two ranges remembered at once: BUF and a 1-TiB block of phantom
	 * memory (the largest learned), and buffers in either are free. */
	fx_reenable(f);
	assert_int_equal(checks_for(f, fx_buf(BUF_BASE, 64, true), 0), 4);
	/* Its check, then blocks of 2^14 .. 2^40 bytes all pass. */
	assert_int_equal(checks_for(f, fx_buf(PHANTOM_BASE, 64, true), 0),
			 1 + 27);
	assert_int_equal(checks_for(f, fx_buf(BUF_BASE + 64, 64, true), 0), 0);
	assert_int_equal(
	    checks_for(f, fx_buf(PHANTOM_BASE + (UINT64_C(1) << 39), 64, true),
		       0),
	    0);
	/* Sticking out of the learned block: checked, and no block around it
	 * can be learned (the next larger one would end at 2^64). */
	assert_int_equal(
	    checks_for(
		f, fx_buf(PHANTOM_BASE + (UINT64_C(1) << 40) - 8, 16, true), 0),
	    1);
	/* At the very top no block has a representable end. */
	assert_int_equal(checks_for(f, fx_buf(UINT64_MAX - 64, 64, true), 0),
			 1);
	/* Uncached: one check per buffer, always. */
	fx_open_at(f, 16, 0, RING_BASE, CVMM_VQ_CFG_UNCACHED);
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    checks_for(f, fx_buf(BUF_BASE + 8, 64, true), 0), 1);
}

static void every_errno_has_a_description(void **state)
{
	static const int errs[] = {
	    -ENOSPC,	 -ERANGE,     -EBUSY,  -EBADSLT,  -ELOOP,
	    -EOPNOTSUPP, -EMLINK,     -EPROTO, -EBADMSG,  -E2BIG,
	    -EOVERFLOW,	 -EFAULT,     -EACCES, -EMSGSIZE, -EILSEQ,
	    -EINVAL,	 -EDOM,	      -ENODEV, -EALREADY, -EIO,
	    -ENOENT,	 -ENOBUFS,    -ESTALE, -ENODATA,  -EINPROGRESS,
	    -EXDEV,	 -EADDRINUSE, -ENOMEM, -EAGAIN,	  0,
	    INJECTED};
	const size_t n = sizeof(errs) / sizeof(errs[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(cvmm_vq_strerror(errs[i]));
		/* Distinct, except the fallback used for unknown errors. */
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(cvmm_vq_strerror(errs[i]),
						cvmm_vq_strerror(errs[j]));
	}
	assert_string_equal(cvmm_vq_strerror(-12345),
			    cvmm_vq_strerror(INJECTED));
}

int run_robustness_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		broken_queue_fails_closed_until_reset, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(violations_are_rate_limited,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(default_rate_limit_and_clock,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(no_log_callback_is_fine, fx_setup,
					    fx_teardown),
	    cmocka_unit_test(ring_access_failures_break_the_queue),
	    cmocka_unit_test_setup_teardown(enable_survives_failures_in_turn,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(create_survives_allocation_failure,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(nothing_allocates_after_create,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(guest_fields_are_read_once,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
		learned_memory_saves_checks_and_hides_nothing, fx_setup,
		fx_teardown),
	    cmocka_unit_test(every_errno_has_a_description),
	};

	return cmocka_run_group_tests_name("virtio-queue robustness", tests,
					   NULL, NULL);
}
