/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared fixture of the virtio-queue unit tests: guest memory from the
 * vm-memory test backend (granule chosen on the command line, so the whole
 * suite runs on 1-byte regions and on whole ranges), a queue, the
 * driver-side model (harness/virtqueue-model) and a log recorder.
 *
 * Guest memory map:
 *   RING   [0x10000, 0x14000)  the rings (one range)
 *   BUF    [0x14000, 0x18000)  buffers; adjacent to RING (separate range)
 *   hole   [0x18000, 0x19000)
 *   HI     [0x19000, 0x1a000)
 *   hole   [0x1a000, 0x20000)
 *   RO     [0x20000, 0x21000)  read-only; its end is the end of memory
 *   PHANTOM [2^64 - 2^37, 2^64 - 2^36) memory that check() accepts, reads as
 * zero and discards writes (for lengths no test can allocate)
 */
#ifndef VQ_TEST_FIXTURE_H
#define VQ_TEST_FIXTURE_H

#include <cvmm/mem-test.h>
#include <cvmm/virtqueue.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtqueue-model.h"

#define RING_BASE    0x10000u
#define RING_END     0x14000u
#define BUF_BASE     0x14000u
#define BUF_END	     0x18000u
#define HI_BASE	     0x19000u
#define HI_END	     0x1a000u
#define RO_BASE	     0x20000u
#define RO_END	     0x21000u
#define PHANTOM_BASE (UINT64_C(0) - (UINT64_C(1) << 41))
#define PHANTOM_END  UINT64_MAX

/* An errno no backend produces, for injected failures. */
#define INJECTED (-EHWPOISON)

#define FEAT_ALL (CVMM_VQ_F_INDIRECT_DESC | CVMM_VQ_F_EVENT_IDX)

/* The granule every test's memory uses (argv of the test program). */
extern uint64_t fx_granule;

struct fx {
	struct cvmm_mem_test *tm;
	struct cvmm_mem inner; /* the test backend */
	struct cvmm_mem mem;   /* inner plus the phantom range */
	struct cvmm_vq *vq;
	struct cvmm_vqm *m;
	struct cvmm_vq_config cfg;
	struct cvmm_vq_layout layout;
	/* Log recorder. */
	int logs;
	int log_err;
	char log_msg[512];
	uint64_t clock;
	/* cvmm_mem_check() calls seen by the overlay. */
	unsigned checks;
};

/* cmocka setup/teardown: memory only (the queue comes from fx_open). */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Create memory with its own ranges (for tests that need another map). */
void fx_memory(struct fx *f, const struct cvmm_mem_range *ranges, size_t n);

/* A default config: max size 256, index 7, log into f, injected clock. */
struct cvmm_vq_config fx_config(struct fx *f);

/* Create the queue (with f->cfg) and a model at RING_BASE, then enable. */
void fx_open(struct fx *f, uint32_t size, uint64_t features);

/* Same with an explicit ring base and config flags. */
void fx_open_at(struct fx *f, uint32_t size, uint64_t features, uint64_t base,
		uint32_t flags);

/* Create the queue without enabling it (f->cfg used as is). */
void fx_create_queue(struct fx *f);

/* The layout of the model's rings with the given features. */
struct cvmm_vq_layout fx_layout_of(const struct cvmm_vqm_layout *l,
				   uint64_t features);

/* A buffer. */
struct cvmm_vqm_buf fx_buf(uint64_t addr, uint32_t len, bool writable);

/* Add a direct chain; returns the head. */
uint16_t fx_add(struct fx *f, const struct cvmm_vqm_buf *bufs, uint32_t n);

/* Pop (must succeed) and walk the whole chain into bufs (up to max);
 * returns the walk's first error or 0, and the buffers seen in *n. */
int fx_pop_walk(struct fx *f, struct cvmm_vq_chain *chain,
		struct cvmm_vq_buf *bufs, uint32_t max, uint32_t *n);

/* Walk a popped chain to its end; returns 0 or the first error. */
int fx_walk(struct fx *f, struct cvmm_vq_chain *chain, struct cvmm_vq_buf *bufs,
	    uint32_t max, uint32_t *n);

/* Write a raw descriptor into the queue's table (index < size). */
void fx_desc(struct fx *f, uint32_t index, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next);

/* Write a raw descriptor into a table at gpa. */
void fx_table_desc(struct fx *f, uint64_t table, uint32_t index, uint64_t addr,
		   uint32_t len, uint16_t flags, uint16_t next);

/*
 * Assert the queue broke with err: exactly one log report naming it, and
 * every later call fails with -EIO without another report.
 */
void fx_expect_broken(struct fx *f, int err);

/* Pop, walk and return one chain the model added, and check the used
 * entry the model reads back. */
void fx_roundtrip(struct fx *f, uint16_t head, uint32_t written);

/* Reset the queue and enable it again with f->layout. */
void fx_reenable(struct fx *f);

/* Test groups, one per file. */
int run_layout_tests(void);
int run_chain_tests(void);
int run_used_tests(void);
int run_regression_tests(void);
int run_robustness_tests(void);

#endif
