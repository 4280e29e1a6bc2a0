/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk (device ID 2, virtio 1.x section 5.2): a disk backed by a
 * file (a disk image or a block device), one queue (requestq). It
 * implements the device interface of cvmm/vdev.h: put it behind a
 * transport with cvmm_vdev_block_device().
 *
 * Backend. The VMM gives an open file descriptor (config->fd, borrowed:
 * the VMM closes it after destroying the device) or a path the device
 * opens itself (config->path, O_RDWR or O_RDONLY with O_CLOEXEC; the
 * device owns that descriptor and closes it at destroy). The capacity is
 * the file's size (lseek SEEK_END, so block devices work too) in 512-byte
 * sectors, rounded down; it is fixed at create. All file I/O goes through
 * config->io (struct cvmm_vdev_block_io; NULL for the plain system calls),
 * which is also the injection point for failing I/O in tests.
 *
 * Features offered: VIRTIO_BLK_F_SIZE_MAX, F_SEG_MAX, F_BLK_SIZE (512),
 * F_FLUSH, F_RO (read-only disks only), F_DISCARD and F_WRITE_ZEROES
 * (writable disks only), VIRTIO_F_INDIRECT_DESC, VIRTIO_F_EVENT_IDX.
 * F_CONFIG_WCE and F_MQ are not offered.
 *
 * Config space (60 bytes, little-endian, read-only: every write is refused
 * with -EACCES): capacity (u64) at 0, size_max (u32) at 8, seg_max (u32)
 * at 12, geometry (zero) at 16, blk_size (u32, 512) at 20, topology (zero)
 * at 24, writeback (u8, 0) at 32, num_queues (u16, 1) at 34,
 * max_discard_sectors at 36, max_discard_seg at 40,
 * discard_sector_alignment at 44, max_write_zeroes_sectors at 48,
 * max_write_zeroes_seg at 52 (u32 each) and write_zeroes_may_unmap (u8, 1)
 * at 56.
 *
 * Requests (section 5.2.6). Whatever the framing (the device makes no
 * assumption about how the driver cuts a request into buffers): the first
 * 16 readable bytes are the header (type, reserved, sector), copied into
 * VMM memory once and validated there; the readable bytes after it are the
 * data of OUT and the segments of DISCARD/WRITE_ZEROES; the last byte of
 * the last writable buffer is the status, written last; the writable bytes
 * before it are the data of IN and GET_ID. Types: IN, OUT, FLUSH (only
 * with F_FLUSH negotiated), GET_ID (the serial, at most 20 bytes), DISCARD
 * and WRITE_ZEROES (only with their feature negotiated; each 16-byte
 * segment is copied once and validated before any is carried out). Status:
 *   OK      done;
 *   UNSUPP  an unknown type, a type whose feature was not negotiated, a
 *           segment with a flag other than UNMAP (or DISCARD with UNMAP);
 *   IOERR   a header shorter than 16 bytes; IN/OUT data not a multiple of
 *           512 bytes; sector + sectors overflowing 2^64 or past the
 *           capacity (checked with __builtin_add_overflow before any
 *           multiplication, so the file is never touched out of bounds);
 *           more data segments than seg_max or one larger than size_max;
 *           IN with readable data or OUT with writable data besides the
 *           status; a write to a read-only disk; segments: a count of 0,
 *           more than the maximum or a length not a multiple of 16, more
 *           sectors than the maximum, out of range, or (DISCARD) sector or
 *           count not a multiple of discard_sector_alignment; a failed
 *           file operation; a FLUSH after an earlier flush failed (sticky
 *           until the device is reset: data the guest was told was durable
 *           may not be).
 * A chain with no writable byte has nowhere for a status: it goes back
 * with length 0 and is counted in stats.malformed. The used length is the
 * number of bytes written contiguously from the first writable byte: the
 * data read (and the status when all of it was written).
 *
 * Durability. With F_FLUSH negotiated the disk is write-back: a FLUSH
 * request calls io->sync (fdatasync) and completes only after it
 * succeeded, so every write completed before it survives the VMM being
 * killed. Without F_FLUSH it is write-through: every OUT, DISCARD and
 * WRITE_ZEROES is synced before it completes (virtio 1.x: such writes are
 * stable at completion).
 *
 * DISCARD punches a hole (fallocate PUNCH_HOLE | KEEP_SIZE); a file system
 * that cannot is left as it is (discard is a hint). WRITE_ZEROES punches a
 * hole when the segment asks for UNMAP, otherwise (or if punching fails)
 * zeroes the range (fallocate ZERO_RANGE | KEEP_SIZE), and falls back to
 * writing zeros through the bounce buffer when the file system supports
 * neither. Reads of the range return zeros afterwards in every case.
 *
 * Bounded work and memory. At most queue-size chains per notification;
 * at most seg_max data segments of at most size_max bytes per request; data
 * moves between the file and guest memory through one bounce buffer
 * allocated at create (through the memory interface, so buffers may span
 * guest-memory regions); a write-zeroes fallback writes at most
 * max_write_zeroes_sectors * max_write_zeroes_seg sectors. Nothing is
 * allocated after create, nothing is sized by a guest value.
 *
 * Errors, fail-closed. Every chain popped goes back to the used ring, even
 * when processing it fails. A guest violation on the queue (the queue is
 * then broken) or a failing guest-memory access makes notify() return the
 * errno: the transport sets DEVICE_NEEDS_RESET. File I/O errors are the
 * guest's to see (IOERR), not a reason to stop the device.
 *
 * Ownership. cvmm_vdev_block_create() allocates (and opens config->path);
 * cvmm_vdev_block_destroy() frees (and closes what it opened), after the
 * transport using it is destroyed. config->fd and config->io_arg are
 * borrowed for the device's life; config->path only during create.
 */
