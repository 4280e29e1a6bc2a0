/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the i8042: the reset line, commands, keyboard, IRQs. */
#include <cvmm/sio-i8042.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc-fail.h"

#define DATA	CVMM_SIO_I8042_DATA
#define CMD	CVMM_SIO_I8042_COMMAND
#define STS_OBF CVMM_SIO_I8042_STS_OBF

struct rec {
	unsigned resets;
	bool kbd, aux;
	unsigned irq_calls;
};

static void rec_reset(void *ctx)
{
	((struct rec *)ctx)->resets++;
}

static void rec_irq(void *ctx, unsigned line, bool level)
{
	struct rec *r = ctx;

	r->irq_calls++;
	if (line == CVMM_SIO_I8042_IRQ_KBD) {
		assert_true(r->kbd != level);
		r->kbd = level;
	} else {
		assert_int_equal(line, CVMM_SIO_I8042_IRQ_AUX);
		assert_true(r->aux != level);
		r->aux = level;
	}
}

static const struct cvmm_sio_i8042_ops rec_ops = {rec_reset, rec_irq};

static struct cvmm_sio_i8042 *make(struct rec *r)
{
	struct cvmm_sio_i8042 *k = NULL;

	memset(r, 0, sizeof(*r));
	assert_int_equal(cvmm_sio_i8042_create(&rec_ops, r, &k), 0);
	return k;
}

static uint8_t rd(struct cvmm_sio_i8042 *k, uint64_t off)
{
	return cvmm_sio_i8042_read(k, off);
}

static void wr(struct cvmm_sio_i8042 *k, uint64_t off, uint8_t v)
{
	cvmm_sio_i8042_write(k, off, v);
}

/* Read the whole queue into out; returns how many bytes. */
static size_t drain(struct cvmm_sio_i8042 *k, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (n < max && (rd(k, CMD) & STS_OBF))
		out[n++] = rd(k, DATA);
	return n;
}

static void expect_reply(struct cvmm_sio_i8042 *k, const uint8_t *want,
			 size_t n)
{
	uint8_t got[32];

	assert_int_equal(drain(k, got, sizeof(got)), n);
	assert_memory_equal(got, want, n);
}

static void reset_line(void **state)
{
	struct rec r;
	struct cvmm_sio_i8042 *k = make(&r);

	(void)state;
	wr(k, CMD, CVMM_SIO_I8042_CMD_RESET);
	assert_int_equal(r.resets, 1);
	/* Every 0xF0-0xFF command with bit 0 clear pulses line 0. */
	for (unsigned c = 0xF0; c <= 0xFF; c++)
		wr(k, CMD, (uint8_t)c);
	assert_int_equal(r.resets, 1 + 8);
	/* 0xFE written to the data port is a keyboard byte, not a reset. */
	wr(k, DATA, 0xFE);
	assert_int_equal(r.resets, 9);
	/* Writing the output port with bit 0 clear resets too. */
	wr(k, CMD, 0xD1);
	wr(k, DATA, 0x03);
	assert_int_equal(r.resets, 9);
	wr(k, CMD, 0xD1);
	wr(k, DATA, 0x02);
	assert_int_equal(r.resets, 10);
	assert_true(cvmm_sio_i8042_resets(k) == 10);
	/* Other offsets decode nothing. */
	for (uint64_t off = 1; off < 4; off++)
		wr(k, off, 0xFE);
	wr(k, 5, 0xFE);
	wr(k, UINT64_MAX, 0xFE);
	assert_int_equal(r.resets, 10);
	cvmm_sio_i8042_destroy(k);
	cvmm_sio_i8042_destroy(NULL);
}

static void status_and_open_bus(void **state)
{
	struct rec r;
	struct cvmm_sio_i8042 *k = make(&r);

	(void)state;
	assert_int_equal(rd(k, CMD),
			 CVMM_SIO_I8042_STS_UNLOCK | CVMM_SIO_I8042_STS_SYS);
	wr(k, CMD, 0x00); /* an unknown command: ignored */
	assert_int_equal(rd(k, CMD), CVMM_SIO_I8042_STS_UNLOCK |
					 CVMM_SIO_I8042_STS_SYS |
					 CVMM_SIO_I8042_STS_CMD);
	wr(k, CMD, 0x99);
	assert_int_equal(rd(k, CMD) & STS_OBF, 0);
	for (uint64_t off = 1; off < 4; off++)
		assert_int_equal(rd(k, off), 0xFF);
	assert_int_equal(rd(k, 5), 0xFF);
	assert_int_equal(rd(k, 0x10000), 0xFF);
	/* An empty output buffer reads the last byte read (0 at first). */
	assert_int_equal(rd(k, DATA), 0);
	assert_int_equal(r.irq_calls, 0);
	cvmm_sio_i8042_destroy(k);
}

