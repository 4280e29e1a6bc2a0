/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "devices.h"

#include <cvmm/sys-eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- callbacks of the devices (called with d->lock held) ---- */

static void serial_irq(void *ctx, bool level)
{
	struct rvmm_devices *d = ctx;

	/* GSI 4 is edge-triggered: signal each rise. */
	if (level && cvmm_sys_eventfd_write(d->irqfd, 1) != 0)
		d->irq_lost++;
}

static size_t serial_tx(void *ctx, const uint8_t *bytes, size_t len)
{
	struct rvmm_devices *d = ctx;
	size_t done = 0;

	if (d->out_fd < 0 || d->out_failed)
		return len;
	while (done < len) {
		ssize_t n = write(d->out_fd, bytes + done, len - done);

		/* EINTR: the vCPU was kicked because the VM is ending, so
		 * a stalled reader cannot hold the VMM. Anything else: the
		 * reader went away. The guest must not care either way. */
		if (n <= 0) {
			if (n < 0 && errno != EINTR)
				d->out_failed = true;
			return len;
		}
		done += (size_t)n;
	}
	return len;
}

static void serial_rx_empty(void *ctx)
{
	struct rvmm_devices *d = ctx;

	if (d->input_len && cvmm_sys_eventfd_write(d->rx_ready_fd, 1) != 0) {
		/* Only a saturated counter fails, and the event loop's
		 * periodic retry offers the kept input anyway. */
	}
}

static void i8042_reset(void *ctx)
{
	struct rvmm_devices *d = ctx;

	d->reset(d->end_ctx);
}

static void sleep_poweroff(void *ctx)
{
	struct rvmm_devices *d = ctx;

	d->poweroff(d->end_ctx);
}

static int64_t rtc_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

static const struct cvmm_sio_serial_ops serial_ops = {
    .irq = serial_irq, .tx = serial_tx, .rx_empty = serial_rx_empty};
static const struct cvmm_sio_i8042_ops i8042_ops = {.reset = i8042_reset};
static const struct cvmm_sio_rtc_ops rtc_ops = {.now = rtc_now};

/* ---- bus handlers: byte-wide devices, one access at a time ---- */

enum which { COM1, I8042, RTC, SLEEP };

static void port_read(void *ctx, uint64_t base, uint64_t offset, uint8_t *data,
		      size_t size)
{
	const struct rvmm_port_dev *p = ctx;
	struct rvmm_devices *d = p->d;

	(void)base;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < size; i++) {
		uint64_t off = offset + i;

		if (p->which == COM1)
			data[i] = cvmm_sio_serial_read(d->serial, off);
		else if (p->which == I8042)
			data[i] = cvmm_sio_i8042_read(d->i8042, off);
		else if (p->which == SLEEP)
			data[i] = rvmm_sleep_read(&d->sleep, off);
		else
			data[i] = cvmm_sio_rtc_read(d->rtc, off);
	}
	pthread_mutex_unlock(&d->lock);
}

static void port_write(void *ctx, uint64_t base, uint64_t offset,
		       const uint8_t *data, size_t size)
{
	const struct rvmm_port_dev *p = ctx;
	struct rvmm_devices *d = p->d;

	(void)base;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < size; i++) {
		uint64_t off = offset + i;

		if (p->which == COM1)
			cvmm_sio_serial_write(d->serial, off, data[i]);
		else if (p->which == I8042)
			cvmm_sio_i8042_write(d->i8042, off, data[i]);
		else if (p->which == SLEEP)
			rvmm_sleep_write(&d->sleep, off, data[i]);
		else
			cvmm_sio_rtc_write(d->rtc, off, data[i]);
	}
	pthread_mutex_unlock(&d->lock);
}

static const struct cvmm_dev_ops port_ops = {.read = port_read,
					     .write = port_write};
/* Port 0x80: no handlers, so reads are open bus and writes vanish. */
static const struct cvmm_dev_ops ignored_ops = {NULL, NULL};

/* ---- set-up ---- */

