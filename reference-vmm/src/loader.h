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
 *   0xe0000  the ACPI tables (acpi-tables component), RSDP first, in the
 *            e820-reserved range [0xe0000, 0x100000) (memory.h)
 * Ports the ACPI tables name (devices.h): the reset register 0x64 (the
 * i8042), the sleep control and status registers 0x600 and 0x601
 * (sleep.h).
 */
#ifndef RVMM_LOADER_H
#define RVMM_LOADER_H

#include "memory.h"
#include "options.h"

#include <cvmm/acpi.h>
#include <cvmm/x86-boot.h>

#define RVMM_CMDLINE_ADDR 0x20000ull
#define RVMM_CMDLINE_MAX  0x10000u
/* The ACPI tables: where the RSDP is, and the room they have. */
#define RVMM_ACPI_RSDP_ADDR RVMM_BIOS_START
#define RVMM_ACPI_MAX	    (RVMM_HIMEM_START - RVMM_BIOS_START)
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

/*
 * Write the ACPI tables for vcpus processors at RVMM_ACPI_RSDP_ADDR: the
 * acpi-tables component's PC defaults (IOAPIC 0xfec00000, LAPIC
 * 0xfee00000, COM1, the i8042 and the RTC in the DSDT, reset by 0xfe to
 * port 0x64), the virtio-mmio devices virtio[0..nvirtio) in the DSDT
 * (LNRO0005, window and GSI; virtio.h), plus the sleep control and status
 * registers at ports 0x600 and 0x601 and \_S5_ in the DSDT (power off,
 * sleep.h). The kernel
 * is given the RSDP's address by rvmm_load() (zero page or start_info),
 * and finds it by scanning 0xe0000-0xfffff too.
 */
RVMM_MUST_CHECK int rvmm_load_acpi(const struct cvmm_mem *mem, uint32_t vcpus,
				   const struct cvmm_acpi_virtio_mmio *virtio,
				   size_t nvirtio, struct rvmm_err *e);

#endif
