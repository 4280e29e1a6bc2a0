/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token bucket. The state is guarded by a try-lock (busy): a thread that
 * finds it taken does not wait, it counts its message as suppressed.
 */
#define _GNU_SOURCE
#include <cvmm/sys-ratelimit.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MSG_MAX 200

uint64_t cvmm_sys_monotonic_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) +
	       (uint64_t)ts.tv_nsec;
}

void cvmm_sys_ratelimit_init(struct cvmm_sys_ratelimit *rl, uint32_t burst,
			     uint64_t interval_ns,
			     uint64_t (*now_ns)(void *ctx), void *ctx)
{
	memset(rl, 0, sizeof(*rl));
	rl->now_ns = now_ns != NULL ? now_ns : cvmm_sys_monotonic_ns;
	rl->ctx = ctx;
	rl->interval_ns = interval_ns;
	rl->burst = burst;
	rl->tokens = burst;
	rl->refilled_ns = rl->now_ns(ctx);
}

/* Add the tokens earned since refilled_ns. */
static void refill(struct cvmm_sys_ratelimit *rl, uint64_t now)
{
	uint64_t earned;

	if (now < rl->refilled_ns) {
		/* The clock went back: restart from here, add nothing. */
		rl->refilled_ns = now;
		return;
	}
	if (rl->interval_ns == 0)
		return;
	earned = (now - rl->refilled_ns) / rl->interval_ns;
	if (earned >= (uint64_t)(rl->burst - rl->tokens)) {
		rl->tokens = rl->burst;
		rl->refilled_ns = now;
		return;
	}
	rl->tokens += (uint32_t)earned;
	/* Keep the part of an interval already elapsed. */
	rl->refilled_ns += earned * rl->interval_ns;
}

bool cvmm_sys_ratelimit_allow(struct cvmm_sys_ratelimit *rl,
			      uint64_t *suppressed)
{
	bool ok = false;

	if (__atomic_exchange_n(&rl->busy, 1, __ATOMIC_ACQUIRE) != 0) {
		__atomic_fetch_add(&rl->suppressed, 1, __ATOMIC_RELAXED);
		return false;
	}
	refill(rl, rl->now_ns(rl->ctx));
	if (rl->tokens > 0) {
		rl->tokens--;
		ok = true;
	}
	__atomic_store_n(&rl->busy, 0, __ATOMIC_RELEASE);
	if (!ok) {
		__atomic_fetch_add(&rl->suppressed, 1, __ATOMIC_RELAXED);
		return false;
	}
	{
		uint64_t s =
		    __atomic_exchange_n(&rl->suppressed, 0, __ATOMIC_RELAXED);

		if (suppressed != NULL)
			*suppressed = s;
	}
	return true;
}

bool cvmm_sys_ratelimit_log(struct cvmm_sys_ratelimit *rl,
			    void (*sink)(void *sink_ctx, const char *msg),
			    void *sink_ctx, const char *fmt, ...)
{
	/* The message, then room for the longest suffix. */
	char msg[MSG_MAX + 64];
	uint64_t suppressed = 0;
	va_list ap;
	int len;

	if (!cvmm_sys_ratelimit_allow(rl, &suppressed))
		return false;
	va_start(ap, fmt);
	/* clang-tidy 14 loses track of va_start when it analyzed another
	 * file earlier in the same run (checker state leaking between
	 * files); alone, this file is clean. */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	len = vsnprintf(msg, MSG_MAX + 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		msg[0] = '\0';
	if (suppressed != 0) {
		size_t used = strlen(msg);

		(void)snprintf(msg + used, sizeof(msg) - used,
			       " (%llu similar messages suppressed)",
			       (unsigned long long)suppressed);
	}
	sink(sink_ctx, msg);
	return true;
}

uint64_t cvmm_sys_ratelimit_suppressed(const struct cvmm_sys_ratelimit *rl)
{
	return __atomic_load_n(&rl->suppressed, __ATOMIC_RELAXED);
}
