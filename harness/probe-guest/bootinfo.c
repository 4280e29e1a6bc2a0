/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the loader handed over, read from the raw bytes: boot_params (the
 * zero page, Documentation/arch/x86/zero-page.rst and boot.rst) or PVH's
 * hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h). Nothing
 * from cvmm's linux-loader is used here: the probe checks the loader, so it
 * must not share its code.
 */
#include "probe.h"

#define FOUR_GIB  0x100000000ull
#define PVH_MAGIC 0x336ec578u
#define HDRS	  0x53726448u /* "HdrS" */
#define E820_RAM  1u

/* Absolute symbols from probe-bz.ld; 0 in probe.elf, which has no setup
 * header of its own. */
extern char probe_syssize[] __attribute__((weak));
extern char probe_init_size[] __attribute__((weak));
extern char probe_kernel_info_offset[] __attribute__((weak));
extern char probe_payload_offset[] __attribute__((weak));
extern char probe_payload_length[] __attribute__((weak));

/* The values, in data (not code) so the two images differ only here. */
enum { BZ_SYSSIZE, BZ_INIT_SIZE, BZ_KINFO, BZ_PAYLOAD_OFF, BZ_PAYLOAD_LEN };
static const uint64_t bz_expect[] = {
    [BZ_SYSSIZE] = (uint64_t)(uintptr_t)probe_syssize,
    [BZ_INIT_SIZE] = (uint64_t)(uintptr_t)probe_init_size,
    [BZ_KINFO] = (uint64_t)(uintptr_t)probe_kernel_info_offset,
    [BZ_PAYLOAD_OFF] = (uint64_t)(uintptr_t)probe_payload_offset,
    [BZ_PAYLOAD_LEN] = (uint64_t)(uintptr_t)probe_payload_length,
};

static uint64_t bz_value(unsigned i)
{
	return ((const volatile uint64_t *)bz_expect)[i];
}

static uint64_t sym(const char *s)
{
	uint64_t v;

	/* Launder the address: the compiler may not assume it is non-null. */
	__asm__("" : "=r"(v) : "0"((uint64_t)(uintptr_t)s));
	return v;
}

/* [a, a + len) is non-empty, below 4 GiB (what the probe maps), no wrap. */
static bool addr_ok(uint64_t a, uint64_t len)
{
	return a != 0 && len <= FOUR_GIB && a <= FOUR_GIB - len;
}

static void add_used(struct probe_boot *b, uint64_t a, uint64_t len)
{
	if (len && b->n_used < sizeof(b->used) / sizeof(b->used[0])) {
		b->used[b->n_used].lo = a;
		b->used[b->n_used].hi = a + len - 1;
		b->n_used++;
	}
}

static uint64_t cmdline_len(const struct probe_boot *b)
{
	uint64_t n = 0;

	while (n < b->cmdline_max && rd8(b->cmdline + n))
		n++;
	return n;
}

