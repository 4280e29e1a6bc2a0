/* SPDX-License-Identifier: Apache-2.0 */
#include "fixture.h"

uint64_t fx_granule;

static const struct cvmm_mem_range default_map[] = {
    {{RING_BASE}, RING_END - RING_BASE, 0},
    {{BUF_BASE}, BUF_END - BUF_BASE, 0},
    {{HI_BASE}, HI_END - HI_BASE, 0},
    {{RO_BASE}, RO_END - RO_BASE, CVMM_MEM_REGION_READONLY},
};

/*
 * The phantom overlay: [PHANTOM_BASE, +PHANTOM_SIZE) is memory that reads
 * as zeros and ignores writes; everything else goes to the test backend.
 */
static int phantom_where(cvmm_mem_gpa gpa, uint64_t len)
{
	uint64_t end;

	if (gpa.raw < PHANTOM_BASE)
		return 0; /* not phantom */
	if (__builtin_add_overflow(gpa.raw, len, &end))
		return -EOVERFLOW;
	return end <= PHANTOM_END ? 1 : -EFAULT;
}

static int ov_read(void *ctx, cvmm_mem_gpa gpa, void *dst, size_t len)
{
	const struct cvmm_mem *inner = &((struct fx *)ctx)->inner;
	int w = phantom_where(gpa, len);

	if (w == 0)
		return cvmm_mem_read(inner, gpa, dst, len);
	if (w == 1)
		memset(dst, 0, len);
	return w < 0 ? w : 0;
}

static int ov_write(void *ctx, cvmm_mem_gpa gpa, const void *src, size_t len)
{
	const struct cvmm_mem *inner = &((struct fx *)ctx)->inner;
	int w = phantom_where(gpa, len);

	if (w == 0)
		return cvmm_mem_write(inner, gpa, src, len);
	return w < 0 ? w : 0;
}

static int ov_check(void *ctx, cvmm_mem_gpa gpa, uint64_t len, unsigned acc)
{
	struct fx *f = ctx;
	const struct cvmm_mem *inner = &f->inner;
	int w = phantom_where(gpa, len);

	f->checks++;
	if (w == 0)
		return cvmm_mem_check(inner, gpa, len, acc);
	return w < 0 ? w : 0;
}

static int ov_translate(void *ctx, cvmm_mem_gpa gpa, uint64_t len, unsigned acc,
			void **host)
{
	const struct cvmm_mem *inner = &((struct fx *)ctx)->inner;
	int w = phantom_where(gpa, len);

	if (w == 0)
		return cvmm_mem_translate(inner, gpa, len, acc, host);
	return w < 0 ? w : -EXDEV; /* no host memory behind it */
}

static const struct cvmm_mem_ops overlay_ops = {
    ov_read,
    ov_write,
    ov_check,
    ov_translate,
};

void fx_memory(struct fx *f, const struct cvmm_mem_range *ranges, size_t n)
{
	cvmm_mem_test_destroy(f->tm);
	f->tm = NULL;
	assert_int_equal(cvmm_mem_test_create(ranges, n, fx_granule, &f->tm),
			 0);
	f->inner = cvmm_mem_test_iface(f->tm);
	f->mem.ops = &overlay_ops;
	f->mem.ctx = f;
}

static void record_log(void *arg, int err, const char *msg)
{
	struct fx *f = arg;

	f->logs++;
	f->log_err = err;
	snprintf(f->log_msg, sizeof(f->log_msg), "%s", msg);
}

static uint64_t fake_clock(void *arg)
{
	const struct fx *f = arg;

	return f->clock;
}

struct cvmm_vq_config fx_config(struct fx *f)
{
	struct cvmm_vq_config c = {0};

	c.max_size = 256;
	c.index = 7;
	c.log = record_log;
	c.log_arg = f;
	/* No rate limiting unless a test asks for it. */
	c.log_burst = 1000000;
	c.clock = fake_clock;
	c.clock_arg = f;
	return c;
}

int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fx_memory(f, default_map, sizeof(default_map) / sizeof(default_map[0]));
	f->cfg = fx_config(f);
	*state = f;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *f = *state;

	cvmm_vqm_destroy(f->m);
	cvmm_vq_destroy(f->vq);
	cvmm_mem_test_destroy(f->tm);
	free(f);
	return 0;
}

struct cvmm_vq_layout fx_layout_of(const struct cvmm_vqm_layout *l,
				   uint64_t features)
{
	struct cvmm_vq_layout v = {l->size, l->desc, l->avail, l->used,
				   features};
	return v;
}

void fx_create_queue(struct fx *f)
{
	cvmm_vq_destroy(f->vq);
	f->vq = NULL;
	assert_int_equal(cvmm_vq_create(&f->mem, &f->cfg, &f->vq), 0);
}

