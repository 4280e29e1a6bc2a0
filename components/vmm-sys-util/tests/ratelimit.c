/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the token-bucket limiter with a hand-driven clock. */
#define _GNU_SOURCE
#include <cvmm/sys-ratelimit.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

static uint64_t fake_now(void *ctx)
{
	return *(const uint64_t *)ctx;
}

struct sink {
	unsigned calls;
	char last[512];
};

static void record(void *ctx, const char *msg)
{
	struct sink *s = ctx;

	s->calls++;
	assert_true(strlen(msg) < sizeof(s->last));
	strcpy(s->last, msg);
}

static void token_bucket(void **state)
{
	struct cvmm_sys_ratelimit rl;
	uint64_t now = 1000, sup = 99;

	(void)state;
	cvmm_sys_ratelimit_init(&rl, 3, 100, fake_now, &now);
	/* A full bucket: three go through, then suppression is counted. */
	for (int i = 0; i < 3; i++) {
		assert_true(cvmm_sys_ratelimit_allow(&rl, &sup));
		assert_true(sup == 0);
	}
	assert_false(cvmm_sys_ratelimit_allow(&rl, &sup));
	assert_false(cvmm_sys_ratelimit_allow(&rl, NULL));
	assert_true(cvmm_sys_ratelimit_suppressed(&rl) == 2);
	now += 99;
	assert_false(cvmm_sys_ratelimit_allow(&rl, &sup));
	/* One interval: one token, and the report of three suppressed. */
	now += 1;
	assert_true(cvmm_sys_ratelimit_allow(&rl, &sup));
	assert_true(sup == 3);
	assert_true(cvmm_sys_ratelimit_suppressed(&rl) == 0);
	assert_false(cvmm_sys_ratelimit_allow(&rl, &sup));
	/* 2.5 intervals: two tokens, the half interval is kept. */
	now += 250;
	assert_true(cvmm_sys_ratelimit_allow(&rl, &sup));
	assert_true(sup == 1);
	assert_true(cvmm_sys_ratelimit_allow(&rl, &sup));
	assert_false(cvmm_sys_ratelimit_allow(&rl, &sup));
	now += 50;
	assert_true(cvmm_sys_ratelimit_allow(&rl, NULL));
	/* A very long time fills the bucket, never beyond burst. */
	now = UINT64_MAX;
	for (int i = 0; i < 3; i++)
		assert_true(cvmm_sys_ratelimit_allow(&rl, NULL));
	assert_false(cvmm_sys_ratelimit_allow(&rl, NULL));
	/* A clock that goes back adds nothing and restarts from there. */
	now = 500;
	assert_false(cvmm_sys_ratelimit_allow(&rl, NULL));
	now = 599;
	assert_false(cvmm_sys_ratelimit_allow(&rl, NULL));
	now = 600;
	assert_true(cvmm_sys_ratelimit_allow(&rl, &sup));
	assert_true(sup == 3);
}

static void once_and_never(void **state)
{
	struct cvmm_sys_ratelimit once, never;
	uint64_t now = 0;

	(void)state;
	/* burst 1, interval 0: log once. */
	cvmm_sys_ratelimit_init(&once, 1, 0, fake_now, &now);
	assert_true(cvmm_sys_ratelimit_allow(&once, NULL));
	for (int i = 0; i < 10; i++) {
		now += UINT64_C(1) << 40;
		assert_false(cvmm_sys_ratelimit_allow(&once, NULL));
	}
	assert_true(cvmm_sys_ratelimit_suppressed(&once) == 10);
	/* burst 0: nothing ever goes out. */
	cvmm_sys_ratelimit_init(&never, 0, 1, fake_now, &now);
	now += 1000;
	assert_false(cvmm_sys_ratelimit_allow(&never, NULL));
}

