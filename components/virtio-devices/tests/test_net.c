/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-net behind the virtio-mmio transport, driven from the driver side,
 * with an in-memory backend. */
#include "fixture.h"

#include <cvmm/vdev-net-tap.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc-fail.h"

#define RXQ  CVMM_VDEV_NET_RX
#define TXQ  CVMM_VDEV_NET_TX
#define HDR  CVMM_VDEV_NET_HDR_LEN
#define MAXF CVMM_VDEV_NET_MAX_FRAME

/* Frames waiting in the backend are described, not stored: frame k of
 * length len has byte i = pattern(seed, i). */
#define NB_QUEUE 64u

static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

struct nb {
	/* Frames waiting for recv. */
	size_t in_len[NB_QUEUE];
	uint8_t in_seed[NB_QUEUE];
	unsigned in_head;
	unsigned in_count;
	int recv_rc;
	int recv_calls;
	/* The frames send took. */
	uint8_t out[HDR + MAXF + 16];
	size_t out_len;
	int sends;
	int send_rc;
	/* rx_wanted answers. */
	int wanted_calls;
	bool wanted;
	/* Run cvmm_vdev_net_backend_readable() from inside these callbacks
	 * (REENTER_* bits). */
	unsigned reenter;
	int reenter_rc;
	struct cvmm_vdev_net *net;
};

static struct nb nb;

static uint8_t pattern(uint8_t seed, size_t i)
{
	return (uint8_t)(seed + i * 7 + (i >> 8));
}

#define REENTER_SEND   1u
#define REENTER_RECV   2u
#define REENTER_WANTED 4u

static void reenter(struct nb *b, unsigned where)
{
	if ((b->reenter & where) != 0)
		b->reenter_rc = cvmm_vdev_net_backend_readable(b->net);
}

static int nb_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct nb *b = ctx;

	reenter(b, REENTER_SEND);
	b->sends++;
	if (b->send_rc != 0)
		return b->send_rc;
	assert_true(len <= sizeof(b->out));
	memcpy(b->out, frame, len);
	b->out_len = len;
	return 0;
}

static int nb_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
	struct nb *b = ctx;
	unsigned k;

	reenter(b, REENTER_RECV);
	b->recv_calls++;
	if (b->recv_rc != 0)
		return b->recv_rc;
	if (b->in_count == 0)
		return -EAGAIN;
	assert_int_equal(cap, MAXF + 1);
	k = b->in_head;
	b->in_head = (b->in_head + 1) % NB_QUEUE;
	b->in_count--;
	/* A longer frame is reported with its length, cut to cap. */
	for (size_t i = 0; i < b->in_len[k] && i < cap; i++)
		buf[i] = pattern(b->in_seed[k], i);
	*len = b->in_len[k];
	return 0;
}

static void nb_wanted(void *arg, bool wanted)
{
	struct nb *b = arg;

	reenter(b, REENTER_WANTED);
	b->wanted_calls++;
	b->wanted = wanted;
}

static const struct cvmm_vdev_net_backend_ops nb_ops = {nb_send, nb_recv};

static void nb_push(size_t len, uint8_t seed)
{
	unsigned k = (nb.in_head + nb.in_count) % NB_QUEUE;

	assert_true(nb.in_count < NB_QUEUE);
	nb.in_len[k] = len;
	nb.in_seed[k] = seed;
	nb.in_count++;
}

static struct cvmm_vdev_net_config net_config(uint16_t mtu, uint32_t qsize)
{
	struct cvmm_vdev_net_config c;

	memset(&nb, 0, sizeof(nb));
	memset(&c, 0, sizeof(c));
	c.backend.ops = &nb_ops;
	c.backend.ctx = &nb;
	c.rx_wanted = nb_wanted;
	c.rx_wanted_arg = &nb;
	memcpy(c.mac, mac, sizeof(mac));
	c.mtu = mtu;
	c.queue_size = qsize;
	return c;
}

static void open_net(struct fx *f, uint64_t features)
{
	struct cvmm_vdev_net_config c = net_config(0, 0);

	fx_open_net(f, &c);
	nb.net = f->net;
	fx_bring_up(f, features, 2, 16);
}

static void expect_used(struct fx *f, uint32_t q, uint16_t head, uint32_t len)
{
	uint16_t id;
	uint32_t got;

	assert_int_equal(cvmm_vqm_get_used(f->m[q], &id, &got), 0);
	assert_int_equal(id, head);
	assert_int_equal(got, len);
}

static void expect_no_used(struct fx *f, uint32_t q)
{
	uint16_t id;
	uint32_t len;

	assert_int_equal(cvmm_vqm_get_used(f->m[q], &id, &len), -EAGAIN);
}

static bool needs_reset(struct fx *f)
{
	return (fx_rd(f, CVMM_VDEV_MMIO_STATUS) &
		CVMM_VDEV_S_DEVICE_NEEDS_RESET) != 0;
}

/* Write a header (flags, gso_type, the rest `fill`) and a frame of len
 * pattern bytes at gpa. */
static void put_packet(struct fx *f, uint64_t gpa, uint8_t flags, uint8_t gso,
		       uint8_t fill, size_t len, uint8_t seed)
{
	static uint8_t pkt[HDR + MAXF + 16];

	assert_true(len + HDR <= sizeof(pkt));
	memset(pkt, fill, HDR);
	pkt[CVMM_VDEV_NET_HDR_FLAGS] = flags;
	pkt[CVMM_VDEV_NET_HDR_GSO_TYPE] = gso;
	for (size_t i = 0; i < len; i++)
		pkt[HDR + i] = pattern(seed, i);
	assert_int_equal(
	    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(gpa), pkt, HDR + len), 0);
}

/* One transmit chain: the packet at BUF_BASE + off cut into bufs of the
 * given lengths (the last takes the rest). */
