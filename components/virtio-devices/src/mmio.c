/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport, version 2. Every guest access goes through
 * mmio_read()/mmio_write() below; the guest's 32-bit values are taken as
 * they come (each register written is one access, read once) and checked
 * where they are used.
 */
#include <cvmm/vdev-mmio.h>

#include <stdlib.h>
#include <string.h>

struct mmio_queue_regs {
	uint32_t num;
	uint64_t desc;
	uint64_t driver;
	uint64_t device;
};

struct cvmm_vdev_mmio {
	struct cvmm_mem mem;
	struct cvmm_vdev dev;
	struct cvmm_vdev_info info;
	/* The device's features plus VERSION_1. */
	uint64_t offered;
	uint32_t vendor_id;
	cvmm_vdev_irq_fn irq;
	void *irq_arg;

	/* Inside an entry point: refuse re-entry (see the header). */
	bool busy;
	/* The device's activate() succeeded and no reset since. */
	bool active;

	uint32_t status;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint64_t driver_features;
	bool driver_features_extra;
	/* Negotiated at FEATURES_OK. */
	uint64_t features;
	uint32_t queue_sel;
	uint32_t shm_sel;
	uint32_t isr;
	uint32_t generation;
	/* Queues the device left chains on (bit per queue), for the VMM to
	 * notify again: cvmm_vdev_mmio_take_pending(). */
	uint32_t pending;
	struct mmio_queue_regs regs[CVMM_VDEV_MAX_QUEUES];
	struct cvmm_vq *vqs[CVMM_VDEV_MAX_QUEUES];
	struct cvmm_vdev_activation act;
};

#define STATUS_KNOWN                                                           \
	(CVMM_VDEV_S_ACKNOWLEDGE | CVMM_VDEV_S_DRIVER |                        \
	 CVMM_VDEV_S_FEATURES_OK | CVMM_VDEV_S_DRIVER_OK |                     \
	 CVMM_VDEV_S_DEVICE_NEEDS_RESET | CVMM_VDEV_S_FAILED)

/* Transport bits the queue and this transport implement. */
#define TRANSPORT_SUPPORTED                                                    \
	(CVMM_VDEV_F_INDIRECT_DESC | CVMM_VDEV_F_EVENT_IDX |                   \
	 CVMM_VDEV_F_VERSION_1)

