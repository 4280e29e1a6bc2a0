/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the vdev-rng target, written with the generic device fuzzer's
 * encoder (harness/vdev-fuzz/vdev-fuzz-encode.h): valid handshakes and
 * requests (direct, indirect, mixed chains; EVENT_IDX on and off; cached
 * and uncached queues; small and large bounds), save/restore, and hostile
 * rings (a head out of range, a descriptor loop, a buffer across the hole,
 * a writable buffer in read-only memory, a used ring in read-only memory,
 * an avail index jump, a failing entropy source).
 *
 *   fuzz-seeds-vdev-rng OUT_DIR
 */
#include <cvmm/vdev-mmio.h>

#include "seeds.h"
#include "vdev-fuzz-encode.h"

#define NQ 1u

static struct cvmm_vfe e;

static void up(uint8_t bits, uint8_t variant, bool all, unsigned qlog)
{
	cvmm_vfe_begin(&e, bits, 8, variant, NQ);
	cvmm_vfe_handshake(&e, all, 0, false, true);
	cvmm_vfe_queue_slot(&e, qlog);
}

int main(int argc, char **argv)
{
	struct seeds s;
	struct cvmm_vfe_buf w[3] = {
	    {true, 0, 64}, {true, 0x100, 1}, {true, 0x200, 300}};
	struct cvmm_vfe_buf r[1] = {{true, 0x400, 16}};
	unsigned n = 0;

	if (seeds_open(&s, argc, argv) != 0)
		return 2;

	/* Valid requests: serve loops, EVENT_IDX on (all) and off. */
	for (unsigned v = 0; v < 4; v++) {
		up((uint8_t)((v & 1 ? CVMM_VFZ_UNCACHED : 0) |
			     CVMM_VFZ_GRANULE(v)),
		   (uint8_t)(v * 60), v < 2, 4);
		cvmm_vfe_serve(&e, 0, 1 + v, 0x40 * v, 128, true);
		cvmm_vfe_serve(&e, 0, 2, 0x1000, 512, true);
		cvmm_vfe_read(&e, CVMM_VDEV_MMIO_INTERRUPT_STATUS, 0);
		cvmm_vfe_ack(&e, 1);
		seeds_write(&s, "serve", n++, &e.out);
	}
	/* Direct, indirect and mixed chains, then save/restore. */
	up(0, 1, true, 3);
	cvmm_vfe_chain(&e, 0, w, 3, NULL, 0, 0, 0);
	cvmm_vfe_chain(&e, 0, NULL, 0, w, 3, 0, 0x800);
	cvmm_vfe_chain(&e, 0, r, 1, w, 2, 1, 0x900);
	cvmm_vfe_notify(&e, 0, true);
	cvmm_vfe_used(&e, 0, 4);
	cvmm_vfe_save(&e, false, 0, 0);
	cvmm_vfe_serve(&e, 0, 1, 0, 32, true);
	cvmm_vfe_save(&e, true, 4, 7);
	seeds_write(&s, "shapes", 0, &e.out);
	/* The handshake by hand, register by register, with reads. */
	cvmm_vfe_begin(&e, 0, 8, 0, NQ);
	cvmm_vfe_read(&e, CVMM_VDEV_MMIO_MAGIC_VALUE, 0);
	cvmm_vfe_read(&e, CVMM_VDEV_MMIO_VERSION, 0);
	cvmm_vfe_read(&e, CVMM_VDEV_MMIO_DEVICE_ID, 0);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_STATUS, 0, 1);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_STATUS, 0, 3);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL, 0, 1);
	cvmm_vfe_read(&e, CVMM_VDEV_MMIO_DEVICE_FEATURES, 0);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL, 0, 1);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_DRIVER_FEATURES, 0, 1);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_STATUS, 0, 11);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_QUEUE_SEL, 0, 0);
	cvmm_vfe_read(&e, CVMM_VDEV_MMIO_QUEUE_NUM_MAX, 0);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_QUEUE_NUM, 0, 16);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_QUEUE_DESC_LOW, 0, CVMM_VFZ_RAM_BASE);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW, 0,
		       CVMM_VFZ_RAM_BASE + 256);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW, 0,
		       CVMM_VFZ_RAM_BASE + 512);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_QUEUE_READY, 0, 1);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_STATUS, 0, 15);
	cvmm_vfe_notify(&e, 0, false);
	cvmm_vfe_write(&e, CVMM_VDEV_MMIO_STATUS, 0, 0);
	seeds_write(&s, "registers", 0, &e.out);

	/* Hostile rings. */
	up(0, 0, true, 4);
	cvmm_vfe_publish(&e, 0, 0x1234); /* head out of range */
	cvmm_vfe_notify(&e, 0, true);
	cvmm_vfe_reset(&e);
	seeds_write(&s, "hostile", 0, &e.out);
	up(0, 0, true, 4);
	cvmm_vfe_desc(&e, 0, 0, CVMM_VFZ_BUF_BASE, 16, 1 | 2, 0); /* loop */
	cvmm_vfe_publish(&e, 0, 0);
	cvmm_vfe_notify(&e, 0, false);
	seeds_write(&s, "hostile", 1, &e.out);
	up(0, 0, true, 4);
	cvmm_vfe_desc(&e, 0, 0, CVMM_VFZ_RAM_BASE + CVMM_VFZ_RAM_SIZE - 8, 64,
		      2, 0); /* across the hole */
	cvmm_vfe_publish(&e, 0, 0);
	cvmm_vfe_desc(&e, 0, 1, CVMM_VFZ_RO_BASE, 64, 2, 0); /* read-only */
	cvmm_vfe_publish(&e, 0, 1);
	cvmm_vfe_notify(&e, 0, true);
	seeds_write(&s, "hostile", 2, &e.out);
	cvmm_vfe_begin(&e, 0, 8, 0, NQ);
	cvmm_vfe_handshake(&e, true, 0, false, true);
	cvmm_vfe_queue_raw(&e, 4, CVMM_VFZ_RAM_BASE, CVMM_VFZ_RAM_BASE + 256,
			   CVMM_VFZ_RO_BASE); /* used ring read-only */
	cvmm_vfe_serve(&e, 0, 1, 0, 8, true);
	seeds_write(&s, "hostile", 3, &e.out);
	up(0, 0, true, 2);
	cvmm_vfe_poke(&e, 0, 5 /* avail idx */, 0, 100);
	cvmm_vfe_notify(&e, 0, true);
	cvmm_vfe_event(&e);
	cvmm_fo_bool(&e.out, true); /* the source fails */
	cvmm_vfe_reset(&e);
	seeds_write(&s, "hostile", 4, &e.out);
	up(0, 0, true, 2);
	cvmm_vfe_event(&e);
	cvmm_fo_bool(&e.out, true);
	cvmm_vfe_serve(&e, 0, 1, 0, 8, true);
	cvmm_vfe_config(&e, false, 0, 2, 0);
	seeds_write(&s, "hostile", 5, &e.out);
	return seeds_close(&s);
}
