/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for vm-superio: the 16550A UART, the i8042 controller and the
 * CMOS RTC, driven by one fuzzed list of guest port reads and writes mixed
 * with the host-side calls (queue input, flush output with a sink that
 * pushes back, modem lines, keyboard bytes, Ctrl+Alt+Del, clock, offset,
 * NVRAM). Each device runs beside a reference written here from its header
 * (cvmm/sio-serial.h, sio-i8042.h, sio-rtc.h); every value a guest reads,
 * every callback (interrupt levels, output bytes, rx_empty, reset) and
 * every counter must agree. A mismatch aborts with
 * "superio: invariant: <device>: <what>", distinct from sanitizer reports.
 *
 * Where a header leaves a detail open, the reference takes the chip's
 * behaviour the unit tests pin down: an empty RBR reads the last byte read;
 * LSR.BI is raised when a break reaches the head of the receive FIFO; the
 * keyboard ID is 0xAB 0x41 while the controller translates.
 *
 * RTC: the calendar is checked against the C library's gmtime_r() (64-bit
 * time_t), not against the component's own arithmetic.
 *
 * Input (harness/fuzz-input, decoding total):
 *   u8     config: bit 0 the UART has no output sink (ops->tx NULL: output
 *          is discarded as if taken), bit 1 the i8042 has no callbacks
 *          (ops NULL)
 *   range  clock kind 0..3: 2024-ish + range 0..2^32, small range 0..2^16,
 *          raw i64, near the ends of years 0000/9999 (+- 2^20)
 *   then operations until the input ends (at most MAX_OPS): range 0..20 and
 *   operands (see run_op).
 */
#define _DEFAULT_SOURCE /* gmtime_r, timegm */
#include <cvmm/sio-i8042.h>
#include <cvmm/sio-rtc.h>
#include <cvmm/sio-serial.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS 1024u
#define FIFO	CVMM_SIO_SERIAL_FIFO

#define CHECK(cond, what)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			fail(what, #cond, __LINE__);                           \
	} while (0)

static __attribute__((noreturn)) void fail(const char *what, const char *cond,
					   int line)
{
	fprintf(stderr, "superio: invariant: %s: %s (line %d)\n", what, cond,
		line);
	abort();
}

/* ---------------------------------------------------------------------- */
/* UART reference.                                                         */

struct ru {
	uint8_t rx[FIFO];
	bool rx_brk[FIFO];
	unsigned rx_n;
	uint8_t tx[FIFO];
	unsigned tx_n;
	uint8_t rbr_last;
	uint8_t ier, lcr, mcr, scr, dll, dlm, trig;
	bool fifo_on;
	uint8_t lsr_err, ext_lines, lines, delta;
	bool thre_pending, irq;
	struct cvmm_sio_serial_stats stats;
	/* Expected callbacks. */
	unsigned rx_empty;
	uint8_t out[64]; /* bytes expected at the sink, in order */
	unsigned out_n;
};

/* What the target records from the UART's callbacks. */
struct uart_cb {
	bool level;
	unsigned irq_calls, rises, rx_empty;
	uint64_t sink_budget; /* bytes the sink takes before pushing back */
	bool overclaim;	      /* take more than offered (counts as len) */
	uint8_t out[64];
	unsigned out_n;
};

static unsigned ru_cap(const struct ru *u)
{
	return u->fifo_on ? FIFO : 1u;
}

static bool ru_loop(const struct ru *u)
{
	return (u->mcr & CVMM_SIO_SERIAL_MCR_LOOP) != 0;
}

static uint8_t ru_cause(const struct ru *u)
{
	static const unsigned levels[4] = {1, 4, 8, 14};
	unsigned trig = u->fifo_on ? levels[u->trig >> 6] : 1u;

	if ((u->ier & 4) &&
	    (u->lsr_err & (CVMM_SIO_SERIAL_LSR_OE | CVMM_SIO_SERIAL_LSR_BI)))
		return CVMM_SIO_SERIAL_IIR_RLS;
	if ((u->ier & 1) && u->rx_n > 0)
		return u->rx_n >= trig ? CVMM_SIO_SERIAL_IIR_RDA
				       : CVMM_SIO_SERIAL_IIR_TIMEOUT;
	if ((u->ier & 2) && u->thre_pending)
		return CVMM_SIO_SERIAL_IIR_THRE;
	if ((u->ier & 8) && u->delta != 0)
		return CVMM_SIO_SERIAL_IIR_MS;
	return CVMM_SIO_SERIAL_IIR_NONE;
}

static void ru_update_irq(struct ru *u)
{
	bool level = ru_cause(u) != CVMM_SIO_SERIAL_IIR_NONE;

	if (level && !u->irq)
		u->stats.irqs++;
	u->irq = level;
}

static void ru_set_lines(struct ru *u, uint8_t lines)
{
	uint8_t changed = (uint8_t)(u->lines ^ lines);

	if (changed & CVMM_SIO_SERIAL_MSR_CTS)
		u->delta |= CVMM_SIO_SERIAL_MSR_DCTS;
	if (changed & CVMM_SIO_SERIAL_MSR_DSR)
		u->delta |= CVMM_SIO_SERIAL_MSR_DDSR;
	if (changed & CVMM_SIO_SERIAL_MSR_DCD)
		u->delta |= CVMM_SIO_SERIAL_MSR_DDCD;
	if ((u->lines & CVMM_SIO_SERIAL_MSR_RI) &&
	    !(lines & CVMM_SIO_SERIAL_MSR_RI))
		u->delta |= CVMM_SIO_SERIAL_MSR_TERI;
	u->lines = lines;
}

