/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the boot-params target, written with the encoder that mirrors
 * fuzz/boot-params.c's decoder: a VMM's usual memory map (low RAM, the EBDA
 * and BIOS holes, RAM to the PCI hole, RAM above 4 GiB) driven through
 * every operation; the unit tests' e820, initrd-placement, zero-page and
 * PVH cases; e820 maps with overlaps, out of order, full (128) and over
 * full; kernels of every protocol version, without
 * XLF_CAN_BE_LOADED_ABOVE_4G, with a tiny cmdline_size, a low
 * initrd_addr_max, CAN_USE_HEAP set and noise in the fields the zero page
 * must clear.
 *
 *   fuzz-seeds-boot-params OUT_DIR
 */
#include <string.h>

#include "fuzz-input.h"
#include "seeds.h"

struct ch {
	unsigned sel;
	uint64_t v;
};

#define TABLE(i)   ((struct ch){1, (i)})
#define NEAR(d)	   ((struct ch){2, (uint64_t)((d) + 16)})
#define RAW(x)	   ((struct ch){3, (x)})
#define CONSISTENT ((struct ch){0, 0})

enum { ADD, VALIDATE, PLACE, LOAD, ZERO_PAGE, PVH, FILL };
#define NULL_ERR  8u
#define NULL_PTR  16u /* kernel (zero page) or memmap (PVH) */
#define NULL_E820 32u

/* Type indexes: {1, 2, 3, 4, 5, 7, 0}, 7 = raw u32. */
enum { RAM, RESERVED, ACPI, NVS, UNUSABLE, PMEM, ZERO };

static void ch(struct cvmm_fo *o, struct ch c, uint64_t mask)
{
	cvmm_fo_range(o, 0, 3, c.sel);
	if (c.sel == 1)
		cvmm_fo_range(o, 0, 7, c.v);
	else if (c.sel == 2)
		cvmm_fo_range(o, 0, 32, c.v);
	else if (c.sel == 3)
		cvmm_fo_range(o, 0, mask, c.v);
}

struct kernel {
	unsigned version; /* 0 = 2.15 .. 9 = 2.06 */
	uint16_t xlf_x;
	uint8_t loadflags;
	struct ch cmdline_size, initrd_max, pref;
	uint64_t init_extra;
	struct ch jump;
	uint8_t noise;
};

static void kernel(struct cvmm_fo *o, const struct kernel *k)
{
	cvmm_fo_range(o, 0, 9, k->version);
	cvmm_fo_u16(o, k->xlf_x);
	cvmm_fo_u8(o, k->loadflags);
	ch(o, k->cmdline_size, UINT32_MAX);
	ch(o, k->initrd_max, UINT32_MAX);
	ch(o, k->pref, UINT64_MAX);
	cvmm_fo_range(o, 0, 0xffff, k->init_extra);
	ch(o, k->jump, 0xff);
	cvmm_fo_u8(o, k->noise);
}

static void entry(struct cvmm_fo *o, struct ch addr, struct ch size,
		  unsigned type)
{
	ch(o, addr, UINT64_MAX);
	ch(o, size, UINT64_MAX);
	cvmm_fo_range(o, 0, 7, type);
}

static void add(struct cvmm_fo *o, uint64_t addr, uint64_t size, unsigned type)
{
	cvmm_fo_u8(o, ADD);
	entry(o, RAW(addr), RAW(size), type);
}

/* The usual map of a VMM with 2 GiB below the PCI hole and 1 GiB above
 * 4 GiB, added out of order. */
static void usual_map(struct cvmm_fo *o)
{
	add(o, 0x100000, 0x7ff00000, RAM);
	add(o, 0, 0x9fc00, RAM);
	add(o, 0x9fc00, 0x400, RESERVED);
	add(o, 0xf0000, 0x10000, RESERVED);
	add(o, 0x100000000, 0x40000000, RAM);
	add(o, 0xfec00000, 0x1400000, RESERVED);
}

static void place(struct cvmm_fo *o, struct ch size, struct ch max,
		  struct ch min)
{
	cvmm_fo_u8(o, PLACE);
	ch(o, size, UINT64_MAX);
	ch(o, max, UINT64_MAX);
	ch(o, min, UINT64_MAX);
}

