/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio devices (--disk, --net, --rng, --console), each a
 * virtio-devices device behind its own cvmm_vdev_mmio transport.
 *
 * Machine. Devices are numbered in the order disks (as given), net, rng,
 * console. Device i has the 4 KiB window at RVMM_VIRTIO_BASE + i * 0x1000
 * (in the MMIO hole below the IOAPIC) and the IOAPIC pin rvmm_virtio_gsi(i):
 * 5, 6, 7, then 9 to 23 (pins 0 and 2 are the timer's, 1 the i8042's, 4
 * COM1's, 8 the RTC's, and acpi-tables refuses to share them), so there
 * are at most RVMM_VIRTIO_MAX devices. The DSDT lists each (LNRO0005) with
 * its window and pin: rvmm_virtio_plan() is what loader.c describes and
 * what rvmm_virtio_attach() builds.
 *
 * Paths of a guest access:
 *   - register reads and writes exit to a vCPU thread (KVM_EXIT_MMIO), go
 *     through the MMIO bus to the transport under the device's lock;
 *     refused accesses are counted and logged, rate-limited, never fatal;
 *   - QueueNotify writes of a queue's index never exit: a KVM ioeventfd
 *     per queue (4 bytes at window + 0x50, datamatch the index) wakes the
 *     main thread's event loop, which calls cvmm_vdev_mmio_notify() under
 *     the device's lock (the block device's file I/O runs there too); a
 *     device that stops at its bound of work with chains left gets that
 *     queue's eventfd signalled by the VMM, so the loop comes back to it;
 *   - interrupts: the transport's irq callback writes the device's irqfd
 *     (KVM_IRQFD on its GSI, edge-triggered) on every raise;
 *   - the net device's tap is polled by the event loop only while the
 *     device wants frames (its rx_wanted callback, which may run on a
 *     vCPU thread, records the answer and wakes the loop through an
 *     eventfd; the loop changes the poll): when the guest has no receive
 *     buffer, frames wait in the host's tap queue.
 * A device that fails (DEVICE_NEEDS_RESET) is logged once per failure and
 * stays failed until the guest resets it; the VMM keeps running.
 *
 * Set-up is in two steps so that every refusal of a file comes before KVM
 * is opened: rvmm_virtio_open() opens the disks, the console's file and
 * the tap (created if it does not exist: TUNSETIFF, CAP_NET_ADMIN);
 * rvmm_virtio_attach() creates the devices, transports, eventfds and KVM
 * registrations. Neither is undone on failure: rvmm_virtio_destroy() frees
 * whatever exists.
 *
 * Ownership. struct rvmm_virtio owns its devices, transports and every
 * descriptor it opened; the options, guest memory, bus and VM are
 * borrowed and must outlive it (destroy it before the VM).
 */
#ifndef RVMM_VIRTIO_H
#define RVMM_VIRTIO_H

#include "err.h"
#include "options.h"

#include <cvmm/acpi.h>
#include <cvmm/dev-bus.h>
#include <cvmm/kvm.h>
#include <cvmm/mem.h>
#include <cvmm/sys-ratelimit.h>
#include <cvmm/vdev-block.h>
#include <cvmm/vdev-console.h>
#include <cvmm/vdev-mmio.h>
#include <cvmm/vdev-net-tap.h>
#include <cvmm/vdev-net.h>
#include <cvmm/vdev-rng.h>

#include <pthread.h>

#define RVMM_VIRTIO_BASE   0xd0000000ull
#define RVMM_VIRTIO_STRIDE 0x1000ull
/* The first IOAPIC pin for virtio devices. */
#define RVMM_VIRTIO_GSI_FIRST 5u
/* virtio-net's MAC: locally administered, "CVMM", then the device's
 * number. */
#define RVMM_VIRTIO_MAC_PREFIX                                                 \
	{                                                                      \
		0x02, 0x43, 0x56, 0x4d, 0x4d                                   \
	}

/* What an event-loop descriptor of a device is (the loop's 64-bit value:
 * device << 32 | kind << 16 | queue). */
enum rvmm_virtio_fd_kind {
	RVMM_VIRTIO_FD_NOTIFY,	/* a queue's ioeventfd */
	RVMM_VIRTIO_FD_TAP,	/* the net device's tap */
	RVMM_VIRTIO_FD_RX_KICK, /* the net device changed rx_wanted */
};
#define RVMM_VIRTIO_EV(dev, kind, queue)                                       \
	((uint64_t)(dev) << 32 | (uint64_t)(kind) << 16 | (uint64_t)(queue))

enum rvmm_vdev_kind {
	RVMM_VDEV_BLOCK,
	RVMM_VDEV_NET,
	RVMM_VDEV_RNG,
	RVMM_VDEV_CONSOLE,
};