static void ru_rx_pop(struct ru *u)
{
	memmove(u->rx, u->rx + 1, u->rx_n - 1);
	memmove(u->rx_brk, u->rx_brk + 1, (u->rx_n - 1) * sizeof(bool));
	u->rx_n--;
}

static void ru_rx_append(struct ru *u, uint8_t b, bool brk)
{
	if (u->rx_n == 0 && brk)
		u->lsr_err |= CVMM_SIO_SERIAL_LSR_BI;
	u->rx[u->rx_n] = b;
	u->rx_brk[u->rx_n] = brk;
	u->rx_n++;
}

static void ru_rx_clear(struct ru *u)
{
	if (u->rx_n > 0)
		u->rx_empty++;
	u->rx_n = 0;
}

static void ru_tx_clear(struct ru *u)
{
	if (u->tx_n > 0)
		u->thre_pending = true;
	u->tx_n = 0;
}

static void ru_expect_out(struct ru *u, uint8_t b)
{
	if (u->out_n < sizeof(u->out))
		u->out[u->out_n] = b;
	u->out_n++;
}

/* Send the transmit FIFO: to the receiver in loopback, else to the sink
 * (cb's budget says how much it takes). */
static void ru_drain(struct ru *u, struct uart_cb *cb, bool sink)
{
	if (u->tx_n == 0)
		return;
	if (ru_loop(u)) {
		for (unsigned i = 0; i < u->tx_n; i++) {
			if (u->rx_n < ru_cap(u)) {
				ru_rx_append(u, u->tx[i], false);
			} else {
				u->lsr_err |= CVMM_SIO_SERIAL_LSR_OE;
				u->stats.rx_overruns++;
				if (!u->fifo_on) {
					u->rx[0] = u->tx[i];
					u->rx_brk[0] = false;
				}
			}
		}
		u->tx_n = 0;
	} else {
		unsigned take = u->tx_n;

		if (sink && cb->sink_budget < take)
			take = (unsigned)cb->sink_budget;
		for (unsigned i = 0; sink && i < take; i++)
			ru_expect_out(u, u->tx[i]);
		u->stats.tx_bytes += take;
		memmove(u->tx, u->tx + take, u->tx_n - take);
		u->tx_n -= take;
		if (u->tx_n != 0)
			return;
	}
	u->thre_pending = true;
}

static uint8_t ru_read(struct ru *u, uint64_t off)
{
	bool dlab = (u->lcr & CVMM_SIO_SERIAL_LCR_DLAB) != 0;
	uint8_t v;

	switch (off) {
	case 0:
		if (dlab) {
			v = u->dll;
		} else if (u->rx_n == 0) {
			v = u->rbr_last;
		} else {
			v = u->rbr_last = u->rx[0];
			ru_rx_pop(u);
			if (u->rx_n == 0)
				u->rx_empty++;
			else if (u->rx_brk[0])
				u->lsr_err |= CVMM_SIO_SERIAL_LSR_BI;
		}
		break;
	case 1:
		v = dlab ? u->dlm : u->ier;
		break;
	case 2:
		v = ru_cause(u);
		if (v == CVMM_SIO_SERIAL_IIR_THRE)
			u->thre_pending = false;
		v = (uint8_t)(v | (u->fifo_on ? CVMM_SIO_SERIAL_IIR_FIFO : 0));
		break;
	case 3:
		v = u->lcr;
		break;
	case 4:
		v = u->mcr;
		break;
	case 5:
		v = u->lsr_err;
		if (u->rx_n > 0)
			v |= CVMM_SIO_SERIAL_LSR_DR;
		if (u->tx_n == 0)
			v |=
			    CVMM_SIO_SERIAL_LSR_THRE | CVMM_SIO_SERIAL_LSR_TEMT;
		for (unsigned i = 0; u->fifo_on && i < u->rx_n; i++) {
			if (u->rx_brk[i])
				v |= CVMM_SIO_SERIAL_LSR_FIFO_ERR;
		}
		u->lsr_err = 0;
		break;
	case 6:
		v = (uint8_t)(u->lines | u->delta);
		u->delta = 0;
		break;
	case 7:
		v = u->scr;
		break;
	default:
		return 0xFF;
	}
	ru_update_irq(u);
	return v;
}

