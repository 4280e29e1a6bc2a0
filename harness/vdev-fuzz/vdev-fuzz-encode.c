/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The encoder mirroring vdev-fuzz.c's decoder, piece by piece: each
 * function writes the choices the decoder reads, in its order, always
 * taking the simplest kind (a raw u64 address, a u32 length) so a seed
 * stays readable and exact.
 */
#include "vdev-fuzz-encode.h"

static void enc_queue(struct cvmm_vfe *e, uint32_t q)
{
	cvmm_fo_range(&e->out, 0, e->nq - 1, q);
}

/* pick_gpa(), kind 5: a raw address. */
static void enc_gpa(struct cvmm_vfe *e, uint64_t gpa)
{
	cvmm_fo_range(&e->out, 0, 5, 5);
	cvmm_fo_u64(&e->out, gpa);
}

/* pick_len(), kind 3: a raw length. */
static void enc_len(struct cvmm_vfe *e, uint32_t len)
{
	cvmm_fo_range(&e->out, 0, 3, 3);
	cvmm_fo_u32(&e->out, len);
}

/* pick_index(): a raw u16. */
static void enc_index(struct cvmm_vfe *e, uint16_t index)
{
	cvmm_fo_bool(&e->out, true);
	cvmm_fo_u16(&e->out, index);
}

static void enc_op(struct cvmm_vfe *e, enum cvmm_vfz_op op)
{
	cvmm_fo_range(&e->out, 0, CVMM_VFZ_OP_COUNT - 1, op);
}

void cvmm_vfe_begin(struct cvmm_vfe *e, uint8_t bits, unsigned qlog,
		    uint8_t variant, uint32_t nq)
{
	cvmm_fo_init(&e->out, e->buf, sizeof(e->buf));
	e->nq = nq;
	cvmm_fo_u8(&e->out, bits);
	cvmm_fo_range(&e->out, 0, 8, qlog);
	cvmm_fo_u8(&e->out, variant);
}

void cvmm_vfe_handshake(struct cvmm_vfe *e, bool all, uint64_t mask,
			bool drop_v1, bool driver_ok)
{
	enc_op(e, CVMM_VFZ_OP_HANDSHAKE);
	cvmm_fo_bool(&e->out, all);
	if (!all)
		cvmm_fo_u64(&e->out, mask);
	cvmm_fo_bool(&e->out, drop_v1);
	cvmm_fo_bool(&e->out, driver_ok);
}

void cvmm_vfe_queue_off(struct cvmm_vfe *e)
{
	cvmm_fo_bool(&e->out, false);
}

void cvmm_vfe_queue_slot(struct cvmm_vfe *e, unsigned qlog)
{
	cvmm_fo_bool(&e->out, true);
	cvmm_fo_range(&e->out, 0, 8, qlog);
	cvmm_fo_range(&e->out, 0, 2, 0);
}

void cvmm_vfe_queue_raw(struct cvmm_vfe *e, unsigned qlog, uint64_t desc,
			uint64_t avail, uint64_t used)
{
	cvmm_fo_bool(&e->out, true);
	cvmm_fo_range(&e->out, 0, 8, qlog);
	cvmm_fo_range(&e->out, 0, 2, 2);
	cvmm_fo_u64(&e->out, desc);
	cvmm_fo_u64(&e->out, avail);
	cvmm_fo_u64(&e->out, used);
}

/* dec_offset() kind 3 (raw), dec_value() kind 0 (raw). */
void cvmm_vfe_write(struct cvmm_vfe *e, uint64_t off, unsigned len_index,
		    uint32_t value)
{
	enc_op(e, CVMM_VFZ_OP_WRITE);
	cvmm_fo_range(&e->out, 0, 3, 3);
	cvmm_fo_u64(&e->out, off);
	cvmm_fo_range(&e->out, 0, 7, len_index);
	cvmm_fo_range(&e->out, 0, 5, 0);
	cvmm_fo_u32(&e->out, value);
}

void cvmm_vfe_read(struct cvmm_vfe *e, uint64_t off, unsigned len_index)
{
	enc_op(e, CVMM_VFZ_OP_READ);
	cvmm_fo_range(&e->out, 0, 3, 3);
	cvmm_fo_u64(&e->out, off);
	cvmm_fo_range(&e->out, 0, 7, len_index);
}

static void enc_buf(struct cvmm_vfe *e, const struct cvmm_vfe_buf *b)
{
	cvmm_fo_bool(&e->out, b->area);
	if (b->area)
		cvmm_fo_range(&e->out, 0, CVMM_VFZ_BUF_SIZE - 1, b->addr);
	else
		enc_gpa(e, b->addr);
	cvmm_fo_bool(&e->out, false);
	enc_len(e, b->len);
}

