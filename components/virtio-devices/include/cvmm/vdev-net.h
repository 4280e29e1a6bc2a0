/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net (device ID 1, virtio 1.x section 5.1) with one receive queue
 * (queue 0, receiveq) and one transmit queue (queue 1, transmitq); no
 * control queue, no multiqueue. It implements the device interface of
 * cvmm/vdev.h: put it behind a transport with cvmm_vdev_net_device().
 * Frames go to and come from a backend (struct cvmm_vdev_net_backend): the
 * tap of cvmm/vdev-net-tap.h in a VMM, an in-memory one in tests and fuzz
 * targets.
 *
 * Features offered: VIRTIO_NET_F_MAC (the config space's mac is the
 * configured address), VIRTIO_NET_F_STATUS (status reads LINK_UP, or 0
 * after cvmm_vdev_net_set_link(net, false)), VIRTIO_NET_F_MTU when
 * config->mtu is set (once negotiated, frames longer than the MTU plus
 * CVMM_VDEV_NET_ETH_HLEN are dropped both ways: the specification forbids
 * passing them to the driver, which sized its buffers by the MTU), and
 * VIRTIO_F_INDIRECT_DESC. No offload is offered
 * (no CSUM, GUEST_CSUM, GSO/TSO/UFO, MRG_RXBUF): every frame is a whole
 * Ethernet frame the guest checksummed itself. VIRTIO_F_EVENT_IDX is not
 * offered either: the device bounds the chains it takes per notification,
 * and without EVENT_IDX a driver notifies for every chain it adds, so
 * chains left for later are never left without a notification.
 *
 * Config space (12 bytes, little-endian, read-only: writes get -EACCES):
 * mac (6 bytes) at 0, status (u16) at 6, max_virtqueue_pairs (u16, reads
 * 1) at 8, mtu (u16, reads config->mtu) at 10.
 *
 * Frames. Every buffer chain carries the 12-byte struct virtio_net_hdr of
 * VIRTIO_F_VERSION_1 (flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset, num_buffers) followed by one Ethernet frame of at most
 * CVMM_VDEV_NET_MAX_FRAME bytes (the MTU plus CVMM_VDEV_NET_ETH_HLEN with
 * VIRTIO_NET_F_MTU negotiated).
 *
 * Transmit (transmitq). On a notification the device takes the driver's
 * chains (at most queue-size per notification); for each it walks (and so
 * validates) every descriptor first, then copies the chain's readable
 * bytes into VMM memory once, checks the header there and hands the frame
 * to the backend's send. Every chain goes back to the used ring with
 * length 0. A chain the device cannot send is a dropped frame, counted in
 * the stats, and the queue goes on:
 *   tx_bad_chain   the chain has device-writable bytes;
 *   tx_short       fewer readable bytes than the header;
 *   tx_too_big     a frame longer than the largest (nothing of it is
 *                  read);
 *   tx_bad_header  the header asks for an offload that was not offered:
 *                  flags (NEEDS_CSUM, or the receive-only DATA_VALID and
 *                  RSC_INFO) or gso_type other than GSO_NONE. hdr_len,
 *                  gso_size, csum_start, csum_offset and num_buffers mean
 *                  nothing without those offloads and are ignored (Linux
 *                  leaves num_buffers unset on transmit);
 *   tx_errors      the backend refused the frame (any error, -EAGAIN
 *                  included: a full host queue loses the frame, as a
 *                  network may).
 *
 * Receive (receiveq). The VMM calls cvmm_vdev_net_backend_readable() when
 * the backend has frames (its fd is readable). The device reads a frame
 * from the backend into VMM memory, takes one receive chain, walks it
 * whole, and writes a zeroed header with num_buffers = 1 followed by the
 * frame into the chain's writable buffers (framing is free: the header and
 * the frame may be cut anywhere), then returns the chain with 12 + the
 * frame's length. Frames are never truncated:
 *   rx_no_room     the chain's writable bytes cannot hold header and
 *                  frame: the frame is dropped, the chain returned with 0;
 *   rx_bad_chain   the chain has device-readable bytes: it is returned
 *                  with 0 and the frame waits for the next chain;
 *   rx_oversize    the backend gave a frame longer than the largest:
 *                  dropped;
 *   rx_errors      the backend's receive failed (its errno is returned).
 *
 * Back-pressure. The device tells the VMM whether it wants frames through
 * config->rx_wanted (called only when the answer changes, starting from
 * "no" at creation): "yes" once the driver set DRIVER_OK with the
 * receiveq ready; "no" when it holds a frame and the driver has no receive
 * buffer for it (the VMM then stops polling the backend, and the host's
 * queue absorbs or drops further frames), when the device needs a reset,
 * and at reset. A notification on the receiveq (the driver added buffers)
 * delivers the held frame and says "yes" again. The device holds at most
 * one frame; a reset drops it (rx_lost), and a snapshot does not carry it.
 * cvmm_vdev_net_backend_readable() moves at most queue-size frames per
 * call, so one busy backend cannot starve the VMM's other work; with a
 * level-triggered poll the rest comes on the next call.
 *
 * Errors, fail-closed. What is wrong with the guest's queue is a queue
 * error, not a dropped frame: a violation the queue detects (it is then
 * broken) or a guest-memory access that fails makes the device ask its
 * transport for a reset (DEVICE_NEEDS_RESET); every chain popped before
 * that goes back to the used ring. From then on the device moves no frame
 * and writes no guest memory until the driver resets it.
 *
 * Re-entrancy. The backend's ops and rx_wanted are called while the device
 * works; a cvmm_vdev_net_backend_readable() call from inside them (a
 * loopback backend, say) is refused with -EBUSY and moves nothing.
 * rx_wanted may be called from inside a transport call (activate, notify,
 * reset): it must only record the answer (e.g. change the fd's epoll
 * registration), not call the transport.
 *
 * Ownership. cvmm_vdev_net_create() allocates (the frame buffers, fixed
 * size, and one buffer record per queue entry), cvmm_vdev_net_destroy()
 * frees, after the transport using it is destroyed. The backend and the
 * callback's argument are borrowed for the device's life.
 */
