/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the entry state: descriptor encoding and decoding, the
 * special and general registers of both protocols, FPU, MSRs, LAPIC lines,
 * and the tables in guest memory, written on 1-byte regions with each
 * guest-memory operation failing in turn.
 */
#include <cvmm/mem-test.h>
#include <cvmm/x86-boot.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define GIB (1ull << 30)
#define MIB (1ull << 20)

static void descriptors(void **state)
{
	struct kvm_segment s;

	(void)state;
	/* The encodings every x86 VMM writes (Firecracker's tests agree). */
	assert_int_equal(cvmm_x86_gdt_entry(0xa09b, 0, 0xfffff),
			 0x00af9b000000ffffull);
	assert_int_equal(cvmm_x86_gdt_entry(0xc093, 0, 0xfffff),
			 0x00cf93000000ffffull);
	assert_int_equal(cvmm_x86_gdt_entry(0x808b, 0, 0xfffff),
			 0x008f8b000000ffffull);
	assert_int_equal(cvmm_x86_gdt_entry(0x008b, 0, 0x67),
			 0x00008b0000000067ull);
	/* Base and limit split across the descriptor; bits 11..8 of flags
	 * and 31..20 of limit dropped. */
	assert_int_equal(cvmm_x86_gdt_entry(0xcf93, 0x12345678, 0xfffabcde),
			 0x12ca93345678bcdeull);

	cvmm_x86_segment_from_gdt(0x12ca93345678bcdeull, 3, &s);
	assert_int_equal(s.base, 0x12345678);
	assert_int_equal(s.limit, 0xabcdefff);
	assert_int_equal(s.selector, 0x18);
	assert_int_equal(s.type, 3);
	assert_int_equal(s.s, 1);
	assert_int_equal(s.dpl, 0);
	assert_int_equal(s.present, 1);
	assert_int_equal(s.avl, 0);
	assert_int_equal(s.l, 0);
	assert_int_equal(s.db, 1);
	assert_int_equal(s.g, 1);
	assert_int_equal(s.unusable, 0);
	/* Every attribute bit set, byte granularity; then not present. */
	cvmm_x86_segment_from_gdt(cvmm_x86_gdt_entry(0x30ff, 0, 0x1234), 5, &s);
	assert_int_equal(s.limit, 0x1234);
	assert_int_equal(s.type, 0xf);
	assert_int_equal(s.dpl, 3);
	assert_int_equal(s.avl, 1);
	assert_int_equal(s.l, 1);
	assert_int_equal(s.db, 0);
	assert_int_equal(s.g, 0);
	assert_int_equal(s.selector, 0x28);
	cvmm_x86_segment_from_gdt(cvmm_x86_gdt_entry(0x0013, 0, 0), 1, &s);
	assert_int_equal(s.present, 0);
	assert_int_equal(s.unusable, 1);
}

static void boot_gdts(void **state)
{
	uint64_t gdt[CVMM_X86_GDT_ENTRIES];

	(void)state;
	assert_int_equal(cvmm_x86_boot_gdt(CVMM_X86_BOOT_LINUX64, gdt), 0);
	assert_int_equal(gdt[0], 0);
	assert_int_equal(gdt[1], 0);
	assert_int_equal(gdt[2], 0x00af9b000000ffffull);
	assert_int_equal(gdt[3], 0x00cf93000000ffffull);
	assert_int_equal(gdt[4], 0x00008b0000000067ull);
	assert_int_equal(gdt[5], 0);
	assert_int_equal(cvmm_x86_boot_gdt(CVMM_X86_BOOT_PVH, gdt), 0);
	assert_int_equal(gdt[2], 0x00cf9b000000ffffull);
	assert_int_equal(gdt[3], 0x00cf93000000ffffull);
	assert_int_equal(cvmm_x86_boot_gdt((enum cvmm_x86_boot_mode)0, gdt),
			 -EINVAL);
}

