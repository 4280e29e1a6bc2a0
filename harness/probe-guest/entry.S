/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probe's entry points, its GDT, page tables, IDT stubs and the
 * application processors' real-mode trampoline.
 *
 * The image is linked at 1 MiB (LOAD_ADDR in the linker scripts) and is
 * not relocatable:
 *
 *   0x100000  startup_32  bzImage 32-bit entry (code32_start), esi =
 *                         boot_params; also where our own real-mode setup
 *                         code jumps (it leaves PROBE_SCRATCH_BZ16 in
 *                         boot_params.scratch so we can tell)
 *   0x100200  startup_64  bzImage 64-bit entry (XLF_KERNEL_64) and the
 *                         ELF's e_entry: long mode, identity-mapped,
 *                         rsi = boot_params
 *   pvh_start             PVH entry (XEN_ELFNOTE_PHYS32_ENTRY): 32-bit
 *                         protected mode, paging off, ebx = hvm_start_info
 *
 * Every path zeroes .bss (a bzImage loader copies only the file part),
 * loads our GDT, builds identity page tables for the first 4 GiB with
 * 2 MiB pages, and calls probe_main(entry, info) in long mode on our own
 * stack, so the checks run the same whatever the entry was.
 */

#define CODE64 0x08
#define DATA 0x10
#define CODE32 0x18
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define CR4_PAE 0x20
#define CR0_PE_PG 0x80000001

#define ENTRY_BZ64 1
#define ENTRY_BZ32 2
#define ENTRY_BZ16 3
#define ENTRY_PVH 4
#define SCRATCH_BZ16 0x36314250 /* "PB16" */

#define BSP_STACK_SIZE 16384
#define AP_STACK_SIZE 4096
#define MAX_CPUS 16

	.section .head, "ax"
	.code32
	.globl startup_32
startup_32:
	cli
	cld
	mov $ENTRY_BZ32, %edi
	cmpl $SCRATCH_BZ16, 0x1e4(%esi)
	jne common32
	mov $ENTRY_BZ16, %edi
	jmp common32

	.org 0x200
	.code64
	.globl startup_64
startup_64:
	cli
	cld
	mov %rsi, %r12
	/* .bss holds our stack and page tables: clear it first. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
1:	movq $0, (%rdi)
	add $8, %rdi
	cmp %rcx, %rdi
	jb 1b
	mov $bsp_stack_top, %esp
	call build_page_tables
	mov $pml4, %eax
	mov %rax, %cr3
	lgdt gdt_ptr
	/* Reload CS with a far return, then the data segments. */
	pushq $CODE64
	pushq $2f
	lretq
2:	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov $ENTRY_BZ64, %edi
	mov %r12, %rsi
	jmp enter_c

	.text
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	mov %ebx, %esi
	mov $ENTRY_PVH, %edi
	/* fall through */

/* 32-bit protected mode, paging off; edi = entry kind, esi = info. */
common32:
	lgdt gdt_ptr
	ljmp $CODE32, $1f
1:	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov %edi, %ebp
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
2:	movl $0, (%edi)
	add $4, %edi
	cmp %ecx, %edi
	jb 2b
	mov %ebp, %edi
	mov $bsp_stack_top, %esp
	/* pml4[0] -> pdpt; pdpt[0..3] -> pd[0..3]; pd: 2048 x 2 MiB. */
	mov $pdpt + 3, %eax
	mov %eax, pml4
	mov $pd + 3, %eax
	xor %ecx, %ecx
3:	mov %eax, pdpt(, %ecx, 8)
	add $4096, %eax
	inc %ecx
	cmp $4, %ecx
	jb 3b
	mov $0x83, %eax
	xor %ecx, %ecx
4:	mov %eax, pd(, %ecx, 8)
	add $0x200000, %eax
	inc %ecx
	cmp $2048, %ecx
	jb 4b
	call long_mode_on
	ljmp $CODE64, $long64

/* PAE, our page tables, EFER.LME, then paging: compatibility mode until
 * the caller's far jump. Clobbers eax, ecx, edx. */
long_mode_on:
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PE_PG, %eax
	mov %eax, %cr0
	ret

	.code64
