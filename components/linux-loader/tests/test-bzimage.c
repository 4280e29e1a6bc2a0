/* SPDX-License-Identifier: Apache-2.0 */
/* bzImage parsing and loading on synthetic images. */
#include <cvmm/ll-bzimage.h>
#include <cvmm/mem-test.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "expect.h"
#include "helpers.h"
#include "synth.h"

static uint8_t *img;
static size_t img_len;

static int setup(void **state)
{
	(void)state;
	img = synth_bzimage(NULL, 0, &img_len);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(img);
	return 0;
}

static int parse(uint32_t flags, struct cvmm_ll_bzimage *b,
		 struct cvmm_ll_error *err)
{
	struct cvmm_ll_source src = cvmm_ll_source_buffer(img, img_len);

	return cvmm_ll_bzimage_parse(&src, flags, b, err);
}

/*
 * Run body with the field at off set to v, then restore it. The saved
 * value's name is unique per use, so the macros nest.
 */
#define CAT_(a, b) a##b
#define CAT(a, b)  CAT_(a, b)
#define WITH_(type, get, set, off, v, body, name)                              \
	do {                                                                   \
		type name = get(img + (off));                                  \
		set(img + (off), (v));                                         \
		body;                                                          \
		set(img + (off), name);                                        \
	} while (0)
#define get8(p)	   (*(p))
#define set8(p, v) (*(p) = (uint8_t)(v))
#define WITH8(off, v, body)                                                    \
	WITH_(uint8_t, get8, set8, off, v, body, CAT(save_, __COUNTER__))
#define WITH16(off, v, body)                                                   \
	WITH_(uint16_t, get16, set16, off, v, body, CAT(save_, __COUNTER__))
#define WITH32(off, v, body)                                                   \
	WITH_(uint32_t, get32, set32, off, v, body, CAT(save_, __COUNTER__))
#define WITH64(off, v, body)                                                   \
	WITH_(uint64_t, get64, set64, off, v, body, CAT(save_, __COUNTER__))

static void test_parse_valid(void **state)
{
	struct cvmm_ll_bzimage b;
	struct cvmm_ll_error err;

	(void)state;
	check_ok(parse(CVMM_LL_BZ_REQUIRE_64BIT, &b, &err), err);
	assert_int_equal(b.hdr.version, 0x20f);
	assert_int_equal(b.setup_size, SB_SETUP_SIZE);
	assert_int_equal(b.kernel_size, SB_KERNEL_SIZE);
	assert_int_equal(b.kernel_file_offset, SB_SETUP_SIZE);
	assert_int_equal(b.file_size, img_len);
	assert_int_equal(b.payload_file_offset, SB_SETUP_SIZE + SB_PAYLOAD_OFF);
	assert_int_equal(b.payload_size, SB_PAYLOAD_LEN);
	assert_int_equal(b.setup_type_max, 0x80000009);
	assert_int_equal(b.raw_len, 0x26c - 0x1f1);
	assert_memory_equal(b.raw, img + 0x1f1, b.raw_len);
	assert_true(b.relocatable);
	assert_true(b.has_64bit_entry);
	assert_true(b.can_load_above_4g);
	assert_int_equal(b.default_load_addr, SB_PREF);
	assert_int_equal(b.hdr.vid_mode, 0xffff);
	assert_int_equal(b.hdr.cmdline_size, SB_CMDLINE_SIZE);
	assert_int_equal(b.hdr.kernel_info_offset, SB_KINFO_OFF);
	/* NULL err is allowed. */
	assert_int_equal(parse(0, &b, NULL), 0);
	WITH16(0x1fe, 0, assert_int_equal(parse(0, &b, NULL), -ENOEXEC));
}

