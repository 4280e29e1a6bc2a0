/* SPDX-License-Identifier: Apache-2.0 */
/* Payload extraction: every format, corrupt and hostile streams, bombs. */
#include <cvmm/ll-bzimage.h>
#include <cvmm/ll-payload.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compress.h"
#include "expect.h"
#include "helpers.h"
#include "synth.h"

#define VM_SIZE ((size_t)256 << 10)
#define LIMIT	((size_t)64 << 20)

typedef uint8_t *(*maker)(const uint8_t *in, size_t n, size_t *len);

static uint8_t *lz4_plain(const uint8_t *in, size_t n, size_t *len)
{
	return make_lz4(in, n, 0, len);
}

static const struct {
	const char *name;
	maker make;
	enum cvmm_ll_compression format;
} formats[] = {
    {"gzip", make_gzip, CVMM_LL_COMP_GZIP},
    {"xz", make_xz, CVMM_LL_COMP_XZ},
    {"zstd", make_zstd, CVMM_LL_COMP_ZSTD},
    {"lz4", lz4_plain, CVMM_LL_COMP_LZ4},
    {"none", make_none, CVMM_LL_COMP_NONE},
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

static void test_roundtrip(void **state)
{
	uint8_t *vm = make_vmlinux(VM_SIZE);

	(void)state;
	for (size_t f = 0; f < NFORMATS; f++) {
		struct cvmm_ll_payload p = {0}, q = {0};
		struct cvmm_ll_error err;
		struct cvmm_ll_source src;
		size_t len, img_len;
		uint8_t *c = formats[f].make(vm, VM_SIZE, &len), *img;

		check_ok(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err),
			 err);
		assert_int_equal(p.format, formats[f].format);
		assert_string_equal(cvmm_ll_compression_name(p.format),
				    formats[f].name);
		assert_int_equal(p.size, VM_SIZE);
		assert_int_equal(p.compressed_size, len);
		assert_memory_equal(p.data, vm, VM_SIZE);
		/* The exact size as the limit is enough. */
		check_ok(cvmm_ll_payload_decompress(c, len, VM_SIZE, &q, &err),
			 err);
		cvmm_ll_payload_free(&q);
		/* The same payload inside a bzImage. */
		img = synth_bzimage(c, len, &img_len);
		src = cvmm_ll_source_buffer(img, img_len);
		check_ok(cvmm_ll_payload_extract(&src, LIMIT, &q, &err), err);
		assert_int_equal(q.size, VM_SIZE);
		assert_memory_equal(q.data, vm, VM_SIZE);
		cvmm_ll_payload_free(&q);
		cvmm_ll_payload_free(&p);
		assert_null(p.data);
		free(img);
		free(c);
	}
	cvmm_ll_payload_free(NULL);
	assert_string_equal(cvmm_ll_compression_name(CVMM_LL_COMP_LZO), "lzo");
	assert_string_equal(
	    cvmm_ll_compression_name((enum cvmm_ll_compression)99), "unknown");
	free(vm);
}

/* lz4 over 8 MiB: several blocks, straight into the output and through
 * scratch, with and without the magic repeated between blocks. */
static void test_lz4_blocks(void **state)
{
	const size_t n = ((size_t)17 << 20) + 12345;
	uint8_t *vm = make_vmlinux(n);

	(void)state;
	for (int between = 0; between < 2; between++) {
		struct cvmm_ll_payload p;
		struct cvmm_ll_error err;
		size_t len;
		uint8_t *c = make_lz4(vm, n, between, &len);

		check_ok(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err),
			 err);
		assert_int_equal(p.size, n);
		assert_memory_equal(p.data, vm, n);
		cvmm_ll_payload_free(&p);
		/* A corrupt first block, decoded straight into the output. */
		memset(c + 8, 0xff, 16);
		check_err(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err),
			  err, -EBADMSG, "corrupt block");
		free(c);
		c = make_lz4(vm, n, between, &len);
		/* A trailer 1 MiB short: the last block overflows it. */
		set32(c + len - 4, (uint32_t)(n - (1 << 20)));
		check_err(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err),
			  err, -EBADMSG,
			  "the lz4 payload decompresses to more than the");
		/* A trailer under one block: the first overflows scratch. */
		set32(c + len - 4, 5 << 20);
		check_err(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err),
			  err, -EBADMSG,
			  "decompresses to more than the 5242880 bytes");
		free(c);
	}
	free(vm);
}

