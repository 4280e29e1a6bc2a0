/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "virtio.h"

#include <cvmm/sys-eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Logs: 10 messages, then one a second, per device. */
#define LOG_BURST	10u
#define LOG_INTERVAL_NS 1000000000ull

/* ---- the plan: what goes where ---- */

uint32_t rvmm_virtio_gsi(uint32_t i)
{
	uint32_t gsi = RVMM_VIRTIO_GSI_FIRST + i;

	/* Pin 8 is the RTC's (edge-triggered pins cannot be shared). */
	return gsi >= 8 ? gsi + 1 : gsi;
}

uint32_t rvmm_virtio_plan(const struct rvmm_options *o,
			  struct rvmm_vdev_slot out[RVMM_VIRTIO_MAX])
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < o->ndisks && n < RVMM_VIRTIO_MAX; i++)
		out[n++] =
		    (struct rvmm_vdev_slot){.kind = RVMM_VDEV_BLOCK, .disk = i};
	if (o->net_tap && n < RVMM_VIRTIO_MAX)
		out[n++] = (struct rvmm_vdev_slot){.kind = RVMM_VDEV_NET};
	if (o->rng && n < RVMM_VIRTIO_MAX)
		out[n++] = (struct rvmm_vdev_slot){.kind = RVMM_VDEV_RNG};
	if (o->vconsole != RVMM_VCONSOLE_OFF && n < RVMM_VIRTIO_MAX)
		out[n++] = (struct rvmm_vdev_slot){.kind = RVMM_VDEV_CONSOLE};
	for (uint32_t i = 0; i < n; i++) {
		out[i].base = RVMM_VIRTIO_BASE + i * RVMM_VIRTIO_STRIDE;
		out[i].gsi = rvmm_virtio_gsi(i);
	}
	return n;
}

uint32_t rvmm_virtio_acpi(const struct rvmm_options *o,
			  struct cvmm_acpi_virtio_mmio out[RVMM_VIRTIO_MAX])
{
	struct rvmm_vdev_slot slots[RVMM_VIRTIO_MAX];
	uint32_t n = rvmm_virtio_plan(o, slots);

	for (uint32_t i = 0; i < n; i++)
		out[i] = (struct cvmm_acpi_virtio_mmio){
		    .base = slots[i].base,
		    .size = RVMM_VIRTIO_STRIDE,
		    .gsi = slots[i].gsi,
		};
	return n;
}

static const char *kind_name(enum rvmm_vdev_kind k)
{
	switch (k) {
	case RVMM_VDEV_BLOCK:
		return "virtio-blk";
	case RVMM_VDEV_NET:
		return "virtio-net";
	case RVMM_VDEV_RNG:
		return "virtio-rng";
	case RVMM_VDEV_CONSOLE:
		return "virtio-console";
	}
	return "virtio";
}

/* ---- logging ---- */

static void log_sink(void *ctx, const char *msg)
{
	const struct rvmm_vdev *d = ctx;

	(void)fprintf(stderr, "reference-vmm: %s: %s\n", d->name, msg);
}

/* A queue's violation report (the queue rate-limits its own). */
static void queue_log(void *arg, int err, const char *msg)
{
	(void)err;
	log_sink(arg, msg);
}

/*
 * After anything that may have failed the device: report a new
 * DEVICE_NEEDS_RESET once, and notice the guest's reset. Called with the
 * device's lock held.
 */
static void check_failed(struct rvmm_vdev *d, int rc)
{
	bool failed = (cvmm_vdev_mmio_status(d->transport) &
		       CVMM_VDEV_S_DEVICE_NEEDS_RESET) != 0;

	if (failed && !d->failed) {
		d->failures++;
		cvmm_sys_ratelimit_log(&d->fail_log, log_sink, d,
				       "device needs reset (%s); it stays "
				       "stopped until the guest resets it",
				       rc ? strerror(-rc) : "device error");
	}
	d->failed = failed;
}

/* ---- callbacks (called with the device's lock held) ---- */

static void irq(void *arg, bool level, uint32_t status)
{
	struct rvmm_vdev *d = arg;

	(void)status;
	/* Edge-triggered: signal every raise, nothing on the fall. */
	if (level && cvmm_sys_eventfd_write(d->irqfd, 1) != 0)
		d->irq_lost++;
}

