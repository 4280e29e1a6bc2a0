/* SPDX-License-Identifier: Apache-2.0 */
/* The legacy devices: 16550 loopback, CMOS RTC, i8042 reset, the ACPI
 * power-off, and the hostile port and MMIO accesses. */
#include "probe.h"

#define COM1	 0x3f8
#define UART_RBR 0
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define MCR_LOOP 0x10
#define LSR_DR	 0x01

/* ---- 16550 loopback ---- */

static bool uart_rx(uint8_t *v)
{
	for (uint32_t i = 0; i < 10000; i++) {
		if (inb(COM1 + UART_LSR) & LSR_DR) {
			*v = inb(COM1 + UART_RBR);
			return true;
		}
		cpu_relax();
	}
	return false;
}

void test_serial_loopback(const struct probe_opts *o)
{
	static const uint8_t bytes[] = {0x55, 0xaa, 0x00, 0xff, 'P', '\n'};
	uint8_t mcr, msr, v = 0;
	uint32_t drained = 0;

	if (o->skip_serial) {
		tap_skip("probe.skip=serial", "serial loopback");
		return;
	}
	checks_begin();
	/* Let the console drain first: a byte still in the transmitter
	 * would otherwise loop back too (on a real 16550). */
	for (uint32_t i = 0; i < 10000 && !(inb(COM1 + UART_LSR) & 0x40); i++)
		cpu_relax();
	mcr = inb(COM1 + UART_MCR);
	outb(COM1 + UART_MCR, MCR_LOOP | 0x0f);
	while ((inb(COM1 + UART_LSR) & LSR_DR) && drained++ < 64)
		(void)inb(COM1 + UART_RBR);
	/* In loopback, MSR's high nibble mirrors MCR's low one: DTR->DSR,
	 * RTS->CTS, OUT1->RI, OUT2->DCD. */
	msr = inb(COM1 + UART_MSR);
	check((msr & 0xf0) == 0xf0, "MSR 0x%x with MCR 0x1f, expected 0xf_",
	      msr);
	outb(COM1 + UART_MCR, MCR_LOOP);
	msr = inb(COM1 + UART_MSR);
	check((msr & 0xf0) == 0x00, "MSR 0x%x with MCR 0x10, expected 0x0_",
	      msr);
	for (size_t i = 0; i < sizeof(bytes); i++) {
		outb(COM1, bytes[i]);
		if (!check(uart_rx(&v), "byte 0x%x did not loop back",
			   bytes[i]))
			break;
		check(v == bytes[i], "sent 0x%x, received 0x%x", bytes[i], v);
	}
	outb(COM1 + UART_MCR, mcr);
	serial_resync();
	if (drained)
		diag("drained %u stale received bytes first", drained);
	tap(checks_ok(), "serial: 16550 loopback at 0x3f8 (%u bytes, MSR)",
	    (unsigned)sizeof(bytes));
}

/* ---- CMOS RTC ---- */

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

/* Wait until no update is in progress; false if UIP stays set, or if
 * register A reads 0xff (no RTC). An update lasts under 2 ms; the bound
 * keeps a missing or stuck RTC from costing thousands of VM exits. */
static bool rtc_settle(void)
{
	for (uint32_t i = 0; i < 2000; i++) {
		uint8_t a = cmos(0x0a);

		if (a == 0xff)
			return false;
		if (!(a & 0x80))
			return true;
		cpu_relax();
	}
	return false;
}

static bool bcd_ok(uint8_t v)
{
	return (v & 0x0f) <= 9 && (v >> 4) <= 9;
}

static uint8_t from_bcd(uint8_t v)
{
	return (uint8_t)((v >> 4) * 10 + (v & 0x0f));
}

struct rtc_time {
	uint8_t sec, min, hour, day, mon, year, cent;
};

static void rtc_read(struct rtc_time *t)
{
	t->sec = cmos(0x00);
	t->min = cmos(0x02);
	t->hour = cmos(0x04);
	t->day = cmos(0x07);
	t->mon = cmos(0x08);
	t->year = cmos(0x09);
	t->cent = cmos(0x32);
}

