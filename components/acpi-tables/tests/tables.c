/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the tables: every length and checksum, the fields at the
 * offsets ACPI 6.4 gives them (RSDP 5.2.5.3, XSDT 5.2.8, FADT 5.2.9, MADT
 * 5.2.12), the DSDT's devices byte for byte, every refusal and its errno,
 * and the tables written into guest memory.
 */
#include <cvmm/acpi-mem.h>
#include <cvmm/mem-test.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc-fail.h"

#define BASE 0xe0000u

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static const uint8_t *find(const uint8_t *p, size_t n, const void *what,
			   size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, what, k) == 0)
			return p + i;
	return NULL;
}

static const struct cvmm_acpi_virtio_mmio two_devices[] = {
    {0xd0000000u, 0x1000, 5},
    {0xd0001000u, 0x200, 17},
};

/* Defaults plus two virtio devices and I/O sleep registers. */
static struct cvmm_acpi_config full(uint32_t vcpus)
{
	struct cvmm_acpi_config c;

	cvmm_acpi_config_init(&c, BASE, vcpus);
	c.virtio = two_devices;
	c.virtio_count = 2;
	c.sleep_control.space = CVMM_ACPI_SPACE_IO;
	c.sleep_control.addr = 0x600;
	c.sleep_status.space = CVMM_ACPI_SPACE_IO;
	c.sleep_status.addr = 0x601;
	return c;
}

static uint8_t blob[65536];

struct tables {
	struct cvmm_acpi_layout l;
	const uint8_t *rsdp, *xsdt, *fadt, *dsdt, *madt;
	size_t len;
};

/* Build, and check what every configuration must satisfy. */
static struct tables build(const struct cvmm_acpi_config *c)
{
	struct tables t;

	memset(blob, 0xee, sizeof(blob));
	assert_int_equal(cvmm_acpi_layout(c, &t.l), 0);
	assert_int_equal(cvmm_acpi_build(c, blob, sizeof(blob), &t.len), 0);
	assert_int_equal(t.len, t.l.total);
	/* Fixed offsets, then 16-byte alignment; nothing written beyond. */
	assert_true(t.l.rsdp == c->base);
	assert_true(t.l.xsdt == c->base + 48);
	assert_true(t.l.fadt == c->base + 112);
	assert_true(t.l.dsdt == c->base + 400);
	assert_true(t.l.madt == c->base + ((400 + t.l.dsdt_len + 15) & ~15u));
	assert_int_equal(t.l.total, t.l.madt - c->base + t.l.madt_len);
	assert_int_equal(blob[t.len], 0xee);
	t.rsdp = blob;
	t.xsdt = blob + (t.l.xsdt - c->base);
	t.fadt = blob + (t.l.fadt - c->base);
	t.dsdt = blob + (t.l.dsdt - c->base);
	t.madt = blob + (t.l.madt - c->base);
	/* Padding is zero. */
	assert_true(all_zero(blob + 36, 12));
	assert_true(all_zero(blob + 48 + 52, 12));
	assert_true(all_zero(blob + 112 + 276, 12));

	/* RSDP: signature, checksum of the first 20 bytes, revision 2, no
	 * RSDT, length 36, the XSDT, extended checksum, reserved zero. */
	assert_int_equal(t.l.rsdp_len, 36);
	assert_memory_equal(t.rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(t.rsdp, 20), 0);
	assert_memory_equal(t.rsdp + 9, "CVMM  ", 6);
	assert_int_equal(t.rsdp[15], 2);
	assert_int_equal(le32(t.rsdp + 16), 0);
	assert_int_equal(le32(t.rsdp + 20), 36);
	assert_true(le64(t.rsdp + 24) == t.l.xsdt);
	assert_int_equal(sum(t.rsdp, 36), 0);
	assert_true(all_zero(t.rsdp + 33, 3));