static void test_parse_magic(void **state)
{
	struct cvmm_ll_bzimage b;
	struct cvmm_ll_error err;
	struct cvmm_ll_source src = cvmm_ll_source_buffer(img, 1023);

	(void)state;
	check_err(cvmm_ll_bzimage_parse(&src, 0, &b, &err), err, -ENOEXEC,
		  "the file is 1023 bytes, too short");
	WITH16(0x1fe, 0x1234,
	       check_err(parse(0, &b, &err), err, -ENOEXEC,
			 "boot_flag=0x1234 at 0x1fe, expected 0xaa55"));
	WITH32(0x202, 0x12345678,
	       check_err(parse(0, &b, &err), err, -ENOEXEC,
			 "header=0x12345678 at 0x202"));
	WITH8(0x200, 0xe9,
	      check_err(parse(0, &b, &err), err, -ENOEXEC,
			"jump=0x6ae9 at 0x200 is not a short jmp"));
}

static void test_parse_version(void **state)
{
	struct cvmm_ll_bzimage b;
	struct cvmm_ll_error err;

	(void)state;
	WITH16(0x206, 0x205,
	       check_err(parse(0, &b, &err), err, -EPROTONOSUPPORT,
			 "version=0x0205: boot protocol 2.05 is older than "
			 "2.06"));
	WITH16(0x206, 0x210,
	       check_err(parse(0, &b, &err), err, -EPROTONOSUPPORT,
			 "boot protocol 2.16 is newer than 2.15"));
	WITH16(0x206, 0x210,
	       check_ok(parse(CVMM_LL_BZ_ALLOW_NEWER, &b, &err), err));
	WITH16(0x206, 0x300,
	       check_ok(parse(CVMM_LL_BZ_ALLOW_NEWER, &b, &err), err));
	/* The jump must reach as far as the version defines. */
	WITH8(0x201, 0x69,
	      check_err(parse(0, &b, &err), err, -EBADMSG,
			"ends the setup header at 0x26b, short of the 0x26c "
			"bytes protocol 2.15 defines"));
	WITH8(0x201, 0xff, check_ok(parse(0, &b, &err), err));
	WITH8(0x201, 0xff,
	      assert_int_equal(b.raw_len, CVMM_LL_SETUP_HEADER_MAX));
	/* 2.06: no payload, no pref_address, no init_size, no kernel_info. */
	WITH16(0x206, 0x206, WITH8(0x201, 0x3a, {
		       check_ok(parse(0, &b, &err), err);
		       assert_int_equal(b.raw_len, 0x23c - 0x1f1);
		       assert_int_equal(b.payload_size, 0);
		       assert_int_equal(b.hdr.payload_offset, 0);
		       assert_int_equal(b.hdr.pref_address, 0);
		       assert_int_equal(b.hdr.init_size, 0);
		       assert_int_equal(b.hdr.min_alignment, 0);
		       assert_int_equal(b.hdr.xloadflags, 0);
		       assert_int_equal(b.default_load_addr, 0x100000);
		       assert_false(b.has_64bit_entry);
	       }));
	WITH16(0x206, 0x206, WITH8(0x201, 0x39, {
		       check_err(parse(0, &b, &err), err, -EBADMSG,
				 "short of the 0x23c bytes protocol 2.06");
	       }));
	/* 2.10 to 2.14: everything but kernel_info. */
	WITH16(0x206, 0x20c, WITH32(0x268, 0xffffffff, {
		       check_ok(parse(0, &b, &err), err);
		       assert_int_equal(b.setup_type_max, 0);
		       assert_int_equal(b.hdr.kernel_info_offset, 0);
	       }));
}

