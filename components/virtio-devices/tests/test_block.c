/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk behind the virtio-mmio transport, driven from the driver side,
 * on a temporary disk image. Failing file I/O is injected with a wrapper
 * around the system-call I/O (struct cvmm_vdev_block_io) that fails the
 * Nth call, or a chosen kind of call, with a chosen errno.
 */
#define _GNU_SOURCE
#include "fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc-fail.h"

#define SECTOR	 CVMM_VDEV_BLK_SECTOR
#define HDR	 BUF_BASE
#define STATUS	 (BUF_BASE + 0x40)
#define DATA	 (BUF_BASE + 0x1000)
#define SEGS	 (BUF_BASE + 0x800)
#define NSECTORS 64u

#define F_FLUSH CVMM_VDEV_BLK_F_FLUSH
#define F_DISC	CVMM_VDEV_BLK_F_DISCARD
#define F_WZ	CVMM_VDEV_BLK_F_WRITE_ZEROES
#define F_ALL	(F_FLUSH | F_DISC | F_WZ)

/* ---- the disk ---- */

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + off / SECTOR + 3);
}

/* A temporary image of n sectors (plus extra bytes) filled with the
 * pattern; unlinked at once, or its path kept in path. */
static int make_disk(uint64_t bytes, char *path)
{
	char name[] = "/tmp/cvmm-blk-XXXXXX";
	uint8_t buf[SECTOR];
	int fd = mkstemp(name);

	assert_true(fd >= 0);
	for (uint64_t off = 0; off < bytes; off += SECTOR) {
		size_t n =
		    bytes - off < SECTOR ? (size_t)(bytes - off) : SECTOR;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		assert_int_equal(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
	}
	if (path != NULL)
		strcpy(path, name);
	else
		assert_int_equal(unlink(name), 0);
	return fd;
}

static void expect_file(int fd, uint64_t off, uint32_t len, int zero)
{
	uint8_t buf[SECTOR];

	for (uint32_t done = 0; done < len;) {
		uint32_t n = len - done > SECTOR ? SECTOR : len - done;

		assert_int_equal(pread(fd, buf, n, (off_t)(off + done)),
				 (ssize_t)n);
		for (uint32_t i = 0; i < n; i++)
			if (buf[i] != (zero ? 0 : pattern(off + done + i)))
				fail_msg("file byte 0x%llx: 0x%02x",
					 (unsigned long long)(off + done + i),
					 buf[i]);
		done += n;
	}
}

/* ---- failing I/O ---- */

enum { IO_READ = 1, IO_WRITE = 2, IO_SYNC = 4, IO_FALLOC = 8 };

struct failio {
	unsigned calls;
	unsigned fail_at;  /* fail call number fail_at (1-based), 0 never */
	unsigned fail_ops; /* or every call of these kinds */
	int err;
	int falloc_err; /* fallocate always answers this, if non-zero */
	int last_mode;
	/* Bytes of the disk: no call may reach past them (0: unchecked). */
	uint64_t limit;
};

static struct failio fio;

/* The device never reaches the file past the disk's end. */
static void check_range(uint64_t off, uint64_t len)
{
	if (fio.limit != 0)
		assert_true(off <= fio.limit && len <= fio.limit - off);
}

static int fail_now(unsigned op)
{
	fio.calls++;
	if (fio.calls == fio.fail_at || (fio.fail_ops & op) != 0)
		return fio.err;
	return 0;
}

static int f_read(void *arg, int fd, void *buf, size_t len, uint64_t off)
{
	int rc = fail_now(IO_READ);

	check_range(off, len);
	return rc != 0 ? rc
		       : cvmm_vdev_block_sys_io()->read(arg, fd, buf, len, off);
}

static int f_write(void *arg, int fd, const void *buf, size_t len, uint64_t off)
{
	int rc = fail_now(IO_WRITE);

	check_range(off, len);
	return rc != 0
		   ? rc
		   : cvmm_vdev_block_sys_io()->write(arg, fd, buf, len, off);
}

static int f_sync(void *arg, int fd)
{
	int rc = fail_now(IO_SYNC);

	return rc != 0 ? rc : cvmm_vdev_block_sys_io()->sync(arg, fd);
}

static int f_falloc(void *arg, int fd, int mode, uint64_t off, uint64_t len)
{
	int rc = fail_now(IO_FALLOC);

	fio.last_mode = mode;
	check_range(off, len);
	if (rc != 0)
		return rc;
	if (fio.falloc_err != 0)
		return fio.falloc_err;
	return cvmm_vdev_block_sys_io()->fallocate(arg, fd, mode, off, len);
}

static const struct cvmm_vdev_block_io failing_io = {f_read, f_write, f_sync,
						     f_falloc};

/* ---- the device ---- */

static struct cvmm_vdev_block_config blk_config(int fd)
{
	struct cvmm_vdev_block_config c = cvmm_vdev_block_default_config();

	memset(&fio, 0, sizeof(fio));
	fio.limit = NSECTORS * SECTOR;
	c.fd = fd;
	c.io = &failing_io;
	c.queue_size = 16;
	memcpy(c.serial, "cvmm-disk-0", 11);
	return c;
}

static void open_blk(struct fx *f, const struct cvmm_vdev_block_config *c,
		     uint64_t features)
{
	assert_int_equal(cvmm_vdev_block_create(c, &f->blk), 0);
	f->cfg = fx_config(f, cvmm_vdev_block_device(f->blk));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
	fx_bring_up(f, features, 1, 16);
}

static void close_blk(struct fx *f)
{
	cvmm_vdev_mmio_destroy(f->t);
	f->t = NULL;
	cvmm_vdev_block_destroy(f->blk);
	f->blk = NULL;
}

/* A request: header, readable data (out), writable data (in_len bytes),
 * status; each its own buffer unless empty. */
struct breq {
	uint32_t type;
	uint64_t sector;
	const void *out;
	uint32_t out_len;
	uint32_t in_len;
};

static void put_hdr(struct fx *f, uint64_t gpa, uint32_t type, uint64_t sector)
{
	uint8_t h[16];

	for (unsigned i = 0; i < 4; i++)
		h[i] = (uint8_t)(type >> (8 * i));
	/* The reserved field is ignored: a driver may put its ioprio there. */
	memset(h + 4, 0xa5, 4);
	for (unsigned i = 0; i < 8; i++)
		h[8 + i] = (uint8_t)(sector >> (8 * i));
	assert_int_equal(
	    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(gpa), h, sizeof(h)), 0);
}

/* Add the chain bufs, notify, and take the answer: the used length, and
 * the status byte at status_gpa (0xee beforehand). */
static uint32_t run_chain(struct fx *f, const struct cvmm_vqm_buf *bufs,
			  uint32_t n, uint64_t status_gpa, uint8_t *status)
{
	uint16_t head;
	uint16_t id;
	uint32_t len;

	assert_int_equal(
	    cvmm_mem_write_u8(&f->mem, cvmm_mem_gpa_from(status_gpa), 0xee), 0);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], bufs, n, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
	assert_int_equal(cvmm_vqm_get_used(f->m[0], &id, &len), 0);
	assert_int_equal(id, head);
	assert_int_equal(
	    cvmm_mem_read_u8(&f->mem, cvmm_mem_gpa_from(status_gpa), status),
	    0);
	return len;
}

