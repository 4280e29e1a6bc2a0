/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the bzimage target, written with the encoder that mirrors
 * fuzz/bzimage.c's decoder (see the input description there). Each seed is
 * a spec: all fields zero means "the consistent value" everywhere, which
 * decodes to a valid, loadable protocol 2.15 image; a seed changes the
 * fields that make its case. Cases from the unit tests and the boot
 * protocol: every version 2.06..2.15, relocatable and not, every payload
 * format, corrupt payloads, load addresses (aligned, not, above 4 GiB),
 * memory with 1-byte regions, holes and read-only pieces, failures
 * injected in memory and in the image source, kernel_info defects, a
 * broken header, truncated files, and the header values of a real Debian
 * 6.1 cloud kernel (numbers only; no kernel bytes).
 *
 *   fuzz-seeds-bzimage OUT_DIR
 */
#include <string.h>

#include "fuzz-input.h"
#include "seeds.h"

/* A choice: sel 0 consistent, 1 table index, 2 consistent + v - 16,
 * 3 raw value. */
struct ch {
	unsigned sel;
	uint64_t v;
};

#define TABLE(i)   ((struct ch){1, (i)})
#define NEAR(d)	   ((struct ch){2, (uint64_t)((d) + 16)})
#define RAW(x)	   ((struct ch){3, (x)})
#define CONSISTENT ((struct ch){0, 0})

struct spec {
	/* parameters */
	uint8_t options;
	struct ch load;
	unsigned granule; /* index into {0, 1, 3, 64, 512, 4096} */
	unsigned mem_mode;
	uint64_t slack_lo, slack_hi;
	unsigned defect_kind;
	uint16_t defect_pos;
	uint64_t defect_len; /* 0 means 1 */
	unsigned nexplicit;
	struct ch explicit_addr;
	uint64_t gap[4], size[4];
	bool ro[4];
	unsigned mem_fail, src_fail, src_err;
	struct ch max_size;
	/* header */
	struct ch setup_sects;
	unsigned version; /* selector 0..14 (0 = 2.15); 15 with version_raw */
	uint16_t version_raw;
	struct ch jump;
	uint8_t breakage;
	uint16_t boot_flag;
	uint32_t magic;
	uint8_t jump_op;
	uint8_t loadflags_x; /* loadflags ^ LOADED_HIGH */
	struct ch syssize, relocatable, kalign, minal;
	uint16_t xlf_x; /* xloadflags ^ 3 */
	struct ch cmdline_size, pref, init_size, payload_offset, payload_length,
	    kinfo_offset;
	/* layout */
	uint64_t payload_pos16;
	unsigned kinfo_place;
	uint64_t kinfo_pos, extra_paras, trailing;
	unsigned truncate;
	uint64_t truncate_v;
	/* payload */
	unsigned format;
	uint64_t raw_len;
	const uint8_t *raw;
	uint64_t content_len;
	uint8_t seed;
	bool compressible, bad_magic;
	unsigned corrupt;
	uint16_t corrupt_pos;
	uint8_t corrupt_xor;
	uint64_t corrupt_n;
	unsigned trailer;
	uint64_t trailer_v;
	/* kernel_info */
	bool kinfo_bad;
	struct ch kinfo_size, kinfo_total;
	uint32_t setup_type_max;
	/* patches */
	unsigned npatch;
	uint32_t patch_off[4];
	uint8_t patch_val[4];
	uint8_t extras; /* bit 0: lz4 in two blocks */
};

static void ch(struct cvmm_fo *o, struct ch c, uint64_t mask)
{
	cvmm_fo_range(o, 0, 3, c.sel);
	if (c.sel == 1)
		cvmm_fo_range(o, 0, 7, c.v);
	else if (c.sel == 2)
		cvmm_fo_range(o, 0, 32, c.v);
	else if (c.sel == 3)
		cvmm_fo_range(o, 0, mask, c.v);
}

