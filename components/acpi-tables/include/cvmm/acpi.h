/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm acpi-tables: the ACPI tables of an x86 microVM, built from what the
 * VMM knows into a caller's buffer.
 *
 * One call builds a contiguous blob meant for guest address cfg->base:
 *
 *   offset 0      RSDP, revision 2 (ACPI 2.0+), both checksums; hand its
 *                 address to the kernel (boot_params.acpi_rsdp_addr, PVH
 *                 start_info.rsdp_paddr), or put base in 0xe0000-0xfffff
 *                 where a kernel scanning for "RSD PTR " finds it
 *   offset 48     XSDT: the FADT and the MADT
 *   offset 112    FADT, revision 6 (ACPI 6.4): hardware-reduced ACPI (no
 *                 PM blocks, no SCI, no FACS), the DSDT, the reset register
 *                 and the sleep control/status registers when given, the
 *                 i8042 and RTC flags
 *   offset 400    DSDT: the legacy devices asked for and every virtio-mmio
 *                 device in \_SB, and \_S5_ when the sleep registers exist
 *   after it      MADT: one enabled local APIC per vCPU (APIC ID = ACPI
 *                 processor UID = index), the IOAPIC (ID = vcpus, GSI base
 *                 0), LINT1 as NMI on every processor
 * Each table starts on a 16-byte boundary; padding is zero.
 * cvmm_acpi_layout() gives every table's address and length.
 *
 * The DSDT (AML written by the component's own small builder):
 *   Scope (\_SB) {
 *     Device (COM1)  PNP0501, _UID 0: IO 0x3F8-0x3FF, IRQNoFlags {4}
 *     Device (KBC0)  PNP0303, _UID 0: IO 0x60, IO 0x64, IRQNoFlags {1}
 *     Device (RTC0)  PNP0B00, _UID 0: IO 0x70-0x71, IRQNoFlags {8}
 *     Device (VRnn)  "LNRO0005", _UID n: Memory32Fixed (ReadWrite, base,
 *                    size), Interrupt (ResourceConsumer, Edge, ActiveHigh,
 *                    Exclusive) {gsi}  -- Linux's virtio-mmio ACPI binding,
 *                    as QEMU microvm and Firecracker describe it; nn is the
 *                    device's index in hex (VR00..VR17)
 *   }
 *   Name (\_S5_, Package (4) {5, 0, 0, 0})
 * A kernel in hardware-reduced mode has no legacy IRQs of its own and wires
 * a UART's IRQ only for a device ACPI describes, so the legacy devices the
 * VMM emulates belong in the DSDT.
 *
 * Power off. ACPI 5.0+ hardware-reduced platforms sleep through the FADT's
 * SLEEP_CONTROL_REG and SLEEP_STATUS_REG (8 bits each). To power off, a
 * guest takes SLP_TYP from \_S5_ (CVMM_ACPI_S5_SLP_TYP, 5) and writes
 * (SLP_TYP << 2) | SLP_EN, i.e. CVMM_ACPI_SLEEP_S5 = 0x34, as one byte to
 * the sleep control register; cvmm_acpi_is_poweroff() recognises it. The
 * VMM then ends the VM. \_S5_ is only emitted when the registers are, so a
 * guest never tries a power-off path that does nothing.
 *
 * Errors. Every fallible function returns 0 or a negative errno:
 *   -EINVAL      NULL cfg or result pointer, a NULL buffer with a non-zero
 *                capacity, unknown legacy bits or register space, only one
 *                of the two sleep registers, an I/O register above port
 *                0xffff (0xfffe for the sleep registers, which take one
 *                byte each), a NULL device list with a non-zero count, a
 *                zero-sized window, or vcpus == 0;
 *   -E2BIG       vcpus > CVMM_ACPI_VCPUS_MAX, or more than
 *                CVMM_ACPI_VIRTIO_MAX virtio-mmio devices;
 *   -EDOM        misaligned: base not a multiple of 16, or a window's base
 *                or size not a multiple of CVMM_ACPI_VIRTIO_ALIGN;
 *   -EOVERFLOW   a window wraps or ends above 4 GiB (Memory32Fixed), or
 *                base + the tables' size wraps;
 *   -EADDRINUSE  two windows overlap, or a window overlaps the 4 KiB page
 *                of the local APIC or of the IOAPIC;
 *   -ERANGE      a device's GSI is not an IOAPIC pin (>= CVMM_ACPI_GSI_MAX);
 *   -EBUSY       two devices share a GSI, or a device uses the timer's (0
 *                or 2) or that of a legacy device described (4 COM1,
 *                1 i8042, 8 RTC): the interrupts are edge-triggered and
 *                cannot be shared;
 *   -ENOSPC      the buffer is smaller than the tables.
 * A failed call writes nothing into the buffer.
 *
 * Ownership. Nothing is allocated and nothing is kept: the configuration
 * and its device list are read during the call only, and the tables are
 * written into the caller's buffer. There is no global state; calls are
 * independent and thread-safe as long as their buffers differ.
 * cvmm/acpi-mem.h writes the same tables into guest memory.
 */
#ifndef CVMM_ACPI_H
#define CVMM_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CVMM_ACPI_MUST_CHECK __attribute__((warn_unused_result))

/* Processors: APIC IDs 0..vcpus-1 and the IOAPIC's ID after them, all
 * below 0xff (the broadcast ID). */
#define CVMM_ACPI_VCPUS_MAX 254u
/* virtio-mmio devices: no more than there are pins for their (unshared)
 * interrupts; named VR00..VR17. */
