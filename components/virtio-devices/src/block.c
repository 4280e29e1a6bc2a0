/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-blk on a file: requests validated on VMM copies, bounded I/O. */
#define _GNU_SOURCE
#include <cvmm/vdev-block.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"

/* The saved state: tag, version, flags, capacity. */
#define BLK_STATE_TAG	       0x6b6c6276u /* "vblk" */
#define BLK_STATE_VERSION      1u
#define BLK_STATE_LEN	       20u
#define BLK_STATE_FLUSH_FAILED 1u

/* Request status as the serving functions return it (>= 0). */
#define ST_OK	  ((int)CVMM_VDEV_BLK_S_OK)
#define ST_IOERR  ((int)CVMM_VDEV_BLK_S_IOERR)
#define ST_UNSUPP ((int)CVMM_VDEV_BLK_S_UNSUPP)

struct cvmm_vdev_block {
	struct cvmm_vdev_block_config cfg;
	const struct cvmm_vdev_block_io *io;
	int fd;
	bool own_fd;
	uint64_t capacity;
	/* A sync failed: FLUSH answers IOERR until reset. */
	bool flush_failed;
	/* Allocated at create: the chain's buffers (queue size of them), the
	 * segments of one request, the bounce buffer. */
	struct cvmm_vq_buf *bufs;
	uint8_t (*segs)[CVMM_VDEV_BLK_SEG_SIZE];
	uint8_t *bounce;
	/* Between activate() and reset(): the borrowed activation. */
	bool active;
	uint64_t features;
	struct cvmm_vq *vq;
	const struct cvmm_mem *mem;
	struct cvmm_vdev_host host;
	struct cvmm_vdev_block_stats stats;
};

/* One request being served: its chain's buffers and their split. */
struct req {
	uint32_t nbufs;
	uint32_t readable; /* bytes of the readable buffers */
	uint32_t writable; /* bytes of the writable buffers */
	/* Bytes written contiguously from the first writable byte. */
	uint32_t done;
};

/* ---- system-call I/O ---- */

static int io_error(ssize_t n)
{
	return n < 0 ? -errno : -EIO;
}

static int sys_read(void *arg, int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	size_t done = 0;

	(void)arg;
	while (done < len) {
		ssize_t n =
		    pread(fd, p + done, len - done, (off_t)(off + done));

		if (n <= 0)
			return io_error(n);
		done += (size_t)n;
	}
	return 0;
}

static int sys_write(void *arg, int fd, const void *buf, size_t len,
		     uint64_t off)
{
	const uint8_t *p = buf;
	size_t done = 0;

	(void)arg;
	while (done < len) {
		ssize_t n =
		    pwrite(fd, p + done, len - done, (off_t)(off + done));

		if (n <= 0)
			return io_error(n);
		done += (size_t)n;
	}
	return 0;
}

static int sys_sync(void *arg, int fd)
{
	(void)arg;
	return fdatasync(fd) == 0 ? 0 : -errno;
}

static int sys_fallocate(void *arg, int fd, int mode, uint64_t off,
			 uint64_t len)
{
	(void)arg;
	return fallocate(fd, mode, (off_t)off, (off_t)len) == 0 ? 0 : -errno;
}

static const struct cvmm_vdev_block_io sys_io = {
    sys_read,
    sys_write,
    sys_sync,
    sys_fallocate,
};

const struct cvmm_vdev_block_io *cvmm_vdev_block_sys_io(void)
{
	return &sys_io;
}

/* ---- little-endian helpers ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- device ops ---- */

static bool writable_disk(const struct cvmm_vdev_block *b)
{
	return !b->cfg.read_only;
}

