/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-rng: fill the driver's writable buffers, at most a bound per chain. */
#include <cvmm/vdev-rng.h>

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "serve.h"

/* Bytes asked of the entropy source at a time (getrandom(2) never returns
 * short or fails with EINTR for requests up to 256 bytes). */
#define RNG_CHUNK 256u

/* The saved state: a tag and a format version, nothing else to keep. */
#define RNG_STATE_TAG	  0x676e7276u /* "vrng" */
#define RNG_STATE_VERSION 1u
#define RNG_STATE_LEN	  8u

struct cvmm_vdev_rng {
	cvmm_vdev_rng_source_fn source;
	void *source_arg;
	uint32_t max_bytes;
	uint32_t queue_size;
	/* Between activate() and reset(): the borrowed activation. */
	bool active;
	struct cvmm_vq *vq;
	const struct cvmm_mem *mem;
	struct cvmm_vdev_host host;
	struct cvmm_vdev_rng_stats stats;
};

int cvmm_vdev_rng_getrandom(void *arg, uint8_t *buf, size_t len)
{
	size_t done = 0;
	int err = 0;

	(void)arg;
	while (err == 0 && done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);

		/* Never short nor interrupted up to 256 bytes once the pool
		 * is initialized; larger callers may see both. */
		err = n < 0 && errno != EINTR ? -errno : 0;
		done += n > 0 ? (size_t)n : 0;
	}
	return err;
}

static void rng_info(void *ctx, struct cvmm_vdev_info *info)
{
	const struct cvmm_vdev_rng *r = ctx;

	info->device_id = CVMM_VDEV_ID_RNG;
	info->num_queues = 1;
	info->queue_max_size[0] = r->queue_size;
	info->features = CVMM_VDEV_F_INDIRECT_DESC | CVMM_VDEV_F_EVENT_IDX;
	info->config_size = 0;
}

static int rng_ack_features(void *ctx, uint64_t features)
{
	/* No device feature bits: any subset of the offered set will do. */
	(void)ctx;
	(void)features;
	return 0;
}

/* There is no config space; the transport never calls these with a size
 * of 0, but a caller driving the ops directly gets a clean refusal. */
static int rng_config_read(void *ctx, uint32_t offset, uint8_t *data,
			   uint32_t len)
{
	(void)ctx;
	(void)offset;
	(void)data;
	(void)len;
	return -ENXIO;
}

static int rng_config_write(void *ctx, uint32_t offset, const uint8_t *data,
			    uint32_t len)
{
	(void)ctx;
	(void)offset;
	(void)data;
	(void)len;
	return -ENXIO;
}

static int rng_activate(void *ctx, const struct cvmm_vdev_activation *act)
{
	struct cvmm_vdev_rng *r = ctx;

	if (act->num_queues != 1)
		return -EINVAL;
	r->vq = act->queues[0];
	r->mem = act->mem;
	r->host = act->host;
	r->active = true;
	return 0;
}

static void rng_reset(void *ctx)
{
	struct cvmm_vdev_rng *r = ctx;

	r->active = false;
	r->vq = NULL;
	r->mem = NULL;
	memset(&r->host, 0, sizeof(r->host));
}

/* Write random bytes into one writable buffer, at most *budget of them;
 * 1 if the bound stopped it before the buffer's end. */
static int fill_buf(struct cvmm_vdev_rng *r, const struct cvmm_vq_buf *b,
		    uint32_t *budget, uint32_t *written)
{
	uint8_t tmp[RNG_CHUNK];
	uint32_t off = 0;

	while (*budget != 0 && off < b->len) {
		uint32_t n = b->len - off;
		int rc;

		if (n > *budget)
			n = *budget;
		if (n > RNG_CHUNK)
			n = RNG_CHUNK;
		rc = r->source(r->source_arg, tmp, n);
		if (rc != 0)
			return rc;
		/* The queue checked addr + len does not wrap, and off < len. */
		rc = cvmm_mem_write(
		    r->mem, cvmm_mem_gpa_from(b->addr.raw + off), tmp, n);
		if (rc != 0)
			return rc;
		off += n;
		*budget -= n;
		*written += n;
	}
	return off < b->len ? 1 : 0;
}

