/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "loop.h"
#include "exit-codes.h"

#include <cvmm/sys-epoll.h>
#include <cvmm/sys-eventfd.h>
#include <cvmm/sys-signal.h>
#include <cvmm/sys-timerfd.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum token { T_END, T_TIMEOUT, T_STDIN, T_RX_READY, T_RETRY, T_SIGNAL };

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

static int watch(struct rvmm_loop *l, int fd, enum token t, struct rvmm_err *e)
{
	int rc = cvmm_sys_epoll_add(l->epfd, fd, EPOLLIN, t);

	if (rc)
		return rvmm_fail(e, rc, "epoll: %s", strerror(-rc));
	return 0;
}

int rvmm_loop_init(struct rvmm_loop *l, struct rvmm_vm *vm, struct rvmm_err *e)
{
	const struct rvmm_options *o = vm->opts;
	int rc;

	memset(l, 0, sizeof(*l));
	l->vm = vm;
	l->epfd = l->timeout_fd = l->retry_fd = l->signal_fd = -1;
	rc = cvmm_sys_epoll_open(&l->epfd);
	if (rc == 0)
		rc = cvmm_sys_timerfd_open(CVMM_SYS_TIMERFD_NONBLOCK,
					   &l->timeout_fd);
	if (rc == 0)
		rc = cvmm_sys_timerfd_open(CVMM_SYS_TIMERFD_NONBLOCK,
					   &l->retry_fd);
	if (rc == 0)
		rc = cvmm_sys_signalfd_open(
		    stop_signals, 2, CVMM_SYS_SIGNALFD_NONBLOCK, &l->signal_fd);
	if (rc)
		return rvmm_fail(e, rc, "event loop: %s", strerror(-rc));
	rc = watch(l, vm->end_fd, T_END, e);
	if (rc == 0)
		rc = watch(l, l->timeout_fd, T_TIMEOUT, e);
	if (rc == 0)
		rc = watch(l, l->retry_fd, T_RETRY, e);
	if (rc == 0)
		rc = watch(l, l->signal_fd, T_SIGNAL, e);
	if (rc == 0)
		rc = watch(l, vm->dev.rx_ready_fd, T_RX_READY, e);
	if (rc)
		return rc;
	if (o->boot_timeout_s) {
		rc = cvmm_sys_timerfd_set(
		    l->timeout_fd, (uint64_t)o->boot_timeout_s * 1000000000ull,
		    0);
		if (rc)
			return rvmm_fail(e, rc, "boot timeout: %s",
					 strerror(-rc));
	}
	/* Input only from what epoll can watch (a terminal, a pipe); not
	 * from /dev/null or a regular file (EPERM). */
	if (o->serial != RVMM_SERIAL_NONE &&
	    cvmm_sys_epoll_add(l->epfd, STDIN_FILENO, EPOLLIN, T_STDIN) == 0) {
		l->stdin_watched = true;
		if (isatty(STDIN_FILENO) &&
		    cvmm_sys_term_raw(STDIN_FILENO, CVMM_SYS_TERM_KEEP_SIGNALS,
				      &l->term) != 0) {
			/* Cooked mode still works, line by line. */
		}
	}
	return 0;
}

/* Watch stdin or not (while the kept input waits for the guest). */
static void stdin_pause(struct rvmm_loop *l, bool pause)
{
	if (!l->stdin_watched || l->stdin_paused == pause)
		return;
	if (cvmm_sys_epoll_modify(l->epfd, STDIN_FILENO, pause ? 0 : EPOLLIN,
				  T_STDIN) == 0)
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
	if (n <= 0) {
		/* End of input (or an error): the guest keeps running. */
		if (n < 0 && errno == EINTR)
			return;
		if (cvmm_sys_epoll_remove(l->epfd, STDIN_FILENO) == 0)
			l->stdin_watched = false;
		return;
	}
	rvmm_devices_input(&l->vm->dev, buf, (size_t)n);
	input_settle(l, rvmm_devices_input_retry(&l->vm->dev));
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* Non-blocking: nothing there is fine. */
	}
}

static void on_signal(struct rvmm_loop *l)
{
	struct signalfd_siginfo si;

	if (cvmm_sys_signalfd_read(l->signal_fd, &si) == 0)
		rvmm_vm_end(l->vm, RVMM_EXIT_SIGNAL, "stopped by %s",
			    si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
}

void rvmm_loop_run(struct rvmm_loop *l)
{
	struct epoll_event ev[8];

	while (rvmm_vm_ended(l->vm) < 0) {
		size_t n = 0;

		if (cvmm_sys_epoll_wait(l->epfd, ev, 8, -1, &n) != 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			switch ((enum token)ev[i].data.u64) {
			case T_END:
				return;
			case T_TIMEOUT:
				rvmm_vm_end(l->vm, RVMM_EXIT_TIMEOUT,
					    "boot timeout: the guest did not "
					    "end within %u s",
					    l->vm->opts->boot_timeout_s);
				return;
			case T_STDIN:
				on_stdin(l);
				break;
			case T_RX_READY:
			case T_RETRY:
				drain(ev[i].data.u64 == T_RETRY
					  ? l->retry_fd
					  : l->vm->dev.rx_ready_fd);
				input_settle(
				    l, rvmm_devices_input_retry(&l->vm->dev));
				break;
			case T_SIGNAL:
				on_signal(l);
				break;
			}
		}
	}
}

void rvmm_loop_destroy(struct rvmm_loop *l)
{
	if (cvmm_sys_term_restore(&l->term) != 0) {
		/* Nothing more can be done for the terminal. */
	}
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->timeout_fd >= 0)
		close(l->timeout_fd);
	if (l->retry_fd >= 0)
		close(l->retry_fd);
	if (l->signal_fd >= 0)
		close(l->signal_fd);
}
