/* SPDX-License-Identifier: Apache-2.0 */
/* e820, initrd placement and loading, zero page, PVH start info. */
#include <cvmm/ll-boot.h>
#include <cvmm/ll-pvh.h>
#include <cvmm/mem-test.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expect.h"
#include "helpers.h"
#include "synth.h"

static void test_e820_add(void **state)
{
	struct cvmm_ll_e820 t = {0};
	struct cvmm_ll_error err;

	(void)state;
	check_ok(cvmm_ll_e820_add(&t, 0x100000, 0x100000, 1, &err), err);
	check_ok(cvmm_ll_e820_add(&t, 0, 0x9fc00, 1, &err), err);
	check_ok(cvmm_ll_e820_add(&t, 0x9fc00, 0x400, 2, &err), err);
	check_ok(cvmm_ll_e820_add(&t, 0x1000000, 0x1000, 3, &err), err);
	assert_int_equal(t.count, 4);
	assert_int_equal(t.entries[0].addr, 0);
	assert_int_equal(t.entries[1].addr, 0x9fc00);
	assert_int_equal(t.entries[1].type, 2);
	assert_int_equal(t.entries[2].addr, 0x100000);
	assert_int_equal(t.entries[3].addr, 0x1000000);
	check_ok(cvmm_ll_e820_validate(&t, &err), err);
	check_err(cvmm_ll_e820_add(&t, 0x1fffff, 2, 1, &err), err, -EBADMSG,
		  "e820 entry 4 [0x1fffff, +0x2) overlaps entry 2 [0x100000, "
		  "+0x100000)");
	check_err(cvmm_ll_e820_add(&t, 0xfff000, 0x1001, 1, &err), err,
		  -EBADMSG, "overlaps entry 3 [0x1000000, +0x1000)");
	check_err(cvmm_ll_e820_add(&t, 0x100000, 1, 1, &err), err, -EBADMSG,
		  "overlaps entry 2");
	check_err(cvmm_ll_e820_add(&t, 0x5000000, 0, 1, &err), err, -EINVAL,
		  "size and type must be non-zero");
	check_err(cvmm_ll_e820_add(&t, 0x5000000, 1, 0, &err), err, -EINVAL,
		  "type 0");
	check_err(cvmm_ll_e820_add(&t, UINT64_MAX, 1, 1, &err), err, -EOVERFLOW,
		  "wraps past 2^64");
	assert_int_equal(t.count, 4);
	while (t.count < CVMM_LL_E820_MAX)
		check_ok(cvmm_ll_e820_add(&t, 0x10000000 + t.count * 0x1000ull,
					  0x1000, 1, &err),
			 err);
	check_err(cvmm_ll_e820_add(&t, 0x80000000, 1, 1, &err), err, -E2BIG,
		  "already holds 128 entries");
	check_ok(cvmm_ll_e820_validate(&t, &err), err);
}

static void test_e820_validate(void **state)
{
	struct cvmm_ll_e820 t = {0};
	struct cvmm_ll_error err;

	(void)state;
	check_err(cvmm_ll_e820_validate(&t, &err), err, -ENODATA,
		  "the e820 table is empty");
	t.count = 129;
	check_err(cvmm_ll_e820_validate(&t, &err), err, -E2BIG,
		  "claims 129 entries");
	t.count = 2;
	t.entries[0] = (struct cvmm_ll_e820_entry){0x1000, 0x1000, 1};
	t.entries[1] = (struct cvmm_ll_e820_entry){0, 0x1000, 1};
	check_err(
	    cvmm_ll_e820_validate(&t, &err), err, -EDOM,
	    "e820 entry 1 at 0x0 comes after entry 0 at 0x1000: the table "
	    "is not sorted");
	t.entries[1] = (struct cvmm_ll_e820_entry){0x1fff, 0x1000, 1};
	check_err(cvmm_ll_e820_validate(&t, &err), err, -EBADMSG,
		  "e820 entry 1 [0x1fff, +0x1000) overlaps entry 0");
	t.entries[1] = (struct cvmm_ll_e820_entry){0x2000, 0, 1};
	check_err(cvmm_ll_e820_validate(&t, &err), err, -EINVAL,
		  "e820 entry 1");
	t.entries[1] = (struct cvmm_ll_e820_entry){UINT64_MAX - 1, 2, 1};
	check_err(cvmm_ll_e820_validate(&t, &err), err, -EOVERFLOW,
		  "e820 entry 1: addr=0xfffffffffffffffe + size=0x2 wraps");
	t.entries[1] = (struct cvmm_ll_e820_entry){0x2000, 1, 1};
	check_ok(cvmm_ll_e820_validate(&t, &err), err);
}

