/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What only the bzImage carries in its protected-mode part:
 *
 *   kernel_info (boot protocol 2.15): "LToP", size 16, size_total 20,
 *   setup_type_max 0 (the probe takes no setup_data types), then the
 *   trailing "LToP" Linux also writes;
 *
 *   the payload (payload_offset/payload_length): the probe's own ELF
 *   (PVH note included), uncompressed, followed by its size as a 32-bit
 *   little-endian trailer, the way the kernel build appends it. A loader
 *   that extracts the vmlinux from a bzImage for the PVH path gets the
 *   probe's ELF.
 *
 * probe.elf is found through the assembler include path (-Wa,-I).
 */
	.section .kernel_info, "a"
	.balign 4
	.globl kernel_info
kernel_info:
	.ascii "LToP"
	.long 1f - kernel_info
	.long 2f - kernel_info
	.long 0
1:	.ascii "LToP"
2:

	.section .payload, "a"
	.balign 16
	.globl payload_start, payload_end
payload_start:
	.incbin "probe.elf"
3:	.long 3b - payload_start
payload_end:

	.section .note.GNU-stack, "", @progbits
