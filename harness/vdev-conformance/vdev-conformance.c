/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio device conformance suite (see vdev-conformance.h). Each test
 * names the requirement it checks in its failure message, after the
 * device's name, so a report line says which device broke which rule.
 * Requirements are cited by the specification's section titles (virtio
 * 1.x), which stay the same across versions where the numbers do not.
 */
#include "vdev-conformance.h"

#include <cvmm/mem-test.h>
#include <cvmm/vdev-mmio.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtqueue-model.h"

#define RING_BASE    0x10000u
#define RING_END     0x20000u
#define QUEUE_STRIDE 0x1000u
#define BUF_BASE     0x20000u
#define BUF_END	     0x27000u
#define IND_BASE     0x27000u
#define IND_END	     0x28000u
#define HOLE_BASE    0x28000u
#define RO_BASE	     0x30000u
#define RO_END	     0x31000u

/* Queue size the suite drives: 16 entries keep every queue's rings inside
 * its 4 KiB stride (with the event fields) and wrap the ring indices
 * within a few rounds. */
#define QSIZE 16u

/* How many guest-memory failures the anomaly test injects at most per
 * queue: far more operations than one small request needs. */
#define MAX_INJECT 400u

/* An errno no backend produces, for injected memory failures. */
#define INJECTED (-EHWPOISON)

#define S_ACK	CVMM_VDEV_S_ACKNOWLEDGE
#define S_DRV	CVMM_VDEV_S_DRIVER
#define S_FOK	CVMM_VDEV_S_FEATURES_OK
#define S_DOK	CVMM_VDEV_S_DRIVER_OK
#define S_NR	CVMM_VDEV_S_DEVICE_NEEDS_RESET
#define S_FAIL	CVMM_VDEV_S_FAILED
#define F_V1	CVMM_VDEV_F_VERSION_1
#define R(name) CVMM_VDEV_MMIO_##name

/* What cvmm_vdev_conformance_run() hands every test (cmocka's initial
 * state), so the suite needs no global variable. */
struct conf_run {
	const struct cvmm_vdev_conf_device *reg;
	uint64_t granule;
};

/* One test's world: guest memory, the device, its transport, the driver's
 * queue models and the interrupt recorder. */
struct fx {
	const struct cvmm_vdev_conf_device *reg;
	uint64_t granule;
	struct cvmm_mem_test *tm;
	struct cvmm_mem mem;
	void *inst;
	struct cvmm_vdev dev;
	struct cvmm_vdev_info info;
	struct cvmm_vdev_mmio *t;
	struct cvmm_vqm *m[CVMM_VDEV_MAX_QUEUES];
	int raises;
	int lowers;
	/* The device's guest-memory writes while the suite watches (one
	 * flag byte per byte of [RING_BASE, IND_END)), and the first write
	 * seen anywhere else. */
	uint8_t *written;
	/* Reads of each byte of [RING_BASE, IND_END) while watching (counts
	 * stop at 2), for the double-fetch check. */
	uint8_t *reads;
	/* [lo, hi): the part of written that has flags set. */
	uint64_t lo;
	uint64_t hi;
	bool watching;
	/* Record reads, checks and translations too, not only writes. */
	bool watch_all;
	bool wrote_elsewhere;
	uint64_t elsewhere;
};

static const struct cvmm_mem_range guest_map[] = {
    {{RING_BASE}, RING_END - RING_BASE, 0},
    {{BUF_BASE}, IND_END - BUF_BASE, 0},
    {{RO_BASE}, RO_END - RO_BASE, CVMM_MEM_REGION_READONLY},
};

/* ---- failure reporting ---- */

static void fx_fail(const struct fx *f, const char *file, int line,
		    const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

static void fx_fail(const struct fx *f, const char *file, int line,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s (granule %llu): %s\n", f->reg->name,
		    (unsigned long long)f->granule, msg);
	_fail(file, line);
	/* cmocka's _fail() jumps back to the runner; never reached. */
	abort();
}

/* Fail the test, naming the device and the requirement, unless cond. */
#define REQUIRE(f, cond, ...)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			fx_fail((f), __FILE__, __LINE__, __VA_ARGS__);         \
	} while (0)

/* ---- the world ---- */

static void record_irq(void *arg, bool level, uint32_t status)
{
	struct fx *f = arg;

	(void)status;
	if (level)
		f->raises++;
	else
		f->lowers++;
}

static struct cvmm_vdev_mmio_config transport_config(struct fx *f,
						     struct cvmm_vdev dev)
{
	struct cvmm_vdev_mmio_config c;

	memset(&c, 0, sizeof(c));
	c.device = dev;
	c.vendor_id = 0x4d4d5643u; /* "CVMM" */
	c.irq = record_irq;
	c.irq_arg = f;
	/* Hostile tests break queues on purpose: keep the log quiet. */
	c.log = NULL;
	return c;
}

/* A fresh device and a transport around it; 0 or the errno, with a line
 * saying which step failed. */
static int open_device(struct fx *f, void **inst, struct cvmm_vdev *dev,
		       struct cvmm_vdev_mmio **t)
{
	struct cvmm_vdev_mmio_config c;
	int rc;

	*inst = NULL;
	memset(dev, 0, sizeof(*dev));
	rc = f->reg->create(f->reg->arg, dev, inst);
	if (rc != 0) {
		print_error("%s: create failed (%d)\n", f->reg->name, rc);
		return rc;
	}
	c = transport_config(f, *dev);
	rc = cvmm_vdev_mmio_create(&f->mem, &c, t);
	if (rc != 0) {
		print_error("%s: the virtio-mmio transport refuses the device "
			    "(%d): an op is missing or its info is out of "
			    "range (cvmm/vdev.h)\n",
			    f->reg->name, rc);
		f->reg->destroy(*inst);
		*inst = NULL;
	}
	return rc;
}

static void drop_models(struct fx *f)
{
	for (uint32_t i = 0; i < CVMM_VDEV_MAX_QUEUES; i++) {
		cvmm_vqm_destroy(f->m[i]);
		f->m[i] = NULL;
	}
}

static int setup(void **state)
{
	const struct conf_run *run = *state;
	struct fx *f = calloc(1, sizeof(*f));
	int rc;

	if (f == NULL)
		return -1;
	f->reg = run->reg;
	f->granule = run->granule;
	rc = cvmm_mem_test_create(guest_map,
				  sizeof(guest_map) / sizeof(guest_map[0]),
				  f->granule, &f->tm);
	if (rc != 0) {
		free(f);
		return -1;
	}
	f->mem = cvmm_mem_test_iface(f->tm);
	f->written = calloc(1, IND_END - RING_BASE);
	f->reads = calloc(1, IND_END - RING_BASE);
	if (f->written == NULL || f->reads == NULL ||
	    open_device(f, &f->inst, &f->dev, &f->t) != 0) {
		free(f->written);
		free(f->reads);
		cvmm_mem_test_destroy(f->tm);
		free(f);
		return -1;
	}
	memset(&f->info, 0, sizeof(f->info));
	f->dev.ops->info(f->dev.ctx, &f->info);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	drop_models(f);
	cvmm_vdev_mmio_destroy(f->t);
	if (f->inst != NULL)
		f->reg->destroy(f->inst);
	cvmm_mem_test_destroy(f->tm);
	free(f->written);
	free(f->reads);
	free(f);
	return 0;
}

/* ---- the driver: registers ---- */

static int rd_rc(struct fx *f, uint64_t off, uint32_t *v)
{
	uint8_t b[4] = {0xa5, 0xa5, 0xa5, 0xa5};
	int rc = cvmm_vdev_mmio_read(f->t, off, b, 4);

	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	     (uint32_t)b[3] << 24;
	return rc;
}

static int wr_rc(struct fx *f, uint64_t off, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};

	return cvmm_vdev_mmio_write(f->t, off, b, 4);
}

static uint32_t rd(struct fx *f, uint64_t off)
{
	uint32_t v;
	int rc = rd_rc(f, off, &v);

	REQUIRE(f, rc == 0,
		"virtio-mmio register layout: register 0x%03llx must be "
		"readable (got %d)",
		(unsigned long long)off, rc);
	return v;
}

static void wr(struct fx *f, uint64_t off, uint32_t v)
{
	int rc = wr_rc(f, off, v);

	REQUIRE(f, rc == 0,
		"driver write of 0x%x to register 0x%03llx refused (%d)", v,
		(unsigned long long)off, rc);
}

static uint32_t status(struct fx *f)
{
	return rd(f, R(STATUS));
}

static uint64_t offered(const struct fx *f)
{
	return f->info.features | F_V1;
}

static uint32_t isr(struct fx *f)
{
	return rd(f, R(INTERRUPT_STATUS));
}

static void ack_interrupts(struct fx *f)
{
	uint32_t v = isr(f);

	if (v != 0)
		wr(f, R(INTERRUPT_ACK), v);
}

/* Reset as a driver does, and forget the driver's queues. */
static void reset(struct fx *f)
{
	wr(f, R(STATUS), 0);
	drop_models(f);
	REQUIRE(f, status(f) == 0,
		"Device Status Field: writing 0 must reset the device "
		"(status reads 0x%x)",
		status(f));
}

static void write_features(struct fx *f, uint64_t acked)
{
	wr(f, R(DRIVER_FEATURES_SEL), 0);
	wr(f, R(DRIVER_FEATURES), (uint32_t)acked);
	wr(f, R(DRIVER_FEATURES_SEL), 1);
	wr(f, R(DRIVER_FEATURES), (uint32_t)(acked >> 32));
}

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK: the status write's
 * result. */
static int negotiate_rc(struct fx *f, uint64_t acked)
{
	reset(f);
	wr(f, R(STATUS), S_ACK);
	wr(f, R(STATUS), S_ACK | S_DRV);
	write_features(f, acked);
	return wr_rc(f, R(STATUS), S_ACK | S_DRV | S_FOK);
}

static void negotiate(struct fx *f, uint64_t acked)
{
	int rc = negotiate_rc(f, acked);

	REQUIRE(f, rc == 0 && status(f) == (S_ACK | S_DRV | S_FOK),
		"Feature Bits: the device must accept features 0x%llx it "
		"offered (FEATURES_OK write %d, status 0x%x)",
		(unsigned long long)acked, rc, status(f));
	REQUIRE(f, cvmm_vdev_mmio_features(f->t) == acked,
		"Feature Bits: the negotiated set must be what the driver "
		"acked (0x%llx, acked 0x%llx)",
		(unsigned long long)cvmm_vdev_mmio_features(f->t),
		(unsigned long long)acked);
}

static uint32_t qsize(const struct fx *f, uint32_t q)
{
	uint32_t m = f->info.queue_max_size[q];

	return m < QSIZE ? m : QSIZE;
}

static void queue_regs(struct fx *f, uint32_t q, uint32_t num, uint64_t desc,
		       uint64_t driver, uint64_t device)
{
	wr(f, R(QUEUE_SEL), q);
	wr(f, R(QUEUE_NUM), num);
	wr(f, R(QUEUE_DESC_LOW), (uint32_t)desc);
	wr(f, R(QUEUE_DESC_HIGH), (uint32_t)(desc >> 32));
	wr(f, R(QUEUE_DRIVER_LOW), (uint32_t)driver);
	wr(f, R(QUEUE_DRIVER_HIGH), (uint32_t)(driver >> 32));
	wr(f, R(QUEUE_DEVICE_LOW), (uint32_t)device);
	wr(f, R(QUEUE_DEVICE_HIGH), (uint32_t)(device >> 32));
}

