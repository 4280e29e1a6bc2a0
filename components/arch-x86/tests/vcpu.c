/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the vCPU helpers against the kvm component's fake
 * /dev/kvm: what reaches the vCPU, refusals before any ioctl, each ioctl
 * failing in turn (reported, and named by the vCPU's last error), and the
 * one allocation failing.
 */
#include <cvmm/kvm-test.h>
#include <cvmm/x86-vcpu.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc-fail.h"
#include "tables.h"

struct fixture {
	struct cvmm_kvm_test *t;
	struct cvmm_kvm *kvm;
	struct cvmm_kvm_vm *vm;
	struct cvmm_kvm_vcpu *vcpu;
	struct cvmm_x86_cpuid base;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(cvmm_kvm_test_create(CVMM_KVM_TEST_FAKE, &f->t), 0);
	assert_int_equal(cvmm_kvm_test_open(f->t, &f->kvm, NULL), 0);
	assert_int_equal(cvmm_kvm_vm_create(f->kvm, &f->vm), 0);
	assert_int_equal(cvmm_kvm_vm_create_irqchip(f->vm), 0);
	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 1, &f->vcpu), 0);
	intel_table(&f->base);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cvmm_kvm_vcpu_destroy(f->vcpu);
	cvmm_kvm_vm_destroy(f->vm);
	cvmm_kvm_close(f->kvm);
	assert_int_equal(cvmm_kvm_test_open_fds(f->t), 0);
	cvmm_kvm_test_destroy(f->t);
	free(f);
	return 0;
}

static const struct cvmm_kvm_test_vcpu *vcpu_state(struct fixture *f)
{
	const struct cvmm_kvm_test_vcpu *s =
	    cvmm_kvm_test_vcpu_state(f->t, cvmm_kvm_vcpu_fd(f->vcpu));

	assert_non_null(s);
	return s;
}

static const struct kvm_cpuid_entry2 *held(struct fixture *f, uint32_t function,
					   uint32_t index)
{
	const struct cvmm_kvm_test_vcpu *s = vcpu_state(f);

	for (unsigned i = 0; i < s->ncpuid; i++) {
		const struct kvm_cpuid_entry2 *e = &s->cpuid[i];

		if (e->function == function &&
		    ((e->flags & SIG) == 0 || e->index == index))
			return e;
	}
	fail_msg("vCPU has no CPUID %#x.%u", function, index);
	return NULL;
}

static enum cvmm_kvm_op last_op(struct fixture *f)
{
	return cvmm_kvm_vcpu_last_error(f->vcpu).op;
}

static void cpuid_tables(void **state)
{
	struct fixture *f = *state;
	const struct cvmm_x86_topology topo = {2, 1};
	struct cvmm_x86_template t;

	assert_int_equal(cvmm_x86_vcpu_set_cpuid(f->vcpu, &f->base), 0);
	assert_int_equal(vcpu_state(f)->ncpuid, f->base.count);
	assert_memory_equal(vcpu_state(f)->cpuid, f->base.entries,
			    f->base.count * sizeof(f->base.entries[0]));

	assert_int_equal(cvmm_x86_template_parse("no-avx2", &t, NULL, 0), 0);
	assert_int_equal(
	    cvmm_x86_vcpu_setup_cpuid(f->vcpu, &f->base, &topo, &t), 0);
	/* Normalized for vCPU 1 (its KVM id), then masked. */
	assert_int_equal(held(f, 1, 0)->ebx >> 24, 1);
	assert_int_equal(held(f, 0xb, 1)->edx, 1);
	assert_int_equal(held(f, 7, 0)->ebx & (1u << 5), 0);
	assert_true((held(f, 7, 0)->ebx & (1u << 3)) != 0);
	/* The base is the caller's and stays as it was. */
	assert_int_equal(cvmm_x86_cpuid_get(&f->base, 1, 0)->ebx, 0x12010800);
	assert_int_equal(
	    cvmm_x86_vcpu_setup_cpuid(f->vcpu, &f->base, &topo, NULL), 0);
	assert_true((held(f, 7, 0)->ebx & (1u << 5)) != 0);
}

static void cpuid_refusals(void **state)
{
	struct fixture *f = *state;
	const struct cvmm_x86_topology one = {1, 1};
	const struct cvmm_x86_topology two = {2, 1};
	uint64_t calls = cvmm_kvm_test_calls(f->t);

	/* vCPU 1 in a one-vCPU topology: refused before any ioctl. */
	assert_int_equal(
	    cvmm_x86_vcpu_setup_cpuid(f->vcpu, &f->base, &one, NULL), -ERANGE);
	assert_int_equal(cvmm_kvm_test_calls(f->t), calls);
	cvmm_alloc_fail_nth(1);
	assert_int_equal(
	    cvmm_x86_vcpu_setup_cpuid(f->vcpu, &f->base, &two, NULL), -ENOMEM);
	assert_true(cvmm_alloc_fail_fired());
	cvmm_alloc_fail_nth(0);
	assert_int_equal(cvmm_kvm_test_calls(f->t), calls);
	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 1, -E2BIG), 0);
	assert_int_equal(
	    cvmm_x86_vcpu_setup_cpuid(f->vcpu, &f->base, &two, NULL), -E2BIG);
	assert_int_equal(last_op(f), CVMM_KVM_OP_SET_CPUID2);
}

