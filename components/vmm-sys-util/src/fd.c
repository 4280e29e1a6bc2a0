/* SPDX-License-Identifier: Apache-2.0 */
/* eventfd, epoll, timerfd and descriptor flags. */
#define _GNU_SOURCE
#include <cvmm/sys-epoll.h>
#include <cvmm/sys-eventfd.h>
#include <cvmm/sys-timerfd.h>

#include <fcntl.h>
#include <limits.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S UINT64_C(1000000000)

int cvmm_sys_fd_set_nonblock(int fd, bool nonblock)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = nonblock ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	if (fcntl(fd, F_SETFL, fl) < 0)
		return -errno;
	return 0;
}

/* Read or write exactly 8 bytes, the unit of eventfd and timerfd. */
static int read_u64(int fd, uint64_t *value)
{
	uint64_t v;
	ssize_t r = read(fd, &v, sizeof(v));

	if (r < 0)
		return -errno;
	if (r != (ssize_t)sizeof(v))
		return -EIO;
	*value = v;
	return 0;
}

int cvmm_sys_eventfd_open(uint32_t initval, unsigned flags, int *fd)
{
	int efd_flags = EFD_CLOEXEC, r;

	if (flags & ~(CVMM_SYS_EVENTFD_NONBLOCK | CVMM_SYS_EVENTFD_SEMAPHORE))
		return -EINVAL;
	if (flags & CVMM_SYS_EVENTFD_NONBLOCK)
		efd_flags |= EFD_NONBLOCK;
	if (flags & CVMM_SYS_EVENTFD_SEMAPHORE)
		efd_flags |= EFD_SEMAPHORE;
	r = eventfd(initval, efd_flags);
	if (r < 0)
		return -errno;
	*fd = r;
	return 0;
}

int cvmm_sys_eventfd_write(int fd, uint64_t value)
{
	ssize_t r;

	if (value == UINT64_MAX)
		return -EINVAL;
	r = write(fd, &value, sizeof(value));
	if (r < 0)
		return -errno;
	return r == (ssize_t)sizeof(value) ? 0 : -EIO;
}

int cvmm_sys_eventfd_read(int fd, uint64_t *value)
{
	return read_u64(fd, value);
}

int cvmm_sys_epoll_open(int *epfd)
{
	int r = epoll_create1(EPOLL_CLOEXEC);

	if (r < 0)
		return -errno;
	*epfd = r;
	return 0;
}

static int ctl(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};

	if (epoll_ctl(epfd, op, fd, &ev) < 0)
		return -errno;
	return 0;
}

int cvmm_sys_epoll_add(int epfd, int fd, uint32_t events, uint64_t data)
{
	return ctl(epfd, EPOLL_CTL_ADD, fd, events, data);
}

int cvmm_sys_epoll_modify(int epfd, int fd, uint32_t events, uint64_t data)
{
	return ctl(epfd, EPOLL_CTL_MOD, fd, events, data);
}

int cvmm_sys_epoll_remove(int epfd, int fd)
{
	return ctl(epfd, EPOLL_CTL_DEL, fd, 0, 0);
}

int cvmm_sys_epoll_wait(int epfd, struct epoll_event *events, size_t max,
			int timeout_ms, size_t *n)
{
	int r;

	/* The kernel refuses more than INT_MAX bytes' worth of events. */
	if (events == NULL || max == 0 || max > INT_MAX / sizeof(*events))
		return -EINVAL;
	r = epoll_wait(epfd, events, (int)max, timeout_ms);
	if (r < 0)
		return -errno;
	*n = (size_t)r;
	return 0;
}

int cvmm_sys_timerfd_open(unsigned flags, int *fd)
{
	int tfd_flags = TFD_CLOEXEC, r;

	if (flags & ~CVMM_SYS_TIMERFD_NONBLOCK)
		return -EINVAL;
	if (flags & CVMM_SYS_TIMERFD_NONBLOCK)
		tfd_flags |= TFD_NONBLOCK;
	r = timerfd_create(CLOCK_MONOTONIC, tfd_flags);
	if (r < 0)
		return -errno;
	*fd = r;
	return 0;
}

static struct timespec to_timespec(uint64_t ns)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ns / NS_PER_S);
	ts.tv_nsec = (long)(ns % NS_PER_S);
	return ts;
}

static uint64_t from_timespec(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NS_PER_S + (uint64_t)ts->tv_nsec;
}

int cvmm_sys_timerfd_set(int fd, uint64_t first_ns, uint64_t interval_ns)
{
	struct itimerspec its;

	its.it_value = to_timespec(first_ns);
	its.it_interval = to_timespec(interval_ns);
	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

int cvmm_sys_timerfd_get(int fd, uint64_t *remaining_ns, uint64_t *interval_ns)
{
	struct itimerspec its;

	if (timerfd_gettime(fd, &its) < 0)
		return -errno;
	*remaining_ns = from_timespec(&its.it_value);
	*interval_ns = from_timespec(&its.it_interval);
	return 0;
}

int cvmm_sys_timerfd_read(int fd, uint64_t *expirations)
{
	return read_u64(fd, expirations);
}
