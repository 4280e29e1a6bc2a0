/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fault suite (cvmm_vdev_faults_run(), see vdev-conformance.h): fail
 * the Nth backend I/O, then the Nth allocation, for every N, and check the
 * device answers, loses no head, works again after a reset and leaks
 * nothing. It plays the driver with the same tools as the conformance
 * suite (the virtio-mmio transport's registers, harness/virtqueue-model)
 * on the same guest-memory layout, one region per range.
 *
 * A run that breaks a rule prints one line naming the device, the fault
 * (which I/O or allocation) and the rule, and is counted; the next N runs
 * anyway, so one report lists every failing fault point.
 */
#include <cvmm/mem-test.h>
#include <cvmm/vdev-mmio.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc-fail.h"
#include "vdev-conformance.h"
#include "virtqueue-model.h"

/* The conformance suite's guest layout (vdev-conformance.h). */
#define RING_BASE    0x10000u
#define RING_END     0x20000u
#define QUEUE_STRIDE 0x1000u
#define BUF_BASE     0x20000u
#define BUF_END	     0x27000u
#define IND_END	     0x28000u
#define RO_BASE	     0x30000u
#define RO_END	     0x31000u
#define QSIZE	     16u

/* A workload that still hits a new fault after this many runs never
 * completes: a device that does unbounded I/O per request. */
#define MAX_POINTS 4096u
/* Failed runs reported before the suite stops for that kind of fault. */
#define MAX_REPORTS 20

#define S_ACK	CVMM_VDEV_S_ACKNOWLEDGE
#define S_DRV	CVMM_VDEV_S_DRIVER
#define S_FOK	CVMM_VDEV_S_FEATURES_OK
#define S_DOK	CVMM_VDEV_S_DRIVER_OK
#define S_NR	CVMM_VDEV_S_DEVICE_NEEDS_RESET
#define R(name) CVMM_VDEV_MMIO_##name

struct cvmm_vdev_fault {
	uint64_t count;	  /* backend I/Os asked about in this run */
	uint64_t fail_at; /* the one to fail (1-based); 0: none */
	bool fired;
};

bool cvmm_vdev_fault_io(struct cvmm_vdev_fault *inj)
{
	if (inj == NULL)
		return false;
	inj->count++;
	if (inj->fail_at == 0 || inj->count != inj->fail_at)
		return false;
	inj->fired = true;
	return true;
}

enum mode { MODE_IO, MODE_ALLOC };

/* One run: the world, the fault it injects, where a failure jumps. */
struct run {
	const struct cvmm_vdev_conf_device *reg;
	enum mode mode;
	uint64_t n; /* the fault point: Nth I/O or Nth allocation */
	jmp_buf fail;
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	void *inst;
	struct cvmm_vdev dev;
	struct cvmm_vdev_info info;
	struct cvmm_vdev_mmio *t;
	struct cvmm_vqm *m[CVMM_VDEV_MAX_QUEUES];
	struct cvmm_vdev_fault inj;
	/* Allocation faults count only the device's side (create, the
	 * transport, register accesses, the answer hook, destroy), not the
	 * suite's own memory and queue models. */
	uint64_t allocs; /* device-side allocations so far */
	uint64_t mark;
	bool alloc_fired;
	/* The first pass saw its fault: later requests of that pass are
	 * judged by the generic rules only. */
	bool after_fault;
	/* A register write failed (cleanly) on an injected allocation
	 * failure: the rest of the bring-up is skipped. */
	bool stopped;
};

static const struct cvmm_mem_range guest_map[] = {
    {{RING_BASE}, RING_END - RING_BASE, 0},
    {{BUF_BASE}, IND_END - BUF_BASE, 0},
    {{RO_BASE}, RO_END - RO_BASE, CVMM_MEM_REGION_READONLY},
};

static const char *const mode_name[] = {"I/O", "allocation"};

static void run_fail(struct run *r, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

static void run_fail(struct run *r, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "%s: faults: %s fault %llu: %s (%s:%d)\n",
		      r->reg->name, mode_name[r->mode],
		      (unsigned long long)r->n, msg, __FILE__, line);
	longjmp(r->fail, 1);
}

#define REQUIRE(r, cond, ...)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			run_fail((r), __LINE__, __VA_ARGS__);                  \
	} while (0)

