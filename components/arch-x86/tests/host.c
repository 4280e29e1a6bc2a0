/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration tests on the host's /dev/kvm: the state arch-x86 builds is
 * what real KVM accepts and what a guest sees. A 64-bit guest entered by
 * the Linux boot protocol reads CPUID (APIC ID, hypervisor bit, a feature
 * masked by a template, the x2APIC ID), uses its stack and reports its
 * registers over port I/O; a 32-bit guest entered by PVH does the same for
 * its entry state. Skips (exit 77, with the reason) without a usable
 * /dev/kvm.
 */
#define _GNU_SOURCE
#include <cvmm/kvm-exit.h>
#include <cvmm/mem-mmap.h>
#include <cvmm/x86-vcpu.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define RAM_SIZE  (2u << 20)
#define ENTRY	  0x100000u
#define BOOT_INFO 0x7000u

struct guest {
	struct cvmm_kvm *kvm;
	struct cvmm_kvm_vm *vm;
	struct cvmm_kvm_vcpu *vcpu;
	struct cvmm_mem_mmap *mm;
	struct cvmm_mem mem;
};

static const char *kvm_message(struct cvmm_kvm_error e)
{
	static char buf[CVMM_KVM_ERROR_MSG_SIZE];

	return cvmm_kvm_error_format(&e, buf, sizeof(buf));
}

/* A VM with 2 MiB of RAM at 0 and one vCPU with the given id. */
static void guest_create(struct guest *g, uint32_t id, bool irqchip)
{
	const struct cvmm_mem_range ram = {cvmm_mem_gpa_from(0), RAM_SIZE, 0};

	memset(g, 0, sizeof(*g));
	assert_int_equal(cvmm_kvm_open(NULL, &g->kvm, NULL), 0);
	assert_int_equal(cvmm_kvm_vm_create(g->kvm, &g->vm), 0);
	assert_int_equal(cvmm_kvm_vm_set_tss_addr(g->vm, 0xfffbd000), 0);
	if (irqchip)
		assert_int_equal(cvmm_kvm_vm_create_irqchip(g->vm), 0);
	assert_int_equal(cvmm_mem_mmap_create(&ram, 1, &g->mm), 0);
	g->mem = cvmm_mem_mmap_iface(g->mm);
	assert_int_equal(
	    cvmm_kvm_vm_map_regions(g->vm, cvmm_mem_mmap_regions(g->mm), 0), 0);
	assert_int_equal(cvmm_kvm_vcpu_create(g->vm, id, &g->vcpu), 0);
}

static void guest_destroy(struct guest *g)
{
	cvmm_kvm_vcpu_destroy(g->vcpu);
	cvmm_kvm_vm_destroy(g->vm);
	cvmm_kvm_close(g->kvm);
	cvmm_mem_mmap_destroy(g->mm);
}

/* The table KVM supports, as arch-x86 holds it. */
static void supported(struct guest *g, struct cvmm_x86_cpuid *c)
{
	struct kvm_cpuid2 *k;

	assert_int_equal(cvmm_kvm_get_supported_cpuid(g->kvm, &k), 0);
	assert_int_equal(cvmm_x86_cpuid_from_kvm(c, k), 0);
	free(k);
}

/* Run until the next OUT of 4 bytes to port; return the value. */
static uint32_t expect_out(struct guest *g, uint16_t port)
{
	char line[CVMM_KVM_EXIT_MSG_SIZE];
	struct cvmm_kvm_exit exit;
	uint32_t v;

	if (cvmm_kvm_vcpu_run(g->vcpu, &exit) != 0)
		fail_msg("run: %s",
			 kvm_message(cvmm_kvm_vcpu_last_error(g->vcpu)));
	if (exit.type != CVMM_KVM_EXIT_IO || exit.u.io.port != port ||
	    exit.u.io.size != 4 || exit.u.io.dir != CVMM_KVM_IO_OUT)
		fail_msg("expected OUT to port %#x, got %s", port,
			 cvmm_kvm_exit_format(&exit, line, sizeof(line)));
	memcpy(&v, exit.u.io.data, 4);
	printf("# port %#x: %#x\n", port, v);
	return v;
}

