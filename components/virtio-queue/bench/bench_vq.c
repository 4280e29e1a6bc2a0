/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Chains per second through the checked device path (cvmm_vq_pop, walking
 * every buffer with cvmm_vq_chain_next, cvmm_vq_add_used) beside a minimal
 * unchecked loop over the same ring in the same memory, for chains of 1, 4
 * and 16 descriptors. The driver side is the same trivial step for both:
 * the avail ring is filled once and each batch only moves the avail index.
 *
 * The gate checks every "bench" line against bench-limits in the manifest:
 *   virtio-queue.chain-N          pop + cvmm_vq_chain_next per buffer +
 *                                 cvmm_vq_add_used;
 *   virtio-queue.chain-N.collect  the same with one cvmm_vq_chain_collect()
 *                                 call per chain.
 * "bench-detail" lines (not checked) show where the cost goes:
 *   .uncached   the checked path with every ring access and every buffer
 *               check through the memory interface (CVMM_VQ_CFG_UNCACHED);
 *   .buf-check  the baseline plus one cvmm_mem_check() per buffer, what
 *               checking each buffer through the interface costs without
 *               the ranges the queue learns;
 *   .descending the checked path on chains whose buffers come in falling
 *               address order, so each goes through the overlap check's
 *               balanced tree rather than its sorted run (src/spans.h).
 */
#include <cvmm/mem-mmap.h>
#include <cvmm/virtqueue.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "virtqueue-model.h"

#define SIZE	256u
#define MIN_NS	100000000u
#define REPEATS 5
#define BUFS	0x10000u /* buffers start here; rings are at 0 */
#define RAM	(1u << 20)

struct ctx {
	struct cvmm_mem mem;
	uint8_t *host; /* guest RAM at gpa 0 */
	struct cvmm_vq *vq;
	struct cvmm_vq_layout layout;
	uint32_t batch;	 /* chains published per avail idx step */
	uint16_t driver; /* avail idx published */
	/* Baseline state. */
	uint16_t last_avail, used_idx;
	uint64_t sink;
};

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static uint16_t *avail_idx_ptr(const struct ctx *c)
{
	return (uint16_t *)(void *)(c->host + c->layout.avail.raw + 2);
}

/* The driver: make `batch` more chains available (release). */
static void publish(struct ctx *c)
{
	c->driver = (uint16_t)(c->driver + c->batch);
	__atomic_store_n(avail_idx_ptr(c), c->driver, __ATOMIC_RELEASE);
}

/* The same, the buffers collected in one call per chain. */
static void checked_collect(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	struct cvmm_vq_chain chain;
	struct cvmm_vq_buf bufs[16];
	uint64_t done = 0, sink = 0;
	uint32_t got;

	while (done < n) {
		publish(c);
		while (cvmm_vq_pop(c->vq, &chain) == 0) {
			if (cvmm_vq_chain_collect(c->vq, &chain, bufs, 16,
						  &got) != 0)
				return;
			for (uint32_t i = 0; i < got; i++)
				sink += bufs[i].addr.raw + bufs[i].len;
			if (cvmm_vq_add_used(c->vq, chain.head,
					     chain.writable_len) != 0)
				return;
			done++;
		}
	}
	c->sink += sink;
	cvmm_bench_keep(&c->sink);
}

static void checked(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	struct cvmm_vq_chain chain;
	struct cvmm_vq_buf buf;
	uint64_t done = 0, sink = 0;

	while (done < n) {
		publish(c);
		while (cvmm_vq_pop(c->vq, &chain) == 0) {
			while (!cvmm_vq_chain_done(&chain)) {
				if (cvmm_vq_chain_next(c->vq, &chain, &buf) !=
				    0)
					return;
				sink += buf.addr.raw + buf.len;
			}
			if (cvmm_vq_add_used(c->vq, chain.head,
					     chain.writable_len) != 0)
				return;
			done++;
		}
	}
	c->sink += sink;
	cvmm_bench_keep(&c->sink);
}

