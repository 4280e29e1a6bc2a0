/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-console behind the virtio-mmio transport, driven from the driver
 * side. */
#include "fixture.h"

#include "alloc-fail.h"

#define RXQ CVMM_VDEV_CONSOLE_RX
#define TXQ CVMM_VDEV_CONSOLE_TX

/* What the sink received, and how the callbacks behave. */
struct host {
	uint8_t out[4096];
	size_t out_len;
	int sink_calls;
	int sink_rc;
	int rx_ready_calls;
	/* Run inside the sink / rx_ready: push this input. */
	const char *push;
	int push_rc;
	size_t push_taken;
	struct cvmm_vdev_console *con;
};

static struct host host;

static int sink(void *arg, const uint8_t *buf, size_t len)
{
	struct host *h = arg;

	h->sink_calls++;
	assert_true(len > 0 && len <= 256);
	if (h->push != NULL)
		h->push_rc =
		    cvmm_vdev_console_input(h->con, (const uint8_t *)h->push,
					    strlen(h->push), &h->push_taken);
	if (h->sink_rc != 0)
		return h->sink_rc;
	assert_true(h->out_len + len <= sizeof(h->out));
	memcpy(h->out + h->out_len, buf, len);
	h->out_len += len;
	return 0;
}

static void rx_ready(void *arg)
{
	struct host *h = arg;

	h->rx_ready_calls++;
	if (h->push != NULL)
		h->push_rc =
		    cvmm_vdev_console_input(h->con, (const uint8_t *)h->push,
					    strlen(h->push), &h->push_taken);
}

static struct cvmm_vdev_console_config con_config(uint32_t max_bytes,
						  uint32_t queue_size)
{
	struct cvmm_vdev_console_config c;

	memset(&host, 0, sizeof(host));
	memset(&c, 0, sizeof(c));
	c.sink = sink;
	c.sink_arg = &host;
	c.rx_ready = rx_ready;
	c.rx_ready_arg = &host;
	c.cols = 80;
	c.rows = 25;
	c.max_bytes_per_chain = max_bytes;
	c.queue_size = queue_size;
	return c;
}

static void open_console(struct fx *f, uint32_t max_bytes, uint64_t features)
{
	struct cvmm_vdev_console_config c = con_config(max_bytes, 0);

	fx_open_console(f, &c);
	host.con = f->con;
	fx_bring_up(f, features, 2, 16);
}

/* Put text into guest memory at gpa and send it as one readable buffer. */
static uint16_t send_text(struct fx *f, uint64_t gpa, const char *text)
{
	struct cvmm_vqm_buf b = fx_buf(gpa, (uint32_t)strlen(text), false);
	uint16_t head;

	assert_int_equal(
	    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(gpa), text, strlen(text)),
	    0);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], &b, 1, &head), 0);
	return head;
}

static void expect_used(struct fx *f, uint32_t q, uint16_t head, uint32_t len)
{
	uint16_t id;
	uint32_t got;

	assert_int_equal(cvmm_vqm_get_used(f->m[q], &id, &got), 0);
	assert_int_equal(id, head);
	assert_int_equal(got, len);
}

static void expect_out(const char *text)
{
	assert_int_equal(host.out_len, strlen(text));
	assert_memory_equal(host.out, text, strlen(text));
}

