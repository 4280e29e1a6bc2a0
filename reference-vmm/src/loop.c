/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "loop.h"
#include "exit-codes.h"

#include <cvmm/sys-signal.h>
#include <cvmm/sys-timerfd.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RETRY_NS 50000000ull

static const int stop_signals[] = {SIGINT, SIGTERM};

int rvmm_loop_block_signals(struct rvmm_err *e)
{
	int rc = cvmm_sys_signal_block(stop_signals, 2);

	if (rc)
		return rvmm_fail(e, rc, "blocking SIGINT/SIGTERM: %s",
				 strerror(-rc));
	return 0;
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* Non-blocking: nothing there is fine. */
	}
}

/* ---- the VM subscriber: end, timeout, signals ---- */

static int vm_init(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id)
{
	struct rvmm_loop *l = ctx;
	int rc = cvmm_evm_add_fd(evm, id, l->vm->end_fd, EPOLLIN, 0);

	if (rc == 0)
		rc = cvmm_evm_add_fd(evm, id, l->timeout_fd, EPOLLIN, 0);
	if (rc == 0)
		rc = cvmm_evm_add_fd(evm, id, l->signal_fd, EPOLLIN, 0);
	return rc;
}

static void vm_process(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id,
		       const struct cvmm_evm_event *ev)
{
	struct rvmm_loop *l = ctx;
	struct signalfd_siginfo si;

	(void)evm;
	(void)id;
	if (ev->fd == l->timeout_fd) {
		rvmm_vm_end(l->vm, RVMM_EXIT_TIMEOUT,
			    "boot timeout: the guest did not end within %u s",
			    l->vm->opts->boot_timeout_s);
	} else if (ev->fd == l->signal_fd) {
		if (cvmm_sys_signalfd_read(l->signal_fd, &si) == 0)
			rvmm_vm_end(l->vm, RVMM_EXIT_SIGNAL, "stopped by %s",
				    si.ssi_signo == SIGINT ? "SIGINT"
							   : "SIGTERM");
	}
	/* end_fd: the loop sees rvmm_vm_ended() and returns. */
}

static const struct cvmm_evm_ops vm_ops = {.init = vm_init,
					   .process = vm_process};

/* ---- the console subscriber: stdin to COM1 ---- */

/* Watch stdin or not (while the kept input waits for the guest). */
static void stdin_pause(struct rvmm_loop *l, bool pause)
{
	if (!l->stdin_watched || l->stdin_paused == pause)
		return;
	if (cvmm_evm_modify_fd(l->evm, l->console_id, STDIN_FILENO,
			       pause ? 0 : EPOLLIN, 0) == 0)
		l->stdin_paused = pause;
}

static void retry_arm(struct rvmm_loop *l, bool arm)
{
	if (l->retry_armed == arm)
		return;
	if (cvmm_sys_timerfd_set(l->retry_fd, arm ? RETRY_NS : 0,
				 arm ? RETRY_NS : 0) == 0)
		l->retry_armed = arm;
}

/* After input moved: pause stdin while input is kept, and retry. */
static void input_settle(struct rvmm_loop *l, size_t kept)
{
	stdin_pause(l, rvmm_devices_input_room(&l->vm->dev) == 0);
	retry_arm(l, kept > 0);
}

static void on_stdin(struct rvmm_loop *l)
{
	uint8_t buf[RVMM_INPUT_BUF];
	size_t room = rvmm_devices_input_room(&l->vm->dev);
	ssize_t n;

	if (room == 0) {
		input_settle(l, rvmm_devices_input_retry(&l->vm->dev));
		return;
	}
	n = read(STDIN_FILENO, buf, room);
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		/* End of input (or an error): the guest keeps running. */
		if (cvmm_evm_remove_fd(l->evm, l->console_id, STDIN_FILENO) ==
		    0)
			l->stdin_watched = false;
		return;
	}
	rvmm_devices_input(&l->vm->dev, buf, (size_t)n);
	input_settle(l, rvmm_devices_input_retry(&l->vm->dev));
}

static int console_init(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id)
{
	struct rvmm_loop *l = ctx;
	int rc = cvmm_evm_add_fd(evm, id, l->vm->dev.rx_ready_fd, EPOLLIN, 0);

	if (rc == 0)
		rc = cvmm_evm_add_fd(evm, id, l->retry_fd, EPOLLIN, 0);
	if (rc)
		return rc;
	/* Input only from what epoll can watch (a terminal, a pipe); not
	 * from /dev/null or a regular file (-EPERM). */
	if (cvmm_evm_add_fd(evm, id, STDIN_FILENO, EPOLLIN, 0) == 0)
		l->stdin_watched = true;
	return 0;
}

static void console_process(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id,
			    const struct cvmm_evm_event *ev)
{
	struct rvmm_loop *l = ctx;

	(void)evm;
	(void)id;
	if (ev->fd == STDIN_FILENO) {
		on_stdin(l);
		return;
	}
	drain(ev->fd); /* rx_ready_fd or retry_fd */
	input_settle(l, rvmm_devices_input_retry(&l->vm->dev));
}

static const struct cvmm_evm_ops console_ops = {.init = console_init,
						.process = console_process};

/* ---- the virtio subscriber: queue notifications (ioeventfds) ---- */

