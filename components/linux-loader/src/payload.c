/* SPDX-License-Identifier: Apache-2.0 */
/* Payload extraction: gzip, xz, zstd, lz4 (legacy frame), uncompressed. */
#include <cvmm/ll-bzimage.h>
#include <cvmm/ll-payload.h>

#include "ll-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lzma.h>
#define ZLIB_CONST
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define TRAILER	    4u
#define LZ4_MAGIC   0x184c2102u
#define LZ4_BLOCK   ((size_t)8 << 20) /* the legacy frame's block size */
#define MIN_PAYLOAD 8u
#define MIN_KERNEL  64u /* an ELF header */
/* LZ4_COMPRESSBOUND(LZ4_BLOCK): the largest block that decodes to 8 MiB. */
#define LZ4_BLOCK_BOUND (LZ4_BLOCK + LZ4_BLOCK / 255 + 16)

static const struct {
	const char *magic;
	size_t len;
	enum cvmm_ll_compression format;
} magics[] = {
    {"\x1f\x8b", 2, CVMM_LL_COMP_GZIP},
    {"\xfd"
     "7zXZ\0",
     6, CVMM_LL_COMP_XZ},
    {"\x28\xb5\x2f\xfd", 4, CVMM_LL_COMP_ZSTD},
    {"\x02\x21\x4c\x18", 4, CVMM_LL_COMP_LZ4},
    {"BZh", 3, CVMM_LL_COMP_BZIP2},
    {"\x5d\0\0", 3, CVMM_LL_COMP_LZMA},
    {"\x89LZO", 4, CVMM_LL_COMP_LZO},
    {"\177ELF", 4, CVMM_LL_COMP_NONE},
};

static const char *const names[] = {
    [CVMM_LL_COMP_NONE] = "none", [CVMM_LL_COMP_GZIP] = "gzip",
    [CVMM_LL_COMP_XZ] = "xz",	  [CVMM_LL_COMP_ZSTD] = "zstd",
    [CVMM_LL_COMP_LZ4] = "lz4",	  [CVMM_LL_COMP_BZIP2] = "bzip2",
    [CVMM_LL_COMP_LZMA] = "lzma", [CVMM_LL_COMP_LZO] = "lzo",
};

const char *cvmm_ll_compression_name(enum cvmm_ll_compression c)
{
	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c]
							      : "unknown";
}

/* What a decoder reports: bytes produced, and why it stopped. */
enum outcome {
	DONE,	  /* the stream ended */
	FULL,	  /* it would produce more than the buffer holds */
	CORRUPT,  /* bad or truncated data */
	NO_MEMORY /* the decoder could not allocate */
};

/*
 * zlib and liblzma allocate through these, so their memory comes from the
 * same malloc as ours (and fails where a test makes malloc fail).
 */
static voidpf zlib_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return calloc(items, size);
}

static void zlib_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

static void *xz_alloc(void *opaque, size_t nmemb, size_t size)
{
	(void)opaque;
	return calloc(nmemb, size);
}

static void xz_free(void *opaque, void *p)
{
	(void)opaque;
	free(p);
}

/* len and cap are below 4 GiB (32-bit fields), so zlib's uInt holds them. */
static enum outcome gunzip(const uint8_t *in, size_t len, uint8_t *out,
			   size_t cap, size_t *produced, const char **why)
{
	z_stream z;
	int ret;

	memset(&z, 0, sizeof(z));
	z.zalloc = zlib_alloc;
	z.zfree = zlib_free;
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return NO_MEMORY;
	z.next_in = in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ret = inflate(&z, Z_FINISH);
	*produced = z.total_out;
	*why = z.msg != NULL ? z.msg : "truncated stream";
	inflateEnd(&z);
	if (ret == Z_STREAM_END)
		return DONE;
	if (ret == Z_MEM_ERROR)
		return NO_MEMORY;
	return ret == Z_BUF_ERROR && *produced == cap ? FULL : CORRUPT;
}

