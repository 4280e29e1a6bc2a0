/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the bzImage loader and the payload extractor
 * (cvmm/ll-bzimage.h, cvmm/ll-payload.h). The input is not an image: it
 * decodes into load parameters and a setup header whose every field is
 * chosen with a bias toward the values that matter (the consistent value,
 * boundaries, small offsets from them, anything), then a payload the
 * target compresses itself (gzip, xz, zstd, lz4 or none, then optionally
 * corrupted) so decoders see valid streams, and finally raw byte patches
 * anywhere in the file.
 *
 * Input (harness/fuzz-input rules; "choice" is a range 0..3 selector: 0 the
 * consistent value, 1 one of a table of boundary values (then an index),
 * 2 the consistent value + (range 0..32) - 16, 3 any value of the field's
 * width (then the value)):
 *   u8     options: bit 0 REQUIRE_64BIT, 1 ALLOW_NEWER, 2 LOAD_ADDR,
 *          3 pass NULL opts, 4 pass NULL err
 *   choice load address (consistent: the image's default; 2: default +
 *          (k - 4) * its alignment for k in 0..15)
 *   range  granule index 0..5 -> {0, 1, 3, 64, 512, 4096}
 *   range  memory 0..3: 0 one range over the model's reserved range,
 *          1 the same with a defect, 2 explicit ranges, 3 64 KiB at 1 MiB
 *          (at most 64 KiB in all; 8, 16, 32 KiB for granules 1, 3, 64);
 *          mode 0/1: range slack below 0..4096, range slack above 0..4096;
 *          mode 1: range defect kind 0..2 (hole, read-only, cut short),
 *          u16 position (fraction of the range), range length 1..4096;
 *          mode 2: range count 1..4, then per range: choice address
 *          (first) or range gap 0..4096 (later), range size 1..16384,
 *          bool read-only
 *   range  guest-memory operation that fails (-EIO) 0..8, 0 none
 *   range  source read that fails 0..4, 0 none; range errno index 0..3
 *   choice extraction limit max_size (consistent: the declared size;
 *          at most 8 MiB)
 *   header: choice setup_sects; range version 0..15 (0..9 -> 2.15..2.06,
 *          10 2.05, 11 2.16, 12 3.00, 13 2.00, 14 0xffff, 15 then u16);
 *          choice jump length; u8 breakage mask (bit 0 boot_flag, then
 *          u16; bit 1 "HdrS", then u32; bit 2 jump opcode, then u8);
 *          u8 loadflags ^ LOADED_HIGH; choice syssize; choice
 *          relocatable_kernel; choice kernel_alignment; choice
 *          min_alignment; u16 xloadflags ^ (KERNEL_64 | ABOVE_4G); choice
 *          cmdline_size; choice pref_address; choice init_size; choice
 *          payload_offset; choice payload_length; choice
 *          kernel_info_offset
 *   layout: range payload position 0..255 (x 16 in the kernel); range
 *          kernel_info place 0..2 (after the payload, then range 0..4095
 *          anywhere, absent); range extra kernel paragraphs 0..15; range
 *          trailing bytes 0..64; range truncation 0..2 (none, then range
 *          1..64 bytes cut, then range 0..1100 file length)
 *   payload: range format 0..6 (none, gzip, xz, zstd, lz4, raw bytes,
 *          unsupported magic); raw: range length 0..512 and the bytes;
 *          otherwise range content length 0..4096, u8 seed, bool
 *          compressible, bool broken ELF magic, range corruption 0..3
 *          (none, flip at u16 position by u8, cut range 1..16, append
 *          range 1..16 bytes), range trailer 0..3 (right, right + range
 *          1..16 - 8, u32, none)
 *   kernel_info: bool bad magic; choice size; choice size_total; u32
 *          setup_type_max
 *   patches: range 0..4, each u32 file offset (mod the file size), u8
 *   u8     extras (added last, so older inputs keep their meaning): bit 0
 *          an lz4 payload in two blocks with the magic repeated between
 *
 * Invariants (abort() with "bzimage: invariant ... broken"):
 *   - nothing is written outside the reported load range: every write and
 *     write translation falls inside it, and every byte of guest memory
 *     outside it still holds its pattern; a failed load writes nothing at
 *     all unless an injected failure fired after the checks, and then only
 *     inside the load range the header gives;
 *   - the result agrees with the boot protocol as the header states it:
 *     load address, size, entries (inside the load range), runtime start,
 *     init_size, reserved hull, 4 GiB rule, alignment; the loaded bytes
 *     are the file's protected-mode kernel; every documented check holds
 *     for an accepted header; parse() agrees with load();
 *   - errors carry the errno in err.code and a non-empty message; a failed
 *     call leaves its output untouched;
 *   - extraction yields at most max_size bytes starting with the ELF magic,
 *     exactly the declared size, in the format the magic names; a payload
 *     the target built intact must extract to exactly its content.
 */
#include <cvmm/ll-bzimage.h>
#include <cvmm/ll-payload.h>
#include <cvmm/mem-test.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "fuzz-input.h"
#include "mem-watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr,                                        \
				"bzimage: invariant \"%s\" broken: %s "        \
				"(line %d)\n",                                 \
				what, #cond, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

#define ONE_MIB	     0x100000u
#define FOUR_GIB     ((uint64_t)1 << 32)
#define CONTENT_MAX  4096u
#define PAYLOAD_MAX  (CONTENT_MAX + 1024u)
#define RAW_MAX	     512u
#define MEM_SLACK    4096u
#define EXPLICIT_MAX 4u

static const uint64_t granules[] = {0, 1, 3, 64, 512, 4096};
/* Guest memory allocated per input, by granule: 1-byte regions are slow. */
static const uint64_t mem_caps[] = {64u << 10, 8u << 10,  16u << 10,
				    32u << 10, 64u << 10, 64u << 10};

/* --- Choices ----------------------------------------------------------- */

struct choice {
	unsigned sel;
	uint64_t v;
};

/* Decode a choice for a field of the given width mask (0xff .. ~0). */
static struct choice choice(struct cvmm_fi *in, uint64_t mask)
{
	struct choice c = {(unsigned)cvmm_fi_range(in, 0, 3), 0};

	if (c.sel == 1)
		c.v = cvmm_fi_range(in, 0, 7);
	else if (c.sel == 2)
		c.v = cvmm_fi_range(in, 0, 32);
	else if (c.sel == 3)
		c.v = cvmm_fi_range(in, 0, mask);
	return c;
}

/* Resolve against the consistent value and up to 8 boundary values. */
static uint64_t resolve(struct choice c, uint64_t consistent,
			const uint64_t *table, size_t n, uint64_t mask)
{
	switch (c.sel) {
	case 0:
		return consistent;
	case 1:
		return table[c.v % n] & mask;
	case 2:
		return (consistent + c.v - 16) & mask; /* wraps on purpose */
	default:
		return c.v;
	}
}

/* --- Little-endian helpers --------------------------------------------- */

