/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Synthetic kernel images built by test code (nothing binary is committed):
 * a small but valid bzImage (protocol 2.15 unless told otherwise) and a
 * small ELF64 vmlinux with a PVH note, for the tests to break field by
 * field.
 */
#ifndef CVMM_LL_TEST_SYNTH_H
#define CVMM_LL_TEST_SYNTH_H

#include <stddef.h>
#include <stdint.h>

/* Layout of the default synthetic bzImage. */
#define SB_SETUP_SECTS	3u
#define SB_SETUP_SIZE	((SB_SETUP_SECTS + 1) * 512u)
#define SB_KERNEL_SIZE	0x3000u
#define SB_TRAILING	64u /* bytes after the kernel, like a signature */
#define SB_PAYLOAD_OFF	0x400u
#define SB_PAYLOAD_LEN	0x100u
#define SB_KINFO_OFF	0x200u
#define SB_PREF		0x100000u
#define SB_INIT_SIZE	0x4000u
#define SB_ALIGN	0x1000u
#define SB_CMDLINE_SIZE 255u

/*
 * A bzImage with the given payload (NULL: SB_PAYLOAD_LEN pattern bytes) at
 * SB_PAYLOAD_OFF of the protected-mode kernel, which is then at least
 * SB_KERNEL_SIZE bytes. Returns a malloc'ed buffer, its size in *len.
 */
uint8_t *synth_bzimage(const void *payload, size_t payload_len, size_t *len);

/* The byte at offset i of the default kernel's protected-mode part. */
uint8_t synth_kernel_byte(size_t i);

/* Layout of the default synthetic ELF. */
#define SE_ENTRY    0x100000u
#define SE_PVH	    0x100010u
#define SE_PHNUM    4u /* LOAD, NOTE, LOAD, and a PT_GNU_STACK */
#define SE_PHOFF    64u
#define SE_NOTE_OFF 0x1800u
#define SE_SIZE	    0x3000u

/* Program header fields, for tests to rewrite. */
#define SE_PH(i)    (SE_PHOFF + 56u * (i))
#define SE_P_TYPE   0u
#define SE_P_FLAGS  4u
#define SE_P_OFFSET 8u
#define SE_P_VADDR  16u
#define SE_P_PADDR  24u
#define SE_P_FILESZ 32u
#define SE_P_MEMSZ  40u
#define SE_P_ALIGN  48u

/*
 * The ELF: segment 0 PT_LOAD file [0x1000, +0x800) at 0x100000, memsz
 * 0x1000 (0x800 of bss); segment 1 PT_NOTE at SE_NOTE_OFF holding a GNU
 * build-id note and the Xen PHYS32_ENTRY note (8-byte SE_PVH); segment 2
 * PT_LOAD file [0x2000, +0x400) at 0x102000; segment 3 PT_GNU_STACK.
 * Returns a malloc'ed SE_SIZE-byte buffer.
 */
uint8_t *synth_elf(void);

/*
 * Rewrite the note segment with notes[0..len) (at most 0x800 bytes) and
 * set its p_filesz and p_align.
 */
void synth_elf_notes(uint8_t *elf, const void *notes, size_t len,
		     uint64_t align);

/* Append one note (namesz from name incl. NUL) at *pos of buf, padded to
 * align; returns the new position. */
size_t synth_note(uint8_t *buf, size_t pos, const char *name, uint32_t type,
		  const void *desc, uint32_t descsz, uint32_t align);

#endif
