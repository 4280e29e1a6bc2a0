/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-net: one receive and one transmit queue over a frame backend. */
#include <cvmm/vdev-net.h>

#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* The saved state: tag, version, mac, status. */
#define NET_STATE_TAG	  0x74656e76u /* "vnet" */
#define NET_STATE_VERSION 1u
#define NET_STATE_LEN	  16u

#define HDR CVMM_VDEV_NET_HDR_LEN

struct cvmm_vdev_net {
	struct cvmm_vdev_net_config cfg;
	uint8_t mac[6];
	uint16_t status;
	/* Moving frames (a backend op, rx_wanted or the transport's
	 * interrupt may be running): readable() is refused. */
	bool busy;
	/* Between activate() and reset(): the borrowed activation. */
	bool active;
	/* The last answer given to rx_wanted. */
	bool wanted;
	/* rxbuf holds a frame of rx_len bytes no chain took yet. */
	bool held;
	/* A queue failed (its errno): nothing more until reset(). */
	int failed;
	uint64_t features;
	/* The largest frame either way (see the header). */
	uint32_t max_frame;
	struct cvmm_vq *rxq;
	struct cvmm_vq *txq;
	const struct cvmm_mem *mem;
	struct cvmm_vdev_host host;
	struct cvmm_vdev_net_stats stats;
	/* The buffers of the chain being handled: one per queue entry, as
	 * a chain has at most queue-size buffers. */
	struct cvmm_vq_buf *bufs;
	/* Received: the header to give the guest, then the frame (one byte
	 * more than the largest, to see a backend's frame is too long). */
	uint8_t *rxbuf;
	size_t rx_len;
	/* Transmitted: the chain's readable bytes, header and frame. */
	uint8_t *txbuf;
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

/* Tell the VMM when the answer to "poll the backend?" changes. */
static void update_wanted(struct cvmm_vdev_net *n)
{
	bool wanted =
	    n->active && n->failed == 0 && !n->held && cvmm_vq_is_ready(n->rxq);
	bool was_busy = n->busy;

	if (wanted == n->wanted)
		return;
	n->wanted = wanted;
	if (n->cfg.rx_wanted == NULL)
		return;
	n->busy = true;
	n->cfg.rx_wanted(n->cfg.rx_wanted_arg, wanted);
	n->busy = was_busy;
}

static uint64_t offered(const struct cvmm_vdev_net *n)
{
	uint64_t f = CVMM_VDEV_NET_F_MAC | CVMM_VDEV_NET_F_STATUS |
		     CVMM_VDEV_F_INDIRECT_DESC;

	if (n->cfg.mtu != 0)
		f |= CVMM_VDEV_NET_F_MTU;
	return f;
}

static void net_info(void *ctx, struct cvmm_vdev_info *info)
{
	const struct cvmm_vdev_net *n = ctx;

	info->device_id = CVMM_VDEV_ID_NET;
	info->num_queues = 2;
	info->queue_max_size[CVMM_VDEV_NET_RX] = n->cfg.queue_size;
	info->queue_max_size[CVMM_VDEV_NET_TX] = n->cfg.queue_size;
	info->features = offered(n);
	info->config_size = CVMM_VDEV_NET_CONFIG_SIZE;
}

static int net_ack_features(void *ctx, uint64_t features)
{
	struct cvmm_vdev_net *n = ctx;

	/* The transport passes only offered bits; a caller driving the op
	 * directly gets the same rule. */
	if ((features & ~(offered(n) | CVMM_VDEV_F_VERSION_1)) != 0)
		return -EOPNOTSUPP;
	n->features = features;
	return 0;
}

static int net_config_read(void *ctx, uint32_t offset, uint8_t *data,
			   uint32_t len)
{
	const struct cvmm_vdev_net *n = ctx;
	uint8_t image[CVMM_VDEV_NET_CONFIG_SIZE];

	/* The transport bounds the access; callers driving the op directly
	 * get the same bound. */
	if (offset > sizeof(image) || len > sizeof(image) - offset)
		return -ENXIO;
	memcpy(image + CVMM_VDEV_NET_MAC, n->mac, sizeof(n->mac));
	put16(image + CVMM_VDEV_NET_STATUS, n->status);
	put16(image + CVMM_VDEV_NET_MAX_PAIRS, 1);
	put16(image + CVMM_VDEV_NET_MTU, n->cfg.mtu);
	memcpy(data, image + offset, len);
	return 0;
}

static int net_config_write(void *ctx, uint32_t offset, const uint8_t *data,
			    uint32_t len)
{
	/* Every field is read-only in a VERSION_1 device. */
	(void)ctx;
	(void)offset;
	(void)data;
	(void)len;
	return -EACCES;
}

static int net_activate(void *ctx, const struct cvmm_vdev_activation *act)
{
	struct cvmm_vdev_net *n = ctx;

	if (act->num_queues != 2)
		return -EINVAL;
	n->rxq = act->queues[CVMM_VDEV_NET_RX];
	n->txq = act->queues[CVMM_VDEV_NET_TX];
	n->mem = act->mem;
	n->host = act->host;
	n->features = act->features;
	/* A driver that took the MTU sizes its buffers by it; the
	 * specification forbids passing it longer frames. */
	if ((n->features & CVMM_VDEV_NET_F_MTU) != 0)
		n->max_frame = n->cfg.mtu + CVMM_VDEV_NET_ETH_HLEN;
	n->active = true;
	update_wanted(n);
	return 0;
}

static void net_reset(void *ctx)
{
	struct cvmm_vdev_net *n = ctx;

	if (n->held)
		n->stats.rx_lost++;
	n->held = false;
	n->active = false;
	n->failed = 0;
	n->features = 0;
	n->max_frame = CVMM_VDEV_NET_MAX_FRAME;
	n->rxq = NULL;
	n->txq = NULL;
	n->mem = NULL;
	memset(&n->host, 0, sizeof(n->host));
	update_wanted(n);
}

/* The device cannot go on: nothing more until the driver resets it. */
static void fail(struct cvmm_vdev_net *n, int err)
{
	n->failed = err;
	update_wanted(n);
}

/* Walk a whole chain into n->bufs. The queue refuses a chain of more
 * buffers than its size, which n->bufs holds, so the walk ends at the
 * chain's end. */
static int walk(struct cvmm_vdev_net *n, struct cvmm_vq *vq,
		struct cvmm_vq_chain *chain, uint32_t *nbufs)
{
	return cvmm_vq_chain_collect(vq, chain, n->bufs, n->cfg.queue_size,
				     nbufs);
}

/* Send one transmit chain: 0 when the frame was sent or dropped (counted),
 * a negative errno for a queue error. */
static int send_chain(struct cvmm_vdev_net *n, struct cvmm_vq_chain *chain)
{
	uint32_t nbufs = 0;
	uint32_t off = 0;
	size_t len;
	int rc = walk(n, n->txq, chain, &nbufs);

	if (rc != 0)
		return rc;
	if (chain->writable_len != 0) {
		n->stats.tx_bad_chain++;
		return 0;
	}
	if (chain->readable_len < HDR) {
		n->stats.tx_short++;
		return 0;
	}
	if (chain->readable_len - HDR > n->max_frame) {
		n->stats.tx_too_big++;
		return 0;
	}
	/* Each byte is read from guest memory once; the header is checked
	 * in the copy. readable_len bounds off, and txbuf holds it. */
	for (uint32_t i = 0; i < nbufs; i++) {
		const struct cvmm_vq_buf *b = &n->bufs[i];

		if (b->writable)
			continue; /* zero-length: writable_len is 0 */
		rc = cvmm_mem_read(n->mem, b->addr, n->txbuf + off, b->len);
		if (rc != 0)
			return rc;
		off += b->len;
	}
	if (n->txbuf[CVMM_VDEV_NET_HDR_FLAGS] != 0 ||
	    n->txbuf[CVMM_VDEV_NET_HDR_GSO_TYPE] != 0) {
		n->stats.tx_bad_header++;
		return 0;
	}
	len = off - HDR;
	rc = n->cfg.backend.ops->send(n->cfg.backend.ctx, n->txbuf + HDR, len);
	if (rc != 0) {
		n->stats.tx_errors++;
		return 0;
	}
	n->stats.tx_frames++;
	n->stats.tx_bytes += len;
	return 0;
}

/* A transmit chain for cvmm_vdev__serve(): nothing is written into it. */
static int serve_chain(void *dev, struct cvmm_vq_chain *chain,
		       uint32_t *used_len)
{
	*used_len = 0;
	return send_chain(dev, chain);
}

static int transmit(struct cvmm_vdev_net *n)
{
	struct cvmm_vdev__served served = {0, 0};

	return cvmm_vdev__serve(n->txq, CVMM_VDEV_NET_TX, &n->host, serve_chain,
				n, &served);
}

/* Write the held frame into a receive chain's writable buffers, as far as
 * they go; *written is what the chain is returned with. */
static int fill_chain(struct cvmm_vdev_net *n, struct cvmm_vq_chain *chain,
		      uint32_t *written)
{
	uint32_t nbufs = 0;
	uint32_t total;
	uint32_t off = 0;
	int rc = walk(n, n->rxq, chain, &nbufs);

	*written = 0;
	if (rc != 0)
		return rc;
	if (chain->readable_len != 0) {
		/* Not a receive buffer; the frame waits for the next. */
		n->stats.rx_bad_chain++;
		return 0;
	}
	/* rx_len <= max_frame <= CVMM_VDEV_NET_MAX_FRAME: no wrap. */
	total = HDR + (uint32_t)n->rx_len;
	n->held = false;
	if (chain->writable_len < total) {
		n->stats.rx_no_room++;
		return 0;
	}
	for (uint32_t i = 0; i < nbufs && off < total; i++) {
		const struct cvmm_vq_buf *b = &n->bufs[i];
		uint32_t len = b->len;

		if (!b->writable)
			continue; /* zero-length: readable_len is 0 */
		if (len > total - off)
			len = total - off;
		rc = cvmm_mem_write(n->mem, b->addr, n->rxbuf + off, len);
		if (rc != 0)
			return rc;
		off += len;
	}
	*written = total;
	n->stats.rx_frames++;
	n->stats.rx_bytes += n->rx_len;
	return 0;
}

/* Take the next frame from the backend into rxbuf: 0 and held, -EAGAIN
 * when there is none, 1 when it was dropped as too long, or the backend's
 * error. */
static int fetch(struct cvmm_vdev_net *n)
{
	size_t len = 0;
	int rc;

	rc = n->cfg.backend.ops->recv(n->cfg.backend.ctx, n->rxbuf + HDR,
				      CVMM_VDEV_NET_MAX_FRAME + 1, &len);
	if (rc == -EAGAIN)
		return rc;
	if (rc != 0) {
		n->stats.rx_errors++;
		return rc;
	}
	if (len > n->max_frame) {
		n->stats.rx_oversize++;
		return 1;
	}
	n->rx_len = len;
	n->held = true;
	return 0;
}

/*
 * Move frames into receive chains: the held one first, then the backend's,
 * at most a queue's worth of steps. Returns a queue error; a backend error
 * goes to *backend_rc and ends the call.
 */
static int receive(struct cvmm_vdev_net *n, bool from_backend, int *backend_rc)
{
	uint32_t limit = cvmm_vq_size(n->rxq);
	bool used = false;
	int rc = 0;

	for (uint32_t i = 0; i < limit; i++) {
		struct cvmm_vq_chain chain;
		uint32_t written;
		int urc;

		if (!n->held) {
			if (!from_backend)
				break;
			rc = fetch(n);
			if (rc == 1)
				continue;
			if (rc != 0) {
				if (rc != -EAGAIN)
					*backend_rc = rc;
				rc = 0;
				break;
			}
		}
		rc = cvmm_vq_pop(n->rxq, &chain);
		if (rc == -EAGAIN) {
			rc = 0; /* held until the driver adds buffers */
			break;
		}
		if (rc != 0)
			break;
		rc = fill_chain(n, &chain, &written);
		urc = cvmm_vq_add_used(n->rxq, chain.head, written);
		used |= urc == 0;
		if (rc == 0)
			rc = urc;
		if (rc != 0)
			break;
	}
	if (used)
		n->host.ops->queue_used(n->host.ctx, CVMM_VDEV_NET_RX);
	return rc;
}

static int net_notify(void *ctx, uint32_t queue)
{
	struct cvmm_vdev_net *n = ctx;
	int unused = 0;
	int rc;

	if (!n->active || n->failed != 0 || queue > CVMM_VDEV_NET_TX)
		return -EIO;
	n->busy = true;
	if (queue == CVMM_VDEV_NET_RX)
		rc = receive(n, false, &unused); /* new buffers */
	else
		rc = transmit(n);
	n->busy = false;
	if (rc != 0)
		fail(n, rc);
	else
		update_wanted(n);
	return rc;
}

int cvmm_vdev_net_backend_readable(struct cvmm_vdev_net *net)
{
	int backend_rc = 0;
	int rc;

	if (net->busy)
		return -EBUSY;
	if (!net->active || !cvmm_vq_is_ready(net->rxq))
		return -ENODEV;
	if (net->failed != 0)
		return -EIO;
	net->busy = true;
	rc = receive(net, true, &backend_rc);
	net->busy = false;
	if (rc != 0) {
		fail(net, rc);
		net->host.ops->needs_reset(net->host.ctx, rc);
		return rc;
	}
	update_wanted(net);
	return backend_rc;
}

void cvmm_vdev_net_set_link(struct cvmm_vdev_net *net, bool up)
{
	net->status = up ? CVMM_VDEV_NET_S_LINK_UP : 0;
	if (net->active && (net->features & CVMM_VDEV_NET_F_STATUS) != 0)
		net->host.ops->config_changed(net->host.ctx);
}

static int net_save(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *len)
{
	const struct cvmm_vdev_net *n = ctx;

	if (cap < NET_STATE_LEN)
		return -ENOSPC;
	put32(buf, NET_STATE_TAG);
	put32(buf + 4, NET_STATE_VERSION);
	memcpy(buf + 8, n->mac, sizeof(n->mac));
	put16(buf + 14, n->status);
	*len = NET_STATE_LEN;
	return 0;
}

static int net_restore(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct cvmm_vdev_net *n = ctx;
	uint16_t status;

	net_reset(ctx);
	if (len != NET_STATE_LEN || get32(buf) != NET_STATE_TAG ||
	    get32(buf + 4) != NET_STATE_VERSION)
		return -EINVAL;
	status = (uint16_t)(buf[14] | buf[15] << 8);
	if ((status & ~CVMM_VDEV_NET_S_LINK_UP) != 0)
		return -EINVAL;
	/* The guest knows the snapshot's address: it wins over the
	 * configured one. */
	memcpy(n->mac, buf + 8, sizeof(n->mac));
	n->status = status;
	return 0;
}

static const struct cvmm_vdev_ops net_ops = {
    net_info,	      net_ack_features, net_config_read,
    net_config_write, net_activate,	net_notify,
    net_reset,	      net_save,		net_restore,
};

int cvmm_vdev_net_create(const struct cvmm_vdev_net_config *config,
			 struct cvmm_vdev_net **out)
{
	struct cvmm_vdev_net_config c;
	struct cvmm_vdev_net *net;