static uint8_t submit_len(struct fx *f, const struct breq *q, uint32_t *used)
{
	struct cvmm_vqm_buf b[4];
	uint32_t n = 0;
	uint8_t status;

	put_hdr(f, HDR, q->type, q->sector);
	b[n++] = fx_buf(HDR, 16, false);
	if (q->out_len > 0) {
		uint64_t at = q->in_len > 0 ? DATA + 0x8000 : DATA;

		if (q->out != NULL)
			assert_int_equal(cvmm_mem_write(&f->mem,
							cvmm_mem_gpa_from(at),
							q->out, q->out_len),
					 0);
		b[n++] = fx_buf(at, q->out_len, false);
	}
	if (q->in_len > 0)
		b[n++] = fx_buf(DATA, q->in_len, true);
	b[n++] = fx_buf(STATUS, 1, true);
	*used = run_chain(f, b, n, STATUS, &status);
	return status;
}

static uint8_t submit(struct fx *f, const struct breq *q)
{
	uint32_t used;
	uint8_t st = submit_len(f, q, &used);

	if (st == CVMM_VDEV_BLK_S_OK && q->type == CVMM_VDEV_BLK_T_IN)
		assert_int_equal(used, q->in_len + 1);
	return st;
}

static uint8_t rd(struct fx *f, uint64_t sector, uint32_t len)
{
	struct breq q = {CVMM_VDEV_BLK_T_IN, sector, NULL, 0, len};

	return submit(f, &q);
}

static uint8_t wr(struct fx *f, uint64_t sector, const void *data, uint32_t len)
{
	struct breq q = {CVMM_VDEV_BLK_T_OUT, sector, data, len, 0};

	return submit(f, &q);
}

static uint8_t simple(struct fx *f, uint32_t type, uint32_t in_len)
{
	struct breq q = {type, 0, NULL, 0, in_len};

	return submit(f, &q);
}

/* Guest bytes at DATA are the disk's bytes at off. */
static void expect_guest(struct fx *f, uint64_t off, uint32_t len)
{
	uint8_t *buf = malloc(len + 1);

	assert_non_null(buf);
	assert_int_equal(
	    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(DATA), buf, len), 0);
	for (uint32_t i = 0; i < len; i++)
		if (buf[i] != pattern(off + i))
			fail_msg("guest byte %u: 0x%02x", i, buf[i]);
	free(buf);
}

static bool needs_reset(struct fx *f)
{
	return (cvmm_vdev_mmio_status(f->t) & CVMM_VDEV_S_DEVICE_NEEDS_RESET) !=
	       0;
}

/* A discard/write-zeroes request with the given segments. */
static uint8_t seg_req(struct fx *f, uint32_t type, const uint64_t (*segs)[3],
		       uint32_t n)
{
	uint8_t raw[16 * 8];
	struct breq q = {type, 0, raw, 16 * n, 0};

	for (uint32_t i = 0; i < n; i++)
		for (unsigned k = 0; k < 8; k++) {
			raw[16 * i + k] = (uint8_t)(segs[i][0] >> (8 * k));
			if (k < 4) {
				raw[16 * i + 8 + k] =
				    (uint8_t)(segs[i][1] >> (8 * k));
				raw[16 * i + 12 + k] =
				    (uint8_t)(segs[i][2] >> (8 * k));
			}
		}
	return submit(f, &q);
}

/* ---- tests ---- */

static void test_block_create(void **state)
{
	struct fx *f = *state;
	char path[64];
	int fd = make_disk(NSECTORS * SECTOR + 100, path);
	int rofd = open(path, O_RDONLY);
	int pipefd[2];
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct cvmm_vdev_block *b = NULL;
	bool done = false;

	assert_true(rofd >= 0);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(cvmm_vdev_block_create(NULL, &b), -EINVAL);
	assert_int_equal(cvmm_vdev_block_create(&c, NULL), -EINVAL);
	c.path = path;
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EINVAL);
	c.path = NULL;
	c.fd = -1;
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EINVAL);
	c = blk_config(fd);
	c.queue_size = 12;
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EINVAL);
	c.queue_size = CVMM_VQ_MAX_SIZE * 2;
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EINVAL);
	c = blk_config(fd);
	c.size_max = 511;
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EINVAL);
	c = blk_config(fd);
	c.bounce_size = 1000;
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EINVAL);
	c = blk_config(fd);
	c.max_discard_seg = CVMM_VDEV_BLK_MAX_SEGMENTS + 1;
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EINVAL);
	c = blk_config(fd);
	c.max_write_zeroes_seg = CVMM_VDEV_BLK_MAX_SEGMENTS + 1;
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EINVAL);
	/* A read-only descriptor needs read_only; a closed one, a pipe and a
	 * missing path are refused. */
	c = blk_config(rofd);
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EBADF);
	c = blk_config(pipefd[1]);
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -ESPIPE);
	c = blk_config(-1);
	c.path = "/nonexistent/cvmm-disk";
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -ENOENT);
	c = blk_config(1000000);
	assert_int_equal(cvmm_vdev_block_create(&c, &b), -EBADF);
	assert_null(b);
	/* Allocation failures: each one refused cleanly, nothing leaks. */
	c = blk_config(-1);
	c.path = path;
	for (uint64_t n = 1; !done; n++) {
		int rc;

		cvmm_alloc_fail_nth(n);
		rc = cvmm_vdev_block_create(&c, &b);
		if (cvmm_alloc_fail_fired()) {
			assert_int_equal(rc, -ENOMEM);
		} else {
			assert_int_equal(rc, 0);
			done = true;
		}
		cvmm_alloc_fail_nth(0);
	}
	/* The capacity ignores the partial sector at the end. */
	assert_true(cvmm_vdev_block_capacity(b) == NSECTORS);
	cvmm_vdev_block_destroy(b);
	cvmm_vdev_block_destroy(NULL);
	/* A tiny queue: seg_max 1. */
	c = blk_config(rofd);
	c.read_only = true;
	c.queue_size = 2;
	c.io = NULL;
	assert_int_equal(cvmm_vdev_block_create(&c, &f->blk), 0);
	f->cfg = fx_config(f, cvmm_vdev_block_device(f->blk));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_ID), 2);
	assert_int_equal(
	    fx_rd(f, CVMM_VDEV_MMIO_CONFIG + CVMM_VDEV_BLK_CFG_SEG_MAX), 1);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_DEVICE_FEATURES) &
			     (uint32_t)(CVMM_VDEV_BLK_F_RO | F_DISC | F_WZ),
			 (uint32_t)CVMM_VDEV_BLK_F_RO);
	close_blk(f);
	assert_int_equal(unlink(path), 0);
	close(pipefd[0]);
	close(pipefd[1]);
	close(rofd);
	close(fd);
}

