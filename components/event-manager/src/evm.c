/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loop. Every watched descriptor gets a token that is never reused
 * (a 64-bit counter), and epoll reports the token, not a pointer. Before
 * each process() call the token is looked up again, so an event for a
 * registration removed earlier in the same batch finds nothing and is
 * dropped: removal during dispatch needs no other bookkeeping.
 *
 * A subscriber removed while a callback runs is marked dead (its
 * descriptors are already unwatched) and its removed() is called by
 * sweep() once the outermost callback has returned, so a subscriber never
 * has its context freed under its own feet.
 */
#include <cvmm/evm.h>

#include <cvmm/sys-epoll.h>
#include <cvmm/sys-eventfd.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAKE_TOKEN 0u

struct sub {
	cvmm_evm_id id;
	const struct cvmm_evm_ops *ops;
	void *ctx;
	bool dead;
};

/* A watched descriptor, with a copy of its subscriber's ops and ctx
 * (registrations exist only while their subscriber is alive). */
struct reg {
	uint64_t token;
	int fd;
	cvmm_evm_id sub;
	const struct cvmm_evm_ops *ops;
	void *ctx;
	uint32_t events;
	uint64_t data;
};

struct cvmm_evm {
	int epfd, wakefd;
	struct sub *subs; /* sorted by id (ids only grow) */
	size_t n_subs, cap_subs;
	struct reg *regs; /* sorted by token (tokens only grow) */
	size_t n_regs, cap_regs;
	cvmm_evm_id next_id;
	uint64_t next_token;
	unsigned depth; /* callbacks running */
	bool have_dead;
	struct epoll_event batch[CVMM_EVM_BATCH];
};

/* Discard a result on purpose (a cast to void does not, for gcc). */
static void ignore(int rc)
{
	(void)rc;
}

/* Make room for one more element in an array of size-byte elements. */
static int reserve(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t new_cap;
	void *p;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, new_cap * size);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = new_cap;
	return 0;
}

/* Index of subscriber id (dead or alive), or n_subs. */
static size_t sub_index(const struct cvmm_evm *evm, cvmm_evm_id id)
{
	size_t lo = 0, hi = evm->n_subs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (evm->subs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < evm->n_subs && evm->subs[lo].id == id ? lo : evm->n_subs;
}

/* The live subscriber id, or NULL. */
static struct sub *live_sub(struct cvmm_evm *evm, cvmm_evm_id id)
{
	size_t i = sub_index(evm, id);

	if (i == evm->n_subs || evm->subs[i].dead)
		return NULL;
	return &evm->subs[i];
}

static void erase_sub(struct cvmm_evm *evm, size_t i)
{
	memmove(&evm->subs[i], &evm->subs[i + 1],
		(evm->n_subs - i - 1) * sizeof(*evm->subs));
	evm->n_subs--;
}

static struct reg *reg_by_token(struct cvmm_evm *evm, uint64_t token)
{
	size_t lo = 0, hi = evm->n_regs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (evm->regs[mid].token < token)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < evm->n_regs && evm->regs[lo].token == token)
		return &evm->regs[lo];
	return NULL;
}

static size_t reg_by_fd(const struct cvmm_evm *evm, int fd)
{
	size_t i;

	for (i = 0; i < evm->n_regs; i++)
		if (evm->regs[i].fd == fd)
			break;
	return i;
}

/* Unwatch registration i. Errors from epoll are ignored: the descriptor
 * may already be closed, which removed it from the set. */
static void erase_reg(struct cvmm_evm *evm, size_t i)
{
	ignore(cvmm_sys_epoll_remove(evm->epfd, evm->regs[i].fd));
	memmove(&evm->regs[i], &evm->regs[i + 1],
		(evm->n_regs - i - 1) * sizeof(*evm->regs));
	evm->n_regs--;
}

