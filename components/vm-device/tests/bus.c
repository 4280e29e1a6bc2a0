/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the address-range bus: validation, dispatch, removal,
 * a model-checked walk over many ranges, allocation failure, threads. */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/dev-bus.h>

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc-fail.h"

/* A device that records its last call and reads back a pattern. */
struct dev {
	int id;
	unsigned reads, writes;
	uint64_t base, offset;
	size_t size;
	uint8_t wdata[8];
};

static void dev_read(void *ctx, uint64_t base, uint64_t offset, uint8_t *data,
		     size_t size)
{
	struct dev *d = ctx;

	d->reads++;
	d->base = base;
	d->offset = offset;
	d->size = size;
	for (size_t i = 0; i < size; i++) {
		/* The bus hands the handler an open-bus buffer. */
		assert_int_equal(data[i], 0xFF);
		data[i] = (uint8_t)(d->id * 16 + (int)(offset + i));
	}
}

static void dev_write(void *ctx, uint64_t base, uint64_t offset,
		      const uint8_t *data, size_t size)
{
	struct dev *d = ctx;

	d->writes++;
	d->base = base;
	d->offset = offset;
	d->size = size;
	memcpy(d->wdata, data, size);
}

static const struct cvmm_dev_ops dev_ops = {dev_read, dev_write};

static struct cvmm_dev_bus *make(enum cvmm_dev_bus_kind kind)
{
	struct cvmm_dev_bus *bus = NULL;

	assert_int_equal(cvmm_dev_bus_create(kind, &bus), 0);
	assert_non_null(bus);
	return bus;
}

/* pthread_rwlock_init, wrapped (ld --wrap) so a test can make it fail. */
int __real_pthread_rwlock_init(pthread_rwlock_t *lock,
			       const pthread_rwlockattr_t *attr);
int __wrap_pthread_rwlock_init(pthread_rwlock_t *lock,
			       const pthread_rwlockattr_t *attr);
static int rwlock_init_error;

int __wrap_pthread_rwlock_init(pthread_rwlock_t *lock,
			       const pthread_rwlockattr_t *attr)
{
	if (rwlock_init_error != 0)
		return rwlock_init_error;
	return __real_pthread_rwlock_init(lock, attr);
}

static void creation(void **state)
{
	struct cvmm_dev_bus *bus = (struct cvmm_dev_bus *)1;
	int rc;

	(void)state;
	assert_int_equal(cvmm_dev_bus_create((enum cvmm_dev_bus_kind)7, &bus),
			 -EINVAL);
	assert_ptr_equal(bus, (struct cvmm_dev_bus *)1);
	/* The lock's initialization failing is reported and leaks nothing. */
	rwlock_init_error = EAGAIN;
	assert_int_equal(cvmm_dev_bus_create(CVMM_DEV_BUS_PIO, &bus), -EAGAIN);
	rwlock_init_error = 0;
	assert_ptr_equal(bus, (struct cvmm_dev_bus *)1);
	for (uint64_t n = 1;; n++) {
		bus = NULL;
		cvmm_alloc_fail_nth(n);
		rc = cvmm_dev_bus_create(CVMM_DEV_BUS_MMIO, &bus);
		if (!cvmm_alloc_fail_fired())
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(bus);
	}
	cvmm_alloc_fail_nth(0);
	assert_int_equal(rc, 0);
	assert_int_equal(cvmm_dev_bus_count(bus), 0);
	cvmm_dev_bus_destroy(bus);
	cvmm_dev_bus_destroy(NULL);
}