static void put16(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* --- The decoded input -------------------------------------------------- */

struct params {
	uint8_t options;
	struct choice load;
	uint64_t granule, mem_cap;
	unsigned mem_mode;
	uint64_t slack_lo, slack_hi;
	unsigned defect_kind;
	uint16_t defect_pos;
	uint64_t defect_len;
	unsigned nexplicit;
	struct choice explicit_addr;
	uint64_t explicit_gap[EXPLICIT_MAX], explicit_size[EXPLICIT_MAX];
	bool explicit_ro[EXPLICIT_MAX];
	unsigned mem_fail, src_fail, src_err;
	struct choice max_size;
};

struct header {
	struct choice setup_sects, jump, syssize, relocatable, kalign, minal,
	    cmdline_size, pref, init_size, payload_offset, payload_length,
	    kinfo_offset;
	uint16_t version;
	uint8_t breakage;
	uint16_t boot_flag;
	uint32_t magic;
	uint8_t jump_op;
	uint8_t loadflags;
	uint16_t xloadflags;
};

struct layout {
	uint64_t payload_pos;
	unsigned kinfo_place;
	uint64_t kinfo_pos, extra_paras, trailing;
	unsigned truncate;
	uint64_t truncate_v;
};

struct payload_in {
	unsigned format;
	uint64_t raw_len;
	uint8_t raw[RAW_MAX];
	uint64_t content_len;
	uint8_t seed;
	bool compressible, bad_magic;
	unsigned corrupt;
	uint16_t corrupt_pos;
	uint8_t corrupt_xor;
	uint64_t corrupt_n;
	unsigned trailer;
	uint64_t trailer_v;
	bool lz4_split; /* decoded last (extras) */
};

struct kinfo_in {
	bool bad_magic;
	struct choice size, total;
	uint32_t setup_type_max;
};

#define MAX_PATCHES 4
struct patches {
	unsigned n;
	uint32_t off[MAX_PATCHES];
	uint8_t val[MAX_PATCHES];
};

static void decode_params(struct cvmm_fi *in, struct params *p)
{
	unsigned g;

	p->options = cvmm_fi_u8(in);
	p->load = choice(in, UINT64_MAX);
	g = (unsigned)cvmm_fi_range(in, 0, 5);
	p->granule = granules[g];
	p->mem_cap = mem_caps[g];
	p->mem_mode = (unsigned)cvmm_fi_range(in, 0, 3);
	if (p->mem_mode <= 1) {
		p->slack_lo = cvmm_fi_range(in, 0, MEM_SLACK);
		p->slack_hi = cvmm_fi_range(in, 0, MEM_SLACK);
	}
	if (p->mem_mode == 1) {
		p->defect_kind = (unsigned)cvmm_fi_range(in, 0, 2);
		p->defect_pos = cvmm_fi_u16(in);
		p->defect_len = cvmm_fi_range(in, 1, 4096);
	}
	if (p->mem_mode == 2) {
		p->nexplicit = (unsigned)cvmm_fi_range(in, 1, EXPLICIT_MAX);
		for (unsigned i = 0; i < p->nexplicit; i++) {
			if (i == 0)
				p->explicit_addr = choice(in, UINT64_MAX);
			else
				p->explicit_gap[i] = cvmm_fi_range(in, 0, 4096);
			p->explicit_size[i] = cvmm_fi_range(in, 1, 16384);
			p->explicit_ro[i] = cvmm_fi_bool(in);
		}
	}
	p->mem_fail = (unsigned)cvmm_fi_range(in, 0, 8);
	p->src_fail = (unsigned)cvmm_fi_range(in, 0, 4);
	p->src_err = (unsigned)cvmm_fi_range(in, 0, 3);
	p->max_size = choice(in, UINT32_MAX);
}

static uint16_t decode_version(struct cvmm_fi *in)
{
	static const uint16_t odd[] = {0x0205, 0x0210, 0x0300, 0x0200, 0xffff};
	unsigned v = (unsigned)cvmm_fi_range(in, 0, 15);

	if (v <= 9)
		return (uint16_t)(0x020f - v);
	if (v <= 14)
		return odd[v - 10];
	return cvmm_fi_u16(in);
}

static void decode_header(struct cvmm_fi *in, struct header *h)
{
	h->setup_sects = choice(in, 0xff);
	h->version = decode_version(in);
	h->jump = choice(in, 0xff);
	h->breakage = cvmm_fi_u8(in);
	h->boot_flag = (h->breakage & 1) ? cvmm_fi_u16(in) : 0xaa55;
	h->magic = (h->breakage & 2) ? cvmm_fi_u32(in) : 0x53726448;
	h->jump_op = (h->breakage & 4) ? cvmm_fi_u8(in) : 0xeb;
	h->loadflags = cvmm_fi_u8(in) ^ CVMM_LL_LOADED_HIGH;
	h->syssize = choice(in, UINT32_MAX);
	h->relocatable = choice(in, 0xff);
	h->kalign = choice(in, UINT32_MAX);
	h->minal = choice(in, 0xff);
	h->xloadflags = cvmm_fi_u16(in) ^ (CVMM_LL_XLF_KERNEL_64 |
					   CVMM_LL_XLF_CAN_BE_LOADED_ABOVE_4G);
	h->cmdline_size = choice(in, UINT32_MAX);
	h->pref = choice(in, UINT64_MAX);
	h->init_size = choice(in, UINT32_MAX);
	h->payload_offset = choice(in, UINT32_MAX);
	h->payload_length = choice(in, UINT32_MAX);
	h->kinfo_offset = choice(in, UINT32_MAX);
}

static void decode_layout(struct cvmm_fi *in, struct layout *l)
{
	l->payload_pos = 16 * cvmm_fi_range(in, 0, 255);
	l->kinfo_place = (unsigned)cvmm_fi_range(in, 0, 2);
	if (l->kinfo_place == 1)
		l->kinfo_pos = cvmm_fi_range(in, 0, 4095);
	l->extra_paras = cvmm_fi_range(in, 0, 15);
	l->trailing = cvmm_fi_range(in, 0, 64);
	l->truncate = (unsigned)cvmm_fi_range(in, 0, 2);
	if (l->truncate == 1)
		l->truncate_v = cvmm_fi_range(in, 1, 64);
	else if (l->truncate == 2)
		l->truncate_v = cvmm_fi_range(in, 0, 1100);
}

static void decode_payload(struct cvmm_fi *in, struct payload_in *p)
{
	p->format = (unsigned)cvmm_fi_range(in, 0, 6);
	if (p->format == 5) {
		p->raw_len = cvmm_fi_range(in, 0, RAW_MAX);
		cvmm_fi_bytes(in, p->raw, (size_t)p->raw_len);
		return;
	}
	p->content_len = cvmm_fi_range(in, 0, CONTENT_MAX);
	p->seed = cvmm_fi_u8(in);
	p->compressible = cvmm_fi_bool(in);
	p->bad_magic = cvmm_fi_bool(in);
	p->corrupt = (unsigned)cvmm_fi_range(in, 0, 3);
	if (p->corrupt == 1) {
		p->corrupt_pos = cvmm_fi_u16(in);
		p->corrupt_xor = cvmm_fi_u8(in);
	} else if (p->corrupt >= 2) {
		p->corrupt_n = cvmm_fi_range(in, 1, 16);
	}
	p->trailer = (unsigned)cvmm_fi_range(in, 0, 3);
	if (p->trailer == 1)
		p->trailer_v = cvmm_fi_range(in, 1, 16);
	else if (p->trailer == 2)
		p->trailer_v = cvmm_fi_u32(in);
}

static void decode_kinfo(struct cvmm_fi *in, struct kinfo_in *k)
{
	k->bad_magic = cvmm_fi_bool(in);
	k->size = choice(in, UINT32_MAX);
	k->total = choice(in, UINT32_MAX);
	k->setup_type_max = cvmm_fi_u32(in);
}

static void decode_patches(struct cvmm_fi *in, struct patches *p)
{
	p->n = (unsigned)cvmm_fi_range(in, 0, MAX_PATCHES);
	for (unsigned i = 0; i < p->n; i++) {
		p->off[i] = cvmm_fi_u32(in);
		p->val[i] = cvmm_fi_u8(in);
	}
}

/*
 * Tables, computed once (constant): guest memory starts filled with a
 * pattern of period 251 (prime, so no page-aligned shift of it matches
 * itself), so filling and comparing are memcpy and memcmp; noise is the
 * incompressible payload content.
 */
#define PERIOD 251u
#define CHUNK  4096u

static uint8_t ptab[PERIOD + CHUNK];
static uint8_t noise[CONTENT_MAX + 256];

static void tables_init(void)
{
	for (unsigned i = 0; i < PERIOD + CHUNK; i++)
		ptab[i] = (uint8_t)((i % PERIOD) * 131 + 17);
	for (unsigned i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)((i * 2654435761u) >> 13);
}

/* dst[0..n) = the pattern from phase off on. */
static void fill_pattern(uint8_t *dst, uint64_t off, uint64_t n)
{
	for (uint64_t k = 0; k < n; k += CHUNK)
		memcpy(dst + k, ptab + (off + k) % PERIOD,
		       (size_t)(n - k < CHUNK ? n - k : CHUNK));
}

/* --- Payload: built, compressed and broken here ------------------------ */

struct built_payload {
	uint8_t content[CONTENT_MAX];
	size_t content_len;
	uint8_t bytes[PAYLOAD_MAX];
	size_t len;
	bool intact; /* a valid stream with the right trailer */
};

static size_t compress_gzip(const uint8_t *src, size_t n, uint8_t *dst,
			    size_t cap)
{
	z_stream z;
	size_t out;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)n;
	z.next_out = dst;
	z.avail_out = (uInt)cap;
	out = deflate(&z, Z_FINISH) == Z_STREAM_END ? z.total_out : 0;
	deflateEnd(&z);
	return out;
}