static void test_block_config(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	uint32_t v;
	uint8_t byte = 1;

	c.queue_size = 0;
	c.discard_sector_alignment = 8;
	open_blk(f, &c, F_ALL);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_QUEUE_NUM_MAX), 256);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG), NSECTORS);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 4), 0);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 8), 64 * 1024);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 12), 254);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 20), 512);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 32), 1u << 16);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 36), 1u << 22);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 40), 32);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 44), 8);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 48), 1u << 16);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 52), 8);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG + 56), 1);
	assert_int_equal(fx_rd_rc(f, CVMM_VDEV_MMIO_CONFIG + 60, &v), -ENXIO);
	/* Read-only config space. */
	assert_int_equal(fx_wr_rc(f, CVMM_VDEV_MMIO_CONFIG + 32, 1), -EACCES);
	assert_int_equal(
	    cvmm_vdev_mmio_write(f->t, CVMM_VDEV_MMIO_CONFIG, &byte, 1),
	    -EACCES);
	assert_int_equal(fx_rd(f, CVMM_VDEV_MMIO_CONFIG), NSECTORS);
	close(fd);
}

static void test_block_read_write(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	uint8_t *buf = malloc(8 * SECTOR);

	assert_non_null(buf);
	c.bounce_size = 1024; /* several bounce rounds per request */
	open_blk(f, &c, F_ALL);
	/* Reads of each size, including the whole disk's first 16 KiB. */
	assert_int_equal(rd(f, 0, SECTOR), 0);
	expect_guest(f, 0, SECTOR);
	assert_int_equal(rd(f, 5, 3 * SECTOR), 0);
	expect_guest(f, 5 * SECTOR, 3 * SECTOR);
	assert_int_equal(rd(f, 0, 32 * SECTOR), 0);
	expect_guest(f, 0, 32 * SECTOR);
	/* A write, then a read of it and the file's bytes. */
	for (uint32_t i = 0; i < 8 * SECTOR; i++)
		buf[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(wr(f, 10, buf, 8 * SECTOR), 0);
	{
		uint8_t got[8 * SECTOR];

		assert_int_equal(pread(fd, got, sizeof(got), 10 * SECTOR),
				 (ssize_t)sizeof(got));
		assert_memory_equal(got, buf, sizeof(got));
	}
	expect_file(fd, 9 * SECTOR, SECTOR, 0);
	expect_file(fd, 18 * SECTOR, SECTOR, 0);
	assert_true(cvmm_vdev_block_get_stats(f->blk).write_bytes ==
		    8 * SECTOR);
	/* Zero-length IN and OUT: nothing done, OK. */
	assert_int_equal(rd(f, 3, 0), 0);
	assert_int_equal(wr(f, NSECTORS, NULL, 0), 0);
	/* A full queue of chains in one notification, one interrupt (one
	 * byte each: too short for a header, answered IOERR). */
	{
		uint16_t heads[16];

		f->raises = 0;
		for (unsigned i = 0; i < 16; i++) {
			struct cvmm_vqm_buf b = fx_buf(STATUS + i, 1, true);

			assert_int_equal(
			    cvmm_vqm_add_direct(f->m[0], &b, 1, &heads[i]), 0);
		}
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
		for (unsigned i = 0; i < 16; i++) {
			uint16_t id;
			uint32_t len;

			assert_int_equal(cvmm_vqm_get_used(f->m[0], &id, &len),
					 0);
			assert_int_equal(id, heads[i]);
			assert_int_equal(len, 1);
		}
		assert_int_equal(f->raises, 1);
	}
	/* F_FLUSH negotiated: write-back, no sync per write. */
	assert_true(cvmm_vdev_block_get_stats(f->blk).flushes == 0);
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_FLUSH, 0), 0);
	assert_true(cvmm_vdev_block_get_stats(f->blk).flushes == 1);
	free(buf);
	close(fd);
}

/* Any framing: the header cut in pieces, header and data in one buffer,
 * data and status in one buffer, an indirect table. */
static void test_block_framing(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct cvmm_vqm_buf b[5];
	uint8_t st;
	uint8_t data[SECTOR];
	uint16_t head;
	uint16_t id;
	uint32_t len;

	open_blk(f, &c, F_ALL | CVMM_VDEV_F_INDIRECT_DESC);
	/* Header as 3 + 13 bytes; data and status in one buffer. */
	put_hdr(f, DATA - 0x100, CVMM_VDEV_BLK_T_IN, 7);
	{
		uint8_t h[16];

		assert_int_equal(cvmm_mem_read(&f->mem,
					       cvmm_mem_gpa_from(DATA - 0x100),
					       h, 16),
				 0);
		assert_int_equal(
		    cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(HDR), h, 3), 0);
		assert_int_equal(cvmm_mem_write(&f->mem,
						cvmm_mem_gpa_from(HDR + 0x20),
						h + 3, 13),
				 0);
	}
	b[0] = fx_buf(HDR, 3, false);
	b[1] = fx_buf(HDR + 0x20, 13, false);
	b[2] = fx_buf(DATA, 100, true);
	b[3] = fx_buf(DATA + 100, SECTOR - 100 + 1, true);
	assert_int_equal(run_chain(f, b, 4, DATA + SECTOR, &st), SECTOR + 1);
	assert_int_equal(st, 0);
	expect_guest(f, 7 * SECTOR, SECTOR);
	/* Header and data in one readable buffer (OUT). */
	memset(data, 0x77, sizeof(data));
	put_hdr(f, DATA, CVMM_VDEV_BLK_T_OUT, 2);
	assert_int_equal(cvmm_mem_write(&f->mem, cvmm_mem_gpa_from(DATA + 16),
					data, sizeof(data)),
			 0);
	b[0] = fx_buf(DATA, 16 + SECTOR, false);
	b[1] = fx_buf(STATUS, 1, true);
	assert_int_equal(run_chain(f, b, 2, STATUS, &st), 1);
	assert_int_equal(st, 0);
	{
		uint8_t got[SECTOR];

		assert_int_equal(pread(fd, got, SECTOR, 2 * SECTOR), SECTOR);
		assert_memory_equal(got, data, SECTOR);
	}
	/* Indirect. */
	put_hdr(f, HDR, CVMM_VDEV_BLK_T_IN, 0);
	b[0] = fx_buf(HDR, 16, false);
	b[1] = fx_buf(DATA, 2 * SECTOR, true);
	b[2] = fx_buf(STATUS, 1, true);
	assert_int_equal(
	    cvmm_vqm_add_indirect(f->m[0], b, 3,
				  cvmm_mem_gpa_from(BUF_BASE + 0x10000), &head),
	    0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
	assert_int_equal(cvmm_vqm_get_used(f->m[0], &id, &len), 0);
	assert_int_equal(len, 2 * SECTOR + 1);
	expect_guest(f, 0, 2 * SECTOR);
	close(fd);
}

/* The last sector is accepted; one past, a sector at 2^64 - 1 (whose end
 * wraps), partial sectors are refused and touch nothing. */
