/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the 16550A UART: every register, FIFO and interrupt rule. */
#include <cvmm/sio-serial.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc-fail.h"

#define R(off)	  cvmm_sio_serial_read(s, CVMM_SIO_SERIAL_##off)
#define W(off, v) cvmm_sio_serial_write(s, CVMM_SIO_SERIAL_##off, (v))
#define IIR_ID(v) ((v)&0x0Fu)
#define ALL	  SIZE_MAX

/* What the callbacks saw. */
struct rec {
	unsigned irq_calls, rises;
	bool level;
	uint8_t out[512];
	size_t out_len;
	size_t accept; /* bytes the sink takes per call */
	unsigned tx_calls;
	unsigned rx_empty;
};

static void rec_irq(void *ctx, bool level)
{
	struct rec *r = ctx;

	/* Only changes are reported. */
	assert_true(level != r->level);
	r->irq_calls++;
	if (level)
		r->rises++;
	r->level = level;
}

static size_t rec_tx(void *ctx, const uint8_t *bytes, size_t len)
{
	struct rec *r = ctx;
	size_t n = len < r->accept ? len : r->accept;

	assert_true(len > 0);
	assert_true(r->out_len + n <= sizeof(r->out));
	memcpy(r->out + r->out_len, bytes, n);
	r->out_len += n;
	r->tx_calls++;
	return n;
}

/* A sink that claims to take more than it was offered. */
static size_t greedy_tx(void *ctx, const uint8_t *bytes, size_t len)
{
	(void)ctx;
	(void)bytes;
	return len + 100;
}

static void rec_rx_empty(void *ctx)
{
	((struct rec *)ctx)->rx_empty++;
}

static const struct cvmm_sio_serial_ops rec_ops = {rec_irq, rec_tx,
						   rec_rx_empty};

static struct cvmm_sio_serial *make(struct rec *r)
{
	struct cvmm_sio_serial *s = NULL;

	memset(r, 0, sizeof(*r));
	r->accept = ALL;
	assert_int_equal(cvmm_sio_serial_create(&rec_ops, r, &s), 0);
	assert_non_null(s);
	return s;
}

static void reset_state_and_open_bus(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);

	(void)state;
	assert_int_equal(R(IER), 0);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_NONE);
	assert_int_equal(R(LCR), 0x03);
	assert_int_equal(R(MCR), 0);
	assert_int_equal(R(LSR),
			 CVMM_SIO_SERIAL_LSR_THRE | CVMM_SIO_SERIAL_LSR_TEMT);
	assert_int_equal(R(MSR), CVMM_SIO_SERIAL_MSR_DCD |
				     CVMM_SIO_SERIAL_MSR_DSR |
				     CVMM_SIO_SERIAL_MSR_CTS);
	assert_int_equal(R(SCR), 0);
	assert_int_equal(R(RBR), 0);
	assert_int_equal(cvmm_sio_serial_divisor(s), 12);
	assert_false(cvmm_sio_serial_irq_level(s));
	/* Offsets beyond the 8 registers are open bus, writes ignored. */
	assert_int_equal(cvmm_sio_serial_read(s, 8), 0xFF);
	assert_int_equal(cvmm_sio_serial_read(s, 0x100), 0xFF);
	assert_int_equal(cvmm_sio_serial_read(s, UINT64_MAX), 0xFF);
	cvmm_sio_serial_write(s, 8, 0x55);
	cvmm_sio_serial_write(s, UINT64_MAX, 0x55);
	assert_int_equal(r.out_len, 0);
	/* LSR and MSR are read-only. */
	W(LSR, 0x00);
	W(MSR, 0x00);
	assert_int_equal(R(LSR), 0x60);
	assert_int_equal(R(MSR), 0xB0);
	assert_int_equal(r.irq_calls, 0);
	cvmm_sio_serial_destroy(s);
	cvmm_sio_serial_destroy(NULL);
}

