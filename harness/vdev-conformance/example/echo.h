/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An example of a VMM author's own virtio device, kept outside components/
 * to show how a device written elsewhere plugs into the conformance suite
 * (docs/fuzz-a-new-device.md). It is a toy: one queue; for every chain it
 * copies the bytes of the readable buffers into the writable buffers (as
 * many as fit, at most ECHO_MAX_BYTES per chain) and returns the chain with
 * the number of bytes written. With ECHO_F_INVERT negotiated every byte is
 * inverted on the way.
 *
 * Device ID 0x7e (not assigned by the virtio specification; a real device
 * uses its assigned ID). Config space, 8 bytes, read-only: max_bytes (le32,
 * ECHO_MAX_BYTES) and chains (le32, chains echoed since the last reset).
 *
 * Ownership: echo_create() allocates, echo_destroy() frees after the
 * transport using it is gone.
 */
#ifndef ECHO_DEVICE_H
#define ECHO_DEVICE_H

#include <cvmm/vdev.h>

#define ECHO_DEVICE_ID	 0x7eu
#define ECHO_F_INVERT	 (UINT64_C(1) << 0)
#define ECHO_MAX_BYTES	 1024u
#define ECHO_QUEUE_SIZE	 64u
#define ECHO_CONFIG_SIZE 8u

struct echo;

/* 0 or -ENOMEM; *out is set only on success. */
int echo_create(struct echo **out);
void echo_destroy(struct echo *e);

/* The device interface (borrowed: valid while e lives). */
struct cvmm_vdev echo_device(struct echo *e);

/* The features the driver negotiated at the last activation. */
uint64_t echo_features(const struct echo *e);

#endif