#ifndef CVMM_VDEV_BLOCK_H
#define CVMM_VDEV_BLOCK_H

#include <cvmm/vdev.h>

#include <stddef.h>

/* Device feature bits. */
#define CVMM_VDEV_BLK_F_SIZE_MAX     (UINT64_C(1) << 1)
#define CVMM_VDEV_BLK_F_SEG_MAX	     (UINT64_C(1) << 2)
#define CVMM_VDEV_BLK_F_RO	     (UINT64_C(1) << 5)
#define CVMM_VDEV_BLK_F_BLK_SIZE     (UINT64_C(1) << 6)
#define CVMM_VDEV_BLK_F_FLUSH	     (UINT64_C(1) << 9)
#define CVMM_VDEV_BLK_F_CONFIG_WCE   (UINT64_C(1) << 11)
#define CVMM_VDEV_BLK_F_DISCARD	     (UINT64_C(1) << 13)
#define CVMM_VDEV_BLK_F_WRITE_ZEROES (UINT64_C(1) << 14)

/* Request types. */
#define CVMM_VDEV_BLK_T_IN	     0u
#define CVMM_VDEV_BLK_T_OUT	     1u
#define CVMM_VDEV_BLK_T_FLUSH	     4u
#define CVMM_VDEV_BLK_T_GET_ID	     8u
#define CVMM_VDEV_BLK_T_DISCARD	     11u
#define CVMM_VDEV_BLK_T_WRITE_ZEROES 13u

/* Status values. */
#define CVMM_VDEV_BLK_S_OK     0u
#define CVMM_VDEV_BLK_S_IOERR  1u
#define CVMM_VDEV_BLK_S_UNSUPP 2u

/* The UNMAP flag of a discard/write-zeroes segment. */
#define CVMM_VDEV_BLK_SEG_F_UNMAP 1u

/* Sizes: sector, request header, discard/write-zeroes segment, serial. */
#define CVMM_VDEV_BLK_SECTOR   512u
#define CVMM_VDEV_BLK_HDR_SIZE 16u
#define CVMM_VDEV_BLK_SEG_SIZE 16u
#define CVMM_VDEV_BLK_ID_BYTES 20u

/* Config space size and field offsets. */
#define CVMM_VDEV_BLK_CONFIG_SIZE	      60u
#define CVMM_VDEV_BLK_CFG_CAPACITY	      0u
#define CVMM_VDEV_BLK_CFG_SIZE_MAX	      8u
#define CVMM_VDEV_BLK_CFG_SEG_MAX	      12u
#define CVMM_VDEV_BLK_CFG_BLK_SIZE	      20u
#define CVMM_VDEV_BLK_CFG_WRITEBACK	      32u
#define CVMM_VDEV_BLK_CFG_NUM_QUEUES	      34u
#define CVMM_VDEV_BLK_CFG_MAX_DISCARD_SECTORS 36u
#define CVMM_VDEV_BLK_CFG_MAX_DISCARD_SEG     40u
#define CVMM_VDEV_BLK_CFG_DISCARD_ALIGNMENT   44u
#define CVMM_VDEV_BLK_CFG_MAX_WZ_SECTORS      48u
#define CVMM_VDEV_BLK_CFG_MAX_WZ_SEG	      52u
#define CVMM_VDEV_BLK_CFG_WZ_MAY_UNMAP	      56u

