/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A 16550A UART as a pure state machine (see cvmm/sio.h for the rules all
 * vm-superio devices follow).
 *
 * Registers, by offset from the port base (COM1 is 0x3F8, IRQ 4):
 *   0  read: RBR (receive buffer)     write: THR (transmit holding)
 *      with LCR.DLAB set: DLL (divisor latch, low byte), read and write
 *   1  IER (interrupt enable; bits 4-7 read as 0)
 *      with LCR.DLAB set: DLM (divisor latch, high byte)
 *   2  read: IIR (interrupt identification)  write: FCR (FIFO control)
 *   3  LCR (line control)
 *   4  MCR (modem control; bits 5-7 read as 0)
 *   5  LSR (line status; read-only, writes ignored)
 *   6  MSR (modem status; read-only, writes ignored)
 *   7  SCR (scratch)
 * Offsets 8 and above read 0xFF and ignore writes.
 *
 * FIFOs. With FCR bit 0 set (FIFO mode) the receiver and transmitter each
 * have a 16-byte FIFO; with it clear (16450 mode) each holds one byte.
 * Changing FCR bit 0 empties both; FCR bits 1 and 2 empty the receive and
 * the transmit FIFO. FCR bits 6-7 select the receive trigger level (1, 4,
 * 8 or 14 bytes). IIR bits 6-7 read 11 in FIFO mode, which is how drivers
 * recognise a 16550A.
 *
 * Transmission. A byte written to THR enters the transmit FIFO and is
 * offered at once to the output sink (ops->tx), which takes what it can.
 * A sink that takes fewer bytes than offered applies back-pressure: the
 * rest stays in the FIFO, LSR.THRE and LSR.TEMT stay clear, and the VMM
 * calls cvmm_sio_serial_tx_flush() when its output can take more (for
 * example on EPOLLOUT). A byte written while the FIFO is full is lost and
 * counted (stats.tx_lost), as on the chip. Bytes are masked to the word
 * length set in LCR bits 0-1.
 *
 * Reception. The VMM queues input with cvmm_sio_serial_enqueue(), which
 * takes only as many bytes as the receive FIFO has room for (the host
 * keeps the rest: no input is lost to a slow guest). ops->rx_empty tells
 * the VMM when a guest read empties the FIFO, so it can resume reading its
 * input. cvmm_sio_serial_send_break() queues a break (a 0 byte with
 * LSR.BI, and LSR bit 7 while it is in the FIFO).
 *
 * Interrupts, by priority (IIR value in 16450 mode; FIFO mode adds 0xC0):
 *   0x06  receiver line status: LSR.OE or LSR.BI set, IER bit 2; cleared
 *         by reading LSR;
 *   0x04  received data available: the receive FIFO holds at least the
 *         trigger level (1 byte in 16450 mode), IER bit 0; cleared when
 *         reads bring it below;
 *   0x0C  character timeout (FIFO mode): the FIFO holds fewer bytes than
 *         the trigger level, IER bit 0. Time is not modelled: the four
 *         character times after the last byte are taken to have elapsed
 *         when the call that queued it returns, so input below the
 *         trigger level is signalled at once rather than never;
 *   0x02  transmitter holding register empty: raised when IER bit 1 goes
 *         from 0 to 1 while the transmit FIFO is empty, and each time the
 *         FIFO drains; cleared by reading IIR while it is the reported
 *         cause, by writing THR, or by clearing IER bit 1;
 *   0x00  modem status: a delta bit in MSR (bits 0-3), IER bit 3; cleared
 *         by reading MSR;
 *   0x01  nothing pending.
 * The interrupt output is a level: ops->irq(ctx, true) when it rises and
 * ops->irq(ctx, false) when it falls, each only on a change. For an
 * edge-triggered line (a KVM irqfd on the ISA IRQ) signal on true only;
 * the guest driver reads IIR until it says 0x01, so a cause that arrives
 * while the line is already high is still seen. MCR.OUT2 does not gate the
 * output (that is board wiring, not the UART; QEMU does the same).
 *
 * Loopback (MCR bit 4). The transmitter output is connected to the
 * receiver: bytes written to THR arrive in the receive FIFO and never
 * reach ops->tx, and a byte arriving at a full FIFO is an overrun
 * (LSR.OE); host input is not accepted (cvmm_sio_serial_enqueue() takes
 * nothing). The modem inputs follow the outputs: CTS = RTS, DSR = DTR,
 * RI = OUT1, DCD = OUT2. Interrupts work as outside loopback.
 *
 * Modem inputs outside loopback come from cvmm_sio_serial_set_modem_lines()
 * (initially DCD, DSR and CTS asserted: a connected terminal). Changes set
 * the MSR delta bits (DCTS, DDSR, TERI on RI falling, DDCD).
 *
 * The divisor latch and the other LCR bits are stored and read back; they
 * change nothing else (the host side has no baud rate). LCR bit 6 (break)
 * is stored only.
 *
 * Ownership. cvmm_sio_serial_create() allocates the device; the caller
 * frees it with cvmm_sio_serial_destroy(). ops and ctx are borrowed and
 * must outlive the device (ops is normally a static const table).
 */
