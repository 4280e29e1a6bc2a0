/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the signal helpers: masks, signalfd, handlers, -EINTR,
 * real-time signals and kicking a thread out of a blocking call. */
#define _GNU_SOURCE
#include <cvmm/sys-epoll.h>
#include <cvmm/sys-eventfd.h>
#include <cvmm/sys-signal.h>
#include <cvmm/sys-timerfd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

static volatile sig_atomic_t caught_signo;
static volatile sig_atomic_t caught_count;

static void counting_handler(int signum, siginfo_t *info, void *uctx)
{
	(void)uctx;
	if (info->si_signo == signum)
		caught_signo = signum;
	caught_count++;
}

static bool is_blocked(int signum)
{
	sigset_t cur;

	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
	return sigismember(&cur, signum) == 1;
}

static void block_and_unblock(void **state)
{
	const int sigs[] = {SIGUSR1, SIGUSR2};
	const int bad[] = {SIGUSR1, 0};
	const int huge[] = {1000};

	(void)state;
	assert_int_equal(cvmm_sys_signal_block(sigs, 2), 0);
	assert_true(is_blocked(SIGUSR1));
	assert_true(is_blocked(SIGUSR2));
	assert_int_equal(cvmm_sys_signal_unblock(sigs, 1), 0);
	assert_false(is_blocked(SIGUSR1));
	assert_true(is_blocked(SIGUSR2));
	assert_int_equal(cvmm_sys_signal_unblock(sigs + 1, 1), 0);
	/* An invalid number changes nothing. */
	assert_int_equal(cvmm_sys_signal_block(bad, 2), -EINVAL);
	assert_false(is_blocked(SIGUSR1));
	assert_int_equal(cvmm_sys_signal_unblock(huge, 1), -EINVAL);
	assert_int_equal(cvmm_sys_signal_block(NULL, 0), 0);
}

static void signalfd_delivers_blocked_signals(void **state)
{
	const int sigs[] = {SIGUSR1};
	const int bad[] = {-3};
	struct signalfd_siginfo si;
	int fd = -1, p[2];

	(void)state;
	assert_int_equal(cvmm_sys_signalfd_open(sigs, 1, 0x8, &fd), -EINVAL);
	assert_int_equal(cvmm_sys_signalfd_open(bad, 1, 0, &fd), -EINVAL);
	assert_int_equal(fd, -1);
	assert_int_equal(cvmm_sys_signal_block(sigs, 1), 0);
	assert_int_equal(
	    cvmm_sys_signalfd_open(sigs, 1, CVMM_SYS_SIGNALFD_NONBLOCK, &fd),
	    0);
	assert_int_equal(cvmm_sys_signalfd_read(fd, &si), -EAGAIN);
	assert_int_equal(raise(SIGUSR1), 0);
	memset(&si, 0, sizeof(si));
	assert_int_equal(cvmm_sys_signalfd_read(fd, &si), 0);
	assert_int_equal(si.ssi_signo, SIGUSR1);
	assert_int_equal(cvmm_sys_signalfd_read(fd, &si), -EAGAIN);
	close(fd);
	assert_int_equal(cvmm_sys_signal_unblock(sigs, 1), 0);
	assert_int_equal(cvmm_sys_signalfd_read(-1, &si), -EBADF);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "xyz", 3), 3);
	assert_int_equal(cvmm_sys_signalfd_read(p[0], &si), -EIO);
	close(p[0]);
	close(p[1]);
}

static void handlers(void **state)
{
	struct sigaction sa;

	(void)state;
	caught_count = 0;
	assert_int_equal(cvmm_sys_signal_handler(SIGUSR2, counting_handler,
						 CVMM_SYS_SIGNAL_RESTART),
			 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &sa), 0);
	assert_true(sa.sa_flags & SA_RESTART);
	assert_true(sa.sa_flags & SA_SIGINFO);
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(caught_count, 1);
	assert_int_equal(caught_signo, SIGUSR2);
	/* The no-op handler: the signal no longer kills. */
	assert_int_equal(cvmm_sys_signal_handler(SIGUSR2, NULL, 0), 0);
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(caught_count, 1);
	assert_int_equal(sigaction(SIGUSR2, NULL, &sa), 0);
	assert_false(sa.sa_flags & SA_RESTART);
	assert_int_equal(cvmm_sys_signal_default(SIGUSR2), 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &sa), 0);
	assert_ptr_equal(sa.sa_handler, SIG_DFL);
	/* Uncatchable and invalid signals, unknown flags. */
	assert_int_equal(cvmm_sys_signal_handler(SIGKILL, NULL, 0), -EINVAL);
	assert_int_equal(cvmm_sys_signal_handler(SIGSTOP, NULL, 0), -EINVAL);
	assert_int_equal(cvmm_sys_signal_handler(SIGUSR2, NULL, 0x10), -EINVAL);
	assert_int_equal(cvmm_sys_signal_default(0), -EINVAL);
	assert_int_equal(cvmm_sys_signal_default(1000), -EINVAL);
}

