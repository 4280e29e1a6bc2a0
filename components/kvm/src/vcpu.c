/* SPDX-License-Identifier: Apache-2.0 */
/* The vCPU object: registers, MSRs, CPUID, local APIC, KVM_RUN. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmm/kvm-exit.h>

#include "internal.h"

int cvmm_kvm_vcpu_create(struct cvmm_kvm_vm *vm, uint32_t id,
			 struct cvmm_kvm_vcpu **out)
{
	struct cvmm_kvm_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	void *run = NULL;
	int fd;
	int rc;

	if (vcpu == NULL) {
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_ALLOC, -ENOMEM,
				 CVMM_KVM_DETAIL_NONE, 0);
		return -ENOMEM;
	}
	fd = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd, KVM_CREATE_VCPU, id,
			     CVMM_KVM_OP_CREATE_VCPU);
	if (fd < 0) {
		free(vcpu);
		return fd;
	}
	rc = vm->sys.ops->mmap(vm->sys.ctx, fd, vm->run_size, &run);
	if (rc < 0) {
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_MMAP, rc,
				 CVMM_KVM_DETAIL_NONE, 0);
		vm->sys.ops->close(vm->sys.ctx, fd);
		free(vcpu);
		return rc;
	}
	vcpu->sys = vm->sys;
	vcpu->fd = fd;
	vcpu->id = id;
	vcpu->run = run;
	vcpu->run_size = vm->run_size;
	*out = vcpu;
	return 0;
}

void cvmm_kvm_vcpu_destroy(struct cvmm_kvm_vcpu *vcpu)
{
	if (vcpu == NULL)
		return;
	vcpu->sys.ops->munmap(vcpu->sys.ctx, vcpu->run, vcpu->run_size);
	vcpu->sys.ops->close(vcpu->sys.ctx, vcpu->fd);
	free(vcpu);
}

int cvmm_kvm_vcpu_fd(const struct cvmm_kvm_vcpu *vcpu)
{
	return vcpu->fd;
}

uint32_t cvmm_kvm_vcpu_id(const struct cvmm_kvm_vcpu *vcpu)
{
	return vcpu->id;
}

struct kvm_run *cvmm_kvm_vcpu_run_area(struct cvmm_kvm_vcpu *vcpu)
{
	return vcpu->run;
}

size_t cvmm_kvm_vcpu_run_size(const struct cvmm_kvm_vcpu *vcpu)
{
	return vcpu->run_size;
}

struct cvmm_kvm_error cvmm_kvm_vcpu_last_error(const struct cvmm_kvm_vcpu *vcpu)
{
	return cvmm_kvm__load(&vcpu->err);
}

/* An ioctl taking a pointer to a structure; 0 or a negative errno. */
static int vcpu_ioctl(struct cvmm_kvm_vcpu *vcpu, unsigned long request,
		      const void *arg, enum cvmm_kvm_op op)
{
	int rc = cvmm_kvm__ioctl(&vcpu->sys, &vcpu->err, vcpu->fd, request,
				 CVMM_KVM__ARG(arg), op);

	return rc < 0 ? rc : 0;
}

int cvmm_kvm_vcpu_get_regs(struct cvmm_kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	return vcpu_ioctl(vcpu, KVM_GET_REGS, regs, CVMM_KVM_OP_GET_REGS);
}

int cvmm_kvm_vcpu_set_regs(struct cvmm_kvm_vcpu *vcpu,
			   const struct kvm_regs *regs)
{
	return vcpu_ioctl(vcpu, KVM_SET_REGS, regs, CVMM_KVM_OP_SET_REGS);
}

int cvmm_kvm_vcpu_get_sregs(struct cvmm_kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	return vcpu_ioctl(vcpu, KVM_GET_SREGS, sregs, CVMM_KVM_OP_GET_SREGS);
}

int cvmm_kvm_vcpu_set_sregs(struct cvmm_kvm_vcpu *vcpu,
			    const struct kvm_sregs *sregs)
{
	return vcpu_ioctl(vcpu, KVM_SET_SREGS, sregs, CVMM_KVM_OP_SET_SREGS);
}

int cvmm_kvm_vcpu_get_fpu(struct cvmm_kvm_vcpu *vcpu, struct kvm_fpu *fpu)
{
	return vcpu_ioctl(vcpu, KVM_GET_FPU, fpu, CVMM_KVM_OP_GET_FPU);
}

int cvmm_kvm_vcpu_set_fpu(struct cvmm_kvm_vcpu *vcpu, const struct kvm_fpu *fpu)
{
	return vcpu_ioctl(vcpu, KVM_SET_FPU, fpu, CVMM_KVM_OP_SET_FPU);
}

