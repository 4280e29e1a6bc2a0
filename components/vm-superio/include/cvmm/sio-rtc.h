/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MC146818 CMOS real-time clock of the PC as a pure state machine (see
 * cvmm/sio.h for the rules all vm-superio devices follow). The time comes
 * from an injected clock, so a test fixes it and a VMM passes the host's
 * CLOCK_REALTIME.
 *
 * Ports, by offset from 0x70 (register 0x70..0x71):
 *   0  write: index of the register to access (bits 0-6); bit 7 is the
 *      chipset's NMI-disable bit, which has nothing to disable here: it is
 *      accepted and ignored. Reads return 0xFF (the port is write-only).
 *   1  read/write the register the index selects.
 * Offsets 2 and above read 0xFF and ignore writes.
 *
 * Registers:
 *   0x00 seconds   0x02 minutes   0x04 hours   0x06 day of week (1 = Sunday)
 *   0x07 day of month   0x08 month   0x09 year (00-99)   0x32 century
 *     The time registers. They are encoded in BCD, or in binary when
 *     register B bit 2 (DM) is set; hours are 0-23 with register B bit 1
 *     (24/12) set, else 1-12 with bit 7 meaning PM. The encoding follows
 *     register B at the moment of each read.
 *   0x01 0x03 0x05  alarm seconds, minutes, hours: stored (no alarm fires).
 *   0x0A register A: bits 0-6 stored; bit 7 (update in progress) reads 0,
 *        since an update is instantaneous here.
 *   0x0B register B: SET (bit 7), PIE, AIE, UIE, SQWE, DM, 24/12, DSE, all
 *        stored. Setting SET freezes the time registers (reads return the
 *        frozen values, writes change them) and clears UIE; clearing SET
 *        starts the clock from the values written.
 *   0x0C register C, read-only, cleared by reading: UF (bit 4) is set when
 *        the second has changed since the last read of C (never while SET
 *        is set); IRQF (bit 7) when UF is set and UIE enabled. AF and PF
 *        read 0: no alarm or periodic interrupt is generated, and the
 *        device raises no IRQ 8.
 *   0x0D register D, read-only: VRT (bit 7, valid RAM and time) always 1.
 *   0x0E-0x7F except 0x32: battery-backed RAM, stored; initially 0.
 *
 * Setting the time. A write to a time register while SET is clear takes
 * effect at once; while SET is set it takes effect when SET is cleared.
 * The guest's time is kept as an offset from the injected clock, so it
 * keeps running. A write that does not decode (a BCD nibble above 9, or a
 * field out of its range, such as minute 60 or month 13) is ignored, and
 * so is a date that does not exist (31 April, 29 February of a non-leap
 * year) when it takes effect; each counts in cvmm_sio_rtc_bad_writes().
 * The day of the week is computed from the date; writes to it are
 * accepted and have no effect. Years run from 0000 to 9999 (century
 * register * 100 + year register); clock readings beyond that range show
 * the nearest end.
 *
 * Ownership. cvmm_sio_rtc_create() allocates; cvmm_sio_rtc_destroy()
 * frees. ops and ctx are borrowed and must outlive the device.
 */
#ifndef CVMM_SIO_RTC_H
#define CVMM_SIO_RTC_H

#include <cvmm/sio.h>

#include <stdbool.h>
#include <stdint.h>

#define CVMM_SIO_RTC_INDEX 0u
#define CVMM_SIO_RTC_DATA  1u
/* Size of the range from 0x70 the device decodes. */
#define CVMM_SIO_RTC_PORTS 2u

