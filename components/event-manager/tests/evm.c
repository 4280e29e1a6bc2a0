/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the event manager: subscribers and their descriptors,
 * dispatch, removal and re-registration during dispatch, wake-ups,
 * signals, errors with their errnos, allocation and system-call failures
 * (the latter injected into vmm-sys-util through ld --wrap).
 */
#define _GNU_SOURCE
#include <cvmm/evm.h>

#include <cvmm/sys-epoll.h>
#include <cvmm/sys-eventfd.h>

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc-fail.h"

/* Failure injection (see tests/CMakeLists.txt). */
int __real_cvmm_sys_epoll_add(int epfd, int fd, uint32_t events, uint64_t data);
int __real_cvmm_sys_epoll_wait(int epfd, struct epoll_event *events, size_t max,
			       int timeout_ms, size_t *n);
int __real_cvmm_sys_eventfd_write(int fd, uint64_t value);
int __wrap_cvmm_sys_epoll_add(int epfd, int fd, uint32_t events, uint64_t data);
int __wrap_cvmm_sys_epoll_wait(int epfd, struct epoll_event *events, size_t max,
			       int timeout_ms, size_t *n);
int __wrap_cvmm_sys_eventfd_write(int fd, uint64_t value);
static int fail_epoll_add, fail_epoll_wait, fail_eventfd_write;

int __wrap_cvmm_sys_epoll_add(int epfd, int fd, uint32_t events, uint64_t data)
{
	if (fail_epoll_add)
		return fail_epoll_add;
	return __real_cvmm_sys_epoll_add(epfd, fd, events, data);
}

int __wrap_cvmm_sys_epoll_wait(int epfd, struct epoll_event *events, size_t max,
			       int timeout_ms, size_t *n)
{
	if (fail_epoll_wait)
		return fail_epoll_wait;
	return __real_cvmm_sys_epoll_wait(epfd, events, max, timeout_ms, n);
}

int __wrap_cvmm_sys_eventfd_write(int fd, uint64_t value)
{
	if (fail_eventfd_write)
		return fail_eventfd_write;
	return __real_cvmm_sys_eventfd_write(fd, value);
}

/* A log of callbacks, shared by the test subscribers. */
static char trail[512];

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	size_t used = strlen(trail);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(trail + used, sizeof(trail) - used, fmt, ap);
	va_end(ap);
}

/* A subscriber watching its own eventfd. */
struct sub {
	const char *name;
	struct cvmm_evm *evm;
	cvmm_evm_id id;
	int fd, fd2;
	unsigned events;
	struct cvmm_evm_event last;
	/* What process() does besides recording. */
	cvmm_evm_id remove_sub;
	bool remove_other, readd; /* the other of fd and fd2, once */
	bool drain, try_run;
	int run_rc;
	int init_rc;
	bool init_removes_self;
	cvmm_evm_id removed_removes;
};

static int sub_init(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id)
{
	struct sub *s = ctx;

	s->evm = evm;
	s->id = id;
	note("%s.init ", s->name);
	if (s->fd >= 0)
		assert_int_equal(cvmm_evm_add_fd(evm, id, s->fd, EPOLLIN, 100),
				 0);
	if (s->try_run)
		s->run_rc = cvmm_evm_run_once(evm, 0, NULL);
	if (s->init_removes_self)
		assert_int_equal(cvmm_evm_remove(evm, id), 0);
	return s->init_rc;
}

static void sub_process(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id,
			const struct cvmm_evm_event *ev)
{
	struct sub *s = ctx;
	uint64_t v;

	assert_ptr_equal(evm, s->evm);
	assert_true(id == s->id);
	s->events++;
	s->last = *ev;
	note("%s.process ", s->name);
	if (s->drain)
		assert_int_equal(cvmm_sys_eventfd_read(ev->fd, &v), 0);
	if (s->try_run)
		s->run_rc = cvmm_evm_run_once(evm, 0, NULL);
	if (s->remove_sub != 0) {
		assert_int_equal(cvmm_evm_remove(evm, s->remove_sub), 0);
		s->remove_sub = 0;
	}
	if (s->remove_other) {
		int other = ev->fd == s->fd ? s->fd2 : s->fd;

		assert_int_equal(cvmm_evm_remove_fd(evm, id, other), 0);
		if (s->readd)
			assert_int_equal(
			    cvmm_evm_add_fd(evm, id, other, EPOLLIN, 7), 0);
		s->remove_other = false;
	}
	note("%s.end ", s->name);
}