void boot_locate(struct probe_boot *b)
{
	uint64_t p = b->info;

	if (b->entry != PROBE_ENTRY_PVH) {
		uint64_t max;
		uint32_t n;

		if (!addr_ok(p, 4096))
			return;
		add_used(b, p, 4096);
		b->cmdline = rd32(p + 0x228) | (uint64_t)rd32(p + 0xc8) << 32;
		max = rd32(p + 0x238);
		b->cmdline_max = (max < 4095 ? max : 4095) + 1;
		b->initrd_addr = rd32(p + 0x218) | (uint64_t)rd32(p + 0xc0)
						       << 32;
		b->initrd_size = rd32(p + 0x21c) | (uint64_t)rd32(p + 0xc4)
						       << 32;
		b->rsdp = rd64(p + 0x70);
		n = rd8(p + 0x1e8);
		b->n_mem = n < PROBE_MAX_MEM ? n : PROBE_MAX_MEM;
		for (uint32_t i = 0; i < b->n_mem; i++) {
			uint64_t e = p + 0x2d0 + 20u * i;

			b->mem[i].addr = rd64(e);
			b->mem[i].size = rd64(e + 8);
			b->mem[i].type = rd32(e + 16);
		}
	} else {
		uint32_t nmod, n;
		uint64_t mod, map;

		if (!addr_ok(p, 56) || rd32(p) != PVH_MAGIC)
			return;
		add_used(b, p, 56);
		b->cmdline = rd64(p + 24);
		b->cmdline_max = 4096;
		b->rsdp = rd64(p + 32);
		nmod = rd32(p + 12);
		mod = rd64(p + 16);
		if (nmod >= 1 && addr_ok(mod, 32ull * nmod)) {
			add_used(b, mod, 32ull * nmod);
			b->initrd_addr = rd64(mod);
			b->initrd_size = rd64(mod + 8);
		}
		if (rd32(p + 4) >= 1) {
			map = rd64(p + 40);
			n = rd32(p + 48);
			n = n < PROBE_MAX_MEM ? n : PROBE_MAX_MEM;
			if (n && addr_ok(map, 24ull * n)) {
				add_used(b, map, 24ull * n);
				b->n_mem = n;
				for (uint32_t i = 0; i < n; i++) {
					uint64_t e = map + 24u * i;

					b->mem[i].addr = rd64(e);
					b->mem[i].size = rd64(e + 8);
					b->mem[i].type = rd32(e + 16);
				}
			}
		}
	}
	if (b->cmdline && !addr_ok(b->cmdline, b->cmdline_max))
		b->cmdline = 0;
	if (b->cmdline)
		add_used(b, b->cmdline, cmdline_len(b) + 1);
}

/* [addr, addr + size) is covered by entries of the map (of type `type`,
 * or of any non-zero type when type is 0). Entries are checked to be sorted
 * and disjoint, but adjacent ones may together cover the range: walk
 * forward. */
static bool mem_covered(const struct probe_boot *b, uint64_t addr,
			uint64_t size, uint32_t type)
{
	uint64_t at = addr, end = addr + size;

	for (uint32_t i = 0; i < b->n_mem && at < end; i++) {
		const struct probe_mem_entry *e = &b->mem[i];

		if (type ? e->type != type : e->type == 0)
			continue;
		if (e->addr <= at && at - e->addr < e->size)
			at = e->addr + e->size;
	}
	return at >= end;
}

bool mem_is_ram(const struct probe_boot *b, uint64_t addr, uint64_t size)
{
	return mem_covered(b, addr, size, E820_RAM);
}

static bool mem_is_mapped(const struct probe_boot *b, uint64_t addr,
			  uint64_t size)
{
	return mem_covered(b, addr, size, 0);
}

