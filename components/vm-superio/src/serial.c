/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 16550A UART. Every guest operation ends with update_irq(), which
 * recomputes the highest-priority pending cause and reports a change of the
 * interrupt output; nothing else calls ops->irq.
 */
#include <cvmm/sio-serial.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FIFO CVMM_SIO_SERIAL_FIFO

struct cvmm_sio_serial {
	const struct cvmm_sio_serial_ops *ops;
	void *ctx;

	/* Receive FIFO: ring of FIFO entries, break flag per entry. */
	uint8_t rx[FIFO];
	bool rx_brk[FIFO];
	unsigned rx_head, rx_count;
	uint8_t rbr_last;

	/* Transmit FIFO. */
	uint8_t tx[FIFO];
	unsigned tx_head, tx_count;

	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo_on;
	uint8_t trigger_bits; /* FCR bits 6-7 */
	uint8_t lsr_err;      /* sticky OE and BI, cleared by reading LSR */
	uint8_t ext_lines;    /* modem inputs from the host */
	uint8_t lines;	      /* MSR bits 4-7 as the guest sees them */
	uint8_t msr_delta;    /* MSR bits 0-3 */
	bool thre_pending;
	bool irq_level;

	struct cvmm_sio_serial_stats stats;
};

#define LINES_MASK                                                             \
	(CVMM_SIO_SERIAL_MSR_CTS | CVMM_SIO_SERIAL_MSR_DSR |                   \
	 CVMM_SIO_SERIAL_MSR_RI | CVMM_SIO_SERIAL_MSR_DCD)

static unsigned capacity(const struct cvmm_sio_serial *s)
{
	return s->fifo_on ? FIFO : 1u;
}

static bool loopback(const struct cvmm_sio_serial *s)
{
	return (s->mcr & CVMM_SIO_SERIAL_MCR_LOOP) != 0;
}

static unsigned trigger_level(const struct cvmm_sio_serial *s)
{
	static const unsigned levels[4] = {1, 4, 8, 14};

	return s->fifo_on ? levels[s->trigger_bits >> 6] : 1u;
}

/* The cause IIR reports now (CVMM_SIO_SERIAL_IIR_*, without FIFO bits). */
static uint8_t pending_cause(const struct cvmm_sio_serial *s)
{
	if ((s->ier & CVMM_SIO_SERIAL_IER_RLS) &&
	    (s->lsr_err & (CVMM_SIO_SERIAL_LSR_OE | CVMM_SIO_SERIAL_LSR_BI)))
		return CVMM_SIO_SERIAL_IIR_RLS;
	if ((s->ier & CVMM_SIO_SERIAL_IER_RDA) && s->rx_count > 0)
		return s->rx_count >= trigger_level(s)
			   ? CVMM_SIO_SERIAL_IIR_RDA
			   : CVMM_SIO_SERIAL_IIR_TIMEOUT;
	if ((s->ier & CVMM_SIO_SERIAL_IER_THRE) && s->thre_pending)
		return CVMM_SIO_SERIAL_IIR_THRE;
	if ((s->ier & CVMM_SIO_SERIAL_IER_MS) && s->msr_delta != 0)
		return CVMM_SIO_SERIAL_IIR_MS;
	return CVMM_SIO_SERIAL_IIR_NONE;
}

static void update_irq(struct cvmm_sio_serial *s)
{
	bool level = pending_cause(s) != CVMM_SIO_SERIAL_IIR_NONE;

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	if (level)
		s->stats.irqs++;
	if (s->ops != NULL && s->ops->irq != NULL)
		s->ops->irq(s->ctx, level);
}

static void set_lines(struct cvmm_sio_serial *s, uint8_t lines)
{
	uint8_t changed = (uint8_t)(s->lines ^ lines);

	if (changed & CVMM_SIO_SERIAL_MSR_CTS)
		s->msr_delta |= CVMM_SIO_SERIAL_MSR_DCTS;
	if (changed & CVMM_SIO_SERIAL_MSR_DSR)
		s->msr_delta |= CVMM_SIO_SERIAL_MSR_DDSR;
	if (changed & CVMM_SIO_SERIAL_MSR_DCD)
		s->msr_delta |= CVMM_SIO_SERIAL_MSR_DDCD;
	/* TERI: the trailing edge of RI, 1 -> 0. */
	if ((s->lines & CVMM_SIO_SERIAL_MSR_RI) &&
	    !(lines & CVMM_SIO_SERIAL_MSR_RI))
		s->msr_delta |= CVMM_SIO_SERIAL_MSR_TERI;
	s->lines = lines;
}