long64:
	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %edi, %edi
	mov %esi, %esi
	/* fall through */

/* edi = entry kind, rsi = info; on the BSP stack. */
enter_c:
	mov $bsp_stack_top, %esp
	xor %ebp, %ebp
	call probe_main
5:	cli
	hlt
	jmp 5b

/* The same page tables, built from 64-bit code (the 64-bit entry runs on
 * the loader's tables until we switch). */
build_page_tables:
	mov $pdpt + 3, %eax
	mov %rax, pml4
	mov $pd + 3, %eax
	xor %ecx, %ecx
1:	mov %rax, pdpt(, %rcx, 8)
	add $4096, %rax
	inc %ecx
	cmp $4, %ecx
	jb 1b
	mov $0x83, %eax
	xor %ecx, %ecx
2:	mov %rax, pd(, %rcx, 8)
	add $0x200000, %rax
	inc %ecx
	cmp $2048, %ecx
	jb 2b
	ret

/* ---- application processors ---- */

	.code32
/* From the trampoline: protected mode, our GDT, paging off. */
ap_entry32:
	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	/* No stack yet: long_mode_on's call needs one for its return address,
	 * so do it inline. */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PE_PG, %eax
	mov %eax, %cr0
	ljmp $CODE64, $ap_long64

	.code64
ap_long64:
	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov $1, %eax
	lock xadd %eax, ap_next
	cmp $MAX_CPUS - 1, %eax
	jae ap_park
	mov %eax, %edi
	lea 1(%rax), %ecx
	shl $12, %ecx /* AP_STACK_SIZE */
	add $ap_stacks, %rcx
	mov %rcx, %rsp
	xor %ebp, %ebp
	call ap_main
ap_park:
	/* More processors than stacks: count them, then stop. */
	lock incl ap_parked
6:	cli
	hlt
	jmp 6b

/*
 * Real-mode trampoline, copied by the BSP to a page below 1 MiB whose
 * number is the SIPI vector; it runs with cs = page >> 4, ip = 0, so it
 * only uses offsets relative to its start.
 */
	.code16
	.globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl tramp_gdtr - ap_trampoline_start
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $CODE32, $ap_entry32
	.balign 8
tramp_gdtr:
	.word gdt_end - gdt - 1
	.long gdt
ap_trampoline_end:

/* ---- exceptions ---- */
	.code64
	.macro isr vec, err
	.balign 16
isr_\vec:
	.if \err == 0
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
	.endm

	.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	isr \v, 0
	.endr
	.irp v, 8,10,11,12,13,14,17,21,29,30
	isr \v, 1
	.endr
	/* Any vector from 32 up (interrupts are off: none is expected). */
	isr 255, 0

isr_common:
	push %rax
	push %rcx
	push %rdx
	push %rbx
	push %rbp
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	call exception_handler
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbp
	pop %rbx
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp
	iretq

	.section .rodata
	.balign 8
	.globl isr_table
/* isr_table[v] for v < 32, then isr_table[32] for everything else. */
isr_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,255
	.quad isr_\v
	.endr

	.data
	.balign 16
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9b000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff /* 0x10: data, flat 4 GiB */
	.quad 0x00cf9b000000ffff /* 0x18: 32-bit code, flat 4 GiB */
gdt_end:
	.balign 8
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt

	.globl ap_next, ap_parked
ap_next:
	.long 0
ap_parked:
	.long 0

	.bss
	.balign 4096
	.globl pml4, pdpt, pd
pml4:
	.skip 4096
pdpt:
	.skip 4096
pd:
	.skip 4 * 4096
	.globl bsp_stack_top, ap_stacks
bsp_stack:
	.skip BSP_STACK_SIZE
bsp_stack_top:
ap_stacks:
	.skip AP_STACK_SIZE * MAX_CPUS

/* PVH: the 32-bit entry point, for loaders (QEMU, our VMM) that read it. */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4f - 3f /* namesz */
	.long 6f - 5f /* descsz */
	.long 18      /* XEN_ELFNOTE_PHYS32_ENTRY */
3:	.asciz "Xen"
4:	.balign 4
5:	.quad pvh_start
6:	.balign 4

	.section .note.GNU-stack, "", @progbits
