/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-rng behind the virtio-mmio transport, driven from the driver side. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "fixture.h"

#include "alloc-fail.h"

#include <errno.h>
#include <sys/mman.h>

/* A deterministic source: byte i of the stream is (i * 7 + 1) mod 256;
 * fails on call number fail_at (1-based) with fail_err. */
struct source {
	uint64_t produced;
	unsigned calls;
	unsigned fail_at;
	int fail_err;
};

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + 1);
}

static int counting_source(void *arg, uint8_t *buf, size_t len)
{
	struct source *s = arg;

	s->calls++;
	if (s->calls == s->fail_at)
		return s->fail_err;
	assert_true(len > 0 && len <= 256);
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(s->produced + i);
	s->produced += len;
	return 0;
}

static struct source src;

static struct cvmm_vdev_rng_config rng_config(uint32_t max_bytes,
					      uint32_t queue_size)
{
	struct cvmm_vdev_rng_config c;

	memset(&src, 0, sizeof(src));
	memset(&c, 0, sizeof(c));
	c.source = counting_source;
	c.source_arg = &src;
	c.max_bytes_per_chain = max_bytes;
	c.queue_size = queue_size;
	return c;
}

/* Open an rng with a counting source and bring it up (one queue). */
static void open_rng(struct fx *f, uint32_t max_bytes, uint32_t queue_size,
		     uint32_t size, uint64_t features)
{
	struct cvmm_vdev_rng_config c = rng_config(max_bytes, queue_size);

	fx_open_rng(f, &c);
	fx_bring_up(f, features, 1, size);
}

/* Take the next used entry: must be head, with len. */
static void expect_used(struct fx *f, uint16_t head, uint32_t len)
{
	uint16_t id;
	uint32_t got;

	assert_int_equal(cvmm_vqm_get_used(f->m[0], &id, &got), 0);
	assert_int_equal(id, head);
	assert_int_equal(got, len);
}

static void expect_bytes(struct fx *f, uint64_t gpa, uint32_t len,
			 uint64_t stream_off)
{
	uint8_t *buf = malloc(len + 1);

	assert_non_null(buf);
	assert_int_equal(
	    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(gpa), buf, len), 0);
	for (uint32_t i = 0; i < len; i++)
		if (buf[i] != pattern(stream_off + i))
			fail_msg("byte %u of 0x%llx: 0x%02x", i,
				 (unsigned long long)gpa, buf[i]);
	free(buf);
}

static void expect_zero(struct fx *f, uint64_t gpa, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		uint8_t v;

		assert_int_equal(
		    cvmm_mem_read_u8(&f->mem, cvmm_mem_gpa_from(gpa + i), &v),
		    0);
		assert_int_equal(v, 0);
	}
}

static void test_rng_create(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_rng_config c = rng_config(0, 3);
	struct cvmm_vdev_rng *r = NULL;
	bool done = false;

	assert_int_equal(cvmm_vdev_rng_create(&c, &r), -EINVAL);
	c.queue_size = CVMM_VQ_MAX_SIZE * 2;
	assert_int_equal(cvmm_vdev_rng_create(&c, &r), -EINVAL);
	assert_int_equal(cvmm_vdev_rng_create(NULL, NULL), -EINVAL);
	assert_null(r);
	for (uint64_t n = 1; !done; n++) {
		int rc;

		cvmm_alloc_fail_nth(n);
		rc = cvmm_vdev_rng_create(NULL, &r);
		if (cvmm_alloc_fail_fired()) {
			assert_int_equal(rc, -ENOMEM);
		} else {
			assert_int_equal(rc, 0);
			done = true;
		}
		cvmm_alloc_fail_nth(0);
	}
	cvmm_vdev_rng_destroy(r);
	cvmm_vdev_rng_destroy(NULL);

	/* Defaults: queue of 256, features, no config space. */
	fx_open_rng(f, NULL);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_ID), 4);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 256);
	assert_int_equal(
	    fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES),
	    (uint32_t)(CVMM_VDEV_F_INDIRECT_DESC | CVMM_VDEV_F_EVENT_IDX));
	fx_wr(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES), 1);
	{
		uint32_t v;

		assert_int_equal(fx_rd_rc(f, CVMM_VDEV_MMIO_CONFIG, &v),
				 -ENXIO);
	}
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 0);
}