static void test_boot_params(const struct probe_boot *b)
{
	uint64_t p = b->info, sd;
	bool bz = bz_value(BZ_SYSSIZE) != 0;
	uint32_t n;

	checks_begin();
	if (!check(addr_ok(p, 4096),
		   "boot_params at 0x%lx is not a page "
		   "below 4 GiB",
		   p)) {
		tap(false, "boot_params");
		return;
	}
	check(rd16(p + 0x1fe) == 0xaa55, "boot_flag 0x%x, expected 0xaa55",
	      rd16(p + 0x1fe));
	check(rd32(p + 0x202) == HDRS, "header 0x%x, expected \"HdrS\"",
	      rd32(p + 0x202));
	check(rd8(p + 0x210) != 0,
	      "type_of_loader is 0: the loader did not set it");
	check(rd8(p + 0x211) & 0x01, "loadflags 0x%x lacks LOADED_HIGH",
	      rd8(p + 0x211));
	check(rd8(p + 0x1ef) == 0, "sentinel 0x%x, expected 0", rd8(p + 0x1ef));
	check(rd32(p + 0x23c) == 0, "hardware_subarch %u, expected 0 (PC)",
	      rd32(p + 0x23c));
	check(rd32(p + 0x214) == 0x100000,
	      "code32_start 0x%x, expected 0x100000 (not relocatable)",
	      rd32(p + 0x214));
	n = rd8(p + 0x1e8);
	check(n <= 128, "e820_entries %u > 128", n);
	info("boot_params at 0x%lx: protocol 0x%x, type_of_loader 0x%x, "
	     "loadflags 0x%x, xloadflags 0x%x, e820_entries %u",
	     p, rd16(p + 0x206), rd8(p + 0x210), rd8(p + 0x211),
	     rd16(p + 0x236), n);
	if (bz) {
		/* The header the loader copied must be this image's. */
		check(rd16(p + 0x206) == 0x020f, "version 0x%x, expected 0x20f",
		      rd16(p + 0x206));
		check(rd8(p + 0x1f1) == 4, "setup_sects %u, expected 4",
		      rd8(p + 0x1f1));
		check(rd32(p + 0x1f4) == bz_value(BZ_SYSSIZE),
		      "syssize 0x%x, expected 0x%lx", rd32(p + 0x1f4),
		      bz_value(BZ_SYSSIZE));
		check(rd16(p + 0x236) & 0x01,
		      "xloadflags 0x%x lacks XLF_KERNEL_64", rd16(p + 0x236));
		check(rd32(p + 0x238) == 4095, "cmdline_size %u, expected 4095",
		      rd32(p + 0x238));
		check(rd64(p + 0x258) == 0x100000,
		      "pref_address 0x%lx, expected 0x100000", rd64(p + 0x258));
		check(rd32(p + 0x260) == bz_value(BZ_INIT_SIZE),
		      "init_size 0x%x, expected 0x%lx", rd32(p + 0x260),
		      bz_value(BZ_INIT_SIZE));
		check(rd32(p + 0x248) == bz_value(BZ_PAYLOAD_OFF) &&
			  rd32(p + 0x24c) == bz_value(BZ_PAYLOAD_LEN),
		      "payload 0x%x+0x%x, expected 0x%lx+0x%lx",
		      rd32(p + 0x248), rd32(p + 0x24c),
		      bz_value(BZ_PAYLOAD_OFF), bz_value(BZ_PAYLOAD_LEN));
		check(rd32(p + 0x268) == bz_value(BZ_KINFO),
		      "kernel_info_offset 0x%x, expected 0x%lx",
		      rd32(p + 0x268), bz_value(BZ_KINFO));
	}
	/* setup_data: the probe declares setup_type_max 0, but older
	 * loaders ignore that; the chain must at least be well-formed. */
	sd = rd64(p + 0x250);
	for (n = 0; sd && n < 16; n++) {
		if (!check(addr_ok(sd, 16), "setup_data at 0x%lx unreachable",
			   sd))
			break;
		diag("setup_data at 0x%lx: type %u, len %u", sd, rd32(sd + 8),
		     rd32(sd + 12));
		sd = rd64(sd);
	}
	check(sd == 0, "setup_data chain longer than 16 entries");
	tap(checks_ok(), "boot_params: header and loader fields");
}

static void test_start_info(const struct probe_boot *b)
{
	uint64_t p = b->info;
	uint32_t version, nmod;

	checks_begin();
	if (!check(addr_ok(p, 56),
		   "hvm_start_info at 0x%lx is not below "
		   "4 GiB",
		   p) ||
	    !check(rd32(p) == PVH_MAGIC, "magic 0x%x, expected 0x%x", rd32(p),
		   PVH_MAGIC)) {
		tap(false, "hvm_start_info");
		return;
	}
	version = rd32(p + 4);
	nmod = rd32(p + 12);
	info("hvm_start_info at 0x%lx: version %u, flags 0x%x, nr_modules "
	     "%u, modlist 0x%lx, cmdline 0x%lx, rsdp 0x%lx",
	     p, version, rd32(p + 8), nmod, rd64(p + 16), rd64(p + 24),
	     rd64(p + 32));
	check(version >= 1, "version %u: no memory map (version 1 has one)",
	      version);
	check(nmod <= 16, "nr_modules %u is implausible", nmod);
	check(nmod == 0 || addr_ok(rd64(p + 16), 32ull * nmod),
	      "modlist_paddr 0x%lx is not below 4 GiB", rd64(p + 16));
	if (version >= 1) {
		info("memmap at 0x%lx, %u entries", rd64(p + 40), rd32(p + 48));
		check(rd32(p + 48) >= 1 && rd32(p + 48) <= PROBE_MAX_MEM,
		      "memmap_entries %u", rd32(p + 48));
		check(addr_ok(rd64(p + 40), 24ull * rd32(p + 48)),
		      "memmap_paddr 0x%lx is not below 4 GiB", rd64(p + 40));
		check(rd32(p + 52) == 0, "reserved 0x%x, expected 0",
		      rd32(p + 52));
	}
	tap(checks_ok(), "hvm_start_info: magic 0x%x, version %u", PVH_MAGIC,
	    version);
}