int cvmm_vdev_info_validate(const struct cvmm_vdev_info *info)
{
	if (info == NULL || info->device_id == 0 || info->num_queues == 0 ||
	    info->num_queues > CVMM_VDEV_MAX_QUEUES ||
	    info->config_size > CVMM_VDEV_CONFIG_MAX ||
	    (info->features & CVMM_VDEV_F_TRANSPORT_MASK &
	     ~TRANSPORT_SUPPORTED) != 0)
		return -EINVAL;
	for (uint32_t i = 0; i < info->num_queues; i++) {
		uint32_t m = info->queue_max_size[i];

		if (m == 0 || m > CVMM_VQ_MAX_SIZE || (m & (m - 1)) != 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- interrupts and the device's host ops ---- */

/* Set bits in InterruptStatus and tell the VMM. The irq callback runs with
 * the transport busy, whatever called us. */
static void raise_irq(struct cvmm_vdev_mmio *t, uint32_t bits)
{
	bool was_busy = t->busy;

	t->isr |= bits;
	if (t->irq == NULL)
		return;
	t->busy = true;
	t->irq(t->irq_arg, true, t->isr);
	t->busy = was_busy;
}

static void lower_irq(struct cvmm_vdev_mmio *t)
{
	bool was_busy = t->busy;

	if (t->irq == NULL)
		return;
	t->busy = true;
	t->irq(t->irq_arg, false, 0);
	t->busy = was_busy;
}

/* Fail closed: the device gets nothing more until the driver resets it. */
static void mark_needs_reset(struct cvmm_vdev_mmio *t)
{
	if ((t->status & CVMM_VDEV_S_DEVICE_NEEDS_RESET) != 0)
		return;
	t->status |= CVMM_VDEV_S_DEVICE_NEEDS_RESET;
	/* Only a driver past DRIVER_OK expects the interrupt (spec 2.1.2). */
	if ((t->status & CVMM_VDEV_S_DRIVER_OK) != 0)
		raise_irq(t, CVMM_VDEV_MMIO_INT_CONFIG);
}

static void host_queue_used(void *ctx, uint32_t queue)
{
	struct cvmm_vdev_mmio *t = ctx;
	bool notify = false;

	/* A queue the device does not have or the driver did not enable has
	 * no used entries to signal. */
	if (!t->active || queue >= t->info.num_queues ||
	    !cvmm_vq_is_ready(t->vqs[queue]))
		return;
	if (cvmm_vq_needs_notification(t->vqs[queue], &notify) != 0)
		mark_needs_reset(t);
	else if (notify)
		raise_irq(t, CVMM_VDEV_MMIO_INT_VRING);
}

static void host_config_changed(void *ctx)
{
	struct cvmm_vdev_mmio *t = ctx;

	if (!t->active)
		return;
	t->generation++;
	raise_irq(t, CVMM_VDEV_MMIO_INT_CONFIG);
}

static void host_needs_reset(void *ctx, int err)
{
	struct cvmm_vdev_mmio *t = ctx;

	(void)err; /* the device or its queue has reported it */
	if (t->active)
		mark_needs_reset(t);
}

static void host_queue_pending(void *ctx, uint32_t queue)
{
	struct cvmm_vdev_mmio *t = ctx;

	if (t->active && queue < t->info.num_queues)
		t->pending |= UINT32_C(1) << queue;
}

static const struct cvmm_vdev_host_ops host_ops = {
    host_queue_used,
    host_config_changed,
    host_needs_reset,
    host_queue_pending,
};

/* ---- life cycle ---- */

/* The state of a freshly created transport (device reset included). Keeps
 * ConfigGeneration: a driver compares it across reads, never across a
 * reset. */
static void reset_all(struct cvmm_vdev_mmio *t)
{
	uint32_t isr = t->isr;

	t->dev.ops->reset(t->dev.ctx);
	t->active = false;
	for (uint32_t i = 0; i < t->info.num_queues; i++)
		cvmm_vq_reset(t->vqs[i]);
	memset(t->regs, 0, sizeof(t->regs));
	t->status = 0;
	t->device_features_sel = 0;
	t->driver_features_sel = 0;
	t->driver_features = 0;
	t->driver_features_extra = false;
	t->features = 0;
	t->queue_sel = 0;
	t->shm_sel = 0;
	t->isr = 0;
	t->pending = 0;
	if (isr != 0)
		lower_irq(t);
}

int cvmm_vdev_mmio_create(const struct cvmm_mem *mem,
			  const struct cvmm_vdev_mmio_config *config,
			  struct cvmm_vdev_mmio **out)
{
	const struct cvmm_vdev_ops *ops;
	struct cvmm_vdev_info info;
	struct cvmm_vdev_mmio *t;
	int rc;

	if (mem == NULL || config == NULL || out == NULL ||
	    config->device.ops == NULL)
		return -EINVAL;
	ops = config->device.ops;
	if (ops->info == NULL || ops->ack_features == NULL ||
	    ops->config_read == NULL || ops->config_write == NULL ||
	    ops->activate == NULL || ops->notify == NULL ||
	    ops->reset == NULL || ops->save == NULL || ops->restore == NULL)
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	ops->info(config->device.ctx, &info);
	rc = cvmm_vdev_info_validate(&info);
	if (rc != 0)
		return rc;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->mem = *mem;
	t->dev = config->device;
	t->info = info;
	t->offered = info.features | CVMM_VDEV_F_VERSION_1;
	t->vendor_id = config->vendor_id;
	t->irq = config->irq;
	t->irq_arg = config->irq_arg;
	for (uint32_t i = 0; i < info.num_queues; i++) {
		struct cvmm_vq_config qc;

		memset(&qc, 0, sizeof(qc));
		qc.max_size = info.queue_max_size[i];
		qc.index = i;
		qc.flags = config->queue_flags;
		qc.log = config->log;
		qc.log_arg = config->log_arg;
		qc.log_burst = config->log_burst;
		qc.log_interval_ns = config->log_interval_ns;
		qc.clock = config->clock;
		qc.clock_arg = config->clock_arg;
		rc = cvmm_vq_create(&t->mem, &qc, &t->vqs[i]);
		if (rc != 0) {
			for (uint32_t j = 0; j < i; j++)
				cvmm_vq_destroy(t->vqs[j]);
			free(t);
			return rc;
		}
	}
	t->act.num_queues = info.num_queues;
	t->act.queues = t->vqs;
	t->act.mem = &t->mem;
	t->act.host.ops = &host_ops;
	t->act.host.ctx = t;
	*out = t;
	return 0;
}

void cvmm_vdev_mmio_destroy(struct cvmm_vdev_mmio *t)
{
	if (t == NULL)
		return;
	t->dev.ops->reset(t->dev.ctx);
	for (uint32_t i = 0; i < t->info.num_queues; i++)
		cvmm_vq_destroy(t->vqs[i]);
	free(t);
}

/* ---- registers ---- */

static uint32_t le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void le32_put(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t lo32(uint64_t v)
{
	return (uint32_t)(v & UINT32_MAX);
}

static uint32_t hi32(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

static uint64_t set_lo32(uint64_t v, uint32_t lo)
{
	return (v & ~(uint64_t)UINT32_MAX) | lo;
}

static uint64_t set_hi32(uint64_t v, uint32_t hi)
{
	return (v & UINT32_MAX) | (uint64_t)hi << 32;
}

/* Validate a config-space access at off (from 0x100) and return 0 or why
 * it is refused. */
static int config_access_check(const struct cvmm_vdev_mmio *t, uint64_t off,
			       uint32_t len)
{
	if (len != 1 && len != 2 && len != 4)
		return -EINVAL;
	if (off % len != 0)
		return -EDOM;
	/* off < size, then len <= size - off: no sum that could wrap. */
	if (off >= t->info.config_size || len > t->info.config_size - off)
		return -ENXIO;
	return 0;
}

/* Registers below 0x100 take exactly one aligned 32-bit access. */
static int register_access_check(uint64_t offset, uint32_t len)
{
	if (len != 4)
		return -EINVAL;
	if (offset % 4 != 0)
		return -EDOM;
	return 0;
}

static uint32_t read_queue_reg(const struct cvmm_vdev_mmio *t, uint64_t offset)
{
	uint32_t q = t->queue_sel;

	/* The check CVE-2011-2512 lacked: the selector is the guest's. */
	if (q >= t->info.num_queues)
		return 0;
	if (offset == CVMM_VDEV_MMIO_QUEUE_NUM_MAX)
		return t->info.queue_max_size[q];
	return cvmm_vq_is_ready(t->vqs[q]) ? 1 : 0;
}

/* The value of a readable register, or -EACCES / -ENXIO. */
static int read_register(const struct cvmm_vdev_mmio *t, uint64_t offset,
			 uint32_t *value)
{
	switch (offset) {
	case CVMM_VDEV_MMIO_MAGIC_VALUE:
		*value = CVMM_VDEV_MMIO_MAGIC;
		return 0;
	case CVMM_VDEV_MMIO_VERSION:
		*value = 2;
		return 0;
	case CVMM_VDEV_MMIO_DEVICE_ID:
		*value = t->info.device_id;
		return 0;
	case CVMM_VDEV_MMIO_VENDOR_ID:
		*value = t->vendor_id;
		return 0;
	case CVMM_VDEV_MMIO_DEVICE_FEATURES:
		if (t->device_features_sel == 0)
			*value = lo32(t->offered);
		else if (t->device_features_sel == 1)
			*value = hi32(t->offered);
		else
			*value = 0;
		return 0;
	case CVMM_VDEV_MMIO_QUEUE_NUM_MAX:
	case CVMM_VDEV_MMIO_QUEUE_READY:
		*value = read_queue_reg(t, offset);
		return 0;
	case CVMM_VDEV_MMIO_INTERRUPT_STATUS:
		*value = t->isr;
		return 0;
	case CVMM_VDEV_MMIO_STATUS:
		*value = t->status;
		return 0;
	case CVMM_VDEV_MMIO_SHM_LEN_LOW:
	case CVMM_VDEV_MMIO_SHM_LEN_HIGH:
	case CVMM_VDEV_MMIO_SHM_BASE_LOW:
	case CVMM_VDEV_MMIO_SHM_BASE_HIGH:
		/* No shared memory region: length -1 (spec 4.2.2). */
		*value = UINT32_MAX;
		return 0;
	case CVMM_VDEV_MMIO_CONFIG_GENERATION:
		*value = t->generation;
		return 0;
	case CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL:
	case CVMM_VDEV_MMIO_DRIVER_FEATURES:
	case CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL:
	case CVMM_VDEV_MMIO_QUEUE_SEL:
	case CVMM_VDEV_MMIO_QUEUE_NUM:
	case CVMM_VDEV_MMIO_QUEUE_NOTIFY:
	case CVMM_VDEV_MMIO_INTERRUPT_ACK:
	case CVMM_VDEV_MMIO_QUEUE_DESC_LOW:
	case CVMM_VDEV_MMIO_QUEUE_DESC_HIGH:
	case CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW:
	case CVMM_VDEV_MMIO_QUEUE_DRIVER_HIGH:
	case CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW:
	case CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH:
	case CVMM_VDEV_MMIO_SHM_SEL:
		return -EACCES;
	default:
		return -ENXIO;
	}
}

static int mmio_read(struct cvmm_vdev_mmio *t, uint64_t offset, uint8_t *data,
		     uint32_t len)
{
	uint32_t value = 0;
	int rc;

	if (offset >= CVMM_VDEV_MMIO_CONFIG) {
		uint64_t off = offset - CVMM_VDEV_MMIO_CONFIG;

		rc = config_access_check(t, off, len);
		if (rc != 0)
			return rc;
		rc = t->dev.ops->config_read(t->dev.ctx, (uint32_t)off, data,
					     len);
		if (rc != 0)
			memset(data, 0, len);
		return rc;
	}
	rc = register_access_check(offset, len);
	if (rc == 0)
		rc = read_register(t, offset, &value);
	if (rc == 0)
		le32_put(data, value);
	return rc;
}

int cvmm_vdev_mmio_read(struct cvmm_vdev_mmio *t, uint64_t offset,
			uint8_t *data, uint32_t len)
{
	int rc;

	if (data == NULL)
		return -EINVAL;
	/* A refused read gives the guest zeros (KVM hands up to 8 bytes). */
	memset(data, 0, len <= 8 ? len : 0);
	if (t->busy)
		return -EBUSY;
	t->busy = true;
	rc = mmio_read(t, offset, data, len);
	t->busy = false;
	return rc;
}

/* The FEATURES_OK handshake: 0 if the driver's acked set is acceptable. */
static int negotiate(struct cvmm_vdev_mmio *t, uint64_t acked, bool extra)
{
	if (extra || (acked & ~t->offered) != 0 ||
	    (acked & CVMM_VDEV_F_VERSION_1) == 0)
		return -EOPNOTSUPP;
	if (t->dev.ops->ack_features(t->dev.ctx, acked) != 0)
		return -EOPNOTSUPP;
	return 0;
}

/* A status value obeys the order the driver must follow (spec 3.1.1). */
static bool status_ordered(uint32_t s)
{
	if ((s & CVMM_VDEV_S_DRIVER) != 0 && (s & CVMM_VDEV_S_ACKNOWLEDGE) == 0)
		return false;
	if ((s & CVMM_VDEV_S_FEATURES_OK) != 0 && (s & CVMM_VDEV_S_DRIVER) == 0)
		return false;
	return (s & CVMM_VDEV_S_DRIVER_OK) == 0 ||
	       (s & CVMM_VDEV_S_FEATURES_OK) != 0;
}

/* Give the device its queues; a device that cannot start needs a reset. */
static int activate(struct cvmm_vdev_mmio *t)
{
	int rc;

	t->act.features = t->features;
	t->active = true;
	rc = t->dev.ops->activate(t->dev.ctx, &t->act);
	if (rc != 0) {
		t->active = false;
		mark_needs_reset(t);
	}
	return rc;
}

static int write_status(struct cvmm_vdev_mmio *t, uint32_t value)
{
	uint32_t next;
	uint32_t added;

	if (value == 0) {
		reset_all(t);
		return 0;
	}
	/* DEVICE_NEEDS_RESET is the device's: keep it as it is. */
	next = (value & ~CVMM_VDEV_S_DEVICE_NEEDS_RESET) |
	       (t->status & CVMM_VDEV_S_DEVICE_NEEDS_RESET);
	if ((next & ~STATUS_KNOWN) != 0 || (t->status & ~next) != 0 ||
	    !status_ordered(next))
		return -EPROTO;
	added = next & ~t->status;
	if ((added & CVMM_VDEV_S_FEATURES_OK) != 0) {
		int rc =
		    negotiate(t, t->driver_features, t->driver_features_extra);

		if (rc != 0) {
			/* The driver reads FEATURES_OK back to learn this. */
			t->status = next & ~(CVMM_VDEV_S_FEATURES_OK |
					     CVMM_VDEV_S_DRIVER_OK);
			return rc;
		}
		t->features = t->driver_features;
	}
	t->status = next;
	if ((added & CVMM_VDEV_S_DRIVER_OK) != 0) {
		if ((next & CVMM_VDEV_S_DEVICE_NEEDS_RESET) != 0)
			/* Broken before DRIVER_OK: say so now. */
			raise_irq(t, CVMM_VDEV_MMIO_INT_CONFIG);
		else if ((next & CVMM_VDEV_S_FAILED) == 0)
			return activate(t);
	}
	return 0;
}

static int do_notify(struct cvmm_vdev_mmio *t, uint32_t queue)
{
	int rc;

	if (queue >= t->info.num_queues)
		return -ERANGE;
	if ((t->status & CVMM_VDEV_S_DRIVER_OK) == 0)
		return -EPERM;
	if (!t->active || (t->status & (CVMM_VDEV_S_DEVICE_NEEDS_RESET |
					CVMM_VDEV_S_FAILED)) != 0)
		return -EIO;
	if (!cvmm_vq_is_ready(t->vqs[queue]))
		return -ENODEV;
	rc = t->dev.ops->notify(t->dev.ctx, queue);
	if (rc != 0)
		mark_needs_reset(t);
	return rc;
}

static int write_queue_ready(struct cvmm_vdev_mmio *t, uint32_t q,
			     uint32_t value)
{
	struct cvmm_vq_layout layout;
	const struct mmio_queue_regs *r = &t->regs[q];
	int rc;

	if (value > 1)
		return -EINVAL;
	if (value == 0) {
		cvmm_vq_reset(t->vqs[q]);
		return 0;
	}
	if (cvmm_vq_is_ready(t->vqs[q]))
		return -EALREADY;
	/* The layout depends on the negotiated features (event fields). */
	if ((t->status & CVMM_VDEV_S_FEATURES_OK) == 0)
		return -EPERM;
	layout.size = r->num;
	layout.desc = cvmm_mem_gpa_from(r->desc);
	layout.avail = cvmm_mem_gpa_from(r->driver);
	layout.used = cvmm_mem_gpa_from(r->device);
	layout.features = t->features;
	rc = cvmm_vq_enable(t->vqs[q], &layout);
	if (rc != 0)
		mark_needs_reset(t);
	return rc;
}

static int write_queue_reg(struct cvmm_vdev_mmio *t, uint64_t offset,
			   uint32_t value)
{
	uint32_t q = t->queue_sel;
	struct mmio_queue_regs *r;

	if (q >= t->info.num_queues)
		return -ERANGE;
	if ((t->status & CVMM_VDEV_S_DRIVER_OK) != 0)
		return -EPERM;
	if (offset == CVMM_VDEV_MMIO_QUEUE_READY)
		return write_queue_ready(t, q, value);
	if (cvmm_vq_is_ready(t->vqs[q]))
		return -EPERM;
	r = &t->regs[q];
	switch (offset) {
	case CVMM_VDEV_MMIO_QUEUE_NUM:
		r->num = value;
		break;
	case CVMM_VDEV_MMIO_QUEUE_DESC_LOW:
		r->desc = set_lo32(r->desc, value);
		break;
	case CVMM_VDEV_MMIO_QUEUE_DESC_HIGH:
		r->desc = set_hi32(r->desc, value);
		break;
	case CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW:
		r->driver = set_lo32(r->driver, value);
		break;
	case CVMM_VDEV_MMIO_QUEUE_DRIVER_HIGH:
		r->driver = set_hi32(r->driver, value);
		break;
	case CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW:
		r->device = set_lo32(r->device, value);
		break;
	default: /* CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH */
		r->device = set_hi32(r->device, value);
		break;
	}
	return 0;
}

static int write_driver_features(struct cvmm_vdev_mmio *t, uint32_t value)
{
	if ((t->status & CVMM_VDEV_S_FEATURES_OK) != 0)
		return -EPERM;
	if (t->driver_features_sel == 0)
		t->driver_features = set_lo32(t->driver_features, value);
	else if (t->driver_features_sel == 1)
		t->driver_features = set_hi32(t->driver_features, value);
	else if (value != 0)
		/* No feature past bit 63 is offered: remember, refuse later. */
		t->driver_features_extra = true;
	return 0;
}

static void write_interrupt_ack(struct cvmm_vdev_mmio *t, uint32_t value)
{
	uint32_t before = t->isr;

	t->isr &= ~value;
	if (before != 0 && t->isr == 0)
		lower_irq(t);
}

static int write_register(struct cvmm_vdev_mmio *t, uint64_t offset,
			  uint32_t value)
{
	switch (offset) {
	case CVMM_VDEV_MMIO_DEVICE_FEATURES_SEL:
		t->device_features_sel = value;
		return 0;
	case CVMM_VDEV_MMIO_DRIVER_FEATURES:
		return write_driver_features(t, value);
	case CVMM_VDEV_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = value;
		return 0;
	case CVMM_VDEV_MMIO_QUEUE_SEL:
		t->queue_sel = value;
		return 0;
	case CVMM_VDEV_MMIO_QUEUE_NUM:
	case CVMM_VDEV_MMIO_QUEUE_READY:
	case CVMM_VDEV_MMIO_QUEUE_DESC_LOW:
	case CVMM_VDEV_MMIO_QUEUE_DESC_HIGH:
	case CVMM_VDEV_MMIO_QUEUE_DRIVER_LOW:
	case CVMM_VDEV_MMIO_QUEUE_DRIVER_HIGH:
	case CVMM_VDEV_MMIO_QUEUE_DEVICE_LOW:
	case CVMM_VDEV_MMIO_QUEUE_DEVICE_HIGH:
		return write_queue_reg(t, offset, value);
	case CVMM_VDEV_MMIO_QUEUE_NOTIFY:
		return do_notify(t, value);
	case CVMM_VDEV_MMIO_INTERRUPT_ACK:
		write_interrupt_ack(t, value);
		return 0;
	case CVMM_VDEV_MMIO_STATUS:
		return write_status(t, value);
	case CVMM_VDEV_MMIO_SHM_SEL:
		t->shm_sel = value;
		return 0;
	case CVMM_VDEV_MMIO_MAGIC_VALUE:
	case CVMM_VDEV_MMIO_VERSION:
	case CVMM_VDEV_MMIO_DEVICE_ID:
	case CVMM_VDEV_MMIO_VENDOR_ID:
	case CVMM_VDEV_MMIO_DEVICE_FEATURES:
	case CVMM_VDEV_MMIO_QUEUE_NUM_MAX:
	case CVMM_VDEV_MMIO_INTERRUPT_STATUS:
	case CVMM_VDEV_MMIO_SHM_LEN_LOW:
	case CVMM_VDEV_MMIO_SHM_LEN_HIGH:
	case CVMM_VDEV_MMIO_SHM_BASE_LOW:
	case CVMM_VDEV_MMIO_SHM_BASE_HIGH:
	case CVMM_VDEV_MMIO_CONFIG_GENERATION:
		return -EACCES;
	default:
		return -ENXIO;
	}
}

static int mmio_write(struct cvmm_vdev_mmio *t, uint64_t offset,
		      const uint8_t *data, uint32_t len)
{
	int rc;

	if (offset >= CVMM_VDEV_MMIO_CONFIG) {
		uint64_t off = offset - CVMM_VDEV_MMIO_CONFIG;

		rc = config_access_check(t, off, len);
		if (rc != 0)
			return rc;
		return t->dev.ops->config_write(t->dev.ctx, (uint32_t)off, data,
						len);
	}
	rc = register_access_check(offset, len);
	if (rc != 0)
		return rc;
	return write_register(t, offset, le32_get(data));
}

int cvmm_vdev_mmio_write(struct cvmm_vdev_mmio *t, uint64_t offset,
			 const uint8_t *data, uint32_t len)
{
	int rc;

	if (data == NULL)
		return -EINVAL;
	if (t->busy)
		return -EBUSY;
	t->busy = true;
	rc = mmio_write(t, offset, data, len);
	t->busy = false;
	return rc;
}

int cvmm_vdev_mmio_notify(struct cvmm_vdev_mmio *t, uint32_t queue)
{
	int rc;

	if (t->busy)
		return -EBUSY;
	t->busy = true;
	rc = do_notify(t, queue);
	t->busy = false;
	return rc;
}

uint32_t cvmm_vdev_mmio_status(const struct cvmm_vdev_mmio *t)
{
	return t->status;
}

uint32_t cvmm_vdev_mmio_interrupt_status(const struct cvmm_vdev_mmio *t)
{
	return t->isr;
}

uint32_t cvmm_vdev_mmio_take_pending(struct cvmm_vdev_mmio *t)
{
	uint32_t pending = t->pending;

	t->pending = 0;
	return pending;
}

uint64_t cvmm_vdev_mmio_features(const struct cvmm_vdev_mmio *t)
{
	return t->features;
}

struct cvmm_vq *cvmm_vdev_mmio_queue(const struct cvmm_vdev_mmio *t, uint32_t i)
{
	return i < t->info.num_queues ? t->vqs[i] : NULL;
}

/* ---- snapshots ---- */

static int mmio_save(struct cvmm_vdev_mmio *t, struct cvmm_vdev_mmio_state *s)
{
	uint32_t len = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	for (uint32_t i = 0; i < t->info.num_queues; i++) {
		struct cvmm_vdev_mmio_queue_state *q = &s->queues[i];

		rc = cvmm_vq_save(t->vqs[i], &q->vq);
		if (rc != 0)
			return rc;
		q->num = t->regs[i].num;
		q->desc = t->regs[i].desc;
		q->driver = t->regs[i].driver;
		q->device = t->regs[i].device;
	}
	rc = t->dev.ops->save(t->dev.ctx, s->device, CVMM_VDEV_STATE_MAX, &len);
	if (rc != 0)
		return rc;
	if (len > CVMM_VDEV_STATE_MAX)
		return -EOVERFLOW; /* a device bug; refuse the snapshot */
	s->device_len = len;
	s->status = t->status;
	s->device_features_sel = t->device_features_sel;
	s->driver_features_sel = t->driver_features_sel;
	s->driver_features = t->driver_features;
	s->driver_features_extra = t->driver_features_extra;
	s->queue_sel = t->queue_sel;
	s->shm_sel = t->shm_sel;
	s->interrupt_status = t->isr;
	s->config_generation = t->generation;
	s->num_queues = t->info.num_queues;
	return 0;
}

int cvmm_vdev_mmio_save(struct cvmm_vdev_mmio *t,
			struct cvmm_vdev_mmio_state *state)
{
	int rc;

	if (state == NULL)
		return -EINVAL;
	if (t->busy)
		return -EBUSY;
	t->busy = true;
	rc = mmio_save(t, state);
	t->busy = false;
	return rc;
}

/* A ready queue's saved layout must be what the registers say and use the
 * negotiated features, as if the driver had enabled it. */
static int restore_queue(struct cvmm_vdev_mmio *t, uint32_t i,
			 const struct cvmm_vdev_mmio_queue_state *q)
{
	const struct cvmm_vq_layout *l = &q->vq.layout;

	/* QueueReady = 1 needs FEATURES_OK (see write_queue_ready). */
	if (q->vq.ready &&
	    ((t->status & CVMM_VDEV_S_FEATURES_OK) == 0 || l->size != q->num ||
	     l->desc.raw != q->desc || l->avail.raw != q->driver ||
	     l->used.raw != q->device || l->features != t->features))
		return -EINVAL;
	t->regs[i].num = q->num;
	t->regs[i].desc = q->desc;
	t->regs[i].driver = q->driver;
	t->regs[i].device = q->device;
	return cvmm_vq_restore(t->vqs[i], &q->vq);
}

static int mmio_restore(struct cvmm_vdev_mmio *t,
			const struct cvmm_vdev_mmio_state *s)
{
	int rc;

	if ((s->status & ~STATUS_KNOWN) != 0 || !status_ordered(s->status) ||
	    (s->interrupt_status &
	     ~(CVMM_VDEV_MMIO_INT_VRING | CVMM_VDEV_MMIO_INT_CONFIG)) != 0 ||
	    s->num_queues != t->info.num_queues ||
	    s->device_len > CVMM_VDEV_STATE_MAX)
		return -EINVAL;
	if ((s->status & CVMM_VDEV_S_FEATURES_OK) != 0) {
		if (negotiate(t, s->driver_features,
			      s->driver_features_extra) != 0)
			return -EINVAL;
		t->features = s->driver_features;
	}
	/* Set now for restore_queue(); reset_all() undoes it on failure. */
	t->status = s->status;
	for (uint32_t i = 0; i < t->info.num_queues; i++) {
		rc = restore_queue(t, i, &s->queues[i]);
		if (rc != 0)
			return rc;
	}
	rc = t->dev.ops->restore(t->dev.ctx, s->device, s->device_len);
	if (rc != 0)
		return rc;
	t->device_features_sel = s->device_features_sel;
	t->driver_features_sel = s->driver_features_sel;
	t->driver_features = s->driver_features;
	t->driver_features_extra = s->driver_features_extra;
	t->queue_sel = s->queue_sel;
	t->shm_sel = s->shm_sel;
	t->generation = s->config_generation;
	if ((s->status & CVMM_VDEV_S_DRIVER_OK) != 0 &&
	    (s->status &
	     (CVMM_VDEV_S_DEVICE_NEEDS_RESET | CVMM_VDEV_S_FAILED)) == 0) {
		rc = activate(t);
		if (rc != 0)
			return rc;
		/* Chains the driver had published may have been left at the
		 * device's bound, and the snapshot does not say: have every
		 * ready queue served once (a spare notification finds the
		 * ring empty and asks for the next). */
		for (uint32_t i = 0; i < t->info.num_queues; i++)
			if (cvmm_vq_is_ready(t->vqs[i]))
				t->pending |= UINT32_C(1) << i;
	}
	/* Re-assert the line the snapshot had raised. */
	if (s->interrupt_status != 0)
		raise_irq(t, s->interrupt_status);
	return 0;
}

int cvmm_vdev_mmio_restore(struct cvmm_vdev_mmio *t,
			   const struct cvmm_vdev_mmio_state *state)
{
	int rc;

	if (state == NULL)
		return -EINVAL;
	if (t->busy)
		return -EBUSY;
	t->busy = true;
	reset_all(t);
	rc = mmio_restore(t, state);
	if (rc != 0)
		reset_all(t);
	t->busy = false;
	return rc;
}