static void load(struct cvmm_fo *o, uint64_t size, struct ch addr,
		 unsigned granule, unsigned mode, uint64_t slack,
		 unsigned mem_fail, unsigned src_fail)
{
	cvmm_fo_u8(o, LOAD);
	cvmm_fo_range(o, 0, 8192, size);
	ch(o, addr, UINT64_MAX);
	cvmm_fo_range(o, 0, 5, granule);
	cvmm_fo_range(o, 0, 2, mode);
	cvmm_fo_range(o, 0, 64, slack);
	cvmm_fo_range(o, 0, 6, mem_fail);
	cvmm_fo_range(o, 0, 2, src_fail);
}

static void zero_page(struct cvmm_fo *o, unsigned flags, struct ch caddr,
		      struct ch clen, struct ch iaddr, struct ch isize,
		      uint64_t rsdp, uint8_t tol)
{
	cvmm_fo_u8(o, (uint8_t)(ZERO_PAGE | flags));
	ch(o, caddr, UINT64_MAX);
	ch(o, clen, UINT64_MAX);
	ch(o, iaddr, UINT64_MAX);
	ch(o, isize, UINT64_MAX);
	cvmm_fo_u64(o, rsdp);
	cvmm_fo_u8(o, tol);
}

static void pvh(struct cvmm_fo *o, unsigned flags, struct ch addr,
		uint64_t cmdline, uint64_t rsdp, struct ch iaddr,
		struct ch isize, uint64_t icmd)
{
	cvmm_fo_u8(o, (uint8_t)(PVH | flags));
	ch(o, addr, UINT64_MAX);
	cvmm_fo_u64(o, cmdline);
	cvmm_fo_u64(o, rsdp);
	ch(o, iaddr, UINT64_MAX);
	ch(o, isize, UINT64_MAX);
	cvmm_fo_u64(o, icmd);
}

/* Fill the table directly with n entries, each right after the last. */
static void fill(struct cvmm_fo *o, unsigned mode, uint64_t n, uint64_t size)
{
	cvmm_fo_u8(o, FILL);
	cvmm_fo_range(o, 0, 2, mode);
	cvmm_fo_range(o, 0, 130, n);
	for (uint64_t i = 0; i < n && i < 128; i++)
		entry(o, i == 0 ? RAW(0x1000) : CONSISTENT,
		      size ? RAW(size) : CONSISTENT,
		      i % 3 == 2 ? RESERVED : RAM);
}

static void fill_count(struct cvmm_fo *o, uint32_t count)
{
	cvmm_fo_u8(o, FILL);
	cvmm_fo_range(o, 0, 2, 2);
	cvmm_fo_u32(o, count);
}

static void all_ops(struct cvmm_fo *o)
{
	cvmm_fo_u8(o, VALIDATE);
	place(o, CONSISTENT, CONSISTENT, CONSISTENT);
	load(o, 4096, CONSISTENT, 0, 0, 16, 0, 0);
	zero_page(o, 0, CONSISTENT, CONSISTENT, CONSISTENT, CONSISTENT, 0xf0000,
		  0);
	pvh(o, 0, CONSISTENT, 0x20000, 0xe0000, CONSISTENT, CONSISTENT,
	    0x21000);
}

