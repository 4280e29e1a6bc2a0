/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the elf-pvh target, written with the encoder that mirrors
 * fuzz/elf-pvh.c's decoder. The base seed is the unit tests' synthetic
 * vmlinux: PT_LOAD 0x800 bytes + 0x800 of bss at 1 MiB, PT_NOTE with a GNU
 * build-id note and the Xen PHYS32_ENTRY note, a second PT_LOAD of 0x400
 * bytes, and PT_GNU_STACK. Variations: with and without the PVH note, its
 * descriptor 4, 8, 0 or 12 bytes, notes padded to 4, 8, 16 or not at all
 * (odd alignment), names without their NUL, huge sizes, entry points
 * outside the file bytes, overlapping and wrapping segments, broken ELF
 * headers, memory with 1-byte regions, holes and read-only pieces, and
 * injected failures.
 *
 *   fuzz-seeds-elf-pvh OUT_DIR
 */
#include <string.h>

#include "fuzz-input.h"
#include "seeds.h"

struct ch {
	unsigned sel;
	uint64_t v;
};

#define TABLE(i)   ((struct ch){1, (i)})
#define NEAR(d)	   ((struct ch){2, (uint64_t)((d) + 16)})
#define RAW(x)	   ((struct ch){3, (x)})
#define CONSISTENT ((struct ch){0, 0})

enum { LOAD, NOTE, STACK, OTHER };
enum { XEN, GNU, XEN_NO_NUL, EMPTY, LINUX };
enum { T_PHYS32, T_BUILD_ID, T_RAW };
enum { D4, D8, D0, D12 };
enum { A4, A8, A_NONE, A16 };

struct note {
	unsigned name, type_sel, desc_sel;
	uint32_t type_raw;
	struct ch value, namesz, descsz;
	uint64_t junk;
};

struct ph {
	unsigned type;
	uint32_t type_raw;
	uint64_t data, bss;
	struct ch paddr;
	unsigned align_sel, nnotes;
	struct note notes[4];
	struct ch offset, filesz, memsz, align;
};

