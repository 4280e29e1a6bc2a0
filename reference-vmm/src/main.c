/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reference-vmm: a KVM virtual machine monitor built from cvmm's
 * components. main() parses the options and drives the VM through its
 * life cycle (vm.h); the exit status says how the guest ended
 * (exit-codes.h, README.md).
 */
#define _GNU_SOURCE
#include "exit-codes.h"
#include "loop.h"
#include "options.h"
#include "seccomp.h"
#include "vm.h"

#include <cvmm/sys-signal.h>

#include <stdio.h>
#include <stdlib.h>

static void report(const struct rvmm_err *e)
{
	(void)fprintf(stderr, "reference-vmm: error: %s\n", e->msg);
}

/* Set-up failed after threads exist: let them leave, then clean up. */
static int abort_run(struct rvmm_vm *vm, const struct rvmm_err *e)
{
	report(e);
	rvmm_vm_end(vm, RVMM_EXIT_SETUP, "set-up failed");
	rvmm_vm_open_gate(vm);
	rvmm_vm_stop(vm);
	return RVMM_EXIT_SETUP;
}

static int run(struct rvmm_vm *vm, const struct rvmm_options *o)
{
	struct rvmm_loop loop;
	struct rvmm_err e = {{0}};
	int code;

	/* A closed stdout (the reader of the console went away) must not
	 * kill the VMM: writes fail with EPIPE instead. */
	if (cvmm_sys_signal_handler(SIGPIPE, NULL, CVMM_SYS_SIGNAL_RESTART) !=
	    0) {
		(void)fprintf(stderr,
			      "reference-vmm: error: SIGPIPE handler\n");
		return RVMM_EXIT_SETUP;
	}
	if (rvmm_loop_block_signals(&e) != 0 ||
	    rvmm_vm_create(vm, o, &e) != 0) {
		report(&e);
		return RVMM_EXIT_SETUP;
	}
	(void)fprintf(stderr, "reference-vmm: %s; %u vCPU%s, %u MiB%s%s\n",
		      vm->boot.what, o->vcpus, o->vcpus == 1 ? "" : "s",
		      o->mem_mib, *o->cpu_template ? ", CPU template " : "",
		      o->cpu_template);
	if (rvmm_loop_init(&loop, vm, &e) != 0) {
		report(&e);
		rvmm_loop_destroy(&loop);
		return RVMM_EXIT_SETUP;
	}
	if (rvmm_vm_start(vm, &e) != 0 ||
	    (o->seccomp &&
	     rvmm_seccomp_apply(CVMM_SYS_SECCOMP_KILL_PROCESS, &e) != 0)) {
		code = abort_run(vm, &e);
		rvmm_loop_destroy(&loop);
		return code;
	}
	rvmm_vm_open_gate(vm);
	rvmm_loop_run(&loop);
	rvmm_vm_stop(vm);
	rvmm_virtio_report(&vm->virtio);
	code = rvmm_vm_ended(vm);
	rvmm_loop_destroy(&loop);
	return code;
}

int main(int argc, char **argv)
{
	struct rvmm_options o;
	struct rvmm_err e = {{0}};
	struct rvmm_vm *vm;
	int code;

	if (rvmm_options_parse(argc, argv, &o, &e) != 0) {
		report(&e);
		return RVMM_EXIT_SETUP;
	}
	if (o.help) {
		rvmm_options_usage(stdout);
		return 0;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		(void)fprintf(stderr, "reference-vmm: error: out of memory\n");
		return RVMM_EXIT_SETUP;
	}
	code = run(vm, &o);
	rvmm_vm_destroy(vm);
	free(vm);
	return code;
}
