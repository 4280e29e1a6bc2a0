/* SPDX-License-Identifier: Apache-2.0 */
/* The generic device fuzzer run from a conformance registration (see
 * vdev-fuzz-conformance.h). */
#define _DEFAULT_SOURCE
#include "vdev-fuzz-conformance.h"

#include <cvmm/mem-test.h>
#include <cvmm/vdev-mmio.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vdev-fuzz-encode.h"
#include "vdev-fuzz.h"

/* Queues set up in their own ring slot (the body has four slots). */
#define SLOTS 4u
/* Readable bytes of one seed request written through RAW ops (16 each):
 * the body runs at most 256 ops per input. */
#define MAX_REQUEST_BYTES 128u
/* Inputs above this are refused, as libFuzzer's -max_len would. */
#define REPLAY_MAX_INPUT (4u << 20)

struct conf_obj {
	const struct cvmm_vdev_conf_device *conf;
	void *instance;
	uint32_t num_queues;
};

static int conf_create(const struct cvmm_vdev_fuzz_params *params, void **obj,
		       struct cvmm_vdev *dev)
{
	const struct cvmm_vdev_conf_device *conf = params->arg;
	struct conf_obj *o = calloc(1, sizeof(*o));
	struct cvmm_vdev_info info;
	int rc;

	if (o == NULL)
		return -ENOMEM;
	o->conf = conf;
	rc = conf->create(conf->arg, dev, &o->instance);
	if (rc != 0) {
		free(o);
		return rc;
	}
	memset(&info, 0, sizeof(info));
	dev->ops->info(dev->ctx, &info);
	o->num_queues = info.num_queues;
	*obj = o;
	return 0;
}

static void conf_destroy(void *obj)
{
	struct conf_obj *o = obj;

	o->conf->destroy(o->instance);
	free(o);
}

/* What the host does so the device answers a pending request. */
static void conf_event(void *obj, struct cvmm_fi *in)
{
	struct conf_obj *o = obj;
	uint32_t q;

	if (o->num_queues == 0)
		return;
	q = (uint32_t)cvmm_fi_range(in, 0, o->num_queues - 1);
	if (o->conf->answer != NULL)
		(void)o->conf->answer(o->instance, q);
}

int cvmm_vdev_fuzz_conformance_one(const struct cvmm_vdev_conf_device *conf,
				   const uint8_t *data, size_t size)
{
	const struct cvmm_vdev_fuzz_device reg = {
	    .name = conf->name,
	    .create = conf_create,
	    .destroy = conf_destroy,
	    .event = conf_event,
	    /* A device with an answer hook answers some requests later; the
	     * registration does not say on which queues. */
	    .pending_queues = conf->answer != NULL ? ~0u : 0,
	    .arg = conf,
	};

	return cvmm_vdev_fuzz_one(&reg, data, size);
}

/* ---------------------------------------------------------------------- */
/* Seeds.                                                                  */

struct seed_ctx {
	const struct cvmm_vdev_conf_device *conf;
	struct cvmm_vdev_info info;
	void *instance;
	const char *dir;
	struct cvmm_vfe e;
	struct cvmm_mem_test *tm; /* where the request hook writes */
	int written;
	int failed;
};

