/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for what a kernel boots with (cvmm/ll-boot.h, cvmm/ll-pvh.h):
 * the e820 table (add, validate), initrd placement and loading, the zero
 * page (boot_params) and the PVH start-info block. A sequence of
 * operations runs against one e820 table and one loaded kernel, each
 * checked against a model written here from the headers' rules.
 *
 * Input (harness/fuzz-input rules; a "choice" is a range 0..3 selector:
 * 0 the consistent value, 1 one of 8 boundary values (then range 0..7),
 * 2 the consistent value + (range 0..32) - 16, 3 any value (then it)):
 *   the kernel (a small bzImage built here and loaded into guest memory
 *   that holds its reserved range):
 *     range  version 0..9 (2.15 down to 2.06)
 *     u16    xloadflags ^ (KERNEL_64 | CAN_BE_LOADED_ABOVE_4G)
 *     u8     loadflags | LOADED_HIGH (so CAN_USE_HEAP may be set)
 *     choice cmdline_size (2047), choice initrd_addr_max (0x7fffffff),
 *     choice pref_address (16 MiB), range init_size extra 0..0xffff,
 *     choice jump length (what the version needs), u8 noise written into
 *     the fields the builder must clear (setup_data, heap_end_ptr,
 *     hardware_subarch, ext_loader_*)
 *   then operations until the input ends (at most MAX_OPS):
 *     u8 op: low 3 bits (mod 7) choose it; bit 3 passes a NULL error;
 *       bit 4 passes NULL for the kernel/e820/memmap pointer
 *     0 e820_add: entry (see decode_entry)
 *     1 e820_validate
 *     2 initrd_place: choice size, choice addr_max, choice min_addr
 *     3 initrd_load: range size 0..8192, choice address (the last placed
 *       one), range granule 0..5, range memory 0..2 (cover, with a hole,
 *       with a read-only piece), range slack 0..64, range memory
 *       operation that fails 0..6, range source read that fails 0..2
 *       (decoded always, run for the first MAX_LOADS only)
 *     4 boot_params_build: choice cmdline address, choice length, choice
 *       initrd address, choice size, u64 rsdp, u8 type_of_loader
 *     5 pvh_build: choice address, u64 cmdline, u64 rsdp, choice initrd
 *       address, choice size, u64 initrd cmdline
 *     6 fill the table directly, bypassing e820_add: range mode 0..2
 *       (0: range 0..130 entries, each decoded as below against the
 *       table so far; 1: the same with every odd entry swapped with the
 *       one before, out of order; 2: only the count, a u32); a count
 *       above 128 keeps the first 128 entries
 *   An entry: choice address (consistent: the end of the last entry),
 *   choice size (0x1000), range type 0..7 (1, 2, 3, 4, 5, 7, 0, then u32).
 *
 * Invariants (abort() with "boot-params: invariant ... broken"):
 *   - every result is the model's: 0 exactly when no documented refusal
 *     applies, else one of the errnos that apply; a refused call leaves
 *     its outputs (and the table) untouched; errors carry a message;
 *   - a table built by e820_add is sorted, non-overlapping, at most 128
 *     entries, the model's, and validates;
 *   - initrd_place returns the highest page-aligned address that fits one
 *     RAM entry, at or above min_addr, last byte at or below addr_max;
 *   - initrd_load writes only [addr, addr + size), with the source's
 *     bytes; nothing when refused (unless an injected failure fired);
 *   - the zero page is, byte for byte, zeros, the kernel's header as read
 *     from the file, and the loader's fields from the inputs; the PVH
 *     block is, byte for byte, the start info, module and memory map.
 */
#include <cvmm/ll-boot.h>
#include <cvmm/ll-pvh.h>
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
				"boot-params: invariant \"%s\" broken: %s "    \
				"(line %d)\n",                                 \
				what, #cond, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

#define MAX_OPS	   200
#define ONE_MIB	   0x100000u
#define FOUR_GIB   ((uint64_t)1 << 32)
#define PAGE	   4096u
#define KSIZE	   0x400u /* the protected-mode kernel built here */
#define INITRD_MAX 8192u

/* --- Choices and little-endian helpers ---------------------------------- */

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