static void test_console_create(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_console_config c = con_config(0, 24);
	struct cvmm_vdev_console *con = NULL;
	bool done = false;
	uint8_t b[4];

	assert_int_equal(cvmm_vdev_console_create(&c, &con), -EINVAL);
	c.queue_size = CVMM_VQ_MAX_SIZE * 2;
	assert_int_equal(cvmm_vdev_console_create(&c, &con), -EINVAL);
	assert_int_equal(cvmm_vdev_console_create(NULL, NULL), -EINVAL);
	assert_null(con);
	for (uint64_t n = 1; !done; n++) {
		int rc;

		cvmm_alloc_fail_nth(n);
		rc = cvmm_vdev_console_create(NULL, &con);
		if (cvmm_alloc_fail_fired()) {
			assert_int_equal(rc, -ENOMEM);
		} else {
			assert_int_equal(rc, 0);
			done = true;
		}
		cvmm_alloc_fail_nth(0);
	}
	cvmm_vdev_console_destroy(con);
	cvmm_vdev_console_destroy(NULL);

	/* Identity, features, config space. */
	c = con_config(0, 0);
	fx_open_console(f, &c);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_ID), 3);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 256);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 256);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 2);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES),
			 (uint32_t)(CVMM_VDEV_CONSOLE_F_SIZE |
				    CVMM_VDEV_CONSOLE_F_EMERG_WRITE |
				    CVMM_VDEV_F_INDIRECT_DESC |
				    CVMM_VDEV_F_EVENT_IDX));
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG), 80u | 25u << 16);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 4), 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 8), 0);
	assert_int_equal(
	    cvmm_vdev_mmio_read(f->t, CVMM_VDEV_MMIO_CONFIG + 2, b, 2), 0);
	assert_int_equal(b[0], 25);
	assert_int_equal(
	    cvmm_vdev_mmio_read(f->t, CVMM_VDEV_MMIO_CONFIG + 12, b, 1),
	    -ENXIO);
	/* Read-only fields. */
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_CONFIG, 0), -EACCES);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG), 80u | 25u << 16);
}

static void test_console_output(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b[3];
	uint16_t head;

	open_console(f, 0, 0);
	head = send_text(f, BUF_BASE, "hello, ");
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, TXQ);
	expect_used(f, TXQ, head, 0);
	expect_out("hello, ");
	assert_int_equal(f->raises, 1);
	/* Several buffers; a writable one is skipped. */
	assert_int_equal(cvmm_mem_write(&f->mem,
					cvmm_mem_gpa_from(BUF_BASE + 0x100),
					"wor", 3),
			 0);
	assert_int_equal(cvmm_mem_write(&f->mem,
					cvmm_mem_gpa_from(BUF_BASE + 0x200),
					"ld\n", 3),
			 0);
	b[0] = fx_buf(BUF_BASE + 0x100, 3, false);
	b[1] = fx_buf(BUF_BASE + 0x200, 3, false);
	b[2] = fx_buf(BUF_BASE + 0x300, 8, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 3, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_out("hello, world\n");
	/* A long buffer goes out in chunks. */
	{
		static char big[1001];

		memset(big, 'x', 1000);
		host.out_len = 0;
		head = send_text(f, BUF_BASE + 0x1000, big);
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
		expect_used(f, TXQ, head, 0);
		expect_out(big);
		assert_int_equal(host.sink_calls, 3 + 4);
	}
	assert_true(cvmm_vdev_console_get_stats(f->con).tx_bytes == 1013);
	/* Nothing to send: no interrupt. */
	f->raises = 0;
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	assert_int_equal(f->raises, 0);
}

static void test_console_output_bound(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b[3];
	uint16_t head;

	open_console(f, 5, 0);
	head = send_text(f, BUF_BASE, "abcdefgh");
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_out("abcde");
	/* The bound at a buffer's end: the rest is dropped but walked. */
	host.out_len = 0;
	assert_int_equal(
	    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(BUF_BASE), "12345", 5),
	    0);
	b[0] = fx_buf(BUF_BASE, 5, false);
	b[1] = fx_buf(BUF_BASE + 0x100, 5, false);
	b[2] = fx_buf(BUF_BASE + 0x200, 5, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 3, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_out("12345");
	assert_true(cvmm_vdev_console_get_stats(f->con).tx_capped == 2);
	/* So a broken descriptor there is found: the device needs a reset. */
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 3, &head), 0);
	{
		uint64_t next;

		assert_int_equal(cvmm_vqm_peek(f->m[TXQ],
					       CVMM_VQM_DESC_NEXT_IDX, head,
					       &next),
				 0);
		assert_int_equal(
		    cvmm_vqm_poke(f->m[TXQ], CVMM_VQM_DESC_NEXT_IDX, next, 999),
		    0);
	}
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), -EBADSLT);
	assert_int_not_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS) &
				 CVMM_VDEV_S_DEVICE_NEEDS_RESET,
			     0);
}

static void test_console_sink_fails(void **state)
{
	struct fx *f = *state;
	uint16_t head;

	open_console(f, 0, 0);
	host.sink_rc = -EPIPE;
	head = send_text(f, BUF_BASE, "lost");
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	assert_true(cvmm_vdev_console_get_stats(f->con).tx_errors == 4);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_STATUS) &
			     CVMM_VDEV_S_DEVICE_NEEDS_RESET,
			 0);
	host.sink_rc = 0;
	head = send_text(f, BUF_BASE, "kept");
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_out("kept");
}