static void sub_removed(void *ctx, cvmm_evm_id id)
{
	struct sub *s = ctx;

	assert_true(id == s->id);
	note("%s.removed ", s->name);
	if (s->removed_removes != 0)
		assert_int_equal(cvmm_evm_remove(s->evm, s->removed_removes),
				 0);
}

static const struct cvmm_evm_ops sub_ops = {sub_init, sub_process, sub_removed};

static void sub_make(struct sub *s, const char *name, bool ready)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->fd2 = -1;
	assert_int_equal(cvmm_sys_eventfd_open(
			     ready ? 1 : 0, CVMM_SYS_EVENTFD_NONBLOCK, &s->fd),
			 0);
}

static void sub_close(struct sub *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->fd2 >= 0)
		close(s->fd2);
}

static struct cvmm_evm *make(void)
{
	struct cvmm_evm *evm = NULL;

	trail[0] = '\0';
	assert_int_equal(cvmm_evm_create(&evm), 0);
	assert_non_null(evm);
	return evm;
}

static void dispatch_to_the_subscriber(void **state)
{
	struct cvmm_evm *evm = make();
	struct sub a;
	cvmm_evm_id id = 0;
	unsigned n = 99;

	(void)state;
	sub_make(&a, "a", false);
	a.drain = true;
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &a, &id), 0);
	assert_true(id != 0 && id == a.id);
	assert_int_equal(cvmm_evm_count(evm), 1);
	assert_int_equal(cvmm_evm_fd_count(evm), 1);
	/* Nothing ready: a poll dispatches nothing. */
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cvmm_sys_eventfd_write(a.fd, 5), 0);
	assert_int_equal(cvmm_evm_run_once(evm, -1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(a.last.fd, a.fd);
	assert_true(a.last.events & EPOLLIN);
	assert_true(a.last.data == 100);
	/* It drained the eventfd: nothing more. */
	assert_int_equal(cvmm_evm_run_once(evm, 0, NULL), 0);
	assert_int_equal(a.events, 1);
	/* Interest and data can change: an eventfd is always writable. */
	a.drain = false;
	assert_int_equal(cvmm_evm_modify_fd(evm, id, a.fd, EPOLLOUT, 55), 0);
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 1);
	assert_true(a.last.events & EPOLLOUT);
	assert_true(a.last.data == 55);
	assert_int_equal(cvmm_evm_remove_fd(evm, id, a.fd), 0);
	assert_int_equal(cvmm_evm_fd_count(evm), 0);
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cvmm_evm_remove(evm, id), 0);
	assert_int_equal(cvmm_evm_count(evm), 0);
	assert_string_equal(trail, "a.init a.process a.end a.process a.end "
				   "a.removed ");
	cvmm_evm_destroy(evm);
	sub_close(&a);
	cvmm_evm_destroy(NULL);
}