void fx_open_at(struct fx *f, uint32_t size, uint64_t features, uint64_t base,
		uint32_t flags)
{
	struct cvmm_vqm_layout l;

	f->cfg.flags = flags;
	if (f->cfg.max_size < size)
		f->cfg.max_size = size;
	fx_create_queue(f);
	assert_int_equal(
	    cvmm_vqm_layout_at(cvmm_mem_gpa_from(base), size,
			       (features & CVMM_VQ_F_EVENT_IDX) != 0, &l, NULL),
	    0);
	cvmm_vqm_destroy(f->m);
	f->m = NULL;
	assert_int_equal(cvmm_vqm_create(&f->mem, &l, &f->m), 0);
	f->layout = fx_layout_of(&l, features);
	assert_int_equal(cvmm_vq_enable(f->vq, &f->layout), 0);
	assert_true(cvmm_vq_is_ready(f->vq));
	assert_int_equal(cvmm_vq_size(f->vq), size);
}

void fx_open(struct fx *f, uint32_t size, uint64_t features)
{
	fx_open_at(f, size, features, RING_BASE, 0);
}

void fx_reenable(struct fx *f)
{
	struct cvmm_vqm_layout l = *cvmm_vqm_get_layout(f->m);

	cvmm_vq_reset(f->vq);
	assert_false(cvmm_vq_is_ready(f->vq));
	assert_false(cvmm_vq_is_broken(f->vq));
	cvmm_vqm_destroy(f->m);
	f->m = NULL;
	assert_int_equal(cvmm_vqm_create(&f->mem, &l, &f->m), 0);
	assert_int_equal(cvmm_vq_enable(f->vq, &f->layout), 0);
}

struct cvmm_vqm_buf fx_buf(uint64_t addr, uint32_t len, bool writable)
{
	struct cvmm_vqm_buf b = {cvmm_mem_gpa_from(addr), len, writable};
	return b;
}

uint16_t fx_add(struct fx *f, const struct cvmm_vqm_buf *bufs, uint32_t n)
{
	uint16_t head = 0xffff;

	assert_int_equal(cvmm_vqm_add_direct(f->m, bufs, n, &head), 0);
	return head;
}

int fx_walk(struct fx *f, struct cvmm_vq_chain *chain, struct cvmm_vq_buf *bufs,
	    uint32_t max, uint32_t *n)
{
	uint32_t count = 0;

	while (!cvmm_vq_chain_done(chain)) {
		struct cvmm_vq_buf b;
		int rc = cvmm_vq_chain_next(f->vq, chain, &b);

		if (rc != 0) {
			if (n != NULL)
				*n = count;
			return rc;
		}
		if (count < max)
			bufs[count] = b;
		count++;
	}
	if (n != NULL)
		*n = count;
	return 0;
}

int fx_pop_walk(struct fx *f, struct cvmm_vq_chain *chain,
		struct cvmm_vq_buf *bufs, uint32_t max, uint32_t *n)
{
	int rc = cvmm_vq_pop(f->vq, chain);

	if (rc != 0)
		return rc;
	return fx_walk(f, chain, bufs, max, n);
}

void fx_desc(struct fx *f, uint32_t index, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next)
{
	fx_table_desc(f, f->layout.desc.raw, index, addr, len, flags, next);
}

void fx_table_desc(struct fx *f, uint64_t table, uint32_t index, uint64_t addr,
		   uint32_t len, uint16_t flags, uint16_t next)
{
	struct cvmm_vqm_desc d = {addr, len, flags, next};

	assert_int_equal(
	    cvmm_vqm_write_desc(&f->mem, cvmm_mem_gpa_from(table), index, &d),
	    0);
}

void fx_expect_broken(struct fx *f, int err)
{
	struct cvmm_vq_chain c;
	struct cvmm_vq_buf b;
	bool flag;

	assert_true(cvmm_vq_is_broken(f->vq));
	assert_int_equal(cvmm_vq_broken_error(f->vq), err);
	assert_int_equal(f->logs, 1);
	assert_int_equal(f->log_err, err);
	assert_non_null(strstr(f->log_msg, cvmm_vq_strerror(err)));
	assert_non_null(strstr(f->log_msg, "virtqueue 7"));
	memset(&c, 0, sizeof(c));
	assert_int_equal(cvmm_vq_pop(f->vq, &c), -EIO);
	assert_int_equal(cvmm_vq_chain_next(f->vq, &c, &b), -EIO);
	assert_int_equal(cvmm_vq_add_used(f->vq, 0, 0), -EIO);
	assert_int_equal(cvmm_vq_needs_notification(f->vq, &flag), -EIO);
	assert_int_equal(cvmm_vq_enable_notification(f->vq, &flag), -EIO);
	assert_int_equal(cvmm_vq_disable_notification(f->vq), -EIO);
	assert_int_equal(cvmm_vq_enable(f->vq, &f->layout), -EIO);
	/* Reported once. */
	assert_int_equal(f->logs, 1);
	f->logs = 0;
}

void fx_roundtrip(struct fx *f, uint16_t head, uint32_t written)
{
	struct cvmm_vq_chain c;
	uint16_t id;
	uint32_t len;

	assert_int_equal(fx_pop_walk(f, &c, NULL, 0, NULL), 0);
	assert_int_equal(c.head, head);
	assert_int_equal(cvmm_vq_add_used(f->vq, head, written), 0);
	assert_int_equal(cvmm_vqm_get_used(f->m, &id, &len), 0);
	assert_int_equal(id, head);
	assert_int_equal(len, written);
}