static void command_byte_and_irq1(void **state)
{
	struct rec r;
	struct cvmm_sio_i8042 *k = make(&r);

	(void)state;
	wr(k, CMD, 0x20);
	assert_true(rd(k, CMD) & STS_OBF);
	assert_true(r.kbd); /* CTR bit 0 is set after power-on */
	assert_int_equal(rd(k, DATA), CVMM_SIO_I8042_CTR_DEFAULT);
	assert_false(r.kbd);
	assert_int_equal(rd(k, DATA), CVMM_SIO_I8042_CTR_DEFAULT);
	/* Write a CTR without interrupts and without SYS. */
	wr(k, CMD, 0x60);
	wr(k, DATA, 0x00);
	assert_int_equal(rd(k, CMD) & CVMM_SIO_I8042_STS_SYS, 0);
	assert_int_equal(rd(k, CMD) & CVMM_SIO_I8042_STS_CMD, 0);
	wr(k, CMD, 0x20);
	assert_false(r.kbd);
	assert_int_equal(rd(k, DATA), 0x00);
	/* Enabling the interrupt with a byte waiting raises IRQ 1. */
	wr(k, CMD, 0xAA);
	assert_false(r.kbd);
	wr(k, CMD, 0x60);
	wr(k, DATA, CVMM_SIO_I8042_CTR_KBD_INT);
	assert_true(r.kbd);
	assert_int_equal(rd(k, DATA), 0x55);
	assert_false(r.kbd);
	cvmm_sio_i8042_destroy(k);
}

static void controller_commands(void **state)
{
	struct rec r;
	struct cvmm_sio_i8042 *k = make(&r);
	uint8_t ctr;

	(void)state;
	wr(k, CMD, 0xAA);
	expect_reply(k, (const uint8_t[]){0x55}, 1);
	wr(k, CMD, 0xAB);
	expect_reply(k, (const uint8_t[]){0x00}, 1);
	wr(k, CMD, 0xA9);
	expect_reply(k, (const uint8_t[]){0x01}, 1);
	wr(k, CMD, 0xC0);
	wr(k, CMD, 0xE0);
	expect_reply(k, (const uint8_t[]){0x00, 0x00}, 2);
	wr(k, CMD, 0xD0);
	expect_reply(k, (const uint8_t[]){0x03}, 1);
	wr(k, CMD, 0xD1);
	wr(k, DATA, 0xDF);
	wr(k, CMD, 0xD0);
	expect_reply(k, (const uint8_t[]){0xDF}, 1);
	wr(k, CMD, 0xA7);
	wr(k, CMD, 0xAD);
	wr(k, CMD, 0x20);
	ctr = rd(k, DATA);
	assert_int_equal(ctr, CVMM_SIO_I8042_CTR_DEFAULT |
				  CVMM_SIO_I8042_CTR_AUX_DIS |
				  CVMM_SIO_I8042_CTR_KBD_DIS);
	wr(k, CMD, 0xA8);
	wr(k, CMD, 0xAE);
	wr(k, CMD, 0x20);
	assert_int_equal(rd(k, DATA), CVMM_SIO_I8042_CTR_DEFAULT);
	/* D2: the byte comes back as keyboard data. */
	wr(k, CMD, 0xD2);
	wr(k, DATA, 0x5A);
	assert_int_equal(rd(k, CMD) & CVMM_SIO_I8042_STS_AUX, 0);
	expect_reply(k, (const uint8_t[]){0x5A}, 1);
	assert_int_equal(r.resets, 0);
	cvmm_sio_i8042_destroy(k);
}

static void aux_port_without_a_device(void **state)
{
	struct rec r;
	struct cvmm_sio_i8042 *k = make(&r);
	uint8_t st;

	(void)state;
	/* D3: aux loopback, as aux data, on IRQ 12. */
	wr(k, CMD, 0xD3);
	wr(k, DATA, 0x5A);
	st = rd(k, CMD);
	assert_int_equal(st & (STS_OBF | CVMM_SIO_I8042_STS_AUX),
			 STS_OBF | CVMM_SIO_I8042_STS_AUX);
	assert_int_equal(st & CVMM_SIO_I8042_STS_TIMEOUT, 0);
	assert_true(r.aux);
	assert_false(r.kbd);
	assert_int_equal(rd(k, DATA), 0x5A);
	assert_false(r.aux);
	/* D4: nothing answers but a timeout. */
	wr(k, CMD, 0xD4);
	wr(k, DATA, 0xFF);
	st = rd(k, CMD);
	assert_int_equal(st & 0x61, 0x61);
	assert_int_equal(rd(k, DATA), 0xFE);
	assert_int_equal(rd(k, CMD) & 0x61, 0);
	/* With CTR bit 1 clear, aux data raises no IRQ 12. */
	wr(k, CMD, 0x60);
	wr(k, DATA, CVMM_SIO_I8042_CTR_KBD_INT);
	wr(k, CMD, 0xD3);
	wr(k, DATA, 0x11);
	assert_false(r.aux);
	assert_false(r.kbd);
	assert_int_equal(rd(k, DATA), 0x11);
	cvmm_sio_i8042_destroy(k);
}