/* Special registers as KVM_GET_SREGS returns them after reset. */
static void reset_sregs(struct kvm_sregs *s)
{
	memset(s, 0, sizeof(*s));
	s->cr0 = 0x60000010;
	s->cr4 = 0x40; /* something to keep in long mode */
	s->efer = 0x800;
	s->apic_base = 0xfee00900;
	s->interrupt_bitmap[1] = 0x1234;
	s->ldt.limit = 0xffff;
	s->ldt.type = 2;
	s->ldt.present = 1;
	s->cs.selector = 0xf000;
	s->cs.base = 0xffff0000;
}

static void expect_data(const struct kvm_segment *d)
{
	assert_int_equal(d->selector, CVMM_X86_SEL_DATA);
	assert_int_equal(d->base, 0);
	assert_int_equal(d->limit, 0xffffffff);
	assert_int_equal(d->type, 3);
	assert_int_equal(d->s, 1);
	assert_int_equal(d->present, 1);
	assert_int_equal(d->db, 1);
	assert_int_equal(d->g, 1);
	assert_int_equal(d->l, 0);
}

static void linux64_sregs(void **state)
{
	struct kvm_sregs s;

	(void)state;
	reset_sregs(&s);
	assert_int_equal(cvmm_x86_boot_sregs(CVMM_X86_BOOT_LINUX64, &s), 0);
	assert_int_equal(s.cs.selector, CVMM_X86_SEL_CODE);
	assert_int_equal(s.cs.base, 0);
	assert_int_equal(s.cs.type, 0xb);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.cs.present, 1);
	expect_data(&s.ds);
	expect_data(&s.es);
	expect_data(&s.fs);
	expect_data(&s.gs);
	expect_data(&s.ss);
	assert_int_equal(s.tr.selector, CVMM_X86_SEL_TSS);
	assert_int_equal(s.tr.type, 0xb);
	assert_int_equal(s.tr.s, 0);
	assert_int_equal(s.tr.limit, 0x67);
	assert_int_equal(s.tr.g, 0);
	assert_int_equal(s.gdt.base, CVMM_X86_GDT_ADDR);
	assert_int_equal(s.gdt.limit, 8 * CVMM_X86_GDT_ENTRIES - 1);
	assert_int_equal(s.idt.base, CVMM_X86_IDT_ADDR);
	assert_int_equal(s.idt.limit, CVMM_X86_IDT_SIZE - 1);
	/* PE, ET, PG; CD and NW cleared. */
	assert_int_equal(s.cr0, 0x80000011);
	assert_int_equal(s.cr3, CVMM_X86_PML4_ADDR);
	assert_int_equal(s.cr4, 0x60);
	assert_int_equal(s.efer, 0xd00);
	/* Kept. */
	assert_int_equal(s.apic_base, 0xfee00900);
	assert_int_equal(s.interrupt_bitmap[1], 0x1234);
	assert_int_equal(s.ldt.limit, 0xffff);
}

static void pvh_sregs(void **state)
{
	struct kvm_sregs s;
	struct kvm_sregs before;

	(void)state;
	reset_sregs(&s);
	assert_int_equal(cvmm_x86_boot_sregs(CVMM_X86_BOOT_PVH, &s), 0);
	assert_int_equal(s.cs.selector, CVMM_X86_SEL_CODE);
	assert_int_equal(s.cs.limit, 0xffffffff);
	assert_int_equal(s.cs.type, 0xb);
	assert_int_equal(s.cs.db, 1);
	assert_int_equal(s.cs.l, 0);
	expect_data(&s.ss);
	expect_data(&s.ds);
	assert_int_equal(s.tr.type, 0xb);
	assert_int_equal(s.tr.limit, 0x67);
	assert_int_equal(s.cr0, 0x11);
	assert_int_equal(s.cr3, 0);
	assert_int_equal(s.cr4, 0);
	assert_int_equal(s.efer, 0);
	assert_int_equal(s.apic_base, 0xfee00900);

	reset_sregs(&s);
	before = s;
	assert_int_equal(cvmm_x86_boot_sregs((enum cvmm_x86_boot_mode)7, &s),
			 -EINVAL);
	assert_memory_equal(&s, &before, sizeof(s));
}

