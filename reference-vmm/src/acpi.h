/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACPI tables a guest finds its processors with (Debian's kernels are
 * built without MP-table support, so ACPI's MADT is the only way to SMP):
 *
 *   0xe0000  RSDP (ACPI 2.0), given to the kernel in the zero page
 *            (acpi_rsdp_addr) or PVH start_info (rsdp_paddr), and where a
 *            kernel that scans 0xe0000-0xfffff finds it anyway
 *   0xe0040  XSDT: FADT, MADT
 *   0xe0100  FADT (revision 6): hardware-reduced ACPI, DSDT, the RTC's
 *            century register, an i8042 present and no VGA, and the reset
 *            register: 0xfe to port 0x64 (the i8042), so reboot=a works
 *   0xe0240  DSDT: COM1 (PNP0501), the i8042 (PNP0303) and the RTC
 *            (PNP0B00) with their ports and IRQs, in \_SB: a kernel in
 *            hardware-reduced mode has no legacy IRQs of its own and
 *            wires the UART's IRQ only for a device ACPI describes
 *   0xe0400  MADT: one enabled local APIC per vCPU (APIC ID i), the IOAPIC
 *            at 0xfec00000 from GSI 0 (KVM's default routing sends GSI i
 *            to pin i), LINT1 as NMI on every processor
 * All of it inside the reserved e820 range [0xe0000, 0x100000) (memory.h).
 * This is the job of the acpi-tables component the design plans; it is
 * here until that component exists.
 */
#ifndef RVMM_ACPI_H
#define RVMM_ACPI_H

#include "err.h"

#include <cvmm/mem.h>

#define RVMM_ACPI_RSDP_ADDR 0xe0000ull
#define RVMM_IOAPIC_ADDR    0xfec00000u
#define RVMM_LAPIC_ADDR	    0xfee00000u

/* Write the tables for vcpus processors into guest memory. */
RVMM_MUST_CHECK int rvmm_acpi_write(const struct cvmm_mem *mem, uint32_t vcpus,
				    struct rvmm_err *e);

#endif
