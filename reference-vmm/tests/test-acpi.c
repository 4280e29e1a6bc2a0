/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACPI tables the reference VMM writes (rvmm_load_acpi(): the
 * acpi-tables component's PC defaults), read back from guest memory:
 * RSDP and table checksums, the XSDT's entries, one MADT local APIC per
 * vCPU, the FADT's DSDT, reset register and sleep registers, the DSDT's
 * three devices and \_S5_.
 * With an argument, the DSDT is also written to that file (for
 * `iasl -d`). Prints TAP.
 */
#include "loader.h"
#include "sleep.h"

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

int main(int argc, char **argv)
{
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0), 1u << 20, 0};
	struct cvmm_mem_mmap *mm;
	struct cvmm_mem mem;
	struct rvmm_err e;
	static uint8_t low[1u << 20];
	const uint8_t *rsdp, *xsdt, *fadt, *dsdt, *madt;
	uint32_t cpus = 0;

	printf("1..10\n");
	if (cvmm_mem_mmap_create(&r, 1, &mm) != 0)
		return 1;
	mem = cvmm_mem_mmap_iface(mm);
	tap(rvmm_load_acpi(&mem, 3, &e) == 0, "tables for 3 vCPUs written");
	tap(rvmm_load_acpi(&mem, 0, &e) != 0, "0 vCPUs refused");
	if (rvmm_load_acpi(&mem, 3, &e) != 0 ||
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
	cvmm_mem_mmap_destroy(mm);
	return failed;
}
