/* SPDX-License-Identifier: Apache-2.0 */
/* The command-line builder: quoting, init arguments, limits. */
#include <cvmm/ll-cmdline.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "expect.h"

static void test_build(void **state)
{
	struct cvmm_ll_cmdline cl;
	struct cvmm_ll_error err;

	(void)state;
	check_ok(cvmm_ll_cmdline_init(&cl, 200, &err), err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "");
	check_ok(cvmm_ll_cmdline_add(&cl, "console", "ttyS0", &err), err);
	check_ok(cvmm_ll_cmdline_add_flag(&cl, "quiet", &err), err);
	check_ok(cvmm_ll_cmdline_add(&cl, "dyndbg", "file a.c +p", &err), err);
	check_ok(cvmm_ll_cmdline_add(&cl, "empty", "", &err), err);
	assert_string_equal(
	    cvmm_ll_cmdline_str(&cl),
	    "console=ttyS0 quiet dyndbg=\"file a.c +p\" empty=");
	check_ok(cvmm_ll_cmdline_add_init_arg(&cl, "single", &err), err);
	check_ok(cvmm_ll_cmdline_add_init_arg(&cl, "two words", &err), err);
	/* Parameters added now go before the " -- ". */
	check_ok(cvmm_ll_cmdline_add(&cl, "root", "/dev/vda", &err), err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl),
			    "console=ttyS0 quiet dyndbg=\"file a.c +p\" empty= "
			    "root=/dev/vda -- single \"two words\"");
	assert_int_equal(cvmm_ll_cmdline_len(&cl),
			 strlen(cvmm_ll_cmdline_str(&cl)));
	cvmm_ll_cmdline_destroy(&cl);
	assert_null(cl.buf);
	/* Init arguments first, on an empty line. */
	check_ok(cvmm_ll_cmdline_init(&cl, 200, &err), err);
	check_ok(cvmm_ll_cmdline_add_init_arg(&cl, "x", &err), err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "-- x");
	check_ok(cvmm_ll_cmdline_add_flag(&cl, "q", &err), err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "q -- x");
	check_ok(cvmm_ll_cmdline_add(&cl, "a.b", "1", &err), err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "q a.b=1 -- x");
	assert_int_equal(cvmm_ll_cmdline_add_flag(&cl, "z", NULL), 0);
	cvmm_ll_cmdline_destroy(&cl);
}

static void test_refused(void **state)
{
	struct cvmm_ll_cmdline cl;
	struct cvmm_ll_error err;

	(void)state;
	check_err(cvmm_ll_cmdline_init(&cl, 0, &err), err, -EINVAL,
		  "capacity 0 is not in 1..1048576");
	check_err(cvmm_ll_cmdline_init(&cl, (1 << 20) + 1, &err), err, -EINVAL,
		  "capacity 1048577");
	check_ok(cvmm_ll_cmdline_init(&cl, 64, &err), err);
	check_err(cvmm_ll_cmdline_add(&cl, "", "x", &err), err, -EINVAL,
		  "an empty parameter name");
	check_err(cvmm_ll_cmdline_add(&cl, "a=b", "x", &err), err, -EINVAL,
		  "parameter name has '=' at offset 1");
	check_err(cvmm_ll_cmdline_add(&cl, "a b", "x", &err), err, -EINVAL,
		  "parameter name has ' ' at offset 1");
	check_err(cvmm_ll_cmdline_add_flag(&cl, "\"q", &err), err, -EINVAL,
		  "parameter name has '\"' at offset 0");
	check_err(cvmm_ll_cmdline_add_flag(&cl, "--", &err), err, -EINVAL,
		  "\"--\" as a parameter would end the kernel's parameters");
	check_err(cvmm_ll_cmdline_add(&cl, "k", "say \"hi\"", &err), err,
		  -EINVAL, "the value has '\"' at offset 4");
	check_err(cvmm_ll_cmdline_add(&cl, "k", "a\tb", &err), err, -EINVAL,
		  "the value has byte 0x09 at offset 1, not printable ASCII");
	check_err(cvmm_ll_cmdline_add(&cl, "k\x7f", "v", &err), err, -EINVAL,
		  "byte 0x7f");
	check_err(cvmm_ll_cmdline_add(&cl, "k", "\xc3\xa9", &err), err, -EINVAL,
		  "byte 0xc3");
	check_err(cvmm_ll_cmdline_add_init_arg(&cl, "", &err), err, -EINVAL,
		  "an empty init argument");
	check_err(cvmm_ll_cmdline_add_init_arg(&cl, "--", &err), err, -EINVAL,
		  "\"--\" as an init argument");
	check_err(cvmm_ll_cmdline_add_init_arg(&cl, "a\"b", &err), err, -EINVAL,
		  "the init argument has '\"'");
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "");
	cvmm_ll_cmdline_destroy(&cl);
}

