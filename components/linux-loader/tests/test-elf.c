/* SPDX-License-Identifier: Apache-2.0 */
/* ELF64 loading and the PVH note, on synthetic images. */
#include <cvmm/ll-elf.h>
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

static uint8_t *elf;
static struct cvmm_mem_test *tm;
static struct cvmm_mem mem;

/* RAM [0x100000, 0x110000) plus a read-only page at 0x200000. */
static void make_memory(uint64_t granule)
{
	const struct cvmm_mem_range r[] = {
	    {cvmm_mem_gpa_from(0x100000), 0x10000, 0},
	    {cvmm_mem_gpa_from(0x200000), 0x1000, CVMM_MEM_REGION_READONLY},
	};

	cvmm_mem_test_destroy(tm);
	assert_int_equal(cvmm_mem_test_create(r, 2, granule, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
}

static int setup(void **state)
{
	(void)state;
	elf = synth_elf();
	tm = NULL;
	make_memory(0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(elf);
	cvmm_mem_test_destroy(tm);
	tm = NULL;
	return 0;
}

static int load(uint32_t flags, struct cvmm_ll_elf_result *r,
		struct cvmm_ll_error *err)
{
	struct cvmm_ll_source src = cvmm_ll_source_buffer(elf, SE_SIZE);

	return cvmm_ll_elf_load(&mem, &src, flags, r, err);
}

static void check_memory(void)
{
	uint8_t buf[0x1000];

	assert_int_equal(
	    cvmm_mem_read(&mem, cvmm_mem_gpa_from(0x100000), buf, 0x1000), 0);
	assert_memory_equal(buf, elf + 0x1000, 0x800);
	for (size_t i = 0x800; i < 0x1000; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(
	    cvmm_mem_read(&mem, cvmm_mem_gpa_from(0x102000), buf, 0x400), 0);
	assert_memory_equal(buf, elf + 0x2000, 0x400);
}

static void test_load_valid(void **state)
{
	const uint64_t granules[] = {0, 1, 0x300, 4096};
	struct cvmm_ll_elf_result r;
	struct cvmm_ll_error err;

	(void)state;
	for (size_t g = 0; g < 4; g++) {
		uint8_t junk[0x1000];

		make_memory(granules[g]);
		memset(junk, 0xaa, sizeof(junk));
		assert_int_equal(cvmm_mem_write(&mem,
						cvmm_mem_gpa_from(0x100000),
						junk, sizeof(junk)),
				 0);
		check_ok(load(CVMM_LL_ELF_REQUIRE_PVH, &r, &err), err);
		assert_int_equal(r.entry.raw, SE_ENTRY);
		assert_true(r.has_pvh_entry);
		assert_int_equal(r.pvh_entry.raw, SE_PVH);
		assert_int_equal(r.segment_count, 2);
		assert_int_equal(r.segments[0].paddr, 0x100000);
		assert_int_equal(r.segments[0].offset, 0x1000);
		assert_int_equal(r.segments[0].filesz, 0x800);
		assert_int_equal(r.segments[0].memsz, 0x1000);
		assert_int_equal(r.segments[0].flags, 5);
		assert_int_equal(r.segments[1].paddr, 0x102000);
		assert_int_equal(r.load.start.raw, 0x100000);
		assert_int_equal(r.load.size, 0x2400);
		check_memory();
	}
	assert_int_equal(load(0, &r, NULL), 0);
}

static void test_ehdr(void **state)
{
	struct cvmm_ll_elf_result r;
	struct cvmm_ll_error err;
	struct cvmm_ll_source src = cvmm_ll_source_buffer(elf, 63);

	(void)state;
	check_err(cvmm_ll_elf_load(&mem, &src, 0, &r, &err), err, -ENOEXEC,
		  "the file is 63 bytes, shorter than the 64-byte ELF header");
	elf[3] = 'G';
	check_err(load(0, &r, &err), err, -ENOEXEC,
		  "e_ident starts 7f 45 4c 47, not the ELF magic");
	elf[3] = 'F';
	elf[4] = 1;
	check_err(load(0, &r, &err), err, -ENOEXEC, "EI_CLASS=1");
	elf[4] = 2;
	elf[5] = 2;
	check_err(load(0, &r, &err), err, -ENOEXEC, "EI_DATA=2");
	elf[5] = 1;
	elf[6] = 0;
	check_err(load(0, &r, &err), err, -ENOEXEC, "EI_VERSION=0");
	elf[6] = 1;
	set16(elf + 0x10, 3);
	check_err(load(0, &r, &err), err, -ENOEXEC, "e_type=3: not ET_EXEC");
	set16(elf + 0x10, 2);
	set16(elf + 0x12, 3);
	check_err(load(0, &r, &err), err, -ENOEXEC, "e_machine=3");
	set16(elf + 0x12, 62);
	set32(elf + 0x14, 2);
	check_err(load(0, &r, &err), err, -ENOEXEC, "e_version=2");
	set32(elf + 0x14, 1);
	set16(elf + 0x34, 52);
	check_err(load(0, &r, &err), err, -EBADMSG, "e_ehsize=52");
	set16(elf + 0x34, 64);
	set16(elf + 0x36, 32);
	check_err(load(0, &r, &err), err, -EBADMSG, "e_phentsize=32");
	set16(elf + 0x36, 56);
	set16(elf + 0x38, 0);
	check_err(load(0, &r, &err), err, -EBADMSG, "e_phnum=0");
	set16(elf + 0x38, 65);
	check_err(load(0, &r, &err), err, -E2BIG,
		  "e_phnum=65: more than the 64 program headers");
	set16(elf + 0x38, 0xffff);
	check_err(load(0, &r, &err), err, -E2BIG, "e_phnum=65535");
	set16(elf + 0x38, SE_PHNUM);
	set64(elf + 0x20, UINT64_MAX - 100);
	check_err(load(0, &r, &err), err, -EOVERFLOW,
		  "+ 4 program headers wraps");
	set64(elf + 0x20, SE_SIZE - 4 * 56 + 1);
	check_err(load(0, &r, &err), err, -ERANGE,
		  "(4 x 56 bytes) end at 12289, beyond the 12288-byte file");
	set64(elf + 0x20, SE_SIZE - 4 * 56);
	check_err(load(0, &r, &err), err, -ENOEXEC, "no PT_LOAD");
	set64(elf + 0x20, SE_PHOFF);
	check_ok(load(0, &r, &err), err);
}

static void test_segments(void **state)
{
	struct cvmm_ll_elf_result r;
	struct cvmm_ll_error err;
	uint8_t *p0 = elf + SE_PH(0), *p2 = elf + SE_PH(2);

	(void)state;
	set64(p0 + SE_P_OFFSET, UINT64_MAX - 0x10);
	check_err(load(0, &r, &err), err, -EOVERFLOW,
		  "segment 0 (PT_LOAD): p_offset=0xffffffffffffffef + "
		  "p_filesz=0x800 wraps");
	set64(p0 + SE_P_OFFSET, SE_SIZE - 0x7ff);
	check_err(load(0, &r, &err), err, -ERANGE,
		  "segment 0 (PT_LOAD): p_offset=0x2801 + p_filesz=0x800 ends "
		  "at 12289, beyond the 12288-byte file");
	set64(p0 + SE_P_OFFSET, 0x1000);
	set64(p0 + SE_P_FILESZ, 0x1001);
	check_err(
	    load(0, &r, &err), err, -EBADMSG,
	    "segment 0 (PT_LOAD): p_filesz=0x1001 exceeds p_memsz=0x1000");
	set64(p0 + SE_P_FILESZ, 0x800);
	set64(p0 + SE_P_PADDR, UINT64_MAX - 0x10);
	check_err(load(0, &r, &err), err, -EOVERFLOW,
		  "p_paddr=0xffffffffffffffef + p_memsz=0x1000 wraps");
	/* Overlap, in either table order. */
	set64(p0 + SE_P_PADDR, 0x102000 - 0xfff);
	check_err(load(0, &r, &err), err, -EBADMSG,
		  "segments 0 [0x101001, +0x1000) and 2 [0x102000, +0x400) "
		  "overlap");
	set64(p0 + SE_P_PADDR, 0x102000 + 0x3ff);
	set64(elf + 0x18, 0x102000 + 0x3ff);
	check_err(load(0, &r, &err), err, -EBADMSG,
		  "segments 2 [0x102000, +0x400) and 0 [0x1023ff, +0x1000) "
		  "overlap");
	/* Adjacent is fine; sorted by address in the result. */
	set64(p0 + SE_P_PADDR, 0x102400);
	set64(elf + 0x18, 0x102400);
	check_err(load(0, &r, &err), err, -EBADMSG,
		  "XEN_ELFNOTE_PHYS32_ENTRY=0x100010 lies in no PT_LOAD");
	set64(elf + SE_PH(1) + SE_P_TYPE, 0x6474e551);
	check_ok(load(0, &r, &err), err);
	set64(elf + SE_PH(1) + SE_P_TYPE, 4);
	assert_int_equal(r.segments[0].paddr, 0x102000);
	assert_int_equal(r.segments[1].paddr, 0x102400);
	assert_int_equal(r.load.start.raw, 0x102000);
	assert_int_equal(r.load.size, 0x1400);
	set64(p0 + SE_P_PADDR, 0x100000);
	set64(elf + 0x18, SE_ENTRY);
	/* e_entry must be in a segment's file bytes (not its bss). */
	set64(elf + 0x18, 0x100800);
	check_err(load(0, &r, &err), err, -EBADMSG,
		  "e_entry=0x100800 lies in no PT_LOAD segment");
	set64(elf + 0x18, 0x1007ff);
	check_ok(load(0, &r, &err), err);
	set64(elf + 0x18, 0xfffff);
	check_err(load(0, &r, &err), err, -EBADMSG, "e_entry=0xfffff");
	set64(elf + 0x18, SE_ENTRY);
	/* An empty PT_LOAD is skipped. */
	set64(p2 + SE_P_MEMSZ, 0);
	set64(p2 + SE_P_FILESZ, 0);
	check_ok(load(0, &r, &err), err);
	assert_int_equal(r.segment_count, 1);
	/* Guest memory. */
	set64(p2 + SE_P_MEMSZ, 0x400);
	set64(p2 + SE_P_FILESZ, 0x400);
	set64(p2 + SE_P_PADDR, 0x10fc00);
	check_ok(load(0, &r, &err), err);
	set64(p2 + SE_P_PADDR, 0x10fe00);
	check_err(load(0, &r, &err), err, -EFAULT,
		  "segment 2 (PT_LOAD) [0x10fe00, +0x400)");
	set64(p2 + SE_P_PADDR, 0x200000);
	check_err(load(0, &r, &err), err, -EACCES,
		  "segment 2 (PT_LOAD) [0x200000, +0x400) is not writable");
}

static void test_notes(void **state)
{
	struct cvmm_ll_elf_result r;
	struct cvmm_ll_error err;
	uint8_t notes[0x800], d[16] = {0};
	uint8_t *pn = elf + SE_PH(1);
	size_t n;

	(void)state;
	memset(notes, 0, sizeof(notes));
	/* A PT_NOTE outside the file. */
	set64(pn + SE_P_OFFSET, SE_SIZE - 0x10);
	check_err(load(0, &r, &err), err, -ERANGE,
		  "segment 1 (PT_NOTE): p_offset=0x2ff0 + p_filesz=0x30");
	set64(pn + SE_P_OFFSET, SE_NOTE_OFF);
	/* No PVH note: fine unless required. */
	n = synth_note(notes, 0, "GNU", 3, d, 8, 4);
	synth_elf_notes(elf, notes, n, 4);
	check_ok(load(0, &r, &err), err);
	assert_false(r.has_pvh_entry);
	check_err(load(CVMM_LL_ELF_REQUIRE_PVH, &r, &err), err, -ENOENT,
		  "no XEN_ELFNOTE_PHYS32_ENTRY note");
	/* Type 18 under another name, or with another name size: skipped. */
	n = synth_note(notes, 0, "Xyz", 18, d, 8, 4);
	n = synth_note(notes, n, "Xen2", 18, d, 8, 4);
	synth_elf_notes(elf, notes, n, 4);
	check_ok(load(0, &r, &err), err);
	assert_false(r.has_pvh_entry);
	/* A 4-byte descriptor; the second PVH note is ignored. */
	set32(d, 0x100020);
	n = synth_note(notes, 0, "Xen", 18, d, 4, 4);
	set32(d, 0x999999);
	n = synth_note(notes, n, "Xen", 18, d, 2, 4);
	synth_elf_notes(elf, notes, n, 4);
	check_ok(load(0, &r, &err), err);
	assert_int_equal(r.pvh_entry.raw, 0x100020);
	/* Bad descriptor sizes and values. */
	n = synth_note(notes, 0, "Xen", 18, d, 2, 4);
	synth_elf_notes(elf, notes, n, 4);
	check_err(load(0, &r, &err), err, -EBADMSG,
		  "segment 1 (PT_NOTE): XEN_ELFNOTE_PHYS32_ENTRY has descsz=2, "
		  "expected 4 or 8");
	set64(d, 0x100000000);
	n = synth_note(notes, 0, "Xen", 18, d, 8, 4);
	synth_elf_notes(elf, notes, n, 4);
	check_err(load(0, &r, &err), err, -EBADMSG,
		  "XEN_ELFNOTE_PHYS32_ENTRY=0x100000000 is above 4 GiB");
	set64(d, 0x100800);
	n = synth_note(notes, 0, "Xen", 18, d, 8, 4);
	synth_elf_notes(elf, notes, n, 4);
	check_err(load(0, &r, &err), err, -EBADMSG,
		  "XEN_ELFNOTE_PHYS32_ENTRY=0x100800 lies in no PT_LOAD");
	/* 8-byte aligned notes (p_align 8), last one unpadded. */
	set64(d, 0x102004);
	n = synth_note(notes, 0, "GNU", 5, d, 12, 8);
	n = synth_note(notes, n, "Xen", 18, d, 8, 8);
	synth_elf_notes(elf, notes, n, 8);
	check_ok(load(0, &r, &err), err);
	assert_int_equal(r.pvh_entry.raw, 0x102004);
	n = synth_note(notes, 0, "GNU", 5, d, 12, 8);
	synth_elf_notes(elf, notes, n - 4, 8);
	check_ok(load(0, &r, &err), err);
	/* Sizes that run past the segment: no loop, no overread. */
	n = synth_note(notes, 0, "GNU", 3, d, 8, 4);
	set32(notes, 0xffffffff);
	synth_elf_notes(elf, notes, n, 4);
	check_err(load(0, &r, &err), err, -EBADMSG,
		  "segment 1 (PT_NOTE): note 0 at +0x0 has namesz=4294967295 "
		  "descsz=8, which need 4294967316 bytes, but only 24 are "
		  "left");
	set32(notes, 4);
	set32(notes + 4, 0xfffffff0);
	synth_elf_notes(elf, notes, n, 4);
	check_err(load(0, &r, &err), err, -EBADMSG, "descsz=4294967280");
	set32(notes + 4, 8);
	synth_elf_notes(elf, notes, n + 11, 4);
	check_err(load(0, &r, &err), err, -EBADMSG,
		  "note 1 at +0x18 has 11 bytes left, fewer than a note "
		  "header's 12");
	/* Empty notes of 12 bytes each still advance. */
	memset(notes, 0, 36);
	synth_elf_notes(elf, notes, 36, 4);
	check_ok(load(0, &r, &err), err);
}

static void test_read_errors(void **state)
{
	struct cvmm_ll_source buf = cvmm_ll_source_buffer(elf, SE_SIZE);
	struct cvmm_ll_elf_result r;
	struct failing_source fs;
	struct cvmm_ll_source src;
	struct cvmm_ll_error err;
	const char *want[] = {
	    "reading the ELF header", "reading the program headers",
	    "reading a note",	      "reading a note",
	    "reading a note",	      "reading a note",
	    "loading segment 0",      "loading segment 2",
	};

	(void)state;
	for (uint64_t nth = 1; nth <= 8; nth++) {
		src = failing_source(&fs, buf, nth, -EIO);
		check_err(cvmm_ll_elf_load(&mem, &src, 0, &r, &err), err, -EIO,
			  want[nth - 1]);
	}
	src = failing_source(&fs, buf, 9, -EIO);
	check_ok(cvmm_ll_elf_load(&mem, &src, 0, &r, &err), err);
}

/* Failing guest memory: nothing outside the segments is ever written. */
static void test_memory_failures(void **state)
{
	const uint64_t granules[] = {1, 0x301};
	struct cvmm_ll_elf_result r;
	struct cvmm_ll_error err;
	struct watch w;

	(void)state;
	for (size_t g = 0; g < 2; g++) {
		make_memory(granules[g]);
		watch_start(&w, tm);
		watch_allow(&w, 0x100000, 0x1000);
		watch_allow(&w, 0x102000, 0x400);
		for (uint64_t nth = 1;; nth++) {
			int rc;

			assert_int_equal(cvmm_mem_test_fail_nth(tm, nth, -EIO),
					 0);
			rc = load(0, &r, &err);
			if (!cvmm_mem_test_failure_fired(tm)) {
				assert_int_equal(rc, 0);
				break;
			}
			assert_int_equal(rc, -EIO);
		}
		assert_int_equal(cvmm_mem_test_fail_nth(tm, 0, -EIO), 0);
		assert_true(w.writes > 0);
		assert_int_equal(w.strays, 0);
		/* Malformed: nothing written at all. */
		watch_start(&w, tm);
		set64(elf + 0x18, 0x100800);
		assert_int_equal(load(0, &r, &err), -EBADMSG);
		set64(elf + 0x18, SE_ENTRY);
		assert_int_equal(w.writes, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_load_valid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ehdr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_segments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_memory_failures, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
