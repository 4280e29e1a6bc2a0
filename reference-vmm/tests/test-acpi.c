/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACPI tables the reference VMM writes (rvmm_load_acpi(): the
 * acpi-tables component's PC defaults), read back from guest memory:
 * RSDP and table checksums, the XSDT's entries, one MADT local APIC per
 * vCPU, the FADT's DSDT, reset register and sleep registers, the DSDT's
 * three devices and \_S5_; with the most virtio devices the options
 * allow, each LNRO0005 device with its window and IOAPIC pin.
 * With an argument, the DSDT is also written to that file (for
 * `iasl -d`). Prints TAP.
 */
#include "loader.h"
#include "sleep.h"
#include "virtio.h"

#include <cvmm/acpi.h>
#include <cvmm/mem-mmap.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int n, failed;

static void tap(bool ok, const char *what)
{
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, what);
	failed |= !ok;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool has(const uint8_t *p, size_t len, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= len; i++)
		if (memcmp(p + i, s, k) == 0)
			return true;
	return false;
}

static size_t count(const uint8_t *p, size_t len, const char *s)
{
	size_t k = strlen(s), c = 0;

	for (size_t i = 0; i + k <= len; i++)
		c += memcmp(p + i, s, k) == 0;
	return c;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Memory32Fixed (read-write, base, size) in the DSDT. */
static bool has_window(const uint8_t *p, size_t len, uint32_t base,
		       uint32_t size)
{
	uint8_t d[12] = {0x86, 0x09, 0x00, 0x01};

	put32(d + 4, base);
	put32(d + 8, size);
	for (size_t i = 0; i + sizeof(d) <= len; i++)
		if (memcmp(p + i, d, sizeof(d)) == 0)
			return true;
	return false;
}

/* An extended Interrupt descriptor with the one interrupt gsi, edge. */
static bool has_interrupt(const uint8_t *p, size_t len, uint32_t gsi)
{
	uint8_t d[9] = {0x89, 0x06, 0x00, 0x00, 0x01};

	put32(d + 5, gsi);
	for (size_t i = 0; i + sizeof(d) <= len; i++)
		if (memcmp(p + i, d, 3) == 0 && (p[i + 3] & 0x02) &&
		    memcmp(p + i + 4, d + 4, 5) == 0)
			return true;
	return false;
}

/* The most devices the options allow: 15 disks, net, rng, console. */
static bool virtio_tables(const struct cvmm_mem *mem, uint8_t *low, size_t size)
{
	struct rvmm_options o = {.ndisks = RVMM_VIRTIO_MAX - 3,
				 .net_tap = "tap0",
				 .rng = true,
				 .vconsole = RVMM_VCONSOLE_NONE};
	struct cvmm_acpi_virtio_mmio v[RVMM_VIRTIO_MAX];
	uint32_t nv = rvmm_virtio_acpi(&o, v);
	const uint8_t *rsdp = low + RVMM_ACPI_RSDP_ADDR, *fadt, *dsdt;
	struct rvmm_err e;
	bool ok = nv == RVMM_VIRTIO_MAX;
	size_t len;

	if (rvmm_load_acpi(mem, 2, v, nv, &e) != 0) {
		printf("# %s\n", e.msg);
		return false;
	}
	if (cvmm_mem_read(mem, cvmm_mem_gpa_from(0), low, size) != 0)
		return false;
	fadt = low + le64(low + le64(rsdp + 24) + 36);
	dsdt = low + le64(fadt + 140);
	len = le32(dsdt + 4);
	ok = ok && sum(dsdt, len) == 0 &&
	     count(dsdt, len, "LNRO0005") == RVMM_VIRTIO_MAX &&
	     has(dsdt, len, "VR00") && has(dsdt, len, "VR11");
	for (uint32_t i = 0; i < nv; i++) {
		uint32_t gsi = rvmm_virtio_gsi(i);

		ok = ok && v[i].base == RVMM_VIRTIO_BASE + i * 0x1000ull &&
		     v[i].gsi == gsi && gsi >= 5 && gsi < 24 && gsi != 8 &&
		     (i == 0 || gsi > rvmm_virtio_gsi(i - 1)) &&
		     has_window(dsdt, len, (uint32_t)v[i].base, 0x1000) &&
		     has_interrupt(dsdt, len, gsi);
	}
	return ok;
}

int main(int argc, char **argv)
{
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0), 1u << 20, 0};
	struct cvmm_mem_mmap *mm;
	struct cvmm_mem mem;
	struct rvmm_err e;
	static uint8_t low[1u << 20];
	const uint8_t *rsdp, *xsdt, *fadt, *dsdt, *madt;
	uint32_t cpus = 0;

	printf("1..11\n");
	if (cvmm_mem_mmap_create(&r, 1, &mm) != 0)
		return 1;
	mem = cvmm_mem_mmap_iface(mm);
	tap(rvmm_load_acpi(&mem, 3, NULL, 0, &e) == 0,
	    "tables for 3 vCPUs written");
	tap(rvmm_load_acpi(&mem, 0, NULL, 0, &e) != 0, "0 vCPUs refused");
	if (rvmm_load_acpi(&mem, 3, NULL, 0, &e) != 0 ||
	    cvmm_mem_read(&mem, cvmm_mem_gpa_from(0), low, sizeof(low)) != 0)
		return 1;
	rsdp = low + RVMM_ACPI_RSDP_ADDR;
	xsdt = low + le64(rsdp + 24);
	tap(memcmp(rsdp, "RSD PTR ", 8) == 0 && sum(rsdp, 20) == 0 &&
		sum(rsdp, 36) == 0 && rsdp[15] == 2,
	    "RSDP: signature, both checksums, revision 2");
	tap(memcmp(xsdt, "XSDT", 4) == 0 && le32(xsdt + 4) == 52 &&
		sum(xsdt, 52) == 0,
	    "XSDT: two entries, checksum");
	fadt = low + le64(xsdt + 36);
	madt = low + le64(xsdt + 44);
	dsdt = low + le64(fadt + 140);
	tap(memcmp(fadt, "FACP", 4) == 0 && sum(fadt, le32(fadt + 4)) == 0 &&
		le32(fadt + 40) == le64(fadt + 140) &&
		(le32(fadt + 112) & (1u << 20)) && fadt[116] == 1 &&
		le64(fadt + 120) == 0x64 && fadt[128] == 0xfe,
	    "FADT: checksum, DSDT, hardware-reduced, reset 0xfe to port 0x64");
	for (uint32_t off = 44; off + 2 <= le32(madt + 4); off += madt[off + 1])
		if (madt[off] == 0 && (le32(madt + off + 4) & 1))
			cpus++;
	tap(memcmp(madt, "APIC", 4) == 0 && sum(madt, le32(madt + 4)) == 0 &&
		cpus == 3 && le32(madt + 36) == CVMM_ACPI_LAPIC_ADDR,
	    "MADT: checksum, 3 enabled local APICs");
	tap(memcmp(dsdt, "DSDT", 4) == 0 && sum(dsdt, le32(dsdt + 4)) == 0,
	    "DSDT: checksum");
	tap(has(dsdt, le32(dsdt + 4), "COM1") &&
		has(dsdt, le32(dsdt + 4), "KBC0") &&
		has(dsdt, le32(dsdt + 4), "RTC0") &&
		has(dsdt, le32(dsdt + 4), "_SB_"),
	    "DSDT: COM1, KBC0 and RTC0 in \\_SB");
	/* SLEEP_CONTROL_REG at 244, SLEEP_STATUS_REG at 256: Generic
	 * Address Structures, system I/O (1), 8 bits, byte access (1). */
	tap(le32(fadt + 4) >= 268 && fadt[244] == 1 && fadt[245] == 8 &&
		fadt[246] == 0 && fadt[247] == 1 &&
		le64(fadt + 248) == RVMM_SLEEP_CONTROL_PORT && fadt[256] == 1 &&
		fadt[257] == 8 && fadt[258] == 0 && fadt[259] == 1 &&
		le64(fadt + 260) == RVMM_SLEEP_STATUS_PORT,
	    "FADT: sleep control at port 0x600, sleep status at 0x601");
	/* Name (\_S5_, Package (4) {5, 0, 0, 0}): NameOp, root prefix, then
	 * PackageOp, PkgLength 7, 4 elements, BytePrefix 5 (SLP_TYP), ... */
	tap(has(dsdt, le32(dsdt + 4), "\x08\\_S5_\x12\x07\x04\x0a\x05"),
	    "DSDT: \\_S5_ package");
	if (argc > 1) {
		FILE *f = fopen(argv[1], "wb");

		if (f) {
			(void)fwrite(dsdt, 1, le32(dsdt + 4), f);
			(void)fclose(f);
		}
	}
	tap(virtio_tables(&mem, low, sizeof(low)),
	    "DSDT: 18 LNRO0005 devices, windows 0xd0000000 + i * 0x1000, "
	    "GSIs 5-7 and 9-23, edge");
	cvmm_mem_mmap_destroy(mm);
	return failed;
}