static size_t compress_xz(const uint8_t *src, size_t n, uint8_t *dst,
			  size_t cap)
{
	size_t pos = 0;

	return lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, src, n, dst,
				       &pos, cap) == LZMA_OK
		   ? pos
		   : 0;
}

static size_t compress_zstd(const uint8_t *src, size_t n, uint8_t *dst,
			    size_t cap)
{
	size_t r = ZSTD_compress(dst, cap, src, n, 1);

	return ZSTD_isError(r) ? 0 : r;
}

/*
 * The kernel's legacy lz4 frame: magic, then blocks (size, data); with
 * split, two blocks with the magic repeated between them, as concatenated
 * frames have it.
 */
static size_t lz4_block(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
	int r;

	if (cap < 4)
		return 0;
	r = LZ4_compress_default((const char *)src, (char *)dst + 4, (int)n,
				 (int)(cap - 4));
	if (r <= 0)
		return 0;
	put32(dst, (uint64_t)r);
	return 4 + (size_t)r;
}

static size_t compress_lz4(const uint8_t *src, size_t n, uint8_t *dst,
			   size_t cap, bool split)
{
	size_t half = split ? n / 2 : n, a, b;

	if (cap < 8)
		return 0;
	put32(dst, 0x184c2102u);
	a = lz4_block(src, half, dst + 4, cap - 4);
	if (a == 0 || !split)
		return a == 0 ? 0 : 4 + a;
	if (cap - 4 - a < 8)
		return 0;
	put32(dst + 4 + a, 0x184c2102u);
	b = lz4_block(src + half, n - half, dst + 8 + a, cap - 8 - a);
	return b == 0 ? 0 : 8 + a + b;
}

static void build_payload(const struct payload_in *in, struct built_payload *b)
{
	static const char *const unsupported[] = {"BZh", "\x5d\0\0", "\x89LZO"};
	size_t n = 0, room = sizeof(b->bytes) - 4 - 16;

	b->intact = false;
	b->content_len = 0;
	if (in->format == 5) {
		memcpy(b->bytes, in->raw, (size_t)in->raw_len);
		b->len = (size_t)in->raw_len;
		return;
	}
	b->content_len = (size_t)in->content_len;
	if (in->compressible) {
		for (size_t i = 0; i < b->content_len; i += 64)
			memset(b->content + i, (uint8_t)(in->seed + i / 64 % 7),
			       b->content_len - i < 64 ? b->content_len - i
						       : 64);
	} else {
		memcpy(b->content, noise + in->seed, b->content_len);
	}
	memcpy(b->content, in->bad_magic ? "\177ELG" : "\177ELF",
	       b->content_len < 4 ? b->content_len : 4);
	switch (in->format) {
	case 0:
		memcpy(b->bytes, b->content, b->content_len);
		n = b->content_len;
		break;
	case 1:
		n = compress_gzip(b->content, b->content_len, b->bytes, room);
		break;
	case 2:
		n = compress_xz(b->content, b->content_len, b->bytes, room);
		break;
	case 3:
		n = compress_zstd(b->content, b->content_len, b->bytes, room);
		break;
	case 4:
		n = compress_lz4(b->content, b->content_len, b->bytes, room,
				 in->lz4_split);
		break;
	default:
		n = 3 + (b->content_len < 64 ? b->content_len : 64);
		memcpy(b->bytes, unsupported[in->seed % 3], 3);
		memcpy(b->bytes + 3, b->content, n - 3);
		break;
	}
	CHECK(n > 0 || in->format == 0, "the target's own compressor works");
	b->intact = in->format <= 4 && in->corrupt == 0 && in->trailer == 0;
	if (in->corrupt == 1 && n > 0) {
		b->bytes[(uint64_t)in->corrupt_pos * n / 65536] ^=
		    in->corrupt_xor;
		b->intact = b->intact && in->corrupt_xor == 0;
	} else if (in->corrupt == 2) {
		n -= n < in->corrupt_n ? n : (size_t)in->corrupt_n;
	} else if (in->corrupt == 3) {
		for (uint64_t i = 0; i < in->corrupt_n; i++)
			b->bytes[n++] = (uint8_t)(in->seed ^ i);
	}
	/* The size trailer (gzip's is its own ISIZE). */
	if (in->format != 1 && in->trailer <= 2) {
		uint64_t v = in->trailer == 0 ? b->content_len
			     : in->trailer == 1
				 ? b->content_len + in->trailer_v - 8
				 : in->trailer_v;
		put32(b->bytes + n, v);
		n += 4;
	} else if (in->format == 1 && in->trailer == 1 && n >= 4) {
		put32(b->bytes + n - 4, b->content_len + in->trailer_v - 8);
	} else if (in->format == 1 && in->trailer == 2 && n >= 4) {
		put32(b->bytes + n - 4, in->trailer_v);
	} else if (in->format == 1 && in->trailer == 3) {
		put32(b->bytes + n, in->seed);
		n += 4;
	}
	b->len = n;
}