/* Lay queue q out with the driver model and make it ready. */
static void setup_queue(struct fx *f, uint32_t q)
{
	bool ev = (cvmm_vdev_mmio_features(f->t) & CVMM_VDEV_F_EVENT_IDX) != 0;
	struct cvmm_vqm_layout l;
	int rc;

	rc = cvmm_vqm_layout_at(
	    cvmm_mem_gpa_from(RING_BASE + (uint64_t)QUEUE_STRIDE * q),
	    qsize(f, q), ev, &l, NULL);
	REQUIRE(f, rc == 0, "suite: queue layout (%d)", rc);
	cvmm_vqm_destroy(f->m[q]);
	f->m[q] = NULL;
	rc = cvmm_vqm_create(&f->mem, &l, &f->m[q]);
	REQUIRE(f, rc == 0, "suite: queue model (%d)", rc);
	queue_regs(f, q, l.size, l.desc.raw, l.avail.raw, l.used.raw);
	rc = wr_rc(f, R(QUEUE_READY), 1);
	REQUIRE(f, rc == 0 && rd(f, R(QUEUE_READY)) == 1,
		"virtio-mmio device requirements: a valid layout (queue %u, "
		"%u entries) must make the queue ready (%d)",
		q, l.size, rc);
}

static void driver_ok(struct fx *f)
{
	uint32_t s = status(f);
	int rc = wr_rc(f, R(STATUS), s | S_DOK);

	REQUIRE(f, rc == 0 && status(f) == (s | S_DOK),
		"Device Initialization: DRIVER_OK must activate the device "
		"(write %d, status 0x%x)",
		rc, status(f));
}

static void bring_up(struct fx *f, uint64_t features)
{
	negotiate(f, features);
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		setup_queue(f, q);
	driver_ok(f);
}

/* ---- the driver: requests ---- */

static uint64_t writable_bytes(const struct cvmm_vdev_conf_request *req)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < req->nbufs; i++)
		if (req->bufs[i].writable)
			n += req->bufs[i].len;
	return n;
}

/* Ask the hook for a request on q in the window [area, area + area_len)
 * and add it (as one indirect table when indirect). -EOPNOTSUPP when the
 * device has none for q. */
static int add_request_in(struct fx *f, uint32_t q, bool indirect,
			  uint64_t area, uint32_t area_len,
			  struct cvmm_vdev_conf_request *req, uint16_t *head)
{
	struct cvmm_vqm_buf bufs[CVMM_VDEV_CONF_MAX_BUFS];
	bool seen_writable = false;
	int rc;

	if (f->reg->request == NULL)
		return -EOPNOTSUPP;
	memset(req, 0, sizeof(*req));
	req->mem = &f->mem;
	req->area = area;
	req->area_len = area_len;
	rc = f->reg->request(f->inst, q, req);
	if (rc == -EOPNOTSUPP)
		return rc;
	REQUIRE(f, rc == 0, "request hook failed on queue %u (%d)", q, rc);
	REQUIRE(f, req->nbufs >= 1 && req->nbufs <= CVMM_VDEV_CONF_MAX_BUFS,
		"request hook: queue %u: %u buffers (1..%u)", q, req->nbufs,
		CVMM_VDEV_CONF_MAX_BUFS);
	for (uint32_t i = 0; i < req->nbufs; i++) {
		const struct cvmm_vdev_conf_buf *b = &req->bufs[i];

		REQUIRE(f,
			b->addr >= area && b->addr <= area + area_len &&
			    b->len <= area + area_len - b->addr,
			"request hook: queue %u: buffer %u [0x%llx, +%u) is "
			"outside the window [0x%llx, +%u)",
			q, i, (unsigned long long)b->addr, b->len,
			(unsigned long long)area, area_len);
		REQUIRE(f, b->writable || !seen_writable,
			"request hook: queue %u: readable buffer %u after a "
			"writable one (Message Framing)",
			q, i);
		seen_writable = seen_writable || b->writable;
		bufs[i].addr = cvmm_mem_gpa_from(b->addr);
		bufs[i].len = b->len;
		bufs[i].writable = b->writable;
	}
	if (indirect)
		rc = cvmm_vqm_add_indirect(f->m[q], bufs, req->nbufs,
					   cvmm_mem_gpa_from(IND_BASE), head);
	else
		rc = cvmm_vqm_add_direct(f->m[q], bufs, req->nbufs, head);
	REQUIRE(f, rc == 0, "suite: adding the request to queue %u (%d)", q,
		rc);
	/* With VIRTIO_F_EVENT_IDX the driver asks for an interrupt at the
	 * next used entry by setting used_event to the used index it has
	 * seen (the model leaves the field alone). */
	if ((cvmm_vdev_mmio_features(f->t) & CVMM_VDEV_F_EVENT_IDX) != 0) {
		uint64_t used = 0;

		rc = cvmm_vqm_peek(f->m[q], CVMM_VQM_USED_IDX, 0, &used);
		if (rc == 0)
			rc = cvmm_vqm_poke(f->m[q], CVMM_VQM_USED_EVENT, 0,
					   used);
		REQUIRE(f, rc == 0, "suite: used_event (%d)", rc);
	}
	return 0;
}

/* A request on q in the whole buffer window (one pending at a time). */
static int add_request(struct fx *f, uint32_t q, bool indirect,
		       struct cvmm_vdev_conf_request *req, uint16_t *head)
{
	return add_request_in(f, q, indirect, BUF_BASE, BUF_END - BUF_BASE, req,
			      head);
}

/* Queue q's share of the buffer window, for requests pending on several
 * queues at once (16-byte aligned). */
static uint32_t share_len(const struct fx *f)
{
	return (BUF_END - BUF_BASE) / f->info.num_queues & ~15u;
}

/* Notify q as a driver does (QueueNotify), then let the host side answer
 * (the registration's answer hook). The first error, or 0. */
static int kick(struct fx *f, uint32_t q)
{
	int rc = wr_rc(f, R(QUEUE_NOTIFY), q);

	if (rc == 0 && f->reg->answer != NULL)
		rc = f->reg->answer(f->inst, q);
	return rc;
}

/* The request at head on q was answered as the used-ring rules say. */
static uint32_t expect_answer(struct fx *f, uint32_t q,
			      const struct cvmm_vdev_conf_request *req,
			      uint16_t head)
{
	struct cvmm_vq *vq = cvmm_vdev_mmio_queue(f->t, q);
	uint16_t id = 0;
	uint32_t len = 0;
	int rc = cvmm_vqm_get_used(f->m[q], &id, &len);

	REQUIRE(f, rc == 0 || rc == -EPROTO,
		"The Virtqueue Used Ring: queue %u: a valid request must be "
		"answered with a used entry (%d; a driver notifies only when "
		"the device asks: Driver Requirements: Available Buffer "
		"Notification Suppression)",
		q, rc);
	REQUIRE(f, rc == 0 && id == head,
		"The Virtqueue Used Ring: queue %u: the used id (%u) must be "
		"the head of the chain (%u)",
		q, id, head);
	REQUIRE(f, len <= writable_bytes(req),
		"Device Requirements: The Virtqueue Used Ring: queue %u: used "
		"len %u must not exceed the %llu device-writable bytes",
		q, len, (unsigned long long)writable_bytes(req));
	rc = cvmm_vqm_get_used(f->m[q], &id, &len);
	REQUIRE(f, rc == -EAGAIN,
		"The Virtqueue Used Ring: queue %u: one request must give "
		"exactly one used entry (a second one: %d)",
		q, rc);
	REQUIRE(f, cvmm_vq_inflight(vq) == 0,
		"The Virtqueue Used Ring: queue %u: every chain taken must be "
		"returned (%u in flight)",
		q, cvmm_vq_inflight(vq));
	REQUIRE(f, (isr(f) & R(INT_VRING)) != 0,
		"Used Buffer Notification: queue %u: a driver that did not "
		"suppress interrupts must get one (InterruptStatus 0x%x)",
		q, isr(f));
	ack_interrupts(f);
	return len;
}

/* Record every successful guest-memory write (with watch_all, every
 * access) while watching. */
static void observe(void *arg, enum cvmm_mem_test_op op, cvmm_mem_gpa gpa,
		    uint64_t len, int result)
{
	struct fx *f = arg;

	if (f->watching && op == CVMM_MEM_TEST_READ && result == 0 &&
	    gpa.raw >= RING_BASE && gpa.raw <= IND_END &&
	    len <= IND_END - gpa.raw)
		for (uint64_t i = gpa.raw - RING_BASE;
		     i < gpa.raw - RING_BASE + len; i++)
			f->reads[i] = f->reads[i] < 2 ? f->reads[i] + 1u : 2u;
	if (!f->watching || (op != CVMM_MEM_TEST_WRITE && !f->watch_all) ||
	    result != 0 || len == 0)
		return;
	if (gpa.raw < RING_BASE || gpa.raw > IND_END ||
	    len > IND_END - gpa.raw) {
		if (!f->wrote_elsewhere)
			f->elsewhere = gpa.raw;
		f->wrote_elsewhere = true;
		return;
	}
	memset(f->written + (gpa.raw - RING_BASE), 1, (size_t)len);
	if (gpa.raw - RING_BASE < f->lo)
		f->lo = gpa.raw - RING_BASE;
	if (gpa.raw - RING_BASE + len > f->hi)
		f->hi = gpa.raw - RING_BASE + len;
}

static void watch(struct fx *f, bool on)
{
	if (on) {
		if (f->lo < f->hi)
			memset(f->written + f->lo, 0, (size_t)(f->hi - f->lo));
		f->lo = IND_END - RING_BASE;
		f->hi = 0;
		f->wrote_elsewhere = false;
		memset(f->reads, 0, IND_END - RING_BASE);
		cvmm_mem_test_set_observer(f->tm, observe, f);
	} else {
		cvmm_mem_test_set_observer(f->tm, NULL, NULL);
	}
	f->watching = on;
}

/* Whether byte gpa lies in a used ring (which the device writes). */
static bool in_used_ring(const struct fx *f, uint64_t gpa)
{
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		const struct cvmm_vqm_layout *l;
		uint64_t n;

		if (f->m[q] == NULL)
			continue;
		l = cvmm_vqm_get_layout(f->m[q]);
		n = 6u + 8u * (uint64_t)l->size + (l->event_idx ? 2u : 0u);
		if (gpa >= l->used.raw && gpa - l->used.raw < n)
			return true;
	}
	return false;
}

/* The device wrote only the request's writable buffers and the used rings
 * (never a readable buffer, a descriptor or the avail ring), and at least
 * the used length from the start of the first writable buffer. */
static void expect_writes(struct fx *f, uint32_t q,
			  const struct cvmm_vdev_conf_request *req,
			  uint32_t used_len)
{
	uint64_t left = used_len;

	REQUIRE(f, !f->wrote_elsewhere,
		"The Virtqueue Descriptor Table: queue %u: the device wrote "
		"guest memory at 0x%llx, outside the request's writable "
		"buffers",
		q, (unsigned long long)f->elsewhere);
	for (uint64_t i = f->lo; i < f->hi; i++) {
		uint64_t gpa = RING_BASE + i;
		bool ok;

		if (f->written[i] == 0)
			continue;
		ok = in_used_ring(f, gpa);
		for (uint32_t b = 0; !ok && b < req->nbufs; b++)
			ok = req->bufs[b].writable &&
			     gpa >= req->bufs[b].addr &&
			     gpa - req->bufs[b].addr < req->bufs[b].len;
		REQUIRE(f, ok,
			"The Virtqueue Descriptor Table: queue %u: the device "
			"must not write guest memory outside the request's "
			"device-writable buffers (it wrote 0x%llx)",
			q, (unsigned long long)gpa);
	}
	/* cvmm's rule (no double fetch): a device copies what the guest
	 * gave it once, so the guest cannot change it between two reads. */
	for (uint32_t b = 0; b < req->nbufs; b++) {
		const struct cvmm_vdev_conf_buf *buf = &req->bufs[b];

		for (uint32_t k = 0; !buf->writable && k < buf->len; k++)
			REQUIRE(f, f->reads[buf->addr + k - RING_BASE] < 2,
				"no double fetch (cvmm): queue %u: the device "
				"read byte %u of readable buffer %u twice",
				q, k, b);
	}
	for (uint32_t b = 0; left > 0 && b < req->nbufs; b++) {
		const struct cvmm_vdev_conf_buf *buf = &req->bufs[b];

		if (!buf->writable)
			continue;
		for (uint32_t k = 0; left > 0 && k < buf->len; k++, left--)
			REQUIRE(f, f->written[buf->addr + k - RING_BASE] != 0,
				"The Virtqueue Used Ring: queue %u: the device "
				"must write at least len (%u) bytes from the "
				"first writable buffer; byte %u of buffer %u "
				"was not written",
				q, used_len, k, b);
	}
}