#ifndef CVMM_VDEV_NET_H
#define CVMM_VDEV_NET_H

#include <cvmm/vdev.h>

#include <stddef.h>

/* Device feature bits (virtio numbering). */
#define CVMM_VDEV_NET_F_CSUM	  (UINT64_C(1) << 0)
#define CVMM_VDEV_NET_F_MTU	  (UINT64_C(1) << 3)
#define CVMM_VDEV_NET_F_MAC	  (UINT64_C(1) << 5)
#define CVMM_VDEV_NET_F_MRG_RXBUF (UINT64_C(1) << 15)
#define CVMM_VDEV_NET_F_STATUS	  (UINT64_C(1) << 16)

/* Config space size and field offsets. */
#define CVMM_VDEV_NET_CONFIG_SIZE 12u
#define CVMM_VDEV_NET_MAC	  0u
#define CVMM_VDEV_NET_STATUS	  6u
#define CVMM_VDEV_NET_MAX_PAIRS	  8u
#define CVMM_VDEV_NET_MTU	  10u

/* status field bits. */
#define CVMM_VDEV_NET_S_LINK_UP 1u

/* The virtio_net_hdr: its size and field offsets. */
#define CVMM_VDEV_NET_HDR_LEN	      12u
#define CVMM_VDEV_NET_HDR_FLAGS	      0u
#define CVMM_VDEV_NET_HDR_GSO_TYPE    1u
#define CVMM_VDEV_NET_HDR_NUM_BUFFERS 10u

/* Largest Ethernet frame (header excluded) either way: a 65535-byte MTU
 * plus the Ethernet header, rounded up. */
#define CVMM_VDEV_NET_MAX_FRAME 65550u
/* The Ethernet header with a VLAN tag: what a frame may carry beyond the
 * MTU. */
#define CVMM_VDEV_NET_ETH_HLEN 18u
/* Smallest MTU a config may set (Linux's ETH_MIN_MTU), and the largest
 * (its frames still fit CVMM_VDEV_NET_MAX_FRAME). */
#define CVMM_VDEV_NET_MIN_MTU 68u
#define CVMM_VDEV_NET_MAX_MTU (CVMM_VDEV_NET_MAX_FRAME - CVMM_VDEV_NET_ETH_HLEN)

/* Queue indices. */
#define CVMM_VDEV_NET_RX 0u
#define CVMM_VDEV_NET_TX 1u

#define CVMM_VDEV_NET_DEFAULT_QUEUE_SIZE 256u