static void test_block_bounds(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	uint8_t data[2 * SECTOR];

	memset(data, 0x11, sizeof(data));
	open_blk(f, &c, F_ALL);
	assert_int_equal(rd(f, NSECTORS - 1, SECTOR), 0);
	expect_guest(f, (NSECTORS - 1) * SECTOR, SECTOR);
	assert_int_equal(rd(f, NSECTORS - 1, 2 * SECTOR),
			 CVMM_VDEV_BLK_S_IOERR);
	assert_int_equal(rd(f, NSECTORS, SECTOR), CVMM_VDEV_BLK_S_IOERR);
	assert_int_equal(rd(f, UINT64_MAX, SECTOR), CVMM_VDEV_BLK_S_IOERR);
	assert_int_equal(rd(f, UINT64_MAX / SECTOR + 1, SECTOR),
			 CVMM_VDEV_BLK_S_IOERR);
	assert_int_equal(rd(f, 0, SECTOR + 1), CVMM_VDEV_BLK_S_IOERR);
	assert_int_equal(wr(f, NSECTORS - 1, data, 2 * SECTOR),
			 CVMM_VDEV_BLK_S_IOERR);
	assert_int_equal(wr(f, UINT64_MAX, data, SECTOR),
			 CVMM_VDEV_BLK_S_IOERR);
	assert_int_equal(wr(f, 0, data, 100), CVMM_VDEV_BLK_S_IOERR);
	expect_file(fd, 0, NSECTORS * SECTOR, 0);
	assert_int_equal(wr(f, NSECTORS - 1, data, SECTOR), 0);
	{
		struct stat sb;

		assert_int_equal(fstat(fd, &sb), 0);
		assert_int_equal(sb.st_size, NSECTORS * SECTOR);
	}
	assert_true(cvmm_vdev_block_get_stats(f->blk).ioerr == 8);
	assert_false(needs_reset(f));
	close(fd);
}

/* seg_max and size_max bound a request's data. */
static void test_block_caps(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct cvmm_vqm_buf b[5];
	uint8_t st;

	c.seg_max = 2;
	c.size_max = 2 * SECTOR;
	open_blk(f, &c, F_ALL);
	assert_int_equal(rd(f, 0, 2 * SECTOR), 0);
	assert_int_equal(rd(f, 0, 3 * SECTOR), CVMM_VDEV_BLK_S_IOERR);
	assert_int_equal(wr(f, 0, NULL, 3 * SECTOR), CVMM_VDEV_BLK_S_IOERR);
	put_hdr(f, HDR, CVMM_VDEV_BLK_T_IN, 0);
	b[0] = fx_buf(HDR, 16, false);
	b[1] = fx_buf(DATA, SECTOR, true);
	b[2] = fx_buf(DATA + 0x1000, SECTOR, true);
	b[3] = fx_buf(DATA + 0x2000, SECTOR, true);
	b[4] = fx_buf(STATUS, 1, true);
	assert_int_equal(run_chain(f, b, 5, STATUS, &st), 0);
	assert_int_equal(st, CVMM_VDEV_BLK_S_IOERR);
	/* Two segments, the status after the data in the last: fine. */
	b[3] = fx_buf(DATA + 0x2000, 1, true);
	assert_int_equal(run_chain(f, b, 4, DATA + 0x2000, &st),
			 2 * SECTOR + 1);
	assert_int_equal(st, 0);
	close(fd);
}

static void test_block_malformed(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct cvmm_vqm_buf b[3];
	uint8_t st;
	uint16_t head;
	uint16_t id;
	uint32_t len;

	open_blk(f, &c, F_ALL);
	/* No writable byte: nowhere to answer; back with length 0. */
	put_hdr(f, HDR, CVMM_VDEV_BLK_T_IN, 0);
	b[0] = fx_buf(HDR, 16, false);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], b, 1, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
	assert_int_equal(cvmm_vqm_get_used(f->m[0], &id, &len), 0);
	assert_int_equal(len, 0);
	assert_true(cvmm_vdev_block_get_stats(f->blk).malformed == 1);
	/* A header of 15 bytes, and of none. */
	b[0] = fx_buf(HDR, 15, false);
	b[1] = fx_buf(STATUS, 1, true);
	assert_int_equal(run_chain(f, b, 2, STATUS, &st), 1);
	assert_int_equal(st, CVMM_VDEV_BLK_S_IOERR);
	assert_int_equal(run_chain(f, b + 1, 1, STATUS, &st), 1);
	assert_int_equal(st, CVMM_VDEV_BLK_S_IOERR);
	/* IN with readable data, OUT with writable data. */
	{
		struct breq q = {CVMM_VDEV_BLK_T_IN, 0, NULL, SECTOR, SECTOR};

		assert_int_equal(submit(f, &q), CVMM_VDEV_BLK_S_IOERR);
		q.type = CVMM_VDEV_BLK_T_OUT;
		assert_int_equal(submit(f, &q), CVMM_VDEV_BLK_S_IOERR);
	}
	/* Unknown types. */
	assert_int_equal(simple(f, 2, 0), CVMM_VDEV_BLK_S_UNSUPP);
	assert_int_equal(simple(f, 0xffffffffu, 0), CVMM_VDEV_BLK_S_UNSUPP);
	assert_true(cvmm_vdev_block_get_stats(f->blk).unsupp == 2);
	assert_false(needs_reset(f));
	expect_file(fd, 0, NSECTORS * SECTOR, 0);
	close(fd);
}

static void test_block_get_id(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct breq q = {CVMM_VDEV_BLK_T_GET_ID, 0, NULL, 0, 20};
	uint8_t id[20];
	uint8_t want[20] = "cvmm-disk-0";
	uint32_t used;

	memset(id, 0, sizeof(id));
	open_blk(f, &c, 0);
	assert_int_equal(submit_len(f, &q, &used), 0);
	assert_int_equal(used, 21);
	assert_int_equal(
	    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(DATA), id, sizeof(id)), 0);
	assert_memory_equal(id, want, sizeof(want));
	/* A bigger buffer gets 20 bytes; a smaller one what fits. */
	q.in_len = 64;
	assert_int_equal(submit_len(f, &q, &used), 0);
	assert_int_equal(used, 20);
	q.in_len = 4;
	assert_int_equal(submit_len(f, &q, &used), 0);
	assert_int_equal(used, 5);
	/* FLUSH, DISCARD and WRITE_ZEROES were not negotiated. */
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_FLUSH, 0),
			 CVMM_VDEV_BLK_S_UNSUPP);
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_DISCARD, 0),
			 CVMM_VDEV_BLK_S_UNSUPP);
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, 0),
			 CVMM_VDEV_BLK_S_UNSUPP);
	close(fd);
}

/* Without F_FLUSH every write is synced before it completes. */
static void test_block_write_through(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	uint8_t data[SECTOR];

	memset(data, 1, sizeof(data));
	open_blk(f, &c, 0);
	assert_int_equal(wr(f, 1, data, SECTOR), 0);
	assert_true(cvmm_vdev_block_get_stats(f->blk).flushes == 1);
	/* A failing sync fails the write. */
	fio.fail_ops = IO_SYNC;
	fio.err = -EIO;
	assert_int_equal(wr(f, 1, data, SECTOR), CVMM_VDEV_BLK_S_IOERR);
	close(fd);
}