/* The registration's own check of the answer, after the generic ones. */
static uint32_t check_answer(struct fx *f, uint32_t q,
			     const struct cvmm_vdev_conf_request *req,
			     uint32_t len)
{
	int rc;

	if (f->reg->check != NULL) {
		rc = f->reg->check(f->inst, q, req, len);
		REQUIRE(f, rc == 0,
			"device check hook: queue %u: the answer (len %u) is "
			"wrong (%d)",
			q, len, rc);
	}
	return len;
}

/*
 * Notify q as a real driver does after publishing from avail index old:
 * only if the device asked for it (VRING_USED_F_NO_NOTIFY clear, or with
 * VIRTIO_F_EVENT_IDX its avail_event crossed; virtio 2.7.10). The host
 * side answers either way. A device that stops asking (one that never
 * moves avail_event after its first request) leaves the request
 * unanswered here, as it would hang a Linux guest.
 */
static int driver_kick(struct fx *f, uint32_t q, uint16_t old)
{
	bool need = true;
	int rc = cvmm_vqm_kick_needed(f->m[q], old, &need);

	REQUIRE(f, rc == 0, "suite: queue %u: notification decision (%d)", q,
		rc);
	if (need)
		return kick(f, q);
	return f->reg->answer != NULL ? f->reg->answer(f->inst, q) : 0;
}

/* One request on q, answered. false if q takes no request. */
static bool request_round(struct fx *f, uint32_t q, bool indirect)
{
	struct cvmm_vdev_conf_request req;
	uint16_t head = 0;
	uint16_t old = cvmm_vqm_avail_idx(f->m[q]);
	uint32_t len;
	int rc;

	if (add_request(f, q, indirect, &req, &head) != 0)
		return false;
	watch(f, true);
	rc = driver_kick(f, q, old);
	watch(f, false);
	REQUIRE(f, rc == 0,
		"queue %u: a valid request must be taken without error "
		"(notify/answer %d, status 0x%x)",
		q, rc, status(f));
	len = expect_answer(f, q, &req, head);
	expect_writes(f, q, &req, len);
	(void)check_answer(f, q, &req, len);
	return true;
}

/* Whether any queue takes a request (otherwise queue tests skip). */
static bool any_request(struct fx *f)
{
	bool any = false;

	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		struct cvmm_vdev_conf_request req;
		uint16_t head;

		reset(f);
		bring_up(f, offered(f));
		if (add_request(f, q, false, &req, &head) == 0)
			any = true;
	}
	reset(f);
	return any;
}

static void skip_no_request(struct fx *f)
{
	print_message("%s: no request hook (or no queue takes one): the "
		      "used-ring checks do not apply\n",
		      f->reg->name);
	skip();
}

/* ---- status ---- */

static void identity_registers(void **state)
{
	struct fx *f = *state;

	REQUIRE(f, rd(f, R(MAGIC_VALUE)) == CVMM_VDEV_MMIO_MAGIC,
		"virtio-mmio: MagicValue must read 0x74726976");
	REQUIRE(f, rd(f, R(VERSION)) == 2,
		"virtio-mmio: Version must read 2 (no legacy interface)");
	REQUIRE(f,
		rd(f, R(DEVICE_ID)) == f->info.device_id &&
		    f->info.device_id != 0,
		"virtio-mmio: DeviceID must be the device's non-zero ID (%u)",
		rd(f, R(DEVICE_ID)));
	REQUIRE(f, f->info.num_queues >= 1,
		"Virtqueues: a device has at least one queue");
}

static void status_reset_reads_zero(void **state)
{
	struct fx *f = *state;

	REQUIRE(f, status(f) == 0,
		"Device Status Field: a new device's status must read 0 "
		"(0x%x)",
		status(f));
	REQUIRE(f, isr(f) == 0,
		"virtio-mmio: InterruptStatus of a new device must read 0");
	wr(f, R(STATUS), S_ACK);
	wr(f, R(STATUS), S_ACK | S_DRV);
	REQUIRE(f, status(f) == (S_ACK | S_DRV),
		"Device Status Field: status must read back what the "
		"driver set (0x%x)",
		status(f));
	reset(f);
	bring_up(f, offered(f));
	reset(f);
	REQUIRE(f, isr(f) == 0,
		"Device Reset: InterruptStatus must read 0 after a reset");
}

static void status_handshake_order(void **state)
{
	struct fx *f = *state;
	int rc;

	rc = wr_rc(f, R(STATUS), S_ACK | S_FOK);
	REQUIRE(f, rc != 0 && status(f) == 0,
		"Device Initialization: FEATURES_OK before DRIVER must be "
		"refused (write %d, status 0x%x)",
		rc, status(f));
	rc = wr_rc(f, R(STATUS), S_DRV);
	REQUIRE(f, rc != 0 && status(f) == 0,
		"Device Initialization: DRIVER before ACKNOWLEDGE must be "
		"refused (write %d, status 0x%x)",
		rc, status(f));
	wr(f, R(STATUS), S_ACK);
	wr(f, R(STATUS), S_ACK | S_DRV);
	write_features(f, offered(f));
	rc = wr_rc(f, R(STATUS), S_ACK | S_DRV | S_DOK);
	REQUIRE(f, rc != 0 && (status(f) & S_DOK) == 0,
		"Device Initialization: DRIVER_OK before FEATURES_OK must "
		"be refused (write %d, status 0x%x)",
		rc, status(f));
	rc = wr_rc(f, R(STATUS), S_ACK);
	REQUIRE(f, rc != 0 && status(f) == (S_ACK | S_DRV),
		"Device Status Field: the driver never clears a bit; a "
		"write that does must change nothing (status 0x%x)",
		status(f));
	rc = wr_rc(f, R(STATUS), S_ACK | S_DRV | S_FOK);
	REQUIRE(f, rc == 0 && status(f) == (S_ACK | S_DRV | S_FOK),
		"Feature Bits: FEATURES_OK must stay set for the offered set "
		"(write %d, status 0x%x)",
		rc, status(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		setup_queue(f, q);
	driver_ok(f);
	REQUIRE(f, (status(f) & (S_NR | S_FAIL)) == 0,
		"Device Status Field: activation must not fail (status 0x%x)",
		status(f));
}

static void status_version_1_required(void **state)
{
	struct fx *f = *state;
	int rc = negotiate_rc(f, offered(f) & ~F_V1);

	REQUIRE(f, rc != 0 && (status(f) & S_FOK) == 0,
		"Reserved Feature Bits: without VIRTIO_F_VERSION_1 "
		"FEATURES_OK must not stay set (write %d, status 0x%x)",
		rc, status(f));
	REQUIRE(f, cvmm_vdev_mmio_features(f->t) == 0,
		"Feature Bits: a refused set must not be negotiated");
	negotiate(f, offered(f));
}

static void status_driver_ok_activates(void **state)
{
	struct fx *f = *state;
	bool pending[CVMM_VDEV_MAX_QUEUES] = {false};
	struct cvmm_vdev_conf_request req[CVMM_VDEV_MAX_QUEUES];
	uint16_t head[CVMM_VDEV_MAX_QUEUES] = {0};

	negotiate(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		int rc;

		setup_queue(f, q);
		pending[q] =
		    add_request_in(f, q, false,
				   BUF_BASE + (uint64_t)q * share_len(f),
				   share_len(f), &req[q], &head[q]) == 0;
		rc = wr_rc(f, R(QUEUE_NOTIFY), q);
		REQUIRE(f, rc != 0,
			"Device Status Field: queue %u: a notification "
			"before DRIVER_OK must be refused",
			q);
		/* Nor may the host side make the device answer early. */
		if (pending[q] && f->reg->answer != NULL)
			(void)f->reg->answer(f->inst, q);
	}
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		uint64_t used = 1;
		int rc = cvmm_vqm_peek(f->m[q], CVMM_VQM_USED_IDX, 0, &used);

		REQUIRE(f, rc == 0 && used == 0,
			"Device Status Field: queue %u: the device must not "
			"use buffers before DRIVER_OK (used idx %llu)",
			q, (unsigned long long)used);
	}
	REQUIRE(f, isr(f) == 0,
		"Device Status Field: no used buffer notification before "
		"DRIVER_OK (InterruptStatus 0x%x)",
		isr(f));
	driver_ok(f);
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		int rc = kick(f, q);

		REQUIRE(f, rc == 0,
			"Device Status Field: after DRIVER_OK a notification "
			"on ready queue %u must be taken (%d)",
			q, rc);
		if (pending[q])
			(void)check_answer(
			    f, q, &req[q],
			    expect_answer(f, q, &req[q], head[q]));
	}
	REQUIRE(f, (status(f) & (S_NR | S_FAIL)) == 0,
		"Device Status Field: a working device must not need a reset "
		"(status 0x%x)",
		status(f));
}

static void status_reset_clears_everything(void **state)
{
	struct fx *f = *state;

	bring_up(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		struct cvmm_vdev_conf_request req;
		uint16_t head;

		/* Leave work pending and an interrupt raised. */
		if (add_request(f, q, false, &req, &head) == 0)
			(void)kick(f, q);
	}
	wr(f, R(STATUS), 0);
	REQUIRE(f, status(f) == 0,
		"Device Reset: status must read 0 after a reset (0x%x)",
		status(f));
	REQUIRE(f, isr(f) == 0,
		"Device Reset: InterruptStatus must be cleared (0x%x)", isr(f));
	REQUIRE(f, f->raises == 0 || f->lowers > 0,
		"Device Reset: a raised interrupt must be lowered");
	REQUIRE(f, cvmm_vdev_mmio_features(f->t) == 0,
		"Device Reset: the negotiated features must be cleared");
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		struct cvmm_vq *vq = cvmm_vdev_mmio_queue(f->t, q);

		wr(f, R(QUEUE_SEL), q);
		REQUIRE(f, rd(f, R(QUEUE_READY)) == 0 && !cvmm_vq_is_ready(vq),
			"Device Reset: queue %u must not be ready after a "
			"reset",
			q);
		REQUIRE(f, cvmm_vq_inflight(vq) == 0,
			"Device Reset: queue %u: nothing may stay in flight",
			q);
		REQUIRE(f, rd(f, R(QUEUE_NUM_MAX)) == f->info.queue_max_size[q],
			"Device Reset: queue %u: QueueNumMax must not change",
			q);
	}
	/* The device starts over from ring index 0. */
	drop_models(f);
	bring_up(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		(void)request_round(f, q, false);
}

