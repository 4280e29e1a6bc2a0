/* SPDX-License-Identifier: Apache-2.0 */
#include "compress.h"

#include <lz4.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "helpers.h"

static uint8_t *with_trailer(uint8_t *buf, size_t *len, size_t n)
{
	set32(buf + *len, (uint32_t)n);
	*len += 4;
	return buf;
}

uint8_t *make_gzip(const uint8_t *in, size_t n, size_t *len)
{
	size_t cap = n + n / 100 + 1024;
	uint8_t *out = malloc(cap);
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (out == NULL || deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
					Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*len = z.total_out;
	deflateEnd(&z);
	return out;
}

uint8_t *make_xz(const uint8_t *in, size_t n, size_t *len)
{
	size_t cap = lzma_stream_buffer_bound(n) + 4, pos = 0;
	uint8_t *out = malloc(cap);

	if (out == NULL ||
	    lzma_easy_buffer_encode(1, LZMA_CHECK_CRC32, NULL, in, n, out, &pos,
				    cap) != LZMA_OK)
		abort();
	*len = pos;
	return with_trailer(out, len, n);
}

uint8_t *make_zstd(const uint8_t *in, size_t n, size_t *len)
{
	size_t cap = ZSTD_compressBound(n) + 4;
	uint8_t *out = malloc(cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();

	/* With a checksum, as the zstd command the kernel build runs. */
	if (out == NULL || cctx == NULL ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)))
		abort();
	*len = ZSTD_compress2(cctx, out, cap, in, n);
	ZSTD_freeCCtx(cctx);
	if (ZSTD_isError(*len))
		abort();
	return with_trailer(out, len, n);
}

uint8_t *make_lz4(const uint8_t *in, size_t n, int magic_between, size_t *len)
{
	const size_t block = (size_t)8 << 20;
	size_t blocks = n / block + 1;
	size_t cap =
	    4 + blocks * (8 + (size_t)LZ4_compressBound((int)block)) + 4;
	uint8_t *out = malloc(cap);
	size_t pos = 4;

	if (out == NULL)
		abort();
	set32(out, 0x184c2102);
	for (size_t off = 0; off < n; off += block) {
		int chunk = (int)(n - off < block ? n - off : block);
		int c;

		if (off > 0 && magic_between) {
			set32(out + pos, 0x184c2102);
			pos += 4;
		}
		c = LZ4_compress_default((const char *)in + off,
					 (char *)out + pos + 4, chunk,
					 LZ4_compressBound(chunk));
		if (c <= 0)
			abort();
		set32(out + pos, (uint32_t)c);
		pos += 4 + (size_t)c;
	}
	*len = pos;
	return with_trailer(out, len, n);
}

uint8_t *make_none(const uint8_t *in, size_t n, size_t *len)
{
	uint8_t *out = malloc(n + 4);

	if (out == NULL)
		abort();
	memcpy(out, in, n);
	*len = n;
	return with_trailer(out, len, n);
}

uint8_t *make_vmlinux(size_t n)
{
	uint8_t *v = malloc(n);

	if (v == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		v[i] = (uint8_t)((i % 251) * (i % 7));
	memcpy(v, "\177ELF", 4);
	return v;
}

void xz_claim_huge_dictionary(uint8_t *xz)
{
	uint8_t *h = xz + 12; /* the first block header */
	size_t size = ((size_t)h[0] + 1) * 4, p = 2;
	uLong crc;

	if (h[1] & 0x40)
		while (h[p++] & 0x80)
			;
	if (h[1] & 0x80)
		while (h[p++] & 0x80)
			;
	if (h[p] != 0x21 || h[p + 1] != 1)
		abort();
	h[p + 2] = 40; /* LZMA2 dictionary: 4 GiB - 1 */
	crc = crc32(0, h, (uInt)(size - 4));
	set32(h + size - 4, (uint32_t)crc);
}