/* --- The image ----------------------------------------------------------- */

/* Where the setup header must reach, by version (the boot protocol). */
static unsigned header_need(uint16_t version)
{
	static const uint16_t need[] = {0x23c, 0x248, 0x250, 0x258, 0x264,
					0x268, 0x268, 0x268, 0x268, 0x26c};

	if (version < 0x0206)
		return 0x23c;
	if (version > 0x020f)
		return 0x26c;
	return need[version - 0x0206];
}

static uint64_t align_of(uint64_t v)
{
	unsigned l = 0;

	while (l < 63 && ((uint64_t)1 << (l + 1)) <= v)
		l++;
	return l;
}

struct image {
	uint8_t *file;
	size_t len;
	size_t setup_size, kernel_off;
	size_t payload_off; /* file offset where the payload was put */
	size_t payload_pos; /* its offset in the protected-mode kernel */
	struct built_payload pl;
};

static void build_image(const struct header *h, const struct layout *l,
			const struct payload_in *pin, const struct kinfo_in *ki,
			const struct patches *pt, struct image *im)
{
	static const uint64_t t_sects[] = {0, 1, 4, 15, 63, 64, 127, 255};
	static const uint64_t t_sys[] = {
	    0, 1, 0x20, 0x10000000, 0x0fffffff, 0xffffffff, 0x100, 0x21};
	static const uint64_t t_reloc[] = {0, 1, 2, 0xff};
	static const uint64_t t_align[] = {
	    0, 1, 3, 0x200000, 0x1000000, 0x80000000, 0xffffffff, 0x1000};
	static const uint64_t t_cmd[] = {0, 1, 255, 2047, 0xffffffff};
	static const uint64_t t_pref[] = {0,	       0xfffff,
					  0x1000000,   0xfffff000,
					  0x100000000, 0xffffffffffffe000u,
					  UINT64_MAX,  0x200000};
	struct built_payload *pl = &im->pl;
	uint64_t sects, ksize, klen, kinfo, need, jump, kalign, v;
	uint64_t kinfo_size, kinfo_total, setup_size, total;
	uint8_t *f, *k;

	build_payload(pin, pl);
	/* The kernel part: payload at payload_pos, kernel_info after it. */
	kinfo = l->kinfo_place == 1
		    ? l->kinfo_pos
		    : (l->payload_pos + pl->len + 15) & ~(uint64_t)15;
	klen = l->payload_pos + pl->len;
	if (l->kinfo_place != 2 && kinfo + 16 > klen)
		klen = kinfo + 16;
	if (klen < 0x400)
		klen = 0x400;
	klen = ((klen + 15) & ~(uint64_t)15) + 16 * l->extra_paras;

	sects = resolve(h->setup_sects, 3, t_sects, 8, 0xff);
	setup_size = ((sects == 0 ? 4 : sects) + 1) * 512;
	total = setup_size + klen + l->trailing;
	f = calloc(1, (size_t)total);
	CHECK(f != NULL, "allocation");
	k = f + setup_size;
	im->file = f;
	im->setup_size = (size_t)setup_size;
	im->kernel_off = (size_t)setup_size;
	im->payload_pos = (size_t)l->payload_pos;
	im->payload_off = (size_t)(setup_size + l->payload_pos);

	/* Kernel bytes: a pattern, the payload, kernel_info. */
	fill_pattern(k, 100, klen);
	memcpy(k + l->payload_pos, pl->bytes, pl->len);
	if (l->kinfo_place != 2) {
		const uint64_t t_ks[] = {0,	     15, 17, klen,
					 0xffffffff, 16, 32, 8};
		kinfo_size = resolve(ki->size, 16, t_ks, 8, UINT32_MAX);
		{
			const uint64_t t_kt[] = {0,
						 15,
						 kinfo_size,
						 klen - kinfo,
						 klen - kinfo + 1,
						 0xffffffff,
						 kinfo_size - 1,
						 16};
			kinfo_total =
			    resolve(ki->total, kinfo_size, t_kt, 8, UINT32_MAX);
		}
		memcpy(k + kinfo, ki->bad_magic ? "LToQ" : "LToP", 4);
		put32(k + kinfo + 4, kinfo_size);
		put32(k + kinfo + 8, kinfo_total);
		put32(k + kinfo + 12, ki->setup_type_max);
	}

	/* The setup header. */
	f[0x1f1] = (uint8_t)sects;
	ksize = klen / 16;
	v = resolve(h->syssize, ksize, t_sys, 8, UINT32_MAX);
	put32(f + 0x1f4, v);
	put16(f + 0x1fa, 0xffff);
	put16(f + 0x1fe, h->boot_flag);
	f[0x200] = h->jump_op;
	need = header_need(h->version);
	{
		const uint64_t t_jump[] = {0,	 need - 0x203, 0x6a, 0x8e,
					   0xff, 0x3a,	       0x66, 0x69};
		jump = resolve(h->jump, need - 0x202, t_jump, 8, 0xff);
	}
	f[0x201] = (uint8_t)jump;
	put32(f + 0x202, h->magic);
	put16(f + 0x206, h->version);
	f[0x211] = h->loadflags;
	put32(f + 0x214, ONE_MIB);
	put32(f + 0x22c, 0x7fffffff);
	kalign = resolve(h->kalign, 0x1000, t_align, 8, UINT32_MAX);
	put32(f + 0x230, kalign);
	f[0x234] = (uint8_t)resolve(h->relocatable, 1, t_reloc, 4, 0xff);
	{
		const uint64_t t_min[] = {0, 12, 21, 31, 32, 0xff, 1, 13};
		f[0x235] = (uint8_t)resolve(h->minal, align_of(kalign), t_min,
					    8, 0xff);
	}
	put16(f + 0x236, h->xloadflags);
	put32(f + 0x238, resolve(h->cmdline_size, 2047, t_cmd, 5, UINT32_MAX));
	{
		const uint64_t t_po[] = {0,	     klen,	 klen - 1,
					 0xffffffff, 0x80000000, 16,
					 klen - 16,  1};
		const uint64_t t_pl[] = {0,
					 1,
					 klen - l->payload_pos,
					 klen - l->payload_pos + 1,
					 0xffffffff,
					 pl->len + 16,
					 8,
					 7};
		uint64_t po = resolve(h->payload_offset, l->payload_pos, t_po,
				      8, UINT32_MAX);
		uint64_t pln =
		    resolve(h->payload_length, pl->len, t_pl, 8, UINT32_MAX);
		put32(f + 0x248, po);
		put32(f + 0x24c, pln);
	}
	put64(f + 0x258, resolve(h->pref, ONE_MIB, t_pref, 8, UINT64_MAX));
	{
		const uint64_t t_init[] = {0,	     klen - 16,	 klen - 1,
					   klen,     0xffffffff, 0x80000000,
					   0x200000, 0x1000};
		put32(f + 0x260, resolve(h->init_size, klen + 0x100, t_init, 8,
					 UINT32_MAX));
	}
	{
		const uint64_t t_ki[] = {0,	     klen - 16, klen - 15, klen,
					 0xffffffff, 16,	klen - 1,  1};
		put32(f + 0x268,
		      resolve(h->kinfo_offset, kinfo, t_ki, 8, UINT32_MAX));
	}
	memset(f + setup_size + klen, 0x5a, (size_t)l->trailing);

	im->len = (size_t)total;
	if (l->truncate == 1)
		im->len -=
		    (size_t)(l->truncate_v < total ? l->truncate_v : total);
	else if (l->truncate == 2 && l->truncate_v < total)
		im->len = (size_t)l->truncate_v;
	for (unsigned i = 0; i < pt->n && im->len > 0; i++)
		f[pt->off[i] % im->len] = pt->val[i];
}