static uint16_t send_cut(struct fx *f, uint64_t off, size_t len, uint8_t seed,
			 const uint32_t *cuts, uint32_t ncuts)
{
	struct cvmm_vqm_buf b[8];
	uint64_t gpa = BUF_BASE + off;
	uint32_t left = (uint32_t)(HDR + len);
	uint16_t head;

	assert_true(ncuts < 8);
	put_packet(f, gpa, 0, 0, 0, len, seed);
	for (uint32_t i = 0; i < ncuts; i++) {
		b[i] = fx_buf(gpa, cuts[i], false);
		gpa += cuts[i];
		left -= cuts[i];
	}
	b[ncuts] = fx_buf(gpa, left, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, ncuts + 1, &head),
			 0);
	return head;
}

static void expect_sent(size_t len, uint8_t seed)
{
	assert_int_equal(nb.out_len, len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(nb.out[i], pattern(seed, i));
}

/* The guest's packet at gpa: a zeroed header with num_buffers 1, then
 * the frame. */
static void expect_received(struct fx *f, uint64_t gpa, size_t len,
			    uint8_t seed)
{
	static uint8_t pkt[HDR + MAXF];
	static const uint8_t hdr[HDR] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};

	assert_int_equal(
	    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(gpa), pkt, HDR + len), 0);
	assert_memory_equal(pkt, hdr, HDR);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(pkt[HDR + i], pattern(seed, i));
}

static void add_rx(struct fx *f, uint64_t gpa, uint32_t len, uint16_t *head)
{
	struct cvmm_vqm_buf b = fx_buf(gpa, len, true);

	assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], &b, 1, head), 0);
}

static void test_net_create(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_net_config c = net_config(0, 24);
	struct cvmm_vdev_net_backend_ops half = {nb_send, NULL};
	struct cvmm_vdev_net *net = NULL;
	bool done = false;

	assert_int_equal(cvmm_vdev_net_create(&c, &net), -EINVAL);
	c.queue_size = CVMM_VQ_MAX_SIZE * 2;
	assert_int_equal(cvmm_vdev_net_create(&c, &net), -EINVAL);
	c = net_config(67, 0);
	assert_int_equal(cvmm_vdev_net_create(&c, &net), -EINVAL);
	c = net_config(CVMM_VDEV_NET_MAX_MTU + 1, 0);
	assert_int_equal(cvmm_vdev_net_create(&c, &net), -EINVAL);
	c = net_config(CVMM_VDEV_NET_MAX_MTU, 0);
	assert_int_equal(cvmm_vdev_net_create(&c, &net), 0);
	cvmm_vdev_net_destroy(net);
	net = NULL;
	c = net_config(0, 0);
	assert_int_equal(cvmm_vdev_net_create(NULL, &net), -EINVAL);
	assert_int_equal(cvmm_vdev_net_create(&c, NULL), -EINVAL);
	c.backend.ops = NULL;
	assert_int_equal(cvmm_vdev_net_create(&c, &net), -EINVAL);
	c.backend.ops = &half;
	assert_int_equal(cvmm_vdev_net_create(&c, &net), -EINVAL);
	half.send = NULL;
	half.recv = nb_recv;
	assert_int_equal(cvmm_vdev_net_create(&c, &net), -EINVAL);
	assert_null(net);
	c.backend.ops = &nb_ops;
	for (uint64_t n = 1; !done; n++) {
		int rc;

		cvmm_alloc_fail_nth(n);
		rc = cvmm_vdev_net_create(&c, &net);
		if (cvmm_alloc_fail_fired()) {
			assert_int_equal(rc, -ENOMEM);
		} else {
			assert_int_equal(rc, 0);
			done = true;
		}
		cvmm_alloc_fail_nth(0);
	}
	cvmm_vdev_net_destroy(net);
	cvmm_vdev_net_destroy(NULL);

	/* Identity, features, config space. */
	c = net_config(0, 0);
	fx_open_net(f, &c);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_ID), 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 256);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 256);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_SEL, 2);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 0);
	fx_wr(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES),
			 (uint32_t)(CVMM_VDEV_NET_F_MAC |
				    CVMM_VDEV_NET_F_STATUS |
				    CVMM_VDEV_F_INDIRECT_DESC));
	fx_wr(f, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES), 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG), 0x12005452u);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 4),
			 0x5634u | CVMM_VDEV_NET_S_LINK_UP << 16);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 8), 1);
	{
		uint8_t b[6];

		for (unsigned i = 0; i < 6; i++)
			assert_int_equal(
			    cvmm_vdev_mmio_read(f->t, CVMM_VDEV_MMIO_CONFIG + i,
						b + i, 1),
			    0);
		assert_memory_equal(b, mac, 6);
		assert_int_equal(
		    cvmm_vdev_mmio_read(f->t, CVMM_VDEV_MMIO_CONFIG + 6, b, 2),
		    0);
		assert_int_equal(b[0], 1);
		assert_int_equal(
		    cvmm_vdev_mmio_read(f->t, CVMM_VDEV_MMIO_CONFIG + 12, b, 1),
		    -ENXIO);
	}
	/* Every field is read-only. */
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_CONFIG, 0), -EACCES);
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_CONFIG + 4, 0), -EACCES);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG), 0x12005452u);
	/* Nothing asked for frames before DRIVER_OK. */
	assert_int_equal(nb.wanted_calls, 0);
}