	/* Every table: signature, length, revision, checksum, OEM fields. */
	{
		const uint8_t *tab[] = {t.xsdt, t.fadt, t.dsdt, t.madt};
		const uint32_t lens[] = {t.l.xsdt_len, t.l.fadt_len,
					 t.l.dsdt_len, t.l.madt_len};
		const char *sig[] = {"XSDT", "FACP", "DSDT", "APIC"};
		const uint8_t rev[] = {1, 6, 2, 5};

		for (int i = 0; i < 4; i++) {
			assert_memory_equal(tab[i], sig[i], 4);
			assert_int_equal(le32(tab[i] + 4), lens[i]);
			assert_int_equal(tab[i][8], rev[i]);
			assert_int_equal(sum(tab[i], lens[i]), 0);
			assert_memory_equal(tab[i] + 10, "CVMM  ", 6);
			assert_memory_equal(tab[i] + 16, "CVMMVM  ", 8);
			assert_int_equal(le32(tab[i] + 24), 1);
			assert_memory_equal(tab[i] + 28, "CVMM", 4);
			assert_int_equal(le32(tab[i] + 32), 1);
		}
	}

	/* XSDT: the FADT and the MADT. */
	assert_int_equal(t.l.xsdt_len, 52);
	assert_true(le64(t.xsdt + 36) == t.l.fadt);
	assert_true(le64(t.xsdt + 44) == t.l.madt);

	/* FADT: 276 bytes; hardware-reduced, so no FACS, SCI or PM block. */
	assert_int_equal(t.l.fadt_len, 276);
	assert_int_equal(le32(t.fadt + 36), 0);
	assert_true(all_zero(t.fadt + 44, 108 - 44));
	assert_int_equal(t.fadt[111], 0);
	assert_true(le32(t.fadt + 112) & (1u << 20));
	assert_int_equal(le16(t.fadt + 129), 0);
	assert_int_equal(t.fadt[131], 4);
	assert_true(le64(t.fadt + 132) == 0);
	assert_true(le64(t.fadt + 140) == t.l.dsdt);
	assert_true(all_zero(t.fadt + 148, 244 - 148));
	assert_memory_equal(t.fadt + 268, "CVMM    ", 8);

	/* MADT: one enabled local APIC per vCPU, the IOAPIC, LINT1 NMI. */
	assert_int_equal(t.l.madt_len, 44 + 8 * c->vcpus + 12 + 6);
	assert_int_equal(le32(t.madt + 36), c->lapic_addr);
	assert_int_equal(le32(t.madt + 40), 1);
	for (uint32_t i = 0; i < c->vcpus; i++) {
		const uint8_t *e = t.madt + 44 + 8 * i;

		assert_int_equal(e[0], 0);
		assert_int_equal(e[1], 8);
		assert_int_equal(e[2], i);
		assert_int_equal(e[3], i);
		assert_int_equal(le32(e + 4), 1);
	}
	{
		const uint8_t *io = t.madt + 44 + 8 * c->vcpus, *nmi = io + 12;

		assert_int_equal(io[0], 1);
		assert_int_equal(io[1], 12);
		assert_int_equal(io[2], c->vcpus);
		assert_int_equal(io[3], 0);
		assert_int_equal(le32(io + 4), c->ioapic_addr);
		assert_int_equal(le32(io + 8), 0);
		assert_int_equal(nmi[0], 4);
		assert_int_equal(nmi[1], 6);
		assert_int_equal(nmi[2], 0xff);
		assert_int_equal(le16(nmi + 3), 0);
		assert_int_equal(nmi[5], 1);
	}
	return t;
}

static void defaults(void **state)
{
	struct cvmm_acpi_config c;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	cvmm_acpi_config_init(&c, 0x1230, 3);
	assert_true(c.base == 0x1230);
	assert_int_equal(c.vcpus, 3);
	assert_int_equal(c.lapic_addr, 0xfee00000u);
	assert_int_equal(c.ioapic_addr, 0xfec00000u);
	assert_int_equal(c.legacy, CVMM_ACPI_LEGACY_ALL);
	assert_null(c.virtio);
	assert_int_equal(c.virtio_count, 0);
	assert_int_equal(c.sleep_control.space, CVMM_ACPI_SPACE_NONE);
	assert_int_equal(c.sleep_status.space, CVMM_ACPI_SPACE_NONE);
	assert_int_equal(c.reset.space, CVMM_ACPI_SPACE_IO);
	assert_true(c.reset.addr == 0x64);
	assert_int_equal(c.reset_value, 0xfe);
}

