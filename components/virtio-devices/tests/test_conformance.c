/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every implementation of the device interface must do, checked the
 * same way for each device of the component (the seed of a harness suite
 * for devices written elsewhere), and the exact register sequence Linux's
 * virtio_mmio driver uses to probe a version 2 device.
 */
#include "fixture.h"

typedef void (*open_fn)(struct fx *f);

static void open_rng_default(struct fx *f)
{
	fx_open_rng(f, NULL);
}

static void open_console_default(struct fx *f)
{
	fx_open_console(f, NULL);
}

static struct cvmm_vdev device_of(const struct fx *f)
{
	return f->cfg.device;
}

/* The device on its own, through its ops. */
static void check_ops(struct fx *f)
{
	struct cvmm_vdev d = device_of(f);
	struct cvmm_vdev_info info;
	struct cvmm_vdev_activation act;
	uint8_t blob[CVMM_VDEV_STATE_MAX];
	uint8_t junk[CVMM_VDEV_STATE_MAX];
	uint32_t len = 0;

	memset(&info, 0, sizeof(info));
	d.ops->info(d.ctx, &info);
	assert_int_equal(cvmm_vdev_info_validate(&info), 0);
	/* Not active: a notification is refused. */
	for (uint32_t q = 0; q < info.num_queues; q++)
		assert_int_not_equal(d.ops->notify(d.ctx, q), 0);
	/* Wrong queue count at activation: refused. */
	memset(&act, 0, sizeof(act));
	act.num_queues = info.num_queues + 1;
	assert_int_not_equal(d.ops->activate(d.ctx, &act), 0);
	/* Reset is idempotent; save/restore round-trips; junk and an
	 * empty blob are refused. */
	d.ops->reset(d.ctx);
	d.ops->reset(d.ctx);
	assert_int_equal(d.ops->save(d.ctx, blob, sizeof(blob), &len), 0);
	assert_true(len > 0 && len <= CVMM_VDEV_STATE_MAX);
	assert_int_equal(d.ops->restore(d.ctx, blob, len), 0);
	assert_int_not_equal(d.ops->restore(d.ctx, blob, 0), 0);
	memset(junk, 0xff, sizeof(junk));
	assert_int_not_equal(d.ops->restore(d.ctx, junk, len), 0);
	/* Every byte of the config space reads. */
	for (uint32_t off = 0; off < info.config_size; off++) {
		uint8_t b;

		assert_int_equal(d.ops->config_read(d.ctx, off, &b, 1), 0);
	}
}

/* Linux's virtio_mmio probe and virtio core's bring-up, register by
 * register, with every feature the device offers acked. */
static void linux_probe(struct fx *f, const struct cvmm_vdev_info *info)
{
	uint32_t lo;
	uint32_t hi;

	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_VERSION), 2);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_ID), info->device_id);
	(void)fx_rd(f, CVMM_VDEV_MMIO_VENDOR_ID);
	/* virtio_reset_device(): write 0, poll until it reads 0. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS), 0);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, CVMM_VDEV_S_ACKNOWLEDGE);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS,
	      fx_rd(f, CVMM_VDEV_MMIO_STATUS) | CVMM_VDEV_S_DRIVER);
	/* vm_get_features(): high word first. */
	fx_wr(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 1);
	hi = fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES);
	fx_wr(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 0);
	lo = fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES);
	assert_true(((uint64_t)hi << 32 | lo) ==
		    (info->features | CVMM_VDEV_F_VERSION_1));
	/* vm_finalize_features(). */
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 1);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, hi);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 0);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, lo);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS,
	      fx_rd(f, CVMM_VDEV_MMIO_STATUS) | CVMM_VDEV_S_FEATURES_OK);
	assert_true(
	    (fx_rd(f, CVMM_VDEV_MMIO_STATUS) & CVMM_VDEV_S_FEATURES_OK) != 0);
	/* vm_setup_vq() for each queue. */
	for (uint32_t q = 0; q < info->num_queues; q++) {
		struct cvmm_vqm_layout l;
		uint32_t size = info->queue_max_size[q];

		if (size > 64)
			size = 64;
		assert_int_equal(
		    cvmm_vqm_layout_at(
			cvmm_mem_gpa_from(QUEUE_BASE(q)), size,
			(info->features & CVMM_VDEV_F_EVENT_IDX) != 0, &l,
			NULL),
		    0);
		cvmm_vqm_destroy(f->m[q]);
		f->m[q] = NULL;
		assert_int_equal(cvmm_vqm_create(&f->mem, &l, &f->m[q]), 0);
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, q);
		assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_READY), 0);
		assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX),
				 info->queue_max_size[q]);
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NUM, size);
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DESC_LOW, (uint32_t)l.desc.raw);
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DESC_HIGH,
		      (uint32_t)(l.desc.raw >> 32));
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW,
		      (uint32_t)l.avail.raw);
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DRIVER_HIGH,
		      (uint32_t)(l.avail.raw >> 32));
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW, (uint32_t)l.used.raw);
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH,
		      (uint32_t)(l.used.raw >> 32));
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_READY, 1);
	}
	/* The queue after the last reads 0 (how a driver finds the count). */
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, info->num_queues);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 0);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS,
	      fx_rd(f, CVMM_VDEV_MMIO_STATUS) | CVMM_VDEV_S_DRIVER_OK);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS),
			 CVMM_VDEV_S_ACKNOWLEDGE | CVMM_VDEV_S_DRIVER |
			     CVMM_VDEV_S_FEATURES_OK | CVMM_VDEV_S_DRIVER_OK);
}

static void check_device(struct fx *f, open_fn open)
{
	struct cvmm_vdev d;
	struct cvmm_vdev_info info;
	struct cvmm_vdev_mmio_state *st = malloc(sizeof(*st));

	assert_non_null(st);
	open(f);
	d = device_of(f);
	memset(&info, 0, sizeof(info));
	d.ops->info(d.ctx, &info);
	check_ops(f);
	linux_probe(f, &info);
	/* Empty queues: every notification succeeds and does nothing. */
	for (uint32_t q = 0; q < info.num_queues; q++)
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, q), 0);
	assert_int_equal(cvmm_vdev_mmio_interrupt_status(f->t), 0);
	/* A snapshot restores into the same transport and runs on. */
	assert_int_equal(cvmm_vdev_mmio_save(f->t, st), 0);
	assert_int_equal(cvmm_vdev_mmio_restore(f->t, st), 0);
	for (uint32_t q = 0; q < info.num_queues; q++)
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, q), 0);
	/* Reset, and the whole probe once more. */
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	assert_int_equal(cvmm_vdev_mmio_status(f->t), 0);
	linux_probe(f, &info);
	free(st);
}

static void test_conformance_rng(void **state)
{
	check_device(*state, open_rng_default);
}

static void test_conformance_console(void **state)
{
	check_device(*state, open_console_default);
}

int run_conformance_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_conformance_rng, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_conformance_console, fx_setup,
					    fx_teardown),
	};

	return cmocka_run_group_tests_name("vdev-conformance", tests, NULL,
					   NULL);
}