static void test_net_mtu(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_net_config c = net_config(9000, 64);
	const size_t top = 1500 + CVMM_VDEV_NET_ETH_HLEN;
	struct cvmm_vdev_net_stats s;
	uint16_t head;

	fx_open_net(f, &c);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 64);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES),
			 (uint32_t)(CVMM_VDEV_NET_F_MAC | CVMM_VDEV_NET_F_MTU |
				    CVMM_VDEV_NET_F_STATUS |
				    CVMM_VDEV_F_INDIRECT_DESC));
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 8), 1u | 9000u << 16);
	cvmm_vdev_mmio_destroy(f->t);
	f->t = NULL;
	cvmm_vdev_net_destroy(f->net);
	f->net = NULL;
	/* With the MTU negotiated, frames past it plus an Ethernet header
	 * with a VLAN tag are dropped both ways. */
	c = net_config(1500, 0);
	fx_open_net(f, &c);
	nb.net = f->net;
	fx_bring_up(f, CVMM_VDEV_NET_F_MTU, 2, 16);
	head = send_cut(f, 0, top, 1, NULL, 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(top, 1);
	head = send_cut(f, 0, top + 1, 2, NULL, 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	add_rx(f, BUF_BASE + 0x1000, 4096, &head);
	nb_push(top + 1, 3);
	nb_push(top, 4);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, head, HDR + (uint32_t)top);
	expect_received(f, BUF_BASE + 0x1000, top, 4);
	s = cvmm_vdev_net_get_stats(f->net);
	assert_true(s.tx_too_big == 1 && s.rx_oversize == 1);
	assert_true(s.tx_frames == 1 && s.rx_frames == 1);
	/* Offered but not taken: the device's own bound. */
	fx_bring_up(f, 0, 2, 16);
	head = send_cut(f, 0, top + 1, 5, NULL, 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(top + 1, 5);
	add_rx(f, BUF_BASE + 0x1000, 4096, &head);
	nb_push(top + 1, 6);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, head, HDR + (uint32_t)top + 1);
}

/* The driver acks a bit the device did not offer: FEATURES_OK stays
 * clear. */
static void expect_refused(struct fx *f, uint64_t features)
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
	(void)fx_wr_rc(f, CVMM_VDEV_MMIO_STATUS,
		       CVMM_VDEV_S_ACKNOWLEDGE | CVMM_VDEV_S_DRIVER |
			   CVMM_VDEV_S_FEATURES_OK);
	assert_int_equal(
	    fx_rd(f, CVMM_VDEV_MMIO_STATUS) & CVMM_VDEV_S_FEATURES_OK, 0);
}

static void test_net_features(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_net_config c = net_config(0, 0);
	struct cvmm_vdev d;

	fx_open_net(f, &c);
	/* Offloads, merged buffers, EVENT_IDX and an MTU not configured are
	 * not offered: refused. */
	expect_refused(f, CVMM_VDEV_NET_F_CSUM);
	expect_refused(f, UINT64_C(1) << 1);  /* GUEST_CSUM */
	expect_refused(f, UINT64_C(1) << 11); /* HOST_TSO4 */
	expect_refused(f, CVMM_VDEV_NET_F_MRG_RXBUF);
	expect_refused(f, UINT64_C(1) << 17); /* CTRL_VQ */
	expect_refused(f, UINT64_C(1) << 22); /* MQ */
	expect_refused(f, CVMM_VDEV_NET_F_MTU);
	expect_refused(f, CVMM_VDEV_F_EVENT_IDX);
	/* Each offered one is accepted. */
	fx_negotiate(f, CVMM_VDEV_NET_F_MAC);
	fx_negotiate(f, CVMM_VDEV_NET_F_STATUS | CVMM_VDEV_F_INDIRECT_DESC);
	fx_negotiate(f, 0);
	/* The op itself refuses them too. */
	d = cvmm_vdev_net_device(f->net);
	assert_int_equal(
	    d.ops->ack_features(d.ctx, F_V1 | CVMM_VDEV_NET_F_CSUM),
	    -EOPNOTSUPP);
	assert_int_equal(d.ops->ack_features(d.ctx, F_V1 | CVMM_VDEV_NET_F_MAC),
			 0);
}