/* ---- the device's side, where allocations may fail ---- */

static void dev_enter(struct run *r)
{
	r->mark = cvmm_alloc_fail_count();
	if (r->mode == MODE_ALLOC && !r->alloc_fired && r->n > r->allocs)
		cvmm_alloc_fail_nth(r->n - r->allocs);
}

static void dev_leave(struct run *r)
{
	r->allocs += cvmm_alloc_fail_count() - r->mark;
	r->alloc_fired = r->alloc_fired || cvmm_alloc_fail_fired() != 0;
	cvmm_alloc_fail_nth(0);
}

static int wr_rc(struct run *r, uint64_t off, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};
	int rc;

	dev_enter(r);
	rc = cvmm_vdev_mmio_write(r->t, off, b, 4);
	dev_leave(r);
	return rc;
}

static uint32_t rd(struct run *r, uint64_t off)
{
	uint8_t b[4] = {0};
	int rc;

	dev_enter(r);
	rc = cvmm_vdev_mmio_read(r->t, off, b, 4);
	dev_leave(r);
	REQUIRE(r, rc == 0, "register 0x%03llx unreadable (%d)",
		(unsigned long long)off, rc);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/* A driver write that must succeed, unless an allocation failure injected
 * during it made it fail with -ENOMEM (a device that allocates at
 * FEATURES_OK or DRIVER_OK): the pass then stops. */
static void wr(struct run *r, uint64_t off, uint32_t v)
{
	bool before = r->alloc_fired;
	int rc;

	if (r->stopped)
		return;
	rc = wr_rc(r, off, v);
	if (rc != 0 && r->alloc_fired && !before) {
		REQUIRE(r, rc == -ENOMEM,
			"register 0x%03llx: a failed allocation must give "
			"-ENOMEM (%d)",
			(unsigned long long)off, rc);
		r->stopped = true;
		return;
	}
	REQUIRE(r, rc == 0,
		"driver write of 0x%x to register 0x%03llx "
		"refused (%d)",
		v, (unsigned long long)off, rc);
}

static void irq(void *arg, bool level, uint32_t status)
{
	(void)arg;
	(void)level;
	(void)status;
}

/* ---- the world ---- */

static void drop_models(struct run *r)
{
	for (uint32_t q = 0; q < CVMM_VDEV_MAX_QUEUES; q++) {
		cvmm_vqm_destroy(r->m[q]);
		r->m[q] = NULL;
	}
}

static void teardown(struct run *r)
{
	drop_models(r);
	dev_enter(r);
	cvmm_vdev_mmio_destroy(r->t);
	r->t = NULL;
	if (r->inst != NULL)
		r->reg->destroy(r->inst);
	r->inst = NULL;
	dev_leave(r);
	cvmm_mem_test_destroy(r->tm);
	r->tm = NULL;
}

/* Create the device and its transport. 0, or 1 when an injected
 * allocation failure stopped it (cleanly: checked here). */
static int open_device(struct run *r)
{
	struct cvmm_vdev_mmio_config c;
	int rc;

	dev_enter(r);
	rc = r->reg->create(r->reg->arg, &r->dev, &r->inst);
	dev_leave(r);
	if (rc != 0) {
		r->inst = NULL;
		REQUIRE(r, r->alloc_fired && rc == -ENOMEM,
			"create failed (%d)%s", rc,
			r->alloc_fired ? ": a failed allocation must give "
					 "-ENOMEM"
				       : "");
		return 1;
	}
	if (r->reg->attach != NULL)
		r->reg->attach(r->inst, &r->inj);
	memset(&c, 0, sizeof(c));
	c.device = r->dev;
	c.vendor_id = 0x4d4d5643u; /* "CVMM" */
	c.irq = irq;
	c.irq_arg = r;
	dev_enter(r);
	rc = cvmm_vdev_mmio_create(&r->mem, &c, &r->t);
	dev_leave(r);
	if (rc != 0) {
		r->t = NULL;
		REQUIRE(r, r->alloc_fired && rc == -ENOMEM,
			"transport create failed (%d)%s", rc,
			r->alloc_fired ? ": a failed allocation must give "
					 "-ENOMEM"
				       : "");
		return 1;
	}
	memset(&r->info, 0, sizeof(r->info));
	r->dev.ops->info(r->dev.ctx, &r->info);
	return 0;
}

/* Reset, negotiate every offered feature, set every queue up, DRIVER_OK. */
static void bring_up(struct run *r)
{
	uint64_t features = r->info.features | CVMM_VDEV_F_VERSION_1;
	bool ev = (features & CVMM_VDEV_F_EVENT_IDX) != 0;

	wr(r, R(STATUS), 0);
	drop_models(r);
	REQUIRE(r, rd(r, R(STATUS)) == 0,
		"writing 0 to the status must reset the device (0x%x)",
		rd(r, R(STATUS)));
	wr(r, R(STATUS), S_ACK);
	wr(r, R(STATUS), S_ACK | S_DRV);
	wr(r, R(DRIVER_FEATURES_SEL), 0);
	wr(r, R(DRIVER_FEATURES), (uint32_t)features);
	wr(r, R(DRIVER_FEATURES_SEL), 1);
	wr(r, R(DRIVER_FEATURES), (uint32_t)(features >> 32));
	wr(r, R(STATUS), S_ACK | S_DRV | S_FOK);
	for (uint32_t q = 0; q < r->info.num_queues; q++) {
		uint32_t size = r->info.queue_max_size[q] < QSIZE
				    ? r->info.queue_max_size[q]
				    : QSIZE;
		cvmm_mem_gpa base =
		    cvmm_mem_gpa_from(RING_BASE + (uint64_t)QUEUE_STRIDE * q);
		struct cvmm_vqm_layout l;
		int rc = cvmm_vqm_layout_at(base, size, ev, &l, NULL);

		if (rc == 0)
			rc = cvmm_vqm_create(&r->mem, &l, &r->m[q]);
		REQUIRE(r, rc == 0, "suite: queue %u model (%d)", q, rc);
		wr(r, R(QUEUE_SEL), q);
		wr(r, R(QUEUE_NUM), l.size);
		wr(r, R(QUEUE_DESC_LOW), (uint32_t)l.desc.raw);
		wr(r, R(QUEUE_DESC_HIGH), (uint32_t)(l.desc.raw >> 32));
		wr(r, R(QUEUE_DRIVER_LOW), (uint32_t)l.avail.raw);
		wr(r, R(QUEUE_DRIVER_HIGH), (uint32_t)(l.avail.raw >> 32));
		wr(r, R(QUEUE_DEVICE_LOW), (uint32_t)l.used.raw);
		wr(r, R(QUEUE_DEVICE_HIGH), (uint32_t)(l.used.raw >> 32));
		wr(r, R(QUEUE_READY), 1);
	}
	wr(r, R(STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
}

/* Build request kind on q and add it; -EOPNOTSUPP if there is none. */
static int add_request(struct run *r, uint32_t q, uint32_t kind,
		       struct cvmm_vdev_conf_request *req, uint16_t *head)
{
	struct cvmm_vqm_buf bufs[CVMM_VDEV_CONF_MAX_BUFS];
	int rc;

	memset(req, 0, sizeof(*req));
	req->mem = &r->mem;
	req->area = BUF_BASE;
	req->area_len = BUF_END - BUF_BASE;
	req->kind = kind;
	rc = r->reg->request(r->inst, q, req);
	if (rc == -EOPNOTSUPP)
		return rc;
	REQUIRE(r,
		rc == 0 && req->nbufs >= 1 &&
		    req->nbufs <= CVMM_VDEV_CONF_MAX_BUFS,
		"request hook: queue %u kind %u: %d, %u buffers", q, kind, rc,
		req->nbufs);
	for (uint32_t i = 0; i < req->nbufs; i++) {
		bufs[i].addr = cvmm_mem_gpa_from(req->bufs[i].addr);
		bufs[i].len = req->bufs[i].len;
		bufs[i].writable = req->bufs[i].writable;
	}
	rc = cvmm_vqm_add_direct(r->m[q], bufs, req->nbufs, head);
	REQUIRE(r, rc == 0, "suite: adding queue %u kind %u (%d)", q, kind, rc);
	return 0;
}

/* Notify q and let the host side answer; the first error or 0. */
static int kick(struct run *r, uint32_t q)
{
	int rc = wr_rc(r, R(QUEUE_NOTIFY), q);

	if (rc == 0 && r->reg->answer != NULL) {
		dev_enter(r);
		rc = r->reg->answer(r->inst, q);
		dev_leave(r);
	}
	return rc;
}

/* One request of kind on q, judged. false when the device needs a reset
 * (the pass ends). */
static bool one_request(struct run *r, uint32_t q, uint32_t kind)
{
	struct cvmm_vdev_conf_request req;
	bool before = r->inj.fired;
	bool alloc_before = r->alloc_fired;
	bool hit;
	bool alloc_hit;
	bool needs_reset;
	uint64_t writable = 0;
	uint16_t head = 0;
	uint16_t id = 0;
	uint32_t len = 0;
	int krc;
	int rc;

	if (add_request(r, q, kind, &req, &head) != 0)
		return true;
	krc = kick(r, q);
	hit = r->inj.fired && !before;
	/* A device that allocates while serving: the failed allocation must
	 * not lose the head either; what it answers is its business. */
	alloc_hit = r->alloc_fired && !alloc_before;
	needs_reset = (rd(r, R(STATUS)) & S_NR) != 0;
	for (uint32_t i = 0; i < req.nbufs; i++)
		writable += req.bufs[i].writable ? req.bufs[i].len : 0;
	/* No head lost, whatever failed. */
	rc = cvmm_vqm_get_used(r->m[q], &id, &len);
	REQUIRE(r, rc == 0 && id == head,
		"queue %u kind %u%s: the chain (head %u) must come back in "
		"the used ring (%d, id %u)",
		q, kind, hit ? ", the request that hit the fault" : "", head,
		rc, id);
	REQUIRE(r, len <= writable,
		"queue %u kind %u: used length %u past the %llu writable "
		"bytes",
		q, kind, len, (unsigned long long)writable);
	REQUIRE(r, cvmm_vq_inflight(cvmm_vdev_mmio_queue(r->t, q)) == 0,
		"queue %u kind %u: chains still in flight", q, kind);
	if (hit) {
		rc = r->reg->faulted(r->inst, q, &req, len, needs_reset);
		REQUIRE(r, rc == 0,
			"queue %u kind %u: the request that hit the fault was "
			"not answered as the device documents (faulted hook: "
			"%d; used length %u, needs-reset %s)",
			q, kind, rc, len, needs_reset ? "yes" : "no");
		r->after_fault = true;
	} else if (alloc_hit) {
		r->after_fault = true;
	} else if (!r->after_fault) {
		REQUIRE(r, krc == 0 && !needs_reset,
			"queue %u kind %u: a request with no fault failed "
			"(%d, needs-reset %s)",
			q, kind, krc, needs_reset ? "yes" : "no");
		if (r->reg->check != NULL) {
			rc = r->reg->check(r->inst, q, &req, len);
			REQUIRE(r, rc == 0,
				"queue %u kind %u: a request with no fault was "
				"answered wrongly (check hook: %d)",
				q, kind, rc);
		}
	}
	{
		uint32_t isr = rd(r, R(INTERRUPT_STATUS));

		if (isr != 0)
			wr(r, R(INTERRUPT_ACK), isr);
	}
	return !needs_reset;
}

/* The workload: every kind on every queue. */
static void pass(struct run *r)
{
	uint32_t kinds = r->reg->request_kinds != 0 ? r->reg->request_kinds : 1;

	r->stopped = false;
	bring_up(r);
	if (r->stopped || r->reg->request == NULL)
		return;
	for (uint32_t q = 0; q < r->info.num_queues; q++)
		for (uint32_t k = 0; k < kinds; k++)
			if (!one_request(r, q, k))
				return;
}

/* One run with fault point n. 1 when the fault fired (there may be more
 * points), 0 when the run completed without it (the last point was
 * passed), -1 when a rule broke (reported). */
static int one_run(struct run *r)
{
	int64_t live;
	int rc;

	memset(&r->inj, 0, sizeof(r->inj));
	r->inj.fail_at = r->mode == MODE_IO ? r->n : 0;
	r->allocs = 0;
	r->alloc_fired = false;
	r->after_fault = false;
	r->inst = NULL;
	r->t = NULL;
	r->tm = NULL;
	live = cvmm_alloc_fail_live();
	if (setjmp(r->fail) != 0) {
		cvmm_alloc_fail_nth(0);
		teardown(r);
		return -1;
	}
	rc = cvmm_mem_test_create(
	    guest_map, sizeof(guest_map) / sizeof(guest_map[0]), 0, &r->tm);
	REQUIRE(r, rc == 0, "suite: guest memory (%d)", rc);
	r->mem = cvmm_mem_test_iface(r->tm);
	if (open_device(r) == 0) {
		pass(r);
		/* The fault point is past the workload's I/O: stop counting,
		 * so the second pass runs clean either way. */
		r->inj.fail_at = 0;
		REQUIRE(r, !r->inj.fired || r->after_fault,
			"the injected fault hit no request (it fired while "
			"the suite set the device up): the registration "
			"must ask cvmm_vdev_fault_io() only for I/O a request "
			"makes");
		/* Usable again after a reset: everything works. */
		r->after_fault = false;
		pass(r);
	}
	teardown(r);
	REQUIRE(r, cvmm_alloc_fail_live() == live,
		"%lld block(s) left allocated after destroy",
		(long long)(cvmm_alloc_fail_live() - live));
	return r->mode == MODE_IO ? r->inj.fired : r->alloc_fired;
}

/* Every fault point of one kind in turn; the number of failed runs. */
static int every_point(struct run *r, enum mode mode, uint64_t *points)
{
	int failed = 0;

	r->mode = mode;
	for (r->n = 1; r->n <= MAX_POINTS; r->n++) {
		int rc = one_run(r);
		bool fired = mode == MODE_IO ? r->inj.fired : r->alloc_fired;

		if (rc == 0)
			break;
		if (rc > 0)
			continue;
		failed++;
		/* A run that failed without its fault firing fails for
		 * every later N too: one report is enough. */
		if (!fired || failed >= MAX_REPORTS)
			break;
	}
	*points = r->n - 1;
	if (r->n > MAX_POINTS) {
		(void)fprintf(stderr,
			      "%s: faults: the workload still hits %s faults "
			      "after %u runs: unbounded work per request\n",
			      r->reg->name, mode_name[mode], MAX_POINTS);
		failed++;
	}
	return failed;
}

int cvmm_vdev_faults_run(const struct cvmm_vdev_conf_device *dev)
{
	struct run r;
	uint64_t io_points = 0;
	uint64_t alloc_points = 0;
	int failed = 0;

	if (dev == NULL || dev->name == NULL || dev->create == NULL ||
	    dev->destroy == NULL ||
	    (dev->attach != NULL && dev->faulted == NULL))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.reg = dev;
	(void)printf("vdev-faults %s\n", dev->name);
	if (dev->attach != NULL) {
		failed += every_point(&r, MODE_IO, &io_points);
		(void)printf("  backend I/O: %llu fault points, each failed in "
			     "turn: %s\n",
			     (unsigned long long)io_points,
			     failed == 0 ? "ok" : "FAILED");
	} else {
		(void)printf("  backend I/O: skipped: the registration has no "
			     "attach hook (only allocations are failed)\n");
	}
	{
		int f = every_point(&r, MODE_ALLOC, &alloc_points);

		(void)printf("  allocations: %llu fault points, each failed in "
			     "turn: %s\n",
			     (unsigned long long)alloc_points,
			     f == 0 ? "ok" : "FAILED");
		failed += f;
	}
	return failed;
}