static void encode(struct cvmm_fo *o, const struct spec *s)
{
	cvmm_fo_u8(o, s->options);
	ch(o, s->load, UINT64_MAX);
	cvmm_fo_range(o, 0, 5, s->granule);
	cvmm_fo_range(o, 0, 3, s->mem_mode);
	if (s->mem_mode <= 1) {
		cvmm_fo_range(o, 0, 4096, s->slack_lo);
		cvmm_fo_range(o, 0, 4096, s->slack_hi);
	}
	if (s->mem_mode == 1) {
		cvmm_fo_range(o, 0, 2, s->defect_kind);
		cvmm_fo_u16(o, s->defect_pos);
		cvmm_fo_range(o, 1, 4096, s->defect_len ? s->defect_len : 1);
	}
	if (s->mem_mode == 2) {
		cvmm_fo_range(o, 1, 4, s->nexplicit);
		for (unsigned i = 0; i < s->nexplicit; i++) {
			if (i == 0)
				ch(o, s->explicit_addr, UINT64_MAX);
			else
				cvmm_fo_range(o, 0, 4096, s->gap[i]);
			cvmm_fo_range(o, 1, 16384, s->size[i]);
			cvmm_fo_bool(o, s->ro[i]);
		}
	}
	cvmm_fo_range(o, 0, 8, s->mem_fail);
	cvmm_fo_range(o, 0, 4, s->src_fail);
	cvmm_fo_range(o, 0, 3, s->src_err);
	ch(o, s->max_size, UINT32_MAX);

	ch(o, s->setup_sects, 0xff);
	cvmm_fo_range(o, 0, 15, s->version);
	if (s->version == 15)
		cvmm_fo_u16(o, s->version_raw);
	ch(o, s->jump, 0xff);
	cvmm_fo_u8(o, s->breakage);
	if (s->breakage & 1)
		cvmm_fo_u16(o, s->boot_flag);
	if (s->breakage & 2)
		cvmm_fo_u32(o, s->magic);
	if (s->breakage & 4)
		cvmm_fo_u8(o, s->jump_op);
	cvmm_fo_u8(o, s->loadflags_x);
	ch(o, s->syssize, UINT32_MAX);
	ch(o, s->relocatable, 0xff);
	ch(o, s->kalign, UINT32_MAX);
	ch(o, s->minal, 0xff);
	cvmm_fo_u16(o, s->xlf_x);
	ch(o, s->cmdline_size, UINT32_MAX);
	ch(o, s->pref, UINT64_MAX);
	ch(o, s->init_size, UINT32_MAX);
	ch(o, s->payload_offset, UINT32_MAX);
	ch(o, s->payload_length, UINT32_MAX);
	ch(o, s->kinfo_offset, UINT32_MAX);

	cvmm_fo_range(o, 0, 255, s->payload_pos16);
	cvmm_fo_range(o, 0, 2, s->kinfo_place);
	if (s->kinfo_place == 1)
		cvmm_fo_range(o, 0, 4095, s->kinfo_pos);
	cvmm_fo_range(o, 0, 15, s->extra_paras);
	cvmm_fo_range(o, 0, 64, s->trailing);
	cvmm_fo_range(o, 0, 2, s->truncate);
	if (s->truncate == 1)
		cvmm_fo_range(o, 1, 64, s->truncate_v);
	else if (s->truncate == 2)
		cvmm_fo_range(o, 0, 1100, s->truncate_v);

	cvmm_fo_range(o, 0, 6, s->format);
	if (s->format == 5) {
		cvmm_fo_range(o, 0, 512, s->raw_len);
		cvmm_fo_bytes(o, s->raw, (size_t)s->raw_len);
	} else {
		cvmm_fo_range(o, 0, 4096, s->content_len);
		cvmm_fo_u8(o, s->seed);
		cvmm_fo_bool(o, s->compressible);
		cvmm_fo_bool(o, s->bad_magic);
		cvmm_fo_range(o, 0, 3, s->corrupt);
		if (s->corrupt == 1) {
			cvmm_fo_u16(o, s->corrupt_pos);
			cvmm_fo_u8(o, s->corrupt_xor);
		} else if (s->corrupt >= 2) {
			cvmm_fo_range(o, 1, 16, s->corrupt_n);
		}
		cvmm_fo_range(o, 0, 3, s->trailer);
		if (s->trailer == 1)
			cvmm_fo_range(o, 1, 16, s->trailer_v);
		else if (s->trailer == 2)
			cvmm_fo_u32(o, (uint32_t)s->trailer_v);
	}

	cvmm_fo_bool(o, s->kinfo_bad);
	ch(o, s->kinfo_size, UINT32_MAX);
	ch(o, s->kinfo_total, UINT32_MAX);
	cvmm_fo_u32(o, s->setup_type_max);

	cvmm_fo_range(o, 0, 4, s->npatch);
	for (unsigned i = 0; i < s->npatch; i++) {
		cvmm_fo_u32(o, s->patch_off[i]);
		cvmm_fo_u8(o, s->patch_val[i]);
	}
	cvmm_fo_u8(o, s->extras);
}