/* Defaults (a 0 in the config means these). */
#define CVMM_VDEV_BLK_DEFAULT_QUEUE_SIZE	  256u
#define CVMM_VDEV_BLK_DEFAULT_SIZE_MAX		  (64u * 1024u)
#define CVMM_VDEV_BLK_DEFAULT_BOUNCE		  (64u * 1024u)
#define CVMM_VDEV_BLK_DEFAULT_MAX_DISCARD_SECTORS (1u << 22)
#define CVMM_VDEV_BLK_DEFAULT_MAX_DISCARD_SEG	  32u
#define CVMM_VDEV_BLK_DEFAULT_MAX_WZ_SECTORS	  (1u << 16)
#define CVMM_VDEV_BLK_DEFAULT_MAX_WZ_SEG	  8u
/* Largest segment count a config may ask for. */
#define CVMM_VDEV_BLK_MAX_SEGMENTS 1024u

/*
 * File I/O, as the device performs it (every op required):
 *   read:      read all of buf[0..len) at offset off; 0 or a negative
 *              errno (-EIO for end of file);
 *   write:     write all of buf[0..len) at offset off;
 *   sync:      make every completed write durable (fdatasync);
 *   fallocate: fallocate(2) with mode on [off, off + len).
 * EINTR is not retried (regular files and block devices do not return
 * it). A wrapper may fail any call to test a device's error handling.
 */
struct cvmm_vdev_block_io {
	int (*read)(void *arg, int fd, void *buf, size_t len, uint64_t off);
	int (*write)(void *arg, int fd, const void *buf, size_t len,
		     uint64_t off);
	int (*sync)(void *arg, int fd);
	int (*fallocate)(void *arg, int fd, int mode, uint64_t off,
			 uint64_t len);
};

struct cvmm_vdev_block_config {
	/* The disk: an open descriptor (borrowed), or -1 and a path the
	 * device opens (and owns). */
	int fd;
	const char *path;
	/* Read-only disk: offers F_RO, refuses every write (IOERR). With fd,
	 * a descriptor opened O_RDONLY requires it. */
	bool read_only;
	/* GET_ID's answer: up to 20 bytes, NUL-padded (not terminated when
	 * 20 bytes long). */
	char serial[CVMM_VDEV_BLK_ID_BYTES];
	/* Largest queue size (a power of two up to CVMM_VQ_MAX_SIZE), or 0
	 * for the default. */
	uint32_t queue_size;
	/* seg_max (0: queue size - 2, at least 1) and size_max (0: 64 KiB;
	 * at least 512): the cap on a request's data. */
	uint32_t seg_max;
	uint32_t size_max;
	/* Bounce buffer bytes (0: 64 KiB; a multiple of 512). */
	uint32_t bounce_size;
	/* Discard and write-zeroes limits (0: the defaults above; segment
	 * counts at most CVMM_VDEV_BLK_MAX_SEGMENTS; alignment in sectors,
	 * 0 means 1). */
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	/* File I/O, or NULL for cvmm_vdev_block_sys_io(); its argument. */
	const struct cvmm_vdev_block_io *io;
	void *io_arg;
};

/* Counters (since creation; reset() keeps them). */
struct cvmm_vdev_block_stats {
	uint64_t requests;    /* chains returned to the used ring */
	uint64_t read_bytes;  /* bytes read from the disk for IN */
	uint64_t write_bytes; /* bytes written to the disk for OUT */
	uint64_t flushes;     /* syncs that succeeded */
	uint64_t ioerr;	      /* requests answered IOERR */
	uint64_t unsupp;      /* requests answered UNSUPP */
	uint64_t malformed;   /* chains without a status byte */
};

struct cvmm_vdev_block;

/*
 * A config with every default and no disk (fd -1, path NULL): set fd or
 * path before cvmm_vdev_block_create().
 */
struct cvmm_vdev_block_config cvmm_vdev_block_default_config(void);

/*
 * Create a block device. -EINVAL for a NULL argument, no disk or both fd
 * and path, a bad queue size, limit or bounce size; -EBADF for a
 * descriptor opened O_RDONLY without read_only (or one fcntl refuses);
 * the errno of open or lseek; -ENOMEM. *out is set only on success.
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_block_create(const struct cvmm_vdev_block_config *config,
		       struct cvmm_vdev_block **out);

/* Free the device (NULL is allowed), closing a descriptor it opened; its
 * transport must be gone. */
void cvmm_vdev_block_destroy(struct cvmm_vdev_block *blk);

/* The device interface of blk (borrowed: valid while blk lives). */
struct cvmm_vdev cvmm_vdev_block_device(struct cvmm_vdev_block *blk);

/* The capacity in 512-byte sectors. */
uint64_t cvmm_vdev_block_capacity(const struct cvmm_vdev_block *blk);

/* The counters. */
struct cvmm_vdev_block_stats
cvmm_vdev_block_get_stats(const struct cvmm_vdev_block *blk);

/* The plain system calls (pread, pwrite, fdatasync, fallocate) as a
 * struct cvmm_vdev_block_io, for wrappers to call through (static
 * storage). */
const struct cvmm_vdev_block_io *cvmm_vdev_block_sys_io(void);

#endif
