/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eventfd(2): a 64-bit counter behind a file descriptor, the VMM's
 * doorbell (irqfd, ioeventfd, waking an event loop). See cvmm/sys.h for the
 * conventions.
 */
#ifndef CVMM_SYS_EVENTFD_H
#define CVMM_SYS_EVENTFD_H

#include <cvmm/sys.h>

/* Flags for cvmm_sys_eventfd_open(). */
#define CVMM_SYS_EVENTFD_NONBLOCK  0x1u /* reads and writes never block */
#define CVMM_SYS_EVENTFD_SEMAPHORE 0x2u /* each read takes 1, not all */

/*
 * Open an eventfd with counter initval. *fd receives a close-on-exec
 * descriptor the caller owns. Errors: -EINVAL for unknown flags; those of
 * eventfd(2) (-EMFILE, -ENFILE, -ENOMEM).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_eventfd_open(uint32_t initval, unsigned flags,
					      int *fd);

/*
 * Add value to the counter. Errors: -EINVAL for value 2^64 - 1 (reserved
 * by the kernel); -EAGAIN when the counter would pass 2^64 - 2 on a
 * non-blocking eventfd; -EINTR; those of write(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_eventfd_write(int fd, uint64_t value);

/*
 * Take the counter (or 1 of it, in semaphore mode) into *value, leaving 0
 * (or one less). Errors: -EAGAIN when the counter is 0 on a non-blocking
 * eventfd; -EINTR; those of read(2).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_eventfd_read(int fd, uint64_t *value);

#endif
