/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compressed vmlinux inside a bzImage (payload_offset/payload_length,
 * protocol 2.08+), extracted to the uncompressed ELF so the PVH path can
 * boot a kernel shipped as a bzImage.
 *
 * Formats, told apart by their magic: gzip (zlib), xz (liblzma), zstd
 * (libzstd), lz4 in the legacy frame the kernel uses (liblz4), and an
 * uncompressed ELF. bzip2, lzma and lzo payloads are recognised and refused
 * with -EPROTONOSUPPORT.
 *
 * The kernel build appends the uncompressed size, 32-bit little-endian, to
 * every payload (for gzip it is the stream's own ISIZE). Decompression is
 * bounded: a declared size over the caller's max_size fails with -EFBIG
 * before anything is decoded, the output buffer is never larger than
 * min(declared size, max_size), and a stream that produces more than that
 * fails (-EFBIG over the limit, -EBADMSG over the declared size) instead of
 * growing. The xz decoder's own memory is capped at
 * CVMM_LL_PAYLOAD_DECODER_MEMLIMIT. The result must start with the ELF
 * magic and have exactly the declared size.
 */
#ifndef CVMM_LL_PAYLOAD_H
#define CVMM_LL_PAYLOAD_H

#include <cvmm/ll.h>

/* Memory the xz decoder may use for its dictionary and state. */
#define CVMM_LL_PAYLOAD_DECODER_MEMLIMIT ((uint64_t)128 << 20)

enum cvmm_ll_compression {
	CVMM_LL_COMP_NONE,
	CVMM_LL_COMP_GZIP,
	CVMM_LL_COMP_XZ,
	CVMM_LL_COMP_ZSTD,
	CVMM_LL_COMP_LZ4,
	CVMM_LL_COMP_BZIP2, /* recognised, not decoded */
	CVMM_LL_COMP_LZMA,  /* recognised, not decoded */
	CVMM_LL_COMP_LZO,   /* recognised, not decoded */
};

/*
 * An extracted vmlinux. data is allocated by the library (malloc) and owned
 * by the struct: free it with cvmm_ll_payload_free().
 */
struct cvmm_ll_payload {
	enum cvmm_ll_compression format;
	uint8_t *data;
	size_t size;
	uint64_t compressed_size; /* payload bytes, trailer included */
};

/* "gzip", "xz", "zstd", "lz4", "bzip2", "lzma", "lzo", "none", "unknown". */
const char *cvmm_ll_compression_name(enum cvmm_ll_compression c);

/*
 * Decompress a raw payload (data[0..len), size trailer included; borrowed
 * for the call) into *out, producing at most max_size bytes (max_size must
 * be non-zero). On failure *out is untouched and nothing stays allocated.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_payload_decompress(const void *data, size_t len,
						  size_t max_size,
						  struct cvmm_ll_payload *out,
						  struct cvmm_ll_error *err);

/*
 * Validate the bzImage in src (cvmm_ll_bzimage_parse() with protocol
 * versions above 2.15 accepted), read its payload and decompress it as
 * above. -EPROTONOSUPPORT for a protocol older than 2.08, which has no
 * payload fields.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_payload_extract(const struct cvmm_ll_source *src,
					       size_t max_size,
					       struct cvmm_ll_payload *out,
					       struct cvmm_ll_error *err);

/* Free p->data and clear *p (NULL, or an already freed payload, is fine). */
void cvmm_ll_payload_free(struct cvmm_ll_payload *p);

#endif
