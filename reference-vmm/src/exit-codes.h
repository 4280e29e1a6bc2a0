/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How the guest ended: the reference VMM's exit status. Small, distinct
 * integers, documented in README.md and --help. 77 and 124 are avoided on
 * purpose (the test convention for "skipped" and timeout(1)'s status).
 */
#ifndef RVMM_EXIT_CODES_H
#define RVMM_EXIT_CODES_H

enum rvmm_exit {
	/* The guest asked for a reset (i8042 0xFE, KVM_SYSTEM_EVENT_RESET). */
	RVMM_EXIT_RESET = 0,
	/* The VMM failed while the guest ran (an ioctl, a thread). */
	RVMM_EXIT_VMM_ERROR = 1,
	/* Setup failed: bad arguments, no /dev/kvm, a bad kernel or initrd. */
	RVMM_EXIT_SETUP = 2,
	/* Triple fault: KVM_EXIT_SHUTDOWN. */
	RVMM_EXIT_SHUTDOWN = 3,
	/* KVM internal error (not emulation), VM entry failure, unknown exit.
	 */
	RVMM_EXIT_INTERNAL = 4,
	/* KVM could not emulate an instruction (internal error, suberror 1). */
	RVMM_EXIT_EMULATION = 5,
	/* --boot-timeout passed before the guest ended. */
	RVMM_EXIT_TIMEOUT = 6,
	/* The guest powered off: S5 to the ACPI sleep control register
	 * (sleep.h), or KVM_SYSTEM_EVENT_SHUTDOWN. */
	RVMM_EXIT_POWEROFF = 7,
	/* SIGINT or SIGTERM stopped the VMM. */
	RVMM_EXIT_SIGNAL = 8,
};

/* "reset", "triple fault", ...: one short phrase per code. */
const char *rvmm_exit_name(int code);

#endif