static void test_block_flush(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);

	open_blk(f, &c, F_FLUSH);
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_FLUSH, 0), 0);
	/* A failed sync: every later FLUSH fails too, until reset. */
	fio.fail_ops = IO_SYNC;
	fio.err = -EIO;
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_FLUSH, 0),
			 CVMM_VDEV_BLK_S_IOERR);
	fio.fail_ops = 0;
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_FLUSH, 0),
			 CVMM_VDEV_BLK_S_IOERR);
	/* It survives save/restore. */
	{
		struct cvmm_vdev_mmio_state *st = malloc(sizeof(*st));

		assert_non_null(st);
		assert_int_equal(cvmm_vdev_mmio_save(f->t, st), 0);
		assert_int_equal(cvmm_vdev_mmio_restore(f->t, st), 0);
		free(st);
	}
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_FLUSH, 0),
			 CVMM_VDEV_BLK_S_IOERR);
	fx_bring_up(f, F_FLUSH, 1, 16);
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_FLUSH, 0), 0);
	assert_true(cvmm_vdev_block_get_stats(f->blk).flushes == 2);
	close(fd);
}

static void test_block_read_only(void **state)
{
	struct fx *f = *state;
	char path[64];
	int fd = make_disk(NSECTORS * SECTOR, path);
	struct cvmm_vdev_block_config c = blk_config(-1);
	uint8_t data[SECTOR];
	const uint64_t seg[1][3] = {{0, 1, 0}};

	memset(data, 0x33, sizeof(data));
	c.path = path;
	c.read_only = true;
	open_blk(f, &c, F_FLUSH | CVMM_VDEV_BLK_F_RO);
	assert_int_equal(rd(f, 0, SECTOR), 0);
	assert_int_equal(wr(f, 0, data, SECTOR), CVMM_VDEV_BLK_S_IOERR);
	/* DISCARD and WRITE_ZEROES are not offered: not negotiated. */
	assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, seg, 1),
			 CVMM_VDEV_BLK_S_UNSUPP);
	assert_int_equal(simple(f, CVMM_VDEV_BLK_T_FLUSH, 0), 0);
	expect_file(fd, 0, NSECTORS * SECTOR, 0);
	close_blk(f);
	assert_int_equal(unlink(path), 0);
	close(fd);
}

static void test_block_discard_zeroes(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);

	c.discard_sector_alignment = 2;
	c.max_discard_sectors = 8;
	c.max_discard_seg = 2;
	c.max_write_zeroes_sectors = 16;
	c.max_write_zeroes_seg = 2;
	c.bounce_size = 1024;
	open_blk(f, &c, F_ALL);
	{
		/* Two discards: punched, reads back zeros here (ext4/tmpfs). */
		const uint64_t s[2][3] = {{2, 2, 0}, {10, 8, 0}};

		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, s, 2), 0);
		assert_int_equal(fio.last_mode,
				 FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
		expect_file(fd, 4 * SECTOR, 6 * SECTOR, 0);
	}
	{
		/* Refused: misaligned, too long, out of range, wrapping,
		 * UNMAP on discard, unknown flag, too many, none, a
		 * partial segment. */
		const uint64_t bad[][3] = {{1, 2, 0},
					   {2, 1, 0},
					   {0, 10, 0},
					   {62, 4, 0},
					   {UINT64_MAX - 1, 2, 0}};
		const uint64_t unmap[1][3] = {{0, 2, 1}};
		const uint64_t flag[1][3] = {{0, 2, 4}};
		const uint64_t three[3][3] = {{0, 2, 0}, {2, 2, 0}, {4, 2, 0}};
		struct breq q = {CVMM_VDEV_BLK_T_DISCARD, 0, NULL, 20, 0};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			assert_int_equal(
			    seg_req(f, CVMM_VDEV_BLK_T_DISCARD, bad + i, 1),
			    CVMM_VDEV_BLK_S_IOERR);
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, unmap, 1),
				 CVMM_VDEV_BLK_S_UNSUPP);
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, flag, 1),
				 CVMM_VDEV_BLK_S_UNSUPP);
		assert_int_equal(
		    seg_req(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, flag, 1),
		    CVMM_VDEV_BLK_S_UNSUPP);
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, three, 3),
				 CVMM_VDEV_BLK_S_IOERR);
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, three, 0),
				 CVMM_VDEV_BLK_S_IOERR);
		assert_int_equal(submit(f, &q), CVMM_VDEV_BLK_S_IOERR);
		/* The second segment bad: the first is not carried out. */
		{
			const uint64_t s[2][3] = {{20, 2, 0}, {21, 2, 0}};

			assert_int_equal(
			    seg_req(f, CVMM_VDEV_BLK_T_DISCARD, s, 2),
			    CVMM_VDEV_BLK_S_IOERR);
			expect_file(fd, 20 * SECTOR, 2 * SECTOR, 0);
		}
	}
	{
		/* Write zeroes: UNMAP punches, plain zeroes the range. */
		const uint64_t s[2][3] = {{30, 2, 1}, {40, 16, 0}};
		const uint64_t zero_len[1][3] = {{58, 0, 0}};

		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, s, 2),
				 0);
		expect_file(fd, 30 * SECTOR, 2 * SECTOR, 1);
		expect_file(fd, 40 * SECTOR, 16 * SECTOR, 1);
		expect_file(fd, 29 * SECTOR, SECTOR, 0);
		expect_file(fd, 56 * SECTOR, SECTOR, 0);
		assert_int_equal(
		    seg_req(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, zero_len, 1), 0);
		expect_file(fd, 58 * SECTOR, SECTOR, 0);
	}
	{
		/* No fallocate support: discard keeps the data, write zeroes
		 * writes zeros (through a 1 KiB bounce buffer). */
		const uint64_t d[1][3] = {{24, 2, 0}};
		const uint64_t z[1][3] = {{60, 4, 1}};

		fio.falloc_err = -EOPNOTSUPP;
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, d, 1), 0);
		expect_file(fd, 24 * SECTOR, 2 * SECTOR, 0);
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, z, 1),
				 0);
		expect_file(fd, 60 * SECTOR, 4 * SECTOR, 1);
		/* fallocate fails otherwise: IOERR; writing zeros fails:
		 * IOERR. */
		fio.falloc_err = -ENOSPC;
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, d, 1),
				 CVMM_VDEV_BLK_S_IOERR);
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, z, 1),
				 CVMM_VDEV_BLK_S_IOERR);
		fio.falloc_err = -EOPNOTSUPP;
		fio.fail_ops = IO_WRITE;
		fio.err = -EIO;
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, z, 1),
				 CVMM_VDEV_BLK_S_IOERR);
	}
	close(fd);
}

/* Without F_FLUSH, discard and write zeroes are synced; a failing sync
 * fails them. Read-only disks refuse them. */
static void test_block_segments_sync(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	const uint64_t s[1][3] = {{0, 1, 0}};

	open_blk(f, &c, F_DISC | F_WZ);
	assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, s, 1), 0);
	assert_true(cvmm_vdev_block_get_stats(f->blk).flushes == 1);
	fio.fail_ops = IO_SYNC;
	fio.err = -EIO;
	assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, s, 1),
			 CVMM_VDEV_BLK_S_IOERR);
	close_blk(f);
	/* A read-only disk whose driver acks DISCARD anyway (directly
	 * through the ops): refused. */
	c = blk_config(fd);
	c.read_only = true;
	assert_int_equal(cvmm_vdev_block_create(&c, &f->blk), 0);
	f->cfg = fx_config(f, cvmm_vdev_block_device(f->blk));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
	fx_bring_up(f, 0, 1, 16);
	{
		struct cvmm_vdev d = cvmm_vdev_block_device(f->blk);

		assert_int_equal(d.ops->ack_features(d.ctx, F_V1 | F_DISC), 0);
	}
	assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, s, 1),
			 CVMM_VDEV_BLK_S_IOERR);
	close(fd);
}