/* One writable buffer of each size: exactly that many bytes, nothing
 * after it, one interrupt per notification. */
static void test_rng_sizes(void **state)
{
	struct fx *f = *state;
	static const uint32_t sizes[] = {
	    0, 1, 2, 15, 16, 255, 256, 257, 4095, 4096, 4097, 65535, 65536};
	uint64_t stream = 0;

	open_rng(f, 0, 0, 16, 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t len = sizes[i];
		struct cvmm_vqm_buf b = fx_buf(BUF_BASE, len, true);
		uint16_t head;

		assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
		expect_used(f, head, len);
		expect_bytes(f, BUF_BASE, len, stream);
		stream += len;
		assert_int_equal(f->raises, (int)i + 1);
		fx_wr(f, CVMM_VDEV_MMIO_INTERRUPT_ACK, 1);
	}
	assert_true(cvmm_vdev_rng_get_stats(f->rng).bytes == stream);
	assert_true(cvmm_vdev_rng_get_stats(f->rng).chains ==
		    sizeof(sizes) / sizeof(sizes[0]));
	assert_true(cvmm_vdev_rng_get_stats(f->rng).capped == 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS) &
			     CVMM_VDEV_S_DEVICE_NEEDS_RESET,
			 0);
}

static void test_rng_cap(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 65537, true);
	struct cvmm_vqm_buf two[3];
	uint16_t head;

	/* The default bound: 64 KiB + 1 asked, 64 KiB given; the byte past
	 * the bound untouched. */
	open_rng(f, 0, 0, 16, 0);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 65536);
	expect_zero(f, BUF_BASE + 65536, 1);
	/* All of BUF (96 KiB) in one chain. */
	b = fx_buf(BUF_BASE, BUF_END - BUF_BASE, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 65536);
	assert_true(cvmm_vdev_rng_get_stats(f->rng).capped == 2);

	/* A small bound across buffers: 64 + 36 of 64 + 64 (in zeroed
	 * memory). */
	{
		uint8_t *zero = calloc(1, BUF_END - BUF_BASE);

		assert_non_null(zero);
		assert_int_equal(cvmm_mem_write(&f->mem,
						cvmm_mem_gpa_from(BUF_BASE),
						zero, BUF_END - BUF_BASE),
				 0);
		free(zero);
	}
	cvmm_vdev_mmio_destroy(f->t);
	f->t = NULL;
	cvmm_vdev_rng_destroy(f->rng);
	f->rng = NULL;
	open_rng(f, 100, 0, 16, 0);
	two[0] = fx_buf(BUF_BASE, 64, true);
	two[1] = fx_buf(BUF_BASE + 0x1000, 64, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], two, 2, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 100);
	expect_bytes(f, BUF_BASE, 64, 0);
	expect_bytes(f, BUF_BASE + 0x1000, 36, 64);
	expect_zero(f, BUF_BASE + 0x1000 + 36, 28);
	/* Exactly the bound: not capped. */
	two[0] = fx_buf(BUF_BASE, 100, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], two, 1, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 100);
	assert_true(cvmm_vdev_rng_get_stats(f->rng).capped == 1);
	/* The bound reached at a buffer's end: the rest of the chain gets
	 * nothing, but it is walked: a readable buffer, a zero-length one and
	 * one of 8 bytes (capped). */
	two[0] = fx_buf(BUF_BASE, 100, true);
	two[1] = fx_buf(BUF_BASE + 0x1000, 0, true);
	two[2] = fx_buf(BUF_BASE + 0x2000, 8, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], two, 3, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 100);
	assert_true(cvmm_vdev_rng_get_stats(f->rng).capped == 2);
	expect_zero(f, BUF_BASE + 0x2000, 8);
	/* So a broken descriptor past the bound is found: the device needs
	 * a reset. */
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], two, 3, &head), 0);
	{
		uint64_t next;

		assert_int_equal(
		    cvmm_vqm_peek(f->m[0], CVMM_VQM_DESC_NEXT_IDX, head, &next),
		    0);
		assert_int_equal(
		    cvmm_vqm_poke(f->m[0], CVMM_VQM_DESC_NEXT_IDX, next, 999),
		    0);
	}
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EBADSLT);
	assert_int_not_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS) &
				 CVMM_VDEV_S_DEVICE_NEEDS_RESET,
			     0);
}