static void errors_have_their_own_errno(void **state)
{
	static const struct cvmm_evm_ops no_process = {NULL, NULL, NULL};
	int lowest_free = dup(0);
	struct cvmm_evm *evm;
	struct sub a, b;
	cvmm_evm_id id = 0, idb = 0;
	FILE *f;

	(void)state;
	/* The manager's own descriptors are the next two free ones. */
	assert_true(lowest_free >= 0);
	close(lowest_free);
	evm = make();
	sub_make(&a, "a", false);
	sub_make(&b, "b", false);
	assert_int_equal(cvmm_evm_add(evm, NULL, &a, &id), -EINVAL);
	assert_int_equal(cvmm_evm_add(evm, &no_process, &a, &id), -EINVAL);
	assert_true(id == 0);
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &a, &id), 0);
	b.fd2 = b.fd;
	b.fd = -1; /* b's init watches nothing */
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &b, &idb), 0);
	assert_int_equal(cvmm_evm_add_fd(evm, id, -1, EPOLLIN, 0), -EINVAL);
	assert_int_equal(cvmm_evm_add_fd(evm, 999, b.fd2, EPOLLIN, 0), -ENOENT);
	/* A descriptor is watched once, whoever asks. */
	assert_int_equal(cvmm_evm_add_fd(evm, id, a.fd, EPOLLIN, 0), -EEXIST);
	assert_int_equal(cvmm_evm_add_fd(evm, idb, a.fd, EPOLLIN, 0), -EEXIST);
	assert_int_equal(cvmm_evm_add_fd(evm, idb, lowest_free, EPOLLIN, 0),
			 -EEXIST);
	assert_int_equal(cvmm_evm_add_fd(evm, idb, lowest_free + 1, EPOLLIN, 0),
			 -EEXIST);
	/* epoll's own refusal: a regular file cannot be polled. */
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(cvmm_evm_add_fd(evm, idb, fileno(f), EPOLLIN, 0),
			 -EPERM);
	fclose(f);
	assert_int_equal(cvmm_evm_fd_count(evm), 1);
	/* Only the owner modifies or removes a descriptor. */
	assert_int_equal(cvmm_evm_modify_fd(evm, idb, a.fd, EPOLLIN, 0),
			 -ENOENT);
	assert_int_equal(cvmm_evm_remove_fd(evm, idb, a.fd), -ENOENT);
	assert_int_equal(cvmm_evm_modify_fd(evm, id, b.fd2, EPOLLIN, 0),
			 -ENOENT);
	assert_int_equal(cvmm_evm_remove_fd(evm, id, b.fd2), -ENOENT);
	/* epoll refuses EPOLLEXCLUSIVE in a modification. */
	assert_int_equal(
	    cvmm_evm_modify_fd(evm, id, a.fd, EPOLLIN | EPOLLEXCLUSIVE, 0),
	    -EINVAL);
	assert_int_equal(cvmm_evm_remove(evm, 999), -ENOENT);
	assert_int_equal(cvmm_evm_remove(evm, idb), 0);
	assert_int_equal(cvmm_evm_remove(evm, idb), -ENOENT);
	assert_int_equal(cvmm_evm_add_fd(evm, idb, b.fd2, EPOLLIN, 0), -ENOENT);
	cvmm_evm_destroy(evm);
	sub_close(&a);
	sub_close(&b);
}

static void removal_during_dispatch(void **state)
{
	struct cvmm_evm *evm = make();
	struct sub a, b;
	unsigned n = 0;

	(void)state;
	/* Both ready in one batch; whichever runs first removes the other,
	 * whose reported event must not be delivered. */
	sub_make(&a, "a", true);
	sub_make(&b, "b", true);
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &a, NULL), 0);
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &b, NULL), 0);
	a.remove_sub = b.id;
	b.remove_sub = a.id;
	trail[0] = '\0';
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(a.events + b.events, 1);
	/* The victim's removed() ran after the remover's process ended. */
	if (a.events)
		assert_string_equal(trail, "a.process a.end b.removed ");
	else
		assert_string_equal(trail, "b.process b.end a.removed ");
	assert_int_equal(cvmm_evm_count(evm), 1);
	assert_int_equal(cvmm_evm_fd_count(evm), 1);
	cvmm_evm_destroy(evm);
	sub_close(&a);
	sub_close(&b);
}

static void self_removal_during_dispatch(void **state)
{
	struct cvmm_evm *evm = make();
	struct sub a;
	unsigned n = 0;

	(void)state;
	sub_make(&a, "a", true);
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &a, NULL), 0);
	a.remove_sub = a.id;
	trail[0] = '\0';
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 1);
	/* Its context stays valid until process() has returned. */
	assert_string_equal(trail, "a.process a.end a.removed ");
	assert_int_equal(cvmm_evm_count(evm), 0);
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 0);
	cvmm_evm_destroy(evm);
	sub_close(&a);
}

/* A subscriber watching two ready eventfds, fd (data 100) and fd2. */
static void two_ready(struct cvmm_evm *evm, struct sub *a)
{
	sub_make(a, "a", true);
	assert_int_equal(
	    cvmm_sys_eventfd_open(1, CVMM_SYS_EVENTFD_NONBLOCK, &a->fd2), 0);
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, a, NULL), 0);
	assert_int_equal(cvmm_evm_add_fd(evm, a->id, a->fd2, EPOLLIN, 200), 0);
}

static void descriptor_removed_during_dispatch(void **state)
{
	struct cvmm_evm *evm = make();
	struct sub a;
	unsigned n = 0;

	(void)state;
	two_ready(evm, &a);
	/* Control: both are reported (level-triggered, never drained). */
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 2);
	/* Whichever comes first removes the other, whose event, already
	 * fetched, is dropped. */
	a.remove_other = true;
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cvmm_evm_fd_count(evm), 1);
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 1);
	cvmm_evm_destroy(evm);
	sub_close(&a);
}

