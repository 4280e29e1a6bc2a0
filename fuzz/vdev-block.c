/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for virtio-blk behind the virtio-mmio transport: the generic
 * device fuzzer (harness/vdev-fuzz, which documents the input and the
 * invariants) with the block device registered.
 *
 * The disk is DISK_SECTORS sectors held in the iteration's own memory: the
 * device's file I/O goes through a struct cvmm_vdev_block_io over that
 * buffer, so nothing touches a real disk and nothing outlives the input.
 * The device still needs a descriptor to measure the disk at create: a
 * memfd of the same size, closed at destroy. One more invariant:
 *   disk-bounds  every file access the device makes lies inside the disk
 *                and uses a fallocate mode the device documents (its
 *                sector checks are what keeps a guest off the rest of a
 *                host file).
 *
 * The variant byte picks the configuration: bit 0 a read-only disk, bits
 * 1-3 the bounce buffer (512 * (1 + b) bytes), bits 4-6 size_max
 * (512 * (1 + b)), bit 7 a discard alignment of 4 sectors. An event (op
 * EVENT) is, by range 0..1: which I/O calls fail from then on (u8 mask:
 * 1 read, 2 write, 4 sync, 8 fallocate, 16 fallocate answers -EOPNOTSUPP
 * as a file system without holes does), or fail only the nth I/O call from
 * now (range 0..16, 0: none).
 *
 * Every chain is answered within its notification: pending_queues is 0.
 */
#define _GNU_SOURCE
#include <cvmm/vdev-block.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vdev-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DISK_SECTORS 64u
#define DISK_BYTES   32768u /* DISK_SECTORS sectors of 512 bytes */
_Static_assert(DISK_BYTES == (uint64_t)DISK_SECTORS * CVMM_VDEV_BLK_SECTOR,
	       "the disk's size in bytes");

#define FAIL_READ    1u
#define FAIL_WRITE   2u
#define FAIL_SYNC    4u
#define FAIL_FALLOC  8u
#define FALLOC_UNSUP 16u

struct blk_fz {
	struct cvmm_vdev_block *blk;
	int fd;
	uint8_t fail_mask;
	uint32_t fail_nth; /* the nth I/O call from now fails (0: none) */
	uint8_t disk[DISK_BYTES];
};

static void bounds(uint64_t off, uint64_t len)
{
	if (off > DISK_BYTES || len > DISK_BYTES - off) {
		(void)fprintf(
		    stderr,
		    "vdev-block: invariant: disk-bounds: [%llu, +%llu) "
		    "past a disk of %u bytes\n",
		    (unsigned long long)off, (unsigned long long)len,
		    DISK_BYTES);
		abort();
	}
}

/* Whether this call fails: its kind is failing, or it is the nth. */
static bool fails(struct blk_fz *b, uint8_t kind)
{
	if (b->fail_nth != 0 && --b->fail_nth == 0)
		return true;
	return (b->fail_mask & kind) != 0;
}

static int mem_read(void *arg, int fd, void *buf, size_t len, uint64_t off)
{
	struct blk_fz *b = arg;

	(void)fd;
	bounds(off, len);
	if (fails(b, FAIL_READ))
		return -EIO;
	memcpy(buf, b->disk + off, len);
	return 0;
}

static int mem_write(void *arg, int fd, const void *buf, size_t len,
		     uint64_t off)
{
	struct blk_fz *b = arg;

	(void)fd;
	bounds(off, len);
	if (fails(b, FAIL_WRITE))
		return -EIO;
	memcpy(b->disk + off, buf, len);
	return 0;
}

static int mem_sync(void *arg, int fd)
{
	(void)fd;
	return fails(arg, FAIL_SYNC) ? -EIO : 0;
}

static int mem_fallocate(void *arg, int fd, int mode, uint64_t off,
			 uint64_t len)
{
	struct blk_fz *b = arg;

	(void)fd;
	bounds(off, len);
	if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) &&
	    mode != (FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE)) {
		(void)fprintf(
		    stderr,
		    "vdev-block: invariant: disk-bounds: fallocate mode "
		    "0x%x\n",
		    (unsigned)mode);
		abort();
	}
	if (fails(b, FAIL_FALLOC))
		return -EIO;
	if ((b->fail_mask & FALLOC_UNSUP) != 0)
		return -EOPNOTSUPP;
	memset(b->disk + off, 0, len);
	return 0;
}

static const struct cvmm_vdev_block_io mem_io = {mem_read, mem_write, mem_sync,
						 mem_fallocate};

static int create(const struct cvmm_vdev_fuzz_params *p, void **obj,
		  struct cvmm_vdev *dev)
{
	struct cvmm_vdev_block_config cfg = cvmm_vdev_block_default_config();
	struct blk_fz *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < DISK_BYTES; i++)
		b->disk[i] = (uint8_t)(i * 7 + i / CVMM_VDEV_BLK_SECTOR);
	b->fd = memfd_create("cvmm-fuzz-blk", MFD_CLOEXEC);
	if (b->fd < 0 || ftruncate(b->fd, DISK_BYTES) != 0) {
		if (b->fd >= 0)
			(void)close(b->fd);
		free(b);
		return -ENOMEM;
	}
	cfg.fd = b->fd;
	cfg.read_only = (p->variant & 1u) != 0;
	cfg.queue_size = p->queue_size;
	cfg.bounce_size =
	    CVMM_VDEV_BLK_SECTOR * (1u + ((p->variant >> 1) & 7u));
	cfg.size_max = CVMM_VDEV_BLK_SECTOR * (1u + ((p->variant >> 4) & 7u));
	cfg.discard_sector_alignment = (p->variant & 0x80u) != 0 ? 4u : 1u;
	cfg.max_discard_sectors = DISK_SECTORS;
	cfg.max_discard_seg = 4;
	cfg.max_write_zeroes_sectors = DISK_SECTORS;
	cfg.max_write_zeroes_seg = 4;
	memcpy(cfg.serial, "cvmm-fuzz-disk", sizeof("cvmm-fuzz-disk"));
	cfg.io = &mem_io;
	cfg.io_arg = b;
	if (cvmm_vdev_block_create(&cfg, &b->blk) != 0) {
		(void)close(b->fd);
		free(b);
		return -ENOMEM;
	}
	*obj = b;
	*dev = cvmm_vdev_block_device(b->blk);
	return 0;
}

static void destroy(void *obj)
{
	struct blk_fz *b = obj;

	cvmm_vdev_block_destroy(b->blk);
	(void)close(b->fd);
	free(b);
}

static void event(void *obj, struct cvmm_fi *in)
{
	struct blk_fz *b = obj;

	if (cvmm_fi_range(in, 0, 1) == 0)
		b->fail_mask = cvmm_fi_u8(in);
	else
		b->fail_nth = (uint32_t)cvmm_fi_range(in, 0, 16);
}

static const struct cvmm_vdev_fuzz_device block_device = {
    "block", create, destroy, event, 0, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cvmm_vdev_fuzz_one(&block_device, data, size);
}