/* Fill a chain's writable buffers up to the bound; *written counts the
 * bytes actually written, also when it fails part way. */
static int fill_chain(struct cvmm_vdev_rng *r, struct cvmm_vq_chain *chain,
		      uint32_t *written)
{
	uint32_t budget = r->max_bytes;
	bool capped = false;

	*written = 0;
	/* Every descriptor is walked, and so validated, also past the bound:
	 * a broken chain is refused whatever the driver asked for. */
	while (!cvmm_vq_chain_done(chain)) {
		struct cvmm_vq_buf b;
		int rc = cvmm_vq_chain_next(r->vq, chain, &b);

		if (rc != 0)
			return rc;
		if (!b.writable)
			continue;
		rc = fill_buf(r, &b, &budget, written);
		if (rc < 0)
			return rc;
		capped |= rc == 1;
	}
	if (capped)
		r->stats.capped++;
	return 0;
}

/* A chain for cvmm_vdev__serve(). */
static int serve_chain(void *dev, struct cvmm_vq_chain *chain,
		       uint32_t *written)
{
	return fill_chain(dev, chain, written);
}

static int rng_notify(void *ctx, uint32_t queue)
{
	struct cvmm_vdev_rng *r = ctx;
	struct cvmm_vdev__served served = {0, 0};
	int rc;

	if (!r->active || queue != 0)
		return -EIO;
	rc = cvmm_vdev__serve(r->vq, 0, &r->host, serve_chain, r, &served);
	r->stats.chains += served.chains;
	r->stats.bytes += served.bytes;
	return rc;
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

static int rng_save(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *len)
{
	(void)ctx;
	if (cap < RNG_STATE_LEN)
		return -ENOSPC;
	put32(buf, RNG_STATE_TAG);
	put32(buf + 4, RNG_STATE_VERSION);
	*len = RNG_STATE_LEN;
	return 0;
}

static int rng_restore(void *ctx, const uint8_t *buf, uint32_t len)
{
	rng_reset(ctx);
	if (len != RNG_STATE_LEN || get32(buf) != RNG_STATE_TAG ||
	    get32(buf + 4) != RNG_STATE_VERSION)
		return -EINVAL;
	return 0;
}

static const struct cvmm_vdev_ops rng_ops = {
    rng_info,	      rng_ack_features, rng_config_read,
    rng_config_write, rng_activate,	rng_notify,
    rng_reset,	      rng_save,		rng_restore,
};

int cvmm_vdev_rng_create(const struct cvmm_vdev_rng_config *config,
			 struct cvmm_vdev_rng **out)
{
	struct cvmm_vdev_rng_config c;
	struct cvmm_vdev_rng *r;

	if (out == NULL)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	if (config != NULL)
		c = *config;
	if (c.queue_size == 0)
		c.queue_size = CVMM_VDEV_RNG_DEFAULT_QUEUE_SIZE;
	if (c.queue_size > CVMM_VQ_MAX_SIZE ||
	    (c.queue_size & (c.queue_size - 1)) != 0)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->source = c.source != NULL ? c.source : cvmm_vdev_rng_getrandom;
	r->source_arg = c.source_arg;
	r->max_bytes = c.max_bytes_per_chain != 0
			   ? c.max_bytes_per_chain
			   : CVMM_VDEV_RNG_DEFAULT_MAX_BYTES;
	r->queue_size = c.queue_size;
	*out = r;
	return 0;
}

void cvmm_vdev_rng_destroy(struct cvmm_vdev_rng *rng)
{
	free(rng);
}

struct cvmm_vdev cvmm_vdev_rng_device(struct cvmm_vdev_rng *rng)
{
	struct cvmm_vdev d = {&rng_ops, rng};

	return d;
}

struct cvmm_vdev_rng_stats
cvmm_vdev_rng_get_stats(const struct cvmm_vdev_rng *rng)
{
	return rng->stats;
}