/* The usual seed: a gzip payload of 1 KiB, loadable. */
static struct spec base(void)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	s.format = 1;
	s.content_len = 1024;
	s.compressible = true;
	s.seed = 0x42;
	s.setup_type_max = 0x80000009;
	return s;
}

static void emit(struct seeds *out, const char *what, unsigned n,
		 const struct spec *s)
{
	static uint8_t buf[2048];
	struct cvmm_fo o;

	cvmm_fo_init(&o, buf, sizeof(buf));
	encode(&o, s);
	seeds_write(out, what, n, &o);
}

int main(int argc, char **argv)
{
	static const uint8_t raw_elf[] = "\177ELF\2\1\1\0 not really a kernel, "
					 "but the magic and a size trailer"
					 "\x40\0\0\0";
	struct seeds out;
	struct spec s;

	if (seeds_open(&out, argc, argv) != 0)
		return 1;

	/* Every protocol version, relocatable (the default) and not. */
	for (unsigned v = 0; v < 10; v++) {
		s = base();
		s.version = v;
		emit(&out, "version-2.15-minus", v, &s);
		s.relocatable = TABLE(0); /* 0: not relocatable */
		emit(&out, "fixed-version-2.15-minus", v, &s);
	}
	/* Out-of-range versions, alone and with ALLOW_NEWER. */
	for (unsigned v = 10; v < 15; v++) {
		s = base();
		s.version = v;
		emit(&out, "odd-version", v, &s);
		s.options = 2; /* ALLOW_NEWER */
		emit(&out, "odd-version-allowed", v, &s);
	}

	/* Every payload format, compressible and not. */
	for (unsigned f = 0; f <= 6; f++) {
		s = base();
		s.format = f;
		if (f == 5) {
			s.raw = raw_elf;
			s.raw_len = sizeof(raw_elf) - 1;
		}
		emit(&out, "payload-format", f, &s);
		s.compressible = false;
		s.content_len = 3000;
		s.seed = (uint8_t)(f * 37);
		emit(&out, "payload-noise-format", f, &s);
	}
	/* Broken payloads: a flipped byte, cut, extended, wrong trailers,
	 * a broken ELF magic, too small, and limits around the size. */
	for (unsigned f = 0; f <= 4; f++) {
		s = base();
		s.format = f;
		s.corrupt = 1;
		s.corrupt_pos = 40000;
		s.corrupt_xor = 0x10;
		emit(&out, "payload-flipped", f, &s);
		s.corrupt = 2;
		s.corrupt_n = 5;
		emit(&out, "payload-cut", f, &s);
		s.corrupt = 3;
		s.corrupt_n = 3;
		emit(&out, "payload-extended", f, &s);
		s.corrupt = 0;
		s.trailer = 1;
		s.trailer_v = 9; /* declared one more */
		emit(&out, "payload-trailer-plus-one", f, &s);
		s.trailer = 2;
		s.trailer_v = 0xffffffff;
		emit(&out, "payload-trailer-huge", f, &s);
		s.trailer = 3;
		emit(&out, "payload-trailer-absent", f, &s);
		s.trailer = 0;
		s.max_size = NEAR(-1);
		emit(&out, "payload-over-limit", f, &s);
		s.max_size = CONSISTENT;
		s.bad_magic = true;
		emit(&out, "payload-not-elf", f, &s);
		s.bad_magic = false;
		s.content_len = 63;
		emit(&out, "payload-too-small", f, &s);
	}

	/* lz4 in two blocks with the magic between (concatenated frames),
	 * and an lz4 block corrupt where 8 MiB are declared. */
	s = base();
	s.format = 4;
	s.extras = 1;
	emit(&out, "payload-lz4-two-blocks", 0, &s);
	s.compressible = false;
	s.content_len = 2000;
	emit(&out, "payload-lz4-two-blocks", 1, &s);
	s = base();
	s.format = 4;
	s.corrupt = 1;
	s.corrupt_pos = 30000;
	s.corrupt_xor = 0x80;
	s.trailer = 2;
	s.trailer_v = 8u << 20;
	s.max_size = TABLE(5);
	emit(&out, "payload-lz4-corrupt-8m", 0, &s);

	/* The runtime range, not the load range, crosses 4 GiB without
	 * XLF_CAN_BE_LOADED_ABOVE_4G. */
	s = base();
	s.pref = TABLE(3);	/* 0xfffff000 */
	s.init_size = TABLE(6); /* 2 MiB */
	s.xlf_x = 2;
	emit(&out, "runtime-crosses-4g", 0, &s);
	s.xlf_x = 0;
	emit(&out, "runtime-crosses-4g", 1, &s);

	/* Load addresses: aligned above the default, unaligned, above
	 * 4 GiB with and without XLF_CAN_BE_LOADED_ABOVE_4G. */
	s = base();
	s.options = 4; /* LOAD_ADDR */
	s.load = NEAR(1);
	emit(&out, "load-aligned", 0, &s);
	s.load = NEAR(3);
	s.mem_mode = 1;
	s.defect_kind = 1;
	s.defect_pos = 0xf000;
	s.defect_len = 16;
	emit(&out, "load-aligned-readonly-tail", 0, &s);
	s = base();
	s.options = 4;
	s.load = RAW(0x100010);
	emit(&out, "load-unaligned", 0, &s);
	s.load = TABLE(5); /* 4 GiB */
	emit(&out, "load-4g", 0, &s);
	s.xlf_x = 2; /* only XLF_KERNEL_64 */
	emit(&out, "load-4g-no-xlf", 0, &s);
	s = base();
	s.options = 4;
	s.load = TABLE(7); /* the top page */
	emit(&out, "load-top", 0, &s);
	s.relocatable = TABLE(0);
	s.load = NEAR(1);
	emit(&out, "load-fixed-elsewhere", 0, &s);

	/* Guest memory: 1-byte and odd granules, holes, read-only pieces,
	 * cut short, explicit ranges, none where the kernel goes. */
	for (unsigned g = 0; g < 6; g++) {
		s = base();
		s.granule = g;
		s.slack_lo = 100;
		s.slack_hi = 3;
		emit(&out, "granule", g, &s);
	}
	for (unsigned k = 0; k < 3; k++) {
		s = base();
		s.granule = 3;
		s.mem_mode = 1;
		s.defect_kind = k;
		s.defect_pos = 0x8000;
		s.defect_len = 7;
		emit(&out, "memory-defect", k, &s);
	}
	s = base();
	s.mem_mode = 2;
	s.nexplicit = 3;
	s.explicit_addr = TABLE(1); /* 1 MiB */
	s.size[0] = 0x1000;
	s.size[1] = 0x1000;
	s.size[2] = 0x3000;
	s.gap[2] = 1;
	emit(&out, "memory-explicit", 0, &s);
	s.gap[2] = 0;
	s.ro[1] = true;
	emit(&out, "memory-explicit-readonly", 0, &s);
	s = base();
	s.mem_mode = 3;
	s.pref = TABLE(2); /* 16 MiB: no memory there */
	emit(&out, "memory-elsewhere", 0, &s);

	/* Injected failures: each guest-memory operation, each source read
	 * with each errno (a positive one included). */
	for (unsigned n = 1; n <= 6; n++) {
		s = base();
		s.granule = n % 2 ? 4 : 1;
		s.mem_fail = n;
		emit(&out, "memory-fails", n, &s);
	}
	for (unsigned n = 1; n <= 4; n++) {
		s = base();
		s.src_fail = n;
		s.src_err = n - 1;
		emit(&out, "source-fails", n, &s);
	}

	/* REQUIRE_64BIT on 2.11 and on a kernel without XLF_KERNEL_64;
	 * NULL opts and NULL err. */
	s = base();
	s.options = 1;
	s.version = 4; /* 2.11 */
	emit(&out, "require-64bit", 0, &s);
	s.version = 0;
	s.xlf_x = 1; /* only CAN_BE_LOADED_ABOVE_4G */
	emit(&out, "require-64bit", 1, &s);
	s = base();
	s.options = 8 | 16;
	emit(&out, "null-opts-err", 0, &s);

	/* kernel_info: absent, anywhere, bad magic, sizes. */
	s = base();
	s.kinfo_place = 2;
	emit(&out, "kinfo-absent", 0, &s);
	s = base();
	s.kinfo_place = 1;
	s.kinfo_pos = 4000;
	emit(&out, "kinfo-far", 0, &s);
	s = base();
	s.kinfo_bad = true;
	emit(&out, "kinfo-magic", 0, &s);
	s = base();
	s.kinfo_size = TABLE(1); /* 15 */
	emit(&out, "kinfo-size", 0, &s);
	s = base();
	s.kinfo_total = TABLE(4); /* past the kernel */
	emit(&out, "kinfo-total", 0, &s);
	s = base();
	s.kinfo_offset = TABLE(2); /* klen - 15 */
	emit(&out, "kinfo-offset", 0, &s);

	/* Each header field at a boundary. */
	{
		struct ch *fields[] = {
		    &s.setup_sects,    &s.syssize,   &s.relocatable,
		    &s.kalign,	       &s.minal,     &s.cmdline_size,
		    &s.pref,	       &s.init_size, &s.payload_offset,
		    &s.payload_length, &s.jump};
		for (unsigned f = 0; f < sizeof(fields) / sizeof(fields[0]);
		     f++) {
			for (unsigned t = 0; t < 8; t += 3) {
				s = base();
				*fields[f] = TABLE(t);
				emit(&out, "field-boundary", f * 8 + t, &s);
			}
		}
	}
	/* A broken boot sector / header, a zImage, truncated files. */
	for (unsigned b = 1; b <= 4; b <<= 1) {
		s = base();
		s.breakage = (uint8_t)b;
		s.boot_flag = 0x55aa;
		s.magic = 0x53726449;
		s.jump_op = 0xe9;
		emit(&out, "broken-header", b, &s);
	}
	s = base();
	s.loadflags_x = 1;
	emit(&out, "zimage", 0, &s);
	s = base();
	s.truncate = 1;
	s.truncate_v = 1;
	s.trailing = 0;
	emit(&out, "truncated", 1, &s);
	s.truncate = 2;
	s.truncate_v = 1023;
	emit(&out, "truncated", 2, &s);
	s.setup_sects = TABLE(7); /* 255 sectors */
	s.truncate = 0;
	emit(&out, "setup-255", 0, &s);

	/* Patches over the header and the kernel. */
	s = base();
	s.npatch = 3;
	s.patch_off[0] = 0x211;
	s.patch_val[0] = 0x81;
	s.patch_off[1] = 0x236;
	s.patch_val[1] = 0x7f;
	s.patch_off[2] = 2048 + 0x200;
	s.patch_val[2] = 0x4c;
	emit(&out, "patched", 0, &s);

	/* The header numbers of Debian's 6.1.0-56-cloud-amd64 bzImage
	 * (protocol 2.15, 39 setup sectors, xloadflags 0x7f, 2 MiB
	 * alignment, min_alignment 21, pref_address 16 MiB, init_size
	 * 0x3378000, an lz4 payload), with a small synthetic kernel: as it
	 * is (its init_size needs 51 MiB of guest memory) and with an
	 * init_size that fits. */
	s = base();
	s.setup_sects = RAW(0x27);
	s.xlf_x = 0x7f ^ 3;
	s.kalign = TABLE(3);
	s.minal = TABLE(2);
	s.pref = TABLE(2);
	s.init_size = RAW(0x3378000);
	s.format = 4;
	s.content_len = 4096;
	s.loadflags_x = 0;
	emit(&out, "debian-cloud-header", 0, &s);
	s.init_size = CONSISTENT;
	emit(&out, "debian-cloud-header", 1, &s);
	s.options = 4;
	s.load = NEAR(-8); /* 16 MiB - 8 * 2 MiB = 0 */
	emit(&out, "debian-cloud-header", 2, &s);
	return seeds_close(&out);
}