static void test_parse_layout(void **state)
{
	struct cvmm_ll_bzimage b;
	struct cvmm_ll_error err;
	char msg[128];

	(void)state;
	WITH8(0x211, 0x00,
	      check_err(parse(0, &b, &err), err, -EPROTONOSUPPORT,
			"loadflags=0x00 lacks LOADED_HIGH"));
	snprintf(msg, sizeof(msg),
		 "setup_sects=200 puts the end of setup at 102912, beyond the "
		 "%zu-byte file",
		 img_len);
	WITH8(0x1f1, 200, check_err(parse(0, &b, &err), err, -ERANGE, msg));
	/* 0 means 4: one more sector than the image has, so the kernel
	 * would end 512 bytes later, past the 64 trailing bytes. */
	WITH8(0x1f1, 0,
	      check_err(parse(0, &b, &err), err, -ERANGE, "syssize=768"));
	WITH32(0x1f4, 0,
	       check_err(parse(0, &b, &err), err, -EBADMSG, "syssize=0"));
	snprintf(msg, sizeof(msg),
		 "syssize=772 (12352 bytes) from offset 2048 ends at 14400, "
		 "beyond the %zu-byte file",
		 img_len - 1);
	{
		struct cvmm_ll_source src = cvmm_ll_source_buffer(img, img_len);
		/* Exactly the file's end is fine, one byte short is not. */
		WITH32(0x1f4, 772, {
			check_ok(cvmm_ll_bzimage_parse(&src, 0, &b, &err), err);
			src.size = img_len - 1;
			WITH32(
			    0x1f4, 772,
			    check_err(cvmm_ll_bzimage_parse(&src, 0, &b, &err),
				      err, -ERANGE, msg));
		});
		(void)src;
	}
	WITH8(0x234, 2,
	      check_err(parse(0, &b, &err), err, -EBADMSG,
			"relocatable_kernel=2, expected 0 or 1"));
	WITH32(0x230, 0x3000,
	       check_err(parse(0, &b, &err), err, -EBADMSG,
			 "kernel_alignment=0x3000 is not a power of two"));
	WITH32(0x230, 0,
	       check_err(parse(0, &b, &err), err, -EBADMSG,
			 "kernel_alignment=0x0"));
	WITH8(0x234, 0,
	      WITH32(0x230, 0x3000, check_ok(parse(0, &b, &err), err)));
	WITH8(0x235, 13,
	      check_err(parse(0, &b, &err), err, -EBADMSG,
			"min_alignment=13 (2^13) exceeds kernel_alignment="
			"0x1000"));
	WITH8(0x235, 32,
	      check_err(parse(0, &b, &err), err, -EBADMSG, "min_alignment=32"));
	WITH8(0x235, 12, check_ok(parse(0, &b, &err), err));
}

static void test_parse_xloadflags(void **state)
{
	struct cvmm_ll_bzimage b;
	struct cvmm_ll_error err;

	(void)state;
	WITH16(0x236, 0x02,
	       check_err(parse(CVMM_LL_BZ_REQUIRE_64BIT, &b, &err), err,
			 -EPROTONOSUPPORT,
			 "xloadflags=0x0002 lacks XLF_KERNEL_64"));
	WITH16(0x236, 0x02, {
		check_ok(parse(0, &b, &err), err);
		assert_false(b.has_64bit_entry);
		assert_true(b.can_load_above_4g);
	});
	WITH16(0x206, 0x20b,
	       check_err(parse(CVMM_LL_BZ_REQUIRE_64BIT, &b, &err), err,
			 -EPROTONOSUPPORT,
			 "protocol 2.11 predates xloadflags (2.12)"));
	/* A 64-bit entry needs a kernel longer than 0x200 bytes. */
	WITH32(
	    0x1f4, 0x20,
	    WITH32(
		0x24c, 0x10,
		WITH32(
		    0x248, 0,
		    check_err(
			parse(0, &b, &err), err, -EBADMSG,
			"the 512-byte protected-mode kernel is too short"))));
	WITH32(0x238, 0,
	       check_err(parse(0, &b, &err), err, -EBADMSG, "cmdline_size=0"));
}