static void default_clock(void **state)
{
	struct cvmm_sys_ratelimit rl;
	uint64_t a = cvmm_sys_monotonic_ns(NULL), b;

	(void)state;
	b = cvmm_sys_monotonic_ns(NULL);
	assert_true(a > 0 && b >= a);
	cvmm_sys_ratelimit_init(&rl, 2, UINT64_C(1) << 62, NULL, NULL);
	assert_true(rl.now_ns == cvmm_sys_monotonic_ns);
	assert_true(cvmm_sys_ratelimit_allow(&rl, NULL));
	assert_true(cvmm_sys_ratelimit_allow(&rl, NULL));
	assert_false(cvmm_sys_ratelimit_allow(&rl, NULL));
}

static void log_messages(void **state)
{
	struct cvmm_sys_ratelimit rl;
	struct sink s = {0};
	uint64_t now = 0;
	char longer[300];

	(void)state;
	cvmm_sys_ratelimit_init(&rl, 1, 10, fake_now, &now);
	assert_true(cvmm_sys_ratelimit_log(&rl, record, &s,
					   "unhandled port %#x", 0x3FAu));
	assert_string_equal(s.last, "unhandled port 0x3fa");
	assert_false(cvmm_sys_ratelimit_log(&rl, record, &s, "again"));
	assert_false(cvmm_sys_ratelimit_log(&rl, record, &s, "again"));
	assert_int_equal(s.calls, 1);
	now += 10;
	assert_true(cvmm_sys_ratelimit_log(&rl, record, &s, "port %d", 7));
	assert_string_equal(s.last, "port 7 (2 similar messages suppressed)");
	/* A long message is cut, the suffix still fits. */
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_false(cvmm_sys_ratelimit_log(&rl, record, &s, "%s", longer));
	now += 10;
	assert_true(cvmm_sys_ratelimit_log(&rl, record, &s, "%s", longer));
	assert_int_equal(strlen(s.last),
			 200 + strlen(" (1 similar messages suppressed)"));
	/* A message that cannot be formatted goes out empty (a wide
	 * character the C locale cannot encode). */
	now += 10;
	assert_true(
	    cvmm_sys_ratelimit_log(&rl, record, &s, "%lc", (wint_t)0x263A));
	assert_string_equal(s.last, "");
	assert_int_equal(s.calls, 4);
}

static void busy_limiter_suppresses(void **state)
{
	struct cvmm_sys_ratelimit rl;
	uint64_t now = 0;

	(void)state;
	cvmm_sys_ratelimit_init(&rl, 5, 0, fake_now, &now);
	/* Another thread is inside: the caller does not wait. */
	rl.busy = 1;
	assert_false(cvmm_sys_ratelimit_allow(&rl, NULL));
	assert_true(cvmm_sys_ratelimit_suppressed(&rl) == 1);
	rl.busy = 0;
	assert_true(cvmm_sys_ratelimit_allow(&rl, NULL));
	assert_int_equal(rl.tokens, 4);
}

struct shared {
	struct cvmm_sys_ratelimit rl;
	uint64_t allowed, reported; /* atomic */
};

static void *hammer(void *arg)
{
	struct shared *sh = arg;

	for (int i = 0; i < 20000; i++) {
		uint64_t sup = 0;

		if (cvmm_sys_ratelimit_allow(&sh->rl, &sup)) {
			__atomic_fetch_add(&sh->allowed, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&sh->reported, sup,
					   __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void threads_share_a_limiter(void **state)
{
	static struct shared sh;
	uint64_t now = 0;
	pthread_t t[4];

	(void)state;
	cvmm_sys_ratelimit_init(&sh.rl, 1000, 0, fake_now, &now);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &sh), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	/* Every call is accounted for exactly once. */
	assert_true(sh.allowed >= 1 && sh.allowed <= 1000);
	assert_true(sh.allowed + sh.reported +
			cvmm_sys_ratelimit_suppressed(&sh.rl) ==
		    4 * 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(token_bucket),
	    cmocka_unit_test(once_and_never),
	    cmocka_unit_test(default_clock),
	    cmocka_unit_test(log_messages),
	    cmocka_unit_test(busy_limiter_suppresses),
	    cmocka_unit_test(threads_share_a_limiter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