static void test_rng_chain_shapes(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b[4];
	uint16_t head;

	open_rng(f, 0, 0, 16, CVMM_VDEV_F_INDIRECT_DESC);
	/* A readable buffer is left alone; zero-length writable is fine. */
	b[0] = fx_buf(BUF_BASE, 32, false);
	b[1] = fx_buf(BUF_BASE + 0x100, 0, true);
	b[2] = fx_buf(BUF_BASE + 0x200, 10, true);
	b[3] = fx_buf(BUF_BASE + 0x300, 20, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], b, 4, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 30);
	expect_zero(f, BUF_BASE, 32);
	expect_bytes(f, BUF_BASE + 0x200, 10, 0);
	expect_bytes(f, BUF_BASE + 0x300, 20, 10);
	/* An indirect table. */
	b[0] = fx_buf(BUF_BASE + 0x1000, 300, true);
	b[1] = fx_buf(BUF_BASE + 0x2000, 300, true);
	assert_int_equal(
	    cvmm_vqm_add_indirect(f->m[0], b, 2,
				  cvmm_mem_gpa_from(BUF_BASE + 0x3000), &head),
	    0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 600);
	expect_bytes(f, BUF_BASE + 0x1000, 300, 30);
	expect_bytes(f, BUF_BASE + 0x2000, 300, 330);
	/* Only readable buffers: used with 0 bytes. */
	b[0] = fx_buf(BUF_BASE + 0x4000, 8, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], b, 1, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 0);
	/* A notification with nothing available: no interrupt. */
	f->raises = 0;
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->raises, 0);
}

static void test_rng_many_chains(void **state)
{
	struct fx *f = *state;
	uint16_t heads[8];

	/* A full queue of 8 chains: all served in one notification, one
	 * interrupt. */
	open_rng(f, 0, 8, 8, CVMM_VDEV_F_EVENT_IDX);
	for (unsigned i = 0; i < 8; i++) {
		struct cvmm_vqm_buf b = fx_buf(BUF_BASE + 0x100 * i, 16, true);

		assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &heads[i]),
				 0);
	}
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	for (unsigned i = 0; i < 8; i++)
		expect_used(f, heads[i], 16);
	assert_int_equal(f->raises, 1);
	/* It stopped at its bound (a queue's worth), not at an empty ring:
	 * the queue is reported for another notification, once. */
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 1);
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 0);
	/* Again, after the ring indices went round; the driver asks for an
	 * interrupt once the used index passes 8. */
	assert_int_equal(cvmm_vqm_poke(f->m[0], CVMM_VQM_USED_EVENT, 0, 8), 0);
	for (unsigned i = 0; i < 3; i++) {
		struct cvmm_vqm_buf b = fx_buf(BUF_BASE + 0x100 * i, 16, true);

		assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &heads[i]),
				 0);
	}
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	for (unsigned i = 0; i < 3; i++)
		expect_used(f, heads[i], 16);
	assert_int_equal(f->raises, 2);
}

/* A driver that adds chains while the device serves (another vCPU): the
 * source adds one each time a used entry frees a descriptor. */
struct refill {
	struct fx *f;
	unsigned left;
	unsigned added;
};