static void test_parse_payload_init(void **state)
{
	struct cvmm_ll_bzimage b;
	struct cvmm_ll_error err;

	(void)state;
	WITH32(
	    0x24c, 0,
	    check_err(parse(0, &b, &err), err, -EBADMSG, "payload_length=0"));
	WITH32(0x24c, SB_KERNEL_SIZE - SB_PAYLOAD_OFF + 1,
	       check_err(parse(0, &b, &err), err, -ERANGE,
			 "payload_offset=0x400 + payload_length=11265 ends at "
			 "12289, beyond the 12288-byte protected-mode kernel "
			 "(syssize=768)"));
	WITH32(0x24c, SB_KERNEL_SIZE - SB_PAYLOAD_OFF,
	       check_ok(parse(0, &b, &err), err));
	WITH32(0x248, 0xffffffff,
	       check_err(parse(0, &b, &err), err, -ERANGE, "payload_offset"));
	WITH32(0x260, SB_KERNEL_SIZE - 1,
	       check_err(parse(0, &b, &err), err, -EBADMSG,
			 "init_size=0x2fff is smaller than the 0x3000-byte"));
	WITH32(0x260, SB_KERNEL_SIZE, check_ok(parse(0, &b, &err), err));
	WITH64(0x258, 0xfffff,
	       check_err(parse(0, &b, &err), err, -EBADMSG,
			 "pref_address=0xfffff is below 1 MiB"));
	WITH64(0x258, UINT64_MAX - 0x1000,
	       check_err(parse(0, &b, &err), err, -EOVERFLOW,
			 "+ init_size=0x4000 wraps"));
}

static void test_parse_kernel_info(void **state)
{
	const size_t ki = SB_SETUP_SIZE + SB_KINFO_OFF;
	struct cvmm_ll_bzimage b;
	struct cvmm_ll_error err;

	(void)state;
	WITH32(0x268, SB_KERNEL_SIZE - 15,
	       check_err(parse(0, &b, &err), err, -ERANGE,
			 "kernel_info_offset=0x2ff1 + its 16-byte header"));
	WITH32(0x268, SB_KERNEL_SIZE - 16,
	       check_err(parse(0, &b, &err), err, -EBADMSG, "has magic"));
	WITH32(ki, 0x11223344,
	       check_err(parse(0, &b, &err), err, -EBADMSG,
			 "has magic 0x11223344, expected 0x506f544c"));
	WITH32(ki + 4, 15,
	       check_err(parse(0, &b, &err), err, -EBADMSG,
			 "kernel_info size=15 size_total=16"));
	WITH32(ki + 8, 15,
	       check_err(parse(0, &b, &err), err, -EBADMSG,
			 "size=16 size_total=15"));
	WITH32(ki + 8, SB_KERNEL_SIZE - SB_KINFO_OFF + 1,
	       check_err(parse(0, &b, &err), err, -ERANGE,
			 "size_total=11777 ends beyond"));
	WITH32(ki + 8, SB_KERNEL_SIZE - SB_KINFO_OFF,
	       check_ok(parse(0, &b, &err), err));
}

static void test_parse_read_errors(void **state)
{
	struct cvmm_ll_source buf = cvmm_ll_source_buffer(img, img_len);
	struct failing_source fs;
	struct cvmm_ll_source src = failing_source(&fs, buf, 1, -EIO);
	struct cvmm_ll_bzimage b;
	struct cvmm_ll_error err;

	(void)state;
	check_err(cvmm_ll_bzimage_parse(&src, 0, &b, &err), err, -EIO,
		  "reading the setup header");
	src = failing_source(&fs, buf, 2, -EIO);
	check_err(cvmm_ll_bzimage_parse(&src, 0, &b, &err), err, -EIO,
		  "reading kernel_info");
	/* A source returning a positive value is a short read. */
	src = failing_source(&fs, buf, 1, 7);
	check_err(cvmm_ll_bzimage_parse(&src, 0, &b, &err), err, -EIO,
		  "reading the setup header");
}

