/* SPDX-License-Identifier: Apache-2.0 */
#include "mem-conformance.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define PAGE 0x1000u
#define TOP  (UINT64_MAX - 2 * (uint64_t)PAGE + 1)

/*
 * The layout every access test runs on:
 *   A [0x0000, 0x2000)   read-write
 *   B [0x2000, 0x4000)   read-write, adjacent to A
 *     hole [0x4000, 0x8000)
 *   C [0x8000, 0x9000)   read-only
 *   D [TOP, TOP + PAGE)  read-write, the highest page an aligned layout has
 *                        below 2^64 with a page to spare
 */
static const struct cvmm_mem_range layout[] = {
    {{0x0000}, 0x2000, 0},
    {{0x2000}, 0x2000, 0},
    {{0x8000}, 0x1000, CVMM_MEM_REGION_READONLY},
    {{TOP}, PAGE, 0},
};

struct fixture {
	void *backend;
	struct cvmm_mem mem;
};

/* The factory under test; cmocka's runner has no per-group argument. */
static const struct cvmm_mem_backend_factory *factory;

static cvmm_mem_gpa at(uint64_t raw)
{
	return cvmm_mem_gpa_from(raw);
}

/* Largest translation length the backend promises inside one region. */
static uint64_t span_len(uint64_t want)
{
	return factory->granule != 0 && factory->granule < want
		   ? factory->granule
		   : want;
}

static int setup(void **state)
{
	static struct fixture f;

	if (factory->create(layout, sizeof(layout) / sizeof(layout[0]),
			    &f.backend, &f.mem) != 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	factory->destroy(f->backend);
	return 0;
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

static void roundtrip_inside_region(void **state)
{
	struct fixture *f = *state;
	uint8_t in[300], out[300];

	fill(in, sizeof(in), 1);
	assert_int_equal(cvmm_mem_write(&f->mem, at(0x123), in, sizeof(in)), 0);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x123), out, sizeof(out)),
			 0);
	assert_memory_equal(in, out, sizeof(in));
}

static void roundtrip_across_adjacent_regions(void **state)
{
	struct fixture *f = *state;
	uint8_t in[64], out[64], left[32], right[32];

	fill(in, sizeof(in), 9);
	assert_int_equal(cvmm_mem_write(&f->mem, at(0x2000 - 32), in, 64), 0);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x2000 - 32), out, 64), 0);
	assert_memory_equal(in, out, 64);
	/* Each side holds its own half. */
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x2000 - 32), left, 32), 0);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x2000), right, 32), 0);
	assert_memory_equal(in, left, 32);
	assert_memory_equal(in + 32, right, 32);
}

static void last_byte_of_memory_is_accessible_and_one_more_is_not(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[16] = {0};

	assert_int_equal(cvmm_mem_read(&f->mem, at(0x4000 - 16), buf, 16), 0);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x4000 - 15), buf, 16),
			 -EFAULT);
	assert_int_equal(
	    cvmm_mem_check(&f->mem, at(0x0), 0x4000, CVMM_MEM_ACCESS_READ), 0);
	assert_int_equal(
	    cvmm_mem_check(&f->mem, at(0x0), 0x4001, CVMM_MEM_ACCESS_READ),
	    -EFAULT);
	assert_int_equal(cvmm_mem_read(&f->mem, at(TOP + PAGE - 16), buf, 16),
			 0);
	assert_int_equal(cvmm_mem_read(&f->mem, at(TOP + PAGE - 15), buf, 16),
			 -EFAULT);
}

static void hole_is_not_memory(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[8];

	memset(buf, 0xAA, sizeof(buf));
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x5000), buf, 8), -EFAULT);
	/* A failed read leaves the destination alone. */
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xAA);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x4000 - 4), buf, 8),
			 -EFAULT);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x8000 - 4), buf, 8),
			 -EFAULT);
	assert_int_equal(
	    cvmm_mem_check(&f->mem, at(0x3000), 0x6000, CVMM_MEM_ACCESS_READ),
	    -EFAULT);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x10000000), buf, 1),
			 -EFAULT);
	/* The first byte past a region, where a hole begins. */
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x4000), buf, 1), -EFAULT);
	assert_int_equal(
	    cvmm_mem_check(&f->mem, at(0x9000), 1, CVMM_MEM_ACCESS_READ),
	    -EFAULT);
}

