/* SPDX-License-Identifier: Apache-2.0 */
#include "fixture.h"

uint64_t fx_granule;

static const struct cvmm_mem_range default_map[] = {
    {{RING_BASE}, RING_END - RING_BASE, 0},
    {{BUF_BASE}, BUF_END - BUF_BASE, 0},
    {{RO_BASE}, RO_END - RO_BASE, CVMM_MEM_REGION_READONLY},
};

static void record_irq(void *arg, bool level, uint32_t status)
{
	struct fx *f = arg;

	if (level)
		f->raises++;
	else
		f->lowers++;
	f->last_isr = status;
	if (f->irq_hook != NULL)
		f->irq_hook(f);
}

static void record_log(void *arg, int err, const char *msg)
{
	struct fx *f = arg;

	(void)msg;
	f->logs++;
	f->log_err = err;
	if (f->log_hook != NULL)
		f->log_hook(f);
}

int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(
	    cvmm_mem_test_create(default_map,
				 sizeof(default_map) / sizeof(default_map[0]),
				 fx_granule, &f->tm),
	    0);
	f->mem = cvmm_mem_test_iface(f->tm);
	mock_init(&f->mock);
	*state = f;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *f = *state;

	for (unsigned i = 0; i < CVMM_VDEV_MAX_QUEUES; i++)
		cvmm_vqm_destroy(f->m[i]);
	cvmm_vdev_mmio_destroy(f->t);
	cvmm_vdev_rng_destroy(f->rng);
	cvmm_vdev_console_destroy(f->con);
	cvmm_vdev_block_destroy(f->blk);
	cvmm_vdev_net_destroy(f->net);
	cvmm_mem_test_destroy(f->tm);
	free(f);
	return 0;
}

struct cvmm_vdev_mmio_config fx_config(struct fx *f, struct cvmm_vdev dev)
{
	struct cvmm_vdev_mmio_config c;

	memset(&c, 0, sizeof(c));
	c.device = dev;
	c.vendor_id = 0x554d4551;
	c.irq = record_irq;
	c.irq_arg = f;
	c.log = record_log;
	c.log_arg = f;
	c.log_burst = 1000000;
	return c;
}

void fx_open_mock(struct fx *f)
{
	f->cfg = fx_config(f, mock_device(&f->mock));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
}

void fx_open_rng(struct fx *f, const struct cvmm_vdev_rng_config *config)
{
	assert_int_equal(cvmm_vdev_rng_create(config, &f->rng), 0);
	f->cfg = fx_config(f, cvmm_vdev_rng_device(f->rng));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
}

void fx_open_console(struct fx *f,
		     const struct cvmm_vdev_console_config *config)
{
	assert_int_equal(cvmm_vdev_console_create(config, &f->con), 0);
	f->cfg = fx_config(f, cvmm_vdev_console_device(f->con));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
}

void fx_open_net(struct fx *f, const struct cvmm_vdev_net_config *config)
{
	assert_int_equal(cvmm_vdev_net_create(config, &f->net), 0);
	f->cfg = fx_config(f, cvmm_vdev_net_device(f->net));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
}

int fx_rd_rc(struct fx *f, uint64_t off, uint32_t *value)
{
	uint8_t b[4] = {0xff, 0xff, 0xff, 0xff};
	int rc = cvmm_vdev_mmio_read(f->t, off, b, 4);

	*value = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		 (uint32_t)b[3] << 24;
	return rc;
}

int fx_wr_rc(struct fx *f, uint64_t off, uint32_t value)
{
	uint8_t b[4] = {(uint8_t)value, (uint8_t)(value >> 8),
			(uint8_t)(value >> 16), (uint8_t)(value >> 24)};

	return cvmm_vdev_mmio_write(f->t, off, b, 4);
}

uint32_t fx_rd(struct fx *f, uint64_t off)
{
	uint32_t v;

	assert_int_equal(fx_rd_rc(f, off, &v), 0);
	return v;
}

void fx_wr(struct fx *f, uint64_t off, uint32_t value)
{
	assert_int_equal(fx_wr_rc(f, off, value), 0);
}

void fx_negotiate(struct fx *f, uint64_t features)
{
	uint64_t acked = features | F_V1;

	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, CVMM_VDEV_S_ACKNOWLEDGE);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS,
	      CVMM_VDEV_S_ACKNOWLEDGE | CVMM_VDEV_S_DRIVER);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 0);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, (uint32_t)acked);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 1);
	fx_wr(f, CVMM_VDEV_MMIO_DRIVER_FEATURES, (uint32_t)(acked >> 32));
	fx_wr(f, CVMM_VDEV_MMIO_STATUS,
	      CVMM_VDEV_S_ACKNOWLEDGE | CVMM_VDEV_S_DRIVER |
		  CVMM_VDEV_S_FEATURES_OK);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS),
			 CVMM_VDEV_S_ACKNOWLEDGE | CVMM_VDEV_S_DRIVER |
			     CVMM_VDEV_S_FEATURES_OK);
	assert_true(cvmm_vdev_mmio_features(f->t) == acked);
}

void fx_queue_regs(struct fx *f, uint32_t q, uint32_t num, uint64_t desc,
		   uint64_t driver, uint64_t device)
{
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, q);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NUM, num);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW, (uint32_t)driver);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(driver >> 32));
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW, (uint32_t)device);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(device >> 32));
}

void fx_queue(struct fx *f, uint32_t q, uint32_t size, bool event_idx)
{
	struct cvmm_vqm_layout l;

	assert_int_equal(cvmm_vqm_layout_at(cvmm_mem_gpa_from(QUEUE_BASE(q)),
					    size, event_idx, &l, NULL),
			 0);
	cvmm_vqm_destroy(f->m[q]);
	f->m[q] = NULL;
	assert_int_equal(cvmm_vqm_create(&f->mem, &l, &f->m[q]), 0);
	fx_queue_regs(f, q, size, l.desc.raw, l.avail.raw, l.used.raw);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_READY), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_READY, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_READY), 1);
}

void fx_driver_ok(struct fx *f)
{
	uint32_t s = fx_rd(f, CVMM_VDEV_MMIO_STATUS);

	fx_wr(f, CVMM_VDEV_MMIO_STATUS, s | CVMM_VDEV_S_DRIVER_OK);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS),
			 s | CVMM_VDEV_S_DRIVER_OK);
}

void fx_bring_up(struct fx *f, uint64_t features, uint32_t nqueues,
		 uint32_t size)
{
	fx_negotiate(f, features);
	for (uint32_t q = 0; q < nqueues; q++)
		fx_queue(f, q, size, (features & CVMM_VDEV_F_EVENT_IDX) != 0);
	fx_driver_ok(f);
}

struct cvmm_vqm_buf fx_buf(uint64_t addr, uint32_t len, bool writable)
{
	struct cvmm_vqm_buf b = {cvmm_mem_gpa_from(addr), len, writable};

	return b;
}