/* Minimal unchecked loop: trusts every index, length and flag. */
static void baseline_loop(struct ctx *c, uint64_t n, bool check_bufs)
{
	const struct vring_desc *desc =
	    (const void *)(c->host + c->layout.desc.raw);
	const uint16_t *ring =
	    (const void *)(c->host + c->layout.avail.raw + 4);
	uint8_t *used = c->host + c->layout.used.raw;
	uint64_t done = 0, sink = 0;

	while (done < n) {
		uint16_t avail;

		publish(c);
		avail = __atomic_load_n(avail_idx_ptr(c), __ATOMIC_ACQUIRE);
		while (c->last_avail != avail) {
			uint16_t head = ring[c->last_avail & (SIZE - 1)], i;
			uint32_t written = 0, id = head;
			uint8_t *elem =
			    used + 4 + 8 * (c->used_idx & (SIZE - 1));

			c->last_avail++;
			for (i = head;; i = desc[i].next) {
				const struct vring_desc *d = &desc[i];

				if (check_bufs &&
				    cvmm_mem_check(
					&c->mem, cvmm_mem_gpa_from(d->addr),
					d->len, CVMM_MEM_ACCESS_READ) != 0)
					return;
				if (d->flags & CVMM_VQ_DESC_F_WRITE)
					written += d->len;
				sink += d->addr + d->len;
				if (!(d->flags & CVMM_VQ_DESC_F_NEXT))
					break;
			}
			memcpy(elem, &id, 4);
			memcpy(elem + 4, &written, 4);
			c->used_idx++;
			__atomic_store_n((uint16_t *)(void *)(used + 2),
					 c->used_idx, __ATOMIC_RELEASE);
			done++;
		}
	}
	c->sink += sink;
	cvmm_bench_keep(&c->sink);
}

static void baseline(void *arg, uint64_t n)
{
	baseline_loop(arg, n, false);
}

static void baseline_buf_check(void *arg, uint64_t n)
{
	baseline_loop(arg, n, true);
}

/* Back to a fresh ring: both indices 0 on both sides. */
static void restart(struct ctx *c)
{
	c->driver = c->last_avail = c->used_idx = 0;
	memset(c->host + c->layout.avail.raw + 2, 0, 2);
	memset(c->host + c->layout.used.raw + 2, 0, 2);
	cvmm_vq_reset(c->vq);
	if (cvmm_vq_enable(c->vq, &c->layout) != 0) {
		fprintf(stderr, "bench virtio-queue: enable failed\n");
		c->batch = 0;
	}
}

/* Lay out chains of len descriptors filling the table, and an avail ring
 * whose every slot names a chain (slot s: chain s % chains). The buffers
 * of a chain rise in address, or fall if descending. */
static int build(struct ctx *c, uint32_t len, bool descending)
{
	struct cvmm_vqm_layout l;
	struct cvmm_vqm *m;
	struct cvmm_vqm_buf bufs[16];
	uint16_t heads[SIZE];
	uint32_t chains = SIZE / len;
	int rc = cvmm_vqm_layout_at(cvmm_mem_gpa_from(0), SIZE, true, &l, NULL);

	if (rc == 0)
		rc = cvmm_vqm_create(&c->mem, &l, &m);
	if (rc != 0)
		return rc;
	for (uint32_t k = 0; k < chains && rc == 0; k++) {
		for (uint32_t i = 0; i < len; i++) {
			uint32_t at = descending ? len - 1 - i : i;

			bufs[i] = (struct cvmm_vqm_buf){
			    cvmm_mem_gpa_from(BUFS + (k * len + at) * 512ull),
			    512, i > 0 || len == 1};
		}
		rc = cvmm_vqm_add_direct(m, bufs, len, &heads[k]);
	}
	for (uint32_t s = 0; s < SIZE && rc == 0; s++)
		rc =
		    cvmm_vqm_poke(m, CVMM_VQM_AVAIL_RING, s, heads[s % chains]);
	cvmm_vqm_destroy(m);
	c->layout = (struct cvmm_vq_layout){SIZE, l.desc, l.avail, l.used,
					    CVMM_VQ_F_INDIRECT_DESC |
						CVMM_VQ_F_EVENT_IDX};
	c->batch = chains;
	return rc;
}

