/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bzImage's real-mode part: the boot sector, the setup header (boot
 * protocol 2.15) and a little 16-bit code for loaders that enter the
 * kernel the old way, at the setup code (QEMU does, through its option
 * ROM or qboot).
 *
 * Linked at address 0 (offsets from the start of the real-mode segment).
 * Loaders that use the 32- or 64-bit boot protocol read the header and
 * never run this code.
 *
 * The 16-bit path does what Linux's setup does, minimally: a zeroed
 * boot_params at seg:BP_OFF with a copy of the header (as the loader filled
 * it in) and the BIOS's e820 map (int 0x15, eax = 0xe820), then protected
 * mode with a flat GDT and a jump to code32_start with esi = boot_params.
 * It marks boot_params.scratch with "PB16" so the probe can report that
 * this path was taken.
 */

#define SETUP_SECTS 4
#define BP_OFF 0x1000    /* our boot_params, in the real-mode segment */
#define STACK_TOP 0x3000 /* below 0x8000, which every loader leaves us */
#define HDR_END 0x26c    /* the end of the 2.15 setup header */
#define SCRATCH_BZ16 0x36314250
#define SMAP 0x534d4150

	.section .setup, "ax"
	.code16
	.globl setup_start
setup_start:
	/* Booted as a floppy or disk sector: there is nothing to do. */
	cli
1:	hlt
	jmp 1b

	.org 0x1f1
hdr:
setup_sects:		.byte SETUP_SECTS
root_flags:		.word 0
syssize:		.long probe_syssize
ram_size:		.word 0
vid_mode:		.word 0xffff
root_dev:		.word 0
boot_flag:		.word 0xaa55
	/* 0x200: the real-mode entry; the jump's length says where the
	 * header ends. */
			.byte 0xeb, start_of_setup - 2f
2:
header:			.ascii "HdrS"
version:		.word 0x020f
realmode_swtch:		.long 0
start_sys_seg:		.word 0x1000
kernel_version_ptr:	.word kernel_version - 0x200
type_of_loader:		.byte 0
loadflags:		.byte 0x01 /* LOADED_HIGH */
setup_move_size:	.word 0x8000
code32_start:		.long 0x100000
ramdisk_image:		.long 0
ramdisk_size:		.long 0
bootsect_kludge:	.long 0
heap_end_ptr:		.word 0
ext_loader_ver:		.byte 0
ext_loader_type:	.byte 0
cmd_line_ptr:		.long 0
initrd_addr_max:	.long 0x7fffffff
kernel_alignment:	.long 0x200000
relocatable_kernel:	.byte 0
min_alignment:		.byte 21
xloadflags:		.word 0x0001 /* XLF_KERNEL_64 */
cmdline_size:		.long 4095
hardware_subarch:	.long 0
hardware_subarch_data:	.quad 0
payload_offset:		.long probe_payload_offset
payload_length:		.long probe_payload_length
setup_data:		.quad 0
pref_address:		.quad 0x100000
init_size:		.long probe_init_size
handover_offset:	.long 0
kernel_info_offset:	.long probe_kernel_info_offset

	/* HDR_END */
start_of_setup:
	cli
	cld
	/* The loader set ds = es = ss = the segment we were loaded at and
	 * jumped to seg + 0x20 : 0. Make cs = ds so our offsets work. */
	pushw %ds
	pushw $3f
	lretw
3:	mov %ds, %ax
	mov %ax, %es
	mov %ax, %ss
	mov $STACK_TOP, %sp

	/* boot_params: zeros, then the header as the loader left it. */
	xor %eax, %eax
	mov $BP_OFF, %di
	mov $1024, %cx
	rep stosl
	mov $0x1f1, %si
	mov $BP_OFF + 0x1f1, %di
	mov $HDR_END - 0x1f1, %cx
	rep movsb

	/* The e820 map from the BIOS, at most 128 entries of 20 bytes. */
	xor %ebx, %ebx
	xor %bp, %bp
	mov $BP_OFF + 0x2d0, %di
4:	mov $0xe820, %eax
	mov $SMAP, %edx
	mov $20, %ecx
	int $0x15
	jc 5f
	cmp $SMAP, %eax
	jne 5f
	inc %bp
	add $20, %di
	test %ebx, %ebx
	jz 5f
	cmp $128, %bp
	jb 4b
5:	mov %bp, %ax
	movb %al, BP_OFF + 0x1e8
	movl $SCRATCH_BZ16, BP_OFF + 0x1e4

	/* Protected mode: patch the linear addresses in, then lgdt. */
	xor %eax, %eax
	mov %ds, %ax
	shl $4, %eax
	addl %eax, gdt16_ptr + 2
	lgdtl gdt16_ptr
	lea BP_OFF(%eax), %esi
	lea pm32(%eax), %ebx
	pushl $0x10
	pushl %ebx
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	lretl

	.code32
pm32:
	mov $0x18, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	jmp *0x214(%esi) /* boot_params.hdr.code32_start */

	.balign 8
gdt16:
	.quad 0
	.quad 0
	.quad 0x00cf9b000000ffff /* 0x10: 32-bit code (__BOOT_CS) */
	.quad 0x00cf93000000ffff /* 0x18: data (__BOOT_DS) */
gdt16_end:
gdt16_ptr:
	.word gdt16_end - gdt16 - 1
	.long gdt16

kernel_version:
	.asciz "cvmm-probe (probe guest, not a Linux kernel)"

	.section .note.GNU-stack, "", @progbits
