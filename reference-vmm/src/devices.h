/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The legacy devices and the buses that reach them:
 *   0x3f8-0x3ff  COM1, vm-superio's 16550A; IRQ 4 through a KVM irqfd,
 *                signalled on each rising edge of the UART's output;
 *   0x60-0x64    vm-superio's i8042, whose reset line ends the VM;
 *   0x70-0x71    vm-superio's CMOS RTC on the host's CLOCK_REALTIME;
 *   0x80         the POST/delay port Linux writes between slow port
 *                accesses: accepted and ignored;
 *   0x600-0x601  the ACPI sleep control and status registers the FADT
 *                names (sleep.h): the guest's power off (\_S5_) ends the
 *                VM, other sleep states are ignored.
 * Everything else (port I/O and all MMIO: KVM handles the PIC, PIT,
 * IOAPIC and LAPIC itself) is unhandled: logged, rate-limited, and read as
 * open bus (all ones) by vm-device's buses.
 *
 * Threads. vCPU threads dispatch exits through rvmm_devices_pio() and
 * _mmio(); the event loop feeds COM1 input with rvmm_devices_input() and
 * _input_retry(). One mutex serializes the four devices (they are pure
 * state machines without locks of their own).
 *
 * Ownership: rvmm_devices_create() creates the devices, buses and
 * eventfds, opens --serial file:PATH; rvmm_devices_destroy() frees them.
 */
#ifndef RVMM_DEVICES_H
#define RVMM_DEVICES_H

#include "err.h"
#include "options.h"
#include "sleep.h"

#include <cvmm/dev-bus.h>
#include <cvmm/kvm.h>
#include <cvmm/sio-i8042.h>
#include <cvmm/sio-rtc.h>
#include <cvmm/sio-serial.h>
#include <cvmm/sys-ratelimit.h>

#include <pthread.h>

#define RVMM_COM1_BASE 0x3f8u
#define RVMM_COM1_IRQ  4u

/* Host input waiting for room in the UART's receive FIFO. */
#define RVMM_INPUT_BUF 256u

struct rvmm_devices;

/* The context a bus hands each port device's handlers. */
struct rvmm_port_dev {
	struct rvmm_devices *d;
	int which;
};

struct rvmm_devices {
	struct cvmm_dev_bus *pio;
	struct cvmm_dev_bus *mmio;
	pthread_mutex_t lock;
	struct cvmm_sio_serial *serial;
	struct cvmm_sio_i8042 *i8042;
	struct cvmm_sio_rtc *rtc;
	int irqfd;	 /* eventfd wired to GSI 4 */
	int rx_ready_fd; /* eventfd: the guest emptied the receive FIFO */
	int out_fd;	 /* where COM1's output goes, -1: nowhere */
	bool out_owned;	 /* out_fd is ours to close */
	bool out_failed; /* a write failed: discard from now on */
	uint8_t input[RVMM_INPUT_BUF];
	size_t input_len;  /* bytes of input not yet taken by the UART */
	uint64_t irq_lost; /* irqfd writes that failed (never expected) */
	/* Logs of unhandled accesses, one limiter per bus. */
	struct cvmm_sys_ratelimit pio_log, mmio_log;
	struct rvmm_port_dev com1_ctx, i8042_ctx, rtc_ctx, sleep_ctx;
	/* The ACPI sleep registers: power off. */
	struct rvmm_sleep sleep;
	/* The i8042's reset line and the power off. */
	void (*reset)(void *ctx);
	void (*poweroff)(void *ctx);
	void *end_ctx;
};

/*
 * Create the devices on d's buses and wire COM1's IRQ to vm through an
 * irqfd. reset(end_ctx) is called (from a vCPU thread, with the device
 * lock held) when the guest pulses the i8042 reset line, poweroff(end_ctx)
 * likewise when it writes S5 to the ACPI sleep control register.
 */
RVMM_MUST_CHECK int rvmm_devices_create(struct rvmm_devices *d,
					const struct rvmm_options *o,
					struct cvmm_kvm_vm *vm,
					void (*reset)(void *ctx),
					void (*poweroff)(void *ctx),
					void *end_ctx, struct rvmm_err *e);

void rvmm_devices_destroy(struct rvmm_devices *d);

/* A port access of size bytes at port (data: the kvm_run buffer). */
void rvmm_devices_pio(struct rvmm_devices *d, uint16_t port, bool in,
		      uint8_t *data, size_t size);

/* An MMIO access of len bytes at addr. */
void rvmm_devices_mmio(struct rvmm_devices *d, uint64_t addr, bool write,
		       uint8_t *data, size_t len);

/*
 * Queue host input for the guest: the UART takes what its FIFO holds, the
 * rest is kept (up to RVMM_INPUT_BUF bytes in all). Returns how many bytes
 * of bytes[0..len) were accepted; 0 means "stop reading the input until
 * rvmm_devices_input_pending() is 0".
 */
size_t rvmm_devices_input(struct rvmm_devices *d, const uint8_t *bytes,
			  size_t len);

/* How many bytes rvmm_devices_input() would keep now. */
size_t rvmm_devices_input_room(struct rvmm_devices *d);

/* Offer the kept input to the UART again; returns the bytes still kept. */
size_t rvmm_devices_input_retry(struct rvmm_devices *d);

#endif