int main(int argc, char **argv)
{
	static uint8_t buf[8192];
	const struct kernel k0 = {0};
	struct kernel k;
	struct cvmm_fo o;
	struct seeds s;

	if (seeds_open(&s, argc, argv) != 0)
		return 1;

	/* The usual map through every operation, for every version. */
	for (unsigned v = 0; v < 10; v++) {
		cvmm_fo_init(&o, buf, sizeof(buf));
		k = k0;
		k.version = v;
		kernel(&o, &k);
		usual_map(&o);
		all_ops(&o);
		seeds_write(&s, "usual-version-2.15-minus", v, &o);
	}

	/* Kernels: no XLF_CAN_BE_LOADED_ABOVE_4G, tiny cmdline_size, low
	 * initrd_addr_max, CAN_USE_HEAP and noise, the longest header. */
	{
		struct kernel ks[6];
		for (unsigned i = 0; i < 6; i++)
			ks[i] = k0;
		ks[0].xlf_x = 2;
		ks[1].cmdline_size = TABLE(0); /* 1 */
		ks[2].initrd_max = TABLE(1);   /* 0xfff */
		ks[3].loadflags = 0x81;
		ks[3].noise = 0xff;
		ks[4].jump = TABLE(1); /* up to 0x290 */
		ks[4].noise = 0x5a;
		ks[5].pref = TABLE(2); /* 4 GiB */
		for (unsigned i = 0; i < 6; i++) {
			cvmm_fo_init(&o, buf, sizeof(buf));
			kernel(&o, &ks[i]);
			usual_map(&o);
			all_ops(&o);
			/* Above 4 GiB, and over the kernel. */
			zero_page(&o, 0, TABLE(6), CONSISTENT, TABLE(5),
				  CONSISTENT, 0, 0x21);
			zero_page(&o, 0, TABLE(2), CONSISTENT, TABLE(1),
				  CONSISTENT, 0, 0);
			seeds_write(&s, "kernel", i, &o);
		}
	}

	/* test_e820_add: refusals, then the table filled to 128 and one
	 * more. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	kernel(&o, &k0);
	add(&o, 0x100000, 0x100000, RAM);
	add(&o, 0, 0x9fc00, RAM);
	add(&o, 0x9fc00, 0x400, RESERVED);
	add(&o, 0x1000000, 0x1000, ACPI);
	add(&o, 0x1fffff, 2, RAM);
	add(&o, 0xfff000, 0x1001, RAM);
	add(&o, 0x100000, 1, RAM);
	add(&o, 0x5000000, 0, RAM);
	add(&o, 0x5000000, 1, ZERO);
	add(&o, UINT64_MAX, 1, RAM);
	for (unsigned i = 4; i < 129; i++) {
		cvmm_fo_u8(&o, ADD);
		entry(&o, NEAR(0), CONSISTENT, i % 2 ? RAM : NVS);
	}
	cvmm_fo_u8(&o, VALIDATE);
	all_ops(&o);
	seeds_write(&s, "e820-add", 0, &o);

	/* Direct fills: plausible, out of order, 129 and 130 entries,
	 * counts 0, 129, 2^32 - 1. */
	for (unsigned mode = 0; mode < 2; mode++) {
		static const uint64_t sizes[] = {1, 5, 25, 128, 129, 130};
		for (unsigned i = 0; i < 6; i++) {
			uint64_t n = sizes[i];
			cvmm_fo_init(&o, buf, sizeof(buf));
			kernel(&o, &k0);
			fill(&o, mode, n, n > 64 ? 0x100000 : 0);
			all_ops(&o);
			seeds_write(&s, mode ? "fill-unsorted" : "fill",
				    (unsigned)n, &o);
		}
	}
	{
		const uint32_t counts[] = {0, 129, 0xffffffff};
		for (unsigned i = 0; i < 3; i++) {
			cvmm_fo_init(&o, buf, sizeof(buf));
			kernel(&o, &k0);
			usual_map(&o);
			fill_count(&o, counts[i]);
			all_ops(&o);
			seeds_write(&s, "fill-count", i, &o);
		}
	}
	/* test_e820_validate's tables, as overlapping adds can't make. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	kernel(&o, &k0);
	cvmm_fo_u8(&o, FILL);
	cvmm_fo_range(&o, 0, 2, 0);
	cvmm_fo_range(&o, 0, 130, 3);
	entry(&o, RAW(0x1000), RAW(0x1000), RAM);
	entry(&o, RAW(0x1fff), RAW(0x1000), RAM);    /* overlaps */
	entry(&o, RAW(UINT64_MAX - 1), RAW(2), RAM); /* wraps */
	all_ops(&o);
	seeds_write(&s, "e820-overlap", 0, &o);

	/* test_initrd_place. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	kernel(&o, &k0);
	add(&o, 0, 0x9fc00, RAM);
	add(&o, 0x100000, 0x1000000, RAM);
	add(&o, 0x1100000, 0x100000, RESERVED);
	add(&o, 0x100000000, 0x100000, RAM);
	place(&o, RAW(0x3000), RAW(0x7fffffff), RAW(0x200000));
	place(&o, RAW(0x2001), RAW(0x7fffffff), RAW(0x200000));
	place(&o, RAW(0x2001), RAW(0x800fff), RAW(0x200000));
	place(&o, RAW(0x2001), TABLE(5), RAW(0x200000));
	place(&o, RAW(0x2001), RAW(0xffffffff), RAW(0x10fe000));
	place(&o, RAW(0x2000000), RAW(0xffffffff), TABLE(0));
	place(&o, RAW(0x1000), RAW(0xffe), TABLE(0));
	place(&o, RAW(0x1000), RAW(0x1fff), TABLE(0));
	place(&o, TABLE(0), CONSISTENT, CONSISTENT);
	place(&o, TABLE(7), CONSISTENT, CONSISTENT);
	load(&o, 4096, CONSISTENT, 1, 0, 3, 0, 0);
	seeds_write(&s, "initrd-place", 0, &o);

	/* initrd_load: granules, a hole, a read-only byte, injected
	 * failures, the end of the address space. */
	for (unsigned g = 0; g < 6; g++) {
		cvmm_fo_init(&o, buf, sizeof(buf));
		kernel(&o, &k0);
		usual_map(&o);
		load(&o, 0x1800, RAW(0x10e000), g, 0, 7, 0, 0);
		load(&o, 0x1800, RAW(0x10e000), g, 1, 7, 0, 0);
		load(&o, 0x1800, RAW(0x10e000), g, 2, 7, 0, 0);
		load(&o, 0x1800, RAW(0x10e000), g, 0, 0, g + 1, 0);
		load(&o, 0x1800, RAW(0x10e000), g, 0, 0, 0, g % 2 + 1);
		seeds_write(&s, "initrd-load", g, &o);
	}
	cvmm_fo_init(&o, buf, sizeof(buf));
	kernel(&o, &k0);
	for (unsigned t = 0; t < 8; t++)
		load(&o, 0x100, TABLE(t), 0, 0, 64, 0, 0);
	load(&o, 0, CONSISTENT, 0, 0, 0, 0, 0);
	seeds_write(&s, "initrd-load-addresses", 0, &o);

	/* test_zero_page_refused and friends. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	kernel(&o, &k0);
	usual_map(&o);
	for (unsigned t = 0; t < 8; t++) {
		zero_page(&o, 0, TABLE(t), CONSISTENT, CONSISTENT, TABLE(0), 0,
			  0);
		zero_page(&o, 0, CONSISTENT, TABLE(t), CONSISTENT, TABLE(0), 0,
			  0);
		zero_page(&o, 0, CONSISTENT, CONSISTENT, TABLE(t), CONSISTENT,
			  0, 0);
		zero_page(&o, 0, CONSISTENT, CONSISTENT, CONSISTENT, TABLE(t),
			  0, 0);
	}
	zero_page(&o, NULL_PTR, CONSISTENT, CONSISTENT, CONSISTENT, CONSISTENT,
		  0, 0);
	zero_page(&o, NULL_E820 | NULL_ERR, CONSISTENT, CONSISTENT, CONSISTENT,
		  CONSISTENT, 0, 0);
	seeds_write(&s, "zero-page", 0, &o);
	k = k0;
	k.xlf_x = 2; /* no XLF_CAN_BE_LOADED_ABOVE_4G */
	cvmm_fo_init(&o, buf, sizeof(buf));
	kernel(&o, &k);
	usual_map(&o);
	for (unsigned t = 0; t < 8; t++)
		zero_page(&o, 0, TABLE(t), CONSISTENT, TABLE(t), CONSISTENT, 0,
			  0);
	seeds_write(&s, "zero-page-below-4g", 0, &o);

	/* test_pvh. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	kernel(&o, &k0);
	add(&o, 0, 0x9fc00, RAM);
	add(&o, 0x9fc00, 0x400, RESERVED);
	add(&o, 0x100000, 0x1000000, RAM);
	pvh(&o, 0, RAW(0x6000), 0x20000, 0xe0000, RAW(0x800000), RAW(0x3000),
	    0x21000);
	pvh(&o, 0, RAW(0x6000), 0x20000, 0xe0000, RAW(0x800000), TABLE(0),
	    0x21000);
	for (unsigned t = 0; t < 8; t++) {
		pvh(&o, 0, TABLE(t), 0, 0, CONSISTENT, CONSISTENT, 0);
		pvh(&o, 0, CONSISTENT, 0, 0, TABLE(t), CONSISTENT, 0);
		pvh(&o, 0, CONSISTENT, 0, 0, CONSISTENT, TABLE(t), 0);
	}
	pvh(&o, NULL_PTR, CONSISTENT, 0, 0, CONSISTENT, CONSISTENT, 0);
	fill_count(&o, 0);
	pvh(&o, 0, CONSISTENT, 0, 0, CONSISTENT, CONSISTENT, 0);
	seeds_write(&s, "pvh", 0, &o);
	/* The PVH block with 128 map entries ends exactly at 4 GiB. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	kernel(&o, &k0);
	fill(&o, 0, 128, 0x1000);
	pvh(&o, 0, TABLE(2), 0, 0, CONSISTENT, CONSISTENT, 0);
	pvh(&o, 0, TABLE(3), 0, 0, CONSISTENT, CONSISTENT, 0);
	zero_page(&o, 0, CONSISTENT, CONSISTENT, CONSISTENT, CONSISTENT, 0, 0);
	seeds_write(&s, "pvh-full-map", 0, &o);
	return seeds_close(&s);
}
