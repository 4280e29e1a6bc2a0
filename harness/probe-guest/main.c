/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probe's main line: find the command line, parse the probe.* options,
 * print the TAP plan, run the test points in a fixed order, then end the
 * way the options say (i8042 reset by default).
 *
 * Options (all optional; unknown probe.* options fail the cmdline test):
 *   probe.vcpus=N            start N-1 application processors (default 1)
 *   probe.expect_entry=E     bz64 | bz32 | bz16 | pvh: the entry expected
 *   probe.mem_mib=N          the memory map's RAM adds up to N MiB (less at
 *                            most 2 MiB of holes)
 *   probe.initrd=0|1         an initrd is (1) or is not (0) expected; with
 *                            1 its content is checked (see README.md)
 *   probe.acpi=0|1|auto      check the ACPI tables (default auto: if found)
 *   probe.hypervisor=0|1     the CPUID hypervisor bit expected (default 1)
 *   probe.expect_masked=a,b  CPUID features (Linux /proc/cpuinfo names)
 *                            that must be absent
 *   probe.expect_present=a,b features that must be present
 *   probe.skip=serial,rtc    leave out the serial loopback or RTC test
 *   probe.hostile_ports=N    N random port accesses (PRNG from probe.seed);
 *                            1 means the default, 2000
 *   probe.hostile_mmio=N     N random MMIO accesses above RAM; 1 means the
 *                            default, 500
 *   probe.hostile_avoid=L-H,.. further port ranges to leave alone
 *   probe.virtio=0|1         find the virtio-mmio devices in the DSDT and
 *                            drive each (block, rng, console, net checks)
 *   probe.hostile_virtio=0|1 break each virtio-mmio device on purpose
 *                            (bad registers, layouts and rings), check it
 *                            failed closed, reset it, and use it again
 *   probe.verbose=1          print every detail (memory map, ACPI tables,
 *                            CPUID vendor, RTC registers, ...) as "# "
 *                            lines; by default only failures and the
 *                            essentials, since each byte is a VM exit
 *   probe.seed=N             PRNG seed (default: a hash of the command line)
 *   probe.memmap=strict|sanitize  sanitize: drop empty entries and sort
 *                            before checking, as Linux does (for QEMU
 *                            microvm's qboot, whose maps need it)
 *   probe.poweroff=0|1       find the FADT's sleep control register and
 *                            \_S5_ (one more test point), and end by
 *                            writing S5 there instead of the reset
 *   probe.triple_fault=1     end with a triple fault instead of the reset
 *   probe.hang=1|spin|halt   never end: spin, or hlt with interrupts off
 */
#include "probe.h"

static uint32_t test_number;
static uint32_t tests_failed;
static uint32_t check_failures;

void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_lock();
	print("# ");
	vprint(fmt, ap);
	print("\n");
	print_unlock();
	va_end(ap);
}

bool probe_verbose;

void info(const char *fmt, ...)
{
	va_list ap;

	if (!probe_verbose)
		return;
	va_start(ap, fmt);
	print_lock();
	print("# ");
	vprint(fmt, ap);
	print("\n");
	print_unlock();
	va_end(ap);
}

bool tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_lock();
	test_number++;
	print(ok ? "ok %u - " : "not ok %u - ", test_number);
	vprint(fmt, ap);
	print("\n");
	print_unlock();
	va_end(ap);
	if (!ok)
		tests_failed++;
	return ok;
}

void tap_skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_lock();
	test_number++;
	print("ok %u - ", test_number);
	vprint(fmt, ap);
	print(" # SKIP %s\n", reason);
	print_unlock();
	va_end(ap);
}

void bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_lock();
	print("Bail out! ");
	vprint(fmt, ap);
	print("\n");
	print_unlock();
	va_end(ap);
	probe_reset();
}

void checks_begin(void)
{
	check_failures = 0;
}

bool checks_ok(void)
{
	return check_failures == 0;
}

bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	check_failures++;
	va_start(ap, fmt);
	print_lock();
	print("#   FAIL: ");
	vprint(fmt, ap);
	print("\n");
	print_unlock();
	va_end(ap);
	return false;
}

/* ---- the IDT: every exception ends the run with a message ---- */

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern const uint64_t isr_table[33];