static void keyboard_commands(void **state)
{
	struct rec r;
	struct cvmm_sio_i8042 *k = make(&r);

	(void)state;
	wr(k, DATA, 0xFF);
	expect_reply(k, (const uint8_t[]){0xFA, 0xAA}, 2);
	/* Translated ID with CTR bit 6, raw ID without. */
	wr(k, DATA, 0xF2);
	expect_reply(k, (const uint8_t[]){0xFA, 0xAB, 0x41}, 3);
	wr(k, CMD, 0x60);
	wr(k, DATA, CVMM_SIO_I8042_CTR_KBD_INT);
	wr(k, DATA, 0xF2);
	expect_reply(k, (const uint8_t[]){0xFA, 0xAB, 0x83}, 3);
	wr(k, DATA, 0xEE);
	expect_reply(k, (const uint8_t[]){0xEE}, 1);
	/* Commands with an argument: two ACKs. */
	wr(k, DATA, 0xED);
	wr(k, DATA, 0x07);
	expect_reply(k, (const uint8_t[]){0xFA, 0xFA}, 2);
	wr(k, DATA, 0xF3);
	wr(k, DATA, 0x20);
	expect_reply(k, (const uint8_t[]){0xFA, 0xFA}, 2);
	wr(k, DATA, 0xF0);
	wr(k, DATA, 0x00);
	expect_reply(k, (const uint8_t[]){0xFA, 0xFA, 0x02}, 3);
	wr(k, DATA, 0xF0);
	wr(k, DATA, 0x02);
	expect_reply(k, (const uint8_t[]){0xFA, 0xFA}, 2);
	wr(k, DATA, 0xF6);
	wr(k, DATA, 0x12);
	expect_reply(k, (const uint8_t[]){0xFA, 0xFA}, 2);
	/* Scanning off: pushed keys are refused; on again: accepted. */
	wr(k, DATA, 0xF5);
	expect_reply(k, (const uint8_t[]){0xFA}, 1);
	assert_int_equal(cvmm_sio_i8042_push_kbd(k, (const uint8_t[]){0x1E}, 1),
			 0);
	assert_int_equal(cvmm_sio_i8042_ctrl_alt_del(k), -EBUSY);
	wr(k, DATA, 0xF4);
	expect_reply(k, (const uint8_t[]){0xFA}, 1);
	assert_int_equal(cvmm_sio_i8042_push_kbd(k, (const uint8_t[]){0x1E}, 1),
			 1);
	expect_reply(k, (const uint8_t[]){0x1E}, 1);
	/* Reset turns scanning back on. */
	wr(k, DATA, 0xF5);
	wr(k, DATA, 0xFF);
	expect_reply(k, (const uint8_t[]){0xFA, 0xFA, 0xAA}, 3);
	assert_int_equal(cvmm_sio_i8042_push_kbd(k, (const uint8_t[]){0x1E}, 1),
			 1);
	cvmm_sio_i8042_destroy(k);
}