void test_bootinfo(const struct probe_boot *b)
{
	if (b->entry == PROBE_ENTRY_PVH)
		test_start_info(b);
	else
		test_boot_params(b);
}

void test_cmdline(const struct probe_boot *b, const struct probe_opts *o)
{
	uint64_t n;

	checks_begin();
	if (!check(b->cmdline != 0, "no command line (or one above 4 GiB)")) {
		tap(false, "command line");
		return;
	}
	n = cmdline_len(b);
	check(n < b->cmdline_max,
	      "command line not NUL-terminated within %lu bytes",
	      b->cmdline_max);
	print_lock();
	print("# cmdline: ");
	for (uint64_t i = 0; i < n; i++)
		print("%c", (char)rd8(b->cmdline + i));
	print("\n");
	print_unlock();
	for (uint64_t i = 0; i < n; i++) {
		uint8_t c = rd8(b->cmdline + i);

		if (!check(c >= 0x20 && c < 0x7f,
			   "byte 0x%x at offset %lu is not printable ASCII", c,
			   i))
			break;
	}
	check(o->unknown == 0, "%u unknown or malformed probe.* options",
	      o->unknown);
	tap(checks_ok(), "command line at 0x%lx, %lu bytes", b->cmdline, n);
}

/*
 * probe.memmap=sanitize: what Linux's e820 code does before using a map,
 * drop empty entries and sort by address, saying what it changed. For
 * firmware that hands over such maps (QEMU microvm's qboot adds an empty
 * entry, and under KVM an unsorted one); the reference VMM must not need
 * it. Returns the new count.
 */
static uint32_t memmap_sanitize(struct probe_boot *b)
{
	uint32_t n = 0, moved = 0, dropped = 0;

	for (uint32_t i = 0; i < b->n_mem; i++) {
		if (b->mem[i].size == 0) {
			dropped++;
			continue;
		}
		b->mem[n++] = b->mem[i];
	}
	for (uint32_t i = 1; i < n; i++) {
		struct probe_mem_entry e = b->mem[i];
		uint32_t j = i;

		for (; j > 0 && b->mem[j - 1].addr > e.addr; j--)
			b->mem[j] = b->mem[j - 1];
		if (j != i)
			moved++;
		b->mem[j] = e;
	}
	if (dropped || moved)
		diag("memmap sanitized (probe.memmap=sanitize): %u empty "
		     "entries dropped, %u moved into order",
		     dropped, moved);
	b->n_mem = n;
	return n;
}