struct exception_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

void exception_handler(struct exception_frame *f);

static const char *const exc_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
    "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
    "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31"};

void exception_handler(struct exception_frame *f)
{
	uint64_t cr2;

	if (f->vector == 2) {
		diag("NMI at rip 0x%lx (ignored)", f->rip);
		return;
	}
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	bail("unexpected exception %lu (%s) error 0x%lx at rip 0x%lx, "
	     "rsp 0x%lx, cr2 0x%lx, apic id %u",
	     f->vector, f->vector < 32 ? exc_names[f->vector] : "interrupt",
	     f->error, f->rip, f->rsp, cr2, cpu_apic_id());
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = {sizeof(idt) - 1, (uintptr_t)idt};

	if (idt[0].type == 0) {
		for (unsigned v = 0; v < 256; v++) {
			uint64_t a = isr_table[v < 32 ? v : 32];

			idt[v].off0 = (uint16_t)a;
			idt[v].sel = 0x08;
			idt[v].ist = 0;
			idt[v].type = 0x8e; /* present, DPL 0, interrupt gate */
			idt[v].off1 = (uint16_t)(a >> 16);
			idt[v].off2 = (uint32_t)(a >> 32);
			idt[v].zero = 0;
		}
	}
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

/* ---- options ---- */

static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static bool parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(s, n, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Split a comma-separated list into names[]; false when too many. */
static bool parse_names(const char *s, size_t n, const char **names,
			size_t *lens, uint32_t *count)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != ',')
			continue;
		if (i > start) {
			if (*count >= PROBE_MAX_NAMES)
				return false;
			names[*count] = s + start;
			lens[*count] = i - start;
			(*count)++;
		}
		start = i + 1;
	}
	return true;
}

static bool parse_ranges(const char *s, size_t n, struct probe_opts *o)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		size_t dash;
		uint64_t lo, hi;

		if (i < n && s[i] != ',')
			continue;
		for (dash = start; dash < i && s[dash] != '-'; dash++)
			;
		if (!parse_u64(s + start, dash - start, &lo))
			return false;
		hi = lo;
		if (dash < i && !parse_u64(s + dash + 1, i - dash - 1, &hi))
			return false;
		if (hi < lo || o->n_avoid >= PROBE_MAX_AVOID)
			return false;
		o->avoid[o->n_avoid].lo = lo;
		o->avoid[o->n_avoid].hi = hi;
		o->n_avoid++;
		start = i + 1;
	}
	return true;
}

static bool parse_tristate(const char *v, size_t n, enum probe_tristate *t)
{
	if (str_eq_n(v, "auto", n))
		*t = TRI_AUTO;
	else if (str_eq_n(v, "0", n))
		*t = TRI_NO;
	else if (str_eq_n(v, "1", n))
		*t = TRI_YES;
	else
		return false;
	return true;
}

/* One "probe.key=value" word; false when unknown or malformed. */
static bool parse_option(const char *k, size_t kn, const char *v, size_t vn,
			 struct probe_opts *o)
{
	uint32_t u = 0;

