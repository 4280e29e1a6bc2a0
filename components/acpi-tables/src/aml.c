/* SPDX-License-Identifier: Apache-2.0 */
/* The byte writer, and the AML and resource-descriptor encoders. */
#include "internal.h"

#include <string.h>

void cvmm_acpi__put(struct cvmm_acpi__w *w, const void *bytes, size_t n)
{
	size_t end;

	if (w->overflow)
		return;
	if (__builtin_add_overflow(w->len, n, &end) || end > w->cap) {
		w->overflow = true;
		return;
	}
	if (w->p) {
		if (bytes)
			memcpy(w->p + w->len, bytes, n);
		else
			memset(w->p + w->len, 0, n);
	}
	w->len = end;
}

void cvmm_acpi__put8(struct cvmm_acpi__w *w, uint64_t v)
{
	uint8_t b = (uint8_t)(v & 0xffu);

	cvmm_acpi__put(w, &b, 1);
}

void cvmm_acpi__put16(struct cvmm_acpi__w *w, uint64_t v)
{
	cvmm_acpi__put8(w, v);
	cvmm_acpi__put8(w, v >> 8);
}

void cvmm_acpi__put32(struct cvmm_acpi__w *w, uint64_t v)
{
	cvmm_acpi__put16(w, v);
	cvmm_acpi__put16(w, v >> 16);
}

void cvmm_acpi__put64(struct cvmm_acpi__w *w, uint64_t v)
{
	cvmm_acpi__put32(w, v);
	cvmm_acpi__put32(w, v >> 32);
}

uint8_t cvmm_acpi__sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* The longest PkgLength: a lead byte and three more, 28 bits in all. */
#define PKGLEN_RESERVE 4u
#define PKGLEN_MAX     0x0fffffffu

size_t cvmm_acpi__aml_open(struct cvmm_acpi__w *w, uint8_t op)
{
	size_t mark;

	cvmm_acpi__put8(w, op);
	mark = w->len;
	cvmm_acpi__put(w, NULL, PKGLEN_RESERVE);
	return mark;
}

