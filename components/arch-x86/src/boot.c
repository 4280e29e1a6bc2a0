/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entry state: descriptors, special and general registers, FPU, MSRs and
 * the local APIC's legacy lines. Pure functions on <linux/kvm.h> structs.
 */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/x86-boot.h>

#include <errno.h>
#include <string.h>

#include "internal.h"

/* Descriptor flags (access byte | G, D/B, L, AVL << 12). */
#define FLAGS_CODE64 0xa09bu
#define FLAGS_CODE32 0xc09bu
#define FLAGS_DATA   0xc093u
#define FLAGS_TSS    0x008bu
#define FLAT_LIMIT   0xfffffu
#define TSS_LIMIT    0x67u
#define FOUR_GIB     (1ull << 32)

uint64_t cvmm_x86_gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000u) << 32) |
	       ((uint64_t)(flags & 0xf0ffu) << 40) |
	       ((uint64_t)(limit & 0x000f0000u) << 32) |
	       ((uint64_t)(base & 0x00ffffffu) << 16) |
	       (uint64_t)(limit & 0x0000ffffu);
}

static uint8_t field(uint64_t entry, unsigned shift, uint64_t mask)
{
	return (uint8_t)((entry >> shift) & mask);
}

void cvmm_x86_segment_from_gdt(uint64_t entry, uint16_t index,
			       struct kvm_segment *seg)
{
	uint32_t limit =
	    (uint32_t)(((entry >> 32) & 0x000f0000u) | (entry & 0xffffu));

	memset(seg, 0, sizeof(*seg));
	seg->base = ((entry >> 32) & 0xff000000u) | ((entry >> 16) & 0xffffffu);
	seg->g = field(entry, 55, 1);
	/* The limit in bytes: 4 KiB units when G is set. */
	seg->limit = seg->g != 0 ? limit << 12 | 0xfffu : limit;
	seg->selector = (uint16_t)(index * 8u);
	seg->type = field(entry, 40, 0xf);
	seg->s = field(entry, 44, 1);
	seg->dpl = field(entry, 45, 3);
	seg->present = field(entry, 47, 1);
	seg->avl = field(entry, 52, 1);
	seg->l = field(entry, 53, 1);
	seg->db = field(entry, 54, 1);
	seg->unusable = seg->present != 0 ? 0 : 1;
}

/* The boot GDT; long_mode selects the 64-bit code segment. */
static void gdt_of(bool long_mode, uint64_t gdt[CVMM_X86_GDT_ENTRIES])
{
	uint16_t code = long_mode ? FLAGS_CODE64 : FLAGS_CODE32;

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[CVMM_X86_SEL_CODE / 8] = cvmm_x86_gdt_entry(code, 0, FLAT_LIMIT);
	gdt[CVMM_X86_SEL_DATA / 8] =
	    cvmm_x86_gdt_entry(FLAGS_DATA, 0, FLAT_LIMIT);
	gdt[CVMM_X86_SEL_TSS / 8] = cvmm_x86_gdt_entry(FLAGS_TSS, 0, TSS_LIMIT);
	/* Upper half of the long-mode TSS descriptor: base bits 63..32. */
	gdt[CVMM_X86_SEL_TSS / 8 + 1] = 0;
}

static bool valid(enum cvmm_x86_boot_mode mode)
{
	return mode == CVMM_X86_BOOT_LINUX64 || mode == CVMM_X86_BOOT_PVH;
}

int cvmm_x86_boot_gdt(enum cvmm_x86_boot_mode mode,
		      uint64_t gdt[CVMM_X86_GDT_ENTRIES])
{
	if (!valid(mode))
		return -EINVAL;
	gdt_of(mode == CVMM_X86_BOOT_LINUX64, gdt);
	return 0;
}

void cvmm_x86__boot_sregs(bool long_mode, struct kvm_sregs *sregs)
{
	uint64_t gdt[CVMM_X86_GDT_ENTRIES];
	struct kvm_segment data;

	gdt_of(long_mode, gdt);
	cvmm_x86_segment_from_gdt(gdt[CVMM_X86_SEL_CODE / 8],
				  CVMM_X86_SEL_CODE / 8, &sregs->cs);
	cvmm_x86_segment_from_gdt(gdt[CVMM_X86_SEL_DATA / 8],
				  CVMM_X86_SEL_DATA / 8, &data);
	cvmm_x86_segment_from_gdt(gdt[CVMM_X86_SEL_TSS / 8],
				  CVMM_X86_SEL_TSS / 8, &sregs->tr);
	sregs->ds = data;
	sregs->es = data;
	sregs->fs = data;
	sregs->gs = data;
	sregs->ss = data;
	sregs->gdt.base = CVMM_X86_GDT_ADDR;
	sregs->gdt.limit = (uint16_t)(sizeof(gdt) - 1);
	sregs->idt.base = CVMM_X86_IDT_ADDR;
	sregs->idt.limit = (uint16_t)(CVMM_X86_IDT_SIZE - 1);
	if (long_mode) {
		sregs->cr0 =
		    (sregs->cr0 & ~(CVMM_X86_CR0_CD | CVMM_X86_CR0_NW)) |
		    CVMM_X86_CR0_PE | CVMM_X86_CR0_ET | CVMM_X86_CR0_PG;
		sregs->cr3 = CVMM_X86_PML4_ADDR;
		sregs->cr4 |= CVMM_X86_CR4_PAE;
		sregs->efer |= CVMM_X86_EFER_LME | CVMM_X86_EFER_LMA;
	} else {
		sregs->cr0 = CVMM_X86_CR0_PE | CVMM_X86_CR0_ET;
		sregs->cr3 = 0;
		sregs->cr4 = 0;
		sregs->efer = 0;
	}
}