static void failed_write_changes_nothing(void **state)
{
	struct fixture *f = *state;
	uint8_t ones[64], out[32], before[32];

	memset(ones, 0xFF, sizeof(ones));
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x4000 - 32), before, 32),
			 0);
	/* Starts in B, runs into the hole. */
	assert_int_equal(cvmm_mem_write(&f->mem, at(0x4000 - 32), ones, 64),
			 -EFAULT);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x4000 - 32), out, 32), 0);
	assert_memory_equal(before, out, 32);
	/* Starts in D, wraps. */
	assert_int_equal(cvmm_mem_write(&f->mem, at(UINT64_MAX - 8), ones, 64),
			 -EOVERFLOW);
}

static void wrapping_ranges_are_refused(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[2];
	cvmm_mem_gpa g;
	void *host = NULL;

	assert_int_equal(cvmm_mem_read(&f->mem, at(UINT64_MAX), buf, 2),
			 -EOVERFLOW);
	assert_int_equal(cvmm_mem_check(&f->mem, at(0x1000), UINT64_MAX,
					CVMM_MEM_ACCESS_READ),
			 -EOVERFLOW);
	assert_int_equal(cvmm_mem_translate(&f->mem, at(TOP), UINT64_MAX,
					    CVMM_MEM_ACCESS_READ, &host),
			 -EOVERFLOW);
	assert_null(host);
	assert_int_equal(cvmm_mem_gpa_add(at(UINT64_MAX), 1, &g), -EOVERFLOW);
	assert_int_equal(cvmm_mem_gpa_add(at(UINT64_MAX - 1), 1, &g), 0);
	assert_true(g.raw == UINT64_MAX);
	assert_int_equal(cvmm_mem_gpa_index(at(0), UINT64_MAX / 16 + 1, 16, &g),
			 -EOVERFLOW);
	assert_int_equal(
	    cvmm_mem_gpa_index(at(16), UINT64_MAX / 16 - 1, 16, &g), 0);
}

static void translate_only_inside_one_region(void **state)
{
	struct fixture *f = *state;
	void *host = NULL;
	uint64_t len = span_len(8);
	/* Backend regions start at a multiple of the granule within A. */
	uint64_t gpa =
	    factory->granule ? 0x1000 - 0x1000 % factory->granule : 0x1000;
	uint8_t v = 0x5A, back = 0;

	assert_int_equal(
	    cvmm_mem_translate(&f->mem, at(gpa), len,
			       CVMM_MEM_ACCESS_READ | CVMM_MEM_ACCESS_WRITE,
			       &host),
	    0);
	assert_non_null(host);
	/* The pointer aliases guest memory. */
	*(volatile uint8_t *)host = v;
	assert_int_equal(cvmm_mem_read_u8(&f->mem, at(gpa), &back), 0);
	assert_int_equal(back, v);
	/* CVE-2019-18960 class: never one pointer across a hole... */
	host = NULL;
	assert_int_equal(cvmm_mem_translate(&f->mem, at(0x4000 - 4), 8,
					    CVMM_MEM_ACCESS_READ, &host),
			 -EFAULT);
	/* ...nor across two regions, adjacent or not. */
	assert_int_equal(cvmm_mem_translate(&f->mem, at(0x2000 - 4), 8,
					    CVMM_MEM_ACCESS_READ, &host),
			 -EXDEV);
	assert_null(host);
}

static void zero_length_accesses(void **state)
{
	struct fixture *f = *state;
	void *host = NULL, *last = NULL;

	/* Inside a region, and at a region's end: valid, touch nothing. */
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x10), NULL, 0), 0);
	assert_int_equal(cvmm_mem_write(&f->mem, at(0x10), NULL, 0), 0);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x4000), NULL, 0), 0);
	assert_int_equal(
	    cvmm_mem_check(&f->mem, at(0x9000), 0, CVMM_MEM_ACCESS_READ), 0);
	assert_int_equal(cvmm_mem_read(&f->mem, at(TOP + PAGE), NULL, 0), 0);
	/* In a hole or beyond memory: -EFAULT. */
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x4001), NULL, 0), -EFAULT);
	assert_int_equal(cvmm_mem_write(&f->mem, at(0x20000), NULL, 0),
			 -EFAULT);
	assert_int_equal(
	    cvmm_mem_check(&f->mem, at(UINT64_MAX), 0, CVMM_MEM_ACCESS_READ),
	    -EFAULT);
	/* Read-only memory accepts a zero-length write: nothing is written. */
	assert_int_equal(cvmm_mem_write(&f->mem, at(0x8000), NULL, 0), 0);
	/* A zero-length translation at a region's end points one past it. */
	assert_int_equal(cvmm_mem_translate(&f->mem, at(0x9000), 0,
					    CVMM_MEM_ACCESS_READ, &host),
			 0);
	assert_int_equal(cvmm_mem_translate(&f->mem, at(0x9000 - 1), 1,
					    CVMM_MEM_ACCESS_READ, &last),
			 0);
	assert_ptr_equal(host, (uint8_t *)last + 1);
}

