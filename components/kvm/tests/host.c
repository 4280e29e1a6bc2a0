/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration tests on the host's /dev/kvm: a VM with one vCPU and 16 KiB
 * of guest memory from vm-memory's mmap backend runs a few real-mode
 * instructions, and each exit is checked as decoded. Skips (exit 77, with
 * the reason) when /dev/kvm is missing or unusable.
 */
#define _GNU_SOURCE
#include <cvmm/kvm-exit.h>
#include <cvmm/kvm-test.h>
#include <cvmm/mem-mmap.h>

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define CODE_GPA 0x1000u
#define DATA_GPA 0x1100u
#define MEM_SIZE 0x4000u
/* Guest-physical addresses no slot backs, for MMIO. */
#define MMIO_BASE 0x20000u

struct guest {
	struct cvmm_kvm *kvm;
	struct cvmm_kvm_vm *vm;
	struct cvmm_kvm_vcpu *vcpu;
	struct cvmm_mem_mmap *mm;
};

static void guest_destroy(struct guest *g)
{
	cvmm_kvm_vcpu_destroy(g->vcpu);
	cvmm_kvm_vm_destroy(g->vm);
	cvmm_kvm_close(g->kvm);
	cvmm_mem_mmap_destroy(g->mm);
	memset(g, 0, sizeof(*g));
}

/*
 * A VM with MEM_SIZE bytes at 0 holding code at CODE_GPA and data at
 * DATA_GPA, one vCPU in real mode about to run the code.
 */
static void guest_create(struct guest *g, const uint8_t *code, size_t len,
			 const void *data, size_t data_len)
{
	const struct cvmm_mem_range layout[] = {
	    {cvmm_mem_gpa_from(0), MEM_SIZE, 0}};
	struct cvmm_kvm_error err;
	struct cvmm_mem mem;
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	memset(g, 0, sizeof(*g));
	assert_int_equal(cvmm_kvm_open(NULL, &g->kvm, &err), 0);
	assert_int_equal(cvmm_kvm_vm_create(g->kvm, &g->vm), 0);
	assert_int_equal(cvmm_kvm_vm_set_tss_addr(g->vm, 0xfffbd000), 0);
	assert_int_equal(cvmm_mem_mmap_create(layout, 1, &g->mm), 0);
	mem = cvmm_mem_mmap_iface(g->mm);
	assert_int_equal(
	    cvmm_mem_write(&mem, cvmm_mem_gpa_from(CODE_GPA), code, len), 0);
	if (data_len > 0)
		assert_int_equal(cvmm_mem_write(&mem,
						cvmm_mem_gpa_from(DATA_GPA),
						data, data_len),
				 0);
	assert_int_equal(
	    cvmm_kvm_vm_map_regions(g->vm, cvmm_mem_mmap_regions(g->mm), 0), 0);
	assert_int_equal(cvmm_kvm_vcpu_create(g->vm, 0, &g->vcpu), 0);

	assert_int_equal(cvmm_kvm_vcpu_get_sregs(g->vcpu, &sregs), 0);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	assert_int_equal(cvmm_kvm_vcpu_set_sregs(g->vcpu, &sregs), 0);
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 0x2;
	assert_int_equal(cvmm_kvm_vcpu_set_regs(g->vcpu, &regs), 0);
}

static void run_expect(struct guest *g, struct cvmm_kvm_exit *exit,
		       enum cvmm_kvm_exit_type type)
{
	char line[CVMM_KVM_EXIT_MSG_SIZE];
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	struct cvmm_kvm_error err;
	int rc = cvmm_kvm_vcpu_run(g->vcpu, exit);

	if (rc != 0) {
		err = cvmm_kvm_vcpu_last_error(g->vcpu);
		fail_msg("run: %s",
			 cvmm_kvm_error_format(&err, msg, sizeof(msg)));
	}
	if (exit->type != type)
		fail_msg("expected exit type %d, got %s", (int)type,
			 cvmm_kvm_exit_format(exit, line, sizeof(line)));
	printf("# %s\n", cvmm_kvm_exit_format(exit, line, sizeof(line)));
}

