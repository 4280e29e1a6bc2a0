/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-memory access through the interface against plain memcpy on the
 * same host memory, for 8-byte objects and 64-KiB blocks. The checked path
 * pays for the ops-table call, the region lookup and the range validation.
 */
#include <cvmm/mem-mmap.h>

#include <stdio.h>
#include <string.h>

#include "bench.h"

#define RAM	(16u << 20)
#define MIN_NS	200000000u
#define REPEATS 3

struct ctx {
	struct cvmm_mem mem;
	uint8_t *host;
	size_t size;
	uint8_t buf[64 * 1024];
};

/* Walk the guest in size-byte steps so both paths touch the same bytes. */
static uint64_t offset_of(const struct ctx *c, uint64_t i)
{
	return (i * c->size) % (RAM - c->size);
}

static void checked_read(void *arg, uint64_t n)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < n; i++) {
		if (cvmm_mem_read(&c->mem, cvmm_mem_gpa_from(offset_of(c, i)),
				  c->buf, c->size) != 0)
			return;
		cvmm_bench_keep(c->buf);
	}
}

static void baseline_read(void *arg, uint64_t n)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < n; i++) {
		memcpy(c->buf, c->host + offset_of(c, i), c->size);
		cvmm_bench_keep(c->buf);
	}
}

static void checked_write(void *arg, uint64_t n)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < n; i++) {
		if (cvmm_mem_write(&c->mem, cvmm_mem_gpa_from(offset_of(c, i)),
				   c->buf, c->size) != 0)
			return;
		cvmm_bench_keep(c->host);
	}
}

static void baseline_write(void *arg, uint64_t n)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < n; i++) {
		memcpy(c->host + offset_of(c, i), c->buf, c->size);
		cvmm_bench_keep(c->host);
	}
}

static void run(struct ctx *c, const char *name, size_t size,
		void (*checked)(void *, uint64_t),
		void (*baseline)(void *, uint64_t))
{
	double cr, br;

	c->size = size;
	cr = cvmm_bench_rate(checked, c, MIN_NS, REPEATS);
	br = cvmm_bench_rate(baseline, c, MIN_NS, REPEATS);
	cvmm_bench_report(name, cr * (double)size / 1e6,
			  br * (double)size / 1e6, "MB/s");
}

int main(void)
{
	/* Eight regions, so lookups do a real binary search. */
	struct cvmm_mem_range layout[8];
	static struct ctx c;
	struct cvmm_mem_mmap *mm;
	void *host;

	for (unsigned i = 0; i < 8; i++)
		layout[i] = (struct cvmm_mem_range){
		    cvmm_mem_gpa_from((uint64_t)i * RAM), RAM, 0};
	if (cvmm_mem_mmap_create(layout, 8, &mm) != 0 ||
	    (c.mem = cvmm_mem_mmap_iface(mm),
	     cvmm_mem_translate(&c.mem, cvmm_mem_gpa_from(0), RAM,
				CVMM_MEM_ACCESS_READ | CVMM_MEM_ACCESS_WRITE,
				&host)) != 0) {
		fprintf(stderr,
			"bench vm-memory: cannot set up guest memory\n");
		return 1;
	}
	c.host = host;
	memset(c.host, 0x5A, RAM);
	run(&c, "vm-memory.read-8b", 8, checked_read, baseline_read);
	run(&c, "vm-memory.write-8b", 8, checked_write, baseline_write);
	run(&c, "vm-memory.read-64kib", 64 * 1024, checked_read, baseline_read);
	run(&c, "vm-memory.write-64kib", 64 * 1024, checked_write,
	    baseline_write);
	cvmm_mem_mmap_destroy(mm);
	return 0;
}