static void test_capacity(void **state)
{
	struct cvmm_ll_cmdline cl;
	struct cvmm_ll_error err;

	(void)state;
	check_ok(cvmm_ll_cmdline_init(&cl, 16, &err), err);
	check_ok(cvmm_ll_cmdline_add(&cl, "abc", "defgh", &err), err);
	/* "abc=defgh" is 9 bytes; " x=12345" would make 17. */
	check_err(cvmm_ll_cmdline_add(&cl, "x", "12345", &err), err, -ENOSPC,
		  "adding x makes the command line 17 bytes, over its "
		  "capacity of 16");
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "abc=defgh");
	check_ok(cvmm_ll_cmdline_add(&cl, "x", "1234", &err), err);
	assert_int_equal(cvmm_ll_cmdline_len(&cl), 16);
	check_err(cvmm_ll_cmdline_add_flag(&cl, "y", &err), err, -ENOSPC,
		  "18 bytes");
	check_err(cvmm_ll_cmdline_add_init_arg(&cl, "y", &err), err, -ENOSPC,
		  "21 bytes");
	cvmm_ll_cmdline_destroy(&cl);
	/* Quotes count. */
	check_ok(cvmm_ll_cmdline_init(&cl, 7, &err), err);
	check_err(cvmm_ll_cmdline_add(&cl, "k", "a b c", &err), err, -ENOSPC,
		  "9 bytes");
	check_ok(cvmm_ll_cmdline_add(&cl, "k", "a b", &err), err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "k=\"a b\"");
	cvmm_ll_cmdline_destroy(&cl);
}

static void test_append(void **state)
{
	struct cvmm_ll_cmdline cl;
	struct cvmm_ll_error err;

	(void)state;
	check_ok(cvmm_ll_cmdline_init(&cl, 100, &err), err);
	check_ok(cvmm_ll_cmdline_append(&cl, "", &err), err);
	check_ok(cvmm_ll_cmdline_append(&cl, "   ", &err), err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "");
	check_ok(cvmm_ll_cmdline_append(&cl,
					"  console=ttyS0  a=\"x y\" "
					"\"b=c d\" -- init  \"two w\"  ",
					&err),
		 err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl),
			    "console=ttyS0 a=\"x y\" \"b=c d\" -- init "
			    "\"two w\"");
	/* More words: kernel ones before the " -- ", init ones after. */
	check_ok(cvmm_ll_cmdline_append(&cl, "quiet -- more", &err), err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl),
			    "console=ttyS0 a=\"x y\" \"b=c d\" quiet -- init "
			    "\"two w\" more");
	cvmm_ll_cmdline_destroy(&cl);
	check_ok(cvmm_ll_cmdline_init(&cl, 30, &err), err);
	check_ok(cvmm_ll_cmdline_append(&cl, "\"--\" x", &err), err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "-- x");
	check_err(cvmm_ll_cmdline_append(&cl, "a=\"b c", &err), err, -EINVAL,
		  "unbalanced '\"' in the word at offset 0");
	check_err(cvmm_ll_cmdline_append(&cl, "a -- b -- c", &err), err,
		  -EINVAL, "a second \"--\" at offset 7");
	check_err(cvmm_ll_cmdline_append(&cl, "a\nb", &err), err, -EINVAL,
		  "the command line has byte 0x0a at offset 1");
	/* All or nothing when it does not fit. */
	check_err(
	    cvmm_ll_cmdline_append(&cl, "aaaaaaaa bbbbbbbb cccccccc", &err),
	    err, -ENOSPC, "adding the text makes the command line 31");
	assert_string_equal(cvmm_ll_cmdline_str(&cl), "-- x");
	check_ok(cvmm_ll_cmdline_append(&cl, "aaaaaaaa bbbbbbbb cccccc", &err),
		 err);
	assert_string_equal(cvmm_ll_cmdline_str(&cl),
			    "aaaaaaaa bbbbbbbb cccccc -- x");
	assert_int_equal(cvmm_ll_cmdline_len(&cl), 29);
	cvmm_ll_cmdline_destroy(&cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_append),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
