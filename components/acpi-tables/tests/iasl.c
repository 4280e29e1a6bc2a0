/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tables through ACPICA's own tools: `iasl -d` (Debian's acpica-tools)
 * must disassemble the XSDT, FADT, MADT and DSDT without complaint, the
 * disassembly must compile back (`iasl`), and it must show what the
 * component promises: LNRO0005 devices with their Memory32Fixed windows and
 * edge, active-high, exclusive interrupts, COM1, the i8042, the RTC, \_S5_,
 * the sleep and reset registers, one local APIC per vCPU. Then ACPICA's
 * interpreter (`acpiexec`, same package) loads the FADT, DSDT and MADT and
 * evaluates \_S5_, _HID and _CRS objects as a kernel would. (This iasl does
 * not disassemble a lone RSDP; tests/tables.c checks it field by field.)
 * Without iasl the test skips, saying so (exit 77).
 */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/acpi.h>

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[] = "/tmp/cvmm-acpi-iasl-XXXXXX";

/* Run cmd in the directory, appending its output to log. */
static void run_log(const char *cmd, const char *log)
{
	char line[1024];
	int rc;

	(void)snprintf(line, sizeof(line), "cd %s && %s >>%s 2>&1", dir, cmd,
		       log);
	rc = system(line);
	if (rc != 0) {
		(void)snprintf(line, sizeof(line), "cat %s/%s", dir, log);
		(void)system(line);
		fail_msg("'%s' failed (status %d)", cmd, rc);
	}
}

static void run_ok(const char *cmd)
{
	run_log(cmd, "iasl.log");
}

