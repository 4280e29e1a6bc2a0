/* SPDX-License-Identifier: Apache-2.0 */
#include "acpi.h"
#include "options.h"

#include <stdbool.h>
#include <string.h>

#define XSDT_ADDR 0xe0040u
#define FADT_ADDR 0xe0100u
#define DSDT_ADDR 0xe0240u
#define DSDT_MAX  (MADT_ADDR - DSDT_ADDR)
#define MADT_ADDR 0xe0400u
#define END_ADDR  0x100000u

#define HEADER_SIZE 36u
/* The MADT of RVMM_VCPUS_MAX processors, the IOAPIC and the NMI entry. */
#define MADT_MAX  (44u + 8u * RVMM_VCPUS_MAX + 12u + 6u)
#define FADT_SIZE 276u

/* FADT flags and boot architecture flags (ACPI 6.4, 5.2.9). */
#define FADT_RESET_REG_SUP     (1u << 10)
#define FADT_HW_REDUCED_ACPI   (1u << 20)
#define IAPC_8042	       (1u << 1)
#define IAPC_VGA_NOT_PRESENT   (1u << 2)
#define IAPC_MSI_NOT_SUPPORTED (1u << 3)

/* A little-endian writer over a fixed buffer; what does not fit is
 * dropped and remembered. */
struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool overflow;
};

#define BUF(array)                                                             \
	{                                                                      \
		(array), 0, sizeof(array), false                               \
	}

static void put8(struct buf *b, uint64_t v)
{
	if (b->len == b->cap) {
		b->overflow = true;
		return;
	}
	b->p[b->len++] = (uint8_t)(v & 0xffu);
}

static void put16(struct buf *b, uint64_t v)
{
	put8(b, v);
	put8(b, v >> 8);
}

static void put32(struct buf *b, uint64_t v)
{
	put16(b, v);
	put16(b, v >> 16);
}

static void put64(struct buf *b, uint64_t v)
{
	put32(b, v);
	put32(b, v >> 32);
}

static void putstr(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(b, (uint8_t)s[i]);
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0x100u - sum);
}

/* The standard header; length and checksum are fixed by finish(). */
static void header(struct buf *b, const char *sig, uint8_t revision)
{
	putstr(b, sig, 4);
	put32(b, 0); /* length */
	put8(b, revision);
	put8(b, 0); /* checksum */
	putstr(b, "CVMM  ", 6);
	putstr(b, "REFVMM  ", 8);
	put32(b, 1);	       /* OEM revision */
	putstr(b, "CVMM", 4);  /* creator */
	put32(b, 0x20260101u); /* creator revision */
}

static void finish(struct buf *b)
{
	if (b->overflow)
		return;
	b->p[4] = (uint8_t)(b->len & 0xffu);
	b->p[5] = (uint8_t)((b->len >> 8) & 0xffu);
	b->p[6] = (uint8_t)((b->len >> 16) & 0xffu);
	b->p[7] = (uint8_t)(b->len >> 24);
	b->p[9] = checksum(b->p, b->len);
}

static void fadt(struct buf *b)
{
	header(b, "FACP", 6);
	put32(b, 0);	     /* 36 FIRMWARE_CTRL */
	put32(b, DSDT_ADDR); /* 40 DSDT */
	while (b->len < 108) /* no PM blocks: hardware-reduced */
		put8(b, 0);
	put8(b, 0x32); /* 108 CENTURY: the RTC's century register */
	put16(b, IAPC_8042 | IAPC_VGA_NOT_PRESENT | IAPC_MSI_NOT_SUPPORTED);
	put8(b, 0);					     /* 111 reserved */
	put32(b, FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP); /* 112 flags */
	/* 116 RESET_REG: system I/O, 8 bits at port 0x64, byte access. */
	put8(b, 1);
	put8(b, 8);
	put8(b, 0);
	put8(b, 1);
	put64(b, 0x64);
	put8(b, 0xfe);	     /* 128 RESET_VALUE */
	put16(b, 0);	     /* 129 ARM_BOOT_ARCH */
	put8(b, 4);	     /* 131 minor version: ACPI 6.4 */
	put64(b, 0);	     /* 132 X_FIRMWARE_CTRL */
	put64(b, DSDT_ADDR); /* 140 X_DSDT */
	while (b->len < 268) /* the extended PM and sleep blocks: none */
		put8(b, 0);
	putstr(b, "CVMMREF ", 8); /* 268 hypervisor vendor identity */
	finish(b);
}

