/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential fuzz target for vm-memory: every operation is applied to the
 * real component (test backend, regions cut to a fuzzed granule so each is
 * its own heap block) and to a byte-by-byte reference model written here
 * from the rules in cvmm/mem.h. Results, bytes read, host pointers' contents
 * and, at the end, all of memory must agree; any difference aborts.
 *
 * Input (decoded with harness/fuzz-input, see fuzz_input.h for the rules):
 *   u8     layout flags: bit 0 places the layout at the top of the address
 *          space, so wrap-around is reachable
 *   range  region count 1..8
 *   range  granule index 0..5 -> {0 (whole region), 1, 2, 3, 8, 64}
 *   per region: range gap 0..64, range size 1..512, bool read-only
 *   range  base 0..4096 (offset from 0, or down from the top)
 *   then operations until the input ends (at most MAX_OPS):
 *     range op 0..8, then the op's operands (see run_op)
 */
#include <cvmm/mem-test.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"

#define MAX_REGIONS 8
#define MAX_SIZE    512
#define MAX_LEN	    1100
#define MAX_OPS	    256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct model_region {
	uint64_t gpa;
	uint64_t size;
	bool ro;
	uint8_t bytes[MAX_SIZE];
};

struct model {
	struct model_region r[MAX_REGIONS];
	size_t n;
	uint64_t granule;
	uint64_t ops;	  /* operations issued through the interface */
	uint64_t fail_at; /* operation that the backend will fail, 0 = none */
};

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr,                                        \
				"guest-memory: model mismatch: %s "            \
				"(line %d)\n",                                 \
				#cond, __LINE__);                              \
			abort();                                               \
		}                                                              \
	} while (0)

/* Region holding byte b, or -1. */
static int locate(const struct model *m, uint64_t b)
{
	for (size_t i = 0; i < m->n; i++) {
		if (b >= m->r[i].gpa && b - m->r[i].gpa < m->r[i].size)
			return (int)i;
	}
	return -1;
}

/* The expected result of an access of len bytes at gpa (cvmm/mem.h). */
static int expect(const struct model *m, uint64_t gpa, uint64_t len,
		  unsigned access)
{
	uint64_t end;

	if ((access & ~(CVMM_MEM_ACCESS_READ | CVMM_MEM_ACCESS_WRITE)) != 0)
		return -EINVAL;
	if (__builtin_add_overflow(gpa, len, &end))
		return -EOVERFLOW;
	if (len == 0) {
		for (size_t i = 0; i < m->n; i++) {
			if (gpa >= m->r[i].gpa &&
			    gpa - m->r[i].gpa <= m->r[i].size)
				return 0;
		}
		return -EFAULT;
	}
	/* The first failing byte, in address order, decides. */
	for (uint64_t k = 0; k < len; k++) {
		int i = locate(m, gpa + k);
		if (i < 0)
			return -EFAULT;
		if ((access & CVMM_MEM_ACCESS_WRITE) && m->r[i].ro)
			return -EACCES;
	}
	return 0;
}

/* Backend piece holding byte b of region i (granule 0: the region). */
static uint64_t piece(const struct model *m, int i, uint64_t b)
{
	return m->granule ? (b - m->r[i].gpa) / m->granule : 0;
}

/* Translation needs the range inside one backend region. */
static int expect_translate(const struct model *m, uint64_t gpa, uint64_t len,
			    unsigned access)
{
	int rc = expect(m, gpa, len, access), first, last;

	if (rc != 0 || len == 0)
		return rc;
	first = locate(m, gpa);
	last = locate(m, gpa + len - 1);
	if (first != last ||
	    piece(m, first, gpa) != piece(m, last, gpa + len - 1))
		return -EXDEV;
	return 0;
}

static uint8_t *model_byte(struct model *m, uint64_t b)
{
	int i = locate(m, b);

	return &m->r[i].bytes[b - m->r[i].gpa];
}

/* Count an interface operation; true if the backend is set to fail it. */
static bool injected(struct model *m)
{
	return ++m->ops == m->fail_at;
}

