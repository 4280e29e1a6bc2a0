/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the vdev-console target, written with the generic device
 * fuzzer's encoder (harness/vdev-fuzz/vdev-fuzz-encode.h): valid
 * handshakes, output on the transmitq (direct, indirect, over the bound),
 * input on the receiveq (pushed at once and kept until rx_ready), config
 * space reads, emerg_wr, a resize, save/restore, and hostile rings (a head
 * out of range, a loop, a readable buffer across the hole, a failing sink).
 *
 *   fuzz-seeds-vdev-console OUT_DIR
 */
#include <cvmm/vdev-console.h>
#include <cvmm/vdev-mmio.h>

#include "seeds.h"
#include "vdev-fuzz-encode.h"

#define NQ 2u
#define RX 0u
#define TX 1u

static struct cvmm_vfe e;

static void up(uint8_t bits, uint8_t variant, bool all)
{
	cvmm_vfe_begin(&e, bits, 8, variant, NQ);
	cvmm_vfe_handshake(&e, all, 0, false, true);
	cvmm_vfe_queue_slot(&e, 4);
	cvmm_vfe_queue_slot(&e, 4);
}

/* Console event 0: input bytes. */
static void input(unsigned n)
{
	cvmm_vfe_event(&e);
	cvmm_fo_range(&e.out, 0, 2, 0);
	cvmm_fo_range(&e.out, 0, 64, n);
	for (unsigned i = 0; i < n; i++)
		cvmm_fo_u8(&e.out, (uint8_t)('a' + i % 26));
}

int main(int argc, char **argv)
{
	struct seeds s;
	struct cvmm_vfe_buf rd[3] = {
	    {true, 0, 64}, {true, 0x100, 1}, {true, 0x200, 300}};
	struct cvmm_vfe_buf wr[2] = {{true, 0x1000, 8}, {true, 0x1100, 8}};
	unsigned n = 0;

	if (seeds_open(&s, argc, argv) != 0)
		return 2;

	/* Output and input, with and without EVENT_IDX. */
	for (unsigned v = 0; v < 4; v++) {
		up((uint8_t)((v & 1 ? CVMM_VFZ_UNCACHED : 0) |
			     CVMM_VFZ_GRANULE(v)),
		   (uint8_t)(v * 60), v < 2);
		cvmm_vfe_serve(&e, TX, 1 + v, 0x40 * v, 100, false);
		cvmm_vfe_chain(&e, RX, wr, 2, NULL, 0, 0, 0);
		input(12);
		cvmm_vfe_used(&e, RX, 2);
		cvmm_vfe_ack(&e, 3);
		seeds_write(&s, "serve", n++, &e.out);
	}
	/* Input kept until the driver adds buffers (rx_ready). */
	up(0, 1, true);
	input(40);
	cvmm_vfe_serve(&e, RX, 2, 0x2000, 16, true);
	cvmm_vfe_serve(&e, RX, 2, 0x2100, 16, true);
	seeds_write(&s, "rx-kept", 0, &e.out);
	/* Shapes, over the bound, save/restore, config space. */
	up(0, 0, true);
	cvmm_vfe_chain(&e, TX, rd, 3, NULL, 0, 8, 0);
	cvmm_vfe_chain(&e, TX, NULL, 0, rd, 3, 8, 0x800);
	cvmm_vfe_chain(&e, TX, rd, 1, rd + 1, 2, 8, 0x900);
	cvmm_vfe_notify(&e, TX, false);
	cvmm_vfe_used(&e, TX, 4);
	cvmm_vfe_save(&e, false, 0, 0);
	cvmm_vfe_config(&e, false, CVMM_VDEV_CONSOLE_COLS, 1, 0);
	cvmm_vfe_config(&e, false, CVMM_VDEV_CONSOLE_MAX_PORTS, 2, 0);
	cvmm_vfe_config(&e, true, CVMM_VDEV_CONSOLE_EMERG_WR, 2, 'x');
	cvmm_vfe_config(&e, true, CVMM_VDEV_CONSOLE_COLS, 1, 5);
	cvmm_vfe_event(&e);
	cvmm_fo_range(&e.out, 0, 2, 1);
	cvmm_fo_u16(&e.out, 132);
	cvmm_fo_u16(&e.out, 43);
	cvmm_vfe_read(&e, CVMM_VDEV_MMIO_CONFIG_GENERATION, 0);
	cvmm_vfe_save(&e, true, 6, 3);
	seeds_write(&s, "shapes", 0, &e.out);

	/* Hostile rings and a failing sink. */
	up(0, 0, true);
	cvmm_vfe_publish(&e, TX, 0x4321);
	cvmm_vfe_notify(&e, TX, true);
	cvmm_vfe_reset(&e);
	seeds_write(&s, "hostile", 0, &e.out);
	up(0, 0, true);
	cvmm_vfe_desc(&e, RX, 0, CVMM_VFZ_BUF_BASE, 16, 1 | 2, 0);
	cvmm_vfe_publish(&e, RX, 0);
	input(5);
	seeds_write(&s, "hostile", 1, &e.out);
	up(0, 0, true);
	cvmm_vfe_desc(&e, TX, 0, CVMM_VFZ_RAM_BASE + CVMM_VFZ_RAM_SIZE - 8, 64,
		      0, 0);
	cvmm_vfe_publish(&e, TX, 0);
	cvmm_vfe_notify(&e, TX, false);
	seeds_write(&s, "hostile", 2, &e.out);
	up(0, 0, true);
	cvmm_vfe_event(&e);
	cvmm_fo_range(&e.out, 0, 2, 2);
	cvmm_fo_bool(&e.out, true);
	cvmm_vfe_serve(&e, TX, 1, 0, 8, false);
	cvmm_vfe_desc(&e, TX, 3, CVMM_VFZ_RO_BASE + CVMM_VFZ_RO_SIZE - 4, 8, 0,
		      0); /* across read-only and read-write */
	cvmm_vfe_publish(&e, TX, 3);
	cvmm_vfe_notify(&e, TX, true);
	seeds_write(&s, "hostile", 3, &e.out);
	return seeds_close(&s);
}