static int refilling_source(void *arg, uint8_t *buf, size_t len)
{
	struct refill *r = arg;
	uint16_t id, head;
	uint32_t got;

	memset(buf, 0x5a, len);
	if (r->left != 0 && cvmm_vqm_get_used(r->f->m[0], &id, &got) == 0) {
		struct cvmm_vqm_buf b = fx_buf(BUF_BASE + 0x100 * id, 16, true);

		assert_int_equal(cvmm_vqm_add_direct(r->f->m[0], &b, 1, &head),
				 0);
		r->left--;
		r->added++;
	}
	return 0;
}

static void test_rng_work_left_at_the_bound(void **state)
{
	struct fx *f = *state;
	struct refill r = {f, 3, 0};
	struct cvmm_vdev_rng_config c;
	uint16_t head, id;
	uint32_t got;
	unsigned served = 0;

	memset(&c, 0, sizeof(c));
	c.source = refilling_source;
	c.source_arg = &r;
	c.queue_size = 4;
	fx_open_rng(f, &c);
	fx_bring_up(f, CVMM_VDEV_F_EVENT_IDX, 1, 4);
	for (unsigned i = 0; i < 4; i++) {
		struct cvmm_vqm_buf b = fx_buf(BUF_BASE + 0x100 * i, 16, true);

		assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	}
	/* Four chains served (the bound), three added meanwhile are left,
	 * and with EVENT_IDX the driver would not notify for them. */
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(r.added, 3);
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 1);
	/* Served when the VMM notifies again; then the ring is empty. */
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
	while (cvmm_vqm_get_used(f->m[0], &id, &got) == 0) {
		assert_int_equal(got, 16);
		served++;
	}
	assert_int_equal(served, 1 + 3);
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 0);
	/* A reset forgets what was pending. */
	for (unsigned i = 0; i < 4; i++) {
		struct cvmm_vqm_buf b = fx_buf(BUF_BASE + 0x100 * i, 16, true);

		assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	}
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 0);
}

/* The device needs a reset, and says so; then it works again. */
static void expect_needs_reset_then_recover(struct fx *f, uint64_t features)
{
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 64, true);
	uint16_t head;

	assert_true((fx_rd(f, CVMM_VDEV_MMIO_STATUS) &
		     CVMM_VDEV_S_DEVICE_NEEDS_RESET) != 0);
	assert_true((fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS) &
		     CVMM_VDEV_MMIO_INT_CONFIG) != 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EIO);
	fx_bring_up(f, features, 1, 16);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 64);
}

static void test_rng_source_failure(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 1000, true);
	uint16_t head;

	open_rng(f, 0, 0, 16, 0);
	src.fail_at = 2;
	src.fail_err = -EAGAIN;
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EAGAIN);
	/* The head came back with the 256 bytes written before. */
	expect_used(f, head, 256);
	expect_bytes(f, BUF_BASE, 256, 0);
	expect_zero(f, BUF_BASE + 256, 16);
	expect_needs_reset_then_recover(f, 0);
}

/* Hostile rings: the queue breaks, the device needs a reset, the VMM
 * carries on and the device works after the driver resets it. */
static void test_rng_hostile(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 64, true);
	uint16_t head;

	open_rng(f, 0, 0, 16, 0);
	/* A head out of range. */
	assert_int_equal(cvmm_vqm_publish(f->m[0], 999), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -ERANGE);
	assert_int_equal(f->logs, 1);
	expect_needs_reset_then_recover(f, 0);
	/* A descriptor that points to itself: its buffer overlaps itself;
	 * with a length of 0 it is a plain loop. */
	for (unsigned len = 0; len < 2; len++) {
		assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
		assert_int_equal(
		    cvmm_vqm_poke(f->m[0], CVMM_VQM_DESC_FLAGS, head,
				  CVMM_VQM_DESC_WRITE | CVMM_VQM_DESC_NEXT),
		    0);
		assert_int_equal(
		    cvmm_vqm_poke(f->m[0], CVMM_VQM_DESC_NEXT_IDX, head, head),
		    0);
		assert_int_equal(
		    cvmm_vqm_poke(f->m[0], CVMM_VQM_DESC_LEN, head, len * 64),
		    0);
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0),
				 len == 0 ? -ELOOP : -EADDRINUSE);
		expect_needs_reset_then_recover(f, 0);
	}
	/* A writable buffer in read-only memory. */
	b = fx_buf(RO_BASE, 64, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EACCES);
	expect_needs_reset_then_recover(f, 0);
	/* A buffer across the hole after BUF. */
	b = fx_buf(BUF_END - 16, 64, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EFAULT);
	expect_needs_reset_then_recover(f, 0);
	/* The avail index jumps. */
	assert_int_equal(cvmm_vqm_poke(f->m[0], CVMM_VQM_AVAIL_IDX, 0, 500), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -ENOSPC);
	expect_needs_reset_then_recover(f, 0);
	/* Overlapping buffers in one chain. */
	{
		struct cvmm_vqm_buf two[2] = {fx_buf(BUF_BASE, 64, true),
					      fx_buf(BUF_BASE + 32, 64, true)};

		assert_int_equal(cvmm_vqm_add_direct(f->m[0], two, 2, &head),
				 0);
	}
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EADDRINUSE);
	expect_needs_reset_then_recover(f, 0);
}

