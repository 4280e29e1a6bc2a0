/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token-bucket rate limiting, for the project's "log once, rate-limited"
 * habit: a guest that hammers an unmapped port must not flood the VMM's
 * log, yet the first report, and a count of what was dropped, must get
 * through.
 *
 * The bucket holds up to burst tokens and starts full; one token is added
 * every interval_ns (0: never, so at most burst messages ever: burst 1 and
 * interval 0 is "log once"). Each message takes a token or is suppressed
 * and counted; the next message that gets through reports how many were
 * suppressed before it.
 *
 * The clock is injected: now_ns(ctx) returns monotonic nanoseconds, so
 * tests drive time by hand. NULL uses CLOCK_MONOTONIC. A clock that goes
 * backwards restarts the refill from the earlier time; it never adds
 * tokens.
 *
 * Concurrency. Any number of threads may share one limiter. It never
 * blocks: a message that arrives while another thread is inside the
 * limiter is counted as suppressed.
 *
 * Ownership. struct cvmm_sys_ratelimit is the caller's memory (typically
 * one per message site or per device, inside the owner's state); it holds
 * no resources, so it needs no teardown. ctx is borrowed by the clock.
 */
#ifndef CVMM_SYS_RATELIMIT_H
#define CVMM_SYS_RATELIMIT_H

#include <cvmm/sys.h>

/* The limiter's state; set it up with cvmm_sys_ratelimit_init() only. */
struct cvmm_sys_ratelimit {
	uint64_t (*now_ns)(void *ctx);
	void *ctx;
	uint64_t interval_ns;
	uint64_t refilled_ns; /* time up to which tokens were added */
	uint64_t suppressed;  /* atomic */
	uint32_t burst;
	uint32_t tokens;
	int busy; /* atomic: a thread is inside the limiter */
};

/*
 * Set up *rl: a full bucket of burst tokens (0 suppresses everything), one
 * more token every interval_ns (0: never), the clock now_ns(ctx) or
 * CLOCK_MONOTONIC when now_ns is NULL.
 */
void cvmm_sys_ratelimit_init(struct cvmm_sys_ratelimit *rl, uint32_t burst,
			     uint64_t interval_ns,
			     uint64_t (*now_ns)(void *ctx), void *ctx);

/*
 * True if a message may go out now (a token was taken). On true,
 * *suppressed (when not NULL) receives the number of messages suppressed
 * since the previous one that went out, and the count restarts.
 */
bool cvmm_sys_ratelimit_allow(struct cvmm_sys_ratelimit *rl,
			      uint64_t *suppressed);

/*
 * Format a message (printf-style, truncated to 200 bytes) and hand it to
 * sink(sink_ctx, msg) if the limiter allows it; when messages were
 * suppressed before it, " (N similar messages suppressed)" is appended.
 * msg is borrowed for the call. Returns whether the sink was called.
 */
bool cvmm_sys_ratelimit_log(struct cvmm_sys_ratelimit *rl,
			    void (*sink)(void *sink_ctx, const char *msg),
			    void *sink_ctx, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Messages suppressed and not yet reported. */
uint64_t cvmm_sys_ratelimit_suppressed(const struct cvmm_sys_ratelimit *rl);

/* CLOCK_MONOTONIC in nanoseconds (the default clock, usable as now_ns). */
uint64_t cvmm_sys_monotonic_ns(void *ctx);

#endif