/* OUT, OUT word, IN, an MMIO write and read, REP OUTSB, HLT. */
static const uint8_t io_program[] = {
    0xb0, 0x42,		    /* mov $0x42, %al */
    0xe6, 0x10,		    /* out %al, $0x10 */
    0xb8, 0x34, 0x12,	    /* mov $0x1234, %ax */
    0xe7, 0x11,		    /* out %ax, $0x11 */
    0xe4, 0x12,		    /* in $0x12, %al */
    0x88, 0xc3,		    /* mov %al, %bl */
    0xb9, 0x00, 0x20,	    /* mov $0x2000, %cx */
    0x8e, 0xd9,		    /* mov %cx, %ds */
    0x88, 0x1e, 0x10, 0x00, /* mov %bl, (0x10): MMIO write at 0x20010 */
    0x8a, 0x16, 0x20, 0x00, /* mov (0x20), %dl: MMIO read at 0x20020 */
    0x88, 0xd0,		    /* mov %dl, %al */
    0xe6, 0x13,		    /* out %al, $0x13 */
    0x31, 0xc9,		    /* xor %cx, %cx */
    0x8e, 0xd9,		    /* mov %cx, %ds */
    0xbe, 0x00, 0x11,	    /* mov $0x1100, %si */
    0xb9, 0x04, 0x00,	    /* mov $4, %cx */
    0xba, 0x14, 0x00,	    /* mov $0x14, %dx */
    0xf3, 0x6e,		    /* rep outsb */
    0xf4,		    /* hlt */
};

static void real_mode_exits_decode(void **state)
{
	struct cvmm_kvm_exit exit;
	struct guest g;
	char string[8] = {0};
	uint32_t got = 0;
	struct kvm_regs regs;

	(void)state;
	guest_create(&g, io_program, sizeof(io_program), "cvmm", 4);

	run_expect(&g, &exit, CVMM_KVM_EXIT_IO);
	assert_int_equal(exit.reason, KVM_EXIT_IO);
	assert_int_equal(exit.u.io.port, 0x10);
	assert_int_equal(exit.u.io.size, 1);
	assert_int_equal(exit.u.io.dir, CVMM_KVM_IO_OUT);
	assert_int_equal(exit.u.io.count, 1);
	assert_int_equal(exit.u.io.data[0], 0x42);

	run_expect(&g, &exit, CVMM_KVM_EXIT_IO);
	assert_int_equal(exit.u.io.port, 0x11);
	assert_int_equal(exit.u.io.size, 2);
	assert_int_equal(exit.u.io.data[0] | exit.u.io.data[1] << 8, 0x1234);

	run_expect(&g, &exit, CVMM_KVM_EXIT_IO);
	assert_int_equal(exit.u.io.port, 0x12);
	assert_int_equal(exit.u.io.dir, CVMM_KVM_IO_IN);
	assert_int_equal(exit.u.io.size, 1);
	exit.u.io.data[0] = 0x5a; /* what the guest reads */

	run_expect(&g, &exit, CVMM_KVM_EXIT_MMIO);
	assert_true(exit.u.mmio.is_write);
	assert_int_equal(exit.u.mmio.addr, MMIO_BASE + 0x10);
	assert_int_equal(exit.u.mmio.len, 1);
	assert_int_equal(exit.u.mmio.data[0], 0x5a);

	run_expect(&g, &exit, CVMM_KVM_EXIT_MMIO);
	assert_false(exit.u.mmio.is_write);
	assert_int_equal(exit.u.mmio.addr, MMIO_BASE + 0x20);
	assert_int_equal(exit.u.mmio.len, 1);
	exit.u.mmio.data[0] = 0xa7;

	run_expect(&g, &exit, CVMM_KVM_EXIT_IO);
	assert_int_equal(exit.u.io.port, 0x13);
	assert_int_equal(exit.u.io.data[0], 0xa7);

	/* REP OUTSB: KVM may batch the four bytes into one exit or not. */
	while (got < 4) {
		run_expect(&g, &exit, CVMM_KVM_EXIT_IO);
		assert_int_equal(exit.u.io.port, 0x14);
		assert_int_equal(exit.u.io.size, 1);
		assert_int_equal(exit.u.io.dir, CVMM_KVM_IO_OUT);
		assert_true(exit.u.io.count >= 1);
		assert_true(got + exit.u.io.count <= 4);
		memcpy(string + got, exit.u.io.data, exit.u.io.count);
		got += exit.u.io.count;
	}
	assert_string_equal(string, "cvmm");

	run_expect(&g, &exit, CVMM_KVM_EXIT_HLT);
	assert_int_equal(cvmm_kvm_vcpu_get_regs(g.vcpu, &regs), 0);
	assert_int_equal(regs.rip, CODE_GPA + sizeof(io_program));
	assert_int_equal(regs.rbx & 0xff, 0x5a);
	guest_destroy(&g);
}

