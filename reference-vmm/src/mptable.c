/* SPDX-License-Identifier: Apache-2.0 */
#include "mptable.h"

#include <string.h>

#define ENTRY_CPU     0u
#define ENTRY_BUS     1u
#define ENTRY_IOAPIC  2u
#define ENTRY_INTSRC  3u
#define ENTRY_LINTSRC 4u

#define MP_INT	  0u
#define MP_NMI	  1u
#define MP_EXTINT 3u

#define ISA_IRQS 16u

/* Room for the configuration table, up to the floating pointer. */
#define CONFIG_ROOM (RVMM_MPTABLE_FLOAT_ADDR - RVMM_MPTABLE_CONFIG_ADDR)

/* A little-endian byte builder over a fixed buffer. */
struct buf {
	uint8_t *p;
	size_t len;
};

static void put8(struct buf *b, uint32_t v)
{
	b->p[b->len++] = (uint8_t)v;
}

static void put16(struct buf *b, uint32_t v)
{
	put8(b, v & 0xffu);
	put8(b, v >> 8);
}

static void put32(struct buf *b, uint32_t v)
{
	put16(b, v & 0xffffu);
	put16(b, v >> 16);
}

static void putstr(struct buf *b, const char *s, size_t n)
{
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0u - sum);
}

int rvmm_mptable_write(const struct cvmm_mem *mem, uint32_t vcpus,
		       struct rvmm_err *e)
{
	static uint8_t table[CONFIG_ROOM];
	uint8_t fp[16];
	struct buf t = {table, 0}, f = {fp, 0};
	uint32_t entries = vcpus + 1 + 1 + ISA_IRQS + 2;
	uint32_t ioapic_id = vcpus;
	size_t size = 44 + 20u * vcpus + 8 + 8 + 8u * (ISA_IRQS + 2);
	int rc;

	if (size > CONFIG_ROOM)
		return rvmm_fail(e, -E2BIG,
				 "MP table: %u vCPUs need %zu bytes, %llu fit",
				 vcpus, size, (unsigned long long)CONFIG_ROOM);
	/* Header; length and checksum filled in at the end. */
	putstr(&t, "PCMP", 4);
	put16(&t, 0); /* base table length */
	put8(&t, 4);  /* specification revision 1.4 */
	put8(&t, 0);  /* checksum */
	putstr(&t, "CVMM    ", 8);
	putstr(&t, "REFVMM      ", 12);
	put32(&t, 0); /* OEM table pointer */
	put16(&t, 0); /* OEM table size */
	put16(&t, entries);
	put32(&t, RVMM_LAPIC_ADDR);
	put16(&t, 0); /* extended table length */
	put8(&t, 0);  /* extended table checksum */
	put8(&t, 0);
	for (uint32_t i = 0; i < vcpus; i++) {
		put8(&t, ENTRY_CPU);
		put8(&t, i);			  /* local APIC ID */
		put8(&t, 0x14);			  /* local APIC version */
		put8(&t, i == 0 ? 0x3u : 0x1u);	  /* enabled, BSP */
		put32(&t, 0x600);		  /* family 6 signature */
		put32(&t, (1u << 0) | (1u << 9)); /* FPU, APIC */
		put32(&t, 0);
		put32(&t, 0);
	}
	put8(&t, ENTRY_BUS);
	put8(&t, 0);
	putstr(&t, "ISA   ", 6);
	put8(&t, ENTRY_IOAPIC);
	put8(&t, ioapic_id);
	put8(&t, 0x11); /* IOAPIC version */
	put8(&t, 1);	/* usable */
	put32(&t, RVMM_IOAPIC_ADDR);
	for (uint32_t irq = 0; irq < ISA_IRQS; irq++) {
		put8(&t, ENTRY_INTSRC);
		put8(&t, MP_INT);
		put16(&t, 0); /* polarity and trigger: as the bus says */
		put8(&t, 0);  /* ISA */
		put8(&t, irq);
		put8(&t, ioapic_id);
		put8(&t, irq);
	}
	put8(&t, ENTRY_LINTSRC);
	put8(&t, MP_EXTINT);
	put16(&t, 0);
	put8(&t, 0);
	put8(&t, 0);
	put8(&t, 0xff); /* every local APIC */
	put8(&t, 0);	/* LINT0 */
	put8(&t, ENTRY_LINTSRC);
	put8(&t, MP_NMI);
	put16(&t, 0);
	put8(&t, 0);
	put8(&t, 0);
	put8(&t, 0xff);
	put8(&t, 1); /* LINT1 */
	table[4] = (uint8_t)(t.len & 0xffu);
	table[5] = (uint8_t)(t.len >> 8);
	table[7] = checksum(table, t.len);

	putstr(&f, "_MP_", 4);
	put32(&f, (uint32_t)RVMM_MPTABLE_CONFIG_ADDR);
	put8(&f, 1); /* length in 16-byte units */
	put8(&f, 4); /* revision 1.4 */
	put8(&f, 0); /* checksum */
	put8(&f, 0); /* no default configuration: the table above */
	put32(&f, 0);
	fp[10] = checksum(fp, sizeof(fp));

	rc = cvmm_mem_write(mem, cvmm_mem_gpa_from(RVMM_MPTABLE_CONFIG_ADDR),
			    table, t.len);
	if (rc == 0)
		rc = cvmm_mem_write(mem,
				    cvmm_mem_gpa_from(RVMM_MPTABLE_FLOAT_ADDR),
				    fp, sizeof(fp));
	if (rc)
		return rvmm_fail(e, rc, "MP table: %s", cvmm_mem_strerror(rc));
	return 0;
}