static void blk_info(void *ctx, struct cvmm_vdev_info *info)
{
	const struct cvmm_vdev_block *b = ctx;

	info->device_id = CVMM_VDEV_ID_BLOCK;
	info->num_queues = 1;
	info->queue_max_size[0] = b->cfg.queue_size;
	info->features = CVMM_VDEV_BLK_F_SIZE_MAX | CVMM_VDEV_BLK_F_SEG_MAX |
			 CVMM_VDEV_BLK_F_BLK_SIZE | CVMM_VDEV_BLK_F_FLUSH |
			 CVMM_VDEV_F_INDIRECT_DESC | CVMM_VDEV_F_EVENT_IDX;
	info->features |= writable_disk(b) ? CVMM_VDEV_BLK_F_DISCARD |
						 CVMM_VDEV_BLK_F_WRITE_ZEROES
					   : CVMM_VDEV_BLK_F_RO;
	info->config_size = CVMM_VDEV_BLK_CONFIG_SIZE;
}

static int blk_ack_features(void *ctx, uint64_t features)
{
	struct cvmm_vdev_block *b = ctx;

	b->features = features;
	return 0;
}

static int blk_config_read(void *ctx, uint32_t offset, uint8_t *data,
			   uint32_t len)
{
	const struct cvmm_vdev_block *b = ctx;
	uint8_t image[CVMM_VDEV_BLK_CONFIG_SIZE];

	/* The transport bounds the access; callers driving the op directly
	 * get the same bound. */
	if (offset > sizeof(image) || len > sizeof(image) - offset)
		return -ENXIO;
	memset(image, 0, sizeof(image));
	put64(image + CVMM_VDEV_BLK_CFG_CAPACITY, b->capacity);
	put32(image + CVMM_VDEV_BLK_CFG_SIZE_MAX, b->cfg.size_max);
	put32(image + CVMM_VDEV_BLK_CFG_SEG_MAX, b->cfg.seg_max);
	put32(image + CVMM_VDEV_BLK_CFG_BLK_SIZE, CVMM_VDEV_BLK_SECTOR);
	put16(image + CVMM_VDEV_BLK_CFG_NUM_QUEUES, 1);
	put32(image + CVMM_VDEV_BLK_CFG_MAX_DISCARD_SECTORS,
	      b->cfg.max_discard_sectors);
	put32(image + CVMM_VDEV_BLK_CFG_MAX_DISCARD_SEG,
	      b->cfg.max_discard_seg);
	put32(image + CVMM_VDEV_BLK_CFG_DISCARD_ALIGNMENT,
	      b->cfg.discard_sector_alignment);
	put32(image + CVMM_VDEV_BLK_CFG_MAX_WZ_SECTORS,
	      b->cfg.max_write_zeroes_sectors);
	put32(image + CVMM_VDEV_BLK_CFG_MAX_WZ_SEG,
	      b->cfg.max_write_zeroes_seg);
	image[CVMM_VDEV_BLK_CFG_WZ_MAY_UNMAP] = 1;
	memcpy(data, image + offset, len);
	return 0;
}

static int blk_config_write(void *ctx, uint32_t offset, const uint8_t *data,
			    uint32_t len)
{
	/* Read-only config space (F_CONFIG_WCE is not offered). */
	(void)ctx;
	(void)offset;
	(void)data;
	(void)len;
	return -EACCES;
}

static int blk_activate(void *ctx, const struct cvmm_vdev_activation *act)
{
	struct cvmm_vdev_block *b = ctx;

	if (act->num_queues != 1)
		return -EINVAL;
	b->vq = act->queues[0];
	b->mem = act->mem;
	b->host = act->host;
	b->features = act->features;
	b->active = true;
	return 0;
}

static void blk_reset(void *ctx)
{
	struct cvmm_vdev_block *b = ctx;

	b->active = false;
	b->features = 0;
	b->flush_failed = false;
	b->vq = NULL;
	b->mem = NULL;
	memset(&b->host, 0, sizeof(b->host));
}

/* ---- the chain's bytes ---- */

/*
 * Copy len bytes at offset off of the chain's readable bytes (writable
 * false: into dst) or writable bytes (from src), buffer by buffer through
 * the memory interface. The caller keeps off + len within those bytes.
 */
