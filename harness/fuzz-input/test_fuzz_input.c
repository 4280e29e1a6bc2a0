/* SPDX-License-Identifier: Apache-2.0 */
/* The decoder reads back exactly what the encoder wrote, and is total. */
#include "fuzz-input.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static void encoder_and_decoder_agree(void **state)
{
	uint8_t buf[64];
	struct cvmm_fo out;
	struct cvmm_fi in;
	uint8_t b[3];

	(void)state;
	cvmm_fo_init(&out, buf, sizeof(buf));
	cvmm_fo_u8(&out, 0xAB);
	cvmm_fo_u16(&out, 0x1234);
	cvmm_fo_u32(&out, 0xDEADBEEF);
	cvmm_fo_u64(&out, UINT64_C(0x0102030405060708));
	cvmm_fo_bool(&out, true);
	cvmm_fo_range(&out, 10, 20, 17);
	cvmm_fo_range(&out, 0, 70000, 65537);
	cvmm_fo_range(&out, 5, 5, 5);
	cvmm_fo_range(&out, 0, UINT64_MAX, UINT64_MAX - 1);
	cvmm_fo_bytes(&out, "xyz", 3);
	assert_false(out.overflow);

	cvmm_fi_init(&in, buf, out.len);
	assert_int_equal(cvmm_fi_u8(&in), 0xAB);
	assert_int_equal(cvmm_fi_u16(&in), 0x1234);
	assert_int_equal(cvmm_fi_u32(&in), 0xDEADBEEF);
	assert_true(cvmm_fi_u64(&in) == UINT64_C(0x0102030405060708));
	assert_true(cvmm_fi_bool(&in));
	assert_int_equal(cvmm_fi_range(&in, 10, 20), 17);
	assert_int_equal(cvmm_fi_range(&in, 0, 70000), 65537);
	assert_int_equal(cvmm_fi_range(&in, 5, 5), 5);
	assert_true(cvmm_fi_range(&in, 0, UINT64_MAX) == UINT64_MAX - 1);
	assert_false(cvmm_fi_done(&in));
	cvmm_fi_bytes(&in, b, 3);
	assert_memory_equal(b, "xyz", 3);
	assert_true(cvmm_fi_done(&in));
}

static void decoding_is_total(void **state)
{
	const uint8_t one[1] = {0xFF};
	struct cvmm_fi in;
	uint8_t b[2] = {9, 9};

	(void)state;
	cvmm_fi_init(&in, one, 1);
	/* A range always lands inside, whatever the bytes. */
	assert_int_equal(cvmm_fi_range(&in, 3, 7), 3 + 255 % 5);
	/* Past the end, every byte is zero. */
	assert_true(cvmm_fi_done(&in));
	assert_true(cvmm_fi_u64(&in) == 0);
	assert_false(cvmm_fi_bool(&in));
	cvmm_fi_bytes(&in, b, 2);
	assert_int_equal(b[0], 0);
	assert_int_equal(cvmm_fi_range(&in, 40, 50), 40);
}

static void encoder_reports_overflow(void **state)
{
	uint8_t buf[3];
	struct cvmm_fo out;

	(void)state;
	cvmm_fo_init(&out, buf, sizeof(buf));
	cvmm_fo_u16(&out, 1);
	assert_false(out.overflow);
	cvmm_fo_u16(&out, 2);
	assert_true(out.overflow);
	assert_int_equal(out.len, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(encoder_and_decoder_agree),
	    cmocka_unit_test(decoding_is_total),
	    cmocka_unit_test(encoder_reports_overflow),
	};

	return cmocka_run_group_tests_name("fuzz input", tests, NULL, NULL);
}
