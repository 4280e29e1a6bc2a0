/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the vdev-net target, written with the generic device fuzzer's
 * encoder (harness/vdev-fuzz/vdev-fuzz-encode.h): valid handshakes, frames
 * transmitted (direct, indirect, the header cut across buffers), frames
 * received (fitting, too big for the chain, past the largest frame, held
 * until the driver adds buffers), headers asking for offloads, short and
 * mixed-direction chains, a failing backend, link changes, config space
 * reads, save/restore, and hostile rings (a head out of range, a loop, a
 * buffer across the hole, a writable buffer in read-only memory).
 *
 *   fuzz-seeds-vdev-net OUT_DIR
 */
#include <cvmm/vdev-mmio.h>
#include <cvmm/vdev-net.h>

#include "seeds.h"
#include "vdev-fuzz-encode.h"

#define NQ 2u
#define RX CVMM_VDEV_NET_RX
#define TX CVMM_VDEV_NET_TX

static struct cvmm_vfe e;

static void up(uint8_t bits, uint8_t variant, bool all)
{
	cvmm_vfe_begin(&e, bits, 4, variant, NQ);
	cvmm_vfe_handshake(&e, all, 0, false, true);
	cvmm_vfe_queue_slot(&e, 4);
	cvmm_vfe_queue_slot(&e, 4);
}

/* Net event 0: a frame of length kind 0 (0..128) or 1 (0..2048) arrives
 * and the backend is readable. */
static void frame(unsigned kind, unsigned len)
{
	cvmm_vfe_event(&e);
	cvmm_fo_range(&e.out, 0, 3, 0);
	cvmm_fo_range(&e.out, 0, 3, kind);
	cvmm_fo_range(&e.out, 0, kind == 0 ? 128 : 2048, len);
	cvmm_fo_u8(&e.out, (uint8_t)len);
}

/* A frame of CVMM_VDEV_NET_MAX_FRAME - 1 + delta bytes. */
static void big_frame(unsigned delta)
{
	cvmm_vfe_event(&e);
	cvmm_fo_range(&e.out, 0, 3, 0);
	cvmm_fo_range(&e.out, 0, 3, 2);
	cvmm_fo_range(&e.out, 0, 3, delta);
	cvmm_fo_u8(&e.out, 0x5a);
}

static void simple_event(unsigned which, bool a, bool b)
{
	cvmm_vfe_event(&e);
	cvmm_fo_range(&e.out, 0, 3, which);
	if (which == 2)
		cvmm_fo_bool(&e.out, a);
	if (which == 3) {
		cvmm_fo_bool(&e.out, a);
		cvmm_fo_bool(&e.out, b);
	}
}

/* A transmit header asking for something (flags, gso_type) at off. */
static void header_at(uint32_t off, uint8_t flags, uint8_t gso)
{
	const uint8_t h[2] = {flags, gso};

	cvmm_vfe_raw(&e, CVMM_VFZ_BUF_BASE + off, h, 2);
}