static void ru_write(struct ru *u, struct uart_cb *cb, uint64_t off, uint8_t v,
		     bool sink)
{
	bool dlab = (u->lcr & CVMM_SIO_SERIAL_LCR_DLAB) != 0;

	switch (off) {
	case 0:
		if (dlab) {
			u->dll = v;
		} else {
			unsigned bits = 5u + (u->lcr & 3u);

			u->thre_pending = false;
			if (u->tx_n < ru_cap(u))
				u->tx[u->tx_n++] =
				    (uint8_t)(v & ((1u << bits) - 1u));
			else
				u->stats.tx_lost++;
			ru_drain(u, cb, sink);
		}
		break;
	case 1:
		if (dlab) {
			u->dlm = v;
		} else {
			bool was = (u->ier & 2) != 0;

			u->ier = (uint8_t)(v & 0x0F);
			if (!(u->ier & 2))
				u->thre_pending = false;
			else if (!was && u->tx_n == 0)
				u->thre_pending = true;
		}
		break;
	case 2: {
		bool on = (v & 1) != 0;

		if (on != u->fifo_on) {
			ru_rx_clear(u);
			ru_tx_clear(u);
			u->fifo_on = on;
		}
		if (v & 2)
			ru_rx_clear(u);
		if (v & 4)
			ru_tx_clear(u);
		u->trig = (uint8_t)(v & 0xC0);
		break;
	}
	case 3:
		u->lcr = v;
		break;
	case 4: {
		uint8_t loop = 0;

		u->mcr = (uint8_t)(v & 0x1F);
		if (u->mcr & CVMM_SIO_SERIAL_MCR_RTS)
			loop |= CVMM_SIO_SERIAL_MSR_CTS;
		if (u->mcr & CVMM_SIO_SERIAL_MCR_DTR)
			loop |= CVMM_SIO_SERIAL_MSR_DSR;
		if (u->mcr & CVMM_SIO_SERIAL_MCR_OUT1)
			loop |= CVMM_SIO_SERIAL_MSR_RI;
		if (u->mcr & CVMM_SIO_SERIAL_MCR_OUT2)
			loop |= CVMM_SIO_SERIAL_MSR_DCD;
		ru_set_lines(u, ru_loop(u) ? loop : u->ext_lines);
		break;
	}
	case 7:
		u->scr = v;
		break;
	default:
		return;
	}
	ru_update_irq(u);
}

/* ---------------------------------------------------------------------- */
/* i8042 reference.                                                        */

enum { K_NONE, K_CTR, K_OUTPORT, K_KBD_OBUF, K_AUX_OBUF, K_AUX_DEV, K_ARG };

struct rk {
	uint8_t q[CVMM_SIO_I8042_QUEUE];
	uint8_t qf[CVMM_SIO_I8042_QUEUE]; /* bit 0 aux, bit 1 timeout */
	unsigned n;
	uint8_t last, ctr, outport, kbd_cmd;
	bool last_cmd, scanning;
	int pending;
	bool irq1, irq12;
	uint64_t resets;
};

struct kbd_cb {
	bool irq1, irq12;
	uint64_t resets;
};

static void rk_push(struct rk *k, uint8_t b, uint8_t f)
{
	if (k->n == CVMM_SIO_I8042_QUEUE)
		return;
	k->q[k->n] = b;
	k->qf[k->n] = f;
	k->n++;
}

static void rk_update(struct rk *k)
{
	bool aux = k->n > 0 && (k->qf[0] & 1);

	k->irq1 = k->n > 0 && !aux && (k->ctr & CVMM_SIO_I8042_CTR_KBD_INT);
	k->irq12 = aux && (k->ctr & CVMM_SIO_I8042_CTR_AUX_INT);
}

static bool rk_enabled(const struct rk *k)
{
	return k->scanning && !(k->ctr & CVMM_SIO_I8042_CTR_KBD_DIS);
}

static uint8_t rk_read(struct rk *k, uint64_t off)
{
	if (off == 4) {
		uint8_t v = CVMM_SIO_I8042_STS_UNLOCK;

		if (k->n > 0) {
			v |= CVMM_SIO_I8042_STS_OBF;
			if (k->qf[0] & 1)
				v |= CVMM_SIO_I8042_STS_AUX;
			if (k->qf[0] & 2)
				v |= CVMM_SIO_I8042_STS_TIMEOUT;
		}
		if (k->ctr & CVMM_SIO_I8042_CTR_SYS)
			v |= CVMM_SIO_I8042_STS_SYS;
		if (k->last_cmd)
			v |= CVMM_SIO_I8042_STS_CMD;
		return v;
	}
	if (off != 0)
		return 0xFF;
	if (k->n > 0) {
		k->last = k->q[0];
		memmove(k->q, k->q + 1, k->n - 1);
		memmove(k->qf, k->qf + 1, k->n - 1);
		k->n--;
	}
	rk_update(k);
	return k->last;
}