/* Register indices. */
#define CVMM_SIO_RTC_SECONDS	0x00u
#define CVMM_SIO_RTC_SECONDS_AL 0x01u
#define CVMM_SIO_RTC_MINUTES	0x02u
#define CVMM_SIO_RTC_MINUTES_AL 0x03u
#define CVMM_SIO_RTC_HOURS	0x04u
#define CVMM_SIO_RTC_HOURS_AL	0x05u
#define CVMM_SIO_RTC_WEEKDAY	0x06u
#define CVMM_SIO_RTC_DAY	0x07u
#define CVMM_SIO_RTC_MONTH	0x08u
#define CVMM_SIO_RTC_YEAR	0x09u
#define CVMM_SIO_RTC_REG_A	0x0Au
#define CVMM_SIO_RTC_REG_B	0x0Bu
#define CVMM_SIO_RTC_REG_C	0x0Cu
#define CVMM_SIO_RTC_REG_D	0x0Du
#define CVMM_SIO_RTC_CENTURY	0x32u
#define CVMM_SIO_RTC_NMI_DIS	0x80u

/* Register B bits. */
#define CVMM_SIO_RTC_B_DSE    0x01u
#define CVMM_SIO_RTC_B_24H    0x02u
#define CVMM_SIO_RTC_B_BINARY 0x04u
#define CVMM_SIO_RTC_B_SQWE   0x08u
#define CVMM_SIO_RTC_B_UIE    0x10u
#define CVMM_SIO_RTC_B_AIE    0x20u
#define CVMM_SIO_RTC_B_PIE    0x40u
#define CVMM_SIO_RTC_B_SET    0x80u

/* Register C and D bits. */
#define CVMM_SIO_RTC_C_UF   0x10u
#define CVMM_SIO_RTC_C_IRQF 0x80u
#define CVMM_SIO_RTC_D_VRT  0x80u

/* Register A and B after creation: 32.768 kHz time base, 1024 Hz rate;
 * 24-hour BCD, as PC firmware leaves them. */
#define CVMM_SIO_RTC_A_DEFAULT 0x26u
#define CVMM_SIO_RTC_B_DEFAULT 0x02u

/*
 * The clock: now() returns the current time in seconds since 1970-01-01
 * 00:00:00 UTC (may be negative). Required.
 */
struct cvmm_sio_rtc_ops {
	int64_t (*now)(void *ctx);
};

struct cvmm_sio_rtc;

/*
 * Create an RTC showing the clock's time (offset 0), registers A and B at
 * their defaults, RAM zeroed, index 0.
 * Errors: -EINVAL if ops or ops->now is NULL; -ENOMEM. On failure *out is
 * untouched.
 */
CVMM_SIO_MUST_CHECK int cvmm_sio_rtc_create(const struct cvmm_sio_rtc_ops *ops,
					    void *ctx,
					    struct cvmm_sio_rtc **out);

/* Free an RTC (NULL is allowed). */
void cvmm_sio_rtc_destroy(struct cvmm_sio_rtc *rtc);

/* A guest read at offset (any offset). */
uint8_t cvmm_sio_rtc_read(struct cvmm_sio_rtc *rtc, uint64_t offset);

/* A guest write of value at offset (any offset). */
void cvmm_sio_rtc_write(struct cvmm_sio_rtc *rtc, uint64_t offset,
			uint8_t value);

/*
 * Preset or inspect a byte of battery-backed RAM (0x0E-0x7F, not 0x32),
 * as firmware would before the guest starts. Errors: -ERANGE for any
 * other index (the clock and status registers, the century, >= 0x80).
 */
CVMM_SIO_MUST_CHECK int cvmm_sio_rtc_nvram_set(struct cvmm_sio_rtc *rtc,
					       uint8_t index, uint8_t value);
CVMM_SIO_MUST_CHECK int cvmm_sio_rtc_nvram_get(const struct cvmm_sio_rtc *rtc,
					       uint8_t index, uint8_t *value);

/*
 * The guest's time minus the clock's, in seconds: 0 until the guest sets
 * the time. A VMM may save it and restore it with cvmm_sio_rtc_set_offset()
 * to keep the guest's notion of time across restarts.
 */
int64_t cvmm_sio_rtc_offset(const struct cvmm_sio_rtc *rtc);
void cvmm_sio_rtc_set_offset(struct cvmm_sio_rtc *rtc, int64_t offset);

/* Guest writes to time registers that were ignored (see above). */
uint64_t cvmm_sio_rtc_bad_writes(const struct cvmm_sio_rtc *rtc);

#endif