/*
 * A backend: where frames go and come from. Both ops are required.
 *   send: take frame[0..len) (len <= CVMM_VDEV_NET_MAX_FRAME) whole and
 *         return 0, or a negative errno (the frame is lost and counted;
 *         -EAGAIN too);
 *   recv: if a frame is waiting, copy it into buf[0..cap), store its
 *         length in *len and return 0; -EAGAIN when none is waiting;
 *         another negative errno on failure. A frame longer than cap may
 *         be reported with its full length (or cut to cap): cap is one
 *         more than CVMM_VDEV_NET_MAX_FRAME, so the device sees it is too
 *         long and drops it.
 * ctx is the backend's, borrowed by the device.
 */
struct cvmm_vdev_net_backend_ops {
	int (*send)(void *ctx, const uint8_t *frame, size_t len);
	int (*recv)(void *ctx, uint8_t *buf, size_t cap, size_t *len);
};

struct cvmm_vdev_net_backend {
	const struct cvmm_vdev_net_backend_ops *ops;
	void *ctx;
};

/* The device's answer to "should the VMM poll the backend now?". */
typedef void (*cvmm_vdev_net_wanted_fn)(void *arg, bool wanted);

struct cvmm_vdev_net_config {
	/* The backend (required). */
	struct cvmm_vdev_net_backend backend;
	/* Back-pressure callback, or NULL (then the VMM polls blindly and
	 * cvmm_vdev_net_backend_readable() moves nothing while the device
	 * holds a frame it cannot deliver). */
	cvmm_vdev_net_wanted_fn rx_wanted;
	void *rx_wanted_arg;
	/* The MAC address the driver reads (VIRTIO_NET_F_MAC). */
	uint8_t mac[6];
	/* 0, or an MTU from CVMM_VDEV_NET_MIN_MTU to CVMM_VDEV_NET_MAX_MTU
	 * to offer VIRTIO_NET_F_MTU with. */
	uint16_t mtu;
	/* Largest size of each queue (a power of two up to
	 * CVMM_VQ_MAX_SIZE), or 0 for the default. */
	uint32_t queue_size;
};

/* Counters (since creation; reset() keeps them). Frames dropped are
 * counted once, under their reason (see the top of this file). */
struct cvmm_vdev_net_stats {
	uint64_t tx_frames; /* frames the backend took */
	uint64_t tx_bytes;  /* their bytes (headers excluded) */
	uint64_t tx_bad_chain;
	uint64_t tx_short;
	uint64_t tx_too_big;
	uint64_t tx_bad_header;
	uint64_t tx_errors;
	uint64_t rx_frames; /* frames written into guest buffers */
	uint64_t rx_bytes;  /* their bytes (headers excluded) */
	uint64_t rx_no_room;
	uint64_t rx_bad_chain;
	uint64_t rx_oversize;
	uint64_t rx_errors;
	uint64_t rx_lost; /* held frames dropped by a reset */
};

struct cvmm_vdev_net;

/*
 * Create a net device. -EINVAL for a missing config or backend op, a bad
 * queue size, or an MTU out of its range; -ENOMEM. *out is set
 * only on success.
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_net_create(const struct cvmm_vdev_net_config *config,
		     struct cvmm_vdev_net **out);

/* Free the device (NULL is allowed); its transport must be gone. */
void cvmm_vdev_net_destroy(struct cvmm_vdev_net *net);

/* The device interface of net (borrowed: valid while net lives). */
struct cvmm_vdev cvmm_vdev_net_device(struct cvmm_vdev_net *net);

/*
 * The backend has frames: move them into the driver's receive buffers,
 * until the backend has none (-EAGAIN from recv), the driver has no buffer
 * (the device holds the frame and says "not wanted") or queue-size frames
 * were moved. 0 then. -EBUSY from inside a backend op or rx_wanted;
 * -ENODEV while the device is not active or the receiveq is not ready;
 * -EIO once the device needs a reset (until the driver resets it);
 * a queue violation's or memory access's errno (the device then needs a
 * reset); the backend's errno when its recv failed (the device is fine;
 * the frames moved before stay moved).
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_net_backend_readable(struct cvmm_vdev_net *net);

/*
 * Set the link state the status field reports; with VIRTIO_NET_F_STATUS
 * negotiated and the device active the driver gets a configuration change
 * notification. Frames still move: this only changes what the driver
 * reads (as a cable pulled and plugged back does).
 */
void cvmm_vdev_net_set_link(struct cvmm_vdev_net *net, bool up);

/* The counters. */
struct cvmm_vdev_net_stats
cvmm_vdev_net_get_stats(const struct cvmm_vdev_net *net);

#endif
