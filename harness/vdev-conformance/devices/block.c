/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk registered with the conformance suite, on a temporary disk
 * image of 16 sectors (created and unlinked at once; the instance owns the
 * descriptor). A request reads sector 3: a readable header, a writable
 * sector and a writable status byte; the answer must be the sector's bytes,
 * status OK and a used length of 513.
 */
#define _GNU_SOURCE
#include <cvmm/vdev-block.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vdev-conformance.h"

#define SECTORS 16u
#define SECTOR	CVMM_VDEV_BLK_SECTOR
#define READ_AT 3u

struct blk_inst {
	struct cvmm_vdev_block *blk;
	int fd;
};

static uint8_t disk_byte(uint64_t off)
{
	return (uint8_t)(off * 5 + off / SECTOR + 1);
}

static int make_disk(void)
{
	char name[] = "/tmp/cvmm-conf-blk-XXXXXX";
	uint8_t buf[SECTOR];
	int fd = mkstemp(name);

	if (fd < 0)
		return -errno;
	(void)unlink(name);
	for (uint64_t s = 0; s < SECTORS; s++) {
		for (uint32_t i = 0; i < SECTOR; i++)
			buf[i] = disk_byte(s * SECTOR + i);
		if (pwrite(fd, buf, SECTOR, (off_t)(s * SECTOR)) != SECTOR) {
			(void)close(fd);
			return -EIO;
		}
	}
	return fd;
}

static int blk_create(void *arg, struct cvmm_vdev *dev, void **instance)
{
	struct blk_inst *b = calloc(1, sizeof(*b));
	struct cvmm_vdev_block_config cfg = cvmm_vdev_block_default_config();
	int rc;

	(void)arg;
	if (b == NULL)
		return -ENOMEM;
	b->fd = make_disk();
	if (b->fd < 0) {
		rc = b->fd;
		free(b);
		return rc;
	}
	cfg.fd = b->fd;
	rc = cvmm_vdev_block_create(&cfg, &b->blk);
	if (rc != 0) {
		(void)close(b->fd);
		free(b);
		return rc;
	}
	*dev = cvmm_vdev_block_device(b->blk);
	*instance = b;
	return 0;
}

static void blk_destroy(void *instance)
{
	struct blk_inst *b = instance;

	cvmm_vdev_block_destroy(b->blk);
	(void)close(b->fd);
	free(b);
}

static int blk_request(void *instance, uint32_t queue,
		       struct cvmm_vdev_conf_request *req)
{
	uint8_t hdr[CVMM_VDEV_BLK_HDR_SIZE];

	(void)instance;
	(void)queue;
	memset(hdr, 0, sizeof(hdr));
	hdr[0] = CVMM_VDEV_BLK_T_IN;
	hdr[8] = READ_AT;
	req->bufs[0].addr = req->area;
	req->bufs[0].len = sizeof(hdr);
	req->bufs[0].writable = false;
	req->bufs[1].addr = req->area + 0x100;
	req->bufs[1].len = SECTOR;
	req->bufs[1].writable = true;
	req->bufs[2].addr = req->area + 0x80;
	req->bufs[2].len = 1;
	req->bufs[2].writable = true;
	req->nbufs = 3;
	return cvmm_mem_write(req->mem, cvmm_mem_gpa_from(req->area), hdr,
			      sizeof(hdr));
}

static int blk_check(void *instance, uint32_t queue,
		     const struct cvmm_vdev_conf_request *req,
		     uint32_t used_len)
{
	uint8_t got[SECTOR];
	uint8_t status = 0xff;

	(void)instance;
	(void)queue;
	if (used_len != SECTOR + 1 ||
	    cvmm_mem_read(req->mem, cvmm_mem_gpa_from(req->bufs[1].addr), got,
			  SECTOR) != 0 ||
	    cvmm_mem_read_u8(req->mem, cvmm_mem_gpa_from(req->bufs[2].addr),
			     &status) != 0 ||
	    status != CVMM_VDEV_BLK_S_OK)
		return -EBADMSG;
	for (uint32_t i = 0; i < SECTOR; i++)
		if (got[i] != disk_byte(READ_AT * SECTOR + i))
			return -EBADMSG;
	return 0;
}

int main(int argc, char **argv)
{
	const struct cvmm_vdev_conf_device dev = {
	    .name = "virtio-blk",
	    .create = blk_create,
	    .destroy = blk_destroy,
	    .request = blk_request,
	    .check = blk_check,
	};

	return cvmm_vdev_conformance_main(&dev, argc, argv);
}
