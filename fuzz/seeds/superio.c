/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the superio target, written with the encoder that mirrors
 * fuzz/superio.c's decoder: what the unit tests and real drivers do. Linux
 * 8250's probe and setup of a 16550A (DLAB, divisor, FIFO with trigger
 * levels, the loopback test), transmission against a sink that pushes
 * back, reception up to and past the trigger level, breaks, loopback
 * overruns in both FIFO modes, modem line changes; Linux i8042's probe
 * (self-test, command byte, aux test and loopback), keyboard reset,
 * identify and scan code set, both reset paths, Ctrl+Alt+Del, a full
 * queue; the RTC read as Linux reads it, set with SET in BCD and binary,
 * 12- and 24-hour, dates that do not exist, the ends of years 0000 and
 * 9999, NVRAM.
 *
 *   fuzz-seeds-superio OUT_DIR
 */
#include <stdio.h>

#include "fuzz-input.h"
#include "seeds.h"

enum {
	U_READ,
	U_READ2,
	U_WRITE,
	U_WRITE2,
	U_ENQ,
	U_BRK,
	U_SINK,
	U_MODEM,
	K_READ,
	K_WRITE,
	K_WRITE2,
	K_PUSH,
	K_CAD,
	RTC
};

/* Indices into the target's RTC register table. */
enum {
	R_SEC,
	R_SEC_AL,
	R_MIN,
	R_HOUR,
	R_WDAY,
	R_DAY,
	R_MON,
	R_YEAR,
	R_A,
	R_B,
	R_C,
	R_D,
	R_RAM,
	R_CENT,
	R_7F,
	R_80
};

struct s {
	struct cvmm_fo o;
	uint8_t buf[2048];
};

static void begin(struct s *s, uint8_t cfg, unsigned clock_kind, uint64_t clock)
{
	cvmm_fo_init(&s->o, s->buf, sizeof(s->buf));
	cvmm_fo_u8(&s->o, cfg);
	cvmm_fo_range(&s->o, 0, 3, clock_kind);
	if (clock_kind == 0)
		cvmm_fo_range(&s->o, 0, UINT32_MAX, clock);
	else if (clock_kind == 1)
		cvmm_fo_range(&s->o, 0, 65535, clock);
	else if (clock_kind == 2)
		cvmm_fo_u64(&s->o, clock);
	else {
		cvmm_fo_bool(&s->o, clock != 0); /* top: year 9999 */
		cvmm_fo_range(&s->o, 0, 1u << 21, 1u << 20);
	}
}

static void op(struct s *s, unsigned n)
{
	cvmm_fo_range(&s->o, 0, 15, n);
}

static void uw(struct s *s, unsigned off, uint8_t v)
{
	op(s, U_WRITE);
	cvmm_fo_range(&s->o, 0, 9, off);
	cvmm_fo_u8(&s->o, v);
}

static void ur(struct s *s, unsigned off)
{
	op(s, U_READ);
	cvmm_fo_range(&s->o, 0, 9, off);
}

static void enq(struct s *s, const char *bytes, unsigned n)
{
	op(s, U_ENQ);
	cvmm_fo_range(&s->o, 0, 24, n);
	cvmm_fo_bytes(&s->o, bytes, n);
}

static void sink(struct s *s, bool all, unsigned budget)
{
	op(s, U_SINK);
	cvmm_fo_bool(&s->o, all);
	if (!all)
		cvmm_fo_range(&s->o, 0, 20, budget);
	cvmm_fo_bool(&s->o, false);
}

static void kw(struct s *s, unsigned off, uint8_t v)
{
	op(s, K_WRITE);
	cvmm_fo_bool(&s->o, off == 4);
	if (off != 4)
		cvmm_fo_range(&s->o, 0, 6, off);
	cvmm_fo_bool(&s->o, false);
	cvmm_fo_u8(&s->o, v);
}

static void kr(struct s *s, unsigned off)
{
	op(s, K_READ);
	cvmm_fo_range(&s->o, 0, 6, off);
}

static void rtc_write(struct s *s, unsigned reg, uint8_t v)
{
	op(s, RTC);
	cvmm_fo_range(&s->o, 0, 15, reg);
	cvmm_fo_range(&s->o, 0, 5, 0);
	cvmm_fo_u8(&s->o, v);
}

static void rtc_check(struct s *s)
{
	op(s, RTC);
	cvmm_fo_range(&s->o, 0, 15, 0);
	cvmm_fo_range(&s->o, 0, 5, 5);
}