/* The reference VMM's tables: legacy devices, reset, no power-off. */
static void pc_defaults(void **state)
{
	struct cvmm_acpi_config c;
	struct tables t;

	(void)state;
	cvmm_acpi_config_init(&c, BASE, 3);
	t = build(&c);
	/* The 32-bit DSDT pointer too, below 4 GiB. */
	assert_int_equal(le32(t.fadt + 40), t.l.dsdt);
	/* RTC century register; 8042, no VGA, no MSI; RTC present. */
	assert_int_equal(t.fadt[108], 0x32);
	assert_int_equal(le16(t.fadt + 109), (1u << 1) | (1u << 2) | (1u << 3));
	/* Hardware-reduced and a reset register. */
	assert_int_equal(le32(t.fadt + 112), (1u << 20) | (1u << 10));
	/* RESET_REG: system I/O, 8 bits, offset 0, byte access, port 0x64;
	 * RESET_VALUE 0xfe. */
	assert_memory_equal(
	    t.fadt + 116,
	    ((const uint8_t[]){1, 8, 0, 1, 0x64, 0, 0, 0, 0, 0, 0, 0}), 12);
	assert_int_equal(t.fadt[128], 0xfe);
	/* No sleep registers, and so no \_S5_. */
	assert_true(all_zero(t.fadt + 244, 24));
	assert_null(find(t.dsdt, t.l.dsdt_len, "_S5_", 4));
	/* \_SB with the three legacy devices, byte for byte. */
	{
		static const uint8_t scope[] = {0x10, 0x00, '\\', '_',
						'S',  'B',  '_'};
		static const uint8_t com1[] = {
		    0x5b, 0x82, 0x2b, 'C',  'O',  'M',	'1',  0x08, '_',
		    'H',  'I',	'D',  0x0c, 0x41, 0xd0, 0x05, 0x01, 0x08,
		    '_',  'U',	'I',  'D',  0x00, 0x08, '_',  'C',  'R',
		    'S',  0x11, 0x10, 0x0a, 0x0d, 0x47, 0x01, 0xf8, 0x03,
		    0xf8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00, 0x79, 0x00};
		static const uint8_t kbc[] = {
		    0x5b, 0x82, 0x33, 'K',  'B',  'C',	'0',  0x08, '_',
		    'H',  'I',	'D',  0x0c, 0x41, 0xd0, 0x03, 0x03, 0x08,
		    '_',  'U',	'I',  'D',  0x00, 0x08, '_',  'C',  'R',
		    'S',  0x11, 0x18, 0x0a, 0x15, 0x47, 0x01, 0x60, 0x00,
		    0x60, 0x00, 0x01, 0x01, 0x47, 0x01, 0x64, 0x00, 0x64,
		    0x00, 0x01, 0x01, 0x22, 0x02, 0x00, 0x79, 0x00};
		static const uint8_t rtc[] = {
		    0x5b, 0x82, 0x2b, 'R',  'T',  'C',	'0',  0x08, '_',
		    'H',  'I',	'D',  0x0c, 0x41, 0xd0, 0x0b, 0x00, 0x08,
		    '_',  'U',	'I',  'D',  0x00, 0x08, '_',  'C',  'R',
		    'S',  0x11, 0x10, 0x0a, 0x0d, 0x47, 0x01, 0x70, 0x00,
		    0x70, 0x00, 0x01, 0x02, 0x22, 0x00, 0x01, 0x79, 0x00};
		const uint8_t *aml = t.dsdt + 36;
		size_t body = sizeof(com1) + sizeof(kbc) + sizeof(rtc) + 5;

		/* Scope's PkgLength takes two bytes here. */
		assert_int_equal(t.l.dsdt_len, 36 + 1 + 2 + body);
		assert_int_equal(aml[0], 0x10);
		assert_int_equal(aml[1], 0x40 | ((body + 2) & 0xf));
		assert_int_equal(aml[2], (body + 2) >> 4);
		assert_memory_equal(aml + 3, scope + 2, 5);
		assert_memory_equal(aml + 8, com1, sizeof(com1));
		assert_memory_equal(aml + 8 + sizeof(com1), kbc, sizeof(kbc));
		assert_memory_equal(aml + 8 + sizeof(com1) + sizeof(kbc), rtc,
				    sizeof(rtc));
	}
}