static void scratch_dlab_lcr_mcr(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);

	(void)state;
	W(SCR, 0xA5);
	assert_int_equal(R(SCR), 0xA5);
	W(IER, 0xFF);
	/* IER bits 4-7 do not exist on a 16550A. */
	assert_int_equal(R(IER), 0x0F);
	W(IER, 0x00);
	W(LCR, CVMM_SIO_SERIAL_LCR_DLAB | 0x03);
	W(DLL, 0x01);
	W(DLM, 0x02);
	assert_int_equal(R(DLL), 0x01);
	assert_int_equal(R(DLM), 0x02);
	assert_int_equal(cvmm_sio_serial_divisor(s), 0x0201);
	/* With DLAB set, offset 0 writes do not transmit. */
	assert_int_equal(r.out_len, 0);
	W(LCR, 0x03);
	assert_int_equal(R(IER), 0x00);
	assert_int_equal(R(LCR), 0x03);
	W(LCR, 0x5B);
	assert_int_equal(R(LCR), 0x5B);
	/* MCR bits 5-7 do not exist. */
	W(MCR, 0xEF);
	assert_int_equal(R(MCR), 0x0F);
	cvmm_sio_serial_destroy(s);
}

static void transmit_goes_to_the_sink(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);
	struct cvmm_sio_serial_stats st;

	(void)state;
	W(THR, 'h');
	W(THR, 'i');
	assert_int_equal(r.out_len, 2);
	assert_memory_equal(r.out, "hi", 2);
	assert_int_equal(R(LSR) & 0x60, 0x60);
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 0);
	/* 5-bit words: the byte is masked to the word length. */
	W(LCR, 0x00);
	W(THR, 0xFF);
	W(LCR, 0x02); /* 7 bits */
	W(THR, 0xFF);
	assert_int_equal(r.out[2], 0x1F);
	assert_int_equal(r.out[3], 0x7F);
	cvmm_sio_serial_stats(s, &st);
	assert_true(st.tx_bytes == 4);
	assert_true(st.tx_lost == 0);
	cvmm_sio_serial_destroy(s);
}

static void thre_interrupt_on_enable(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);
	uint8_t iir1, iir2;

	(void)state;
	/* Linux's UART_BUG_THRE probe: enable, read IIR, disable, enable,
	 * read IIR again; both must report THRE. */
	W(IER, CVMM_SIO_SERIAL_IER_THRE);
	assert_true(r.level);
	assert_true(cvmm_sio_serial_irq_level(s));
	iir1 = R(IIR);
	assert_int_equal(iir1, CVMM_SIO_SERIAL_IIR_THRE);
	/* Reading IIR cleared it. */
	assert_false(r.level);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_NONE);
	W(IER, 0);
	W(IER, CVMM_SIO_SERIAL_IER_THRE);
	iir2 = R(IIR);
	assert_int_equal(iir2, CVMM_SIO_SERIAL_IIR_THRE);
	assert_int_equal(r.rises, 2);
	/* Writing IER again with THRE already on is no new enable. */
	W(IER, CVMM_SIO_SERIAL_IER_THRE);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_NONE);
	/* Writing THR clears the cause and the drain raises it again. */
	W(THR, 'x');
	assert_true(r.level);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_THRE);
	/* Disabling the interrupt clears a pending THRE. */
	W(THR, 'y');
	assert_true(r.level);
	W(IER, 0);
	assert_false(r.level);
	W(IER, CVMM_SIO_SERIAL_IER_MS);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_NONE);
	cvmm_sio_serial_destroy(s);
}

