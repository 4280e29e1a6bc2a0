/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for virtio-rng behind the virtio-mmio transport: the generic
 * device fuzzer (harness/vdev-fuzz, which documents the input and the
 * invariants) with the rng registered. The entropy source is a counter, so
 * an input replays exactly; an event (op EVENT, one bool) makes it fail
 * from then on, or work again. The variant byte picks the bound on bytes
 * per chain: 1 + variant * 64 (small bounds reach the capped path).
 */
#include <cvmm/vdev-rng.h>

#include <errno.h>
#include <stdlib.h>

#include "vdev-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rng_fz {
	struct cvmm_vdev_rng *rng;
	uint8_t next;
	bool failing;
};

static int source(void *arg, uint8_t *buf, size_t len)
{
	struct rng_fz *r = arg;

	if (r->failing)
		return -EIO;
	for (size_t i = 0; i < len; i++)
		buf[i] = r->next++;
	return 0;
}

static int create(const struct cvmm_vdev_fuzz_params *p, void **obj,
		  struct cvmm_vdev *dev)
{
	struct rng_fz *r = calloc(1, sizeof(*r));
	struct cvmm_vdev_rng_config c = {source, r, 1u + p->variant * 64u,
					 p->queue_size};

	if (r == NULL || cvmm_vdev_rng_create(&c, &r->rng) != 0) {
		free(r);
		return -ENOMEM;
	}
	*obj = r;
	*dev = cvmm_vdev_rng_device(r->rng);
	return 0;
}

static void destroy(void *obj)
{
	struct rng_fz *r = obj;

	cvmm_vdev_rng_destroy(r->rng);
	free(r);
}

static void event(void *obj, struct cvmm_fi *in)
{
	((struct rng_fz *)obj)->failing = cvmm_fi_bool(in);
}

static const struct cvmm_vdev_fuzz_device rng_device = {
    "rng", create, destroy, event, 0 /* every chain returns at once */, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cvmm_vdev_fuzz_one(&rng_device, data, size);
}