#define CVMM_ACPI_VIRTIO_MAX 24u
/* A virtio-mmio window: 0x100 bytes of registers and the device's
 * configuration space; QEMU microvm spaces its devices 0x200 apart. */
#define CVMM_ACPI_VIRTIO_ALIGN 0x200u
/* GSIs a device may use: the pins of the one IOAPIC (KVM's has 24). */
#define CVMM_ACPI_GSI_MAX 24u

/* The PC's usual interrupt controller addresses. */
#define CVMM_ACPI_LAPIC_ADDR  0xfee00000u
#define CVMM_ACPI_IOAPIC_ADDR 0xfec00000u

/* Legacy devices the DSDT describes (cvmm_acpi_config.legacy). */
#define CVMM_ACPI_LEGACY_COM1  0x1u /* PNP0501: 0x3f8-0x3ff, IRQ 4 */
#define CVMM_ACPI_LEGACY_I8042 0x2u /* PNP0303: 0x60, 0x64, IRQ 1 */
#define CVMM_ACPI_LEGACY_RTC   0x4u /* PNP0B00: 0x70-0x71, IRQ 8 */
#define CVMM_ACPI_LEGACY_ALL   0x7u

/* The guest's power-off write to the sleep control register. */
#define CVMM_ACPI_S5_SLP_TYP	5u
#define CVMM_ACPI_SLP_TYP_SHIFT 2u
#define CVMM_ACPI_SLP_TYP_MASK	0x1cu
#define CVMM_ACPI_SLP_EN	0x20u
#define CVMM_ACPI_SLEEP_S5                                                     \
	((CVMM_ACPI_S5_SLP_TYP << CVMM_ACPI_SLP_TYP_SHIFT) | CVMM_ACPI_SLP_EN)
/* Sleep status register: the guest polls WAK_STS after a sleep. */
#define CVMM_ACPI_WAK_STS 0x80u

/* Where a register lives. */
enum cvmm_acpi_space {
	CVMM_ACPI_SPACE_NONE = 0, /* no such register */
	CVMM_ACPI_SPACE_IO,	  /* a port: addr <= 0xffff */
	CVMM_ACPI_SPACE_MMIO,	  /* a guest physical address */
};

/* A one-byte register (ACPI Generic Address Structure, byte access). */
struct cvmm_acpi_reg {
	enum cvmm_acpi_space space;
	uint64_t addr;
};

/* A virtio-mmio device: its register window and its interrupt. */
struct cvmm_acpi_virtio_mmio {
	uint64_t base; /* guest physical; multiple of CVMM_ACPI_VIRTIO_ALIGN */
	uint64_t size; /* non-zero multiple of CVMM_ACPI_VIRTIO_ALIGN */
	uint32_t gsi;  /* IOAPIC pin, below CVMM_ACPI_GSI_MAX */
};

/*
 * What to describe. Start from cvmm_acpi_config_init() and change what
 * differs. virtio (borrowed for the call) lists virtio_count devices, in
 * _UID order.
 */
struct cvmm_acpi_config {
	uint64_t base;	      /* guest address of the RSDP; multiple of 16 */
	uint32_t vcpus;	      /* 1..CVMM_ACPI_VCPUS_MAX */
	uint32_t lapic_addr;  /* MADT local APIC address */
	uint32_t ioapic_addr; /* MADT IOAPIC address */
	unsigned legacy;      /* CVMM_ACPI_LEGACY_* */
	const struct cvmm_acpi_virtio_mmio *virtio;
	size_t virtio_count;
	/* Both or neither: the guest's power-off path (see above). */
	struct cvmm_acpi_reg sleep_control;
	struct cvmm_acpi_reg sleep_status;
	/* FADT RESET_REG; the guest writes reset_value to reboot. */
	struct cvmm_acpi_reg reset;
	uint8_t reset_value;
};

/* Where each table is (guest physical addresses) and how long it is. */
struct cvmm_acpi_layout {
	uint64_t rsdp, xsdt, fadt, dsdt, madt;
	uint32_t rsdp_len, xsdt_len, fadt_len, dsdt_len, madt_len;
	size_t total; /* bytes from base to the MADT's end */
};

/*
 * Fill *cfg with a PC's defaults for vcpus processors at base: the LAPIC
 * and IOAPIC at their usual addresses, COM1, the i8042 and the RTC, reset
 * by writing 0xfe to port 0x64 (the i8042's pulse-reset command), no
 * virtio devices, no sleep registers (set them to enable power-off).
 */
void cvmm_acpi_config_init(struct cvmm_acpi_config *cfg, uint64_t base,
			   uint32_t vcpus);

/*
 * Validate *cfg and store where each table will be in *out. Errors: see
 * above (not -ENOSPC); *out is untouched on failure.
 */
CVMM_ACPI_MUST_CHECK int cvmm_acpi_layout(const struct cvmm_acpi_config *cfg,
					  struct cvmm_acpi_layout *out);

/*
 * Build the tables for *cfg into buf (cap bytes, borrowed for the call),
 * to be placed at guest address cfg->base. On success *len is the number
 * of bytes written (the layout's total). On -ENOSPC *len is the size
 * needed and buf is untouched; on other errors *len is untouched.
 */
CVMM_ACPI_MUST_CHECK int cvmm_acpi_build(const struct cvmm_acpi_config *cfg,
					 void *buf, size_t cap, size_t *len);

/*
 * True if value, written by the guest to the sleep control register, asks
 * for S5 (power off): SLP_EN set and SLP_TYP equal to \_S5_'s. Reserved
 * bits are ignored, as the spec asks of hardware.
 */
bool cvmm_acpi_is_poweroff(uint8_t value);

#endif
