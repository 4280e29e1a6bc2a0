/* SPDX-License-Identifier: Apache-2.0 */
/*
 * i8042 controller with a minimal PS/2 keyboard behind it and no mouse.
 * Every guest operation ends with update_irq(), the only caller of
 * ops->irq.
 */
#include <cvmm/sio-i8042.h>

#include <errno.h>
#include <stdlib.h>

#define Q CVMM_SIO_I8042_QUEUE

/* Flags of a queued byte. */
#define FROM_AUX     0x1u
#define WITH_TIMEOUT 0x2u

/* What the next byte written to the data port is for. */
enum pending {
	PEND_NONE,
	PEND_CTR,      /* 0x60 */
	PEND_OUTPORT,  /* 0xD1 */
	PEND_KBD_OBUF, /* 0xD2 */
	PEND_AUX_OBUF, /* 0xD3 */
	PEND_AUX_DEV,  /* 0xD4 */
	PEND_KBD_ARG,  /* the argument of a keyboard command */
};

struct cvmm_sio_i8042 {
	const struct cvmm_sio_i8042_ops *ops;
	void *ctx;
	uint8_t q[Q];
	uint8_t qflags[Q];
	unsigned q_head, q_count;
	uint8_t last_read;
	uint8_t ctr;
	uint8_t outport;
	bool last_was_cmd;
	enum pending pending;
	uint8_t kbd_cmd; /* the keyboard command awaiting its argument */
	bool kbd_scanning;
	bool irq_kbd, irq_aux;
	uint64_t resets;
};

static void set_line(struct cvmm_sio_i8042 *k, unsigned line, bool *cur,
		     bool level)
{
	if (*cur == level)
		return;
	*cur = level;
	if (k->ops != NULL && k->ops->irq != NULL)
		k->ops->irq(k->ctx, line, level);
}

static void update_irq(struct cvmm_sio_i8042 *k)
{
	bool aux = k->q_count > 0 && (k->qflags[k->q_head] & FROM_AUX);
	bool kbd = k->q_count > 0 && !aux;

	set_line(k, CVMM_SIO_I8042_IRQ_KBD, &k->irq_kbd,
		 kbd && (k->ctr & CVMM_SIO_I8042_CTR_KBD_INT));
	set_line(k, CVMM_SIO_I8042_IRQ_AUX, &k->irq_aux,
		 aux && (k->ctr & CVMM_SIO_I8042_CTR_AUX_INT));
}

/* Queue one byte; false (and nothing queued) when full. */
static bool push(struct cvmm_sio_i8042 *k, uint8_t b, uint8_t flags)
{
	unsigned i;

	if (k->q_count == Q)
		return false;
	i = (k->q_head + k->q_count) % Q;
	k->q[i] = b;
	k->qflags[i] = flags;
	k->q_count++;
	return true;
}

static void push_kbd_reply(struct cvmm_sio_i8042 *k, const uint8_t *b,
			   unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		(void)push(k, b[i], 0);
}

static bool translating(const struct cvmm_sio_i8042 *k)
{
	return (k->ctr & CVMM_SIO_I8042_CTR_XLATE) != 0;
}

static bool kbd_enabled(const struct cvmm_sio_i8042 *k)
{
	return k->kbd_scanning && !(k->ctr & CVMM_SIO_I8042_CTR_KBD_DIS);
}

static void pulse_reset(struct cvmm_sio_i8042 *k)
{
	k->resets++;
	if (k->ops != NULL && k->ops->reset != NULL)
		k->ops->reset(k->ctx);
}

int cvmm_sio_i8042_create(const struct cvmm_sio_i8042_ops *ops, void *ctx,
			  struct cvmm_sio_i8042 **out)
{
	struct cvmm_sio_i8042 *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return -ENOMEM;
	k->ops = ops;
	k->ctx = ctx;
	k->ctr = CVMM_SIO_I8042_CTR_DEFAULT;
	k->outport = 0x03;
	k->kbd_scanning = true;
	*out = k;
	return 0;
}

void cvmm_sio_i8042_destroy(struct cvmm_sio_i8042 *k)
{
	free(k);
}

static uint8_t read_status(const struct cvmm_sio_i8042 *k)
{
	uint8_t v = CVMM_SIO_I8042_STS_UNLOCK;

	if (k->q_count > 0) {
		uint8_t f = k->qflags[k->q_head];

		v |= CVMM_SIO_I8042_STS_OBF;
		if (f & FROM_AUX)
			v |= CVMM_SIO_I8042_STS_AUX;
		if (f & WITH_TIMEOUT)
			v |= CVMM_SIO_I8042_STS_TIMEOUT;
	}
	if (k->ctr & CVMM_SIO_I8042_CTR_SYS)
		v |= CVMM_SIO_I8042_STS_SYS;
	if (k->last_was_cmd)
		v |= CVMM_SIO_I8042_STS_CMD;
	return v;
}

uint8_t cvmm_sio_i8042_read(struct cvmm_sio_i8042 *k, uint64_t offset)
{
	uint8_t v;

	if (offset == CVMM_SIO_I8042_STATUS)
		return read_status(k);
	if (offset != CVMM_SIO_I8042_DATA)
		return CVMM_SIO_OPEN_BUS;
	if (k->q_count > 0) {
		k->last_read = k->q[k->q_head];
		k->q_head = (k->q_head + 1) % Q;
		k->q_count--;
	}
	v = k->last_read;
	update_irq(k);
	return v;
}

