/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACPI sleep registers (src/sleep.h) as a pure state machine: S5 to
 * the control register powers off, whatever the reserved bits; other
 * sleep types are ignored and set WAK_STS (write-1-to-clear), so a guest
 * waiting for the wake-up resumes; writes without SLP_EN do nothing; the
 * control register reads 0. Every byte value is tried on both registers.
 * Prints TAP.
 */
#include "sleep.h"

#include <cvmm/acpi.h>

#include <stdbool.h>
#include <stdio.h>

static int n, failed;
static unsigned poweroffs;

static void tap(bool ok, const char *what)
{
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, what);
	failed |= !ok;
}

static void on_poweroff(void *ctx)
{
	(void)ctx;
	poweroffs++;
}

int main(void)
{
	struct rvmm_sleep s;
	bool ok = true;
	unsigned expected = 0;

	printf("1..8\n");
	rvmm_sleep_init(&s, on_poweroff, NULL);
	tap(rvmm_sleep_read(&s, RVMM_SLEEP_CONTROL) == 0 &&
		rvmm_sleep_read(&s, RVMM_SLEEP_STATUS) == 0,
	    "both registers read 0 at start");

	rvmm_sleep_write(&s, RVMM_SLEEP_CONTROL, CVMM_ACPI_SLEEP_S5);
	tap(poweroffs == 1 && rvmm_sleep_read(&s, RVMM_SLEEP_STATUS) == 0 &&
		s.ignored == 0,
	    "0x34 (SLP_EN, SLP_TYP 5) to the control register powers off");

	/* Every value: power off exactly when SLP_EN and SLP_TYP 5, reserved
	 * bits (0-1, 6-7) ignored; otherwise nothing but WAK_STS. */
	poweroffs = 0;
	for (unsigned v = 0; v < 256; v++) {
		bool s5 = (v & 0x3c) == 0x34;
		bool sleep = (v & CVMM_ACPI_SLP_EN) != 0;

		rvmm_sleep_init(&s, on_poweroff, NULL);
		rvmm_sleep_write(&s, RVMM_SLEEP_CONTROL, (uint8_t)v);
		expected += s5;
		if (poweroffs != expected ||
		    s.ignored != (uint64_t)(sleep && !s5) ||
		    rvmm_sleep_read(&s, RVMM_SLEEP_STATUS) !=
			(sleep && !s5 ? CVMM_ACPI_WAK_STS : 0) ||
		    rvmm_sleep_read(&s, RVMM_SLEEP_CONTROL) != 0) {
			printf("# control 0x%02x: %u power-offs, %llu "
			       "ignored\n",
			       v, poweroffs, (unsigned long long)s.ignored);
			ok = false;
		}
	}
	tap(ok && expected == 16,
	    "every control value: S5 (16 of 256) powers off, other sleep "
	    "types ignored with WAK_STS, no SLP_EN does nothing");

	rvmm_sleep_init(&s, on_poweroff, NULL);
	poweroffs = 0;
	rvmm_sleep_write(&s, RVMM_SLEEP_CONTROL, 0x20 | (3u << 2));
	tap(s.ignored == 1 && poweroffs == 0 &&
		rvmm_sleep_read(&s, RVMM_SLEEP_STATUS) == CVMM_ACPI_WAK_STS,
	    "S3 request: ignored, WAK_STS set (the guest's poll ends)");

	rvmm_sleep_write(&s, RVMM_SLEEP_STATUS, 0x7f);
	tap(rvmm_sleep_read(&s, RVMM_SLEEP_STATUS) == CVMM_ACPI_WAK_STS,
	    "writing 0 to WAK_STS leaves it set");
	rvmm_sleep_write(&s, RVMM_SLEEP_STATUS, CVMM_ACPI_WAK_STS);
	tap(rvmm_sleep_read(&s, RVMM_SLEEP_STATUS) == 0,
	    "writing 1 to WAK_STS clears it");

	/* A guest looping on an unsupported sleep: counted, logged only
	 * rate-limited, never ends the VM. */
	for (unsigned i = 0; i < 1000; i++)
		rvmm_sleep_write(&s, RVMM_SLEEP_CONTROL, 0x20 | (1u << 2));
	tap(s.ignored == 1001 && poweroffs == 0 &&
		cvmm_sys_ratelimit_suppressed(&s.log) >= 900,
	    "1000 S1 requests: ignored, the log rate-limited");

	ok = true;
	for (unsigned v = 0; v < 256; v++) {
		rvmm_sleep_init(&s, on_poweroff, NULL);
		rvmm_sleep_write(&s, RVMM_SLEEP_STATUS, (uint8_t)v);
		rvmm_sleep_write(&s, 2, (uint8_t)v);
		ok = ok && poweroffs == 0 && s.ignored == 0 &&
		     rvmm_sleep_read(&s, RVMM_SLEEP_STATUS) == 0 &&
		     rvmm_sleep_read(&s, 2) == 0xff;
	}
	tap(ok, "no status value powers off; offsets beyond the two "
		"registers do nothing and read open bus");
	return failed;
}
