/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-rng registered with the conformance suite. A request is two
 * device-writable buffers; the device must fill both (they are far below
 * its per-chain bound), so the used length is their sum.
 *
 * Faults: the entropy source is getrandom(2) behind a wrapper that asks
 * the fault suite before each call. A failing source is a device failure
 * (cvmm/vdev-rng.h): the chain goes back with the bytes written before the
 * failure and the device needs a reset; a guest never gets bytes that are
 * not random.
 */
#include <cvmm/vdev-rng.h>

#include <stdlib.h>

#include "vdev-conformance.h"

struct rng_inst {
	struct cvmm_vdev_rng *rng;
	struct cvmm_vdev_fault *inj;
};

static int source(void *arg, uint8_t *buf, size_t len)
{
	struct rng_inst *r = arg;

	if (cvmm_vdev_fault_io(r->inj))
		return -EIO;
	return cvmm_vdev_rng_getrandom(NULL, buf, len);
}

static int rng_create(void *arg, struct cvmm_vdev *dev, void **instance)
{
	struct rng_inst *r = calloc(1, sizeof(*r));
	struct cvmm_vdev_rng_config cfg = {source, r, 0, 0};
	int rc;

	(void)arg;
	if (r == NULL)
		return -ENOMEM;
	rc = cvmm_vdev_rng_create(&cfg, &r->rng);
	if (rc != 0) {
		free(r);
		return rc;
	}
	*dev = cvmm_vdev_rng_device(r->rng);
	*instance = r;
	return 0;
}

static void rng_destroy(void *instance)
{
	struct rng_inst *r = instance;

	cvmm_vdev_rng_destroy(r->rng);
	free(r);
}

static void rng_attach(void *instance, struct cvmm_vdev_fault *inj)
{
	((struct rng_inst *)instance)->inj = inj;
}

/* The source failed: needs-reset, the chain back short of what it asked. */
static int rng_faulted(void *instance, uint32_t queue,
		       const struct cvmm_vdev_conf_request *req,
		       uint32_t used_len, bool needs_reset)
{
	(void)instance;
	(void)queue;
	if (!needs_reset)
		return -EPROTO;
	return used_len < req->bufs[0].len + req->bufs[1].len ? 0 : -EMSGSIZE;
}

static int rng_request(void *instance, uint32_t queue,
		       struct cvmm_vdev_conf_request *req)
{
	(void)instance;
	(void)queue;
	req->bufs[0].addr = req->area;
	req->bufs[0].len = 32;
	req->bufs[0].writable = true;
	req->bufs[1].addr = req->area + 0x100;
	req->bufs[1].len = 100;
	req->bufs[1].writable = true;
	req->nbufs = 2;
	return 0;
}

static int rng_check(void *instance, uint32_t queue,
		     const struct cvmm_vdev_conf_request *req,
		     uint32_t used_len)
{
	(void)instance;
	(void)queue;
	return used_len == req->bufs[0].len + req->bufs[1].len ? 0 : -EMSGSIZE;
}

int main(int argc, char **argv)
{
	const struct cvmm_vdev_conf_device dev = {
	    .name = "virtio-rng",
	    .create = rng_create,
	    .destroy = rng_destroy,
	    .request = rng_request,
	    .check = rng_check,
	    .attach = rng_attach,
	    .faulted = rng_faulted,
	};

	return cvmm_vdev_conformance_main(&dev, argc, argv);
}
