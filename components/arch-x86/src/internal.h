/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the arch-x86 sources. */
#ifndef CVMM_X86_INTERNAL_H
#define CVMM_X86_INTERNAL_H

#include <cvmm/x86-cpuid.h>

/* The mutable entry answering (function, index), or NULL. */
struct kvm_cpuid_entry2 *cvmm_x86__cpuid_find(struct cvmm_x86_cpuid *c,
					      uint32_t function,
					      uint32_t index);

/* cvmm_x86_boot_sregs() for a mode known valid: LINUX64 if long_mode. */
void cvmm_x86__boot_sregs(bool long_mode, struct kvm_sregs *sregs);

#endif
