/* SPDX-License-Identifier: Apache-2.0 */
#include "mockdev.h"

#include <string.h>

static void m_info(void *ctx, struct cvmm_vdev_info *info)
{
	const struct mock *m = ctx;

	*info = m->info;
}

static int m_ack(void *ctx, uint64_t features)
{
	struct mock *m = ctx;

	m->acks++;
	m->acked = features;
	return m->ack_rc;
}

static int m_config_read(void *ctx, uint32_t offset, uint8_t *data,
			 uint32_t len)
{
	const struct mock *m = ctx;

	memcpy(data, m->config + offset, len);
	return m->config_read_rc;
}

static int m_config_write(void *ctx, uint32_t offset, const uint8_t *data,
			  uint32_t len)
{
	struct mock *m = ctx;

	if (m->config_write_rc != 0)
		return m->config_write_rc;
	memcpy(m->config + offset, data, len);
	return 0;
}

static int m_activate(void *ctx, const struct cvmm_vdev_activation *act)
{
	struct mock *m = ctx;

	m->activates++;
	m->act = *act;
	if (m->hook != NULL)
		(void)m->hook(m, UINT32_MAX);
	if (m->activate_rc == 0)
		m->active = true;
	return m->activate_rc;
}

static int m_notify(void *ctx, uint32_t queue)
{
	struct mock *m = ctx;

	m->notifies++;
	m->last_queue = queue;
	if (m->hook != NULL) {
		int rc = m->hook(m, queue);

		if (rc != 0)
			return rc;
	}
	return m->notify_rc;
}

static void m_reset(void *ctx)
{
	struct mock *m = ctx;

	m->resets++;
	m->active = false;
}

static int m_save(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *len)
{
	struct mock *m = ctx;

	m->saves++;
	if (m->save_rc != 0)
		return m->save_rc;
	memset(buf, 0xab, 4);
	(void)cap;
	*len = m->save_len != 0 ? m->save_len : 4;
	return 0;
}

static int m_restore(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct mock *m = ctx;

	m->restores++;
	memcpy(m->restored, buf, len);
	m->restored_len = len;
	return m->restore_rc;
}

static const struct cvmm_vdev_ops mock_ops = {
    m_info,   m_ack,   m_config_read, m_config_write, m_activate,
    m_notify, m_reset, m_save,	      m_restore,
};

void mock_init(struct mock *m)
{
	memset(m, 0, sizeof(*m));
	m->info.device_id = 0x2a;
	m->info.num_queues = 2;
	m->info.queue_max_size[0] = 256;
	m->info.queue_max_size[1] = 16;
	m->info.features =
	    1u | (1u << 5) | CVMM_VDEV_F_EVENT_IDX | CVMM_VDEV_F_INDIRECT_DESC;
	m->info.config_size = 12;
	for (unsigned i = 0; i < sizeof(m->config); i++)
		m->config[i] = (uint8_t)(0x10 + i);
}

struct cvmm_vdev mock_device(struct mock *m)
{
	struct cvmm_vdev d = {&mock_ops, m};

	return d;
}
