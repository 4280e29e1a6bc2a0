/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-rng registered with the conformance suite. A request is two
 * device-writable buffers; the device must fill both (they are far below
 * its per-chain bound), so the used length is their sum.
 */
#include <cvmm/vdev-rng.h>

#include "vdev-conformance.h"

static int rng_create(void *arg, struct cvmm_vdev *dev, void **instance)
{
	struct cvmm_vdev_rng *rng = NULL;
	int rc = cvmm_vdev_rng_create(NULL, &rng);

	(void)arg;
	if (rc != 0)
		return rc;
	*dev = cvmm_vdev_rng_device(rng);
	*instance = rng;
	return 0;
}

static void rng_destroy(void *instance)
{
	cvmm_vdev_rng_destroy(instance);
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
	};

	return cvmm_vdev_conformance_main(&dev, argc, argv);
}