static void realtime_numbers(void **state)
{
	int s = 0;

	(void)state;
	assert_int_equal(cvmm_sys_signal_rt(0, &s), 0);
	assert_int_equal(s, SIGRTMIN);
	assert_int_equal(
	    cvmm_sys_signal_rt((unsigned)(SIGRTMAX - SIGRTMIN), &s), 0);
	assert_int_equal(s, SIGRTMAX);
	assert_int_equal(
	    cvmm_sys_signal_rt((unsigned)(SIGRTMAX - SIGRTMIN) + 1, &s),
	    -EINVAL);
	assert_int_equal(cvmm_sys_signal_rt(UINT32_MAX, &s), -EINVAL);
	assert_int_equal(s, SIGRTMAX);
}

/* Blocking calls return -EINTR when a signal without SA_RESTART arrives.
 * A repeating 1 ms timer makes sure one arrives while the call waits. */
static void blocking_calls_report_eintr(void **state)
{
	struct itimerval on = {{0, 1000}, {0, 1000}}, off = {{0, 0}, {0, 0}};
	struct epoll_event ev;
	int efd, ep, tfd;
	uint64_t v;
	size_t n;

	(void)state;
	assert_int_equal(cvmm_sys_signal_handler(SIGALRM, NULL, 0), 0);
	assert_int_equal(cvmm_sys_eventfd_open(0, 0, &efd), 0);
	assert_int_equal(cvmm_sys_epoll_open(&ep), 0);
	assert_int_equal(cvmm_sys_timerfd_open(0, &tfd), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &on, NULL), 0);
	assert_int_equal(cvmm_sys_eventfd_read(efd, &v), -EINTR);
	assert_int_equal(cvmm_sys_epoll_wait(ep, &ev, 1, -1, &n), -EINTR);
	assert_int_equal(cvmm_sys_timerfd_read(tfd, &v), -EINTR);
	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	/* The no-op handler stays: a tick already pending (valgrind delivers
	 * signals late) must not meet the default action and kill the test. */
	close(tfd);
	close(ep);
	close(efd);
}

struct kick {
	int efd;
	int result; /* atomic */
	int done;   /* atomic */
};

static void *vcpu_like(void *arg)
{
	struct kick *k = arg;
	uint64_t v;

	/* Stands in for KVM_RUN: a call that blocks until interrupted. */
	__atomic_store_n(&k->result, cvmm_sys_eventfd_read(k->efd, &v),
			 __ATOMIC_SEQ_CST);
	__atomic_store_n(&k->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void kick_a_thread(void **state)
{
	struct kick k = {-1, 1, 0};
	pthread_t t;
	int sig;

	(void)state;
	assert_int_equal(cvmm_sys_signal_rt(0, &sig), 0);
	assert_int_equal(cvmm_sys_signal_handler(sig, NULL, 0), 0);
	assert_int_equal(cvmm_sys_eventfd_open(0, 0, &k.efd), 0);
	assert_int_equal(pthread_create(&t, NULL, vcpu_like, &k), 0);
	/* Kick until the thread is out; a kick before it blocks is
	 * harmless, the next one gets it. */
	while (!__atomic_load_n(&k.done, __ATOMIC_SEQ_CST)) {
		struct timespec pause = {0, 100000};
		int rc = cvmm_sys_signal_thread(t, sig);

		/* -ESRCH: it ended between the check and the kick;
		 * -EAGAIN: kicks queued faster than a slow (sanitized)
		 * thread takes them filled the real-time signal queue. */
		if (rc != 0 && rc != -ESRCH && rc != -EAGAIN)
			fail_msg("kick: %d", rc);
		nanosleep(&pause, NULL);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(k.result, -EINTR);
	assert_int_equal(cvmm_sys_signal_thread(pthread_self(), 1000), -EINVAL);
	assert_int_equal(cvmm_sys_signal_default(sig), 0);
	close(k.efd);
}

static void signalfd_creation_fails_without_descriptors(void **state)
{
	const int sigs[] = {SIGUSR1};
	struct rlimit saved, low;
	int fd = -1, lowest_free = dup(0);

	(void)state;
	assert_true(lowest_free >= 0);
	close(lowest_free);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = (rlim_t)lowest_free;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(cvmm_sys_signalfd_open(sigs, 1, 0, &fd), -EMFILE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_int_equal(fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(block_and_unblock),
	    cmocka_unit_test(signalfd_delivers_blocked_signals),
	    cmocka_unit_test(handlers),
	    cmocka_unit_test(realtime_numbers),
	    cmocka_unit_test(blocking_calls_report_eintr),
	    cmocka_unit_test(kick_a_thread),
	    cmocka_unit_test(signalfd_creation_fails_without_descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