	if (config == NULL || out == NULL || config->backend.ops == NULL ||
	    config->backend.ops->send == NULL ||
	    config->backend.ops->recv == NULL)
		return -EINVAL;
	c = *config;
	if (c.queue_size == 0)
		c.queue_size = CVMM_VDEV_NET_DEFAULT_QUEUE_SIZE;
	if (c.queue_size > CVMM_VQ_MAX_SIZE ||
	    (c.queue_size & (c.queue_size - 1)) != 0 ||
	    (c.mtu != 0 &&
	     (c.mtu < CVMM_VDEV_NET_MIN_MTU || c.mtu > CVMM_VDEV_NET_MAX_MTU)))
		return -EINVAL;
	net = calloc(1, sizeof(*net));
	if (net == NULL)
		return -ENOMEM;
	net->bufs = calloc(c.queue_size, sizeof(*net->bufs));
	net->rxbuf = calloc(1, HDR + CVMM_VDEV_NET_MAX_FRAME + 1);
	net->txbuf = malloc(HDR + CVMM_VDEV_NET_MAX_FRAME);
	if (net->bufs == NULL || net->rxbuf == NULL || net->txbuf == NULL) {
		cvmm_vdev_net_destroy(net);
		return -ENOMEM;
	}
	/* The received header never changes: no flags, no GSO, one
	 * buffer. */
	put16(net->rxbuf + CVMM_VDEV_NET_HDR_NUM_BUFFERS, 1);
	net->cfg = c;
	memcpy(net->mac, c.mac, sizeof(net->mac));
	net->status = CVMM_VDEV_NET_S_LINK_UP;
	net->max_frame = CVMM_VDEV_NET_MAX_FRAME;
	*out = net;
	return 0;
}

void cvmm_vdev_net_destroy(struct cvmm_vdev_net *net)
{
	if (net == NULL)
		return;
	free(net->bufs);
	free(net->rxbuf);
	free(net->txbuf);
	free(net);
}

struct cvmm_vdev cvmm_vdev_net_device(struct cvmm_vdev_net *net)
{
	struct cvmm_vdev d = {&net_ops, net};

	return d;
}

struct cvmm_vdev_net_stats
cvmm_vdev_net_get_stats(const struct cvmm_vdev_net *net)
{
	return net->stats;
}