static void test_initrd_place(void **state)
{
	struct cvmm_ll_e820 t = {0};
	struct cvmm_ll_error err;
	struct cvmm_ll_initrd_request req = {0x3000, 0x7fffffff, 0x200000, &t};
	uint64_t addr = 0;

	(void)state;
	check_ok(cvmm_ll_e820_add(&t, 0, 0x9fc00, 1, &err), err);
	check_ok(cvmm_ll_e820_add(&t, 0x100000, 0x1000000, 1, &err), err);
	check_ok(cvmm_ll_e820_add(&t, 0x1100000, 0x100000, 2, &err), err);
	check_ok(cvmm_ll_e820_add(&t, 0x100000000, 0x100000, 1, &err), err);
	/* Highest fit under addr_max: the top of the 1 MiB..17 MiB entry. */
	check_ok(cvmm_ll_initrd_place(&req, &addr, &err), err);
	assert_int_equal(addr, 0x1100000 - 0x3000);
	/* An odd size is page-aligned downwards. */
	req.size = 0x2001;
	check_ok(cvmm_ll_initrd_place(&req, &addr, &err), err);
	assert_int_equal(addr, 0x1100000 - 0x3000);
	/* addr_max inside the entry clamps it. */
	req.addr_max = 0x800fff;
	check_ok(cvmm_ll_initrd_place(&req, &addr, &err), err);
	assert_int_equal(addr, 0x7fe000);
	/* Without a limit the entry above 4 GiB is used. */
	req.addr_max = UINT64_MAX;
	check_ok(cvmm_ll_initrd_place(&req, &addr, &err), err);
	assert_int_equal(addr, 0x100100000 - 0x3000);
	/* min_addr above the RAM below 4 GiB and addr_max below 4 GiB. */
	req.addr_max = 0xffffffff;
	req.min_addr = 0x1100000 - 0x2000;
	check_err(
	    cvmm_ll_initrd_place(&req, &addr, &err), err, -ENOSPC,
	    "holds a 8193-byte initrd page-aligned at or above 0x10fe000 "
	    "(the kernel's end) with its last byte at or below 0xffffffff");
	/* Falls back to a lower entry when the upper one is too small. */
	req.min_addr = 0;
	req.size = 0x2000000;
	check_err(cvmm_ll_initrd_place(&req, &addr, &err), err, -ENOSPC,
		  "33554432-byte");
	req.size = 0x1000;
	req.addr_max = 0xffe;
	check_err(cvmm_ll_initrd_place(&req, &addr, &err), err, -ENOSPC,
		  "4096-byte");
	req.addr_max = 0x1fff;
	check_ok(cvmm_ll_initrd_place(&req, &addr, &err), err);
	assert_int_equal(addr, 0x1000);
	req.size = 0;
	check_err(cvmm_ll_initrd_place(&req, &addr, &err), err, -EINVAL,
		  "the initrd is empty");
	req.size = 1;
	t.count = 0;
	check_err(cvmm_ll_initrd_place(&req, &addr, &err), err, -ENODATA,
		  "empty");
}

