/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bus dispatch against calling the device's handler directly, for 1-byte
 * port writes spread over 32 devices (a PC's legacy ports) and 4-byte MMIO
 * reads over 256 devices. The checked path pays for the reader lock, the
 * binary search and the range check.
 */
#include <cvmm/dev-bus.h>

#include <stdbool.h>
#include <stdio.h>

#include "bench.h"

#define MIN_NS	200000000u
#define REPEATS 3

struct dev {
	uint64_t sum;
};

static void dev_read(void *ctx, uint64_t base, uint64_t offset, uint8_t *data,
		     size_t size)
{
	struct dev *d = ctx;

	(void)base;
	d->sum += offset;
	data[0] = (uint8_t)size;
}

static void dev_write(void *ctx, uint64_t base, uint64_t offset,
		      const uint8_t *data, size_t size)
{
	struct dev *d = ctx;

	(void)base;
	(void)size;
	d->sum += offset + data[0];
}

static const struct cvmm_dev_ops ops = {dev_read, dev_write};

struct ctx {
	struct cvmm_dev_bus *bus;
	struct dev devs[256];
	unsigned n;
	uint64_t stride, span;
	bool mmio;
};

/* The i-th address visited: a fixed walk over every device. */
static uint64_t addr_of(const struct ctx *c, uint64_t i)
{
	return (i * 7919u) % (c->n * c->stride) / c->stride * c->stride +
	       i % c->span;
}

static void checked(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint8_t b = 1;

	for (uint64_t i = 0; i < n; i++) {
		int rc = c->mmio
			     ? cvmm_dev_bus_read(c->bus, addr_of(c, i), &b, 4)
			     : cvmm_dev_bus_write(c->bus, addr_of(c, i), &b, 1);
		if (rc != 0)
			return;
	}
	cvmm_bench_keep(c->devs);
}

static void baseline(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint8_t b[4] = {1};

	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = addr_of(c, i);
		struct dev *d = &c->devs[a / c->stride];

		if (c->mmio)
			dev_read(d, a / c->stride * c->stride, a % c->stride, b,
				 4);
		else
			dev_write(d, a / c->stride * c->stride, a % c->stride,
				  b, 1);
	}
	cvmm_bench_keep(c->devs);
}

static int run(struct ctx *c, const char *name)
{
	enum cvmm_dev_bus_kind kind =
	    c->mmio ? CVMM_DEV_BUS_MMIO : CVMM_DEV_BUS_PIO;

	if (cvmm_dev_bus_create(kind, &c->bus) != 0)
		return 1;
	for (unsigned i = 0; i < c->n; i++)
		if (cvmm_dev_bus_insert(c->bus, i * c->stride, c->stride, &ops,
					&c->devs[i]) != 0)
			return 1;
	cvmm_bench_report(name, cvmm_bench_rate(checked, c, MIN_NS, REPEATS),
			  cvmm_bench_rate(baseline, c, MIN_NS, REPEATS),
			  "accesses/s");
	cvmm_dev_bus_destroy(c->bus);
	return 0;
}

int main(void)
{
	static struct ctx pio = {.n = 32, .stride = 8, .span = 8};
	static struct ctx mmio = {
	    .n = 256, .stride = 0x1000, .span = 0xFFC, .mmio = true};

	if (run(&pio, "vm-device.pio-write-32-devices") != 0 ||
	    run(&mmio, "vm-device.mmio-read-256-devices") != 0) {
		fprintf(stderr, "bench: bus setup failed\n");
		return 1;
	}
	return 0;
}
