/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM: its layout, its memory map, and its backing.
 *
 *   0x0000_0000 .. 0x0009_ffff  RAM (boot data: GDT, IDT, page tables, zero
 *                               page, start_info, command line)
 *   0x000a_0000 .. 0x000d_ffff  hole (legacy VGA and option ROMs)
 *   0x000e_0000 .. 0x000f_ffff  reserved: the ACPI tables (loader.h), where
 *                               the BIOS area would be
 *   0x0010_0000 .. low end      RAM: kernel, initrd
 *   low end     .. 4 GiB        hole: MMIO (IOAPIC 0xfec00000, LAPIC
 *                               0xfee00000)
 *   4 GiB       .. 4 GiB + rest RAM, when --mem is above 3 GiB
 *
 * Low RAM ends at min(--mem, 3 GiB). The backing is vm-memory's anonymous
 * mmap backend (guard pages around each region): [0, low end) is one
 * region, the memory above 4 GiB another; the holes below 1 MiB are backed
 * too (so one KVM slot covers low memory) but the e820 map does not offer
 * them to the guest.
 *
 * Ownership: rvmm_memory_create() maps; rvmm_memory_destroy() unmaps.
 */
#ifndef RVMM_MEMORY_H
#define RVMM_MEMORY_H

#include "err.h"

#include <cvmm/ll-boot.h>
#include <cvmm/mem-mmap.h>

#define RVMM_LEGACY_START 0xa0000ull
#define RVMM_BIOS_START	  0xe0000ull
#define RVMM_HIMEM_START  0x100000ull
#define RVMM_MMIO_START	  0xc0000000ull
#define RVMM_HIGH_START	  0x100000000ull

struct rvmm_memory {
	struct cvmm_mem_mmap *mm;
	struct cvmm_mem mem; /* borrowed from mm */
	uint64_t low_end;    /* end of the RAM below 4 GiB */
	uint64_t high_size;  /* RAM above 4 GiB (0: none) */
	struct cvmm_ll_e820 e820;
};

/* Map mem_mib MiB of guest RAM and build its e820 map. */
RVMM_MUST_CHECK int rvmm_memory_create(uint32_t mem_mib, struct rvmm_memory *m,
				       struct rvmm_err *e);

void rvmm_memory_destroy(struct rvmm_memory *m);

#endif