static void unwatch_all(struct cvmm_evm *evm, cvmm_evm_id id)
{
	size_t i = 0;

	while (i < evm->n_regs) {
		if (evm->regs[i].sub == id)
			erase_reg(evm, i);
		else
			i++;
	}
}

/* Erase subscriber i and tell it; the callback may change the arrays. */
static void release(struct cvmm_evm *evm, size_t i)
{
	struct sub s = evm->subs[i];

	erase_sub(evm, i);
	if (s.ops->removed != NULL)
		s.ops->removed(s.ctx, s.id);
}

/* Release the subscribers removed while callbacks ran. */
static void sweep(struct cvmm_evm *evm)
{
	if (evm->depth > 0 || !evm->have_dead)
		return;
	evm->have_dead = false;
	for (size_t i = 0; i < evm->n_subs;) {
		if (evm->subs[i].dead) {
			release(evm, i);
			i = 0; /* removed() may have changed the array */
		} else {
			i++;
		}
	}
}

int cvmm_evm_create(struct cvmm_evm **out)
{
	struct cvmm_evm *evm = calloc(1, sizeof(*evm));
	int rc;

	if (evm == NULL)
		return -ENOMEM;
	evm->epfd = -1;
	evm->wakefd = -1;
	evm->next_id = 1;
	evm->next_token = WAKE_TOKEN + 1;
	rc = cvmm_sys_epoll_open(&evm->epfd);
	if (rc == 0)
		rc = cvmm_sys_eventfd_open(0, CVMM_SYS_EVENTFD_NONBLOCK,
					   &evm->wakefd);
	if (rc == 0)
		rc = cvmm_sys_epoll_add(evm->epfd, evm->wakefd, EPOLLIN,
					WAKE_TOKEN);
	if (rc != 0) {
		if (evm->wakefd >= 0)
			close(evm->wakefd);
		if (evm->epfd >= 0)
			close(evm->epfd);
		free(evm);
		return rc;
	}
	*out = evm;
	return 0;
}

void cvmm_evm_destroy(struct cvmm_evm *evm)
{
	if (evm == NULL)
		return;
	while (evm->n_subs > 0) {
		unwatch_all(evm, evm->subs[0].id);
		release(evm, 0);
	}
	close(evm->wakefd);
	close(evm->epfd);
	free(evm->subs);
	free(evm->regs);
	free(evm);
}

int cvmm_evm_add(struct cvmm_evm *evm, const struct cvmm_evm_ops *ops,
		 void *ctx, cvmm_evm_id *id)
{
	cvmm_evm_id new_id;
	int rc;

	if (ops == NULL || ops->process == NULL)
		return -EINVAL;
	rc = reserve((void **)&evm->subs, &evm->cap_subs, evm->n_subs,
		     sizeof(*evm->subs));
	if (rc != 0)
		return rc;
	new_id = evm->next_id++;
	evm->subs[evm->n_subs++] = (struct sub){new_id, ops, ctx, false};
	if (ops->init != NULL) {
		evm->depth++;
		rc = ops->init(ctx, evm, new_id);
		evm->depth--;
		if (rc != 0) {
			/* Undo, even if init removed itself (it is then
			 * dead, not yet released). */
			unwatch_all(evm, new_id);
			erase_sub(evm, sub_index(evm, new_id));
			sweep(evm);
			return rc;
		}
	}
	sweep(evm);
	if (id != NULL)
		*id = new_id;
	return 0;
}

int cvmm_evm_remove(struct cvmm_evm *evm, cvmm_evm_id id)
{
	struct sub *s = live_sub(evm, id);

	if (s == NULL)
		return -ENOENT;
	unwatch_all(evm, id);
	s->dead = true;
	evm->have_dead = true;
	sweep(evm);
	return 0;
}