static void rtc_c(struct s *s)
{
	op(s, RTC);
	cvmm_fo_range(&s->o, 0, 15, 0);
	cvmm_fo_range(&s->o, 0, 5, 1);
	cvmm_fo_u8(&s->o, 0);
}

static void rtc_tick(struct s *s, uint64_t secs)
{
	op(s, RTC);
	cvmm_fo_range(&s->o, 0, 15, 0);
	cvmm_fo_range(&s->o, 0, 5, 2);
	cvmm_fo_range(&s->o, 0, 2, 0);
	cvmm_fo_range(&s->o, 0, 100000, secs);
}

/* Linux 8250: probe, divisor, FIFO at trigger level trig, interrupts. */
static void uart_setup(struct s *s, uint8_t fcr)
{
	uw(s, 7, 0xA5); /* scratch test */
	ur(s, 7);
	uw(s, 3, 0x80); /* DLAB */
	uw(s, 0, 0x01); /* 115200 */
	uw(s, 1, 0x00);
	ur(s, 0);
	uw(s, 3, 0x03); /* 8N1 */
	uw(s, 2, fcr);
	ur(s, 2);
	uw(s, 4, 0x1F); /* loopback test */
	ur(s, 6);
	uw(s, 4, 0x0B); /* DTR RTS OUT2 */
	ur(s, 6);
	uw(s, 1, 0x0F);
	ur(s, 2);
	ur(s, 5);
}