static void test_net_tx(void **state)
{
	struct fx *f = *state;
	static const uint32_t whole[] = {0};
	static const uint32_t split[] = {HDR};
	static const uint32_t cut[] = {1, 4, 9, 3, 50};
	uint16_t head;

	open_net(f, 0);
	/* Header and frame in one buffer: a zero-length first piece. */
	head = send_cut(f, 0, 60, 1, whole, 1);
	fx_wr(f, CVMM_VDEV_MMIO_QUEUE_NOTIFY, TXQ);
	expect_used(f, TXQ, head, 0);
	expect_sent(60, 1);
	assert_int_equal(f->raises, 1);
	/* Header, then the frame. */
	head = send_cut(f, 0x1000, 1514, 2, split, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(1514, 2);
	/* The header cut across buffers, the frame too. */
	head = send_cut(f, 0x2000, 200, 3, cut, 5);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(200, 3);
	/* Through an indirect table. */
	fx_negotiate(f, CVMM_VDEV_F_INDIRECT_DESC);
	fx_queue(f, RXQ, 16, false);
	fx_queue(f, TXQ, 16, false);
	fx_driver_ok(f);
	put_packet(f, BUF_BASE + 0x3000, 0, 0, 0, 100, 4);
	{
		struct cvmm_vqm_buf b[2] = {
		    fx_buf(BUF_BASE + 0x3000, HDR, false),
		    fx_buf(BUF_BASE + 0x3000 + HDR, 100, false)};

		assert_int_equal(cvmm_vqm_add_indirect(
				     f->m[TXQ], b, 2,
				     cvmm_mem_gpa_from(BUF_END - 0x100), &head),
				 0);
	}
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(100, 4);
	/* Nothing to send: no interrupt. */
	f->raises = 0;
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	assert_int_equal(f->raises, 0);
	assert_true(cvmm_vdev_net_get_stats(f->net).tx_frames == 4);
	assert_true(cvmm_vdev_net_get_stats(f->net).tx_bytes ==
		    60 + 1514 + 200 + 100);
}

/* A full queue of frames in one notification, twice round the ring. */
static void test_net_tx_many(void **state)
{
	struct fx *f = *state;
	uint16_t heads[16];

	open_net(f, 0);
	for (unsigned round = 0; round < 2; round++) {
		nb.sends = 0;
		for (unsigned i = 0; i < 16; i++)
			heads[i] = send_cut(f, 0x800 * i, 64 + i,
					    (uint8_t)(i + round), NULL, 0);
		f->raises = 0;
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
		for (unsigned i = 0; i < 16; i++)
			expect_used(f, TXQ, heads[i], 0);
		assert_int_equal(nb.sends, 16);
		expect_sent(64 + 15, (uint8_t)(15 + round));
		assert_int_equal(f->raises, 1);
	}
	assert_true(cvmm_vdev_net_get_stats(f->net).tx_frames == 32);
	/* The device's notify op for a queue it does not have. */
	{
		struct cvmm_vdev d = cvmm_vdev_net_device(f->net);

		assert_int_equal(d.ops->notify(d.ctx, 2), -EIO);
	}
	assert_false(needs_reset(f));
}

/* A transmitted chain that is returned with 0 and counted, and the queue
 * going on with the next one. */
static void expect_dropped(struct fx *f, uint16_t head)
{
	static const uint32_t split[] = {HDR};
	uint16_t next;

	nb.sends = 0;
	next = send_cut(f, 0x8000, 40, 9, split, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_used(f, TXQ, next, 0);
	assert_int_equal(nb.sends, 1);
	expect_sent(40, 9);
	assert_false(needs_reset(f));
}

static void test_net_tx_header(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_net_stats s;
	struct cvmm_vqm_buf b;
	uint16_t head;

	open_net(f, 0);
	/* NEEDS_CSUM without F_CSUM. */
	put_packet(f, BUF_BASE, 1, 0, 0, 60, 0);
	b = fx_buf(BUF_BASE, HDR + 60, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], &b, 1, &head), 0);
	expect_dropped(f, head);
	s = cvmm_vdev_net_get_stats(f->net);
	assert_true(s.tx_bad_header == 1);
	/* GSO_TCPV4 without HOST_TSO4, the ECN bit alone, DATA_VALID. */
	put_packet(f, BUF_BASE, 0, 1, 0, 60, 0);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], &b, 1, &head), 0);
	put_packet(f, BUF_BASE + 0x100, 0, 0x80, 0, 60, 0);
	b = fx_buf(BUF_BASE + 0x100, HDR + 60, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], &b, 1, &head), 0);
	put_packet(f, BUF_BASE + 0x200, 2, 0, 0, 60, 0);
	b = fx_buf(BUF_BASE + 0x200, HDR + 60, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], &b, 1, &head), 0);
	nb.sends = 0;
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	assert_int_equal(nb.sends, 0);
	for (unsigned i = 0; i < 3; i++) {
		uint16_t id;
		uint32_t len;

		assert_int_equal(cvmm_vqm_get_used(f->m[TXQ], &id, &len), 0);
		assert_int_equal(len, 0);
	}
	assert_true(cvmm_vdev_net_get_stats(f->net).tx_bad_header == 4);
	/* The fields that mean nothing without offloads are ignored: all
	 * 0xff (num_buffers too, which Linux leaves unset). */
	put_packet(f, BUF_BASE, 0, 0, 0xff, 60, 5);
	b = fx_buf(BUF_BASE, HDR + 60, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], &b, 1, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(60, 5);
}

static void test_net_tx_sizes(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_net_stats s;
	struct cvmm_vqm_buf b[3];
	uint16_t head;

	open_net(f, 0);
	/* Shorter than the header. */
	b[0] = fx_buf(BUF_BASE, HDR - 1, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 1, &head), 0);
	expect_dropped(f, head);
	s = cvmm_vdev_net_get_stats(f->net);
	assert_true(s.tx_short == 1);
	/* The largest frame goes out whole; one byte more is dropped,
	 * unread. */
	{
		static const uint32_t split[] = {HDR};

		head = send_cut(f, 0, MAXF, 6, split, 1);
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
		expect_used(f, TXQ, head, 0);
		expect_sent(MAXF, 6);
		head = send_cut(f, 0, MAXF + 1, 7, split, 1);
	}
	expect_dropped(f, head);
	assert_true(cvmm_vdev_net_get_stats(f->net).tx_too_big == 1);
	/* Just the header: an empty frame is the backend's to judge. */
	put_packet(f, BUF_BASE, 0, 0, 0, 0, 0);
	b[0] = fx_buf(BUF_BASE, HDR, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 1, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(0, 0);
	/* A device-writable buffer in a transmit chain: dropped. */
	put_packet(f, BUF_BASE, 0, 0, 0, 60, 8);
	b[0] = fx_buf(BUF_BASE, HDR + 60, false);
	b[1] = fx_buf(BUF_BASE + 0x1000, 4, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 2, &head), 0);
	expect_dropped(f, head);
	assert_true(cvmm_vdev_net_get_stats(f->net).tx_bad_chain == 1);
	/* ... unless it is empty. */
	b[1] = fx_buf(BUF_BASE + 0x1000, 0, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 2, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(60, 8);
}