static void test_bad_headers(void **state)
{
	uint8_t buf[64] = "\x1f\x8b";
	struct cvmm_ll_payload p;
	struct cvmm_ll_error err;
	static const struct {
		const char *magic;
		const char *name;
	} refused[] = {
	    {"BZh9", "bzip2"}, {"\x5d\0\0\x80", "lzma"}, {"\x89LZO", "lzo"}};

	(void)state;
	check_err(cvmm_ll_payload_decompress(buf, 64, 0, &p, &err), err,
		  -EINVAL, "max_size is 0");
	check_err(cvmm_ll_payload_decompress(buf, 7, LIMIT, &p, &err), err,
		  -EBADMSG, "payload_length=7 is not between 8");
	check_err(
	    cvmm_ll_payload_decompress(buf, (size_t)1 << 32, LIMIT, &p, &err),
	    err, -EBADMSG, "payload_length=4294967296");
	memcpy(buf, "\x11\x22\x33\x44", 4);
	check_err(cvmm_ll_payload_decompress(buf, 64, LIMIT, &p, &err), err,
		  -EPROTONOSUPPORT,
		  "the payload starts 11 22 33 44, the magic of no known "
		  "compression");
	for (size_t i = 0; i < 3; i++) {
		char want[96];

		memcpy(buf, refused[i].magic, 4);
		snprintf(want, sizeof(want), "the payload is %s-compressed",
			 refused[i].name);
		check_err(cvmm_ll_payload_decompress(buf, 64, LIMIT, &p, &err),
			  err, -EPROTONOSUPPORT, want);
	}
	/* Size trailers: over the limit, too small for an ELF, or more than
	 * an uncompressed payload holds. */
	memcpy(buf, "\x1f\x8b", 2);
	set32(buf + 60, 1000000);
	check_err(cvmm_ll_payload_decompress(buf, 64, 999999, &p, &err), err,
		  -EFBIG,
		  "the payload's size trailer declares 1000000 bytes, over the "
		  "999999-byte limit");
	set32(buf + 60, 63);
	check_err(cvmm_ll_payload_decompress(buf, 64, LIMIT, &p, &err), err,
		  -EBADMSG, "declares 63 bytes, too few for an ELF kernel");
	memcpy(buf, "\177ELF", 4);
	set32(buf + 60, 61);
	check_err(cvmm_ll_payload_decompress(buf, 64, LIMIT, &p, &err), err,
		  -EBADMSG, "declares 61 bytes, too few");
	set32(buf + 60, 64);
	check_err(cvmm_ll_payload_decompress(buf, 64, LIMIT, &p, &err), err,
		  -EBADMSG,
		  "the uncompressed payload's size trailer declares 64 bytes, "
		  "but it holds 60");
	set32(buf + 60, 60);
	check_err(cvmm_ll_payload_decompress(buf, 64, LIMIT, &p, &err), err,
		  -EBADMSG, "too few");
}

/* Corrupt, truncated, lying trailers, and a result that is not ELF. */
static void test_corrupt(void **state)
{
	uint8_t *vm = make_vmlinux(VM_SIZE), *notelf = make_vmlinux(VM_SIZE);

	(void)state;
	notelf[0] = 'X';
	for (size_t f = 0; f < 4; f++) {
		struct cvmm_ll_payload p;
		struct cvmm_ll_error err;
		size_t len, tlen;
		uint8_t *c = formats[f].make(vm, VM_SIZE, &len);
		uint8_t *t = formats[f].make(notelf, VM_SIZE, &tlen);
		uint32_t declared = get32(c + len - 4);

		/* Garbage in the stream (lz4 has no checksum: 0xff bytes in
		 * its first token make a literal run longer than the block). */
		memset(
		    c + (formats[f].format == CVMM_LL_COMP_LZ4 ? 8 : len / 2),
		    0xff, 16);
		check_err(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err),
			  err, -EBADMSG, formats[f].name);
		free(c);
		c = formats[f].make(vm, VM_SIZE, &len);
		/* Truncated: half the stream, trailer kept. */
		memcpy(c + len / 2, c + len - 4, 4);
		check_err(
		    cvmm_ll_payload_decompress(c, len / 2 + 4, LIMIT, &p, &err),
		    err, -EBADMSG, "does not decompress to the");
		free(c);
		c = formats[f].make(vm, VM_SIZE, &len);
		/* The trailer says less than the stream holds. */
		set32(c + len - 4, declared - 1);
		check_err(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err),
			  err, -EBADMSG,
			  "decompresses to more than the 262143");
		/* ... or more. */
		set32(c + len - 4, declared + 1);
		check_err(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err),
			  err, -EBADMSG, "262145 bytes its size trailer");
		check_err(cvmm_ll_payload_decompress(t, tlen, LIMIT, &p, &err),
			  err, -EBADMSG, "the result is not an ELF image");
		free(t);
		free(c);
	}
	free(notelf);
	free(vm);
}

