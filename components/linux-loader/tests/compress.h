/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test-side compressors producing payloads the way the kernel build does:
 * the stream, then (except for gzip, whose ISIZE serves) the uncompressed
 * size as a 32-bit little-endian trailer. Each returns a malloc'ed buffer
 * and its length in *len.
 */
#ifndef CVMM_LL_TEST_COMPRESS_H
#define CVMM_LL_TEST_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

uint8_t *make_gzip(const uint8_t *in, size_t n, size_t *len);
uint8_t *make_xz(const uint8_t *in, size_t n, size_t *len);
uint8_t *make_zstd(const uint8_t *in, size_t n, size_t *len);
/* The legacy lz4 frame, in 8 MiB blocks; with magic_between, the magic is
 * repeated between blocks (a concatenated stream). */
uint8_t *make_lz4(const uint8_t *in, size_t n, int magic_between, size_t *len);
uint8_t *make_none(const uint8_t *in, size_t n, size_t *len);

typedef uint8_t *(*maker_t)(const uint8_t *in, size_t n, size_t *len);

/* A fake vmlinux: the ELF magic, then a compressible pattern. */
uint8_t *make_vmlinux(size_t n);

/* Make an xz payload claim a 4 GiB dictionary (block header CRC fixed). */
void xz_claim_huge_dictionary(uint8_t *xz);

#endif
