/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm vm-superio: legacy PC devices as pure state machines.
 *
 *   cvmm/sio-serial.h  16550A UART (COM1..COM4, 8 ports each);
 *   cvmm/sio-i8042.h   i8042 keyboard controller, whose 0xFE command (and
 *                      any pulse of output line 0) is the CPU reset line;
 *   cvmm/sio-rtc.h     MC146818 CMOS RTC (ports 0x70/0x71) with an injected
 *                      clock.
 *
 * What "pure state machine" means here:
 *   - a device is driven only through read(offset) and write(offset, value)
 *     with the offset of the port inside the device's range, plus a few
 *     host-side calls (queue input, flush output, set modem lines);
 *   - everything a device does to the outside goes through callbacks the
 *     VMM injects at creation (interrupt line, output sink, reset line,
 *     clock); a device does no I/O, no system call and never touches KVM;
 *   - no global state: every device is an instance; two instances never
 *     interact;
 *   - every guest-visible operation is total: any offset and any value is
 *     accepted; offsets the device does not decode read as open bus (0xFF)
 *     and ignore writes; nothing a guest does can make a device fail,
 *     allocate, abort or loop.
 *
 * Callbacks run synchronously inside the call that caused them, on the
 * caller's thread. A callback must not call back into the same device.
 *
 * Concurrency. A device instance is not internally locked: the VMM
 * serializes calls on one instance (one lock per device, or one thread).
 * Different instances are independent.
 *
 * Fuzzing. Because every guest entry point is total and deterministic, a
 * fuzz target needs no KVM: create a device with callbacks that record
 * what they see (a fixed clock for the RTC), then decode the input as a
 * list of operations, each one of
 *   cvmm_sio_serial_read / cvmm_sio_serial_write (offset, value)
 *   cvmm_sio_serial_enqueue / cvmm_sio_serial_tx_flush /
 *   cvmm_sio_serial_set_modem_lines / cvmm_sio_serial_send_break
 *   cvmm_sio_i8042_read / cvmm_sio_i8042_write / cvmm_sio_i8042_push_kbd
 *   cvmm_sio_rtc_read / cvmm_sio_rtc_write (with the clock value taken
 *   from the input too)
 * and check the invariants the headers promise (for example LSR.DR set iff
 * cvmm_sio_serial_rx_count() > 0, the interrupt callback's level always
 * equal to the pending interrupt computed from IIR).
 */
#ifndef CVMM_SIO_H
#define CVMM_SIO_H

#define CVMM_SIO_MUST_CHECK __attribute__((warn_unused_result))

/* What a read of an offset that no register decodes returns. */
#define CVMM_SIO_OPEN_BUS 0xFFu

#endif