static void each_range_defect_has_its_own_errno(void **state)
{
	struct cvmm_dev_bus *pio = make(CVMM_DEV_BUS_PIO);
	struct cvmm_dev_bus *mmio = make(CVMM_DEV_BUS_MMIO);
	struct dev d = {0};

	(void)state;
	assert_int_equal(cvmm_dev_bus_insert(mmio, 0x1000, 0, &dev_ops, &d),
			 -EINVAL);
	assert_int_equal(cvmm_dev_bus_insert(mmio, 0x1000, 1, NULL, &d),
			 -EINVAL);
	assert_int_equal(cvmm_dev_bus_insert(mmio, UINT64_MAX, 2, &dev_ops, &d),
			 -EOVERFLOW);
	assert_int_equal(cvmm_dev_bus_insert(mmio, 2, UINT64_MAX, &dev_ops, &d),
			 -EOVERFLOW);
	assert_int_equal(cvmm_dev_bus_insert(pio, 0xFFFF, 2, &dev_ops, &d),
			 -ERANGE);
	assert_int_equal(cvmm_dev_bus_insert(pio, 0x10000, 1, &dev_ops, &d),
			 -ERANGE);
	/* The extremes that fit. */
	assert_int_equal(cvmm_dev_bus_insert(pio, 0xFFFF, 1, &dev_ops, &d), 0);
	assert_int_equal(cvmm_dev_bus_insert(pio, 0, 1, &dev_ops, &d), 0);
	assert_int_equal(cvmm_dev_bus_insert(mmio, UINT64_MAX, 1, &dev_ops, &d),
			 0);
	/* [1, 2^64 - 2] fills the space up to that last byte. */
	assert_int_equal(
	    cvmm_dev_bus_insert(mmio, 1, UINT64_MAX - 1, &dev_ops, &d), 0);
	assert_int_equal(cvmm_dev_bus_insert(mmio, 0, 2, &dev_ops, &d),
			 -EEXIST);
	assert_int_equal(cvmm_dev_bus_insert(mmio, 0, 1, &dev_ops, &d), 0);
	assert_int_equal(cvmm_dev_bus_count(mmio), 3);
	assert_int_equal(cvmm_dev_bus_count(pio), 2);
	cvmm_dev_bus_destroy(pio);
	cvmm_dev_bus_destroy(mmio);
}

static void overlaps_are_refused(void **state)
{
	struct cvmm_dev_bus *bus = make(CVMM_DEV_BUS_PIO);
	struct dev d = {0};
	static const struct {
		uint64_t base, size;
	} clash[] = {
	    {0x3F8, 8},	    /* the same range */
	    {0x3F0, 9},	    /* ends on its first byte */
	    {0x3FF, 1},	    /* its last byte */
	    {0x3F9, 2},	    /* inside */
	    {0x300, 0x200}, /* around it */
	    {0x3FC, 0x10},  /* starts inside */
	};

	(void)state;
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x3F8, 8, &dev_ops, &d), 0);
	for (size_t i = 0; i < sizeof(clash) / sizeof(clash[0]); i++)
		assert_int_equal(cvmm_dev_bus_insert(bus, clash[i].base,
						     clash[i].size, &dev_ops,
						     &d),
				 -EEXIST);
	assert_int_equal(cvmm_dev_bus_count(bus), 1);
	/* Adjacent on both sides is fine. */
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x3F0, 8, &dev_ops, &d), 0);
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x400, 8, &dev_ops, &d), 0);
	/* Between two ranges, overlapping the right one only. */
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x500, 0x10, &dev_ops, &d),
			 0);
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x408, 0xF9, &dev_ops, &d),
			 -EEXIST);
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x408, 0xF8, &dev_ops, &d),
			 0);
	assert_int_equal(cvmm_dev_bus_count(bus), 5);
	cvmm_dev_bus_destroy(bus);
}