static void back_pressure_and_thre_when_fifo_drains(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);
	struct cvmm_sio_serial_stats st;

	(void)state;
	W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE);
	r.accept = 0;
	W(THR, 'a');
	W(THR, 'b');
	W(THR, 'c');
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 3);
	assert_int_equal(R(LSR) & 0x60, 0);
	/* Enabling THRE with bytes queued raises nothing yet. */
	W(IER, CVMM_SIO_SERIAL_IER_THRE);
	assert_false(r.level);
	assert_int_equal(R(IIR), 0xC1);
	/* Still blocked: nothing moves. */
	assert_int_equal(cvmm_sio_serial_tx_flush(s), 3);
	assert_false(r.level);
	/* The sink takes one byte per call: the FIFO drains in steps. */
	r.accept = 1;
	assert_int_equal(cvmm_sio_serial_tx_flush(s), 2);
	assert_false(r.level);
	r.accept = ALL;
	assert_int_equal(cvmm_sio_serial_tx_flush(s), 0);
	assert_int_equal(r.out_len, 3);
	assert_memory_equal(r.out, "abc", 3);
	/* The FIFO drained: THRE interrupt. */
	assert_true(r.level);
	assert_int_equal(R(IIR), 0xC2);
	assert_false(r.level);
	assert_int_equal(R(LSR) & 0x60, 0x60);
	/* Flushing an empty FIFO does not raise THRE again. */
	assert_int_equal(cvmm_sio_serial_tx_flush(s), 0);
	assert_false(r.level);
	cvmm_sio_serial_stats(s, &st);
	assert_true(st.tx_bytes == 3);
	cvmm_sio_serial_destroy(s);
}

static void full_tx_fifo_loses_bytes(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);
	struct cvmm_sio_serial_stats st;

	(void)state;
	r.accept = 0;
	/* 16450 mode: one holding register. */
	W(THR, '1');
	W(THR, '2');
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 1);
	cvmm_sio_serial_stats(s, &st);
	assert_true(st.tx_lost == 1);
	/* FIFO mode (enabling empties the FIFOs): 16 bytes. */
	W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE);
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 0);
	for (int i = 0; i < 20; i++)
		W(THR, (uint8_t)('A' + i));
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 16);
	cvmm_sio_serial_stats(s, &st);
	assert_true(st.tx_lost == 5);
	r.accept = ALL;
	assert_int_equal(cvmm_sio_serial_tx_flush(s), 0);
	assert_int_equal(r.out_len, 16);
	assert_memory_equal(r.out, "ABCDEFGHIJKLMNOP", 16);
	cvmm_sio_serial_destroy(s);
}

static void tx_ring_wraps_in_order(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);
	const char *msg = "0123456789abcdefghijklmnopqrstuv";

	(void)state;
	W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE);
	r.accept = 0;
	for (int i = 0; i < 10; i++)
		W(THR, (uint8_t)msg[i]);
	r.accept = ALL;
	assert_int_equal(cvmm_sio_serial_tx_flush(s), 0);
	/* The ring's head is now at 10; 16 more bytes wrap around. */
	r.accept = 0;
	for (int i = 10; i < 26; i++)
		W(THR, (uint8_t)msg[i]);
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 16);
	/* A sink taking 4 bytes per call stops at the first short take. */
	r.accept = 4;
	r.tx_calls = 0;
	assert_int_equal(cvmm_sio_serial_tx_flush(s), 12);
	assert_int_equal(r.tx_calls, 1);
	r.accept = ALL;
	r.tx_calls = 0;
	assert_int_equal(cvmm_sio_serial_tx_flush(s), 0);
	/* The rest is offered in two pieces: to the end of the ring, then
	 * from its start. */
	assert_int_equal(r.tx_calls, 2);
	assert_int_equal(r.out_len, 26);
	assert_memory_equal(r.out, msg, 26);
	cvmm_sio_serial_destroy(s);
}