static void little_endian_objects(void **state)
{
	struct fixture *f = *state;
	uint8_t b[8];
	uint8_t v8 = 0;
	uint16_t v16 = 0;
	uint32_t v32 = 0;
	uint64_t v64 = 0;

	assert_int_equal(cvmm_mem_write_le64(&f->mem, at(0x100),
					     UINT64_C(0x0102030405060708)),
			 0);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0x100), b, 8), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(b[i], 8 - i);
	assert_int_equal(cvmm_mem_read_le64(&f->mem, at(0x100), &v64), 0);
	assert_true(v64 == UINT64_C(0x0102030405060708));
	assert_int_equal(cvmm_mem_read_le32(&f->mem, at(0x100), &v32), 0);
	assert_int_equal(v32, 0x05060708);
	assert_int_equal(cvmm_mem_read_le16(&f->mem, at(0x101), &v16), 0);
	assert_int_equal(v16, 0x0607);
	assert_int_equal(cvmm_mem_read_u8(&f->mem, at(0x107), &v8), 0);
	assert_int_equal(v8, 0x01);

	assert_int_equal(cvmm_mem_write_le32(&f->mem, at(0x1FFE), 0xA1B2C3D4),
			 0);
	assert_int_equal(cvmm_mem_read_le32(&f->mem, at(0x1FFE), &v32), 0);
	assert_int_equal(v32, 0xA1B2C3D4);
	assert_int_equal(cvmm_mem_write_le16(&f->mem, at(0x200), 0xBEEF), 0);
	assert_int_equal(cvmm_mem_read_le16_acquire(&f->mem, at(0x200), &v16),
			 0);
	assert_int_equal(v16, 0xBEEF);
	assert_int_equal(
	    cvmm_mem_write_le16_release(&f->mem, at(0x202), 0x1234), 0);
	assert_int_equal(
	    cvmm_mem_write_le32_release(&f->mem, at(0x204), 0x89ABCDEF), 0);
	assert_int_equal(cvmm_mem_read_le32_acquire(&f->mem, at(0x204), &v32),
			 0);
	assert_int_equal(v32, 0x89ABCDEF);
	assert_int_equal(cvmm_mem_write_u8(&f->mem, at(0x208), 0x7F), 0);
	assert_int_equal(cvmm_mem_read_le16(&f->mem, at(0x202), &v16), 0);
	assert_int_equal(v16, 0x1234);
	assert_int_equal(cvmm_mem_read_u8(&f->mem, at(0x208), &v8), 0);
	assert_int_equal(v8, 0x7F);

	/* A failed object read leaves the output alone. */
	v64 = 42;
	assert_int_equal(cvmm_mem_read_le64(&f->mem, at(0x4000 - 4), &v64),
			 -EFAULT);
	assert_true(v64 == 42);
	v32 = 42;
	assert_int_equal(cvmm_mem_read_le32_acquire(&f->mem, at(0x5000), &v32),
			 -EFAULT);
	assert_int_equal(v32, 42);
	v16 = 42;
	assert_int_equal(cvmm_mem_read_le16(&f->mem, at(0x5000), &v16),
			 -EFAULT);
	assert_int_equal(v16, 42);
	assert_int_equal(cvmm_mem_write_le64(&f->mem, at(0x5000), 1), -EFAULT);
}

static void read_only_region(void **state)
{
	struct fixture *f = *state;
	uint8_t b[4] = {1, 2, 3, 4}, out[4];
	void *host = NULL;

	assert_int_equal(cvmm_mem_read(&f->mem, at(0x8000), out, 4), 0);
	assert_int_equal(cvmm_mem_write(&f->mem, at(0x8000), b, 4), -EACCES);
	assert_int_equal(cvmm_mem_write_le32(&f->mem, at(0x8010), 7), -EACCES);
	assert_int_equal(
	    cvmm_mem_check(&f->mem, at(0x8000), 4, CVMM_MEM_ACCESS_WRITE),
	    -EACCES);
	assert_int_equal(
	    cvmm_mem_check(&f->mem, at(0x8000), 4, CVMM_MEM_ACCESS_READ), 0);
	assert_int_equal(cvmm_mem_translate(&f->mem, at(0x8000), span_len(4),
					    CVMM_MEM_ACCESS_WRITE, &host),
			 -EACCES);
	assert_null(host);
	assert_int_equal(cvmm_mem_translate(&f->mem, at(0x8000), span_len(4),
					    CVMM_MEM_ACCESS_READ, &host),
			 0);
	assert_non_null(host);
}