/* Every guest-memory access failed in turn: never a crash, the device
 * either completes or needs a reset, and works again after one. */
static void test_rng_fail_nth(void **state)
{
	struct fx *f = *state;
	bool done = false;

	open_rng(f, 0, 0, 16,
		 CVMM_VDEV_F_EVENT_IDX | CVMM_VDEV_F_INDIRECT_DESC);
	for (uint64_t n = 1; !done; n++) {
		struct cvmm_vqm_buf b[2] = {
		    fx_buf(BUF_BASE, 300, true),
		    fx_buf(BUF_BASE + 0x1000, 300, true)};
		uint16_t head;
		uint16_t id;
		uint32_t len;
		bool fired;
		int rc;

		fx_bring_up(f,
			    CVMM_VDEV_F_EVENT_IDX | CVMM_VDEV_F_INDIRECT_DESC,
			    1, 16);
		assert_int_equal(
		    cvmm_vqm_add_indirect(f->m[0], b, 2,
					  cvmm_mem_gpa_from(BUF_BASE + 0x2000),
					  &head),
		    0);
		assert_int_equal(cvmm_mem_test_fail_nth(f->tm, n, INJECTED), 0);
		rc = cvmm_vdev_mmio_notify(f->t, 0);
		fired = cvmm_mem_test_failure_fired(f->tm);
		assert_int_equal(cvmm_mem_test_fail_nth(f->tm, 0, INJECTED), 0);
		if (!fired) {
			assert_int_equal(rc, 0);
			expect_used(f, head, 600);
			done = true;
		} else if ((cvmm_vdev_mmio_status(f->t) &
			    CVMM_VDEV_S_DEVICE_NEEDS_RESET) == 0) {
			/* A failure the queue recovered from (a cache probe):
			 * the request completed. */
			assert_int_equal(rc, 0);
			expect_used(f, head, 600);
		} else {
			/* If the head came back, it says no more than was
			 * asked (the length is what was really written). */
			if (cvmm_vqm_get_used(f->m[0], &id, &len) == 0) {
				assert_int_equal(id, head);
				assert_true(len <= 600);
			}
		}
		assert_true(n < 10000);
	}
}

static void test_rng_getrandom(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 256, true);
	uint8_t buf[256];
	uint8_t any = 0;
	uint16_t head;

	assert_int_equal(cvmm_vdev_rng_getrandom(NULL, buf, sizeof(buf)), 0);
	fx_open_rng(f, NULL);
	fx_bring_up(f, 0, 1, 16);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 256);
	assert_int_equal(cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(BUF_BASE),
				       buf, sizeof(buf)),
			 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		any |= buf[i];
	/* 256 zero bytes from getrandom: chance 2^-2048. */
	assert_int_not_equal(any, 0);
	/* Nothing asked, nothing done. */
	assert_int_equal(cvmm_vdev_rng_getrandom(NULL, buf, 0), 0);
	/* The source's own failure comes back as its errno: a buffer the
	 * kernel cannot write (mapped, so the sanitizers see no bad access). */
	{
		uint8_t *ro = mmap(NULL, 4096, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(ro != MAP_FAILED);
		assert_int_equal(cvmm_vdev_rng_getrandom(NULL, ro, 16),
				 -EFAULT);
		munmap(ro, 4096);
	}
	/* Through the device ops: a queue it does not have. */
	{
		struct cvmm_vdev d = cvmm_vdev_rng_device(f->rng);

		assert_int_equal(d.ops->notify(d.ctx, 1), -EIO);
	}
}