static void sinks_without_callbacks(void **state)
{
	struct cvmm_sio_serial *s = NULL;
	struct cvmm_sio_serial_stats st;
	static const struct cvmm_sio_serial_ops greedy = {NULL, greedy_tx,
							  NULL};

	(void)state;
	/* No ops at all: output is discarded, nothing is called. */
	assert_int_equal(cvmm_sio_serial_create(NULL, NULL, &s), 0);
	W(IER, 0x0F);
	W(THR, 'x');
	assert_true(cvmm_sio_serial_irq_level(s));
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"ab", 2),
			 1);
	assert_int_equal(R(RBR), 'a');
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"b", 1),
			 1);
	W(FCR, CVMM_SIO_SERIAL_FCR_CLEAR_RX);
	assert_int_equal(cvmm_sio_serial_rx_count(s), 0);
	cvmm_sio_serial_stats(s, &st);
	assert_true(st.tx_bytes == 1);
	assert_true(st.irqs >= 1);
	cvmm_sio_serial_destroy(s);
	/* An ops table with every member NULL behaves the same. */
	{
		static const struct cvmm_sio_serial_ops none = {NULL, NULL,
								NULL};

		assert_int_equal(cvmm_sio_serial_create(&none, NULL, &s), 0);
		W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE);
		W(IER, 0x0F);
		assert_true(cvmm_sio_serial_irq_level(s));
		W(THR, 'x');
		assert_int_equal(
		    cvmm_sio_serial_enqueue(s, (const uint8_t *)"ab", 2), 2);
		assert_int_equal(R(RBR), 'a');
		assert_int_equal(R(RBR), 'b');
		assert_int_equal(
		    cvmm_sio_serial_enqueue(s, (const uint8_t *)"c", 1), 1);
		W(FCR,
		  CVMM_SIO_SERIAL_FCR_ENABLE | CVMM_SIO_SERIAL_FCR_CLEAR_RX);
		assert_int_equal(cvmm_sio_serial_rx_count(s), 0);
		cvmm_sio_serial_stats(s, &st);
		assert_true(st.tx_bytes == 1);
		cvmm_sio_serial_destroy(s);
	}
	/* A sink that over-reports counts as having taken what it got. */
	assert_int_equal(cvmm_sio_serial_create(&greedy, NULL, &s), 0);
	W(THR, 'y');
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 0);
	cvmm_sio_serial_stats(s, &st);
	assert_true(st.tx_bytes == 1);
	cvmm_sio_serial_destroy(s);
}

static void receive_in_16450_mode(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);
	struct cvmm_sio_serial_stats st;

	(void)state;
	assert_int_equal(cvmm_sio_serial_rx_space(s), 1);
	assert_int_equal(cvmm_sio_serial_enqueue(s, NULL, 0), 0);
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"ab", 2),
			 1);
	assert_int_equal(cvmm_sio_serial_rx_count(s), 1);
	assert_int_equal(cvmm_sio_serial_rx_space(s), 0);
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"b", 1),
			 0);
	assert_false(r.level); /* not enabled */
	W(IER, CVMM_SIO_SERIAL_IER_RDA);
	assert_true(r.level);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_RDA);
	assert_int_equal(R(LSR) & CVMM_SIO_SERIAL_LSR_DR,
			 CVMM_SIO_SERIAL_LSR_DR);
	assert_int_equal(r.rx_empty, 0);
	assert_int_equal(R(RBR), 'a');
	assert_int_equal(r.rx_empty, 1);
	assert_false(r.level);
	assert_int_equal(R(LSR) & CVMM_SIO_SERIAL_LSR_DR, 0);
	/* An empty RBR reads the stale byte and changes nothing. */
	assert_int_equal(R(RBR), 'a');
	assert_int_equal(r.rx_empty, 1);
	cvmm_sio_serial_stats(s, &st);
	assert_true(st.rx_bytes == 1);
	cvmm_sio_serial_destroy(s);
}