/* A figure that explains the others, in a line the gate does not check. */
static void detail(const char *name, double checked_rate, double base_rate)
{
	printf("bench-detail %s: %.4g chains/s vs baseline %.4g chains/s: "
	       "ratio %.2f\n",
	       name, checked_rate, base_rate,
	       checked_rate > 0 ? base_rate / checked_rate : 0);
	fflush(stdout);
}

/*
 * Best rates of the checked path and of the baseline, measured in
 * alternation so a machine whose load changes favours neither.
 */
static void rates(struct ctx *c, void (*fn)(void *, uint64_t),
		  void (*base_fn)(void *, uint64_t), double *r, double *base)
{
	*r = *base = 0;
	for (int round = 0; round < REPEATS && c->batch != 0; round++) {
		double x;

		restart(c);
		x = cvmm_bench_rate(base_fn, c, MIN_NS, 1);
		*base = x > *base ? x : *base;
		restart(c);
		x = cvmm_bench_rate(fn, c, MIN_NS, 1);
		*r = x > *r ? x : *r;
	}
}

int main(void)
{
	/* RAM below 4 GiB and a second range above, as in a small VM. */
	const struct cvmm_mem_range ram[] = {
	    {cvmm_mem_gpa_from(0), RAM, 0},
	    {cvmm_mem_gpa_from(UINT64_C(1) << 32), RAM, 0},
	};
	struct cvmm_vq_config cfg = {.max_size = SIZE};
	struct cvmm_mem_mmap *mm;
	static struct ctx c;
	static const uint32_t lens[] = {1, 4, 16};
	char name[64];
	double base, r;
	void *host;

	if (cvmm_mem_mmap_create(ram, 2, &mm) != 0)
		return 1;
	c.mem = cvmm_mem_mmap_iface(mm);
	if (cvmm_mem_translate(&c.mem, cvmm_mem_gpa_from(0), RAM,
			       CVMM_MEM_ACCESS_WRITE, &host) != 0)
		return 1;
	c.host = host;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		if (build(&c, lens[i], false) != 0) {
			fprintf(stderr, "bench virtio-queue: setup failed\n");
			return 1;
		}
		for (int mode = 0; mode < 3; mode++) {
			static const char *const suffix[] = {"", ".collect",
							     ".uncached"};

			cfg.flags = mode == 2 ? CVMM_VQ_CFG_UNCACHED : 0;
			cvmm_vq_destroy(c.vq);
			if (cvmm_vq_create(&c.mem, &cfg, &c.vq) != 0)
				return 1;
			rates(&c, mode == 1 ? checked_collect : checked,
			      baseline, &r, &base);
			snprintf(name, sizeof(name), "virtio-queue.chain-%u%s",
				 lens[i], suffix[mode]);
			if (mode < 2)
				cvmm_bench_report(name, r, base, "chains/s");
			else
				detail(name, r, base);
		}
		rates(&c, baseline_buf_check, baseline, &r, &base);
		snprintf(name, sizeof(name), "virtio-queue.chain-%u.buf-check",
			 lens[i]);
		detail(name, r, base);
		if (cvmm_vq_is_broken(c.vq))
			return 1;
	}
	/* The overlap check's worst case for its cost: every buffer of a
	 * 16-descriptor chain goes through the tree. */
	cfg.flags = 0;
	cvmm_vq_destroy(c.vq);
	if (build(&c, 16, true) != 0 ||
	    cvmm_vq_create(&c.mem, &cfg, &c.vq) != 0)
		return 1;
	rates(&c, checked, baseline, &r, &base);
	detail("virtio-queue.chain-16.descending", r, base);
	if (cvmm_vq_is_broken(c.vq))
		return 1;
	cvmm_vq_destroy(c.vq);
	cvmm_mem_mmap_destroy(mm);
	return 0;
}