/*
 * AML, hand-encoded (ACPI 6.4, chapter 20): just what the DSDT below
 * needs. A package length is one byte below 64, else two.
 */
static void aml_pkglen(struct buf *b, size_t body)
{
	if (body + 1 < 64) {
		put8(b, body + 1);
	} else {
		size_t len = body + 2;

		put8(b, 0x40u | (len & 0xfu));
		put8(b, len >> 4);
	}
}

/*
 * Device(name) { Name(_HID, EisaId(hid)) Name(_UID, 0) Name(_CRS, crs) }
 * with hid already compressed (bytes as stored) and crs a resource
 * template ending with its end tag.
 */
static void aml_device(struct buf *b, const char *name, uint32_t hid,
		       const uint8_t *crs, size_t crs_len)
{
	uint8_t body_b[128];
	struct buf body = BUF(body_b);

	putstr(&body, name, 4);
	putstr(&body, "\x08_HID\x0c", 6); /* Name(_HID, DWord ...) */
	put32(&body, hid);
	putstr(&body, "\x08_UID\x00", 6); /* Name(_UID, Zero) */
	putstr(&body, "\x08_CRS\x11", 6); /* Name(_CRS, Buffer ...) */
	aml_pkglen(&body, 2 + crs_len);
	put8(&body, 0x0a); /* BytePrefix: the buffer's size */
	put8(&body, crs_len);
	putstr(&body, (const char *)crs, crs_len);
	put8(b, 0x5b); /* DeviceOp */
	put8(b, 0x82);
	aml_pkglen(b, body.len);
	putstr(b, (const char *)body_b, body.len);
	b->overflow |= body.overflow;
}

/*
 * The DSDT: the legacy devices, so a kernel in hardware-reduced ACPI mode
 * (no legacy IRQs of its own) learns their ports and IRQs:
 *   Scope(\_SB) {
 *     Device(COM1) PNP0501: IO 0x3f8-0x3ff, IRQ 4
 *     Device(KBC0) PNP0303: IO 0x60, IO 0x64, IRQ 1 (the i8042)
 *     Device(RTC0) PNP0B00: IO 0x70-0x71, IRQ 8
 *   }
 * EISA IDs as stored: "PNP" compresses to 0x41 0xd0, then two BCD bytes.
 */
static void dsdt(struct buf *b)
{
	static const uint8_t com1[] = {0x47, 0x01, 0xf8, 0x03,
				       0xf8, 0x03, 0x00, 0x08, /* IO */
				       0x22, 0x10, 0x00,       /* IRQ 4 */
				       0x79, 0x00};
	static const uint8_t kbc[] = {
	    0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x00, 0x01, /* IO 0x60 */
	    0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x00, 0x01, /* IO 0x64 */
	    0x22, 0x02, 0x00,				    /* IRQ 1 */
	    0x79, 0x00};
	static const uint8_t rtc[] = {0x47, 0x01, 0x70, 0x00,
				      0x70, 0x00, 0x00, 0x02, /* IO */
				      0x22, 0x00, 0x01,	      /* IRQ 8 */
				      0x79, 0x00};
	uint8_t devs_b[256];
	struct buf devs = BUF(devs_b);

	header(b, "DSDT", 2);
	aml_device(&devs, "COM1", 0x0105d041u, com1, sizeof(com1));
	aml_device(&devs, "KBC0", 0x0303d041u, kbc, sizeof(kbc));
	aml_device(&devs, "RTC0", 0x000bd041u, rtc, sizeof(rtc));
	put8(b, 0x10); /* ScopeOp */
	aml_pkglen(b, 4 + devs.len);
	putstr(b, "_SB_", 4);
	putstr(b, (const char *)devs_b, devs.len);
	b->overflow |= devs.overflow;
	finish(b);
}

