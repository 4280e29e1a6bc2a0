/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Putting a kernel into guest memory with linux-loader, and everything it
 * is entered with: command line, initrd, zero page or PVH start_info, and
 * arch-x86's GDT, IDT and identity page tables.
 *
 * The image kind is told by its magic: "\177ELF" is an ELF vmlinux (booted
 * through its PVH note), anything else must be a bzImage (whose parser
 * names the field at fault when it is not). With --boot-protocol pvh a
 * bzImage's compressed payload is extracted and booted as the ELF it is.
 *
 * Fixed addresses (in low RAM, clear of arch-x86's tables at
 * 0x500..0xffff):
 *   0x6000   PVH start_info with its memory map (CVMM_X86_PVH_START_INFO_ADDR)
 *   0x7000   zero page (CVMM_X86_ZERO_PAGE_ADDR)
 *   0x20000  command line
 */
#ifndef RVMM_LOADER_H
#define RVMM_LOADER_H

#include "memory.h"
#include "options.h"

#include <cvmm/x86-boot.h>

#define RVMM_CMDLINE_ADDR 0x20000ull
#define RVMM_CMDLINE_MAX  0x10000u
/* The most guest memory an extracted vmlinux may take. */
#define RVMM_PAYLOAD_MAX ((size_t)512 << 20)

struct rvmm_boot {
	enum cvmm_x86_boot_mode mode;
	uint64_t entry;
	uint64_t info; /* zero page (LINUX64) or start_info (PVH) address */
	uint64_t initrd_addr;
	uint64_t initrd_size;
	char what[160]; /* one line saying what was loaded where */
};

/*
 * Load o->kernel (and o->initrd) into m's memory as o->protocol says and
 * fill *b. Errors carry the loader's message, which names the field.
 */
RVMM_MUST_CHECK int rvmm_load(const struct rvmm_options *o,
			      const struct rvmm_memory *m, struct rvmm_boot *b,
			      struct rvmm_err *e);

#endif