static void boot_msrs(void **state)
{
	struct fixture *f = *state;
	struct kvm_msr_entry m[CVMM_X86_BOOT_MSR_COUNT];
	const uint32_t without_mtrr[] = {
	    0x10,	0x174,	    0x175,	0x176,	    0x1a0,
	    0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102};
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	struct cvmm_kvm_error e;
	uint64_t v;

	assert_int_equal(cvmm_x86_vcpu_set_boot_msrs(f->vcpu), 0);
	cvmm_x86_boot_msrs(m);
	for (unsigned i = 0; i < CVMM_X86_BOOT_MSR_COUNT; i++) {
		assert_true(cvmm_kvm_test_vcpu_msr(
		    f->t, cvmm_kvm_vcpu_fd(f->vcpu), m[i].index, &v));
		assert_int_equal(v, m[i].data);
	}
	/* A kernel that refuses one: the error names it. */
	assert_int_equal(
	    cvmm_kvm_test_set_msr_index_list(f->t, without_mtrr, 10, false), 0);
	assert_int_equal(cvmm_x86_vcpu_set_boot_msrs(f->vcpu), -EIO);
	e = cvmm_kvm_vcpu_last_error(f->vcpu);
	assert_string_equal(cvmm_kvm_error_format(&e, msg, sizeof(msg)),
			    "KVM_SET_MSRS: MSR 0x2ff refused: Input/output "
			    "error");
}

static void lint(void **state)
{
	struct fixture *f = *state;
	const struct kvm_lapic_state *l = &vcpu_state(f)->lapic;
	uint32_t v;

	assert_int_equal(cvmm_x86_vcpu_set_lint(f->vcpu), 0);
	memcpy(&v, &l->regs[CVMM_X86_APIC_LVT0], 4);
	assert_int_equal(v, 0x700);
	memcpy(&v, &l->regs[CVMM_X86_APIC_LVT1], 4);
	assert_int_equal(v, 0x400);
	for (uint64_t n = 1; n <= 2; n++) {
		assert_int_equal(cvmm_kvm_test_fail_nth(f->t, n, -ENXIO), 0);
		assert_int_equal(cvmm_x86_vcpu_set_lint(f->vcpu), -ENXIO);
		assert_int_equal(last_op(f), n == 1 ? CVMM_KVM_OP_GET_LAPIC
						    : CVMM_KVM_OP_SET_LAPIC);
	}
}

static void boot_linux64_and_pvh(void **state)
{
	struct fixture *f = *state;
	const struct cvmm_kvm_test_vcpu *s;

	assert_int_equal(cvmm_x86_vcpu_boot(f->vcpu, CVMM_X86_BOOT_LINUX64,
					    0x1000000, 0x7000),
			 0);
	s = vcpu_state(f);
	assert_int_equal(s->regs.rip, 0x1000000);
	assert_int_equal(s->regs.rsi, 0x7000);
	assert_int_equal(s->regs.rsp, CVMM_X86_BOOT_STACK);
	assert_int_equal(s->sregs.cs.selector, CVMM_X86_SEL_CODE);
	assert_int_equal(s->sregs.cs.l, 1);
	assert_int_equal(s->sregs.cr3, CVMM_X86_PML4_ADDR);
	assert_int_equal(s->sregs.efer & 0x500, 0x500);
	/* Kept from the vCPU's own state. */
	assert_int_equal(s->sregs.apic_base, 0xfee00800);
	assert_int_equal(s->fpu.fcw, 0x37f);

	assert_int_equal(
	    cvmm_x86_vcpu_boot(f->vcpu, CVMM_X86_BOOT_PVH, 0x1000000, 0x6000),
	    0);
	assert_int_equal(s->regs.rip, 0x1000000);
	assert_int_equal(s->regs.rbx, 0x6000);
	assert_int_equal(s->regs.rsi, 0);
	assert_int_equal(s->sregs.cs.db, 1);
	assert_int_equal(s->sregs.cs.l, 0);
	assert_int_equal(s->sregs.cr0, 0x11);
	assert_int_equal(s->sregs.efer, 0);
}

static void boot_refusals_and_failures(void **state)
{
	struct fixture *f = *state;
	static const enum cvmm_kvm_op ops[] = {
	    CVMM_KVM_OP_GET_SREGS, CVMM_KVM_OP_SET_SREGS, CVMM_KVM_OP_SET_REGS,
	    CVMM_KVM_OP_SET_FPU};
	uint64_t calls = cvmm_kvm_test_calls(f->t);
	uint64_t n;
	int rc;

	assert_int_equal(
	    cvmm_x86_vcpu_boot(f->vcpu, (enum cvmm_x86_boot_mode)9, 0, 0),
	    -EINVAL);
	assert_int_equal(
	    cvmm_x86_vcpu_boot(f->vcpu, CVMM_X86_BOOT_PVH, 1ull << 32, 0x6000),
	    -ERANGE);
	assert_int_equal(cvmm_kvm_test_calls(f->t), calls);
	for (n = 1;; n++) {
		assert_int_equal(cvmm_kvm_test_fail_nth(f->t, n, -EFAULT), 0);
		rc = cvmm_x86_vcpu_boot(f->vcpu, CVMM_X86_BOOT_LINUX64,
					0x100000, 0x7000);
		if (!cvmm_kvm_test_failure_fired(f->t))
			break;
		assert_int_equal(rc, -EFAULT);
		assert_int_equal(last_op(f), ops[n - 1]);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 5);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(cpuid_tables),
	    T(cpuid_refusals),
	    T(boot_msrs),
	    T(lint),
	    T(boot_linux64_and_pvh),
	    T(boot_refusals_and_failures),
	};
#undef T

	return cmocka_run_group_tests_name("arch-x86 vCPU helpers", tests, NULL,
					   NULL);
}