	if (str_eq_n(k, "vcpus", kn))
		return parse_u32(v, vn, &o->vcpus) && o->vcpus >= 1 &&
		       o->vcpus <= PROBE_MAX_CPUS;
	if (str_eq_n(k, "expect_entry", kn)) {
		static const char *const names[] = {"bz64", "bz32", "bz16",
						    "pvh"};

		for (uint32_t i = 0; i < 4; i++)
			if (str_eq_n(v, names[i], vn))
				o->expect_entry = i + 1;
		return o->expect_entry != 0;
	}
	if (str_eq_n(k, "mem_mib", kn))
		return parse_u64(v, vn, &o->mem_mib);
	if (str_eq_n(k, "initrd", kn))
		return parse_tristate(v, vn, &o->initrd) &&
		       o->initrd != TRI_AUTO;
	if (str_eq_n(k, "acpi", kn))
		return parse_tristate(v, vn, &o->acpi);
	if (str_eq_n(k, "hypervisor", kn)) {
		if (!parse_u32(v, vn, &u) || u > 1)
			return false;
		o->hypervisor = u == 1;
		return true;
	}
	if (str_eq_n(k, "expect_masked", kn))
		return parse_names(v, vn, o->masked, o->masked_len,
				   &o->n_masked);
	if (str_eq_n(k, "expect_present", kn))
		return parse_names(v, vn, o->present, o->present_len,
				   &o->n_present);
	if (str_eq_n(k, "skip", kn)) {
		const char *names[PROBE_MAX_NAMES];
		size_t lens[PROBE_MAX_NAMES];
		uint32_t count = 0;

		if (!parse_names(v, vn, names, lens, &count))
			return false;
		for (uint32_t i = 0; i < count; i++) {
			if (str_eq_n(names[i], "serial", lens[i]))
				o->skip_serial = true;
			else if (str_eq_n(names[i], "rtc", lens[i]))
				o->skip_rtc = true;
			else
				return false;
		}
		return true;
	}
	if (str_eq_n(k, "hostile_ports", kn)) {
		if (!parse_u32(v, vn, &o->hostile_ports))
			return false;
		if (o->hostile_ports == 1)
			o->hostile_ports = 2000;
		return true;
	}
	if (str_eq_n(k, "hostile_mmio", kn)) {
		if (!parse_u32(v, vn, &o->hostile_mmio))
			return false;
		if (o->hostile_mmio == 1)
			o->hostile_mmio = 500;
		return true;
	}
	if (str_eq_n(k, "virtio", kn)) {
		if (!parse_u32(v, vn, &u) || u > 1)
			return false;
		o->virtio = u == 1;
		return true;
	}
	if (str_eq_n(k, "hostile_virtio", kn)) {
		if (!parse_u32(v, vn, &u) || u > 1)
			return false;
		o->hostile_virtio = u == 1;
		return true;
	}
	if (str_eq_n(k, "hostile_avoid", kn))
		return parse_ranges(v, vn, o);
	if (str_eq_n(k, "seed", kn)) {
		o->seed_given = true;
		return parse_u64(v, vn, &o->seed);
	}
	if (str_eq_n(k, "memmap", kn)) {
		if (str_eq_n(v, "strict", vn))
			o->memmap_sanitize = false;
		else if (str_eq_n(v, "sanitize", vn))
			o->memmap_sanitize = true;
		else
			return false;
		return true;
	}
	if (str_eq_n(k, "verbose", kn)) {
		if (!parse_u32(v, vn, &u) || u > 1)
			return false;
		probe_verbose = u == 1;
		return true;
	}
	if (str_eq_n(k, "poweroff", kn)) {
		if (!parse_u32(v, vn, &u) || u > 1)
			return false;
		o->poweroff = u == 1;
		return true;
	}
	if (str_eq_n(k, "triple_fault", kn)) {
		if (!parse_u32(v, vn, &u) || u > 1)
			return false;
		o->triple_fault = u == 1;
		return true;
	}
	if (str_eq_n(k, "hang", kn)) {
		if (str_eq_n(v, "0", vn))
			o->hang = HANG_NONE;
		else if (str_eq_n(v, "1", vn) || str_eq_n(v, "spin", vn))
			o->hang = HANG_SPIN;
		else if (str_eq_n(v, "halt", vn))
			o->hang = HANG_HALT;
		else
			return false;
		return true;
	}
	return false;
}

/* Parse the probe.* words of the command line (bounded by max bytes). */
static void parse_cmdline(const char *c, uint64_t max, struct probe_opts *o)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a of the whole line */
	size_t i = 0;

	while (i < max && c[i]) {
		size_t start, eq, end;

		while (i < max && c[i] == ' ')
			i++;
		start = i;
		while (i < max && c[i] && c[i] != ' ')
			i++;
		end = i;
		for (size_t j = start; j < end; j++)
			h = (h ^ (uint8_t)c[j]) * 0x100000001b3u;
		if (end - start < 6 || memcmp(c + start, "probe.", 6) != 0)
			continue;
		for (eq = start; eq < end && c[eq] != '='; eq++)
			;
		if (eq == end || !parse_option(c + start + 6, eq - start - 6,
					       c + eq + 1, end - eq - 1, o)) {
			o->unknown++;
			print_lock();
			print("# bad option: ");
			for (size_t j = start; j < end; j++)
				print("%c", c[j]);
			print("\n");
			print_unlock();
		}
	}
	if (!o->seed_given)
		o->seed = h;
}