/* Divide by zero with an empty IVT: #DE, #GP, double fault, shutdown. */
static void triple_fault_is_shutdown(void **state)
{
	static const uint8_t code[] = {
	    0x31, 0xc0, /* xor %ax, %ax */
	    0xf6, 0xf0, /* div %al */
	    0xf4,	/* hlt (never reached) */
	};
	struct cvmm_kvm_exit exit;
	struct kvm_sregs sregs;
	struct guest g;

	(void)state;
	guest_create(&g, code, sizeof(code), NULL, 0);
	assert_int_equal(cvmm_kvm_vcpu_get_sregs(g.vcpu, &sregs), 0);
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	assert_int_equal(cvmm_kvm_vcpu_set_sregs(g.vcpu, &sregs), 0);
	run_expect(&g, &exit, CVMM_KVM_EXIT_SHUTDOWN);
	assert_int_equal(exit.reason, KVM_EXIT_SHUTDOWN);
	guest_destroy(&g);
}

/* An x87 load from MMIO: KVM's emulator has no FLD. */
static void unemulated_instruction_reports_its_bytes(void **state)
{
	static const uint8_t code[] = {
	    0xb9, 0x00, 0x20,	    /* mov $0x2000, %cx */
	    0x8e, 0xd9,		    /* mov %cx, %ds */
	    0xdd, 0x06, 0x10, 0x00, /* fldl (0x10): MMIO at 0x20010 */
	};
	struct cvmm_kvm_exit exit;
	struct guest g;

	(void)state;
	guest_create(&g, code, sizeof(code), NULL, 0);
	run_expect(&g, &exit, CVMM_KVM_EXIT_INTERNAL_ERROR);
	assert_int_equal(exit.u.internal.suberror,
			 KVM_INTERNAL_ERROR_EMULATION);
	/* Kernels before 5.14 give no bytes; this one must. */
	assert_true(exit.u.internal.insn_len >= 4);
	assert_memory_equal(exit.u.internal.insn, code + 5, 4);
	guest_destroy(&g);
}

/* Fetching code where no memory is: an emulation failure, no bytes. */
static void code_outside_memory_is_an_internal_error(void **state)
{
	static const uint8_t code[] = {
	    0xea, 0x00, 0x00, 0x00, 0x20, /* ljmp $0x2000, $0 */
	};
	struct cvmm_kvm_exit exit;
	struct guest g;

	(void)state;
	guest_create(&g, code, sizeof(code), NULL, 0);
	run_expect(&g, &exit, CVMM_KVM_EXIT_INTERNAL_ERROR);
	assert_int_equal(exit.u.internal.suberror,
			 KVM_INTERNAL_ERROR_EMULATION);
	assert_true(exit.u.internal.ndata <= 16);
	guest_destroy(&g);
}

