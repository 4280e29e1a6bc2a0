/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio-mmio transport, driven from the driver side, around the mock. */
#include "fixture.h"

#include "alloc-fail.h"

#define S_ACK  CVMM_VDEV_S_ACKNOWLEDGE
#define S_DRV  CVMM_VDEV_S_DRIVER
#define S_FOK  CVMM_VDEV_S_FEATURES_OK
#define S_DOK  CVMM_VDEV_S_DRIVER_OK
#define S_NR   CVMM_VDEV_S_DEVICE_NEEDS_RESET
#define S_FAIL CVMM_VDEV_S_FAILED

/* ---- creation ---- */

static void expect_create(struct fx *f, int rc)
{
	struct cvmm_vdev_mmio *t = NULL;

	f->cfg = fx_config(f, mock_device(&f->mock));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &t), rc);
	if (rc != 0)
		assert_null(t);
	cvmm_vdev_mmio_destroy(t);
}

static void test_create_invalid(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio *t = NULL;
	struct cvmm_vdev_ops ops;
	struct cvmm_vdev_mmio_config c;

	f->cfg = fx_config(f, mock_device(&f->mock));
	assert_int_equal(cvmm_vdev_mmio_create(NULL, &f->cfg, &t), -EINVAL);
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, NULL, &t), -EINVAL);
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, NULL),
			 -EINVAL);
	c = f->cfg;
	c.device.ops = NULL;
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &c, &t), -EINVAL);
	/* Every op is required. */
	for (size_t i = 0; i < sizeof(ops) / sizeof(void *); i++) {
		ops = *f->cfg.device.ops;
		memset((char *)&ops + i * sizeof(void *), 0, sizeof(void *));
		c = f->cfg;
		c.device.ops = &ops;
		assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &c, &t),
				 -EINVAL);
	}
	assert_null(t);
	assert_int_equal(cvmm_vdev_info_validate(NULL), -EINVAL);

	/* Each field of the device's info out of range. */
	f->mock.info.device_id = 0;
	expect_create(f, -EINVAL);
	mock_init(&f->mock);
	f->mock.info.num_queues = 0;
	expect_create(f, -EINVAL);
	f->mock.info.num_queues = CVMM_VDEV_MAX_QUEUES + 1;
	expect_create(f, -EINVAL);
	mock_init(&f->mock);
	f->mock.info.queue_max_size[1] = 0;
	expect_create(f, -EINVAL);
	f->mock.info.queue_max_size[1] = 24;
	expect_create(f, -EINVAL);
	f->mock.info.queue_max_size[1] = CVMM_VQ_MAX_SIZE * 2;
	expect_create(f, -EINVAL);
	f->mock.info.queue_max_size[1] = CVMM_VQ_MAX_SIZE;
	expect_create(f, 0);
	mock_init(&f->mock);
	f->mock.info.config_size = CVMM_VDEV_CONFIG_MAX + 1;
	expect_create(f, -EINVAL);
	f->mock.info.config_size = CVMM_VDEV_CONFIG_MAX;
	expect_create(f, 0);
	/* Transport bits the transport does not implement (packed ring,
	 * bit 24, bit 49); device bits 0..23 and 50..63 are the device's. */
	mock_init(&f->mock);
	f->mock.info.features |= UINT64_C(1) << 34;
	expect_create(f, -EINVAL);
	mock_init(&f->mock);
	f->mock.info.features |= UINT64_C(1) << 24;
	expect_create(f, -EINVAL);
	mock_init(&f->mock);
	f->mock.info.features |= UINT64_C(1) << 49;
	expect_create(f, -EINVAL);
	mock_init(&f->mock);
	f->mock.info.features |= UINT64_C(1) << 50 | UINT64_C(1) << 23 | F_V1;
	expect_create(f, 0);
	/* Destroying NULL is fine. */
	cvmm_vdev_mmio_destroy(NULL);
}

static void test_create_alloc_failure(void **state)
{
	struct fx *f = *state;
	bool done = false;

	f->mock.info.num_queues = 4;
	f->mock.info.queue_max_size[2] = 8;
	f->mock.info.queue_max_size[3] = 8;
	f->cfg = fx_config(f, mock_device(&f->mock));
	for (uint64_t n = 1; !done && n < 100; n++) {
		struct cvmm_vdev_mmio *t = NULL;
		int rc;

		cvmm_alloc_fail_nth(n);
		rc = cvmm_vdev_mmio_create(&f->mem, &f->cfg, &t);
		if (cvmm_alloc_fail_fired()) {
			assert_int_equal(rc, -ENOMEM);
			assert_null(t);
		} else {
			assert_int_equal(rc, 0);
			done = true;
		}
		cvmm_alloc_fail_nth(0);
		cvmm_vdev_mmio_destroy(t);
	}
	assert_true(done);
}

/* ---- identity and access checks ---- */

static void test_identity(void **state)
{
	struct fx *f = *state;

	fx_open_mock(f);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_VERSION), 2);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_ID), 0x2a);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_VENDOR_ID), 0x554d4551);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), 0);
	/* No shared memory regions: every one reads length -1. */
	fx_wr(f, CVMM_VDEV_MMIO_SHM_SEL, 3);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_SHM_LEN_LOW), UINT32_MAX);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_SHM_LEN_HIGH), UINT32_MAX);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_SHM_BASE_LOW), UINT32_MAX);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_SHM_BASE_HIGH), UINT32_MAX);
	assert_non_null(cvmm_vdev_mmio_queue(f->t, 1));
	assert_null(cvmm_vdev_mmio_queue(f->t, 2));
	assert_int_equal(cvmm_vdev_mmio_interrupt_status(f->t), 0);
}

