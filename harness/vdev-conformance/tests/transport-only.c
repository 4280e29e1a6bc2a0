/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A self-test of the suite: the example echo device registered without any
 * hook, as a device whose requests the suite cannot make. Every
 * transport-level check must still run and pass, and the queue checks must
 * report themselves skipped rather than pass or fail.
 */
#include "../example/echo.h"
#include "vdev-conformance.h"

static int create(void *arg, struct cvmm_vdev *dev, void **instance)
{
	struct echo *e = NULL;
	int rc = echo_create(&e);

	(void)arg;
	if (rc == 0) {
		*dev = echo_device(e);
		*instance = e;
	}
	return rc;
}

static void destroy(void *instance)
{
	echo_destroy(instance);
}

int main(int argc, char **argv)
{
	const struct cvmm_vdev_conf_device dev = {
	    .name = "echo without hooks",
	    .create = create,
	    .destroy = destroy,
	};

	return cvmm_vdev_conformance_main(&dev, argc, argv);
}
