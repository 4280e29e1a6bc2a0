/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Intel MultiProcessor Specification 1.4 table: how a guest without
 * ACPI finds its processors, its IOAPIC and its interrupt routing.
 *
 *   0x9fc00  floating pointer "_MP_" (16 bytes, in the last KiB of base
 *            memory, where Linux's smp_scan_config() looks)
 *   0x9f000  configuration table "PCMP": one processor entry per vCPU
 *            (APIC ID i, the BSP flag on vCPU 0), the ISA bus, the IOAPIC
 *            at 0xfec00000, ISA IRQs 0-15 to IOAPIC pins 0-15 (KVM's
 *            default GSI routing), LINT0 ExtINT and LINT1 NMI.
 * Both lie in the reserved e820 range [0x9f000, 0xa0000) (memory.h).
 */
#ifndef RVMM_MPTABLE_H
#define RVMM_MPTABLE_H

#include "err.h"

#include <cvmm/mem.h>

#define RVMM_MPTABLE_CONFIG_ADDR 0x9f000ull
#define RVMM_MPTABLE_FLOAT_ADDR	 0x9fc00ull
#define RVMM_IOAPIC_ADDR	 0xfec00000u
#define RVMM_LAPIC_ADDR		 0xfee00000u

/* Write the table for vcpus processors. -E2BIG if they do not fit. */
RVMM_MUST_CHECK int rvmm_mptable_write(const struct cvmm_mem *mem,
				       uint32_t vcpus, struct rvmm_err *e);

#endif