static void general_registers_fpu_msrs(void **state)
{
	struct kvm_regs r;
	struct kvm_regs zero;
	struct kvm_fpu fpu;
	struct kvm_msr_entry m[CVMM_X86_BOOT_MSR_COUNT];
	static const uint32_t idx[CVMM_X86_BOOT_MSR_COUNT] = {
	    0x174,	0x175,	    0x176, 0xc0000081, 0xc0000083, 0xc0000102,
	    0xc0000084, 0xc0000082, 0x10,  0x1a0,      0x2ff};

	(void)state;
	memset(&r, 0xff, sizeof(r));
	cvmm_x86_boot_regs_linux64(&r, 0x1000000, 0x7000);
	assert_int_equal(r.rip, 0x1000000);
	assert_int_equal(r.rsi, 0x7000);
	assert_int_equal(r.rsp, CVMM_X86_BOOT_STACK);
	assert_int_equal(r.rbp, CVMM_X86_BOOT_STACK);
	assert_int_equal(r.rflags, 2);
	memset(&zero, 0, sizeof(zero));
	r.rip = r.rsi = r.rsp = r.rbp = r.rflags = 0;
	assert_memory_equal(&r, &zero, sizeof(r));

	memset(&r, 0xff, sizeof(r));
	assert_int_equal(cvmm_x86_boot_regs_pvh(&r, 0x1000000, 0x6000), 0);
	assert_int_equal(r.rip, 0x1000000);
	assert_int_equal(r.rbx, 0x6000);
	assert_int_equal(r.rflags, 2);
	r.rip = r.rbx = r.rflags = 0;
	assert_memory_equal(&r, &zero, sizeof(r));
	assert_int_equal(cvmm_x86_boot_regs_pvh(&r, 0xffffffff, 0xffffffff), 0);
	memset(&r, 0x33, sizeof(r));
	assert_int_equal(cvmm_x86_boot_regs_pvh(&r, 1ull << 32, 0), -ERANGE);
	assert_int_equal(cvmm_x86_boot_regs_pvh(&r, 0, 1ull << 32), -ERANGE);
	assert_int_equal(r.rip, 0x3333333333333333ull);

	memset(&fpu, 0xff, sizeof(fpu));
	cvmm_x86_boot_fpu(&fpu);
	assert_int_equal(fpu.fcw, 0x37f);
	assert_int_equal(fpu.mxcsr, 0x1f80);
	assert_int_equal(fpu.fsw, 0);
	assert_int_equal(fpu.ftwx, 0);

	memset(m, 0xff, sizeof(m));
	cvmm_x86_boot_msrs(m);
	for (unsigned i = 0; i < CVMM_X86_BOOT_MSR_COUNT; i++) {
		assert_int_equal(m[i].index, idx[i]);
		assert_int_equal(m[i].reserved, 0);
		if (i < 9)
			assert_int_equal(m[i].data, 0);
	}
	assert_int_equal(m[9].data, 1);
	assert_int_equal(m[10].data, 0x806);
}

static uint32_t lvt(const struct kvm_lapic_state *l, unsigned reg)
{
	uint32_t v;

	memcpy(&v, &l->regs[reg], 4);
	return v;
}

static void lapic_lines(void **state)
{
	struct kvm_lapic_state l;
	struct kvm_lapic_state before;
	uint32_t v0 = 0x00010000; /* masked, fixed */
	uint32_t v1 = 0x000107ff; /* masked, ExtINT, vector 0xff */

	(void)state;
	memset(&l, 0xa5, sizeof(l));
	memcpy(&l.regs[CVMM_X86_APIC_LVT0], &v0, 4);
	memcpy(&l.regs[CVMM_X86_APIC_LVT1], &v1, 4);
	before = l;
	cvmm_x86_lapic_lint(&l);
	assert_int_equal(lvt(&l, CVMM_X86_APIC_LVT0), 0x00010700);
	assert_int_equal(lvt(&l, CVMM_X86_APIC_LVT1), 0x000104ff);
	/* Nothing else changed. */
	memcpy(&l.regs[CVMM_X86_APIC_LVT0], &v0, 4);
	memcpy(&l.regs[CVMM_X86_APIC_LVT1], &v1, 4);
	assert_memory_equal(&l, &before, sizeof(l));
}