/* Where device i lives and what it is. */
struct rvmm_vdev_slot {
	enum rvmm_vdev_kind kind;
	uint32_t disk; /* RVMM_VDEV_BLOCK: index in o->disks */
	uint64_t base;
	uint32_t gsi;
};

struct rvmm_virtio;

/* One device, its transport and its wiring. */
struct rvmm_vdev {
	struct rvmm_virtio *owner;
	struct rvmm_vdev_slot slot;
	char name[40]; /* "virtio-blk@0xd0000000", for messages */
	pthread_mutex_t lock;
	bool lock_ready;
	struct cvmm_vdev_mmio *transport;
	struct cvmm_vdev_block *blk;
	struct cvmm_vdev_rng *rng;
	struct cvmm_vdev_console *con;
	struct cvmm_vdev_net *net;
	/* net: the tap (fd -1: none); the device's wish to get frames
	 * (rx_wanted, under the lock) and the eventfd that tells the loop it
	 * changed. */
	struct cvmm_vdev_net_tap tap;
	bool rx_wanted;
	int rx_kick_fd;
	bool tap_dead;	 /* the tap reported an error: no longer polled */
	int file_fd;	 /* the disk, or the console's output file */
	bool out_failed; /* a console write failed: discard from now on */
	int irqfd;
	uint32_t nqueues;
	int notify_fd[CVMM_VDEV_MAX_QUEUES];
	/* Notifications served from the queues' eventfds (the guest's
	 * through KVM, and the VMM's own re-signals for pending chains);
	 * refused guest accesses and
	 * notifications; times the device failed; irqfd writes that
	 * failed (never expected). */
	uint64_t notifications, errors, failures, irq_lost;
	bool failed; /* DEVICE_NEEDS_RESET reported, not yet reset */
	/* Logs, rate-limited: refused accesses, and failures apart so that
	 * a flood of refusals cannot hide them. */
	struct cvmm_sys_ratelimit log, fail_log;
};

struct rvmm_virtio {
	const struct rvmm_options *opts;
	struct cvmm_dev_bus *mmio; /* borrowed */
	uint32_t count;
	struct rvmm_vdev dev[RVMM_VIRTIO_MAX];
};

/* The IOAPIC pin of device i (i < RVMM_VIRTIO_MAX). */
uint32_t rvmm_virtio_gsi(uint32_t i);

/*
 * The devices the options ask for, in order, into out[0..RVMM_VIRTIO_MAX);
 * returns how many (the options parser caps it at RVMM_VIRTIO_MAX).
 */
uint32_t rvmm_virtio_plan(const struct rvmm_options *o,
			  struct rvmm_vdev_slot out[RVMM_VIRTIO_MAX]);

/* The same as ACPI's device list, for the DSDT. */
uint32_t rvmm_virtio_acpi(const struct rvmm_options *o,
			  struct cvmm_acpi_virtio_mmio out[RVMM_VIRTIO_MAX]);

/*
 * Open what the devices need from the host, with a message naming the
 * option and the file for each refusal: a disk that cannot be opened (as
 * asked: read-write, or read-only with ,ro), that is not a regular file or
 * block device, or whose size is not a multiple of 512 bytes (refused,
 * not rounded down: the guest would never see the tail); the console's
 * file (opened for appending, created if missing).
 */
RVMM_MUST_CHECK int rvmm_virtio_open(struct rvmm_virtio *v,
				     const struct rvmm_options *o,
				     struct rvmm_err *e);

/*
 * Create every device and its transport over mem, put its window on the
 * MMIO bus, and register its ioeventfds and irqfd with vm.
 */
RVMM_MUST_CHECK int rvmm_virtio_attach(struct rvmm_virtio *v,
				       struct cvmm_kvm_vm *vm,
				       const struct cvmm_mem *mem,
				       struct cvmm_dev_bus *mmio,
				       struct rvmm_err *e);

/*
 * The event loop's part: a notification for queue of device dev (after
 * its eventfd was read).
 */
void rvmm_virtio_notify(struct rvmm_virtio *v, uint32_t dev, uint32_t queue);

/*
 * The net device dev: whether its tap should be polled now (the device
 * wants frames and the tap works; after its rx-kick eventfd was read).
 */
bool rvmm_virtio_net_wanted(struct rvmm_virtio *v, uint32_t dev);

/*
 * The tap of net device dev is readable (broken: it reported an error or
 * hang-up, and is given up). false when the tap must no longer be polled.
 */
bool rvmm_virtio_net_readable(struct rvmm_virtio *v, uint32_t dev, bool broken);

/*
 * One line per device on stderr, when the VM has ended: its GSI and
 * counters (notifications, refused accesses, failures).
 */
void rvmm_virtio_report(const struct rvmm_virtio *v);

void rvmm_virtio_destroy(struct rvmm_virtio *v);

#endif
