/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ELF64 x86-64 kernels (vmlinux), loaded by physical address (p_paddr), with
 * the PVH entry point from the Xen note XEN_ELFNOTE_PHYS32_ENTRY.
 *
 * Checks, each refused with a message naming the field and its values:
 *   - the ELF header: magic, ELFCLASS64, little-endian, version 1, ET_EXEC,
 *     EM_X86_64, e_ehsize 64, e_phentsize 56, 1 <= e_phnum <=
 *     CVMM_LL_ELF_MAX_PHDRS, the program header table inside the file;
 *   - each PT_LOAD: p_offset + p_filesz inside the file, p_filesz <=
 *     p_memsz, p_paddr + p_memsz without wrap and writable guest memory;
 *     no two PT_LOAD segments overlap; at least one; e_entry inside one;
 *   - each PT_NOTE: inside the file; its notes walked one by one, each
 *     header, name and descriptor (padded to 4, or 8 when p_align is 8)
 *     inside the segment, so a note with a huge or wrapping size cannot
 *     loop or read beyond it; the PHYS32_ENTRY descriptor 4 or 8 bytes,
 *     below 4 GiB, inside a PT_LOAD segment.
 */
#ifndef CVMM_LL_ELF_H
#define CVMM_LL_ELF_H

#include <cvmm/ll.h>

/* Program headers read at most (a vmlinux has about five). */
#define CVMM_LL_ELF_MAX_PHDRS 64u

/* The Xen note type giving the 32-bit PVH entry point. */
#define CVMM_LL_XEN_ELFNOTE_PHYS32_ENTRY 18u

/* Options of cvmm_ll_elf_load(). */
#define CVMM_LL_ELF_REQUIRE_PVH 0x1u /* -ENOENT without a PVH entry note */

/* One loaded segment. */
struct cvmm_ll_elf_segment {
	uint64_t offset; /* p_offset */
	uint64_t paddr;	 /* p_paddr: where it was written */
	uint64_t filesz; /* bytes copied from the file */
	uint64_t memsz;	 /* bytes of guest memory: the rest zero-filled */
	uint32_t flags;	 /* p_flags */
};

struct cvmm_ll_elf_result {
	cvmm_mem_gpa entry; /* e_entry: the 64-bit entry */
	bool has_pvh_entry;
	cvmm_mem_gpa pvh_entry; /* XEN_ELFNOTE_PHYS32_ENTRY, if present */
	/* From the lowest p_paddr to the highest p_paddr + p_memsz; only the
	 * segments themselves are written. */
	struct cvmm_ll_range load;
	uint32_t segment_count; /* PT_LOAD segments with p_memsz > 0 */
	struct cvmm_ll_elf_segment segments[CVMM_LL_ELF_MAX_PHDRS];
};

/*
 * Validate the ELF image in src (every check above, including that each
 * segment is writable guest memory) and only then load each PT_LOAD
 * segment at p_paddr: p_filesz bytes from the file, then zeros up to
 * p_memsz. flags: CVMM_LL_ELF_REQUIRE_PVH. Guest memory outside the
 * segments is never written, even when a copy fails halfway. On failure
 * *out is untouched.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_elf_load(const struct cvmm_mem *mem,
					const struct cvmm_ll_source *src,
					uint32_t flags,
					struct cvmm_ll_elf_result *out,
					struct cvmm_ll_error *err);

#endif
