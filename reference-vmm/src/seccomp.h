/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reference VMM's seccomp allowlist: the system calls its vCPU threads
 * and event loop make once the guest runs, and nothing else. Installed for
 * every thread (TSYNC) after set-up, before the first KVM_RUN; any other
 * call kills the process (SIGSYS). Opening files, creating VMs, vCPUs,
 * threads or sockets, executing programs: all refused.
 */
#ifndef RVMM_SECCOMP_H
#define RVMM_SECCOMP_H

#include "err.h"

#include <cvmm/sys-seccomp.h>

/* The allowlist (static storage) and its length. */
const struct cvmm_sys_seccomp_rule *rvmm_seccomp_rules(size_t *n);

/*
 * Build the filter and install it on every thread of the process, with
 * action for everything else (the VMM uses KILL_PROCESS).
 */
RVMM_MUST_CHECK int rvmm_seccomp_apply(enum cvmm_sys_seccomp_action action,
				       struct rvmm_err *e);

#endif