void test_rtc(const struct probe_opts *o)
{
	struct rtc_time t, u;
	uint8_t b, d, hour, pm;
	bool binary, h24;

	if (o->skip_rtc) {
		tap_skip("probe.skip=rtc", "rtc");
		return;
	}
	checks_begin();
	check(rtc_settle(), "register A keeps UIP set");
	b = cmos(0x0b);
	d = cmos(0x0d);
	binary = b & 0x04;
	h24 = b & 0x02;
	/* Read twice until stable, as Linux's mc146818_get_time() does. */
	for (int i = 0; i < 5; i++) {
		rtc_settle();
		rtc_read(&t);
		rtc_read(&u);
		if (memcmp(&t, &u, sizeof(t)) == 0)
			break;
	}
	info("rtc: A 0x%x B 0x%x D 0x%x, raw %02x-%02x-%02x %02x:%02x:%02x "
	     "century %02x",
	     cmos(0x0a), b, d, t.year, t.mon, t.day, t.hour, t.min, t.sec,
	     t.cent);
	check(b != 0xff && d != 0xff, "registers read 0xff: no RTC?");
	check(d & 0x80, "register D 0x%x: VRT clear (time not valid)", d);
	check(!(b & 0x80), "register B 0x%x: SET, updates stopped", b);
	pm = h24 ? 0 : t.hour & 0x80;
	hour = (uint8_t)(t.hour & 0x7f);
	if (!binary) {
		check(bcd_ok(t.sec) && bcd_ok(t.min) && bcd_ok(hour) &&
			  bcd_ok(t.day) && bcd_ok(t.mon) && bcd_ok(t.year),
		      "a time register is not BCD");
		t.sec = from_bcd(t.sec);
		t.min = from_bcd(t.min);
		hour = from_bcd(hour);
		t.day = from_bcd(t.day);
		t.mon = from_bcd(t.mon);
		t.year = from_bcd(t.year);
		t.cent = bcd_ok(t.cent) ? from_bcd(t.cent) : 0;
	}
	check(t.sec < 60, "seconds %u", t.sec);
	check(t.min < 60, "minutes %u", t.min);
	check(h24 ? hour < 24 : hour >= 1 && hour <= 12, "hour %u (%s)", hour,
	      h24 ? "24h" : "12h");
	check(t.day >= 1 && t.day <= 31, "day %u", t.day);
	check(t.mon >= 1 && t.mon <= 12, "month %u", t.mon);
	check(t.year <= 99, "year %u", t.year);
	check(t.cent == 0 || t.cent == 19 || t.cent == 20 || t.cent == 21,
	      "century %u", t.cent);
	if (!h24 && pm && hour != 12)
		hour = (uint8_t)(hour + 12);
	tap(checks_ok(), "rtc: %s, %s, %02u%02u-%02u-%02u %02u:%02u:%02u",
	    binary ? "binary" : "BCD", h24 ? "24h" : "12h",
	    t.cent ? t.cent : 20u, t.year, t.mon, t.day, hour, t.min, t.sec);
}

/* ---- time ---- */

static uint8_t rtc_seconds(void)
{
	return cmos(0x00);
}

void deadline_start(struct deadline *d, uint32_t seconds)
{
	d->seconds = seconds;
	d->seen = 0;
	d->last = rtc_seconds();
	d->spins = 0;
	/* If the RTC never ticks: a generous spin count (an emulated CPU
	 * runs maybe a few million of these loops per second). */
	d->max_spins = (uint64_t)seconds * 20000000u;
}

bool deadline_passed(struct deadline *d)
{
	d->spins++;
	if ((d->spins & 0xfff) == 0) {
		uint8_t s = rtc_seconds();

		if (s != d->last) {
			d->last = s;
			d->seen++;
		}
	}
	/* The first change may come at once: count seconds + 1 changes. */
	return d->seen > d->seconds || d->spins > d->max_spins;
}

/* ---- hostile I/O ---- */

uint64_t prng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15u;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1du;
}