/* --- The model: what the header says, read from the file's bytes -------- */

struct model {
	uint16_t version;
	unsigned need, jump_end;
	uint64_t setup_size, ksize, kalign, pref, init_field, deflt;
	unsigned minal;
	uint16_t xlf;
	bool reloc;
	/* For the options given: */
	bool load_ok; /* the arithmetic below did not wrap */
	uint64_t load, run, init, lo, hi;
};

/* A header field as parse() decodes it: 0 beyond what the version needs. */
static uint64_t field(const uint8_t *hdr, const struct model *m, unsigned off,
		      unsigned n)
{
	return off + n <= m->need ? get(hdr + off, n) : 0;
}

static void model_header(const uint8_t *hdr, struct model *m)
{
	unsigned sects = hdr[0x1f1] == 0 ? 4u : hdr[0x1f1];

	m->version = (uint16_t)get(hdr + 0x206, 2);
	m->need = header_need(m->version);
	m->jump_end = 0x202u + hdr[0x201];
	m->setup_size = (sects + 1) * 512u;
	m->ksize = get(hdr + 0x1f4, 4) * 16;
	m->kalign = get(hdr + 0x230, 4);
	m->reloc = hdr[0x234] == 1;
	m->minal = m->version >= 0x020a ? hdr[0x235] : 0;
	m->xlf = m->version >= 0x020c ? (uint16_t)get(hdr + 0x236, 2) : 0;
	m->pref = m->version >= 0x020a ? field(hdr, m, 0x258, 8) : 0;
	m->init_field = m->version >= 0x020a ? field(hdr, m, 0x260, 4) : 0;
	m->deflt = m->version >= 0x020a ? m->pref : ONE_MIB;
}

/* The load address's required alignment under LOAD_ADDR. */
static uint64_t load_align(const struct model *m)
{
	if (m->version >= 0x020a)
		return m->minal < 64 ? (uint64_t)1 << m->minal : 0;
	return m->kalign;
}

static void model_load(struct model *m, uint64_t load)
{
	uint64_t start = load, end1, end2;

	m->load = load;
	m->init = m->version >= 0x020a ? m->init_field : m->ksize;
	m->load_ok = false;
	if (m->reloc) {
		if (m->kalign == 0 || (m->kalign & (m->kalign - 1)) != 0)
			return;
		if (m->version >= 0x020a && start < m->pref)
			start = m->pref;
		if (__builtin_add_overflow(start, m->kalign - 1, &start))
			return;
		m->run = start & ~(m->kalign - 1);
	} else {
		m->run = m->deflt;
	}
	if (__builtin_add_overflow(m->load, m->ksize, &end1) ||
	    __builtin_add_overflow(m->run, m->init, &end2))
		return;
	m->lo = m->load < m->run ? m->load : m->run;
	m->hi = end1 > end2 ? end1 : end2;
	m->load_ok = true;
}

static uint64_t pick_load(const struct params *p, const struct model *m)
{
	static const uint64_t t[] = {0,
				     0x100000,
				     0x200000,
				     0x1000000,
				     0xfffff000,
				     0x100000000,
				     0xffffffffffe00000u,
				     0xfffffffffffff000u};

	if (p->load.sel == 2)
		return m->deflt + (p->load.v - 16) * load_align(m);
	return resolve(p->load, m->deflt, t, 8, UINT64_MAX);
}

/* --- Guest memory --------------------------------------------------------- */

#define MAX_RANGES 4

/* Add [start, start + size) clipped to the address space and the cap. */
static void add_range(struct cvmm_mem_range *r, size_t *n, uint64_t start,
		      uint64_t size, bool ro, uint64_t *budget)
{
	if (size > UINT64_MAX - start)
		size = UINT64_MAX - start;
	if (size > *budget)
		size = *budget;
	if (size == 0 || *n == MAX_RANGES)
		return;
	*budget -= size;
	r[*n].gpa = cvmm_mem_gpa_from(start);
	r[*n].size = size;
	r[*n].flags = ro ? CVMM_MEM_REGION_READONLY : 0;
	(*n)++;
}

static size_t make_ranges(const struct params *p, const struct model *m,
			  struct cvmm_mem_range *r)
{
	static const uint64_t t[] = {0,
				     0x100000,
				     0xff000,
				     0x1000000,
				     0xfffff000,
				     0x100000000,
				     0xfffffffffff00000u,
				     0x200000};
	uint64_t budget = p->mem_cap, lo = ONE_MIB, hi = ONE_MIB + 65536;
	uint64_t start, end, size, at, len;
	size_t n = 0;

	if (p->mem_mode == 2) {
		start = resolve(p->explicit_addr, m->load_ok ? m->lo : ONE_MIB,
				t, 8, UINT64_MAX);
		for (unsigned i = 0; i < p->nexplicit; i++) {
			if (i > 0 && __builtin_add_overflow(
					 start, p->explicit_gap[i], &start))
				break;
			add_range(r, &n, start, p->explicit_size[i],
				  p->explicit_ro[i], &budget);
			if (n == 0 ||
			    __builtin_add_overflow(r[n - 1].gpa.raw,
						   r[n - 1].size, &start) ||
			    start == UINT64_MAX)
				break;
		}
		if (n == 0) /* the backend needs a region */
			add_range(r, &n, ONE_MIB, 4096, false, &budget);
		return n;
	}
	if (p->mem_mode <= 1 && m->load_ok && m->hi > m->lo) {
		lo = m->lo;
		hi = m->hi;
	}
	start = lo - (p->slack_lo < lo ? p->slack_lo : lo);
	end = p->mem_mode <= 1 && hi <= UINT64_MAX - p->slack_hi
		  ? hi + p->slack_hi
		  : hi;
	size = end - start;
	if (size > p->mem_cap)
		size = p->mem_cap;
	if (p->mem_mode != 1) {
		add_range(r, &n, start, size, false, &budget);
		return n;
	}
	at = start + (uint64_t)p->defect_pos * size / 65536;
	len = p->defect_len < start + size - at ? p->defect_len
						: start + size - at;
	switch (p->defect_kind) {
	case 0: /* a hole */
		add_range(r, &n, start, at - start, false, &budget);
		add_range(r, &n, at + len, start + size - at - len, false,
			  &budget);
		break;
	case 1: /* a read-only piece */
		add_range(r, &n, start, at - start, false, &budget);
		add_range(r, &n, at, len, true, &budget);
		add_range(r, &n, at + len, start + size - at - len, false,
			  &budget);
		break;
	default: /* cut short */
		add_range(r, &n, start, at - start, false, &budget);
		break;
	}
	if (n == 0) /* the backend needs a region */
		add_range(r, &n, ONE_MIB, 4096, false, &budget);
	return n;
}

