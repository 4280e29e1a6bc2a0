/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the ELF64 vmlinux loader and its PVH entry note
 * (cvmm/ll-elf.h). The input is not an ELF file: it decodes into load
 * parameters, an ELF header, up to 8 program headers (PT_LOAD with its
 * bytes and bss, PT_NOTE with a list of notes, others) whose every field
 * is chosen with a bias toward the values that matter, then raw byte
 * patches anywhere in the file the target assembles.
 *
 * Input (harness/fuzz-input rules; a "choice" is a range 0..3 selector:
 * 0 the consistent value, 1 one of 8 boundary values (then range 0..7),
 * 2 the consistent value + (range 0..32) - 16, 3 any value of the field's
 * width (then the value)):
 *   u8     options: bit 0 CVMM_LL_ELF_REQUIRE_PVH, bit 1 pass NULL err
 *   range  granule index 0..5 -> {0, 1, 3, 64, 512, 4096}
 *   range  memory 0..3: 0 one range per PT_LOAD the file describes (plus
 *          slack), 1 the same with a defect, 2 explicit ranges, 3 64 KiB
 *          at 1 MiB (at most 64 KiB in all; 8, 16, 32 KiB for granules
 *          1, 3, 64); mode 0/1: range slack 0..256 below and above;
 *          mode 1: range defect kind 0..2 (hole, read-only, cut short),
 *          range segment 0..7, u16 position (fraction), range length
 *          1..256; mode 2: range count 1..4, then per range: choice
 *          address (first) or range gap 0..4096, range size 1..16384,
 *          bool read-only
 *   range  guest-memory operation that fails (-EIO) 0..8, 0 none
 *   range  source read that fails 0..6, 0 none; range errno index 0..3
 *   u8     ELF header breakage: bit 0 magic (then u32), 1 EI_CLASS (u8),
 *          2 EI_DATA (u8), 3 EI_VERSION (u8), 4 e_type (u16), 5 e_machine
 *          (u16), 6 e_version (u32), 7 e_ehsize and e_phentsize (u16 each)
 *   range  program headers 0..8, each:
 *     range type 0..3 (PT_LOAD, PT_NOTE, PT_GNU_STACK, then u32 any)
 *     PT_LOAD: range file bytes 0..4096, range bss 0..8192, choice p_paddr
 *       (consistent: right after the previous PT_LOAD, 16-aligned; the
 *       first at 1 MiB)
 *     PT_NOTE: range build alignment 0..3 -> {4, 8, 0 (none), 16}, range
 *       notes 0..4, each: range name 0..4 ("Xen", "GNU", "Xen" without
 *       NUL, "", "Linux"), range type 0..2 (PHYS32_ENTRY, 3, then u32),
 *       range descriptor 0..3 (4, 8, 0, 12 bytes), choice value
 *       (consistent: 16 bytes into the first PT_LOAD), choice namesz,
 *       choice descsz, range junk 0..3 bytes after it
 *     then choice p_offset, p_filesz, p_memsz, p_align (consistent: where
 *       the bytes are, their length, length + bss, 0x1000 or the notes'
 *       alignment)
 *   choice e_entry (consistent: the first PT_LOAD's address), choice
 *          e_phoff (64), choice e_phnum (the count)
 *   range  trailing bytes 0..64
 *   patches: range 0..4, each u32 file offset (mod the file size), u8
 *   range  truncation 0..2, added last so older inputs keep their meaning
 *          (none; cut range 1..64 bytes; the file cut to range 0..128
 *          bytes), before the patches apply
 *
 * Invariants (abort() with "elf-pvh: invariant ... broken"):
 *   - guest memory outside the loaded segments is never written: every
 *     write or write translation lies inside one segment, and every other
 *     byte keeps its pattern; a failed load writes nothing unless an
 *     injected failure fired after validation (then only inside the
 *     segments the file describes);
 *   - an accepted file satisfies every documented check (read back from
 *     its bytes by an independent walk of the headers and notes), and the
 *     result agrees with it: the segments (PT_LOAD with p_memsz > 0,
 *     sorted, not overlapping), the load hull, e_entry inside a segment's
 *     file bytes, the PVH entry (present exactly when the note walk finds
 *     one; below 4 GiB, inside a segment), REQUIRE_PVH honoured; each
 *     segment holds its file bytes then zeros;
 *   - errors carry the errno in err.code and a non-empty message; a
 *     failed call leaves its output untouched.
 */
#include <cvmm/ll-elf.h>
#include <cvmm/mem-test.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "mem-watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr,                                        \
				"elf-pvh: invariant \"%s\" broken: %s "        \
				"(line %d)\n",                                 \
				what, #cond, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

#define ONE_MIB	     0x100000u
#define MAX_PH	     8u
#define MAX_NOTES    4u
#define LOAD_MAX     4096u
#define BSS_MAX	     8192u
#define EXPLICIT_MAX 4u
#define PT_LOAD	     1u
#define PT_NOTE	     4u
#define PT_STACK     0x6474e551u
#define PHYS32	     18u

static const uint64_t granules[] = {0, 1, 3, 64, 512, 4096};
static const uint64_t mem_caps[] = {64u << 10, 8u << 10,  16u << 10,
				    32u << 10, 64u << 10, 64u << 10};

/* --- Choices ------------------------------------------------------------- */

struct choice {
	unsigned sel;
	uint64_t v;
};

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

/* The consistent value, one of table[8], consistent +- 16, or raw. */
static uint64_t resolve(struct choice c, uint64_t consistent,
			const uint64_t *table, uint64_t mask)
{
	switch (c.sel) {
	case 0:
		return consistent;
	case 1:
		return table[c.v & 7] & mask;
	case 2:
		return (consistent + c.v - 16) & mask; /* wraps on purpose */
	default:
		return c.v;
	}
}

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

/* --- Decoded input ---------------------------------------------------------
 */

struct note_in {
	unsigned name, type_sel, desc_sel;
	uint32_t type_raw;
	struct choice value, namesz, descsz;
	uint64_t junk;
};

struct ph_in {
	unsigned type_sel;
	uint32_t type_raw;
	uint64_t data, bss;
	struct choice paddr;
	unsigned note_align_sel, nnotes;
	struct note_in notes[MAX_NOTES];
	struct choice offset, filesz, memsz, align;
};

struct input {
	uint8_t options;
	uint64_t granule, mem_cap;
	unsigned mem_mode;
	uint64_t slack_lo, slack_hi;
	unsigned defect_kind, defect_seg;
	uint16_t defect_pos;
	uint64_t defect_len;
	unsigned nexplicit;
	struct choice explicit_addr;
	uint64_t explicit_gap[EXPLICIT_MAX], explicit_size[EXPLICIT_MAX];
	bool explicit_ro[EXPLICIT_MAX];
	unsigned mem_fail, src_fail, src_err;
	uint8_t breakage;
	uint32_t magic;
	uint8_t class, data, version;
	uint16_t type, machine, ehsize, phentsize;
	uint32_t e_version;
	unsigned nph;
	struct ph_in ph[MAX_PH];
	struct choice entry, phoff, phnum;
	uint64_t trailing;
	unsigned npatch;
	uint32_t patch_off[4];
	uint8_t patch_val[4];
	unsigned truncate;
	uint64_t truncate_v;
};

static void decode_note(struct cvmm_fi *in, struct note_in *n)
{
	n->name = (unsigned)cvmm_fi_range(in, 0, 4);
	n->type_sel = (unsigned)cvmm_fi_range(in, 0, 2);
	if (n->type_sel == 2)
		n->type_raw = cvmm_fi_u32(in);
	n->desc_sel = (unsigned)cvmm_fi_range(in, 0, 3);
	n->value = choice(in, UINT64_MAX);
	n->namesz = choice(in, UINT32_MAX);
	n->descsz = choice(in, UINT32_MAX);
	n->junk = cvmm_fi_range(in, 0, 3);
}

static void decode_ph(struct cvmm_fi *in, struct ph_in *p)
{
	p->type_sel = (unsigned)cvmm_fi_range(in, 0, 3);
	if (p->type_sel == 3)
		p->type_raw = cvmm_fi_u32(in);
	if (p->type_sel == 0) {
		p->data = cvmm_fi_range(in, 0, LOAD_MAX);
		p->bss = cvmm_fi_range(in, 0, BSS_MAX);
		p->paddr = choice(in, UINT64_MAX);
	} else if (p->type_sel == 1) {
		p->note_align_sel = (unsigned)cvmm_fi_range(in, 0, 3);
		p->nnotes = (unsigned)cvmm_fi_range(in, 0, MAX_NOTES);
		for (unsigned i = 0; i < p->nnotes; i++)
			decode_note(in, &p->notes[i]);
	}
	p->offset = choice(in, UINT64_MAX);
	p->filesz = choice(in, UINT64_MAX);
	p->memsz = choice(in, UINT64_MAX);
	p->align = choice(in, UINT64_MAX);
}

static void decode(struct cvmm_fi *in, struct input *d)
{
	unsigned g;

	memset(d, 0, sizeof(*d));
	d->options = cvmm_fi_u8(in);
	g = (unsigned)cvmm_fi_range(in, 0, 5);
	d->granule = granules[g];
	d->mem_cap = mem_caps[g];
	d->mem_mode = (unsigned)cvmm_fi_range(in, 0, 3);
	if (d->mem_mode <= 1) {
		d->slack_lo = cvmm_fi_range(in, 0, 256);
		d->slack_hi = cvmm_fi_range(in, 0, 256);
	}
	if (d->mem_mode == 1) {
		d->defect_kind = (unsigned)cvmm_fi_range(in, 0, 2);
		d->defect_seg = (unsigned)cvmm_fi_range(in, 0, 7);
		d->defect_pos = cvmm_fi_u16(in);
		d->defect_len = cvmm_fi_range(in, 1, 256);
	}
	if (d->mem_mode == 2) {
		d->nexplicit = (unsigned)cvmm_fi_range(in, 1, EXPLICIT_MAX);
		for (unsigned i = 0; i < d->nexplicit; i++) {
			if (i == 0)
				d->explicit_addr = choice(in, UINT64_MAX);
			else
				d->explicit_gap[i] = cvmm_fi_range(in, 0, 4096);
			d->explicit_size[i] = cvmm_fi_range(in, 1, 16384);
			d->explicit_ro[i] = cvmm_fi_bool(in);
		}
	}
	d->mem_fail = (unsigned)cvmm_fi_range(in, 0, 8);
	d->src_fail = (unsigned)cvmm_fi_range(in, 0, 6);
	d->src_err = (unsigned)cvmm_fi_range(in, 0, 3);
	d->breakage = cvmm_fi_u8(in);
	d->magic = (d->breakage & 1) ? cvmm_fi_u32(in) : 0x464c457f;
	d->class = (d->breakage & 2) ? cvmm_fi_u8(in) : 2;
	d->data = (d->breakage & 4) ? cvmm_fi_u8(in) : 1;
	d->version = (d->breakage & 8) ? cvmm_fi_u8(in) : 1;
	d->type = (d->breakage & 16) ? cvmm_fi_u16(in) : 2;
	d->machine = (d->breakage & 32) ? cvmm_fi_u16(in) : 62;
	d->e_version = (d->breakage & 64) ? cvmm_fi_u32(in) : 1;
	d->ehsize = (d->breakage & 128) ? cvmm_fi_u16(in) : 64;
	d->phentsize = (d->breakage & 128) ? cvmm_fi_u16(in) : 56;
	d->nph = (unsigned)cvmm_fi_range(in, 0, MAX_PH);
	for (unsigned i = 0; i < d->nph; i++)
		decode_ph(in, &d->ph[i]);
	d->entry = choice(in, UINT64_MAX);
	d->phoff = choice(in, UINT64_MAX);
	d->phnum = choice(in, 0xffff);
	d->trailing = cvmm_fi_range(in, 0, 64);
	d->npatch = (unsigned)cvmm_fi_range(in, 0, 4);
	for (unsigned i = 0; i < d->npatch; i++) {
		d->patch_off[i] = cvmm_fi_u32(in);
		d->patch_val[i] = cvmm_fi_u8(in);
	}
	d->truncate = (unsigned)cvmm_fi_range(in, 0, 2);
	if (d->truncate == 1)
		d->truncate_v = cvmm_fi_range(in, 1, 64);
	else if (d->truncate == 2)
		d->truncate_v = cvmm_fi_range(in, 0, 128);
}

/* --- Tables ----------------------------------------------------------------
 */

/*
 * Guest memory starts filled with a pattern of period 251 (prime, so no
 * page-aligned shift matches), kept in a table so that filling and
 * comparing are memcpy and memcmp. Computed once; constant after.
 */
#define PERIOD 251u
#define CHUNK  4096u

static uint8_t ptab[PERIOD + CHUNK];

static void tables_init(void)
{
	for (unsigned i = 0; i < PERIOD + CHUNK; i++)
		ptab[i] = (uint8_t)((i % PERIOD) * 131 + 17);
}

static void fill_pattern(uint8_t *dst, uint64_t off, uint64_t n)
{
	for (uint64_t k = 0; k < n; k += CHUNK)
		memcpy(dst + k, ptab + (off + k) % PERIOD,
		       (size_t)(n - k < CHUNK ? n - k : CHUNK));
}

/* --- The file ---------------------------------------------------------- */

#define FILE_MAX (64 + 56 * MAX_PH + MAX_PH * (LOAD_MAX + 256) + 64)

struct file {
	uint8_t bytes[FILE_MAX];
	size_t len;
};

static const char *const note_names[] = {"Xen", "GNU", "Xen", "", "Linux"};
static const uint32_t note_namesz[] = {4, 4, 3, 0, 6};

/* Append the notes of p at *pos; returns their length. */
static uint64_t build_notes(const struct ph_in *p, uint8_t *f, uint64_t pos,
			    uint64_t first_load, uint64_t first_end)
{
	static const uint64_t aligns[] = {4, 8, 1, 16};
	static const uint64_t desc_lens[] = {4, 8, 0, 12};
	uint64_t a = aligns[p->note_align_sel], start = pos;

	for (unsigned i = 0; i < p->nnotes; i++) {
		const struct note_in *n = &p->notes[i];
		uint64_t dl = desc_lens[n->desc_sel], v;
		uint32_t type = n->type_sel == 0   ? PHYS32
				: n->type_sel == 1 ? 3
						   : n->type_raw;
		const uint64_t t_v[] = {0,	    first_end,	 first_end - 1,
					0xffffffff, 0x100000000, UINT64_MAX,
					first_load, 0xfffffffc};
		const uint64_t t_sz[] = {0,	     1,		 3,	     4,
					 0xfffffff0, 0xfffffff4, 0xffffffff, 8};

		v = resolve(n->value, first_load + 16, t_v, UINT64_MAX);
		put32(f + pos, resolve(n->namesz, note_namesz[n->name], t_sz,
				       UINT32_MAX));
		put32(f + pos + 4, resolve(n->descsz, dl, t_sz, UINT32_MAX));
		put32(f + pos + 8, type);
		memcpy(f + pos + 12, note_names[n->name], note_namesz[n->name]);
		pos += 12 + note_namesz[n->name];
		pos = (pos - start + a - 1) / a * a + start;
		put64(f + pos, v); /* a 12-byte descriptor: 4 more zeros */
		pos += dl;
		pos = (pos - start + a - 1) / a * a + start;
		pos += n->junk;
	}
	return pos - start;
}

/*
 * Where each PT_LOAD goes: the consistent place is right after the
 * previous PT_LOAD (16-aligned), the first at 1 MiB; table values include
 * the previous one's address (an overlap) and its end - 1.
 */
static void place_loads(const struct input *d, uint64_t *paddr)
{
	uint64_t next = ONE_MIB, prev = ONE_MIB;

	for (unsigned i = 0; i < d->nph; i++) {
		const struct ph_in *p = &d->ph[i];
		const uint64_t t[] = {0,
				      ONE_MIB,
				      prev,
				      next - 1,
				      0xfffff000,
				      0x100000000,
				      0xfffffffffffff000u,
				      UINT64_MAX};

		paddr[i] = 0;
		if (p->type_sel != 0)
			continue;
		paddr[i] = resolve(p->paddr, next, t, UINT64_MAX);
		prev = paddr[i];
		next = (paddr[i] + p->data + p->bss + 15) & ~(uint64_t)15;
	}
}

static void build(const struct input *d, struct file *out)
{
	uint8_t *f = out->bytes;
	uint64_t cursor, fl = ONE_MIB, fe = ONE_MIB, paddrs[MAX_PH];
	uint64_t phoff = 64, nph = d->nph;

	memset(f, 0, sizeof(out->bytes));
	place_loads(d, paddrs);
	for (unsigned i = 0; i < d->nph; i++)
		if (d->ph[i].type_sel == 0) {
			fl = paddrs[i];
			fe = fl + d->ph[i].data;
			break;
		}
	cursor = 64 + 56 * nph;
	for (unsigned i = 0; i < d->nph; i++) {
		const struct ph_in *p = &d->ph[i];
		uint8_t *q = f + 64 + 56 * i;
		uint64_t data_off = (cursor + 7) & ~(uint64_t)7, len = 0;
		uint64_t type, paddr = 0, memsz_c = 0, align_c = 0x1000;

		if (p->type_sel == 0) {
			type = PT_LOAD;
			len = p->data;
			fill_pattern(f + data_off, i * 37 + 5, len);
			paddr = paddrs[i];
			memsz_c = len + p->bss;
		} else if (p->type_sel == 1) {
			static const uint64_t aligns[] = {4, 8, 0, 16};
			type = PT_NOTE;
			len = build_notes(p, f, data_off, fl, fe);
			memsz_c = len;
			align_c = aligns[p->note_align_sel];
		} else {
			type = p->type_sel == 2 ? PT_STACK : p->type_raw;
			align_c = 16;
		}
		{
			const uint64_t t_off[] = {0,
						  1,
						  FILE_MAX,
						  data_off + len + 1,
						  UINT64_MAX,
						  UINT64_MAX - 7,
						  0x8000000000000000u,
						  64};
			const uint64_t t_sz[] = {0,
						 1,
						 len + 1,
						 UINT64_MAX,
						 UINT64_MAX - data_off + 1,
						 FILE_MAX,
						 0xffffffff,
						 12};
			const uint64_t t_mem[] = {0,
						  len - 1,
						  len,
						  UINT64_MAX,
						  UINT64_MAX - paddr,
						  UINT64_MAX - paddr + 1,
						  0x100000000,
						  1};
			const uint64_t t_al[] = {
			    0, 1, 4, 8, 16, 0x1000, 0x200000, UINT64_MAX};
			put32(q, type);
			put32(q + 4, 5);
			put64(q + 8,
			      resolve(p->offset, data_off, t_off, UINT64_MAX));
			put64(q + 16, paddr + 0xffffffff80000000u);
			put64(q + 24, paddr);
			put64(q + 32,
			      resolve(p->filesz, len, t_sz, UINT64_MAX));
			put64(q + 40,
			      resolve(p->memsz, memsz_c, t_mem, UINT64_MAX));
			put64(q + 48,
			      resolve(p->align, align_c, t_al, UINT64_MAX));
		}
		cursor = data_off + len;
	}
	out->len = (size_t)(cursor + d->trailing);
	memset(f + cursor, 0x5a, (size_t)d->trailing);

	/* The ELF header. */
	put32(f, d->magic);
	f[4] = d->class;
	f[5] = d->data;
	f[6] = d->version;
	put16(f + 0x10, d->type);
	put16(f + 0x12, d->machine);
	put32(f + 0x14, d->e_version);
	{
		const uint64_t t_entry[] = {0,	    fe,	     fe - 1,	 fl - 1,
					    fe + 1, ONE_MIB, UINT64_MAX, 0};
		const uint64_t t_phoff[] = {0,
					    1,
					    out->len,
					    out->len - 56,
					    out->len - 55,
					    UINT64_MAX - 55,
					    0xfffffffffffffff0u,
					    8};
		const uint64_t t_phnum[] = {0,	    1,	     64,      65,
					    0xffff, nph + 1, nph - 1, 63};
		put64(f + 0x18, resolve(d->entry, fl, t_entry, UINT64_MAX));
		put64(f + 0x20, resolve(d->phoff, phoff, t_phoff, UINT64_MAX));
		put16(f + 0x38, resolve(d->phnum, nph, t_phnum, 0xffff));
	}
	put16(f + 0x34, d->ehsize);
	put16(f + 0x36, d->phentsize);
	if (d->truncate == 1)
		out->len -=
		    d->truncate_v < out->len ? (size_t)d->truncate_v : out->len;
	else if (d->truncate == 2 && d->truncate_v < out->len)
		out->len = (size_t)d->truncate_v;
	for (unsigned i = 0; i < d->npatch && out->len > 0; i++)
		f[d->patch_off[i] % out->len] = d->patch_val[i];
}

/* --- The model: the file read back by an independent walk --------------- */

struct mseg {
	uint64_t offset, paddr, filesz, memsz;
	uint32_t flags;
};

struct model {
	bool accepted;	 /* every documented check passes */
	const char *why; /* the first check that fails, for verbose */
	uint64_t entry;
	bool found;
	uint64_t pvh;
	unsigned nseg;
	struct mseg segs[CVMM_LL_ELF_MAX_PHDRS]; /* sorted by paddr */
	/* Segments as described, for memory layout even when refused. */
	unsigned nlayout;
	struct mseg layout[CVMM_LL_ELF_MAX_PHDRS];
};

static bool walk_notes(const uint8_t *f, uint64_t off, uint64_t filesz,
		       uint64_t p_align, struct model *m)
{
	uint64_t a = p_align == 8 ? 8 : 4, pos = 0;

	while (pos < filesz) {
		uint64_t left = filesz - pos, name_end, desc_end, next;
		const uint8_t *nh = f + off + pos;
		uint64_t namesz, descsz, type;

		if (left < 12)
			return false;
		namesz = get(nh, 4);
		descsz = get(nh + 4, 4);
		type = get(nh + 8, 4);
		name_end = (12 + namesz + a - 1) / a * a;
		desc_end = name_end + descsz;
		if (desc_end > left)
			return false;
		if (type == PHYS32 && namesz == 4 && !m->found &&
		    memcmp(nh + 12, "Xen", 4) == 0) {
			if (descsz != 4 && descsz != 8)
				return false;
			m->pvh = get(nh + name_end, (unsigned)descsz);
			m->found = true;
			if (m->pvh > UINT32_MAX)
				return false;
		}
		next = (desc_end + a - 1) / a * a;
		pos += next < left ? next : left;
	}
	return true;
}

/* Inside some segment's file bytes. */
static bool in_file_bytes(const struct model *m, uint64_t addr)
{
	for (unsigned i = 0; i < m->nseg; i++)
		if (addr >= m->segs[i].paddr &&
		    addr - m->segs[i].paddr < m->segs[i].filesz)
			return true;
	return false;
}

#define REFUSE(w)                                                              \
	do {                                                                   \
		m->why = (w);                                                  \
		return;                                                        \
	} while (0)

static void model_file(const uint8_t *f, uint64_t len, uint32_t flags,
		       struct model *m)
{
	uint64_t phoff, phnum, end;

	memset(m, 0, sizeof(*m));
	if (len < 64)
		REFUSE("shorter than the ELF header");
	phoff = get(f + 0x20, 8);
	phnum = get(f + 0x38, 2);
	m->entry = get(f + 0x18, 8);
	/* The layout, leniently, for the memory that covers it. */
	for (uint64_t i = 0; i < phnum && i < CVMM_LL_ELF_MAX_PHDRS; i++) {
		uint64_t at = phoff + 56 * i;
		const uint8_t *q;
		if (at < phoff || at > len || len - at < 56)
			break;
		q = f + at;
		if (get(q, 4) == PT_LOAD && get(q + 40, 8) > 0)
			m->layout[m->nlayout++] =
			    (struct mseg){get(q + 8, 8), get(q + 24, 8),
					  get(q + 32, 8), get(q + 40, 8), 0};
	}
	if (memcmp(f, "\177ELF", 4) != 0 || f[4] != 2 || f[5] != 1 ||
	    f[6] != 1 || get(f + 0x10, 2) != 2 || get(f + 0x12, 2) != 62 ||
	    get(f + 0x14, 4) != 1)
		REFUSE("ELF identification");
	if (get(f + 0x34, 2) != 64 || get(f + 0x36, 2) != 56)
		REFUSE("header sizes");
	if (phnum == 0 || phnum > CVMM_LL_ELF_MAX_PHDRS)
		REFUSE("e_phnum");
	if (__builtin_add_overflow(phoff, 56 * phnum, &end) || end > len)
		REFUSE("program headers outside the file");
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *q = f + phoff + 56 * i;
		uint64_t type = get(q, 4), off = get(q + 8, 8);
		uint64_t paddr = get(q + 24, 8), filesz = get(q + 32, 8);
		uint64_t memsz = get(q + 40, 8), align = get(q + 48, 8);

		if (type != PT_LOAD && type != PT_NOTE)
			continue;
		if (__builtin_add_overflow(off, filesz, &end) || end > len)
			REFUSE("segment outside the file");
		if (type == PT_NOTE) {
			if (!walk_notes(f, off, filesz, align, m))
				REFUSE("a malformed note");
			continue;
		}
		if (filesz > memsz)
			REFUSE("p_filesz > p_memsz");
		if (__builtin_add_overflow(paddr, memsz, &end))
			REFUSE("p_paddr + p_memsz wraps");
		if (memsz == 0)
			continue;
		{
			unsigned j = m->nseg++;
			for (; j > 0 && m->segs[j - 1].paddr > paddr; j--)
				m->segs[j] = m->segs[j - 1];
			m->segs[j] = (struct mseg){off, paddr, filesz, memsz,
						   (uint32_t)get(q + 4, 4)};
		}
	}
	if (m->nseg == 0)
		REFUSE("no PT_LOAD to load");
	for (unsigned i = 1; i < m->nseg; i++)
		if (m->segs[i].paddr - m->segs[i - 1].paddr <
		    m->segs[i - 1].memsz)
			REFUSE("segments overlap");
	if (!in_file_bytes(m, m->entry))
		REFUSE("e_entry outside the segments' file bytes");
	if (!m->found && (flags & CVMM_LL_ELF_REQUIRE_PVH))
		REFUSE("no PVH note, and it is required");
	if (m->found && !in_file_bytes(m, m->pvh))
		REFUSE("the PVH entry outside the segments' file bytes");
	m->accepted = true;
}