static void test_net_tx_backend_fails(void **state)
{
	struct fx *f = *state;
	static const uint32_t split[] = {HDR};
	struct cvmm_vdev_net_stats s;
	uint16_t head;

	open_net(f, 0);
	/* A full host queue, then another error: both frames lost and
	 * counted, the queue fine. */
	nb.send_rc = -EAGAIN;
	head = send_cut(f, 0, 60, 1, split, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	s = cvmm_vdev_net_get_stats(f->net);
	assert_true(s.tx_errors == 1);
	nb.send_rc = -ENOBUFS;
	head = send_cut(f, 0, 60, 1, split, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	nb.send_rc = 0;
	expect_used(f, TXQ, head, 0);
	assert_int_equal(nb.sends, 2);
	s = cvmm_vdev_net_get_stats(f->net);
	assert_true(s.tx_errors == 2);
	assert_true(s.tx_frames == 0);
	assert_false(needs_reset(f));
	head = send_cut(f, 0, 60, 2, split, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(60, 2);
}

static void test_net_rx(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_net_config c = net_config(0, 0);
	uint16_t h[4];

	/* Not active yet: nothing read. */
	fx_open_net(f, &c);
	nb.net = f->net;
	nb_push(60, 1);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), -ENODEV);
	/* Active, but the receiveq was never enabled: not wanted. */
	fx_negotiate(f, 0);
	fx_queue(f, TXQ, 16, false);
	fx_driver_ok(f);
	assert_int_equal(nb.wanted_calls, 0);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), -ENODEV);
	assert_int_equal(nb.recv_calls, 0);
	/* Both queues: wanted. */
	fx_bring_up(f, 0, 2, 16);
	assert_int_equal(nb.wanted_calls, 1);
	assert_true(nb.wanted);
	/* A frame, a buffer. */
	add_rx(f, BUF_BASE, 2048, &h[0]);
	f->raises = 0;
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, h[0], HDR + 60);
	expect_received(f, BUF_BASE, 60, 1);
	assert_int_equal(f->raises, 1);
	assert_int_equal(nb.recv_calls, 2);
	/* Nothing waiting: nothing happens. */
	f->raises = 0;
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	assert_int_equal(f->raises, 0);
	/* No buffer: the frame is held and the VMM told to stop. */
	nb_push(1514, 2);
	nb_push(100, 3);
	nb.recv_calls = 0;
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	assert_int_equal(nb.recv_calls, 1);
	assert_int_equal(nb.wanted_calls, 2);
	assert_false(nb.wanted);
	expect_no_used(f, RXQ);
	/* Called anyway: still nothing to put it in, nothing read. */
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	assert_int_equal(nb.recv_calls, 1);
	/* A notification without buffers changes nothing. */
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, RXQ), 0);
	assert_int_equal(nb.wanted_calls, 2);
	/* Buffers arrive: the held frame goes in, frames wanted again. */
	add_rx(f, BUF_BASE + 0x1000, 1600, &h[1]);
	add_rx(f, BUF_BASE + 0x2000, 1600, &h[2]);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, RXQ), 0);
	expect_used(f, RXQ, h[1], HDR + 1514);
	expect_received(f, BUF_BASE + 0x1000, 1514, 2);
	assert_int_equal(nb.wanted_calls, 3);
	assert_true(nb.wanted);
	assert_int_equal(nb.recv_calls, 1);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, h[2], HDR + 100);
	expect_received(f, BUF_BASE + 0x2000, 100, 3);
	assert_true(cvmm_vdev_net_get_stats(f->net).rx_frames == 3);
	assert_true(cvmm_vdev_net_get_stats(f->net).rx_bytes ==
		    60 + 1514 + 100);
}

/* Header and frame cut anywhere across the writable buffers; a readable
 * empty buffer first; buffers to spare. */
static void test_net_rx_framing(void **state)
{
	struct fx *f = *state;
	struct cvmm_vqm_buf b[6] = {
	    fx_buf(BUF_BASE + 0x3000, 0, false),
	    fx_buf(BUF_BASE, 5, true),
	    fx_buf(BUF_BASE + 5, 1, true),
	    fx_buf(BUF_BASE + 6, 9, true),
	    fx_buf(BUF_BASE + 15, 60, true),
	    fx_buf(BUF_BASE + 0x2000, 64, true),
	};
	uint16_t head;

	open_net(f, 0);
	assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], b, 6, &head), 0);
	nb_push(57, 4); /* header and frame end inside the fourth buffer */
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, head, HDR + 57);
	expect_received(f, BUF_BASE, 57, 4);
	/* The spare buffer is untouched. */
	{
		uint8_t z[64], got[64];

		memset(z, 0, sizeof(z));
		assert_int_equal(
		    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(BUF_BASE + 0x2000),
				  got, sizeof(got)),
		    0);
		assert_memory_equal(got, z, sizeof(z));
	}
	/* The largest frame in one chain of two buffers. */
	{
		struct cvmm_vqm_buf big[2] = {
		    fx_buf(BUF_BASE, HDR, true),
		    fx_buf(BUF_BASE + HDR, MAXF, true)};

		assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], big, 2, &head),
				 0);
	}
	nb_push(MAXF, 5);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, head, HDR + MAXF);
	expect_received(f, BUF_BASE, MAXF, 5);
}

static void test_net_rx_drops(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_net_stats s;
	struct cvmm_vqm_buf b[2];
	uint16_t h[3];

	open_net(f, 0);
	/* Too big for the chain: dropped, never cut; the next frame takes
	 * the next chain. */
	add_rx(f, BUF_BASE, HDR + 99, &h[0]);
	add_rx(f, BUF_BASE + 0x1000, HDR + 100, &h[1]);
	nb_push(100, 1);
	nb_push(100, 2);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, h[0], 0);
	expect_used(f, RXQ, h[1], HDR + 100);
	expect_received(f, BUF_BASE + 0x1000, 100, 2);
	s = cvmm_vdev_net_get_stats(f->net);
	assert_true(s.rx_no_room == 1 && s.rx_frames == 1);
	/* A chain with readable bytes is no receive buffer: returned empty,
	 * the frame waits for the next chain. */
	b[0] = fx_buf(BUF_BASE + 0x3000, 4, false);
	b[1] = fx_buf(BUF_BASE, 2048, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], b, 2, &h[0]), 0);
	b[0] = fx_buf(BUF_BASE + 0x3000, 4, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], b, 1, &h[1]), 0);
	add_rx(f, BUF_BASE + 0x1000, 2048, &h[2]);
	nb_push(70, 3);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, h[0], 0);
	expect_used(f, RXQ, h[1], 0);
	expect_used(f, RXQ, h[2], HDR + 70);
	expect_received(f, BUF_BASE + 0x1000, 70, 3);
	s = cvmm_vdev_net_get_stats(f->net);
	assert_true(s.rx_bad_chain == 2 && s.rx_frames == 2);
	/* A backend frame past the largest: dropped before any chain is
	 * taken. */
	add_rx(f, BUF_BASE, 2048, &h[0]);
	nb_push(MAXF + 1, 4);
	nb_push(MAXF + 5000, 4);
	nb_push(80, 5);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, h[0], HDR + 80);
	expect_received(f, BUF_BASE, 80, 5);
	s = cvmm_vdev_net_get_stats(f->net);
	assert_true(s.rx_oversize == 2);
	/* A failing backend: its errno, the device is fine. */
	nb.recv_rc = -ENETDOWN;
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), -ENETDOWN);
	assert_true(cvmm_vdev_net_get_stats(f->net).rx_errors == 1);
	nb.recv_rc = 0;
	assert_false(needs_reset(f));
	add_rx(f, BUF_BASE, 2048, &h[0]);
	nb_push(90, 6);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, h[0], HDR + 90);
}

