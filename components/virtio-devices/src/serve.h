/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loop every request queue of the component's devices runs on a
 * notification: pop a chain, let the device serve it, return its head
 * whatever happened, then tell the transport. Internal to the component.
 */
#ifndef CVMM_VDEV_SERVE_H
#define CVMM_VDEV_SERVE_H

#include <cvmm/vdev.h>

/* Serve one chain: store the bytes written into its writable buffers in
 * *used_len (also on error); 0, or a negative errno that stops the loop
 * and fails the device. */
typedef int (*cvmm_vdev__serve_fn)(void *dev, struct cvmm_vq_chain *chain,
				   uint32_t *used_len);

/* What a call returned to the used ring. */
struct cvmm_vdev__served {
	uint64_t chains;
	uint64_t bytes;
};

/*
 * Serve at most a queue's worth of vq's available chains through fn(dev):
 * every chain popped goes back to the used ring with the length fn stored,
 * whatever fn returned. Then, through host: queue_pending(queue) when it
 * stopped at that bound (chains may be left, which the driver may never
 * notify for), queue_used(queue) when a head went back. Adds what went
 * back to *served. Returns fn's or the queue's first errno, else 0.
 */
int cvmm_vdev__serve(struct cvmm_vq *vq, uint32_t queue,
		     const struct cvmm_vdev_host *host, cvmm_vdev__serve_fn fn,
		     void *dev, struct cvmm_vdev__served *served);

#endif