static void command(struct cvmm_sio_i8042 *k, uint8_t cmd)
{
	k->pending = PEND_NONE;
	switch (cmd) {
	case 0x20:
		(void)push(k, k->ctr, 0);
		break;
	case 0x60:
		k->pending = PEND_CTR;
		break;
	case 0xA7:
		k->ctr |= CVMM_SIO_I8042_CTR_AUX_DIS;
		break;
	case 0xA8:
		k->ctr &= (uint8_t)~CVMM_SIO_I8042_CTR_AUX_DIS;
		break;
	case 0xA9:
		(void)push(k, 0x01, 0);
		break;
	case 0xAA:
		(void)push(k, 0x55, 0);
		break;
	case 0xAB:
	case 0xC0:
	case 0xE0:
		(void)push(k, 0x00, 0);
		break;
	case 0xAD:
		k->ctr |= CVMM_SIO_I8042_CTR_KBD_DIS;
		break;
	case 0xAE:
		k->ctr &= (uint8_t)~CVMM_SIO_I8042_CTR_KBD_DIS;
		break;
	case 0xD0:
		(void)push(k, k->outport, 0);
		break;
	case 0xD1:
		k->pending = PEND_OUTPORT;
		break;
	case 0xD2:
		k->pending = PEND_KBD_OBUF;
		break;
	case 0xD3:
		k->pending = PEND_AUX_OBUF;
		break;
	case 0xD4:
		k->pending = PEND_AUX_DEV;
		break;
	default:
		/* 0xF0-0xFF pulse the output lines whose bit is clear;
		 * line 0 is the CPU reset. */
		if (cmd >= 0xF0 && !(cmd & 0x01))
			pulse_reset(k);
		break;
	}
}

/* A byte for the keyboard itself. */
static void keyboard(struct cvmm_sio_i8042 *k, uint8_t b)
{
	static const uint8_t ack[] = {0xFA};
	static const uint8_t reset[] = {0xFA, 0xAA};
	uint8_t id[] = {0xFA, 0xAB, 0x83};

	switch (b) {
	case 0xFF:
		k->kbd_scanning = true;
		push_kbd_reply(k, reset, 2);
		break;
	case 0xF2:
		/* The controller translates the ID as well. */
		if (translating(k))
			id[2] = 0x41;
		push_kbd_reply(k, id, 3);
		break;
	case 0xEE:
		(void)push(k, 0xEE, 0);
		break;
	case 0xED:
	case 0xF3:
	case 0xF0:
		k->kbd_cmd = b;
		k->pending = PEND_KBD_ARG;
		push_kbd_reply(k, ack, 1);
		break;
	case 0xF4:
		k->kbd_scanning = true;
		push_kbd_reply(k, ack, 1);
		break;
	case 0xF5:
		k->kbd_scanning = false;
		push_kbd_reply(k, ack, 1);
		break;
	default:
		push_kbd_reply(k, ack, 1);
		break;
	}
}

static void data(struct cvmm_sio_i8042 *k, uint8_t b)
{
	enum pending p = k->pending;

	k->pending = PEND_NONE;
	switch (p) {
	case PEND_CTR:
		k->ctr = b;
		break;
	case PEND_OUTPORT:
		k->outport = b;
		if (!(b & 0x01))
			pulse_reset(k);
		break;
	case PEND_KBD_OBUF:
		(void)push(k, b, 0);
		break;
	case PEND_AUX_OBUF:
		(void)push(k, b, FROM_AUX);
		break;
	case PEND_AUX_DEV:
		/* Nothing is attached to the aux port. */
		(void)push(k, 0xFE, FROM_AUX | WITH_TIMEOUT);
		break;
	case PEND_KBD_ARG:
		(void)push(k, 0xFA, 0);
		/* "Get scan code set": the set in use is 2. */
		if (k->kbd_cmd == 0xF0 && b == 0x00)
			(void)push(k, 0x02, 0);
		break;
	default: /* PEND_NONE */
		keyboard(k, b);
		break;
	}
}

void cvmm_sio_i8042_write(struct cvmm_sio_i8042 *k, uint64_t offset,
			  uint8_t value)
{
	if (offset == CVMM_SIO_I8042_COMMAND) {
		k->last_was_cmd = true;
		command(k, value);
	} else if (offset == CVMM_SIO_I8042_DATA) {
		k->last_was_cmd = false;
		data(k, value);
	} else {
		return;
	}
	update_irq(k);
}

size_t cvmm_sio_i8042_push_kbd(struct cvmm_sio_i8042 *k, const uint8_t *bytes,
			       size_t len)
{
	size_t n = 0;

	if (!kbd_enabled(k))
		return 0;
	while (n < len && push(k, bytes[n], 0))
		n++;
	update_irq(k);
	return n;
}

int cvmm_sio_i8042_ctrl_alt_del(struct cvmm_sio_i8042 *k)
{
	/* Press Ctrl, Alt, Del; release Del, Alt, Ctrl. */
	static const uint8_t set1[] = {0x1D, 0x38, 0xE0, 0x53,
				       0xE0, 0xD3, 0xB8, 0x9D};
	static const uint8_t set2[] = {0x14, 0x11, 0xE0, 0x71, 0xE0, 0xF0,
				       0x71, 0xF0, 0x11, 0xF0, 0x14};
	const uint8_t *seq = translating(k) ? set1 : set2;
	size_t n = translating(k) ? sizeof(set1) : sizeof(set2);

	if (!kbd_enabled(k))
		return -EBUSY;
	if (Q - k->q_count < n)
		return -ENOSPC;
	(void)cvmm_sio_i8042_push_kbd(k, seq, n);
	return 0;
}

uint64_t cvmm_sio_i8042_resets(const struct cvmm_sio_i8042 *k)
{
	return k->resets;
}