static int open_output(struct rvmm_devices *d, const struct rvmm_options *o,
		       struct rvmm_err *e)
{
	d->out_fd = -1;
	if (o->serial == RVMM_SERIAL_STDOUT) {
		d->out_fd = STDOUT_FILENO;
	} else if (o->serial == RVMM_SERIAL_FILE) {
		d->out_fd =
		    open(o->serial_path,
			 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (d->out_fd < 0)
			return rvmm_fail(e, -errno, "--serial file:%s: %s",
					 o->serial_path, strerror(errno));
		d->out_owned = true;
	}
	return 0;
}

static int insert(struct cvmm_dev_bus *bus, uint64_t base, uint64_t size,
		  const struct cvmm_dev_ops *ops, void *ctx, const char *what,
		  struct rvmm_err *e)
{
	int rc = cvmm_dev_bus_insert(bus, base, size, ops, ctx);

	if (rc)
		return rvmm_fail(e, rc, "%s at port 0x%" PRIx64 ": %s", what,
				 base, cvmm_dev_strerror(rc));
	return 0;
}

int rvmm_devices_create(struct rvmm_devices *d, const struct rvmm_options *o,
			struct cvmm_kvm_vm *vm, void (*reset)(void *ctx),
			void (*poweroff)(void *ctx), void *end_ctx,
			struct rvmm_err *e)
{
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	int rc;