int cvmm_evm_add_fd(struct cvmm_evm *evm, cvmm_evm_id id, int fd,
		    uint32_t events, uint64_t data)
{
	const struct sub *s = live_sub(evm, id);
	uint64_t token;
	int rc;

	if (fd < 0)
		return -EINVAL;
	if (s == NULL)
		return -ENOENT;
	if (fd == evm->wakefd || fd == evm->epfd ||
	    reg_by_fd(evm, fd) < evm->n_regs)
		return -EEXIST;
	rc = reserve((void **)&evm->regs, &evm->cap_regs, evm->n_regs,
		     sizeof(*evm->regs));
	if (rc != 0)
		return rc;
	token = evm->next_token;
	rc = cvmm_sys_epoll_add(evm->epfd, fd, events, token);
	if (rc != 0)
		return rc;
	evm->next_token++;
	evm->regs[evm->n_regs++] =
	    (struct reg){token, fd, id, s->ops, s->ctx, events, data};
	return 0;
}

int cvmm_evm_modify_fd(struct cvmm_evm *evm, cvmm_evm_id id, int fd,
		       uint32_t events, uint64_t data)
{
	size_t i = reg_by_fd(evm, fd);
	struct reg *r;
	int rc;

	if (i == evm->n_regs || evm->regs[i].sub != id)
		return -ENOENT;
	r = &evm->regs[i];
	rc = cvmm_sys_epoll_modify(evm->epfd, fd, events, r->token);
	if (rc != 0)
		return rc;
	r->events = events;
	r->data = data;
	return 0;
}

int cvmm_evm_remove_fd(struct cvmm_evm *evm, cvmm_evm_id id, int fd)
{
	size_t i = reg_by_fd(evm, fd);

	if (i == evm->n_regs || evm->regs[i].sub != id)
		return -ENOENT;
	erase_reg(evm, i);
	return 0;
}

/* Dispatch one event from the kernel; true if process() was called. */
static bool dispatch(struct cvmm_evm *evm, const struct epoll_event *kev)
{
	struct cvmm_evm_event ev;
	const struct cvmm_evm_ops *ops;
	const struct reg *r;
	cvmm_evm_id id;
	void *ctx;

	if (kev->data.u64 == WAKE_TOKEN) {
		uint64_t v;

		/* Only a pending wake is reported: the read cannot find 0. */
		ignore(cvmm_sys_eventfd_read(evm->wakefd, &v));
		return false;
	}
	r = reg_by_token(evm, kev->data.u64);
	if (r == NULL)
		return false; /* removed after the kernel reported it */
	/* Copies: the callback may change the registration array. */
	ops = r->ops;
	ctx = r->ctx;
	id = r->sub;
	ev.fd = r->fd;
	ev.events = kev->events;
	ev.data = r->data;
	evm->depth++;
	ops->process(ctx, evm, id, &ev);
	evm->depth--;
	sweep(evm);
	return true;
}

int cvmm_evm_run_once(struct cvmm_evm *evm, int timeout_ms,
		      unsigned *dispatched)
{
	unsigned count = 0;
	size_t n = 0;
	int rc;

	if (evm->depth > 0)
		return -EBUSY;
	rc = cvmm_sys_epoll_wait(evm->epfd, evm->batch, CVMM_EVM_BATCH,
				 timeout_ms, &n);
	if (rc == -EINTR)
		n = 0;
	else if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (dispatch(evm, &evm->batch[i]))
			count++;
	if (dispatched != NULL)
		*dispatched = count;
	return 0;
}

int cvmm_evm_wake(struct cvmm_evm *evm)
{
	int rc = cvmm_sys_eventfd_write(evm->wakefd, 1);

	/* A saturated counter means a wake is pending already. */
	return rc == -EAGAIN ? 0 : rc;
}

size_t cvmm_evm_count(const struct cvmm_evm *evm)
{
	size_t n = 0;

	for (size_t i = 0; i < evm->n_subs; i++)
		if (!evm->subs[i].dead)
			n++;
	return n;
}

size_t cvmm_evm_fd_count(const struct cvmm_evm *evm)
{
	return evm->n_regs;
}