static const uint32_t read_only[] = {
    CVMM_VDEV_MMIO_MAGIC_VALUE,	     CVMM_VDEV_MMIO_VERSION,
    CVMM_VDEV_MMIO_DEVICE_ID,	     CVMM_VDEV_MMIO_VENDOR_ID,
    CVMM_VDEV_MMIO_DEVICE_FEATURES,  CVMM_VDEV_MMIO_QUEUE_NUM_MAX,
    CVMM_VDEV_MMIO_INTERRUPT_STATUS, CVMM_VDEV_MMIO_SHM_LEN_LOW,
    CVMM_VDEV_MMIO_SHM_LEN_HIGH,     CVMM_VDEV_MMIO_SHM_BASE_LOW,
    CVMM_VDEV_MMIO_SHM_BASE_HIGH,    CVMM_VDEV_MMIO_CONFIG_GENERATION,
};

static const uint32_t write_only[] = {
    CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, CVMM_VDEV_MMIO_DRIVER_FEATURES,
    CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, CVMM_VDEV_MMIO_QUEUE_SEL,
    CVMM_VDEV_MMIO_QUEUE_NUM,		CVMM_VDEV_MMIO_QUEUE_NOTIFY,
    CVMM_VDEV_MMIO_INTERRUPT_ACK,	CVMM_VDEV_MMIO_QUEUE_DESC_LOW,
    CVMM_VDEV_MMIO_QUEUE_DESC_HIGH,	CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW,
    CVMM_VDEV_MMIO_QUEUE_DRIVER_HIGH,	CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW,
    CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH,	CVMM_VDEV_MMIO_SHM_SEL,
};

/* Offsets below 0x100 that decode nothing (legacy QueueAlign/QueuePFN at
 * 0x3c/0x40, QueueReset at 0xc0 without VIRTIO_F_RING_RESET, holes). */
static const uint32_t holes[] = {0x018, 0x01c, 0x028, 0x02c, 0x03c,
				 0x040, 0x048, 0x054, 0x068, 0x074,
				 0x088, 0x098, 0x0a8, 0x0c0, 0x0f8};

static void test_access_checks(void **state)
{
	struct fx *f = *state;
	uint8_t b[16];
	uint32_t v;

	fx_open_mock(f);
	/* Sizes: only 4 below 0x100; refused reads store zeros. */
	for (uint32_t len = 0; len <= 8; len++) {
		if (len == 4)
			continue;
		memset(b, 0xee, sizeof(b));
		assert_int_equal(cvmm_vdev_mmio_read(f->t, 0, b, len), -EINVAL);
		for (uint32_t i = 0; i < len; i++)
			assert_int_equal(b[i], 0);
		assert_int_equal(b[len], 0xee);
		assert_int_equal(
		    cvmm_vdev_mmio_write(f->t, CVMM_VDEV_MMIO_STATUS, b, len),
		    -EINVAL);
	}
	/* A huge len is refused without touching the buffer. */
	memset(b, 0xee, sizeof(b));
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0, b, 16), -EINVAL);
	assert_int_equal(b[0], 0xee);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0, NULL, 4), -EINVAL);
	assert_int_equal(cvmm_vdev_mmio_write(f->t, 0x70, NULL, 4), -EINVAL);
	/* Misaligned. */
	for (uint32_t off = 0x71; off < 0x74; off++) {
		assert_int_equal(fx_rd_rc(f, off, &v), -EDOM);
		assert_int_equal(v, 0);
		assert_int_equal(fx_wr_rc(f, off, S_ACK), -EDOM);
	}
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), 0);
	/* Holes. */
	for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
		assert_int_equal(fx_rd_rc(f, holes[i], &v), -ENXIO);
		assert_int_equal(v, 0);
		assert_int_equal(fx_wr_rc(f, holes[i], 1), -ENXIO);
	}
	/* Read-only and write-only registers. */
	for (size_t i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++)
		assert_int_equal(fx_wr_rc(f, read_only[i], 0), -EACCES);
	for (size_t i = 0; i < sizeof(write_only) / sizeof(write_only[0]);
	     i++) {
		assert_int_equal(fx_rd_rc(f, write_only[i], &v), -EACCES);
		assert_int_equal(v, 0);
	}
	/* Far past the window, and at the top of the address space. */
	assert_int_equal(fx_rd_rc(f, CVMM_VDEV_MMIO_WINDOW, &v), -ENXIO);
	assert_int_equal(fx_rd_rc(f, UINT64_MAX - 3, &v), -ENXIO);
	assert_int_equal(fx_wr_rc(f, UINT64_MAX - 3, 0), -ENXIO);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, UINT64_MAX, b, 1), -ENXIO);
	/* Nothing changed. */
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), 0);
	assert_int_equal(f->mock.resets, 0);
}

/* ---- features ---- */