/* The modem inputs loopback mode derives from MCR. */
static uint8_t loop_lines(uint8_t mcr)
{
	uint8_t lines = 0;

	if (mcr & CVMM_SIO_SERIAL_MCR_RTS)
		lines |= CVMM_SIO_SERIAL_MSR_CTS;
	if (mcr & CVMM_SIO_SERIAL_MCR_DTR)
		lines |= CVMM_SIO_SERIAL_MSR_DSR;
	if (mcr & CVMM_SIO_SERIAL_MCR_OUT1)
		lines |= CVMM_SIO_SERIAL_MSR_RI;
	if (mcr & CVMM_SIO_SERIAL_MCR_OUT2)
		lines |= CVMM_SIO_SERIAL_MSR_DCD;
	return lines;
}

static void rx_clear(struct cvmm_sio_serial *s)
{
	bool had = s->rx_count > 0;

	s->rx_head = 0;
	s->rx_count = 0;
	memset(s->rx_brk, 0, sizeof(s->rx_brk));
	if (had && s->ops != NULL && s->ops->rx_empty != NULL)
		s->ops->rx_empty(s->ctx);
}

static void tx_clear(struct cvmm_sio_serial *s)
{
	if (s->tx_count > 0)
		s->thre_pending = true;
	s->tx_head = 0;
	s->tx_count = 0;
}

/* Append to the receive FIFO; the caller checked there is room. */
static void rx_append(struct cvmm_sio_serial *s, uint8_t b, bool brk)
{
	unsigned i = (s->rx_head + s->rx_count) % FIFO;

	s->rx[i] = b;
	s->rx_brk[i] = brk;
	if (s->rx_count == 0 && brk)
		s->lsr_err |= CVMM_SIO_SERIAL_LSR_BI;
	s->rx_count++;
}

/* A byte from the transmitter in loopback mode. */
static void rx_loop(struct cvmm_sio_serial *s, uint8_t b)
{
	if (s->rx_count < capacity(s)) {
		rx_append(s, b, false);
		return;
	}
	s->lsr_err |= CVMM_SIO_SERIAL_LSR_OE;
	s->stats.rx_overruns++;
	/* 16450 mode: the new character replaces the unread one. In FIFO
	 * mode the character in the shift register is lost instead. */
	if (!s->fifo_on) {
		s->rx[s->rx_head] = b;
		s->rx_brk[s->rx_head] = false;
	}
}

/* Take n bytes off the head of the transmit FIFO. */
static void tx_consume(struct cvmm_sio_serial *s, unsigned n)
{
	s->tx_head = (s->tx_head + n) % FIFO;
	s->tx_count -= n;
}

/* Send what the transmit FIFO holds: to the receiver in loopback mode,
 * else to the sink until it pushes back. */
static void tx_drain(struct cvmm_sio_serial *s)
{
	if (s->tx_count == 0)
		return;
	if (loopback(s)) {
		while (s->tx_count > 0) {
			rx_loop(s, s->tx[s->tx_head]);
			tx_consume(s, 1);
		}
	} else if (s->ops == NULL || s->ops->tx == NULL) {
		s->stats.tx_bytes += s->tx_count;
		tx_consume(s, s->tx_count);
	} else {
		while (s->tx_count > 0) {
			unsigned chunk = FIFO - s->tx_head;
			size_t took;

			if (chunk > s->tx_count)
				chunk = s->tx_count;
			took = s->ops->tx(s->ctx, &s->tx[s->tx_head], chunk);
			if (took > chunk)
				took = chunk;
			s->stats.tx_bytes += took;
			tx_consume(s, (unsigned)took);
			if (took < chunk)
				return;
		}
	}
	/* The FIFO drained. */
	s->thre_pending = true;
}

