/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random driver behaviour, seeded and repeatable: register accesses of any
 * offset, size and value, bring-ups, chains, hostile ring values,
 * notifications, console input, interleaved. After every step the
 * transport's invariants must hold; AddressSanitizer and valgrind watch the
 * memory. A quick in-suite cousin of a fuzz target.
 */
#include "fixture.h"

#define STEPS 20000u

struct rnd {
	uint64_t s;
};

static uint64_t next(struct rnd *r)
{
	/* xorshift64 */
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static uint32_t below(struct rnd *r, uint32_t n)
{
	return (uint32_t)(next(r) % n);
}

static const uint64_t offsets[] = {
    0x000, 0x004, 0x008, 0x00c, 0x010, 0x014, 0x020, 0x024, 0x030,
    0x034, 0x038, 0x044, 0x050, 0x060, 0x064, 0x070, 0x080, 0x084,
    0x090, 0x094, 0x0a0, 0x0a4, 0x0ac, 0x0b0, 0x0bc, 0x0c0, 0x0fc,
    0x100, 0x102, 0x104, 0x108, 0x10b, 0x10c, 0x1ff, 0x071, 0x03c,
};

static uint64_t pick_offset(struct rnd *r)
{
	if (below(r, 16) == 0)
		return next(r);
	return offsets[below(r, sizeof(offsets) / sizeof(offsets[0]))];
}

static uint32_t pick_len(struct rnd *r)
{
	static const uint32_t lens[] = {4, 4, 4, 4, 1, 2, 8, 3, 0};

	return lens[below(r, sizeof(lens) / sizeof(lens[0]))];
}

static uint32_t pick_value(struct rnd *r)
{
	switch (below(r, 6)) {
	case 0:
		return (uint32_t)next(r);
	case 1:
		return below(r, 4);
	case 2:
		return 1u << below(r, 32);
	case 3: /* a status the handshake would write */
		return (uint32_t[]){1, 3, 11, 15, 0, 128, 64, 4}[below(r, 8)];
	case 4: /* an address in or near guest memory */
		return RING_BASE + below(r, 0x20000);
	default:
		return below(r, 300);
	}
}

/* A bring-up that ignores every result (some steps may be refused). */
static void driver_bring_up(struct fx *f, struct rnd *r)
{
	struct cvmm_vqm_layout l;
	uint32_t dev_lo;
	uint32_t features;
	bool event_idx;

	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, 0);
	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, 3);
	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 0);
	(void)fx_rd_rc(f, CVMM_VDEV_MMIO_DEVICE_FEATURES, &dev_lo);
	features = dev_lo & (uint32_t)next(r);
	event_idx = (features & CVMM_VDEV_F_EVENT_IDX) != 0;
	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 0);
	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, features);
	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 1);
	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, 1);
	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, 11);
	for (uint32_t q = 0; q < 2; q++) {
		cvmm_vqm_destroy(f->m[q]);
		f->m[q] = NULL;
		if (cvmm_vqm_layout_at(cvmm_mem_gpa_from(QUEUE_BASE(q)), 16,
				       event_idx, &l, NULL) != 0 ||
		    cvmm_vqm_create(&f->mem, &l, &f->m[q]) != 0)
			continue;
		(void)fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_SEL, q);
		(void)fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_NUM, 16);
		(void)fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_DESC_LOW,
			       (uint32_t)l.desc.raw);
		(void)fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW,
			       (uint32_t)l.avail.raw);
		(void)fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW,
			       (uint32_t)l.used.raw);
		(void)fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1);
	}
	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, 15);
}

static void add_chain(struct fx *f, struct rnd *r)
{
	struct cvmm_vqm_buf b[3];
	uint32_t n = 1 + below(r, 3);
	uint32_t q = below(r, 2);
	uint16_t head;

	if (f->m[q] == NULL)
		return;
	for (uint32_t i = 0; i < n; i++)
		b[i] = fx_buf(BUF_BASE + 0x1000 * i + below(r, 0x800),
			      below(r, 600), below(r, 4) != 0);
	(void)cvmm_vqm_add_direct(f->m[q], b, n, &head);
}

static void hostile(struct fx *f, struct rnd *r)
{
	uint32_t q = below(r, 2);

	if (f->m[q] == NULL)
		return;
	(void)cvmm_vqm_poke(f->m[q],
			    (enum cvmm_vqm_field)below(r, CVMM_VQM_FIELD_COUNT),
			    below(r, 20), next(r) % 70000);
}

