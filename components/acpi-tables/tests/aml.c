/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the internal writer and of the AML and resource-descriptor
 * encoders (src/internal.h), each at its limits, byte for byte against the
 * encodings of ACPI 6.4 chapters 6.4 and 20.
 */
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct cvmm_acpi__w W;

#define WRITER(name, size)                                                     \
	uint8_t name##_b[size];                                                \
	W name = {name##_b, 0, sizeof(name##_b), false};                       \
	memset(name##_b, 0xee, sizeof(name##_b))

static void expect_bytes(const W *w, const uint8_t *want, size_t n)
{
	assert_false(w->overflow);
	assert_int_equal(w->len, n);
	assert_memory_equal(w->p, want, n);
}

static void writer_bounds(void **state)
{
	WRITER(w, 8);
	W m = {NULL, 0, SIZE_MAX, false};

	(void)state;
	cvmm_acpi__put32(&w, 0x04030201u);
	cvmm_acpi__put(&w, NULL, 2);
	cvmm_acpi__put16(&w, 0x0605u);
	expect_bytes(&w, (const uint8_t[]){1, 2, 3, 4, 0, 0, 5, 6}, 8);
	/* Full: nothing more goes in, and the mark sticks. */
	cvmm_acpi__put8(&w, 7);
	assert_true(w.overflow);
	assert_int_equal(w.len, 8);
	w.cap = 100;
	cvmm_acpi__put8(&w, 7);
	assert_int_equal(w.len, 8);
	/* A write that does not fit writes none of its bytes. */
	{
		WRITER(v, 4);

		cvmm_acpi__put8(&v, 1);
		cvmm_acpi__put32(&v, 0xffffffffu);
		assert_true(v.overflow);
		assert_int_equal(v.len, 4);
		assert_int_equal(v_b[0], 1);
	}
	/* Measuring counts without writing, and refuses to wrap. */
	cvmm_acpi__put64(&m, 0);
	assert_int_equal(m.len, 8);
	m.len = SIZE_MAX - 2;
	cvmm_acpi__put(&m, NULL, 3);
	assert_true(m.overflow);
	assert_int_equal(m.len, SIZE_MAX - 2);
	{
		WRITER(q, 8);

		cvmm_acpi__put64(&q, 0x0807060504030201ull);
		expect_bytes(&q, (const uint8_t[]){1, 2, 3, 4, 5, 6, 7, 8}, 8);
	}
	assert_int_equal(cvmm_acpi__sum((const uint8_t[]){0xff, 0x02}, 2), 1);
	assert_int_equal(cvmm_acpi__sum(NULL, 0), 0);
}

/* Decode a PkgLength (ACPI 6.4, 20.2.4): its value and its size. */
static size_t pkglen(const uint8_t *p, size_t *size)
{
	size_t n = (size_t)(p[0] >> 6) + 1, v;

	if (n == 1) {
		*size = 1;
		return p[0] & 0x3fu;
	}
	v = p[0] & 0x0fu;
	for (size_t i = 1; i < n; i++)
		v |= (size_t)p[i] << (4 + 8 * (i - 1));
	*size = n;
	return v;
}

/* A construct with a body of `body` bytes: its PkgLength's size. */
static size_t pkg_of(size_t body)
{
	size_t cap = body + 16, size, mark, v;
	uint8_t *buf = malloc(cap);
	W w = {buf, 0, cap, false};
	W m = {NULL, 0, SIZE_MAX, false};

	assert_non_null(buf);
	mark = cvmm_acpi__aml_open(&w, 0x10);
	for (size_t i = 0; i < body; i++)
		cvmm_acpi__put8(&w, i);
	cvmm_acpi__aml_close(&w, mark);
	assert_false(w.overflow);
	assert_int_equal(buf[0], 0x10);
	/* The value counts the PkgLength itself and the body. */
	v = pkglen(buf + 1, &size);
	assert_int_equal(v, size + body);
	assert_int_equal(w.len, 1 + size + body);
	for (size_t i = 0; i < body; i++)
		assert_int_equal(buf[1 + size + i], (uint8_t)i);
	/* Measuring agrees. */
	mark = cvmm_acpi__aml_open(&m, 0x10);
	cvmm_acpi__put(&m, NULL, body);
	cvmm_acpi__aml_close(&m, mark);
	assert_int_equal(m.len, w.len);
	free(buf);
	return size;
}

static void pkglen_every_size(void **state)
{
	W m = {NULL, 0, SIZE_MAX, false};
	size_t mark;

	(void)state;
	assert_int_equal(pkg_of(0), 1);
	assert_int_equal(pkg_of(62), 1);
	assert_int_equal(pkg_of(63), 2);
	assert_int_equal(pkg_of(0xffd), 2);
	assert_int_equal(pkg_of(0xffe), 3);
	assert_int_equal(pkg_of(0xffffc), 3);
	assert_int_equal(pkg_of(0xffffd), 4);
	/* The longest body a PkgLength can hold, and one byte more. */
	mark = cvmm_acpi__aml_open(&m, 0x10);
	m.len += 0x0fffffffu - 4;
	cvmm_acpi__aml_close(&m, mark);
	assert_false(m.overflow);
	assert_int_equal(m.len, 1 + 0x0fffffffu);
	m.len = 0;
	mark = cvmm_acpi__aml_open(&m, 0x10);
	m.len += 0x0fffffffu - 3;
	cvmm_acpi__aml_close(&m, mark);
	assert_true(m.overflow);
	/* Closing an overflowed writer changes nothing. */
	m.len = 77;
	cvmm_acpi__aml_close(&m, 0);
	assert_int_equal(m.len, 77);
}

static void integers(void **state)
{
	static const struct {
		uint64_t v;
		size_t n;
		uint8_t b[9];
	} cases[] = {
	    {0, 1, {0x00}},
	    {1, 1, {0x01}},
	    {2, 2, {0x0a, 0x02}},
	    {0xff, 2, {0x0a, 0xff}},
	    {0x100, 3, {0x0b, 0x00, 0x01}},
	    {0xffff, 3, {0x0b, 0xff, 0xff}},
	    {0x10000, 5, {0x0c, 0x00, 0x00, 0x01, 0x00}},
	    {0xffffffffu, 5, {0x0c, 0xff, 0xff, 0xff, 0xff}},
	    {0x100000000ull, 9, {0x0e, 0, 0, 0, 0, 1, 0, 0, 0}},
	    {UINT64_MAX,
	     9,
	     {0x0e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		WRITER(w, 16);

		cvmm_acpi__aml_int(&w, cases[i].v);
		expect_bytes(&w, cases[i].b, cases[i].n);
	}
}

static void names_strings_eisaid(void **state)
{
	(void)state;
	{
		WRITER(w, 32);

		cvmm_acpi__aml_name(&w, "_HID");
		cvmm_acpi__aml_namestring(&w, "\\_SB_");
		expect_bytes(&w,
			     (const uint8_t[]){0x08, '_', 'H', 'I', 'D', '\\',
					       '_', 'S', 'B', '_'},
			     10);
	}
	{
		WRITER(w, 32);

		cvmm_acpi__aml_string(&w, "LNRO0005");
		expect_bytes(&w,
			     (const uint8_t[]){0x0d, 'L', 'N', 'R', 'O', '0',
					       '0', '0', '5', 0},
			     10);
	}
	{
		WRITER(w, 32);

		/* The compressed IDs Linux's tables of PNP IDs hold. */
		cvmm_acpi__aml_eisaid(&w, "PNP0501");
		cvmm_acpi__aml_eisaid(&w, "PNP0B00");
		cvmm_acpi__aml_eisaid(&w, "ABC9FED");
		expect_bytes(&w,
			     (const uint8_t[]){0x0c, 0x41, 0xd0, 0x05, 0x01,
					       0x0c, 0x41, 0xd0, 0x0b, 0x00,
					       0x0c, 0x04, 0x43, 0x9f, 0xed},
			     15);
	}
	{
		WRITER(w, 32);

		cvmm_acpi__aml_buffer(&w, (const uint8_t[]){0x79, 0x00}, 2);
		/* BufferOp, PkgLength 4, size 2 (BytePrefix), the bytes. */
		expect_bytes(
		    &w, (const uint8_t[]){0x11, 0x05, 0x0a, 0x02, 0x79, 0x00},
		    6);
	}
}

static void resource_descriptors(void **state)
{
	WRITER(w, 64);

	(void)state;
	cvmm_acpi__rd_io(&w, 0x3f8, 0x3f9, 1, 8);
	cvmm_acpi__rd_irq(&w, 4);
	cvmm_acpi__rd_irq(&w, 15);
	cvmm_acpi__rd_mem32(&w, 0xd0001000u, 0x200);
	cvmm_acpi__rd_ext_irq(
	    &w, CVMM_ACPI__RD_IRQ_CONSUMER | CVMM_ACPI__RD_IRQ_EDGE,
	    0x12345678u);
	cvmm_acpi__rd_end(&w);
	expect_bytes(&w,
		     (const uint8_t[]){
			 /* IO: tag 0x47, Decode16, min, max, align, length */
			 0x47, 0x01, 0xf8, 0x03, 0xf9, 0x03, 0x01, 0x08,
			 /* IRQNoFlags: tag 0x22, mask */
			 0x22, 0x10, 0x00, 0x22, 0x00, 0x80,
			 /* Memory32Fixed: tag 0x86, length 9, RW, base, len */
			 0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0x00, 0xd0, 0x00,
			 0x02, 0x00, 0x00,
			 /* Extended interrupt: tag 0x89, length 6, flags
			  * (consumer, edge, high, exclusive), count 1, GSI */
			 0x89, 0x06, 0x00, 0x03, 0x01, 0x78, 0x56, 0x34, 0x12,
			 /* End tag, checksum 0 */
			 0x79, 0x00},
		     37);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(writer_bounds),
	    cmocka_unit_test(pkglen_every_size),
	    cmocka_unit_test(integers),
	    cmocka_unit_test(names_strings_eisaid),
	    cmocka_unit_test(resource_descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
