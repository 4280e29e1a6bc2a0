/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event dispatch through the manager against a bare epoll loop calling
 * the handler directly, with 32 always-ready eventfds (level-triggered,
 * never drained) so every round dispatches 32 events. The manager pays
 * for the token lookup and the callback bookkeeping.
 */
#include <cvmm/evm.h>

#include <cvmm/sys-epoll.h>
#include <cvmm/sys-eventfd.h>

#include <stdio.h>
#include <unistd.h>

#include "bench.h"

#define FDS	32
#define MIN_NS	200000000u
#define REPEATS 3

struct ctx {
	struct cvmm_evm *evm;
	int ep;
	int fds[FDS];
	uint64_t seen;
};

static void handle(struct ctx *c, int fd, uint32_t events)
{
	c->seen += (uint64_t)fd + events;
}

static void process(void *arg, struct cvmm_evm *evm, cvmm_evm_id id,
		    const struct cvmm_evm_event *ev)
{
	(void)evm;
	(void)id;
	handle(arg, ev->fd, ev->events);
}

static const struct cvmm_evm_ops ops = {NULL, process, NULL};

/* Iterations are events: each round dispatches FDS of them. */
static void checked(void *arg, uint64_t n)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < n; i += FDS)
		if (cvmm_evm_run_once(c->evm, 0, NULL) != 0)
			return;
	cvmm_bench_keep(&c->seen);
}

static void baseline(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	struct epoll_event ev[CVMM_EVM_BATCH];

	for (uint64_t i = 0; i < n; i += FDS) {
		size_t got = 0;

		if (cvmm_sys_epoll_wait(c->ep, ev, CVMM_EVM_BATCH, 0, &got) !=
		    0)
			return;
		for (size_t k = 0; k < got; k++)
			handle(c, c->fds[ev[k].data.u64], ev[k].events);
	}
	cvmm_bench_keep(&c->seen);
}

int main(void)
{
	static struct ctx c;
	cvmm_evm_id id;

	if (cvmm_evm_create(&c.evm) != 0 || cvmm_sys_epoll_open(&c.ep) != 0 ||
	    cvmm_evm_add(c.evm, &ops, &c, &id) != 0) {
		fprintf(stderr, "bench: setup failed\n");
		return 1;
	}
	for (int i = 0; i < FDS; i++) {
		if (cvmm_sys_eventfd_open(1, 0, &c.fds[i]) != 0 ||
		    cvmm_evm_add_fd(c.evm, id, c.fds[i], EPOLLIN, 0) != 0 ||
		    cvmm_sys_epoll_add(c.ep, c.fds[i], EPOLLIN, (uint64_t)i) !=
			0) {
			fprintf(stderr, "bench: setup failed\n");
			return 1;
		}
	}
	cvmm_bench_report("event-manager.dispatch-32-ready-fds",
			  cvmm_bench_rate(checked, &c, MIN_NS, REPEATS),
			  cvmm_bench_rate(baseline, &c, MIN_NS, REPEATS),
			  "events/s");
	cvmm_evm_destroy(c.evm);
	for (int i = 0; i < FDS; i++)
		close(c.fds[i]);
	close(c.ep);
	return 0;
}