static void test_console_no_sink(void **state)
{
	struct fx *f = *state;
	uint16_t head;
	size_t taken;

	fx_open_console(f, NULL);
	fx_bring_up(f, 0, 2, 16);
	head = send_text(f, BUF_BASE, "into the void");
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	assert_true(cvmm_vdev_console_get_stats(f->con).tx_bytes == 0);
	/* No rx_ready callback either. */
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, RXQ), 0);
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"x", 1, &taken),
	    0);
	assert_int_equal(taken, 0);
}

static void add_rx(struct fx *f, uint64_t gpa, uint32_t len, uint16_t *head)
{
	struct cvmm_vqm_buf b = fx_buf(gpa, len, true);

	assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], &b, 1, head), 0);
}

static void expect_guest(struct fx *f, uint64_t gpa, const char *text)
{
	char buf[64];

	assert_true(strlen(text) < sizeof(buf));
	assert_int_equal(
	    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(gpa), buf, strlen(text)),
	    0);
	assert_memory_equal(buf, text, strlen(text));
}

static void test_console_input(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_console_config c = con_config(0, 0);
	struct cvmm_vqm_buf b[2];
	uint16_t h[3];
	size_t taken = 99;

	/* Not active yet. */
	fx_open_console(f, &c);
	host.con = f->con;
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"a", 1, &taken),
	    -ENODEV);
	assert_int_equal(taken, 0);
	/* Active, but the receiveq was never enabled. */
	fx_negotiate(f, 0);
	fx_queue(f, TXQ, 16, false);
	fx_driver_ok(f);
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"a", 1, &taken),
	    -ENODEV);
	fx_bring_up(f, 0, 2, 16);
	/* No receive buffers: nothing taken. */
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"abc", 3, &taken),
	    0);
	assert_int_equal(taken, 0);
	/* Two buffers of 4: 8 of 10 bytes taken, two used entries, one
	 * interrupt. */
	add_rx(f, BUF_BASE, 4, &h[0]);
	add_rx(f, BUF_BASE + 0x100, 4, &h[1]);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, RXQ);
	assert_int_equal(host.rx_ready_calls, 1);
	f->raises = 0;
	assert_int_equal(cvmm_vdev_console_input(
			     f->con, (const uint8_t *)"abcdefghij", 10, &taken),
			 0);
	assert_int_equal(taken, 8);
	expect_used(f, RXQ, h[0], 4);
	expect_used(f, RXQ, h[1], 4);
	expect_guest(f, BUF_BASE, "abcd");
	expect_guest(f, BUF_BASE + 0x100, "efgh");
	assert_int_equal(f->raises, 1);
	/* A chain with a readable buffer first and two writable ones; input
	 * shorter than the chain. */
	b[0] = fx_buf(BUF_BASE + 0x200, 4, false);
	b[1] = fx_buf(BUF_BASE + 0x300, 16, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], b, 2, &h[2]), 0);
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"ij", 2, &taken),
	    0);
	assert_int_equal(taken, 2);
	expect_used(f, RXQ, h[2], 2);
	expect_guest(f, BUF_BASE + 0x300, "ij");
	assert_true(cvmm_vdev_console_get_stats(f->con).rx_bytes == 10);
	/* rx_ready pushes what the VMM kept. */
	add_rx(f, BUF_BASE + 0x400, 8, &h[0]);
	host.push = "kept";
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, RXQ), 0);
	assert_int_equal(host.push_rc, 0);
	assert_int_equal(host.push_taken, 4);
	expect_used(f, RXQ, h[0], 4);
	expect_guest(f, BUF_BASE + 0x400, "kept");
	/* A chain of only readable buffers takes nothing but is returned. */
	b[0] = fx_buf(BUF_BASE + 0x500, 4, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], b, 1, &h[0]), 0);
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"z", 1, &taken),
	    0);
	assert_int_equal(taken, 0);
	expect_used(f, RXQ, h[0], 0);
}

/* A full receive queue and more input than it holds: at most a queue's
 * worth of chains per call. */
