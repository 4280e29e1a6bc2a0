/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeded random mutation of the synthetic images and payloads: whatever
 * the bytes, a call either succeeds (and then wrote only inside the range
 * it reports) or fails with a negative errno and a message; it never
 * crashes, hangs or trips a sanitizer. Not a fuzzer (see fuzz/), a fixed
 * sweep that runs with every test run.
 */
#include <cvmm/ll-bzimage.h>
#include <cvmm/ll-elf.h>
#include <cvmm/ll-payload.h>
#include <cvmm/mem-test.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compress.h"
#include "helpers.h"
#include "synth.h"

#define ROUNDS 4000

/* xorshift64: the same sequence on every run. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void mutate(uint8_t *buf, size_t lo, size_t hi, uint64_t *seed)
{
	unsigned n = 1 + (unsigned)(next(seed) % 4);

	for (unsigned i = 0; i < n; i++) {
		size_t at = lo + (size_t)(next(seed) % (hi - lo));
		uint64_t r = next(seed);

		/* Boundary values are what break checks. */
		buf[at] = (r & 3) == 0	 ? 0
			  : (r & 3) == 1 ? 0xff
					 : (uint8_t)(r >> 8);
	}
}

static void check_result(int rc, const struct cvmm_ll_error *err,
			 const struct watch *w)
{
	if (rc == 0) {
		assert_int_equal(err->code, 0);
		assert_int_equal(w->strays, 0);
	} else {
		assert_true(rc < 0);
		assert_int_equal(err->code, rc);
		assert_true(err->msg[0] != '\0');
		assert_int_equal(w->writes, 0);
	}
}

static void test_bzimage(void **state)
{
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0), 0x200000, 0};
	size_t len;
	uint8_t *orig = synth_bzimage(NULL, 0, &len), *img = malloc(len);
	uint64_t seed = 0x9e3779b97f4a7c15u;
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	unsigned ok = 0;

	(void)state;
	assert_non_null(img);
	assert_int_equal(cvmm_mem_test_create(&r, 1, 0, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	for (unsigned i = 0; i < ROUNDS; i++) {
		struct cvmm_ll_source src = cvmm_ll_source_buffer(img, len);
		struct cvmm_ll_bzimage_result res;
		struct cvmm_ll_error err;
		struct watch w;
		int rc;

		memcpy(img, orig, len);
		if (i % 2 == 0)
			mutate(img, 0x1f1, 0x26c, &seed);
		else
			mutate(img, SB_SETUP_SIZE + SB_KINFO_OFF,
			       SB_SETUP_SIZE + SB_KINFO_OFF + 16, &seed);
		watch_start(&w, tm);
		rc = cvmm_ll_bzimage_load(&mem, &src, NULL, &res, &err);
		if (rc == 0) {
			watch_allow(&w, res.load.start.raw, res.load.size);
			watch_start(&w, tm);
			watch_allow(&w, res.load.start.raw, res.load.size);
			rc = cvmm_ll_bzimage_load(&mem, &src, NULL, &res, &err);
			assert_int_equal(rc, 0);
			ok++;
		}
		check_result(rc, &err, &w);
	}
	print_message("bzImage: %u of %u mutants loaded\n", ok, ROUNDS);
	cvmm_mem_test_destroy(tm);
	free(img);
	free(orig);
}

static void test_elf(void **state)
{
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0x100000), 0x10000,
					 0};
	uint8_t *orig = synth_elf(), *elf = malloc(SE_SIZE);
	uint64_t seed = 0x2545f4914f6cdd1du;
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	unsigned ok = 0;

	(void)state;
	assert_non_null(elf);
	assert_int_equal(cvmm_mem_test_create(&r, 1, 0, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	for (unsigned i = 0; i < ROUNDS; i++) {
		struct cvmm_ll_source src = cvmm_ll_source_buffer(elf, SE_SIZE);
		struct cvmm_ll_elf_result res;
		struct cvmm_ll_error err;
		struct watch w;
		int rc;

		memcpy(elf, orig, SE_SIZE);
		if (i % 2 == 0)
			mutate(elf, 0, SE_PHOFF + SE_PHNUM * 56, &seed);
		else
			mutate(elf, SE_NOTE_OFF, SE_NOTE_OFF + 0x30, &seed);
		watch_start(&w, tm);
		rc = cvmm_ll_elf_load(&mem, &src, 0, &res, &err);
		if (rc == 0) {
			watch_start(&w, tm);
			for (unsigned s = 0; s < res.segment_count; s++)
				watch_allow(&w, res.segments[s].paddr,
					    res.segments[s].memsz);
			rc = cvmm_ll_elf_load(&mem, &src, 0, &res, &err);
			assert_int_equal(rc, 0);
			ok++;
		}
		check_result(rc, &err, &w);
	}
	print_message("ELF: %u of %u mutants loaded\n", ok, ROUNDS);
	cvmm_mem_test_destroy(tm);
	free(elf);
	free(orig);
}

static void test_payloads(void **state)
{
	const size_t n = 64 << 10;
	uint8_t *vm = make_vmlinux(n);
	uint64_t seed = 0x853c49e6748fea9bu;

	(void)state;
	for (int f = 0; f < 4; f++) {
		size_t len;
		uint8_t *orig = f == 0	 ? make_gzip(vm, n, &len)
				: f == 1 ? make_xz(vm, n, &len)
				: f == 2 ? make_zstd(vm, n, &len)
					 : make_lz4(vm, n, 0, &len);
		uint8_t *c = malloc(len);
		unsigned ok = 0;

		assert_non_null(c);
		for (unsigned i = 0; i < ROUNDS / 4; i++) {
			struct cvmm_ll_payload p;
			struct cvmm_ll_error err;
			int rc;

			memcpy(c, orig, len);
			mutate(c, 0, len, &seed);
			rc = cvmm_ll_payload_decompress(c, len, 1 << 20, &p,
							&err);
			if (rc == 0) {
				assert_true(p.size <= 1 << 20);
				cvmm_ll_payload_free(&p);
				ok++;
			} else {
				assert_int_equal(err.code, rc);
				assert_true(err.msg[0] != '\0');
			}
		}
		print_message("payload %d: %u of %u mutants decoded\n", f, ok,
			      ROUNDS / 4);
		free(c);
		free(orig);
	}
	free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bzimage),
	    cmocka_unit_test(test_elf),
	    cmocka_unit_test(test_payloads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
