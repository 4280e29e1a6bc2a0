/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for virtio-net behind the virtio-mmio transport: the generic
 * device fuzzer (harness/vdev-fuzz, which documents the input and the
 * invariants) with the net device registered over an in-memory backend.
 * Transmitted frames go to a backend send that can be made to fail; an
 * event (op EVENT) is, by range 0..3:
 *   0  a frame arrives at the backend (its length by kind, range 0..3:
 *      0..128, 0..2048, CVMM_VDEV_NET_MAX_FRAME - 1 + 0..3 so the bound is
 *      crossed both ways, or any u16; its bytes from a seed byte) and the
 *      VMM says the backend is readable; at most 8 frames wait;
 *   1  the VMM says the backend is readable (frames kept from before);
 *   2  the link goes up or down (bool);
 *   3  the backend's send and receive fail from then on, or not (bools).
 * The variant byte's bit 0 sets an MTU of 1500 (offering
 * VIRTIO_NET_F_MTU); the MAC comes from the variant too.
 *
 * No chain stays pending: receive chains are popped only while frames move
 * and each goes back within that call, so pending_queues is 0.
 */
#include <cvmm/vdev-net.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vdev-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WAITING_MAX 8u

struct net_fz {
	struct cvmm_vdev_net *net;
	size_t len[WAITING_MAX];
	uint8_t seed[WAITING_MAX];
	unsigned head;
	unsigned count;
	bool send_fails;
	bool recv_fails;
	bool wanted;
};

static int be_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct net_fz *n = ctx;

	(void)frame;
	(void)len;
	return n->send_fails ? -ENOBUFS : 0;
}

static int be_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
	struct net_fz *n = ctx;
	size_t k;

	if (n->recv_fails)
		return -EIO;
	if (n->count == 0)
		return -EAGAIN;
	k = n->head;
	n->head = (n->head + 1) % WAITING_MAX;
	n->count--;
	/* A longer frame is cut to cap and reported whole, as read(2) on a
	 * datagram descriptor may. */
	for (size_t i = 0; i < n->len[k] && i < cap; i++)
		buf[i] = (uint8_t)(n->seed[k] + i);
	*len = n->len[k];
	return 0;
}

static const struct cvmm_vdev_net_backend_ops be_ops = {be_send, be_recv};

static void rx_wanted(void *arg, bool wanted)
{
	struct net_fz *n = arg;

	n->wanted = wanted;
}

static int create(const struct cvmm_vdev_fuzz_params *p, void **obj,
		  struct cvmm_vdev *dev)
{
	struct net_fz *n = calloc(1, sizeof(*n));
	struct cvmm_vdev_net_config cfg;

	if (n == NULL)
		return -ENOMEM;
	memset(&cfg, 0, sizeof(cfg));
	cfg.backend.ops = &be_ops;
	cfg.backend.ctx = n;
	cfg.rx_wanted = rx_wanted;
	cfg.rx_wanted_arg = n;
	cfg.mac[0] = 0x02;
	cfg.mac[5] = p->variant;
	cfg.mtu = (p->variant & 1) != 0 ? 1500 : 0;
	cfg.queue_size = p->queue_size;
	if (cvmm_vdev_net_create(&cfg, &n->net) != 0) {
		free(n);
		return -ENOMEM;
	}
	*obj = n;
	*dev = cvmm_vdev_net_device(n->net);
	return 0;
}

static void destroy(void *obj)
{
	struct net_fz *n = obj;

	cvmm_vdev_net_destroy(n->net);
	free(n);
}

static size_t frame_len(struct cvmm_fi *in)
{
	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		return (size_t)cvmm_fi_range(in, 0, 128);
	case 1:
		return (size_t)cvmm_fi_range(in, 0, 2048);
	case 2:
		return CVMM_VDEV_NET_MAX_FRAME - 1 +
		       (size_t)cvmm_fi_range(in, 0, 3);
	default:
		return cvmm_fi_u16(in);
	}
}

/* The VMM says the backend is readable. Refusals and failures are the
 * device's to report; the invariants, not this result, judge it. */
static void readable(struct net_fz *n)
{
	int rc = cvmm_vdev_net_backend_readable(n->net);

	(void)rc;
}

static void event(void *obj, struct cvmm_fi *in)
{
	struct net_fz *n = obj;

	switch (cvmm_fi_range(in, 0, 3)) {
	case 0: {
		size_t len = frame_len(in);
		uint8_t seed = cvmm_fi_u8(in);

		if (n->count < WAITING_MAX) {
			unsigned k = (n->head + n->count) % WAITING_MAX;

			n->len[k] = len;
			n->seed[k] = seed;
			n->count++;
		}
		readable(n);
		break;
	}
	case 1:
		readable(n);
		break;
	case 2:
		cvmm_vdev_net_set_link(n->net, cvmm_fi_bool(in));
		break;
	default:
		n->send_fails = cvmm_fi_bool(in);
		n->recv_fails = cvmm_fi_bool(in);
		break;
	}
}

static const struct cvmm_vdev_fuzz_device net_device = {
    .name = "net", .create = create, .destroy = destroy, .event = event};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cvmm_vdev_fuzz_one(&net_device, data, size);
}