#ifndef CVMM_SIO_SERIAL_H
#define CVMM_SIO_SERIAL_H

#include <cvmm/sio.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size of the I/O range a UART decodes. */
#define CVMM_SIO_SERIAL_PORTS 8u
/* Depth of each FIFO in FIFO mode. */
#define CVMM_SIO_SERIAL_FIFO 16u

/* Register offsets. */
#define CVMM_SIO_SERIAL_RBR 0u /* read; THR on write; DLL with DLAB */
#define CVMM_SIO_SERIAL_THR 0u
#define CVMM_SIO_SERIAL_DLL 0u
#define CVMM_SIO_SERIAL_IER 1u /* DLM with DLAB */
#define CVMM_SIO_SERIAL_DLM 1u
#define CVMM_SIO_SERIAL_IIR 2u /* read */
#define CVMM_SIO_SERIAL_FCR 2u /* write */
#define CVMM_SIO_SERIAL_LCR 3u
#define CVMM_SIO_SERIAL_MCR 4u
#define CVMM_SIO_SERIAL_LSR 5u
#define CVMM_SIO_SERIAL_MSR 6u
#define CVMM_SIO_SERIAL_SCR 7u

/* IER bits. */
#define CVMM_SIO_SERIAL_IER_RDA	 0x01u
#define CVMM_SIO_SERIAL_IER_THRE 0x02u
#define CVMM_SIO_SERIAL_IER_RLS	 0x04u
#define CVMM_SIO_SERIAL_IER_MS	 0x08u

/* IIR values (low 4 bits) and the FIFO-mode bits. */
#define CVMM_SIO_SERIAL_IIR_NONE    0x01u
#define CVMM_SIO_SERIAL_IIR_RLS	    0x06u
#define CVMM_SIO_SERIAL_IIR_RDA	    0x04u
#define CVMM_SIO_SERIAL_IIR_TIMEOUT 0x0Cu
#define CVMM_SIO_SERIAL_IIR_THRE    0x02u
#define CVMM_SIO_SERIAL_IIR_MS	    0x00u
#define CVMM_SIO_SERIAL_IIR_FIFO    0xC0u

/* FCR bits. */
#define CVMM_SIO_SERIAL_FCR_ENABLE   0x01u
#define CVMM_SIO_SERIAL_FCR_CLEAR_RX 0x02u
#define CVMM_SIO_SERIAL_FCR_CLEAR_TX 0x04u
#define CVMM_SIO_SERIAL_FCR_DMA	     0x08u
#define CVMM_SIO_SERIAL_FCR_TRIG_1   0x00u
#define CVMM_SIO_SERIAL_FCR_TRIG_4   0x40u
#define CVMM_SIO_SERIAL_FCR_TRIG_8   0x80u
#define CVMM_SIO_SERIAL_FCR_TRIG_14  0xC0u

/* LCR bits. */
#define CVMM_SIO_SERIAL_LCR_WLS_MASK 0x03u /* word length - 5 */
#define CVMM_SIO_SERIAL_LCR_BREAK    0x40u
#define CVMM_SIO_SERIAL_LCR_DLAB     0x80u

/* MCR bits. */
#define CVMM_SIO_SERIAL_MCR_DTR	 0x01u
#define CVMM_SIO_SERIAL_MCR_RTS	 0x02u
#define CVMM_SIO_SERIAL_MCR_OUT1 0x04u
#define CVMM_SIO_SERIAL_MCR_OUT2 0x08u
#define CVMM_SIO_SERIAL_MCR_LOOP 0x10u

/* LSR bits. */
#define CVMM_SIO_SERIAL_LSR_DR	     0x01u
#define CVMM_SIO_SERIAL_LSR_OE	     0x02u
#define CVMM_SIO_SERIAL_LSR_PE	     0x04u
#define CVMM_SIO_SERIAL_LSR_FE	     0x08u
#define CVMM_SIO_SERIAL_LSR_BI	     0x10u
#define CVMM_SIO_SERIAL_LSR_THRE     0x20u
#define CVMM_SIO_SERIAL_LSR_TEMT     0x40u
#define CVMM_SIO_SERIAL_LSR_FIFO_ERR 0x80u

/* MSR bits: deltas (low nibble) and line states (high nibble). */
#define CVMM_SIO_SERIAL_MSR_DCTS 0x01u
#define CVMM_SIO_SERIAL_MSR_DDSR 0x02u
#define CVMM_SIO_SERIAL_MSR_TERI 0x04u
#define CVMM_SIO_SERIAL_MSR_DDCD 0x08u
#define CVMM_SIO_SERIAL_MSR_CTS	 0x10u
#define CVMM_SIO_SERIAL_MSR_DSR	 0x20u
#define CVMM_SIO_SERIAL_MSR_RI	 0x40u
#define CVMM_SIO_SERIAL_MSR_DCD	 0x80u