static enum outcome unxz(const uint8_t *in, size_t len, uint8_t *out,
			 size_t cap, size_t *produced, const char **why)
{
	const lzma_allocator alloc = {xz_alloc, xz_free, NULL};
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret ret;

	s.allocator = &alloc;
	if (lzma_stream_decoder(&s, CVMM_LL_PAYLOAD_DECODER_MEMLIMIT, 0) !=
	    LZMA_OK)
		return NO_MEMORY;
	s.next_in = in;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = cap;
	/* LZMA_OK while it progresses; LZMA_BUF_ERROR once it cannot. */
	do
		ret = lzma_code(&s, LZMA_FINISH);
	while (ret == LZMA_OK);
	*produced = (size_t)s.total_out;
	*why = ret == LZMA_MEMLIMIT_ERROR
		   ? "it needs more than the decoder's memory limit"
		   : "corrupt or truncated stream";
	lzma_end(&s);
	if (ret == LZMA_STREAM_END)
		return DONE;
	if (ret == LZMA_MEM_ERROR)
		return NO_MEMORY;
	return ret == LZMA_BUF_ERROR && s.avail_out == 0 ? FULL : CORRUPT;
}

static enum outcome unzstd(const uint8_t *in, size_t len, uint8_t *out,
			   size_t cap, size_t *produced, const char **why)
{
	size_t ret = ZSTD_decompress(out, cap, in, len);

	*produced = ret;
	if (!ZSTD_isError(ret))
		return DONE;
	*produced = 0;
	*why = ZSTD_getErrorName(ret);
	return ZSTD_getErrorCode(ret) == ZSTD_error_dstSize_tooSmall ? FULL
								     : CORRUPT;
}

/*
 * The legacy lz4 frame: the magic, then blocks of a 32-bit compressed size
 * and the data, each decoding to at most 8 MiB; the magic may repeat.
 */
static enum outcome unlz4(const uint8_t *in, size_t len, uint8_t *out,
			  size_t cap, size_t *produced, const char **why)
{
	size_t pos = 4, done = 0;
	uint8_t *scratch = NULL;
	enum outcome o = DONE;

	*why = "corrupt block";
	while (o == DONE && pos < len) {
		uint32_t csize;
		size_t room;
		int n;

		if (len - pos < 4) {
			*why = "stray bytes after the last block";
			o = CORRUPT;
			break;
		}
		csize = cvmm_ll__le32(in + pos);
		pos += 4;
		if (csize == LZ4_MAGIC)
			continue;
		if (csize > len - pos || csize > LZ4_BLOCK_BOUND) {
			*why = "a block's size runs past the payload";
			o = CORRUPT;
			break;
		}
		/* Decode straight into the output; when fewer than 8 MiB are
		 * left and that fails, decode again into scratch to tell a
		 * block too large for the rest (FULL) from a corrupt one. */
		room = cap - done;
		n = LZ4_decompress_safe(
		    (const char *)in + pos, (char *)out + done, (int)csize,
		    (int)(room < LZ4_BLOCK ? room : LZ4_BLOCK));
		if (n < 0 && room < LZ4_BLOCK) {
			if (scratch == NULL)
				scratch = malloc(LZ4_BLOCK);
			if (scratch == NULL) {
				o = NO_MEMORY;
				break;
			}
			o = LZ4_decompress_safe((const char *)in + pos,
						(char *)scratch, (int)csize,
						(int)LZ4_BLOCK) < 0
				? CORRUPT
				: FULL;
		} else if (n < 0) {
			o = CORRUPT;
		}
		if (o != DONE)
			break;
		done += (size_t)n;
		pos += csize;
	}
	free(scratch);
	*produced = done;
	return o;
}

typedef enum outcome (*decoder)(const uint8_t *in, size_t len, uint8_t *out,
				size_t cap, size_t *produced, const char **why);

int cvmm_ll_payload_decompress(const void *data, size_t len, size_t max_size,
			       struct cvmm_ll_payload *out,
			       struct cvmm_ll_error *err)
{
	const uint8_t *in = data;
	enum cvmm_ll_compression format = CVMM_LL_COMP_BZIP2;
	size_t i, declared, cap, produced = 0, in_len;
	const char *why = "";
	enum outcome o;
	uint8_t *buf;
	decoder dec;

