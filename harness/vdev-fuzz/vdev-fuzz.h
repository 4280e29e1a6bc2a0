/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic device fuzzer: one fuzz target body for any device that
 * implements the device interface (cvmm/vdev.h). The body puts the device
 * behind the virtio-mmio transport on test guest memory, decodes the fuzz
 * input into driver actions (register and config-space accesses, feature
 * handshakes, queue layouts, descriptor chains of every shape, hostile ring
 * and descriptor bytes, notifications, save/restore, device-side events)
 * and checks the harness's invariants after every step (the input format
 * and the invariants are documented at the top of vdev-fuzz.c).
 *
 * A device is fuzzed by registering it: a struct cvmm_vdev_fuzz_device
 * naming its factory and its quirks, and one fuzz target file that passes
 * it to cvmm_vdev_fuzz_one() from LLVMFuzzerTestOneInput (see
 * fuzz/vdev-rng.c and docs/fuzz-a-new-device.md). A device registered with
 * the conformance suite needs nothing more: vdev-fuzz-conformance.h adapts
 * that registration.
 *
 * Ownership: the registration is borrowed for the call; everything the
 * body creates (memory, transport, device through the factory) is freed
 * before it returns, so no state survives an input.
 */
#ifndef CVMM_HARNESS_VDEV_FUZZ_H
#define CVMM_HARNESS_VDEV_FUZZ_H

#include <cvmm/vdev.h>

#include <stddef.h>
#include <stdint.h>

#include "fuzz-input.h"

/* What the body asks the factory for, decoded from the input's header. */
struct cvmm_vdev_fuzz_params {
	/* Largest queue size to give the device: a power of two, 1..256
	 * (bounded so one notification's work stays small). */
	uint32_t queue_size;
	/* A byte the factory may use to pick a configuration variant (a
	 * bound, an initial config value); 0..255. */
	uint8_t variant;
	/* The registration's arg (struct cvmm_vdev_fuzz_device), so one
	 * factory can serve many registrations without global state. */
	const void *arg;
};

/* A device registered with the fuzzer. */
struct cvmm_vdev_fuzz_device {
	/* Short name, used in invariant messages ("vdev-<name>: ..."). */
	const char *name;
	/*
	 * Create the device: store an object to pass to the other hooks in
	 * *obj and its interface in *dev. Deterministic (no getrandom, no
	 * clock: an input must replay the same way). 0 or a negative errno
	 * (the input is then skipped). Required.
	 */
	int (*create)(const struct cvmm_vdev_fuzz_params *params, void **obj,
		      struct cvmm_vdev *dev);
	/* Free what create() made, after the transport is gone. Required. */
	void (*destroy)(void *obj);
	/*
	 * A device-side event decoded from the input: what the VMM's side
	 * does to the device outside a guest access (console input, a
	 * resize, an entropy source failing). It may read any number of
	 * values from in (decoding stays total). Its result is the device's
	 * business and is not checked; the invariants are. Optional (NULL).
	 */
	void (*event)(void *obj, struct cvmm_fi *in);
	/*
	 * Queues (bit q for queue q) on which the device may keep popped
	 * chains in flight after a notification or an event returns (a
	 * device that completes requests later, e.g. asynchronous I/O). On
	 * every other queue, every head popped is back in the used ring
	 * when the call returns.
	 */
	uint32_t pending_queues;
	/* Handed to create through params->arg; borrowed for the call. */
	const void *arg;
};

/*
 * Run one input against the device. Returns 0 (libFuzzer's convention);
 * a broken invariant prints "vdev-<name>: invariant: <invariant>: ..."
 * on stderr and aborts.
 */
int cvmm_vdev_fuzz_one(const struct cvmm_vdev_fuzz_device *dev,
		       const uint8_t *data, size_t size);

#endif
