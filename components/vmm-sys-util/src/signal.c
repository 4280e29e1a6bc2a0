/* SPDX-License-Identifier: Apache-2.0 */
/* Signal masks, signalfd, handlers, real-time signals. */
#define _GNU_SOURCE
#include <cvmm/sys-signal.h>

#include <string.h>
#include <unistd.h>

/* Build a set from a list; -EINVAL on an invalid number. */
static int make_set(const int *signals, size_t n, sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < n; i++)
		if (sigaddset(set, signals[i]) < 0)
			return -EINVAL;
	return 0;
}

static int mask(int how, const int *signals, size_t n)
{
	sigset_t set;
	int rc = make_set(signals, n, &set);

	if (rc != 0)
		return rc;
	return -pthread_sigmask(how, &set, NULL);
}

int cvmm_sys_signal_block(const int *signals, size_t n)
{
	return mask(SIG_BLOCK, signals, n);
}

int cvmm_sys_signal_unblock(const int *signals, size_t n)
{
	return mask(SIG_UNBLOCK, signals, n);
}

int cvmm_sys_signalfd_open(const int *signals, size_t n, unsigned flags,
			   int *fd)
{
	sigset_t set;
	int sfd_flags = SFD_CLOEXEC, rc, r;

	if (flags & ~CVMM_SYS_SIGNALFD_NONBLOCK)
		return -EINVAL;
	if (flags & CVMM_SYS_SIGNALFD_NONBLOCK)
		sfd_flags |= SFD_NONBLOCK;
	rc = make_set(signals, n, &set);
	if (rc != 0)
		return rc;
	r = signalfd(-1, &set, sfd_flags);
	if (r < 0)
		return -errno;
	*fd = r;
	return 0;
}

int cvmm_sys_signalfd_read(int fd, struct signalfd_siginfo *info)
{
	struct signalfd_siginfo si;
	ssize_t r = read(fd, &si, sizeof(si));

	if (r < 0)
		return -errno;
	if (r != (ssize_t)sizeof(si))
		return -EIO;
	*info = si;
	return 0;
}

static void noop(int signum, siginfo_t *info, void *uctx)
{
	(void)signum;
	(void)info;
	(void)uctx;
}

int cvmm_sys_signal_handler(int signum, cvmm_sys_signal_fn handler,
			    unsigned flags)
{
	struct sigaction sa;

	if (flags & ~CVMM_SYS_SIGNAL_RESTART)
		return -EINVAL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler != NULL ? handler : noop;
	sa.sa_flags = SA_SIGINFO;
	if (flags & CVMM_SYS_SIGNAL_RESTART)
		sa.sa_flags |= SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(signum, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int cvmm_sys_signal_default(int signum)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signum, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int cvmm_sys_signal_rt(unsigned n, int *signum)
{
	/* SIGRTMIN and SIGRTMAX are function calls in glibc. */
	int lo = SIGRTMIN, hi = SIGRTMAX;

	if (n > (unsigned)(hi - lo))
		return -EINVAL;
	*signum = lo + (int)n;
	return 0;
}

int cvmm_sys_signal_thread(pthread_t thread, int signum)
{
	return -pthread_kill(thread, signum);
}