static void reclaim(struct fx *f)
{
	for (uint32_t q = 0; q < 2; q++) {
		uint16_t id;
		uint32_t len;

		/* A hostile driver state may make the model complain: it is
		 * the model's problem, not the device's. */
		for (int i = 0; f->m[q] != NULL && i < 64; i++)
			if (cvmm_vqm_get_used(f->m[q], &id, &len) == -EAGAIN)
				break;
	}
}

static void check_invariants(struct fx *f)
{
	uint32_t status = cvmm_vdev_mmio_status(f->t);
	uint32_t isr = cvmm_vdev_mmio_interrupt_status(f->t);

	assert_int_equal(status & ~(uint32_t)(1 | 2 | 4 | 8 | 64 | 128), 0);
	assert_int_equal(isr & ~(uint32_t)3, 0);
	/* The line is high exactly while a bit is pending. */
	assert_int_equal(isr != 0, f->raises > 0 && f->last_isr != 0);
	/* Order: no bit set without the ones before it. */
	if ((status & CVMM_VDEV_S_DRIVER_OK) != 0)
		assert_true((status & CVMM_VDEV_S_FEATURES_OK) != 0);
	if ((status & CVMM_VDEV_S_FEATURES_OK) != 0)
		assert_true((cvmm_vdev_mmio_features(f->t) &
			     CVMM_VDEV_F_VERSION_1) != 0);
}

static void run(struct fx *f, uint64_t seed)
{
	struct rnd r = {seed};
	uint8_t data[8];
	uint32_t refused = 0;

	for (uint32_t step = 0; step < STEPS; step++) {
		uint32_t len = pick_len(&r);
		uint64_t off = pick_offset(&r);
		uint32_t v = pick_value(&r);

		switch (below(&r, 16)) {
		case 0:
		case 1:
		case 2:
		case 3:
		case 4:
		case 5:
			for (unsigned i = 0; i < 8; i++)
				data[i] = (uint8_t)(v >> (8 * (i % 4)));
			refused +=
			    cvmm_vdev_mmio_write(f->t, off, data, len) != 0;
			break;
		case 6:
		case 7:
			if (cvmm_vdev_mmio_read(f->t, off, data, len) != 0) {
				/* A refused read gives zeros. */
				for (uint32_t i = 0; i < len && len <= 8; i++)
					assert_int_equal(data[i], 0);
				refused++;
			}
			break;
		case 8:
			if (below(&r, 8) == 0)
				driver_bring_up(f, &r);
			break;
		case 9:
		case 10:
			add_chain(f, &r);
			break;
		case 11:
			if (below(&r, 4) == 0)
				hostile(f, &r);
			break;
		case 12:
		case 13:
			refused +=
			    cvmm_vdev_mmio_notify(f->t, below(&r, 3)) != 0;
			break;
		case 14:
			if (f->con != NULL) {
				size_t taken;

				if (cvmm_vdev_console_input(f->con, data,
							    below(&r, 9),
							    &taken) != 0)
					refused++;
			}
			break;
		default:
			reclaim(f);
			break;
		}
		check_invariants(f);
	}
	/* Both kinds happened. */
	assert_true(refused > STEPS / 10 && refused < STEPS);
}

static void test_random_mock(void **state)
{
	struct fx *f = *state;

	fx_open_mock(f);
	run(f, 0x9e3779b97f4a7c15u);
}

static void test_random_rng(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_rng_config c;

	memset(&c, 0, sizeof(c));
	c.queue_size = 16;
	c.max_bytes_per_chain = 700;
	fx_open_rng(f, &c);
	run(f, 0x2545f4914f6cdd1du);
	/* The device did real work in between. */
	assert_true(cvmm_vdev_rng_get_stats(f->rng).chains > 100);
	assert_true(cvmm_vdev_rng_get_stats(f->rng).capped > 10);
}

static int discard(void *arg, const uint8_t *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return 0;
}

static void test_random_console(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_console_config c;

	memset(&c, 0, sizeof(c));
	c.queue_size = 16;
	c.sink = discard;
	fx_open_console(f, &c);
	run(f, 0x853c49e6748fea9bu);
	assert_true(cvmm_vdev_console_get_stats(f->con).rx_bytes > 100);
	assert_true(cvmm_vdev_console_get_stats(f->con).tx_bytes > 1000);
}

int run_random_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_random_mock, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_random_rng, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_random_console, fx_setup,
					    fx_teardown),
	};

	return cmocka_run_group_tests_name("vdev-random", tests, NULL, NULL);
}
