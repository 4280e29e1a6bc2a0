/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The i8042 PS/2 keyboard controller as a pure state machine (see
 * cvmm/sio.h for the rules all vm-superio devices follow). Its job in a
 * VMM is the CPU reset line: a guest that writes 0xFE to port 0x64 (Linux
 * "reboot=k", the default, and what the probe guest does) asks the board
 * to reset, and the device calls ops->reset. Enough of the controller and
 * of a PS/2 keyboard is modelled for Linux's i8042 and atkbd drivers to
 * probe it without timeouts; there is no mouse.
 *
 * Ports, by offset from 0x60 (register the range 0x60..0x64, 5 ports, or
 * the two ports separately with these offsets):
 *   0  data: read the output buffer; write a command's argument, or a byte
 *      for the keyboard;
 *   4  read: status; write: a controller command.
 * Offsets 1-3 and 5 and above read 0xFF and ignore writes.
 *
 * Status (offset 4): bit 0 output buffer full, bit 2 system flag (CTR bit
 * 2), bit 3 last write was to offset 4, bit 4 keyboard not inhibited
 * (always 1), bit 5 the byte in the output buffer is from the aux port,
 * bit 6 timeout (set with an aux byte that answers a write to the absent
 * aux device). The input buffer is never full (bit 1 is 0): every write is
 * processed at once.
 *
 * Controller commands (offset 4):
 *   0x20        read the command byte (CTR);  0x60 <b>  write it;
 *   0xA7/0xA8   disable/enable the aux port (CTR bit 5);
 *   0xA9        test the aux port: 0x01 (clock line stuck: no aux device);
 *   0xAA        self-test: 0x55;  0xAB  test the keyboard port: 0x00;
 *   0xAD/0xAE   disable/enable the keyboard (CTR bit 4);
 *   0xC0        read the input port: 0x00;  0xE0  read test inputs: 0x00;
 *   0xD0        read the output port;  0xD1 <b>  write it: bit 0 clear
 *               pulses reset (ops->reset), bit 1 is A20 (stored only);
 *   0xD2 <b>    put b in the output buffer as keyboard data;
 *   0xD3 <b>    put b in the output buffer as aux data (aux loopback);
 *   0xD4 <b>    write b to the aux device: none is attached, so the answer
 *               is aux data 0xFE with the timeout bit;
 *   0xF0..0xFF  pulse output lines 0-3 for each clear bit of the low
 *               nibble; line 0 is reset, so 0xFE (and every even value)
 *               calls ops->reset. 0xFF pulses nothing.
 *   Others are ignored.
 *
 * Keyboard commands (a byte written to offset 0 with no argument pending):
 *   0xFF reset: 0xFA 0xAA;  0xF2 identify: 0xFA 0xAB 0x83;  0xEE echo:
 *   0xEE;  0xED/0xF3/0xF0 take one argument byte, each acknowledged with
 *   0xFA (0xF0 0x00 also answers the scan code set, 2);  0xF4 enable and
 *   0xF5 disable scanning, 0xF6 defaults: 0xFA;  anything else: 0xFA.
 *   A reply to a keyboard command is sent even while the port is disabled,
 *   as a real controller with its own buffer would.
 *
 * Output buffer. The controller holds one byte; this model queues up to
 * CVMM_SIO_I8042_QUEUE bytes behind it (the keyboard's own buffer), each
 * delivered as the previous one is read. When full, further bytes are
 * dropped. Reading offset 0 with nothing queued returns the last byte read.
 *
 * Interrupts: IRQ 1 is asserted while the head of the queue is keyboard or
 * controller data and CTR bit 0 is set; IRQ 12 while it is aux data and
 * CTR bit 1 is set. ops->irq(ctx, line, level) reports each change of each
 * line.
 *
 * Ownership. cvmm_sio_i8042_create() allocates; cvmm_sio_i8042_destroy()
 * frees. ops and ctx are borrowed and must outlive the device.
 */
#ifndef CVMM_SIO_I8042_H
#define CVMM_SIO_I8042_H

#include <cvmm/sio.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Port offsets from 0x60. */
#define CVMM_SIO_I8042_DATA    0u
#define CVMM_SIO_I8042_COMMAND 4u
#define CVMM_SIO_I8042_STATUS  4u
/* Size of the range from 0x60 the device decodes. */
#define CVMM_SIO_I8042_PORTS 5u

/* Interrupt lines. */
#define CVMM_SIO_I8042_IRQ_KBD 1u
#define CVMM_SIO_I8042_IRQ_AUX 12u

/* Status bits. */
#define CVMM_SIO_I8042_STS_OBF	   0x01u
#define CVMM_SIO_I8042_STS_IBF	   0x02u
#define CVMM_SIO_I8042_STS_SYS	   0x04u
#define CVMM_SIO_I8042_STS_CMD	   0x08u
#define CVMM_SIO_I8042_STS_UNLOCK  0x10u
#define CVMM_SIO_I8042_STS_AUX	   0x20u
#define CVMM_SIO_I8042_STS_TIMEOUT 0x40u

/* Command byte (CTR) bits. */
#define CVMM_SIO_I8042_CTR_KBD_INT 0x01u
#define CVMM_SIO_I8042_CTR_AUX_INT 0x02u
#define CVMM_SIO_I8042_CTR_SYS	   0x04u
#define CVMM_SIO_I8042_CTR_KBD_DIS 0x10u
#define CVMM_SIO_I8042_CTR_AUX_DIS 0x20u
#define CVMM_SIO_I8042_CTR_XLATE   0x40u
#define CVMM_SIO_I8042_CTR_DEFAULT 0x47u /* ints on, SYS, translation */
#define CVMM_SIO_I8042_CMD_RESET   0xFEu
#define CVMM_SIO_I8042_QUEUE	   16u

/*
 * What the controller does to the outside; every member may be NULL.
 *   reset: the guest pulsed the CPU reset line (the VM should reset or,
 *          for most VMMs, end);
 *   irq:   interrupt line (CVMM_SIO_I8042_IRQ_KBD or _AUX) changed level.
 */
struct cvmm_sio_i8042_ops {
	void (*reset)(void *ctx);
	void (*irq)(void *ctx, unsigned line, bool level);
};

struct cvmm_sio_i8042;

/*
 * Create a controller in its power-on state: CTR 0x47, output port 0x03
 * (reset line high, A20 on), nothing queued, keyboard enabled. ops may be
 * NULL. Errors: -ENOMEM. On failure *out is untouched.
 */
CVMM_SIO_MUST_CHECK int
cvmm_sio_i8042_create(const struct cvmm_sio_i8042_ops *ops, void *ctx,
		      struct cvmm_sio_i8042 **out);

/* Free a controller (NULL is allowed). */
void cvmm_sio_i8042_destroy(struct cvmm_sio_i8042 *k);

/* A guest read at offset (any offset). */
uint8_t cvmm_sio_i8042_read(struct cvmm_sio_i8042 *k, uint64_t offset);

/* A guest write of value at offset (any offset). */
void cvmm_sio_i8042_write(struct cvmm_sio_i8042 *k, uint64_t offset,
			  uint8_t value);

/*
 * Queue keyboard bytes for the guest, as it will read them (scan code set 1
 * when CTR bit 6 is set, as after power-on; set 2 otherwise). Returns how
 * many were queued: none while the keyboard is disabled (CTR bit 4, or
 * command 0xF5), and only as many as the queue has room for.
 */
size_t cvmm_sio_i8042_push_kbd(struct cvmm_sio_i8042 *k, const uint8_t *bytes,
			       size_t len);

/*
 * Queue the Ctrl+Alt+Del key sequence (press and release, in the scan code
 * set CTR bit 6 selects), which asks Linux for an orderly reboot.
 * Errors: -EBUSY if the keyboard is disabled; -ENOSPC if the queue lacks
 * room for the whole sequence (nothing is queued then).
 */
CVMM_SIO_MUST_CHECK int cvmm_sio_i8042_ctrl_alt_del(struct cvmm_sio_i8042 *k);

/* Number of reset pulses since creation. */
uint64_t cvmm_sio_i8042_resets(const struct cvmm_sio_i8042 *k);

#endif