void cvmm_vfe_chain(struct cvmm_vfe *e, uint32_t q,
		    const struct cvmm_vfe_buf *d, unsigned nd,
		    const struct cvmm_vfe_buf *t, unsigned nt, unsigned first_w,
		    uint32_t table_off)
{
	enc_op(e, CVMM_VFZ_OP_CHAIN);
	enc_queue(e, q);
	cvmm_fo_range(&e->out, 0, 16, nd);
	cvmm_fo_bool(&e->out, nt != 0);
	if (nt != 0)
		cvmm_fo_range(&e->out, 1, 16, nt);
	cvmm_fo_range(&e->out, 0, 32, first_w);
	for (unsigned i = 0; i < nd; i++)
		enc_buf(e, &d[i]);
	for (unsigned i = 0; i < nt; i++)
		enc_buf(e, &t[i]);
	if (nt != 0) {
		cvmm_fo_bool(&e->out, true);
		cvmm_fo_range(&e->out, 0, CVMM_VFZ_BUF_SIZE / 16 - 1,
			      table_off / 16);
	}
}

void cvmm_vfe_notify(struct cvmm_vfe *e, uint32_t q, bool reg)
{
	enc_op(e, CVMM_VFZ_OP_NOTIFY);
	cvmm_fo_bool(&e->out, reg);
	cvmm_fo_bool(&e->out, true);
	enc_queue(e, q);
}

void cvmm_vfe_used(struct cvmm_vfe *e, uint32_t q, unsigned n)
{
	enc_op(e, CVMM_VFZ_OP_USED);
	enc_queue(e, q);
	cvmm_fo_range(&e->out, 1, 16, n);
}

void cvmm_vfe_poke(struct cvmm_vfe *e, uint32_t q, unsigned field,
		   uint16_t index, uint64_t value)
{
	enc_op(e, CVMM_VFZ_OP_POKE);
	enc_queue(e, q);
	cvmm_fo_range(&e->out, 0, 12, field);
	enc_index(e, index);
	cvmm_fo_range(&e->out, 0, 3, 3);
	cvmm_fo_u64(&e->out, value);
}

void cvmm_vfe_desc(struct cvmm_vfe *e, uint32_t q, uint16_t index,
		   uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	enc_op(e, CVMM_VFZ_OP_DESC);
	enc_queue(e, q);
	enc_index(e, index);
	enc_gpa(e, addr);
	enc_len(e, len);
	cvmm_fo_bool(&e->out, true);
	cvmm_fo_u16(&e->out, flags);
	enc_index(e, next);
}

void cvmm_vfe_raw(struct cvmm_vfe *e, uint64_t gpa, const uint8_t *bytes,
		  unsigned n)
{
	enc_op(e, CVMM_VFZ_OP_RAW);
	enc_gpa(e, gpa);
	cvmm_fo_range(&e->out, 1, 16, n);
	cvmm_fo_bytes(&e->out, bytes, n);
}

void cvmm_vfe_publish(struct cvmm_vfe *e, uint32_t q, uint16_t head)
{
	enc_op(e, CVMM_VFZ_OP_PUBLISH);
	enc_queue(e, q);
	enc_index(e, head);
}

void cvmm_vfe_event(struct cvmm_vfe *e)
{
	enc_op(e, CVMM_VFZ_OP_EVENT);
}

void cvmm_vfe_save(struct cvmm_vfe *e, bool mutate, unsigned field,
		   uint32_t value)
{
	enc_op(e, CVMM_VFZ_OP_SAVE);
	cvmm_fo_bool(&e->out, mutate);
	cvmm_fo_range(&e->out, 0, 7, field);
	cvmm_fo_u32(&e->out, value);
}

void cvmm_vfe_config(struct cvmm_vfe *e, bool write, unsigned off,
		     unsigned len_log, uint32_t value)
{
	enc_op(e, CVMM_VFZ_OP_CONFIG);
	cvmm_fo_bool(&e->out, write);
	cvmm_fo_range(&e->out, 0, 63, off);
	cvmm_fo_range(&e->out, 0, 2, len_log);
	if (write)
		cvmm_fo_u32(&e->out, value);
}

void cvmm_vfe_ack(struct cvmm_vfe *e, uint32_t value)
{
	enc_op(e, CVMM_VFZ_OP_ACK);
	cvmm_fo_bool(&e->out, false);
	cvmm_fo_u32(&e->out, value);
}

void cvmm_vfe_reset(struct cvmm_vfe *e)
{
	enc_op(e, CVMM_VFZ_OP_RESET);
}

void cvmm_vfe_serve(struct cvmm_vfe *e, uint32_t q, unsigned n, uint32_t off,
		    uint32_t len, bool w)
{
	enc_op(e, CVMM_VFZ_OP_SERVE);
	enc_queue(e, q);
	cvmm_fo_range(&e->out, 1, 4, n);
	cvmm_fo_range(&e->out, 0, CVMM_VFZ_BUF_SIZE - 1, off);
	cvmm_fo_range(&e->out, 0, 512, len);
	cvmm_fo_bool(&e->out, w);
}