static void madt(struct buf *b, uint32_t vcpus)
{
	header(b, "APIC", 5);
	put32(b, RVMM_LAPIC_ADDR);
	put32(b, 1); /* PCAT_COMPAT: the 8259s are there too (KVM's) */
	for (uint32_t i = 0; i < vcpus; i++) {
		put8(b, 0); /* processor local APIC */
		put8(b, 8);
		put8(b, i);  /* ACPI processor UID */
		put8(b, i);  /* APIC ID */
		put32(b, 1); /* enabled */
	}
	put8(b, 1); /* I/O APIC */
	put8(b, 12);
	put8(b, vcpus); /* its ID, after the processors' */
	put8(b, 0);
	put32(b, RVMM_IOAPIC_ADDR);
	put32(b, 0); /* GSI base */
	put8(b, 4);  /* local APIC NMI */
	put8(b, 6);
	put8(b, 0xff); /* every processor */
	put16(b, 0);
	put8(b, 1); /* LINT1 */
	finish(b);
}

static int write(const struct cvmm_mem *mem, uint64_t addr, const struct buf *b)
{
	return cvmm_mem_write(mem, cvmm_mem_gpa_from(addr), b->p, b->len);
}

int rvmm_acpi_write(const struct cvmm_mem *mem, uint32_t vcpus,
		    struct rvmm_err *e)
{
	uint8_t rsdp_b[36], xsdt_b[52], fadt_b[FADT_SIZE], dsdt_b[DSDT_MAX],
	    madt_b[MADT_MAX];
	struct buf rsdp = BUF(rsdp_b), xsdt = BUF(xsdt_b), f = BUF(fadt_b),
		   d = BUF(dsdt_b), m = BUF(madt_b);
	int rc;

	if (vcpus == 0 || vcpus > RVMM_VCPUS_MAX)
		return rvmm_fail(e, -E2BIG,
				 "ACPI: %u vCPUs do not fit the MADT", vcpus);
	fadt(&f);
	dsdt(&d);
	madt(&m, vcpus);
	header(&xsdt, "XSDT", 1);
	put64(&xsdt, FADT_ADDR);
	put64(&xsdt, MADT_ADDR);
	finish(&xsdt);

	putstr(&rsdp, "RSD PTR ", 8);
	put8(&rsdp, 0); /* checksum of the first 20 bytes */
	putstr(&rsdp, "CVMM  ", 6);
	put8(&rsdp, 2);	  /* revision: ACPI 2.0+ */
	put32(&rsdp, 0);  /* no RSDT: the XSDT is the root */
	put32(&rsdp, 36); /* length */
	put64(&rsdp, XSDT_ADDR);
	put8(&rsdp, 0); /* extended checksum */
	put8(&rsdp, 0);
	put16(&rsdp, 0);
	rsdp_b[8] = checksum(rsdp_b, 20);
	rsdp_b[32] = checksum(rsdp_b, 36);

	if (rsdp.overflow || xsdt.overflow || f.overflow || d.overflow ||
	    m.overflow)
		return rvmm_fail(e, -E2BIG,
				 "ACPI tables: a table outgrew its "
				 "room (a bug)");
	rc = write(mem, RVMM_ACPI_RSDP_ADDR, &rsdp);
	if (rc == 0)
		rc = write(mem, XSDT_ADDR, &xsdt);
	if (rc == 0)
		rc = write(mem, FADT_ADDR, &f);
	if (rc == 0)
		rc = write(mem, DSDT_ADDR, &d);
	if (rc == 0)
		rc = write(mem, MADT_ADDR, &m);
	if (rc)
		return rvmm_fail(e, rc, "ACPI tables: %s",
				 cvmm_mem_strerror(rc));
	return 0;
}