	memset(d, 0, sizeof(*d));
	d->irqfd = d->rx_ready_fd = d->out_fd = -1;
	d->reset = reset;
	d->poweroff = poweroff;
	d->end_ctx = end_ctx;
	rvmm_sleep_init(&d->sleep, sleep_poweroff, d);
	/* 10 messages, then one a second: a hostile guest cannot flood. */
	cvmm_sys_ratelimit_init(&d->pio_log, 10, 1000000000ull, NULL, NULL);
	cvmm_sys_ratelimit_init(&d->mmio_log, 10, 1000000000ull, NULL, NULL);
	rc = pthread_mutex_init(&d->lock, NULL);
	if (rc)
		return rvmm_fail(e, -rc, "device lock: %s", strerror(rc));
	rc = open_output(d, o, e);
	if (rc)
		return rc;
	rc = cvmm_sys_eventfd_open(0, CVMM_SYS_EVENTFD_NONBLOCK, &d->irqfd);
	if (rc == 0)
		rc = cvmm_sys_eventfd_open(0, CVMM_SYS_EVENTFD_NONBLOCK,
					   &d->rx_ready_fd);
	if (rc)
		return rvmm_fail(e, rc, "eventfd: %s", strerror(-rc));
	rc = cvmm_kvm_vm_irqfd(vm, d->irqfd, RVMM_COM1_IRQ);
	if (rc) {
		struct cvmm_kvm_error ke = cvmm_kvm_vm_last_error(vm);

		return rvmm_fail(e, rc, "COM1 IRQ: %s",
				 cvmm_kvm_error_format(&ke, msg, sizeof(msg)));
	}
	rc = cvmm_sio_serial_create(&serial_ops, d, &d->serial);
	if (rc == 0)
		rc = cvmm_sio_i8042_create(&i8042_ops, d, &d->i8042);
	if (rc == 0)
		rc = cvmm_sio_rtc_create(&rtc_ops, d, &d->rtc);
	if (rc)
		return rvmm_fail(e, rc, "devices: %s", strerror(-rc));
	rc = cvmm_dev_bus_create(CVMM_DEV_BUS_PIO, &d->pio);
	if (rc == 0)
		rc = cvmm_dev_bus_create(CVMM_DEV_BUS_MMIO, &d->mmio);
	if (rc)
		return rvmm_fail(e, rc, "buses: %s", cvmm_dev_strerror(rc));
	d->com1_ctx = (struct rvmm_port_dev){d, COM1};
	d->i8042_ctx = (struct rvmm_port_dev){d, I8042};
	d->rtc_ctx = (struct rvmm_port_dev){d, RTC};
	d->sleep_ctx = (struct rvmm_port_dev){d, SLEEP};
	rc = insert(d->pio, RVMM_COM1_BASE, 8, &port_ops, &d->com1_ctx, "COM1",
		    e);
	if (rc == 0)
		rc = insert(d->pio, 0x60, CVMM_SIO_I8042_PORTS, &port_ops,
			    &d->i8042_ctx, "i8042", e);
	if (rc == 0)
		rc = insert(d->pio, 0x70, CVMM_SIO_RTC_PORTS, &port_ops,
			    &d->rtc_ctx, "RTC", e);
	if (rc == 0)
		rc =
		    insert(d->pio, 0x80, 1, &ignored_ops, NULL, "POST port", e);
	if (rc == 0)
		rc =
		    insert(d->pio, RVMM_SLEEP_CONTROL_PORT, RVMM_SLEEP_PORTS,
			   &port_ops, &d->sleep_ctx, "ACPI sleep registers", e);
	return rc;
}

void rvmm_devices_destroy(struct rvmm_devices *d)
{
	cvmm_dev_bus_destroy(d->pio);
	cvmm_dev_bus_destroy(d->mmio);
	cvmm_sio_serial_destroy(d->serial);
	cvmm_sio_i8042_destroy(d->i8042);
	cvmm_sio_rtc_destroy(d->rtc);
	if (d->irqfd >= 0)
		close(d->irqfd);
	if (d->rx_ready_fd >= 0)
		close(d->rx_ready_fd);
	if (d->out_owned)
		close(d->out_fd);
	pthread_mutex_destroy(&d->lock);
	memset(d, 0, sizeof(*d));
}

/* ---- dispatch ---- */

static void log_sink(void *ctx, const char *msg)
{
	(void)ctx;
	(void)fprintf(stderr, "reference-vmm: %s\n", msg);
}

static uint64_t le_value(const uint8_t *data, size_t size)
{
	uint64_t v = 0;

	for (size_t i = size; i-- > 0;)
		v = v << 8 | data[i];
	return v;
}

void rvmm_devices_pio(struct rvmm_devices *d, uint16_t port, bool in,
		      uint8_t *data, size_t size)
{
	int rc = in ? cvmm_dev_bus_read(d->pio, port, data, size)
		    : cvmm_dev_bus_write(d->pio, port, data, size);

	if (rc == 0)
		return;
	if (in)
		cvmm_sys_ratelimit_log(&d->pio_log, log_sink, NULL,
				       "unhandled port read: 0x%04x, %zu "
				       "bytes (open bus)",
				       port, size);
	else
		cvmm_sys_ratelimit_log(&d->pio_log, log_sink, NULL,
				       "unhandled port write: 0x%04x, %zu "
				       "bytes, value 0x%" PRIx64,
				       port, size, le_value(data, size));
}

void rvmm_devices_mmio(struct rvmm_devices *d, uint64_t addr, bool write,
		       uint8_t *data, size_t len)
{
	int rc = write ? cvmm_dev_bus_write(d->mmio, addr, data, len)
		       : cvmm_dev_bus_read(d->mmio, addr, data, len);

	if (rc == 0)
		return;
	if (write)
		cvmm_sys_ratelimit_log(&d->mmio_log, log_sink, NULL,
				       "unhandled MMIO write: 0x%" PRIx64
				       ", %zu bytes, value 0x%" PRIx64,
				       addr, len, le_value(data, len));
	else
		cvmm_sys_ratelimit_log(&d->mmio_log, log_sink, NULL,
				       "unhandled MMIO read: 0x%" PRIx64
				       ", %zu bytes (open bus)",
				       addr, len);
}

/* ---- input ---- */

size_t rvmm_devices_input_retry(struct rvmm_devices *d)
{
	size_t n, left;

	pthread_mutex_lock(&d->lock);
	n = cvmm_sio_serial_enqueue(d->serial, d->input, d->input_len);
	memmove(d->input, d->input + n, d->input_len - n);
	d->input_len -= n;
	left = d->input_len;
	pthread_mutex_unlock(&d->lock);
	return left;
}

size_t rvmm_devices_input_room(struct rvmm_devices *d)
{
	size_t room;

	pthread_mutex_lock(&d->lock);
	room = sizeof(d->input) - d->input_len;
	pthread_mutex_unlock(&d->lock);
	return room;
}

size_t rvmm_devices_input(struct rvmm_devices *d, const uint8_t *bytes,
			  size_t len)
{
	size_t room;

	pthread_mutex_lock(&d->lock);
	room = sizeof(d->input) - d->input_len;
	if (len > room)
		len = room;
	memcpy(d->input + d->input_len, bytes, len);
	d->input_len += len;
	pthread_mutex_unlock(&d->lock);
	rvmm_devices_input_retry(d);
	return len;
}