static void caller_errors(void **state)
{
	struct fixture *f = *state;
	uint8_t b[4] = {0};
	void *host = NULL;

	assert_int_equal(cvmm_mem_read(&f->mem, at(0), NULL, 4), -EINVAL);
	assert_int_equal(cvmm_mem_write(&f->mem, at(0), NULL, 4), -EINVAL);
	assert_int_equal(cvmm_mem_check(&f->mem, at(0), 4, 4), -EINVAL);
	assert_int_equal(cvmm_mem_translate(&f->mem, at(0), 4, 0x80, &host),
			 -EINVAL);
	assert_null(host);
	assert_int_equal(cvmm_mem_read(&f->mem, at(0), b, 4), 0);
	assert_string_equal(cvmm_mem_strerror(-EXDEV),
			    "range crosses a region boundary (no single host "
			    "pointer)");
}

/* The guest flips an aligned 64-bit field; the VMM must never see a mix. */
struct flipper {
	struct cvmm_mem *mem;
	atomic_int stop;
};

#define FLIP_A UINT64_C(0x0000000000000000)
#define FLIP_B UINT64_C(0xFFFFFFFFFFFFFFFF)

static void *flip(void *arg)
{
	struct flipper *fl = arg;
	uint64_t v = FLIP_A;

	while (!atomic_load(&fl->stop)) {
		v = v == FLIP_A ? FLIP_B : FLIP_A;
		if (cvmm_mem_write_le64(fl->mem, at(0x1008), v) != 0)
			break;
	}
	return NULL;
}

static void aligned_objects_are_never_torn(void **state)
{
	struct fixture *f = *state;
	struct flipper fl = {&f->mem, 0};
	pthread_t t;
	int torn = 0;

	if (factory->granule != 0 && factory->granule < 8) {
		/* Documented: only objects inside one region are single
		 * accesses. */
		print_message("skipped: granule %llu splits 8-byte objects\n",
			      (unsigned long long)factory->granule);
		skip();
	}
	assert_int_equal(pthread_create(&t, NULL, flip, &fl), 0);
	for (int i = 0; i < 200000; i++) {
		uint64_t v = 1;
		assert_int_equal(cvmm_mem_read_le64(&f->mem, at(0x1008), &v),
				 0);
		torn += v != FLIP_A && v != FLIP_B;
	}
	atomic_store(&fl.stop, 1);
	pthread_join(t, NULL);
	assert_int_equal(torn, 0);
}

/* Every layout defect is refused by the backend with its own errno. */
static void expect_layout_error(const struct cvmm_mem_range *r, size_t n,
				int err)
{
	void *backend = NULL;
	struct cvmm_mem mem;

	assert_int_equal(factory->create(r, n, &backend, &mem), err);
	assert_null(backend);
}

static void layout_errors(void **state)
{
	const struct cvmm_mem_range zero[] = {{{0}, 0, 0}};
	const struct cvmm_mem_range wrap[] = {
	    {{UINT64_MAX - PAGE + 1}, 2 * PAGE, 0}};
	const struct cvmm_mem_range unsorted[] = {{{0x4000}, PAGE, 0},
						  {{0x0000}, PAGE, 0}};
	const struct cvmm_mem_range overlap[] = {{{0x0000}, 2 * PAGE, 0},
						 {{0x1000}, PAGE, 0}};
	const struct cvmm_mem_range flags[] = {{{0}, PAGE, 0x80}};

	(void)state;
	expect_layout_error(zero, 0, -ENODATA);
	expect_layout_error(zero, 1, -EINVAL);
	expect_layout_error(wrap, 1, -EOVERFLOW);
	expect_layout_error(unsorted, 2, -EDOM);
	expect_layout_error(overlap, 2, -EEXIST);
	expect_layout_error(flags, 1, -EOPNOTSUPP);
}

int cvmm_mem_conformance_run(const struct cvmm_mem_backend_factory *f)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(roundtrip_inside_region, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(roundtrip_across_adjacent_regions,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		last_byte_of_memory_is_accessible_and_one_more_is_not, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(hole_is_not_memory, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(failed_write_changes_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(wrapping_ranges_are_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(translate_only_inside_one_region,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(zero_length_accesses, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(little_endian_objects, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(read_only_region, setup, teardown),
	    cmocka_unit_test_setup_teardown(caller_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(aligned_objects_are_never_torn,
					    setup, teardown),
	    cmocka_unit_test(layout_errors),
	};

	factory = f;
	return _cmocka_run_group_tests(
	    f->name, tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
}
