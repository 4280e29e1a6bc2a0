/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm vmm-sys-util: the Linux system interfaces a VMM is built on, with
 * one error convention and no hidden state.
 *
 *   cvmm/sys.h            this file: conventions, file-descriptor flags;
 *   cvmm/sys-eventfd.h    eventfd;
 *   cvmm/sys-epoll.h      epoll;
 *   cvmm/sys-timerfd.h    timerfd on CLOCK_MONOTONIC;
 *   cvmm/sys-signal.h     blocking, signalfd, handlers, real-time signals
 *                         for kicking vCPU threads (needs _POSIX_C_SOURCE);
 *   cvmm/sys-term.h       terminal raw mode and its restoration;
 *   cvmm/sys-ratelimit.h  token-bucket rate limiting for logs, with an
 *                         injectable clock;
 *   cvmm/sys-seccomp.h    seccomp allowlist filters through libseccomp.
 *
 * Conventions, for every header of the component:
 *   - fallible functions return 0 or a negative errno (the errno of the
 *     failing system call, unchanged), never -1, and are marked
 *     warn_unused_result; results come back through out-parameters, which
 *     are written only on success;
 *   - system calls interrupted by a signal are not retried: -EINTR is
 *     returned so the caller sees the signal (a vCPU kick, a stop request);
 *   - every file descriptor the component opens is close-on-exec, and
 *     belongs to the caller, who closes it with close(2);
 *   - no global state: the only process-wide effects are the ones the
 *     kernel defines as such (signal dispositions, a seccomp filter with
 *     TSYNC), and each is requested explicitly.
 */
#ifndef CVMM_SYS_H
#define CVMM_SYS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CVMM_SYS_MUST_CHECK __attribute__((warn_unused_result))

/* Set or clear O_NONBLOCK on fd. Errors: those of fcntl(2), e.g. -EBADF. */
CVMM_SYS_MUST_CHECK int cvmm_sys_fd_set_nonblock(int fd, bool nonblock);

#endif