/* Guest memory: [0, 0x200000) RAM plus a read-only page, granule g. */
static struct cvmm_mem_test *memory(uint64_t granule, struct cvmm_mem *mem)
{
	const struct cvmm_mem_range r[] = {
	    {cvmm_mem_gpa_from(0), 0x200000, 0},
	    {cvmm_mem_gpa_from(0x300000), 0x4000, CVMM_MEM_REGION_READONLY},
	    {cvmm_mem_gpa_from(0x100000000), 0x10000, 0},
	};
	struct cvmm_mem_test *tm;

	assert_int_equal(cvmm_mem_test_create(r, 3, granule, &tm), 0);
	*mem = cvmm_mem_test_iface(tm);
	return tm;
}

static void check_loaded(const struct cvmm_mem *mem, uint64_t at)
{
	uint8_t *buf = malloc(SB_KERNEL_SIZE);

	assert_non_null(buf);
	assert_int_equal(
	    cvmm_mem_read(mem, cvmm_mem_gpa_from(at), buf, SB_KERNEL_SIZE), 0);
	assert_memory_equal(buf, img + SB_SETUP_SIZE, SB_KERNEL_SIZE);
	free(buf);
}

static void test_load_default(void **state)
{
	struct cvmm_ll_source src = cvmm_ll_source_buffer(img, img_len);
	struct cvmm_ll_bzimage_result r;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;
	const uint64_t granules[] = {0, 1, 4096, 0x1001};

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		struct cvmm_mem_test *tm = memory(granules[i], &mem);

		check_ok(cvmm_ll_bzimage_load(&mem, &src, NULL, &r, &err), err);
		assert_int_equal(r.load.start.raw, SB_PREF);
		assert_int_equal(r.load.size, SB_KERNEL_SIZE);
		assert_int_equal(r.entry.raw, SB_PREF + 0x200);
		assert_int_equal(r.entry64.raw, SB_PREF + 0x200);
		assert_int_equal(r.entry32.raw, SB_PREF);
		assert_int_equal(r.runtime_start.raw, SB_PREF);
		assert_int_equal(r.init_size, SB_INIT_SIZE);
		assert_int_equal(r.reserved.start.raw, SB_PREF);
		assert_int_equal(r.reserved.size, SB_INIT_SIZE);
		assert_int_equal(r.image.kernel_size, SB_KERNEL_SIZE);
		check_loaded(&mem, SB_PREF);
		cvmm_mem_test_destroy(tm);
	}
}

static void test_load_addresses(void **state)
{
	struct cvmm_ll_source src = cvmm_ll_source_buffer(img, img_len);
	struct cvmm_ll_bzimage_opts o = {CVMM_LL_BZ_LOAD_ADDR, 0x180000};
	struct cvmm_ll_bzimage_result r;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;
	struct cvmm_mem_test *tm = memory(0, &mem);

	(void)state;
	/* Above pref_address: runs where loaded. */
	check_ok(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err);
	assert_int_equal(r.load.start.raw, 0x180000);
	assert_int_equal(r.runtime_start.raw, 0x180000);
	assert_int_equal(r.entry.raw, 0x180200);
	check_loaded(&mem, 0x180000);
	/* Below pref_address: relocates itself up to it. */
	o.load_addr = 0x80000;
	check_ok(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err);
	assert_int_equal(r.runtime_start.raw, SB_PREF);
	assert_int_equal(r.reserved.start.raw, 0x80000);
	assert_int_equal(r.reserved.size, SB_PREF + SB_INIT_SIZE - 0x80000);
	/* Runtime start is aligned up to kernel_alignment. */
	WITH8(0x235, 9, WITH32(0x230, 0x10000, {
		      o.load_addr = 0x180200;
		      check_ok(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err),
			       err);
		      assert_int_equal(r.runtime_start.raw, 0x190000);
		      assert_int_equal(r.reserved.start.raw, 0x180200);
		      assert_int_equal(r.reserved.size,
				       0x190000 + SB_INIT_SIZE - 0x180200);
	      }));
	o.load_addr = 0x180800;
	check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err, -EINVAL,
		  "load address 0x180800 is not a multiple of the kernel's "
		  "alignment 0x1000");
	/* Before 2.10 the alignment is kernel_alignment. */
	WITH16(0x206, 0x209, WITH32(0x230, 0x10000, {
		       o.load_addr = 0x181000;
		       check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err),
				 err, -EINVAL, "alignment 0x10000");
		       o.load_addr = 0x110000;
		       check_ok(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err),
				err);
		       assert_int_equal(r.runtime_start.raw, 0x110000);
		       assert_int_equal(r.init_size, SB_KERNEL_SIZE);
	       }));
	/* A non-relocatable kernel loads only at pref_address. */
	WITH8(0x234, 0, {
		o.load_addr = 0x180000;
		check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err,
			  -EINVAL,
			  "relocatable_kernel=0: the kernel must load at "
			  "0x100000, not 0x180000");
		o.load_addr = SB_PREF;
		check_ok(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err);
		assert_int_equal(r.runtime_start.raw, SB_PREF);
		check_ok(cvmm_ll_bzimage_load(&mem, &src, NULL, &r, &err), err);
	});
	/* Old protocol, not relocatable: 1 MiB. */
	WITH16(0x206, 0x206, WITH8(0x234, 0, {
		       check_ok(
			   cvmm_ll_bzimage_load(&mem, &src, NULL, &r, &err),
			   err);
		       assert_int_equal(r.load.start.raw, 0x100000);
		       assert_int_equal(r.entry.raw, 0x100000);
		       assert_int_equal(r.entry64.raw, 0);
	       }));
	cvmm_mem_test_destroy(tm);
}