/* ---- guest memory ---- */

static struct cvmm_mem_test *memory(uint64_t size, uint64_t granule)
{
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0), size, 0};
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	uint8_t junk[256];

	assert_int_equal(cvmm_mem_test_create(&r, 1, granule, &tm), 0);
	/* Garbage where the tables go, to see it overwritten. */
	memset(junk, 0xee, sizeof(junk));
	mem = cvmm_mem_test_iface(tm);
	for (uint64_t a = 0x400; a + sizeof(junk) <= size && a < 0x10000;
	     a += sizeof(junk))
		assert_int_equal(cvmm_mem_write(&mem, cvmm_mem_gpa_from(a),
						junk, sizeof(junk)),
				 0);
	return tm;
}

static uint64_t le64(struct cvmm_mem_test *tm, uint64_t gpa)
{
	struct cvmm_mem mem = cvmm_mem_test_iface(tm);
	uint64_t v = 0;

	assert_int_equal(cvmm_mem_read_le64(&mem, cvmm_mem_gpa_from(gpa), &v),
			 0);
	return v;
}

static void gdt_in_memory(void **state)
{
	struct cvmm_mem_test *tm = memory(0x1000, 1);
	struct cvmm_mem mem = cvmm_mem_test_iface(tm);

	(void)state;
	assert_int_equal(cvmm_x86_write_gdt(&mem, CVMM_X86_BOOT_LINUX64), 0);
	assert_int_equal(le64(tm, 0x500), 0);
	assert_int_equal(le64(tm, 0x508), 0);
	assert_int_equal(le64(tm, 0x510), 0x00af9b000000ffffull);
	assert_int_equal(le64(tm, 0x518), 0x00cf93000000ffffull);
	assert_int_equal(le64(tm, 0x520), 0x00008b0000000067ull);
	assert_int_equal(le64(tm, 0x528), 0);
	assert_int_equal(le64(tm, 0x530), 0xeeeeeeeeeeeeeeeeull);
	assert_int_equal(le64(tm, 0x540), 0);
	assert_int_equal(le64(tm, 0x548), 0);
	assert_int_equal(le64(tm, 0x550), 0xeeeeeeeeeeeeeeeeull);
	assert_int_equal(cvmm_x86_write_gdt(&mem, CVMM_X86_BOOT_PVH), 0);
	assert_int_equal(le64(tm, 0x510), 0x00cf9b000000ffffull);
	assert_int_equal(cvmm_x86_write_gdt(&mem, (enum cvmm_x86_boot_mode)0),
			 -EINVAL);
	cvmm_mem_test_destroy(tm);
}

