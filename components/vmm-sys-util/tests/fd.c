/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of eventfd, epoll, timerfd and the descriptor helpers. */
#define _GNU_SOURCE
#include <cvmm/sys-epoll.h>
#include <cvmm/sys-eventfd.h>
#include <cvmm/sys-timerfd.h>

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static void assert_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	assert_true(fl >= 0);
	assert_true(fl & FD_CLOEXEC);
}

static void nonblock_flag(void **state)
{
	int p[2], o;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(cvmm_sys_fd_set_nonblock(p[0], true), 0);
	assert_true(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	assert_int_equal(cvmm_sys_fd_set_nonblock(p[0], false), 0);
	assert_false(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	close(p[0]);
	close(p[1]);
	assert_int_equal(cvmm_sys_fd_set_nonblock(-1, true), -EBADF);
	/* An O_PATH descriptor has flags to read but none to set. */
	o = open("/", O_PATH);
	assert_true(o >= 0);
	assert_int_equal(cvmm_sys_fd_set_nonblock(o, true), -EBADF);
	close(o);
}

static void eventfd_counter(void **state)
{
	int fd = -1;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(cvmm_sys_eventfd_open(0, 0x4, &fd), -EINVAL);
	assert_int_equal(fd, -1);
	assert_int_equal(
	    cvmm_sys_eventfd_open(0, CVMM_SYS_EVENTFD_NONBLOCK, &fd), 0);
	assert_cloexec(fd);
	assert_int_equal(cvmm_sys_eventfd_read(fd, &v), -EAGAIN);
	assert_int_equal(cvmm_sys_eventfd_write(fd, 3), 0);
	assert_int_equal(cvmm_sys_eventfd_write(fd, 4), 0);
	assert_int_equal(cvmm_sys_eventfd_read(fd, &v), 0);
	assert_true(v == 7);
	assert_int_equal(cvmm_sys_eventfd_read(fd, &v), -EAGAIN);
	/* 2^64 - 1 is not a value; the counter saturates at 2^64 - 2. */
	assert_int_equal(cvmm_sys_eventfd_write(fd, UINT64_MAX), -EINVAL);
	assert_int_equal(cvmm_sys_eventfd_write(fd, UINT64_MAX - 1), 0);
	assert_int_equal(cvmm_sys_eventfd_write(fd, 1), -EAGAIN);
	close(fd);
	/* Semaphore mode hands out one at a time; blocking mode reads a
	 * non-zero counter at once. */
	assert_int_equal(
	    cvmm_sys_eventfd_open(2, CVMM_SYS_EVENTFD_SEMAPHORE, &fd), 0);
	assert_int_equal(cvmm_sys_eventfd_read(fd, &v), 0);
	assert_true(v == 1);
	assert_int_equal(cvmm_sys_eventfd_read(fd, &v), 0);
	assert_true(v == 1);
	assert_int_equal(cvmm_sys_fd_set_nonblock(fd, true), 0);
	assert_int_equal(cvmm_sys_eventfd_read(fd, &v), -EAGAIN);
	close(fd);
	assert_int_equal(cvmm_sys_eventfd_read(-1, &v), -EBADF);
	assert_int_equal(cvmm_sys_eventfd_write(-1, 1), -EBADF);
}

static void short_transfers_are_errors(void **state)
{
	int p[2];
	uint64_t v = 0x55;
	pid_t pid;
	int status;

	(void)state;
	/* A 3-byte read where 8 are expected. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	assert_int_equal(cvmm_sys_eventfd_read(p[0], &v), -EIO);
	assert_true(v == 0x55);
	assert_int_equal(write(p[1], "abc", 3), 3);
	assert_int_equal(cvmm_sys_timerfd_read(p[0], &v), -EIO);
	close(p[0]);
	close(p[1]);
	/* A write cut short by the file-size limit, in a child. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit saved, rl;
		FILE *f = tmpfile();
		int rc;

		signal(SIGXFSZ, SIG_IGN);
		if (f == NULL || getrlimit(RLIMIT_FSIZE, &saved) != 0)
			_exit(2);
		rl = saved;
		rl.rlim_cur = 4;
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		rc = cvmm_sys_eventfd_write(fileno(f), 1);
		/* Lift the limit and use exit, not _exit: coverage data is
		 * written at exit. */
		if (setrlimit(RLIMIT_FSIZE, &saved) != 0)
			_exit(4);
		exit(rc == -EIO ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void epoll_set(void **state)
{
	int ep = -1, efd = -1, p[2];
	struct epoll_event ev[4];
	size_t n = 99;

	(void)state;
	assert_int_equal(cvmm_sys_epoll_open(&ep), 0);
	assert_cloexec(ep);
	assert_int_equal(
	    cvmm_sys_eventfd_open(0, CVMM_SYS_EVENTFD_NONBLOCK, &efd), 0);
	assert_int_equal(cvmm_sys_epoll_add(ep, efd, EPOLLIN, 42), 0);
	assert_int_equal(cvmm_sys_epoll_add(ep, efd, EPOLLIN, 42), -EEXIST);
	assert_int_equal(cvmm_sys_epoll_wait(ep, ev, 4, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cvmm_sys_eventfd_write(efd, 1), 0);
	assert_int_equal(cvmm_sys_epoll_wait(ep, ev, 4, -1, &n), 0);
	assert_int_equal(n, 1);
	assert_true(ev[0].data.u64 == 42);
	assert_true(ev[0].events & EPOLLIN);
	assert_int_equal(cvmm_sys_epoll_modify(ep, efd, EPOLLIN, 43), 0);
	assert_int_equal(cvmm_sys_epoll_wait(ep, ev, 1, 0, &n), 0);
	assert_int_equal(n, 1);
	assert_true(ev[0].data.u64 == 43);
	assert_int_equal(cvmm_sys_epoll_remove(ep, efd), 0);
	assert_int_equal(cvmm_sys_epoll_wait(ep, ev, 4, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cvmm_sys_epoll_remove(ep, efd), -ENOENT);
	assert_int_equal(cvmm_sys_epoll_modify(ep, efd, EPOLLIN, 1), -ENOENT);
	/* Caller bugs and bad descriptors. */
	n = 99;
	assert_int_equal(cvmm_sys_epoll_wait(ep, ev, 0, 0, &n), -EINVAL);
	assert_int_equal(cvmm_sys_epoll_wait(ep, NULL, 4, 0, &n), -EINVAL);
	assert_int_equal(cvmm_sys_epoll_wait(ep, ev, SIZE_MAX, 0, &n), -EINVAL);
	assert_int_equal(n, 99);
	assert_int_equal(cvmm_sys_epoll_wait(-1, ev, 4, 0, &n), -EBADF);
	assert_int_equal(cvmm_sys_epoll_add(ep, -1, EPOLLIN, 0), -EBADF);
	/* Pipes poll; regular files do not. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(cvmm_sys_epoll_add(ep, p[0], EPOLLIN, 7), 0);
	{
		FILE *f = tmpfile();

		assert_non_null(f);
		assert_int_equal(cvmm_sys_epoll_add(ep, fileno(f), EPOLLIN, 0),
				 -EPERM);
		fclose(f);
	}
	close(p[0]);
	close(p[1]);
	close(efd);
	close(ep);
}

static void timerfd_timer(void **state)
{
	int fd = -1;
	uint64_t v = 0, rem = 1, ival = 1;

	(void)state;
	assert_int_equal(cvmm_sys_timerfd_open(0x2, &fd), -EINVAL);
	assert_int_equal(cvmm_sys_timerfd_open(CVMM_SYS_TIMERFD_NONBLOCK, &fd),
			 0);
	assert_cloexec(fd);
	assert_int_equal(cvmm_sys_timerfd_read(fd, &v), -EAGAIN);
	assert_int_equal(cvmm_sys_timerfd_get(fd, &rem, &ival), 0);
	assert_true(rem == 0 && ival == 0);
	/* Armed far in the future: time remains, no expiry yet. */
	assert_int_equal(cvmm_sys_timerfd_set(fd, UINT64_C(3600000000000),
					      UINT64_C(1500000000)),
			 0);
	assert_int_equal(cvmm_sys_timerfd_get(fd, &rem, &ival), 0);
	assert_true(rem > 0 && rem <= UINT64_C(3600000000000));
	assert_true(ival == UINT64_C(1500000000));
	assert_int_equal(cvmm_sys_timerfd_read(fd, &v), -EAGAIN);
	/* Disarm. */
	assert_int_equal(cvmm_sys_timerfd_set(fd, 0, 0), 0);
	assert_int_equal(cvmm_sys_timerfd_get(fd, &rem, &ival), 0);
	assert_true(rem == 0);
	close(fd);
	/* A blocking timer of 1 ms: the read waits for the expiry. */
	assert_int_equal(cvmm_sys_timerfd_open(0, &fd), 0);
	assert_int_equal(cvmm_sys_timerfd_set(fd, 1000000, 0), 0);
	assert_int_equal(cvmm_sys_timerfd_read(fd, &v), 0);
	assert_true(v >= 1);
	close(fd);
	assert_int_equal(cvmm_sys_timerfd_set(-1, 1, 0), -EBADF);
	assert_int_equal(cvmm_sys_timerfd_get(-1, &rem, &ival), -EBADF);
}

static void creation_fails_when_out_of_descriptors(void **state)
{
	struct rlimit saved, low;
	int fd = -1, lowest_free = dup(0);

	(void)state;
	assert_true(lowest_free >= 0);
	close(lowest_free);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	/* No descriptor number is free below the new limit. */
	low = saved;
	low.rlim_cur = (rlim_t)lowest_free;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(cvmm_sys_eventfd_open(0, 0, &fd), -EMFILE);
	assert_int_equal(cvmm_sys_epoll_open(&fd), -EMFILE);
	assert_int_equal(cvmm_sys_timerfd_open(0, &fd), -EMFILE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_int_equal(fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nonblock_flag),
	    cmocka_unit_test(eventfd_counter),
	    cmocka_unit_test(short_transfers_are_errors),
	    cmocka_unit_test(epoll_set),
	    cmocka_unit_test(timerfd_timer),
	    cmocka_unit_test(creation_fails_when_out_of_descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
