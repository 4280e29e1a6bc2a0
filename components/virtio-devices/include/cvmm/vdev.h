/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm virtio-devices: the device interface every virtio device implements.
 *
 * A device is an ops table plus a context pointer (struct cvmm_vdev). A
 * transport (cvmm/vdev-mmio.h) owns the guest-visible side: registers,
 * the device-status state machine, feature negotiation and the queues; it
 * calls the device only through these ops. Devices in this component
 * (cvmm/vdev-rng.h, cvmm/vdev-console.h) and devices written outside it
 * implement the same interface and nothing else, so any transport, the
 * harness's conformance suites and fuzzers can drive any device.
 *
 * What the transport guarantees the device (so a device need not re-check):
 *   - info() is called once, at transport creation; the answer is fixed
 *     for the life of the transport and validated there;
 *   - config_read()/config_write() get only offset + len <= config_size,
 *     len 1, 2 or 4 and offset a multiple of len;
 *   - ack_features() gets a subset of the offered features that contains
 *     CVMM_VDEV_F_VERSION_1, once per FEATURES_OK handshake (and when a
 *     snapshot with FEATURES_OK is restored);
 *   - activate() is called once when the driver sets DRIVER_OK after a
 *     successful feature negotiation (or a snapshot with DRIVER_OK is
 *     restored); notify() only between activate() and the next reset(),
 *     with queue < num_queues and that queue ready;
 *   - reset() when the driver writes 0 to the status, before a restore
 *     (and after a failed one) and at transport destruction; afterwards
 *     nothing from the previous activation is valid;
 *   - one call at a time: the transport never calls the device from
 *     inside another call to it, and refuses a register access that a
 *     callback makes while the transport is inside a device call.
 *
 * Errors: ops return 0 or a negative errno. A negative return from
 * activate() or notify() means the device cannot go on: the transport sets
 * DEVICE_NEEDS_RESET, tells the driver (configuration change interrupt)
 * and calls the device no more until the driver resets it.
 *
 * Ownership. The transport borrows the device (ops and ctx) for its whole
 * life: the device is created before the transport and destroyed after
 * it. The activation a device receives (queues, guest memory, host
 * handle) is borrowed from the transport from activate() until the next
 * reset() returns; a device must not use any of it afterwards.
 */
#ifndef CVMM_VDEV_H
#define CVMM_VDEV_H

#include <cvmm/mem.h>
#include <cvmm/virtqueue.h>

#include <stdbool.h>
#include <stdint.h>

#define CVMM_VDEV_MUST_CHECK __attribute__((warn_unused_result))

/* Virtio device IDs (virtio 1.x, section 5). */
#define CVMM_VDEV_ID_NET     1u
#define CVMM_VDEV_ID_BLOCK   2u
#define CVMM_VDEV_ID_CONSOLE 3u
#define CVMM_VDEV_ID_RNG     4u

/* Device status bits (virtio 1.x, section 2.1). */
#define CVMM_VDEV_S_ACKNOWLEDGE	       1u
#define CVMM_VDEV_S_DRIVER	       2u
#define CVMM_VDEV_S_DRIVER_OK	       4u
#define CVMM_VDEV_S_FEATURES_OK	       8u
#define CVMM_VDEV_S_DEVICE_NEEDS_RESET 64u
#define CVMM_VDEV_S_FAILED	       128u

/* Transport feature bits a device may offer (the transport supports these
 * and no other bit from 24 to 49). */
#define CVMM_VDEV_F_INDIRECT_DESC CVMM_VQ_F_INDIRECT_DESC
#define CVMM_VDEV_F_EVENT_IDX	  CVMM_VQ_F_EVENT_IDX
/* Always offered by the transport and required from the driver. */
#define CVMM_VDEV_F_VERSION_1 (UINT64_C(1) << 32)

/* Bits 24..49 are reserved for transport features; a device may offer
 * only those of them listed above. */
#define CVMM_VDEV_F_TRANSPORT_MASK                                             \
	(((UINT64_C(1) << 50) - 1) & ~((UINT64_C(1) << 24) - 1))

/* Most queues a device may have, and largest device config space (the
 * virtio-mmio window is 4 KiB, config space starts at 0x100). */
#define CVMM_VDEV_MAX_QUEUES 16u
#define CVMM_VDEV_CONFIG_MAX 0xf00u
/* Largest device state blob for save/restore. */
#define CVMM_VDEV_STATE_MAX 256u

