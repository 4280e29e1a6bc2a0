/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the CMOS RTC with a fixed, test-controlled clock. */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/sio-rtc.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "alloc-fail.h"

/* 2024-02-29 13:45:56 UTC, a Thursday. */
#define T0 INT64_C(1709214356)

static int64_t clock_now(void *ctx)
{
	return *(const int64_t *)ctx;
}

static const struct cvmm_sio_rtc_ops ops = {clock_now};

static struct cvmm_sio_rtc *make(int64_t *now)
{
	struct cvmm_sio_rtc *rtc = NULL;

	assert_int_equal(cvmm_sio_rtc_create(&ops, now, &rtc), 0);
	return rtc;
}

static uint8_t get(struct cvmm_sio_rtc *rtc, uint8_t reg)
{
	cvmm_sio_rtc_write(rtc, CVMM_SIO_RTC_INDEX, reg);
	return cvmm_sio_rtc_read(rtc, CVMM_SIO_RTC_DATA);
}

static void set(struct cvmm_sio_rtc *rtc, uint8_t reg, uint8_t v)
{
	cvmm_sio_rtc_write(rtc, CVMM_SIO_RTC_INDEX, reg);
	cvmm_sio_rtc_write(rtc, CVMM_SIO_RTC_DATA, v);
}

/* The eight time registers in order: s m h wday day month year century. */
static void expect_time(struct cvmm_sio_rtc *rtc, const uint8_t want[8])
{
	static const uint8_t regs[8] = {
	    CVMM_SIO_RTC_SECONDS, CVMM_SIO_RTC_MINUTES, CVMM_SIO_RTC_HOURS,
	    CVMM_SIO_RTC_WEEKDAY, CVMM_SIO_RTC_DAY,	CVMM_SIO_RTC_MONTH,
	    CVMM_SIO_RTC_YEAR,	  CVMM_SIO_RTC_CENTURY};

	for (int i = 0; i < 8; i++)
		assert_int_equal(get(rtc, regs[i]), want[i]);
}

static void bcd_24h_by_default(void **state)
{
	int64_t now = T0;
	struct cvmm_sio_rtc *rtc = make(&now);

	(void)state;
	expect_time(rtc, (const uint8_t[]){0x56, 0x45, 0x13, 0x05, 0x29, 0x02,
					   0x24, 0x20});
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_A), CVMM_SIO_RTC_A_DEFAULT);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_B), CVMM_SIO_RTC_B_DEFAULT);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_D), CVMM_SIO_RTC_D_VRT);
	/* The clock runs with the injected source. */
	now += 4;
	assert_int_equal(get(rtc, CVMM_SIO_RTC_SECONDS), 0x00);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_MINUTES), 0x46);
	assert_true(cvmm_sio_rtc_offset(rtc) == 0);
	cvmm_sio_rtc_destroy(rtc);
	cvmm_sio_rtc_destroy(NULL);
}

static void binary_and_12_hour_modes(void **state)
{
	int64_t now = T0;
	struct cvmm_sio_rtc *rtc = make(&now);

	(void)state;
	set(rtc, CVMM_SIO_RTC_REG_B,
	    CVMM_SIO_RTC_B_24H | CVMM_SIO_RTC_B_BINARY);
	expect_time(rtc, (const uint8_t[]){56, 45, 13, 5, 29, 2, 24, 20});
	/* 12-hour binary: 13:45 is 1 PM. */
	set(rtc, CVMM_SIO_RTC_REG_B, CVMM_SIO_RTC_B_BINARY);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_HOURS), 0x81);
	/* 12-hour BCD at midnight, noon and 11 PM. */
	set(rtc, CVMM_SIO_RTC_REG_B, 0);
	now = T0 - 13 * 3600; /* 00:45:56 */
	assert_int_equal(get(rtc, CVMM_SIO_RTC_HOURS), 0x12);
	now = T0 - 3600; /* 12:45:56 */
	assert_int_equal(get(rtc, CVMM_SIO_RTC_HOURS), 0x92);
	now = T0 + 10 * 3600; /* 23:45:56 */
	assert_int_equal(get(rtc, CVMM_SIO_RTC_HOURS), 0x91);
	now = T0 - 4 * 3600; /* 09:45:56 */
	assert_int_equal(get(rtc, CVMM_SIO_RTC_HOURS), 0x09);
	cvmm_sio_rtc_destroy(rtc);
}