static void test_initrd_load(void **state)
{
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0x100000), 0x10000,
					 0};
	uint8_t data[0x1800] = {0}, back[0x1800];
	struct cvmm_ll_source src = cvmm_ll_source_buffer(data, sizeof(data));
	struct failing_source fs;
	struct cvmm_ll_source bad = failing_source(&fs, src, 1, -EIO);
	struct cvmm_ll_range out = {{0}, 0};
	struct cvmm_mem_test *tm;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;
	struct watch w;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3);
	assert_int_equal(cvmm_mem_test_create(&r, 1, 7, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	watch_start(&w, tm);
	watch_allow(&w, 0x10e000, sizeof(data));
	check_ok(cvmm_ll_initrd_load(&mem, &src, 0x10e000, &out, &err), err);
	assert_int_equal(out.start.raw, 0x10e000);
	assert_int_equal(out.size, sizeof(data));
	assert_int_equal(cvmm_mem_read(&mem, out.start, back, sizeof(back)), 0);
	assert_memory_equal(back, data, sizeof(data));
	check_err(cvmm_ll_initrd_load(&mem, &bad, 0x10e000, &out, &err), err,
		  -EIO, "copying the initrd to 0x10e000");
	check_err(cvmm_ll_initrd_load(&mem, &src, 0x10f000, &out, &err), err,
		  -EFAULT, "the initrd [0x10f000, +0x1800) is not writable");
	check_err(
	    cvmm_ll_initrd_load(&mem, &src, UINT64_MAX - 0x100, &out, &err),
	    err, -EOVERFLOW, "wraps past 2^64");
	src.size = 0;
	check_err(cvmm_ll_initrd_load(&mem, &src, 0x10e000, &out, &err), err,
		  -EINVAL, "the initrd is empty");
	assert_int_equal(w.strays, 0);
	cvmm_mem_test_destroy(tm);
}

/* A large copy over 1.5-MiB regions: 1-MiB steps, some inside a region
 * (straight in), some across two (through the bounce buffer). */
static void test_initrd_load_large(void **state)
{
	const size_t n = (size_t)3 << 20;
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0), 4 << 20, 0};
	uint8_t *data = malloc(n), *back = malloc(n);
	struct cvmm_ll_source src;
	struct cvmm_ll_range out;
	struct cvmm_mem_test *tm;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;

	(void)state;
	assert_non_null(data);
	assert_non_null(back);
	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 31 + (i >> 12));
	src = cvmm_ll_source_buffer(data, n); /* made after data is filled */
	assert_int_equal(cvmm_mem_test_create(&r, 1, 0x180000, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	check_ok(cvmm_ll_initrd_load(&mem, &src, 0, &out, &err), err);
	assert_int_equal(cvmm_mem_read(&mem, out.start, back, n), 0);
	assert_memory_equal(back, data, n);
	cvmm_mem_test_destroy(tm);
	free(back);
	free(data);
}

/* A synthetic kernel loaded at 1 MiB, for the zero page. */
struct kernel {
	uint8_t *img;
	struct cvmm_mem_test *tm;
	struct cvmm_ll_bzimage_result r;
	struct cvmm_ll_e820 e820;
};

static void load_kernel(struct kernel *k, uint16_t xloadflags,
			uint64_t setup_data)
{
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0), 0x200000, 0};
	struct cvmm_ll_error err;
	struct cvmm_ll_source src;
	struct cvmm_mem mem;
	size_t len;

	k->img = synth_bzimage(NULL, 0, &len);
	set16(k->img + 0x236, xloadflags);
	set64(k->img + 0x250, setup_data);
	k->img[0x211] |= 0x80;	  /* CAN_USE_HEAP: the builder clears it */
	set32(k->img + 0x23c, 7); /* hardware_subarch: cleared too */
	src = cvmm_ll_source_buffer(k->img, len);
	assert_int_equal(cvmm_mem_test_create(&r, 1, 0, &k->tm), 0);
	mem = cvmm_mem_test_iface(k->tm);
	check_ok(cvmm_ll_bzimage_load(&mem, &src, NULL, &k->r, &err), err);
	memset(&k->e820, 0, sizeof(k->e820));
	check_ok(cvmm_ll_e820_add(&k->e820, 0, 0x9fc00, 1, &err), err);
	check_ok(cvmm_ll_e820_add(&k->e820, 0x100000, 0x100000, 1, &err), err);
}

static void unload_kernel(struct kernel *k)
{
	cvmm_mem_test_destroy(k->tm);
	free(k->img);
}