/* At most a queue's worth of frames per call. */
static void test_net_rx_bound(void **state)
{
	struct fx *f = *state;
	uint16_t h[16];

	open_net(f, 0);
	for (unsigned i = 0; i < 16; i++)
		add_rx(f, BUF_BASE + 0x100 * i, 0x100, &h[i]);
	for (unsigned i = 0; i < 20; i++)
		nb_push(64, (uint8_t)i);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	for (unsigned i = 0; i < 16; i++) {
		expect_used(f, RXQ, h[i], HDR + 64);
		expect_received(f, BUF_BASE + 0x100 * i, 64, (uint8_t)i);
	}
	assert_int_equal(nb.in_count, 4);
	assert_true(nb.wanted);
	/* The rest next time, as buffers come back. */
	for (unsigned i = 0; i < 4; i++)
		add_rx(f, BUF_BASE + 0x100 * i, 0x100, &h[i]);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	assert_int_equal(nb.in_count, 0);
	for (unsigned i = 0; i < 4; i++)
		expect_used(f, RXQ, h[i], HDR + 64);
	assert_true(nb.wanted);
}

static void test_net_reentrancy(void **state)
{
	struct fx *f = *state;
	static const uint32_t split[] = {HDR};
	uint16_t head;

	open_net(f, 0);
	/* From send. */
	nb.reenter = REENTER_SEND;
	head = send_cut(f, 0, 60, 1, split, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	assert_int_equal(nb.reenter_rc, -EBUSY);
	/* From recv. */
	nb.reenter = REENTER_RECV;
	nb.reenter_rc = 0;
	add_rx(f, BUF_BASE + 0x1000, 2048, &head);
	nb_push(60, 2);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	assert_int_equal(nb.reenter_rc, -EBUSY);
	expect_used(f, RXQ, head, HDR + 60);
	/* From rx_wanted. */
	nb.reenter = REENTER_WANTED;
	nb.reenter_rc = 0;
	nb_push(60, 3);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	assert_false(nb.wanted);
	assert_int_equal(nb.reenter_rc, -EBUSY);
}

static void expect_failed(struct fx *f)
{
	assert_true(needs_reset(f));
	assert_false(nb.wanted);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), -EIO);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), -EIO);
}

static void test_net_hostile(void **state)
{
	struct fx *f = *state;
	uint16_t head;

	open_net(f, 0);
	/* Transmit: a head out of range. */
	assert_int_equal(cvmm_vqm_publish(f->m[TXQ], 77), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), -ERANGE);
	expect_failed(f);
	/* Failed closed: frames and buffers stay where they are. */
	add_rx(f, BUF_BASE, 2048, &head);
	nb_push(60, 1);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), -EIO);
	assert_int_equal(nb.recv_calls, 0);
	assert_int_equal(cvmm_vq_inflight(cvmm_vdev_mmio_queue(f->t, RXQ)), 0);
	{
		struct cvmm_vdev d = cvmm_vdev_net_device(f->net);

		assert_int_equal(d.ops->notify(d.ctx, RXQ), -EIO);
	}
	/* Transmit: a buffer across the hole: the head still goes back. */
	fx_bring_up(f, 0, 2, 16);
	assert_true(nb.wanted);
	{
		struct cvmm_vqm_buf b[2] = {fx_buf(BUF_BASE, HDR, false),
					    fx_buf(BUF_END - 4, 64, false)};

		assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 2, &head),
				 0);
	}
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), -EFAULT);
	expect_failed(f);
	/* Receive: a writable buffer in read-only memory. */
	fx_bring_up(f, 0, 2, 16);
	add_rx(f, RO_BASE, 2048, &head);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), -EACCES);
	expect_failed(f);
	/* Receive: the second descriptor's next is out of range. */
	fx_bring_up(f, 0, 2, 16);
	{
		struct cvmm_vqm_buf b[2] = {fx_buf(BUF_BASE, 2048, true),
					    fx_buf(BUF_BASE + 0x1000, 8, true)};
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
	nb_push(60, 2);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), -EBADSLT);
	expect_failed(f);
	/* Receive: a head out of range found by a notification delivering
	 * a held frame. */
	fx_bring_up(f, 0, 2, 16);
	nb.in_count = 0;
	nb_push(60, 3);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	assert_false(nb.wanted);
	assert_int_equal(cvmm_vqm_publish(f->m[RXQ], 99), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, RXQ), -ERANGE);
	assert_true(needs_reset(f));
	/* And it works after the reset (the held frame was lost). */
	fx_bring_up(f, 0, 2, 16);
	assert_true(cvmm_vdev_net_get_stats(f->net).rx_lost == 3);
	add_rx(f, BUF_BASE, 2048, &head);
	nb_push(60, 4);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, head, HDR + 60);
	expect_received(f, BUF_BASE, 60, 4);
}

