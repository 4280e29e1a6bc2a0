/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MC146818 CMOS RTC. The guest's time is the injected clock plus an offset;
 * calendar conversion is done here (days from/to civil dates, proleptic
 * Gregorian) so the result never depends on the host's time zone or libc.
 */
#include <cvmm/sio-rtc.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SECS_PER_DAY 86400
/* 0000-01-01 00:00:00 and 9999-12-31 23:59:59, in Unix seconds. */
#define T_MIN (-INT64_C(62167219200))
#define T_MAX INT64_C(253402300799)

/* A broken-down time; year is 0-9999. */
struct civil {
	unsigned sec, min, hour, day, month, year;
};

struct cvmm_sio_rtc {
	const struct cvmm_sio_rtc_ops *ops;
	void *ctx;
	uint8_t index;
	uint8_t ram[128];
	int64_t offset;
	bool frozen;	   /* register B SET */
	struct civil snap; /* the time registers while frozen */
	int64_t last_c;	   /* guest time at the last read of register C */
	uint64_t bad_writes;
};

/* Days since 1970-01-01 of a civil date (month 1-12). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153u * (m > 2 ? m - 3 : m + 9) + 2u) / 5u + d - 1u;
	doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, struct civil *c)
{
	int64_t era, y;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
	mp = (5u * doy + 2u) / 153u;
	c->day = doy - (153u * mp + 2u) / 5u + 1u;
	c->month = mp < 10u ? mp + 3u : mp - 9u;
	if (c->month <= 2)
		y++;
	c->year = (unsigned)y; /* within 0-9999: callers clamp the time */
}

