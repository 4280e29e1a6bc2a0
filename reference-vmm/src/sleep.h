/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACPI sleep registers of the hardware-reduced FADT (acpi-tables'
 * cvmm/acpi.h): how a guest powers the VM off.
 *
 *   0x600  SLEEP_CONTROL_REG. A write for which cvmm_acpi_is_poweroff()
 *          is true (SLP_EN with \_S5_'s SLP_TYP: 0x34, reserved bits
 *          ignored) calls poweroff(ctx), which ends the VM with
 *          RVMM_EXIT_POWEROFF. SLP_EN with any other SLP_TYP asks for a
 *          sleep state the VMM does not have (the DSDT offers only \_S5_):
 *          ignored, not an error, logged rate-limited, and WAK_STS is set
 *          so that a guest waiting for the wake-up (ACPICA polls WAK_STS
 *          after the write) carries on at once instead of spinning
 *          forever. Writes without SLP_EN (ACPICA's wake preparation
 *          writes SLP_TYP alone) do nothing. Reads give 0: SLP_EN reads as
 *          0 by definition and no sleep type is kept.
 *   0x601  SLEEP_STATUS_REG. Reads give WAK_STS (0x80) while it is set,
 *          else 0; nothing else in it exists here. Writing 1 to WAK_STS
 *          clears it (the spec's write-1-to-clear; ACPICA does so before
 *          every sleep); other bits are ignored.
 * Both are 8-bit registers. A wider access is split into bytes by the
 * port handler, as for the other byte-wide devices (a 2-byte write at
 * 0x600 writes the control register, then the status register); one that
 * runs past 0x601 never reaches the device (unhandled, open bus).
 *
 * A pure state machine (no KVM, no locks of its own): devices.c calls it
 * with the device lock held, the tests call it directly. The struct is
 * the caller's memory and holds no resources; ctx is borrowed.
 */
#ifndef RVMM_SLEEP_H
#define RVMM_SLEEP_H

#include <cvmm/sys-ratelimit.h>

#include <stdint.h>

#define RVMM_SLEEP_CONTROL_PORT 0x600u
#define RVMM_SLEEP_STATUS_PORT	0x601u
#define RVMM_SLEEP_PORTS	2u
/* Offsets of the two registers in the range at RVMM_SLEEP_CONTROL_PORT. */
#define RVMM_SLEEP_CONTROL 0u
#define RVMM_SLEEP_STATUS  1u

struct rvmm_sleep {
	void (*poweroff)(void *ctx);
	void *ctx;
	uint8_t status;	  /* CVMM_ACPI_WAK_STS or 0 */
	uint64_t ignored; /* sleep requests for states the VMM lacks */
	struct cvmm_sys_ratelimit log;
};

/* Start with WAK_STS clear; poweroff(ctx) is called on each S5 write. */
void rvmm_sleep_init(struct rvmm_sleep *s, void (*poweroff)(void *ctx),
		     void *ctx);

/* The byte at offset (RVMM_SLEEP_CONTROL or _STATUS; others read 0xff). */
uint8_t rvmm_sleep_read(struct rvmm_sleep *s, uint64_t offset);

/* The guest writes value at offset (see the top). */
void rvmm_sleep_write(struct rvmm_sleep *s, uint64_t offset, uint8_t value);

#endif