static void immediate_exit_is_intr(void **state)
{
	static const uint8_t code[] = {0xf4};
	struct cvmm_kvm_exit exit;
	struct guest g;

	(void)state;
	guest_create(&g, code, sizeof(code), NULL, 0);
	cvmm_kvm_vcpu_set_immediate_exit(g.vcpu, true);
	run_expect(&g, &exit, CVMM_KVM_EXIT_INTR);
	assert_int_equal(exit.reason, KVM_EXIT_INTR);
	/* The flag was cleared: the next run enters the guest. */
	assert_int_equal(cvmm_kvm_vcpu_run_area(g.vcpu)->immediate_exit, 0);
	run_expect(&g, &exit, CVMM_KVM_EXIT_HLT);
	guest_destroy(&g);
}

/* The kick: a signal whose handler sets immediate_exit. */
static struct cvmm_kvm_vcpu *kicked_vcpu;
static volatile sig_atomic_t kick_requested;

static void kick_handler(int sig)
{
	(void)sig;
	cvmm_kvm_vcpu_set_immediate_exit(kicked_vcpu, true);
}

struct kicker {
	pthread_t target;
	volatile int done;
};

static void *kicker_main(void *arg)
{
	struct kicker *k = arg;

	kick_requested = 1;
	/* Keep kicking until the vCPU thread has seen it; no timing. */
	while (!k->done) {
		pthread_kill(k->target, SIGUSR1);
		sched_yield();
	}
	return NULL;
}

static void signal_kicks_a_spinning_guest(void **state)
{
	static const uint8_t code[] = {0xeb, 0xfe}; /* jmp . */
	struct sigaction sa;
	struct cvmm_kvm_exit exit;
	struct kicker k;
	pthread_t thread;
	struct guest g;

	(void)state;
	guest_create(&g, code, sizeof(code), NULL, 0);
	kicked_vcpu = g.vcpu;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
	k.target = pthread_self();
	k.done = 0;
	assert_int_equal(pthread_create(&thread, NULL, kicker_main, &k), 0);
	run_expect(&g, &exit, CVMM_KVM_EXIT_INTR);
	k.done = 1;
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(kick_requested, 1);
	signal(SIGUSR1, SIG_IGN);
	guest_destroy(&g);
}

/*
 * The whole set-up and one run through the pass-through test KVM, with
 * call n failing: each failure is reported, names an operation, and once
 * everything is destroyed no fd or mapping is left.
 */
static int setup_and_run(struct cvmm_kvm_test *t,
			 const struct cvmm_mem_regions *regions,
			 struct cvmm_kvm_error *failed)
{
	struct cvmm_kvm *kvm = NULL;
	struct cvmm_kvm_vm *vm = NULL;
	struct cvmm_kvm_vcpu *vcpu = NULL;
	struct cvmm_kvm_exit exit;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int rc;