int cvmm_sio_serial_create(const struct cvmm_sio_serial_ops *ops, void *ctx,
			   struct cvmm_sio_serial **out)
{
	struct cvmm_sio_serial *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->ops = ops;
	s->ctx = ctx;
	s->lcr = 0x03;
	s->dll = CVMM_SIO_SERIAL_DEFAULT_DIVISOR;
	s->ext_lines = CVMM_SIO_SERIAL_MSR_DCD | CVMM_SIO_SERIAL_MSR_DSR |
		       CVMM_SIO_SERIAL_MSR_CTS;
	s->lines = s->ext_lines;
	*out = s;
	return 0;
}

void cvmm_sio_serial_destroy(struct cvmm_sio_serial *s)
{
	free(s);
}

static uint8_t read_rbr(struct cvmm_sio_serial *s)
{
	if (s->rx_count == 0)
		return s->rbr_last; /* the chip returns the stale byte */
	s->rbr_last = s->rx[s->rx_head];
	s->rx_brk[s->rx_head] = false;
	s->rx_head = (s->rx_head + 1) % FIFO;
	s->rx_count--;
	if (s->rx_count == 0) {
		if (s->ops != NULL && s->ops->rx_empty != NULL)
			s->ops->rx_empty(s->ctx);
	} else if (s->rx_brk[s->rx_head]) {
		s->lsr_err |= CVMM_SIO_SERIAL_LSR_BI;
	}
	return s->rbr_last;
}

static uint8_t read_lsr(struct cvmm_sio_serial *s)
{
	uint8_t v = s->lsr_err;

	if (s->rx_count > 0)
		v |= CVMM_SIO_SERIAL_LSR_DR;
	if (s->tx_count == 0)
		v |= CVMM_SIO_SERIAL_LSR_THRE | CVMM_SIO_SERIAL_LSR_TEMT;
	if (s->fifo_on) {
		for (unsigned i = 0; i < s->rx_count; i++) {
			if (s->rx_brk[(s->rx_head + i) % FIFO]) {
				v |= CVMM_SIO_SERIAL_LSR_FIFO_ERR;
				break;
			}
		}
	}
	s->lsr_err = 0;
	return v;
}

static uint8_t read_iir(struct cvmm_sio_serial *s)
{
	uint8_t cause = pending_cause(s);

	if (cause == CVMM_SIO_SERIAL_IIR_THRE)
		s->thre_pending = false;
	return (uint8_t)(cause | (s->fifo_on ? CVMM_SIO_SERIAL_IIR_FIFO : 0));
}

uint8_t cvmm_sio_serial_read(struct cvmm_sio_serial *s, uint64_t offset)
{
	bool dlab = (s->lcr & CVMM_SIO_SERIAL_LCR_DLAB) != 0;
	uint8_t v;

	switch (offset) {
	case CVMM_SIO_SERIAL_RBR:
		v = dlab ? s->dll : read_rbr(s);
		break;
	case CVMM_SIO_SERIAL_IER:
		v = dlab ? s->dlm : s->ier;
		break;
	case CVMM_SIO_SERIAL_IIR:
		v = read_iir(s);
		break;
	case CVMM_SIO_SERIAL_LCR:
		v = s->lcr;
		break;
	case CVMM_SIO_SERIAL_MCR:
		v = s->mcr;
		break;
	case CVMM_SIO_SERIAL_LSR:
		v = read_lsr(s);
		break;
	case CVMM_SIO_SERIAL_MSR:
		v = (uint8_t)(s->lines | s->msr_delta);
		s->msr_delta = 0;
		break;
	case CVMM_SIO_SERIAL_SCR:
		v = s->scr;
		break;
	default:
		return CVMM_SIO_OPEN_BUS;
	}
	update_irq(s);
	return v;
}

static void write_thr(struct cvmm_sio_serial *s, uint8_t value)
{
	unsigned bits = 5u + (s->lcr & CVMM_SIO_SERIAL_LCR_WLS_MASK);
	uint8_t b = (uint8_t)(value & ((1u << bits) - 1u));

	s->thre_pending = false;
	if (s->tx_count < capacity(s)) {
		s->tx[(s->tx_head + s->tx_count) % FIFO] = b;
		s->tx_count++;
	} else {
		s->stats.tx_lost++;
	}
	tx_drain(s);
}

