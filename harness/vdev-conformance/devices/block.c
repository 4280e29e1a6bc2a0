/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk registered with the conformance suite, on a temporary disk
 * image of 16 sectors (created and unlinked at once; the instance owns the
 * descriptor). A request (kind 0, the one the conformance suite uses) reads
 * sector 3: a readable header, a writable sector and a writable status
 * byte; the answer must be the sector's bytes, status OK and a used length
 * of 513. The fault suite also submits the other kinds: OUT (sector 5,
 * rewritten with its own bytes, so the disk reads the same whatever
 * failed), FLUSH, GET_ID, DISCARD and WRITE_ZEROES (sectors 10-11).
 *
 * Faults: the file I/O goes through a struct cvmm_vdev_block_io that asks
 * the fault suite before each call and otherwise makes the system call. A
 * failed file operation is the guest's to see (cvmm/vdev-block.h): the
 * request is answered VIRTIO_BLK_S_IOERR in its status byte and the device
 * goes on without a reset.
 */
#define _GNU_SOURCE
#include <cvmm/vdev-block.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vdev-conformance.h"

#define SECTORS	 16u
#define SECTOR	 CVMM_VDEV_BLK_SECTOR
#define READ_AT	 3u
#define WRITE_AT 5u
#define ZERO_AT	 10u

/* Request kinds, in the order the fault suite submits them. */
enum { K_IN, K_OUT, K_FLUSH, K_GET_ID, K_DISCARD, K_WRITE_ZEROES, KINDS };

static const uint32_t kind_type[KINDS] = {
    CVMM_VDEV_BLK_T_IN,	     CVMM_VDEV_BLK_T_OUT,
    CVMM_VDEV_BLK_T_FLUSH,   CVMM_VDEV_BLK_T_GET_ID,
    CVMM_VDEV_BLK_T_DISCARD, CVMM_VDEV_BLK_T_WRITE_ZEROES,
};

struct blk_inst {
	struct cvmm_vdev_block *blk;
	int fd;
	struct cvmm_vdev_fault *inj;
};

/* ---- file I/O the fault suite can fail ---- */

static int io_read(void *arg, int fd, void *buf, size_t len, uint64_t off)
{
	struct blk_inst *b = arg;

	if (cvmm_vdev_fault_io(b->inj))
		return -EIO;
	return cvmm_vdev_block_sys_io()->read(NULL, fd, buf, len, off);
}

static int io_write(void *arg, int fd, const void *buf, size_t len,
		    uint64_t off)
{
	struct blk_inst *b = arg;

	if (cvmm_vdev_fault_io(b->inj))
		return -EIO;
	return cvmm_vdev_block_sys_io()->write(NULL, fd, buf, len, off);
}

static int io_sync(void *arg, int fd)
{
	struct blk_inst *b = arg;

	if (cvmm_vdev_fault_io(b->inj))
		return -EIO;
	return cvmm_vdev_block_sys_io()->sync(NULL, fd);
}

static int io_fallocate(void *arg, int fd, int mode, uint64_t off, uint64_t len)
{
	struct blk_inst *b = arg;

	if (cvmm_vdev_fault_io(b->inj))
		return -EIO;
	return cvmm_vdev_block_sys_io()->fallocate(NULL, fd, mode, off, len);
}

static const struct cvmm_vdev_block_io fault_io = {io_read, io_write, io_sync,
						   io_fallocate};

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
	cfg.io = &fault_io;
	cfg.io_arg = b;
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