static void status_needs_reset_after_queue_breaks(void **state)
{
	struct fx *f = *state;
	int rc;

	/* A layout the device refuses at QueueReady. */
	negotiate(f, offered(f));
	queue_regs(f, 0, 0, RING_BASE, RING_BASE + 0x100, RING_BASE + 0x200);
	rc = wr_rc(f, R(QUEUE_READY), 1);
	REQUIRE(f, rc != 0 && rd(f, R(QUEUE_READY)) == 0,
		"virtio-mmio: QueueNum 0 must not make the queue ready (%d)",
		rc);
	REQUIRE(f, (status(f) & S_NR) != 0,
		"Device Status Field: a refused queue layout must set "
		"DEVICE_NEEDS_RESET (status 0x%x)",
		status(f));
	(void)wr_rc(f, R(STATUS), status(f) | S_DOK);
	REQUIRE(f, (isr(f) & R(INT_CONFIG)) != 0,
		"Device Status Field: with DEVICE_NEEDS_RESET set at DRIVER_OK "
		"the device must send a configuration change notification");
	rc = wr_rc(f, R(QUEUE_NOTIFY), 0);
	REQUIRE(f, rc != 0,
		"Device Status Field: a device that needs a reset must take "
		"no more notifications");
	/* A broken queue after DRIVER_OK: a head out of range. */
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		struct cvmm_vdev_conf_request req;
		uint16_t head;

		reset(f);
		bring_up(f, offered(f));
		if (add_request(f, q, false, &req, &head) != 0)
			continue;
		drop_models(f);
		reset(f);
		bring_up(f, offered(f));
		REQUIRE(f,
			cvmm_vqm_publish(f->m[q], (uint16_t)qsize(f, q)) == 0,
			"suite: publish");
		(void)kick(f, q);
		REQUIRE(f, (status(f) & S_NR) != 0,
			"Device Status Field: queue %u broke (head out of "
			"range): DEVICE_NEEDS_RESET must be set (status 0x%x)",
			q, status(f));
		REQUIRE(f, (isr(f) & R(INT_CONFIG)) != 0,
			"Device Status Field: queue %u: DEVICE_NEEDS_RESET "
			"after DRIVER_OK needs a configuration change "
			"notification",
			q);
	}
	reset(f);
	bring_up(f, offered(f));
}

static void status_failed_stops_device(void **state)
{
	struct fx *f = *state;

	wr(f, R(STATUS), S_FAIL);
	REQUIRE(f, status(f) == S_FAIL,
		"Device Status Field: the driver may set FAILED at any time "
		"(status 0x%x)",
		status(f));
	reset(f);
	bring_up(f, offered(f));
	wr(f, R(STATUS), status(f) | S_FAIL);
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		struct cvmm_vdev_conf_request req;
		uint16_t head;
		uint64_t used = 1;
		bool has = add_request(f, q, false, &req, &head) == 0;
		int rc = wr_rc(f, R(QUEUE_NOTIFY), q);

		REQUIRE(f, rc != 0,
			"Device Status Field: after FAILED queue %u must take "
			"no notification",
			q);
		REQUIRE(f,
			!has || (cvmm_vqm_peek(f->m[q], CVMM_VQM_USED_IDX, 0,
					       &used) == 0 &&
				 used == 0),
			"Device Status Field: after FAILED queue %u must use "
			"no buffer",
			q);
	}
	reset(f);
	bring_up(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		(void)request_round(f, q, false);
}

/* ---- feature negotiation ---- */

static void features_device_pages(void **state)
{
	struct fx *f = *state;
	const uint32_t sels[] = {2, 3, 0x80000000u, UINT32_MAX};
	uint64_t lo, hi;
	int rc;

	wr(f, R(DEVICE_FEATURES_SEL), 0);
	lo = rd(f, R(DEVICE_FEATURES));
	wr(f, R(DEVICE_FEATURES_SEL), 1);
	hi = rd(f, R(DEVICE_FEATURES));
	REQUIRE(f, (lo | hi << 32) == offered(f),
		"Feature Bits: DeviceFeatures pages 0 and 1 must read the "
		"offered set (0x%llx, device says 0x%llx)",
		(unsigned long long)(lo | hi << 32),
		(unsigned long long)offered(f));
	REQUIRE(f, (hi & 1u) != 0,
		"Reserved Feature Bits: the device must offer "
		"VIRTIO_F_VERSION_1");
	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		wr(f, R(DEVICE_FEATURES_SEL), sels[i]);
		REQUIRE(f, rd(f, R(DEVICE_FEATURES)) == 0,
			"virtio-mmio: DeviceFeatures page %u (past bit 63) "
			"must read 0",
			sels[i]);
	}
	rc = wr_rc(f, R(DEVICE_FEATURES), 0xffffffffu);
	wr(f, R(DEVICE_FEATURES_SEL), 0);
	REQUIRE(f, rc != 0 && rd(f, R(DEVICE_FEATURES)) == (uint32_t)lo,
		"virtio-mmio: DeviceFeatures is read-only");
}

static void features_outside_offered_refused(void **state)
{
	struct fx *f = *state;
	int rc;

	for (uint32_t bit = 0; bit < 64; bit++) {
		uint64_t b = UINT64_C(1) << bit;

		if ((offered(f) & b) != 0)
			continue;
		rc = negotiate_rc(f, offered(f) | b);
		REQUIRE(f, rc != 0 && (status(f) & S_FOK) == 0,
			"Feature Bits: acking bit %u, which was not offered, "
			"must leave FEATURES_OK clear (write %d, status 0x%x)",
			bit, rc, status(f));
		REQUIRE(f, cvmm_vdev_mmio_features(f->t) == 0,
			"Feature Bits: bit %u: a refused set must not be "
			"negotiated",
			bit);
	}
	/* A bit past 63 (DriverFeaturesSel 2). */
	reset(f);
	wr(f, R(STATUS), S_ACK);
	wr(f, R(STATUS), S_ACK | S_DRV);
	write_features(f, offered(f));
	wr(f, R(DRIVER_FEATURES_SEL), 2);
	(void)wr_rc(f, R(DRIVER_FEATURES), 1);
	rc = wr_rc(f, R(STATUS), S_ACK | S_DRV | S_FOK);
	REQUIRE(f, rc != 0 && (status(f) & S_FOK) == 0,
		"Feature Bits: bit 64 was not offered: FEATURES_OK must stay "
		"clear (write %d)",
		rc);
}

static void features_subsets(void **state)
{
	struct fx *f = *state;
	uint64_t dev = f->info.features;

	/* VERSION_1 alone, then each offered bit alone with it: the device
	 * may refuse a set (SHOULD accept), but then cleanly. */
	for (int bit = -1; bit < 64; bit++) {
		uint64_t b = bit < 0 ? 0 : UINT64_C(1) << bit;
		uint64_t acked = F_V1 | b;
		int rc;

		if (bit >= 0 && (dev & b) == 0)
			continue;
		rc = negotiate_rc(f, acked);
		if (rc == 0) {
			REQUIRE(f,
				(status(f) & S_FOK) != 0 &&
				    cvmm_vdev_mmio_features(f->t) == acked,
				"Feature Bits: subset 0x%llx accepted: "
				"FEATURES_OK set and the set negotiated",
				(unsigned long long)acked);
			for (uint32_t q = 0; q < f->info.num_queues; q++)
				setup_queue(f, q);
			driver_ok(f);
			for (uint32_t q = 0; q < f->info.num_queues; q++)
				(void)request_round(f, q, false);
		} else {
			REQUIRE(f,
				(status(f) & S_FOK) == 0 &&
				    cvmm_vdev_mmio_features(f->t) == 0,
				"Feature Bits: subset 0x%llx refused: "
				"FEATURES_OK must read clear",
				(unsigned long long)acked);
		}
	}
	negotiate(f, offered(f));
}

static void features_driver_features_writable_state(void **state)
{
	struct fx *f = *state;
	uint32_t v;
	int rc;

	rc = rd_rc(f, R(DRIVER_FEATURES), &v);
	REQUIRE(f, rc != 0 && v == 0,
		"virtio-mmio: DriverFeatures is write-only (reads %d)", rc);
	negotiate(f, offered(f));
	wr(f, R(DRIVER_FEATURES_SEL), 0);
	rc = wr_rc(f, R(DRIVER_FEATURES), 0);
	REQUIRE(f, rc != 0 && cvmm_vdev_mmio_features(f->t) == offered(f),
		"Device Initialization: DriverFeatures must not change after "
		"FEATURES_OK (write %d)",
		rc);
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		setup_queue(f, q);
	driver_ok(f);
	wr(f, R(DRIVER_FEATURES_SEL), 1);
	rc = wr_rc(f, R(DRIVER_FEATURES), 0);
	REQUIRE(f, rc != 0 && cvmm_vdev_mmio_features(f->t) == offered(f),
		"Device Initialization: DriverFeatures must not change after "
		"DRIVER_OK (write %d)",
		rc);
}

/* ---- queues ---- */

static void queue_sel_out_of_range(void **state)
{
	struct fx *f = *state;
	const uint32_t sels[] = {f->info.num_queues, CVMM_VDEV_MAX_QUEUES,
				 0x10000u, UINT32_MAX};
	const uint64_t regs[] = {R(QUEUE_NUM),	       R(QUEUE_DESC_LOW),
				 R(QUEUE_DESC_HIGH),   R(QUEUE_DRIVER_LOW),
				 R(QUEUE_DRIVER_HIGH), R(QUEUE_DEVICE_LOW),
				 R(QUEUE_DEVICE_HIGH), R(QUEUE_READY)};
	struct cvmm_vqm_layout l;

	negotiate(f, offered(f));
	/* Queue 0's registers, then garbage through bad selectors. */
	REQUIRE(f,
		cvmm_vqm_layout_at(cvmm_mem_gpa_from(RING_BASE), qsize(f, 0),
				   false, &l, NULL) == 0,
		"suite: layout");
	queue_regs(f, 0, l.size, l.desc.raw, l.avail.raw, l.used.raw);
	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		wr(f, R(QUEUE_SEL), sels[i]);
		REQUIRE(f, rd(f, R(QUEUE_NUM_MAX)) == 0,
			"virtio-mmio: QueueNumMax of a queue the device does "
			"not have (%u) must read 0",
			sels[i]);
		REQUIRE(f, rd(f, R(QUEUE_READY)) == 0,
			"virtio-mmio: QueueReady of a queue the device does "
			"not have (%u) must read 0",
			sels[i]);
		for (size_t r = 0; r < sizeof(regs) / sizeof(regs[0]); r++) {
			int rc = wr_rc(f, regs[r], r == 7 ? 1u : 0x1001u);

			REQUIRE(f, rc != 0,
				"virtio-mmio: a write to register 0x%03llx "
				"of missing queue %u must be ignored",
				(unsigned long long)regs[r], sels[i]);
		}
		REQUIRE(f, (status(f) & S_NR) == 0,
			"virtio-mmio: writes for missing queue %u must not "
			"break the device (status 0x%x)",
			sels[i], status(f));
	}
	/* Queue 0 kept what the driver wrote. */
	wr(f, R(QUEUE_SEL), 0);
	REQUIRE(f, wr_rc(f, R(QUEUE_READY), 1) == 0,
		"virtio-mmio: writes for missing queues must not reach queue "
		"0");
	REQUIRE(f, cvmm_vq_size(cvmm_vdev_mmio_queue(f->t, 0)) == l.size,
		"virtio-mmio: queue 0 must keep its QueueNum");
}

static void queue_num_max(void **state)
{
	struct fx *f = *state;

	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		uint32_t m;

		wr(f, R(QUEUE_SEL), q);
		m = rd(f, R(QUEUE_NUM_MAX));
		REQUIRE(f,
			m != 0 && m <= CVMM_VQ_MAX_SIZE && (m & (m - 1)) == 0,
			"Virtqueues: queue %u: QueueNumMax (%u) must be a "
			"power of two from 1 to 32768",
			q, m);
		REQUIRE(f, m == f->info.queue_max_size[q],
			"virtio-mmio: queue %u: QueueNumMax must be the "
			"device's maximum",
			q);
		REQUIRE(f, rd(f, R(QUEUE_READY)) == 0,
			"virtio-mmio: queue %u must not be ready before the "
			"driver sets it up",
			q);
	}
}

/* Write queue q's registers from l with QueueNum num; QueueReady's result. */
static int try_layout(struct fx *f, uint32_t q, uint32_t num, uint64_t desc,
		      uint64_t avail, uint64_t used)
{
	queue_regs(f, q, num, desc, avail, used);
	return wr_rc(f, R(QUEUE_READY), 1);
}

