/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-console, one port: input pushed by the VMM, output to a sink. */
#include <cvmm/vdev-console.h>

#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* Bytes moved between guest memory and the sink at a time. */
#define CON_CHUNK 256u

/* The saved state: tag, version, cols and rows. */
#define CON_STATE_TAG	  0x6e6f6376u /* "vcon" */
#define CON_STATE_VERSION 1u
#define CON_STATE_LEN	  12u

struct cvmm_vdev_console {
	struct cvmm_vdev_console_config cfg;
	uint16_t cols;
	uint16_t rows;
	/* Walking a queue (the sink may be running): input is refused. */
	bool busy;
	/* Between activate() and reset(): the borrowed activation. */
	bool active;
	/* A queue failed (its errno): nothing more until reset(). */
	int failed;
	uint64_t features;
	struct cvmm_vq *rxq;
	struct cvmm_vq *txq;
	const struct cvmm_mem *mem;
	struct cvmm_vdev_host host;
	struct cvmm_vdev_console_stats stats;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

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

static void con_info(void *ctx, struct cvmm_vdev_info *info)
{
	const struct cvmm_vdev_console *c = ctx;

	info->device_id = CVMM_VDEV_ID_CONSOLE;
	info->num_queues = 2;
	info->queue_max_size[CVMM_VDEV_CONSOLE_RX] = c->cfg.queue_size;
	info->queue_max_size[CVMM_VDEV_CONSOLE_TX] = c->cfg.queue_size;
	info->features = CVMM_VDEV_CONSOLE_F_SIZE |
			 CVMM_VDEV_CONSOLE_F_EMERG_WRITE |
			 CVMM_VDEV_F_INDIRECT_DESC | CVMM_VDEV_F_EVENT_IDX;
	info->config_size = CVMM_VDEV_CONSOLE_CONFIG_SIZE;
}

static int con_ack_features(void *ctx, uint64_t features)
{
	struct cvmm_vdev_console *c = ctx;

	c->features = features;
	return 0;
}

static int con_config_read(void *ctx, uint32_t offset, uint8_t *data,
			   uint32_t len)
{
	const struct cvmm_vdev_console *c = ctx;
	uint8_t image[CVMM_VDEV_CONSOLE_CONFIG_SIZE];

	/* The transport bounds the access; callers driving the op directly
	 * get the same bound. */
	if (offset > sizeof(image) || len > sizeof(image) - offset)
		return -ENXIO;
	put16(image + CVMM_VDEV_CONSOLE_COLS, c->cols);
	put16(image + CVMM_VDEV_CONSOLE_ROWS, c->rows);
	put32(image + CVMM_VDEV_CONSOLE_MAX_PORTS, 1);
	put32(image + CVMM_VDEV_CONSOLE_EMERG_WR, 0);
	memcpy(data, image + offset, len);
	return 0;
}

static void sink_out(struct cvmm_vdev_console *c, const uint8_t *buf,
		     size_t len)
{
	if (c->cfg.sink == NULL)
		return;
	if (c->cfg.sink(c->cfg.sink_arg, buf, len) != 0)
		c->stats.tx_errors += len;
	else
		c->stats.tx_bytes += len;
}

static int con_config_write(void *ctx, uint32_t offset, const uint8_t *data,
			    uint32_t len)
{
	struct cvmm_vdev_console *c = ctx;
	bool was_busy = c->busy;

	/* Only emerg_wr, and only if negotiated; its low byte is the
	 * character whatever the access width. */
	if (offset != CVMM_VDEV_CONSOLE_EMERG_WR || len == 0 ||
	    (c->features & CVMM_VDEV_CONSOLE_F_EMERG_WRITE) == 0)
		return -EACCES;
	c->busy = true;
	sink_out(c, data, 1);
	c->busy = was_busy;
	c->stats.emerg_bytes++;
	return 0;
}

static int con_activate(void *ctx, const struct cvmm_vdev_activation *act)
{
	struct cvmm_vdev_console *c = ctx;

	if (act->num_queues != 2)
		return -EINVAL;
	c->rxq = act->queues[CVMM_VDEV_CONSOLE_RX];
	c->txq = act->queues[CVMM_VDEV_CONSOLE_TX];
	c->mem = act->mem;
	c->host = act->host;
	c->features = act->features;
	c->active = true;
	return 0;
}

static void con_reset(void *ctx)
{
	struct cvmm_vdev_console *c = ctx;

	c->active = false;
	c->failed = 0;
	c->features = 0;
	c->rxq = NULL;
	c->txq = NULL;
	c->mem = NULL;
	memset(&c->host, 0, sizeof(c->host));
}

/* Hand a readable buffer's bytes to the sink, at most *budget of them;
 * 1 if the bound stopped it before the buffer's end. */
static int send_buf(struct cvmm_vdev_console *c, const struct cvmm_vq_buf *b,
		    uint32_t *budget)
{
	uint8_t tmp[CON_CHUNK];
	uint32_t off = 0;

	while (*budget != 0 && off < b->len) {
		uint32_t n = b->len - off;
		int rc;

		if (n > *budget)
			n = *budget;
		if (n > CON_CHUNK)
			n = CON_CHUNK;
		/* The queue checked addr + len does not wrap, and off < len. */
		rc = cvmm_mem_read(c->mem, cvmm_mem_gpa_from(b->addr.raw + off),
				   tmp, n);
		if (rc != 0)
			return rc;
		sink_out(c, tmp, n);
		off += n;
		*budget -= n;
	}
	return off < b->len ? 1 : 0;
}

static int send_chain(struct cvmm_vdev_console *c, struct cvmm_vq_chain *chain)
{
	uint32_t budget = c->cfg.max_bytes_per_chain;
	bool capped = false;

	/* Every descriptor is walked, and so validated, also past the bound:
	 * a broken chain is refused whatever its length. */
	while (!cvmm_vq_chain_done(chain)) {
		struct cvmm_vq_buf b;
		int rc = cvmm_vq_chain_next(c->txq, chain, &b);

		if (rc != 0)
			return rc;
		if (b.writable)
			continue; /* nothing for the device to write */
		rc = send_buf(c, &b, &budget);
		if (rc < 0)
			return rc;
		capped |= rc == 1;
	}
	if (capped)
		c->stats.tx_capped++;
	return 0;
}

/* A transmit chain for cvmm_vdev__serve(): nothing is written into it. */
static int serve_chain(void *dev, struct cvmm_vq_chain *chain,
		       uint32_t *used_len)
{
	*used_len = 0;
	return send_chain(dev, chain);
}

static int transmit(struct cvmm_vdev_console *c)
{
	struct cvmm_vdev__served served = {0, 0};

	return cvmm_vdev__serve(c->txq, CVMM_VDEV_CONSOLE_TX, &c->host,
				serve_chain, c, &served);
}

static int con_notify(void *ctx, uint32_t queue)
{
	struct cvmm_vdev_console *c = ctx;
	int rc;

	if (!c->active || queue > CVMM_VDEV_CONSOLE_TX)
		return -EIO;
	if (queue == CVMM_VDEV_CONSOLE_RX) {
		/* New receive buffers: the VMM may push what it kept. */
		if (c->cfg.rx_ready != NULL)
			c->cfg.rx_ready(c->cfg.rx_ready_arg);
		return 0;
	}
	if (c->failed != 0)
		return -EIO;
	c->busy = true;
	rc = transmit(c);
	c->busy = false;
	c->failed = rc;
	return rc;
}

/* Write input into a receive chain's writable buffers. The whole chain is
 * walked (and so validated) even when the input ends early. */
static int fill_chain(struct cvmm_vdev_console *c, struct cvmm_vq_chain *chain,
		      const uint8_t *data, size_t len, uint32_t *written)
{
	*written = 0;
	while (!cvmm_vq_chain_done(chain)) {
		struct cvmm_vq_buf b;
		uint32_t n;
		int rc;

		rc = cvmm_vq_chain_next(c->rxq, chain, &b);
		if (rc != 0)
			return rc;
		if (!b.writable || *written == len)
			continue;
		n = b.len;
		if (n > len - *written)
			n = (uint32_t)(len - *written);
		rc = cvmm_mem_write(c->mem, b.addr, data + *written, n);
		if (rc != 0)
			return rc;
		*written += n;
	}
	return 0;
}

static int receive(struct cvmm_vdev_console *c, const uint8_t *data, size_t len,
		   size_t *taken)
{
	uint32_t limit = cvmm_vq_size(c->rxq);
	bool used = false;
	int rc = 0;

	/* At most a queue's worth of chains per call. */
	for (uint32_t i = 0; i < limit && *taken < len; i++) {
		struct cvmm_vq_chain chain;
		uint32_t written;
		int urc;

		rc = cvmm_vq_pop(c->rxq, &chain);
		if (rc == -EAGAIN) {
			rc = 0;
			break;
		}
		if (rc != 0)
			break;
		rc = fill_chain(c, &chain, data + *taken, len - *taken,
				&written);
		urc = cvmm_vq_add_used(c->rxq, chain.head, written);
		if (urc == 0) {
			used = true;
			*taken += written;
			c->stats.rx_bytes += written;
		}
		if (rc == 0)
			rc = urc;
		if (rc != 0)
			break;
	}
	if (used)
		c->host.ops->queue_used(c->host.ctx, CVMM_VDEV_CONSOLE_RX);
	return rc;
}

int cvmm_vdev_console_input(struct cvmm_vdev_console *con, const uint8_t *data,
			    size_t len, size_t *taken)
{
	int rc;

	*taken = 0;
	if (con->busy)
		return -EBUSY;
	if (!con->active || !cvmm_vq_is_ready(con->rxq))
		return -ENODEV;
	if (con->failed != 0)
		return -EIO;
	con->busy = true;
	rc = receive(con, data, len, taken);
	con->busy = false;
	if (rc != 0) {
		con->failed = rc;
		con->host.ops->needs_reset(con->host.ctx, rc);
	}
	return rc;
}

void cvmm_vdev_console_resize(struct cvmm_vdev_console *con, uint16_t cols,
			      uint16_t rows)
{
	con->cols = cols;
	con->rows = rows;
	if (con->active && (con->features & CVMM_VDEV_CONSOLE_F_SIZE) != 0)
		con->host.ops->config_changed(con->host.ctx);
}

static int con_save(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *len)
{
	const struct cvmm_vdev_console *c = ctx;

	if (cap < CON_STATE_LEN)
		return -ENOSPC;
	put32(buf, CON_STATE_TAG);
	put32(buf + 4, CON_STATE_VERSION);
	put16(buf + 8, c->cols);
	put16(buf + 10, c->rows);
	*len = CON_STATE_LEN;
	return 0;
}

static int con_restore(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct cvmm_vdev_console *c = ctx;

	con_reset(ctx);
	if (len != CON_STATE_LEN || get32(buf) != CON_STATE_TAG ||
	    get32(buf + 4) != CON_STATE_VERSION)
		return -EINVAL;
	c->cols = (uint16_t)(buf[8] | buf[9] << 8);
	c->rows = (uint16_t)(buf[10] | buf[11] << 8);
	return 0;
}

static const struct cvmm_vdev_ops con_ops = {
    con_info,	      con_ack_features, con_config_read,
    con_config_write, con_activate,	con_notify,
    con_reset,	      con_save,		con_restore,
};

int cvmm_vdev_console_create(const struct cvmm_vdev_console_config *config,
			     struct cvmm_vdev_console **out)
{
	struct cvmm_vdev_console_config c;
	struct cvmm_vdev_console *con;

	if (out == NULL)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	if (config != NULL)
		c = *config;
	if (c.queue_size == 0)
		c.queue_size = CVMM_VDEV_CONSOLE_DEFAULT_QUEUE_SIZE;
	if (c.queue_size > CVMM_VQ_MAX_SIZE ||
	    (c.queue_size & (c.queue_size - 1)) != 0)
		return -EINVAL;
	if (c.max_bytes_per_chain == 0)
		c.max_bytes_per_chain = CVMM_VDEV_CONSOLE_DEFAULT_MAX_BYTES;
	con = calloc(1, sizeof(*con));
	if (con == NULL)
		return -ENOMEM;
	con->cfg = c;
	con->cols = c.cols;
	con->rows = c.rows;
	*out = con;
	return 0;
}

void cvmm_vdev_console_destroy(struct cvmm_vdev_console *con)
{
	free(con);
}

struct cvmm_vdev cvmm_vdev_console_device(struct cvmm_vdev_console *con)
{
	struct cvmm_vdev d = {&con_ops, con};

	return d;
}

struct cvmm_vdev_console_stats
cvmm_vdev_console_get_stats(const struct cvmm_vdev_console *con)
{
	return con->stats;
}