int cvmm_kvm_vcpu_get_lapic(struct cvmm_kvm_vcpu *vcpu,
			    struct kvm_lapic_state *lapic)
{
	return vcpu_ioctl(vcpu, KVM_GET_LAPIC, lapic, CVMM_KVM_OP_GET_LAPIC);
}

int cvmm_kvm_vcpu_set_lapic(struct cvmm_kvm_vcpu *vcpu,
			    const struct kvm_lapic_state *lapic)
{
	return vcpu_ioctl(vcpu, KVM_SET_LAPIC, lapic, CVMM_KVM_OP_SET_LAPIC);
}

int cvmm_kvm_vcpu_get_mp_state(struct cvmm_kvm_vcpu *vcpu,
			       struct kvm_mp_state *mp)
{
	return vcpu_ioctl(vcpu, KVM_GET_MP_STATE, mp, CVMM_KVM_OP_GET_MP_STATE);
}

int cvmm_kvm_vcpu_set_mp_state(struct cvmm_kvm_vcpu *vcpu,
			       const struct kvm_mp_state *mp)
{
	return vcpu_ioctl(vcpu, KVM_SET_MP_STATE, mp, CVMM_KVM_OP_SET_MP_STATE);
}

/*
 * A struct kvm_msrs for n entries (n checked by the caller to fit 32 bits,
 * so the size cannot overflow), or NULL with the error recorded.
 */
static struct kvm_msrs *msrs_alloc(struct cvmm_kvm_vcpu *vcpu, size_t n)
{
	struct kvm_msrs *msrs =
	    calloc(1, sizeof(*msrs) + n * sizeof(struct kvm_msr_entry));

	if (msrs == NULL)
		cvmm_kvm__record(&vcpu->err, CVMM_KVM_OP_ALLOC, -ENOMEM,
				 CVMM_KVM_DETAIL_NONE, 0);
	else
		msrs->nmsrs = (uint32_t)n;
	return msrs;
}

/*
 * KVM_GET_MSRS or KVM_SET_MSRS over msrs; the kernel returns how many it
 * processed (*done), and a short count is -EIO naming the first one left.
 */
static int msrs_ioctl(struct cvmm_kvm_vcpu *vcpu, struct kvm_msrs *msrs,
		      unsigned long request, enum cvmm_kvm_op op,
		      uint32_t *done)
{
	int rc = cvmm_kvm__ioctl(&vcpu->sys, &vcpu->err, vcpu->fd, request,
				 CVMM_KVM__ARG(msrs), op);

	*done = 0;
	if (rc < 0)
		return rc;
	if ((uint32_t)rc < msrs->nmsrs) {
		*done = (uint32_t)rc;
		cvmm_kvm__record(&vcpu->err, op, -EIO, CVMM_KVM_DETAIL_MSR,
				 msrs->entries[rc].index);
		return -EIO;
	}
	*done = msrs->nmsrs;
	return 0;
}

static int msrs_too_many(struct cvmm_kvm_vcpu *vcpu, size_t n,
			 enum cvmm_kvm_op op)
{
	if (n <= UINT32_MAX)
		return 0;
	cvmm_kvm__record(&vcpu->err, op, -E2BIG, CVMM_KVM_DETAIL_NONE, 0);
	return -E2BIG;
}

int cvmm_kvm_vcpu_get_msrs(struct cvmm_kvm_vcpu *vcpu,
			   struct kvm_msr_entry *entries, size_t n)
{
	struct kvm_msrs *msrs;
	uint32_t done;
	int rc = msrs_too_many(vcpu, n, CVMM_KVM_OP_GET_MSRS);