static void rk_write(struct rk *k, uint64_t off, uint8_t b)
{
	if (off == 4) {
		k->last_cmd = true;
		k->pending = K_NONE;
		switch (b) {
		case 0x20:
			rk_push(k, k->ctr, 0);
			break;
		case 0x60:
			k->pending = K_CTR;
			break;
		case 0xA7:
			k->ctr |= CVMM_SIO_I8042_CTR_AUX_DIS;
			break;
		case 0xA8:
			k->ctr &= (uint8_t)~CVMM_SIO_I8042_CTR_AUX_DIS;
			break;
		case 0xA9:
			rk_push(k, 0x01, 0);
			break;
		case 0xAA:
			rk_push(k, 0x55, 0);
			break;
		case 0xAB:
		case 0xC0:
		case 0xE0:
			rk_push(k, 0x00, 0);
			break;
		case 0xAD:
			k->ctr |= CVMM_SIO_I8042_CTR_KBD_DIS;
			break;
		case 0xAE:
			k->ctr &= (uint8_t)~CVMM_SIO_I8042_CTR_KBD_DIS;
			break;
		case 0xD0:
			rk_push(k, k->outport, 0);
			break;
		case 0xD1:
			k->pending = K_OUTPORT;
			break;
		case 0xD2:
			k->pending = K_KBD_OBUF;
			break;
		case 0xD3:
			k->pending = K_AUX_OBUF;
			break;
		case 0xD4:
			k->pending = K_AUX_DEV;
			break;
		default:
			if (b >= 0xF0 && (b & 1) == 0)
				k->resets++;
			break;
		}
	} else if (off == 0) {
		int p = k->pending;

		k->last_cmd = false;
		k->pending = K_NONE;
		switch (p) {
		case K_CTR:
			k->ctr = b;
			break;
		case K_OUTPORT:
			k->outport = b;
			if ((b & 1) == 0)
				k->resets++;
			break;
		case K_KBD_OBUF:
			rk_push(k, b, 0);
			break;
		case K_AUX_OBUF:
			rk_push(k, b, 1);
			break;
		case K_AUX_DEV:
			rk_push(k, 0xFE, 3);
			break;
		case K_ARG:
			rk_push(k, 0xFA, 0);
			if (k->kbd_cmd == 0xF0 && b == 0)
				rk_push(k, 0x02, 0);
			break;
		default:
			switch (b) {
			case 0xFF:
				k->scanning = true;
				rk_push(k, 0xFA, 0);
				rk_push(k, 0xAA, 0);
				break;
			case 0xF2:
				rk_push(k, 0xFA, 0);
				rk_push(k, 0xAB, 0);
				rk_push(k,
					(k->ctr & CVMM_SIO_I8042_CTR_XLATE)
					    ? 0x41
					    : 0x83,
					0);
				break;
			case 0xEE:
				rk_push(k, 0xEE, 0);
				break;
			case 0xED:
			case 0xF3:
			case 0xF0:
				k->kbd_cmd = b;
				k->pending = K_ARG;
				rk_push(k, 0xFA, 0);
				break;
			case 0xF4:
				k->scanning = true;
				rk_push(k, 0xFA, 0);
				break;
			case 0xF5:
				k->scanning = false;
				rk_push(k, 0xFA, 0);
				break;
			default:
				rk_push(k, 0xFA, 0);
				break;
			}
			break;
		}
	} else {
		return;
	}
	rk_update(k);
}

/* ---------------------------------------------------------------------- */
/* The target.                                                             */

struct fz {
	bool has_sink, kbd_ops;
	struct cvmm_sio_serial *uart;
	struct cvmm_sio_i8042 *kbd;
	struct cvmm_sio_rtc *rtc;
	struct ru u;
	struct uart_cb ucb;
	struct rk k;
	struct kbd_cb kcb;
	int64_t clock;
	uint8_t rtc_index;
};

static void u_irq(void *ctx, bool level)
{
	struct uart_cb *cb = ctx;

	CHECK(level != cb->level, "uart: irq reported without a change");
	cb->level = level;
	cb->irq_calls++;
	cb->rises += level;
}

static size_t u_tx(void *ctx, const uint8_t *bytes, size_t len)
{
	struct uart_cb *cb = ctx;
	size_t take = len < cb->sink_budget ? len : (size_t)cb->sink_budget;

	CHECK(len > 0 && len <= FIFO, "uart: tx offered 0 or > 16 bytes");
	for (size_t i = 0; i < take; i++) {
		if (cb->out_n < sizeof(cb->out))
			cb->out[cb->out_n] = bytes[i];
		cb->out_n++;
	}
	cb->sink_budget -= take;
	return take == len && cb->overclaim ? len + 5 : take;
}

static void u_rx_empty(void *ctx)
{
	((struct uart_cb *)ctx)->rx_empty++;
}

static const struct cvmm_sio_serial_ops uart_ops = {u_irq, u_tx, u_rx_empty};
static const struct cvmm_sio_serial_ops uart_ops_nosink = {u_irq, NULL,
							   u_rx_empty};

static void k_irq(void *ctx, unsigned line, bool level)
{
	struct kbd_cb *cb = ctx;
	bool *cur = line == CVMM_SIO_I8042_IRQ_KBD ? &cb->irq1 : &cb->irq12;

	CHECK(line == CVMM_SIO_I8042_IRQ_KBD || line == CVMM_SIO_I8042_IRQ_AUX,
	      "i8042: irq line");
	CHECK(*cur != level, "i8042: irq reported without a change");
	*cur = level;
}

static void k_reset(void *ctx)
{
	((struct kbd_cb *)ctx)->resets++;
}

static const struct cvmm_sio_i8042_ops kbd_ops = {k_reset, k_irq};

static int64_t now(void *ctx)
{
	return ((struct fz *)ctx)->clock;
}

static const struct cvmm_sio_rtc_ops rtc_ops = {now};