static void test_device_features(void **state)
{
	struct fx *f = *state;
	uint64_t offered = f->mock.info.features | F_V1;

	fx_open_mock(f);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES),
			 (uint32_t)offered);
	fx_wr(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES),
			 (uint32_t)(offered >> 32));
	fx_wr(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES), 0);
	fx_wr(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, UINT32_MAX);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES), 0);

	/* A subset is accepted and given to the device. */
	fx_negotiate(f, 1u | CVMM_VDEV_F_EVENT_IDX);
	assert_int_equal(f->mock.acks, 1);
	assert_true(f->mock.acked == (1u | CVMM_VDEV_F_EVENT_IDX | F_V1));
	/* No change after FEATURES_OK. */
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 0);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, 0),
			 -EPERM);
	assert_true(cvmm_vdev_mmio_features(f->t) ==
		    (1u | CVMM_VDEV_F_EVENT_IDX | F_V1));
	fx_driver_ok(f);
	assert_true(f->mock.act.features ==
		    (1u | CVMM_VDEV_F_EVENT_IDX | F_V1));
}

/* Write the acked words (word 2 too), then try FEATURES_OK. */
static int try_features(struct fx *f, uint64_t acked, uint32_t word2,
			uint32_t extra_bits)
{
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 0);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, (uint32_t)acked);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 1);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, (uint32_t)(acked >> 32));
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 2);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, word2);
	return fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS,
			S_ACK | S_DRV | S_FOK | extra_bits);
}

static void test_features_refused(void **state)
{
	struct fx *f = *state;

	fx_open_mock(f);
	/* No VERSION_1: a legacy driver is refused. */
	assert_int_equal(try_features(f, 1, 0, 0), -EOPNOTSUPP);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), S_ACK | S_DRV);
	assert_int_equal(f->mock.acks, 0);
	assert_true(cvmm_vdev_mmio_features(f->t) == 0);
	/* A bit that was not offered. */
	assert_int_equal(try_features(f, F_V1 | 8, 0, 0), -EOPNOTSUPP);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), S_ACK | S_DRV);
	/* A bit past 63. */
	assert_int_equal(try_features(f, F_V1, 1, 0), -EOPNOTSUPP);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), S_ACK | S_DRV);
	assert_int_equal(f->mock.acks, 0);
	/* The device says no. */
	f->mock.ack_rc = -EINVAL;
	assert_int_equal(try_features(f, F_V1 | 1, 0, 0), -EOPNOTSUPP);
	assert_int_equal(f->mock.acks, 1);
	/* DRIVER_OK in the same write stays clear too; nothing activated. */
	assert_int_equal(try_features(f, F_V1 | 1, 0, S_DOK), -EOPNOTSUPP);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), S_ACK | S_DRV);
	assert_int_equal(f->mock.activates, 0);
	/* The driver may try again with other features. */
	f->mock.ack_rc = 0;
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 0);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, 0);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV | S_FOK);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS),
			 S_ACK | S_DRV | S_FOK);
	assert_true(cvmm_vdev_mmio_features(f->t) == F_V1);
	/* Everything in one write, word 2 written as 0, is fine. */
	assert_int_equal(try_features(f, F_V1 | 1, 0, S_DOK), 0);
	assert_int_equal(f->mock.activates, 1);
}

/* ---- status ---- */

static void test_status_order(void **state)
{
	struct fx *f = *state;

	fx_open_mock(f);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, S_DRV), -EPROTO);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_FOK),
			 -EPROTO);
	assert_int_equal(
	    fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV | S_DOK), -EPROTO);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, S_ACK | 16),
			 -EPROTO);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, S_ACK | 256),
			 -EPROTO);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), 0);
	/* The driver cannot set DEVICE_NEEDS_RESET. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_NR);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), S_ACK);
	/* Two steps at once. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV);
	/* Clearing a bit is refused. */
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, S_ACK), -EPROTO);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, S_DRV), -EPROTO);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), S_ACK | S_DRV);
	/* Writing the same value again is no step. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);

	/* The whole handshake, and DRIVER_OK activates once. */
	fx_bring_up(f, 0, 2, 16);
	assert_int_equal(f->mock.activates, 1);
	assert_true(f->mock.act.features == F_V1);
	assert_int_equal(f->mock.act.num_queues, 2);
	assert_ptr_equal(f->mock.act.queues[0], cvmm_vdev_mmio_queue(f->t, 0));
	assert_non_null(f->mock.act.mem);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(f->mock.activates, 1);
	/* FAILED: the device gets no more notifications. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK | S_FAIL);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0), -EIO);
	assert_int_equal(f->mock.notifies, 0);

	/* FAILED at any time, even first. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_FAIL);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), S_FAIL);
	/* DRIVER_OK together with FAILED does not activate. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	fx_negotiate(f, 0);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK | S_FAIL);
	assert_int_equal(f->mock.activates, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EIO);
}

static void test_activate_fails(void **state)
{
	struct fx *f = *state;

	fx_open_mock(f);
	f->mock.activate_rc = -ENOMEM;
	fx_negotiate(f, 0);
	assert_int_equal(
	    fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK),
	    -ENOMEM);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS),
			 S_ACK | S_DRV | S_FOK | S_DOK | S_NR);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS),
			 CVMM_VDEV_MMIO_INT_CONFIG);
	assert_int_equal(f->raises, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EIO);
	assert_int_equal(f->mock.notifies, 0);
	/* Reset brings it back. */
	f->mock.activate_rc = 0;
	fx_bring_up(f, 0, 1, 16);
	assert_int_equal(f->lowers, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
	assert_int_equal(f->mock.notifies, 1);
}