static int chain_copy(struct cvmm_vdev_block *b, bool writable, uint64_t off,
		      void *dst, const void *src, uint32_t len)
{
	uint32_t moved = 0;

	/* Every caller keeps off + len within the chain's bytes, so the
	 * buffers never run out before len bytes moved. */
	for (uint32_t i = 0; moved < len; i++) {
		const struct cvmm_vq_buf *bf = &b->bufs[i];
		uint32_t n;
		int rc;

		if (bf->writable != writable)
			continue;
		if (off >= bf->len) {
			off -= bf->len;
			continue;
		}
		n = bf->len - (uint32_t)off;
		if (n > len - moved)
			n = len - moved;
		/* The queue checked addr + len does not wrap. */
		if (writable)
			rc = cvmm_mem_write(
			    b->mem, cvmm_mem_gpa_from(bf->addr.raw + off),
			    (const uint8_t *)src + moved, n);
		else
			rc = cvmm_mem_read(
			    b->mem, cvmm_mem_gpa_from(bf->addr.raw + off),
			    (uint8_t *)dst + moved, n);
		if (rc != 0)
			return rc;
		moved += n;
		off = 0;
	}
	return 0;
}

/* Whether the bytes [lo, hi) of the readable (or writable) buffers make at
 * most seg_max pieces of at most size_max bytes each. */
static bool segments_ok(const struct cvmm_vdev_block *b, const struct req *r,
			bool writable, uint64_t lo, uint64_t hi)
{
	uint64_t pos = 0;
	uint32_t pieces = 0;

	for (uint32_t i = 0; i < r->nbufs; i++) {
		const struct cvmm_vq_buf *bf = &b->bufs[i];
		uint64_t s;
		uint64_t e;

		if (bf->writable != writable)
			continue;
		s = pos > lo ? pos : lo;
		e = pos + bf->len < hi ? pos + bf->len : hi;
		pos += bf->len;
		if (s >= e)
			continue;
		if (e - s > b->cfg.size_max || ++pieces > b->cfg.seg_max)
			return false;
	}
	return true;
}

/* Sectors [sector, sector + count) lie on the disk (no wrap). */
static bool in_range(const struct cvmm_vdev_block *b, uint64_t sector,
		     uint64_t count)
{
	uint64_t end;

	return !__builtin_add_overflow(sector, count, &end) &&
	       end <= b->capacity;
}

/* Writes that must be stable at completion (F_FLUSH not negotiated). */
static int write_through(struct cvmm_vdev_block *b)
{
	int rc;

	if ((b->features & CVMM_VDEV_BLK_F_FLUSH) != 0)
		return 0;
	rc = b->io->sync(b->cfg.io_arg, b->fd);
	if (rc != 0)
		b->flush_failed = true;
	else
		b->stats.flushes++;
	return rc;
}

/* The file byte offset of sector: sector <= capacity < 2^55, so the
 * product fits. */
static uint64_t byte_off(uint64_t sector)
{
	return sector * CVMM_VDEV_BLK_SECTOR;
}

/*
 * Each request type: the status (>= 0) or a negative errno when guest
 * memory failed (the device then needs a reset). data is the length of
 * the request's data (readable after the header, or writable before the
 * status).
 */
static int do_in(struct cvmm_vdev_block *b, struct req *r, uint64_t sector)
{
	uint32_t len = r->writable - 1;

	if (r->readable != CVMM_VDEV_BLK_HDR_SIZE ||
	    len % CVMM_VDEV_BLK_SECTOR != 0 ||
	    !in_range(b, sector, len / CVMM_VDEV_BLK_SECTOR) ||
	    !segments_ok(b, r, true, 0, len))
		return ST_IOERR;
	while (r->done < len) {
		uint32_t n = len - r->done;
		int rc;

		if (n > b->cfg.bounce_size)
			n = b->cfg.bounce_size;
		rc = b->io->read(b->cfg.io_arg, b->fd, b->bounce, n,
				 byte_off(sector) + r->done);
		if (rc != 0)
			return ST_IOERR;
		rc = chain_copy(b, true, r->done, NULL, b->bounce, n);
		if (rc != 0)
			return rc;
		r->done += n;
		b->stats.read_bytes += n;
	}
	return ST_OK;
}