static void expect_hlt(struct guest *g)
{
	char line[CVMM_KVM_EXIT_MSG_SIZE];
	struct cvmm_kvm_exit exit;

	assert_int_equal(cvmm_kvm_vcpu_run(g->vcpu, &exit), 0);
	if (exit.type != CVMM_KVM_EXIT_HLT)
		fail_msg("expected HLT, got %s",
			 cvmm_kvm_exit_format(&exit, line, sizeof(line)));
}

static void linux64_entry_runs_with_normalized_cpuid(void **state)
{
	static const uint8_t code[] = {
	    0xb8, 0x01, 0x00, 0x00, 0x00, /* mov $1, %eax */
	    0x0f, 0xa2,			  /* cpuid */
	    0x89, 0xd8, 0xe7, 0x10,	  /* out %ebx -> 0x10 */
	    0x89, 0xc8, 0xe7, 0x11,	  /* out %ecx -> 0x11 */
	    0xb8, 0x0b, 0x00, 0x00, 0x00, /* mov $0xb, %eax */
	    0x31, 0xc9,			  /* xor %ecx, %ecx */
	    0x0f, 0xa2,			  /* cpuid */
	    0x89, 0xd0, 0xe7, 0x12,	  /* out %edx -> 0x12 */
	    0x68, 0x34, 0x12, 0x00, 0x00, /* push $0x1234 */
	    0x58, 0xe7, 0x13,		  /* pop %rax; out -> 0x13 */
	    0x48, 0x89, 0xf0, 0xe7, 0x14, /* out %rsi -> 0x14 */
	    0x8c, 0xc8, 0xe7, 0x15,	  /* out %cs -> 0x15 */
	    0x48, 0xb8, 0x89, 0x67, 0x45,
	    0x23, 0x01, 0x00, 0x00, 0x00, /* movabs $0x123456789, %rax */
	    0x48, 0xc1, 0xe8, 0x04,	  /* shr $4, %rax */
	    0xe7, 0x16,			  /* out -> 0x16 */
	    0x0f, 0x20, 0xc0,		  /* mov %cr0, %rax */
	    0xe7, 0x17,			  /* out -> 0x17 */
	    0xf4,			  /* hlt */
	};
	const struct cvmm_x86_topology topo = {2, 1};
	struct cvmm_x86_template tmpl;
	struct cvmm_x86_cpuid *base = malloc(sizeof(*base));
	struct kvm_msr_entry msrs[CVMM_X86_BOOT_MSR_COUNT];
	struct guest g;
	uint32_t ebx;
	uint32_t ecx;
	bool x2apic;

	(void)state;
	assert_non_null(base);
	guest_create(&g, 1, false);
	supported(&g, base);
	x2apic = cvmm_x86_cpuid_has(base, cvmm_x86_feature_find("x2apic"));
	assert_int_equal(cvmm_x86_template_parse("no-x2apic", &tmpl, NULL, 0),
			 0);
	assert_int_equal(
	    cvmm_x86_write_boot_tables(&g.mem, CVMM_X86_BOOT_LINUX64,
				       CVMM_X86_IDENTITY_MAP_DEFAULT),
	    0);
	assert_int_equal(cvmm_mem_write(&g.mem, cvmm_mem_gpa_from(ENTRY), code,
					sizeof(code)),
			 0);
	assert_int_equal(cvmm_x86_vcpu_setup_cpuid(g.vcpu, base, &topo, &tmpl),
			 0);
	if (cvmm_x86_vcpu_set_boot_msrs(g.vcpu) != 0)
		fail_msg("%s", kvm_message(cvmm_kvm_vcpu_last_error(g.vcpu)));
	assert_int_equal(
	    cvmm_x86_vcpu_boot(g.vcpu, CVMM_X86_BOOT_LINUX64, ENTRY, BOOT_INFO),
	    0);

	/* KVM kept the boot MSRs. */
	cvmm_x86_boot_msrs(msrs);
	for (unsigned i = 0; i < CVMM_X86_BOOT_MSR_COUNT; i++)
		msrs[i].data = 0xdead;
	assert_int_equal(
	    cvmm_kvm_vcpu_get_msrs(g.vcpu, msrs, CVMM_X86_BOOT_MSR_COUNT), 0);
	assert_int_equal(msrs[9].index, CVMM_X86_MSR_IA32_MISC_ENABLE);
	assert_true((msrs[9].data & CVMM_X86_MISC_ENABLE_FAST_STRING) != 0);
	assert_int_equal(msrs[10].data, CVMM_X86_MTRR_DEF_TYPE_BOOT);
	assert_int_equal(msrs[0].data, 0);

	ebx = expect_out(&g, 0x10);
	assert_int_equal(ebx >> 24, 1);		 /* APIC ID of vCPU 1 */
	assert_int_equal((ebx >> 16) & 0xff, 2); /* 2 logical processors */
	assert_int_equal((ebx >> 8) & 0xff, 8);	 /* CLFLUSH 64 bytes */
	ecx = expect_out(&g, 0x11);
	assert_true((ecx & (1u << 31)) != 0);  /* hypervisor */
	assert_int_equal(ecx & (1u << 21), 0); /* x2apic masked */
	printf("# host supports x2apic: %s\n", x2apic ? "yes" : "no");
	assert_int_equal(expect_out(&g, 0x12), 1); /* x2APIC ID */
	assert_int_equal(expect_out(&g, 0x13), 0x1234);
	assert_int_equal(expect_out(&g, 0x14), BOOT_INFO);
	assert_int_equal(expect_out(&g, 0x15), CVMM_X86_SEL_CODE);
	assert_int_equal(expect_out(&g, 0x16), 0x12345678);
	assert_int_equal(expect_out(&g, 0x17) & 0xe0000011u,
			 0x80000011u); /* PG, ET, PE; no CD, NW */
	expect_hlt(&g);
	free(base);
	guest_destroy(&g);
}