/* Compare host[0..n) (guest bytes from gpa) with the pattern. */
static void check_pattern(const uint8_t *host, uint64_t gpa, uint64_t n,
			  const char *what)
{
	for (uint64_t k = 0; k < n; k += CHUNK) {
		uint64_t c = n - k < CHUNK ? n - k : CHUNK;
		const uint8_t *want = ptab + (gpa + k) % PERIOD;

		if (memcmp(host + k, want, (size_t)c) == 0)
			continue;
		for (uint64_t i = 0; i < c; i++)
			if (host[k + i] != want[i])
				fprintf(stderr,
					"bzimage: guest byte 0x%llx changed "
					"%s\n",
					(unsigned long long)(gpa + k + i),
					what);
		CHECK(0, "nothing written outside the load range");
	}
}

/*
 * Every guest byte outside [lo, hi) still holds the pattern; inside, the
 * bytes are inside[] (when given: what was loaded).
 */
static void check_memory(struct cvmm_mem_test *tm, uint64_t lo, uint64_t hi,
			 const uint8_t *inside, const char *what)
{
	const struct cvmm_mem_regions *regs = cvmm_mem_test_regions(tm);

	for (size_t i = 0; i < cvmm_mem_regions_count(regs); i++) {
		const struct cvmm_mem_region *r = cvmm_mem_regions_at(regs, i);
		uint64_t g = r->gpa.raw, end = g + r->size;
		uint64_t a = g > lo ? g : lo, b = end < hi ? end : hi;

		if (lo >= hi || a >= b) {
			check_pattern(r->host, g, r->size, what);
			continue;
		}
		check_pattern(r->host, g, a - g, what);
		if (inside != NULL)
			CHECK(memcmp(r->host + (a - g), inside + (a - lo),
				     (size_t)(b - a)) == 0,
			      "loaded bytes are the file's");
		check_pattern(r->host + (b - g), b, end - b, what);
	}
}

static void fill_memory(struct cvmm_mem_test *tm)
{
	const struct cvmm_mem_regions *regs = cvmm_mem_test_regions(tm);

	for (size_t i = 0; i < cvmm_mem_regions_count(regs); i++) {
		const struct cvmm_mem_region *r = cvmm_mem_regions_at(regs, i);
		fill_pattern(r->host, r->gpa.raw, r->size);
	}
}

/* --- An image source that fails on demand ------------------------------- */

struct fsrc {
	const uint8_t *data;
	uint64_t reads, nth;
	int err;
};

static int fsrc_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	struct fsrc *s = ctx;

	if (++s->reads == s->nth)
		return s->err;
	memcpy(dst, s->data + off, len);
	return 0;
}

static const struct cvmm_ll_source_ops fsrc_ops = {.read = fsrc_read};

static bool fsrc_fired(const struct fsrc *s)
{
	return s->nth != 0 && s->reads >= s->nth;
}

/* --- Checks ----------------------------------------------------------------
 */

static void check_err(int rc, const struct cvmm_ll_error *err)
{
	if (err == NULL)
		return;
	CHECK(err->code == rc, "err.code is the result");
	CHECK(memchr(err->msg, '\0', sizeof(err->msg)) != NULL,
	      "the message is NUL-terminated");
	if (rc == 0)
		CHECK(err->msg[0] == '\0', "a success has an empty message");
	else
		CHECK(err->msg[0] != '\0', "an error has a message");
}

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Every documented check of cvmm/ll-bzimage.h holds for an accepted file. */
static void check_accepted(const uint8_t *f, size_t len, const struct model *m,
			   uint32_t flags)
{
	uint64_t ks = m->ksize;

	CHECK(len >= 1024, "accepted: at least the boot sector and header");
	CHECK(get(f + 0x1fe, 2) == 0xaa55, "accepted: boot_flag");
	CHECK(get(f + 0x202, 4) == 0x53726448, "accepted: HdrS");
	CHECK(f[0x200] == 0xeb, "accepted: short jump");
	CHECK(m->jump_end >= m->need, "accepted: header long enough");
	CHECK(m->version >= 0x0206, "accepted: version >= 2.06");
	CHECK(m->version <= 0x020f || (flags & CVMM_LL_BZ_ALLOW_NEWER),
	      "accepted: version <= 2.15 unless ALLOW_NEWER");
	CHECK(f[0x211] & CVMM_LL_LOADED_HIGH, "accepted: LOADED_HIGH");
	CHECK(ks != 0, "accepted: syssize non-zero");
	CHECK(m->setup_size + ks <= len, "accepted: kernel inside the file");
	CHECK(f[0x234] <= 1, "accepted: relocatable_kernel 0 or 1");
	if (m->reloc) {
		CHECK(is_pow2(m->kalign), "accepted: kernel_alignment pow2");
		if (m->version >= 0x020a)
			CHECK(m->minal < 32 &&
				  ((uint64_t)1 << m->minal) <= m->kalign,
			      "accepted: min_alignment <= kernel_alignment");
	}
	if (flags & CVMM_LL_BZ_REQUIRE_64BIT)
		CHECK(m->version >= 0x020c && (m->xlf & 1),
		      "accepted: REQUIRE_64BIT has XLF_KERNEL_64");
	if (m->xlf & 1)
		CHECK(ks > 0x200, "accepted: room for the 64-bit entry");
	CHECK(get(f + 0x238, 4) != 0, "accepted: cmdline_size non-zero");
	if (m->version >= 0x0208) {
		uint64_t po = get(f + 0x248, 4), pl = get(f + 0x24c, 4);
		CHECK(pl != 0 && po + pl <= ks,
		      "accepted: payload inside the kernel");
	}
	if (m->version >= 0x020a) {
		uint64_t end;
		CHECK(m->init_field >= ks, "accepted: init_size >= kernel");
		CHECK(m->pref >= ONE_MIB, "accepted: pref_address >= 1 MiB");
		CHECK(!__builtin_add_overflow(m->pref, m->init_field, &end),
		      "accepted: pref_address + init_size without wrap");
	}
	if (m->version >= 0x020f) {
		uint64_t off = get(f + 0x268, 4), size, total;
		const uint8_t *ki = f + m->setup_size + off;
		CHECK(off + 16 <= ks, "accepted: kernel_info header inside");
		size = get(ki + 4, 4);
		total = get(ki + 8, 4);
		CHECK(get(ki, 4) == 0x506f544c, "accepted: kernel_info magic");
		CHECK(size >= 16 && total >= size,
		      "accepted: kernel_info size");
		CHECK(off + total <= ks, "accepted: kernel_info inside");
	}
}