static void virtio_and_poweroff(void **state)
{
	struct cvmm_acpi_config c = full(2);
	struct tables t;
	/* Device (VR01) {_HID "LNRO0005", _UID 1, _CRS {Memory32Fixed
	 * (ReadWrite, 0xd0001000, 0x200), Interrupt (ResourceConsumer,
	 * Edge, ActiveHigh, Exclusive) {17}}} */
	static const uint8_t vr01[] = {
	    0x5b, 0x82, 0x3a, 'V',  'R',  '0',	'1',  0x08, '_',  'H',
	    'I',  'D',	0x0d, 'L',  'N',  'R',	'O',  '0',  '0',  '0',
	    '5',  0x00, 0x08, '_',  'U',  'I',	'D',  0x01, 0x08, '_',
	    'C',  'R',	'S',  0x11, 0x1a, 0x0a, 0x17, 0x86, 0x09, 0x00,
	    0x01, 0x00, 0x10, 0x00, 0xd0, 0x00, 0x02, 0x00, 0x00, 0x89,
	    0x06, 0x00, 0x03, 0x01, 0x11, 0x00, 0x00, 0x00, 0x79, 0x00};
	static const uint8_t vr00_crs[] = {0x86, 0x09, 0x00, 0x01, 0x00, 0x00,
					   0x00, 0xd0, 0x00, 0x10, 0x00, 0x00,
					   0x89, 0x06, 0x00, 0x03, 0x01, 0x05,
					   0x00, 0x00, 0x00, 0x79, 0x00};
	/* Name (\_S5_, Package (4) {5, 0, 0, 0}) */
	static const uint8_t s5[] = {0x08, '\\', '_',  'S',  '5',  '_',	 0x12,
				     0x07, 0x04, 0x0a, 0x05, 0x00, 0x00, 0x00};
	const uint8_t *vr00;

	(void)state;
	t = build(&c);
	vr00 = find(t.dsdt, t.l.dsdt_len, "VR00", 4);
	assert_non_null(vr00);
	assert_memory_equal(vr00 - 3, vr01, 3);
	assert_non_null(find(vr00, 60, vr00_crs, sizeof(vr00_crs)));
	assert_memory_equal(vr00 + 57, vr01, sizeof(vr01));
	/* \_S5_ ends the DSDT, after \_SB. */
	assert_memory_equal(t.dsdt + t.l.dsdt_len - sizeof(s5), s5, sizeof(s5));
	/* SLEEP_CONTROL_REG at 244 and SLEEP_STATUS_REG at 256: I/O,
	 * 8 bits, byte access. */
	assert_memory_equal(
	    t.fadt + 244,
	    ((const uint8_t[]){1, 8, 0, 1, 0x00, 0x06, 0, 0, 0, 0, 0, 0,
			       1, 8, 0, 1, 0x01, 0x06, 0, 0, 0, 0, 0, 0}),
	    24);

	/* The same in MMIO, with the reset register in MMIO too. */
	c.sleep_control.space = CVMM_ACPI_SPACE_MMIO;
	c.sleep_control.addr = 0x123456789abcull;
	c.sleep_status.space = CVMM_ACPI_SPACE_MMIO;
	c.sleep_status.addr = 0xfffffffffffffffeull;
	c.reset.space = CVMM_ACPI_SPACE_MMIO;
	c.reset.addr = 0xfee00000u;
	c.reset_value = 1;
	t = build(&c);
	assert_memory_equal(t.fadt + 116,
			    ((const uint8_t[]){0, 8, 0, 1, 0x00, 0x00, 0xe0,
					       0xfe, 0, 0, 0, 0, 1}),
			    13);
	assert_memory_equal(
	    t.fadt + 244,
	    ((const uint8_t[]){0,    8,	   0,	 1,    0xbc, 0x9a, 0x78, 0x56,
			       0x34, 0x12, 0,	 0,    0,    8,	   0,	 1,
			       0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
	    24);
}

/* Nothing legacy, no reset, tables above 4 GiB, the most processors. */
static void bare(void **state)
{
	struct cvmm_acpi_config c;
	struct tables t;

	(void)state;
	cvmm_acpi_config_init(&c, 0x100000000ull, CVMM_ACPI_VCPUS_MAX);
	c.legacy = 0;
	c.reset.space = CVMM_ACPI_SPACE_NONE;
	c.reset_value = 0;
	c.lapic_addr = 0xfee10000u;
	c.ioapic_addr = 0xfec10000u;
	t = build(&c);
	assert_int_equal(le32(t.fadt + 40), 0); /* only X_DSDT */
	assert_int_equal(t.fadt[108], 0);	/* no century */
	/* No 8042; no VGA, no MSI, no CMOS RTC. */
	assert_int_equal(le16(t.fadt + 109), (1u << 2) | (1u << 3) | (1u << 5));
	assert_int_equal(le32(t.fadt + 112), 1u << 20);
	assert_true(all_zero(t.fadt + 116, 13));
	/* An empty \_SB. */
	assert_int_equal(t.l.dsdt_len, 36 + 7);
	assert_memory_equal(
	    t.dsdt + 36,
	    ((const uint8_t[]){0x10, 0x06, '\\', '_', 'S', 'B', '_'}), 7);
	assert_int_equal(t.madt[44 + 8 * 253 + 3], 253);
	assert_int_equal(t.madt[44 + 8 * 254 + 2], 254);
}

/* Each legacy device alone; as many virtio devices as there are GSIs. */
static void combinations(void **state)
{
	struct cvmm_acpi_virtio_mmio many[CVMM_ACPI_VIRTIO_MAX];
	struct cvmm_acpi_config c;
	struct tables t;
	size_t n = 0;

	(void)state;
	for (unsigned bit = 1; bit <= 4; bit <<= 1) {
		static const char *names[] = {"COM1", "KBC0", "", "RTC0"};

		cvmm_acpi_config_init(&c, BASE, 1);
		c.legacy = bit;
		t = build(&c);
		for (unsigned other = 1; other <= 4; other <<= 1)
			assert_true(
			    (find(t.dsdt, t.l.dsdt_len, names[other - 1], 4) !=
			     NULL) == (other == bit));
	}
	cvmm_acpi_config_init(&c, BASE, 1);
	c.legacy = 0;
	for (uint32_t gsi = 1; gsi < CVMM_ACPI_GSI_MAX; gsi++) {
		if (gsi == 2)
			continue;
		many[n].base = 0x10000000u + 0x200u * n;
		many[n].size = 0x200;
		many[n].gsi = gsi;
		n++;
	}
	c.virtio = many;
	c.virtio_count = n;
	t = build(&c);
	assert_non_null(find(t.dsdt, t.l.dsdt_len, "VR15", 4));
	assert_null(find(t.dsdt, t.l.dsdt_len, "VR16", 4));
	/* A _UID of 21 takes a BytePrefix. */
	assert_non_null(find(t.dsdt, t.l.dsdt_len,
			     ((const uint8_t[]){'_', 'U', 'I', 'D', 0x0a, 21}),
			     6));
	/* Windows may touch (no gap) but not overlap; a window may end
	 * exactly at 4 GiB, and sit right below the IOAPIC's page. */
	many[0].base = 0xfffff000u;
	many[0].size = 0x1000;
	many[1].base = 0xfebff000u;
	many[1].size = 0x1000;
	t = build(&c);
}

struct bad {
	const char *what;
	int err;
	void (*edit)(struct cvmm_acpi_config *c,
		     struct cvmm_acpi_virtio_mmio *v);
};

#define BAD(name, errno_, body)                                                \
	static void name(struct cvmm_acpi_config *c,                           \
			 struct cvmm_acpi_virtio_mmio *v)                      \
	{                                                                      \
		(void)c;                                                       \
		(void)v;                                                       \
		body;                                                          \
	}

BAD(no_vcpus, EINVAL, c->vcpus = 0)
BAD(bad_legacy, EINVAL, c->legacy = 8)
BAD(bad_space_ctl, EINVAL, c->sleep_control.space = 3)
BAD(bad_space_sts, EINVAL, c->sleep_status.space = 3)
BAD(bad_space_reset, EINVAL, c->reset.space = 3)
BAD(half_sleep, EINVAL, c->sleep_status.space = CVMM_ACPI_SPACE_NONE)
BAD(half_sleep2, EINVAL, c->sleep_control.space = CVMM_ACPI_SPACE_NONE)
BAD(big_port_ctl, EINVAL, c->sleep_control.addr = 0x10000)
BAD(big_port_sts, EINVAL, c->sleep_status.addr = 0x10000)
BAD(big_port_reset, EINVAL, c->reset.addr = 0x10000)
BAD(null_virtio, EINVAL, c->virtio = NULL)
BAD(empty_window, EINVAL, v[1].size = 0)
BAD(many_vcpus, E2BIG, c->vcpus = CVMM_ACPI_VCPUS_MAX + 1)
BAD(many_devices, E2BIG, c->virtio_count = CVMM_ACPI_VIRTIO_MAX + 1)
BAD(odd_base, EDOM, c->base = BASE + 8)
BAD(odd_window, EDOM, v[1].base += 0x100)
BAD(odd_size, EDOM, v[0].size = 0x300)
BAD(wrap, EOVERFLOW, v[1].base = 0xfffffffffffffe00ull)
BAD(above_4g, EOVERFLOW, v[1].base = 0xfffffe00u; v[1].size = 0x400)
BAD(tables_wrap, EOVERFLOW, c->base = 0xffffffffffffff00ull)
BAD(overlap, EADDRINUSE, v[1].base = 0xd0000e00u)
BAD(overlap_below, EADDRINUSE, v[1].base = 0xcffffe00u; v[1].size = 0x400)
BAD(covers, EADDRINUSE, v[1].base = 0xc0000000u; v[1].size = 0x20000000)
BAD(on_lapic, EADDRINUSE, v[1].base = 0xfee00e00u)
BAD(below_lapic, EADDRINUSE, v[1].base = 0xfedffe00u; v[1].size = 0x400)
BAD(on_ioapic, EADDRINUSE, v[1].base = 0xfec00000u)
BAD(pin_24, ERANGE, v[1].gsi = CVMM_ACPI_GSI_MAX)
BAD(same_gsi, EBUSY, v[1].gsi = 5)
BAD(timer0, EBUSY, v[1].gsi = 0)
BAD(timer2, EBUSY, v[1].gsi = 2)
BAD(com1_gsi, EBUSY, v[1].gsi = 4)
BAD(kbd_gsi, EBUSY, v[1].gsi = 1)
BAD(rtc_gsi, EBUSY, v[1].gsi = 8)

/* Legacy IRQs are free for virtio once the device is not described. */
BAD(com1_off, 0, v[1].gsi = 4; c->legacy = 0)
BAD(kbd_off, 0, v[1].gsi = 1; c->legacy = 0)
BAD(rtc_off, 0, v[1].gsi = 8; c->legacy = 0)
BAD(port_ffff, 0, c->reset.addr = 0xffff; c->sleep_status.addr = 0xffff)
BAD(mmio_any, 0, c->reset.space = CVMM_ACPI_SPACE_MMIO; c->reset.addr = 0x10000)

static void refusals(void **state)
{
	static const struct bad cases[] = {
#define C(fn, e) {#fn, e, fn}
	    C(no_vcpus, -EINVAL),
	    C(bad_legacy, -EINVAL),
	    C(bad_space_ctl, -EINVAL),
	    C(bad_space_sts, -EINVAL),
	    C(bad_space_reset, -EINVAL),
	    C(half_sleep, -EINVAL),
	    C(half_sleep2, -EINVAL),
	    C(big_port_ctl, -EINVAL),
	    C(big_port_sts, -EINVAL),
	    C(big_port_reset, -EINVAL),
	    C(null_virtio, -EINVAL),
	    C(empty_window, -EINVAL),
	    C(many_vcpus, -E2BIG),
	    C(many_devices, -E2BIG),
	    C(odd_base, -EDOM),
	    C(odd_window, -EDOM),
	    C(odd_size, -EDOM),
	    C(wrap, -EOVERFLOW),
	    C(above_4g, -EOVERFLOW),
	    C(tables_wrap, -EOVERFLOW),
	    C(overlap, -EADDRINUSE),
	    C(overlap_below, -EADDRINUSE),
	    C(covers, -EADDRINUSE),
	    C(on_lapic, -EADDRINUSE),
	    C(below_lapic, -EADDRINUSE),
	    C(on_ioapic, -EADDRINUSE),
	    C(pin_24, -ERANGE),
	    C(same_gsi, -EBUSY),
	    C(timer0, -EBUSY),
	    C(timer2, -EBUSY),
	    C(com1_gsi, -EBUSY),
	    C(kbd_gsi, -EBUSY),
	    C(rtc_gsi, -EBUSY),
	    C(com1_off, 0),
	    C(kbd_off, 0),
	    C(rtc_off, 0),
	    C(port_ffff, 0),
	    C(mmio_any, 0),
#undef C
	};
	static uint8_t buf[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cvmm_acpi_virtio_mmio v[2] = {two_devices[0],
						     two_devices[1]};
		struct cvmm_acpi_config c = full(2);
		struct cvmm_acpi_layout l;
		size_t len = 12345;
		int rc;

		c.virtio = v;
		cases[i].edit(&c, v);
		memset(&l, 0x5a, sizeof(l));
		memset(buf, 0x5a, sizeof(buf));
		rc = cvmm_acpi_layout(&c, &l);
		if (rc != cases[i].err)
			fail_msg("%s: layout %d, expected %d", cases[i].what,
				 rc, cases[i].err);
		rc = cvmm_acpi_build(&c, buf, sizeof(buf), &len);
		if (rc != cases[i].err)
			fail_msg("%s: build %d, expected %d", cases[i].what, rc,
				 cases[i].err);
		if (rc == 0)
			continue;
		/* Refused: nothing written, nothing returned. */
		assert_int_equal(len, 12345);
		assert_int_equal(l.total, (size_t)0x5a5a5a5a5a5a5a5aull);
		for (size_t j = 0; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0x5a);
	}
}

static void arguments_and_room(void **state)
{
	struct cvmm_acpi_config c = full(4);
	struct cvmm_acpi_layout l;
	uint8_t buf[2048];
	size_t len = 0;

	(void)state;
	assert_int_equal(cvmm_acpi_layout(NULL, &l), -EINVAL);
	assert_int_equal(cvmm_acpi_layout(&c, NULL), -EINVAL);
	assert_int_equal(cvmm_acpi_build(NULL, buf, sizeof(buf), &len),
			 -EINVAL);
	assert_int_equal(cvmm_acpi_build(&c, buf, sizeof(buf), NULL), -EINVAL);
	assert_int_equal(cvmm_acpi_build(&c, NULL, 1, &len), -EINVAL);
	assert_int_equal(cvmm_acpi_layout(&c, &l), 0);
	/* Asking the size with no buffer. */
	assert_int_equal(cvmm_acpi_build(&c, NULL, 0, &len), -ENOSPC);
	assert_int_equal(len, l.total);
	/* One byte short: the size needed, and the buffer untouched. */
	memset(buf, 0x77, sizeof(buf));
	len = 0;
	assert_int_equal(cvmm_acpi_build(&c, buf, l.total - 1, &len), -ENOSPC);
	assert_int_equal(len, l.total);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0x77);
	/* Exactly enough. */
	assert_int_equal(cvmm_acpi_build(&c, buf, l.total, &len), 0);
	assert_int_equal(len, l.total);
	assert_int_equal(buf[l.total], 0x77);
}

static void poweroff_value(void **state)
{
	(void)state;
	assert_int_equal(CVMM_ACPI_SLEEP_S5, 0x34);
	assert_true(cvmm_acpi_is_poweroff(0x34));
	/* Reserved bits 0, 1, 6 and 7 are ignored. */
	assert_true(cvmm_acpi_is_poweroff(0x34 | 0xc3));
	assert_false(cvmm_acpi_is_poweroff(0x14)); /* no SLP_EN */
	assert_false(cvmm_acpi_is_poweroff(0x30)); /* SLP_TYP 4 */
	assert_false(cvmm_acpi_is_poweroff(0x3c)); /* SLP_TYP 7 */
	assert_false(cvmm_acpi_is_poweroff(0x00));
	for (unsigned v = 0; v < 256; v++)
		assert_true(cvmm_acpi_is_poweroff((uint8_t)v) ==
			    ((v & 0x3c) == 0x34));
}

static void into_guest_memory(void **state)
{
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(BASE), 0x1000, 0};
	struct cvmm_acpi_config c = full(2);
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	static uint8_t want[4096], got[4096];
	size_t len;
	int rc;

	(void)state;
	/* Every byte its own region: a write must not assume contiguity. */
	assert_int_equal(cvmm_mem_test_create(&r, 1, 1, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	assert_int_equal(cvmm_acpi_build(&c, want, sizeof(want), &len), 0);

	assert_int_equal(cvmm_acpi_write(NULL, &c, 0x1000), -EINVAL);
	assert_int_equal(cvmm_acpi_write(&mem, NULL, 0x1000), -EINVAL);
	c.vcpus = 0;
	assert_int_equal(cvmm_acpi_write(&mem, &c, 0x1000), -EINVAL);
	c.vcpus = 2;
	assert_int_equal(cvmm_acpi_write(&mem, &c, len - 1), -ENOSPC);
	cvmm_alloc_fail_nth(1);
	assert_int_equal(cvmm_acpi_write(&mem, &c, 0x1000), -ENOMEM);
	assert_true(cvmm_alloc_fail_fired());
	cvmm_alloc_fail_nth(0);
	/* Every guest access failing in turn: guest memory unchanged. */
	for (uint64_t n = 1;; n++) {
		assert_int_equal(cvmm_mem_test_fail_nth(tm, n, -EIO), 0);
		rc = cvmm_acpi_write(&mem, &c, 0x1000);
		if (!cvmm_mem_test_failure_fired(tm)) {
			assert_int_equal(rc, 0);
			break;
		}
		assert_int_equal(rc, -EIO);
		assert_int_equal(cvmm_mem_read(&mem, cvmm_mem_gpa_from(BASE),
					       got, sizeof(got)),
				 0);
		for (size_t i = 0; i < sizeof(got); i++)
			assert_int_equal(got[i], 0);
	}
	assert_int_equal(cvmm_mem_test_fail_nth(tm, 0, -EIO), 0);
	assert_int_equal(
	    cvmm_mem_read(&mem, cvmm_mem_gpa_from(BASE), got, sizeof(got)), 0);
	assert_memory_equal(got, want, len);
	/* Tables that would not fit in guest memory. */
	c.base = BASE + 0x1000 - 0x100;
	assert_int_equal(cvmm_acpi_write(&mem, &c, 0x100000), -EFAULT);
	cvmm_mem_test_destroy(tm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults),
	    cmocka_unit_test(pc_defaults),
	    cmocka_unit_test(virtio_and_poweroff),
	    cmocka_unit_test(bare),
	    cmocka_unit_test(combinations),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(arguments_and_room),
	    cmocka_unit_test(poweroff_value),
	    cmocka_unit_test(into_guest_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