/* Divisor after reset: 12, i.e. 9600 baud from the PC's 1.8432 MHz clock. */
#define CVMM_SIO_SERIAL_DEFAULT_DIVISOR 12u

/*
 * What the UART does to the outside. Every member may be NULL: no
 * interrupt line, output discarded (as if the sink took everything), no
 * notification.
 *   irq:      the interrupt output changed to level;
 *   tx:       take up to len bytes of guest output from bytes (borrowed for
 *             the call); return how many were taken, from 0 to len (more
 *             than len counts as len). Bytes not taken stay queued;
 *   rx_empty: a guest read emptied the receive FIFO; more input may be
 *             queued.
 */
struct cvmm_sio_serial_ops {
	void (*irq)(void *ctx, bool level);
	size_t (*tx)(void *ctx, const uint8_t *bytes, size_t len);
	void (*rx_empty)(void *ctx);
};

/* Counters since creation, for metrics. */
struct cvmm_sio_serial_stats {
	uint64_t tx_bytes;    /* bytes the sink took */
	uint64_t tx_lost;     /* bytes written to THR while the FIFO was full */
	uint64_t rx_bytes;    /* bytes accepted by cvmm_sio_serial_enqueue() */
	uint64_t rx_overruns; /* loopback bytes lost to a full receive FIFO */
	uint64_t irqs;	      /* rising edges of the interrupt output */
};

struct cvmm_sio_serial;

/*
 * Create a UART in its reset state: FIFOs off and empty, IER 0, LCR 0x03
 * (8 data bits), MCR 0, divisor 12, scratch 0, modem inputs DCD|DSR|CTS,
 * interrupt output low. ops may be NULL (every callback absent).
 * Errors: -ENOMEM. On failure *out is untouched.
 */
CVMM_SIO_MUST_CHECK int
cvmm_sio_serial_create(const struct cvmm_sio_serial_ops *ops, void *ctx,
		       struct cvmm_sio_serial **out);

/* Free a UART (NULL is allowed). No callback is made. */
void cvmm_sio_serial_destroy(struct cvmm_sio_serial *s);

/* A guest read of the register at offset (any offset; see the table). */
uint8_t cvmm_sio_serial_read(struct cvmm_sio_serial *s, uint64_t offset);

/* A guest write of value to the register at offset (any offset). */
void cvmm_sio_serial_write(struct cvmm_sio_serial *s, uint64_t offset,
			   uint8_t value);

/*
 * Queue up to len bytes of host input for the guest; returns how many were
 * taken (0 when the FIFO is full, in loopback mode, or len is 0). bytes may
 * be NULL only when len is 0.
 */
size_t cvmm_sio_serial_enqueue(struct cvmm_sio_serial *s, const uint8_t *bytes,
			       size_t len);

/* Free room in the receive FIFO (0 in loopback mode). */
size_t cvmm_sio_serial_rx_space(const struct cvmm_sio_serial *s);

/* Bytes waiting in the receive FIFO for the guest. */
size_t cvmm_sio_serial_rx_count(const struct cvmm_sio_serial *s);

/*
 * Queue a break condition for the guest; 0, or -ENOSPC if the receive FIFO
 * is full, -EBUSY in loopback mode.
 */
CVMM_SIO_MUST_CHECK int cvmm_sio_serial_send_break(struct cvmm_sio_serial *s);

/*
 * Offer the bytes held back by the sink to it again (after back-pressure);
 * raises the THRE interrupt if the FIFO drains. Returns how many bytes are
 * still pending (0: all sent).
 */
size_t cvmm_sio_serial_tx_flush(struct cvmm_sio_serial *s);

/* Bytes of guest output waiting in the transmit FIFO. */
size_t cvmm_sio_serial_tx_pending(const struct cvmm_sio_serial *s);

/*
 * Set the modem input lines (a mask of CVMM_SIO_SERIAL_MSR_CTS, _DSR, _RI,
 * _DCD; other bits are ignored). Changes set the MSR delta bits; while in
 * loopback mode the new lines are remembered and apply when it ends.
 */
void cvmm_sio_serial_set_modem_lines(struct cvmm_sio_serial *s, uint8_t lines);

/* The 16-bit divisor latch (DLM << 8 | DLL). */
uint16_t cvmm_sio_serial_divisor(const struct cvmm_sio_serial *s);

/* True if the interrupt output is asserted (the level last reported). */
bool cvmm_sio_serial_irq_level(const struct cvmm_sio_serial *s);

/* Copy the counters into *out. */
void cvmm_sio_serial_stats(const struct cvmm_sio_serial *s,
			   struct cvmm_sio_serial_stats *out);

#endif