/* File I/O failing: the guest sees IOERR, the device carries on. */
static void test_block_io_failure(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	uint8_t data[2 * SECTOR];
	uint32_t used;

	memset(data, 0x44, sizeof(data));
	c.bounce_size = SECTOR;
	open_blk(f, &c, F_ALL);
	/* The second read call fails: one sector was read. */
	fio.calls = 0;
	fio.fail_at = 2;
	fio.err = -EIO;
	{
		struct breq q = {CVMM_VDEV_BLK_T_IN, 0, NULL, 0, 2 * SECTOR};

		assert_int_equal(submit_len(f, &q, &used),
				 CVMM_VDEV_BLK_S_IOERR);
		assert_int_equal(used, SECTOR);
	}
	fio.calls = 0;
	fio.fail_at = 1;
	assert_int_equal(wr(f, 0, data, 2 * SECTOR), CVMM_VDEV_BLK_S_IOERR);
	fio.fail_at = 0;
	assert_false(needs_reset(f));
	assert_int_equal(rd(f, 0, SECTOR), 0);
	close_blk(f);
	/* The system calls' own errors: end of file (the image shrank), a
	 * descriptor that cannot write, sync or fallocate. */
	c = blk_config(fd);
	c.io = NULL;
	open_blk(f, &c, F_ALL);
	assert_int_equal(ftruncate(fd, 3 * SECTOR), 0);
	assert_int_equal(rd(f, 2, SECTOR), 0);
	assert_int_equal(rd(f, 3, SECTOR), CVMM_VDEV_BLK_S_IOERR);
	{
		int rofd = open("/dev/null", O_RDONLY);
		int saved = dup(fd);
		const uint64_t z[1][3] = {{0, 1, 0}};
		const uint64_t u[1][3] = {{0, 1, 1}};

		assert_true(rofd >= 0 && saved >= 0);
		assert_int_equal(dup2(rofd, fd), fd);
		assert_int_equal(wr(f, 0, data, SECTOR), CVMM_VDEV_BLK_S_IOERR);
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_DISCARD, z, 1),
				 CVMM_VDEV_BLK_S_IOERR);
		assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, u, 1),
				 CVMM_VDEV_BLK_S_IOERR);
		/* A pipe cannot be synced. */
		{
			int p[2];

			assert_int_equal(pipe(p), 0);
			assert_int_equal(dup2(p[0], fd), fd);
			assert_int_equal(simple(f, CVMM_VDEV_BLK_T_FLUSH, 0),
					 CVMM_VDEV_BLK_S_IOERR);
			close(p[0]);
			close(p[1]);
		}
		assert_int_equal(dup2(saved, fd), fd);
		close(saved);
		close(rofd);
	}
	close(fd);
}

/* Every guest-memory access failed in turn: never a crash; the request
 * completes, or the device needs a reset. */
static void test_block_fail_nth(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	static const uint32_t types[] = {
	    CVMM_VDEV_BLK_T_IN, CVMM_VDEV_BLK_T_OUT, CVMM_VDEV_BLK_T_GET_ID,
	    CVMM_VDEV_BLK_T_WRITE_ZEROES};

	open_blk(f, &c, F_ALL);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		bool done = false;

		for (uint64_t n = 1; !done; n++) {
			struct cvmm_vqm_buf b[3];
			uint32_t nb = 0;
			uint16_t head;
			uint16_t id;
			uint32_t len;
			bool fired;
			int rc;

			fx_bring_up(f, F_ALL, 1, 16);
			put_hdr(f, HDR, types[t], 1);
			b[nb++] = fx_buf(HDR, 16, false);
			if (types[t] == CVMM_VDEV_BLK_T_OUT)
				b[nb++] = fx_buf(DATA, SECTOR, false);
			else if (types[t] == CVMM_VDEV_BLK_T_WRITE_ZEROES)
				b[nb++] = fx_buf(DATA, 16, false);
			else
				b[nb++] = fx_buf(DATA, 20 * 30, true);
			b[nb++] = fx_buf(STATUS, 1, true);
			if (types[t] == CVMM_VDEV_BLK_T_IN)
				b[1].len = SECTOR;
			if (types[t] == CVMM_VDEV_BLK_T_WRITE_ZEROES) {
				const uint8_t seg[16] = {2, 0, 0, 0, 0, 0,
							 0, 0, 1, 0, 0, 0,
							 0, 0, 0, 0};

				assert_int_equal(
				    cvmm_mem_write(&f->mem,
						   cvmm_mem_gpa_from(DATA), seg,
						   16),
				    0);
			}
			assert_int_equal(
			    cvmm_vqm_add_direct(f->m[0], b, nb, &head), 0);
			assert_int_equal(
			    cvmm_mem_test_fail_nth(f->tm, n, INJECTED), 0);
			rc = cvmm_vdev_mmio_notify(f->t, 0);
			fired = cvmm_mem_test_failure_fired(f->tm);
			assert_int_equal(
			    cvmm_mem_test_fail_nth(f->tm, 0, INJECTED), 0);
			if (!fired || !needs_reset(f)) {
				assert_int_equal(rc, 0);
				assert_int_equal(
				    cvmm_vqm_get_used(f->m[0], &id, &len), 0);
				assert_int_equal(id, head);
				done = !fired;
			} else if (cvmm_vqm_get_used(f->m[0], &id, &len) == 0) {
				assert_int_equal(id, head);
				assert_true(len <= SECTOR + 1);
			}
			assert_true(n < 10000);
		}
	}
	close(fd);
}

