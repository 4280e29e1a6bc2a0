/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every allocation the loader makes (its own, and zlib's and liblzma's,
 * which go through it) fails in turn: each failure is reported as -ENOMEM
 * and leaks nothing (ASan's leak check runs at exit).
 */
#include <cvmm/ll-boot.h>
#include <cvmm/ll-cmdline.h>
#include <cvmm/ll-payload.h>
#include <cvmm/mem-test.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc-fail.h"
#include "compress.h"
#include "expect.h"
#include "helpers.h"
#include "synth.h"

/* Run op with the 1st, 2nd, ... allocation failing until none fails. */
#define EVERY_ALLOCATION(op, cleanup) EVERY_ALLOCATION_RC(op, 0, cleanup)
#define EVERY_ALLOCATION_RC(op, final, cleanup)                                \
	do {                                                                   \
		uint64_t n_;                                                   \
		for (n_ = 1;; n_++) {                                          \
			int rc_;                                               \
			cvmm_alloc_fail_nth(n_);                               \
			rc_ = (op);                                            \
			if (!cvmm_alloc_fail_fired()) {                        \
				cvmm_alloc_fail_nth(0);                        \
				assert_int_equal(rc_, (final));                \
				cleanup;                                       \
				break;                                         \
			}                                                      \
			assert_int_equal(rc_, -ENOMEM);                        \
		}                                                              \
		cvmm_alloc_fail_nth(0);                                        \
		print_message("%s: %" PRIu64 " allocations\n", #op, n_ - 1);   \
	} while (0)

static void test_cmdline_and_source(void **state)
{
	struct cvmm_ll_cmdline cl;
	struct cvmm_ll_source src;
	struct cvmm_ll_error err;

	(void)state;
	EVERY_ALLOCATION(cvmm_ll_cmdline_init(&cl, 100, &err),
			 cvmm_ll_cmdline_destroy(&cl));
	EVERY_ALLOCATION(cvmm_ll_source_open("/proc/self/exe", &src, &err),
			 cvmm_ll_source_close(&src));
}

/* The bounce buffer for memory cut into pieces. */
static void test_copy(void **state)
{
	const struct cvmm_mem_range r = {cvmm_mem_gpa_from(0), 0x10000, 0};
	uint8_t data[0x3000] = {1};
	struct cvmm_ll_source src = cvmm_ll_source_buffer(data, sizeof(data));
	struct cvmm_ll_range out;
	struct cvmm_mem_test *tm;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;

	(void)state;
	assert_int_equal(cvmm_mem_test_create(&r, 1, 0x1001, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	EVERY_ALLOCATION(cvmm_ll_initrd_load(&mem, &src, 0x1000, &out, &err),
			 (void)0);
	cvmm_mem_test_destroy(tm);
}

static void test_payloads(void **state)
{
	const size_t n = ((size_t)8 << 20) + 4096;
	uint8_t *vm = make_vmlinux(n);
	maker_t makers[3] = {make_gzip, make_xz, NULL};

	(void)state;
	for (size_t f = 0; f < 3; f++) {
		struct cvmm_ll_payload p;
		struct cvmm_ll_error err;
		struct cvmm_ll_source src;
		size_t len, img_len;
		uint8_t *c = makers[f] != NULL ? makers[f](vm, n, &len)
					       : make_lz4(vm, n, 0, &len);
		uint8_t *img = synth_bzimage(c, len, &img_len);

		src = cvmm_ll_source_buffer(img, img_len);
		EVERY_ALLOCATION(cvmm_ll_payload_extract(&src, n, &p, &err),
				 cvmm_ll_payload_free(&p));
		free(img);
		free(c);
	}
	free(vm);
}

/*
 * Streams that produce more than their trailer declares: zlib then keeps a
 * window (an allocation) and lz4 decodes the last block into scratch.
 */
static void test_payloads_too_long(void **state)
{
	const size_t n = ((size_t)1 << 20);
	uint8_t *vm = make_vmlinux(n);

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		struct cvmm_ll_payload p;
		struct cvmm_ll_error err;
		size_t len;
		uint8_t *c =
		    f == 0 ? make_gzip(vm, n, &len) : make_lz4(vm, n, 0, &len);

		set32(c + len - 4, (uint32_t)n - 100);
		EVERY_ALLOCATION_RC(
		    cvmm_ll_payload_decompress(c, len, n, &p, &err), -EBADMSG,
		    (void)0);
		free(c);
	}
	free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmdline_and_source),
	    cmocka_unit_test(test_copy),
	    cmocka_unit_test(test_payloads),
	    cmocka_unit_test(test_payloads_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