static void pvh_entry_runs_32bit_code(void **state)
{
	static const uint8_t code[] = {
	    0x89, 0xd8, 0xe7, 0x20,	  /* out %ebx -> 0x20 */
	    0x8c, 0xc8, 0xe7, 0x21,	  /* out %cs -> 0x21 */
	    0xb8, 0x78, 0x56, 0x34, 0x12, /* mov $0x12345678, %eax */
	    0xe7, 0x22,			  /* out -> 0x22 */
	    0x0f, 0x20, 0xc0, 0xe7, 0x23, /* out %cr0 -> 0x23 */
	    0x8c, 0xd8, 0xe7, 0x24,	  /* out %ds -> 0x24 */
	    0xf4,			  /* hlt */
	};
	struct kvm_sregs sregs;
	struct guest g;

	(void)state;
	guest_create(&g, 0, false);
	assert_int_equal(
	    cvmm_x86_write_boot_tables(&g.mem, CVMM_X86_BOOT_PVH, 0), 0);
	assert_int_equal(cvmm_mem_write(&g.mem, cvmm_mem_gpa_from(ENTRY), code,
					sizeof(code)),
			 0);
	assert_int_equal(cvmm_x86_vcpu_boot(g.vcpu, CVMM_X86_BOOT_PVH, ENTRY,
					    CVMM_X86_PVH_START_INFO_ADDR),
			 0);
	/* KVM took the state as given. */
	assert_int_equal(cvmm_kvm_vcpu_get_sregs(g.vcpu, &sregs), 0);
	assert_int_equal(sregs.cs.selector, CVMM_X86_SEL_CODE);
	assert_int_equal(sregs.cs.db, 1);
	assert_int_equal(sregs.cs.l, 0);
	assert_int_equal(sregs.cs.limit, 0xffffffff);
	assert_int_equal(sregs.tr.selector, CVMM_X86_SEL_TSS);
	assert_int_equal(sregs.efer, 0);

	assert_int_equal(expect_out(&g, 0x20), CVMM_X86_PVH_START_INFO_ADDR);
	assert_int_equal(expect_out(&g, 0x21), CVMM_X86_SEL_CODE);
	assert_int_equal(expect_out(&g, 0x22), 0x12345678);
	assert_int_equal(expect_out(&g, 0x23) & 0xe0000011u, 0x11);
	assert_int_equal(expect_out(&g, 0x24), CVMM_X86_SEL_DATA);
	expect_hlt(&g);
	guest_destroy(&g);
}