	memset(failed, 0, sizeof(*failed));
	rc = cvmm_kvm_test_open(t, &kvm, failed);
	if (rc != 0)
		return rc;
	rc = cvmm_kvm_vm_create(kvm, &vm);
	if (rc != 0) {
		*failed = cvmm_kvm_last_error(kvm);
		goto out;
	}
	if ((rc = cvmm_kvm_vm_set_tss_addr(vm, 0xfffbd000)) != 0 ||
	    (rc = cvmm_kvm_vm_map_regions(vm, regions, 0)) != 0 ||
	    (rc = cvmm_kvm_vcpu_create(vm, 0, &vcpu)) != 0) {
		*failed = cvmm_kvm_vm_last_error(vm);
		goto out;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	if ((rc = cvmm_kvm_vcpu_get_sregs(vcpu, &sregs)) != 0)
		goto vcpu_failed;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if ((rc = cvmm_kvm_vcpu_set_sregs(vcpu, &sregs)) != 0 ||
	    (rc = cvmm_kvm_vcpu_set_regs(vcpu, &regs)) != 0 ||
	    (rc = cvmm_kvm_vcpu_run(vcpu, &exit)) != 0)
		goto vcpu_failed;
	rc = exit.type == CVMM_KVM_EXIT_HLT ? 0 : -EPROTO;
	goto out;
vcpu_failed:
	*failed = cvmm_kvm_vcpu_last_error(vcpu);
out:
	cvmm_kvm_vcpu_destroy(vcpu);
	cvmm_kvm_vm_destroy(vm);
	cvmm_kvm_close(kvm);
	return rc;
}

static void every_call_failing_in_turn_leaks_nothing(void **state)
{
	const struct cvmm_mem_range layout[] = {
	    {cvmm_mem_gpa_from(0), MEM_SIZE, 0}};
	static const uint8_t hlt[] = {0xf4};
	struct cvmm_mem_mmap *mm;
	struct cvmm_kvm_test *t;
	struct cvmm_kvm_error failed;
	struct cvmm_mem mem;
	uint64_t n;
	int rc;

	(void)state;
	assert_int_equal(cvmm_mem_mmap_create(layout, 1, &mm), 0);
	mem = cvmm_mem_mmap_iface(mm);
	assert_int_equal(
	    cvmm_mem_write(&mem, cvmm_mem_gpa_from(CODE_GPA), hlt, 1), 0);
	assert_int_equal(cvmm_kvm_test_create(CVMM_KVM_TEST_PASSTHROUGH, &t),
			 0);
	for (n = 1;; n++) {
		assert_int_equal(cvmm_kvm_test_fail_nth(t, n, -EIO), 0);
		rc = setup_and_run(t, cvmm_mem_mmap_regions(mm), &failed);
		assert_int_equal(cvmm_kvm_test_open_fds(t), 0);
		assert_int_equal(cvmm_kvm_test_mappings(t), 0);
		if (!cvmm_kvm_test_failure_fired(t))
			break;
		assert_int_equal(rc, -EIO);
		assert_int_equal(failed.err, -EIO);
		assert_int_not_equal(failed.op, CVMM_KVM_OP_NONE);
	}
	assert_int_equal(rc, 0);
	/* open, 2 at open, create VM, TSS, slot, vCPU, mmap, 3 regs, run. */
	assert_int_equal(n, 13);
	cvmm_kvm_test_destroy(t);
	cvmm_mem_mmap_destroy(mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(real_mode_exits_decode),
	    cmocka_unit_test(triple_fault_is_shutdown),
	    cmocka_unit_test(unemulated_instruction_reports_its_bytes),
	    cmocka_unit_test(code_outside_memory_is_an_internal_error),
	    cmocka_unit_test(every_call_failing_in_turn_leaks_nothing),
	    cmocka_unit_test(immediate_exit_is_intr),
	    cmocka_unit_test(signal_kicks_a_spinning_guest),
	};
	struct cvmm_kvm_error err;
	struct cvmm_kvm *kvm;
	struct cvmm_kvm_vm *vm;
	char msg[CVMM_KVM_ERROR_MSG_SIZE];

	if (cvmm_kvm_open(NULL, &kvm, &err) != 0) {
		printf("SKIP: /dev/kvm is unusable: %s\n",
		       cvmm_kvm_error_format(&err, msg, sizeof(msg)));
		return 77;
	}
	if (cvmm_kvm_vm_create(kvm, &vm) != 0) {
		err = cvmm_kvm_last_error(kvm);
		printf("SKIP: /dev/kvm cannot create a VM: %s\n",
		       cvmm_kvm_error_format(&err, msg, sizeof(msg)));
		cvmm_kvm_close(kvm);
		return 77;
	}
	cvmm_kvm_vm_destroy(vm);
	cvmm_kvm_close(kvm);
	return cmocka_run_group_tests_name("kvm on the host's /dev/kvm", tests,
					   NULL, NULL);
}