static uint64_t pick_gpa(struct model *m, struct cvmm_fi *in)
{
	switch (cvmm_fi_range(in, 0, 3)) {
	case 0: {
		/* Inside a region, or exactly at its end. */
		const struct model_region *r =
		    &m->r[cvmm_fi_range(in, 0, m->n - 1)];
		return r->gpa + cvmm_fi_range(in, 0, r->size);
	}
	case 1: {
		/* Anywhere around the layout, holes and edges included. */
		uint64_t below = m->r[0].gpa < 64 ? m->r[0].gpa : 64;
		return m->r[0].gpa - below + cvmm_fi_range(in, 0, 8 * 640);
	}
	case 2:
		return UINT64_MAX - cvmm_fi_range(in, 0, 64);
	default:
		return cvmm_fi_u64(in);
	}
}

static uint64_t pick_len(struct cvmm_fi *in)
{
	return cvmm_fi_bool(in) ? cvmm_fi_range(in, 0, 16)
				: cvmm_fi_range(in, 0, MAX_LEN);
}

static void op_read(struct model *m, const struct cvmm_mem *mem,
		    struct cvmm_fi *in)
{
	uint8_t buf[MAX_LEN];
	uint64_t gpa = pick_gpa(m, in), len = pick_len(in);
	int want =
	    injected(m) ? -EIO : expect(m, gpa, len, CVMM_MEM_ACCESS_READ);

	memset(buf, 0xEE, sizeof(buf));
	CHECK(cvmm_mem_read(mem, cvmm_mem_gpa_from(gpa), buf, len) == want);
	for (uint64_t k = 0; k < len; k++)
		CHECK(buf[k] == (want == 0 ? *model_byte(m, gpa + k) : 0xEE));
}

static void op_write(struct model *m, const struct cvmm_mem *mem,
		     struct cvmm_fi *in)
{
	uint8_t buf[MAX_LEN];
	uint64_t gpa = pick_gpa(m, in), len = pick_len(in);
	uint8_t seed = cvmm_fi_u8(in);
	int want =
	    injected(m) ? -EIO : expect(m, gpa, len, CVMM_MEM_ACCESS_WRITE);

	for (uint64_t k = 0; k < len; k++)
		buf[k] = (uint8_t)(seed + k * 13);
	CHECK(cvmm_mem_write(mem, cvmm_mem_gpa_from(gpa), buf, len) == want);
	for (uint64_t k = 0; want == 0 && k < len; k++)
		*model_byte(m, gpa + k) = buf[k];
}

static void op_check(struct model *m, const struct cvmm_mem *mem,
		     struct cvmm_fi *in)
{
	uint64_t gpa = pick_gpa(m, in);
	uint64_t len = cvmm_fi_bool(in) ? cvmm_fi_u64(in) : pick_len(in);
	unsigned access = (unsigned)cvmm_fi_range(in, 0, 4);
	/* Any length: the model's walk stops at the first byte outside
	 * memory, which is at most a few KiB away. */
	int want = injected(m) ? -EIO : expect(m, gpa, len, access);
	CHECK(cvmm_mem_check(mem, cvmm_mem_gpa_from(gpa), len, access) == want);
}

static void op_translate(struct model *m, const struct cvmm_mem *mem,
			 struct cvmm_fi *in)
{
	uint64_t gpa = pick_gpa(m, in), len = pick_len(in);
	unsigned access = (unsigned)cvmm_fi_range(in, 1, 3);
	int want = injected(m) ? -EIO : expect_translate(m, gpa, len, access);
	void *host = NULL;
	uint8_t *p;

	CHECK(cvmm_mem_translate(mem, cvmm_mem_gpa_from(gpa), len, access,
				 &host) == want);
	if (want != 0) {
		CHECK(host == NULL);
		return;
	}
	/* The pointer covers exactly the model's bytes... */
	p = host;
	for (uint64_t k = 0; k < len; k++)
		CHECK(p[k] == *model_byte(m, gpa + k));
	/* ...and writing through it is writing guest memory. */
	if (access & CVMM_MEM_ACCESS_WRITE) {
		for (uint64_t k = 0; k < len; k++) {
			p[k] = (uint8_t)(p[k] ^ 0x5A);
			*model_byte(m, gpa + k) = p[k];
		}
	}
}

