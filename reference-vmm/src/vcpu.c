/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vCPUs: their configuration before the first KVM_RUN, and the thread that
 * runs each one, dispatching exits to the devices until the VM ends.
 *
 * Application processors get CPUID, MSRs and LAPIC like the BSP but no
 * registers: with the in-kernel irqchip KVM holds them in the
 * wait-for-SIPI state, and their KVM_RUN returns only once the guest has
 * started them with INIT and SIPI through its local APIC.
 */
#define _GNU_SOURCE
#include "exit-codes.h"
#include "vm.h"

#include <cvmm/kvm-exit.h>
#include <cvmm/x86-vcpu.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*
 * The vCPU the current thread runs, for the kick signal's handler: the
 * one piece of state outside the VM object, because a handler gets no
 * context pointer.
 */
static _Thread_local struct cvmm_kvm_vcpu *this_vcpu;

void rvmm_vcpu_kick_handler(int signum, siginfo_t *info, void *uctx)
{
	(void)signum;
	(void)info;
	(void)uctx;
	if (this_vcpu)
		cvmm_kvm_vcpu_set_immediate_exit(this_vcpu, true);
}

/* The vCPU's last error if it is the one behind rc, else strerror. */
static const char *vcpu_msg(struct rvmm_vcpu *v, int rc, char *buf, size_t n)
{
	struct cvmm_kvm_error ke = cvmm_kvm_vcpu_last_error(v->kvm);

	if (ke.err == rc)
		return cvmm_kvm_error_format(&ke, buf, n);
	(void)snprintf(buf, n, "%s", strerror(-rc));
	return buf;
}

int rvmm_vcpu_setup(struct rvmm_vm *vm, struct rvmm_vcpu *v, struct rvmm_err *e)
{
	const struct cvmm_x86_topology topo = {.vcpus = vm->opts->vcpus,
					       .threads_per_core = 1};
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	const char *step = "CPUID";
	int rc;

	rc = cvmm_x86_vcpu_setup_cpuid(v->kvm, vm->cpuid, &topo,
				       &vm->opts->tmpl);
	if (rc == 0) {
		step = "boot MSRs";
		rc = cvmm_x86_vcpu_set_boot_msrs(v->kvm);
	}
	if (rc == 0) {
		step = "LAPIC LINT0/LINT1";
		rc = cvmm_x86_vcpu_set_lint(v->kvm);
	}
	if (rc == 0 && v->index == 0) {
		step = "boot registers";
		rc = cvmm_x86_vcpu_boot(v->kvm, vm->boot.mode, vm->boot.entry,
					vm->boot.info);
	}
	if (rc)
		return rvmm_fail(e, rc, "vCPU %u: %s: %s", v->index, step,
				 vcpu_msg(v, rc, msg, sizeof(msg)));
	return 0;
}

static uint64_t rip(struct rvmm_vcpu *v)
{
	struct kvm_regs regs;

	if (cvmm_kvm_vcpu_get_regs(v->kvm, &regs) != 0)
		return 0;
	return regs.rip;
}

/* Handle one exit; false when the thread should stop. */
static bool handle(struct rvmm_vcpu *v, const struct cvmm_kvm_exit *x)
{
	struct rvmm_vm *vm = v->vm;
	char msg[CVMM_KVM_EXIT_MSG_SIZE];

	switch (x->type) {
	case CVMM_KVM_EXIT_IO:
		for (uint32_t i = 0; i < x->u.io.count; i++)
			rvmm_devices_pio(&vm->dev, x->u.io.port,
					 x->u.io.dir == CVMM_KVM_IO_IN,
					 x->u.io.data +
					     (size_t)i * x->u.io.size,
					 x->u.io.size);
		return true;
	case CVMM_KVM_EXIT_MMIO:
		rvmm_devices_mmio(&vm->dev, x->u.mmio.addr, x->u.mmio.is_write,
				  x->u.mmio.data, x->u.mmio.len);
		return true;
	case CVMM_KVM_EXIT_INTR:
	case CVMM_KVM_EXIT_HLT:
		return true;
	case CVMM_KVM_EXIT_SHUTDOWN:
		/* No RIP: on AMD, KVM resets the vCPU's state on shutdown. */
		rvmm_vm_end(vm, RVMM_EXIT_SHUTDOWN,
			    "vCPU %u: triple fault (KVM_EXIT_SHUTDOWN)",
			    v->index);
		return false;
	case CVMM_KVM_EXIT_SYSTEM_EVENT:
		if (x->u.system_event.type == KVM_SYSTEM_EVENT_RESET)
			rvmm_vm_end(vm, RVMM_EXIT_RESET, "vCPU %u: %s",
				    v->index,
				    cvmm_kvm_exit_format(x, msg, sizeof(msg)));
		else if (x->u.system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			rvmm_vm_end(vm, RVMM_EXIT_POWEROFF, "vCPU %u: %s",
				    v->index,
				    cvmm_kvm_exit_format(x, msg, sizeof(msg)));
		else
			rvmm_vm_end(vm, RVMM_EXIT_INTERNAL, "vCPU %u: %s",
				    v->index,
				    cvmm_kvm_exit_format(x, msg, sizeof(msg)));
		return false;
	case CVMM_KVM_EXIT_INTERNAL_ERROR:
		rvmm_vm_end(vm,
			    x->u.internal.suberror ==
				    KVM_INTERNAL_ERROR_EMULATION
				? RVMM_EXIT_EMULATION
				: RVMM_EXIT_INTERNAL,
			    "vCPU %u: rip 0x%" PRIx64 ": %s", v->index, rip(v),
			    cvmm_kvm_exit_format(x, msg, sizeof(msg)));
		return false;
	case CVMM_KVM_EXIT_FAIL_ENTRY:
	case CVMM_KVM_EXIT_UNKNOWN:
	case CVMM_KVM_EXIT_OTHER:
		break;
	}
	rvmm_vm_end(vm, RVMM_EXIT_INTERNAL, "vCPU %u: rip 0x%" PRIx64 ": %s",
		    v->index, rip(v),
		    cvmm_kvm_exit_format(x, msg, sizeof(msg)));
	return false;
}

void *rvmm_vcpu_thread(void *arg)
{
	struct rvmm_vcpu *v = arg;
	struct rvmm_vm *vm = v->vm;
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	struct cvmm_kvm_exit x;

	this_vcpu = v->kvm;
	rvmm_vm_wait_gate(vm);
	while (rvmm_vm_ended(vm) < 0) {
		int rc = cvmm_kvm_vcpu_run(v->kvm, &x);

		/* An AP waiting for SIPI returns -EAGAIN when an event (INIT)
		 * woke it: run it again. */
		if (rc == -EAGAIN)
			continue;
		if (rc) {
			rvmm_vm_end(vm, RVMM_EXIT_VMM_ERROR, "vCPU %u: %s",
				    v->index,
				    vcpu_msg(v, rc, msg, sizeof(msg)));
			break;
		}
		if (!handle(v, &x))
			break;
	}
	this_vcpu = NULL;
	return NULL;
}
