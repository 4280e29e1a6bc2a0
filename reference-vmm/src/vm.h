/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One virtual machine: KVM objects, guest memory, devices, vCPU threads,
 * and how it ended.
 *
 * Life cycle (vmm.c drives it):
 *   rvmm_vm_create()    guest memory, the kernel loaded, ACPI tables,
 *                       the virtio devices' files opened (a bad kernel
 *                       or disk is refused before KVM is opened); KVM
 *                       checks, VM, irqchip, PIT, memory slots, devices;
 *                       vCPUs created and configured (CPUID, MSRs, LAPIC,
 *                       boot registers)
 *   rvmm_vm_start()     one thread per vCPU, each waiting at the start
 *                       gate; the caller installs seccomp (every thread),
 *                       then opens the gate: the first KVM_RUN follows
 *   the event loop      (loop.c) until rvmm_vm_end() is called by a vCPU
 *                       thread (reset, triple fault, error) or the loop
 *                       (timeout, signal)
 *   rvmm_vm_stop()      kicks every vCPU out of KVM_RUN, joins the threads
 *   rvmm_vm_destroy()   frees everything
 *
 * Ending. rvmm_vm_end() records the first reason only (an atomic
 * compare-and-swap), prints it once on stderr, and wakes the event loop
 * through end_fd. vCPU threads stop at their next exit; a kick (a
 * real-time signal whose handler sets kvm_run.immediate_exit) makes sure
 * that is soon.
 */
#ifndef RVMM_VM_H
#define RVMM_VM_H

#include "devices.h"
#include "loader.h"
#include "memory.h"
#include "options.h"
#include "virtio.h"

#include <cvmm/kvm.h>
#include <cvmm/x86-cpuid.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

struct rvmm_vm;

struct rvmm_vcpu {
	struct rvmm_vm *vm;
	struct cvmm_kvm_vcpu *kvm;
	uint32_t index;
	pthread_t thread;
	bool started;
};

struct rvmm_vm {
	const struct rvmm_options *opts;
	struct cvmm_kvm *kvm;
	struct cvmm_kvm_vm *vm;
	struct rvmm_memory mem;
	bool mem_mapped;
	struct rvmm_devices dev;
	bool dev_created;
	struct rvmm_virtio virtio; /* after dev: its windows are on dev.mmio */
	struct rvmm_boot boot;
	struct cvmm_x86_cpuid *cpuid; /* KVM's supported table */
	struct rvmm_vcpu *vcpus;
	uint32_t nvcpus; /* created */
	int kick_signal;
	pthread_mutex_t gate_lock; /* the start gate */
	pthread_cond_t gate_cond;
	bool gate_open;
	uint32_t gate_arrived; /* threads waiting at the gate */
	bool gate_ready;
	atomic_int end; /* -1 while running, else an enum rvmm_exit */
	int end_fd;	/* eventfd, written once by rvmm_vm_end() */
};

/* Build the VM the options describe (see the life cycle above). */
RVMM_MUST_CHECK int rvmm_vm_create(struct rvmm_vm *vm,
				   const struct rvmm_options *o,
				   struct rvmm_err *e);

/*
 * Start the vCPU threads and wait until each is at the start gate (so
 * their own start-up system calls are behind them when the seccomp
 * filter goes in); they run the guest after rvmm_vm_open_gate().
 */
RVMM_MUST_CHECK int rvmm_vm_start(struct rvmm_vm *vm, struct rvmm_err *e);

/* Let the vCPU threads run the guest. */
void rvmm_vm_open_gate(struct rvmm_vm *vm);

/* In a vCPU thread: wait until the gate opens. */
void rvmm_vm_wait_gate(struct rvmm_vm *vm);

/*
 * The VM ends with code (enum rvmm_exit) because of what fmt says; only
 * the first call counts. Thread-safe; not async-signal-safe.
 */
__attribute__((format(printf, 3, 4))) void
rvmm_vm_end(struct rvmm_vm *vm, int code, const char *fmt, ...);

/* The exit code recorded, or -1 while the VM runs. */
int rvmm_vm_ended(struct rvmm_vm *vm);

/* Stop and join every vCPU thread (after rvmm_vm_end()). */
void rvmm_vm_stop(struct rvmm_vm *vm);

void rvmm_vm_destroy(struct rvmm_vm *vm);

/* vcpu.c: configure vCPU i (BSP when 0) and its thread body. */
RVMM_MUST_CHECK int rvmm_vcpu_setup(struct rvmm_vm *vm, struct rvmm_vcpu *v,
				    struct rvmm_err *e);
void *rvmm_vcpu_thread(void *arg);
/* The kick signal's handler (installed by rvmm_vm_start()). */
void rvmm_vcpu_kick_handler(int signum, siginfo_t *info, void *uctx);

#endif
