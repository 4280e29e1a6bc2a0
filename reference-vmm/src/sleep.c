/* SPDX-License-Identifier: Apache-2.0 */
#include "sleep.h"

#include <cvmm/acpi.h>

#include <stdio.h>

static void log_sink(void *ctx, const char *msg)
{
	(void)ctx;
	(void)fprintf(stderr, "reference-vmm: %s\n", msg);
}

void rvmm_sleep_init(struct rvmm_sleep *s, void (*poweroff)(void *ctx),
		     void *ctx)
{
	s->poweroff = poweroff;
	s->ctx = ctx;
	s->status = 0;
	s->ignored = 0;
	/* As the buses' logs: a guest looping on a sleep request cannot
	 * flood stderr. */
	cvmm_sys_ratelimit_init(&s->log, 10, 1000000000ull, NULL, NULL);
}

uint8_t rvmm_sleep_read(struct rvmm_sleep *s, uint64_t offset)
{
	if (offset == RVMM_SLEEP_CONTROL)
		return 0;
	if (offset == RVMM_SLEEP_STATUS)
		return s->status;
	/* Unreachable through the bus (the range is two ports wide). */
	return 0xff;
}

void rvmm_sleep_write(struct rvmm_sleep *s, uint64_t offset, uint8_t value)
{
	unsigned slp_typ;

	if (offset == RVMM_SLEEP_STATUS) {
		if (value & CVMM_ACPI_WAK_STS)
			s->status = 0;
		return;
	}
	if (offset != RVMM_SLEEP_CONTROL || !(value & CVMM_ACPI_SLP_EN))
		return;
	if (cvmm_acpi_is_poweroff(value)) {
		s->poweroff(s->ctx);
		return;
	}
	slp_typ = (value & CVMM_ACPI_SLP_TYP_MASK) >> CVMM_ACPI_SLP_TYP_SHIFT;
	s->ignored++;
	/* The "sleep" is over at once: a guest polling WAK_STS resumes. */
	s->status = CVMM_ACPI_WAK_STS;
	cvmm_sys_ratelimit_log(&s->log, log_sink, NULL,
			       "sleep type %u requested (0x%02x to the sleep "
			       "control register, port 0x%x): only S5 (power "
			       "off) exists, ignored",
			       slp_typ, value, RVMM_SLEEP_CONTROL_PORT);
}
