/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm arch-x86: applying CPUID, MSRs, registers and LAPIC set-up to a vCPU
 * through the kvm component. Thin: each helper is the pure function of
 * cvmm/x86-cpuid.h or cvmm/x86-boot.h plus the ioctls.
 *
 * Errors: 0 or a negative errno. When an ioctl fails, the vCPU's last
 * error (cvmm_kvm_vcpu_last_error()) names it, e.g. "KVM_SET_MSRS: MSR
 * 0x1a0 refused: Input/output error"; errors of the pure functions
 * (-EINVAL, -ERANGE, -ENOSPC ...) come back as they are. A helper that
 * fails part-way leaves the vCPU partly configured; a VMM destroys it.
 *
 * Ownership: every argument is borrowed for the call only.
 */
#ifndef CVMM_X86_VCPU_H
#define CVMM_X86_VCPU_H

#include <cvmm/kvm.h>
#include <cvmm/x86-boot.h>

/* KVM_SET_CPUID2 with table c as it is. */
CVMM_X86_MUST_CHECK int cvmm_x86_vcpu_set_cpuid(struct cvmm_kvm_vcpu *vcpu,
						const struct cvmm_x86_cpuid *c);

/*
 * The whole CPUID step for one vCPU: copy base (KVM's supported table),
 * normalize the copy for topo and this vCPU (its index is its KVM id,
 * cvmm_kvm_vcpu_id()), apply tmpl (NULL: none), and KVM_SET_CPUID2. The
 * copy is a heap allocation freed before return (-ENOMEM).
 */
CVMM_X86_MUST_CHECK int cvmm_x86_vcpu_setup_cpuid(
    struct cvmm_kvm_vcpu *vcpu, const struct cvmm_x86_cpuid *base,
    const struct cvmm_x86_topology *topo, const struct cvmm_x86_template *tmpl);

/* KVM_SET_MSRS with cvmm_x86_boot_msrs(). */
CVMM_X86_MUST_CHECK int cvmm_x86_vcpu_set_boot_msrs(struct cvmm_kvm_vcpu *vcpu);

/*
 * KVM_GET_LAPIC, cvmm_x86_lapic_lint(), KVM_SET_LAPIC (needs the
 * in-kernel irqchip).
 */
CVMM_X86_MUST_CHECK int cvmm_x86_vcpu_set_lint(struct cvmm_kvm_vcpu *vcpu);

/*
 * Put the boot vCPU at a kernel's entry (application processors are not
 * booted this way: with the in-kernel irqchip they wait in
 * KVM_MP_STATE_UNINITIALIZED for the guest's INIT/SIPI): KVM_GET_SREGS,
 * cvmm_x86_boot_sregs(), KVM_SET_SREGS; the general registers of the mode
 * (boot_info is the boot_params address for LINUX64, the start_info
 * address for PVH) with KVM_SET_REGS; the reset FPU with KVM_SET_FPU. The
 * tables must be in guest memory (cvmm_x86_write_boot_tables()).
 * -EINVAL for an unknown mode, -ERANGE for a PVH address at or above
 * 4 GiB, before any ioctl.
 */
CVMM_X86_MUST_CHECK int cvmm_x86_vcpu_boot(struct cvmm_kvm_vcpu *vcpu,
					   enum cvmm_x86_boot_mode mode,
					   uint64_t entry, uint64_t boot_info);

#endif
