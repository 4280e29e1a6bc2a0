/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the vdev-block target, written with the generic device
 * fuzzer's encoder (harness/vdev-fuzz/vdev-fuzz-encode.h): valid
 * handshakes and one request of every type (IN, OUT, FLUSH, GET_ID,
 * DISCARD, WRITE_ZEROES) with and without F_FLUSH, a request cut into
 * many buffers and one in an indirect table, the last sector and one past
 * it, a read-only disk, failing I/O (every kind, and the nth call),
 * save/restore, config space, and hostile rings (a head out of range, a
 * loop, a data buffer across the hole, a status in read-only memory).
 *
 *   fuzz-seeds-vdev-block OUT_DIR
 */
#include <cvmm/vdev-block.h>
#include <cvmm/vdev-mmio.h>

#include "seeds.h"
#include "vdev-fuzz-encode.h"

#define NQ 1u

/* Where a request's pieces go in the buffer area. */
#define HDR    0x0u
#define SEGS   0x10u
#define DATA   0x1000u
#define STATUS 0x80u

static struct cvmm_vfe e;

static void up(uint8_t bits, uint8_t variant, bool all)
{
	cvmm_vfe_begin(&e, bits, 4, variant, NQ);
	cvmm_vfe_handshake(&e, all, 0, false, true);
	cvmm_vfe_queue_slot(&e, 4);
}

/* A request header (type, sector) at off in the buffer area. */
static void header(uint32_t off, uint32_t type, uint64_t sector)
{
	uint8_t h[CVMM_VDEV_BLK_HDR_SIZE] = {0};

	for (unsigned i = 0; i < 4; i++)
		h[i] = (uint8_t)(type >> (8 * i));
	for (unsigned i = 0; i < 8; i++)
		h[8 + i] = (uint8_t)(sector >> (8 * i));
	cvmm_vfe_raw(&e, CVMM_VFZ_BUF_BASE + off, h, sizeof(h));
}

/* A discard/write-zeroes segment at off in the buffer area. */
static void segment(uint32_t off, uint64_t sector, uint32_t num, uint32_t flags)
{
	uint8_t s[CVMM_VDEV_BLK_SEG_SIZE] = {0};

	for (unsigned i = 0; i < 8; i++)
		s[i] = (uint8_t)(sector >> (8 * i));
	for (unsigned i = 0; i < 4; i++) {
		s[8 + i] = (uint8_t)(num >> (8 * i));
		s[12 + i] = (uint8_t)(flags >> (8 * i));
	}
	cvmm_vfe_raw(&e, CVMM_VFZ_BUF_BASE + off, s, sizeof(s));
}

/* Submit one request: header, data of len bytes (readable unless w),
 * status; notify; take the used entry. */
static void request(uint32_t type, uint64_t sector, uint32_t len, bool w)
{
	struct cvmm_vfe_buf b[3] = {{true, HDR, CVMM_VDEV_BLK_HDR_SIZE},
				    {true, DATA, len},
				    {true, STATUS, 1}};
	unsigned nd = len != 0 ? 3 : 2;

	header(HDR, type, sector);
	if (len == 0)
		b[1] = b[2];
	cvmm_vfe_chain(&e, 0, b, nd, NULL, 0, len != 0 && !w ? 2 : 1, 0);
	cvmm_vfe_notify(&e, 0, false);
	cvmm_vfe_used(&e, 0, 1);
}

/* Block event 0: these I/O kinds fail from now on. */
static void fail_mask(uint8_t mask)
{
	cvmm_vfe_event(&e);
	cvmm_fo_range(&e.out, 0, 1, 0);
	cvmm_fo_u8(&e.out, mask);
}

/* Block event 1: the nth I/O call from now fails. */
static void fail_nth(unsigned n)
{
	cvmm_vfe_event(&e);
	cvmm_fo_range(&e.out, 0, 1, 1);
	cvmm_fo_range(&e.out, 0, 16, n);
}

static void segments_request(uint32_t type, unsigned n, bool unmap)
{
	struct cvmm_vfe_buf b[3] = {{true, HDR, CVMM_VDEV_BLK_HDR_SIZE},
				    {true, SEGS, CVMM_VDEV_BLK_SEG_SIZE * n},
				    {true, STATUS, 1}};

	header(HDR, type, 0);
	for (unsigned i = 0; i < n; i++)
		segment(SEGS + CVMM_VDEV_BLK_SEG_SIZE * i, (uint64_t)4 * i, 4,
			unmap ? CVMM_VDEV_BLK_SEG_F_UNMAP : 0);
	cvmm_vfe_chain(&e, 0, b, 3, NULL, 0, 2, 0);
	cvmm_vfe_notify(&e, 0, true);
	cvmm_vfe_used(&e, 0, 1);
}