static void test_reset(void **state)
{
	struct fx *f = *state;

	fx_open_mock(f);
	fx_bring_up(f, 1, 2, 16);
	f->mock.resets = 0;
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 1);
	fx_wr(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 1);
	f->mock.act.host.ops->config_changed(f->mock.act.host.ctx);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS),
			 CVMM_VDEV_MMIO_INT_CONFIG);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	assert_int_equal(f->mock.resets, 1);
	assert_int_equal(f->lowers, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS), 0);
	assert_true(cvmm_vdev_mmio_features(f->t) == 0);
	/* Selectors back to 0. */
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 256);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES),
			 (uint32_t)f->mock.info.features);
	assert_false(cvmm_vq_is_ready(cvmm_vdev_mmio_queue(f->t, 0)));
	assert_false(cvmm_vq_is_ready(cvmm_vdev_mmio_queue(f->t, 1)));
	/* The generation survives a reset. */
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	/* A second reset with no interrupt pending lowers nothing. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	assert_int_equal(f->mock.resets, 2);
	assert_int_equal(f->lowers, 1);
	/* The driver's features are forgotten too: VERSION_1 missing. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV);
	assert_int_equal(
	    fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV | S_FOK),
	    -EOPNOTSUPP);
	/* It works again afterwards. */
	fx_bring_up(f, 0, 2, 16);
	assert_int_equal(f->mock.activates, 2);
}

/* ---- queues ---- */

static const uint32_t queue_regs[] = {
    CVMM_VDEV_MMIO_QUEUE_NUM,	      CVMM_VDEV_MMIO_QUEUE_DESC_LOW,
    CVMM_VDEV_MMIO_QUEUE_DESC_HIGH,   CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW,
    CVMM_VDEV_MMIO_QUEUE_DRIVER_HIGH, CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW,
    CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH,
};

static void test_queue_select(void **state)
{
	struct fx *f = *state;
	static const uint32_t bad[] = {2, 3, 16, 0x8000, UINT32_MAX};
	uint32_t v;

	fx_open_mock(f);
	fx_negotiate(f, 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 256);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 16);
	/* Out of range: reads 0, writes ignored. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, bad[i]);
		assert_int_equal(fx_rd_rc(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX, &v),
				 0);
		assert_int_equal(v, 0);
		assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_READY), 0);
		for (size_t r = 0;
		     r < sizeof(queue_regs) / sizeof(queue_regs[0]); r++)
			assert_int_equal(fx_wr_rc(f, queue_regs[r], 0x1000),
					 -ERANGE);
		assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1),
				 -ERANGE);
		assert_int_equal(
		    fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, bad[i]), -ERANGE);
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, bad[i]), -ERANGE);
	}
	/* The real queues were not touched. */
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_READY), 0);
}

static void test_queue_registers(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio_state st;

	fx_open_mock(f);
	/* QueueReady before FEATURES_OK: the layout depends on them. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV);
	fx_queue_regs(f, 0, 16, RING_BASE, RING_BASE + 0x100,
		      RING_BASE + 0x200);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EPERM);
	fx_negotiate(f, 0);
	/* Every register holds its 32 bits, high words included. */
	fx_queue_regs(f, 1, 0x11223344, UINT64_C(0x0102030405060708),
		      UINT64_C(0x1112131415161718),
		      UINT64_C(0x2122232425262728));
	assert_int_equal(cvmm_vdev_mmio_save(f->t, &st), 0);
	assert_int_equal(st.queues[1].num, 0x11223344);
	assert_true(st.queues[1].desc == UINT64_C(0x0102030405060708));
	assert_true(st.queues[1].driver == UINT64_C(0x1112131415161718));
	assert_true(st.queues[1].device == UINT64_C(0x2122232425262728));
	assert_int_equal(st.queue_sel, 1);
	/* A refused layout: queue not ready, device needs a reset, no
	 * interrupt before DRIVER_OK. */
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EINVAL);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_READY), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS),
			 S_ACK | S_DRV | S_FOK | S_NR);
	assert_int_equal(f->raises, 0);
	/* DRIVER_OK then tells the driver, and the device stays inactive. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS),
			 CVMM_VDEV_MMIO_INT_CONFIG);
	assert_int_equal(f->mock.activates, 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EIO);

	/* Ready queue: its registers are frozen; QueueReady 1 again is
	 * -EALREADY, other values -EINVAL, 0 makes it not ready. */
	fx_negotiate(f, 0);
	fx_queue(f, 0, 16, false);
	for (size_t r = 0; r < sizeof(queue_regs) / sizeof(queue_regs[0]); r++)
		assert_int_equal(fx_wr_rc(f, queue_regs[r], 0), -EPERM);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EALREADY);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 2), -EINVAL);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_READY, 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_READY), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_READY, 0);
	fx_queue(f, 0, 16, false);
	/* After DRIVER_OK nothing about queues may change. */
	fx_driver_ok(f);
	for (size_t r = 0; r < sizeof(queue_regs) / sizeof(queue_regs[0]); r++)
		assert_int_equal(fx_wr_rc(f, queue_regs[r], 0), -EPERM);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 0), -EPERM);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 1);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EPERM);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_NUM, 8), -EPERM);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_READY), 1);
}