int main(int argc, char **argv)
{
	struct seeds s;
	struct cvmm_vfe_buf tx3[3] = {
	    {true, 0, 5}, {true, 0x100, 7}, {true, 0x200, 300}};
	struct cvmm_vfe_buf rx2[2] = {{true, 0x1000, 8}, {true, 0x1100, 1600}};
	struct cvmm_vfe_buf mixed[2] = {{true, 0x2000, 4}, {true, 0x2100, 64}};
	unsigned n = 0;

	if (seeds_open(&s, argc, argv) != 0)
		return 2;

	/* Frames both ways, on every memory granule, with and without the
	 * MTU. */
	for (unsigned v = 0; v < 4; v++) {
		up((uint8_t)((v & 1 ? CVMM_VFZ_UNCACHED : 0) |
			     CVMM_VFZ_GRANULE(v)),
		   (uint8_t)v, v < 2);
		cvmm_vfe_serve(&e, TX, 1 + v, 0x40 * v, 100, false);
		cvmm_vfe_chain(&e, RX, rx2, 2, NULL, 0, 0, 0);
		frame(1, 60 + 300 * v);
		cvmm_vfe_used(&e, RX, 2);
		cvmm_vfe_ack(&e, 3);
		seeds_write(&s, "serve", n++, &e.out);
	}
	/* Frames held until the driver adds buffers (back-pressure). */
	up(0, 1, true);
	frame(0, 100);
	frame(1, 1514);
	cvmm_vfe_serve(&e, RX, 2, 0x2000, 512, true);
	simple_event(1, false, false);
	cvmm_vfe_serve(&e, RX, 4, 0x3000, 512, true);
	seeds_write(&s, "rx-held", 0, &e.out);
	/* Too big for the chain, the largest frame and one past it, a
	 * mixed-direction receive chain. */
	up(0, 0, true);
	cvmm_vfe_serve(&e, RX, 1, 0, 64, true);
	frame(1, 100);
	big_frame(1);
	big_frame(2);
	cvmm_vfe_chain(&e, RX, mixed, 2, NULL, 0, 1, 0);
	frame(0, 20);
	cvmm_vfe_used(&e, RX, 4);
	seeds_write(&s, "rx-drops", 0, &e.out);
	/* Transmit shapes: the header cut, an indirect table, a short
	 * chain, a writable buffer, offloads asked for. */
	up(0, 0, true);
	cvmm_vfe_chain(&e, TX, tx3, 3, NULL, 0, 8, 0);
	cvmm_vfe_chain(&e, TX, NULL, 0, tx3, 3, 8, 0x800);
	cvmm_vfe_serve(&e, TX, 1, 0x1000, 11, false);
	cvmm_vfe_chain(&e, TX, tx3, 3, NULL, 0, 2, 0);
	cvmm_vfe_notify(&e, TX, false);
	cvmm_vfe_used(&e, TX, 4);
	header_at(0x3000, 1, 0);
	cvmm_vfe_serve(&e, TX, 1, 0x3000, 100, false);
	header_at(0x3000, 0, 4);
	cvmm_vfe_serve(&e, TX, 1, 0x3000, 100, false);
	seeds_write(&s, "tx-shapes", 0, &e.out);
	/* A failing backend, link changes, config space, save/restore. */
	up(0, 1, true);
	simple_event(3, true, true);
	cvmm_vfe_serve(&e, TX, 1, 0, 100, false);
	cvmm_vfe_serve(&e, RX, 1, 0x1000, 512, true);
	frame(0, 30);
	simple_event(3, false, false);
	simple_event(1, false, false);
	simple_event(2, false, false);
	cvmm_vfe_read(&e, CVMM_VDEV_MMIO_CONFIG_GENERATION, 0);
	cvmm_vfe_config(&e, false, CVMM_VDEV_NET_MAC, 2, 0);
	cvmm_vfe_config(&e, false, CVMM_VDEV_NET_STATUS, 1, 0);
	cvmm_vfe_config(&e, false, CVMM_VDEV_NET_MTU, 1, 0);
	cvmm_vfe_config(&e, true, CVMM_VDEV_NET_MAC, 0, 5);
	cvmm_vfe_save(&e, false, 0, 0);
	cvmm_vfe_save(&e, true, 6, 3);
	simple_event(2, true, false);
	seeds_write(&s, "backend", 0, &e.out);

	/* Hostile rings. */
	up(0, 0, true);
	cvmm_vfe_publish(&e, TX, 0x4321);
	cvmm_vfe_notify(&e, TX, true);
	cvmm_vfe_reset(&e);
	seeds_write(&s, "hostile", 0, &e.out);
	up(0, 0, true);
	cvmm_vfe_desc(&e, RX, 0, CVMM_VFZ_BUF_BASE, 1600, 1 | 2, 0);
	cvmm_vfe_publish(&e, RX, 0);
	frame(0, 50);
	seeds_write(&s, "hostile", 1, &e.out);
	up(0, 0, true);
	cvmm_vfe_desc(&e, TX, 0, CVMM_VFZ_RAM_BASE + CVMM_VFZ_RAM_SIZE - 8, 64,
		      0, 0);
	cvmm_vfe_publish(&e, TX, 0);
	cvmm_vfe_notify(&e, TX, false);
	seeds_write(&s, "hostile", 2, &e.out);
	up(0, 0, true);
	cvmm_vfe_desc(&e, RX, 3, CVMM_VFZ_RO_BASE, 1600, 2, 0);
	cvmm_vfe_publish(&e, RX, 3);
	frame(0, 40);
	seeds_write(&s, "hostile", 3, &e.out);
	return seeds_close(&s);
}
