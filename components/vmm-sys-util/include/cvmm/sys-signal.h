/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signals for a VMM (cvmm/sys.h has the conventions):
 *   - block and unblock sets of signals in the calling thread (what a VMM
 *     does before starting threads, so only the thread that wants a signal
 *     receives it);
 *   - signalfd: receive blocked signals as readable events in an epoll
 *     loop (SIGTERM, SIGINT, SIGCHLD, SIGWINCH for the console);
 *   - handlers, including a no-op handler installed without SA_RESTART:
 *     a signal sent to a vCPU thread then makes KVM_RUN return -EINTR,
 *     which is how a VMM kicks a vCPU out of the guest;
 *   - real-time signal numbers, and sending a signal to one thread.
 *
 * Signal dispositions are process-wide by the kernel's definition; the
 * masks are per thread. This header uses siginfo_t and pthread_t, so the
 * including file must request POSIX 2008 (define _POSIX_C_SOURCE to
 * 200809L, or _GNU_SOURCE, before its first #include).
 */
#ifndef CVMM_SYS_SIGNAL_H
#define CVMM_SYS_SIGNAL_H

#include <cvmm/sys.h>

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error                                                                         \
    "cvmm/sys-signal.h needs _POSIX_C_SOURCE >= 200809L (or _GNU_SOURCE) defined before the first #include"
#endif

/* Flags for cvmm_sys_signalfd_open(). */
#define CVMM_SYS_SIGNALFD_NONBLOCK 0x1u

/* Flags for cvmm_sys_signal_handler(). */
#define CVMM_SYS_SIGNAL_RESTART 0x1u /* SA_RESTART: no -EINTR from calls */

/* A handler with the signal's details (sigaction's SA_SIGINFO form). */
typedef void (*cvmm_sys_signal_fn)(int signum, siginfo_t *info, void *uctx);

/*
 * Block (add to the calling thread's mask) or unblock the n signals in
 * signals. Errors: -EINVAL for an invalid signal number (nothing changes);
 * those of pthread_sigmask(3).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_signal_block(const int *signals, size_t n);
CVMM_SYS_MUST_CHECK int cvmm_sys_signal_unblock(const int *signals, size_t n);

/*
 * Open a signalfd for the n signals in signals; *fd receives a
 * close-on-exec descriptor the caller owns. The signals must be blocked in
 * every thread (cvmm_sys_signal_block() before creating threads), or the
 * default action may happen instead. Errors: -EINVAL for an invalid signal
 * number or unknown flags; those of signalfd(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_signalfd_open(const int *signals, size_t n,
					       unsigned flags, int *fd);

/*
 * Take one pending signal's details into *info. Errors: -EAGAIN
 * (non-blocking, none pending); -EINTR; those of read(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_signalfd_read(int fd,
					       struct signalfd_siginfo *info);

/*
 * Install handler for signum (NULL installs a handler that does nothing,
 * which turns the signal into an interruption of blocking calls). The
 * handler runs with every signal blocked. Errors: -EINVAL for an invalid
 * or uncatchable signal (SIGKILL, SIGSTOP) or unknown flags.
 */
CVMM_SYS_MUST_CHECK int
cvmm_sys_signal_handler(int signum, cvmm_sys_signal_fn handler, unsigned flags);

/* Restore signum's default action. Errors: as cvmm_sys_signal_handler(). */
CVMM_SYS_MUST_CHECK int cvmm_sys_signal_default(int signum);

/*
 * The n-th real-time signal, SIGRTMIN + n, into *signum. glibc reserves
 * the first few real-time signals for itself; SIGRTMIN already accounts
 * for that. Errors: -EINVAL if SIGRTMIN + n is past SIGRTMAX.
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_signal_rt(unsigned n, int *signum);

/*
 * Send signum to thread (a vCPU kick). Errors: -EINVAL for an invalid
 * signal; -ESRCH if the thread has ended; -EAGAIN if signum is a real-time
 * signal and the queue of pending ones is full (kicks are pending already).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_signal_thread(pthread_t thread, int signum);

#endif