static void test_queue_layout_refused(void **state)
{
	struct fx *f = *state;

	fx_open_mock(f);
	fx_negotiate(f, 0);
	/* Rings outside guest memory (above 4 GiB through the high words). */
	fx_queue_regs(f, 0, 16, UINT64_C(0x100000000), UINT64_C(0x100001000),
		      UINT64_C(0x100002000));
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EFAULT);
	fx_negotiate(f, 0);
	/* Misaligned descriptor table. */
	fx_queue_regs(f, 0, 16, RING_BASE + 8, RING_BASE + 0x200,
		      RING_BASE + 0x400);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EDOM);
	fx_negotiate(f, 0);
	/* Larger than QueueNumMax, and 0. */
	fx_queue_regs(f, 1, 32, RING_BASE, RING_BASE + 0x200,
		      RING_BASE + 0x400);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EINVAL);
	fx_negotiate(f, 0);
	fx_queue_regs(f, 1, 0, RING_BASE, RING_BASE + 0x200, RING_BASE + 0x400);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EINVAL);
	/* Avail ring running off the end of BUF into the hole. */
	fx_negotiate(f, 0);
	fx_queue_regs(f, 1, 16, RING_BASE, BUF_END - 2, RING_BASE + 0x400);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EFAULT);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_READY), 0);
	/* Used ring in read-only memory. */
	fx_negotiate(f, 0);
	fx_queue_regs(f, 1, 16, RING_BASE, RING_BASE + 0x200, RO_BASE);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_READY, 1), -EACCES);
	assert_true((fx_rd(f, CVMM_VDEV_MMIO_STATUS) & S_NR) != 0);
}

/* ---- notifications and interrupts ---- */

static void test_notify(void **state)
{
	struct fx *f = *state;

	fx_open_mock(f);
	fx_negotiate(f, 0);
	fx_queue(f, 0, 16, false);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0), -EPERM);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EPERM);
	fx_driver_ok(f);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
	assert_int_equal(f->mock.notifies, 2);
	assert_int_equal(f->mock.last_queue, 0);
	/* Queue 1 was never enabled. */
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 1), -ENODEV);
	assert_int_equal(f->mock.notifies, 2);
	/* The device fails: DEVICE_NEEDS_RESET, config interrupt, no more
	 * notifications. */
	f->mock.notify_rc = -ENOBUFS;
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0), -ENOBUFS);
	assert_true((fx_rd(f, CVMM_VDEV_MMIO_STATUS) & S_NR) != 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS),
			 CVMM_VDEV_MMIO_INT_CONFIG);
	assert_int_equal(f->raises, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EIO);
	assert_int_equal(f->mock.notifies, 3);
	/* The driver keeps NEEDS_RESET when it writes the status back. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, fx_rd(f, CVMM_VDEV_MMIO_STATUS));
	assert_true((fx_rd(f, CVMM_VDEV_MMIO_STATUS) & S_NR) != 0);
	/* The device's own report after that changes nothing. */
	f->mock.act.host.ops->needs_reset(f->mock.act.host.ctx, -EIO);
	assert_int_equal(f->raises, 1);
	f->mock.notify_rc = 0;
	fx_bring_up(f, 0, 1, 16);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
}

/* Inside notify: take one chain from queue 0 and give it back. */
static int complete_one(struct mock *m, uint32_t queue)
{
	struct cvmm_vq *vq = m->act.queues[0];
	struct cvmm_vq_chain c;
	int rc;

	(void)queue;
	rc = cvmm_vq_pop(vq, &c);
	if (rc != 0)
		return rc;
	rc = cvmm_vq_add_used(vq, c.head, 0);
	if (rc != 0)
		return rc;
	m->act.host.ops->queue_used(m->act.host.ctx, 0);
	return 0;
}