void test_memmap(struct probe_boot *b, const struct probe_opts *o)
{
	uint64_t ram = 0, img = sym((const char *)probe_image_start);
	uint64_t img_end = sym((const char *)probe_image_end);

	uint32_t n = b->n_mem;

	checks_begin();
	if (o->memmap_sanitize)
		n = memmap_sanitize(b);
	check(n >= 1, "the memory map is empty or missing");
	for (uint32_t i = 0; i < n; i++) {
		const struct probe_mem_entry *e = &b->mem[i];
		const struct probe_mem_entry *prev = i ? &b->mem[i - 1] : NULL;

		info("  mem %2u: 0x%012lx-0x%012lx type %u", i, e->addr,
		     e->addr + e->size - 1, e->type);
		check(e->size != 0, "entry %u is empty", i);
		check(e->addr + e->size >= e->addr, "entry %u wraps", i);
		check(e->type != 0, "entry %u has type 0", i);
		if (prev) {
			check(prev->addr < e->addr,
			      "entry %u is not sorted after entry %u", i,
			      i - 1);
			check(prev->addr + prev->size <= e->addr,
			      "entry %u overlaps entry %u", i, i - 1);
		}
		if (e->type == E820_RAM) {
			ram += e->size;
			check(e->addr + e->size <= 0xa0000 ||
				  e->addr >= 0x100000,
			      "entry %u puts RAM in the legacy hole "
			      "0xa0000-0xfffff",
			      i);
			check(e->addr + e->size <= 0xfec00000u ||
				  e->addr >= 0xfee01000u,
			      "entry %u puts RAM over the IOAPIC/LAPIC", i);
		}
	}
	if (b->entry == PROBE_ENTRY_PVH && b->n_mem) {
		uint64_t map = rd64(b->info + 40);

		for (uint32_t i = 0; i < b->n_mem; i++)
			check(rd32(map + 24u * i + 20) == 0,
			      "memmap entry %u: reserved field 0x%x", i,
			      rd32(map + 24u * i + 20));
	}
	check(mem_is_ram(b, img, img_end - img),
	      "the probe's image 0x%lx-0x%lx is not all RAM", img, img_end - 1);
	/* Boot data may sit in RAM or in reserved firmware areas (QEMU's
	 * firmware puts it there), but not in a hole of the map nor over
	 * the probe. */
	for (uint32_t i = 0; i < b->n_used; i++) {
		uint64_t lo = b->used[i].lo, hi = b->used[i].hi;

		check(mem_is_mapped(b, lo, hi - lo + 1),
		      "boot data 0x%lx-0x%lx is in no memory-map entry", lo,
		      hi);
		check(hi < img || lo >= img_end,
		      "boot data 0x%lx-0x%lx overlaps the probe's image", lo,
		      hi);
	}
	info("RAM: %lu KiB in %u entries", ram >> 10, n);
	if (!checks_ok() && !probe_verbose)
		for (uint32_t i = 0; i < n; i++)
			diag("  mem %2u: 0x%012lx-0x%012lx type %u", i,
			     b->mem[i].addr,
			     b->mem[i].addr + b->mem[i].size - 1,
			     b->mem[i].type);
	if (o->mem_mib) {
		uint64_t want = o->mem_mib << 20;

		check(ram <= want && ram + (2u << 20) >= want,
		      "RAM adds up to %lu KiB; probe.mem_mib=%lu wants "
		      "%lu KiB less at most 2048 KiB of holes",
		      ram >> 10, o->mem_mib, want >> 10);
	}
	tap(checks_ok(),
	    "memory map: %u entries, sorted, disjoint, RAM "
	    "where expected",
	    n);
}

/* The initrd the tests pass: a 32-byte header ("CVMMPROBEINITRD1", u32
 * size, u32 seed, 8 zero bytes), then byte i = (i * 131 + seed) & 0xff. */