static void expect_refused(struct fx *f, uint32_t q, int rc, const char *what)
{
	REQUIRE(f, rc != 0 && rd(f, R(QUEUE_READY)) == 0,
		"virtio-mmio device requirements: queue %u: %s must leave "
		"the queue not ready (QueueReady write %d)",
		q, what, rc);
	REQUIRE(f, (status(f) & S_NR) != 0,
		"Device Status Field: queue %u: %s must set "
		"DEVICE_NEEDS_RESET (status 0x%x)",
		q, what, status(f));
}

static void queue_num_validation(void **state)
{
	struct fx *f = *state;

	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		uint32_t max = f->info.queue_max_size[q];
		struct cvmm_vqm_layout l;
		uint64_t bytes = 0;
		uint32_t bad[3];
		const char *why[3] = {"QueueNum 0",
				      "QueueNum not a power of two",
				      "QueueNum above QueueNumMax"};

		bad[0] = 0;
		/* max - 1 is odd and above 2 when max >= 4; else 3 is both
		 * not a power of two and above the maximum. */
		bad[1] = max >= 4 ? max - 1 : 3;
		bad[2] = max * 2;
		for (unsigned i = 0; i < 3; i++) {
			uint64_t base = RING_BASE;

			negotiate(f, offered(f));
			expect_refused(f, q,
				       try_layout(f, q, bad[i], base,
						  base + 0x2000, base + 0x4000),
				       why[i]);
		}
		/* 1 and the maximum are valid (when the rings fit). */
		negotiate(f, offered(f));
		REQUIRE(f,
			try_layout(f, q, 1, RING_BASE, RING_BASE + 16,
				   RING_BASE + 32) == 0,
			"virtio-mmio: queue %u: QueueNum 1 must be accepted",
			q);
		REQUIRE(f,
			cvmm_vqm_layout_at(cvmm_mem_gpa_from(RING_BASE), max,
					   true, &l, &bytes) == 0,
			"suite: layout");
		if (bytes > RING_END - RING_BASE)
			continue;
		negotiate(f, offered(f));
		REQUIRE(f,
			try_layout(f, q, max, l.desc.raw, l.avail.raw,
				   l.used.raw) == 0,
			"virtio-mmio: queue %u: QueueNum = QueueNumMax (%u) "
			"must be accepted",
			q, max);
	}
}

static void queue_ready_validates_layout(void **state)
{
	struct fx *f = *state;
	const uint64_t hi = UINT64_MAX - 0xfffu;

	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		const uint64_t b = RING_BASE + (uint64_t)QUEUE_STRIDE * q;
		struct cvmm_vqm_layout l;
		struct {
			uint64_t desc, avail, used;
			const char *what;
		} bad[7];
		unsigned n = 0;

		REQUIRE(f,
			cvmm_vqm_layout_at(cvmm_mem_gpa_from(b), qsize(f, q),
					   true, &l, NULL) == 0,
			"suite: layout");
		bad[n].desc = l.desc.raw + 8;
		bad[n].avail = l.avail.raw;
		bad[n].used = l.used.raw;
		bad[n++].what = "a descriptor table not 16-byte aligned";
		bad[n].desc = l.desc.raw;
		bad[n].avail = l.avail.raw + 1;
		bad[n].used = l.used.raw;
		bad[n++].what = "an avail ring not 2-byte aligned";
		bad[n].desc = l.desc.raw;
		bad[n].avail = l.avail.raw;
		bad[n].used = l.used.raw + 2;
		bad[n++].what = "a used ring not 4-byte aligned";
		bad[n].desc = HOLE_BASE;
		bad[n].avail = l.avail.raw;
		bad[n].used = l.used.raw;
		bad[n++].what = "a descriptor table outside guest memory";
		bad[n].desc = l.desc.raw;
		bad[n].avail = l.avail.raw;
		bad[n].used = RO_BASE;
		bad[n++].what = "a used ring in read-only memory";
		bad[n].desc = hi;
		bad[n].avail = l.avail.raw;
		bad[n].used = l.used.raw;
		bad[n++].what = "a descriptor table that wraps past 2^64";
		bad[n].desc = l.desc.raw;
		bad[n].avail = IND_END - 2;
		bad[n].used = l.used.raw;
		bad[n++].what = "an avail ring running off guest memory";
		for (unsigned i = 0; i < n; i++) {
			negotiate(f, offered(f));
			expect_refused(f, q,
				       try_layout(f, q, l.size, bad[i].desc,
						  bad[i].avail, bad[i].used),
				       bad[i].what);
		}
		/* QueueReady before FEATURES_OK: the layout depends on the
		 * features. */
		reset(f);
		wr(f, R(STATUS), S_ACK);
		wr(f, R(STATUS), S_ACK | S_DRV);
		REQUIRE(f,
			try_layout(f, q, l.size, l.desc.raw, l.avail.raw,
				   l.used.raw) != 0 &&
			    rd(f, R(QUEUE_READY)) == 0,
			"Device Initialization: queue %u: QueueReady before "
			"FEATURES_OK must not make the queue ready",
			q);
	}
}

static void queue_registers_frozen_while_ready(void **state)
{
	struct fx *f = *state;
	const uint64_t regs[] = {R(QUEUE_NUM),	       R(QUEUE_DESC_LOW),
				 R(QUEUE_DESC_HIGH),   R(QUEUE_DRIVER_LOW),
				 R(QUEUE_DRIVER_HIGH), R(QUEUE_DEVICE_LOW),
				 R(QUEUE_DEVICE_HIGH)};

	negotiate(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		setup_queue(f, q);
		for (size_t r = 0; r < sizeof(regs) / sizeof(regs[0]); r++) {
			int rc = wr_rc(f, regs[r], 0x2000u);

			REQUIRE(f, rc != 0,
				"virtio-mmio: queue %u is ready: register "
				"0x%03llx must not change",
				q, (unsigned long long)regs[r]);
		}
		REQUIRE(f, wr_rc(f, R(QUEUE_READY), 1) != 0,
			"virtio-mmio: queue %u: QueueReady 1 on a ready queue "
			"must be refused",
			q);
		REQUIRE(f,
			cvmm_vq_size(cvmm_vdev_mmio_queue(f->t, q)) ==
			    qsize(f, q),
			"virtio-mmio: queue %u must keep its layout while "
			"ready",
			q);
	}
	driver_ok(f);
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		wr(f, R(QUEUE_SEL), q);
		REQUIRE(f, wr_rc(f, R(QUEUE_READY), 0) != 0,
			"virtio-mmio: queue %u: QueueReady must not change "
			"after DRIVER_OK",
			q);
		REQUIRE(f, wr_rc(f, R(QUEUE_NUM), 1) != 0,
			"virtio-mmio: queue %u: QueueNum must not change "
			"after DRIVER_OK",
			q);
	}
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		(void)request_round(f, q, false);
}

static void queue_reset_clears_state(void **state)
{
	struct fx *f = *state;

	/* Move each queue's indices, disable it, enable it again: it starts
	 * from index 0 as the driver's fresh rings do. */
	negotiate(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		setup_queue(f, q);
	driver_ok(f);
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		(void)request_round(f, q, false);
	reset(f);
	negotiate(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		setup_queue(f, q);
		wr(f, R(QUEUE_READY), 0);
		REQUIRE(f, rd(f, R(QUEUE_READY)) == 0,
			"virtio-mmio: queue %u: QueueReady 0 must make the "
			"queue not ready",
			q);
		setup_queue(f, q);
	}
	driver_ok(f);
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		(void)request_round(f, q, false);
}

/* ---- config space ---- */

static int cfg_read(struct fx *f, uint32_t off, uint32_t len, uint8_t *out)
{
	return cvmm_vdev_mmio_read(f->t, R(CONFIG) + (uint64_t)off, out, len);
}

static void config_reads_consistent(void **state)
{
	struct fx *f = *state;
	const uint32_t size = f->info.config_size;
	uint32_t gen = rd(f, R(CONFIG_GENERATION));

	/* Before FEATURES_OK (status 0) and after DRIVER_OK. */
	for (int round = 0; round < 2; round++) {
		if (round == 1)
			bring_up(f, offered(f));
		for (uint32_t off = 0; off < size; off++) {
			for (uint32_t len = 1; len <= 4; len *= 2) {
				uint8_t a[4], b[4], one[4];
				int rc;

				if (off % len != 0 || len > size - off)
					continue;
				rc = cfg_read(f, off, len, a);
				REQUIRE(f, rc == 0,
					"Device Configuration Space: a %u-byte "
					"read at %u inside config space must "
					"succeed (%d)",
					len, off, rc);
				REQUIRE(f,
					cfg_read(f, off, len, b) == 0 &&
					    memcmp(a, b, len) == 0,
					"Device Configuration Space: two reads "
					"of %u bytes at %u must agree",
					len, off);
				for (uint32_t i = 0; i < len; i++) {
					REQUIRE(f,
						cfg_read(f, off + i, 1,
							 one + i) == 0,
						"Device Configuration Space: "
						"byte %u must be readable",
						off + i);
				}
				REQUIRE(f, memcmp(a, one, len) == 0,
					"Device Configuration Space: a %u-byte "
					"read at %u must equal its bytes read "
					"one by one (little-endian)",
					len, off);
			}
		}
	}
	REQUIRE(f, rd(f, R(CONFIG_GENERATION)) == gen,
		"virtio-mmio: ConfigGeneration must not change while the "
		"configuration does not (%u then %u)",
		gen, rd(f, R(CONFIG_GENERATION)));
}

static void config_outside_refused(void **state)
{
	struct fx *f = *state;
	const uint32_t size = f->info.config_size;
	const uint32_t lens[] = {1, 2, 3, 4, 8};
	uint8_t before[CVMM_VDEV_CONFIG_MAX];
	uint8_t after[CVMM_VDEV_CONFIG_MAX];

	for (uint32_t i = 0; i < size; i++)
		REQUIRE(f, cfg_read(f, i, 1, before + i) == 0,
			"Device Configuration Space: byte %u readable", i);
	for (uint64_t off = 0; off < CVMM_VDEV_CONFIG_MAX + 16; off++) {
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			uint32_t len = lens[k];
			uint8_t d[8];
			uint8_t w[8] = {0x5a, 0x5a, 0x5a, 0x5a,
					0x5a, 0x5a, 0x5a, 0x5a};
			bool inside = (len == 1 || len == 2 || len == 4) &&
				      off % len == 0 && off < size &&
				      len <= size - off;
			int rc;

			if (inside)
				continue;
			/* Inside, only misaligned and odd sizes: the rest
			 * is far past the end; sample it. */
			if (off > size + 16 && off % 64 != 0 &&
			    off < CVMM_VDEV_CONFIG_MAX - 8)
				continue;
			rc = cvmm_vdev_mmio_read(f->t, R(CONFIG) + off, d, len);
			REQUIRE(f, rc != 0,
				"virtio-mmio: a %u-byte config read at %llu "
				"(config_size %u) must be refused",
				len, (unsigned long long)off, size);
			for (uint32_t i = 0; i < len; i++)
				REQUIRE(f, d[i] == 0,
					"virtio-mmio: a refused config read "
					"must give zeros");
			rc =
			    cvmm_vdev_mmio_write(f->t, R(CONFIG) + off, w, len);
			REQUIRE(f, rc != 0,
				"virtio-mmio: a %u-byte config write at %llu "
				"(config_size %u) must be refused",
				len, (unsigned long long)off, size);
		}
	}
	for (uint32_t i = 0; i < size; i++)
		REQUIRE(f, cfg_read(f, i, 1, after + i) == 0,
			"Device Configuration Space: byte %u readable", i);
	REQUIRE(f, size == 0 || memcmp(before, after, size) == 0,
		"virtio-mmio: refused config accesses must change nothing");
	REQUIRE(f, status(f) == 0,
		"virtio-mmio: refused config accesses must not change the "
		"status");
}

