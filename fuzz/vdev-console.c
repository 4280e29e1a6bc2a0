/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for virtio-console behind the virtio-mmio transport: the
 * generic device fuzzer (harness/vdev-fuzz, which documents the input and
 * the invariants) with the console registered. Output goes to a sink that
 * can be made to fail; an event (op EVENT) is, by range 0..2: input of
 * range 0..64 bytes pushed into the receiveq (what it does not take is
 * kept and pushed again from rx_ready, as a VMM does), a resize (two u16),
 * or the sink failing from then on (bool). The variant byte picks the
 * bound on output bytes per chain (1 + variant * 64) and the initial size.
 *
 * No chain stays pending: the receiveq's chains are popped only while
 * input is pushed and each goes back within that call, so pending_queues
 * is 0.
 */
#include <cvmm/vdev-console.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vdev-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct con_fz {
	struct cvmm_vdev_console *con;
	uint8_t kept[64];
	size_t nkept;
	bool sink_fails;
};

static int sink(void *arg, const uint8_t *buf, size_t len)
{
	struct con_fz *c = arg;

	(void)buf;
	(void)len;
	return c->sink_fails ? -EIO : 0;
}

static void push(struct con_fz *c)
{
	size_t taken = 0;

	if (c->nkept == 0)
		return;
	/* Refused or failed input still says what it took; the invariants,
	 * not this result, judge the device. */
	if (cvmm_vdev_console_input(c->con, c->kept, c->nkept, &taken) != 0 &&
	    taken == 0)
		return;
	memmove(c->kept, c->kept + taken, c->nkept - taken);
	c->nkept -= taken;
}

static void rx_ready(void *arg)
{
	push(arg);
}

static int create(const struct cvmm_vdev_fuzz_params *p, void **obj,
		  struct cvmm_vdev *dev)
{
	struct con_fz *c = calloc(1, sizeof(*c));
	struct cvmm_vdev_console_config cfg = {sink,
					       c,
					       rx_ready,
					       c,
					       (uint16_t)(80 + p->variant),
					       25,
					       1u + p->variant * 64u,
					       p->queue_size};

	if (c == NULL || cvmm_vdev_console_create(&cfg, &c->con) != 0) {
		free(c);
		return -ENOMEM;
	}
	*obj = c;
	*dev = cvmm_vdev_console_device(c->con);
	return 0;
}

static void destroy(void *obj)
{
	struct con_fz *c = obj;

	cvmm_vdev_console_destroy(c->con);
	free(c);
}

static void event(void *obj, struct cvmm_fi *in)
{
	struct con_fz *c = obj;

	switch (cvmm_fi_range(in, 0, 2)) {
	case 0: {
		size_t n = (size_t)cvmm_fi_range(in, 0, sizeof(c->kept));

		/* New input replaces what was kept. */
		cvmm_fi_bytes(in, c->kept, n);
		c->nkept = n;
		push(c);
		break;
	}
	case 1: {
		uint16_t cols = cvmm_fi_u16(in);

		cvmm_vdev_console_resize(c->con, cols, cvmm_fi_u16(in));
		break;
	}
	default:
		c->sink_fails = cvmm_fi_bool(in);
		break;
	}
}

static const struct cvmm_vdev_fuzz_device console_device = {
    "console", create, destroy, event, 0, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cvmm_vdev_fuzz_one(&console_device, data, size);
}