/* The net device's answer changed: tell the loop (maybe from a vCPU). */
static void net_rx_wanted(void *arg, bool wanted)
{
	struct rvmm_vdev *d = arg;

	d->rx_wanted = wanted;
	if (cvmm_sys_eventfd_write(d->rx_kick_fd, 1) != 0) {
		/* Only a saturated counter fails: the loop is woken anyway. */
	}
}

static int console_sink(void *arg, const uint8_t *buf, size_t len)
{
	struct rvmm_vdev *d = arg;
	size_t done = 0;

	if (d->file_fd < 0 || d->out_failed)
		return 0;
	while (done < len) {
		ssize_t n = write(d->file_fd, buf + done, len - done);

		/* As COM1: a reader that went away (or a full disk) loses
		 * the guest's output, never stalls or stops the guest; a
		 * reader that is slow (EAGAIN) loses what does not fit. */
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return -EAGAIN;
			d->out_failed = true;
			return n < 0 ? -errno : -EIO;
		}
		done += (size_t)n;
	}
	return 0;
}

/*
 * Queues the device stopped serving at its bound of work with chains left:
 * signal their ioeventfds, so the event loop serves them again after its
 * other events (the guest may never notify for those chains). With the
 * device's lock held.
 */
static void requeue_pending(struct rvmm_vdev *d)
{
	uint32_t pending = cvmm_vdev_mmio_take_pending(d->transport);

	for (uint32_t q = 0; q < d->nqueues; q++)
		if ((pending >> q & 1) != 0 &&
		    cvmm_sys_eventfd_write(d->notify_fd[q], 1) != 0)
			d->errors++;
}

/* ---- the bus: guest register accesses ---- */

static void window_read(void *ctx, uint64_t base, uint64_t offset,
			uint8_t *data, size_t size)
{
	struct rvmm_vdev *d = ctx;
	int rc;

	(void)base;
	pthread_mutex_lock(&d->lock);
	rc = cvmm_vdev_mmio_read(d->transport, offset, data, (uint32_t)size);
	if (rc) {
		d->errors++;
		cvmm_sys_ratelimit_log(&d->log, log_sink, d,
				       "refused read at +0x%" PRIx64
				       ", %zu bytes: %s",
				       offset, size, strerror(-rc));
	}
	pthread_mutex_unlock(&d->lock);
}

static uint64_t le_value(const uint8_t *data, size_t size)
{
	uint64_t v = 0;

	for (size_t i = size; i-- > 0;)
		v = v << 8 | data[i];
	return v;
}

static void window_write(void *ctx, uint64_t base, uint64_t offset,
			 const uint8_t *data, size_t size)
{
	struct rvmm_vdev *d = ctx;
	int rc;

	(void)base;
	pthread_mutex_lock(&d->lock);
	rc = cvmm_vdev_mmio_write(d->transport, offset, data, (uint32_t)size);
	if (rc) {
		d->errors++;
		cvmm_sys_ratelimit_log(&d->log, log_sink, d,
				       "refused write at +0x%" PRIx64
				       ", %zu bytes, value 0x%" PRIx64 ": %s",
				       offset, size, le_value(data, size),
				       strerror(-rc));
	}
	check_failed(d, rc);
	requeue_pending(d);
	pthread_mutex_unlock(&d->lock);
}

static const struct cvmm_dev_ops window_ops = {.read = window_read,
					       .write = window_write};

void rvmm_virtio_notify(struct rvmm_virtio *v, uint32_t dev, uint32_t queue)
{
	struct rvmm_vdev *d;
	int rc;

	if (dev >= v->count)
		return;
	d = &v->dev[dev];
	pthread_mutex_lock(&d->lock);
	d->notifications++;
	rc = cvmm_vdev_mmio_notify(d->transport, queue);
	/* -ENODEV: a queue the driver has not enabled (ignored, as a
	 * QueueNotify write is); -EIO: the device already failed. */
	if (rc && rc != -ENODEV && rc != -EIO) {
		d->errors++;
		cvmm_sys_ratelimit_log(&d->log, log_sink, d,
				       "notification of queue %u: %s", queue,
				       strerror(-rc));
	}
	check_failed(d, rc);
	requeue_pending(d);
	pthread_mutex_unlock(&d->lock);
}