	if (max_size == 0)
		return cvmm_ll__fail(err, -EINVAL, "max_size is 0");
	if (len < MIN_PAYLOAD || len > UINT32_MAX)
		return cvmm_ll__fail(err, -EBADMSG,
				     "payload_length=%zu is not between %u "
				     "(a stream and its 4-byte size trailer) "
				     "and 4 GiB",
				     len, MIN_PAYLOAD);
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (memcmp(in, magics[i].magic, magics[i].len) == 0)
			break;
	if (i == sizeof(magics) / sizeof(magics[0]))
		return cvmm_ll__fail(err, -EPROTONOSUPPORT,
				     "the payload starts %02x %02x %02x %02x, "
				     "the magic of no known compression",
				     in[0], in[1], in[2], in[3]);
	format = magics[i].format;
	if (format >= CVMM_LL_COMP_BZIP2)
		return cvmm_ll__fail(err, -EPROTONOSUPPORT,
				     "the payload is %s-compressed; this "
				     "loader decodes gzip, xz, zstd and lz4",
				     names[format]);
	declared = cvmm_ll__le32(in + len - TRAILER);
	if (declared > max_size)
		return cvmm_ll__fail(err, -EFBIG,
				     "the payload's size trailer declares %zu "
				     "bytes, over the %zu-byte limit",
				     declared, max_size);
	if (declared < MIN_KERNEL)
		return cvmm_ll__fail(err, -EBADMSG,
				     "the payload's size trailer declares %zu "
				     "bytes, too few for an ELF kernel",
				     declared);
	cap = declared;
	in_len = format == CVMM_LL_COMP_GZIP ? len : len - TRAILER;
	if (format == CVMM_LL_COMP_NONE && declared > in_len)
		return cvmm_ll__fail(err, -EBADMSG,
				     "the uncompressed payload's size trailer "
				     "declares %zu bytes, but it holds %zu",
				     declared, in_len);
	buf = malloc(cap);
	if (buf == NULL)
		return cvmm_ll__fail(
		    err, -ENOMEM, "out of memory for a %zu-byte kernel", cap);
	dec = format == CVMM_LL_COMP_GZIP   ? gunzip
	      : format == CVMM_LL_COMP_XZ   ? unxz
	      : format == CVMM_LL_COMP_ZSTD ? unzstd
	      : format == CVMM_LL_COMP_LZ4  ? unlz4
					    : NULL;
	if (dec != NULL) {
		o = dec(in, in_len, buf, cap, &produced, &why);
	} else {
		memcpy(buf, in, declared);
		produced = declared;
		o = DONE;
	}
	if (o == DONE && produced != declared) {
		why = "its size trailer disagrees";
		o = CORRUPT;
	}
	if (o == DONE && memcmp(buf, "\177ELF", 4) != 0) {
		why = "the result is not an ELF image";
		o = CORRUPT;
	}
	if (o == DONE) {
		out->format = format;
		out->data = buf;
		out->size = produced;
		out->compressed_size = len;
		return cvmm_ll__ok(err);
	}
	free(buf);
	if (o == NO_MEMORY)
		return cvmm_ll__fail(err, -ENOMEM,
				     "the %s decoder ran out of memory",
				     names[format]);
	if (o == FULL)
		return cvmm_ll__fail(err, -EBADMSG,
				     "the %s payload decompresses to more than "
				     "the %zu bytes its size trailer declares",
				     names[format], declared);
	return cvmm_ll__fail(err, -EBADMSG,
			     "the %s payload (%zu bytes) does not decompress "
			     "to the %zu bytes its size trailer declares: %s "
			     "(%zu bytes produced)",
			     names[format], len, declared, why, produced);
}

int cvmm_ll_payload_extract(const struct cvmm_ll_source *src, size_t max_size,
			    struct cvmm_ll_payload *out,
			    struct cvmm_ll_error *err)
{
	struct cvmm_ll_bzimage b;
	uint8_t *data;
	int rc = cvmm_ll_bzimage_parse(src, CVMM_LL_BZ_ALLOW_NEWER, &b, err);

	if (rc != 0)
		return rc;
	if (b.payload_size == 0)
		return cvmm_ll__fail(err, -EPROTONOSUPPORT,
				     "version=0x%04x: protocol 2.%02u predates "
				     "the payload fields (2.08)",
				     b.hdr.version, b.hdr.version & 0xffu);
	data = malloc(b.payload_size);
	if (data == NULL)
		return cvmm_ll__fail(err, -ENOMEM,
				     "out of memory for the %" PRIu64
				     "-byte payload",
				     b.payload_size);
	rc = cvmm_ll_source_read(src, b.payload_file_offset, data,
				 b.payload_size);
	if (rc != 0)
		rc = cvmm_ll__fail(err, rc, "reading the payload: %s",
				   strerror(-rc));
	else
		rc = cvmm_ll_payload_decompress(data, b.payload_size, max_size,
						out, err);
	free(data);
	return rc;
}

void cvmm_ll_payload_free(struct cvmm_ll_payload *p)
{
	if (p == NULL)
		return;
	free(p->data);
	memset(p, 0, sizeof(*p));
}