static void test_zero_page(void **state)
{
	struct kernel k;
	struct cvmm_ll_zero_page zp;
	struct cvmm_ll_error err;
	struct cvmm_ll_boot_params_config cfg;
	uint8_t *b = zp.bytes;

	(void)state;
	load_kernel(&k, 0x01, 0x123456);
	cfg = (struct cvmm_ll_boot_params_config){&k.r,	  0x20000, 20, 0x180000,
						  0x1000, 0xe0000, 0,  &k.e820};
	memset(&zp, 0xee, sizeof(zp));
	check_ok(cvmm_ll_boot_params_build(&cfg, &zp, &err), err);
	assert_int_equal(get16(b + 0x1fe), 0xaa55);
	assert_memory_equal(b + 0x202, "HdrS", 4);
	assert_int_equal(get16(b + 0x206), 0x20f);
	assert_int_equal(b[CVMM_LL_ZP_TYPE_OF_LOADER], 0xff);
	assert_int_equal(b[CVMM_LL_ZP_LOADFLAGS], 0x01);
	assert_int_equal(get32(b + CVMM_LL_ZP_CODE32_START), SB_PREF);
	assert_int_equal(get32(b + CVMM_LL_ZP_CMD_LINE_PTR), 0x20000);
	assert_int_equal(get32(b + CVMM_LL_ZP_EXT_CMD_LINE_PTR), 0);
	assert_int_equal(get32(b + CVMM_LL_ZP_RAMDISK_IMAGE), 0x180000);
	assert_int_equal(get32(b + CVMM_LL_ZP_RAMDISK_SIZE), 0x1000);
	assert_int_equal(get64(b + CVMM_LL_ZP_ACPI_RSDP_ADDR), 0xe0000);
	assert_int_equal(get64(b + CVMM_LL_ZP_SETUP_DATA), 0);
	assert_int_equal(get32(b + CVMM_LL_ZP_HARDWARE_SUBARCH), 0);
	assert_int_equal(b[CVMM_LL_ZP_SENTINEL], 0);
	assert_int_equal(b[CVMM_LL_ZP_E820_ENTRIES], 2);
	assert_int_equal(get64(b + 0x2d0 + 20), 0x100000);
	assert_int_equal(get64(b + 0x2d0 + 28), 0x100000);
	assert_int_equal(get32(b + 0x2d0 + 36), 1);
	assert_int_equal(get64(b + 0x2d0 + 40), 0);
	assert_int_equal(get32(b + 0x238), SB_CMDLINE_SIZE);
	for (size_t i = 0x26c; i < 0x2d0; i++)
		assert_int_equal(b[i], 0);
	/* No command line, no initrd, another loader type. */
	cfg.cmdline_addr = 0;
	cfg.initrd_size = 0;
	cfg.type_of_loader = 0xe1;
	check_ok(cvmm_ll_boot_params_build(&cfg, &zp, &err), err);
	assert_int_equal(get32(b + CVMM_LL_ZP_CMD_LINE_PTR), 0);
	assert_int_equal(get32(b + CVMM_LL_ZP_RAMDISK_IMAGE), 0);
	assert_int_equal(get32(b + CVMM_LL_ZP_RAMDISK_SIZE), 0);
	assert_int_equal(b[CVMM_LL_ZP_TYPE_OF_LOADER], 0xe1);
	unload_kernel(&k);
}

