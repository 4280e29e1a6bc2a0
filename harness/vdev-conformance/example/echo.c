/* SPDX-License-Identifier: Apache-2.0 */
/* The echo example device (see echo.h). */
#include "echo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_STATE_TAG 0x6f686365u /* "echo" */

struct echo {
	bool active;
	uint64_t features;
	uint32_t chains;
	struct cvmm_vq *vq;
	const struct cvmm_mem *mem;
	struct cvmm_vdev_host host;
	/* The readable bytes of the chain being echoed. */
	uint8_t data[ECHO_MAX_BYTES];
};

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void echo_info(void *ctx, struct cvmm_vdev_info *info)
{
	(void)ctx;
	info->device_id = ECHO_DEVICE_ID;
	info->num_queues = 1;
	info->queue_max_size[0] = ECHO_QUEUE_SIZE;
	info->features =
	    ECHO_F_INVERT | CVMM_VDEV_F_INDIRECT_DESC | CVMM_VDEV_F_EVENT_IDX;
	info->config_size = ECHO_CONFIG_SIZE;
}

static int echo_ack_features(void *ctx, uint64_t features)
{
	/* Every offered subset works. */
	(void)ctx;
	(void)features;
	return 0;
}

static int echo_config_read(void *ctx, uint32_t offset, uint8_t *data,
			    uint32_t len)
{
	const struct echo *e = ctx;
	uint8_t cfg[ECHO_CONFIG_SIZE];

	/* The transport checked offset + len <= ECHO_CONFIG_SIZE. */
	put32(cfg, ECHO_MAX_BYTES);
	put32(cfg + 4, e->chains);
	memcpy(data, cfg + offset, len);
	return 0;
}

static int echo_config_write(void *ctx, uint32_t offset, const uint8_t *data,
			     uint32_t len)
{
	(void)ctx;
	(void)offset;
	(void)data;
	(void)len;
	return -EACCES; /* read-only */
}

static int echo_activate(void *ctx, const struct cvmm_vdev_activation *act)
{
	struct echo *e = ctx;

	e->vq = act->queues[0];
	e->mem = act->mem;
	e->host = act->host;
	e->features = act->features;
	e->active = true;
	return 0;
}

static void echo_reset(void *ctx)
{
	struct echo *e = ctx;

	e->active = false;
	e->vq = NULL;
	e->mem = NULL;
	e->chains = 0;
}

/* Echo one chain; *written counts the bytes written even on failure. */
static int echo_chain(struct echo *e, struct cvmm_vq_chain *chain,
		      uint32_t *written)
{
	uint32_t have = 0;
	uint32_t out = 0;

	*written = 0;
	while (!cvmm_vq_chain_done(chain)) {
		struct cvmm_vq_buf b;
		uint32_t n;
		int rc = cvmm_vq_chain_next(e->vq, chain, &b);

		if (rc != 0)
			return rc;
		if (!b.writable) {
			n = b.len < ECHO_MAX_BYTES - have
				? b.len
				: ECHO_MAX_BYTES - have;
			rc = cvmm_mem_read(e->mem, b.addr, e->data + have, n);
			if (rc != 0)
				return rc;
			have += n;
			continue;
		}
		n = b.len < have - out ? b.len : have - out;
		if ((e->features & ECHO_F_INVERT) != 0)
			for (uint32_t i = 0; i < n; i++)
				e->data[out + i] = (uint8_t)~e->data[out + i];
		rc = cvmm_mem_write(e->mem, b.addr, e->data + out, n);
		if (rc != 0)
			return rc;
		out += n;
		*written = out;
	}
	return 0;
}

static int echo_notify(void *ctx, uint32_t queue)
{
	struct echo *e = ctx;
	bool used = false, drained = false;
	int rc = 0;

	(void)queue; /* the transport passes only queue 0 */
	/* At most a ring's worth of chains per notification. */
	for (uint32_t i = 0; i < cvmm_vq_size(e->vq); i++) {
		struct cvmm_vq_chain chain;
		uint32_t written;
		int urc;

		rc = cvmm_vq_pop(e->vq, &chain);
		if (rc == -EAGAIN) {
			rc = 0;
			drained = true;
			break;
		}
		if (rc != 0)
			break;
		rc = echo_chain(e, &chain, &written);
		/* Every chain taken goes back, whatever happened. */
		urc = cvmm_vq_add_used(e->vq, chain.head, written);
		used = used || urc == 0;
		e->chains += urc == 0;
		if (rc == 0)
			rc = urc;
		if (rc != 0)
			break;
	}
	/* Stopped at the bound with chains maybe left: the driver may not
	 * notify for them, so the transport has this queue served again. */
	if (rc == 0 && !drained)
		e->host.ops->queue_pending(e->host.ctx, 0);
	if (used)
		e->host.ops->queue_used(e->host.ctx, 0);
	return rc;
}

static int echo_save(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *len)
{
	const struct echo *e = ctx;

	if (cap < 8)
		return -ENOSPC;
	put32(buf, ECHO_STATE_TAG);
	put32(buf + 4, e->chains);
	*len = 8;
	return 0;
}

static int echo_restore(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct echo *e = ctx;

	echo_reset(ctx);
	if (len != 8 || get32(buf) != ECHO_STATE_TAG)
		return -EINVAL;
	e->chains = get32(buf + 4);
	return 0;
}

static const struct cvmm_vdev_ops echo_ops = {
    .info = echo_info,
    .ack_features = echo_ack_features,
    .config_read = echo_config_read,
    .config_write = echo_config_write,
    .activate = echo_activate,
    .notify = echo_notify,
    .reset = echo_reset,
    .save = echo_save,
    .restore = echo_restore,
};

int echo_create(struct echo **out)
{
	struct echo *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -ENOMEM;
	*out = e;
	return 0;
}

void echo_destroy(struct echo *e)
{
	free(e);
}

struct cvmm_vdev echo_device(struct echo *e)
{
	struct cvmm_vdev d = {&echo_ops, e};

	return d;
}

uint64_t echo_features(const struct echo *e)
{
	return e->features;
}
