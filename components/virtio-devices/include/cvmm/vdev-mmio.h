/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport, version 2 (virtio 1.x, section 4.2.2), around
 * any device implementing cvmm/vdev.h.
 *
 * The VMM maps the transport's window (CVMM_VDEV_MMIO_WINDOW bytes) at a
 * guest physical address, forwards each guest access there with
 * cvmm_vdev_mmio_read()/cvmm_vdev_mmio_write() (offset from the window's
 * base, data as the little-endian bytes of a KVM MMIO exit), and receives
 * interrupts through the irq callback. Registers:
 *
 *   0x000 MagicValue         R  0x74726976 ("virt")
 *   0x004 Version            R  2
 *   0x008 DeviceID           R  the device's ID
 *   0x00c VendorID           R  config->vendor_id
 *   0x010 DeviceFeatures     R  32 offered feature bits, word DeviceFeaturesSel
 *                               (words past 1 read 0)
 *   0x014 DeviceFeaturesSel  W
 *   0x020 DriverFeatures     W  32 acked bits, word DriverFeaturesSel
 *   0x024 DriverFeaturesSel  W
 *   0x030 QueueSel           W  any value; queue registers act on it
 *   0x034 QueueNumMax        R  0 for a queue the device does not have
 *   0x038 QueueNum           W
 *   0x044 QueueReady         RW 1 = ready (write 1 validates the layout)
 *   0x050 QueueNotify        W  a queue index
 *   0x060 InterruptStatus    R  bit 0 used buffers, bit 1 config change
 *   0x064 InterruptACK       W  clears the bits written
 *   0x070 Status             RW device status (state machine below)
 *   0x080/0x084 QueueDescLow/High      W
 *   0x090/0x094 QueueDriverLow/High    W  (the avail ring)
 *   0x0a0/0x0a4 QueueDeviceLow/High    W  (the used ring)
 *   0x0ac SHMSel             W  (no shared memory regions:)
 *   0x0b0/0x0b4 SHMLenLow/High         R  0xffffffff, "no such region"
 *   0x0b8/0x0bc SHMBaseLow/High        R  0xffffffff
 *   0x0fc ConfigGeneration   R  changes when the device's config changes
 *   0x100 + n               RW  device config space, n < config_size
 * Registers below 0x100 take only 4-byte accesses at their offset; config
 * space takes 1-, 2- and 4-byte accesses aligned to their size.
 *
 * Status state machine. Writing 0 resets the device and the transport:
 * every queue, feature word and selector, InterruptStatus (the interrupt
 * is lowered) and the status itself. Any other write must keep every bit
 * already set (a driver never clears a bit) and set bits only in the order
 * ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK (several may be set in one
 * write); FAILED may be set at any time; DEVICE_NEEDS_RESET is the
 * device's bit and is ignored in writes. Setting FEATURES_OK negotiates:
 * the acked set must be offered, must contain VIRTIO_F_VERSION_1 and must
 * be accepted by the device (ack_features); otherwise FEATURES_OK (and a
 * DRIVER_OK in the same write) stays clear and the write returns
 * -EOPNOTSUPP. Setting DRIVER_OK activates the device. After
 * DEVICE_NEEDS_RESET or FAILED the device gets no more notifications until
 * the driver writes 0.
 *
 * Queue registers (QueueNum, QueueDesc*, QueueDriver*, QueueDevice*) are
 * writable only while the selected queue is not ready and DRIVER_OK is
 * clear; QueueReady only while DRIVER_OK is clear. Writing 1 to QueueReady
 * validates the layout through cvmm_vq_enable(); a layout it refuses
 * leaves the queue not ready, sets DEVICE_NEEDS_RESET and returns its
 * errno. Writing 0 makes the queue not ready (and forgets its state).
 * QueueSel is checked against the device's queue count on every use, so
 * an out-of-range value never indexes anything: its queue registers read
 * 0 and writes to them are ignored (-ERANGE).
 *
 * Errors. Every guest access is total: it never crashes, allocates or
 * blocks; a refused access changes nothing (a refused read stores zeros)
 * and returns one of these, for the VMM to count or log:
 *   -EINVAL     an access size other than 1, 2 or 4 (or not 4 below
 *               0x100); a NULL data pointer; QueueReady written with a
 *               value other than 0 or 1;
 *   -EDOM       a config access not aligned to its size, or a register
 *               access not at the register's offset;
 *   -ENXIO      no register or config byte decodes the offset (holes, the
 *               legacy registers, config space past config_size);
 *   -EACCES     a write to a read-only register or a read of a write-only
 *               one (reads as 0); a config write the device refuses;
 *   -ERANGE     a write to a queue register, or a QueueNotify, for a queue
 *               the device does not have;
 *   -EPERM      a write the current state forbids (queue registers of a
 *               ready queue or after DRIVER_OK, DriverFeatures after
 *               FEATURES_OK), or a notification before DRIVER_OK;
 *   -EALREADY   QueueReady = 1 on a ready queue;
 *   -EPROTO     a status write that clears a bit or skips a step;
 *   -EOPNOTSUPP features refused at FEATURES_OK;
 *   -EIO        a notification while DEVICE_NEEDS_RESET or FAILED is set
 *               (or the device failed to activate);
 *   -ENODEV     a notification for a queue that is not ready (ignored);
 *   -EBUSY      a re-entrant call (below);
 *   the errno of cvmm_vq_enable() for a refused queue layout, and the
 *   device's errno when its activate or notify fails.
 *
 * Interrupts. irq(arg, true, status) is called each time the transport sets
 * a bit in InterruptStatus (even if it was already set, so an edge-triggered
 * irqfd can be signalled every time); irq(arg, false, 0) when the driver's
 * InterruptACK or a reset clears the last bit (lower a level-triggered
 * line). A used-buffer interrupt is raised only when the queue says the
 * driver wants one (notification suppression, VIRTIO_F_EVENT_IDX).
 *
 * Notifications from an ioeventfd. A VMM that registers an ioeventfd on
 * QueueNotify (window base + 0x50, datamatch the queue index) calls
 * cvmm_vdev_mmio_notify() from the eventfd's handler: the same entry point
 * a QueueNotify write uses.
 *
 * Work left over. A device serves a bounded amount of work per
 * notification; when it stops with chains left it tells the transport
 * (queue_pending in cvmm/vdev.h). After each notification or register
 * write, the VMM asks cvmm_vdev_mmio_take_pending() and notifies those
 * queues again later, after its other events (e.g. by signalling the
 * queue's own ioeventfd): the driver may never notify for those chains.
 *
 * Re-entrancy. While the transport is inside any call (a register access,
 * a notification, save or restore) it is busy; callbacks it makes (the
 * device's ops, the irq callback, the queues' log callback) run while it
 * is busy, and every entry point called from them returns -EBUSY and
 * changes nothing (a read stores zeros). So a device or VMM callback that
 * touches the transport can never see or leave it half-updated. A device
 * reporting to the transport through its host ops (struct cvmm_vdev_host)
 * is not a re-entry: that is how a device signals work from inside
 * notify(), and it is also allowed from outside (a device with its own
 * event source).
 *
 * A callback must never destroy the transport it was called from.
 *
 * Concurrency. One thread at a time per transport (the VMM serializes the
 * vCPU's MMIO exits and the event loop's notifications, e.g. one lock per
 * device); the guest runs concurrently and is never trusted.
 *
 * Ownership. cvmm_vdev_mmio_create() allocates the transport and its
 * queues; cvmm_vdev_mmio_destroy() resets the device and frees them. The
 * device and the guest memory's backend are borrowed and must outlive the
 * transport.
 */
#ifndef CVMM_VDEV_MMIO_H
#define CVMM_VDEV_MMIO_H

#include <cvmm/vdev.h>

/* Size of the register window a VMM maps for one transport. */
#define CVMM_VDEV_MMIO_WINDOW 0x1000u

/* Register offsets. */
#define CVMM_VDEV_MMIO_MAGIC_VALUE	   0x000u
#define CVMM_VDEV_MMIO_VERSION		   0x004u
#define CVMM_VDEV_MMIO_DEVICE_ID	   0x008u
#define CVMM_VDEV_MMIO_VENDOR_ID	   0x00cu
#define CVMM_VDEV_MMIO_DEVICE_FEATURES	   0x010u
#define CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL 0x014u
#define CVMM_VDEV_MMIO_DRIVER_FEATURES	   0x020u
#define CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL 0x024u
#define CVMM_VDEV_MMIO_QUEUE_SEL	   0x030u
#define CVMM_VDEV_MMIO_QUEUE_NUM_MAX	   0x034u
#define CVMM_VDEV_MMIO_QUEUE_NUM	   0x038u
#define CVMM_VDEV_MMIO_QUEUE_READY	   0x044u
#define CVMM_VDEV_MMIO_QUEUE_NOTIFY	   0x050u
#define CVMM_VDEV_MMIO_INTERRUPT_STATUS	   0x060u
#define CVMM_VDEV_MMIO_INTERRUPT_ACK	   0x064u
#define CVMM_VDEV_MMIO_STATUS		   0x070u
#define CVMM_VDEV_MMIO_QUEUE_DESC_LOW	   0x080u
#define CVMM_VDEV_MMIO_QUEUE_DESC_HIGH	   0x084u
#define CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW	   0x090u
#define CVMM_VDEV_MMIO_QUEUE_DRIVER_HIGH   0x094u
#define CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW	   0x0a0u
#define CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH   0x0a4u
#define CVMM_VDEV_MMIO_SHM_SEL		   0x0acu
#define CVMM_VDEV_MMIO_SHM_LEN_LOW	   0x0b0u
#define CVMM_VDEV_MMIO_SHM_LEN_HIGH	   0x0b4u
#define CVMM_VDEV_MMIO_SHM_BASE_LOW	   0x0b8u
#define CVMM_VDEV_MMIO_SHM_BASE_HIGH	   0x0bcu
#define CVMM_VDEV_MMIO_CONFIG_GENERATION   0x0fcu
#define CVMM_VDEV_MMIO_CONFIG		   0x100u

#define CVMM_VDEV_MMIO_MAGIC 0x74726976u

/* InterruptStatus bits. */
#define CVMM_VDEV_MMIO_INT_VRING  1u
#define CVMM_VDEV_MMIO_INT_CONFIG 2u

/* Interrupt callback (see "Interrupts" above). */
typedef void (*cvmm_vdev_irq_fn)(void *arg, bool level, uint32_t status);

struct cvmm_vdev_mmio_config {
	/* The device (borrowed; must outlive the transport). */
	struct cvmm_vdev device;
	/* What VendorID reads. */
	uint32_t vendor_id;
	/* Interrupt callback, or NULL for none. */
	cvmm_vdev_irq_fn irq;
	void *irq_arg;
	/* Queue violation reports and their rate limit, passed to every queue
	 * (see struct cvmm_vq_config); queue i gets index i. */
	cvmm_vq_log_fn log;
	void *log_arg;
	uint32_t log_burst;
	uint64_t log_interval_ns;
	cvmm_vq_clock_fn clock;
	void *clock_arg;
	/* CVMM_VQ_CFG_* flags for every queue. */
	uint32_t queue_flags;
};

/* A queue's registers and state, for snapshots. */
struct cvmm_vdev_mmio_queue_state {
	/* What the driver wrote (kept for a queue that is not ready). */
	uint32_t num;
	uint64_t desc;
	uint64_t driver;
	uint64_t device;
	/* The queue itself (see cvmm_vq_save()). */
	struct cvmm_vq_state vq;
};

/* The transport's state, for snapshots (see cvmm_vdev_mmio_save()). */
struct cvmm_vdev_mmio_state {
	uint32_t status;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint64_t driver_features;
	/* The driver wrote a non-zero word past bit 63 (refused at
	 * FEATURES_OK). */
	bool driver_features_extra;
	uint32_t queue_sel;
	uint32_t shm_sel;
	uint32_t interrupt_status;
	uint32_t config_generation;
	uint32_t num_queues;
	struct cvmm_vdev_mmio_queue_state queues[CVMM_VDEV_MAX_QUEUES];
	/* The device's own state (its save op). */
	uint32_t device_len;
	uint8_t device[CVMM_VDEV_STATE_MAX];
};

struct cvmm_vdev_mmio;

/*
 * Create a transport around config->device, reading guest memory through
 * *mem (copied; its backend is borrowed). Asks the device for its info and
 * validates it, and creates its queues. -EINVAL for a NULL argument, a
 * device op missing or an invalid device info; -ENOMEM. *out is set only
 * on success.
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_mmio_create(const struct cvmm_mem *mem,
		      const struct cvmm_vdev_mmio_config *config,
		      struct cvmm_vdev_mmio **out);

/* Reset the device and free the transport (NULL is allowed). */
void cvmm_vdev_mmio_destroy(struct cvmm_vdev_mmio *t);

/*
 * A guest read of len bytes at offset in the window: stores the register's
 * little-endian bytes into data[0..len). Refused reads store zeros into
 * data[0..len) when len is at most 8 (a KVM MMIO exit's data) and return
 * the errno listed at the top of this file.
 */
CVMM_VDEV_MUST_CHECK int cvmm_vdev_mmio_read(struct cvmm_vdev_mmio *t,
					     uint64_t offset, uint8_t *data,
					     uint32_t len);

/* A guest write of data[0..len) (little-endian) at offset in the window. */
CVMM_VDEV_MUST_CHECK int cvmm_vdev_mmio_write(struct cvmm_vdev_mmio *t,
					      uint64_t offset,
					      const uint8_t *data,
					      uint32_t len);

/*
 * A notification for queue: what a QueueNotify write of that index does,
 * for an ioeventfd handler. -ERANGE, -EPERM, -EIO, -EBUSY as listed above;
 * the device's errno if it fails (the transport then needs a reset).
 */
CVMM_VDEV_MUST_CHECK int cvmm_vdev_mmio_notify(struct cvmm_vdev_mmio *t,
					       uint32_t queue);

/* The device status register. */
uint32_t cvmm_vdev_mmio_status(const struct cvmm_vdev_mmio *t);

/* The InterruptStatus register. */
uint32_t cvmm_vdev_mmio_interrupt_status(const struct cvmm_vdev_mmio *t);

/* The queues (bit i: queue i) the device stopped serving with chains left
 * since the last call, cleared by the call; a reset clears them too. A
 * restore that activates the device marks every ready queue (the snapshot
 * does not record what was left). */
uint32_t cvmm_vdev_mmio_take_pending(struct cvmm_vdev_mmio *t);

/* The negotiated features (0 until FEATURES_OK is set). */
uint64_t cvmm_vdev_mmio_features(const struct cvmm_vdev_mmio *t);

/* Queue i of the device (borrowed from the transport), or NULL if the
 * device has no queue i. */
struct cvmm_vq *cvmm_vdev_mmio_queue(const struct cvmm_vdev_mmio *t,
				     uint32_t i);

/*
 * Save the transport's state and its device's into *state. -EINPROGRESS if a
 * queue has chains in flight; -EIO if a queue is broken; the device's save
 * errno; -EBUSY when re-entered. Changes nothing.
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_mmio_save(struct cvmm_vdev_mmio *t,
		    struct cvmm_vdev_mmio_state *state);

/*
 * Restore a saved state, validating every field: known status bits in a
 * valid order, negotiated features that negotiation would accept, interrupt
 * bits, the queue count, each queue (a ready one only with FEATURES_OK,
 * with the layout its registers hold and the negotiated features) through
 * cvmm_vq_restore(), the device's blob through its restore op; then
 * activates the device if DRIVER_OK is set (and neither FAILED nor
 * DEVICE_NEEDS_RESET). -EINVAL (or the queue's or the device's errno) for
 * an invalid state; on any failure the transport and the device are left
 * reset. -EBUSY when re-entered (nothing changes).
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_mmio_restore(struct cvmm_vdev_mmio *t,
		       const struct cvmm_vdev_mmio_state *state);

#endif