void test_initrd(const struct probe_boot *b, const struct probe_opts *o)
{
	uint64_t a = b->initrd_addr, n = b->initrd_size, bad = 0;
	uint32_t seed;

	checks_begin();
	if (o->initrd != TRI_YES) {
		tap(n == 0, "initrd: none given, none expected%s",
		    n ? " (but one was given)" : "");
		return;
	}
	if (!check(n >= 32, "initrd size %lu (expected the test's initrd)",
		   n) ||
	    !check(addr_ok(a, n), "initrd 0x%lx+0x%lx not below 4 GiB", a, n)) {
		tap(false, "initrd");
		return;
	}
	info("initrd at 0x%lx, %lu bytes", a, n);
	check((a & 0xfff) == 0, "initrd at 0x%lx is not page-aligned", a);
	check(mem_is_ram(b, a, n), "initrd is not in RAM");
	check(a >= sym(probe_image_end) || a + n <= sym(probe_image_start),
	      "initrd overlaps the probe's image");
	check(memcmp(phys(a), "CVMMPROBEINITRD1", 16) == 0,
	      "initrd magic missing");
	check(rd32(a + 16) == n, "initrd header says %u bytes, loader says %lu",
	      rd32(a + 16), n);
	seed = rd32(a + 20);
	for (uint64_t i = 32; i < n; i++)
		if (rd8(a + i) != (uint8_t)(i * 131 + seed))
			bad++;
	check(bad == 0, "%lu initrd bytes differ from the pattern", bad);
	tap(checks_ok(), "initrd: %lu bytes at 0x%lx, content intact", n, a);
}

static bool sum_ok(uint64_t a, uint64_t len)
{
	uint8_t s = 0;

	for (uint64_t i = 0; i < len; i++)
		s = (uint8_t)(s + rd8(a + i));
	return s == 0;
}

uint64_t acpi_find_rsdp(const struct probe_boot *b)
{
	uint64_t ebda = (uint64_t)rd16(0x40e) << 4;

	if (b->rsdp)
		return b->rsdp;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		for (uint64_t a = ebda; a < ebda + 1024; a += 16)
			if (memcmp(phys(a), "RSD PTR ", 8) == 0)
				return a;
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
		if (memcmp(phys(a), "RSD PTR ", 8) == 0)
			return a;
	return 0;
}

static void check_table(uint64_t t, const char *what)
{
	uint32_t len;
	char sig[5];

	if (!check(addr_ok(t, 36), "%s at 0x%lx not below 4 GiB", what, t))
		return;
	len = rd32(t + 4);
	memcpy(sig, phys(t), 4);
	sig[4] = 0;
	for (int i = 0; i < 4; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '?';
	info("  acpi %s at 0x%lx, %u bytes, revision %u", sig, t, len,
	     rd8(t + 8));
	if (!check(len >= 36 && len <= (1u << 20) && addr_ok(t, len),
		   "%s at 0x%lx: length %u", sig, t, len))
		return;
	check(sum_ok(t, len), "%s at 0x%lx: bad checksum", sig, t);
	if (memcmp(sig, "FACP", 4) == 0) {
		uint64_t dsdt = rd32(t + 40);

		if (len >= 148 && rd64(t + 140))
			dsdt = rd64(t + 140);
		if (check(dsdt != 0, "FADT has no DSDT"))
			check_table(dsdt, "DSDT");
	}
}

void test_acpi(const struct probe_boot *b, const struct probe_opts *o)
{
	uint64_t rsdp, root;
	uint32_t len, step, n;
	uint8_t rev;

	if (o->acpi == TRI_NO) {
		tap_skip("probe.acpi=0", "acpi tables");
		return;
	}
	rsdp = acpi_find_rsdp(b);
	if (!rsdp && o->acpi == TRI_AUTO) {
		tap_skip("no RSDP given or found, and probe.acpi=auto",
			 "acpi tables");
		return;
	}
	checks_begin();
	if (!check(rsdp && addr_ok(rsdp, 36), "no RSDP found") ||
	    !check(memcmp(phys(rsdp), "RSD PTR ", 8) == 0,
		   "no \"RSD PTR \" at 0x%lx", rsdp) ||
	    !check(sum_ok(rsdp, 20), "RSDP checksum (first 20 bytes)")) {
		tap(false, "acpi tables");
		return;
	}
	rev = rd8(rsdp + 15);
	root = rd32(rsdp + 16);
	step = 4;
	if (rev >= 2) {
		check(rd32(rsdp + 20) >= 36 && sum_ok(rsdp, rd32(rsdp + 20)),
		      "RSDP extended checksum (length %u)", rd32(rsdp + 20));
		if (rd64(rsdp + 24)) {
			root = rd64(rsdp + 24);
			step = 8;
		}
	}
	info("RSDP at 0x%lx, revision %u, %s at 0x%lx", rsdp, rev,
	     step == 8 ? "XSDT" : "RSDT", root);
	check_table(root, step == 8 ? "XSDT" : "RSDT");
	len = addr_ok(root, 36) ? rd32(root + 4) : 0;
	n = len >= 36 && len <= 4096 ? (len - 36) / step : 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = root + 36 + (uint64_t)i * step;

		check_table(step == 8 ? rd64(e) : rd32(e), "table");
	}
	tap(checks_ok(), "acpi tables: RSDP, %s and %u tables, checksums",
	    step == 8 ? "XSDT" : "RSDT", n);
}