static void dispatch_with_offsets(void **state)
{
	struct cvmm_dev_bus *bus = make(CVMM_DEV_BUS_MMIO);
	struct dev a = {.id = 1}, b = {.id = 2};
	uint8_t buf[8], w[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	(void)state;
	assert_int_equal(
	    cvmm_dev_bus_insert(bus, 0xD0000000, 0x1000, &dev_ops, &a), 0);
	/* One device at two ranges: each call names the matching base. */
	assert_int_equal(
	    cvmm_dev_bus_insert(bus, 0xD0002000, 0x100, &dev_ops, &b), 0);
	assert_int_equal(
	    cvmm_dev_bus_insert(bus, 0xD0003000, 0x100, &dev_ops, &b), 0);
	assert_int_equal(cvmm_dev_bus_read(bus, 0xD0000010, buf, 4), 0);
	assert_true(a.base == 0xD0000000 && a.offset == 0x10 && a.size == 4);
	assert_int_equal(buf[0], 16 + 0x10);
	assert_int_equal(buf[3], 16 + 0x13);
	assert_int_equal(cvmm_dev_bus_write(bus, 0xD0003008, w, 8), 0);
	assert_true(b.base == 0xD0003000 && b.offset == 8 && b.size == 8);
	assert_memory_equal(b.wdata, w, 8);
	assert_int_equal(cvmm_dev_bus_write(bus, 0xD00020FF, w, 1), 0);
	assert_true(b.base == 0xD0002000 && b.offset == 0xFF);
	/* Last bytes of a range: a 4-byte access fits at 0xFFC only. */
	assert_int_equal(cvmm_dev_bus_read(bus, 0xD0000FFC, buf, 4), 0);
	assert_int_equal(a.reads, 2);
	assert_true(cvmm_dev_bus_unhandled(bus) == 0);
	cvmm_dev_bus_destroy(bus);
}

static void unhandled_accesses_read_open_bus(void **state)
{
	struct cvmm_dev_bus *bus = make(CVMM_DEV_BUS_PIO);
	struct dev a = {.id = 1};
	uint8_t buf[9], w[8] = {0};

	(void)state;
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x60, 1, &dev_ops, &a), 0);
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x64, 1, &dev_ops, &a), 0);
	/* Below, between, above, and past the space. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(cvmm_dev_bus_read(bus, 0x5F, buf, 1), -ENODEV);
	assert_int_equal(buf[0], 0xFF);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(cvmm_dev_bus_read(bus, 0x61, buf, 2), -ENODEV);
	assert_int_equal(buf[0], 0xFF);
	assert_int_equal(buf[1], 0xFF);
	assert_int_equal(buf[2], 0);
	assert_int_equal(cvmm_dev_bus_write(bus, 0x65, w, 1), -ENODEV);
	assert_int_equal(cvmm_dev_bus_write(bus, UINT64_MAX, w, 1), -ENODEV);
	/* Starting in a device but running past its end. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(cvmm_dev_bus_read(bus, 0x60, buf, 2), -ERANGE);
	assert_int_equal(buf[0], 0xFF);
	assert_int_equal(buf[1], 0xFF);
	assert_int_equal(cvmm_dev_bus_write(bus, 0x64, w, 4), -ERANGE);
	assert_int_equal(a.reads + a.writes, 0);
	assert_true(cvmm_dev_bus_unhandled(bus) == 6);
	/* Caller bugs. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(cvmm_dev_bus_read(bus, 0x60, buf, 0), -EINVAL);
	assert_int_equal(cvmm_dev_bus_read(bus, 0x60, buf, 9), -EINVAL);
	assert_int_equal(buf[0], 0);
	assert_int_equal(cvmm_dev_bus_read(bus, 0x60, NULL, 1), -EINVAL);
	assert_int_equal(cvmm_dev_bus_write(bus, 0x60, NULL, 1), -EINVAL);
	assert_int_equal(cvmm_dev_bus_write(bus, 0x60, w, 0), -EINVAL);
	assert_true(cvmm_dev_bus_unhandled(bus) == 6);
	cvmm_dev_bus_destroy(bus);
}

static void handlers_may_be_absent(void **state)
{
	static const struct cvmm_dev_ops none = {NULL, NULL};
	struct cvmm_dev_bus *bus = make(CVMM_DEV_BUS_PIO);
	uint8_t buf[2] = {0, 0};

	(void)state;
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x80, 1, &none, NULL), 0);
	assert_int_equal(cvmm_dev_bus_read(bus, 0x80, buf, 1), 0);
	assert_int_equal(buf[0], 0xFF);
	assert_int_equal(cvmm_dev_bus_write(bus, 0x80, buf, 1), 0);
	assert_true(cvmm_dev_bus_unhandled(bus) == 0);
	cvmm_dev_bus_destroy(bus);
}

static void remove_find_and_list(void **state)
{
	struct cvmm_dev_bus *bus = make(CVMM_DEV_BUS_PIO);
	struct dev a = {.id = 1}, b = {.id = 2};
	struct cvmm_dev_range r;
	uint8_t buf[1];

	(void)state;
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x3F8, 8, &dev_ops, &a), 0);
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x70, 2, &dev_ops, &b), 0);
	assert_int_equal(cvmm_dev_bus_find(bus, 0x3FF, &r), 0);
	assert_true(r.base == 0x3F8 && r.size == 8);
	assert_ptr_equal(r.ops, &dev_ops);
	assert_ptr_equal(r.ctx, &a);
	assert_int_equal(cvmm_dev_bus_find(bus, 0x400, &r), -ENODEV);
	assert_int_equal(cvmm_dev_bus_find(bus, 0x0, &r), -ENODEV);
	/* Listed in address order. */
	assert_int_equal(cvmm_dev_bus_at(bus, 0, &r), 0);
	assert_true(r.base == 0x70 && r.size == 2 && r.ctx == &b);
	assert_int_equal(cvmm_dev_bus_at(bus, 1, &r), 0);
	assert_true(r.base == 0x3F8);
	assert_int_equal(cvmm_dev_bus_at(bus, 2, &r), -ENOENT);
	/* Only a range's base removes it. */
	assert_int_equal(cvmm_dev_bus_remove(bus, 0x3F9), -ENOENT);
	assert_int_equal(cvmm_dev_bus_remove(bus, 0x10), -ENOENT);
	assert_int_equal(cvmm_dev_bus_remove(bus, 0x3F8), 0);
	assert_int_equal(cvmm_dev_bus_remove(bus, 0x3F8), -ENOENT);
	assert_int_equal(cvmm_dev_bus_count(bus), 1);
	assert_int_equal(cvmm_dev_bus_read(bus, 0x3F8, buf, 1), -ENODEV);
	assert_int_equal(a.reads, 0);
	/* The space is free again. */
	assert_int_equal(cvmm_dev_bus_insert(bus, 0x3F8, 8, &dev_ops, &b), 0);
	assert_int_equal(cvmm_dev_bus_read(bus, 0x3F8, buf, 1), 0);
	assert_int_equal(b.reads, 1);
	assert_int_equal(cvmm_dev_bus_remove(bus, 0x70), 0);
	assert_int_equal(cvmm_dev_bus_remove(bus, 0x3F8), 0);
	assert_int_equal(cvmm_dev_bus_count(bus), 0);
	assert_int_equal(cvmm_dev_bus_remove(bus, 0x3F8), -ENOENT);
	cvmm_dev_bus_destroy(bus);
}