struct spec {
	uint8_t options;
	unsigned granule, mem_mode;
	uint64_t slack_lo, slack_hi;
	unsigned defect_kind, defect_seg;
	uint16_t defect_pos;
	uint64_t defect_len;
	unsigned nexplicit;
	struct ch explicit_addr;
	uint64_t gap[4], size[4];
	bool ro[4];
	unsigned mem_fail, src_fail, src_err;
	uint8_t breakage;
	uint32_t magic, e_version;
	uint8_t class, data, version;
	uint16_t type, machine, ehsize, phentsize;
	unsigned nph;
	struct ph ph[8];
	struct ch entry, phoff, phnum;
	uint64_t trailing;
	unsigned npatch;
	uint32_t patch_off[4];
	uint8_t patch_val[4];
	unsigned truncate;
	uint64_t truncate_v;
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

static void encode_ph(struct cvmm_fo *o, const struct ph *p)
{
	cvmm_fo_range(o, 0, 3, p->type);
	if (p->type == OTHER)
		cvmm_fo_u32(o, p->type_raw);
	if (p->type == LOAD) {
		cvmm_fo_range(o, 0, 4096, p->data);
		cvmm_fo_range(o, 0, 8192, p->bss);
		ch(o, p->paddr, UINT64_MAX);
	} else if (p->type == NOTE) {
		cvmm_fo_range(o, 0, 3, p->align_sel);
		cvmm_fo_range(o, 0, 4, p->nnotes);
		for (unsigned i = 0; i < p->nnotes; i++) {
			const struct note *n = &p->notes[i];
			cvmm_fo_range(o, 0, 4, n->name);
			cvmm_fo_range(o, 0, 2, n->type_sel);
			if (n->type_sel == T_RAW)
				cvmm_fo_u32(o, n->type_raw);
			cvmm_fo_range(o, 0, 3, n->desc_sel);
			ch(o, n->value, UINT64_MAX);
			ch(o, n->namesz, UINT32_MAX);
			ch(o, n->descsz, UINT32_MAX);
			cvmm_fo_range(o, 0, 3, n->junk);
		}
	}
	ch(o, p->offset, UINT64_MAX);
	ch(o, p->filesz, UINT64_MAX);
	ch(o, p->memsz, UINT64_MAX);
	ch(o, p->align, UINT64_MAX);
}

static void encode(struct cvmm_fo *o, const struct spec *s)
{
	cvmm_fo_u8(o, s->options);
	cvmm_fo_range(o, 0, 5, s->granule);
	cvmm_fo_range(o, 0, 3, s->mem_mode);
	if (s->mem_mode <= 1) {
		cvmm_fo_range(o, 0, 256, s->slack_lo);
		cvmm_fo_range(o, 0, 256, s->slack_hi);
	}
	if (s->mem_mode == 1) {
		cvmm_fo_range(o, 0, 2, s->defect_kind);
		cvmm_fo_range(o, 0, 7, s->defect_seg);
		cvmm_fo_u16(o, s->defect_pos);
		cvmm_fo_range(o, 1, 256, s->defect_len ? s->defect_len : 1);
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
	cvmm_fo_range(o, 0, 6, s->src_fail);
	cvmm_fo_range(o, 0, 3, s->src_err);
	cvmm_fo_u8(o, s->breakage);
	if (s->breakage & 1)
		cvmm_fo_u32(o, s->magic);
	if (s->breakage & 2)
		cvmm_fo_u8(o, s->class);
	if (s->breakage & 4)
		cvmm_fo_u8(o, s->data);
	if (s->breakage & 8)
		cvmm_fo_u8(o, s->version);
	if (s->breakage & 16)
		cvmm_fo_u16(o, s->type);
	if (s->breakage & 32)
		cvmm_fo_u16(o, s->machine);
	if (s->breakage & 64)
		cvmm_fo_u32(o, s->e_version);
	if (s->breakage & 128) {
		cvmm_fo_u16(o, s->ehsize);
		cvmm_fo_u16(o, s->phentsize);
	}
	cvmm_fo_range(o, 0, 8, s->nph);
	for (unsigned i = 0; i < s->nph; i++)
		encode_ph(o, &s->ph[i]);
	ch(o, s->entry, UINT64_MAX);
	ch(o, s->phoff, UINT64_MAX);
	ch(o, s->phnum, 0xffff);
	cvmm_fo_range(o, 0, 64, s->trailing);
	cvmm_fo_range(o, 0, 4, s->npatch);
	for (unsigned i = 0; i < s->npatch; i++) {
		cvmm_fo_u32(o, s->patch_off[i]);
		cvmm_fo_u8(o, s->patch_val[i]);
	}
	cvmm_fo_range(o, 0, 2, s->truncate);
	if (s->truncate == 1)
		cvmm_fo_range(o, 1, 64, s->truncate_v);
	else if (s->truncate == 2)
		cvmm_fo_range(o, 0, 128, s->truncate_v);
}

/* The unit tests' synthetic vmlinux (tests/synth.c). */
static struct spec base(void)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	s.nph = 4;
	s.ph[0].type = LOAD;
	s.ph[0].data = 0x800;
	s.ph[0].bss = 0x800;
	s.ph[1].type = NOTE;
	s.ph[1].align_sel = A4;
	s.ph[1].nnotes = 2;
	s.ph[1].notes[0].name = GNU;
	s.ph[1].notes[0].type_sel = T_BUILD_ID;
	s.ph[1].notes[0].desc_sel = D8;
	s.ph[1].notes[1].name = XEN;
	s.ph[1].notes[1].type_sel = T_PHYS32;
	s.ph[1].notes[1].desc_sel = D8;
	s.ph[2].type = LOAD;
	s.ph[2].data = 0x400;
	s.ph[3].type = STACK;
	s.trailing = 16;
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
	struct seeds out;
	struct spec s;

	if (seeds_open(&out, argc, argv) != 0)
		return 1;

	s = base();
	emit(&out, "synth", 0, &s);
	s.options = 1; /* REQUIRE_PVH */
	emit(&out, "synth-require-pvh", 0, &s);
	s.options = 2; /* NULL err */
	emit(&out, "synth-null-err", 0, &s);

	/* The PVH descriptor: 4, 8, 0, 12 bytes; value outside the file
	 * bytes, above 4 GiB, at the first byte past them, in the bss. */
	for (unsigned dsel = 0; dsel < 4; dsel++) {
		s = base();
		s.ph[1].notes[1].desc_sel = dsel;
		emit(&out, "pvh-desc", dsel, &s);
	}
	for (unsigned t = 0; t < 8; t++) {
		s = base();
		s.ph[1].notes[1].value = TABLE(t);
		emit(&out, "pvh-value", t, &s);
	}
	s = base();
	s.ph[1].notes[1].value = RAW(0x100900); /* the bss */
	emit(&out, "pvh-in-bss", 0, &s);

	/* No PVH note, with and without REQUIRE_PVH; two PVH notes. */
	s = base();
	s.ph[1].nnotes = 1;
	emit(&out, "no-pvh", 0, &s);
	s.options = 1;
	emit(&out, "no-pvh-required", 0, &s);
	s = base();
	s.ph[1].nnotes = 3;
	s.ph[1].notes[2] = s.ph[1].notes[1];
	s.ph[1].notes[2].value = TABLE(5); /* the second one is ignored */
	emit(&out, "two-pvh", 0, &s);

	/* Note padding: 8 (p_align 8), 8 in a p_align 4 segment, 16, none
	 * (odd alignment), and 4-byte padding in a p_align 8 segment. */
	for (unsigned a = 0; a < 4; a++) {
		s = base();
		s.ph[1].align_sel = a;
		emit(&out, "note-align", a, &s);
	}
	s = base();
	s.ph[1].align_sel = A8;
	s.ph[1].align = TABLE(2); /* p_align 4 */
	emit(&out, "note-align-mismatch", 0, &s);
	s = base();
	s.ph[1].align = TABLE(3); /* p_align 8, notes padded to 4 */
	emit(&out, "note-align-mismatch", 1, &s);

	/* Names: "Xen" without its NUL, empty, "Linux"; a raw type. */
	for (unsigned nm = XEN_NO_NUL; nm <= LINUX; nm++) {
		s = base();
		s.ph[1].notes[1].name = nm;
		emit(&out, "note-name", nm, &s);
	}
	s = base();
	s.ph[1].notes[1].type_sel = T_RAW;
	s.ph[1].notes[1].type_raw = 0x12000000;
	emit(&out, "note-type", 0, &s);

	/* Sizes at their limits; junk after a note; a cut note header. */
	for (unsigned t = 0; t < 8; t++) {
		s = base();
		s.ph[1].notes[0].namesz = TABLE(t);
		emit(&out, "note-namesz", t, &s);
		s = base();
		s.ph[1].notes[1].descsz = TABLE(t);
		emit(&out, "note-descsz", t, &s);
	}
	s = base();
	s.ph[1].notes[0].junk = 3;
	emit(&out, "note-junk", 0, &s);
	s = base();
	s.ph[1].filesz = NEAR(-4);
	emit(&out, "note-cut", 0, &s);
	s = base();
	s.ph[1].nnotes = 0;
	emit(&out, "note-empty", 0, &s);

	/* Segments: overlapping, touching, memsz 0, filesz > memsz, at the
	 * top of the address space, above 4 GiB, offsets and sizes past the
	 * file; every table value of every field of the second PT_LOAD. */
	for (unsigned t = 0; t < 8; t++) {
		s = base();
		s.ph[2].paddr = TABLE(t);
		emit(&out, "load-paddr", t, &s);
		s = base();
		s.ph[2].offset = TABLE(t);
		emit(&out, "load-offset", t, &s);
		s = base();
		s.ph[2].filesz = TABLE(t);
		emit(&out, "load-filesz", t, &s);
		s = base();
		s.ph[2].memsz = TABLE(t);
		emit(&out, "load-memsz", t, &s);
		s = base();
		s.ph[1].offset = TABLE(t);
		emit(&out, "note-offset", t, &s);
	}
	s = base();
	s.ph[2].paddr = NEAR(-1); /* overlaps the first by one byte */
	emit(&out, "load-overlap", 0, &s);
	s.ph[2].paddr = NEAR(0);
	s.ph[0].bss = 0;
	emit(&out, "load-adjacent", 0, &s);

	/* The entry point: at the end of the file bytes, before, in bss. */
	for (unsigned t = 0; t < 8; t++) {
		s = base();
		s.entry = TABLE(t);
		emit(&out, "entry", t, &s);
	}
	/* The program header table and the ELF header. */
	for (unsigned t = 0; t < 8; t++) {
		s = base();
		s.phoff = TABLE(t);
		emit(&out, "phoff", t, &s);
		s = base();
		s.phnum = TABLE(t);
		emit(&out, "phnum", t, &s);
	}
	for (unsigned b = 0; b < 8; b++) {
		s = base();
		s.breakage = (uint8_t)(1u << b);
		s.magic = 0x464c457e;
		s.class = 1;
		s.data = 2;
		s.version = 0;
		s.type = 3;
		s.machine = 3;
		s.e_version = 0;
		s.ehsize = 52;
		s.phentsize = 32;
		emit(&out, "ehdr", b, &s);
	}

	/* Guest memory: granules, defects in each PT_LOAD, explicit
	 * ranges, memory elsewhere. */
	for (unsigned g = 0; g < 6; g++) {
		s = base();
		s.granule = g;
		s.slack_lo = 3;
		s.slack_hi = 200;
		emit(&out, "granule", g, &s);
	}
	for (unsigned k = 0; k < 3; k++) {
		for (unsigned seg = 0; seg < 2; seg++) {
			s = base();
			s.granule = 2;
			s.mem_mode = 1;
			s.defect_kind = k;
			s.defect_seg = seg;
			s.defect_pos = 0x7000;
			s.defect_len = 5;
			emit(&out, "memory-defect", k * 2 + seg, &s);
		}
	}
	s = base();
	s.mem_mode = 2;
	s.nexplicit = 2;
	s.size[0] = 0x1000;
	s.size[1] = 0x1800;
	emit(&out, "memory-explicit", 0, &s);
	s.ro[1] = true;
	emit(&out, "memory-explicit-readonly", 0, &s);
	s = base();
	s.mem_mode = 3;
	s.ph[0].paddr = TABLE(4); /* 4 GiB - 4 KiB: no memory there */
	emit(&out, "memory-elsewhere", 0, &s);

	/* Injected failures. */
	for (unsigned k = 1; k <= 8; k++) {
		s = base();
		s.granule = k % 2 ? 0 : 3;
		s.mem_fail = k;
		emit(&out, "memory-fails", k, &s);
	}
	for (unsigned k = 1; k <= 6; k++) {
		s = base();
		s.src_fail = k;
		s.src_err = k % 4;
		emit(&out, "source-fails", k, &s);
	}

	/* Eight PT_LOADs, the last at 4 GiB; a single PT_LOAD and nothing
	 * else; a header with no program headers. */
	s = base();
	s.nph = 8;
	for (unsigned i = 0; i < 8; i++) {
		memset(&s.ph[i], 0, sizeof(s.ph[i]));
		s.ph[i].type = LOAD;
		s.ph[i].data = 64 * (i + 1);
		s.ph[i].bss = 32;
	}
	s.ph[7].paddr = TABLE(5);
	emit(&out, "many-loads", 0, &s);
	s.nph = 1;
	emit(&out, "one-load", 0, &s);
	s.nph = 0;
	emit(&out, "no-phdrs", 0, &s);

	/* Truncated files: shorter than the ELF header, the header alone,
	 * the program header table cut, the last segment's bytes cut. */
	{
		const uint64_t lens[] = {0, 63, 64, 100, 128};
		for (unsigned i = 0; i < 5; i++) {
			s = base();
			s.truncate = 2;
			s.truncate_v = lens[i];
			emit(&out, "truncated-to", (unsigned)lens[i], &s);
		}
		s = base();
		s.trailing = 0;
		s.truncate = 1;
		s.truncate_v = 1;
		emit(&out, "truncated-by", 1, &s);
	}

	/* Patches: the PVH note's type, p_align, e_phnum's high byte. */
	s = base();
	s.npatch = 3;
	s.patch_off[0] = 64 + 56 + 48;
	s.patch_val[0] = 8;
	s.patch_off[1] = 0x39;
	s.patch_val[1] = 0;
	s.patch_off[2] = 64 + 4 * 56 + 0x800 + 28;
	s.patch_val[2] = 0x13;
	emit(&out, "patched", 0, &s);
	return seeds_close(&out);
}