/* --- Guest memory ----------------------------------------------------------
 */

#define MAX_RANGES 16

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

/* Ranges over the described segments (plus slack), sorted and merged. */
static size_t fit_ranges(const struct input *d, const struct model *m,
			 struct cvmm_mem_range *r)
{
	uint64_t lo[CVMM_LL_ELF_MAX_PHDRS], hi[CVMM_LL_ELF_MAX_PHDRS];
	uint64_t budget = d->mem_cap;
	unsigned n = 0;
	size_t out = 0;

	for (unsigned i = 0; i < m->nlayout; i++) {
		uint64_t a = m->layout[i].paddr, b;
		if (__builtin_add_overflow(a, m->layout[i].memsz, &b))
			b = UINT64_MAX;
		a -= a < d->slack_lo ? a : d->slack_lo;
		b = b > UINT64_MAX - d->slack_hi ? UINT64_MAX : b + d->slack_hi;
		unsigned j = n++;
		for (; j > 0 && lo[j - 1] > a; j--) {
			lo[j] = lo[j - 1];
			hi[j] = hi[j - 1];
		}
		lo[j] = a;
		hi[j] = b;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = lo[i], b = hi[i];
		while (i + 1 < n && lo[i + 1] <= b) {
			b = hi[i + 1] > b ? hi[i + 1] : b;
			i++;
		}
		if (out > 0 && a < r[out - 1].gpa.raw + r[out - 1].size)
			a = r[out - 1].gpa.raw + r[out - 1].size;
		if (b > a)
			add_range(r, &out, a, b - a, false, &budget);
	}
	return out;
}