static void set_time_with_set_bit(void **state)
{
	int64_t now = T0;
	struct cvmm_sio_rtc *rtc = make(&now);

	(void)state;
	/* hwclock's sequence: SET, write every field, clear SET. */
	set(rtc, CVMM_SIO_RTC_REG_B,
	    CVMM_SIO_RTC_B_DEFAULT | CVMM_SIO_RTC_B_SET | CVMM_SIO_RTC_B_UIE);
	/* SET clears UIE. */
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_B),
			 CVMM_SIO_RTC_B_DEFAULT | CVMM_SIO_RTC_B_SET);
	set(rtc, CVMM_SIO_RTC_CENTURY, 0x20);
	set(rtc, CVMM_SIO_RTC_YEAR, 0x25);
	set(rtc, CVMM_SIO_RTC_MONTH, 0x12);
	set(rtc, CVMM_SIO_RTC_DAY, 0x31);
	set(rtc, CVMM_SIO_RTC_WEEKDAY, 0x01); /* accepted, no effect */
	set(rtc, CVMM_SIO_RTC_HOURS, 0x23);
	set(rtc, CVMM_SIO_RTC_MINUTES, 0x59);
	set(rtc, CVMM_SIO_RTC_SECONDS, 0x58);
	/* Frozen: time does not run while SET is set. */
	now += 100;
	expect_time(rtc, (const uint8_t[]){0x58, 0x59, 0x23, 0x04, 0x31, 0x12,
					   0x25, 0x20});
	/* Register C reports nothing while frozen. */
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_C), 0);
	/* Setting SET again keeps the written values. */
	set(rtc, CVMM_SIO_RTC_REG_B,
	    CVMM_SIO_RTC_B_DEFAULT | CVMM_SIO_RTC_B_SET);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_SECONDS), 0x58);
	set(rtc, CVMM_SIO_RTC_REG_B, CVMM_SIO_RTC_B_DEFAULT);
	assert_true(cvmm_sio_rtc_offset(rtc) ==
		    INT64_C(1767225598) - (T0 + 100));
	/* It runs from the written time: three seconds later it is 2026. */
	now += 3;
	expect_time(rtc, (const uint8_t[]){0x01, 0x00, 0x00, 0x05, 0x01, 0x01,
					   0x26, 0x20});
	assert_true(cvmm_sio_rtc_bad_writes(rtc) == 0);
	/* The offset can be saved and restored. */
	cvmm_sio_rtc_set_offset(rtc, 0);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_YEAR), 0x24);
	cvmm_sio_rtc_destroy(rtc);
}

static void set_time_while_running(void **state)
{
	int64_t now = T0;
	struct cvmm_sio_rtc *rtc = make(&now);

	(void)state;
	set(rtc, CVMM_SIO_RTC_MINUTES, 0x10);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_MINUTES), 0x10);
	assert_true(cvmm_sio_rtc_offset(rtc) == -35 * 60);
	/* 12-hour writes: 12 AM is hour 0, 3 PM is hour 15. */
	set(rtc, CVMM_SIO_RTC_REG_B, 0);
	set(rtc, CVMM_SIO_RTC_HOURS, 0x12);
	set(rtc, CVMM_SIO_RTC_REG_B, CVMM_SIO_RTC_B_24H);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_HOURS), 0x00);
	set(rtc, CVMM_SIO_RTC_REG_B, CVMM_SIO_RTC_B_BINARY);
	set(rtc, CVMM_SIO_RTC_HOURS, 0x83);
	set(rtc, CVMM_SIO_RTC_REG_B, CVMM_SIO_RTC_B_24H);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_HOURS), 0x15);
	/* Binary writes of the other fields. */
	set(rtc, CVMM_SIO_RTC_REG_B,
	    CVMM_SIO_RTC_B_24H | CVMM_SIO_RTC_B_BINARY);
	set(rtc, CVMM_SIO_RTC_MONTH, 12);
	set(rtc, CVMM_SIO_RTC_DAY, 31);
	set(rtc, CVMM_SIO_RTC_CENTURY, 19);
	set(rtc, CVMM_SIO_RTC_YEAR, 99);
	set(rtc, CVMM_SIO_RTC_SECONDS, 7);
	expect_time(rtc, (const uint8_t[]){7, 10, 15, 6, 31, 12, 99, 19});
	assert_true(cvmm_sio_rtc_bad_writes(rtc) == 0);
	cvmm_sio_rtc_destroy(rtc);
}

