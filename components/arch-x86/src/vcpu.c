/* SPDX-License-Identifier: Apache-2.0 */
/* Applying the arch-x86 state to a vCPU through the kvm component. */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/x86-vcpu.h>

#include <errno.h>
#include <stdlib.h>

#include "internal.h"

int cvmm_x86_vcpu_set_cpuid(struct cvmm_kvm_vcpu *vcpu,
			    const struct cvmm_x86_cpuid *c)
{
	return cvmm_kvm_vcpu_set_cpuid2(vcpu, c->entries, c->count);
}

int cvmm_x86_vcpu_setup_cpuid(struct cvmm_kvm_vcpu *vcpu,
			      const struct cvmm_x86_cpuid *base,
			      const struct cvmm_x86_topology *topo,
			      const struct cvmm_x86_template *tmpl)
{
	/* About 10 KiB: kept off the (maybe small) vCPU thread stack. */
	struct cvmm_x86_cpuid *c = malloc(sizeof(*c));
	int rc;

	if (c == NULL)
		return -ENOMEM;
	*c = *base;
	rc = cvmm_x86_cpuid_normalize(c, topo, cvmm_kvm_vcpu_id(vcpu));
	if (rc == 0) {
		if (tmpl != NULL)
			cvmm_x86_template_apply(tmpl, c);
		rc = cvmm_x86_vcpu_set_cpuid(vcpu, c);
	}
	free(c);
	return rc;
}

int cvmm_x86_vcpu_set_boot_msrs(struct cvmm_kvm_vcpu *vcpu)
{
	struct kvm_msr_entry msrs[CVMM_X86_BOOT_MSR_COUNT];

	cvmm_x86_boot_msrs(msrs);
	return cvmm_kvm_vcpu_set_msrs(vcpu, msrs, CVMM_X86_BOOT_MSR_COUNT);
}

int cvmm_x86_vcpu_set_lint(struct cvmm_kvm_vcpu *vcpu)
{
	struct kvm_lapic_state lapic;
	int rc = cvmm_kvm_vcpu_get_lapic(vcpu, &lapic);

	if (rc != 0)
		return rc;
	cvmm_x86_lapic_lint(&lapic);
	return cvmm_kvm_vcpu_set_lapic(vcpu, &lapic);
}

int cvmm_x86_vcpu_boot(struct cvmm_kvm_vcpu *vcpu, enum cvmm_x86_boot_mode mode,
		       uint64_t entry, uint64_t boot_info)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	int rc;

	/* Everything that can be refused is refused before any ioctl. */
	if (mode == CVMM_X86_BOOT_PVH) {
		rc = cvmm_x86_boot_regs_pvh(&regs, entry, boot_info);
		if (rc != 0)
			return rc;
	} else if (mode == CVMM_X86_BOOT_LINUX64) {
		cvmm_x86_boot_regs_linux64(&regs, entry, boot_info);
	} else {
		return -EINVAL;
	}
	cvmm_x86_boot_fpu(&fpu);
	rc = cvmm_kvm_vcpu_get_sregs(vcpu, &sregs);
	if (rc != 0)
		return rc;
	cvmm_x86__boot_sregs(mode == CVMM_X86_BOOT_LINUX64, &sregs);
	rc = cvmm_kvm_vcpu_set_sregs(vcpu, &sregs);
	if (rc == 0)
		rc = cvmm_kvm_vcpu_set_regs(vcpu, &regs);
	if (rc == 0)
		rc = cvmm_kvm_vcpu_set_fpu(vcpu, &fpu);
	return rc;
}