static int do_out(struct cvmm_vdev_block *b, struct req *r, uint64_t sector)
{
	uint32_t len = r->readable - CVMM_VDEV_BLK_HDR_SIZE;
	uint32_t off = 0;

	if (!writable_disk(b) || r->writable != 1 ||
	    len % CVMM_VDEV_BLK_SECTOR != 0 ||
	    !in_range(b, sector, len / CVMM_VDEV_BLK_SECTOR) ||
	    !segments_ok(b, r, false, CVMM_VDEV_BLK_HDR_SIZE, r->readable))
		return ST_IOERR;
	while (off < len) {
		uint32_t n = len - off;
		int rc;

		if (n > b->cfg.bounce_size)
			n = b->cfg.bounce_size;
		rc = chain_copy(b, false, CVMM_VDEV_BLK_HDR_SIZE + off,
				b->bounce, NULL, n);
		if (rc != 0)
			return rc;
		if (b->io->write(b->cfg.io_arg, b->fd, b->bounce, n,
				 byte_off(sector) + off) != 0)
			return ST_IOERR;
		off += n;
		b->stats.write_bytes += n;
	}
	return write_through(b) == 0 ? ST_OK : ST_IOERR;
}

static int do_flush(struct cvmm_vdev_block *b)
{
	if ((b->features & CVMM_VDEV_BLK_F_FLUSH) == 0)
		return ST_UNSUPP;
	if (b->flush_failed)
		return ST_IOERR;
	if (b->io->sync(b->cfg.io_arg, b->fd) != 0) {
		b->flush_failed = true;
		return ST_IOERR;
	}
	b->stats.flushes++;
	return ST_OK;
}

static int do_get_id(struct cvmm_vdev_block *b, struct req *r)
{
	uint32_t n = r->writable - 1;
	int rc;

	if (n > CVMM_VDEV_BLK_ID_BYTES)
		n = CVMM_VDEV_BLK_ID_BYTES;
	rc = chain_copy(b, true, 0, NULL, b->cfg.serial, n);
	if (rc != 0)
		return rc;
	r->done = n;
	return ST_OK;
}

/* Zero [off, off + len) of the file: punch (if asked), zero range, or
 * write zeros. */
static int zero_range(struct cvmm_vdev_block *b, uint64_t off, uint64_t len,
		      bool unmap)
{
	int rc;

	if (unmap &&
	    b->io->fallocate(b->cfg.io_arg, b->fd,
			     FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
			     len) == 0)
		return 0;
	rc = b->io->fallocate(b->cfg.io_arg, b->fd,
			      FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off,
			      len);
	if (rc != -EOPNOTSUPP)
		return rc;
	memset(b->bounce, 0, b->cfg.bounce_size);
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done;

		if (n > b->cfg.bounce_size)
			n = b->cfg.bounce_size;
		rc = b->io->write(b->cfg.io_arg, b->fd, b->bounce, (size_t)n,
				  off + done);
		if (rc != 0)
			return rc;
		done += n;
	}
	return 0;
}

/* DISCARD and WRITE_ZEROES: copy every segment, validate them all, then
 * carry them out. */