/* ---- main ---- */

static const char *entry_name(uint32_t e)
{
	switch (e) {
	case PROBE_ENTRY_BZ64:
		return "bz64";
	case PROBE_ENTRY_BZ32:
		return "bz32";
	case PROBE_ENTRY_BZ16:
		return "bz16";
	case PROBE_ENTRY_PVH:
		return "pvh";
	default:
		return "unknown";
	}
}

void test_entry(const struct probe_boot *b, const struct probe_opts *o)
{
	static const char *const how[] = {
	    "",
	    "bzImage 64-bit entry (load address + 0x200, rsi = boot_params)",
	    "bzImage 32-bit entry (code32_start, esi = boot_params)",
	    "bzImage real-mode setup code, then our 32-bit entry",
	    "PVH entry (XEN_ELFNOTE_PHYS32_ENTRY, ebx = hvm_start_info)"};

	info("entered through the %s", how[b->entry]);
	if (o->expect_entry)
		tap(o->expect_entry == b->entry,
		    "entry: %s (expected %s), info at 0x%lx",
		    entry_name(b->entry), entry_name(o->expect_entry), b->info);
	else
		tap(true, "entry: %s, info at 0x%lx", entry_name(b->entry),
		    b->info);
}

static struct probe_boot boot;
static struct probe_opts opts;

void probe_main(uint32_t entry, uint64_t info)
{
	uint32_t plan;

	serial_init();
	idt_load();
	print("\n# cvmm probe guest\n");

	boot.entry = (enum probe_entry)entry;
	boot.info = info;
	boot_locate(&boot);

	opts.vcpus = 1;
	opts.acpi = TRI_AUTO;
	opts.initrd = TRI_NO;
	opts.hypervisor = true;
	if (boot.cmdline)
		parse_cmdline((const char *)(uintptr_t)boot.cmdline,
			      boot.cmdline_max, &opts);
	else
		opts.seed = 1;

	/* entry, bootinfo, cmdline, memmap, initrd, acpi, acpi power-off,
	 * cpuid, masked and present features, serial, rtc, smp, virtio
	 * (normal and hostile), hostile ports and MMIO. */
	plan = 7 + (opts.poweroff ? 1u : 0u) + opts.n_masked + opts.n_present +
	       2 + smp_test_count(&opts) + virtio_plan(&boot, &opts) +
	       (opts.hostile_ports ? 1u : 0u) + (opts.hostile_mmio ? 1u : 0u);
	print("1..%u\n", plan);

	test_entry(&boot, &opts);
	test_bootinfo(&boot);
	test_cmdline(&boot, &opts);
	test_memmap(&boot, &opts);
	test_initrd(&boot, &opts);
	test_acpi(&boot, &opts);
	if (opts.poweroff)
		test_acpi_poweroff(&boot);
	test_cpuid(&opts);
	test_cpuid_masked(&opts);
	test_serial_loopback(&opts);
	test_rtc(&opts);
	test_smp(&boot, &opts);
	if (opts.virtio)
		test_virtio(&boot, &opts);
	if (opts.hostile_virtio)
		test_hostile_virtio(&boot, &opts);
	if (opts.hostile_ports)
		test_hostile_ports(&opts);
	if (opts.hostile_mmio)
		test_hostile_mmio(&boot, &opts);

	diag("probe done: %u tests, %u failed", test_number, tests_failed);
	if (test_number != plan)
		diag("BUG: planned %u tests, ran %u", plan, test_number);
	if (opts.triple_fault) {
		diag("ending with a triple fault (probe.triple_fault=1)");
		probe_triple_fault();
	}
	if (opts.hang == HANG_SPIN) {
		diag("spinning forever (probe.hang=spin)");
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	if (opts.hang == HANG_HALT) {
		diag("halting forever with interrupts off (probe.hang=halt)");
		for (;;)
			__asm__ volatile("cli; hlt" ::: "memory");
	}
	if (opts.poweroff)
		probe_poweroff(&boot);
	probe_reset();
}
