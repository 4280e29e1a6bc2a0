/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared fixture of the virtio-devices unit tests: guest memory from the
 * vm-memory test backend (granule chosen on the command line, so the whole
 * suite runs on 1-byte regions and on whole ranges), a transport around a
 * device, the driver side (register accesses, the handshake, queues laid
 * out by harness/virtqueue-model) and recorders for interrupts and logs.
 *
 * Guest memory map:
 *   RING [0x10000, 0x14000)  the rings of up to two queues
 *   BUF  [0x14000, 0x2c000)  buffers (96 KiB, adjacent to RING)
 *   hole [0x2c000, 0x30000)
 *   RO   [0x30000, 0x31000)  read-only
 */
#ifndef VDEV_TEST_FIXTURE_H
#define VDEV_TEST_FIXTURE_H

#include <cvmm/mem-test.h>
#include <cvmm/vdev-block.h>
#include <cvmm/vdev-console.h>
#include <cvmm/vdev-mmio.h>
#include <cvmm/vdev-net.h>
#include <cvmm/vdev-rng.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mockdev.h"
#include "virtqueue-model.h"

#define RING_BASE 0x10000u
#define RING_END  0x14000u
#define BUF_BASE  0x14000u
#define BUF_END	  0x2c000u
#define RO_BASE	  0x30000u
#define RO_END	  0x31000u

/* Where queue q's rings go. */
#define QUEUE_BASE(q) (RING_BASE + 0x2000u * (q))

/* An errno no backend produces, for injected failures. */
#define INJECTED (-EHWPOISON)

#define F_V1 CVMM_VDEV_F_VERSION_1

/* The granule every test's memory uses (argv of the test program). */
extern uint64_t fx_granule;

struct fx;
/* A hook run inside the irq callback (for re-entrancy tests). */
typedef void (*fx_irq_hook)(struct fx *f);

struct fx {
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	struct cvmm_vdev_mmio *t;
	struct cvmm_vdev_mmio_config cfg;
	struct cvmm_vqm *m[CVMM_VDEV_MAX_QUEUES];
	struct mock mock;
	struct cvmm_vdev_rng *rng;
	struct cvmm_vdev_console *con;
	struct cvmm_vdev_block *blk;
	struct cvmm_vdev_net *net;
	/* Interrupt recorder. */
	int raises;
	int lowers;
	uint32_t last_isr;
	fx_irq_hook irq_hook;
	/* A hook run inside the queues' log callback. */
	fx_irq_hook log_hook;
	int hook_rc;
	/* Log recorder. */
	int logs;
	int log_err;
};

int fx_setup(void **state);
int fx_teardown(void **state);

/* The transport config for a device, with the fixture's recorders. */
struct cvmm_vdev_mmio_config fx_config(struct fx *f, struct cvmm_vdev dev);

/* Create the transport around the mock device (f->mock as set up). */
void fx_open_mock(struct fx *f);
/* Create an rng device with config (NULL: defaults) and its transport. */
void fx_open_rng(struct fx *f, const struct cvmm_vdev_rng_config *config);

/* Create a console device with config and its transport. */
void fx_open_console(struct fx *f,
		     const struct cvmm_vdev_console_config *config);

/* Create a net device with config and its transport. */
void fx_open_net(struct fx *f, const struct cvmm_vdev_net_config *config);

/* Register access; the plain forms assert success. */
int fx_rd_rc(struct fx *f, uint64_t off, uint32_t *value);
int fx_wr_rc(struct fx *f, uint64_t off, uint32_t value);
uint32_t fx_rd(struct fx *f, uint64_t off);
void fx_wr(struct fx *f, uint64_t off, uint32_t value);

/* ACKNOWLEDGE, DRIVER, features (VERSION_1 added), FEATURES_OK. */
void fx_negotiate(struct fx *f, uint64_t features);
/* Lay queue q out (size entries) and set QueueReady; makes f->m[q]. */
void fx_queue(struct fx *f, uint32_t q, uint32_t size, bool event_idx);
/* Write QueueSel and the layout registers of queue q, not QueueReady. */
void fx_queue_regs(struct fx *f, uint32_t q, uint32_t num, uint64_t desc,
		   uint64_t driver, uint64_t device);
/* Set DRIVER_OK. */
void fx_driver_ok(struct fx *f);
/* The whole bring-up: negotiate, queues 0..n-1 of size, DRIVER_OK. */
void fx_bring_up(struct fx *f, uint64_t features, uint32_t nqueues,
		 uint32_t size);

/* A buffer. */
struct cvmm_vqm_buf fx_buf(uint64_t addr, uint32_t len, bool writable);

/* Test groups, one per file. */
int run_mmio_tests(void);
int run_rng_tests(void);
int run_console_tests(void);
int run_conformance_tests(void);
int run_random_tests(void);
int run_block_tests(void);
int run_net_tests(void);

#endif