static void blk_attach(void *instance, struct cvmm_vdev_fault *inj)
{
	((struct blk_inst *)instance)->inj = inj;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * Buffers in the window: header at +0 (16 bytes), segment at +0x10
 * (16 bytes), status at +0x80 (1 byte), data at +0x100.
 */
static int blk_request(void *instance, uint32_t queue,
		       struct cvmm_vdev_conf_request *req)
{
	uint8_t hdr[CVMM_VDEV_BLK_HDR_SIZE];
	uint8_t seg[CVMM_VDEV_BLK_SEG_SIZE];
	uint8_t data[SECTOR];
	struct cvmm_vdev_conf_buf *b = req->bufs;
	uint32_t kind = req->kind < KINDS ? req->kind : K_IN;
	uint64_t sector = kind == K_OUT ? WRITE_AT : READ_AT;
	int rc;

	(void)instance;
	(void)queue;
	memset(hdr, 0, sizeof(hdr));
	put_le(hdr, kind_type[kind], 4);
	put_le(hdr + 8, kind == K_IN || kind == K_OUT ? sector : 0, 8);
	rc = cvmm_mem_write(req->mem, cvmm_mem_gpa_from(req->area), hdr,
			    sizeof(hdr));
	b[0].addr = req->area;
	b[0].len = sizeof(hdr);
	b[0].writable = false;
	req->nbufs = 1;
	switch (kind) {
	case K_IN:
	case K_GET_ID:
		b[1].addr = req->area + 0x100;
		b[1].len = kind == K_IN ? SECTOR : CVMM_VDEV_BLK_ID_BYTES;
		b[1].writable = true;
		req->nbufs = 2;
		break;
	case K_OUT:
		for (uint32_t i = 0; i < SECTOR; i++)
			data[i] = disk_byte(WRITE_AT * SECTOR + i);
		if (rc == 0)
			rc = cvmm_mem_write(
			    req->mem, cvmm_mem_gpa_from(req->area + 0x100),
			    data, SECTOR);
		b[1].addr = req->area + 0x100;
		b[1].len = SECTOR;
		b[1].writable = false;
		req->nbufs = 2;
		break;
	case K_DISCARD:
	case K_WRITE_ZEROES:
		memset(seg, 0, sizeof(seg));
		put_le(seg, ZERO_AT, 8);
		put_le(seg + 8, 2, 4);
		if (rc == 0)
			rc = cvmm_mem_write(req->mem,
					    cvmm_mem_gpa_from(req->area + 0x10),
					    seg, sizeof(seg));
		b[1].addr = req->area + 0x10;
		b[1].len = sizeof(seg);
		b[1].writable = false;
		req->nbufs = 2;
		break;
	default: /* K_FLUSH: the header alone */
		break;
	}
	b[req->nbufs].addr = req->area + 0x80;
	b[req->nbufs].len = 1;
	b[req->nbufs].writable = true;
	req->nbufs++;
	return rc;
}

static int status_of(const struct cvmm_vdev_conf_request *req, uint8_t *status)
{
	const struct cvmm_vdev_conf_buf *s = &req->bufs[req->nbufs - 1];

	*status = 0xff;
	return cvmm_mem_read_u8(req->mem, cvmm_mem_gpa_from(s->addr), status);
}

static int blk_check(void *instance, uint32_t queue,
		     const struct cvmm_vdev_conf_request *req,
		     uint32_t used_len)
{
	uint8_t got[SECTOR];
	uint8_t status = 0xff;

	(void)instance;
	(void)queue;
	if (status_of(req, &status) != 0 || status != CVMM_VDEV_BLK_S_OK)
		return -EBADMSG;
	switch (req->kind) {
	case K_IN:
		break;
	case K_GET_ID: /* the default serial: 20 zero bytes */
		if (used_len != CVMM_VDEV_BLK_ID_BYTES + 1 ||
		    cvmm_mem_read(req->mem,
				  cvmm_mem_gpa_from(req->bufs[1].addr), got,
				  CVMM_VDEV_BLK_ID_BYTES) != 0)
			return -EBADMSG;
		for (uint32_t i = 0; i < CVMM_VDEV_BLK_ID_BYTES; i++)
			if (got[i] != 0)
				return -EBADMSG;
		return 0;
	default: /* only the status */
		return used_len == 1 ? 0 : -EBADMSG;
	}
	if (used_len != SECTOR + 1 ||
	    cvmm_mem_read(req->mem, cvmm_mem_gpa_from(req->bufs[1].addr), got,
			  SECTOR) != 0)
		return -EBADMSG;
	for (uint32_t i = 0; i < SECTOR; i++)
		if (got[i] != disk_byte(READ_AT * SECTOR + i))
			return -EBADMSG;
	return 0;
}

/* A failed file operation: IOERR in the status byte, no reset. */
static int blk_faulted(void *instance, uint32_t queue,
		       const struct cvmm_vdev_conf_request *req,
		       uint32_t used_len, bool needs_reset)
{
	uint8_t status = 0xff;

	(void)instance;
	(void)queue;
	(void)used_len;
	if (needs_reset)
		return -EPROTO;
	if (status_of(req, &status) != 0 || status != CVMM_VDEV_BLK_S_IOERR)
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
	    .request_kinds = KINDS,
	    .attach = blk_attach,
	    .faulted = blk_faulted,
	};

	return cvmm_vdev_conformance_main(&dev, argc, argv);
}