static void write_ier(struct cvmm_sio_serial *s, uint8_t value)
{
	uint8_t old = s->ier;

	s->ier = (uint8_t)(value & 0x0Fu);
	if (!(s->ier & CVMM_SIO_SERIAL_IER_THRE))
		s->thre_pending = false;
	else if (!(old & CVMM_SIO_SERIAL_IER_THRE) && s->tx_count == 0)
		s->thre_pending = true;
}

static void write_fcr(struct cvmm_sio_serial *s, uint8_t value)
{
	bool on = (value & CVMM_SIO_SERIAL_FCR_ENABLE) != 0;

	if (on != s->fifo_on) {
		rx_clear(s);
		tx_clear(s);
		s->fifo_on = on;
	}
	if (value & CVMM_SIO_SERIAL_FCR_CLEAR_RX)
		rx_clear(s);
	if (value & CVMM_SIO_SERIAL_FCR_CLEAR_TX)
		tx_clear(s);
	s->trigger_bits = (uint8_t)(value & CVMM_SIO_SERIAL_FCR_TRIG_14);
}

static void write_mcr(struct cvmm_sio_serial *s, uint8_t value)
{
	s->mcr = (uint8_t)(value & 0x1Fu);
	set_lines(s, loopback(s) ? loop_lines(s->mcr) : s->ext_lines);
}

void cvmm_sio_serial_write(struct cvmm_sio_serial *s, uint64_t offset,
			   uint8_t value)
{
	bool dlab = (s->lcr & CVMM_SIO_SERIAL_LCR_DLAB) != 0;

	switch (offset) {
	case CVMM_SIO_SERIAL_THR:
		if (dlab)
			s->dll = value;
		else
			write_thr(s, value);
		break;
	case CVMM_SIO_SERIAL_IER:
		if (dlab)
			s->dlm = value;
		else
			write_ier(s, value);
		break;
	case CVMM_SIO_SERIAL_FCR:
		write_fcr(s, value);
		break;
	case CVMM_SIO_SERIAL_LCR:
		s->lcr = value;
		break;
	case CVMM_SIO_SERIAL_MCR:
		write_mcr(s, value);
		break;
	case CVMM_SIO_SERIAL_SCR:
		s->scr = value;
		break;
	default:
		/* LSR and MSR are read-only; other offsets decode nothing. */
		return;
	}
	update_irq(s);
}

size_t cvmm_sio_serial_rx_space(const struct cvmm_sio_serial *s)
{
	return loopback(s) ? 0 : capacity(s) - s->rx_count;
}

size_t cvmm_sio_serial_rx_count(const struct cvmm_sio_serial *s)
{
	return s->rx_count;
}

size_t cvmm_sio_serial_enqueue(struct cvmm_sio_serial *s, const uint8_t *bytes,
			       size_t len)
{
	size_t n = cvmm_sio_serial_rx_space(s);

	if (n > len)
		n = len;
	for (size_t i = 0; i < n; i++)
		rx_append(s, bytes[i], false);
	s->stats.rx_bytes += n;
	update_irq(s);
	return n;
}

int cvmm_sio_serial_send_break(struct cvmm_sio_serial *s)
{
	if (loopback(s))
		return -EBUSY;
	if (s->rx_count == capacity(s))
		return -ENOSPC;
	rx_append(s, 0, true);
	update_irq(s);
	return 0;
}

size_t cvmm_sio_serial_tx_flush(struct cvmm_sio_serial *s)
{
	tx_drain(s);
	update_irq(s);
	return s->tx_count;
}

size_t cvmm_sio_serial_tx_pending(const struct cvmm_sio_serial *s)
{
	return s->tx_count;
}

void cvmm_sio_serial_set_modem_lines(struct cvmm_sio_serial *s, uint8_t lines)
{
	s->ext_lines = (uint8_t)(lines & LINES_MASK);
	if (!loopback(s))
		set_lines(s, s->ext_lines);
	update_irq(s);
}

uint16_t cvmm_sio_serial_divisor(const struct cvmm_sio_serial *s)
{
	return (uint16_t)((unsigned)s->dlm << 8 | s->dll);
}

bool cvmm_sio_serial_irq_level(const struct cvmm_sio_serial *s)
{
	return s->irq_level;
}

void cvmm_sio_serial_stats(const struct cvmm_sio_serial *s,
			   struct cvmm_sio_serial_stats *out)
{
	*out = s->stats;
}
