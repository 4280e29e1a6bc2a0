/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio device conformance suite: the normative device requirements of
 * the virtio 1.x specification (device status, feature negotiation, queue
 * setup and reset, config space, used-ring behaviour, hostile rings,
 * save/restore), checked against any implementation of the device
 * interface (cvmm/vdev.h). The suite plays the driver: it puts the device
 * behind the virtio-mmio transport (cvmm/vdev-mmio.h), accesses the
 * transport's registers as a guest would, and lays queues and requests out
 * in guest memory with the driver-side virtqueue model
 * (harness/virtqueue-model). It is the C counterpart of running a trait's
 * test suite against each implementation.
 *
 * A device author registers a device with one struct cvmm_vdev_conf_device
 * and runs it from a test's main() with cvmm_vdev_conformance_main(); in
 * CMake, cvmm_vdev_conformance() (harness/vdev-conformance/CMakeLists.txt)
 * builds that program and registers it as three ctest tests: the suite on
 * guest memory made of 1-byte regions and on whole regions, and the fault
 * suite (cvmm_vdev_faults_run(), below). docs/fuzz-a-new-device.md walks
 * through it.
 *
 * Where the specification only says SHOULD (notification suppression),
 * the suite checks it too and says SHOULD in the message: cvmm's devices
 * leave that decision to the transport, so any device can meet it.
 *
 * Every test creates a fresh device (create), a fresh transport and fresh
 * guest memory, and destroys them at its end, so no test sees another's
 * state. The suite keeps no global state: everything a test needs hangs
 * off cmocka's per-test state. The registration is borrowed for the run.
 *
 * Guest memory the suite lays out (the request hook gets the BUF window):
 *   RING [0x10000, 0x20000)  queue q's rings at 0x10000 + 0x1000 * q
 *   BUF  [0x20000, 0x27000)  the request's buffers (the hook's window)
 *   IND  [0x27000, 0x28000)  the indirect table of an indirect request
 *   hole [0x28000, 0x30000)
 *   RO   [0x30000, 0x31000)  read-only
 */
#ifndef CVMM_HARNESS_VDEV_CONFORMANCE_H
#define CVMM_HARNESS_VDEV_CONFORMANCE_H

#include <cvmm/vdev.h>

#include <stdbool.h>
#include <stdint.h>

/* The fault suite's injector (owned by the suite, borrowed by the instance
 * from attach until destroy). */
struct cvmm_vdev_fault;

/* Most buffers one request may have. */
#define CVMM_VDEV_CONF_MAX_BUFS 8u

/* One buffer of a request: readable buffers come before writable ones. */
struct cvmm_vdev_conf_buf {
	uint64_t addr;
	uint32_t len;
	bool writable;
};

/*
 * A request the suite asks the device's hook to build on one queue.
 *   in:  mem, the guest memory (write the request's readable bytes through
 *        it); area and area_len, the window every buffer must lie in
 *        (0x7000 bytes, or, when the suite keeps requests pending on every
 *        queue at once, the queue's share: 0x7000 / num_queues rounded
 *        down to 16); kind, which of the registration's request_kinds to
 *        build (the conformance suite asks for kind 0 only, the fault
 *        suite for each in turn);
 *   out: bufs[0..nbufs), the chain (1..CVMM_VDEV_CONF_MAX_BUFS buffers).
 * The suite adds the chain (directly, or as one indirect table when the
 * device offers VIRTIO_F_INDIRECT_DESC) and notifies the queue.
 */
struct cvmm_vdev_conf_request {
	const struct cvmm_mem *mem;
	uint64_t area;
	uint32_t area_len;
	uint32_t kind;
	struct cvmm_vdev_conf_buf bufs[CVMM_VDEV_CONF_MAX_BUFS];
	uint32_t nbufs;
};