/* The validated header copy is the file's, as the version defines it. */
static void check_image(const struct cvmm_ll_bzimage *b, const uint8_t *f,
			size_t len, const struct model *m)
{
	unsigned end = m->jump_end < 0x290 ? m->jump_end : 0x290;

	CHECK(b->hdr.version == m->version, "image: version");
	CHECK(b->hdr.syssize == get(f + 0x1f4, 4), "image: syssize");
	CHECK(b->hdr.setup_sects == f[0x1f1], "image: setup_sects");
	CHECK(b->hdr.kernel_alignment == m->kalign, "image: kernel_alignment");
	CHECK(b->hdr.min_alignment == m->minal, "image: min_alignment");
	CHECK(b->hdr.xloadflags == m->xlf, "image: xloadflags");
	CHECK(b->hdr.pref_address == m->pref, "image: pref_address");
	CHECK(b->hdr.init_size == m->init_field, "image: init_size");
	CHECK(b->hdr.cmdline_size == get(f + 0x238, 4), "image: cmdline_size");
	CHECK(b->hdr.kernel_info_offset == field(f, m, 0x268, 4),
	      "image: kernel_info_offset");
	CHECK(b->raw_len == end - 0x1f1, "image: raw header length");
	CHECK(memcmp(b->raw, f + 0x1f1, b->raw_len) == 0,
	      "image: raw header bytes");
	CHECK(b->file_size == len, "image: file size");
	CHECK(b->setup_size == m->setup_size, "image: setup size");
	CHECK(b->kernel_size == m->ksize, "image: kernel size");
	CHECK(b->kernel_file_offset == m->setup_size, "image: kernel offset");
	if (m->version >= 0x0208) {
		CHECK(b->payload_file_offset ==
			  m->setup_size + get(f + 0x248, 4),
		      "image: payload offset");
		CHECK(b->payload_size == get(f + 0x24c, 4),
		      "image: payload size");
	} else {
		CHECK(b->payload_file_offset == 0 && b->payload_size == 0,
		      "image: no payload before 2.08");
	}
	CHECK(b->setup_type_max ==
		  (m->version >= 0x020f
		       ? get(f + m->setup_size + get(f + 0x268, 4) + 12, 4)
		       : 0),
	      "image: setup_type_max");
	CHECK(b->relocatable == m->reloc, "image: relocatable");
	CHECK(b->has_64bit_entry == ((m->xlf & 1) != 0), "image: 64-bit");
	CHECK(b->can_load_above_4g == ((m->xlf & 2) != 0), "image: above 4G");
	CHECK(b->default_load_addr == m->deflt, "image: default address");
}

static void check_result(const struct cvmm_ll_bzimage_result *r,
			 const struct model *m, uint32_t flags)
{
	bool has64 = (m->xlf & 1) != 0;

	CHECK(m->load_ok, "the model computes what the loader accepted");
	CHECK(r->load.start.raw == m->load, "result: load address");
	CHECK(r->load.size == m->ksize, "result: load size");
	CHECK(r->entry32.raw == m->load, "result: entry32 is the load address");
	CHECK(r->entry64.raw == (has64 ? m->load + 0x200 : 0),
	      "result: entry64 is load + 0x200");
	CHECK(r->entry.raw == (has64 ? r->entry64.raw : r->entry32.raw),
	      "result: entry");
	CHECK(r->entry.raw >= r->load.start.raw &&
		  r->entry.raw - r->load.start.raw < r->load.size,
	      "result: entry inside the load range");
	CHECK(r->runtime_start.raw == m->run, "result: runtime start");
	CHECK(r->init_size == m->init, "result: init_size");
	CHECK(r->reserved.start.raw == m->lo &&
		  r->reserved.size == m->hi - m->lo,
	      "result: reserved is the hull of load and runtime");
	if (!(m->xlf & 2))
		CHECK(m->hi <= FOUR_GIB, "result: below 4 GiB without XLF");
	if ((flags & CVMM_LL_BZ_LOAD_ADDR) && m->reloc)
		CHECK(load_align(m) != 0 && m->load % load_align(m) == 0,
		      "result: load address aligned");
	if (!(flags & CVMM_LL_BZ_LOAD_ADDR) || !m->reloc)
		CHECK(m->load == m->deflt, "result: default load address");
	if (m->reloc)
		CHECK(m->run % m->kalign == 0 && m->run >= m->load,
		      "result: runtime start aligned, not below the load");
}