/* The ops called directly, as a transport would never call them. */
static void test_rng_ops_direct(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_rng *r;
	struct cvmm_vdev d;
	struct cvmm_vdev_activation act;
	uint8_t buf[16];
	uint32_t len = 0;

	(void)f;
	assert_int_equal(cvmm_vdev_rng_create(NULL, &r), 0);
	d = cvmm_vdev_rng_device(r);
	assert_int_equal(d.ops->ack_features(d.ctx, F_V1), 0);
	assert_int_equal(d.ops->config_read(d.ctx, 0, buf, 1), -ENXIO);
	assert_int_equal(d.ops->config_write(d.ctx, 0, buf, 1), -ENXIO);
	assert_int_equal(d.ops->notify(d.ctx, 0), -EIO);
	memset(&act, 0, sizeof(act));
	act.num_queues = 2;
	assert_int_equal(d.ops->activate(d.ctx, &act), -EINVAL);
	/* Save: too small a buffer; restore: only its own format. */
	assert_int_equal(d.ops->save(d.ctx, buf, 7, &len), -ENOSPC);
	assert_int_equal(d.ops->save(d.ctx, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 8);
	assert_int_equal(d.ops->restore(d.ctx, buf, 8), 0);
	assert_int_equal(d.ops->restore(d.ctx, buf, 7), -EINVAL);
	buf[0] ^= 1;
	assert_int_equal(d.ops->restore(d.ctx, buf, 8), -EINVAL);
	buf[0] ^= 1;
	buf[4] = 2;
	assert_int_equal(d.ops->restore(d.ctx, buf, 8), -EINVAL);
	cvmm_vdev_rng_destroy(r);
}

static void test_rng_save_restore(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio_state *st = malloc(sizeof(*st));
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, 32, true);
	uint16_t head;

	assert_non_null(st);
	open_rng(f, 0, 0, 16, CVMM_VDEV_F_EVENT_IDX);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
		fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
		expect_used(f, head, 32);
	}
	assert_int_equal(cvmm_vdev_mmio_save(f->t, st), 0);
	assert_int_equal(st->queues[0].vq.next_used, 3);
	/* A fresh device and transport continue where it stopped. */
	cvmm_vdev_mmio_destroy(f->t);
	f->t = NULL;
	cvmm_vdev_rng_destroy(f->rng);
	f->rng = NULL;
	fx_open_rng(f, NULL);
	assert_int_equal(cvmm_vdev_mmio_restore(f->t, st), 0);
	/* What the device had left is not in the snapshot: the ready queue
	 * is to be served once. */
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 1);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], &b, 1, &head), 0);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, 0);
	expect_used(f, head, 32);
	/* A state whose device blob is not the rng's. */
	st->device[0] ^= 0xff;
	assert_int_equal(cvmm_vdev_mmio_restore(f->t, st), -EINVAL);
	assert_int_equal(cvmm_vdev_mmio_status(f->t), 0);
	assert_int_equal(cvmm_vdev_mmio_take_pending(f->t), 0);
	free(st);
}

int run_rng_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rng_create, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_sizes, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_cap, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_chain_shapes, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_many_chains, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_source_failure, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_hostile, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_fail_nth, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_work_left_at_the_bound,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_getrandom, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_ops_direct, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rng_save_restore, fx_setup,
					    fx_teardown),
	};

	return cmocka_run_group_tests_name("vdev-rng", tests, NULL, NULL);
}