/* Hostile rings break the queue: the device needs a reset. */
static void test_block_hostile(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct cvmm_vqm_buf b[2];
	uint16_t head;

	open_blk(f, &c, F_ALL);
	assert_int_equal(cvmm_vqm_publish(f->m[0], 999), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -ERANGE);
	assert_true(needs_reset(f));
	fx_bring_up(f, F_ALL, 1, 16);
	/* Overlapping buffers (the status inside the header). */
	put_hdr(f, HDR, CVMM_VDEV_BLK_T_IN, 0);
	b[0] = fx_buf(HDR, 16, false);
	b[1] = fx_buf(HDR + 8, 1, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], b, 2, &head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -EADDRINUSE);
	assert_true(needs_reset(f));
	fx_bring_up(f, F_ALL, 1, 16);
	/* A loop of two empty descriptors (they overlap nothing, so only the
	 * chain's length gives it away): refused once the walk passes the
	 * queue size, never answered as a request. */
	b[0] = fx_buf(HDR, 0, true);
	b[1] = fx_buf(HDR, 0, true);
	assert_int_equal(cvmm_vqm_add_direct(f->m[0], b, 2, &head), 0);
	{
		uint64_t second = 0;

		assert_int_equal(cvmm_vqm_peek(f->m[0], CVMM_VQM_DESC_NEXT_IDX,
					       head, &second),
				 0);
		assert_int_equal(
		    cvmm_vqm_poke(f->m[0], CVMM_VQM_DESC_FLAGS,
				  (uint32_t)second,
				  CVMM_VQM_DESC_WRITE | CVMM_VQM_DESC_NEXT),
		    0);
		assert_int_equal(cvmm_vqm_poke(f->m[0], CVMM_VQM_DESC_NEXT_IDX,
					       (uint32_t)second, head),
				 0);
	}
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), -ELOOP);
	assert_true(needs_reset(f));
	{
		uint64_t used = 1;

		assert_int_equal(
		    cvmm_vqm_peek(f->m[0], CVMM_VQM_USED_IDX, 0, &used), 0);
		assert_int_equal(used, 0);
	}
	fx_bring_up(f, F_ALL, 1, 16);
	assert_int_equal(rd(f, 0, SECTOR), 0);
	/* A queue the device does not have, called directly. */
	{
		struct cvmm_vdev d = cvmm_vdev_block_device(f->blk);

		assert_int_equal(d.ops->notify(d.ctx, 1), -EIO);
	}
	close(fd);
}