static void replaced_descriptor_gets_only_new_events(void **state)
{
	struct cvmm_evm *evm = make();
	struct sub a;
	unsigned n = 0;
	int replaced;

	(void)state;
	two_ready(evm, &a);
	/* The other descriptor is removed and watched again in the same
	 * batch: the event fetched for the old registration is dropped. */
	a.remove_other = true;
	a.readd = true;
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 1);
	replaced = a.last.fd == a.fd ? a.fd2 : a.fd;
	assert_int_equal(cvmm_evm_fd_count(evm), 2);
	/* The next round has both, the replaced one with its new data. */
	a.events = 0;
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 2);
	if (a.last.fd == replaced)
		assert_true(a.last.data == 7);
	cvmm_evm_destroy(evm);
	sub_close(&a);
}

/* Inside a callback, a subscriber just removed is gone for every call,
 * though its removed() has not run yet. */
struct remover {
	cvmm_evm_id victim;
	int fd;
	int checked;
};

static void remover_process(void *ctx, struct cvmm_evm *evm, cvmm_evm_id id,
			    const struct cvmm_evm_event *ev)
{
	struct remover *r = ctx;

	(void)id;
	(void)ev;
	assert_int_equal(cvmm_evm_count(evm), 2);
	assert_int_equal(cvmm_evm_remove(evm, r->victim), 0);
	assert_int_equal(cvmm_evm_count(evm), 1);
	assert_int_equal(cvmm_evm_remove(evm, r->victim), -ENOENT);
	assert_int_equal(cvmm_evm_add_fd(evm, r->victim, r->fd, EPOLLIN, 0),
			 -ENOENT);
	assert_string_equal(trail, "");
	r->checked++;
}

static const struct cvmm_evm_ops remover_ops = {NULL, remover_process, NULL};

static void removed_subscriber_is_gone_at_once(void **state)
{
	struct cvmm_evm *evm = make();
	struct remover r = {0, -1, 0};
	struct sub b;
	cvmm_evm_id id;

	(void)state;
	sub_make(&b, "b", false);
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &b, &r.victim), 0);
	assert_int_equal(cvmm_evm_add(evm, &remover_ops, &r, &id), 0);
	assert_int_equal(cvmm_sys_eventfd_open(1, 0, &r.fd), 0);
	assert_int_equal(cvmm_evm_add_fd(evm, id, r.fd, EPOLLIN, 0), 0);
	trail[0] = '\0';
	assert_int_equal(cvmm_evm_run_once(evm, 0, NULL), 0);
	assert_int_equal(r.checked, 1);
	assert_string_equal(trail, "b.removed ");
	cvmm_evm_destroy(evm);
	close(r.fd);
	sub_close(&b);
}

static void ids_are_never_reused(void **state)
{
	struct cvmm_evm *evm = make();
	static const struct cvmm_evm_ops bare = {NULL, sub_process, NULL};
	cvmm_evm_id id[3], again;
	struct sub a;

	(void)state;
	sub_make(&a, "a", false);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cvmm_evm_add(evm, &bare, &a, &id[i]), 0);
	assert_true(id[0] < id[1] && id[1] < id[2]);
	/* A removed id in the middle stays unknown. */
	assert_int_equal(cvmm_evm_remove(evm, id[1]), 0);
	assert_int_equal(cvmm_evm_remove(evm, id[1]), -ENOENT);
	assert_int_equal(cvmm_evm_add_fd(evm, id[1], a.fd, EPOLLIN, 0),
			 -ENOENT);
	assert_int_equal(cvmm_evm_add(evm, &bare, &a, &again), 0);
	assert_true(again > id[2]);
	assert_int_equal(cvmm_evm_count(evm), 3);
	cvmm_evm_destroy(evm);
	sub_close(&a);
}

static void run_once_inside_a_callback_is_refused(void **state)
{
	struct cvmm_evm *evm = make();
	struct sub a;

	(void)state;
	sub_make(&a, "a", true);
	a.try_run = true;
	a.run_rc = 1;
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &a, NULL), 0);
	assert_int_equal(a.run_rc, -EBUSY);
	a.run_rc = 1;
	assert_int_equal(cvmm_evm_run_once(evm, 0, NULL), 0);
	assert_int_equal(a.run_rc, -EBUSY);
	cvmm_evm_destroy(evm);
	sub_close(&a);
}