static void config_generation_stable(void **state)
{
	struct fx *f = *state;
	uint32_t g0 = rd(f, R(CONFIG_GENERATION));

	for (int i = 0; i < 4; i++) {
		uint8_t b[4];

		for (uint32_t off = 0; off < f->info.config_size; off++)
			(void)cfg_read(f, off, 1, b);
		REQUIRE(f, rd(f, R(CONFIG_GENERATION)) == g0,
			"virtio-mmio: ConfigGeneration must be stable across "
			"reads without changes");
	}
	negotiate(f, offered(f));
	REQUIRE(f, rd(f, R(CONFIG_GENERATION)) == g0,
		"virtio-mmio: feature negotiation must not change "
		"ConfigGeneration");
}

/* Every register offset and size: a read never crashes, and a refused one
 * gives zeros (the guest owns the offset and the size). */
static void registers_total(void **state)
{
	struct fx *f = *state;
	const uint32_t lens[] = {1, 2, 3, 4, 8};

	for (uint64_t off = 0; off < R(CONFIG); off++) {
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			uint8_t d[8];
			int rc = cvmm_vdev_mmio_read(f->t, off, d, lens[k]);

			for (uint32_t i = 0; rc != 0 && i < lens[k]; i++)
				REQUIRE(
				    f, d[i] == 0,
				    "virtio-mmio: a refused %u-byte read at "
				    "0x%03llx must give zeros",
				    lens[k], (unsigned long long)off);
			REQUIRE(f, rc != 0 || (lens[k] == 4 && off % 4 == 0),
				"virtio-mmio: registers take only aligned "
				"4-byte accesses (%u bytes at 0x%03llx)",
				lens[k], (unsigned long long)off);
		}
	}
	REQUIRE(f, status(f) == 0, "virtio-mmio: reads must not change state");
}

/* Any value the guest writes to any register, before the handshake and
 * after DRIVER_OK, leaves the device working after a reset: wrong sizes
 * are refused, and every value is checked where it is used. */
static void registers_total_writes(void **state)
{
	struct fx *f = *state;
	const uint32_t values[] = {0xffffffffu, 0x80000000u, 0x10001u, 1u};
	const uint32_t lens[] = {1, 2, 3, 8};

	for (int round = 0; round < 2; round++) {
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]);
		     v++) {
			reset(f);
			if (round == 1)
				bring_up(f, offered(f));
			for (uint64_t off = 0; off < R(CONFIG); off += 4) {
				uint8_t d[8];

				(void)wr_rc(f, off, values[v]);
				memset(d, 0xff, sizeof(d));
				for (size_t k = 0;
				     k < sizeof(lens) / sizeof(lens[0]); k++)
					REQUIRE(
					    f,
					    cvmm_vdev_mmio_write(f->t, off + 1,
								 d, lens[k]) !=
						    0 &&
						cvmm_vdev_mmio_write(
						    f->t, off, d, lens[k]) != 0,
					    "virtio-mmio: registers take only "
					    "aligned 4-byte writes (%u bytes "
					    "at 0x%03llx)",
					    lens[k], (unsigned long long)off);
			}
			REQUIRE(f,
				rd(f, R(MAGIC_VALUE)) == CVMM_VDEV_MMIO_MAGIC,
				"virtio-mmio: the device must keep answering "
				"after arbitrary register writes");
		}
	}
	reset(f);
	REQUIRE(f, isr(f) == 0 && cvmm_vdev_mmio_features(f->t) == 0,
		"Device Reset: a reset after arbitrary writes must clear "
		"everything");
	bring_up(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		(void)request_round(f, q, false);
}

/* ---- used ring ---- */

static void used_one_entry_per_request(void **state)
{
	struct fx *f = *state;
	bool indirect = (offered(f) & CVMM_VDEV_F_INDIRECT_DESC) != 0;
	unsigned tested = 0;

	if (!any_request(f))
		skip_no_request(f);
	bring_up(f, offered(f));
	/* Twice around each ring, so the indices wrap past the ring size;
	 * alternating direct and indirect chains when offered. */
	for (uint32_t round = 0; round < 2 * QSIZE + 1; round++)
		for (uint32_t q = 0; q < f->info.num_queues; q++)
			tested += request_round(f, q, indirect && round % 2);
	REQUIRE(f, tested > 0, "suite: no request made");
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		REQUIRE(f, !cvmm_vq_is_broken(cvmm_vdev_mmio_queue(f->t, q)),
			"queue %u: valid requests must not break it", q);
}

/* InterruptACK clears the bits written, and clearing the last one lowers
 * the interrupt line. */
static void interrupt_ack_clears_status(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_conf_request req;
	uint16_t head = 0;
	bool tested = false;

	if (!any_request(f))
		skip_no_request(f);
	bring_up(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues && !tested; q++) {
		int lowers;

		if (add_request(f, q, false, &req, &head) != 0)
			continue;
		tested = true;
		REQUIRE(f, kick(f, q) == 0, "queue %u: request", q);
		REQUIRE(f, (isr(f) & R(INT_VRING)) != 0,
			"Used Buffer Notification: queue %u: InterruptStatus "
			"bit 0 after a used buffer",
			q);
		lowers = f->lowers;
		wr(f, R(INTERRUPT_ACK), R(INT_CONFIG));
		REQUIRE(f, (isr(f) & R(INT_VRING)) != 0,
			"virtio-mmio: InterruptACK clears only the bits "
			"written");
		wr(f, R(INTERRUPT_ACK), R(INT_VRING));
		REQUIRE(f, isr(f) == 0 && f->lowers > lowers,
			"virtio-mmio: acknowledging the last interrupt bit "
			"must clear InterruptStatus (0x%x) and lower the line",
			isr(f));
	}
}

/* Negotiate features, make every queue ready and set DRIVER_OK; false if
 * the device refuses the set (which it may). */
static bool bring_up_with(struct fx *f, uint64_t features)
{
	if (negotiate_rc(f, features) != 0)
		return false;
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		setup_queue(f, q);
	driver_ok(f);
	return true;
}

/* A driver that suppresses used buffer notifications (avail flags
 * NO_INTERRUPT, or used_event past the next entry with EVENT_IDX) still
 * gets its buffers, without an interrupt. The device has to leave the
 * decision to its transport (host queue_used), not raise one itself. */
static void used_notification_suppression(void **state)
{
	struct fx *f = *state;
	const uint64_t ev = CVMM_VDEV_F_EVENT_IDX;
	unsigned tested = 0;

	if (!any_request(f))
		skip_no_request(f);
	for (int with_ev = 0; with_ev < 2; with_ev++) {
		if (with_ev && (offered(f) & ev) == 0)
			continue;
		for (uint32_t q = 0; q < f->info.num_queues; q++) {
			struct cvmm_vdev_conf_request req;
			uint16_t head = 0, id = 0;
			uint32_t len = 0;
			uint64_t used = 0;
			int rc;

			reset(f);
			if (!bring_up_with(f, with_ev ? offered(f)
						      : offered(f) & ~ev))
				break;
			/* The first entry after the queue starts may always
			 * interrupt (the device has no earlier decision to
			 * compare with, as in Linux's vhost): go past it. */
			if (with_ev && !request_round(f, q, false))
				continue;
			if (add_request(f, q, false, &req, &head) != 0)
				continue;
			if (with_ev) {
				rc = cvmm_vqm_peek(f->m[q], CVMM_VQM_USED_IDX,
						   0, &used);
				if (rc == 0)
					rc = cvmm_vqm_poke(f->m[q],
							   CVMM_VQM_USED_EVENT,
							   0, used + 5u);
			} else {
				rc = cvmm_vqm_poke(f->m[q],
						   CVMM_VQM_AVAIL_FLAGS, 0,
						   CVMM_VQM_AVAIL_NO_INTERRUPT);
			}
			REQUIRE(f, rc == 0, "suite: poke (%d)", rc);
			tested++;
			REQUIRE(f, kick(f, q) == 0, "queue %u: request", q);
			rc = cvmm_vqm_get_used(f->m[q], &id, &len);
			REQUIRE(f, rc == 0 && id == head,
				"The Virtqueue Used Ring: queue %u: a request "
				"must be answered with notifications "
				"suppressed (%d)",
				q, rc);
			REQUIRE(f, (isr(f) & R(INT_VRING)) == 0,
				"%s: queue %u: the driver suppressed used "
				"buffer notifications; the device SHOULD NOT "
				"send one (InterruptStatus 0x%x)",
				with_ev ? "Used Buffer Notification "
					  "Suppression (used_event)"
					: "Used Buffer Notification "
					  "Suppression (NO_INTERRUPT)",
				q, isr(f));
		}
	}
	if (tested == 0) {
		print_message("%s: no feature set to test suppression with\n",
			      f->reg->name);
		skip();
	}
}

enum hostile {
	H_HEAD_RANGE,
	H_AVAIL_JUMP,
	H_NEXT_RANGE,
	H_LOOP,
	H_HOLE,
	H_WRAP,
	H_READ_ONLY,
	H_INDIRECT_LEN,
	H_INDIRECT_NEXT_RANGE,
	H_INDIRECT_NESTED,
	H_INDIRECT_WITH_NEXT,
};

static const char *const hostile_name[] = {
    "a head out of range",
    "an avail index moved more than the queue size",
    "a next index out of range",
    "a descriptor loop",
    "a buffer outside guest memory",
    "a buffer whose address wraps past 2^64",
    "a device-writable buffer in read-only memory",
    "an indirect table length not a multiple of 16",
    "a next index past the end of an indirect table",
    "an indirect descriptor inside an indirect table",
    "an indirect descriptor with the NEXT flag",
};

static bool hostile_indirect(enum hostile h)
{
	return h >= H_INDIRECT_LEN;
}

/* The index of the chain's last descriptor (the device reaches it only by
 * walking the whole chain). */
static uint16_t last_desc(struct fx *f, uint32_t q, uint16_t head)
{
	const struct cvmm_vqm_layout *l = cvmm_vqm_get_layout(f->m[q]);
	uint16_t i = head;

	for (uint32_t n = 0; n < l->size; n++) {
		struct cvmm_vqm_desc d;

		REQUIRE(f, cvmm_vqm_read_desc(&f->mem, l->desc, i, &d) == 0,
			"suite: read desc");
		if ((d.flags & CVMM_VQM_DESC_NEXT) == 0)
			break;
		i = d.next;
	}
	return i;
}

/* Corrupt the request just added on q; false if this kind does not apply
 * to it. */
