/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm event-manager: an epoll loop with subscribers, the C counterpart of
 * rust-vmm's event-manager.
 *
 * A subscriber is an ops table plus a context (a console, a virtio
 * device's queue notifiers, a timer, the VMM's exit eventfd). It watches
 * any number of file descriptors, each with an interest mask (EPOLLIN,
 * EPOLLOUT, ... from <sys/epoll.h>) and a 64-bit value of its own; the
 * manager calls its process() with the descriptor, the events that
 * happened and that value. A VMM's main thread runs:
 *
 *     while (!stop)
 *             if (cvmm_evm_run_once(evm, -1, NULL) != 0)
 *                     break;
 *
 * Removal is safe at any time, including from inside a callback, for the
 * subscriber being called or any other: once cvmm_evm_remove() or
 * cvmm_evm_remove_fd() returns, no event for what was removed is
 * delivered, even one the kernel already reported in the batch being
 * dispatched. A descriptor removed and added again in the same batch gets
 * only events reported after it was added again.
 *
 * Errors. Functions return 0 or a negative errno:
 *   -EINVAL  a NULL ops table or process callback, a negative descriptor;
 *   -ENOENT  no such subscriber, or the descriptor is not the subscriber's;
 *   -EEXIST  the descriptor is already watched by this manager (by any
 *            subscriber: epoll watches a descriptor once);
 *   -EBUSY   cvmm_evm_run_once() called from inside a callback;
 *   -ENOMEM  allocation failed;
 *   others   from epoll or eventfd (vmm-sys-util's conventions), e.g.
 *            -EPERM for a descriptor that cannot be polled (a regular
 *            file), -EBADF.
 * A failed call changes nothing.
 *
 * Ownership and lifetime. cvmm_evm_create() allocates the manager (with
 * an epoll descriptor and an eventfd of its own); cvmm_evm_destroy() frees
 * it. Subscribers' ops and ctx are borrowed: the manager uses them until
 * it calls ops->removed (after cvmm_evm_remove() or in
 * cvmm_evm_destroy()), or, without a removed callback, until
 * cvmm_evm_remove() returns. Watched descriptors are borrowed too: remove
 * a descriptor (or its subscriber) before closing it.
 *
 * Threads. A manager belongs to one thread; only cvmm_evm_wake() may be
 * called from others.
 *
 * Cost. Dispatching an event is a binary search (O(log n) in the number of
 * watched descriptors); adding and removing descriptors is O(n).
 */
#ifndef CVMM_EVM_H
#define CVMM_EVM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#define CVMM_EVM_MUST_CHECK __attribute__((warn_unused_result))

/* Events fetched from the kernel per epoll_wait. */
#define CVMM_EVM_BATCH 64u

struct cvmm_evm;

/* A subscriber's handle: unique for the manager's life, never 0. */
typedef uint64_t cvmm_evm_id;

/* What process() is told about one event. */
struct cvmm_evm_event {
	int fd;		 /* the watched descriptor */
	uint32_t events; /* EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR, ... */
	uint64_t data;	 /* the value given with the descriptor */
};

/*
 * A subscriber's callbacks; process is required, the others may be NULL.
 *   init:    called once by cvmm_evm_add(), to watch the subscriber's
 *            descriptors with cvmm_evm_add_fd(evm, id, ...); a non-zero
 *            return makes cvmm_evm_add() undo the subscriber (removed is
 *            not called) and return that value;
 *   process: one event on one of its descriptors; it may add, modify and
 *            remove descriptors and subscribers (itself included);
 *   removed: the manager has let go of the subscriber and will not use
 *            ctx again; the place to free it. When a callback removes a
 *            subscriber, removed runs after that callback returns.
 */
struct cvmm_evm_ops {
	int (*init)(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id);
	void (*process)(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id,
			const struct cvmm_evm_event *event);
	void (*removed)(void *ctx, cvmm_evm_id id);
};

/*
 * Create a manager. On success *out owns it. Errors: -ENOMEM, and those of
 * epoll_create1 and eventfd (-EMFILE, ...). On failure *out is untouched.
 */
CVMM_EVM_MUST_CHECK int cvmm_evm_create(struct cvmm_evm **out);

/*
 * Remove every subscriber (calling removed for each, in the order they
 * were added), close the manager's own descriptors and free it. NULL is
 * allowed. Not from inside a callback.
 */
void cvmm_evm_destroy(struct cvmm_evm *evm);

/*
 * Add a subscriber and run its init. On success *id (if not NULL) names
 * it. Errors: -EINVAL (ops or ops->process NULL), -ENOMEM, or what init
 * returned.
 */
CVMM_EVM_MUST_CHECK int cvmm_evm_add(struct cvmm_evm *evm,
				     const struct cvmm_evm_ops *ops, void *ctx,
				     cvmm_evm_id *id);

/*
 * Remove a subscriber: stop watching all its descriptors, then call its
 * removed (at once, or after the running callback returns). Errors:
 * -ENOENT if id names no subscriber (or one already removed).
 */
CVMM_EVM_MUST_CHECK int cvmm_evm_remove(struct cvmm_evm *evm, cvmm_evm_id id);

/*
 * Watch fd for the events in the interest mask on behalf of subscriber id;
 * data comes back in each event. Errors: -ENOENT, -EINVAL, -EEXIST,
 * -ENOMEM, epoll's.
 */
CVMM_EVM_MUST_CHECK int cvmm_evm_add_fd(struct cvmm_evm *evm, cvmm_evm_id id,
					int fd, uint32_t events, uint64_t data);

/*
 * Change the interest and data of a descriptor subscriber id watches (to
 * stop asking for EPOLLOUT once output drained, to re-arm EPOLLONESHOT).
 * Errors: -ENOENT, epoll's.
 */
CVMM_EVM_MUST_CHECK int cvmm_evm_modify_fd(struct cvmm_evm *evm, cvmm_evm_id id,
					   int fd, uint32_t events,
					   uint64_t data);

/* Stop watching fd for subscriber id. Errors: -ENOENT. */
CVMM_EVM_MUST_CHECK int cvmm_evm_remove_fd(struct cvmm_evm *evm, cvmm_evm_id id,
					   int fd);

/*
 * Wait up to timeout_ms (-1: forever, 0: poll) for events and dispatch
 * them; *dispatched (if not NULL) receives the number of process() calls
 * made. A signal interrupting the wait, a cvmm_evm_wake() and a timeout
 * all return 0 with nothing dispatched. Errors: -EBUSY (from inside a
 * callback); epoll's.
 */
CVMM_EVM_MUST_CHECK int cvmm_evm_run_once(struct cvmm_evm *evm, int timeout_ms,
					  unsigned *dispatched);

/*
 * Make the current cvmm_evm_run_once() return, or the next one if none is
 * waiting. Safe from any thread and from signal handlers (one write(2)).
 * Errors: those of write(2) on an eventfd; a wake already pending is not
 * an error.
 */
CVMM_EVM_MUST_CHECK int cvmm_evm_wake(struct cvmm_evm *evm);

/* Number of subscribers. */
size_t cvmm_evm_count(const struct cvmm_evm *evm);

/* Number of watched descriptors (the manager's own not included). */
size_t cvmm_evm_fd_count(const struct cvmm_evm *evm);

#endif