/* The UART agrees with its reference. */
static void check_uart(struct fz *z)
{
	struct cvmm_sio_serial_stats st;
	struct ru *u = &z->u;

	cvmm_sio_serial_stats(z->uart, &st);
	CHECK(cvmm_sio_serial_irq_level(z->uart) == u->irq, "uart: irq");
	CHECK(z->ucb.level == u->irq, "uart: irq callback");
	CHECK(z->ucb.rises == u->stats.irqs && st.irqs == u->stats.irqs,
	      "uart: irq count");
	CHECK(st.tx_bytes == u->stats.tx_bytes &&
		  st.tx_lost == u->stats.tx_lost &&
		  st.rx_bytes == u->stats.rx_bytes &&
		  st.rx_overruns == u->stats.rx_overruns,
	      "uart: stats");
	CHECK(z->ucb.rx_empty == u->rx_empty, "uart: rx_empty callback");
	CHECK(cvmm_sio_serial_rx_count(z->uart) == u->rx_n, "uart: rx count");
	CHECK(cvmm_sio_serial_rx_space(z->uart) ==
		  (ru_loop(u) ? 0 : ru_cap(u) - u->rx_n),
	      "uart: rx space");
	CHECK(cvmm_sio_serial_tx_pending(z->uart) == u->tx_n,
	      "uart: tx pending");
	CHECK(cvmm_sio_serial_divisor(z->uart) ==
		  (uint16_t)((unsigned)u->dlm << 8 | u->dll),
	      "uart: divisor");
	CHECK(z->ucb.out_n == u->out_n, "uart: bytes at the sink");
	for (unsigned i = 0; i < u->out_n && i < sizeof(u->out); i++)
		CHECK(z->ucb.out[i] == u->out[i], "uart: bytes at the sink");
	if (u->out_n > 32) {
		/* Keep the last few only. */
		memmove(u->out, u->out + u->out_n - 8, 8);
		memmove(z->ucb.out, z->ucb.out + z->ucb.out_n - 8, 8);
		u->out_n = z->ucb.out_n = 8;
	}
}

static void check_kbd(struct fz *z)
{
	if (z->kbd_ops)
		CHECK(z->kcb.irq1 == z->k.irq1 && z->kcb.irq12 == z->k.irq12 &&
			  z->kcb.resets == z->k.resets,
		      "i8042: callbacks");
	CHECK(cvmm_sio_i8042_resets(z->kbd) == z->k.resets, "i8042: resets");
}

/* ---------------------------------------------------------------------- */
/* RTC checks: gmtime_r() is the calendar oracle.                          */

#define T_MIN (-INT64_C(62167219200))
#define T_MAX INT64_C(253402300799)

static int64_t rtc_guest_time(struct fz *z)
{
	int64_t off = cvmm_sio_rtc_offset(z->rtc), t;

	if (__builtin_add_overflow(z->clock, off, &t))
		t = off > 0 ? INT64_MAX : INT64_MIN;
	return t < T_MIN ? T_MIN : t > T_MAX ? T_MAX : t;
}

static uint8_t rtc_reg(struct fz *z, uint8_t reg)
{
	cvmm_sio_rtc_write(z->rtc, CVMM_SIO_RTC_INDEX, reg);
	return cvmm_sio_rtc_read(z->rtc, CVMM_SIO_RTC_DATA);
}

static bool bcd_ok(uint8_t v)
{
	return (v >> 4) <= 9 && (v & 15) <= 9;
}

static unsigned from_reg(uint8_t v, bool binary)
{
	return binary ? v : (unsigned)(v >> 4) * 10u + (v & 15u);
}

/* Read all the time registers and compare with gmtime_r(). */
static void check_rtc_time(struct fz *z)
{
	uint8_t b = rtc_reg(z, CVMM_SIO_RTC_REG_B);
	bool binary = (b & CVMM_SIO_RTC_B_BINARY) != 0;
	bool h24 = (b & CVMM_SIO_RTC_B_24H) != 0;
	static const uint8_t regs[8] = {0, 2, 4, 6, 7, 8, 9, 0x32};
	uint8_t v[8];
	time_t t;
	struct tm tm;
	unsigned hour, year;

	if (b & CVMM_SIO_RTC_B_SET)
		return; /* frozen: checked by the write-back rules */
	for (int i = 0; i < 8; i++) {
		v[i] = rtc_reg(z, regs[i]);
		if (!binary)
			CHECK(bcd_ok(regs[i] == 4 ? (uint8_t)(v[i] & 0x7F)
						  : v[i]),
			      "rtc: BCD digits");
	}
	t = (time_t)rtc_guest_time(z);
	CHECK(gmtime_r(&t, &tm) != NULL, "rtc: gmtime");
	if (h24) {
		hour = from_reg(v[2], binary);
	} else {
		hour = from_reg((uint8_t)(v[2] & 0x7F), binary);
		CHECK(hour >= 1 && hour <= 12, "rtc: 12-hour range");
		hour = hour % 12u + ((v[2] & 0x80) ? 12u : 0u);
	}
	year = from_reg(v[7], binary) * 100u + from_reg(v[6], binary);
	CHECK(from_reg(v[0], binary) == (unsigned)tm.tm_sec &&
		  from_reg(v[1], binary) == (unsigned)tm.tm_min &&
		  hour == (unsigned)tm.tm_hour &&
		  from_reg(v[3], binary) == (unsigned)tm.tm_wday + 1u &&
		  from_reg(v[4], binary) == (unsigned)tm.tm_mday &&
		  from_reg(v[5], binary) == (unsigned)tm.tm_mon + 1u &&
		  (int64_t)year == (int64_t)tm.tm_year + 1900,
	      "rtc: time registers against gmtime");
}