static void test_console_input_many(void **state)
{
	struct fx *f = *state;
	uint8_t data[64];
	size_t taken;
	uint16_t heads[16];

	open_console(f, 0, 0);
	memset(data, 'q', sizeof(data));
	for (unsigned i = 0; i < 16; i++)
		add_rx(f, BUF_BASE + 0x10 * i, 1, &heads[i]);
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, data, sizeof(data), &taken), 0);
	assert_int_equal(taken, 16);
	for (unsigned i = 0; i < 16; i++)
		expect_used(f, RXQ, heads[i], 1);
	/* The same on the transmitq: a full queue in one notification. */
	for (unsigned i = 0; i < 16; i++)
		heads[i] = send_text(f, BUF_BASE + 0x100 * i, "0123456789");
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	for (unsigned i = 0; i < 16; i++)
		expect_used(f, TXQ, heads[i], 0);
	assert_int_equal(host.out_len, 160);
	/* The device's notify op for a queue it does not have. */
	{
		struct cvmm_vdev d = cvmm_vdev_console_device(f->con);

		assert_int_equal(d.ops->notify(d.ctx, 2), -EIO);
	}
}

static void test_console_reentrancy(void **state)
{
	struct fx *f = *state;
	uint16_t head;

	/* The sink pushes input (a loopback): refused, nothing taken. */
	open_console(f, 0, 0);
	add_rx(f, BUF_BASE + 0x800, 8, &head);
	host.push = "echo";
	host.push_taken = 99;
	(void)send_text(f, BUF_BASE, "x");
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	assert_int_equal(host.push_rc, -EBUSY);
	assert_int_equal(host.push_taken, 0);
	expect_out("x");
	/* The same from an emergency write. */
	fx_negotiate(f, CVMM_VDEV_CONSOLE_F_EMERG_WRITE);
	host.push_rc = 0;
	fx_wr(f, CVMM_VDEV_MMIO_CONFIG + CVMM_VDEV_CONSOLE_EMERG_WR, 'y');
	assert_int_equal(host.push_rc, -EBUSY);
	expect_out("xy");
}

static void test_console_emergency_write(void **state)
{
	struct fx *f = *state;
	uint8_t b[4] = {'!', 'z', 'z', 'z'};

	/* Not negotiated: refused. */
	open_console(f, 0, 0);
	assert_int_equal(
	    fx_wr_rc(f, CVMM_VDEV_MMIO_CONFIG + CVMM_VDEV_CONSOLE_EMERG_WR,
		     'a'),
	    -EACCES);
	assert_int_equal(host.out_len, 0);
	/* Negotiated: the low byte, at any width, before DRIVER_OK too. */
	fx_negotiate(f, CVMM_VDEV_CONSOLE_F_EMERG_WRITE);
	fx_wr(f, CVMM_VDEV_MMIO_CONFIG + CVMM_VDEV_CONSOLE_EMERG_WR, 'O');
	assert_int_equal(
	    cvmm_vdev_mmio_write(
		f->t, CVMM_VDEV_MMIO_CONFIG + CVMM_VDEV_CONSOLE_EMERG_WR, b, 1),
	    0);
	assert_int_equal(
	    cvmm_vdev_mmio_write(
		f->t, CVMM_VDEV_MMIO_CONFIG + CVMM_VDEV_CONSOLE_EMERG_WR, b, 2),
	    0);
	expect_out("O!!");
	assert_true(cvmm_vdev_console_get_stats(f->con).emerg_bytes == 3);
	/* Only at emerg_wr. */
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_CONFIG + 4, 'a'), -EACCES);
}

static void test_console_resize(void **state)
{
	struct fx *f = *state;

	open_console(f, 0, CVMM_VDEV_CONSOLE_F_SIZE);
	cvmm_vdev_console_resize(f->con, 132, 43);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG), 132u | 43u << 16);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS),
			 CVMM_VDEV_MMIO_INT_CONFIG);
	/* Without F_SIZE, or inactive: stored, nobody told. */
	fx_bring_up(f, 0, 2, 16);
	cvmm_vdev_console_resize(f->con, 100, 30);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	cvmm_vdev_console_resize(f->con, 90, 20);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG), 90u | 20u << 16);
}