static bool corrupt(struct fx *f, uint32_t q, uint16_t head,
		    const struct cvmm_vdev_conf_request *req, enum hostile h)
{
	struct cvmm_vqm *m = f->m[q];
	uint16_t last = last_desc(f, q, head);
	uint64_t flags = 0;
	int rc = 0;

	(void)cvmm_vqm_peek(m, CVMM_VQM_DESC_FLAGS, last, &flags);
	switch (h) {
	case H_HEAD_RANGE:
		rc = cvmm_vqm_poke(m, CVMM_VQM_AVAIL_RING,
				   (uint16_t)(cvmm_vqm_avail_idx(m) - 1u) &
				       (qsize(f, q) - 1u),
				   qsize(f, q) + head);
		break;
	case H_AVAIL_JUMP:
		rc = cvmm_vqm_poke(
		    m, CVMM_VQM_AVAIL_IDX, 0,
		    (uint16_t)(cvmm_vqm_avail_idx(m) + qsize(f, q) + 1u));
		break;
	case H_NEXT_RANGE:
		rc =
		    cvmm_vqm_poke(m, CVMM_VQM_DESC_NEXT_IDX, last, qsize(f, q));
		if (rc == 0)
			rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_FLAGS, last,
					   flags | CVMM_VQM_DESC_NEXT);
		break;
	case H_LOOP:
		rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_NEXT_IDX, last, head);
		if (rc == 0)
			rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_FLAGS, last,
					   flags | CVMM_VQM_DESC_NEXT);
		break;
	case H_HOLE:
		rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_ADDR, last, HOLE_BASE);
		if (rc == 0)
			rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_LEN, last, 16);
		break;
	case H_WRAP:
		rc =
		    cvmm_vqm_poke(m, CVMM_VQM_DESC_ADDR, last, UINT64_MAX - 7u);
		if (rc == 0)
			rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_LEN, last, 16);
		break;
	case H_READ_ONLY:
		if (!req->bufs[req->nbufs - 1].writable)
			return false;
		rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_ADDR, last, RO_BASE);
		if (rc == 0)
			rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_LEN, last, 16);
		break;
	case H_INDIRECT_LEN:
		/* head is the indirect descriptor itself. */
		rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_LEN, head,
				   16u * req->nbufs - 1u);
		break;
	case H_INDIRECT_NEXT_RANGE:
	case H_INDIRECT_NESTED: {
		/* The table's last entry (the model writes it at IND_BASE). */
		cvmm_mem_gpa table = cvmm_mem_gpa_from(IND_BASE);
		struct cvmm_vqm_desc d;

		rc = cvmm_vqm_read_desc(&f->mem, table, req->nbufs - 1u, &d);
		if (h == H_INDIRECT_NEXT_RANGE) {
			d.flags = (uint16_t)(d.flags | CVMM_VQM_DESC_NEXT);
			d.next = (uint16_t)req->nbufs;
		} else {
			d.flags = (uint16_t)(d.flags | CVMM_VQM_DESC_INDIRECT);
		}
		if (rc == 0)
			rc = cvmm_vqm_write_desc(&f->mem, table,
						 req->nbufs - 1u, &d);
		break;
	}
	case H_INDIRECT_WITH_NEXT:
		rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_FLAGS, head,
				   flags | CVMM_VQM_DESC_NEXT);
		if (rc == 0)
			rc = cvmm_vqm_poke(m, CVMM_VQM_DESC_NEXT_IDX, head,
					   (head + 1u) & (qsize(f, q) - 1u));
		break;
	}
	REQUIRE(f, rc == 0, "suite: poke (%d)", rc);
	return true;
}

/* After a violation on q: the queue broke, the device needs a reset and
 * said so, it answers register accesses, and a reset brings it back. */
static void expect_broken_then_recover(struct fx *f, uint32_t q,
				       const char *what)
{
	struct cvmm_vq *vq = cvmm_vdev_mmio_queue(f->t, q);
	uint32_t s;
	int rc;

	REQUIRE(f, cvmm_vq_is_broken(vq),
		"queue %u, %s: the device must take the chain and hit the "
		"violation (the queue is not broken)",
		q, what);
	s = status(f);
	REQUIRE(f, (s & S_NR) != 0,
		"Device Status Field: queue %u, %s: the device must set "
		"DEVICE_NEEDS_RESET (status 0x%x)",
		q, what, s);
	REQUIRE(f, (isr(f) & R(INT_CONFIG)) != 0,
		"Device Status Field: queue %u, %s: DEVICE_NEEDS_RESET after "
		"DRIVER_OK needs a configuration change notification",
		q, what);
	for (uint32_t i = 0; i < f->info.num_queues; i++) {
		struct cvmm_vq *v = cvmm_vdev_mmio_queue(f->t, i);

		REQUIRE(f, cvmm_vq_is_broken(v) || cvmm_vq_inflight(v) == 0,
			"The Virtqueue Used Ring: queue %u, %s: every chain "
			"taken from a working queue (%u) must be returned (%u "
			"in flight)",
			q, what, i, cvmm_vq_inflight(v));
	}
	REQUIRE(f,
		rd(f, R(MAGIC_VALUE)) == CVMM_VDEV_MMIO_MAGIC &&
		    rd(f, R(DEVICE_ID)) == f->info.device_id,
		"queue %u, %s: the device must keep answering register reads",
		q, what);
	rc = wr_rc(f, R(QUEUE_NOTIFY), q);
	REQUIRE(f, rc != 0,
		"Device Status Field: queue %u, %s: no notification is taken "
		"until the driver resets the device",
		q, what);
	reset(f);
	REQUIRE(f,
		isr(f) == 0 && !cvmm_vq_is_broken(vq) &&
		    cvmm_vq_inflight(vq) == 0,
		"Device Reset: queue %u, %s: a reset must clear the broken "
		"queue and the interrupt",
		q, what);
	bring_up(f, offered(f));
	REQUIRE(f, request_round(f, q, false), "queue %u: request after reset",
		q);
}

static void hostile_run(struct fx *f, enum hostile h)
{
	unsigned tested = 0;

	if (!any_request(f))
		skip_no_request(f);
	if (hostile_indirect(h) &&
	    (offered(f) & CVMM_VDEV_F_INDIRECT_DESC) == 0) {
		print_message("%s: VIRTIO_F_INDIRECT_DESC not offered\n",
			      f->reg->name);
		skip();
	}
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		struct cvmm_vdev_conf_request req;
		uint16_t head = 0;

		reset(f);
		bring_up(f, offered(f));
		if (add_request(f, q, hostile_indirect(h), &req, &head) != 0)
			continue;
		if (!corrupt(f, q, head, &req, h))
			continue;
		tested++;
		(void)kick(f, q);
		expect_broken_then_recover(f, q, hostile_name[h]);
	}
	if (tested == 0) {
		print_message("%s: no request this check applies to\n",
			      f->reg->name);
		skip();
	}
}

static void hostile_head_out_of_range(void **state)
{
	hostile_run(*state, H_HEAD_RANGE);
}

static void hostile_avail_index_jump(void **state)
{
	hostile_run(*state, H_AVAIL_JUMP);
}

static void hostile_next_out_of_range(void **state)
{
	hostile_run(*state, H_NEXT_RANGE);
}

static void hostile_descriptor_loop(void **state)
{
	hostile_run(*state, H_LOOP);
}

static void hostile_buffer_outside_memory(void **state)
{
	hostile_run(*state, H_HOLE);
}

static void hostile_buffer_address_wraps(void **state)
{
	hostile_run(*state, H_WRAP);
}

static void hostile_writable_buffer_read_only(void **state)
{
	hostile_run(*state, H_READ_ONLY);
}

static void hostile_indirect_table_length(void **state)
{
	hostile_run(*state, H_INDIRECT_LEN);
}

static void hostile_indirect_next_out_of_range(void **state)
{
	hostile_run(*state, H_INDIRECT_NEXT_RANGE);
}

static void hostile_indirect_nested(void **state)
{
	hostile_run(*state, H_INDIRECT_NESTED);
}

static void hostile_indirect_with_next(void **state)
{
	hostile_run(*state, H_INDIRECT_WITH_NEXT);
}

/* Fail the Nth guest-memory access while the device answers, for every N
 * until it answers without failure: every chain taken from a queue that
 * still works is returned, a failure the device reports makes it need a
 * reset, and a reset always brings it back. */
static void memory_failures_fail_closed(void **state)
{
	struct fx *f = *state;

	if (!any_request(f))
		skip_no_request(f);
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		bool done = false;

		for (uint64_t nth = 1; nth <= MAX_INJECT && !done; nth++) {
			struct cvmm_vdev_conf_request req;
			uint16_t head = 0;
			bool fired;
			int rc;

			reset(f);
			bring_up(f, offered(f));
			if (add_request(f, q, false, &req, &head) != 0)
				break;
			REQUIRE(f,
				cvmm_mem_test_fail_nth(f->tm, nth, INJECTED) ==
				    0,
				"suite: fail_nth");
			rc = kick(f, q);
			fired = cvmm_mem_test_failure_fired(f->tm);
			/* Disarm (in case the request took fewer accesses). */
			REQUIRE(f,
				cvmm_mem_test_fail_nth(f->tm, 0, INJECTED) == 0,
				"suite: disarm");
			if (!fired) {
				REQUIRE(f, rc == 0,
					"queue %u: a request without failure "
					"must be taken (%d)",
					q, rc);
				(void)check_answer(
				    f, q, &req,
				    expect_answer(f, q, &req, head));
				done = true;
				continue;
			}
			for (uint32_t i = 0; i < f->info.num_queues; i++) {
				struct cvmm_vq *v =
				    cvmm_vdev_mmio_queue(f->t, i);

				REQUIRE(
				    f,
				    cvmm_vq_is_broken(v) ||
					cvmm_vq_inflight(v) == 0,
				    "The Virtqueue Used Ring: queue %u, "
				    "memory access %llu failed: every chain "
				    "taken from working queue %u must be "
				    "returned (%u in flight)",
				    q, (unsigned long long)nth, i,
				    cvmm_vq_inflight(v));
			}
			REQUIRE(f, rc == 0 || (status(f) & S_NR) != 0,
				"Device Status Field: queue %u, memory access "
				"%llu failed (%d): a device that cannot go on "
				"must set DEVICE_NEEDS_RESET",
				q, (unsigned long long)nth, rc);
			REQUIRE(
			    f,
			    !cvmm_vq_is_broken(cvmm_vdev_mmio_queue(f->t, q)) ||
				(status(f) & S_NR) != 0,
			    "Device Status Field: queue %u broke on memory "
			    "access %llu: DEVICE_NEEDS_RESET must be set",
			    q, (unsigned long long)nth);
		}
		REQUIRE(f, done || f->reg->request == NULL,
			"queue %u: still failing after %u injected failures", q,
			MAX_INJECT);
	}
	reset(f);
}

/* ---- save and restore ---- */

/* Two saved states are the same, field by field (the structs have
 * padding, which a byte comparison would read). QueueSel is the driver's
 * scratch and not compared. */
static bool same_queue_state(const struct cvmm_vdev_mmio_queue_state *a,
			     const struct cvmm_vdev_mmio_queue_state *b)
{
	const struct cvmm_vq_state *x = &a->vq;
	const struct cvmm_vq_state *y = &b->vq;

	return a->num == b->num && a->desc == b->desc &&
	       a->driver == b->driver && a->device == b->device &&
	       x->ready == y->ready && x->layout.size == y->layout.size &&
	       x->layout.desc.raw == y->layout.desc.raw &&
	       x->layout.avail.raw == y->layout.avail.raw &&
	       x->layout.used.raw == y->layout.used.raw &&
	       x->layout.features == y->layout.features &&
	       x->next_avail == y->next_avail && x->next_used == y->next_used &&
	       x->signalled_used == y->signalled_used &&
	       x->signalled_used_valid == y->signalled_used_valid;
}

static bool same_state(const struct cvmm_vdev_mmio_state *a,
		       const struct cvmm_vdev_mmio_state *b)
{
	if (a->status != b->status ||
	    a->device_features_sel != b->device_features_sel ||
	    a->driver_features_sel != b->driver_features_sel ||
	    a->driver_features != b->driver_features ||
	    a->driver_features_extra != b->driver_features_extra ||
	    a->shm_sel != b->shm_sel ||
	    a->interrupt_status != b->interrupt_status ||
	    a->config_generation != b->config_generation ||
	    a->num_queues != b->num_queues || a->device_len != b->device_len ||
	    a->num_queues > CVMM_VDEV_MAX_QUEUES ||
	    a->device_len > CVMM_VDEV_STATE_MAX ||
	    memcmp(a->device, b->device, a->device_len) != 0)
		return false;
	for (uint32_t i = 0; i < a->num_queues; i++)
		if (!same_queue_state(&a->queues[i], &b->queues[i]))
			return false;
	return true;
}

/* A queue the driver did not make ready is not touched: its rings hold a
 * request, the driver notifies it anyway, and the device reads nothing of
 * it (virtio-mmio: "The device MUST NOT access virtual queue contents when
 * QueueReady is zero"). The other queues work. */