static void invalid_writes_are_ignored(void **state)
{
	int64_t now = T0;
	struct cvmm_sio_rtc *rtc = make(&now);
	static const uint8_t t0[8] = {0x56, 0x45, 0x13, 0x05,
				      0x29, 0x02, 0x24, 0x20};

	(void)state;
	set(rtc, CVMM_SIO_RTC_SECONDS, 0x5A); /* not BCD */
	set(rtc, CVMM_SIO_RTC_SECONDS, 0xA0); /* not BCD */
	set(rtc, CVMM_SIO_RTC_MINUTES, 0x60);
	set(rtc, CVMM_SIO_RTC_HOURS, 0x24);
	set(rtc, CVMM_SIO_RTC_DAY, 0x00);
	set(rtc, CVMM_SIO_RTC_DAY, 0x32);
	set(rtc, CVMM_SIO_RTC_MONTH, 0x13);
	set(rtc, CVMM_SIO_RTC_MONTH, 0x00);
	set(rtc, CVMM_SIO_RTC_YEAR, 0x9A);
	set(rtc, CVMM_SIO_RTC_CENTURY, 0xFF);
	/* 29 February 2023 does not exist. */
	set(rtc, CVMM_SIO_RTC_YEAR, 0x23);
	assert_true(cvmm_sio_rtc_bad_writes(rtc) == 11);
	expect_time(rtc, t0);
	/* 12-hour mode: hour 0 and hour 13 do not exist. */
	set(rtc, CVMM_SIO_RTC_REG_B, 0);
	set(rtc, CVMM_SIO_RTC_HOURS, 0x00);
	set(rtc, CVMM_SIO_RTC_HOURS, 0x93);
	/* Binary: 60 seconds. */
	set(rtc, CVMM_SIO_RTC_REG_B,
	    CVMM_SIO_RTC_B_BINARY | CVMM_SIO_RTC_B_24H);
	set(rtc, CVMM_SIO_RTC_SECONDS, 60);
	assert_true(cvmm_sio_rtc_bad_writes(rtc) == 14);
	/* A frozen impossible date is refused when SET is cleared. */
	set(rtc, CVMM_SIO_RTC_REG_B,
	    CVMM_SIO_RTC_B_DEFAULT | CVMM_SIO_RTC_B_SET);
	set(rtc, CVMM_SIO_RTC_DAY, 0x31);
	set(rtc, CVMM_SIO_RTC_MINUTES, 0x99); /* refused at once */
	assert_int_equal(get(rtc, CVMM_SIO_RTC_DAY), 0x31);
	set(rtc, CVMM_SIO_RTC_REG_B, CVMM_SIO_RTC_B_DEFAULT);
	assert_true(cvmm_sio_rtc_bad_writes(rtc) == 16);
	expect_time(rtc, t0);
	/* Leap years: 2000 has 29 February, 1900 has not. */
	set(rtc, CVMM_SIO_RTC_YEAR, 0x00);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_YEAR), 0x00);
	set(rtc, CVMM_SIO_RTC_CENTURY, 0x19);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_CENTURY), 0x20);
	assert_true(cvmm_sio_rtc_bad_writes(rtc) == 17);
	cvmm_sio_rtc_destroy(rtc);
}

static void status_registers(void **state)
{
	int64_t now = T0;
	struct cvmm_sio_rtc *rtc = make(&now);

	(void)state;
	/* A: UIP is read-only and reads 0. */
	set(rtc, CVMM_SIO_RTC_REG_A, 0xFF);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_A), 0x7F);
	/* C: UF once the second changes; IRQF with UIE; cleared by reading. */
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_C), 0);
	now++;
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_C), CVMM_SIO_RTC_C_UF);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_C), 0);
	set(rtc, CVMM_SIO_RTC_REG_B,
	    CVMM_SIO_RTC_B_DEFAULT | CVMM_SIO_RTC_B_UIE);
	now++;
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_C),
			 CVMM_SIO_RTC_C_UF | CVMM_SIO_RTC_C_IRQF);
	/* C and D are read-only. */
	set(rtc, CVMM_SIO_RTC_REG_C, 0xFF);
	set(rtc, CVMM_SIO_RTC_REG_D, 0x00);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_C), 0);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_REG_D), 0x80);
	cvmm_sio_rtc_destroy(rtc);
}