static uint64_t decode_choice(struct cvmm_fi *in, uint64_t consistent,
			      const uint64_t *table, uint64_t mask)
{
	return resolve(choice(in, mask), consistent, table, mask);
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

/* --- Errors -----------------------------------------------------------------
 */

/* The errnos a call may return: a small set. */
struct expect {
	int codes[8];
	unsigned n;
};

static void may(struct expect *e, int code)
{
	if (e->n < 8)
		e->codes[e->n++] = code;
}

static void check_result(int rc, const struct expect *e,
			 const struct cvmm_ll_error *err)
{
	bool listed = false;

	for (unsigned i = 0; i < e->n; i++)
		listed = listed || rc == e->codes[i];
	if (e->n == 0)
		CHECK(rc == 0, "succeeds when no refusal applies");
	else
		CHECK(listed, "refused with an errno that applies");
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

/* --- The e820 model ---------------------------------------------------- */

/* Every refusal of cvmm_ll_e820_validate() that applies to t. */
static void e820_refusals(const struct cvmm_ll_e820 *t, struct expect *e)
{
	if (t->count > CVMM_LL_E820_MAX) {
		may(e, -E2BIG);
		return;
	}
	if (t->count == 0)
		may(e, -ENODATA);
	for (uint32_t i = 0; i < t->count; i++) {
		const struct cvmm_ll_e820_entry *x = &t->entries[i];
		uint64_t end;

		if (x->size == 0 || x->type == 0)
			may(e, -EINVAL);
		if (__builtin_add_overflow(x->addr, x->size, &end))
			may(e, -EOVERFLOW);
		if (i == 0)
			continue;
		if (x->addr < t->entries[i - 1].addr)
			may(e, -EDOM);
		else if (x->addr - t->entries[i - 1].addr <
			 t->entries[i - 1].size)
			may(e, -EBADMSG);
	}
}

static bool e820_valid(const struct cvmm_ll_e820 *t)
{
	struct expect e = {{0}, 0};

	e820_refusals(t, &e);
	return e.n == 0;
}

static bool same_table(const struct cvmm_ll_e820 *a,
		       const struct cvmm_ll_e820 *b)
{
	uint32_t n = a->count < CVMM_LL_E820_MAX ? a->count : CVMM_LL_E820_MAX;

	if (a->count != b->count)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (a->entries[i].addr != b->entries[i].addr ||
		    a->entries[i].size != b->entries[i].size ||
		    a->entries[i].type != b->entries[i].type)
			return false;
	return true;
}

/* --- Guest memory -------------------------------------------------------- */

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

static void fill_memory(struct cvmm_mem_test *tm)
{
	const struct cvmm_mem_regions *regs = cvmm_mem_test_regions(tm);

	for (size_t i = 0; i < cvmm_mem_regions_count(regs); i++) {
		const struct cvmm_mem_region *r = cvmm_mem_regions_at(regs, i);
		fill_pattern(r->host, r->gpa.raw, r->size);
	}
}

static void check_pattern(const uint8_t *host, uint64_t gpa, uint64_t n)
{
	for (uint64_t k = 0; k < n; k += CHUNK) {
		uint64_t c = n - k < CHUNK ? n - k : CHUNK;

		CHECK(memcmp(host + k, ptab + (gpa + k) % PERIOD, (size_t)c) ==
			  0,
		      "nothing written outside the initrd");
	}
}

/* Outside [lo, hi) the pattern; inside, want[] when given. */
static void check_memory(struct cvmm_mem_test *tm, uint64_t lo, uint64_t hi,
			 const uint8_t *want)
{
	const struct cvmm_mem_regions *regs = cvmm_mem_test_regions(tm);

	for (size_t i = 0; i < cvmm_mem_regions_count(regs); i++) {
		const struct cvmm_mem_region *r = cvmm_mem_regions_at(regs, i);
		uint64_t g = r->gpa.raw, end = g + r->size;
		uint64_t a = g > lo ? g : lo, b = end < hi ? end : hi;

		if (lo >= hi || a >= b) {
			check_pattern(r->host, g, r->size);
			continue;
		}
		check_pattern(r->host, g, a - g);
		if (want != NULL)
			CHECK(memcmp(r->host + (a - g), want + (a - lo),
				     (size_t)(b - a)) == 0,
			      "the initrd's bytes are loaded");
		check_pattern(r->host + (b - g), b, end - b);
	}
}

struct fsrc {
	const uint8_t *data;
	uint64_t reads, nth;
};

static int fsrc_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	struct fsrc *s = ctx;

	if (++s->reads == s->nth)
		return -EIO;
	memcpy(dst, s->data + off, len);
	return 0;
}

static const struct cvmm_ll_source_ops fsrc_ops = {.read = fsrc_read};

/* --- The kernel --------------------------------------------------------------
 */

struct kernel {
	bool loaded;
	struct cvmm_ll_bzimage_result res;
	uint8_t file[3 * 512 + KSIZE];
};

static unsigned header_need(uint16_t version)
{
	static const uint16_t need[] = {0x23c, 0x248, 0x250, 0x258, 0x264,
					0x268, 0x268, 0x268, 0x268, 0x26c};

	return need[version - 0x0206];
}

/* Build a bzImage (setup_sects 2, kernel_info at 0x200) and load it. */
static void load_kernel(struct cvmm_fi *in, struct kernel *k)
{
	static const uint64_t t_cmd[] = {1,    255,	   256,	  2048,
					 4096, 0xffffffff, 0x7ff, 0x10000};
	static const uint64_t t_max[] = {0,	     0xfff,	 0x37ffffff,
					 0xffffffff, 0x3fffffff, 0x1000000,
					 0x100000,   0x7ffff000};
	static const uint64_t t_pref[] = {
	    0x100000,	0x1000000, 0x100000000, 0xfff00000,
	    0xfffff000, 0x200000,  0x40000000,	0xfffffffffff00000u};
	uint8_t *f = k->file, *kern = f + 3 * 512, noise;
	uint16_t version = (uint16_t)(0x020f - cvmm_fi_range(in, 0, 9));
	uint16_t xlf = cvmm_fi_u16(in) ^ 3;
	uint8_t loadflags = cvmm_fi_u8(in) | CVMM_LL_LOADED_HIGH;
	uint64_t cmd = decode_choice(in, 2047, t_cmd, UINT32_MAX);
	uint64_t imax = decode_choice(in, 0x7fffffff, t_max, UINT32_MAX);
	uint64_t pref = decode_choice(in, 0x1000000, t_pref, UINT64_MAX);
	uint64_t init = KSIZE + cvmm_fi_range(in, 0, 0xffff);
	unsigned need = header_need(version);
	uint64_t jump;
	struct cvmm_mem_range r;
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	struct cvmm_ll_source src;

	{
		const uint64_t t_jump[] = {need - 0x202, 0x8e, 0xff, 0x6a,
					   0x66,	 0x3a, 0x56, 0x4e};
		jump = decode_choice(in, need - 0x202, t_jump, 0xff);
	}
	noise = cvmm_fi_u8(in);
	if (jump + 0x202 < need)
		jump = need - 0x202; /* loadable: at least what it needs */
	memset(f, 0, sizeof(k->file));
	f[0x1f1] = 2;
	put32(f + 0x1f4, KSIZE / 16);
	put16(f + 0x1fa, 0xffff);
	put16(f + 0x1fe, 0xaa55);
	f[0x200] = 0xeb;
	f[0x201] = (uint8_t)jump;
	memcpy(f + 0x202, "HdrS", 4);
	put16(f + 0x206, version);
	f[0x210] = noise;
	f[0x211] = loadflags;
	put32(f + 0x214, ONE_MIB);
	put16(f + 0x224, noise * 0x101u);
	f[0x226] = noise;
	f[0x227] = noise;
	put32(f + 0x228, noise * 0x1010101u);
	put32(f + 0x22c, imax);
	put32(f + 0x230, 0x1000);
	f[0x234] = 1;
	f[0x235] = 12;
	put16(f + 0x236, xlf);
	put32(f + 0x238, cmd);
	put32(f + 0x23c, noise);
	put64(f + 0x240, noise * 0x0101010101010101u);
	put32(f + 0x248, 0x100);
	put32(f + 0x24c, 0x100);
	put64(f + 0x250, noise * 0x0101010101010101u);
	put64(f + 0x258, pref);
	put32(f + 0x260, init);
	put32(f + 0x268, 0x200);
	for (unsigned i = 0x26c; i < 0x290; i++)
		f[i] = noise;
	for (unsigned i = 0; i < KSIZE; i++)
		kern[i] = (uint8_t)(i * 7 + 3);
	memcpy(kern + 0x200, "LToP", 4);
	put32(kern + 0x204, 16);
	put32(kern + 0x208, 16);

	/* Guest memory over [pref, pref + init), rounded to pages. */
	k->loaded = false;
	if (version < 0x020a)
		pref = ONE_MIB;
	r.gpa = cvmm_mem_gpa_from(pref);
	r.size = version < 0x020a ? KSIZE : init;
	r.flags = 0;
	if (r.size > UINT64_MAX - pref)
		return;
	CHECK(cvmm_mem_test_create(&r, 1, 0, &tm) == 0, "kernel memory");
	mem = cvmm_mem_test_iface(tm);
	src = cvmm_ll_source_buffer(f, sizeof(k->file));
	k->loaded = cvmm_ll_bzimage_load(&mem, &src, NULL, &k->res, NULL) == 0;
	cvmm_mem_test_destroy(tm);
}

/* --- Operations ---------------------------------------------------------- */

#define MAX_LOADS 4 /* initrd loads run per input (guest memory is slow) */

struct state {
	unsigned loads;
	struct kernel k;
	struct cvmm_ll_e820 t, model;
	uint64_t placed; /* the last initrd_place result */
};

static uint64_t last_end(const struct cvmm_ll_e820 *t)
{
	const struct cvmm_ll_e820_entry *e;

	if (t->count == 0 || t->count > CVMM_LL_E820_MAX)
		return 0;
	e = &t->entries[t->count - 1];
	return e->addr + e->size;
}

static void decode_entry(struct cvmm_fi *in, const struct cvmm_ll_e820 *t,
			 struct cvmm_ll_e820_entry *e)
{
	static const uint32_t types[] = {1, 2, 3, 4, 5, 7, 0};
	uint64_t end = last_end(t),
		 first = t->count && t->count <= 128 ? t->entries[0].addr : 0;
	const uint64_t t_addr[] = {0,	       0x9fc00,	 0x100000,
				   0xfec00000, FOUR_GIB, 0xfffffffffffff000u,
				   first,      end - 1};
	static const uint64_t t_size[] = {0,
					  1,
					  0x400,
					  0x9fc00,
					  0xbff00000,
					  UINT64_MAX,
					  0x8000000000000000u,
					  0xfff};
	unsigned ty;

	e->addr = decode_choice(in, end, t_addr, UINT64_MAX);
	e->size = decode_choice(in, 0x1000, t_size, UINT64_MAX);
	ty = (unsigned)cvmm_fi_range(in, 0, 7);
	e->type = ty < 7 ? types[ty] : cvmm_fi_u32(in);
}

static void op_add(struct state *s, struct cvmm_fi *in,
		   struct cvmm_ll_error *err)
{
	struct cvmm_ll_e820_entry e;
	struct expect x = {{0}, 0};
	uint64_t end;
	int rc;

	decode_entry(in, &s->t, &e);
	/* Adding to a table that is not valid is not defined. */
	if (!e820_valid(&s->t) && s->t.count != 0)
		return;
	if (e.size == 0 || e.type == 0)
		may(&x, -EINVAL);
	if (__builtin_add_overflow(e.addr, e.size, &end))
		may(&x, -EOVERFLOW);
	if (s->t.count >= CVMM_LL_E820_MAX)
		may(&x, -E2BIG);
	for (uint32_t i = 0; x.n == 0 && i < s->t.count; i++) {
		const struct cvmm_ll_e820_entry *o = &s->t.entries[i];
		if (e.addr < o->addr + o->size && o->addr < end)
			may(&x, -EBADMSG);
	}
	rc = cvmm_ll_e820_add(&s->t, e.addr, e.size, e.type, err);
	check_result(rc, &x, err);
	if (rc == 0) {
		/* The model: insert in address order. */
		uint32_t i = s->model.count;
		for (; i > 0 && s->model.entries[i - 1].addr > e.addr; i--)
			s->model.entries[i] = s->model.entries[i - 1];
		s->model.entries[i] = e;
		s->model.count++;
	}
	CHECK(same_table(&s->t, &s->model),
	      "the table is the model's (unchanged when refused)");
	CHECK(s->t.count <= CVMM_LL_E820_MAX, "at most 128 entries");
	CHECK(s->t.count == 0 || e820_valid(&s->t),
	      "a table built by add is valid (or still empty)");
}

static void op_validate(struct state *s, struct cvmm_ll_error *err)
{
	struct expect x = {{0}, 0};

	e820_refusals(&s->t, &x);
	check_result(cvmm_ll_e820_validate(&s->t, err), &x, err);
	CHECK(same_table(&s->t, &s->model), "validate changes nothing");
}

static void op_place(struct state *s, struct cvmm_fi *in,
		     struct cvmm_ll_error *err)
{
	static const uint64_t t_size[] = {
	    0, 1, 0xfff, 0x1000, 0x1001, 0x9fc00, 0x10000000, UINT64_MAX};
	static const uint64_t t_max[] = {0,	     0xfff,	 0x37ffffff,
					 0x7fffffff, 0xffffffff, UINT64_MAX,
					 0x9fbff,    0x100fff};
	uint64_t imax =
	    s->k.loaded ? s->k.res.image.hdr.initrd_addr_max : 0x7fffffff;
	uint64_t kend =
	    s->k.loaded ? s->k.res.reserved.start.raw + s->k.res.reserved.size
			: ONE_MIB;
	const uint64_t t_min[] = {0,	      ONE_MIB, kend + 1, FOUR_GIB,
				  UINT64_MAX, 0x1000,  kend - 1, 0x9fc00};
	struct cvmm_ll_initrd_request req;
	struct expect x = {{0}, 0};
	uint64_t addr = 0xA5A5A5A5A5A5A5A5u, best = 0;
	bool found = false;
	int rc;

	req.size = decode_choice(in, 0x2000, t_size, UINT64_MAX);
	req.addr_max = decode_choice(in, imax, t_max, UINT64_MAX);
	req.min_addr = decode_choice(in, kend, t_min, UINT64_MAX);
	req.ram = &s->t;
	if (req.size == 0)
		may(&x, -EINVAL);
	e820_refusals(&s->t, &x);
	if (x.n == 0) {
		/* The highest candidate of every RAM entry. */
		for (uint32_t i = 0; i < s->t.count; i++) {
			const struct cvmm_ll_e820_entry *e = &s->t.entries[i];
			uint64_t last = e->addr + e->size - 1, start;
			if (e->type != CVMM_LL_E820_RAM)
				continue;
			if (last > req.addr_max)
				last = req.addr_max;
			if (last < req.size - 1)
				continue;
			start = (last - (req.size - 1)) / PAGE * PAGE;
			if (start >= e->addr && start >= req.min_addr &&
			    (!found || start > best)) {
				best = start;
				found = true;
			}
		}
		if (!found)
			may(&x, -ENOSPC);
	}
	rc = cvmm_ll_initrd_place(&req, &addr, err);
	check_result(rc, &x, err);
	if (rc != 0) {
		CHECK(addr == 0xA5A5A5A5A5A5A5A5u, "place: untouched output");
		return;
	}
	CHECK(addr == best, "place: the highest address that fits");
	CHECK(addr % PAGE == 0 && addr >= req.min_addr &&
		  addr + (req.size - 1) <= req.addr_max,
	      "place: page-aligned, within min_addr and addr_max");
	s->placed = addr;
}

static void op_load(struct state *s, struct cvmm_fi *in,
		    struct cvmm_ll_error *err)
{
	static const uint64_t granules[] = {0, 1, 3, 64, 512, 4096};
	uint64_t size = cvmm_fi_range(in, 0, INITRD_MAX);
	const uint64_t t_addr[] = {0,
				   ONE_MIB,
				   FOUR_GIB - size,
				   FOUR_GIB - size + 1,
				   UINT64_MAX - size + 1,
				   UINT64_MAX - size,
				   UINT64_MAX,
				   0x7ffff000};
	uint64_t addr = decode_choice(in, s->placed, t_addr, UINT64_MAX);
	uint64_t granule = granules[cvmm_fi_range(in, 0, 5)];
	unsigned mode = (unsigned)cvmm_fi_range(in, 0, 2);
	uint64_t slack = cvmm_fi_range(in, 0, 64);
	uint64_t mem_fail = cvmm_fi_range(in, 0, 6);
	uint64_t src_fail = cvmm_fi_range(in, 0, 2);
	uint8_t bytes[INITRD_MAX];
	struct cvmm_mem_range r[3];
	struct cvmm_ll_range out = {cvmm_mem_gpa_from(7), 7};
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	struct cvmm_ll_source src;
	struct fsrc fs = {bytes, 0, src_fail};
	struct cvmm_mw w; /* hull only: no log, nothing to free */
	struct expect x = {{0}, 0};
	uint64_t lo, hi, end, mid;
	size_t n = 0;
	bool fired, wraps;
	int rc;

	fill_pattern(bytes, 77, size);
	wraps = __builtin_add_overflow(addr, size, &end);
	/* Memory over [addr - slack, addr + size + slack), clipped; mode 1
	 * leaves a hole at mid, mode 2 makes mid read-only. */
	lo = addr - (slack < addr ? slack : addr);
	hi = wraps || end > UINT64_MAX - slack ? UINT64_MAX : end + slack;
	if (hi - lo > INITRD_MAX + 128)
		hi = lo + INITRD_MAX + 128;
	if (hi == lo && hi < UINT64_MAX)
		hi++;
	else if (hi == lo)
		lo--;
	mid = lo + (hi - lo) / 2;
	if (hi - lo < 3)
		mode = 0;
	if (mode == 0) {
		r[n++] =
		    (struct cvmm_mem_range){cvmm_mem_gpa_from(lo), hi - lo, 0};
	} else {
		r[n++] =
		    (struct cvmm_mem_range){cvmm_mem_gpa_from(lo), mid - lo, 0};
		if (mode == 2)
			r[n++] =
			    (struct cvmm_mem_range){cvmm_mem_gpa_from(mid), 1,
						    CVMM_MEM_REGION_READONLY};
		r[n++] = (struct cvmm_mem_range){cvmm_mem_gpa_from(mid + 1),
						 hi - mid - 1, 0};
	}
	if (++s->loads > MAX_LOADS)
		return;
	CHECK(cvmm_mem_test_create(r, n, granule, &tm) == 0, "initrd memory");
	mem = cvmm_mem_test_iface(tm);
	fill_memory(tm);
	src.ops = &fsrc_ops;
	src.ctx = &fs;
	src.size = size;

	if (size == 0)
		may(&x, -EINVAL);
	if (wraps)
		may(&x, -EOVERFLOW);
	if (x.n == 0 && (end > hi || (mode != 0 && addr <= mid && mid < end))) {
		may(&x, -EFAULT);
		may(&x, -EACCES);
	}
	CHECK(cvmm_mw_init(&w, 0) == 0, "the watch");
	cvmm_mw_attach(&w, tm);
	CHECK(cvmm_mem_test_fail_nth(tm, mem_fail, -EIO) == 0, "arm");
	rc = cvmm_ll_initrd_load(&mem, &src, addr, &out, err);
	fired = cvmm_mem_test_failure_fired(tm) ||
		(src_fail != 0 && fs.reads >= src_fail);
	CHECK(cvmm_mem_test_fail_nth(tm, 0, -EIO) == 0, "disarm");
	cvmm_mw_detach(tm);
	if (fired && rc != 0)
		may(&x, rc); /* the injected failure */
	check_result(rc, &x, err);
	if (rc == 0) {
		CHECK(out.start.raw == addr && out.size == size,
		      "load: the range written");
		CHECK(w.lo >= addr && w.hi <= end,
		      "load: writes only inside the initrd");
		check_memory(tm, addr, end, bytes);
	} else {
		CHECK(out.start.raw == 7 && out.size == 7,
		      "load: output untouched on failure");
		if (!fired) {
			CHECK(w.writes == 0, "a refused load writes nothing");
			check_memory(tm, 1, 0, NULL);
		} else {
			CHECK(w.writes == 0 || (w.lo >= addr && w.hi <= end),
			      "a failed copy writes only inside the initrd");
			check_memory(tm, addr, end, NULL);
		}
	}
	cvmm_mem_test_destroy(tm);
}

/* One blob the kernel reads (cvmm_ll_boot_params_build's checks). */
static void blob_refusals(const struct cvmm_ll_bzimage_result *k, uint64_t addr,
			  uint64_t size, uint64_t max_last, struct expect *x)
{
	uint64_t end, rs = k->reserved.start.raw, re = rs + k->reserved.size;

	if (__builtin_add_overflow(addr, size, &end)) {
		may(x, -EOVERFLOW);
		return;
	}
	if (size != 0 && k->reserved.size != 0 && addr < re && rs < end)
		may(x, -EBADMSG);
	if (!k->image.can_load_above_4g && end - 1 > max_last)
		may(x, -ERANGE);
}

static void op_zero_page(struct state *s, unsigned flags, struct cvmm_fi *in,
			 struct cvmm_ll_error *err)
{
	const struct cvmm_ll_bzimage_result *k = &s->k.res;
	uint64_t rs = s->k.loaded ? k->reserved.start.raw : ONE_MIB;
	uint64_t re = s->k.loaded ? rs + k->reserved.size : ONE_MIB;
	uint64_t csz = s->k.loaded ? k->image.hdr.cmdline_size : 2047;
	uint64_t imax = s->k.loaded ? k->image.hdr.initrd_addr_max : 0;
	const uint64_t t_caddr[] = {0,	      0x20000,	       rs,
				    re - 1,   FOUR_GIB - 256,  FOUR_GIB - 255,
				    FOUR_GIB, UINT64_MAX - 255};
	const uint64_t t_clen[] = {0,	       1,	   csz,	 csz + 1,
				   UINT64_MAX, 0xffffffff, 2047, 254};
	struct cvmm_ll_boot_params_config cfg;
	struct cvmm_ll_zero_page zp, want;
	struct expect x = {{0}, 0};
	uint8_t *b = want.bytes;
	int rc;

	cfg.cmdline_addr = decode_choice(in, (re + PAGE - 1) / PAGE * PAGE,
					 t_caddr, UINT64_MAX);
	cfg.cmdline_len = decode_choice(in, 255, t_clen, UINT64_MAX);
	{
		struct choice ca = choice(in, UINT64_MAX);
		struct choice cs = choice(in, UINT64_MAX);
		const uint64_t t_isize[] = {0,	      1,	  0xffffffff,
					    FOUR_GIB, UINT64_MAX, PAGE,
					    imax + 1, 0x80000000};
		uint64_t size = resolve(cs, 0x2000, t_isize, UINT64_MAX);
		const uint64_t t_iaddr[] = {0,
					    rs,
					    re - 1,
					    imax - size + 1,
					    imax - size + 2,
					    FOUR_GIB,
					    UINT64_MAX - size + 1,
					    0x7ffff000};
		cfg.initrd_size = size;
		cfg.initrd_addr = resolve(ca, s->placed, t_iaddr, UINT64_MAX);
	}
	cfg.acpi_rsdp_addr = cvmm_fi_u64(in);
	cfg.type_of_loader = cvmm_fi_u8(in);
	cfg.kernel = s->k.loaded && !(flags & 16) ? k : NULL;
	cfg.e820 = (flags & 32) ? NULL : &s->t;

	if (cfg.kernel == NULL || cfg.e820 == NULL) {
		may(&x, -EINVAL);
	} else {
		e820_refusals(&s->t, &x);
		if (cfg.cmdline_addr != 0 && cfg.cmdline_len > csz)
			may(&x, -ENOSPC);
		else if (cfg.cmdline_addr != 0)
			blob_refusals(k, cfg.cmdline_addr, cfg.cmdline_len + 1,
				      FOUR_GIB - 1, &x);
		if (cfg.initrd_size != 0)
			blob_refusals(k, cfg.initrd_addr, cfg.initrd_size, imax,
				      &x);
	}
	memset(&zp, 0xA5, sizeof(zp));
	memset(&want, 0xA5, sizeof(want));
	rc = cvmm_ll_boot_params_build(&cfg, &zp, err);
	check_result(rc, &x, err);
	CHECK(same_table(&s->t, &s->model), "the e820 table is unchanged");
	if (rc != 0) {
		CHECK(memcmp(&zp, &want, sizeof(zp)) == 0,
		      "zero page untouched on failure");
		return;
	}
	/* The zero page, from the boot protocol and the inputs. */
	memset(b, 0, sizeof(want.bytes));
	memcpy(b + 0x1f1, k->image.raw, k->image.raw_len);
	CHECK(memcmp(k->image.raw, s->k.file + 0x1f1, k->image.raw_len) == 0,
	      "the header copied is the file's");
	b[0x210] = cfg.type_of_loader ? cfg.type_of_loader : 0xff;
	b[0x211] &= (uint8_t)~CVMM_LL_CAN_USE_HEAP;
	put32(b + 0x214, k->load.start.raw);
	put16(b + 0x224, 0);
	b[0x226] = 0;
	b[0x227] = 0;
	put32(b + 0x23c, 0);
	put64(b + 0x240, 0);
	put64(b + 0x250, 0);
	put32(b + 0x228, cfg.cmdline_addr);
	put32(b + 0x0c8, cfg.cmdline_addr >> 32);
	put32(b + 0x218, cfg.initrd_size ? cfg.initrd_addr : 0);
	put32(b + 0x0c0, cfg.initrd_size ? cfg.initrd_addr >> 32 : 0);
	put32(b + 0x21c, cfg.initrd_size);
	put32(b + 0x0c4, cfg.initrd_size >> 32);
	put64(b + 0x070, cfg.acpi_rsdp_addr);
	b[0x1e8] = (uint8_t)s->t.count;
	for (uint32_t i = 0; i < s->t.count; i++) {
		put64(b + 0x2d0 + 20 * i, s->t.entries[i].addr);
		put64(b + 0x2d0 + 20 * i + 8, s->t.entries[i].size);
		put32(b + 0x2d0 + 20 * i + 16, s->t.entries[i].type);
	}
	for (unsigned i = 0; i < sizeof(zp.bytes); i++)
		if (zp.bytes[i] != b[i]) {
			fprintf(stderr,
				"boot-params: zero page byte 0x%x is 0x%02x, "
				"expected 0x%02x\n",
				i, zp.bytes[i], b[i]);
			CHECK(0, "the zero page fields match the inputs");
		}
	CHECK((get(zp.bytes + 0x228, 4) | get(zp.bytes + 0x0c8, 4) << 32) ==
		  cfg.cmdline_addr,
	      "cmd_line_ptr and ext_cmd_line_ptr are the command line's");
}

static void op_pvh(struct state *s, unsigned flags, struct cvmm_fi *in,
		   struct cvmm_ll_error *err)
{
	struct choice ca = choice(in, UINT64_MAX);
	uint64_t cmdline = cvmm_fi_u64(in), rsdp = cvmm_fi_u64(in);
	struct choice ia = choice(in, UINT64_MAX);
	struct choice is = choice(in, UINT64_MAX);
	uint64_t icmd = cvmm_fi_u64(in);
	static const uint64_t t_isize[] = {
	    0, 1, 0x1000, FOUR_GIB, UINT64_MAX, 0xffffffff, 0x10, 0x3000};
	uint64_t isize = resolve(is, 0x3000, t_isize, UINT64_MAX);
	uint64_t count = s->t.count <= CVMM_LL_E820_MAX ? s->t.count : 0;
	uint64_t used = 56u + (isize ? 32u : 0u) + 24u * count;
	const uint64_t t_addr[] = {
	    0,		0x6004,		FOUR_GIB - used, FOUR_GIB - used + 8,
	    0xfffffff8, UINT64_MAX - 7, 0x1000,		 0x9f000};
	uint64_t addr = resolve(ca, 0x6000, t_addr, UINT64_MAX);
	const uint64_t t_iaddr[] = {0,
				    addr,
				    addr + used - 1,
				    addr + used,
				    addr - isize,
				    addr - isize + 1,
				    UINT64_MAX - isize + 1,
				    FOUR_GIB};
	uint64_t iaddr = resolve(ia, 0x800000, t_iaddr, UINT64_MAX), end;
	struct cvmm_ll_pvh_config cfg = {addr,
					 cmdline,
					 rsdp,
					 iaddr,
					 isize,
					 icmd,
					 (flags & 48) ? NULL : &s->t};
	static struct cvmm_ll_pvh_block blk, want;
	struct expect x = {{0}, 0};
	uint8_t *b = want.bytes;
	int rc;

	if (cfg.memmap == NULL) {
		may(&x, -EINVAL);
	} else {
		e820_refusals(&s->t, &x);
		if (addr % 8 != 0)
			may(&x, -EINVAL);
		if (addr > FOUR_GIB - used)
			may(&x, -ERANGE);
		if (isize != 0 && __builtin_add_overflow(iaddr, isize, &end))
			may(&x, -EOVERFLOW);
		else if (isize != 0 && iaddr < addr + used && addr < end)
			may(&x, -EBADMSG);
	}
	memset(&blk, 0xA5, sizeof(blk));
	memset(&want, 0xA5, sizeof(want));
	rc = cvmm_ll_pvh_build(&cfg, &blk, err);
	check_result(rc, &x, err);
	if (rc != 0) {
		CHECK(memcmp(&blk, &want, sizeof(blk)) == 0,
		      "PVH block untouched on failure");
		return;
	}
	memset(b, 0, sizeof(want.bytes));
	put32(b, CVMM_LL_PVH_MAGIC);
	put32(b + 4, 1);
	put32(b + 12, isize ? 1 : 0);
	put64(b + 16, isize ? addr + 56 : 0);
	put64(b + 24, cmdline);
	put64(b + 32, rsdp);
	put64(b + 40, addr + 56 + (isize ? 32 : 0));
	put32(b + 48, count);
	if (isize) {
		put64(b + 56, iaddr);
		put64(b + 64, isize);
		put64(b + 72, icmd);
	}
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *m = b + 56 + (isize ? 32 : 0) + 24 * i;
		put64(m, s->t.entries[i].addr);
		put64(m + 8, s->t.entries[i].size);
		put32(m + 16, s->t.entries[i].type);
	}
	CHECK(memcmp(blk.bytes, want.bytes, sizeof(blk.bytes)) == 0,
	      "the PVH block is the start info, module and memory map");
	CHECK(blk.range.start.raw == addr && blk.range.size == used,
	      "the PVH block's range");
	CHECK(addr + used <= FOUR_GIB, "the PVH block ends below 4 GiB");
}

