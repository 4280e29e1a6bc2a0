/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Violation reports: the queue is marked broken and the violation goes to
 * the user's log callback through a per-queue rate limiter. Never printf.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#define DEFAULT_BURST	    10u
#define DEFAULT_INTERVAL_NS (UINT64_C(5) * 1000000000u)

static uint64_t now_ns(const struct cvmm_vq *vq)
{
	struct timespec ts;

	if (vq->config.clock != NULL)
		return vq->config.clock(vq->config.clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* True if a report may be made now; counts it or the suppression. */
static bool allowed(struct cvmm_vq *vq)
{
	struct cvmm_vq__ratelimit *rl = &vq->rl;
	uint32_t burst =
	    vq->config.log_burst ? vq->config.log_burst : DEFAULT_BURST;
	uint64_t interval = vq->config.log_interval_ns
				? vq->config.log_interval_ns
				: DEFAULT_INTERVAL_NS;
	uint64_t now = now_ns(vq);

	/* A clock that goes backwards starts a new window too. */
	if (!rl->started || now < rl->window_start ||
	    now - rl->window_start >= interval) {
		rl->started = true;
		rl->window_start = now;
		rl->in_window = 0;
	}
	if (rl->in_window >= burst) {
		rl->suppressed++;
		return false;
	}
	rl->in_window++;
	return true;
}

/* Report msg through the log callback (which must be set), rate limited. */
static void report(struct cvmm_vq *vq, int err, const char *msg)
{
	char line[320];

	if (!allowed(vq))
		return;
	if (vq->rl.suppressed != 0) {
		(void)snprintf(line, sizeof(line),
			       "%s (%llu earlier reports suppressed)", msg,
			       (unsigned long long)vq->rl.suppressed);
		vq->rl.suppressed = 0;
		msg = line;
	}
	vq->config.log(vq->config.log_arg, err, msg);
}

int cvmm_vq__violation(struct cvmm_vq *vq, int err, const char *fmt, ...)
{
	char detail[160], msg[256];
	va_list ap;

	vq->broken = err;
	if (vq->config.log == NULL)
		return err;
	/* Messages that do not fit are cut short, which is fine for a log. */
	va_start(ap, fmt);
	/* clang-tidy 14 loses track of va_start here when it analyzed another
	 * file earlier in the same run (a checker-state bug, reproducible with
	 * two files); va_start above initialized the va_list. */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	(void)snprintf(msg, sizeof(msg),
		       "virtqueue %u: %s: %s; queue broken until reset",
		       vq->config.index, cvmm_vq_strerror(err), detail);
	report(vq, err, msg);
	return err;
}

const char *cvmm_vq_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -ENOSPC:
		return "avail index moved more than the queue size";
	case -ERANGE:
		return "head index out of range";
	case -EBUSY:
		return "head made available while already in flight";
	case -EBADSLT:
		return "descriptor next index out of range";
	case -ELOOP:
		return "descriptor chain longer than the queue or table (loop)";
	case -EADDRINUSE:
		return "buffer overlaps an earlier buffer of its chain";
	case -EOPNOTSUPP:
		return "indirect descriptor without VIRTIO_F_INDIRECT_DESC";
	case -EMLINK:
		return "nested indirect table";
	case -EPROTO:
		return "indirect descriptor with the NEXT flag";
	case -EBADMSG:
		return "indirect table length zero or not a multiple of 16";
	case -E2BIG:
		return "indirect table larger than the maximum queue size";
	case -EOVERFLOW:
		return "address + length wraps past the end of the address "
		       "space";
	case -EFAULT:
		return "buffer or ring is not guest memory";
	case -EACCES:
		return "device-writable buffer or used ring in read-only "
		       "memory";
	case -EMSGSIZE:
		return "chain total length exceeds 2^32 - 1";
	case -EILSEQ:
		return "device-readable descriptor after a device-writable one";
	case -EINVAL:
		return "invalid queue size or argument";
	case -EDOM:
		return "misaligned ring address";
	case -ENODEV:
		return "queue not ready";
	case -EALREADY:
		return "queue already ready";
	case -EIO:
		return "queue broken by an earlier violation; reset it";
	case -ENOENT:
		return "head not in flight";
	case -ENOBUFS:
		return "used length exceeds the chain's writable buffers";
	case -ESTALE:
		return "chain no longer in flight";
	case -ENODATA:
		return "end of chain";
	case -EXDEV:
		return "another chain's walk began since this chain was walked";
	case -EINPROGRESS:
		return "chains in flight";
	case -ENOMEM:
		return "out of memory";
	case -EAGAIN:
		return "no chain available";
	default:
		return "guest memory access failed";
	}
}