static void receive_fifo_trigger_levels(void **state)
{
	static const struct {
		uint8_t fcr;
		unsigned level;
	} cases[] = {
	    {CVMM_SIO_SERIAL_FCR_TRIG_1, 1},
	    {CVMM_SIO_SERIAL_FCR_TRIG_4, 4},
	    {CVMM_SIO_SERIAL_FCR_TRIG_8, 8},
	    {CVMM_SIO_SERIAL_FCR_TRIG_14, 14},
	};
	uint8_t in[20];

	(void)state;
	for (int i = 0; i < 20; i++)
		in[i] = (uint8_t)(0x30 + i);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct rec r;
		struct cvmm_sio_serial *s = make(&r);
		unsigned level = cases[c].level;

		W(FCR, (uint8_t)(CVMM_SIO_SERIAL_FCR_ENABLE | cases[c].fcr));
		W(IER, CVMM_SIO_SERIAL_IER_RDA);
		assert_false(r.level);
		/* Below the trigger: character timeout. */
		if (level > 1) {
			assert_int_equal(
			    cvmm_sio_serial_enqueue(s, in, level - 1),
			    level - 1);
			assert_true(r.level);
			assert_int_equal(R(IIR), 0xCC);
		}
		/* At the trigger: data available. */
		assert_int_equal(cvmm_sio_serial_enqueue(
				     s, in + cvmm_sio_serial_rx_count(s), 20),
				 16 - (level - 1));
		assert_int_equal(cvmm_sio_serial_rx_count(s), 16);
		assert_int_equal(cvmm_sio_serial_rx_space(s), 0);
		assert_int_equal(R(IIR), 0xC4);
		/* Read down to just below the trigger. */
		for (unsigned i = 0; i < 17 - level; i++)
			assert_int_equal(R(RBR), in[i]);
		assert_int_equal(cvmm_sio_serial_rx_count(s), level - 1);
		if (level > 1)
			assert_int_equal(R(IIR), 0xCC);
		for (unsigned i = 17 - level; i < 16; i++)
			assert_int_equal(R(RBR), in[i]);
		assert_int_equal(R(IIR), 0xC1);
		assert_false(r.level);
		assert_int_equal(r.rx_empty, 1);
		cvmm_sio_serial_destroy(s);
	}
}

static void fcr_clears_and_mode_changes(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);

	(void)state;
	W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE);
	assert_int_equal(R(IIR), 0xC1);
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"xyz", 3),
			 3);
	r.accept = 0;
	W(THR, '1');
	W(THR, '2');
	/* Clearing RX only. */
	W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE | CVMM_SIO_SERIAL_FCR_CLEAR_RX);
	assert_int_equal(cvmm_sio_serial_rx_count(s), 0);
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 2);
	assert_int_equal(r.rx_empty, 1);
	/* Clearing an empty RX FIFO does not notify again. */
	W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE | CVMM_SIO_SERIAL_FCR_CLEAR_RX);
	assert_int_equal(r.rx_empty, 1);
	/* Clearing TX empties it and THRE becomes pending. */
	W(IER, CVMM_SIO_SERIAL_IER_THRE);
	assert_false(r.level);
	W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE | CVMM_SIO_SERIAL_FCR_CLEAR_TX |
		   CVMM_SIO_SERIAL_FCR_DMA);
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 0);
	assert_true(r.level);
	assert_int_equal(R(IIR), 0xC2);
	/* Turning the FIFOs off empties both and drops the IIR bits. */
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"xyz", 3),
			 3);
	W(THR, '3');
	W(FCR, 0);
	assert_int_equal(cvmm_sio_serial_rx_count(s), 0);
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 0);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_THRE);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_NONE);
	/* Writing FCR with the same mode keeps the FIFO's content. */
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"q", 1),
			 1);
	W(FCR, 0);
	assert_int_equal(cvmm_sio_serial_rx_count(s), 1);
	assert_int_equal(r.out_len, 0);
	cvmm_sio_serial_destroy(s);
}