static void test_zero_page_refused(void **state)
{
	struct kernel k;
	struct cvmm_ll_zero_page zp;
	struct cvmm_ll_error err;
	struct cvmm_ll_boot_params_config cfg;

	(void)state;
	load_kernel(&k, 0x01, 0);
	cfg = (struct cvmm_ll_boot_params_config){&k.r,	  0x20000, 20, 0x180000,
						  0x1000, 0,	   0,  &k.e820};
	cfg.kernel = NULL;
	check_err(cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -EINVAL,
		  "needs the loaded kernel and an e820 table");
	cfg.kernel = &k.r;
	cfg.e820 = NULL;
	check_err(cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -EINVAL,
		  "needs the loaded kernel");
	k.e820.entries[1].addr = 0;
	cfg.e820 = &k.e820;
	check_err(cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -EBADMSG,
		  "overlaps entry 0");
	k.e820.entries[1].addr = 0x100000;
	cfg.cmdline_len = SB_CMDLINE_SIZE + 1;
	check_err(cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -ENOSPC,
		  "the 256-byte command line exceeds the kernel's "
		  "cmdline_size=255");
	cfg.cmdline_len = SB_CMDLINE_SIZE;
	check_ok(cvmm_ll_boot_params_build(&cfg, &zp, &err), err);
	cfg.cmdline_addr = SB_PREF + SB_INIT_SIZE - 1;
	check_err(cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -EBADMSG,
		  "the command line [0x103fff, 0x1040ff) overlaps the kernel's "
		  "reserved range [0x100000, +0x4000)");
	cfg.cmdline_addr = SB_PREF - SB_CMDLINE_SIZE - 1;
	check_ok(cvmm_ll_boot_params_build(&cfg, &zp, &err), err);
	cfg.cmdline_addr = UINT64_MAX - 10;
	check_err(cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -EOVERFLOW,
		  "the command line at 0xfffffffffffffff5 + 256 bytes wraps");
	cfg.cmdline_addr = 0xffffff00;
	check_ok(cvmm_ll_boot_params_build(&cfg, &zp, &err), err);
	cfg.cmdline_addr = 0xffffff01;
	check_err(cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -ERANGE,
		  "the command line [0xffffff01, 0x100000001) reaches past "
		  "0xffffffff, and xloadflags=0x0001 lacks "
		  "XLF_CAN_BE_LOADED_ABOVE_4G");
	cfg.cmdline_addr = 0x20000;
	cfg.initrd_addr = 0x7ffff001;
	check_err(
	    cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -ERANGE,
	    "the initrd [0x7ffff001, 0x80000001) reaches past 0x7fffffff");
	cfg.initrd_addr = 0x7ffff000;
	check_ok(cvmm_ll_boot_params_build(&cfg, &zp, &err), err);
	cfg.initrd_addr = SB_PREF - 0x800;
	check_err(cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -EBADMSG,
		  "the initrd [0xff800, 0x100800) overlaps");
	cfg.initrd_addr = UINT64_MAX;
	check_err(cvmm_ll_boot_params_build(&cfg, &zp, &err), err, -EOVERFLOW,
		  "the initrd at 0xffffffffffffffff + 4096 bytes wraps");
	unload_kernel(&k);
}

/* With XLF_CAN_BE_LOADED_ABOVE_4G the ext_ fields carry the high halves. */
static void test_zero_page_above_4g(void **state)
{
	struct kernel k;
	struct cvmm_ll_zero_page zp;
	struct cvmm_ll_error err;
	struct cvmm_ll_boot_params_config cfg;
	uint8_t *b = zp.bytes;

	(void)state;
	load_kernel(&k, 0x03, 0);
	cfg = (struct cvmm_ll_boot_params_config){
	    &k.r,	 0x123456789, 10,   0x234567000,
	    0x100000000, 0x80000000,  0x42, &k.e820};
	check_ok(cvmm_ll_boot_params_build(&cfg, &zp, &err), err);
	assert_int_equal(get32(b + CVMM_LL_ZP_CMD_LINE_PTR), 0x23456789);
	assert_int_equal(get32(b + CVMM_LL_ZP_EXT_CMD_LINE_PTR), 1);
	assert_int_equal(get32(b + CVMM_LL_ZP_RAMDISK_IMAGE), 0x34567000);
	assert_int_equal(get32(b + CVMM_LL_ZP_EXT_RAMDISK_IMAGE), 2);
	assert_int_equal(get32(b + CVMM_LL_ZP_RAMDISK_SIZE), 0);
	assert_int_equal(get32(b + CVMM_LL_ZP_EXT_RAMDISK_SIZE), 1);
	assert_int_equal(b[CVMM_LL_ZP_TYPE_OF_LOADER], 0x42);
	unload_kernel(&k);
}