static void put_file(const char *name, const uint8_t *p, size_t n)
{
	char path[256];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* A file with every run of white space made one space. */
static char *slurp(const char *name)
{
	char path[256];
	FILE *f;
	char *text;
	size_t n = 0;
	int c, space = 0;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	text = malloc(1u << 20);
	assert_non_null(text);
	while ((c = fgetc(f)) != EOF && n + 2 < (1u << 20)) {
		if (isspace(c)) {
			space = 1;
			continue;
		}
		if (space && n)
			text[n++] = ' ';
		space = 0;
		text[n++] = (char)c;
	}
	text[n] = 0;
	(void)fclose(f);
	return text;
}

static void expect(const char *text, const char *what)
{
	if (strstr(text, what) == NULL)
		fail_msg("disassembly lacks \"%s\"", what);
}

static int count(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

/* The text of Device (name), up to the next Device or the end. */
static char *device(const char *dsl, const char *name)
{
	char head[32];
	const char *start, *end;
	char *s;

	(void)snprintf(head, sizeof(head), "Device (%s)", name);
	start = strstr(dsl, head);
	if (start == NULL)
		fail_msg("no %s in the DSDT", head);
	end = strstr(start + 1, "Device (");
	if (end == NULL)
		end = start + strlen(start);
	s = strndup(start, (size_t)(end - start));
	assert_non_null(s);
	return s;
}

static void virtio_device(const char *dsl, const char *name, const char *uid,
			  const char *base, const char *size, const char *gsi)
{
	char *d = device(dsl, name), want[128];

	expect(d, "Name (_HID, \"LNRO0005\")");
	(void)snprintf(want, sizeof(want), "Name (_UID, %s)", uid);
	expect(d, want);
	(void)snprintf(want, sizeof(want),
		       "Memory32Fixed (ReadWrite, %s, // Address Base %s, "
		       "// Address Length )",
		       base, size);
	expect(d, want);
	(void)snprintf(want, sizeof(want),
		       "Interrupt (ResourceConsumer, Edge, ActiveHigh, "
		       "Exclusive, ,, ) { %s, }",
		       gsi);
	expect(d, want);
	free(d);
}

static void legacy_device(const char *dsl, const char *name, const char *hid,
			  const char *const *resources)
{
	char *d = device(dsl, name), want[64];

	(void)snprintf(want, sizeof(want), "Name (_HID, EisaId (\"%s\")", hid);
	expect(d, want);
	for (; *resources; resources++)
		expect(d, *resources);
	free(d);
}

/* acpiexec's output for `evaluate` of each object named (separated by
 * "; "), after loading the tables disassemble() wrote. */
static char *evaluate(const char *objects)
{
	char cmd[512];
	char *out;

	(void)snprintf(cmd, sizeof(cmd),
		       "rm -f acpiexec.log && acpiexec -b 'evaluate %s' "
		       "facp.dat dsdt.dat apic.dat",
		       objects);
	run_log(cmd, "acpiexec.log");
	out = slurp("acpiexec.log");
	assert_null(strstr(out, "Exception"));
	assert_null(strstr(out, "Error"));
	assert_null(strstr(out, "AE_"));
	expect(out, "ACPI: 1 ACPI AML tables successfully acquired and loaded");
	expect(out, "No outstanding allocations");
	return out;
}

/* Disassemble, recompile, and return the disassembly of each table. */
static void disassemble(const struct cvmm_acpi_config *c, char **fadt,
			char **madt, char **dsdt)
{
	static uint8_t t[65536];
	struct cvmm_acpi_layout l;
	size_t len;
	char *xsdt;

	assert_int_equal(cvmm_acpi_layout(c, &l), 0);
	assert_int_equal(cvmm_acpi_build(c, t, sizeof(t), &len), 0);
	put_file("xsdt.dat", t + (l.xsdt - c->base), l.xsdt_len);
	put_file("facp.dat", t + (l.fadt - c->base), l.fadt_len);
	put_file("apic.dat", t + (l.madt - c->base), l.madt_len);
	put_file("dsdt.dat", t + (l.dsdt - c->base), l.dsdt_len);
	run_ok("rm -f *.dsl *.aml iasl.log");
	run_ok("iasl -d xsdt.dat facp.dat apic.dat dsdt.dat");
	/* Back through the compiler: the AML and the data tables. */
	run_ok("iasl -ve dsdt.dsl");
	run_ok("iasl -ve facp.dsl");
	run_ok("iasl -ve apic.dsl");
	run_ok("iasl -ve xsdt.dsl");
	xsdt = slurp("xsdt.dsl");
	*fadt = slurp("facp.dsl");
	*madt = slurp("apic.dsl");
	*dsdt = slurp("dsdt.dsl");
	{
		char *log = slurp("iasl.log");
		const char *all[] = {xsdt, *fadt, *madt, *dsdt, log};

		/* iasl notes a bad checksum or length in the output. */
		for (int i = 0; i < 5; i++) {
			assert_null(strstr(all[i], "Incorrect"));
			assert_null(strstr(all[i], "should be"));
			assert_null(strstr(all[i], "Invalid"));
		}
		expect(log, "0 Errors, 0 Warnings");
		free(log);
	}
	expect(xsdt, "ACPI Table Address 1");
	free(xsdt);
}

static void microvm(void **state)
{
	static const struct cvmm_acpi_virtio_mmio virtio[] = {
	    {0xd0000000u, 0x1000, 5},
	    {0xd0001000u, 0x200, 17},
	};
	static const char *const com1[] = {
	    "IO (Decode16, 0x03F8, // Range Minimum 0x03F8, // Range Maximum "
	    "0x01, // Alignment 0x08, // Length )",
	    "IRQNoFlags () {4}", NULL};
	static const char *const kbc[] = {
	    "IO (Decode16, 0x0060, // Range Minimum 0x0060,",
	    "IO (Decode16, 0x0064, // Range Minimum 0x0064,",
	    "IRQNoFlags () {1}", NULL};
	static const char *const rtc[] = {
	    "IO (Decode16, 0x0070, // Range Minimum 0x0070, // Range Maximum "
	    "0x01, // Alignment 0x02, // Length )",
	    "IRQNoFlags () {8}", NULL};
	struct cvmm_acpi_config c;
	char *fadt, *madt, *dsdt;

	(void)state;
	cvmm_acpi_config_init(&c, 0xe0000, 3);
	c.virtio = virtio;
	c.virtio_count = 2;
	c.sleep_control.space = CVMM_ACPI_SPACE_IO;
	c.sleep_control.addr = 0x600;
	c.sleep_status.space = CVMM_ACPI_SPACE_IO;
	c.sleep_status.addr = 0x601;
	disassemble(&c, &fadt, &madt, &dsdt);

	expect(dsdt, "Scope (\\_SB) { Device (COM1)");
	legacy_device(dsdt, "COM1", "PNP0501", com1);
	legacy_device(dsdt, "KBC0", "PNP0303", kbc);
	legacy_device(dsdt, "RTC0", "PNP0B00", rtc);
	virtio_device(dsdt, "VR00", "Zero", "0xD0000000", "0x00001000",
		      "0x00000005");
	virtio_device(dsdt, "VR01", "One", "0xD0001000", "0x00000200",
		      "0x00000011");
	expect(dsdt, "Name (\\_S5, Package (0x04) // _S5_: S5 System State { "
		     "0x05, Zero, Zero, Zero })");

	expect(fadt, "Hardware Reduced (V5) : 1");
	expect(fadt, "Reset Register Supported (V2) : 1");
	expect(fadt, "8042 Present on ports 60/64 (V2) : 1");
	expect(fadt, "RTC Century Index : 32");
	expect(fadt, "DSDT Address : 00000000000E0190");
	expect(fadt,
	       "Reset Register : [Generic Address Structure] [074h 0116 "
	       "1] Space ID : 01 [SystemIO] [075h 0117 1] Bit Width : 08");
	expect(fadt, "Address : 0000000000000064");
	expect(fadt, "Value to cause reset : FE");
	expect(fadt, "Sleep Control Register : [Generic Address Structure] "
		     "[0F4h 0244 1] Space ID : 01 [SystemIO] [0F5h 0245 1] Bit "
		     "Width : 08 [0F6h 0246 1] Bit Offset : 00 [0F7h 0247 1] "
		     "Encoded Access Width : 01 [Byte Access:8] [0F8h 0248 8] "
		     "Address : 0000000000000600");
	expect(fadt, "Sleep Status Register : [Generic Address Structure] "
		     "[100h 0256 1] Space ID : 01 [SystemIO] [101h 0257 1] Bit "
		     "Width : 08 [102h 0258 1] Bit Offset : 00 [103h 0259 1] "
		     "Encoded Access Width : 01 [Byte Access:8] [104h 0260 8] "
		     "Address : 0000000000000601");

	assert_int_equal(count(madt, "[Processor Local APIC]"), 3);
	expect(madt, "Local Apic ID : 02");
	expect(madt, "Subtable Type : 01 [I/O APIC]");
	expect(madt, "I/O Apic ID : 03");
	expect(madt, "Address : FEC00000");
	expect(madt, "Subtable Type : 04 [Local APIC NMI]");
	expect(madt, "Interrupt Input LINT : 01");
	free(fadt);
	free(madt);
	free(dsdt);

	/* What the interpreter returns: the kernel's view. */
	dsdt = evaluate("\\_S5_; evaluate \\_SB.VR00._HID; evaluate "
			"\\_SB.VR01._CRS; evaluate \\_SB.COM1._HID");
	expect(dsdt, "Table [DSDT: CVMMVM ] (id 01) - 21 Objects with 5 "
		     "Devices");
	expect(dsdt, "Evaluation of \\_S5_ returned object");
	expect(dsdt, "[Package] Contains 4 Elements: [Integer] = "
		     "0000000000000005 [Integer] = 0000000000000000 [Integer] "
		     "= 0000000000000000 [Integer] = 0000000000000000");
	expect(dsdt, "[String] Length 08 = \"LNRO0005\"");
	expect(dsdt, "[Buffer] Length 17 = 0000: 86 09 00 01 00 10 00 D0 00 "
		     "02 00 00 89 06 00 03 // ................ 0010: 01 11 00 "
		     "00 00 79 00");
	/* EISAID("PNP0501") as the integer the kernel matches. */
	expect(dsdt, "[Integer] = 000000000105D041");
	free(dsdt);
}

/* No legacy devices, no reset, MMIO sleep registers, many processors. */
static void bare(void **state)
{
	struct cvmm_acpi_config c;
	char *fadt, *madt, *dsdt;

	(void)state;
	cvmm_acpi_config_init(&c, 0x100000000ull, CVMM_ACPI_VCPUS_MAX);
	c.legacy = 0;
	c.reset.space = CVMM_ACPI_SPACE_NONE;
	c.sleep_control.space = CVMM_ACPI_SPACE_MMIO;
	c.sleep_control.addr = 0xfeb00000u;
	c.sleep_status.space = CVMM_ACPI_SPACE_MMIO;
	c.sleep_status.addr = 0xfeb00001u;
	disassemble(&c, &fadt, &madt, &dsdt);
	assert_null(strstr(dsdt, "Device ("));
	expect(dsdt, "Name (\\_S5, Package (0x04)");
	expect(fadt, "Reset Register Supported (V2) : 0");
	expect(fadt, "CMOS RTC Not Present (V5) : 1");
	expect(fadt, "DSDT Address : 0000000100000190");
	expect(fadt,
	       "Space ID : 00 [SystemMemory] [0F5h 0245 1] Bit Width : "
	       "08 [0F6h 0246 1] Bit Offset : 00 [0F7h 0247 1] Encoded "
	       "Access Width : 01 [Byte Access:8] [0F8h 0248 8] Address : "
	       "00000000FEB00000");
	assert_int_equal(count(madt, "[Processor Local APIC]"),
			 CVMM_ACPI_VCPUS_MAX);
	expect(madt, "I/O Apic ID : FE");
	free(fadt);
	free(madt);
	free(dsdt);
	dsdt = evaluate("\\_S5_");
	expect(dsdt, "[Package] Contains 4 Elements: [Integer] = "
		     "0000000000000005");
	free(dsdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(microvm),
	    cmocka_unit_test(bare),
	};
	char cmd[128];
	int rc;

	if (system("command -v iasl >/dev/null 2>&1") != 0) {
		printf("SKIP: iasl not found (Debian package acpica-tools; "
		       "ci/install-deps.sh installs it)\n");
		return 77;
	}
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return rc;
}