static bool leap(unsigned y)
{
	return (y % 4u == 0 && y % 100u != 0) || y % 400u == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned days[12] = {31, 28, 31, 30, 31, 30,
					  31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29u : days[m - 1];
}

static void civil_from_time(int64_t t, struct civil *c)
{
	int64_t days = t / SECS_PER_DAY;
	int64_t rem = t % SECS_PER_DAY;
	unsigned s;

	if (rem < 0) {
		rem += SECS_PER_DAY;
		days--;
	}
	s = (unsigned)rem;
	civil_from_days(days, c);
	c->hour = s / 3600u;
	c->min = s / 60u % 60u;
	c->sec = s % 60u;
}

/* Day of the week, 1 = Sunday, of a date (any day number normalizes). */
static unsigned weekday(const struct civil *c)
{
	int64_t z = days_from_civil((int64_t)c->year, c->month, c->day);
	/* 1970-01-01 was a Thursday (4 with Sunday = 0). */
	int64_t w = (z % 7 + 11) % 7;

	return (unsigned)w + 1u;
}

static int64_t guest_time(const struct cvmm_sio_rtc *rtc)
{
	int64_t now = rtc->ops->now(rtc->ctx), t;

	if (__builtin_add_overflow(now, rtc->offset, &t))
		t = rtc->offset > 0 ? INT64_MAX : INT64_MIN;
	if (t < T_MIN)
		t = T_MIN;
	if (t > T_MAX)
		t = T_MAX;
	return t;
}

/* The time registers show the frozen values or the running clock. */
static void current(const struct cvmm_sio_rtc *rtc, struct civil *c)
{
	if (rtc->frozen)
		*c = rtc->snap;
	else
		civil_from_time(guest_time(rtc), c);
}

static bool binary(const struct cvmm_sio_rtc *rtc)
{
	return (rtc->ram[CVMM_SIO_RTC_REG_B] & CVMM_SIO_RTC_B_BINARY) != 0;
}

static bool hours24(const struct cvmm_sio_rtc *rtc)
{
	return (rtc->ram[CVMM_SIO_RTC_REG_B] & CVMM_SIO_RTC_B_24H) != 0;
}

static uint8_t encode(const struct cvmm_sio_rtc *rtc, unsigned v)
{
	if (binary(rtc))
		return (uint8_t)v;
	return (uint8_t)((v / 10u) << 4 | v % 10u);
}

/* Decode a register value in [lo, hi]; false if it does not decode. */
static bool decode(const struct cvmm_sio_rtc *rtc, uint8_t raw, unsigned lo,
		   unsigned hi, unsigned *out)
{
	unsigned v = raw;

	if (!binary(rtc)) {
		if ((raw >> 4) > 9u || (raw & 0x0Fu) > 9u)
			return false;
		v = (raw >> 4) * 10u + (raw & 0x0Fu);
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static uint8_t encode_hour(const struct cvmm_sio_rtc *rtc, unsigned hour)
{
	unsigned h12 = hour % 12u;

	if (hours24(rtc))
		return encode(rtc, hour);
	return (uint8_t)(encode(rtc, h12 == 0 ? 12u : h12) |
			 (hour >= 12u ? 0x80u : 0u));
}

static bool decode_hour(const struct cvmm_sio_rtc *rtc, uint8_t raw,
			unsigned *out)
{
	unsigned h;

	if (hours24(rtc))
		return decode(rtc, raw, 0, 23, out);
	if (!decode(rtc, (uint8_t)(raw & 0x7Fu), 1, 12, &h))
		return false;
	*out = h % 12u + ((raw & 0x80u) ? 12u : 0u);
	return true;
}

static uint8_t read_time(const struct cvmm_sio_rtc *rtc, uint8_t reg)
{
	struct civil c;

	current(rtc, &c);
	switch (reg) {
	case CVMM_SIO_RTC_SECONDS:
		return encode(rtc, c.sec);
	case CVMM_SIO_RTC_MINUTES:
		return encode(rtc, c.min);
	case CVMM_SIO_RTC_HOURS:
		return encode_hour(rtc, c.hour);
	case CVMM_SIO_RTC_WEEKDAY:
		return encode(rtc, weekday(&c));
	case CVMM_SIO_RTC_DAY:
		return encode(rtc, c.day);
	case CVMM_SIO_RTC_MONTH:
		return encode(rtc, c.month);
	case CVMM_SIO_RTC_YEAR:
		return encode(rtc, c.year % 100u);
	default: /* CVMM_SIO_RTC_CENTURY */
		return encode(rtc, c.year / 100u);
	}
}

/* Start the clock from c; false if c is not a real date. */
static bool commit(struct cvmm_sio_rtc *rtc, const struct civil *c)
{
	int64_t t, now, offset;

	if (c->day > days_in_month(c->year, c->month))
		return false;
	t = days_from_civil((int64_t)c->year, c->month, c->day) * SECS_PER_DAY +
	    (int64_t)(c->hour * 3600u + c->min * 60u + c->sec);
	now = rtc->ops->now(rtc->ctx);
	if (__builtin_sub_overflow(t, now, &offset))
		return false;
	rtc->offset = offset;
	return true;
}

static bool is_time_reg(uint8_t reg)
{
	return reg == CVMM_SIO_RTC_SECONDS || reg == CVMM_SIO_RTC_MINUTES ||
	       reg == CVMM_SIO_RTC_HOURS ||
	       (reg >= CVMM_SIO_RTC_WEEKDAY && reg <= CVMM_SIO_RTC_YEAR) ||
	       reg == CVMM_SIO_RTC_CENTURY;
}

static void write_time(struct cvmm_sio_rtc *rtc, uint8_t reg, uint8_t value)
{
	struct civil c;
	unsigned v;
	bool ok;

	current(rtc, &c);
	switch (reg) {
	case CVMM_SIO_RTC_SECONDS:
		ok = decode(rtc, value, 0, 59, &c.sec);
		break;
	case CVMM_SIO_RTC_MINUTES:
		ok = decode(rtc, value, 0, 59, &c.min);
		break;
	case CVMM_SIO_RTC_HOURS:
		ok = decode_hour(rtc, value, &c.hour);
		break;
	case CVMM_SIO_RTC_WEEKDAY:
		/* Computed from the date: accepted, no effect. */
		return;
	case CVMM_SIO_RTC_DAY:
		ok = decode(rtc, value, 1, 31, &c.day);
		break;
	case CVMM_SIO_RTC_MONTH:
		ok = decode(rtc, value, 1, 12, &c.month);
		break;
	case CVMM_SIO_RTC_YEAR:
		ok = decode(rtc, value, 0, 99, &v);
		if (ok)
			c.year = c.year / 100u * 100u + v;
		break;
	default: /* CVMM_SIO_RTC_CENTURY */
		ok = decode(rtc, value, 0, 99, &v);
		if (ok)
			c.year = v * 100u + c.year % 100u;
		break;
	}
	if (ok && rtc->frozen)
		rtc->snap = c;
	else if (!ok || !commit(rtc, &c))
		rtc->bad_writes++;
}

static void write_reg_b(struct cvmm_sio_rtc *rtc, uint8_t value)
{
	bool set = (value & CVMM_SIO_RTC_B_SET) != 0;

	if (set) {
		/* SET clears UIE. Freeze at the first SET only. */
		value &= (uint8_t)~CVMM_SIO_RTC_B_UIE;
		if (!rtc->frozen) {
			current(rtc, &rtc->snap);
			rtc->frozen = true;
		}
	} else if (rtc->frozen) {
		rtc->frozen = false;
		if (!commit(rtc, &rtc->snap))
			rtc->bad_writes++;
		rtc->last_c = guest_time(rtc);
	}
	rtc->ram[CVMM_SIO_RTC_REG_B] = value;
}

static uint8_t read_reg_c(struct cvmm_sio_rtc *rtc)
{
	uint8_t v = 0;
	int64_t t;

	if (rtc->frozen)
		return 0;
	t = guest_time(rtc);
	if (t != rtc->last_c) {
		v = CVMM_SIO_RTC_C_UF;
		if (rtc->ram[CVMM_SIO_RTC_REG_B] & CVMM_SIO_RTC_B_UIE)
			v |= CVMM_SIO_RTC_C_IRQF;
	}
	rtc->last_c = t;
	return v;
}

int cvmm_sio_rtc_create(const struct cvmm_sio_rtc_ops *ops, void *ctx,
			struct cvmm_sio_rtc **out)
{
	struct cvmm_sio_rtc *rtc;

	if (ops == NULL || ops->now == NULL)
		return -EINVAL;
	rtc = calloc(1, sizeof(*rtc));
	if (rtc == NULL)
		return -ENOMEM;
	rtc->ops = ops;
	rtc->ctx = ctx;
	rtc->ram[CVMM_SIO_RTC_REG_A] = CVMM_SIO_RTC_A_DEFAULT;
	rtc->ram[CVMM_SIO_RTC_REG_B] = CVMM_SIO_RTC_B_DEFAULT;
	rtc->last_c = guest_time(rtc);
	*out = rtc;
	return 0;
}

void cvmm_sio_rtc_destroy(struct cvmm_sio_rtc *rtc)
{
	free(rtc);
}

uint8_t cvmm_sio_rtc_read(struct cvmm_sio_rtc *rtc, uint64_t offset)
{
	uint8_t reg = rtc->index;

	if (offset != CVMM_SIO_RTC_DATA)
		return CVMM_SIO_OPEN_BUS; /* the index port is write-only */
	if (is_time_reg(reg))
		return read_time(rtc, reg);
	switch (reg) {
	case CVMM_SIO_RTC_REG_A:
		return (uint8_t)(rtc->ram[reg] & 0x7Fu);
	case CVMM_SIO_RTC_REG_C:
		return read_reg_c(rtc);
	case CVMM_SIO_RTC_REG_D:
		return CVMM_SIO_RTC_D_VRT;
	default:
		return rtc->ram[reg];
	}
}

void cvmm_sio_rtc_write(struct cvmm_sio_rtc *rtc, uint64_t offset,
			uint8_t value)
{
	uint8_t reg = rtc->index;

	if (offset == CVMM_SIO_RTC_INDEX) {
		/* Bit 7 is NMI disable: nothing to disable, ignored. */
		rtc->index = (uint8_t)(value & 0x7Fu);
		return;
	}
	if (offset != CVMM_SIO_RTC_DATA)
		return;
	if (is_time_reg(reg)) {
		write_time(rtc, reg, value);
		return;
	}
	switch (reg) {
	case CVMM_SIO_RTC_REG_A:
		rtc->ram[reg] = (uint8_t)(value & 0x7Fu);
		break;
	case CVMM_SIO_RTC_REG_B:
		write_reg_b(rtc, value);
		break;
	case CVMM_SIO_RTC_REG_C:
	case CVMM_SIO_RTC_REG_D:
		break; /* read-only */
	default:
		rtc->ram[reg] = value; /* alarms and battery-backed RAM */
		break;
	}
}

static bool nvram_index(uint8_t index)
{
	return index > CVMM_SIO_RTC_REG_D && index < 0x80u &&
	       index != CVMM_SIO_RTC_CENTURY;
}

int cvmm_sio_rtc_nvram_set(struct cvmm_sio_rtc *rtc, uint8_t index,
			   uint8_t value)
{
	if (!nvram_index(index))
		return -ERANGE;
	rtc->ram[index] = value;
	return 0;
}

int cvmm_sio_rtc_nvram_get(const struct cvmm_sio_rtc *rtc, uint8_t index,
			   uint8_t *value)
{
	if (!nvram_index(index))
		return -ERANGE;
	*value = rtc->ram[index];
	return 0;
}

int64_t cvmm_sio_rtc_offset(const struct cvmm_sio_rtc *rtc)
{
	return rtc->offset;
}

void cvmm_sio_rtc_set_offset(struct cvmm_sio_rtc *rtc, int64_t offset)
{
	rtc->offset = offset;
}

uint64_t cvmm_sio_rtc_bad_writes(const struct cvmm_sio_rtc *rtc)
{
	return rtc->bad_writes;
}
