/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console (device ID 3, virtio 1.x section 5.3) with a single port:
 * queue 0 (receiveq) carries input to the guest, queue 1 (transmitq) the
 * guest's output. It implements the device interface of cvmm/vdev.h: put
 * it behind a transport with cvmm_vdev_console_device().
 *
 * Features offered: VIRTIO_CONSOLE_F_SIZE (the config space's cols and
 * rows are valid; cvmm_vdev_console_resize() changes them and tells the
 * driver), VIRTIO_CONSOLE_F_EMERG_WRITE (a driver write of emerg_wr sends
 * its low byte to the output at once), VIRTIO_F_INDIRECT_DESC and
 * VIRTIO_F_EVENT_IDX. VIRTIO_CONSOLE_F_MULTIPORT is not offered.
 *
 * Config space (12 bytes, little-endian): cols (u16) at 0, rows (u16) at
 * 2, max_nr_ports (u32, reads 1) at 4, emerg_wr (u32, reads 0) at 8. Only
 * emerg_wr is writable, and only when F_EMERG_WRITE was negotiated; other
 * writes are refused with -EACCES.
 *
 * Output (transmitq). On a notification the device takes the guest's
 * chains (at most queue-size per notification), hands the bytes of their
 * readable buffers to the sink, at most config->max_bytes_per_chain per
 * chain (64 KiB by default; the bytes past it are dropped, counted in
 * stats.tx_capped, though every descriptor is still walked and so
 * validated), and returns each chain with length 0. The sink takes
 * everything it is given or fails; a failing sink loses those bytes
 * (stats.tx_errors) but not the console: the guest's output is the host's
 * to lose. Without a sink, output is discarded.
 *
 * Input (receiveq). The VMM pushes bytes with cvmm_vdev_console_input(),
 * which fills the driver's receive buffers and says how many bytes it
 * took; the VMM keeps the rest. Each receive chain is walked (validated)
 * to its end, even when the input ends in its first buffer. A notification on
 * the receiveq (the driver added buffers) calls config->rx_ready, so the VMM
 * can push what it kept.
 *
 * Errors, fail-closed. A guest violation on either queue (the queue is
 * then broken) or a failing guest-memory access makes the device ask its
 * transport for a reset (DEVICE_NEEDS_RESET); every chain popped before
 * that goes back to the used ring.
 *
 * Re-entrancy. The sink is called while the device walks a queue; a
 * cvmm_vdev_console_input() call from it (say, a loopback) is refused with
 * -EBUSY and takes nothing. rx_ready is called outside any walk, so it may
 * push input.
 *
 * Ownership. cvmm_vdev_console_create() allocates, cvmm_vdev_console_destroy()
 * frees, after the transport using it is destroyed. The callbacks'
 * arguments are borrowed for the device's life.
 */
#ifndef CVMM_VDEV_CONSOLE_H
#define CVMM_VDEV_CONSOLE_H

#include <cvmm/vdev.h>

#include <stddef.h>

/* Device feature bits. */
#define CVMM_VDEV_CONSOLE_F_SIZE	(UINT64_C(1) << 0)
#define CVMM_VDEV_CONSOLE_F_MULTIPORT	(UINT64_C(1) << 1)
#define CVMM_VDEV_CONSOLE_F_EMERG_WRITE (UINT64_C(1) << 2)

/* Config space size and field offsets. */
#define CVMM_VDEV_CONSOLE_CONFIG_SIZE 12u
#define CVMM_VDEV_CONSOLE_COLS	      0u
#define CVMM_VDEV_CONSOLE_ROWS	      2u
#define CVMM_VDEV_CONSOLE_MAX_PORTS   4u
#define CVMM_VDEV_CONSOLE_EMERG_WR    8u

/* Queue indices. */
#define CVMM_VDEV_CONSOLE_RX 0u
#define CVMM_VDEV_CONSOLE_TX 1u

#define CVMM_VDEV_CONSOLE_DEFAULT_MAX_BYTES  (64u * 1024u)
#define CVMM_VDEV_CONSOLE_DEFAULT_QUEUE_SIZE 256u

/* Output sink: take all of buf[0..len) (len <= 256) and return 0, or a
 * negative errno (the bytes are lost and counted). */
typedef int (*cvmm_vdev_console_sink_fn)(void *arg, const uint8_t *buf,
					 size_t len);

/* The driver added receive buffers: input may be pushed now. */
typedef void (*cvmm_vdev_console_ready_fn)(void *arg);

struct cvmm_vdev_console_config {
	/* Output sink, or NULL to discard output. */
	cvmm_vdev_console_sink_fn sink;
	void *sink_arg;
	/* Receive-buffers-available callback, or NULL. */
	cvmm_vdev_console_ready_fn rx_ready;
	void *rx_ready_arg;
	/* Initial size in characters (F_SIZE). */
	uint16_t cols;
	uint16_t rows;
	/* Bound on output bytes taken from one chain, or 0 for the default. */
	uint32_t max_bytes_per_chain;
	/* Largest size of each queue (a power of two up to
	 * CVMM_VQ_MAX_SIZE), or 0 for the default. */
	uint32_t queue_size;
};

/* Counters (since creation; reset() keeps them). */
struct cvmm_vdev_console_stats {
	uint64_t rx_bytes;    /* input bytes written into guest buffers */
	uint64_t tx_bytes;    /* output bytes the sink took */
	uint64_t tx_errors;   /* output bytes lost to a failing sink */
	uint64_t tx_capped;   /* chains cut at the bound */
	uint64_t emerg_bytes; /* bytes written through emerg_wr */
};

struct cvmm_vdev_console;

/*
 * Create a console device. config may be NULL for every default. -EINVAL
 * for a bad queue size; -ENOMEM. *out is set only on success.
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_console_create(const struct cvmm_vdev_console_config *config,
			 struct cvmm_vdev_console **out);

/* Free the device (NULL is allowed); its transport must be gone. */
void cvmm_vdev_console_destroy(struct cvmm_vdev_console *con);

/* The device interface of con (borrowed: valid while con lives). */
struct cvmm_vdev cvmm_vdev_console_device(struct cvmm_vdev_console *con);

/*
 * Push input: write data[0..len) into the driver's receive buffers, as far
 * as they go, and store the bytes taken in *taken (the VMM keeps the rest
 * and pushes it again after rx_ready). -ENODEV (taken 0) while the device
 * is not active or the receiveq is not ready; -EBUSY (taken 0) from inside
 * the sink; a queue violation's or memory access's errno (the device then
 * needs a reset; *taken counts the bytes the guest was given); -EIO (taken
 * 0) once either queue has failed, until the driver resets the device: a
 * device that needs a reset writes no more guest memory.
 */
CVMM_VDEV_MUST_CHECK int cvmm_vdev_console_input(struct cvmm_vdev_console *con,
						 const uint8_t *data,
						 size_t len, size_t *taken);

/*
 * Set the console size; with F_SIZE negotiated and the device active the
 * driver gets a configuration change notification.
 */
void cvmm_vdev_console_resize(struct cvmm_vdev_console *con, uint16_t cols,
			      uint16_t rows);

/* The counters. */
struct cvmm_vdev_console_stats
cvmm_vdev_console_get_stats(const struct cvmm_vdev_console *con);

#endif
