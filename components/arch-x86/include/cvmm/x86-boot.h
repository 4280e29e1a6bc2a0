/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm arch-x86: the machine state a kernel is entered with.
 *
 * Two entry protocols:
 *   CVMM_X86_BOOT_LINUX64  Linux's 64-bit boot protocol (bzImage or
 *                          vmlinux 64-bit entry): long mode, paging on with
 *                          an identity map, CS = 0x10 and DS/ES/SS = 0x18
 *                          flat 4 GiB segments, interrupts off, RSI = the
 *                          boot_params (zero page) address;
 *   CVMM_X86_BOOT_PVH      the PVH 32-bit entry (Xen's hvm_start_info,
 *                          Linux's CONFIG_PVH): protected mode, paging off,
 *                          CS a flat 32-bit code segment, DS/ES/SS flat
 *                          32-bit data, TR a 32-bit TSS, CR0.PE set,
 *                          CR4 = 0, EFER = 0, EBX = the start_info address.
 *
 * Low guest memory this component writes or points at (fixed, below 1 MiB,
 * clear of the real-mode IVT and BIOS data area at 0..0x4ff):
 *   0x0500 .. 0x052f  GDT, CVMM_X86_GDT_ENTRIES descriptors (both modes)
 *   0x0540 .. 0x054f  IDT: one empty 16-byte gate, so that any exception
 *                     before the kernel loads its own IDT is a triple fault
 *                     (KVM_EXIT_SHUTDOWN), not a jump into garbage
 *   0x8ff0            initial stack pointer (grows down, below 0x9000)
 *   0x9000            PML4, 0xa000 PDPT, 0xb000.. one page directory per
 *                     GiB mapped (2 MiB pages); 4 GiB at most, ending at
 *                     0xf000 (LINUX64 only)
 * Suggested, for the VMM's own structures (nothing here writes them):
 *   0x6000 PVH start_info, 0x7000 zero page (boot_params).
 * Guest memory is written only through the vm-memory interface.
 *
 * The state itself comes from pure functions filling <linux/kvm.h>
 * structures (struct kvm_regs, struct kvm_sregs, struct kvm_fpu,
 * struct kvm_msr_entry, struct kvm_lapic_state), so it is tested without
 * KVM; cvmm/x86-vcpu.h applies it to a vCPU.
 */
#ifndef CVMM_X86_BOOT_H
#define CVMM_X86_BOOT_H

#include <cvmm/mem.h>
#include <cvmm/x86-cpuid.h>

enum cvmm_x86_boot_mode {
	CVMM_X86_BOOT_LINUX64 = 1,
	CVMM_X86_BOOT_PVH,
};

#define CVMM_X86_GDT_ADDR	     0x500u
#define CVMM_X86_GDT_ENTRIES	     6u
#define CVMM_X86_IDT_ADDR	     0x540u
#define CVMM_X86_IDT_SIZE	     16u
#define CVMM_X86_BOOT_STACK	     0x8ff0u
#define CVMM_X86_PML4_ADDR	     0x9000u
#define CVMM_X86_PDPT_ADDR	     0xa000u
#define CVMM_X86_PD_ADDR	     0xb000u
#define CVMM_X86_PVH_START_INFO_ADDR 0x6000u
#define CVMM_X86_ZERO_PAGE_ADDR	     0x7000u

/* The identity map: its default and largest sizes, and its granule. */
#define CVMM_X86_IDENTITY_MAP_DEFAULT (1ull << 30)
#define CVMM_X86_IDENTITY_MAP_MAX     (4ull << 30)
#define CVMM_X86_IDENTITY_MAP_GRANULE (2ull << 20)

/* Selectors of the boot GDT (Linux's __BOOT_CS and __BOOT_DS). */
#define CVMM_X86_SEL_CODE 0x10u
#define CVMM_X86_SEL_DATA 0x18u
#define CVMM_X86_SEL_TSS  0x20u

/* Control-register and EFER bits set or cleared here. */
#define CVMM_X86_CR0_PE	  (1ull << 0)
#define CVMM_X86_CR0_ET	  (1ull << 4)
#define CVMM_X86_CR0_NW	  (1ull << 29)
#define CVMM_X86_CR0_CD	  (1ull << 30)
#define CVMM_X86_CR0_PG	  (1ull << 31)
#define CVMM_X86_CR4_PAE  (1ull << 5)
#define CVMM_X86_EFER_LME (1ull << 8)
#define CVMM_X86_EFER_LMA (1ull << 10)

/* ---- descriptors ---- */

/*
 * A segment descriptor: base, 20-bit limit, and flags holding the access
 * byte in bits 7..0 and the G, D/B, L, AVL nibble in bits 15..12 (0xa09b
 * is a 64-bit code segment, 0xc093 flat data, 0xc09b flat 32-bit code,
 * 0x008b a busy TSS). Bits of limit above 19 and of flags 11..8 are
 * ignored.
 */
uint64_t cvmm_x86_gdt_entry(uint16_t flags, uint32_t base, uint32_t limit);

/*
 * The KVM view of descriptor entry at GDT index: base, limit in bytes (the
 * 20-bit limit scaled by 4 KiB when G is set), selector index * 8 (RPL 0),
 * and each attribute; unusable iff not present.
 */
void cvmm_x86_segment_from_gdt(uint64_t entry, uint16_t index,
			       struct kvm_segment *seg);

/*
 * The boot GDT of mode into gdt[]: 0 null, 1 null, 2 code (0x10), 3 data
 * (0x18), 4-5 the TSS (0x20; a 16-byte system descriptor in long mode,
 * whose upper half, entry 5, is 0 here). The code segment is 64-bit for
 * LINUX64 and 32-bit for PVH. -EINVAL for an unknown mode.
 */
CVMM_X86_MUST_CHECK int cvmm_x86_boot_gdt(enum cvmm_x86_boot_mode mode,
					  uint64_t gdt[CVMM_X86_GDT_ENTRIES]);

/* ---- guest memory ---- */

/*
 * Write the boot GDT of mode at CVMM_X86_GDT_ADDR and the empty IDT at
 * CVMM_X86_IDT_ADDR. Both ranges are checked writable first, so a layout
 * that lacks them fails with vm-memory's errno (-EFAULT, -EACCES) before
 * any byte is written; a write that then fails (a backend error) is
 * returned as is. -EINVAL for an unknown mode.
 */
CVMM_X86_MUST_CHECK int cvmm_x86_write_gdt(const struct cvmm_mem *mem,
					   enum cvmm_x86_boot_mode mode);

/*
 * Write page tables identity-mapping guest-physical [0, size) with 2 MiB
 * pages: the PML4 at CVMM_X86_PML4_ADDR, the PDPT after it, then one page
 * directory per GiB (whole 4 KiB pages, unused entries zero). size must be
 * a non-zero multiple of 2 MiB up to CVMM_X86_IDENTITY_MAP_MAX, else
 * -EINVAL. The table range is checked writable before any write, as above.
 * The guest RAM need not cover [0, size): unmapped addresses simply fault
 * or go to MMIO.
 */
CVMM_X86_MUST_CHECK int cvmm_x86_write_page_tables(const struct cvmm_mem *mem,
						   uint64_t size);

/*
 * Everything mode needs in guest memory: the GDT and IDT, and for LINUX64
 * the identity map of identity_size bytes (ignored for PVH).
 */
CVMM_X86_MUST_CHECK int cvmm_x86_write_boot_tables(const struct cvmm_mem *mem,
						   enum cvmm_x86_boot_mode mode,
						   uint64_t identity_size);

/* ---- registers ---- */

/*
 * Set the special registers for mode in *sregs, which should hold the
 * vCPU's current ones (KVM_GET_SREGS): the APIC base, interrupt bitmap and
 * LDT are kept. Sets CS, DS, ES, FS, GS, SS and TR from the boot GDT, the
 * GDTR and IDTR; LINUX64: CR0 |= PE | PG | ET with CD and NW cleared,
 * CR3 = CVMM_X86_PML4_ADDR, CR4 |= PAE, EFER |= LME | LMA; PVH: CR0 =
 * PE | ET, CR3 = 0, CR4 = 0, EFER = 0. -EINVAL for an unknown mode (sregs
 * untouched).
 */
CVMM_X86_MUST_CHECK int cvmm_x86_boot_sregs(enum cvmm_x86_boot_mode mode,
					    struct kvm_sregs *sregs);

/*
 * General registers for the 64-bit Linux entry: all zero but RFLAGS = 0x2
 * (interrupts off), RIP = entry, RSP = RBP = CVMM_X86_BOOT_STACK, RSI =
 * boot_params.
 */
void cvmm_x86_boot_regs_linux64(struct kvm_regs *regs, uint64_t entry,
				uint64_t boot_params);

/*
 * General registers for the PVH entry: all zero but RFLAGS = 0x2, RIP =
 * entry, RBX = start_info. -ERANGE if either is not below 4 GiB (the entry
 * is 32-bit); regs untouched.
 */
CVMM_X86_MUST_CHECK int cvmm_x86_boot_regs_pvh(struct kvm_regs *regs,
					       uint64_t entry,
					       uint64_t start_info);

/* The FPU at reset: FCW 0x37f, MXCSR 0x1f80, all else zero. */
void cvmm_x86_boot_fpu(struct kvm_fpu *fpu);

/* ---- MSRs and the local APIC ---- */

#define CVMM_X86_MSR_IA32_TSC		 0x10u
#define CVMM_X86_MSR_IA32_SYSENTER_CS	 0x174u
#define CVMM_X86_MSR_IA32_SYSENTER_ESP	 0x175u
#define CVMM_X86_MSR_IA32_SYSENTER_EIP	 0x176u
#define CVMM_X86_MSR_IA32_MISC_ENABLE	 0x1a0u
#define CVMM_X86_MSR_MTRR_DEF_TYPE	 0x2ffu
#define CVMM_X86_MSR_STAR		 0xc0000081u
#define CVMM_X86_MSR_LSTAR		 0xc0000082u
#define CVMM_X86_MSR_CSTAR		 0xc0000083u
#define CVMM_X86_MSR_SYSCALL_MASK	 0xc0000084u
#define CVMM_X86_MSR_KERNEL_GS_BASE	 0xc0000102u
#define CVMM_X86_MISC_ENABLE_FAST_STRING 1u
/* MTRRdefType: MTRRs enabled (bit 11), default type write-back (6). */
#define CVMM_X86_MTRR_DEF_TYPE_BOOT ((1u << 11) | 6u)

#define CVMM_X86_BOOT_MSR_COUNT 11u

/*
 * The MSRs every vCPU gets before boot (Firecracker's and rust-vmm's
 * list): SYSENTER_CS/ESP/EIP, STAR, CSTAR, KERNEL_GS_BASE, SYSCALL_MASK,
 * LSTAR and TSC = 0; MISC_ENABLE = fast strings; MTRRdefType =
 * CVMM_X86_MTRR_DEF_TYPE_BOOT.
 */
void cvmm_x86_boot_msrs(struct kvm_msr_entry msrs[CVMM_X86_BOOT_MSR_COUNT]);

/* Local APIC register offsets and delivery modes used by _lint(). */
#define CVMM_X86_APIC_LVT0	  0x350u
#define CVMM_X86_APIC_LVT1	  0x360u
#define CVMM_X86_APIC_MODE_NMI	  0x4u
#define CVMM_X86_APIC_MODE_EXTINT 0x7u

/*
 * Route the legacy interrupt lines as a PC does: LINT0 delivers ExtINT
 * (the 8259 PIC), LINT1 delivers NMI. Only the delivery-mode field (bits
 * 10..8) of LVT0 and LVT1 changes; the rest of *lapic (from KVM_GET_LAPIC)
 * is kept.
 */
void cvmm_x86_lapic_lint(struct kvm_lapic_state *lapic);

#endif