static void loopback_mode(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);
	struct cvmm_sio_serial_stats st;

	(void)state;
	/* Linux's loopback probe: MCR = LOOP | OUT2 | RTS, MSR high nibble
	 * must read DCD | CTS. */
	W(MCR, CVMM_SIO_SERIAL_MCR_LOOP | CVMM_SIO_SERIAL_MCR_OUT2 |
		   CVMM_SIO_SERIAL_MCR_RTS);
	assert_int_equal(R(MSR) & 0xF0, 0x90);
	W(MCR, CVMM_SIO_SERIAL_MCR_LOOP | CVMM_SIO_SERIAL_MCR_DTR |
		   CVMM_SIO_SERIAL_MCR_OUT1);
	assert_int_equal(R(MSR) & 0xF0, 0x60);
	/* Host input is not accepted. */
	assert_int_equal(cvmm_sio_serial_rx_space(s), 0);
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"a", 1),
			 0);
	assert_int_equal(cvmm_sio_serial_send_break(s), -EBUSY);
	/* Output loops back to input and never reaches the sink. */
	W(THR, 'L');
	assert_int_equal(r.out_len, 0);
	assert_int_equal(cvmm_sio_serial_rx_count(s), 1);
	assert_int_equal(R(LSR) & 0x61, 0x61);
	/* 16450 mode: a second byte overruns and replaces the first. */
	W(IER, CVMM_SIO_SERIAL_IER_RLS);
	W(THR, 'M');
	assert_true(r.level);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_RLS);
	assert_int_equal(R(LSR) & CVMM_SIO_SERIAL_LSR_OE,
			 CVMM_SIO_SERIAL_LSR_OE);
	/* Reading LSR cleared OE and the interrupt. */
	assert_false(r.level);
	assert_int_equal(R(LSR) & CVMM_SIO_SERIAL_LSR_OE, 0);
	assert_int_equal(R(RBR), 'M');
	/* FIFO mode: 16 fit, the 17th is lost. */
	W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE);
	for (int i = 0; i < 17; i++)
		W(THR, (uint8_t)('a' + i));
	assert_int_equal(cvmm_sio_serial_rx_count(s), 16);
	assert_int_equal(R(LSR) & CVMM_SIO_SERIAL_LSR_OE,
			 CVMM_SIO_SERIAL_LSR_OE);
	for (int i = 0; i < 16; i++)
		assert_int_equal(R(RBR), 'a' + i);
	cvmm_sio_serial_stats(s, &st);
	assert_true(st.rx_overruns == 2);
	assert_true(st.tx_bytes == 0);
	/* Bytes held back by the sink go round the loop once it is on. */
	W(MCR, 0);
	r.accept = 0;
	W(THR, 'z');
	assert_int_equal(cvmm_sio_serial_tx_pending(s), 1);
	W(MCR, CVMM_SIO_SERIAL_MCR_LOOP);
	assert_int_equal(cvmm_sio_serial_tx_flush(s), 0);
	assert_int_equal(R(RBR), 'z');
	assert_int_equal(r.out_len, 0);
	cvmm_sio_serial_destroy(s);
}

static void modem_status(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);

	(void)state;
	W(IER, CVMM_SIO_SERIAL_IER_MS);
	assert_false(r.level);
	/* Drop DCD and CTS, raise RI. */
	cvmm_sio_serial_set_modem_lines(s, CVMM_SIO_SERIAL_MSR_DSR |
					       CVMM_SIO_SERIAL_MSR_RI | 0x0F);
	assert_true(r.level);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_MS);
	assert_int_equal(
	    R(MSR), CVMM_SIO_SERIAL_MSR_DSR | CVMM_SIO_SERIAL_MSR_RI |
			CVMM_SIO_SERIAL_MSR_DDCD | CVMM_SIO_SERIAL_MSR_DCTS);
	assert_false(r.level);
	assert_int_equal(R(MSR), 0x60);
	/* RI falling sets TERI; DSR falling sets DDSR. */
	cvmm_sio_serial_set_modem_lines(s, 0);
	assert_int_equal(R(MSR),
			 CVMM_SIO_SERIAL_MSR_TERI | CVMM_SIO_SERIAL_MSR_DDSR);
	/* The same lines again: no delta. */
	cvmm_sio_serial_set_modem_lines(s, 0);
	assert_int_equal(R(MSR), 0);
	assert_false(r.level);
	/* In loopback the host lines are remembered, not shown. */
	W(MCR, CVMM_SIO_SERIAL_MCR_LOOP);
	cvmm_sio_serial_set_modem_lines(s, CVMM_SIO_SERIAL_MSR_DCD);
	assert_int_equal(R(MSR), 0);
	W(MCR, 0);
	assert_int_equal(R(MSR),
			 CVMM_SIO_SERIAL_MSR_DCD | CVMM_SIO_SERIAL_MSR_DDCD);
	cvmm_sio_serial_destroy(s);
}