static int do_segments(struct cvmm_vdev_block *b, struct req *r, bool discard)
{
	uint32_t len = r->readable - CVMM_VDEV_BLK_HDR_SIZE;
	uint32_t max_seg =
	    discard ? b->cfg.max_discard_seg : b->cfg.max_write_zeroes_seg;
	uint32_t max_sectors = discard ? b->cfg.max_discard_sectors
				       : b->cfg.max_write_zeroes_sectors;
	uint32_t align = discard ? b->cfg.discard_sector_alignment : 1;
	uint32_t count = len / CVMM_VDEV_BLK_SEG_SIZE;
	int rc;

	if (!writable_disk(b) || len % CVMM_VDEV_BLK_SEG_SIZE != 0 ||
	    count == 0 || count > max_seg)
		return ST_IOERR;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *s = b->segs[i];
		uint64_t sector;
		uint32_t num;
		uint32_t flags;

		rc = chain_copy(b, false,
				CVMM_VDEV_BLK_HDR_SIZE +
				    (uint64_t)i * CVMM_VDEV_BLK_SEG_SIZE,
				b->segs[i], NULL, CVMM_VDEV_BLK_SEG_SIZE);
		if (rc != 0)
			return rc;
		sector = get64(s);
		num = get32(s + 8);
		flags = get32(s + 12);
		if ((flags & ~CVMM_VDEV_BLK_SEG_F_UNMAP) != 0 ||
		    (discard && flags != 0))
			return ST_UNSUPP;
		if (num > max_sectors || !in_range(b, sector, num) ||
		    sector % align != 0 || num % align != 0)
			return ST_IOERR;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *s = b->segs[i];
		uint64_t off = byte_off(get64(s));
		uint64_t n = (uint64_t)get32(s + 8) * CVMM_VDEV_BLK_SECTOR;

		if (n == 0)
			continue;
		if (discard) {
			rc = b->io->fallocate(
			    b->cfg.io_arg, b->fd,
			    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, n);
			/* A hint: a file system that cannot punch keeps the
			 * data. */
			if (rc == -EOPNOTSUPP)
				rc = 0;
		} else {
			rc = zero_range(b, off, n, get32(s + 12) != 0);
		}
		if (rc != 0)
			return ST_IOERR;
	}
	return write_through(b) == 0 ? ST_OK : ST_IOERR;
}

static bool negotiated(const struct cvmm_vdev_block *b, uint64_t bit)
{
	return (b->features & bit) != 0;
}

/* The status of a request whose buffers are in b->bufs, or a negative
 * errno when guest memory failed. */
static int serve(struct cvmm_vdev_block *b, struct req *r)
{
	uint8_t hdr[CVMM_VDEV_BLK_HDR_SIZE];
	uint64_t sector;
	int rc;

	if (r->readable < CVMM_VDEV_BLK_HDR_SIZE)
		return ST_IOERR;
	rc = chain_copy(b, false, 0, hdr, NULL, sizeof(hdr));
	if (rc != 0)
		return rc;
	/* The reserved field (once ioprio) is ignored. */
	sector = get64(hdr + 8);
	switch (get32(hdr)) {
	case CVMM_VDEV_BLK_T_IN:
		return do_in(b, r, sector);
	case CVMM_VDEV_BLK_T_OUT:
		return do_out(b, r, sector);
	case CVMM_VDEV_BLK_T_FLUSH:
		return do_flush(b);
	case CVMM_VDEV_BLK_T_GET_ID:
		return do_get_id(b, r);
	case CVMM_VDEV_BLK_T_DISCARD:
		if (!negotiated(b, CVMM_VDEV_BLK_F_DISCARD))
			return ST_UNSUPP;
		return do_segments(b, r, true);
	case CVMM_VDEV_BLK_T_WRITE_ZEROES:
		if (!negotiated(b, CVMM_VDEV_BLK_F_WRITE_ZEROES))
			return ST_UNSUPP;
		return do_segments(b, r, false);
	default:
		return ST_UNSUPP;
	}
}

/* Walk a chain, serve it and write its status; *used is the used length.
 * 0, or the errno of a queue violation or a guest-memory failure. */