/* Every guest-memory access failed in turn, on both queues. */
static void test_net_fail_nth(void **state)
{
	struct fx *f = *state;

	open_net(f, 0);
	for (unsigned q = 0; q < 2; q++) {
		bool done = false;

		for (uint64_t n = 1; !done; n++) {
			static const uint32_t cut[] = {5, 20};
			uint16_t head;
			bool fired;
			int rc;

			fx_bring_up(f, 0, 2, 16);
			nb.in_count = 0;
			nb.out_len = 0;
			if (q == RXQ) {
				struct cvmm_vqm_buf b[2] = {
				    fx_buf(BUF_BASE + 0x100, 30, true),
				    fx_buf(BUF_BASE + 0x200, 600, true)};

				assert_int_equal(
				    cvmm_vqm_add_direct(f->m[RXQ], b, 2, &head),
				    0);
				nb_push(500, 7);
			} else {
				head = send_cut(f, 0x100, 500, 7, cut, 2);
			}
			assert_int_equal(
			    cvmm_mem_test_fail_nth(f->tm, n, INJECTED), 0);
			if (q == RXQ)
				rc = cvmm_vdev_net_backend_readable(f->net);
			else
				rc = cvmm_vdev_mmio_notify(f->t, TXQ);
			fired = cvmm_mem_test_failure_fired(f->tm);
			assert_int_equal(
			    cvmm_mem_test_fail_nth(f->tm, 0, INJECTED), 0);
			if (!fired || !needs_reset(f)) {
				assert_int_equal(rc, 0);
				expect_used(f, q, head,
					    q == RXQ ? HDR + 500 : 0);
				if (q == RXQ)
					expect_received(f, BUF_BASE + 0x100, 18,
							7);
				else
					expect_sent(500, 7);
				done = !fired;
			} else if (rc != 0) {
				/* The device failed: it wants no frames. */
				assert_false(nb.wanted);
			}
			/* (rc 0 with a reset needed: the transport's own
			 * interrupt decision failed after the device's work.)
			 */
			assert_true(n < 10000);
		}
	}
}

/* A reset with a frame held, and in the middle of the handshake. */
static void test_net_reset(void **state)
{
	struct fx *f = *state;
	uint16_t head;

	open_net(f, 0);
	nb_push(60, 1);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	assert_false(nb.wanted);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	assert_false(nb.wanted);
	assert_true(cvmm_vdev_net_get_stats(f->net).rx_lost == 1);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), -ENODEV);
	/* Reset with features written, before DRIVER_OK. */
	fx_negotiate(f, CVMM_VDEV_NET_F_STATUS);
	fx_queue(f, RXQ, 16, false);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), -ENODEV);
	/* A reset while wanted says "no". */
	fx_bring_up(f, 0, 2, 16);
	assert_true(nb.wanted);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	assert_false(nb.wanted);
	/* And everything starts over. */
	fx_bring_up(f, 0, 2, 16);
	assert_true(nb.wanted);
	add_rx(f, BUF_BASE, 2048, &head);
	nb_push(61, 2);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, head, HDR + 61);
	expect_received(f, BUF_BASE, 61, 2);
	assert_true(cvmm_vdev_net_get_stats(f->net).rx_lost == 1);
}

static void test_net_link(void **state)
{
	struct fx *f = *state;

	open_net(f, CVMM_VDEV_NET_F_STATUS);
	cvmm_vdev_net_set_link(f->net, false);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 4), 0x5634u);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_INTERRUPT_STATUS),
			 CVMM_VDEV_MMIO_INT_CONFIG);
	/* Without F_STATUS, or inactive: stored, nobody told. */
	fx_bring_up(f, 0, 2, 16);
	cvmm_vdev_net_set_link(f->net, true);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	fx_wr(f, CVMM_VDEV_MMIO_STATUS, 0);
	cvmm_vdev_net_set_link(f->net, false);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 4), 0x5634u);
}

static void test_net_ops_direct(void **state)
{
	struct cvmm_vdev_net_config c = net_config(0, 0);
	struct cvmm_vdev_net *net;
	struct cvmm_vdev d;
	struct cvmm_vdev_activation act;
	uint8_t buf[32];
	uint32_t len = 0;

	(void)state;
	c.rx_wanted = NULL; /* no callback at all */
	assert_int_equal(cvmm_vdev_net_create(&c, &net), 0);
	d = cvmm_vdev_net_device(net);
	assert_int_equal(d.ops->notify(d.ctx, 0), -EIO);
	assert_int_equal(d.ops->config_read(d.ctx, 13, buf, 1), -ENXIO);
	assert_int_equal(d.ops->config_read(d.ctx, 10, buf, 4), -ENXIO);
	assert_int_equal(d.ops->config_write(d.ctx, 6, buf, 2), -EACCES);
	memset(&act, 0, sizeof(act));
	act.num_queues = 1;
	assert_int_equal(d.ops->activate(d.ctx, &act), -EINVAL);
	assert_int_equal(d.ops->save(d.ctx, buf, 15, &len), -ENOSPC);
	cvmm_vdev_net_set_link(net, false);
	assert_int_equal(d.ops->save(d.ctx, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 16);
	cvmm_vdev_net_set_link(net, true);
	assert_int_equal(d.ops->restore(d.ctx, buf, 16), 0);
	assert_int_equal(d.ops->config_read(d.ctx, 6, buf + 16, 2), 0);
	assert_int_equal(buf[16], 0);
	/* The snapshot's address wins. */
	buf[8] = 0x02;
	assert_int_equal(d.ops->restore(d.ctx, buf, 16), 0);
	assert_int_equal(d.ops->config_read(d.ctx, 0, buf + 16, 1), 0);
	assert_int_equal(buf[16], 0x02);
	/* Invalid states. */
	assert_int_equal(d.ops->restore(d.ctx, buf, 15), -EINVAL);
	buf[0] ^= 1;
	assert_int_equal(d.ops->restore(d.ctx, buf, 16), -EINVAL);
	buf[0] ^= 1;
	buf[4] = 9;
	assert_int_equal(d.ops->restore(d.ctx, buf, 16), -EINVAL);
	buf[4] = 1;
	buf[14] = 2;
	assert_int_equal(d.ops->restore(d.ctx, buf, 16), -EINVAL);
	buf[14] = 1;
	assert_int_equal(d.ops->restore(d.ctx, buf, 16), 0);
	cvmm_vdev_net_destroy(net);
}

/* Without rx_wanted the device works the same, silently. */
static void test_net_no_callback(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_net_config c = net_config(0, 0);
	uint16_t head;

	c.rx_wanted = NULL;
	fx_open_net(f, &c);
	fx_bring_up(f, 0, 2, 16);
	nb_push(60, 1);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	add_rx(f, BUF_BASE, 2048, &head);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, RXQ), 0);
	expect_used(f, RXQ, head, HDR + 60);
	assert_int_equal(nb.wanted_calls, 0);
}

