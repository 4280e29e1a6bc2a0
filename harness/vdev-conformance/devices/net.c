/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net registered with the conformance suite, over an in-memory
 * backend. A request on the receiveq is two device-writable buffers (the
 * first shorter than the header), answered when the host has a frame: the
 * answer hook queues one at the backend and says the backend is readable.
 * On the transmitq it is a header and a frame cut across three readable
 * buffers, answered with length 0 once the backend has the frame.
 *
 * Faults: the backend asks the fault suite before each send and receive.
 * A failed send drops that frame (counted; the transmit chain goes back
 * with length 0 and the device goes on); a failed receive loses the
 * host's frame at the backend, the receive buffers wait, and the next
 * frame fills them (cvmm/vdev-net.h). Neither needs a reset.
 */
#include <cvmm/vdev-net.h>

#include <stdlib.h>
#include <string.h>

#include "vdev-conformance.h"

#define HDR	  CVMM_VDEV_NET_HDR_LEN
#define FRAME_LEN 60u
#define RX_LEN0	  8u
#define RX_LEN1	  128u
/* Frames the backend keeps for the device at most (answers made while
 * the device cannot take them pile up no further). */
#define MAX_WAITING 4u

/* The device, the frames waiting at its backend, the last frame sent. */
struct net_inst {
	struct cvmm_vdev_net *net;
	unsigned waiting;
	uint8_t sent[FRAME_LEN + 1];
	size_t sent_len;
	unsigned sends;
	struct cvmm_vdev_fault *inj;
	bool recv_failed;
};

static void make_frame(uint8_t *f)
{
	static const uint8_t dst[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};

	memcpy(f, dst, 6);
	memset(f + 6, 0x02, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	for (unsigned i = 14; i < FRAME_LEN; i++)
		f[i] = (uint8_t)(i * 5 + 1);
}

static int be_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct net_inst *n = ctx;

	n->sends++;
	if (cvmm_vdev_fault_io(n->inj))
		return -EIO;
	n->sent_len = len;
	memcpy(n->sent, frame, len < sizeof(n->sent) ? len : sizeof(n->sent));
	return 0;
}

static int be_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
	struct net_inst *n = ctx;

	if (n->waiting == 0)
		return -EAGAIN;
	if (cap < FRAME_LEN)
		return -EMSGSIZE;
	n->waiting--;
	if (cvmm_vdev_fault_io(n->inj)) {
		n->recv_failed = true;
		return -EIO;
	}
	make_frame(buf);
	*len = FRAME_LEN;
	return 0;
}

static const struct cvmm_vdev_net_backend_ops be_ops = {be_send, be_recv};

static int net_create(void *arg, struct cvmm_vdev *dev, void **instance)
{
	struct net_inst *n = calloc(1, sizeof(*n));
	struct cvmm_vdev_net_config cfg;
	uint8_t frame[FRAME_LEN];
	int rc;

	(void)arg;
	if (n == NULL)
		return -ENOMEM;
	memset(&cfg, 0, sizeof(cfg));
	cfg.backend.ops = &be_ops;
	cfg.backend.ctx = n;
	make_frame(frame);
	memcpy(cfg.mac, frame, sizeof(cfg.mac)); /* frames are for it */
	cfg.mtu = 1500;
	rc = cvmm_vdev_net_create(&cfg, &n->net);
	if (rc != 0) {
		free(n);
		return rc;
	}
	*dev = cvmm_vdev_net_device(n->net);
	*instance = n;
	return 0;
}

static void net_destroy(void *instance)
{
	struct net_inst *n = instance;

	cvmm_vdev_net_destroy(n->net);
	free(n);
}

static int net_request(void *instance, uint32_t queue,
		       struct cvmm_vdev_conf_request *req)
{
	struct net_inst *n = instance;
	uint8_t pkt[HDR + FRAME_LEN];
	int rc = 0;