static size_t make_ranges(const struct input *d, const struct model *m,
			  struct cvmm_mem_range *r)
{
	static const uint64_t t[] = {0,
				     ONE_MIB,
				     0xff000,
				     0x1000000,
				     0xfffff000,
				     0x100000000,
				     0xfffffffffff00000u,
				     0x200000};
	uint64_t budget = d->mem_cap, start;
	size_t n = 0;

	if (d->mem_mode == 2) {
		start = resolve(d->explicit_addr,
				m->nlayout ? m->layout[0].paddr : ONE_MIB, t,
				UINT64_MAX);
		for (unsigned i = 0; i < d->nexplicit; i++) {
			if (i > 0 && __builtin_add_overflow(
					 start, d->explicit_gap[i], &start))
				break;
			add_range(r, &n, start, d->explicit_size[i],
				  d->explicit_ro[i], &budget);
			if (n == 0 ||
			    __builtin_add_overflow(r[n - 1].gpa.raw,
						   r[n - 1].size, &start) ||
			    start == UINT64_MAX)
				break;
		}
	} else if (d->mem_mode == 3) {
		add_range(r, &n, ONE_MIB, 65536, false, &budget);
	} else {
		n = fit_ranges(d, m, r);
		if (d->mem_mode == 1 && n > 0) {
			/* Punch the defect into one range. */
			struct cvmm_mem_range c = r[d->defect_seg % n];
			uint64_t at = c.gpa.raw +
				      (uint64_t)d->defect_pos * c.size / 65536;
			uint64_t len = d->defect_len < c.gpa.raw + c.size - at
					   ? d->defect_len
					   : c.gpa.raw + c.size - at;
			struct cvmm_mem_range rest[MAX_RANGES];
			size_t k = d->defect_seg % n, nr = n - k - 1, m2 = k;
			uint64_t big = UINT64_MAX;

			memcpy(rest, r + k + 1, nr * sizeof(*r));
			add_range(r, &m2, c.gpa.raw, at - c.gpa.raw, false,
				  &big);
			if (d->defect_kind == 1)
				add_range(r, &m2, at, len, true, &big);
			if (d->defect_kind != 2)
				add_range(r, &m2, at + len,
					  c.gpa.raw + c.size - at - len, false,
					  &big);
			for (size_t i = 0; i < nr && m2 < MAX_RANGES; i++)
				r[m2++] = rest[i];
			n = m2;
		}
	}
	if (n == 0)
		add_range(r, &n, ONE_MIB, 4096, false, &budget);
	return n;
}