/* Ports that end the run, corrupt the TAP stream, or let a device write
 * guest memory. Tests may add more with probe.hostile_avoid. */
static const struct probe_range avoid_ports[] = {
    {0x0060, 0x0064}, /* i8042: 0xfe to 0x64 resets */
    {0x0092, 0x0092}, /* port A: bit 0 resets */
    {0x00b2, 0x00b3}, /* APM / SMI command */
    {0x03f8, 0x03ff}, /* COM1: our console */
    {0x0510, 0x051b}, /* QEMU fw_cfg, its DMA writes guest memory */
    {0x0600, 0x06ff}, /* ACPI PM (q35), isa-debug-exit, the reference
			 VMM's sleep registers (S5 powers off) */
    {0x0cf8, 0x0cff}, /* PCI config: BARs could move over RAM */
    {0xb000, 0xb03f}, /* ACPI PM (i440fx): SLP_EN powers off */
};

static bool port_avoided(const struct probe_opts *o, uint32_t port,
			 uint32_t size)
{
	uint32_t last = port + size - 1;

	for (size_t i = 0; i < sizeof(avoid_ports) / sizeof(avoid_ports[0]);
	     i++)
		if (port <= avoid_ports[i].hi && last >= avoid_ports[i].lo)
			return true;
	for (uint32_t i = 0; i < o->n_avoid; i++)
		if (port <= o->avoid[i].hi && last >= o->avoid[i].lo)
			return true;
	return last > 0xffff;
}

void test_hostile_ports(const struct probe_opts *o)
{
	uint64_t s = o->seed;
	uint32_t done = 0, skipped = 0, reads = 0;
	static uint8_t buf[16];

	diag("hostile ports: %u accesses, seed 0x%lx", o->hostile_ports,
	     o->seed);
	while (done < o->hostile_ports) {
		uint64_t r = prng_next(&s);
		uint32_t size = 1u
				<< (r & 3 ? (r & 3) - 1 : 0); /* 1, 1, 2, 4 */
		uint16_t port = (uint16_t)(r >> 8);
		uint32_t val = (uint32_t)(r >> 32);
		bool in = (r >> 24) & 1;
		uint32_t kind = (uint32_t)(r >> 25) & 7;

		if (port_avoided(o, port, size)) {
			skipped++;
			continue;
		}
		if (kind == 0) {
			/* String I/O, one to four bytes: rep ins/outs. */
			uint64_t cnt = ((r >> 28) & 3) + 1;
			void *p = buf;

			if (in)
				__asm__ volatile("rep insb"
						 : "+D"(p), "+c"(cnt)
						 : "d"(port)
						 : "memory");
			else
				__asm__ volatile("rep outsb"
						 : "+S"(p), "+c"(cnt)
						 : "d"(port)
						 : "memory");
		} else if (in) {
			if (size == 1)
				(void)inb(port);
			else if (size == 2)
				(void)inw(port);
			else
				(void)inl(port);
			reads++;
		} else {
			if (size == 1)
				outb(port, (uint8_t)val);
			else if (size == 2)
				outw(port, (uint16_t)val);
			else
				outl(port, val);
		}
		done++;
	}
	tap(true,
	    "hostile ports: survived %u random accesses (%u reads), %u "
	    "avoided",
	    done, reads, skipped);
}

