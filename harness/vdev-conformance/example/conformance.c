/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The echo example device registered with the conformance suite: this file
 * and one CMake line (CMakeLists.txt) are all a device author writes. They
 * give the conformance and fault suites, and the generic device fuzzer's
 * target, seeds and replay test (harness/vdev-fuzz/vdev-fuzz-conformance.h).
 */
#include <string.h>

#include "echo.h"
#include "vdev-conformance.h"

static const uint8_t message[] = "conformance";

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

/* A request: the message in a readable buffer, room for it in two
 * writable ones. */
static int request(void *instance, uint32_t queue,
		   struct cvmm_vdev_conf_request *req)
{
	(void)instance;
	(void)queue;
	req->bufs[0].addr = req->area;
	req->bufs[0].len = sizeof(message);
	req->bufs[1].addr = req->area + 0x100;
	req->bufs[1].len = 4;
	req->bufs[1].writable = true;
	req->bufs[2].addr = req->area + 0x200;
	req->bufs[2].len = 64;
	req->bufs[2].writable = true;
	req->nbufs = 3;
	return cvmm_mem_write(req->mem, cvmm_mem_gpa_from(req->area), message,
			      sizeof(message));
}

/* The writable buffers hold the message (inverted with ECHO_F_INVERT). */
static int check(void *instance, uint32_t queue,
		 const struct cvmm_vdev_conf_request *req, uint32_t used_len)
{
	uint8_t got[sizeof(message)];
	uint8_t want[sizeof(message)];
	int rc;

	(void)queue;
	if (used_len != sizeof(message))
		return -EMSGSIZE;
	memcpy(want, message, sizeof(message));
	if ((echo_features(instance) & ECHO_F_INVERT) != 0)
		for (size_t i = 0; i < sizeof(want); i++)
			want[i] = (uint8_t)~want[i];
	rc = cvmm_mem_read(req->mem, cvmm_mem_gpa_from(req->bufs[1].addr), got,
			   4);
	if (rc == 0)
		rc = cvmm_mem_read(req->mem,
				   cvmm_mem_gpa_from(req->bufs[2].addr),
				   got + 4, sizeof(got) - 4);
	if (rc == 0 && memcmp(got, want, sizeof(got)) != 0)
		rc = -EBADMSG;
	return rc;
}

int main(int argc, char **argv)
{
	const struct cvmm_vdev_conf_device dev = {
	    .name = "echo (example)",
	    .create = create,
	    .destroy = destroy,
	    .request = request,
	    .check = check,
	};

	return cvmm_vdev_conformance_main(&dev, argc, argv);
}