/* ---- the ACPI power-off path (probe.poweroff=1) ---- */

/* A table at t with signature sig, a sane length and a good checksum. */
static bool table_ok(uint64_t t, const char *sig, uint32_t *len)
{
	if (!check(addr_ok(t, 36), "%s at 0x%lx not below 4 GiB", sig, t) ||
	    !check(memcmp(phys(t), sig, 4) == 0, "no %s at 0x%lx", sig, t))
		return false;
	*len = rd32(t + 4);
	return check(*len >= 36 && *len <= (1u << 20) && addr_ok(t, *len),
		     "%s at 0x%lx: length %u", sig, t, *len) &&
	       check(sum_ok(t, *len), "%s at 0x%lx: bad checksum", sig, t);
}

/* The FADT through the RSDP and the XSDT (the RSDT when there is none, as
 * Linux does); 0 when a step fails (the failure is reported). */
static uint64_t find_fadt(const struct probe_boot *b, const char **root_sig)
{
	uint64_t rsdp = acpi_find_rsdp(b), root;
	uint32_t len, step = 4;

	if (!check(rsdp != 0 && addr_ok(rsdp, 36), "no RSDP found") ||
	    !check(memcmp(phys(rsdp), "RSD PTR ", 8) == 0,
		   "no \"RSD PTR \" at 0x%lx", rsdp) ||
	    !check(sum_ok(rsdp, 20), "RSDP checksum (first 20 bytes)"))
		return 0;
	root = rd32(rsdp + 16);
	*root_sig = "RSDT";
	if (rd8(rsdp + 15) >= 2) {
		if (!check(
			rd32(rsdp + 20) >= 36 && sum_ok(rsdp, rd32(rsdp + 20)),
			"RSDP extended checksum (length %u)", rd32(rsdp + 20)))
			return 0;
		if (rd64(rsdp + 24)) {
			root = rd64(rsdp + 24);
			*root_sig = "XSDT";
			step = 8;
		}
	}
	if (!table_ok(root, *root_sig, &len))
		return 0;
	for (uint32_t off = 36; off + step <= len; off += step) {
		uint64_t t = step == 8 ? rd64(root + off) : rd32(root + off);

		if (addr_ok(t, 36) && memcmp(phys(t), "FACP", 4) == 0)
			return t;
	}
	check(false, "no FADT (FACP) in the %s", *root_sig);
	return 0;
}

/*
 * SLP_TYP of Name (\_S5_, Package () {SLP_TYPa, ...}) in the DSDT at t,
 * len bytes: NameOp (0x08), an optional root prefix, "_S5_", PackageOp
 * (0x12), PkgLength (1 to 4 bytes), NumElements, then the first element as
 * ZeroOp, OneOp, BytePrefix or WordPrefix. -1 when absent or not like
 * that (an OS would evaluate the AML; this is all a VMM needs to emit).
 */
static int s5_slp_typ(uint64_t t, uint32_t len)
{
	for (uint64_t i = t + 38; i + 4 <= t + len; i++) {
		uint64_t j = i + 4;
		uint8_t op;

		if (memcmp(phys(i), "_S5_", 4) != 0 ||
		    !(rd8(i - 1) == 0x08 ||
		      (rd8(i - 1) == '\\' && rd8(i - 2) == 0x08)))
			continue;
		if (j + 8 > t + len || rd8(j) != 0x12)
			return -1;
		j += 2 + (rd8(j + 1) >> 6); /* PackageOp, PkgLength */
		if (rd8(j) < 1)		    /* NumElements */
			return -1;
		op = rd8(j + 1);
		if (op <= 1)
			return op;
		if (op == 0x0a)
			return rd8(j + 2);
		if (op == 0x0b)
			return rd16(j + 2);
		return -1;
	}
	return -1;
}