bool rvmm_virtio_net_wanted(struct rvmm_virtio *v, uint32_t dev)
{
	struct rvmm_vdev *d;
	bool wanted;

	if (dev >= v->count)
		return false;
	d = &v->dev[dev];
	pthread_mutex_lock(&d->lock);
	wanted = d->rx_wanted && !d->tap_dead;
	pthread_mutex_unlock(&d->lock);
	return wanted;
}

bool rvmm_virtio_net_readable(struct rvmm_virtio *v, uint32_t dev, bool broken)
{
	struct rvmm_vdev *d;
	int rc;

	if (dev >= v->count || !v->dev[dev].net)
		return false;
	d = &v->dev[dev];
	pthread_mutex_lock(&d->lock);
	if (broken) {
		/* The interface went away (or errs): the guest's link is
		 * dead, the VMM goes on. */
		d->tap_dead = true;
		cvmm_sys_ratelimit_log(&d->fail_log, log_sink, d,
				       "tap %s reports an error or hang-up: "
				       "no longer read",
				       d->tap.name);
		pthread_mutex_unlock(&d->lock);
		return false;
	}
	rc = cvmm_vdev_net_backend_readable(d->net);
	/* -ENODEV, -EIO: not active, or failed (the loop stops polling when
	 * the device says so); a queue's errno fails the device. */
	if (rc && rc != -ENODEV && rc != -EIO) {
		d->errors++;
		cvmm_sys_ratelimit_log(&d->log, log_sink, d,
				       "receiving from tap %s: %s", d->tap.name,
				       strerror(-rc));
	}
	check_failed(d, rc);
	pthread_mutex_unlock(&d->lock);
	return true;
}

/* ---- set-up ---- */

static void vdev_init(struct rvmm_vdev *d, struct rvmm_virtio *v,
		      const struct rvmm_vdev_slot *slot)
{
	memset(d, 0, sizeof(*d));
	d->owner = v;
	d->slot = *slot;
	d->file_fd = d->irqfd = d->rx_kick_fd = d->tap.fd = -1;
	for (uint32_t q = 0; q < CVMM_VDEV_MAX_QUEUES; q++)
		d->notify_fd[q] = -1;
	(void)snprintf(d->name, sizeof(d->name), "%s@0x%" PRIx64,
		       kind_name(slot->kind), slot->base);
	cvmm_sys_ratelimit_init(&d->log, LOG_BURST, LOG_INTERVAL_NS, NULL,
				NULL);
	cvmm_sys_ratelimit_init(&d->fail_log, LOG_BURST, LOG_INTERVAL_NS, NULL,
				NULL);
}

static int open_disk(struct rvmm_vdev *d, const struct rvmm_disk *disk,
		     struct rvmm_err *e)
{
	char path[RVMM_PATH_MAX];
	struct stat st;
	off_t size;