	n->sends = 0;
	n->sent_len = 0;
	req->bufs[0].addr = req->area;
	req->bufs[1].addr = req->area + 0x100;
	if (queue == CVMM_VDEV_NET_RX) {
		req->nbufs = 2;
		req->bufs[0].len = RX_LEN0;
		req->bufs[0].writable = true;
		req->bufs[1].len = RX_LEN1;
		req->bufs[1].writable = true;
		return 0;
	}
	/* The header cut after 5 bytes, the frame after 20. */
	memset(pkt, 0, HDR);
	make_frame(pkt + HDR);
	req->nbufs = 3;
	req->bufs[0].len = 5;
	req->bufs[1].len = HDR - 5 + 20;
	req->bufs[2].addr = req->area + 0x200;
	req->bufs[2].len = FRAME_LEN - 20;
	for (unsigned i = 0, off = 0; i < 3 && rc == 0; i++) {
		rc = cvmm_mem_write(req->mem,
				    cvmm_mem_gpa_from(req->bufs[i].addr),
				    pkt + off, req->bufs[i].len);
		off += req->bufs[i].len;
	}
	return rc;
}

/* Frames come from the host: one arrives, and the backend is readable. */
static int net_answer(void *instance, uint32_t queue)
{
	struct net_inst *n = instance;

	int rc;

	if (queue != CVMM_VDEV_NET_RX)
		return 0;
	if (n->waiting < MAX_WAITING)
		n->waiting++;
	n->recv_failed = false;
	rc = cvmm_vdev_net_backend_readable(n->net);
	if (!n->recv_failed)
		return rc;
	/* That frame was lost at the backend (its errno came back); the
	 * host's next one goes to the same buffers. */
	n->waiting++;
	return cvmm_vdev_net_backend_readable(n->net);
}

static int net_check(void *instance, uint32_t queue,
		     const struct cvmm_vdev_conf_request *req,
		     uint32_t used_len)
{
	static const uint8_t hdr[HDR] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	struct net_inst *n = instance;
	uint8_t frame[FRAME_LEN];
	uint8_t got[RX_LEN0 + RX_LEN1];

	make_frame(frame);
	if (queue == CVMM_VDEV_NET_TX) {
		/* The frame goes to the backend whole, header stripped. */
		if (used_len != 0 || n->sends != 1 ||
		    n->sent_len != FRAME_LEN ||
		    memcmp(n->sent, frame, FRAME_LEN) != 0)
			return -EBADMSG;
		return 0;
	}
	/* A zeroed header (num_buffers 1), then the frame, across both
	 * buffers. */
	if (used_len != HDR + FRAME_LEN ||
	    cvmm_mem_read(req->mem, cvmm_mem_gpa_from(req->bufs[0].addr), got,
			  RX_LEN0) != 0 ||
	    cvmm_mem_read(req->mem, cvmm_mem_gpa_from(req->bufs[1].addr),
			  got + RX_LEN0, RX_LEN1) != 0 ||
	    memcmp(got, hdr, HDR) != 0 ||
	    memcmp(got + HDR, frame, FRAME_LEN) != 0)
		return -EBADMSG;
	return 0;
}

static void net_attach(void *instance, struct cvmm_vdev_fault *inj)
{
	((struct net_inst *)instance)->inj = inj;
}

static int net_faulted(void *instance, uint32_t queue,
		       const struct cvmm_vdev_conf_request *req,
		       uint32_t used_len, bool needs_reset)
{
	if (needs_reset)
		return -EPROTO;
	if (queue == CVMM_VDEV_NET_TX)
		return used_len == 0 ? 0 : -EMSGSIZE;
	/* The receive buffers got the next frame, whole. */
	return net_check(instance, queue, req, used_len);
}

int main(int argc, char **argv)
{
	const struct cvmm_vdev_conf_device dev = {
	    .name = "virtio-net",
	    .create = net_create,
	    .destroy = net_destroy,
	    .request = net_request,
	    .answer = net_answer,
	    .check = net_check,
	    .attach = net_attach,
	    .faulted = net_faulted,
	};

	return cvmm_vdev_conformance_main(&dev, argc, argv);
}