/* What a device is: fixed for the life of the device. */
struct cvmm_vdev_info {
	/* Virtio device ID (CVMM_VDEV_ID_*), non-zero. */
	uint32_t device_id;
	/* Number of queues, 1..CVMM_VDEV_MAX_QUEUES. */
	uint32_t num_queues;
	/* Largest size of each queue (QueueNumMax): a power of two from 1
	 * to CVMM_VQ_MAX_SIZE. */
	uint32_t queue_max_size[CVMM_VDEV_MAX_QUEUES];
	/* Feature bits offered: device-type bits (0..23, 50..63) and the
	 * CVMM_VDEV_F_* transport bits above. The transport adds
	 * CVMM_VDEV_F_VERSION_1. */
	uint64_t features;
	/* Bytes of device config space, 0..CVMM_VDEV_CONFIG_MAX. */
	uint32_t config_size;
};

/*
 * The transport side, as a device sees it after activate(): how it tells
 * the driver about work it did outside or inside a notify(). Each call is
 * ignored unless the device is active (between activate() and reset()).
 *   queue_used:     used entries were added to queue; the transport asks
 *                   the queue whether the driver wants an interrupt
 *                   (notification suppression) and raises it;
 *   config_changed: the device's config space changed: the transport
 *                   bumps ConfigGeneration and interrupts the driver;
 *   needs_reset:    the device cannot go on (err says why): the transport
 *                   sets DEVICE_NEEDS_RESET and interrupts the driver;
 *   queue_pending:  the device stopped serving queue with chains left,
 *                   at its bound of work per notify() (which keeps one
 *                   busy queue from holding the VMM's thread): the
 *                   transport has notify() called for it again later. A
 *                   device must say so, since the driver may never notify
 *                   for those chains (with VIRTIO_F_EVENT_IDX it notifies
 *                   only for the chain after the ring was last seen
 *                   empty).
 */
struct cvmm_vdev_host_ops {
	void (*queue_used)(void *ctx, uint32_t queue);
	void (*config_changed)(void *ctx);
	void (*needs_reset)(void *ctx, int err);
	void (*queue_pending)(void *ctx, uint32_t queue);
};

/* A transport handle for a device: ops plus the transport's context. */
struct cvmm_vdev_host {
	const struct cvmm_vdev_host_ops *ops;
	void *ctx;
};

/* Everything a device gets at activation; all of it borrowed until the
 * next reset(). */
struct cvmm_vdev_activation {
	/* The negotiated features (acked by the driver, accepted by the
	 * device). */
	uint64_t features;
	/* queues[0..num_queues): the device's queues. A queue the driver
	 * did not enable is not ready (cvmm_vq_is_ready()). */
	uint32_t num_queues;
	struct cvmm_vq *const *queues;
	/* Guest memory, for the buffers of the chains. */
	const struct cvmm_mem *mem;
	/* The transport, for interrupts and errors. */
	struct cvmm_vdev_host host;
};

/*
 * The device interface. Every op is required (non-NULL).
 *   info:         describe the device (called once, see above);
 *   ack_features: the driver's acked set at FEATURES_OK; 0 accepts it, a
 *                 negative errno refuses it (the transport then clears
 *                 FEATURES_OK, as the driver expects);
 *   config_read:  copy len bytes of config space at offset into data
 *                 (little-endian, as the driver sees them);
 *   config_write: the driver writes len bytes at offset; a device ignores
 *                 writes to read-only fields and returns -EACCES;
 *   activate:     the driver set DRIVER_OK;
 *   notify:       the driver notified queue (QueueNotify or an
 *                 ioeventfd); process its available chains;
 *   reset:        back to the state after creation (keeps configuration);
 *   save:         write the device's state (not its queues', which the
 *                 transport saves) into buf[0..cap) and its length into
 *                 *len; -ENOSPC if cap is too small;
 *   restore:      validate and load a state written by save(); on error
 *                 the device is as after reset().
 */
struct cvmm_vdev_ops {
	void (*info)(void *ctx, struct cvmm_vdev_info *info);
	int (*ack_features)(void *ctx, uint64_t features);
	int (*config_read)(void *ctx, uint32_t offset, uint8_t *data,
			   uint32_t len);
	int (*config_write)(void *ctx, uint32_t offset, const uint8_t *data,
			    uint32_t len);
	int (*activate)(void *ctx, const struct cvmm_vdev_activation *act);
	int (*notify)(void *ctx, uint32_t queue);
	void (*reset)(void *ctx);
	int (*save)(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *len);
	int (*restore)(void *ctx, const uint8_t *buf, uint32_t len);
};

/* A device: a borrowed handle (ops and context), passed by value. */
struct cvmm_vdev {
	const struct cvmm_vdev_ops *ops;
	void *ctx;
};

/*
 * Check a device description as a transport does: -EINVAL if a field is
 * out of the ranges documented in struct cvmm_vdev_info, 0 if it is valid.
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_info_validate(const struct cvmm_vdev_info *info);

#endif