static void test_lz4_frames(void **state)
{
	uint8_t *vm = make_vmlinux(VM_SIZE), *c, *big;
	struct cvmm_ll_payload p;
	struct cvmm_ll_error err;
	size_t len;

	(void)state;
	c = make_lz4(vm, VM_SIZE, 0, &len);
	big = malloc(len + 2);
	assert_non_null(big);
	/* Two stray bytes between the last block and the trailer. */
	memcpy(big, c, len - 4);
	big[len - 4] = 1;
	big[len - 3] = 2;
	memcpy(big + len - 2, c + len - 4, 4);
	check_err(cvmm_ll_payload_decompress(big, len + 2, LIMIT, &p, &err),
		  err, -EBADMSG, "stray bytes after the last block");
	/* A block size past the payload, or past what 8 MiB compress to. */
	set32(c + 4, (uint32_t)len);
	check_err(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err), err,
		  -EBADMSG, "a block's size runs past the payload");
	free(big);
	big = calloc(1, (size_t)9 << 20);
	assert_non_null(big);
	set32(big, 0x184c2102);
	set32(big + 4, (8 << 20) + (8 << 20) / 255 + 17);
	set32(big + ((size_t)9 << 20) - 4, 1 << 20);
	check_err(
	    cvmm_ll_payload_decompress(big, (size_t)9 << 20, LIMIT, &p, &err),
	    err, -EBADMSG, "a block's size runs past the payload");
	free(big);
	free(c);
	free(vm);
}

/*
 * Decompression bombs: 64 MiB of zeros in about 64 KiB. An honest trailer
 * over the limit is refused before decoding; a lying one stops the decoder
 * at the declared size, so memory never exceeds it.
 */
static void test_bombs(void **state)
{
	const size_t n = (size_t)64 << 20;
	uint8_t *zeros = calloc(1, n);

	(void)state;
	assert_non_null(zeros);
	memcpy(zeros, "\177ELF", 4);
	for (size_t f = 0; f < 4; f++) {
		struct cvmm_ll_payload p;
		struct cvmm_ll_error err;
		size_t len;
		uint8_t *c = formats[f].make(zeros, n, &len);

		assert_true(len < n / 100);
		check_err(cvmm_ll_payload_decompress(c, len, 1 << 20, &p, &err),
			  err, -EFBIG,
			  "declares 67108864 bytes, over the 1048576-byte "
			  "limit");
		set32(c + len - 4, 1 << 20);
		check_err(
		    cvmm_ll_payload_decompress(c, len, 2 << 20, &p, &err), err,
		    -EBADMSG,
		    "decompresses to more than the 1048576 bytes its size "
		    "trailer declares");
		free(c);
	}
	free(zeros);
}

/* An xz stream whose dictionary needs more than the decoder may use. */
static void test_xz_memlimit(void **state)
{
	uint8_t *vm = make_vmlinux(VM_SIZE);
	struct cvmm_ll_payload p;
	struct cvmm_ll_error err;
	size_t len;
	uint8_t *c = make_xz(vm, VM_SIZE, &len);

	(void)state;
	xz_claim_huge_dictionary(c);
	check_err(cvmm_ll_payload_decompress(c, len, LIMIT, &p, &err), err,
		  -EBADMSG, "needs more than the decoder's memory limit");
	free(c);
	free(vm);
}

static void test_extract_errors(void **state)
{
	struct cvmm_ll_payload p;
	struct cvmm_ll_error err;
	struct failing_source fs;
	size_t len;
	uint8_t *img = synth_bzimage(NULL, 0, &len);
	struct cvmm_ll_source buf = cvmm_ll_source_buffer(img, len), src;

	(void)state;
	/* The default synthetic payload is a pattern: no known magic. */
	check_err(cvmm_ll_payload_extract(&buf, LIMIT, &p, &err), err,
		  -EPROTONOSUPPORT, "the magic of no known compression");
	src = failing_source(&fs, buf, 3, -EIO);
	check_err(cvmm_ll_payload_extract(&src, LIMIT, &p, &err), err, -EIO,
		  "reading the payload");
	set16(img + 0x1fe, 0);
	check_err(cvmm_ll_payload_extract(&buf, LIMIT, &p, &err), err, -ENOEXEC,
		  "boot_flag=0x0000");
	set16(img + 0x1fe, 0xaa55);
	set16(img + 0x206, 0x207);
	check_err(cvmm_ll_payload_extract(&buf, LIMIT, &p, &err), err,
		  -EPROTONOSUPPORT,
		  "version=0x0207: protocol 2.07 predates the payload fields");
	/* Newer protocols are accepted for extraction. */
	set16(img + 0x206, 0x210);
	check_err(cvmm_ll_payload_extract(&buf, LIMIT, &p, &err), err,
		  -EPROTONOSUPPORT, "no known compression");
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_lz4_blocks),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_lz4_frames),
	    cmocka_unit_test(test_bombs),
	    cmocka_unit_test(test_xz_memlimit),
	    cmocka_unit_test(test_extract_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