int main(int argc, char **argv)
{
	static struct s s;
	struct seeds out;
	unsigned n = 0;

	if (seeds_open(&out, argc, argv) != 0)
		return 1;

	/* UART: setup at each trigger level, receive 20 bytes, read them. */
	for (unsigned t = 0; t < 4; t++) {
		begin(&s, 0, 0, 0);
		uart_setup(&s, (uint8_t)(0x07 | t << 6));
		enq(&s, "hello, world, 16550A", 20);
		ur(&s, 2);
		for (unsigned i = 0; i < 17; i++) {
			ur(&s, 0);
			ur(&s, 2); /* the cause at every fill level */
		}
		ur(&s, 5);
		enq(&s, "more", 4);
		ur(&s, 2);
		seeds_write(&out, "uart-rx-trigger", n++, &s.o);
	}

	/* UART: transmit against a sink that takes 3 bytes at a time. */
	n = 0;
	for (unsigned fifo = 0; fifo < 2; fifo++) {
		begin(&s, 0, 0, 0);
		uart_setup(&s, fifo ? 0xC7 : 0x00);
		sink(&s, false, 3);
		for (unsigned i = 0; i < 20; i++)
			uw(&s, 0, (uint8_t)('a' + i));
		ur(&s, 5);
		ur(&s, 2);
		sink(&s, false, 7);
		sink(&s, true, 0);
		ur(&s, 2);
		uw(&s, 3, 0x00); /* 5-bit words */
		uw(&s, 0, 0xFF);
		seeds_write(&out, "uart-tx-backpressure", n++, &s.o);
	}

	/* UART: breaks, loopback overruns in both modes, modem lines. */
	n = 0;
	for (unsigned fifo = 0; fifo < 2; fifo++) {
		begin(&s, (uint8_t)(fifo ? 0 : 1), 0, 0);
		uart_setup(&s, fifo ? 0x07 : 0x00);
		op(&s, U_BRK);
		enq(&s, "x", 1);
		op(&s, U_BRK);
		ur(&s, 5);
		ur(&s, 0);
		ur(&s, 5);
		ur(&s, 0);
		ur(&s, 2);
		uw(&s, 4, 0x1F);
		for (unsigned i = 0; i < 18; i++)
			uw(&s, 0, (uint8_t)i);
		ur(&s, 5);
		ur(&s, 2);
		op(&s, U_BRK);
		uw(&s, 4, 0x00);
		op(&s, U_MODEM);
		cvmm_fo_u8(&s.o, 0x40);
		op(&s, U_MODEM);
		cvmm_fo_u8(&s.o, 0x00);
		ur(&s, 2);
		ur(&s, 6);
		seeds_write(&out, "uart-break-loop-modem", n++, &s.o);
	}

	/* i8042: Linux probe, keyboard, both reset paths, Ctrl+Alt+Del. */
	n = 0;
	for (unsigned v = 0; v < 2; v++) {
		begin(&s, (uint8_t)(v ? 2 : 0), 0, 0);
		kw(&s, 4, 0xAA);
		kr(&s, 4);
		kr(&s, 0);
		kw(&s, 4, 0x20);
		kr(&s, 0);
		kw(&s, 4, 0x60);
		kw(&s, 0, v ? 0x07 : 0x47);
		kw(&s, 4, 0xA9);
		kr(&s, 0);
		kw(&s, 4, 0xD3);
		kw(&s, 0, 0x5A);
		kr(&s, 4);
		kr(&s, 0);
		kw(&s, 4, 0xD4);
		kw(&s, 0, 0xF2);
		kr(&s, 4);
		kr(&s, 0);
		kw(&s, 0, 0xFF);
		kw(&s, 0, 0xF2);
		kw(&s, 0, 0xF0);
		kw(&s, 0, 0x00);
		for (unsigned i = 0; i < 8; i++)
			kr(&s, 0);
		op(&s, K_CAD);
		op(&s, K_CAD);
		op(&s, K_PUSH);
		cvmm_fo_range(&s.o, 0, 20, 20);
		cvmm_fo_bytes(&s.o, "abcdefghijklmnopqrst", 20);
		kw(&s, 4, 0xD1);
		kw(&s, 0, 0x02);
		kw(&s, 4, 0xFE);
		kr(&s, 4);
		seeds_write(&out, "i8042-probe-reset", n++, &s.o);
	}

	/* RTC: read as Linux does, set with SET in BCD/binary, 12/24 hour,
	 * dates that do not exist, NVRAM. */
	n = 0;
	for (unsigned mode = 0; mode < 4; mode++) {
		uint8_t b =
		    (uint8_t)((mode & 1 ? 0x04 : 0) | (mode & 2 ? 0x02 : 0));
		bool bin = (mode & 1) != 0;

		begin(&s, 0, 0, 0);
		rtc_check(&s);
		rtc_write(&s, R_B, (uint8_t)(0x80 | b));
		rtc_write(&s, R_SEC, bin ? 59 : 0x59);
		rtc_write(&s, R_MIN, bin ? 30 : 0x30);
		rtc_write(&s, R_HOUR,
			  mode & 2 ? (bin ? 23 : 0x23)
				   : (uint8_t)(0x80 | (bin ? 12 : 0x12)));
		rtc_write(&s, R_DAY, bin ? 31 : 0x31);
		rtc_write(&s, R_MON, bin ? 4 : 0x04); /* 31 April */
		rtc_write(&s, R_B, b);
		rtc_check(&s);
		rtc_write(&s, R_DAY, bin ? 29 : 0x29);
		rtc_write(&s, R_MON, bin ? 2 : 0x02);
		rtc_write(&s, R_YEAR, bin ? 23 : 0x23); /* 29 Feb 2023 */
		rtc_write(&s, R_CENT, bin ? 99 : 0x99);
		rtc_write(&s, R_SEC, 0x7A); /* no BCD */
		rtc_tick(&s, 61);
		rtc_c(&s);
		rtc_write(&s, R_B, (uint8_t)(0x10 | b));
		rtc_tick(&s, 1);
		rtc_c(&s);
		rtc_write(&s, R_RAM, 0x42);
		rtc_write(&s, R_A, 0xA6);
		rtc_check(&s);
		seeds_write(&out, "rtc-set-read", n++, &s.o);
	}

	/* RTC at the ends of years 0000 and 9999, and a raw clock. */
	n = 0;
	for (unsigned top = 0; top < 2; top++) {
		begin(&s, 0, 3, top);
		rtc_check(&s);
		rtc_tick(&s, 100000);
		rtc_check(&s);
		rtc_write(&s, R_CENT, top ? 0x99 : 0x00);
		rtc_write(&s, R_YEAR, top ? 0x99 : 0x00);
		op(&s, RTC); /* offset from the VMM */
		cvmm_fo_range(&s.o, 0, 15, 0);
		cvmm_fo_range(&s.o, 0, 5, 3);
		cvmm_fo_bool(&s.o, true);
		cvmm_fo_u64(&s.o, top ? UINT64_C(0x7fffffffffffffff)
				      : UINT64_C(0x8000000000000000));
		rtc_check(&s);
		seeds_write(&out, "rtc-year-limits", n++, &s.o);
	}
	begin(&s, 0, 2, UINT64_C(0x8000000000000001));
	rtc_write(&s, R_SEC, 0x00);
	rtc_check(&s);
	op(&s, RTC); /* NVRAM from the host */
	cvmm_fo_range(&s.o, 0, 15, 0);
	cvmm_fo_range(&s.o, 0, 5, 4);
	cvmm_fo_u8(&s.o, 0x32);
	cvmm_fo_u8(&s.o, 1);
	seeds_write(&out, "rtc-raw-clock", 0, &s.o);
	return seeds_close(&out);
}
