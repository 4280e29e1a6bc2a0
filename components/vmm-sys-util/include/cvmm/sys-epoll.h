/* SPDX-License-Identifier: Apache-2.0 */
/*
 * epoll(7) with the component's conventions (cvmm/sys.h). Interest masks
 * are the EPOLL* bits of <sys/epoll.h>; data is the caller's 64-bit token,
 * returned in epoll_event.data.u64.
 *
 * Remove a descriptor from every epoll set before closing it: epoll tracks
 * the open file, not the number, so a dup(2) of a closed descriptor keeps
 * reporting events for it.
 */
#ifndef CVMM_SYS_EPOLL_H
#define CVMM_SYS_EPOLL_H

#include <cvmm/sys.h>

#include <sys/epoll.h>

/*
 * Open an epoll instance; *epfd receives a close-on-exec descriptor the
 * caller owns. Errors: those of epoll_create1(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_epoll_open(int *epfd);

/*
 * Watch fd for events, reporting data with them. Errors: -EEXIST if fd is
 * already in the set; -EBADF, -EPERM (fd does not support polling, e.g. a
 * regular file), -ELOOP, -ENOMEM, -ENOSPC: those of epoll_ctl(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_epoll_add(int epfd, int fd, uint32_t events,
					   uint64_t data);

/* Change what fd is watched for and its token. Errors: -ENOENT if fd is
 * not in the set; those of epoll_ctl(2). */
CVMM_SYS_MUST_CHECK int cvmm_sys_epoll_modify(int epfd, int fd, uint32_t events,
					      uint64_t data);

/* Stop watching fd. Errors: -ENOENT if fd is not in the set; those of
 * epoll_ctl(2). */
CVMM_SYS_MUST_CHECK int cvmm_sys_epoll_remove(int epfd, int fd);

/*
 * Wait up to timeout_ms milliseconds (-1: forever, 0: poll) for events;
 * store up to max of them in events and their number in *n (0 on timeout).
 * Errors: -EINVAL if max is 0 or above the kernel's limit (INT_MAX /
 * sizeof(struct epoll_event)), or events is NULL; -EINTR when a signal
 * arrived; those of epoll_wait(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_epoll_wait(int epfd,
					    struct epoll_event *events,
					    size_t max, int timeout_ms,
					    size_t *n);

#endif