/* [start, start + len) is writable memory of the layout. */
static bool covered(const struct cvmm_mem_range *r, size_t n, uint64_t start,
		    uint64_t len)
{
	uint64_t pos = start, end = start + len;

	while (pos < end) {
		size_t i = 0;
		for (; i < n; i++)
			if (pos >= r[i].gpa.raw &&
			    pos - r[i].gpa.raw < r[i].size)
				break;
		if (i == n || (r[i].flags & CVMM_MEM_REGION_READONLY))
			return false;
		if (r[i].gpa.raw + r[i].size >= end ||
		    r[i].gpa.raw + r[i].size == 0)
			return true;
		pos = r[i].gpa.raw + r[i].size;
	}
	return true;
}

static void check_pattern(const uint8_t *host, uint64_t gpa, uint64_t n)
{
	for (uint64_t k = 0; k < n; k += CHUNK) {
		uint64_t c = n - k < CHUNK ? n - k : CHUNK;
		const uint8_t *want = ptab + (gpa + k) % PERIOD;

		if (memcmp(host + k, want, (size_t)c) == 0)
			continue;
		for (uint64_t i = 0; i < c; i++)
			if (host[k + i] != want[i]) {
				fprintf(stderr,
					"elf-pvh: guest byte 0x%llx changed\n",
					(unsigned long long)(gpa + k + i));
				break;
			}
		CHECK(0, "nothing written outside the segments");
	}
}