static int handle_chain(struct cvmm_vdev_block *b, struct cvmm_vq_chain *chain,
			uint32_t *used)
{
	struct req r;
	uint8_t status;
	int rc;
	int urc;

	memset(&r, 0, sizeof(r));
	*used = 0;
	/* Room for one buffer more than a chain may have, so the walk goes
	 * past the limit and the queue refuses an over-long chain (a
	 * descriptor loop): collecting only queue-size buffers would serve
	 * a loop as if it were a request. */
	rc = cvmm_vq_chain_collect(b->vq, chain, b->bufs,
				   cvmm_vq_size(b->vq) + 1, &r.nbufs);
	if (rc != 0)
		return rc;
	r.readable = chain->readable_len;
	r.writable = chain->writable_len;
	if (r.writable == 0) {
		b->stats.malformed++;
		return 0;
	}
	rc = serve(b, &r);
	/* Guest memory failed: still try to tell the driver. */
	status = rc < 0 ? CVMM_VDEV_BLK_S_IOERR : (uint8_t)rc;
	if (status == CVMM_VDEV_BLK_S_IOERR)
		b->stats.ioerr++;
	else if (status == CVMM_VDEV_BLK_S_UNSUPP)
		b->stats.unsupp++;
	*used = r.done;
	/* The status goes last, also after a guest-memory failure (the
	 * driver may still see it). */
	urc = chain_copy(b, true, r.writable - 1, NULL, &status, 1);
	if (urc == 0 && r.done == r.writable - 1)
		*used = r.writable;
	return rc < 0 ? rc : urc;
}

/* A chain for cvmm_vdev__serve(). */
static int serve_chain(void *dev, struct cvmm_vq_chain *chain, uint32_t *used)
{
	return handle_chain(dev, chain, used);
}

static int blk_notify(void *ctx, uint32_t queue)
{
	struct cvmm_vdev_block *b = ctx;
	struct cvmm_vdev__served served = {0, 0};
	int rc;

	if (!b->active || queue != 0)
		return -EIO;
	rc = cvmm_vdev__serve(b->vq, 0, &b->host, serve_chain, b, &served);
	b->stats.requests += served.chains;
	return rc;
}

static int blk_save(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *len)
{
	const struct cvmm_vdev_block *b = ctx;

	if (cap < BLK_STATE_LEN)
		return -ENOSPC;
	put32(buf, BLK_STATE_TAG);
	put32(buf + 4, BLK_STATE_VERSION);
	put32(buf + 8, b->flush_failed ? BLK_STATE_FLUSH_FAILED : 0);
	put64(buf + 12, b->capacity);
	*len = BLK_STATE_LEN;
	return 0;
}

static int blk_restore(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct cvmm_vdev_block *b = ctx;

	blk_reset(ctx);
	/* The same disk: a different capacity is another disk. */
	if (len != BLK_STATE_LEN || get32(buf) != BLK_STATE_TAG ||
	    get32(buf + 4) != BLK_STATE_VERSION ||
	    (get32(buf + 8) & ~BLK_STATE_FLUSH_FAILED) != 0 ||
	    get64(buf + 12) != b->capacity)
		return -EINVAL;
	b->flush_failed = get32(buf + 8) != 0;
	return 0;
}

static const struct cvmm_vdev_ops blk_ops = {
    blk_info,	      blk_ack_features, blk_config_read,
    blk_config_write, blk_activate,	blk_notify,
    blk_reset,	      blk_save,		blk_restore,
};

/* ---- create ---- */

struct cvmm_vdev_block_config cvmm_vdev_block_default_config(void)
{
	struct cvmm_vdev_block_config c;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	return c;
}

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v != 0 ? v : def;
}