void test_hostile_mmio(const struct probe_boot *b, const struct probe_opts *o)
{
	uint64_t s = o->seed ^ 0x5a5a5a5a5a5a5a5au, lo = 0, span;
	uint32_t done = 0;

	/* Above the highest RAM below 4 GiB, 256 MiB of it, clear of every
	 * memory-map entry and of the IOAPIC and LAPIC. */
	for (uint32_t i = 0; i < b->n_mem; i++) {
		uint64_t end = b->mem[i].addr + b->mem[i].size;

		if (b->mem[i].type == 1 && end <= 0xc0000000u && end > lo)
			lo = end;
	}
	lo = (lo + 0x1fffff) & ~0x1fffffull;
	span = 256u << 20;
	if (lo + span > 0xfe000000u)
		span = lo < 0xfe000000u ? 0xfe000000u - lo : 0;
	for (uint32_t i = 0; i < b->n_mem && span; i++) {
		uint64_t a = b->mem[i].addr;

		if (a >= lo && a < lo + span)
			span = a - lo;
	}
	if (!span) {
		tap(false, "hostile mmio: no free range above RAM");
		return;
	}
	diag("hostile mmio: %u accesses in 0x%lx-0x%lx, seed 0x%lx",
	     o->hostile_mmio, lo, lo + span - 1, s);
	while (done < o->hostile_mmio) {
		uint64_t r = prng_next(&s);
		uint64_t a = lo + ((r >> 16) % span);
		uint32_t size = 1u << (r & 3);
		bool in = (r >> 2) & 1;

		a &= ~(uint64_t)(size - 1);
		if (in) {
			if (size == 1)
				(void)rd8(a);
			else if (size == 2)
				(void)rd16(a);
			else if (size == 4)
				(void)rd32(a);
			else
				(void)rd64(a);
		} else {
			uint64_t v = prng_next(&s);

			if (size == 1)
				*(volatile uint8_t *)phys(a) = (uint8_t)v;
			else if (size == 2)
				*(volatile uint16_t *)phys(a) = (uint16_t)v;
			else if (size == 4)
				*(volatile uint32_t *)phys(a) = (uint32_t)v;
			else
				*(volatile uint64_t *)phys(a) = v;
		}
		done++;
	}
	tap(true, "hostile mmio: survived %u random accesses", done);
}

/* ---- the end ---- */

void probe_reset(void)
{
	uint8_t st = inb(0x64);

	diag("reset through the i8042 (0xfe to port 0x64)");
	/* Wait (briefly: every read is a VM exit) for the input buffer to
	 * empty; 0xff means there is no controller at all. */
	for (uint32_t i = 0; i < 1000 && st != 0xff && (st & 0x02); i++)
		st = inb(0x64);
	outb(0x64, 0xfe);
	/* A VMM acts on the port write before the vCPU runs on; QEMU's TCG
	 * stops the CPU within a few instructions. The RTC is not used here:
	 * hostile port writes may have stopped it. */
	for (volatile uint32_t i = 0; i < 100000; i = i + 1)
		;
	/* Still here: no i8042 (QEMU microvm has none). */
	diag("the i8042 reset did not end the run; triple-faulting instead");
	probe_triple_fault();
}

static void sleep_write(const struct probe_boot *b, uint64_t reg, uint8_t v)
{
	if (b->sleep_mmio)
		*(volatile uint8_t *)phys(reg) = v;
	else
		outb((uint16_t)reg, v);
}

void probe_poweroff(const struct probe_boot *b)
{
	if (!b->sleep_found) {
		diag("no ACPI sleep control register to power off with");
		probe_reset();
	}
	diag("power off through the ACPI sleep control register (0x%x to "
	     "%s 0x%lx)",
	     b->sleep_s5, b->sleep_mmio ? "address" : "port", b->sleep_control);
	/* As ACPICA does: clear WAK_STS (write 1 to it), then SLP_TYP with
	 * SLP_EN in one write. */
	sleep_write(b, b->sleep_status, 0x80);
	sleep_write(b, b->sleep_control, b->sleep_s5);
	/* A VMM that traps the write never lets the vCPU run on. QEMU acts
	 * on it in its main loop while the vCPU goes on, so give it time:
	 * about a second of TSC (the RTC may have been stopped by hostile
	 * port writes). */
	for (uint64_t t0 = rdtsc(); rdtsc() - t0 < 2000000000u;)
		cpu_relax();
	diag("the ACPI power-off did not end the run; triple-faulting "
	     "instead");
	probe_triple_fault();
}

void probe_triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = {0, 0};

	/* No IDT: the #UD cannot be delivered, nor the #DF: shutdown. */
	__asm__ volatile("lidt %0\n\tud2" : : "m"(none));
	for (;;)
		__asm__ volatile("cli; hlt");
}