	if (rc != 0)
		return rc;
	msrs = msrs_alloc(vcpu, n);
	if (msrs == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		msrs->entries[i].index = entries[i].index;
	rc = msrs_ioctl(vcpu, msrs, KVM_GET_MSRS, CVMM_KVM_OP_GET_MSRS, &done);
	/* Copy back what the kernel read (all of it on success). */
	for (uint32_t i = 0; i < done; i++)
		entries[i].data = msrs->entries[i].data;
	free(msrs);
	return rc;
}

int cvmm_kvm_vcpu_set_msrs(struct cvmm_kvm_vcpu *vcpu,
			   const struct kvm_msr_entry *entries, size_t n)
{
	struct kvm_msrs *msrs;
	uint32_t done;
	int rc = msrs_too_many(vcpu, n, CVMM_KVM_OP_SET_MSRS);

	if (rc != 0)
		return rc;
	msrs = msrs_alloc(vcpu, n);
	if (msrs == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(msrs->entries, entries, n * sizeof(*entries));
	rc = msrs_ioctl(vcpu, msrs, KVM_SET_MSRS, CVMM_KVM_OP_SET_MSRS, &done);
	free(msrs);
	return rc;
}

int cvmm_kvm_vcpu_set_cpuid2(struct cvmm_kvm_vcpu *vcpu,
			     const struct kvm_cpuid_entry2 *entries, size_t n)
{
	struct kvm_cpuid2 *c;
	int rc;

	if (n > UINT32_MAX) {
		cvmm_kvm__record(&vcpu->err, CVMM_KVM_OP_SET_CPUID2, -E2BIG,
				 CVMM_KVM_DETAIL_NONE, 0);
		return -E2BIG;
	}
	c = calloc(1, sizeof(*c) + n * sizeof(*entries));
	if (c == NULL) {
		cvmm_kvm__record(&vcpu->err, CVMM_KVM_OP_ALLOC, -ENOMEM,
				 CVMM_KVM_DETAIL_NONE, 0);
		return -ENOMEM;
	}
	c->nent = (uint32_t)n;
	if (n > 0)
		memcpy(c->entries, entries, n * sizeof(*entries));
	rc = vcpu_ioctl(vcpu, KVM_SET_CPUID2, c, CVMM_KVM_OP_SET_CPUID2);
	free(c);
	return rc;
}

int cvmm_kvm_vcpu_get_cpuid2(struct cvmm_kvm_vcpu *vcpu,
			     struct kvm_cpuid_entry2 *entries, size_t capacity,
			     size_t *n)
{
	struct kvm_cpuid2 *c;
	/* No kernel has more; a larger capacity is only clamped. */
	uint32_t asked = capacity > CVMM_KVM_CPUID_MAX_ENTRIES
			     ? CVMM_KVM_CPUID_MAX_ENTRIES
			     : (uint32_t)capacity;
	int rc;

	c = calloc(1, sizeof(*c) + (size_t)asked * sizeof(*entries));
	if (c == NULL) {
		cvmm_kvm__record(&vcpu->err, CVMM_KVM_OP_ALLOC, -ENOMEM,
				 CVMM_KVM_DETAIL_NONE, 0);
		return -ENOMEM;
	}
	c->nent = asked;
	rc = vcpu_ioctl(vcpu, KVM_GET_CPUID2, c, CVMM_KVM_OP_GET_CPUID2);
	if (rc == 0 && c->nent > asked) {
		cvmm_kvm__record(&vcpu->err, CVMM_KVM_OP_GET_CPUID2, -EPROTO,
				 CVMM_KVM_DETAIL_NONE, 0);
		rc = -EPROTO;
	}
	if (rc == 0) {
		if (c->nent > 0)
			memcpy(entries, c->entries,
			       (size_t)c->nent * sizeof(*entries));
		*n = c->nent;
	}
	free(c);
	return rc;
}

void cvmm_kvm_vcpu_set_immediate_exit(struct cvmm_kvm_vcpu *vcpu, bool on)
{
	volatile struct kvm_run *run = vcpu->run;

	run->immediate_exit = on ? 1u : 0u;
}

int cvmm_kvm_vcpu_run(struct cvmm_kvm_vcpu *vcpu, struct cvmm_kvm_exit *exit)
{
	int rc = vcpu->sys.ops->ioctl(vcpu->sys.ctx, vcpu->fd, KVM_RUN, 0);

	if (rc == -EINTR) {
		cvmm_kvm_vcpu_set_immediate_exit(vcpu, false);
		memset(exit, 0, sizeof(*exit));
		exit->type = CVMM_KVM_EXIT_INTR;
		exit->reason = KVM_EXIT_INTR;
		return 0;
	}
	if (rc < 0) {
		cvmm_kvm__record(&vcpu->err, CVMM_KVM_OP_RUN, rc,
				 CVMM_KVM_DETAIL_NONE, 0);
		return rc;
	}
	rc = cvmm_kvm_exit_decode(vcpu->run, vcpu->run_size, exit);
	if (rc != 0) {
		cvmm_kvm__record(&vcpu->err, CVMM_KVM_OP_DECODE_EXIT, rc,
				 CVMM_KVM_DETAIL_NONE, 0);
		return rc;
	}
	if (exit->type == CVMM_KVM_EXIT_INTR)
		cvmm_kvm_vcpu_set_immediate_exit(vcpu, false);
	return 0;
}