static void op_fill(struct state *s, struct cvmm_fi *in)
{
	unsigned mode = (unsigned)cvmm_fi_range(in, 0, 2);

	if (mode == 2) {
		s->t.count = cvmm_fi_u32(in);
	} else {
		uint64_t n = cvmm_fi_range(in, 0, CVMM_LL_E820_MAX + 2);
		s->t.count = 0;
		for (uint64_t i = 0; i < n && i < CVMM_LL_E820_MAX; i++) {
			struct cvmm_ll_e820_entry e;
			decode_entry(in, &s->t, &e);
			if (mode == 1 && i > 0 && (i & 1)) {
				/* Out of order: swap with the previous. */
				s->t.entries[i] = s->t.entries[i - 1];
				s->t.entries[i - 1] = e;
			} else {
				s->t.entries[i] = e;
			}
			s->t.count++;
		}
		if (n > CVMM_LL_E820_MAX)
			s->t.count = (uint32_t)n;
	}
	s->model = s->t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct state s; /* reset below: nothing carries over */
	struct cvmm_ll_error err;
	struct cvmm_fi in;

	tables_init();
	memset(&s, 0, sizeof(s));
	s.placed = 0x2000000;
	cvmm_fi_init(&in, data, size);
	load_kernel(&in, &s.k);
	for (unsigned n = 0; n < MAX_OPS && !cvmm_fi_done(&in); n++) {
		uint8_t op = cvmm_fi_u8(&in);
		struct cvmm_ll_error *e = (op & 8) ? NULL : &err;

		memset(&err, 0x5A, sizeof(err));
		switch ((op & 7u) % 7u) {
		case 0:
			op_add(&s, &in, e);
			break;
		case 1:
			op_validate(&s, e);
			break;
		case 2:
			op_place(&s, &in, e);
			break;
		case 3:
			op_load(&s, &in, e);
			break;
		case 4:
			op_zero_page(&s, op, &in, e);
			break;
		case 5:
			op_pvh(&s, op, &in, e);
			break;
		default:
			op_fill(&s, &in);
			break;
		}
	}
	if (getenv("CVMM_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "boot-params: kernel %s, %u e820 entries\n",
			s.k.loaded ? "loaded" : "not loaded", s.t.count);
	return 0;
}
