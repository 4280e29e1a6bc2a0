/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic device fuzzer run from a conformance registration: the
 * struct cvmm_vdev_conf_device a device author writes for the conformance
 * suite (harness/vdev-conformance) is all the fuzzer needs. The adapter
 * turns it into a struct cvmm_vdev_fuzz_device whose factory calls the
 * registration's create (the registration travels in params->arg, so the
 * adapter keeps no global state), and writes generic seeds from what the
 * device reports and what the registration's request hook builds.
 *
 * What the registration gives the fuzzer:
 *   create, destroy  the factory (the params' queue size and variant are
 *                    not used: the device keeps its default configuration);
 *   answer           the device-side event: with an answer hook, an EVENT
 *                    op (one queue number, range 0..num_queues-1) calls it,
 *                    and every queue may keep chains pending after a call
 *                    (pending_queues all set), since such a device answers
 *                    some requests later; without one, EVENT does nothing
 *                    and every queue must return each chain at once;
 *   request          the shapes of the seeds' requests (the buffers'
 *                    lengths and directions, and the first readable bytes).
 * attach and faulted are not used (no injected backend failure).
 *
 * cvmm_vdev_conformance() (harness/vdev-conformance/CMakeLists.txt) builds
 * from the same registration file a libFuzzer or AFL++ target under the
 * fuzz presets and, in test builds, writes these seeds at build time and
 * replays them as the test fuzz-replay.vdev-<name>.
 *
 * Ownership: the registration is borrowed for each call; everything a call
 * creates is freed before it returns.
 */
#ifndef CVMM_HARNESS_VDEV_FUZZ_CONFORMANCE_H
#define CVMM_HARNESS_VDEV_FUZZ_CONFORMANCE_H

#include <stddef.h>
#include <stdint.h>

#include "vdev-conformance.h"

/* Run one fuzz input (vdev-fuzz.c documents the format) against the
 * registered device. Returns 0; a broken invariant aborts. */
int cvmm_vdev_fuzz_conformance_one(const struct cvmm_vdev_conf_device *conf,
				   const uint8_t *data, size_t size);

/*
 * Write the generic seeds into the existing directory dir: bring-up of
 * every queue (all features and VERSION_1 only; cached and uncached
 * queues; several memory granules), requests of plausible shapes on each
 * queue (one writable buffer, readable then writable, several writable,
 * indirect when offered, and each kind the request hook builds),
 * notifications through both paths, config reads, interrupt
 * acknowledgement, save/restore, a reset and a second bring-up, and a few
 * hostile rings. Returns the number of seeds written, or a negative errno
 * (-EINVAL: a registration without create or destroy, or a device whose
 * info is invalid; -EIO: a file could not be written).
 */
int cvmm_vdev_fuzz_conformance_seeds(const struct cvmm_vdev_conf_device *conf,
				     const char *dir);

/*
 * Replay every file named in paths[0..n), and every regular file in each
 * directory named (sorted by name, not recursive). Returns 0 when at least
 * one input ran and every path was readable, else 1 (a message on stderr).
 */
int cvmm_vdev_fuzz_conformance_replay(const struct cvmm_vdev_conf_device *conf,
				      int n, char *const *paths);

#endif