/* One 8-bit Generic Address Structure of the FADT at offset off. */
static bool sleep_reg(uint64_t fadt, uint32_t off, const char *what,
		      uint8_t *space, uint64_t *addr)
{
	uint8_t width = rd8(fadt + off + 1), shift = rd8(fadt + off + 2);

	*space = rd8(fadt + off);
	*addr = rd64(fadt + off + 4);
	info("  FADT %s: space %u, width %u, offset %u, access %u, 0x%lx", what,
	     *space, width, shift, rd8(fadt + off + 3), *addr);
	return check(*addr != 0, "FADT %s: address 0", what) &&
	       check(*space <= 1, "FADT %s: space %u (not memory or I/O)", what,
		     *space) &&
	       check(width == 8 && shift == 0,
		     "FADT %s: %u bits at bit %u, expected 8 at 0", what, width,
		     shift) &&
	       check(*space == 0 ? addr_ok(*addr, 1) : *addr <= 0xffff,
		     "FADT %s: 0x%lx out of reach", what, *addr);
}

void test_acpi_poweroff(struct probe_boot *b)
{
	const char *root_sig = "XSDT";
	uint64_t fadt, dsdt;
	uint32_t len, dlen;
	uint8_t ctl_space, sts_space;
	int typ;

	checks_begin();
	fadt = find_fadt(b, &root_sig);
	if (!fadt || !table_ok(fadt, "FACP", &len)) {
		tap(false, "acpi power-off: no FADT");
		return;
	}
	/* The sleep registers are ACPI 5.0's (FADT revision 5, 268 bytes),
	 * and an OS uses them only on a hardware-reduced platform. */
	if (!check(rd8(fadt + 8) >= 5 && len >= 268,
		   "FADT revision %u, %u bytes: no sleep registers",
		   rd8(fadt + 8), len) ||
	    !check(rd32(fadt + 112) & (1u << 20),
		   "FADT flags 0x%x: not hardware-reduced", rd32(fadt + 112))) {
		tap(false, "acpi power-off: FADT without sleep registers");
		return;
	}
	if (!sleep_reg(fadt, 244, "SLEEP_CONTROL_REG", &ctl_space,
		       &b->sleep_control) ||
	    !sleep_reg(fadt, 256, "SLEEP_STATUS_REG", &sts_space,
		       &b->sleep_status) ||
	    !check(ctl_space == sts_space,
		   "sleep control and status in different spaces")) {
		tap(false, "acpi power-off: FADT sleep registers");
		return;
	}
	dsdt = rd32(fadt + 40);
	if (rd64(fadt + 140))
		dsdt = rd64(fadt + 140);
	if (!table_ok(dsdt, "DSDT", &dlen)) {
		tap(false, "acpi power-off: no DSDT");
		return;
	}
	typ = s5_slp_typ(dsdt, dlen);
	if (!check(typ >= 0 && typ <= 7,
		   "DSDT: no \\_S5_ package with a SLP_TYP of 0-7 (%d)", typ)) {
		tap(false, "acpi power-off: \\_S5_");
		return;
	}
	b->sleep_mmio = ctl_space == 0;
	b->sleep_s5 = (uint8_t)(typ << 2 | 0x20);
	b->sleep_found = true;
	tap(true,
	    "acpi power-off: %s -> FADT sleep control %s 0x%lx, status "
	    "0x%lx, \\_S5_ SLP_TYP %d: S5 is 0x%x",
	    root_sig, b->sleep_mmio ? "address" : "port", b->sleep_control,
	    b->sleep_status, typ, b->sleep_s5);
}