static void ports_ram_and_nmi_bit(void **state)
{
	int64_t now = T0;
	struct cvmm_sio_rtc *rtc = make(&now);
	uint8_t v = 0;

	(void)state;
	/* The NMI-disable bit selects the same register. */
	cvmm_sio_rtc_write(rtc, CVMM_SIO_RTC_INDEX,
			   CVMM_SIO_RTC_NMI_DIS | CVMM_SIO_RTC_SECONDS);
	assert_int_equal(cvmm_sio_rtc_read(rtc, CVMM_SIO_RTC_DATA), 0x56);
	cvmm_sio_rtc_write(rtc, CVMM_SIO_RTC_INDEX, 0xFF); /* RAM 0x7F */
	cvmm_sio_rtc_write(rtc, CVMM_SIO_RTC_DATA, 0x42);
	assert_int_equal(get(rtc, 0x7F), 0x42);
	/* The index port is write-only; other offsets are open bus. */
	assert_int_equal(cvmm_sio_rtc_read(rtc, CVMM_SIO_RTC_INDEX), 0xFF);
	assert_int_equal(cvmm_sio_rtc_read(rtc, 2), 0xFF);
	assert_int_equal(cvmm_sio_rtc_read(rtc, UINT64_MAX), 0xFF);
	cvmm_sio_rtc_write(rtc, 2, 0x00);
	cvmm_sio_rtc_write(rtc, UINT64_MAX, 0x00);
	assert_int_equal(get(rtc, 0x7F), 0x42);
	/* Alarm registers and RAM are stored. */
	for (uint8_t reg = 0x0E; reg < 0x80; reg++)
		if (reg != CVMM_SIO_RTC_CENTURY)
			set(rtc, reg, (uint8_t)(reg ^ 0xA5));
	set(rtc, CVMM_SIO_RTC_SECONDS_AL, 0x11);
	set(rtc, CVMM_SIO_RTC_MINUTES_AL, 0x22);
	set(rtc, CVMM_SIO_RTC_HOURS_AL, 0xC0);
	for (uint8_t reg = 0x0E; reg < 0x80; reg++)
		if (reg != CVMM_SIO_RTC_CENTURY)
			assert_int_equal(get(rtc, reg), reg ^ 0xA5);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_SECONDS_AL), 0x11);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_MINUTES_AL), 0x22);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_HOURS_AL), 0xC0);
	/* The host side of the RAM. */
	assert_int_equal(cvmm_sio_rtc_nvram_set(rtc, 0x34, 0x77), 0);
	assert_int_equal(get(rtc, 0x34), 0x77);
	assert_int_equal(cvmm_sio_rtc_nvram_get(rtc, 0x0E, &v), 0);
	assert_int_equal(v, 0x0E ^ 0xA5);
	assert_int_equal(cvmm_sio_rtc_nvram_set(rtc, 0x00, 1), -ERANGE);
	assert_int_equal(cvmm_sio_rtc_nvram_set(rtc, 0x0D, 1), -ERANGE);
	assert_int_equal(cvmm_sio_rtc_nvram_set(rtc, 0x32, 1), -ERANGE);
	assert_int_equal(cvmm_sio_rtc_nvram_set(rtc, 0x80, 1), -ERANGE);
	assert_int_equal(cvmm_sio_rtc_nvram_get(rtc, 0xFF, &v), -ERANGE);
	cvmm_sio_rtc_destroy(rtc);
}

