/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzz-engine build of a conformance registration file. That file's
 * main() passes its registration to cvmm_vdev_conformance_main(); in a
 * libFuzzer or AFL++ build (cvmm_vdev_conformance() under the fuzz
 * presets) this file defines that function instead of the suite, and it
 * hands the process to the engine (LLVMFuzzerRunDriver, which both
 * libFuzzer and AFL++'s driver provide) with every input run through
 * cvmm_vdev_fuzz_conformance_one(). The registration file stays exactly
 * what the conformance suite runs.
 *
 * This file is compiled into each such fuzz target, never into a library.
 * It holds the one piece of file-scope state there is: the engine's
 * callback takes no context, so the registration is kept in a pointer set
 * once before the engine starts and never changed (no input sees another's
 * state; the registration is the caller's, alive while main() runs).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vdev-conformance.h"
#include "vdev-fuzz-conformance.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv,
			int (*one)(const uint8_t *data, size_t size));

static const struct cvmm_vdev_conf_device *registration;

static int one_input(const uint8_t *data, size_t size)
{
	return cvmm_vdev_fuzz_conformance_one(registration, data, size);
}

int cvmm_vdev_conformance_main(const struct cvmm_vdev_conf_device *dev,
			       int argc, char **argv)
{
	if (dev == NULL || dev->create == NULL || dev->destroy == NULL ||
	    dev->name == NULL) {
		(void)fprintf(stderr,
			      "%s: the registration lacks create, "
			      "destroy or name\n",
			      argc > 0 ? argv[0] : "fuzz");
		return 2;
	}
	registration = dev;
	return LLVMFuzzerRunDriver(&argc, &argv, one_input);
}

/* A fuzz target injects no backend failure: attach is never called, so a
 * device asking here always gets on with its I/O. */
bool cvmm_vdev_fault_io(struct cvmm_vdev_fault *inj)
{
	(void)inj;
	return false;
}