static uint64_t model_le(struct model *m, uint64_t gpa, unsigned n)
{
	uint64_t v = 0;

	for (unsigned k = n; k > 0; k--)
		v = (v << 8) | *model_byte(m, gpa + k - 1);
	return v;
}

static void op_read_object(struct model *m, const struct cvmm_mem *mem,
			   struct cvmm_fi *in)
{
	static const unsigned sizes[] = {1, 2, 4, 8, 2, 4};
	unsigned kind = (unsigned)cvmm_fi_range(in, 0, 5), n = sizes[kind];
	uint64_t gpa = pick_gpa(m, in), got = 0xAAAA;
	cvmm_mem_gpa g = cvmm_mem_gpa_from(gpa);
	int want = injected(m) ? -EIO : expect(m, gpa, n, CVMM_MEM_ACCESS_READ);
	int rc;
	uint8_t v8 = 0xAA;
	uint16_t v16 = 0xAAAA;
	uint32_t v32 = 0xAAAA;

	switch (kind) {
	case 0:
		rc = cvmm_mem_read_u8(mem, g, &v8);
		got = v8 == 0xAA && rc != 0 ? 0xAAAA : v8;
		break;
	case 1:
		rc = cvmm_mem_read_le16(mem, g, &v16);
		got = v16;
		break;
	case 2:
		rc = cvmm_mem_read_le32(mem, g, &v32);
		got = v32;
		break;
	case 3:
		rc = cvmm_mem_read_le64(mem, g, &got);
		break;
	case 4:
		rc = cvmm_mem_read_le16_acquire(mem, g, &v16);
		got = v16;
		break;
	default:
		rc = cvmm_mem_read_le32_acquire(mem, g, &v32);
		got = v32;
		break;
	}
	CHECK(rc == want);
	/* On failure the output is untouched. */
	CHECK(got == (want == 0 ? model_le(m, gpa, n) : 0xAAAA));
}

static void op_write_object(struct model *m, const struct cvmm_mem *mem,
			    struct cvmm_fi *in)
{
	static const unsigned sizes[] = {1, 2, 4, 8, 2, 4};
	unsigned kind = (unsigned)cvmm_fi_range(in, 0, 5), n = sizes[kind];
	uint64_t gpa = pick_gpa(m, in), v = cvmm_fi_u64(in);
	cvmm_mem_gpa g = cvmm_mem_gpa_from(gpa);
	int want =
	    injected(m) ? -EIO : expect(m, gpa, n, CVMM_MEM_ACCESS_WRITE);
	int rc;

	switch (kind) {
	case 0:
		rc = cvmm_mem_write_u8(mem, g, (uint8_t)v);
		break;
	case 1:
		rc = cvmm_mem_write_le16(mem, g, (uint16_t)v);
		break;
	case 2:
		rc = cvmm_mem_write_le32(mem, g, (uint32_t)v);
		break;
	case 3:
		rc = cvmm_mem_write_le64(mem, g, v);
		break;
	case 4:
		rc = cvmm_mem_write_le16_release(mem, g, (uint16_t)v);
		break;
	default:
		rc = cvmm_mem_write_le32_release(mem, g, (uint32_t)v);
		break;
	}
	CHECK(rc == want);
	for (unsigned k = 0; want == 0 && k < n; k++)
		*model_byte(m, gpa + k) = (uint8_t)(v >> (8 * k));
}

static void op_arm_failure(struct model *m, struct cvmm_mem_test *tm,
			   struct cvmm_fi *in)
{
	uint64_t nth = cvmm_fi_range(in, 0, 3);

	CHECK(cvmm_mem_test_fail_nth(tm, nth, -EIO) == 0);
	m->fail_at = nth ? m->ops + nth : 0;
}

static void op_caller_errors(struct model *m, const struct cvmm_mem *mem,
			     struct cvmm_fi *in)
{
	uint64_t gpa = pick_gpa(m, in), len = cvmm_fi_range(in, 1, 8);

	/* A NULL buffer with a length is the caller's bug, whatever gpa. */
	CHECK(cvmm_mem_read(mem, cvmm_mem_gpa_from(gpa), NULL, len) ==
	      (injected(m) ? -EIO : -EINVAL));
	CHECK(cvmm_mem_write(mem, cvmm_mem_gpa_from(gpa), NULL, len) ==
	      (injected(m) ? -EIO : -EINVAL));
}