static void clock_extremes_are_clamped(void **state)
{
	int64_t now = INT64_MAX;
	struct cvmm_sio_rtc *rtc = make(&now);

	(void)state;
	expect_time(rtc, (const uint8_t[]){0x59, 0x59, 0x23, 0x06, 0x31, 0x12,
					   0x99, 0x99});
	now = INT64_MIN;
	/* 0000-01-01 was a Saturday (proleptic Gregorian). */
	expect_time(rtc, (const uint8_t[]){0x00, 0x00, 0x00, 0x07, 0x01, 0x01,
					   0x00, 0x00});
	/* An offset that overflows against the clock saturates. */
	cvmm_sio_rtc_set_offset(rtc, INT64_MIN);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_CENTURY), 0x00);
	now = INT64_MAX;
	cvmm_sio_rtc_set_offset(rtc, INT64_MAX);
	assert_int_equal(get(rtc, CVMM_SIO_RTC_CENTURY), 0x99);
	/* A time that cannot be expressed as an offset from the clock is
	 * refused: 2000 is more than 2^63 s after INT64_MIN. */
	cvmm_sio_rtc_set_offset(rtc, 0);
	now = INT64_MIN;
	set(rtc, CVMM_SIO_RTC_REG_B,
	    CVMM_SIO_RTC_B_DEFAULT | CVMM_SIO_RTC_B_SET);
	set(rtc, CVMM_SIO_RTC_CENTURY, 0x20);
	set(rtc, CVMM_SIO_RTC_REG_B, CVMM_SIO_RTC_B_DEFAULT);
	assert_true(cvmm_sio_rtc_bad_writes(rtc) == 1);
	assert_true(cvmm_sio_rtc_offset(rtc) == 0);
	cvmm_sio_rtc_destroy(rtc);
}

static void calendar_matches_libc(void **state)
{
	int64_t now = 0;
	struct cvmm_sio_rtc *rtc = make(&now);

	(void)state;
	set(rtc, CVMM_SIO_RTC_REG_B,
	    CVMM_SIO_RTC_B_24H | CVMM_SIO_RTC_B_BINARY);
	/* Years 0001 to 9999 in steps that visit every time of day and
	 * every day of the week. */
	for (int64_t t = INT64_C(-62135596800); t < INT64_C(253402300799);
	     t += INT64_C(12345677) * 7) {
		time_t tt = (time_t)t;
		struct tm tm;

		assert_non_null(gmtime_r(&tt, &tm));
		now = t;
		assert_int_equal(get(rtc, CVMM_SIO_RTC_SECONDS), tm.tm_sec);
		assert_int_equal(get(rtc, CVMM_SIO_RTC_MINUTES), tm.tm_min);
		assert_int_equal(get(rtc, CVMM_SIO_RTC_HOURS), tm.tm_hour);
		assert_int_equal(get(rtc, CVMM_SIO_RTC_WEEKDAY),
				 tm.tm_wday + 1);
		assert_int_equal(get(rtc, CVMM_SIO_RTC_DAY), tm.tm_mday);
		assert_int_equal(get(rtc, CVMM_SIO_RTC_MONTH), tm.tm_mon + 1);
		assert_int_equal(get(rtc, CVMM_SIO_RTC_YEAR),
				 (tm.tm_year + 1900) % 100);
		assert_int_equal(get(rtc, CVMM_SIO_RTC_CENTURY),
				 (tm.tm_year + 1900) / 100);
	}
	cvmm_sio_rtc_destroy(rtc);
}

static void creation_errors(void **state)
{
	struct cvmm_sio_rtc *rtc = NULL;
	static const struct cvmm_sio_rtc_ops no_clock = {NULL};
	int64_t now = T0;
	int rc;

	(void)state;
	assert_int_equal(cvmm_sio_rtc_create(NULL, NULL, &rtc), -EINVAL);
	assert_int_equal(cvmm_sio_rtc_create(&no_clock, NULL, &rtc), -EINVAL);
	assert_null(rtc);
	for (uint64_t n = 1;; n++) {
		cvmm_alloc_fail_nth(n);
		rc = cvmm_sio_rtc_create(&ops, &now, &rtc);
		if (!cvmm_alloc_fail_fired())
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(rtc);
	}
	cvmm_alloc_fail_nth(0);
	assert_int_equal(rc, 0);
	cvmm_sio_rtc_destroy(rtc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bcd_24h_by_default),
	    cmocka_unit_test(binary_and_12_hour_modes),
	    cmocka_unit_test(set_time_with_set_bit),
	    cmocka_unit_test(set_time_while_running),
	    cmocka_unit_test(invalid_writes_are_ignored),
	    cmocka_unit_test(status_registers),
	    cmocka_unit_test(ports_ram_and_nmi_bit),
	    cmocka_unit_test(clock_extremes_are_clamped),
	    cmocka_unit_test(calendar_matches_libc),
	    cmocka_unit_test(creation_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