int cvmm_x86_boot_sregs(enum cvmm_x86_boot_mode mode, struct kvm_sregs *sregs)
{
	if (!valid(mode))
		return -EINVAL;
	cvmm_x86__boot_sregs(mode == CVMM_X86_BOOT_LINUX64, sregs);
	return 0;
}

void cvmm_x86_boot_regs_linux64(struct kvm_regs *regs, uint64_t entry,
				uint64_t boot_params)
{
	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2;
	regs->rip = entry;
	regs->rsp = CVMM_X86_BOOT_STACK;
	regs->rbp = CVMM_X86_BOOT_STACK;
	regs->rsi = boot_params;
}

int cvmm_x86_boot_regs_pvh(struct kvm_regs *regs, uint64_t entry,
			   uint64_t start_info)
{
	if (entry >= FOUR_GIB || start_info >= FOUR_GIB)
		return -ERANGE;
	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2;
	regs->rip = entry;
	regs->rbx = start_info;
	return 0;
}

void cvmm_x86_boot_fpu(struct kvm_fpu *fpu)
{
	memset(fpu, 0, sizeof(*fpu));
	fpu->fcw = 0x37f;
	fpu->mxcsr = 0x1f80;
}

void cvmm_x86_boot_msrs(struct kvm_msr_entry msrs[CVMM_X86_BOOT_MSR_COUNT])
{
	static const uint32_t zeroed[] = {
	    CVMM_X86_MSR_IA32_SYSENTER_CS,
	    CVMM_X86_MSR_IA32_SYSENTER_ESP,
	    CVMM_X86_MSR_IA32_SYSENTER_EIP,
	    CVMM_X86_MSR_STAR,
	    CVMM_X86_MSR_CSTAR,
	    CVMM_X86_MSR_KERNEL_GS_BASE,
	    CVMM_X86_MSR_SYSCALL_MASK,
	    CVMM_X86_MSR_LSTAR,
	    CVMM_X86_MSR_IA32_TSC,
	};
	unsigned n = 0;

	memset(msrs, 0, CVMM_X86_BOOT_MSR_COUNT * sizeof(*msrs));
	for (; n < sizeof(zeroed) / sizeof(zeroed[0]); n++)
		msrs[n].index = zeroed[n];
	msrs[n].index = CVMM_X86_MSR_IA32_MISC_ENABLE;
	msrs[n++].data = CVMM_X86_MISC_ENABLE_FAST_STRING;
	msrs[n].index = CVMM_X86_MSR_MTRR_DEF_TYPE;
	msrs[n].data = CVMM_X86_MTRR_DEF_TYPE_BOOT;
}

static uint32_t lapic_get(const struct kvm_lapic_state *lapic, unsigned reg)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < 4; i++)
		v |= (uint32_t)(uint8_t)lapic->regs[reg + i] << (8 * i);
	return v;
}

static void lapic_set(struct kvm_lapic_state *lapic, unsigned reg, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		lapic->regs[reg + i] = (char)(uint8_t)(v >> (8 * i));
}

/* Bits 10..8 of an LVT entry: the delivery mode. */
static uint32_t delivery(uint32_t lvt, uint32_t mode)
{
	return (lvt & ~0x700u) | mode << 8;
}

void cvmm_x86_lapic_lint(struct kvm_lapic_state *lapic)
{
	lapic_set(lapic, CVMM_X86_APIC_LVT0,
		  delivery(lapic_get(lapic, CVMM_X86_APIC_LVT0),
			   CVMM_X86_APIC_MODE_EXTINT));
	lapic_set(lapic, CVMM_X86_APIC_LVT1,
		  delivery(lapic_get(lapic, CVMM_X86_APIC_LVT1),
			   CVMM_X86_APIC_MODE_NMI));
}