static void test_interrupts(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 16, true);
	struct cvmm_vdev_host host;
	uint16_t head;

	fx_open_mock(f);
	fx_bring_up(f, 0, 1, 16);
	host = f->mock.act.host;
	f->mock.hook = complete_one;
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->raises, 1);
	assert_int_equal(f->last_isr, CVMM_VDEV_MMIO_INT_VRING);
	/* Config change: generation and bit 1; both bits pending. */
	host.ops->config_changed(host.ctx);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(f->raises, 2);
	assert_int_equal(f->last_isr, 3);
	/* ACK one bit: still raised; ACK the other: lowered; ACK again:
	 * nothing. Unknown bits are ignored. */
	fx_wr(f, CVMM_VDEV_MMIO_INTERRUPT_ACK, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS), 2);
	assert_int_equal(f->lowers, 0);
	fx_wr(f, CVMM_VDEV_MMIO_INTERRUPT_ACK, 0xfffffffe);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(f->lowers, 1);
	fx_wr(f, CVMM_VDEV_MMIO_INTERRUPT_ACK, 3);
	assert_int_equal(f->lowers, 1);
	/* The driver asks for no interrupt: none. */
	assert_int_equal(cvmm_vqm_poke(f->m[0], CVMM_VQM_AVAIL_FLAGS, 0,
				       CVMM_VQM_AVAIL_NO_INTERRUPT),
			 0);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->raises, 2);
	/* A queue the device does not have, one not enabled, or nothing
	 * added: nothing. */
	host.ops->queue_used(host.ctx, 2);
	host.ops->queue_used(host.ctx, 1);
	host.ops->queue_used(host.ctx, 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS) & S_NR, 0);
	assert_int_equal(f->raises, 2);
	/* Work left on a queue: reported once; a queue the device does not
	 * have: never. */
	host.ops->queue_pending(host.ctx, 0);
	host.ops->queue_pending(host.ctx, CVMM_VDEV_MAX_QUEUES);
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 1);
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 0);
	/* A device that reports needing a reset. */
	host.ops->needs_reset(host.ctx, -EIO);
	assert_true((fx_rd(f, CVMM_VDEV_MMIO_STATUS) & S_NR) != 0);
	assert_int_equal(f->raises, 3);
	/* After a reset the old host handle is inert. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	host.ops->queue_used(host.ctx, 0);
	host.ops->config_changed(host.ctx);
	host.ops->needs_reset(host.ctx, -EIO);
	host.ops->queue_pending(host.ctx, 0);
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(f->raises, 3);
}

static void test_interrupt_broken_queue(void **state)
{
	struct fx *f = *state;

	fx_open_mock(f);
	fx_bring_up(f, 0, 1, 16);
	/* The avail index jumps past the queue size: pop breaks the queue;
	 * the queue_used report then finds it broken. */
	assert_int_equal(cvmm_vqm_poke(f->m[0], CVMM_VQM_AVAIL_IDX, 0, 100), 0);
	f->mock.hook = complete_one;
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -ENOSPC);
	assert_int_equal(f->logs, 1);
	assert_int_equal(f->log_err, -ENOSPC);
	f->mock.hook = NULL;
	fx_bring_up(f, 0, 1, 16);
	f->mock.act.host.ops->queue_used(f->mock.act.host.ctx, 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS) & S_NR, 0);
	assert_true(cvmm_vq_is_broken(cvmm_vdev_mmio_queue(f->t, 0)) == false);
	assert_int_equal(cvmm_vqm_poke(f->m[0], CVMM_VQM_AVAIL_IDX, 0, 100), 0);
	{
		struct cvmm_vq_chain c;

		assert_int_equal(cvmm_vq_pop(cvmm_vdev_mmio_queue(f->t, 0), &c),
				 -ENOSPC);
	}
	f->mock.act.host.ops->queue_used(f->mock.act.host.ctx, 0);
	assert_true((fx_rd(f, CVMM_VDEV_MMIO_STATUS) & S_NR) != 0);
}

static void test_no_irq_callback(void **state)
{
	struct fx *f = *state;

	f->cfg = fx_config(f, mock_device(&f->mock));
	f->cfg.irq = NULL;
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
	fx_bring_up(f, 0, 1, 16);
	f->mock.act.host.ops->config_changed(f->mock.act.host.ctx);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS), 2);
	fx_wr(f, CVMM_VDEV_MMIO_INTERRUPT_ACK, 2);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(f->raises + f->lowers, 0);
}

/* ---- config space ---- */

static void test_config_space(void **state)
{
	struct fx *f = *state;
	uint8_t b[8];

	fx_open_mock(f);
	/* Every aligned 1-, 2-, 4-byte access inside the 12 bytes. */
	for (uint32_t len = 1; len <= 4; len *= 2) {
		for (uint32_t off = 0; off + len <= 12; off += len) {
			memset(b, 0, sizeof(b));
			assert_int_equal(
			    cvmm_vdev_mmio_read(f->t, 0x100 + off, b, len), 0);
			for (uint32_t i = 0; i < len; i++)
				assert_int_equal(b[i], 0x10 + off + i);
		}
		/* Just past the end. */
		assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x100 + 12, b, len),
				 -ENXIO);
		assert_int_equal(b[0], 0);
		assert_int_equal(cvmm_vdev_mmio_write(f->t, 0x100 + 12, b, len),
				 -ENXIO);
	}
	/* Misaligned, odd sizes. */
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x101, b, 2), -EDOM);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x102, b, 4), -EDOM);
	assert_int_equal(cvmm_vdev_mmio_write(f->t, 0x106, b, 4), -EDOM);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x100, b, 3), -EINVAL);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x100, b, 8), -EINVAL);
	assert_int_equal(cvmm_vdev_mmio_write(f->t, 0x100, b, 8), -EINVAL);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x100, b, 0), -EINVAL);
	/* Writes reach the device at the right offset. */
	b[0] = 0xa1;
	b[1] = 0xa2;
	assert_int_equal(cvmm_vdev_mmio_write(f->t, 0x10a, b, 2), 0);
	assert_int_equal(f->mock.config[10], 0xa1);
	assert_int_equal(f->mock.config[11], 0xa2);
	/* The device refuses a write, and fails a read (zeros). */
	f->mock.config_write_rc = -EACCES;
	assert_int_equal(cvmm_vdev_mmio_write(f->t, 0x100, b, 1), -EACCES);
	assert_int_equal(f->mock.config[0], 0x10);
	f->mock.config_read_rc = -EIO;
	memset(b, 0xee, sizeof(b));
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x104, b, 4), -EIO);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[3], 0);
}

/* A config size that is not a multiple of 4: a 4-byte access at the last
 * aligned offset would cross the end. */
static void test_config_space_odd(void **state)
{
	struct fx *f = *state;
	uint8_t b[4];

	f->mock.info.config_size = 6;
	fx_open_mock(f);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x104, b, 4), -ENXIO);
	assert_int_equal(cvmm_vdev_mmio_write(f->t, 0x104, b, 4), -ENXIO);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x104, b, 2), 0);
	assert_int_equal(b[1], 0x15);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x106, b, 1), -ENXIO);
}

