/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's freestanding library: memory and string helpers, the COM1
 * console and a small printf (%s %c %d %u %x %p, l/ll, width, 0-pad). */
#include "probe.h"

#define COM1 0x3f8

void *memset(void *d, int c, size_t n)
{
	volatile unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	volatile unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	volatile unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp < sp) {
		while (n--)
			*dp++ = *sp++;
	} else {
		while (n--)
			dp[n] = sp[n];
	}
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* a[0..n) equals the NUL-terminated b. */
bool str_eq_n(const char *a, const char *b, size_t n)
{
	return strlen(b) == n && memcmp(a, b, n) == 0;
}

/* Bytes the transmitter takes before LSR must be read again: 16 with the
 * 16550A's FIFO, else 1. Reading LSR for every byte would double the VM
 * exits of all output. */
static uint32_t tx_fifo = 1, tx_room;

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* IER: no interrupts */
	outb(COM1 + 3, 0x80); /* LCR: DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + 4, 0x0b); /* DTR, RTS, OUT2 */
	/* IIR bits 7:6 are 11 when the FIFO is there and on. */
	tx_fifo = (inb(COM1 + 2) & 0xc0) == 0xc0 ? 16 : 1;
	tx_room = 0;
}

void serial_resync(void)
{
	tx_room = 0;
}

void serial_putc(char c)
{
	uint32_t spins = 0;

	/* THRE set means the FIFO (or the holding register) is empty: that
	 * many bytes may go before the next look. Give up waiting after a
	 * while (no UART reads 0xff, which has THRE set anyway). */
	if (tx_room == 0) {
		while (!(inb(COM1 + 5) & 0x20) && spins++ < 10000)
			cpu_relax();
		tx_room = tx_fifo;
	}
	tx_room--;
	outb(COM1, (uint8_t)c);
}

static volatile uint32_t print_lock_word;

void print_lock(void)
{
	uint32_t spins = 0;

	/* xchg is implicitly locked. A bounded wait: an exception while the
	 * lock is held must still be able to print. */
	for (;;) {
		uint32_t v = 1;

		__asm__ volatile("xchgl %0, %1"
				 : "+r"(v), "+m"(print_lock_word)
				 :
				 : "memory");
		if (v == 0 || spins++ > 10000000)
			return;
		cpu_relax();
	}
}

void print_unlock(void)
{
	__asm__ volatile("" ::: "memory");
	print_lock_word = 0;
}

static void put(char c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

static void put_num(uint64_t v, unsigned base, unsigned width, bool zero,
		    bool neg)
{
	char buf[24];
	unsigned n = 0;

	do {
		unsigned d = (unsigned)(v % base);

		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	while (n < width && n < sizeof(buf))
		buf[n++] = zero ? '0' : ' ';
	while (n)
		put(buf[--n]);
}

void vprint(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		unsigned width = 0, longs = 0;
		bool zero = false;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			zero = true;
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t len = strlen(str ? str : "(null)");

			for (; len < width; width--)
				put(' ');
			for (str = str ? str : "(null)"; *str; str++)
				put(*str);
			break;
		}
		case 'c':
			put((char)va_arg(ap, int));
			break;
		case 'd':
			s = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
			put_num(u, 10, width, zero, s < 0);
			break;
		case 'u':
		case 'x':
			u = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			put_num(u, *fmt == 'x' ? 16 : 10, width, zero, false);
			break;
		case 'p':
			put('0');
			put('x');
			put_num((uintptr_t)va_arg(ap, void *), 16, 0, false,
				false);
			break;
		case '%':
			put('%');
			break;
		default:
			put('%');
			if (!*fmt)
				return;
			put(*fmt);
		}
	}
}

void print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}