/* Is raw a valid encoding of a value in [lo, hi] under register B? */
static bool rtc_decodes(uint8_t raw, bool binary, unsigned lo, unsigned hi,
			unsigned *out)
{
	unsigned v = raw;

	if (!binary) {
		if (!bcd_ok(raw))
			return false;
		v = from_reg(raw, false);
	}
	*out = v;
	return v >= lo && v <= hi;
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned mdays(unsigned y, unsigned m)
{
	static const unsigned d[12] = {31, 28, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* A guest write of a time register while the clock runs: predict whether
 * it takes effect, then check the register reads back what was written. */
static void rtc_write_time(struct fz *z, uint8_t reg, uint8_t value)
{
	uint8_t b = rtc_reg(z, CVMM_SIO_RTC_REG_B);
	bool binary = (b & CVMM_SIO_RTC_B_BINARY) != 0;
	bool h24 = (b & CVMM_SIO_RTC_B_24H) != 0, frozen = (b & 0x80) != 0;
	uint64_t bad = cvmm_sio_rtc_bad_writes(z->rtc);
	time_t t = (time_t)rtc_guest_time(z);
	struct tm tm;
	unsigned v = 0, sec, min, hour, day, mon, year;
	bool ok;

	CHECK(gmtime_r(&t, &tm) != NULL, "rtc: gmtime");
	sec = (unsigned)tm.tm_sec, min = (unsigned)tm.tm_min;
	hour = (unsigned)tm.tm_hour, day = (unsigned)tm.tm_mday;
	mon = (unsigned)tm.tm_mon + 1, year = (unsigned)(tm.tm_year + 1900);
	switch (reg) {
	case 0:
		ok = rtc_decodes(value, binary, 0, 59, &sec);
		break;
	case 2:
		ok = rtc_decodes(value, binary, 0, 59, &min);
		break;
	case 4:
		if (h24) {
			ok = rtc_decodes(value, binary, 0, 23, &hour);
		} else {
			ok = rtc_decodes((uint8_t)(value & 0x7F), binary, 1, 12,
					 &v);
			hour = v % 12 + ((value & 0x80) ? 12 : 0);
		}
		break;
	case 7:
		ok = rtc_decodes(value, binary, 1, 31, &day);
		break;
	case 8:
		ok = rtc_decodes(value, binary, 1, 12, &mon);
		break;
	case 9:
		ok = rtc_decodes(value, binary, 0, 99, &v);
		year = year / 100 * 100 + v;
		break;
	default: /* 0x32 */
		ok = rtc_decodes(value, binary, 0, 99, &v);
		year = v * 100 + year % 100;
		break;
	}
	cvmm_sio_rtc_write(z->rtc, CVMM_SIO_RTC_INDEX, reg);
	cvmm_sio_rtc_write(z->rtc, CVMM_SIO_RTC_DATA, value);
	if (frozen) {
		/* Stored for when SET clears; invalid encodings are bad
		 * writes at once. */
		CHECK(cvmm_sio_rtc_bad_writes(z->rtc) == bad + !ok,
		      "rtc: bad write count (frozen)");
		if (ok && reg != 4)
			CHECK(rtc_reg(z, reg) == value,
			      "rtc: frozen register reads back");
		return;
	}
	ok = ok && day <= mdays(year, mon);
	if (ok) {
		/* The new time must be representable as an offset. */
		struct tm n = tm;
		int64_t off;

		n.tm_sec = (int)sec, n.tm_min = (int)min, n.tm_hour = (int)hour;
		n.tm_mday = (int)day, n.tm_mon = (int)mon - 1;
		n.tm_year = (int)year - 1900;
		n.tm_isdst = 0;
		ok = !__builtin_sub_overflow((int64_t)timegm(&n), z->clock,
					     &off);
	}
	CHECK(cvmm_sio_rtc_bad_writes(z->rtc) == bad + !ok,
	      "rtc: bad write count");
	if (ok && reg != 4) {
		/* What reads back is what was written (same encoding). */
		uint8_t back = rtc_reg(z, reg);

		if (binary || bcd_ok(value))
			CHECK(back == value, "rtc: register reads back");
	}
}

static void rtc_op(struct fz *z, struct cvmm_fi *in)
{
	static const uint8_t regs[] = {0x00, 0x01, 0x02, 0x04, 0x06, 0x07,
				       0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
				       0x0E, 0x32, 0x7F, 0x80};
	uint8_t reg = regs[cvmm_fi_range(in, 0, 15)];

	switch (cvmm_fi_range(in, 0, 5)) {
	case 0: { /* write, with a value in range or raw */
		uint8_t v = cvmm_fi_u8(in);
		bool time_reg = reg == 0 || reg == 2 || reg == 4 || reg == 7 ||
				reg == 8 || reg == 9 || reg == 0x32;

		if (time_reg) {
			rtc_write_time(z, reg, v);
			break;
		}
		cvmm_sio_rtc_write(z->rtc, CVMM_SIO_RTC_INDEX, reg);
		cvmm_sio_rtc_write(z->rtc, CVMM_SIO_RTC_DATA, v);
		reg &= 0x7F;
		if (reg == CVMM_SIO_RTC_REG_A)
			CHECK(rtc_reg(z, reg) == (v & 0x7F), "rtc: register A");
		else if (reg == CVMM_SIO_RTC_REG_B)
			CHECK(rtc_reg(z, reg) ==
				  ((v & 0x80) ? (v & (uint8_t)~0x10) : v),
			      "rtc: register B");
		else if (reg >= 0x0E || reg == 1)
			CHECK(rtc_reg(z, reg) == v, "rtc: RAM reads back");
		break;
	}
	case 1: { /* read register C twice: the second sees no update */
		uint64_t other = 2 + (uint64_t)cvmm_fi_u8(in);
		uint8_t c1 = rtc_reg(z, CVMM_SIO_RTC_REG_C);
		uint8_t c2 = rtc_reg(z, CVMM_SIO_RTC_REG_C);

		CHECK((c1 & 0x6F) == 0 && c2 == 0, "rtc: register C");
		if (c1 & CVMM_SIO_RTC_C_IRQF)
			CHECK((c1 & CVMM_SIO_RTC_C_UF) &&
				  (rtc_reg(z, CVMM_SIO_RTC_REG_B) &
				   CVMM_SIO_RTC_B_UIE),
			      "rtc: IRQF without UF and UIE");
		CHECK(rtc_reg(z, CVMM_SIO_RTC_REG_D) == CVMM_SIO_RTC_D_VRT,
		      "rtc: register D");
		CHECK(cvmm_sio_rtc_read(z->rtc, CVMM_SIO_RTC_INDEX) == 0xFF &&
			  cvmm_sio_rtc_read(z->rtc, other) == 0xFF,
		      "rtc: open bus");
		break;
	}
	case 2: /* the clock moves */
		switch (cvmm_fi_range(in, 0, 2)) {
		case 0: /* wrapping, as a raw clock may */
			z->clock = (int64_t)((uint64_t)z->clock +
					     cvmm_fi_range(in, 0, 100000));
			break;
		case 1:
			z->clock = (int64_t)((uint64_t)z->clock -
					     cvmm_fi_range(in, 0, 100000));
			break;
		default:
			z->clock = (int64_t)cvmm_fi_u64(in);
			break;
		}
		break;
	case 3: /* the VMM sets the offset */
		cvmm_sio_rtc_set_offset(
		    z->rtc,
		    cvmm_fi_bool(in)
			? (int64_t)cvmm_fi_u64(in)
			: (int64_t)cvmm_fi_range(in, 0, 1u << 30) - (1 << 29));
		break;
	case 4: { /* NVRAM from the host */
		uint8_t idx = cvmm_fi_u8(in), v = cvmm_fi_u8(in), got = 0;
		bool valid = idx > 0x0D && idx < 0x80 && idx != 0x32;

		CHECK(cvmm_sio_rtc_nvram_set(z->rtc, idx, v) ==
			  (valid ? 0 : -ERANGE),
		      "rtc: nvram range");
		CHECK(cvmm_sio_rtc_nvram_get(z->rtc, idx, &got) ==
			      (valid ? 0 : -ERANGE) &&
			  (!valid || got == v),
		      "rtc: nvram");
		break;
	}
	default:
		check_rtc_time(z);
		break;
	}
}

/* ---------------------------------------------------------------------- */

static uint8_t pick_kbd_byte(struct cvmm_fi *in)
{
	static const uint8_t cmds[] = {
	    0x20, 0x60, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAD, 0xAE, 0xC0,
	    0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xE0, 0xF0, 0xF2, 0xEE, 0xED,
	    0xF3, 0xF4, 0xF5, 0xF6, 0xFE, 0xFF, 0x00, 0x47};

	if (cvmm_fi_bool(in))
		return cmds[cvmm_fi_range(in, 0, sizeof(cmds) - 1)];
	return cvmm_fi_u8(in);
}

static void run_op(struct fz *z, struct cvmm_fi *in)
{
	switch (cvmm_fi_range(in, 0, 15)) {
	case 0:
	case 1: { /* UART read */
		uint64_t off = cvmm_fi_range(in, 0, 9);
		uint8_t want = ru_read(&z->u, off);
		uint8_t got = cvmm_sio_serial_read(z->uart, off);

		CHECK(got == want, "uart: register read");
		break;
	}
	case 2:
	case 3: { /* UART write */
		uint64_t off = cvmm_fi_range(in, 0, 9);
		uint8_t v = cvmm_fi_u8(in);

		ru_write(&z->u, &z->ucb, off, v, z->has_sink);
		cvmm_sio_serial_write(z->uart, off, v);
		break;
	}
	case 4: { /* host input */
		uint8_t b[24];
		size_t n = (size_t)cvmm_fi_range(in, 0, sizeof(b)), took, want;

		cvmm_fi_bytes(in, b, n);
		want = ru_loop(&z->u) ? 0 : ru_cap(&z->u) - z->u.rx_n;
		want = want < n ? want : n;
		for (size_t i = 0; i < want; i++)
			ru_rx_append(&z->u, b[i], false);
		z->u.stats.rx_bytes += want;
		ru_update_irq(&z->u);
		took = cvmm_sio_serial_enqueue(z->uart, n ? b : NULL, n);
		CHECK(took == want, "uart: enqueue");
		break;
	}
	case 5: { /* break */
		int want = ru_loop(&z->u)		? -EBUSY
			   : z->u.rx_n == ru_cap(&z->u) ? -ENOSPC
							: 0;

		if (want == 0) {
			ru_rx_append(&z->u, 0, true);
			ru_update_irq(&z->u);
		}
		CHECK(cvmm_sio_serial_send_break(z->uart) == want,
		      "uart: send_break");
		break;
	}
	case 6: { /* the sink: new budget, then flush */
		size_t left;

		z->ucb.sink_budget =
		    cvmm_fi_bool(in) ? UINT64_MAX : cvmm_fi_range(in, 0, 20);
		z->ucb.overclaim = cvmm_fi_bool(in);
		ru_drain(&z->u, &z->ucb, z->has_sink);
		ru_update_irq(&z->u);
		left = cvmm_sio_serial_tx_flush(z->uart);
		CHECK(left == z->u.tx_n, "uart: tx_flush");
		break;
	}
	case 7: { /* modem lines */
		uint8_t v = cvmm_fi_u8(in);

		z->u.ext_lines = (uint8_t)(v & 0xF0);
		if (!ru_loop(&z->u))
			ru_set_lines(&z->u, z->u.ext_lines);
		ru_update_irq(&z->u);
		cvmm_sio_serial_set_modem_lines(z->uart, v);
		break;
	}
	case 8: { /* i8042 read */
		uint64_t off = cvmm_fi_range(in, 0, 6);
		uint8_t want = rk_read(&z->k, off);

		CHECK(cvmm_sio_i8042_read(z->kbd, off) == want,
		      "i8042: register read");
		break;
	}
	case 9:
	case 10: { /* i8042 write */
		uint64_t off = cvmm_fi_bool(in) ? 4 : cvmm_fi_range(in, 0, 6);
		uint8_t v = pick_kbd_byte(in);

		rk_write(&z->k, off, v);
		cvmm_sio_i8042_write(z->kbd, off, v);
		break;
	}
	case 11: { /* keyboard input from the host */
		uint8_t b[20];
		size_t n = (size_t)cvmm_fi_range(in, 0, sizeof(b)), want = 0;

		cvmm_fi_bytes(in, b, n);
		if (rk_enabled(&z->k)) {
			while (want < n && z->k.n < CVMM_SIO_I8042_QUEUE)
				rk_push(&z->k, b[want++], 0);
		}
		rk_update(&z->k);
		CHECK(cvmm_sio_i8042_push_kbd(z->kbd, n ? b : NULL, n) == want,
		      "i8042: push_kbd");
		break;
	}
	case 12: { /* Ctrl+Alt+Del */
		static const uint8_t set1[] = {0x1D, 0x38, 0xE0, 0x53,
					       0xE0, 0xD3, 0xB8, 0x9D};
		static const uint8_t set2[] = {0x14, 0x11, 0xE0, 0x71,
					       0xE0, 0xF0, 0x71, 0xF0,
					       0x11, 0xF0, 0x14};
		bool xl = (z->k.ctr & CVMM_SIO_I8042_CTR_XLATE) != 0;
		const uint8_t *seq = xl ? set1 : set2;
		unsigned n = xl ? 8 : 11;
		int want = !rk_enabled(&z->k)		       ? -EBUSY
			   : CVMM_SIO_I8042_QUEUE - z->k.n < n ? -ENOSPC
							       : 0;

		for (unsigned i = 0; want == 0 && i < n; i++)
			rk_push(&z->k, seq[i], 0);
		rk_update(&z->k);
		CHECK(cvmm_sio_i8042_ctrl_alt_del(z->kbd) == want,
		      "i8042: ctrl_alt_del");
		break;
	}
	default:
		rtc_op(z, in);
		break;
	}
	check_uart(z);
	check_kbd(z);
}

static int64_t decode_clock(struct cvmm_fi *in)
{
	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		return INT64_C(1700000000) +
		       (int64_t)cvmm_fi_range(in, 0, UINT32_MAX);
	case 1:
		return (int64_t)cvmm_fi_range(in, 0, 65535);
	case 2:
		return (int64_t)cvmm_fi_u64(in);
	default: {
		bool top = cvmm_fi_bool(in);
		int64_t d = (int64_t)cvmm_fi_range(in, 0, 1u << 21) - (1 << 20);
		return (top ? T_MAX : T_MIN) + d;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz *z = calloc(1, sizeof(*z));
	struct cvmm_fi in;
	uint8_t cfg;

	if (z == NULL)
		return 0;
	cvmm_fi_init(&in, data, size);
	cfg = cvmm_fi_u8(&in);
	z->has_sink = (cfg & 1) == 0;
	z->kbd_ops = (cfg & 2) == 0;
	z->clock = decode_clock(&in);
	z->ucb.sink_budget = UINT64_MAX;
	/* References in their documented power-on states. */
	z->u.lcr = 0x03;
	z->u.dll = CVMM_SIO_SERIAL_DEFAULT_DIVISOR;
	z->u.ext_lines = z->u.lines = CVMM_SIO_SERIAL_MSR_DCD |
				      CVMM_SIO_SERIAL_MSR_DSR |
				      CVMM_SIO_SERIAL_MSR_CTS;
	z->k.ctr = CVMM_SIO_I8042_CTR_DEFAULT;
	z->k.outport = 0x03;
	z->k.scanning = true;
	if (cvmm_sio_serial_create(z->has_sink ? &uart_ops : &uart_ops_nosink,
				   &z->ucb, &z->uart) != 0 ||
	    cvmm_sio_i8042_create(z->kbd_ops ? &kbd_ops : NULL, &z->kcb,
				  &z->kbd) != 0 ||
	    cvmm_sio_rtc_create(&rtc_ops, z, &z->rtc) != 0)
		goto out;
	check_uart(z);
	check_kbd(z);
	for (unsigned op = 0; op < MAX_OPS && !cvmm_fi_done(&in); op++)
		run_op(z, &in);
out:
	cvmm_sio_serial_destroy(z->uart);
	cvmm_sio_i8042_destroy(z->kbd);
	cvmm_sio_rtc_destroy(z->rtc);
	free(z);
	return 0;
}