static void gdt_without_room_writes_nothing(void **state)
{
	const struct cvmm_mem_range gdt_only[] = {
	    {cvmm_mem_gpa_from(0x500), 0x30, 0}};
	const struct cvmm_mem_range ro[] = {
	    {cvmm_mem_gpa_from(0x0), 0x1000, CVMM_MEM_REGION_READONLY}};
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;

	(void)state;
	/* The IDT is missing: not even the GDT is written. */
	assert_int_equal(cvmm_mem_test_create(gdt_only, 1, 0, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	assert_int_equal(cvmm_x86_write_gdt(&mem, CVMM_X86_BOOT_LINUX64),
			 -EFAULT);
	assert_int_equal(le64(tm, 0x510), 0);
	cvmm_mem_test_destroy(tm);
	assert_int_equal(cvmm_mem_test_create(ro, 1, 0, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	assert_int_equal(cvmm_x86_write_gdt(&mem, CVMM_X86_BOOT_PVH), -EACCES);
	cvmm_mem_test_destroy(tm);
}

/* Fail each guest-memory operation of fn in turn; count them. */
static unsigned
each_operation_failing(struct cvmm_mem_test *tm,
		       int (*fn)(const struct cvmm_mem *, void *), void *arg)
{
	struct cvmm_mem mem = cvmm_mem_test_iface(tm);
	unsigned n;
	int rc;

	for (n = 1;; n++) {
		assert_int_equal(cvmm_mem_test_fail_nth(tm, n, -EIO), 0);
		rc = fn(&mem, arg);
		if (!cvmm_mem_test_failure_fired(tm))
			break;
		assert_int_equal(rc, -EIO);
	}
	assert_int_equal(cvmm_mem_test_fail_nth(tm, 0, -EIO), 0);
	assert_int_equal(rc, 0);
	return n - 1;
}

static int write_gdt64(const struct cvmm_mem *mem, void *arg)
{
	(void)arg;
	return cvmm_x86_write_gdt(mem, CVMM_X86_BOOT_LINUX64);
}

static int write_tables(const struct cvmm_mem *mem, void *arg)
{
	return cvmm_x86_write_page_tables(mem, *(uint64_t *)arg);
}

static int write_all(const struct cvmm_mem *mem, void *arg)
{
	return cvmm_x86_write_boot_tables(mem, CVMM_X86_BOOT_LINUX64,
					  *(uint64_t *)arg);
}

static void every_write_is_checked(void **state)
{
	struct cvmm_mem_test *tm = memory(0x10000, 1);
	uint64_t size = 2 * GIB;

	(void)state;
	/* Two range checks, then the GDT and IDT writes. */
	assert_int_equal(each_operation_failing(tm, write_gdt64, NULL), 4);
	/* One range check, PML4, PDPT and two page directories. */
	assert_int_equal(each_operation_failing(tm, write_tables, &size), 5);
	assert_int_equal(each_operation_failing(tm, write_all, &size), 9);
	assert_int_equal(le64(tm, 0xc000 + 8 * 511),
			 (GIB + 511 * 2 * MIB) | 0x83);
	cvmm_mem_test_destroy(tm);
}

static void identity_map_of_one_gib(void **state)
{
	struct cvmm_mem_test *tm = memory(0x10000, 1);
	struct cvmm_mem mem = cvmm_mem_test_iface(tm);

	(void)state;
	assert_int_equal(
	    cvmm_x86_write_page_tables(&mem, CVMM_X86_IDENTITY_MAP_DEFAULT), 0);
	assert_int_equal(le64(tm, 0x9000), 0xa003);
	for (uint64_t i = 1; i < 512; i++)
		assert_int_equal(le64(tm, 0x9000 + 8 * i), 0);
	assert_int_equal(le64(tm, 0xa000), 0xb003);
	for (uint64_t i = 1; i < 512; i++)
		assert_int_equal(le64(tm, 0xa000 + 8 * i), 0);
	for (uint64_t i = 0; i < 512; i++)
		assert_int_equal(le64(tm, 0xb000 + 8 * i), (i << 21) | 0x83);
	/* Nothing past the one directory. */
	assert_int_equal(le64(tm, 0xc000), 0xeeeeeeeeeeeeeeeeull);
	cvmm_mem_test_destroy(tm);
}

static void identity_map_sizes(void **state)
{
	struct cvmm_mem_test *tm = memory(0x10000, 0);
	struct cvmm_mem mem = cvmm_mem_test_iface(tm);

	(void)state;
	/* 2 MiB: one entry. */
	assert_int_equal(cvmm_x86_write_page_tables(&mem, 2 * MIB), 0);
	assert_int_equal(le64(tm, 0xb000), 0x83);
	assert_int_equal(le64(tm, 0xb008), 0);
	/* 4 GiB: four directories, the last entry 4 GiB - 2 MiB. */
	assert_int_equal(
	    cvmm_x86_write_page_tables(&mem, CVMM_X86_IDENTITY_MAP_MAX), 0);
	for (uint64_t d = 0; d < 4; d++)
		assert_int_equal(le64(tm, 0xa000 + 8 * d),
				 (0xb000 + d * 0x1000) | 3);
	assert_int_equal(le64(tm, 0xa020), 0);
	assert_int_equal(le64(tm, 0xe000 + 8 * 511),
			 (4 * GIB - 2 * MIB) | 0x83);
	/* 3 GiB + 2 MiB: a fourth directory with one entry. */
	assert_int_equal(cvmm_x86_write_page_tables(&mem, 3 * GIB + 2 * MIB),
			 0);
	assert_int_equal(le64(tm, 0xe000), (3 * GIB) | 0x83);
	assert_int_equal(le64(tm, 0xe008), 0);
	/* Refused sizes. */
	assert_int_equal(cvmm_x86_write_page_tables(&mem, 0), -EINVAL);
	assert_int_equal(cvmm_x86_write_page_tables(&mem, 2 * MIB + 4096),
			 -EINVAL);
	assert_int_equal(cvmm_x86_write_page_tables(&mem, 4 * GIB + 2 * MIB),
			 -EINVAL);
	assert_int_equal(cvmm_x86_write_page_tables(&mem, UINT64_MAX), -EINVAL);
	cvmm_mem_test_destroy(tm);

	/* Memory ending inside the tables: nothing is written. */
	tm = memory(0xb800, 0);
	mem = cvmm_mem_test_iface(tm);
	assert_int_equal(cvmm_x86_write_page_tables(&mem, GIB), -EFAULT);
	assert_int_equal(le64(tm, 0x9000), 0xeeeeeeeeeeeeeeeeull);
	assert_int_equal(cvmm_x86_write_page_tables(&mem, 2 * MIB), -EFAULT);
	cvmm_mem_test_destroy(tm);
}

static void boot_tables_per_mode(void **state)
{
	struct cvmm_mem_test *tm = memory(0x10000, 0);
	struct cvmm_mem mem = cvmm_mem_test_iface(tm);

	(void)state;
	/* PVH: the GDT only; the size is not looked at. */
	assert_int_equal(
	    cvmm_x86_write_boot_tables(&mem, CVMM_X86_BOOT_PVH, 12345), 0);
	assert_int_equal(le64(tm, 0x510), 0x00cf9b000000ffffull);
	assert_int_equal(le64(tm, 0x9000), 0xeeeeeeeeeeeeeeeeull);
	assert_int_equal(
	    cvmm_x86_write_boot_tables(&mem, CVMM_X86_BOOT_LINUX64, 12345),
	    -EINVAL);
	assert_int_equal(
	    cvmm_x86_write_boot_tables(&mem, CVMM_X86_BOOT_LINUX64, GIB), 0);
	assert_int_equal(le64(tm, 0x510), 0x00af9b000000ffffull);
	assert_int_equal(le64(tm, 0x9000), 0xa003);
	assert_int_equal(
	    cvmm_x86_write_boot_tables(&mem, (enum cvmm_x86_boot_mode)3, GIB),
	    -EINVAL);
	cvmm_mem_test_destroy(tm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(descriptors),
	    cmocka_unit_test(boot_gdts),
	    cmocka_unit_test(linux64_sregs),
	    cmocka_unit_test(pvh_sregs),
	    cmocka_unit_test(general_registers_fpu_msrs),
	    cmocka_unit_test(lapic_lines),
	    cmocka_unit_test(gdt_in_memory),
	    cmocka_unit_test(gdt_without_room_writes_nothing),
	    cmocka_unit_test(every_write_is_checked),
	    cmocka_unit_test(identity_map_of_one_gib),
	    cmocka_unit_test(identity_map_sizes),
	    cmocka_unit_test(boot_tables_per_mode),
	};

	return cmocka_run_group_tests_name("arch-x86 boot state", tests, NULL,
					   NULL);
}