static void seed_write(struct seed_ctx *s, const char *what, unsigned n)
{
	char path[4096];
	FILE *f;

	if (s->e.out.overflow) {
		(void)fprintf(stderr, "seed %s-%u does not fit its buffer\n",
			      what, n);
		s->failed = -EIO;
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/%s-%u", s->dir, what, n);
	f = fopen(path, "wb");
	if (f == NULL ||
	    fwrite(s->e.out.buf, 1, s->e.out.len, f) != s->e.out.len) {
		(void)fprintf(stderr, "cannot write %s: %s\n", path,
			      strerror(errno));
		s->failed = -EIO;
	} else {
		s->written++;
	}
	if (f != NULL)
		(void)fclose(f);
}

/* The largest queue size of at most 16 entries the device accepts. */
static unsigned queue_log(const struct seed_ctx *s, uint32_t q)
{
	unsigned lg = 0;

	while (lg < 4 && (2u << lg) <= s->info.queue_max_size[q])
		lg++;
	return lg;
}

/* Bring-up: handshake, every queue that has a slot ready, DRIVER_OK. */
static void up(struct seed_ctx *s, uint8_t bits, bool all)
{
	cvmm_vfe_begin(&s->e, bits, 8, 0, s->info.num_queues);
	cvmm_vfe_handshake(&s->e, all, 0, false, true);
	for (uint32_t q = 0; q < s->info.num_queues; q++) {
		if (q < SLOTS)
			cvmm_vfe_queue_slot(&s->e, queue_log(s, q));
		else
			cvmm_vfe_queue_off(&s->e);
	}
}

static uint32_t queues(const struct seed_ctx *s)
{
	return s->info.num_queues < SLOTS ? s->info.num_queues : SLOTS;
}

/* Each queue's share of the buffer area. */
static uint32_t share(const struct seed_ctx *s)
{
	return (CVMM_VFZ_BUF_SIZE / queues(s)) & ~15u;
}

/* Requests of generic shapes on queue q, within its share. */
static void generic_requests(struct seed_ctx *s, uint32_t q)
{
	uint32_t base = q * share(s);
	struct cvmm_vfe_buf rw[3] = {{true, base, 16},
				     {true, base + 0x40, 64},
				     {true, base + 0x100, 200}};

	cvmm_vfe_serve(&s->e, q, 1, base, 64, true);
	cvmm_vfe_chain(&s->e, q, rw, 2, NULL, 0, 1, 0);
	cvmm_vfe_chain(&s->e, q, rw, 3, NULL, 0, 1, 0);
	cvmm_vfe_chain(&s->e, q, rw, 1, NULL, 0, 1, 0);
	if ((s->info.features & CVMM_VDEV_F_INDIRECT_DESC) != 0)
		cvmm_vfe_chain(&s->e, q, NULL, 0, rw, 3, 1, base + 0x400);
	cvmm_vfe_notify(&s->e, q, true);
	cvmm_vfe_used(&s->e, q, 8);
	cvmm_vfe_serve(&s->e, q, 2, base + 0x200, 16, false);
}

/* Interrupts, config space, save/restore. */
static void housekeeping(struct seed_ctx *s)
{
	uint32_t cfg = s->info.config_size < 64 ? s->info.config_size : 64;

	cvmm_vfe_read(&s->e, CVMM_VDEV_MMIO_INTERRUPT_STATUS, 0);
	cvmm_vfe_ack(&s->e, 3);
	for (uint32_t off = 0; off + 4 <= cfg; off += 4)
		cvmm_vfe_config(&s->e, false, off, 2, 0);
	cvmm_vfe_save(&s->e, false, 0, 0);
}

static void bringup_seeds(struct seed_ctx *s)
{
	static const uint8_t bits[4] = {
	    0, CVMM_VFZ_UNCACHED | CVMM_VFZ_GRANULE(1), CVMM_VFZ_GRANULE(2),
	    CVMM_VFZ_UNCACHED | CVMM_VFZ_GRANULE(3)};

	for (unsigned v = 0; v < 4; v++) {
		/* Every offered feature (EVENT_IDX, indirect...) or only
		 * VERSION_1. */
		up(s, bits[v], v % 2 == 0);
		for (uint32_t q = 0; q < queues(s); q++)
			generic_requests(s, q);
		housekeeping(s);
		if (s->conf->answer != NULL)
			for (uint32_t q = 0; q < queues(s); q++) {
				cvmm_vfe_event(&s->e);
				cvmm_fo_range(&s->e.out, 0,
					      s->info.num_queues - 1, q);
			}
		/* A reset and a second bring-up on the same device. */
		cvmm_vfe_reset(&s->e);
		cvmm_vfe_handshake(&s->e, true, 0, false, true);
		for (uint32_t q = 0; q < s->info.num_queues; q++) {
			if (q < SLOTS)
				cvmm_vfe_queue_slot(&s->e, queue_log(s, q));
			else
				cvmm_vfe_queue_off(&s->e);
		}
		for (uint32_t q = 0; q < queues(s); q++)
			cvmm_vfe_serve(&s->e, q, 1, q * share(s), 32, true);
		seed_write(s, "bringup", v);
	}
}

/*
 * The request hook's shape for kind on queue q, as one chain (direct, or
 * indirect when indirect), with its first readable bytes; false if the
 * hook builds none here or a buffer lies outside the queue's share.
 */
static bool hook_request(struct seed_ctx *s, uint32_t q, uint32_t kind,
			 bool indirect)
{
	struct cvmm_vdev_conf_request req;
	struct cvmm_vfe_buf b[CVMM_VDEV_CONF_MAX_BUFS];
	struct cvmm_mem mem = cvmm_mem_test_iface(s->tm);
	uint64_t area = CVMM_VFZ_BUF_BASE + q * share(s);
	/* The indirect table goes at the end of the share. */
	uint32_t area_len = share(s) - 16 * CVMM_VDEV_CONF_MAX_BUFS;
	uint32_t first_w = 0, bytes = 0;

	memset(&req, 0, sizeof(req));
	req.mem = &mem;
	req.area = area;
	req.area_len = area_len;
	req.kind = kind;
	if (s->conf->request(s->instance, q, &req) != 0 || req.nbufs == 0 ||
	    req.nbufs > CVMM_VDEV_CONF_MAX_BUFS)
		return false;
	for (uint32_t i = 0; i < req.nbufs; i++) {
		const struct cvmm_vdev_conf_buf *rb = &req.bufs[i];

		if (rb->addr < area || rb->len > area_len ||
		    rb->addr - area > area_len - rb->len)
			return false;
		b[i].area = true;
		b[i].addr = rb->addr - CVMM_VFZ_BUF_BASE;
		b[i].len = rb->len;
		first_w += !rb->writable;
	}
	/* The readable bytes the hook wrote, 16 at a time. */
	for (uint32_t i = 0; i < first_w && bytes < MAX_REQUEST_BYTES; i++) {
		for (uint32_t off = 0;
		     off < req.bufs[i].len && bytes < MAX_REQUEST_BYTES;
		     off += 16, bytes += 16) {
			uint8_t chunk[16];
			uint32_t n = req.bufs[i].len - off < 16
					 ? req.bufs[i].len - off
					 : 16;
			uint64_t gpa = req.bufs[i].addr + off;

			if (cvmm_mem_read(&mem, cvmm_mem_gpa_from(gpa), chunk,
					  n) != 0)
				return false;
			cvmm_vfe_raw(&s->e, gpa, chunk, n);
		}
	}
	if (indirect)
		cvmm_vfe_chain(&s->e, q, NULL, 0, b, req.nbufs, first_w,
			       (uint32_t)(area + area_len - CVMM_VFZ_BUF_BASE));
	else
		cvmm_vfe_chain(&s->e, q, b, req.nbufs, NULL, 0, first_w, 0);
	return true;
}

static void request_seeds(struct seed_ctx *s)
{
	uint32_t kinds = s->conf->request_kinds ? s->conf->request_kinds : 1;
	bool ind = (s->info.features & CVMM_VDEV_F_INDIRECT_DESC) != 0;
	unsigned n = 0;

	if (s->conf->request == NULL ||
	    cvmm_mem_test_create(
		&(const struct cvmm_mem_range){
		    {CVMM_VFZ_RAM_BASE}, CVMM_VFZ_RAM_SIZE, 0},
		1, 0, &s->tm) != 0)
		return;
	for (uint32_t kind = 0; kind < kinds; kind++)
		for (unsigned form = 0; form < (ind ? 2u : 1u); form++) {
			bool any = false;

			up(s, form ? CVMM_VFZ_GRANULE(3) : 0, true);
			for (uint32_t q = 0; q < queues(s); q++) {
				if (!hook_request(s, q, kind, form == 1))
					continue;
				any = true;
				cvmm_vfe_notify(&s->e, q, form == 1);
				if (s->conf->answer != NULL) {
					cvmm_vfe_event(&s->e);
					cvmm_fo_range(&s->e.out, 0,
						      s->info.num_queues - 1,
						      q);
				}
				cvmm_vfe_used(&s->e, q, 4);
			}
			if (any) {
				housekeeping(s);
				seed_write(s, "request", n++);
			}
		}
	cvmm_mem_test_destroy(s->tm);
	s->tm = NULL;
}

/* Rings a driver should never write, on queue 0. */
static void hostile_seeds(struct seed_ctx *s)
{
	up(s, 0, true);
	cvmm_vfe_publish(&s->e, 0, 0x1234); /* head out of range */
	cvmm_vfe_notify(&s->e, 0, true);
	cvmm_vfe_reset(&s->e);
	seed_write(s, "hostile", 0);
	up(s, 0, true);
	cvmm_vfe_desc(&s->e, 0, 0, CVMM_VFZ_BUF_BASE, 16, 1 | 2, 0); /* loop */
	cvmm_vfe_publish(&s->e, 0, 0);
	cvmm_vfe_notify(&s->e, 0, false);
	seed_write(s, "hostile", 1);
	up(s, 0, true);
	cvmm_vfe_desc(&s->e, 0, 0, CVMM_VFZ_RO_BASE, 64, 2, 0); /* read-only */
	cvmm_vfe_publish(&s->e, 0, 0);
	cvmm_vfe_desc(&s->e, 0, 1, CVMM_VFZ_RAM_BASE + CVMM_VFZ_RAM_SIZE - 8,
		      64, 0, 0); /* across the hole */
	cvmm_vfe_publish(&s->e, 0, 1);
	cvmm_vfe_poke(&s->e, 0, 5 /* avail idx */, 0, 100);
	cvmm_vfe_notify(&s->e, 0, true);
	cvmm_vfe_save(&s->e, true, 4, 7);
	seed_write(s, "hostile", 2);
}

int cvmm_vdev_fuzz_conformance_seeds(const struct cvmm_vdev_conf_device *conf,
				     const char *dir)
{
	struct seed_ctx *s;
	struct cvmm_vdev dev;
	int rc;

	if (conf == NULL || conf->create == NULL || conf->destroy == NULL)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->conf = conf;
	s->dir = dir;
	rc = conf->create(conf->arg, &dev, &s->instance);
	if (rc != 0)
		goto out;
	dev.ops->info(dev.ctx, &s->info);
	if (cvmm_vdev_info_validate(&s->info) != 0 || s->info.num_queues == 0) {
		rc = -EINVAL;
	} else {
		bringup_seeds(s);
		request_seeds(s);
		hostile_seeds(s);
		rc = s->failed != 0 ? s->failed : s->written;
	}
	conf->destroy(s->instance);
out:
	free(s);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Replay.                                                                 */

static int replay_file(const struct cvmm_vdev_conf_device *conf,
		       const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf, *exact;
	size_t n;

	if (f == NULL) {
		(void)fprintf(stderr, "replay: cannot open %s: %s\n", path,
			      strerror(errno));
		return -1;
	}
	buf = malloc(REPLAY_MAX_INPUT + 1);
	n = buf != NULL ? fread(buf, 1, REPLAY_MAX_INPUT + 1, f) : 0;
	(void)fclose(f);
	if (buf == NULL || n > REPLAY_MAX_INPUT) {
		(void)fprintf(stderr, "replay: %s: %s\n", path,
			      buf == NULL ? "out of memory" : "too large");
		free(buf);
		return -1;
	}
	/* Exactly n bytes, so AddressSanitizer sees any over-read. */
	exact = malloc(n ? n : 1);
	if (exact != NULL) {
		memcpy(exact, buf, n);
		(void)cvmm_vdev_fuzz_conformance_one(conf, exact, n);
	}
	free(exact);
	free(buf);
	return exact != NULL ? 0 : -1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const struct cvmm_vdev_conf_device *conf, const char *dir,
		      unsigned *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name), rc = 0;

	if (n < 0) {
		(void)fprintf(stderr, "replay: cannot read %s: %s\n", dir,
			      strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		(void)snprintf(path, sizeof(path), "%s/%s", dir,
			       names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			if (replay_file(conf, path) != 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int cvmm_vdev_fuzz_conformance_replay(const struct cvmm_vdev_conf_device *conf,
				      int n, char *const *paths)
{
	unsigned count = 0;
	int rc = 0;

	for (int i = 0; i < n; i++) {
		struct stat st;

		if (stat(paths[i], &st) != 0) {
			(void)fprintf(stderr, "replay: %s: %s\n", paths[i],
				      strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			rc |= replay_dir(conf, paths[i], &count) != 0;
		} else if (replay_file(conf, paths[i]) != 0) {
			rc = 1;
		} else {
			count++;
		}
	}
	if (count == 0 && rc == 0) {
		(void)fprintf(stderr, "replay: no input given or found\n");
		rc = 1;
	}
	(void)printf("replayed %u inputs%s\n", count,
		     rc ? " (with errors)" : "");
	return rc;
}
