/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console registered with the conformance suite. A request on the
 * receiveq is two device-writable buffers, answered when the host pushes
 * input (the answer hook does); on the transmitq it is two readable buffers
 * of output, answered with length 0 once the sink has taken the bytes.
 *
 * Faults: the sink asks the fault suite before taking each piece of
 * output. A failing sink loses those bytes, not the console
 * (cvmm/vdev-console.h): the transmit chain goes back with length 0 and
 * the device goes on without a reset.
 */
#include <cvmm/vdev-console.h>

#include <stdlib.h>
#include <string.h>

#include "vdev-conformance.h"

static const uint8_t input[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static const uint8_t text0[] = "hello, ";
static const uint8_t text1[] = "conformance";

#define RX_LEN0 16u
#define RX_LEN1 8u

/* The console and what its sink received since the last request. */
struct con_inst {
	struct cvmm_vdev_console *con;
	uint8_t out[256];
	size_t out_len;
	struct cvmm_vdev_fault *inj;
};

static int sink(void *arg, const uint8_t *buf, size_t len)
{
	struct con_inst *c = arg;

	if (cvmm_vdev_fault_io(c->inj))
		return -EIO;
	/* Output of earlier, unchecked requests is dropped, not overflowed. */
	if (len > sizeof(c->out) - c->out_len)
		c->out_len = 0;
	if (len > sizeof(c->out))
		return 0;
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	return 0;
}

static int con_create(void *arg, struct cvmm_vdev *dev, void **instance)
{
	struct con_inst *c = calloc(1, sizeof(*c));
	struct cvmm_vdev_console_config cfg;
	int rc;

	(void)arg;
	if (c == NULL)
		return -ENOMEM;
	memset(&cfg, 0, sizeof(cfg));
	cfg.sink = sink;
	cfg.sink_arg = c;
	cfg.cols = 80;
	cfg.rows = 25;
	rc = cvmm_vdev_console_create(&cfg, &c->con);
	if (rc != 0) {
		free(c);
		return rc;
	}
	*dev = cvmm_vdev_console_device(c->con);
	*instance = c;
	return 0;
}

static void con_destroy(void *instance)
{
	struct con_inst *c = instance;

	cvmm_vdev_console_destroy(c->con);
	free(c);
}

static int con_request(void *instance, uint32_t queue,
		       struct cvmm_vdev_conf_request *req)
{
	struct con_inst *c = instance;
	int rc;

	c->out_len = 0;
	req->nbufs = 2;
	req->bufs[0].addr = req->area;
	req->bufs[1].addr = req->area + 0x100;
	if (queue == CVMM_VDEV_CONSOLE_RX) {
		req->bufs[0].len = RX_LEN0;
		req->bufs[0].writable = true;
		req->bufs[1].len = RX_LEN1;
		req->bufs[1].writable = true;
		return 0;
	}
	req->bufs[0].len = sizeof(text0) - 1;
	req->bufs[1].len = sizeof(text1) - 1;
	rc = cvmm_mem_write(req->mem, cvmm_mem_gpa_from(req->bufs[0].addr),
			    text0, sizeof(text0) - 1);
	if (rc == 0)
		rc = cvmm_mem_write(req->mem,
				    cvmm_mem_gpa_from(req->bufs[1].addr), text1,
				    sizeof(text1) - 1);
	return rc;
}

/* Input is the host's doing: push some after the driver's notification. */
static int con_answer(void *instance, uint32_t queue)
{
	struct con_inst *c = instance;
	size_t taken = 0;

	if (queue != CVMM_VDEV_CONSOLE_RX)
		return 0;
	return cvmm_vdev_console_input(c->con, input, sizeof(input) - 1,
				       &taken);
}

static int con_check(void *instance, uint32_t queue,
		     const struct cvmm_vdev_conf_request *req,
		     uint32_t used_len)
{
	const size_t n0 = sizeof(text0) - 1;
	const size_t n1 = sizeof(text1) - 1;
	struct con_inst *c = instance;
	uint8_t got[RX_LEN0 + RX_LEN1];

	if (queue == CVMM_VDEV_CONSOLE_TX) {
		/* Output goes to the sink; the chain back with length 0. */
		if (used_len != 0 || c->out_len != n0 + n1 ||
		    memcmp(c->out, text0, n0) != 0 ||
		    memcmp(c->out + n0, text1, n1) != 0)
			return -EBADMSG;
		return 0;
	}
	/* The input fills both buffers, in order. */
	if (used_len != RX_LEN0 + RX_LEN1 ||
	    cvmm_mem_read(req->mem, cvmm_mem_gpa_from(req->bufs[0].addr), got,
			  RX_LEN0) != 0 ||
	    cvmm_mem_read(req->mem, cvmm_mem_gpa_from(req->bufs[1].addr),
			  got + RX_LEN0, RX_LEN1) != 0 ||
	    memcmp(got, input, sizeof(got)) != 0)
		return -EBADMSG;
	return 0;
}

static void con_attach(void *instance, struct cvmm_vdev_fault *inj)
{
	((struct con_inst *)instance)->inj = inj;
}

static int con_faulted(void *instance, uint32_t queue,
		       const struct cvmm_vdev_conf_request *req,
		       uint32_t used_len, bool needs_reset)
{
	(void)instance;
	(void)req;
	if (queue != CVMM_VDEV_CONSOLE_TX || needs_reset)
		return -EPROTO;
	return used_len == 0 ? 0 : -EMSGSIZE;
}

int main(int argc, char **argv)
{
	const struct cvmm_vdev_conf_device dev = {
	    .name = "virtio-console",
	    .create = con_create,
	    .destroy = con_destroy,
	    .request = con_request,
	    .answer = con_answer,
	    .check = con_check,
	    .attach = con_attach,
	    .faulted = con_faulted,
	};

	return cvmm_vdev_conformance_main(&dev, argc, argv);
}