/*
 * Found by fuzz/bzimage.c: with CVMM_LL_BZ_LOAD_ADDR, a non-relocatable
 * kernel's min_alignment (validated only for relocatable kernels) was used
 * as a shift count, undefined behaviour from 64 up (UBSan: "shift exponent
 * 252 is too large"). It must play no part: the kernel loads at its
 * address, and only there.
 */
static void test_load_addr_fixed_kernel_min_alignment_shift(void **state)
{
	struct cvmm_ll_source src = cvmm_ll_source_buffer(img, img_len);
	struct cvmm_ll_bzimage_opts o = {CVMM_LL_BZ_LOAD_ADDR, SB_PREF};
	struct cvmm_ll_bzimage_result r;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;
	struct cvmm_mem_test *tm = memory(0, &mem);
	const uint8_t counts[] = {32, 63, 64, 0xfc, 0xff};

	(void)state;
	for (size_t i = 0; i < sizeof(counts); i++) {
		WITH8(0x234, 0, WITH8(0x235, counts[i], {
			      o.load_addr = SB_PREF;
			      check_ok(cvmm_ll_bzimage_load(&mem, &src, &o, &r,
							    &err),
				       err);
			      assert_int_equal(r.load.start.raw, SB_PREF);
			      o.load_addr = SB_PREF + 0x1000;
			      check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r,
							     &err),
					err, -EINVAL,
					"relocatable_kernel=0: the kernel must "
					"load at 0x100000");
		      }));
	}
	/* Relocatable, it is still refused as before. */
	WITH8(0x235, 0xfc, {
		check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err,
			  -EBADMSG, "min_alignment=252");
	});
	cvmm_mem_test_destroy(tm);
}