int main(int argc, char **argv)
{
	const uint32_t sec = CVMM_VDEV_BLK_SECTOR;
	struct seeds s;
	unsigned n = 0;

	if (seeds_open(&s, argc, argv) != 0)
		return 2;

	/* Every request type, with F_FLUSH (all features) and without,
	 * cached and uncached queues, several bounce sizes. */
	for (unsigned v = 0; v < 4; v++) {
		up((uint8_t)((v & 1 ? CVMM_VFZ_UNCACHED : 0) |
			     CVMM_VFZ_GRANULE(v)),
		   (uint8_t)(0x70u | v << 2), v < 2);
		request(CVMM_VDEV_BLK_T_OUT, 2, 2 * sec, false);
		request(CVMM_VDEV_BLK_T_IN, 2, 2 * sec, true);
		request(CVMM_VDEV_BLK_T_FLUSH, 0, 0, false);
		request(CVMM_VDEV_BLK_T_GET_ID, 0, 20, true);
		segments_request(CVMM_VDEV_BLK_T_DISCARD, 2, false);
		segments_request(CVMM_VDEV_BLK_T_WRITE_ZEROES, 2, v & 1);
		cvmm_vfe_ack(&e, 1);
		seeds_write(&s, "types", n++, &e.out);
	}
	/* The last sector, one past it, a bad type, a short header. */
	up(0, 0x70, true);
	request(CVMM_VDEV_BLK_T_IN, 63, sec, true);
	request(CVMM_VDEV_BLK_T_OUT, 63, 2 * sec, false);
	request(CVMM_VDEV_BLK_T_IN, UINT64_MAX, sec, true);
	request(99, 0, 0, false);
	seeds_write(&s, "edges", 0, &e.out);
	/* Framing: the header cut in two, data in 4 buffers, then the same
	 * request in an indirect table. */
	up(0, 2, true);
	header(HDR, CVMM_VDEV_BLK_T_IN, 5);
	{
		struct cvmm_vfe_buf b[7] = {
		    {true, HDR, 3},	   {true, HDR + 3, 13},
		    {true, DATA, 256},	   {true, DATA + 256, 256},
		    {true, DATA + 512, 1}, {true, DATA + 513, 511},
		    {true, STATUS, 1},
		};

		cvmm_vfe_chain(&e, 0, b, 7, NULL, 0, 2, 0);
		cvmm_vfe_notify(&e, 0, false);
		cvmm_vfe_used(&e, 0, 1);
		cvmm_vfe_chain(&e, 0, b, 2, b + 2, 5, 2, 0x4000);
		cvmm_vfe_notify(&e, 0, false);
		cvmm_vfe_used(&e, 0, 1);
	}
	cvmm_vfe_save(&e, false, 0, 0);
	cvmm_vfe_config(&e, false, CVMM_VDEV_BLK_CFG_CAPACITY, 2, 0);
	cvmm_vfe_config(&e, false, CVMM_VDEV_BLK_CFG_SEG_MAX, 2, 0);
	cvmm_vfe_config(&e, true, CVMM_VDEV_BLK_CFG_WRITEBACK, 0, 1);
	cvmm_vfe_save(&e, true, 3, 1);
	seeds_write(&s, "framing", 0, &e.out);
	/* A read-only disk refuses writes. */
	up(0, 1, true);
	request(CVMM_VDEV_BLK_T_OUT, 0, sec, false);
	request(CVMM_VDEV_BLK_T_IN, 0, sec, true);
	segments_request(CVMM_VDEV_BLK_T_WRITE_ZEROES, 1, false);
	seeds_write(&s, "read-only", 0, &e.out);

	/* Failing I/O: every kind, then the nth call; write-zeroes falling
	 * back to writing zeros; a failed flush stays failed. */
	for (unsigned k = 0; k < 4; k++) {
		up(0, 0, true);
		fail_mask((uint8_t)(1u << k));
		request(CVMM_VDEV_BLK_T_IN, 1, sec, true);
		request(CVMM_VDEV_BLK_T_OUT, 1, sec, false);
		request(CVMM_VDEV_BLK_T_FLUSH, 0, 0, false);
		segments_request(CVMM_VDEV_BLK_T_WRITE_ZEROES, 1, true);
		fail_mask(0);
		request(CVMM_VDEV_BLK_T_FLUSH, 0, 0, false);
		seeds_write(&s, "io-fail", k, &e.out);
	}
	up(0, 0, false);
	fail_mask(16);
	segments_request(CVMM_VDEV_BLK_T_WRITE_ZEROES, 2, false);
	segments_request(CVMM_VDEV_BLK_T_DISCARD, 1, false);
	fail_nth(2);
	request(CVMM_VDEV_BLK_T_OUT, 8, 3 * sec, false);
	cvmm_vfe_reset(&e);
	seeds_write(&s, "io-fail", 4, &e.out);

	/* Hostile rings. */
	up(0, 0, true);
	cvmm_vfe_publish(&e, 0, 0x4321);
	cvmm_vfe_notify(&e, 0, true);
	cvmm_vfe_reset(&e);
	seeds_write(&s, "hostile", 0, &e.out);
	up(0, 0, true);
	cvmm_vfe_desc(&e, 0, 0, CVMM_VFZ_BUF_BASE, 16, 1 | 2, 0); /* loop */
	cvmm_vfe_publish(&e, 0, 0);
	cvmm_vfe_notify(&e, 0, false);
	seeds_write(&s, "hostile", 1, &e.out);
	up(0, 0, true);
	header(HDR, CVMM_VDEV_BLK_T_IN, 0);
	{
		struct cvmm_vfe_buf b[3] = {
		    {true, HDR, 16},
		    {false, CVMM_VFZ_RAM_BASE + CVMM_VFZ_RAM_SIZE - 8, sec},
		    {false, CVMM_VFZ_RO_BASE, 1}};

		cvmm_vfe_chain(&e, 0, b, 3, NULL, 0, 1, 0);
		cvmm_vfe_notify(&e, 0, true);
		cvmm_vfe_reset(&e);
	}
	seeds_write(&s, "hostile", 2, &e.out);
	return seeds_close(&s);
}