static void run_op(struct model *m, struct cvmm_mem_test *tm,
		   const struct cvmm_mem *mem, struct cvmm_fi *in)
{
	switch (cvmm_fi_range(in, 0, 8)) {
	case 0:
		op_read(m, mem, in);
		break;
	case 1:
		op_write(m, mem, in);
		break;
	case 2:
		op_check(m, mem, in);
		break;
	case 3:
		op_translate(m, mem, in);
		break;
	case 4:
		op_read_object(m, mem, in);
		break;
	case 5:
		op_write_object(m, mem, in);
		break;
	case 6:
		op_arm_failure(m, tm, in);
		break;
	case 7:
		op_caller_errors(m, mem, in);
		break;
	default:
		CHECK(cvmm_mem_test_op_count(tm) == m->ops);
		break;
	}
}

/* Decode the layout (always a valid one: sorted, gaps >= 0, no wrap). */
static void decode_layout(struct model *m, struct cvmm_fi *in,
			  struct cvmm_mem_range *ranges)
{
	static const uint64_t granules[] = {0, 1, 2, 3, 8, 64};
	bool top = (cvmm_fi_u8(in) & 1) != 0;
	uint64_t span = 0, base;

	m->n = (size_t)cvmm_fi_range(in, 1, MAX_REGIONS);
	m->granule = granules[cvmm_fi_range(in, 0, 5)];
	for (size_t i = 0; i < m->n; i++) {
		uint64_t gap = cvmm_fi_range(in, 0, 64);
		m->r[i].gpa = span + gap;
		m->r[i].size = cvmm_fi_range(in, 1, MAX_SIZE);
		m->r[i].ro = cvmm_fi_bool(in);
		span = m->r[i].gpa + m->r[i].size;
	}
	base = cvmm_fi_range(in, 0, 4096);
	/* At the top, the last region ends base bytes below 2^64 - 1. */
	base = top ? UINT64_MAX - span - base : base;
	for (size_t i = 0; i < m->n; i++) {
		m->r[i].gpa += base;
		ranges[i] = (struct cvmm_mem_range){
		    cvmm_mem_gpa_from(m->r[i].gpa), m->r[i].size,
		    m->r[i].ro ? CVMM_MEM_REGION_READONLY : 0};
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m;
	struct cvmm_mem_range ranges[MAX_REGIONS];
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	struct cvmm_fi in;

	memset(&m, 0, sizeof(m));
	cvmm_fi_init(&in, data, size);
	decode_layout(&m, &in, ranges);
	CHECK(cvmm_mem_test_create(ranges, m.n, m.granule, &tm) == 0);
	mem = cvmm_mem_test_iface(tm);

	/* Read-only regions are filled through the back door, the regions. */
	for (size_t i = 0; i < m.n; i++) {
		for (uint64_t k = 0; k < m.r[i].size; k++)
			m.r[i].bytes[k] = (uint8_t)(i * 31 + k);
	}
	for (size_t i = 0;
	     i < cvmm_mem_regions_count(cvmm_mem_test_regions(tm)); i++) {
		const struct cvmm_mem_region *r =
		    cvmm_mem_regions_at(cvmm_mem_test_regions(tm), i);
		for (uint64_t k = 0; k < r->size; k++)
			r->host[k] = *model_byte(&m, r->gpa.raw + k);
	}

	for (unsigned op = 0; op < MAX_OPS && !cvmm_fi_done(&in); op++)
		run_op(&m, tm, &mem, &in);

	/* All of memory must agree at the end. */
	CHECK(cvmm_mem_test_fail_nth(tm, 0, -EIO) == 0);
	for (size_t i = 0; i < m.n; i++) {
		uint8_t buf[MAX_SIZE];
		CHECK(cvmm_mem_read(&mem, cvmm_mem_gpa_from(m.r[i].gpa), buf,
				    m.r[i].size) == 0);
		CHECK(memcmp(buf, m.r[i].bytes, m.r[i].size) == 0);
	}
	cvmm_mem_test_destroy(tm);
	return 0;
}