/* The ops called directly, as a transport never would. */
static void test_block_ops_direct(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct cvmm_vdev d;
	struct cvmm_vdev_activation act;
	uint8_t buf[32];
	uint32_t len = 0;

	(void)f;
	assert_int_equal(cvmm_vdev_block_create(&c, &f->blk), 0);
	d = cvmm_vdev_block_device(f->blk);
	assert_int_equal(d.ops->config_read(d.ctx, 61, buf, 1), -ENXIO);
	assert_int_equal(d.ops->config_read(d.ctx, 56, buf, 5), -ENXIO);
	assert_int_equal(d.ops->config_read(d.ctx, 56, buf, 4), 0);
	assert_int_equal(d.ops->notify(d.ctx, 0), -EIO);
	memset(&act, 0, sizeof(act));
	act.num_queues = 2;
	assert_int_equal(d.ops->activate(d.ctx, &act), -EINVAL);
	assert_int_equal(d.ops->save(d.ctx, buf, 19, &len), -ENOSPC);
	assert_int_equal(d.ops->save(d.ctx, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 20);
	assert_int_equal(d.ops->restore(d.ctx, buf, 20), 0);
	assert_int_equal(d.ops->restore(d.ctx, buf, 19), -EINVAL);
	for (unsigned i = 0; i < 20; i += 4) {
		buf[i] ^= 2;
		assert_int_equal(d.ops->restore(d.ctx, buf, 20), -EINVAL);
		buf[i] ^= 2;
	}
	buf[8] = 1; /* flush failed: valid */
	assert_int_equal(d.ops->restore(d.ctx, buf, 20), 0);
	close(fd);
}

static void test_block_save_restore(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct cvmm_vdev_mmio_state *st = malloc(sizeof(*st));

	assert_non_null(st);
	open_blk(f, &c, F_ALL | CVMM_VDEV_F_EVENT_IDX);
	assert_int_equal(rd(f, 0, SECTOR), 0);
	assert_int_equal(cvmm_vdev_mmio_save(f->t, st), 0);
	close_blk(f);
	assert_int_equal(cvmm_vdev_block_create(&c, &f->blk), 0);
	f->cfg = fx_config(f, cvmm_vdev_block_device(f->blk));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
	assert_int_equal(cvmm_vdev_mmio_restore(f->t, st), 0);
	assert_int_equal(rd(f, 4, SECTOR), 0);
	expect_guest(f, 4 * SECTOR, SECTOR);
	/* Another disk size: refused. */
	close_blk(f);
	assert_int_equal(ftruncate(fd, 2 * SECTOR), 0);
	assert_int_equal(cvmm_vdev_block_create(&c, &f->blk), 0);
	f->cfg = fx_config(f, cvmm_vdev_block_device(f->blk));
	assert_int_equal(cvmm_vdev_mmio_create(&f->mem, &f->cfg, &f->t), 0);
	assert_int_equal(cvmm_vdev_mmio_restore(f->t, st), -EINVAL);
	free(st);
	close(fd);
}

/*
 * Durability: a child process writes through the transport, flushes, and
 * is killed with SIGKILL as soon as the flush completed (it tells the
 * parent through a pipe and waits to die). The parent reopens the file by
 * its path and finds the bytes.
 */
static void test_block_durability(void **state)
{
	struct fx *f = *state;
	char path[64];
	int fd = make_disk(NSECTORS * SECTOR, path);
	int p[2];
	pid_t pid;
	char ok = 0;
	int status;

	close(fd);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cvmm_vdev_block_config c = blk_config(-1);
		uint8_t data[4 * SECTOR];
		char flushed = 1;

		close(p[0]);
		c.path = path;
		c.io = NULL;
		for (uint32_t i = 0; i < sizeof(data); i++)
			data[i] = (uint8_t)(0xc3 ^ i);
		open_blk(f, &c, F_FLUSH);
		if (wr(f, 8, data, sizeof(data)) != 0 ||
		    simple(f, CVMM_VDEV_BLK_T_FLUSH, 0) != 0)
			flushed = 0;
		if (write(p[1], &flushed, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &ok, 1), 1);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(p[0]);
	assert_int_equal(ok, 1);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	{
		uint8_t got[4 * SECTOR];

		assert_int_equal(pread(fd, got, sizeof(got), 8 * SECTOR),
				 (ssize_t)sizeof(got));
		for (uint32_t i = 0; i < sizeof(got); i++)
			assert_int_equal(got[i], (uint8_t)(0xc3 ^ i));
	}
	expect_file(fd, 7 * SECTOR, SECTOR, 0);
	expect_file(fd, 12 * SECTOR, SECTOR, 0);
	close(fd);
	assert_int_equal(unlink(path), 0);
}

/* What the device did to the request's buffers, in order. */
struct watch {
	uint64_t hdr_read;   /* header bytes read */
	uint64_t seg_read;   /* segment bytes read */
	uint64_t last_write; /* the last buffer byte written */
	unsigned status_writes;
};

static void observe(void *arg, enum cvmm_mem_test_op op, cvmm_mem_gpa gpa,
		    uint64_t len, int result)
{
	struct watch *w = arg;

	if (result != 0 || len == 0 || gpa.raw < BUF_BASE)
		return; /* the rings, or a failed access */
	if (op == CVMM_MEM_TEST_READ && gpa.raw < HDR + 16)
		w->hdr_read += len;
	if (op == CVMM_MEM_TEST_READ && gpa.raw >= DATA && gpa.raw < DATA + 32)
		w->seg_read += len;
	if (op == CVMM_MEM_TEST_WRITE) {
		w->last_write = gpa.raw + len - 1;
		w->status_writes += gpa.raw == STATUS;
	}
}

/* Each guest field is read once; the status is written once, last. */
static void test_block_access_order(void **state)
{
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct watch w;
	const uint64_t segs[2][3] = {{0, 2, 0}, {4, 2, 1}};

	c.bounce_size = SECTOR;
	open_blk(f, &c, F_ALL);
	memset(&w, 0, sizeof(w));
	cvmm_mem_test_set_observer(f->tm, observe, &w);
	assert_int_equal(rd(f, 1, 4 * SECTOR), 0);
	cvmm_mem_test_set_observer(f->tm, NULL, NULL);
	/* put_hdr's own write and the test's status preset are the test's;
	 * the device read the header's 16 bytes once and wrote the status
	 * last. */
	assert_int_equal(w.hdr_read, 16);
	assert_int_equal(w.status_writes, 2);
	assert_int_equal(w.last_write, STATUS);
	/* Segments: each byte read once. */
	memset(&w, 0, sizeof(w));
	cvmm_mem_test_set_observer(f->tm, observe, &w);
	assert_int_equal(seg_req(f, CVMM_VDEV_BLK_T_WRITE_ZEROES, segs, 2), 0);
	cvmm_mem_test_set_observer(f->tm, NULL, NULL);
	assert_int_equal(w.hdr_read, 16);
	assert_int_equal(w.seg_read, 32);
	assert_int_equal(w.last_write, STATUS);
	close(fd);
}

struct rnd {
	uint64_t s;
};

static uint64_t next(struct rnd *r)
{
	/* xorshift64 */
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static uint32_t below(struct rnd *r, uint32_t n)
{
	return (uint32_t)(next(r) % n);
}

static uint64_t pick_sector(struct rnd *r)
{
	static const uint64_t edge[] = {0,
					1,
					NSECTORS - 1,
					NSECTORS,
					NSECTORS + 1,
					UINT64_MAX,
					UINT64_MAX - 1,
					UINT64_MAX / SECTOR,
					UINT64_MAX / SECTOR + 1,
					(uint64_t)1 << 55};

	if (below(r, 2) == 0)
		return below(r, NSECTORS);
	if (below(r, 3) == 0)
		return next(r);
	return edge[below(r, sizeof(edge) / sizeof(edge[0]))];
}

/* Random requests of every type, sector, length and framing, with random
 * segment contents: every chain is answered, the device never needs a
 * reset (the rings are valid), never reaches past the disk's end (the
 * I/O wrapper checks every call) and the file keeps its size. */
static void test_block_random(void **state)
{
	static const uint32_t types[] = {0, 1, 4, 8, 11, 13, 2, 0x80000000u};
	static const uint32_t lens[] = {0,  1,	 15,  16,  17,	 20,
					32, 511, 512, 513, 1024, 4096};
	struct fx *f = *state;
	int fd = make_disk(NSECTORS * SECTOR, NULL);
	struct cvmm_vdev_block_config c = blk_config(fd);
	struct rnd r = {0x6a09e667f3bcc909u};
	uint64_t ok = 0;

	c.seg_max = 3;
	c.size_max = 2048;
	c.max_discard_sectors = 16;
	c.max_discard_seg = 3;
	c.max_write_zeroes_sectors = 16;
	c.max_write_zeroes_seg = 3;
	c.discard_sector_alignment = 2;
	open_blk(f, &c, F_ALL | CVMM_VDEV_F_INDIRECT_DESC);
	for (unsigned step = 0; step < 3000; step++) {
		struct cvmm_vqm_buf b[5];
		uint32_t n = 1 + below(&r, 5);
		uint32_t first_w = below(&r, n + 1);
		uint8_t raw[64];
		uint16_t head;
		uint16_t id;
		uint32_t len;
		struct stat sb;

		/* Readable buffers first, then writable ones, 0x1000 apart;
		 * mostly a 16-byte header first and a status byte last. */
		for (uint32_t i = 0; i < n; i++) {
			uint32_t l =
			    lens[below(&r, sizeof(lens) / sizeof(lens[0]))];

			b[i] = fx_buf(BUF_BASE + 0x1000 * (i + 1), l,
				      i >= first_w);
		}
		if (below(&r, 4) != 0)
			b[0] = fx_buf(BUF_BASE + 0x1000, 16, false);
		if (n > 1 && below(&r, 4) != 0)
			b[n - 1] = fx_buf(BUF_BASE + 0x1000 * n, 1, true);
		put_hdr(f, BUF_BASE + 0x1000, types[below(&r, 8)],
			pick_sector(&r));
		/* Segments after the header: random, often plausible. */
		for (unsigned k = 0; k < sizeof(raw); k++)
			raw[k] = (uint8_t)next(&r);
		for (unsigned k = 0; k < 4; k++)
			if (below(&r, 2) == 0) {
				uint64_t sec = pick_sector(&r) & ~(uint64_t)1;

				for (unsigned j = 0; j < 8; j++)
					raw[16 * k + j] =
					    (uint8_t)(sec >> (8 * j));
				raw[16 * k + 8] = (uint8_t)(2 * below(&r, 9));
				memset(raw + 16 * k + 9, 0, 3);
				raw[16 * k + 12] = (uint8_t)below(&r, 2);
				memset(raw + 16 * k + 13, 0, 3);
			}
		assert_int_equal(
		    cvmm_mem_write(&f->mem,
				   cvmm_mem_gpa_from(BUF_BASE + 0x1000 + 16),
				   raw, sizeof(raw)),
		    0);
		if (below(&r, 2) == 0)
			assert_int_equal(
			    cvmm_vqm_add_indirect(
				f->m[0], b, n,
				cvmm_mem_gpa_from(BUF_BASE + 0x10000), &head),
			    0);
		else
			assert_int_equal(
			    cvmm_vqm_add_direct(f->m[0], b, n, &head), 0);
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, 0), 0);
		assert_int_equal(cvmm_vqm_get_used(f->m[0], &id, &len), 0);
		assert_int_equal(id, head);
		assert_false(needs_reset(f));
		assert_int_equal(fstat(fd, &sb), 0);
		assert_int_equal(sb.st_size, NSECTORS * SECTOR);
		if (len > 0)
			ok++;
	}
	/* The device did real work in between. */
	assert_true(cvmm_vdev_block_get_stats(f->blk).read_bytes > 0);
	assert_true(cvmm_vdev_block_get_stats(f->blk).write_bytes > 0);
	assert_true(cvmm_vdev_block_get_stats(f->blk).malformed > 0);
	assert_true(ok > 1000);
	close(fd);
}

int run_block_tests(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	    T(test_block_create),	 T(test_block_config),
	    T(test_block_read_write),	 T(test_block_framing),
	    T(test_block_bounds),	 T(test_block_caps),
	    T(test_block_malformed),	 T(test_block_get_id),
	    T(test_block_write_through), T(test_block_flush),
	    T(test_block_read_only),	 T(test_block_discard_zeroes),
	    T(test_block_segments_sync), T(test_block_io_failure),
	    T(test_block_fail_nth),	 T(test_block_hostile),
	    T(test_block_ops_direct),	 T(test_block_save_restore),
	    T(test_block_durability),	 T(test_block_random),
	    T(test_block_access_order),
#undef T
	};

	return cmocka_run_group_tests_name("vdev-block", tests, NULL, NULL);
}