static void break_condition(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);

	(void)state;
	W(IER, CVMM_SIO_SERIAL_IER_RLS);
	assert_int_equal(cvmm_sio_serial_send_break(s), 0);
	assert_true(r.level);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_RLS);
	/* 16450 mode: no FIFO error bit. */
	assert_int_equal(R(LSR), CVMM_SIO_SERIAL_LSR_BI |
				     CVMM_SIO_SERIAL_LSR_DR | 0x60);
	assert_false(r.level);
	assert_int_equal(cvmm_sio_serial_send_break(s), -ENOSPC);
	assert_int_equal(R(RBR), 0);
	/* FIFO mode: a break behind a byte shows BI when it reaches the
	 * head; LSR bit 7 while it is anywhere in the FIFO. */
	W(FCR, CVMM_SIO_SERIAL_FCR_ENABLE);
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"k", 1),
			 1);
	assert_int_equal(cvmm_sio_serial_send_break(s), 0);
	assert_int_equal(cvmm_sio_serial_enqueue(s, (const uint8_t *)"m", 1),
			 1);
	assert_false(r.level);
	assert_int_equal(R(LSR), CVMM_SIO_SERIAL_LSR_FIFO_ERR |
				     CVMM_SIO_SERIAL_LSR_DR | 0x60);
	assert_int_equal(R(RBR), 'k');
	assert_true(r.level);
	assert_int_equal(R(LSR), CVMM_SIO_SERIAL_LSR_FIFO_ERR |
				     CVMM_SIO_SERIAL_LSR_BI |
				     CVMM_SIO_SERIAL_LSR_DR | 0x60);
	assert_int_equal(R(RBR), 0);
	assert_int_equal(R(LSR), CVMM_SIO_SERIAL_LSR_DR | 0x60);
	assert_int_equal(R(RBR), 'm');
	/* A full FIFO takes no break. */
	for (int i = 0; i < 16; i++)
		assert_int_equal(
		    cvmm_sio_serial_enqueue(s, (const uint8_t *)"f", 1), 1);
	assert_int_equal(cvmm_sio_serial_send_break(s), -ENOSPC);
	cvmm_sio_serial_destroy(s);
}

static void interrupt_priorities(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);

	(void)state;
	/* Make all four causes pending at once, in loopback. */
	W(MCR, CVMM_SIO_SERIAL_MCR_LOOP);
	W(THR, '1');
	W(THR, '2'); /* overrun */
	W(MCR, CVMM_SIO_SERIAL_MCR_LOOP | CVMM_SIO_SERIAL_MCR_RTS); /* DCTS */
	W(IER, 0x0F); /* THRE pending on enable */
	assert_true(r.level);
	assert_int_equal(r.rises, 1);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_RLS);
	(void)R(LSR);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_RDA);
	(void)R(RBR);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_THRE);
	assert_true(r.level);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_MS);
	(void)R(MSR);
	assert_int_equal(R(IIR), CVMM_SIO_SERIAL_IIR_NONE);
	assert_false(r.level);
	/* One rise and one fall for the whole sequence. */
	assert_int_equal(r.irq_calls, 2);
	cvmm_sio_serial_destroy(s);
}