static void test_config_space_empty(void **state)
{
	struct fx *f = *state;
	uint8_t b[4];

	f->mock.info.config_size = 0;
	fx_open_mock(f);
	assert_int_equal(cvmm_vdev_mmio_read(f->t, 0x100, b, 1), -ENXIO);
	assert_int_equal(cvmm_vdev_mmio_write(f->t, 0x100, b, 4), -ENXIO);
}

/* ---- re-entrancy ---- */

static int reenter(struct mock *m, uint32_t queue)
{
	struct fx *f = m->hook_arg;
	struct cvmm_vdev_mmio_state *st = malloc(sizeof(*st));
	uint8_t b[4] = {0, 0, 0, 0};
	int bad = 0;

	(void)queue;
	assert_non_null(st);
	/* Every entry point is refused and changes nothing. */
	bad |=
	    cvmm_vdev_mmio_write(f->t, CVMM_VDEV_MMIO_STATUS, b, 4) != -EBUSY;
	memset(b, 0xee, sizeof(b));
	bad |= cvmm_vdev_mmio_read(f->t, CVMM_VDEV_MMIO_MAGIC_VALUE, b, 4) !=
	       -EBUSY;
	bad |= b[0] != 0;
	bad |= cvmm_vdev_mmio_notify(f->t, 0) != -EBUSY;
	bad |= cvmm_vdev_mmio_save(f->t, st) != -EBUSY;
	bad |= cvmm_vdev_mmio_restore(f->t, st) != -EBUSY;
	free(st);
	f->hook_rc = bad ? -EPROTO : 1;
	return 0;
}

static void irq_reenter(struct fx *f)
{
	(void)reenter(&f->mock, 0);
}

static void test_reentrancy(void **state)
{
	struct fx *f = *state;
	uint32_t status;

	fx_open_mock(f);
	f->mock.hook = reenter;
	f->mock.hook_arg = f;
	/* From inside activate(). */
	fx_bring_up(f, 0, 1, 16);
	assert_int_equal(f->hook_rc, 1);
	status = fx_rd(f, CVMM_VDEV_MMIO_STATUS);
	/* From inside notify(). */
	f->hook_rc = 0;
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
	assert_int_equal(f->hook_rc, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), status);
	/* From inside the irq callback, raise and lower, even when the
	 * device reports from outside any transport call. */
	f->mock.hook = NULL;
	f->irq_hook = irq_reenter;
	f->hook_rc = 0;
	f->mock.act.host.ops->config_changed(f->mock.act.host.ctx);
	assert_int_equal(f->hook_rc, 1);
	f->hook_rc = 0;
	fx_wr(f, CVMM_VDEV_MMIO_INTERRUPT_ACK, 2);
	assert_int_equal(f->hook_rc, 1);
	assert_int_equal(f->lowers, 1);
	/* From inside the queues' log callback (a violation found while the
	 * device walks a queue inside notify()). */
	f->irq_hook = NULL;
	f->log_hook = irq_reenter;
	f->hook_rc = 0;
	f->mock.hook = complete_one;
	assert_int_equal(cvmm_vqm_poke(f->m[0], CVMM_VQM_AVAIL_IDX, 0, 100), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -ENOSPC);
	assert_int_equal(f->hook_rc, 1);
	assert_int_equal(f->logs, 1);
	f->log_hook = NULL;
	f->mock.hook = NULL;
	fx_bring_up(f, 0, 1, 16);
	status = fx_rd(f, CVMM_VDEV_MMIO_STATUS);
	/* And the transport is usable after each. */
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), status);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
}

/* ---- snapshots ---- */

static void test_save_restore(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio_state st;
	struct mock other;
	struct cvmm_vdev_mmio *t2;
	struct cvmm_vdev_mmio_config c;
	uint8_t b[4];

	fx_open_mock(f);
	fx_bring_up(f, 1, 2, 16);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 1);
	f->mock.act.host.ops->config_changed(f->mock.act.host.ctx);
	assert_int_equal(cvmm_vdev_mmio_save(f->t, &st), 0);
	assert_int_equal(st.status, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(st.interrupt_status, 2);
	assert_int_equal(st.config_generation, 1);
	assert_int_equal(st.num_queues, 2);
	assert_true(st.queues[0].vq.ready);
	assert_int_equal(st.device_len, 4);
	assert_int_equal(st.device[0], 0xab);

	/* Into another transport around another device. */
	mock_init(&other);
	c = fx_config(f, mock_device(&other));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &c, &t2), 0);
	f->raises = 0;
	assert_int_equal(cvmm_vdev_mmio_restore(t2, &st), 0);
	assert_int_equal(other.restores, 1);
	assert_int_equal(other.restored_len, 4);
	assert_int_equal(other.activates, 1);
	assert_true(other.act.features == (F_V1 | 1));
	assert_int_equal(other.acks, 1);
	assert_int_equal(f->raises, 1);
	assert_int_equal(cvmm_vdev_mmio_status(t2), st.status);
	assert_int_equal(cvmm_vdev_mmio_interrupt_status(t2), 2);
	assert_int_equal(
	    cvmm_vdev_mmio_read(t2, CVMM_VDEV_MMIO_QUEUE_NUM_MAX, b, 4), 0);
	assert_int_equal(b[0], 16); /* QueueSel 1 restored */
	assert_int_equal(
	    cvmm_vdev_mmio_read(t2, CVMM_VDEV_MMIO_QUEUE_READY, b, 4), 0);
	assert_int_equal(b[0], 1);
	assert_int_equal(cvmm_vdev_mmio_notify(t2, 1), 0);
	assert_int_equal(other.notifies, 1);
	cvmm_vdev_mmio_destroy(t2);
	assert_int_equal(cvmm_vdev_mmio_save(f->t, NULL), -EINVAL);
	assert_int_equal(cvmm_vdev_mmio_restore(f->t, NULL), -EINVAL);
}