static void every_vcpu_table_is_accepted(void **state)
{
	const struct cvmm_x86_topology topos[] = {{1, 1}, {4, 1}, {5, 2}};
	struct cvmm_x86_cpuid *base = malloc(sizeof(*base));
	struct cvmm_x86_cpuid *c = malloc(sizeof(*c));
	static struct kvm_cpuid_entry2 back[CVMM_X86_CPUID_MAX];
	struct cvmm_x86_template t2;
	char vendor[13];
	size_t n;

	(void)state;
	assert_non_null(base);
	assert_non_null(c);
	assert_int_equal(cvmm_x86_template_parse("T2-like", &t2, NULL, 0), 0);
	for (size_t k = 0; k < sizeof(topos) / sizeof(topos[0]); k++) {
		for (uint32_t i = 0; i < topos[k].vcpus; i++) {
			struct guest g;

			guest_create(&g, i, true);
			supported(&g, base);
			*c = *base;
			assert_int_equal(
			    cvmm_x86_cpuid_normalize(c, &topos[k], i), 0);
			cvmm_x86_template_apply(&t2, c);
			if (cvmm_x86_vcpu_set_cpuid(g.vcpu, c) != 0)
				fail_msg("%s",
					 kvm_message(
					     cvmm_kvm_vcpu_last_error(g.vcpu)));
			assert_int_equal(
			    cvmm_kvm_vcpu_get_cpuid2(g.vcpu, back,
						     CVMM_X86_CPUID_MAX, &n),
			    0);
			assert_int_equal(n, c->count);
			/* The APIC ID KVM will report is ours. */
			for (size_t e = 0; e < n; e++) {
				if (back[e].function == 1)
					assert_int_equal(back[e].ebx >> 24, i);
			}
			assert_int_equal(cvmm_x86_vcpu_set_boot_msrs(g.vcpu),
					 0);
			assert_int_equal(cvmm_x86_vcpu_set_lint(g.vcpu), 0);
			guest_destroy(&g);
		}
	}
	cvmm_x86_cpuid_vendor_string(base, vendor);
	printf("# host vendor %s, %u supported CPUID entries\n", vendor,
	       base->count);
	free(base);
	free(c);
}

static void lint_reaches_the_lapic(void **state)
{
	struct kvm_lapic_state lapic;
	struct guest g;
	uint32_t lvt0;
	uint32_t lvt1;

	(void)state;
	guest_create(&g, 0, true);
	assert_int_equal(cvmm_x86_vcpu_set_lint(g.vcpu), 0);
	assert_int_equal(cvmm_kvm_vcpu_get_lapic(g.vcpu, &lapic), 0);
	memcpy(&lvt0, &lapic.regs[CVMM_X86_APIC_LVT0], 4);
	memcpy(&lvt1, &lapic.regs[CVMM_X86_APIC_LVT1], 4);
	assert_int_equal((lvt0 >> 8) & 7, CVMM_X86_APIC_MODE_EXTINT);
	assert_int_equal((lvt1 >> 8) & 7, CVMM_X86_APIC_MODE_NMI);
	guest_destroy(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(linux64_entry_runs_with_normalized_cpuid),
	    cmocka_unit_test(pvh_entry_runs_32bit_code),
	    cmocka_unit_test(every_vcpu_table_is_accepted),
	    cmocka_unit_test(lint_reaches_the_lapic),
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
	return cmocka_run_group_tests_name("arch-x86 on the host's /dev/kvm",
					   tests, NULL, NULL);
}