static void key_queue_and_ctrl_alt_del(void **state)
{
	struct rec r;
	struct cvmm_sio_i8042 *k = make(&r);
	uint8_t keys[20];
	static const uint8_t set1[] = {0x1D, 0x38, 0xE0, 0x53,
				       0xE0, 0xD3, 0xB8, 0x9D};
	static const uint8_t set2[] = {0x14, 0x11, 0xE0, 0x71, 0xE0, 0xF0,
				       0x71, 0xF0, 0x11, 0xF0, 0x14};

	(void)state;
	for (int i = 0; i < 20; i++)
		keys[i] = (uint8_t)i;
	assert_int_equal(cvmm_sio_i8042_push_kbd(k, keys, 0), 0);
	assert_int_equal(cvmm_sio_i8042_push_kbd(k, keys, 20), 16);
	assert_true(r.kbd);
	assert_int_equal(cvmm_sio_i8042_ctrl_alt_del(k), -ENOSPC);
	/* A command reply behind a full queue is dropped. */
	wr(k, CMD, 0xAA);
	expect_reply(k, keys, 16);
	assert_false(r.kbd);
	assert_int_equal(cvmm_sio_i8042_ctrl_alt_del(k), 0);
	expect_reply(k, set1, sizeof(set1));
	wr(k, CMD, 0x60);
	wr(k, DATA, CVMM_SIO_I8042_CTR_KBD_INT);
	assert_int_equal(cvmm_sio_i8042_ctrl_alt_del(k), 0);
	expect_reply(k, set2, sizeof(set2));
	/* A disabled keyboard port (CTR bit 4) takes no keys. */
	wr(k, CMD, 0xAD);
	assert_int_equal(cvmm_sio_i8042_push_kbd(k, keys, 1), 0);
	assert_int_equal(cvmm_sio_i8042_ctrl_alt_del(k), -EBUSY);
	cvmm_sio_i8042_destroy(k);
}

static void no_callbacks(void **state)
{
	struct cvmm_sio_i8042 *k = NULL;

	(void)state;
	assert_int_equal(cvmm_sio_i8042_create(NULL, NULL, &k), 0);
	wr(k, CMD, 0x20);
	wr(k, CMD, 0xFE);
	assert_true(cvmm_sio_i8042_resets(k) == 1);
	assert_int_equal(rd(k, DATA), CVMM_SIO_I8042_CTR_DEFAULT);
	cvmm_sio_i8042_destroy(k);
	/* An ops table with every member NULL behaves the same. */
	{
		static const struct cvmm_sio_i8042_ops none = {NULL, NULL};

		assert_int_equal(cvmm_sio_i8042_create(&none, NULL, &k), 0);
		wr(k, CMD, 0x20);
		wr(k, CMD, 0xFE);
		assert_true(cvmm_sio_i8042_resets(k) == 1);
		assert_int_equal(rd(k, DATA), CVMM_SIO_I8042_CTR_DEFAULT);
		cvmm_sio_i8042_destroy(k);
	}
}

static void allocation_failure(void **state)
{
	struct cvmm_sio_i8042 *k = NULL;
	int rc;

	(void)state;
	for (uint64_t n = 1;; n++) {
		cvmm_alloc_fail_nth(n);
		rc = cvmm_sio_i8042_create(NULL, NULL, &k);
		if (!cvmm_alloc_fail_fired())
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(k);
	}
	cvmm_alloc_fail_nth(0);
	assert_int_equal(rc, 0);
	cvmm_sio_i8042_destroy(k);
}

static void random_operations_keep_invariants(void **state)
{
	struct rec r;
	struct cvmm_sio_i8042 *k = make(&r);
	uint64_t x = 0x2545F4914F6CDD1Du;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint8_t st, val;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		val = (uint8_t)(x >> 8);
		switch (x % 5) {
		case 0:
			(void)rd(k, (x >> 16) % 6);
			break;
		case 1:
			wr(k, DATA, val);
			break;
		case 2:
			/* Skip the reset commands most of the time. */
			if (val < 0xF0 || (x >> 30) % 8 == 0)
				wr(k, CMD, val);
			break;
		case 3:
			(void)cvmm_sio_i8042_push_kbd(k, &val, 1);
			break;
		default:
			if (cvmm_sio_i8042_ctrl_alt_del(k) != 0)
				(void)rd(k, DATA);
			break;
		}
		st = rd(k, CMD);
		/* Each IRQ line is high iff a byte of its kind waits and its
		 * interrupt is enabled; the status register agrees. */
		if (!(st & STS_OBF)) {
			assert_false(r.kbd);
			assert_false(r.aux);
		} else if (st & CVMM_SIO_I8042_STS_AUX) {
			assert_false(r.kbd);
		} else {
			assert_false(r.aux);
		}
		assert_int_equal(st & CVMM_SIO_I8042_STS_IBF, 0);
	}
	assert_true(cvmm_sio_i8042_resets(k) == r.resets);
	cvmm_sio_i8042_destroy(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reset_line),
	    cmocka_unit_test(status_and_open_bus),
	    cmocka_unit_test(command_byte_and_irq1),
	    cmocka_unit_test(controller_commands),
	    cmocka_unit_test(aux_port_without_a_device),
	    cmocka_unit_test(keyboard_commands),
	    cmocka_unit_test(key_queue_and_ctrl_alt_del),
	    cmocka_unit_test(no_callbacks),
	    cmocka_unit_test(allocation_failure),
	    cmocka_unit_test(random_operations_keep_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