static void queue_not_ready_untouched(void **state)
{
	struct fx *f = *state;
	unsigned tested = 0;

	if (!any_request(f))
		skip_no_request(f);
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		struct cvmm_vdev_conf_request req;
		const struct cvmm_vqm_layout *l;
		uint16_t head = 0;
		uint64_t ring_end;
		int rc;

		negotiate(f, offered(f));
		for (uint32_t i = 0; i < f->info.num_queues; i++)
			if (i != q)
				setup_queue(f, i);
		/* q's rings and registers, all but QueueReady. */
		setup_queue(f, q);
		wr(f, R(QUEUE_SEL), q);
		wr(f, R(QUEUE_READY), 0);
		driver_ok(f);
		if (add_request(f, q, false, &req, &head) != 0) {
			reset(f);
			continue;
		}
		tested++;
		f->watch_all = true;
		watch(f, true);
		rc = kick(f, q);
		watch(f, false);
		f->watch_all = false;
		REQUIRE(f, rc != 0,
			"virtio-mmio: a notification for queue %u, which is "
			"not ready, must be refused",
			q);
		l = cvmm_vqm_get_layout(f->m[q]);
		ring_end = RING_BASE + (uint64_t)QUEUE_STRIDE * (q + 1);
		for (uint64_t i = f->lo; i < f->hi; i++) {
			uint64_t gpa = RING_BASE + i;
			bool bad = gpa >= l->desc.raw && gpa < ring_end;

			for (uint32_t b = 0; !bad && b < req.nbufs; b++)
				bad = gpa >= req.bufs[b].addr &&
				      gpa - req.bufs[b].addr < req.bufs[b].len;
			REQUIRE(f, f->written[i] == 0 || !bad,
				"virtio-mmio device requirements: queue %u is "
				"not ready: the device must not access its "
				"rings or buffers (it accessed 0x%llx)",
				q, (unsigned long long)gpa);
		}
		REQUIRE(f, (status(f) & S_NR) == 0,
			"virtio-mmio: a notification for a queue that is not "
			"ready must not break the device (status 0x%x)",
			status(f));
		for (uint32_t i = 0; i < f->info.num_queues; i++)
			if (i != q)
				(void)request_round(f, i, false);
		reset(f);
	}
	if (tested == 0)
		skip_no_request(f);
}

/* Save at every stage of the driver's bring-up, restore into a fresh
 * device, and finish the bring-up there: the restored device goes on as
 * the saved one would have. */
static void save_restore_every_stage(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio_state *s = calloc(1, sizeof(*s));

	REQUIRE(f, s != NULL, "suite: out of memory");
	for (int stage = 0; stage < 4; stage++) {
		struct cvmm_vdev_mmio *t2 = NULL;
		struct cvmm_vdev dev2;
		void *inst2 = NULL;
		uint32_t half = (f->info.num_queues + 1) / 2;
		int rc;

		reset(f);
		if (stage >= 1) {
			wr(f, R(STATUS), S_ACK);
			wr(f, R(STATUS), S_ACK | S_DRV);
			write_features(f, offered(f));
		}
		if (stage >= 2) {
			wr(f, R(STATUS), S_ACK | S_DRV | S_FOK);
			for (uint32_t q = 0; q < half; q++)
				setup_queue(f, q);
		}
		if (stage >= 3) {
			for (uint32_t q = half; q < f->info.num_queues; q++)
				setup_queue(f, q);
			driver_ok(f);
		}
		rc = cvmm_vdev_mmio_save(f->t, s);
		if (rc == -EOPNOTSUPP) {
			free(s);
			print_message("%s: the device does not save its "
				      "state\n",
				      f->reg->name);
			skip();
		}
		REQUIRE(f, rc == 0, "save: stage %d must save (%d)", stage, rc);
		REQUIRE(f, open_device(f, &inst2, &dev2, &t2) == 0,
			"save: a second instance");
		cvmm_vdev_mmio_destroy(f->t);
		f->reg->destroy(f->inst);
		f->t = t2;
		f->inst = inst2;
		f->dev = dev2;
		rc = cvmm_vdev_mmio_restore(f->t, s);
		REQUIRE(f, rc == 0,
			"restore: the state saved at stage %d must restore "
			"(%d)",
			stage, rc);
		/* Finish what the saved driver had not done yet. */
		if (stage < 1) {
			wr(f, R(STATUS), S_ACK);
			wr(f, R(STATUS), S_ACK | S_DRV);
			write_features(f, offered(f));
		}
		if (stage < 2) {
			rc = wr_rc(f, R(STATUS), S_ACK | S_DRV | S_FOK);
			REQUIRE(f, rc == 0,
				"restore: stage %d: FEATURES_OK after restore "
				"(%d)",
				stage, rc);
			for (uint32_t q = 0; q < half; q++)
				setup_queue(f, q);
		}
		if (stage < 3) {
			for (uint32_t q = half; q < f->info.num_queues; q++)
				setup_queue(f, q);
			driver_ok(f);
		}
		for (uint32_t q = 0; q < f->info.num_queues; q++)
			(void)request_round(f, q, false);
	}
	free(s);
}

static void save_restore_round_trip(void **state)
{
	struct fx *f = *state;
	struct cvmm_vdev_mmio_state *s = calloc(1, sizeof(*s));
	struct cvmm_vdev_mmio_state *s2 = calloc(1, sizeof(*s2));
	struct cvmm_vdev_mmio *t2 = NULL;
	struct cvmm_vdev dev2;
	void *inst2 = NULL;
	uint8_t cfg1[CVMM_VDEV_CONFIG_MAX];
	uint32_t regs1[CVMM_VDEV_MAX_QUEUES];
	uint32_t st, gen;
	int rc;

	REQUIRE(f, s != NULL && s2 != NULL, "suite: out of memory");
	memset(cfg1, 0, sizeof(cfg1));
	memset(regs1, 0, sizeof(regs1));
	bring_up(f, offered(f));
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		(void)request_round(f, q, false);
	rc = cvmm_vdev_mmio_save(f->t, s);
	if (rc == -EOPNOTSUPP) {
		free(s);
		free(s2);
		print_message("%s: the device does not save its state\n",
			      f->reg->name);
		skip();
	}
	REQUIRE(f, rc == 0, "save: a quiescent device must save (%d)", rc);
	st = status(f);
	gen = rd(f, R(CONFIG_GENERATION));
	for (uint32_t i = 0; i < f->info.config_size; i++)
		REQUIRE(f, cfg_read(f, i, 1, cfg1 + i) == 0, "config read");
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		wr(f, R(QUEUE_SEL), q);
		regs1[q] = rd(f, R(QUEUE_READY));
	}
	/* A fresh device and transport on the same guest memory take over. */
	REQUIRE(f, open_device(f, &inst2, &dev2, &t2) == 0,
		"save: a second instance");
	cvmm_vdev_mmio_destroy(f->t);
	f->reg->destroy(f->inst);
	f->t = t2;
	f->inst = inst2;
	f->dev = dev2;
	rc = cvmm_vdev_mmio_restore(f->t, s);
	REQUIRE(f, rc == 0, "restore: a saved state must restore (%d)", rc);
	REQUIRE(f, status(f) == st && rd(f, R(CONFIG_GENERATION)) == gen,
		"restore: status and ConfigGeneration must be restored "
		"(status 0x%x, was 0x%x)",
		status(f), st);
	REQUIRE(f, cvmm_vdev_mmio_features(f->t) == offered(f),
		"restore: the negotiated features must be restored");
	for (uint32_t i = 0; i < f->info.config_size; i++) {
		uint8_t b;

		REQUIRE(f, cfg_read(f, i, 1, &b) == 0 && b == cfg1[i],
			"restore: config byte %u must be restored", i);
	}
	for (uint32_t q = 0; q < f->info.num_queues; q++) {
		wr(f, R(QUEUE_SEL), q);
		REQUIRE(f, rd(f, R(QUEUE_READY)) == regs1[q],
			"restore: queue %u's QueueReady must be restored", q);
	}
	wr(f, R(QUEUE_SEL), 0);
	rc = cvmm_vdev_mmio_save(f->t, s2);
	REQUIRE(f, rc == 0 && same_state(s, s2),
		"restore: saving a restored device must give the same state "
		"(%d)",
		rc);
	/* The driver goes on where it was. */
	for (uint32_t q = 0; q < f->info.num_queues; q++)
		(void)request_round(f, q, false);
	/* A state no driver could reach is refused and leaves it reset. */
	s->status = S_DRV | S_DOK;
	rc = cvmm_vdev_mmio_restore(f->t, s);
	REQUIRE(f, rc != 0 && status(f) == 0,
		"restore: an invalid state must be refused and leave the "
		"device reset (%d, status 0x%x)",
		rc, status(f));
	free(s);
	free(s2);
	drop_models(f);
	bring_up(f, offered(f));
}

/* ---- the runner ---- */

#define TEST(fn)                                                               \
	{                                                                      \
#fn, fn, setup, teardown, &run                                 \
	}

int cvmm_vdev_conformance_run(const struct cvmm_vdev_conf_device *dev,
			      uint64_t granule)
{
	struct conf_run run = {dev, granule};
	char group[160];

	if (dev == NULL || dev->name == NULL || dev->create == NULL ||
	    dev->destroy == NULL)
		return -EINVAL;
	{
		const struct CMUnitTest tests[] = {
		    TEST(identity_registers),
		    TEST(status_reset_reads_zero),
		    TEST(status_handshake_order),
		    TEST(status_version_1_required),
		    TEST(status_driver_ok_activates),
		    TEST(status_reset_clears_everything),
		    TEST(status_needs_reset_after_queue_breaks),
		    TEST(status_failed_stops_device),
		    TEST(features_device_pages),
		    TEST(features_outside_offered_refused),
		    TEST(features_subsets),
		    TEST(features_driver_features_writable_state),
		    TEST(queue_sel_out_of_range),
		    TEST(queue_num_max),
		    TEST(queue_num_validation),
		    TEST(queue_ready_validates_layout),
		    TEST(queue_registers_frozen_while_ready),
		    TEST(queue_reset_clears_state),
		    TEST(config_reads_consistent),
		    TEST(config_outside_refused),
		    TEST(config_generation_stable),
		    TEST(registers_total),
		    TEST(registers_total_writes),
		    TEST(used_one_entry_per_request),
		    TEST(interrupt_ack_clears_status),
		    TEST(used_notification_suppression),
		    TEST(hostile_head_out_of_range),
		    TEST(hostile_avail_index_jump),
		    TEST(hostile_next_out_of_range),
		    TEST(hostile_descriptor_loop),
		    TEST(hostile_buffer_outside_memory),
		    TEST(hostile_buffer_address_wraps),
		    TEST(hostile_writable_buffer_read_only),
		    TEST(hostile_indirect_table_length),
		    TEST(hostile_indirect_next_out_of_range),
		    TEST(hostile_indirect_nested),
		    TEST(hostile_indirect_with_next),
		    TEST(memory_failures_fail_closed),
		    TEST(queue_not_ready_untouched),
		    TEST(save_restore_round_trip),
		    TEST(save_restore_every_stage),
		};

		(void)snprintf(group, sizeof(group),
			       "vdev-conformance %s granule-%llu", dev->name,
			       (unsigned long long)granule);
		print_message("%s\n", group);
		return _cmocka_run_group_tests(
		    group, tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
	}
}

int cvmm_vdev_conformance_main(const struct cvmm_vdev_conf_device *dev,
			       int argc, char **argv)
{
	int failed;

	if (argc != 2 || (strcmp(argv[1], "granule-0") != 0 &&
			  strcmp(argv[1], "granule-1") != 0 &&
			  strcmp(argv[1], "faults") != 0)) {
		(void)fprintf(stderr, "usage: %s granule-0|granule-1|faults\n",
			      argc > 0 ? argv[0] : "vdev-conformance");
		return 2;
	}
	if (strcmp(argv[1], "faults") == 0)
		failed = cvmm_vdev_faults_run(dev);
	else
		failed =
		    cvmm_vdev_conformance_run(dev, argv[1][8] == '1' ? 1 : 0);
	return failed == 0 ? 0 : 1;
}