/*
 * The registration. create, destroy and name are required; the three hooks
 * are optional (NULL), and without request the suite checks everything at
 * the transport level only (status, features, queues, config space,
 * save/restore) and reports the queue tests as skipped.
 *
 *   create:  make a fresh device with its default configuration; store
 *            its interface in *dev and what destroy needs in *instance.
 *            0 or a negative errno (the test then fails, naming it).
 *   destroy: free what create made (called after the transport is gone).
 *   request: build one valid request for queue in *req (see above); 0, or
 *            -EOPNOTSUPP if queue takes no request the suite can make (its
 *            used-ring checks are then skipped), or another negative errno
 *            (a failure).
 *   answer:  for a queue whose requests are answered by the host side
 *            rather than by the notification (a console's receive queue
 *            waits for input): do what the host does so the device answers
 *            the pending request (push input, complete an I/O); NULL or 0
 *            when the notification is enough. Called after every
 *            notification the suite makes on a queue with a request.
 *   check:   look at the answered request (its buffers in req->mem, the
 *            used length) and return 0 if the device did what it should,
 *            or a negative errno; NULL to check only the generic rules.
 *
 * Fault injection (the fault suite, cvmm_vdev_faults_run(); all optional):
 *   request_kinds: how many kinds of request request() can build per
 *            queue (req->kind 0..request_kinds-1; 0 means 1): the fault
 *            suite's workload submits each kind on each queue, so list
 *            every kind that reaches the backend differently;
 *   attach:  called right after create with the suite's injector: the
 *            instance wraps its backend (entropy source, output sink, file
 *            I/O, tap...) so that every backend I/O first calls
 *            cvmm_vdev_fault_io(inj) and, when it returns true, fails as
 *            the real backend would (return -EIO or the like) without
 *            doing the I/O. NULL: the device has no backend; only
 *            allocations are failed.
 *   faulted: required with attach: judge the request whose processing hit
 *            the injected failure: its buffers (req), used length and
 *            whether the device set DEVICE_NEEDS_RESET (needs_reset). 0 if
 *            the device answered as it documents for a failing backend
 *            (an error status in the request, the chain back with nothing
 *            written, or needs-reset), a negative errno otherwise.
 *
 * The hooks get the instance create made. They run between the suite's
 * register accesses, never from inside a transport call.
 */
struct cvmm_vdev_conf_device {
	/* Shown in the report and in every failure message. */
	const char *name;
	/* Passed to create. */
	void *arg;
	int (*create)(void *arg, struct cvmm_vdev *dev, void **instance);
	void (*destroy)(void *instance);
	int (*request)(void *instance, uint32_t queue,
		       struct cvmm_vdev_conf_request *req);
	int (*answer)(void *instance, uint32_t queue);
	int (*check)(void *instance, uint32_t queue,
		     const struct cvmm_vdev_conf_request *req,
		     uint32_t used_len);
	uint32_t request_kinds;
	void (*attach)(void *instance, struct cvmm_vdev_fault *inj);
	int (*faulted)(void *instance, uint32_t queue,
		       const struct cvmm_vdev_conf_request *req,
		       uint32_t used_len, bool needs_reset);
};

/*
 * Run the whole suite against a device on guest memory cut into regions of
 * granule bytes (0: one region per range; 1: every byte its own region, so
 * any access that walks past a region through one host pointer shows up
 * under AddressSanitizer or valgrind). Returns the number of failed tests
 * (0 when the device conforms), or -EINVAL for a registration missing a
 * required field.
 */
int cvmm_vdev_conformance_run(const struct cvmm_vdev_conf_device *dev,
			      uint64_t granule);

/*
 * Ask the injector whether to fail this backend I/O: true exactly once, at
 * the I/O the suite chose (the Nth of the run); false for every other call
 * and when inj is NULL (a device used outside the fault suite).
 */
bool cvmm_vdev_fault_io(struct cvmm_vdev_fault *inj);

/*
 * The fault suite (vdev-faults.c; SQLite's anomaly testing applied to a
 * device). It runs one standard workload from the driver side: create the
 * device and its transport, negotiate every offered feature, set up every
 * queue, submit each request kind on each queue and check the answers;
 * then reset the device and run the requests again. It repeats the
 * workload failing exactly the Nth backend I/O (through attach), for
 * N = 1, 2, ... until a run completes with no fault injected; then the
 * same with the Nth allocation (malloc, calloc, realloc of the device, its
 * transport and the registration, through harness/alloc-fail). Every run
 * checks:
 *   - a failed allocation at create makes the device's create or the
 *     transport's create return -ENOMEM, and nothing is left allocated;
 *   - the request that hit an I/O fault comes back in the used ring (no
 *     head lost, nothing in flight) and the faulted hook accepts its
 *     answer; a request that hit none passes check (until a fault);
 *   - after a reset the device serves the whole workload again;
 *   - at the end of each run the live allocation count is what it was
 *     before (cvmm_alloc_fail_live()), and under ASan or valgrind nothing
 *     leaks.
 * Returns the number of failed runs (0: all passed), or -EINVAL for a
 * registration missing a required field (attach without faulted).
 */
int cvmm_vdev_faults_run(const struct cvmm_vdev_conf_device *dev);

/*
 * A test program's main(): argv[1] is "granule-0" or "granule-1" (the
 * conformance suite on that memory) or "faults" (the fault suite). Returns
 * the exit status (0 all passed, 1 a test failed, 2 bad usage).
 */
int cvmm_vdev_conformance_main(const struct cvmm_vdev_conf_device *dev,
			       int argc, char **argv);

#endif
