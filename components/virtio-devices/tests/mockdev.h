/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A scriptable device for the transport tests: it records every call the
 * transport makes and returns what the test asks for.
 */
#ifndef VDEV_TEST_MOCKDEV_H
#define VDEV_TEST_MOCKDEV_H

#include <cvmm/vdev.h>

struct mock;
typedef int (*mock_hook)(struct mock *m, uint32_t queue);

struct mock {
	struct cvmm_vdev_info info;
	uint8_t config[64];
	/* Results to return. */
	int ack_rc;
	int config_read_rc;
	int config_write_rc;
	int activate_rc;
	int notify_rc;
	int save_rc;
	int restore_rc;
	uint32_t save_len; /* bytes save() claims (0: 4) */
	/* Run inside notify() and activate() (queue is UINT32_MAX there). */
	mock_hook hook;
	void *hook_arg;
	/* What happened. */
	int acks;
	uint64_t acked;
	int activates;
	struct cvmm_vdev_activation act;
	int notifies;
	uint32_t last_queue;
	int resets;
	int saves;
	int restores;
	uint8_t restored[CVMM_VDEV_STATE_MAX];
	uint32_t restored_len;
	bool active;
};

/* A mock with 2 queues (256 and 16 entries), device features bits 0 and 5
 * plus EVENT_IDX and INDIRECT_DESC, 12 bytes of config. */
void mock_init(struct mock *m);

/* Its device interface. */
struct cvmm_vdev mock_device(struct mock *m);

#endif
