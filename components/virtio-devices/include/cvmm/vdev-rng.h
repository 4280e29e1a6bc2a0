/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-rng (device ID 4, virtio 1.x section 5.4): one queue (requestq)
 * whose device-writable buffers the device fills with random bytes from an
 * entropy source. No config space, no device feature bits; it offers
 * VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX.
 *
 * It implements the device interface of cvmm/vdev.h: put it behind a
 * transport with cvmm_vdev_rng_device().
 *
 * Bounded work. A guest controls how many bytes it asks for; the device
 * writes at most config->max_bytes_per_chain bytes into one chain (64 KiB
 * by default), so a chain of 4 GiB of buffers costs no more entropy or
 * copying than one of 64 KiB (the Firecracker entropy-amplification class);
 * it still walks, and so validates, every descriptor of the chain (at most
 * the queue size), and processes at most queue-size chains per
 * notification (the rest wait for the next one). A chain's readable
 * buffers are not touched; the used length is the number of bytes
 * written.
 *
 * Errors, fail-closed. Every chain popped goes back to the used ring, with
 * the bytes written so far, even when a later step fails. If the queue
 * reports a guest violation (it is then broken), a buffer write fails, or
 * the entropy source fails, notify() returns the errno and the transport
 * sets DEVICE_NEEDS_RESET; the device does nothing more until the driver
 * resets it. A failing source is a device failure, not an empty answer:
 * the guest is never handed bytes that did not come from the source, and
 * the device does not retry behind the driver's back (the chain that hit
 * the failure goes back with the bytes written before it). Nothing a
 * guest does can make it allocate, block or abort.
 *
 * Ownership. cvmm_vdev_rng_create() allocates; cvmm_vdev_rng_destroy()
 * frees, after the transport using it is destroyed. The entropy source's
 * argument is borrowed for the device's life.
 */
#ifndef CVMM_VDEV_RNG_H
#define CVMM_VDEV_RNG_H

#include <cvmm/vdev.h>

#include <stddef.h>

/* Default bound on the bytes written into one chain. */
#define CVMM_VDEV_RNG_DEFAULT_MAX_BYTES (64u * 1024u)
/* Default largest queue size. */
#define CVMM_VDEV_RNG_DEFAULT_QUEUE_SIZE 256u

/*
 * An entropy source: fill buf[0..len) (len <= 256) with random bytes and
 * return 0, or a negative errno (nothing is then given to the guest).
 */
typedef int (*cvmm_vdev_rng_source_fn)(void *arg, uint8_t *buf, size_t len);

struct cvmm_vdev_rng_config {
	/* Entropy source, or NULL for getrandom(2). */
	cvmm_vdev_rng_source_fn source;
	void *source_arg;
	/* Bound on bytes written per chain, or 0 for the default. */
	uint32_t max_bytes_per_chain;
	/* Largest queue size (a power of two up to CVMM_VQ_MAX_SIZE), or 0
	 * for the default. */
	uint32_t queue_size;
};

/* Counters (since creation; reset() keeps them). */
struct cvmm_vdev_rng_stats {
	uint64_t chains; /* chains returned to the used ring */
	uint64_t bytes;	 /* random bytes written into guest memory */
	uint64_t capped; /* chains that asked for more than the bound */
};

struct cvmm_vdev_rng;

/*
 * Create an rng device. config may be NULL for every default. -EINVAL for
 * a bad queue size; -ENOMEM. *out is set only on success.
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_rng_create(const struct cvmm_vdev_rng_config *config,
		     struct cvmm_vdev_rng **out);

/* Free the device (NULL is allowed); its transport must be gone. */
void cvmm_vdev_rng_destroy(struct cvmm_vdev_rng *rng);

/* The device interface of rng (borrowed: valid while rng lives). */
struct cvmm_vdev cvmm_vdev_rng_device(struct cvmm_vdev_rng *rng);

/* The counters. */
struct cvmm_vdev_rng_stats
cvmm_vdev_rng_get_stats(const struct cvmm_vdev_rng *rng);

/*
 * The default entropy source: getrandom(2), for callers that wrap it (arg
 * is unused): fills all of buf[0..len), calling again after a short or
 * interrupted read. 0, or the negative errno of getrandom.
 */
CVMM_VDEV_MUST_CHECK int cvmm_vdev_rng_getrandom(void *arg, uint8_t *buf,
						 size_t len);

#endif