	/* The parser keeps path_len below RVMM_PATH_MAX. */
	memcpy(path, disk->path, disk->path_len);
	path[disk->path_len] = '\0';
	d->file_fd =
	    open(path, (disk->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->file_fd < 0)
		return rvmm_fail(
		    e, -errno, "--disk %s: %s%s", path, strerror(errno),
		    errno == EACCES || errno == EROFS
			? (disk->read_only ? ""
					   : " (add ,ro for a read-only disk)")
			: "");
	if (fstat(d->file_fd, &st) != 0)
		return rvmm_fail(e, -errno, "--disk %s: %s", path,
				 strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return rvmm_fail(e, -EINVAL,
				 "--disk %s: not a regular file or a block "
				 "device",
				 path);
	/* A block device's size is only known by seeking to its end. */
	size = lseek(d->file_fd, 0, SEEK_END);
	if (size < 0)
		return rvmm_fail(e, -errno, "--disk %s: %s", path,
				 strerror(errno));
	if (size % CVMM_VDEV_BLK_SECTOR != 0)
		return rvmm_fail(e, -EINVAL,
				 "--disk %s: size %lld bytes is not a multiple "
				 "of %u (refused rather than rounded down)",
				 path, (long long)size, CVMM_VDEV_BLK_SECTOR);
	return 0;
}

static int open_console(struct rvmm_vdev *d, const struct rvmm_options *o,
			struct rvmm_err *e)
{
	struct stat st;

	if (o->vconsole == RVMM_VCONSOLE_STDOUT) {
		/* The console writes from the event loop, which must never
		 * block on a reader that stalls: a pipe or a terminal gets an
		 * open file description of its own, non-blocking (output that
		 * does not fit is lost, as the guest's output may be),
		 * leaving COM1's stdout as it is. A regular file (which does
		 * not stall) or a socket (which cannot be reopened) is
		 * shared. */
		if (fstat(STDOUT_FILENO, &st) == 0 && !S_ISREG(st.st_mode))
			d->file_fd =
			    open("/proc/self/fd/1",
				 O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (d->file_fd < 0)
			d->file_fd = dup(STDOUT_FILENO);
		if (d->file_fd < 0)
			return rvmm_fail(e, -errno, "--console stdout: %s",
					 strerror(errno));
	} else if (o->vconsole == RVMM_VCONSOLE_FILE) {
		d->file_fd =
		    open(o->vconsole_path,
			 O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (d->file_fd < 0)
			return rvmm_fail(e, -errno, "--console file:%s: %s",
					 o->vconsole_path, strerror(errno));
		/* A FIFO or a terminal: never block the event loop (the
		 * description is ours alone). */
		if (fstat(d->file_fd, &st) == 0 && !S_ISREG(st.st_mode) &&
		    fcntl(d->file_fd, F_SETFL,
			  O_WRONLY | O_APPEND | O_NONBLOCK) != 0)
			return rvmm_fail(e, -errno, "--console file:%s: %s",
					 o->vconsole_path, strerror(errno));
	}
	return 0;
}

static int open_tap(struct rvmm_vdev *d, const struct rvmm_options *o,
		    struct rvmm_err *e)
{
	int rc = cvmm_vdev_net_tap_open(o->net_tap, &d->tap);

	if (rc)
		return rvmm_fail(
		    e, rc, "--net tap=%s: %s%s", o->net_tap, strerror(-rc),
		    rc == -EPERM || rc == -EACCES
			? " (creating or attaching a tap needs CAP_NET_ADMIN)"
		    : rc == -ENOENT ? " (" CVMM_VDEV_NET_TUN_PATH
				      ": no tun support?)"
		    : rc == -EBUSY  ? " (another process holds the interface)"
		    : rc == -EINVAL ? " (is it a tap interface?)"
				    : "");
	return 0;
}

int rvmm_virtio_open(struct rvmm_virtio *v, const struct rvmm_options *o,
		     struct rvmm_err *e)
{
	struct rvmm_vdev_slot slots[RVMM_VIRTIO_MAX];
	int rc = 0;

	memset(v, 0, sizeof(*v));
	v->opts = o;
	v->count = rvmm_virtio_plan(o, slots);
	for (uint32_t i = 0; i < v->count; i++)
		vdev_init(&v->dev[i], v, &slots[i]);
	for (uint32_t i = 0; i < v->count && rc == 0; i++) {
		struct rvmm_vdev *d = &v->dev[i];

		switch (d->slot.kind) {
		case RVMM_VDEV_BLOCK:
			rc = open_disk(d, &o->disks[d->slot.disk], e);
			break;
		case RVMM_VDEV_CONSOLE:
			rc = open_console(d, o, e);
			break;
		case RVMM_VDEV_NET:
			rc = open_tap(d, o, e);
			break;
		case RVMM_VDEV_RNG:
			break;
		}
	}
	return rc;
}

/* GET_ID's answer: the file's name, its first 20 bytes. */
static void disk_serial(const struct rvmm_disk *disk,
			char serial[CVMM_VDEV_BLK_ID_BYTES])
{
	const char *name = disk->path;
	size_t n;

	for (size_t i = 0; i < disk->path_len; i++)
		if (disk->path[i] == '/')
			name = disk->path + i + 1;
	n = disk->path_len - (size_t)(name - disk->path);
	memset(serial, 0, CVMM_VDEV_BLK_ID_BYTES);
	memcpy(serial, name,
	       n < CVMM_VDEV_BLK_ID_BYTES ? n : CVMM_VDEV_BLK_ID_BYTES);
}

/* The device itself; its interface into *dev. */
static int create_device(struct rvmm_vdev *d, const struct rvmm_options *o,
			 struct cvmm_vdev *dev)
{
	int rc = -EINVAL;

	switch (d->slot.kind) {
	case RVMM_VDEV_BLOCK: {
		struct cvmm_vdev_block_config c =
		    cvmm_vdev_block_default_config();
		const struct rvmm_disk *disk = &o->disks[d->slot.disk];

		c.fd = d->file_fd;
		c.read_only = disk->read_only;
		disk_serial(disk, c.serial);
		rc = cvmm_vdev_block_create(&c, &d->blk);
		if (rc == 0)
			*dev = cvmm_vdev_block_device(d->blk);
		break;
	}
	case RVMM_VDEV_RNG:
		rc = cvmm_vdev_rng_create(NULL, &d->rng);
		if (rc == 0)
			*dev = cvmm_vdev_rng_device(d->rng);
		break;
	case RVMM_VDEV_CONSOLE: {
		struct cvmm_vdev_console_config c = {.sink = console_sink,
						     .sink_arg = d,
						     .cols = 80,
						     .rows = 25};

		rc = cvmm_vdev_console_create(&c, &d->con);
		if (rc == 0)
			*dev = cvmm_vdev_console_device(d->con);
		break;
	}
	case RVMM_VDEV_NET: {
		struct cvmm_vdev_net_config c = {
		    .backend = cvmm_vdev_net_tap_backend(&d->tap),
		    .rx_wanted = net_rx_wanted,
		    .rx_wanted_arg = d,
		    .mac = RVMM_VIRTIO_MAC_PREFIX,
		};

		c.mac[5] = (uint8_t)((d->slot.base - RVMM_VIRTIO_BASE) /
				     RVMM_VIRTIO_STRIDE);
		rc = cvmm_sys_eventfd_open(0, CVMM_SYS_EVENTFD_NONBLOCK,
					   &d->rx_kick_fd);
		if (rc == 0)
			rc = cvmm_vdev_net_create(&c, &d->net);
		if (rc == 0)
			*dev = cvmm_vdev_net_device(d->net);
		break;
	}
	}
	return rc;
}

static int kvm_fail(struct rvmm_err *e, int rc, struct cvmm_kvm_vm *vm,
		    const struct rvmm_vdev *d, const char *what)
{
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	struct cvmm_kvm_error ke = cvmm_kvm_vm_last_error(vm);

	return rvmm_fail(e, rc, "%s: %s: %s", d->name, what,
			 cvmm_kvm_error_format(&ke, msg, sizeof(msg)));
}

/* irqfd on the GSI, one ioeventfd per queue on QueueNotify. */
static int wire(struct rvmm_vdev *d, struct cvmm_kvm_vm *vm, struct rvmm_err *e)
{
	int rc;

	rc = cvmm_sys_eventfd_open(0, CVMM_SYS_EVENTFD_NONBLOCK, &d->irqfd);
	if (rc)
		return rvmm_fail(e, rc, "%s: eventfd: %s", d->name,
				 strerror(-rc));
	rc = cvmm_kvm_vm_irqfd(vm, d->irqfd, d->slot.gsi);
	if (rc)
		return kvm_fail(e, rc, vm, d, "irqfd");
	for (uint32_t q = 0; q < d->nqueues; q++) {
		struct cvmm_kvm_ioeventfd ev = {
		    .space = CVMM_KVM_IO_MMIO,
		    .addr = d->slot.base + CVMM_VDEV_MMIO_QUEUE_NOTIFY,
		    .len = 4,
		    .match = true,
		    .datamatch = q,
		};

		rc = cvmm_sys_eventfd_open(0, CVMM_SYS_EVENTFD_NONBLOCK,
					   &d->notify_fd[q]);
		if (rc)
			return rvmm_fail(e, rc, "%s: eventfd: %s", d->name,
					 strerror(-rc));
		ev.fd = d->notify_fd[q];
		rc = cvmm_kvm_vm_ioeventfd(vm, &ev);
		if (rc)
			return kvm_fail(e, rc, vm, d, "ioeventfd");
	}
	return 0;
}

static int attach_one(struct rvmm_vdev *d, const struct rvmm_options *o,
		      struct cvmm_kvm_vm *vm, const struct cvmm_mem *mem,
		      struct cvmm_dev_bus *mmio, struct rvmm_err *e)
{
	struct cvmm_vdev_mmio_config tc = {0};
	struct cvmm_vdev_info info;
	int rc;

	rc = pthread_mutex_init(&d->lock, NULL);
	if (rc)
		return rvmm_fail(e, -rc, "%s: lock: %s", d->name, strerror(rc));
	d->lock_ready = true;
	rc = create_device(d, o, &tc.device);
	if (rc)
		return rvmm_fail(e, rc, "%s: %s", d->name, strerror(-rc));
	tc.vendor_id = 0x4d4d5643; /* "CVMM" */
	tc.irq = irq;
	tc.irq_arg = d;
	tc.log = queue_log;
	tc.log_arg = d;
	rc = cvmm_vdev_mmio_create(mem, &tc, &d->transport);
	if (rc)
		return rvmm_fail(e, rc, "%s: transport: %s", d->name,
				 strerror(-rc));
	tc.device.ops->info(tc.device.ctx, &info);
	d->nqueues = info.num_queues;
	rc = wire(d, vm, e);
	if (rc)
		return rc;
	rc = cvmm_dev_bus_insert(mmio, d->slot.base, RVMM_VIRTIO_STRIDE,
				 &window_ops, d);
	if (rc)
		return rvmm_fail(e, rc, "%s: MMIO window: %s", d->name,
				 cvmm_dev_strerror(rc));
	d->owner->mmio = mmio;
	return 0;
}

int rvmm_virtio_attach(struct rvmm_virtio *v, struct cvmm_kvm_vm *vm,
		       const struct cvmm_mem *mem, struct cvmm_dev_bus *mmio,
		       struct rvmm_err *e)
{
	for (uint32_t i = 0; i < v->count; i++) {
		int rc = attach_one(&v->dev[i], v->opts, vm, mem, mmio, e);

		if (rc)
			return rc;
	}
	return 0;
}

void rvmm_virtio_report(const struct rvmm_virtio *v)
{
	for (uint32_t i = 0; i < v->count; i++) {
		const struct rvmm_vdev *d = &v->dev[i];

		char extra[96] = "";

		if (d->net) {
			struct cvmm_vdev_net_stats st =
			    cvmm_vdev_net_get_stats(d->net);

			(void)snprintf(extra, sizeof(extra),
				       "; tap %s: %" PRIu64
				       " frames sent, %" PRIu64 " received",
				       d->tap.name, st.tx_frames, st.rx_frames);
		}
		(void)fprintf(stderr,
			      "reference-vmm: %s (GSI %u): %" PRIu64
			      " notifications, %" PRIu64 " refused, %" PRIu64
			      " failures%s\n",
			      d->name, d->slot.gsi, d->notifications, d->errors,
			      d->failures, extra);
	}
}

void rvmm_virtio_destroy(struct rvmm_virtio *v)
{
	for (uint32_t i = 0; i < v->count; i++) {
		struct rvmm_vdev *d = &v->dev[i];

		if (v->mmio &&
		    cvmm_dev_bus_remove(v->mmio, d->slot.base) != 0) {
			/* -ENOENT: its window never made it onto the bus. */
		}
		/* The transport first: it resets the device it borrows. */
		cvmm_vdev_mmio_destroy(d->transport);
		cvmm_vdev_block_destroy(d->blk);
		cvmm_vdev_rng_destroy(d->rng);
		cvmm_vdev_console_destroy(d->con);
		cvmm_vdev_net_destroy(d->net);
		cvmm_vdev_net_tap_close(&d->tap);
		if (d->rx_kick_fd >= 0)
			close(d->rx_kick_fd);
		for (uint32_t q = 0; q < CVMM_VDEV_MAX_QUEUES; q++)
			if (d->notify_fd[q] >= 0)
				close(d->notify_fd[q]);
		if (d->irqfd >= 0)
			close(d->irqfd);
		if (d->file_fd >= 0)
			close(d->file_fd);
		if (d->lock_ready)
			pthread_mutex_destroy(&d->lock);
	}
	memset(v, 0, sizeof(*v));
}