static void init_failure_and_self_removal(void **state)
{
	struct cvmm_evm *evm = make();
	struct sub a;
	cvmm_evm_id id = 12345;

	(void)state;
	/* init watched a descriptor, then failed: all undone, no removed. */
	sub_make(&a, "a", true);
	a.init_rc = -EIO;
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &a, &id), -EIO);
	assert_true(id == 12345);
	assert_int_equal(cvmm_evm_count(evm), 0);
	assert_int_equal(cvmm_evm_fd_count(evm), 0);
	assert_string_equal(trail, "a.init ");
	/* init removed itself and failed: still no removed(). */
	a.init_removes_self = true;
	trail[0] = '\0';
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &a, &id), -EIO);
	assert_string_equal(trail, "a.init ");
	/* init removed itself and succeeded: removed() after init. */
	a.init_rc = 0;
	trail[0] = '\0';
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &a, &id), 0);
	assert_string_equal(trail, "a.init a.removed ");
	assert_int_equal(cvmm_evm_count(evm), 0);
	assert_int_equal(cvmm_evm_remove(evm, id), -ENOENT);
	cvmm_evm_destroy(evm);
	sub_close(&a);
}

static void process_only_subscribers(void **state)
{
	static const struct cvmm_evm_ops bare = {NULL, sub_process, NULL};
	struct cvmm_evm *evm = make();
	struct sub a;
	cvmm_evm_id id;
	unsigned n;

	(void)state;
	sub_make(&a, "a", true);
	assert_int_equal(cvmm_evm_add(evm, &bare, &a, &id), 0);
	a.id = id;
	a.evm = evm;
	assert_int_equal(cvmm_evm_add_fd(evm, id, a.fd, EPOLLIN, 1), 0);
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	assert_int_equal(n, 1);
	/* Without removed(), removal is complete when remove returns. */
	assert_int_equal(cvmm_evm_remove(evm, id), 0);
	assert_int_equal(cvmm_evm_add(evm, &bare, &a, NULL), 0);
	/* Destroy releases what is left, silently here. */
	cvmm_evm_destroy(evm);
	sub_close(&a);
}

static void removed_callbacks_may_remove_others(void **state)
{
	struct cvmm_evm *evm = make();
	struct sub a, b, c;

	(void)state;
	sub_make(&a, "a", false);
	sub_make(&b, "b", false);
	sub_make(&c, "c", false);
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &a, NULL), 0);
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &b, NULL), 0);
	assert_int_equal(cvmm_evm_add(evm, &sub_ops, &c, NULL), 0);
	a.removed_removes = b.id;
	trail[0] = '\0';
	assert_int_equal(cvmm_evm_remove(evm, a.id), 0);
	assert_string_equal(trail, "a.removed b.removed ");
	assert_int_equal(cvmm_evm_count(evm), 1);
	/* Destroy releases in the order of addition. */
	trail[0] = '\0';
	cvmm_evm_destroy(evm);
	assert_string_equal(trail, "c.removed ");
	sub_close(&a);
	sub_close(&b);
	sub_close(&c);
}

static void *waker(void *arg)
{
	int rc = cvmm_evm_wake(arg);

	return rc == 0 ? arg : NULL;
}