/* Fill the defaults in and check the limits. */
static int settle(struct cvmm_vdev_block_config *c)
{
	if ((c->fd >= 0) == (c->path != NULL))
		return -EINVAL;
	c->queue_size =
	    or_default(c->queue_size, CVMM_VDEV_BLK_DEFAULT_QUEUE_SIZE);
	if (c->queue_size > CVMM_VQ_MAX_SIZE ||
	    (c->queue_size & (c->queue_size - 1)) != 0)
		return -EINVAL;
	c->seg_max =
	    or_default(c->seg_max, c->queue_size > 3 ? c->queue_size - 2 : 1);
	c->size_max = or_default(c->size_max, CVMM_VDEV_BLK_DEFAULT_SIZE_MAX);
	c->bounce_size =
	    or_default(c->bounce_size, CVMM_VDEV_BLK_DEFAULT_BOUNCE);
	c->max_discard_sectors = or_default(
	    c->max_discard_sectors, CVMM_VDEV_BLK_DEFAULT_MAX_DISCARD_SECTORS);
	c->max_discard_seg = or_default(c->max_discard_seg,
					CVMM_VDEV_BLK_DEFAULT_MAX_DISCARD_SEG);
	c->discard_sector_alignment =
	    or_default(c->discard_sector_alignment, 1);
	c->max_write_zeroes_sectors = or_default(
	    c->max_write_zeroes_sectors, CVMM_VDEV_BLK_DEFAULT_MAX_WZ_SECTORS);
	c->max_write_zeroes_seg = or_default(c->max_write_zeroes_seg,
					     CVMM_VDEV_BLK_DEFAULT_MAX_WZ_SEG);
	if (c->size_max < CVMM_VDEV_BLK_SECTOR ||
	    c->bounce_size % CVMM_VDEV_BLK_SECTOR != 0 ||
	    c->max_discard_seg > CVMM_VDEV_BLK_MAX_SEGMENTS ||
	    c->max_write_zeroes_seg > CVMM_VDEV_BLK_MAX_SEGMENTS)
		return -EINVAL;
	if (c->io == NULL)
		c->io = &sys_io;
	return 0;
}

/* Open (or check) the disk and measure it. */
static int open_disk(struct cvmm_vdev_block *b)
{
	off_t size;

	if (b->cfg.path != NULL) {
		b->fd =
		    open(b->cfg.path,
			 (b->cfg.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (b->fd < 0)
			return -errno;
		b->own_fd = true;
	} else {
		int fl = fcntl(b->cfg.fd, F_GETFL);

		if (fl < 0 ||
		    ((fl & O_ACCMODE) == O_RDONLY && !b->cfg.read_only))
			return -EBADF;
		b->fd = b->cfg.fd;
	}
	size = lseek(b->fd, 0, SEEK_END);
	if (size < 0)
		return -errno;
	b->capacity = (uint64_t)size / CVMM_VDEV_BLK_SECTOR;
	return 0;
}

int cvmm_vdev_block_create(const struct cvmm_vdev_block_config *config,
			   struct cvmm_vdev_block **out)
{
	struct cvmm_vdev_block *b;
	uint32_t nseg;
	int rc;

	if (config == NULL || out == NULL)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->cfg = *config;
	b->fd = -1;
	rc = settle(&b->cfg);
	if (rc == 0)
		rc = open_disk(b);
	b->cfg.path = NULL; /* borrowed only during create */
	b->io = b->cfg.io;
	nseg = b->cfg.max_discard_seg > b->cfg.max_write_zeroes_seg
		   ? b->cfg.max_discard_seg
		   : b->cfg.max_write_zeroes_seg;
	if (rc == 0) {
		b->bufs =
		    calloc((size_t)b->cfg.queue_size + 1, sizeof(*b->bufs));
		b->segs = calloc(nseg, sizeof(*b->segs));
		b->bounce = malloc(b->cfg.bounce_size);
		if (b->bufs == NULL || b->segs == NULL || b->bounce == NULL)
			rc = -ENOMEM;
	}
	if (rc != 0) {
		cvmm_vdev_block_destroy(b);
		return rc;
	}
	*out = b;
	return 0;
}

void cvmm_vdev_block_destroy(struct cvmm_vdev_block *blk)
{
	if (blk == NULL)
		return;
	if (blk->own_fd)
		(void)close(blk->fd);
	free(blk->bufs);
	free(blk->segs);
	free(blk->bounce);
	free(blk);
}

struct cvmm_vdev cvmm_vdev_block_device(struct cvmm_vdev_block *blk)
{
	struct cvmm_vdev d = {&blk_ops, blk};

	return d;
}

uint64_t cvmm_vdev_block_capacity(const struct cvmm_vdev_block *blk)
{
	return blk->capacity;
}

struct cvmm_vdev_block_stats
cvmm_vdev_block_get_stats(const struct cvmm_vdev_block *blk)
{
	return blk->stats;
}
