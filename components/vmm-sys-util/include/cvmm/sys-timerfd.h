/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timerfd on CLOCK_MONOTONIC, in nanoseconds (cvmm/sys.h has the
 * conventions). A timer's expirations are read from its descriptor, so it
 * fits an epoll loop: boot timeouts, periodic work, rate-limit refills.
 */
#ifndef CVMM_SYS_TIMERFD_H
#define CVMM_SYS_TIMERFD_H

#include <cvmm/sys.h>

/* Flags for cvmm_sys_timerfd_open(). */
#define CVMM_SYS_TIMERFD_NONBLOCK 0x1u

/*
 * Open a disarmed timer; *fd receives a close-on-exec descriptor the caller
 * owns. Errors: -EINVAL for unknown flags; those of timerfd_create(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_timerfd_open(unsigned flags, int *fd);

/*
 * Arm the timer to expire first_ns from now, then every interval_ns (0:
 * once). first_ns 0 disarms it. Errors: those of timerfd_settime(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_timerfd_set(int fd, uint64_t first_ns,
					     uint64_t interval_ns);

/*
 * The time left to the next expiry (0: disarmed) and the interval.
 * Errors: those of timerfd_gettime(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_timerfd_get(int fd, uint64_t *remaining_ns,
					     uint64_t *interval_ns);

/*
 * Take the number of expirations since the last read (at least 1), waiting
 * for one unless non-blocking. Errors: -EAGAIN (non-blocking, none yet);
 * -EINTR; those of read(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_timerfd_read(int fd, uint64_t *expirations);

#endif
