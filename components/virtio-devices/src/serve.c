/* SPDX-License-Identifier: Apache-2.0 */
#include "serve.h"

#include <errno.h>

int cvmm_vdev__serve(struct cvmm_vq *vq, uint32_t queue,
		     const struct cvmm_vdev_host *host, cvmm_vdev__serve_fn fn,
		     void *dev, struct cvmm_vdev__served *served)
{
	/* A bound per notification keeps one busy queue from holding the
	 * VMM's thread. */
	uint32_t limit = cvmm_vq_size(vq);
	bool used = false, drained = false;
	int rc = 0;

	for (uint32_t i = 0; i < limit; i++) {
		struct cvmm_vq_chain chain;
		uint32_t len = 0;
		int urc;

		rc = cvmm_vq_pop(vq, &chain);
		if (rc == -EAGAIN) {
			rc = 0;
			drained = true;
			break;
		}
		if (rc != 0)
			break;
		rc = fn(dev, &chain, &len);
		/* The head goes back whatever happened while serving it. */
		urc = cvmm_vq_add_used(vq, chain.head, len);
		if (urc == 0) {
			used = true;
			served->chains++;
			served->bytes += len;
		}
		if (rc == 0)
			rc = urc;
		if (rc != 0)
			break;
	}
	if (rc == 0 && !drained)
		host->ops->queue_pending(host->ctx, queue);
	if (used)
		host->ops->queue_used(host->ctx, queue);
	return rc;
}