static void test_net_save_restore(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio_state *st = malloc(sizeof(*st));
	static const uint32_t split[] = {HDR};
	uint16_t head;

	assert_non_null(st);
	open_net(f, CVMM_VDEV_NET_F_STATUS);
	cvmm_vdev_net_set_link(f->net, false);
	head = send_cut(f, 0, 60, 1, split, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	assert_int_equal(cvmm_vdev_mmio_save(f->t, st), 0);
	cvmm_vdev_mmio_destroy(f->t);
	f->t = NULL;
	cvmm_vdev_net_destroy(f->net);
	f->net = NULL;
	{
		struct cvmm_vdev_net_config c = net_config(0, 0);

		c.mac[5] = 0x99; /* the snapshot's address wins */
		fx_open_net(f, &c);
		nb.net = f->net;
	}
	assert_int_equal(cvmm_vdev_mmio_restore(f->t, st), 0);
	assert_true(nb.wanted);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 4), 0x5634u);
	head = send_cut(f, 0, 70, 2, split, 1);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
	expect_used(f, TXQ, head, 0);
	expect_sent(70, 2);
	add_rx(f, BUF_BASE + 0x1000, 2048, &head);
	nb_push(80, 3);
	assert_int_equal(cvmm_vdev_net_backend_readable(f->net), 0);
	expect_used(f, RXQ, head, HDR + 80);
	free(st);
}

/* The tap backend's ops over a datagram socket pair (no tap needed), and
 * the open errors reachable without privileges. */
static void test_net_tap_backend(void **state)
{
	struct cvmm_vdev_net_tap tap = {-1, {0}};
	struct cvmm_vdev_net_backend b;
	uint8_t frame[64], got[128];
	size_t len = 0;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv),
			 0);
	tap.fd = sv[0];
	b = cvmm_vdev_net_tap_backend(&tap);
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 3);
	assert_int_equal(b.ops->send(b.ctx, frame, sizeof(frame)), 0);
	assert_int_equal(read(sv[1], got, sizeof(got)), sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));
	assert_int_equal(b.ops->recv(b.ctx, got, sizeof(got), &len), -EAGAIN);
	assert_int_equal(write(sv[1], frame, 10), 10);
	assert_int_equal(b.ops->recv(b.ctx, got, sizeof(got), &len), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(got, frame, 10);
	/* The peer gone: the errno. */
	close(sv[1]);
	assert_int_equal(b.ops->send(b.ctx, frame, sizeof(frame)),
			 -ECONNREFUSED);
	cvmm_vdev_net_tap_close(&tap);
	assert_int_equal(tap.fd, -1);
	cvmm_vdev_net_tap_close(&tap);
	cvmm_vdev_net_tap_close(NULL);
	/* A bad descriptor. */
	assert_int_equal(b.ops->recv(b.ctx, got, sizeof(got), &len), -EBADF);
	/* A short write: a stream socket with a small buffer. */
	{
		static uint8_t big[1 << 20];
		int sndbuf = 4096;
		int rc;

		assert_int_equal(
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
		assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF,
					    &sndbuf, sizeof(sndbuf)),
				 0);
		tap.fd = sv[0];
		rc = b.ops->send(b.ctx, big, sizeof(big));
		assert_int_equal(rc, -EIO);
		/* Now full. */
		assert_int_equal(b.ops->send(b.ctx, big, sizeof(big)), -EAGAIN);
		close(sv[1]);
		cvmm_vdev_net_tap_close(&tap);
	}
	/* Open errors. */
	assert_int_equal(cvmm_vdev_net_tap_open("0123456789abcdef", &tap),
			 -ENAMETOOLONG);
	assert_int_equal(tap.fd, -1);
	assert_int_equal(cvmm_vdev_net_tap_open("tap0", NULL), -EINVAL);
	assert_int_equal(cvmm_vdev_net_tap_open_at(NULL, "tap0", &tap),
			 -EINVAL);
	assert_int_equal(
	    cvmm_vdev_net_tap_open_at("/nonexistent/tun", "tap0", &tap),
	    -ENOENT);
	assert_int_equal(cvmm_vdev_net_tap_open_at("/dev/null", NULL, &tap),
			 -ENOTTY);
	assert_int_equal(tap.fd, -1);
}

int run_net_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_net_create, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_mtu, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_features, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_tx, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_tx_many, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_tx_header, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_tx_sizes, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_tx_backend_fails, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_rx, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_rx_framing, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_rx_drops, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_rx_bound, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_reentrancy, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_hostile, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_fail_nth, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_reset, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_link, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_ops_direct, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_no_callback, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_save_restore, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_tap_backend, fx_setup,
					    fx_teardown),
	};

	return cmocka_run_group_tests_name("vdev-net", tests, NULL, NULL);
}