/* Restore a modified copy of a good state: refused, transport reset. */
static void expect_restore(struct fx *f, const struct cvmm_vdev_mmio_state *st,
			   int rc)
{
	assert_int_equal(cvmm_vdev_mmio_restore(f->t, st), rc);
	if (rc != 0) {
		assert_int_equal(cvmm_vdev_mmio_status(f->t), 0);
		assert_int_equal(cvmm_vdev_mmio_interrupt_status(f->t), 0);
		assert_false(f->mock.active);
	}
}

static void test_restore_invalid(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio_state good;
	struct cvmm_vdev_mmio_state st;

	fx_open_mock(f);
	fx_bring_up(f, CVMM_VDEV_F_EVENT_IDX, 2, 16);
	assert_int_equal(cvmm_vdev_mmio_save(f->t, &good), 0);
	expect_restore(f, &good, 0);
	assert_true(f->mock.active);

	st = good;
	st.status |= 16;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.status = S_ACK | S_FOK;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.interrupt_status = 4;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.num_queues = 1;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.device_len = CVMM_VDEV_STATE_MAX + 1;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.driver_features &= ~F_V1;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.driver_features_extra = true;
	expect_restore(f, &st, -EINVAL);
	/* A ready queue whose layout is not what the registers say. */
	st = good;
	st.queues[1].num = 8;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.queues[1].desc += 16;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.queues[1].driver += 2;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.queues[1].device += 4;
	expect_restore(f, &st, -EINVAL);
	st = good;
	st.queues[1].vq.layout.features = 0;
	expect_restore(f, &st, -EINVAL);
	/* A ready queue without FEATURES_OK. */
	memset(&st, 0, sizeof(st));
	st.num_queues = 2;
	st.status = S_ACK | S_DRV;
	st.queues[0] = good.queues[0];
	st.queues[0].vq.layout.features = 0;
	expect_restore(f, &st, -EINVAL);
	/* The queue's own validation. */
	st = good;
	st.queues[1].vq.next_used = 3;
	expect_restore(f, &st, -EINVAL);
	/* The device refuses its blob, or to start. */
	f->mock.restore_rc = -EBADMSG;
	expect_restore(f, &good, -EBADMSG);
	f->mock.restore_rc = 0;
	f->mock.activate_rc = -ENOMEM;
	expect_restore(f, &good, -ENOMEM);
	f->mock.activate_rc = 0;
	/* Not ready and before FEATURES_OK: fine, nothing activated. */
	memset(&st, 0, sizeof(st));
	st.num_queues = 2;
	st.status = S_ACK;
	st.driver_features = UINT64_MAX;
	f->mock.activates = 0;
	expect_restore(f, &st, 0);
	assert_int_equal(f->mock.activates, 0);
	/* NEEDS_RESET saved: restored, not activated. */
	st = good;
	st.status |= S_NR;
	expect_restore(f, &st, 0);
	assert_int_equal(f->mock.activates, 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EIO);
	/* Back to the good one. */
	expect_restore(f, &good, 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
}

static void test_save_errors(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio_state st;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 16, true);
	struct cvmm_vq_chain c;
	uint16_t head;

	fx_open_mock(f);
	fx_bring_up(f, 0, 1, 16);
	f->mock.save_rc = -ENOSPC;
	assert_int_equal(cvmm_vdev_mmio_save(f->t, &st), -ENOSPC);
	f->mock.save_rc = 0;
	f->mock.save_len = CVMM_VDEV_STATE_MAX + 1;
	assert_int_equal(cvmm_vdev_mmio_save(f->t, &st), -EOVERFLOW);
	f->mock.save_len = 0;
	/* A chain in flight. */
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	assert_int_equal(cvmm_vq_pop(cvmm_vdev_mmio_queue(f->t, 0), &c), 0);
	assert_int_equal(cvmm_vdev_mmio_save(f->t, &st), -EINPROGRESS);
	assert_int_equal(
	    cvmm_vq_add_used(cvmm_vdev_mmio_queue(f->t, 0), c.head, 0), 0);
	assert_int_equal(cvmm_vdev_mmio_save(f->t, &st), 0);
}

int run_mmio_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_invalid, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_create_alloc_failure, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_identity, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_access_checks, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_device_features, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_features_refused, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_status_order, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_activate_fails, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_reset, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_queue_select, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_queue_registers, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_queue_layout_refused, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_notify, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_interrupts, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_interrupt_broken_queue,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_no_irq_callback, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_config_space, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_config_space_odd, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_config_space_empty, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_reentrancy, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_save_restore, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_restore_invalid, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_save_errors, fx_setup,
					    fx_teardown),
	};

	return cmocka_run_group_tests_name("vdev-mmio", tests, NULL, NULL);
}