static void test_pvh(void **state)
{
	struct cvmm_ll_e820 t = {0};
	struct cvmm_ll_pvh_block blk;
	struct cvmm_ll_error err;
	struct cvmm_ll_pvh_config cfg = {0x6000, 0x20000, 0xe0000, 0x800000,
					 0x3000, 0x21000, &t};
	const uint8_t *b = blk.bytes, *m;

	(void)state;
	check_ok(cvmm_ll_e820_add(&t, 0, 0x9fc00, 1, &err), err);
	check_ok(cvmm_ll_e820_add(&t, 0x9fc00, 0x400, 2, &err), err);
	check_ok(cvmm_ll_e820_add(&t, 0x100000, 0x1000000, 1, &err), err);
	check_ok(cvmm_ll_pvh_build(&cfg, &blk, &err), err);
	assert_int_equal(blk.range.start.raw, 0x6000);
	assert_int_equal(blk.range.size, 56 + 32 + 3 * 24);
	assert_int_equal(get32(b), CVMM_LL_PVH_MAGIC);
	assert_int_equal(get32(b + 4), 1);
	assert_int_equal(get32(b + 8), 0);
	assert_int_equal(get32(b + 12), 1);
	assert_int_equal(get64(b + 16), 0x6000 + 56);
	assert_int_equal(get64(b + 24), 0x20000);
	assert_int_equal(get64(b + 32), 0xe0000);
	assert_int_equal(get64(b + 40), 0x6000 + 56 + 32);
	assert_int_equal(get32(b + 48), 3);
	assert_int_equal(get32(b + 52), 0);
	m = b + 56;
	assert_int_equal(get64(m), 0x800000);
	assert_int_equal(get64(m + 8), 0x3000);
	assert_int_equal(get64(m + 16), 0x21000);
	assert_int_equal(get64(m + 24), 0);
	m = b + 88 + 24;
	assert_int_equal(get64(m), 0x9fc00);
	assert_int_equal(get64(m + 8), 0x400);
	assert_int_equal(get32(m + 16), 2);
	assert_int_equal(get32(m + 20), 0);
	/* No initrd: no module, the map right after the start info. */
	cfg.initrd_size = 0;
	check_ok(cvmm_ll_pvh_build(&cfg, &blk, &err), err);
	assert_int_equal(get32(b + 12), 0);
	assert_int_equal(get64(b + 16), 0);
	assert_int_equal(get64(b + 40), 0x6000 + 56);
	assert_int_equal(blk.range.size, 56 + 3 * 24);
	/* Refused. */
	cfg.addr = 0x6004;
	check_err(cvmm_ll_pvh_build(&cfg, &blk, &err), err, -EINVAL,
		  "hvm_start_info address 0x6004 is not 8-byte aligned");
	cfg.addr = 0x100000000 - 56 - 3 * 24;
	check_ok(cvmm_ll_pvh_build(&cfg, &blk, &err), err);
	cfg.addr += 8;
	check_err(cvmm_ll_pvh_build(&cfg, &blk, &err), err, -ERANGE,
		  "the 128-byte PVH block at 0xffffff88 must end at or below "
		  "4 GiB");
	cfg.addr = 0x6000;
	cfg.initrd_size = 0x3000;
	cfg.initrd_addr = 0x5000;
	check_err(cvmm_ll_pvh_build(&cfg, &blk, &err), err, -EBADMSG,
		  "the initrd [0x5000, 0x8000) overlaps the PVH block");
	cfg.initrd_addr = UINT64_MAX - 0x10;
	check_err(cvmm_ll_pvh_build(&cfg, &blk, &err), err, -EOVERFLOW,
		  "wraps past 2^64");
	cfg.memmap = NULL;
	check_err(cvmm_ll_pvh_build(&cfg, &blk, &err), err, -EINVAL,
		  "needs a memory map");
	t.count = 0;
	cfg.memmap = &t;
	check_err(cvmm_ll_pvh_build(&cfg, &blk, &err), err, -ENODATA, "empty");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_e820_add),
	    cmocka_unit_test(test_e820_validate),
	    cmocka_unit_test(test_initrd_place),
	    cmocka_unit_test(test_initrd_load),
	    cmocka_unit_test(test_initrd_load_large),
	    cmocka_unit_test(test_zero_page),
	    cmocka_unit_test(test_zero_page_refused),
	    cmocka_unit_test(test_zero_page_above_4g),
	    cmocka_unit_test(test_pvh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