/*
 * Every guest byte outside the segments keeps its pattern; with contents,
 * inside a segment the file's bytes then zeros.
 */
static void check_memory(struct cvmm_mem_test *tm, const struct mseg *segs,
			 unsigned nseg, const uint8_t *f)
{
	const struct cvmm_mem_regions *regs = cvmm_mem_test_regions(tm);

	for (size_t i = 0; i < cvmm_mem_regions_count(regs); i++) {
		const struct cvmm_mem_region *r = cvmm_mem_regions_at(regs, i);
		uint64_t g = r->gpa.raw, end = g + r->size;

		while (g < end) {
			/* The next segment byte at or after g. */
			uint64_t next = end;
			const struct mseg *s = NULL;
			for (unsigned k = 0; k < nseg; k++) {
				uint64_t a = segs[k].paddr,
					 b = a + segs[k].memsz;
				if (g >= a && g < b) {
					next = g;
					s = &segs[k];
					break;
				}
				if (a > g && a < next)
					next = a;
			}
			check_pattern(r->host + (g - r->gpa.raw), g, next - g);
			g = next;
			if (s == NULL)
				continue;
			/* Inside segment s up to its end or the region's. */
			{
				uint64_t b = s->paddr + s->memsz;
				uint64_t stop = b < end ? b : end;
				for (; g < stop; g++) {
					uint64_t o = g - s->paddr;
					uint8_t want =
					    f == NULL ? r->host[g - r->gpa.raw]
					    : o < s->filesz ? f[s->offset + o]
							    : 0;
					CHECK(r->host[g - r->gpa.raw] == want,
					      "a segment holds its file bytes, "
					      "then zeros");
				}
			}
		}
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

/* Every logged write inside a loaded segment; the log holds them all. */
static void check_writes(const struct cvmm_mw *w, const struct mseg *segs,
			 unsigned nseg)
{
	struct cvmm_mw_range r[CVMM_LL_ELF_MAX_PHDRS];

	CHECK(!w->overflow, "a bounded number of guest accesses");
	for (unsigned k = 0; k < nseg; k++) {
		r[k].start = segs[k].paddr;
		if (__builtin_add_overflow(segs[k].paddr, segs[k].memsz,
					   &r[k].end))
			r[k].end = UINT64_MAX; /* a refused file's segment */
	}
	CHECK(cvmm_mw_writes_inside(w, r, nseg),
	      "every write inside a loaded segment");
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

static void check_result(const struct cvmm_ll_elf_result *r,
			 const struct model *m)
{
	const struct mseg *last = &m->segs[m->nseg - 1];

	CHECK(r->entry.raw == m->entry, "result: e_entry");
	CHECK(r->has_pvh_entry == m->found, "result: PVH note found");
	if (m->found)
		CHECK(r->pvh_entry.raw == m->pvh &&
			  r->pvh_entry.raw <= UINT32_MAX,
		      "result: PVH entry, below 4 GiB");
	CHECK(r->segment_count == m->nseg, "result: PT_LOAD count");
	for (unsigned i = 0; i < m->nseg; i++) {
		const struct cvmm_ll_elf_segment *s = &r->segments[i];
		CHECK(s->paddr == m->segs[i].paddr &&
			  s->offset == m->segs[i].offset &&
			  s->filesz == m->segs[i].filesz &&
			  s->memsz == m->segs[i].memsz &&
			  s->flags == m->segs[i].flags,
		      "result: segments sorted, as the file has them");
		CHECK(s->filesz <= s->memsz, "result: filesz <= memsz");
		if (i > 0)
			CHECK(s->paddr - r->segments[i - 1].paddr >=
				  r->segments[i - 1].memsz,
			      "result: segments do not overlap");
		CHECK(s->paddr >= r->load.start.raw &&
			  s->paddr - r->load.start.raw + s->memsz <=
			      r->load.size,
		      "result: segments inside the load range");
	}
	CHECK(r->load.start.raw == m->segs[0].paddr &&
		  r->load.size == last->paddr + last->memsz - m->segs[0].paddr,
	      "result: load range is the segments' hull");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int src_errs[] = {-EIO, -EINTR, 1, -ERANGE};
	/* Static for their size; filled anew for every input. */
	static struct input d;
	static struct file file;
	static struct model m;
	static struct cvmm_mw w; /* its log lives as long as the process */
	static struct cvmm_ll_elf_result res, sentinel;
	struct cvmm_mem_range ranges[MAX_RANGES];
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	struct cvmm_ll_error err, *e;
	struct cvmm_ll_source src;
	struct fsrc fs;
	uint32_t flags;
	bool fired, expect_ok;
	size_t n;
	int rc;
	struct cvmm_fi in;

	tables_init();
	cvmm_fi_init(&in, data, size);
	decode(&in, &d);
	build(&d, &file);
	flags = d.options & CVMM_LL_ELF_REQUIRE_PVH;
	model_file(file.bytes, file.len, flags, &m);
	n = make_ranges(&d, &m, ranges);
	CHECK(cvmm_mem_test_create(ranges, n, d.granule, &tm) == 0,
	      "the test backend takes the layout");
	mem = cvmm_mem_test_iface(tm);
	fill_memory(tm);

	fs.data = file.bytes;
	fs.reads = 0;
	fs.nth = d.src_fail;
	fs.err = src_errs[d.src_err];
	src.ops = &fsrc_ops;
	src.ctx = &fs;
	src.size = file.len;
	e = (d.options & 2) ? NULL : &err;
	if (w.cap == 0)
		CHECK(cvmm_mw_init(&w, 1024) == 0, "the watch");
	cvmm_mw_clear(&w);
	cvmm_mw_attach(&w, tm);
	CHECK(cvmm_mem_test_fail_nth(tm, d.mem_fail, -EIO) == 0, "arm");
	memset(&res, 0xA5, sizeof(res));
	memset(&sentinel, 0xA5, sizeof(sentinel));
	rc = cvmm_ll_elf_load(&mem, &src, flags, &res, e);
	fired = cvmm_mem_test_failure_fired(tm) ||
		(fs.nth != 0 && fs.reads >= fs.nth);
	CHECK(cvmm_mem_test_fail_nth(tm, 0, -EIO) == 0, "disarm");
	cvmm_mw_detach(tm);
	check_err(rc, e);

	expect_ok = m.accepted;
	for (unsigned i = 0; expect_ok && i < m.nseg; i++)
		expect_ok =
		    covered(ranges, n, m.segs[i].paddr, m.segs[i].memsz);
	if (rc == 0) {
		CHECK(m.accepted, "accepted only what the documented checks "
				  "accept");
		CHECK(expect_ok, "loaded only into writable guest memory");
		check_result(&res, &m);
		check_writes(&w, m.segs, m.nseg);
		check_memory(tm, m.segs, m.nseg, file.bytes);
	} else {
		CHECK(rc < 0, "a negative errno");
		CHECK(fired || !expect_ok,
		      "a valid file over writable memory loads");
		CHECK(memcmp(&res, &sentinel, sizeof(res)) == 0,
		      "output untouched on failure");
		if (!fired) {
			CHECK(w.writes == 0, "a refused load writes nothing");
			check_memory(tm, NULL, 0, NULL);
		} else {
			CHECK(w.writes == 0 || m.accepted,
			      "writes only after every check passed");
			check_writes(&w, m.segs, m.nseg);
			check_memory(tm, m.segs, m.nseg, NULL);
		}
	}
	if (getenv("CVMM_FUZZ_VERBOSE") != NULL)
		fprintf(stderr,
			"elf-pvh: load %d (%s), model %s%s, pvh %d, %zu-byte "
			"file, %zu ranges\n",
			rc,
			e == NULL ? "-"
			: rc	  ? err.msg
				  : "ok",
			m.accepted ? "accepts" : "refuses: ",
			m.accepted ? "" : m.why, m.found, file.len, n);
	cvmm_mem_test_destroy(tm);
	return 0;
}