static void expect_needs_reset(struct fx *f)
{
	assert_true((fx_rd(f, CVMM_VDEV_MMIO_STATUS) &
		     CVMM_VDEV_S_DEVICE_NEEDS_RESET) != 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), -EIO);
}

static void test_console_hostile(void **state)
{
	struct fx *f = *state;
	size_t taken;
	uint16_t head;

	open_console(f, 0, 0);
	/* Transmit: a head out of range. */
	assert_int_equal(cvmm_vqm_publish(f->m[TXQ], 77), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), -ERANGE);
	expect_needs_reset(f);
	/* Failed closed: receive buffers the driver still offers are not
	 * filled, not even returned, until the driver resets the device. */
	add_rx(f, BUF_BASE, 8, &head);
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"abc", 3, &taken),
	    -EIO);
	assert_int_equal(taken, 0);
	assert_int_equal(cvmm_vq_inflight(cvmm_vdev_mmio_queue(f->t, RXQ)), 0);
	{
		/* The transport no longer notifies it; the device itself
		 * refuses too. */
		struct cvmm_vdev d = cvmm_vdev_console_device(f->con);

		assert_int_equal(d.ops->notify(d.ctx, TXQ), -EIO);
	}
	{
		uint16_t id;
		uint32_t len;

		assert_int_equal(cvmm_vqm_get_used(f->m[RXQ], &id, &len),
				 -EAGAIN);
	}
	/* Transmit: a buffer across the hole: the head still goes back. */
	fx_bring_up(f, 0, 2, 16);
	{
		struct cvmm_vqm_buf b[2] = {fx_buf(BUF_BASE, 4, false),
					    fx_buf(BUF_END - 4, 64, false)};

		assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 2, &head),
				 0);
	}
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), -EFAULT);
	expect_needs_reset(f);
	/* Receive: a writable buffer in read-only memory. */
	fx_bring_up(f, 0, 2, 16);
	add_rx(f, RO_BASE, 8, &head);
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"abc", 3, &taken),
	    -EACCES);
	assert_int_equal(taken, 0);
	expect_needs_reset(f);
	/* Receive: input that ends in the first buffer; the second
	 * descriptor's next is out of range: found all the same. */
	fx_bring_up(f, 0, 2, 16);
	{
		struct cvmm_vqm_buf b[2] = {fx_buf(BUF_BASE, 8, true),
					    fx_buf(BUF_BASE + 0x100, 8, true)};
		uint64_t next;

		assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], b, 2, &head),
				 0);
		assert_int_equal(cvmm_vqm_peek(f->m[RXQ],
					       CVMM_VQM_DESC_NEXT_IDX, head,
					       &next),
				 0);
		assert_int_equal(
		    cvmm_vqm_poke(f->m[RXQ], CVMM_VQM_DESC_FLAGS, next,
				  CVMM_VQM_DESC_WRITE | CVMM_VQM_DESC_NEXT),
		    0);
		assert_int_equal(
		    cvmm_vqm_poke(f->m[RXQ], CVMM_VQM_DESC_NEXT_IDX, next, 999),
		    0);
	}
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"ab", 2, &taken),
	    -EBADSLT);
	assert_int_equal(taken, 0);
	expect_needs_reset(f);
	/* And it works after the reset. */
	fx_bring_up(f, 0, 2, 16);
	add_rx(f, BUF_BASE, 8, &head);
	assert_int_equal(
	    cvmm_vdev_console_input(f->con, (const uint8_t *)"abc", 3, &taken),
	    0);
	assert_int_equal(taken, 3);
}