/* The format a payload's first bytes name (cvmm/ll-payload.h). */
static int magic_format(const uint8_t *p, size_t n)
{
	static const struct {
		const char *m;
		size_t n;
		int f;
	} t[] = {
	    {"\x1f\x8b", 2, CVMM_LL_COMP_GZIP},
	    {"\xfd"
	     "7zXZ\0",
	     6, CVMM_LL_COMP_XZ},
	    {"\x28\xb5\x2f\xfd", 4, CVMM_LL_COMP_ZSTD},
	    {"\x02\x21\x4c\x18", 4, CVMM_LL_COMP_LZ4},
	    {"\177ELF", 4, CVMM_LL_COMP_NONE},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (n >= t[i].n && memcmp(p, t[i].m, t[i].n) == 0)
			return t[i].f;
	return -1;
}

static void run_extract(const struct image *im, struct fsrc *fs,
			const struct cvmm_ll_source *src, size_t max_size,
			struct cvmm_ll_error *err, bool expect_ok)
{
	struct cvmm_ll_payload p, sentinel;
	const uint8_t *f = im->file;
	int rc;

	memset(&p, 0xA5, sizeof(p));
	sentinel = p;
	fs->reads = 0;
	rc = cvmm_ll_payload_extract(src, max_size, &p, err);
	check_err(rc, err);
	if (rc != 0) {
		CHECK(rc < 0, "a negative errno");
		CHECK(memcmp(&p, &sentinel, sizeof(p)) == 0,
		      "extract: output untouched on failure");
		CHECK(!expect_ok || fsrc_fired(fs),
		      "extract: an intact payload is extracted");
		return;
	} else {
		uint64_t po = im->setup_size + get(f + 0x248, 4);
		uint64_t pl = get(f + 0x24c, 4);
		const uint8_t *pay = f + po;

		CHECK(p.data != NULL && p.size <= max_size,
		      "extract: at most max_size bytes");
		CHECK(p.size >= 4 && memcmp(p.data, "\177ELF", 4) == 0,
		      "extract: an ELF image");
		CHECK(pl >= 8 && p.size == get(pay + pl - 4, 4),
		      "extract: exactly the declared size");
		CHECK(p.compressed_size == pl, "extract: compressed size");
		CHECK((int)p.format == magic_format(pay, pl),
		      "extract: the format the magic names");
		CHECK(strcmp(cvmm_ll_compression_name(p.format), "unknown") !=
			  0,
		      "extract: the format has a name");
		CHECK(strcmp(cvmm_ll_compression_name(
				 (enum cvmm_ll_compression)(p.format + 8)),
			     "unknown") == 0,
		      "extract: names only the formats there are");
		if (p.format == CVMM_LL_COMP_NONE)
			CHECK(memcmp(p.data, pay, p.size) == 0,
			      "extract: an uncompressed payload as it is");
		if (expect_ok)
			CHECK(p.size == im->pl.content_len &&
				  memcmp(p.data, im->pl.content, p.size) == 0,
			      "extract: the content that was compressed");
	}
	cvmm_ll_payload_free(&p);
	CHECK(p.data == NULL, "payload_free clears");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int src_errs[] = {-EIO, -EINTR, 1, -ERANGE};
	struct params p;
	struct header h;
	struct layout l;
	struct payload_in pin;
	struct kinfo_in ki;
	struct patches pt;
	struct image im;
	struct model m;
	struct cvmm_mem_range ranges[MAX_RANGES];
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	struct cvmm_ll_bzimage b, b_sentinel;
	struct cvmm_ll_bzimage_result res, res_sentinel;
	struct cvmm_ll_bzimage_opts opts;
	struct cvmm_ll_error err, *load_err;
	char load_msg[CVMM_LL_ERROR_MSG_SIZE];
	struct cvmm_ll_source src;
	struct fsrc fs;
	struct cvmm_mw w; /* hull only: no log, nothing to free */
	uint32_t flags;
	uint64_t max_size, declared;
	bool fired, expect_ok;
	int rc, rc_p;
	size_t n;
	struct cvmm_fi in;

	tables_init();
	cvmm_fi_init(&in, data, size);
	memset(&p, 0, sizeof(p));
	memset(&pin, 0, sizeof(pin));
	decode_params(&in, &p);
	decode_header(&in, &h);
	decode_layout(&in, &l);
	decode_payload(&in, &pin);
	decode_kinfo(&in, &ki);
	decode_patches(&in, &pt);
	pin.lz4_split = (cvmm_fi_u8(&in) & 1) != 0;
	build_image(&h, &l, &pin, &ki, &pt, &im);

	flags = (p.options & 8) ? 0 : p.options & 7u;
	model_header(im.file, &m);
	model_load(&m, (flags & CVMM_LL_BZ_LOAD_ADDR) ? pick_load(&p, &m)
						      : m.deflt);
	opts.flags = flags;
	opts.load_addr = m.load;
	n = make_ranges(&p, &m, ranges);
	CHECK(cvmm_mem_test_create(ranges, n, p.granule, &tm) == 0,
	      "the test backend takes the layout");
	mem = cvmm_mem_test_iface(tm);
	fill_memory(tm);
	fs.data = im.file;
	fs.nth = p.src_fail;
	fs.err = src_errs[p.src_err];
	src.ops = &fsrc_ops;
	src.ctx = &fs;
	src.size = im.len;

	/* Parse alone. */
	memset(&b, 0xA5, sizeof(b));
	b_sentinel = b;
	fs.reads = 0;
	rc_p = cvmm_ll_bzimage_parse(
	    &src, flags & (CVMM_LL_BZ_REQUIRE_64BIT | CVMM_LL_BZ_ALLOW_NEWER),
	    &b, &err);
	check_err(rc_p, &err);
	if (rc_p != 0)
		CHECK(memcmp(&b, &b_sentinel, sizeof(b)) == 0,
		      "parse: output untouched on failure");

	/* Load, watched, with an injected failure if asked. */
	CHECK(cvmm_mw_init(&w, 0) == 0, "the watch");
	cvmm_mw_attach(&w, tm);
	CHECK(cvmm_mem_test_fail_nth(tm, p.mem_fail, -EIO) == 0, "arm");
	memset(&res, 0xA5, sizeof(res));
	res_sentinel = res;
	fs.reads = 0;
	load_err = (p.options & 16) ? NULL : &err;
	rc = cvmm_ll_bzimage_load(&mem, &src, (p.options & 8) ? NULL : &opts,
				  &res, load_err);
	fired = cvmm_mem_test_failure_fired(tm) || fsrc_fired(&fs);
	CHECK(cvmm_mem_test_fail_nth(tm, 0, -EIO) == 0, "disarm");
	cvmm_mw_detach(tm);
	check_err(rc, load_err);
	snprintf(load_msg, sizeof(load_msg), "%s",
		 load_err == NULL ? "-"
		 : rc == 0	  ? "ok"
				  : load_err->msg);
	if (rc_p != 0)
		CHECK(rc == rc_p, "load fails as parse does");
	if (rc == 0) {
		CHECK(rc_p == 0, "load accepts only what parse accepts");
		check_accepted(im.file, im.len, &m, flags);
		check_image(&res.image, im.file, im.len, &m);
		check_image(&b, im.file, im.len, &m);
		check_result(&res, &m, flags);
		CHECK(w.writes == 0 ||
			  (w.lo >= m.load && w.hi <= m.load + m.ksize),
		      "writes only inside the reported load range");
		check_memory(tm, m.load, m.load + m.ksize,
			     im.file + m.setup_size, "after a load");
	} else {
		CHECK(rc < 0, "a negative errno");
		CHECK(memcmp(&res, &res_sentinel, sizeof(res)) == 0,
		      "load: output untouched on failure");
		if (!fired) {
			CHECK(w.writes == 0, "a refused load writes nothing");
			check_memory(tm, 1, 0, NULL, "after a refused load");
		} else {
			CHECK(w.writes == 0 ||
				  (rc_p == 0 && m.load_ok && w.lo >= m.load &&
				   w.hi <= m.load + m.ksize),
			      "a failed copy writes only the load range");
			check_memory(tm, m.load, m.load + m.ksize, NULL,
				     "after a failed copy");
		}
	}

	/* Extraction of the payload. */
	{
		static const uint64_t t[] = {
		    0, 1, 63, 64, 1u << 20, 0xffffffff, 4096, CONTENT_MAX};
		struct cvmm_ll_bzimage nb;
		struct cvmm_ll_source plain =
		    cvmm_ll_source_buffer(im.file, im.len);
		uint64_t po = im.setup_size + get(im.file + 0x248, 4);
		uint64_t pl = get(im.file + 0x24c, 4);

		declared = im.pl.content_len;
		if (pl >= 4 && po + pl <= im.len)
			declared = get(im.file + po + pl - 4, 4);
		max_size = resolve(p.max_size, declared, t, 8, UINT32_MAX);
		if (max_size > (8u << 20))
			max_size = 8u << 20;
		expect_ok =
		    im.pl.intact && get(im.file + 0x248, 4) == im.payload_pos &&
		    pl == im.pl.len && im.payload_off + im.pl.len <= im.len &&
		    memcmp(im.file + im.payload_off, im.pl.bytes, im.pl.len) ==
			0 &&
		    m.version >= 0x0208 && im.pl.content_len >= 64 &&
		    !pin.bad_magic && max_size >= im.pl.content_len &&
		    cvmm_ll_bzimage_parse(&plain, CVMM_LL_BZ_ALLOW_NEWER, &nb,
					  NULL) == 0;
		run_extract(&im, &fs, &src, (size_t)max_size, &err, expect_ok);
	}

	if (getenv("CVMM_FUZZ_VERBOSE") != NULL)
		fprintf(stderr,
			"bzimage: parse %d, load %d (%s), extract expected %d, "
			"%zu-byte file\n",
			rc_p, rc, load_msg, expect_ok, im.len);
	cvmm_mem_test_destroy(tm);
	free(im.file);
	return 0;
}