static void wake_ups(void **state)
{
	struct cvmm_evm *evm = make();
	unsigned n = 99;
	pthread_t t;
	void *ret = NULL;

	(void)state;
	/* A wake before the wait: the wait returns at once. */
	assert_int_equal(cvmm_evm_wake(evm), 0);
	assert_int_equal(cvmm_evm_wake(evm), 0);
	assert_int_equal(cvmm_evm_run_once(evm, -1, &n), 0);
	assert_int_equal(n, 0);
	/* The wake was consumed: a poll sees nothing. */
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), 0);
	/* From another thread, during or before the wait. */
	assert_int_equal(pthread_create(&t, NULL, waker, evm), 0);
	assert_int_equal(cvmm_evm_run_once(evm, -1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_ptr_equal(ret, evm);
	/* A saturated counter is a pending wake; other errors show. */
	fail_eventfd_write = -EAGAIN;
	assert_int_equal(cvmm_evm_wake(evm), 0);
	fail_eventfd_write = -EBADF;
	assert_int_equal(cvmm_evm_wake(evm), -EBADF);
	fail_eventfd_write = 0;
	cvmm_evm_destroy(evm);
}

static void noop(int signum)
{
	(void)signum;
}

static void signals_and_wait_errors(void **state)
{
	struct itimerval on = {{0, 1000}, {0, 1000}}, off = {{0, 0}, {0, 0}};
	struct sigaction sa;
	struct cvmm_evm *evm = make();
	unsigned n = 99;

	(void)state;
	/* A signal interrupting the wait (a handler without SA_RESTART, a
	 * repeating 1 ms timer) is a return with nothing dispatched. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = noop;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &on, NULL), 0);
	assert_int_equal(cvmm_evm_run_once(evm, -1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	/* The no-op handler stays: a tick already pending (valgrind delivers
	 * signals late) must not meet the default action and kill the test. */
	/* Other wait errors are returned. */
	fail_epoll_wait = -EBADF;
	assert_int_equal(cvmm_evm_run_once(evm, 0, &n), -EBADF);
	fail_epoll_wait = 0;
	cvmm_evm_destroy(evm);
}

static void creation_and_allocation_failures(void **state)
{
	static const struct cvmm_evm_ops bare = {NULL, sub_process, NULL};
	struct cvmm_evm *evm = NULL;
	cvmm_evm_id id = 0;
	struct rlimit saved, low;
	int lowest_free = dup(0), rc, fds[20];
	struct sub a;

	(void)state;
	assert_true(lowest_free >= 0);
	close(lowest_free);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	/* No descriptor at all, then room for the epoll one only. */
	for (rlim_t extra = 0; extra < 2; extra++) {
		low.rlim_cur = (rlim_t)lowest_free + extra;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
		rc = cvmm_evm_create(&evm);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
		assert_int_equal(rc, -EMFILE);
		assert_null(evm);
	}
	/* Watching the wake eventfd fails. */
	fail_epoll_add = -ENOMEM;
	assert_int_equal(cvmm_evm_create(&evm), -ENOMEM);
	fail_epoll_add = 0;
	assert_null(evm);
	/* Every allocation of create, of add (20 subscribers, so the array
	 * grows) and of add_fd (20 descriptors), in turn. */
	for (uint64_t k = 1;; k++) {
		cvmm_alloc_fail_nth(k);
		rc = cvmm_evm_create(&evm);
		if (!cvmm_alloc_fail_fired())
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(evm);
	}
	cvmm_alloc_fail_nth(0);
	assert_int_equal(rc, 0);
	sub_make(&a, "a", false);
	close(a.fd);
	a.fd = -1;
	for (size_t i = 0; i < 20; i++) {
		for (uint64_t k = 1;; k++) {
			cvmm_alloc_fail_nth(k);
			rc = cvmm_evm_add(evm, &bare, &a, &id);
			if (!cvmm_alloc_fail_fired())
				break;
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(cvmm_evm_count(evm), i);
		}
		cvmm_alloc_fail_nth(0);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(cvmm_evm_count(evm), 20);
	for (size_t i = 0; i < 20; i++) {
		assert_int_equal(cvmm_sys_eventfd_open(0, 0, &fds[i]), 0);
		for (uint64_t k = 1;; k++) {
			cvmm_alloc_fail_nth(k);
			rc = cvmm_evm_add_fd(evm, id, fds[i], EPOLLIN, 0);
			if (!cvmm_alloc_fail_fired())
				break;
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(cvmm_evm_fd_count(evm), i);
		}
		cvmm_alloc_fail_nth(0);
		assert_int_equal(rc, 0);
	}
	/* Destroy unwatches; the descriptors stay the caller's. */
	cvmm_evm_destroy(evm);
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(close(fds[i]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dispatch_to_the_subscriber),
	    cmocka_unit_test(errors_have_their_own_errno),
	    cmocka_unit_test(removal_during_dispatch),
	    cmocka_unit_test(self_removal_during_dispatch),
	    cmocka_unit_test(descriptor_removed_during_dispatch),
	    cmocka_unit_test(replaced_descriptor_gets_only_new_events),
	    cmocka_unit_test(removed_subscriber_is_gone_at_once),
	    cmocka_unit_test(ids_are_never_reused),
	    cmocka_unit_test(run_once_inside_a_callback_is_refused),
	    cmocka_unit_test(init_failure_and_self_removal),
	    cmocka_unit_test(process_only_subscribers),
	    cmocka_unit_test(removed_callbacks_may_remove_others),
	    cmocka_unit_test(wake_ups),
	    cmocka_unit_test(signals_and_wait_errors),
	    cmocka_unit_test(creation_and_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