/* Every guest-memory access failed in turn, on both queues. */
static void test_console_fail_nth(void **state)
{
	struct fx *f = *state;

	open_console(f, 0, CVMM_VDEV_F_EVENT_IDX);
	for (unsigned q = 0; q < 2; q++) {
		bool done = false;

		for (uint64_t n = 1; !done; n++) {
			uint16_t head;
			size_t taken = 0;
			bool fired;
			int rc;

			fx_bring_up(f, CVMM_VDEV_F_EVENT_IDX, 2, 16);
			host.out_len = 0;
			if (q == RXQ)
				add_rx(f, BUF_BASE + 0x100, 600, &head);
			else
				head = send_text(f, BUF_BASE + 0x100,
						 "a line of output");
			assert_int_equal(
			    cvmm_mem_test_fail_nth(f->tm, n, INJECTED), 0);
			if (q == RXQ) {
				static uint8_t data[600];

				rc = cvmm_vdev_console_input(
				    f->con, data, sizeof(data), &taken);
			} else {
				rc = cvmm_vdev_mmio_notify(f->t, TXQ);
			}
			fired = cvmm_mem_test_failure_fired(f->tm);
			assert_int_equal(
			    cvmm_mem_test_fail_nth(f->tm, 0, INJECTED), 0);
			if (!fired || (cvmm_vdev_mmio_status(f->t) &
				       CVMM_VDEV_S_DEVICE_NEEDS_RESET) == 0) {
				assert_int_equal(rc, 0);
				expect_used(f, q, head, q == RXQ ? 600 : 0);
				done = !fired;
			} else {
				assert_true(taken < 600 || rc == 0);
			}
			assert_true(n < 10000);
		}
	}
}

static void test_console_ops_direct(void **state)
{
	struct cvmm_vdev_console *con;
	struct cvmm_vdev d;
	struct cvmm_vdev_activation act;
	uint8_t buf[16];
	uint32_t len = 0;

	(void)state;
	assert_int_equal(cvmm_vdev_console_create(NULL, &con), 0);
	d = cvmm_vdev_console_device(con);
	assert_int_equal(d.ops->notify(d.ctx, 0), -EIO);
	assert_int_equal(d.ops->config_read(d.ctx, 13, buf, 1), -ENXIO);
	assert_int_equal(d.ops->config_read(d.ctx, 10, buf, 4), -ENXIO);
	assert_int_equal(d.ops->config_write(d.ctx, 8, buf, 0), -EACCES);
	memset(&act, 0, sizeof(act));
	act.num_queues = 1;
	assert_int_equal(d.ops->activate(d.ctx, &act), -EINVAL);
	assert_int_equal(d.ops->save(d.ctx, buf, 11, &len), -ENOSPC);
	cvmm_vdev_console_resize(con, 0x1234, 0x5678);
	assert_int_equal(d.ops->save(d.ctx, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 12);
	cvmm_vdev_console_resize(con, 1, 1);
	assert_int_equal(d.ops->restore(d.ctx, buf, 12), 0);
	assert_int_equal(d.ops->config_read(d.ctx, 0, buf + 12, 4), 0);
	assert_int_equal(buf[12], 0x34);
	assert_int_equal(buf[15], 0x56);
	assert_int_equal(d.ops->restore(d.ctx, buf, 11), -EINVAL);
	buf[0] ^= 1;
	assert_int_equal(d.ops->restore(d.ctx, buf, 12), -EINVAL);
	buf[0] ^= 1;
	buf[4] = 9;
	assert_int_equal(d.ops->restore(d.ctx, buf, 12), -EINVAL);
	cvmm_vdev_console_destroy(con);
}

static void test_console_save_restore(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio_state *st = malloc(sizeof(*st));
	uint16_t head;

	assert_non_null(st);
	open_console(f, 0, CVMM_VDEV_CONSOLE_F_SIZE);
	cvmm_vdev_console_resize(f->con, 200, 60);
	head = send_text(f, BUF_BASE, "before");
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	assert_int_equal(cvmm_vdev_mmio_save(f->t, st), 0);
	cvmm_vdev_mmio_destroy(f->t);
	f->t = NULL;
	cvmm_vdev_console_destroy(f->con);
	f->con = NULL;
	{
		struct cvmm_vdev_console_config c = con_config(0, 0);

		fx_open_console(f, &c);
	}
	assert_int_equal(cvmm_vdev_mmio_restore(f->t, st), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG), 200u | 60u << 16);
	head = send_text(f, BUF_BASE, "after");
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_out("after");
	free(st);
}

int run_console_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_console_create, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_output, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_output_bound, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_sink_fails, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_no_sink, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_input, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_input_many, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_reentrancy, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_emergency_write,
					    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_resize, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_hostile, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_fail_nth, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_ops_direct, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_console_save_restore, fx_setup,
					    fx_teardown),
	};

	return cmocka_run_group_tests_name("vdev-console", tests, NULL, NULL);
}