static int virtio_init(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id)
{
	struct rvmm_loop *l = ctx;
	const struct rvmm_virtio *v = &l->vm->virtio;
	int rc = 0;

	l->virtio_id = id;
	for (uint32_t i = 0; i < v->count && rc == 0; i++) {
		const struct rvmm_vdev *d = &v->dev[i];

		for (uint32_t q = 0; q < d->nqueues && rc == 0; q++)
			rc = cvmm_evm_add_fd(
			    evm, id, d->notify_fd[q], EPOLLIN,
			    RVMM_VIRTIO_EV(i, RVMM_VIRTIO_FD_NOTIFY, q));
		if (d->tap.fd < 0 || rc)
			continue;
		/* The tap is watched from the start, polled only while the
		 * device wants frames (virtio_process). */
		rc = cvmm_evm_add_fd(
		    evm, id, d->rx_kick_fd, EPOLLIN,
		    RVMM_VIRTIO_EV(i, RVMM_VIRTIO_FD_RX_KICK, 0));
		if (rc == 0)
			rc = cvmm_evm_add_fd(
			    evm, id, d->tap.fd, 0,
			    RVMM_VIRTIO_EV(i, RVMM_VIRTIO_FD_TAP, 0));
	}
	return rc;
}

/* Poll net device dev's tap or not. */
static void tap_poll(struct rvmm_loop *l, uint32_t dev, bool poll)
{
	const struct rvmm_vdev *d = &l->vm->virtio.dev[dev];

	if (cvmm_evm_modify_fd(
		l->evm, l->virtio_id, d->tap.fd, poll ? EPOLLIN : 0,
		RVMM_VIRTIO_EV(dev, RVMM_VIRTIO_FD_TAP, 0)) != 0) {
		/* Only a descriptor no longer watched fails: nothing to do. */
	}
}

static void virtio_process(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id,
			   const struct cvmm_evm_event *ev)
{
	struct rvmm_loop *l = ctx;
	uint32_t dev = (uint32_t)(ev->data >> 32);
	uint32_t kind = (uint32_t)(ev->data >> 16) & 0xffff;

	(void)evm;
	(void)id;
	if (kind == RVMM_VIRTIO_FD_TAP) {
		bool broken = (ev->events & (EPOLLERR | EPOLLHUP)) &&
			      !(ev->events & EPOLLIN);

		if (!rvmm_virtio_net_readable(&l->vm->virtio, dev, broken))
			tap_poll(l, dev, false);
		return;
	}
	/* Several writes are one event: the device takes every chain that
	 * is there. */
	drain(ev->fd);
	if (kind == RVMM_VIRTIO_FD_RX_KICK)
		tap_poll(l, dev, rvmm_virtio_net_wanted(&l->vm->virtio, dev));
	else
		rvmm_virtio_notify(&l->vm->virtio, dev,
				   (uint32_t)ev->data & 0xffff);
}

static const struct cvmm_evm_ops virtio_ops = {.init = virtio_init,
					       .process = virtio_process};

/* ---- the loop ---- */

int rvmm_loop_init(struct rvmm_loop *l, struct rvmm_vm *vm, struct rvmm_err *e)
{
	const struct rvmm_options *o = vm->opts;
	int rc;

	memset(l, 0, sizeof(*l));
	l->vm = vm;
	l->timeout_fd = l->retry_fd = l->signal_fd = -1;
	rc = cvmm_sys_timerfd_open(CVMM_SYS_TIMERFD_NONBLOCK, &l->timeout_fd);
	if (rc == 0)
		rc = cvmm_sys_timerfd_open(CVMM_SYS_TIMERFD_NONBLOCK,
					   &l->retry_fd);
	if (rc == 0)
		rc = cvmm_sys_signalfd_open(
		    stop_signals, 2, CVMM_SYS_SIGNALFD_NONBLOCK, &l->signal_fd);
	if (rc == 0)
		rc = cvmm_evm_create(&l->evm);
	if (rc == 0)
		rc = cvmm_evm_add(l->evm, &vm_ops, l, NULL);
	if (rc == 0 && o->serial != RVMM_SERIAL_NONE)
		rc = cvmm_evm_add(l->evm, &console_ops, l, &l->console_id);
	if (rc == 0 && vm->virtio.count)
		rc = cvmm_evm_add(l->evm, &virtio_ops, l, NULL);
	if (rc)
		return rvmm_fail(e, rc, "event loop: %s", strerror(-rc));
	if (o->boot_timeout_s) {
		rc = cvmm_sys_timerfd_set(
		    l->timeout_fd, (uint64_t)o->boot_timeout_s * 1000000000ull,
		    0);
		if (rc)
			return rvmm_fail(e, rc, "boot timeout: %s",
					 strerror(-rc));
	}
	if (l->stdin_watched && isatty(STDIN_FILENO) &&
	    cvmm_sys_term_raw(STDIN_FILENO, CVMM_SYS_TERM_KEEP_SIGNALS,
			      &l->term) != 0) {
		/* Cooked mode still works, line by line. */
	}
	return 0;
}

void rvmm_loop_run(struct rvmm_loop *l)
{
	while (rvmm_vm_ended(l->vm) < 0)
		if (cvmm_evm_run_once(l->evm, -1, NULL) != 0)
			break;
}

void rvmm_loop_destroy(struct rvmm_loop *l)
{
	if (cvmm_sys_term_restore(&l->term) != 0) {
		/* Nothing more can be done for the terminal. */
	}
	cvmm_evm_destroy(l->evm);
	if (l->timeout_fd >= 0)
		close(l->timeout_fd);
	if (l->retry_fd >= 0)
		close(l->retry_fd);
	if (l->signal_fd >= 0)
		close(l->signal_fd);
}