static void allocation_failure(void **state)
{
	struct cvmm_sio_serial *s = NULL;
	int rc;

	(void)state;
	for (uint64_t n = 1;; n++) {
		cvmm_alloc_fail_nth(n);
		rc = cvmm_sio_serial_create(NULL, NULL, &s);
		if (!cvmm_alloc_fail_fired())
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(s);
	}
	cvmm_alloc_fail_nth(0);
	assert_int_equal(rc, 0);
	cvmm_sio_serial_destroy(s);
}

/* xorshift64: deterministic operations for the invariant walk. */
static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void random_operations_keep_invariants(void **state)
{
	struct rec r;
	struct cvmm_sio_serial *s = make(&r);
	uint64_t x = 0x9E3779B97F4A7C15u;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint64_t v = next(&x);
		uint8_t off = (uint8_t)(v & 0x0F), val = (uint8_t)(v >> 8);

		r.accept = (v >> 16) & 3 ? ALL : (size_t)((v >> 18) & 3);
		if (r.out_len > 256)
			r.out_len = 0;
		switch ((v >> 20) % 8) {
		case 0:
		case 1:
		case 2:
			(void)cvmm_sio_serial_read(s, off);
			break;
		case 3:
		case 4:
			/* Keep DLAB mostly off so THR and IER are reached. */
			if (off == CVMM_SIO_SERIAL_LCR)
				val &= 0x7F;
			cvmm_sio_serial_write(s, off, val);
			break;
		case 5:
			(void)cvmm_sio_serial_enqueue(s, &val, 1);
			break;
		case 6:
			(void)cvmm_sio_serial_tx_flush(s);
			break;
		default:
			if (val & 1) {
				int rc = cvmm_sio_serial_send_break(s);

				assert_true(rc == 0 || rc == -ENOSPC ||
					    rc == -EBUSY);
			} else
				cvmm_sio_serial_set_modem_lines(s, val);
			break;
		}
		/* The callback's view and the device's agree. */
		assert_true(r.level == cvmm_sio_serial_irq_level(s));
		assert_true(cvmm_sio_serial_rx_count(s) <= 16);
		assert_true(cvmm_sio_serial_tx_pending(s) <= 16);
		if ((v >> 40) % 16 == 0) {
			uint8_t lcr = R(LCR), iir, lsr;
			bool level = cvmm_sio_serial_irq_level(s);

			W(LCR, lcr & 0x7F);
			iir = R(IIR);
			/* The line is high iff IIR names a cause. */
			assert_true(level == ((iir & 1) == 0));
			lsr = R(LSR);
			assert_true(((lsr & 1) != 0) ==
				    (cvmm_sio_serial_rx_count(s) > 0));
			assert_true(((lsr & 0x20) != 0) ==
				    (cvmm_sio_serial_tx_pending(s) == 0));
			W(LCR, lcr);
		}
	}
	cvmm_sio_serial_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reset_state_and_open_bus),
	    cmocka_unit_test(scratch_dlab_lcr_mcr),
	    cmocka_unit_test(transmit_goes_to_the_sink),
	    cmocka_unit_test(thre_interrupt_on_enable),
	    cmocka_unit_test(back_pressure_and_thre_when_fifo_drains),
	    cmocka_unit_test(full_tx_fifo_loses_bytes),
	    cmocka_unit_test(tx_ring_wraps_in_order),
	    cmocka_unit_test(sinks_without_callbacks),
	    cmocka_unit_test(receive_in_16450_mode),
	    cmocka_unit_test(receive_fifo_trigger_levels),
	    cmocka_unit_test(fcr_clears_and_mode_changes),
	    cmocka_unit_test(loopback_mode),
	    cmocka_unit_test(modem_status),
	    cmocka_unit_test(break_condition),
	    cmocka_unit_test(interrupt_priorities),
	    cmocka_unit_test(allocation_failure),
	    cmocka_unit_test(random_operations_keep_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