void cvmm_acpi__aml_close(struct cvmm_acpi__w *w, size_t mark)
{
	size_t body, n, total;

	if (w->overflow)
		return;
	body = w->len - mark - PKGLEN_RESERVE;
	/* PkgLength counts itself: one byte holds up to 63, else the lead
	 * byte keeps 4 bits and each following byte 8 more. */
	if (body + 1 <= 0x3f)
		n = 1;
	else if (body + 2 <= 0xfff)
		n = 2;
	else if (body + 3 <= 0xfffff)
		n = 3;
	else if (body <= PKGLEN_MAX - 4)
		n = 4;
	else {
		w->overflow = true;
		return;
	}
	total = body + n;
	if (w->p) {
		uint8_t *at = w->p + mark;

		memmove(at + n, at + PKGLEN_RESERVE, body);
		if (n == 1) {
			at[0] = (uint8_t)total;
		} else {
			at[0] = (uint8_t)(((n - 1) << 6) | (total & 0xfu));
			for (size_t i = 1; i < n; i++)
				at[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
		}
	}
	w->len = mark + total;
}

void cvmm_acpi__aml_namestring(struct cvmm_acpi__w *w, const char *name)
{
	if (name[0] == '\\') {
		cvmm_acpi__put8(w, '\\');
		name++;
	}
	cvmm_acpi__put(w, name, 4);
}

void cvmm_acpi__aml_name(struct cvmm_acpi__w *w, const char *name)
{
	cvmm_acpi__put8(w, 0x08); /* NameOp */
	cvmm_acpi__aml_namestring(w, name);
}

void cvmm_acpi__aml_int(struct cvmm_acpi__w *w, uint64_t v)
{
	if (v <= 1) {
		cvmm_acpi__put8(w, v); /* ZeroOp 0x00, OneOp 0x01 */
	} else if (v <= 0xff) {
		cvmm_acpi__put8(w, 0x0a);
		cvmm_acpi__put8(w, v);
	} else if (v <= 0xffff) {
		cvmm_acpi__put8(w, 0x0b);
		cvmm_acpi__put16(w, v);
	} else if (v <= 0xffffffffu) {
		cvmm_acpi__put8(w, 0x0c);
		cvmm_acpi__put32(w, v);
	} else {
		cvmm_acpi__put8(w, 0x0e);
		cvmm_acpi__put64(w, v);
	}
}

void cvmm_acpi__aml_string(struct cvmm_acpi__w *w, const char *s)
{
	cvmm_acpi__put8(w, 0x0d); /* StringPrefix */
	cvmm_acpi__put(w, s, strlen(s) + 1);
}

static uint32_t hex_digit(char c)
{
	return c <= '9' ? (uint32_t)(c - '0') : (uint32_t)(c - 'A' + 10);
}

void cvmm_acpi__aml_eisaid(struct cvmm_acpi__w *w, const char *id)
{
	uint32_t v = 0;

	/* Three letters of 5 bits each ('A' is 1), then four hex digits;
	 * stored most significant byte first. */
	for (int i = 0; i < 3; i++)
		v = (v << 5) | ((uint32_t)(id[i] - 0x40) & 0x1fu);
	for (int i = 3; i < 7; i++)
		v = (v << 4) | hex_digit(id[i]);
	cvmm_acpi__put8(w, 0x0c); /* DWordPrefix */
	cvmm_acpi__put8(w, v >> 24);
	cvmm_acpi__put8(w, v >> 16);
	cvmm_acpi__put8(w, v >> 8);
	cvmm_acpi__put8(w, v);
}

void cvmm_acpi__aml_buffer(struct cvmm_acpi__w *w, const uint8_t *bytes,
			   size_t n)
{
	size_t mark = cvmm_acpi__aml_open(w, 0x11); /* BufferOp */

	cvmm_acpi__aml_int(w, n);
	cvmm_acpi__put(w, bytes, n);
	cvmm_acpi__aml_close(w, mark);
}

void cvmm_acpi__rd_io(struct cvmm_acpi__w *w, uint16_t min, uint16_t max,
		      uint8_t align, uint8_t len)
{
	cvmm_acpi__put8(w, 0x47); /* small item 8, 7 bytes follow */
	cvmm_acpi__put8(w, 0x01); /* decodes 16 address bits */
	cvmm_acpi__put16(w, min);
	cvmm_acpi__put16(w, max);
	cvmm_acpi__put8(w, align);
	cvmm_acpi__put8(w, len);
}

void cvmm_acpi__rd_irq(struct cvmm_acpi__w *w, unsigned irq)
{
	cvmm_acpi__put8(w, 0x22); /* small item 4, 2 bytes: the IRQ mask */
	cvmm_acpi__put16(w, 1u << irq);
}

void cvmm_acpi__rd_mem32(struct cvmm_acpi__w *w, uint32_t base, uint32_t len)
{
	cvmm_acpi__put8(w, 0x86); /* large item 6 */
	cvmm_acpi__put16(w, 9);
	cvmm_acpi__put8(w, 0x01); /* read-write */
	cvmm_acpi__put32(w, base);
	cvmm_acpi__put32(w, len);
}

void cvmm_acpi__rd_ext_irq(struct cvmm_acpi__w *w, uint8_t flags, uint32_t gsi)
{
	cvmm_acpi__put8(w, 0x89); /* large item 9 */
	cvmm_acpi__put16(w, 6);
	cvmm_acpi__put8(w, flags);
	cvmm_acpi__put8(w, 1); /* one interrupt, no resource source */
	cvmm_acpi__put32(w, gsi);
}

void cvmm_acpi__rd_end(struct cvmm_acpi__w *w)
{
	cvmm_acpi__put8(w, 0x79);
	cvmm_acpi__put8(w, 0x00);
}