static void insert_allocation_failure(void **state)
{
	struct cvmm_dev_bus *bus = make(CVMM_DEV_BUS_MMIO);
	struct dev d = {0};
	int rc;

	(void)state;
	/* Fail the allocation of the first and of a growing array. */
	for (uint64_t i = 0; i < 20; i++) {
		for (uint64_t n = 1;; n++) {
			cvmm_alloc_fail_nth(n);
			rc = cvmm_dev_bus_insert(bus, i * 0x1000, 0x1000,
						 &dev_ops, &d);
			if (!cvmm_alloc_fail_fired())
				break;
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(cvmm_dev_bus_count(bus), i);
		}
		cvmm_alloc_fail_nth(0);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(cvmm_dev_bus_count(bus), 20);
	cvmm_dev_bus_destroy(bus);
}

static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

#define MODEL_N 512

/* Ranges [i * 64 + gap, ...) of random sizes, inserted in random order,
 * against a linear-scan model. */
static void many_ranges_match_a_model(void **state)
{
	struct cvmm_dev_bus *bus = make(CVMM_DEV_BUS_MMIO);
	static struct dev devs[MODEL_N];
	uint64_t base[MODEL_N], size[MODEL_N];
	bool present[MODEL_N];
	size_t order[MODEL_N];
	uint64_t x = 0x1234567887654321u;

	(void)state;
	for (size_t i = 0; i < MODEL_N; i++) {
		uint64_t v = next(&x);

		devs[i].id = (int)i;
		base[i] = i * 64 + (v % 8);
		size[i] = 1 + (v >> 8) % 56;
		present[i] = false;
		order[i] = i;
	}
	for (size_t i = MODEL_N - 1; i > 0; i--) {
		size_t j = (size_t)(next(&x) % (i + 1)), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (size_t k = 0; k < MODEL_N; k++) {
		size_t i = order[k];

		assert_int_equal(cvmm_dev_bus_insert(bus, base[i], size[i],
						     &dev_ops, &devs[i]),
				 0);
		present[i] = true;
		/* Re-inserting any present range now clashes. */
		assert_int_equal(
		    cvmm_dev_bus_insert(bus, base[i], 1, &dev_ops, &devs[i]),
		    -EEXIST);
	}
	for (int round = 0; round < 2; round++) {
		for (int q = 0; q < 20000; q++) {
			uint64_t addr = next(&x) % (MODEL_N * 64 + 64);
			struct cvmm_dev_range r;
			int want = -ENODEV, rc;
			size_t hit = 0;

			for (size_t i = 0; i < MODEL_N; i++) {
				if (present[i] && addr >= base[i] &&
				    addr < base[i] + size[i]) {
					want = 0;
					hit = i;
				}
			}
			rc = cvmm_dev_bus_find(bus, addr, &r);
			assert_int_equal(rc, want);
			if (rc == 0) {
				assert_ptr_equal(r.ctx, &devs[hit]);
				assert_true(r.base == base[hit]);
			}
		}
		/* Remove every other range and check again. */
		for (size_t i = 0; i < MODEL_N; i += 2) {
			assert_int_equal(cvmm_dev_bus_remove(bus, base[i]),
					 present[i] ? 0 : -ENOENT);
			present[i] = false;
		}
	}
	for (size_t i = 1; i < cvmm_dev_bus_count(bus); i++) {
		struct cvmm_dev_range p, c;

		assert_int_equal(cvmm_dev_bus_at(bus, i - 1, &p), 0);
		assert_int_equal(cvmm_dev_bus_at(bus, i, &c), 0);
		assert_true(p.base + p.size <= c.base);
	}
	assert_int_equal(cvmm_dev_bus_count(bus), MODEL_N / 2);
	cvmm_dev_bus_destroy(bus);
}

/* Threads dispatch while the main thread removes the device: once remove
 * has returned, the handler must never run again. */
struct race {
	struct cvmm_dev_bus *bus;
	int removed;   /* atomic */
	int violation; /* atomic */
	unsigned calls;
};

static void race_read(void *ctx, uint64_t base, uint64_t offset, uint8_t *data,
		      size_t size)
{
	struct race *r = ctx;

	(void)base;
	(void)offset;
	(void)size;
	if (__atomic_load_n(&r->removed, __ATOMIC_SEQ_CST))
		__atomic_store_n(&r->violation, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&r->calls, 1, __ATOMIC_SEQ_CST);
	data[0] = 0x42;
}

static const struct cvmm_dev_ops race_ops = {race_read, NULL};

static void *race_thread(void *arg)
{
	struct race *r = arg;
	uint8_t b;

	for (int i = 0; i < 200000; i++) {
		int rc = cvmm_dev_bus_read(r->bus, 0x1000, &b, 1);

		if (rc != 0 && rc != -ENODEV)
			__atomic_store_n(&r->violation, 2, __ATOMIC_SEQ_CST);
		if (rc == 0 && b != 0x42)
			__atomic_store_n(&r->violation, 3, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void remove_waits_for_handlers(void **state)
{
	struct race r = {make(CVMM_DEV_BUS_MMIO), 0, 0, 0};
	pthread_t t[2];

	(void)state;
	assert_int_equal(cvmm_dev_bus_insert(r.bus, 0x1000, 4, &race_ops, &r),
			 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, &r),
				 0);
	/* Insert and remove other ranges while they run, then wait until
	 * the device has been called before removing it. */
	for (uint64_t i = 0; i < 1000; i++) {
		assert_int_equal(
		    cvmm_dev_bus_insert(r.bus, 0x2000 + i, 1, &race_ops, &r),
		    0);
		assert_int_equal(cvmm_dev_bus_remove(r.bus, 0x2000 + i), 0);
	}
	while (__atomic_load_n(&r.calls, __ATOMIC_SEQ_CST) < 100)
		sched_yield();
	assert_int_equal(cvmm_dev_bus_remove(r.bus, 0x1000), 0);
	__atomic_store_n(&r.removed, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(r.violation, 0);
	assert_true(cvmm_dev_bus_unhandled(r.bus) > 0 || r.calls == 2 * 200000);
	cvmm_dev_bus_destroy(r.bus);
}

static void strerror_names_every_error(void **state)
{
	(void)state;
	assert_string_equal(cvmm_dev_strerror(0), "success");
	assert_string_equal(cvmm_dev_strerror(-ENODEV),
			    "no device at this address");
	assert_string_equal(cvmm_dev_strerror(-EEXIST),
			    "range overlaps a device already on the bus");
	assert_string_equal(cvmm_dev_strerror(-EOVERFLOW),
			    "range wraps past the top of the address space");
	assert_non_null(strstr(cvmm_dev_strerror(-ERANGE), "past"));
	assert_non_null(strstr(cvmm_dev_strerror(-EINVAL), "invalid"));
	assert_string_equal(cvmm_dev_strerror(-ENOENT),
			    "no range starts at this address");
	assert_string_equal(cvmm_dev_strerror(-ENOMEM), "out of memory");
	assert_string_equal(cvmm_dev_strerror(-EIO), "bus error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(creation),
	    cmocka_unit_test(each_range_defect_has_its_own_errno),
	    cmocka_unit_test(overlaps_are_refused),
	    cmocka_unit_test(dispatch_with_offsets),
	    cmocka_unit_test(unhandled_accesses_read_open_bus),
	    cmocka_unit_test(handlers_may_be_absent),
	    cmocka_unit_test(remove_find_and_list),
	    cmocka_unit_test(insert_allocation_failure),
	    cmocka_unit_test(many_ranges_match_a_model),
	    cmocka_unit_test(remove_waits_for_handlers),
	    cmocka_unit_test(strerror_names_every_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