static void test_load_ranges(void **state)
{
	struct cvmm_ll_source src = cvmm_ll_source_buffer(img, img_len);
	struct cvmm_ll_bzimage_opts o = {CVMM_LL_BZ_LOAD_ADDR, 0};
	struct cvmm_ll_bzimage_result r;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;
	struct cvmm_mem_test *tm = memory(0, &mem);

	(void)state;
	o.load_addr = 0xfffffffffffff000;
	check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err,
		  -EOVERFLOW, "+ the 0x3000-byte kernel wraps");
	o.load_addr = 0xffffffffffff0000;
	WITH32(0x230, 0x80000000,
	       check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err,
			 -EOVERFLOW, "aligning the runtime start"));
	o.load_addr = 0xffffffffffffc000;
	check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err,
		  -EOVERFLOW, "+ init_size=0x4000 wraps");
	/* Above 4 GiB: only with XLF_CAN_BE_LOADED_ABOVE_4G. */
	o.load_addr = 0x100000000;
	check_ok(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err);
	check_loaded(&mem, 0x100000000);
	WITH16(0x236, 0x01,
	       check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err,
			 -ERANGE,
			 "up to 0x100004000, above 4 GiB, but "
			 "xloadflags=0x0001 lacks XLF_CAN_BE_LOADED_ABOVE_4G"));
	o.load_addr = 0xfffff000;
	WITH16(0x236, 0x01,
	       check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err,
			 -ERANGE, "above 4 GiB"));
	/* Not memory, read-only, and an init range that is not memory. */
	o.load_addr = 0x200000;
	check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err, -EFAULT,
		  "the protected-mode kernel [0x200000, +0x3000) is not "
		  "writable guest memory");
	o.load_addr = 0x300000;
	check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err, -EACCES,
		  "is not writable guest memory");
	o.load_addr = 0x1fd000;
	check_err(cvmm_ll_bzimage_load(&mem, &src, &o, &r, &err), err, -EFAULT,
		  "init_size=0x4000 from the runtime start [0x1fd000, "
		  "+0x4000) is not writable");
	cvmm_mem_test_destroy(tm);
}

/*
 * Every failure: a read of the image or an access to guest memory. The
 * observer proves nothing is ever written outside the load range, and that
 * failed validation writes nothing at all.
 */
static void test_load_failures_write_nothing_outside(void **state)
{
	struct cvmm_ll_source buf = cvmm_ll_source_buffer(img, img_len);
	struct cvmm_ll_bzimage_result r;
	struct failing_source fs;
	struct cvmm_ll_source src;
	struct cvmm_ll_error err;
	const uint64_t granules[] = {1, 0x801};
	struct cvmm_mem mem;
	struct watch w;

	(void)state;
	for (size_t g = 0; g < 2; g++) {
		struct cvmm_mem_test *tm = memory(granules[g], &mem);

		watch_start(&w, tm);
		watch_allow(&w, SB_PREF, SB_KERNEL_SIZE);
		for (uint64_t nth = 1;; nth++) {
			int rc;

			assert_int_equal(cvmm_mem_test_fail_nth(tm, nth, -EIO),
					 0);
			rc = cvmm_ll_bzimage_load(&mem, &buf, NULL, &r, &err);
			if (!cvmm_mem_test_failure_fired(tm)) {
				assert_int_equal(rc, 0);
				break;
			}
			assert_int_equal(rc, -EIO);
			assert_int_equal(err.code, -EIO);
		}
		assert_int_equal(cvmm_mem_test_fail_nth(tm, 0, -EIO), 0);
		/* Source failures after validation: the copy. */
		for (uint64_t nth = 3; nth < 4; nth++) {
			src = failing_source(&fs, buf, nth, -EIO);
			check_err(
			    cvmm_ll_bzimage_load(&mem, &src, NULL, &r, &err),
			    err, -EIO, "copying the protected-mode kernel");
		}
		assert_true(w.writes > 0);
		assert_int_equal(w.strays, 0);
		/* Malformed: nothing written at all. */
		watch_start(&w, tm);
		WITH32(0x260, 1,
		       assert_int_equal(
			   cvmm_ll_bzimage_load(&mem, &buf, NULL, &r, &err),
			   -EBADMSG));
		assert_int_equal(w.writes, 0);
		cvmm_mem_test_destroy(tm);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_parse_valid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_magic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_version, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_parse_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_xloadflags, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_parse_payload_init, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_parse_kernel_info, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_parse_read_errors, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_load_default, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_addresses, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_load_addr_fixed_kernel_min_alignment_shift, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_load_ranges, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_load_failures_write_nothing_outside, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
