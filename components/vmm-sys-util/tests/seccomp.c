/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of seccomp allowlists: rule validation with distinct errnos,
 * BPF export, and filters applied in child processes, where an allowed
 * call works and a denied one fails with EPERM or kills the process.
 * libseccomp's own failures are injected through ld --wrap.
 */
#define _GNU_SOURCE
#include <cvmm/sys-seccomp.h>

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include <cmocka.h>

#include "alloc-fail.h"

/* Failure injection into libseccomp (ld --wrap, see CMakeLists.txt). */
typedef void *scmp_ctx;
scmp_ctx __real_seccomp_init(uint32_t def_action);
int __real_seccomp_load(const scmp_ctx ctx);
int __real_seccomp_attr_set(scmp_ctx ctx, int attr, uint32_t value);
scmp_ctx __wrap_seccomp_init(uint32_t def_action);
int __wrap_seccomp_load(const scmp_ctx ctx);
int __wrap_seccomp_attr_set(scmp_ctx ctx, int attr, uint32_t value);
static bool fail_init;
static int fail_load, fail_attr;

scmp_ctx __wrap_seccomp_init(uint32_t def_action)
{
	return fail_init ? NULL : __real_seccomp_init(def_action);
}

int __wrap_seccomp_load(const scmp_ctx ctx)
{
	return fail_load ? fail_load : __real_seccomp_load(ctx);
}

int __wrap_seccomp_attr_set(scmp_ctx ctx, int attr, uint32_t value)
{
	return fail_attr ? fail_attr
			 : __real_seccomp_attr_set(ctx, attr, value);
}

static const struct cvmm_sys_seccomp_config eperm = {CVMM_SYS_SECCOMP_ERRNO,
						     EPERM, 0};

static int build(const struct cvmm_sys_seccomp_rule *rules, size_t n,
		 const struct cvmm_sys_seccomp_config *cfg, size_t *bad)
{
	struct cvmm_sys_seccomp *f = (struct cvmm_sys_seccomp *)1;
	int rc = cvmm_sys_seccomp_build(rules, n, cfg, &f, bad);

	if (rc == 0)
		cvmm_sys_seccomp_destroy(f);
	else
		assert_ptr_equal(f, (struct cvmm_sys_seccomp *)1);
	return rc;
}

static void rule_defects_have_their_own_errno(void **state)
{
	struct cvmm_sys_seccomp_rule r[3] = {CVMM_SYS_SECCOMP_ALLOW("read"),
					     CVMM_SYS_SECCOMP_ALLOW("write"),
					     CVMM_SYS_SECCOMP_ALLOW("close")};
	struct cvmm_sys_seccomp_config cfg = eperm;
	size_t bad = 99;

	(void)state;
	assert_int_equal(build(r, 3, &eperm, &bad), 0);
	assert_int_equal(bad, 3);
	r[1].syscall = "no_such_call";
	assert_int_equal(build(r, 3, &eperm, &bad), -ENOENT);
	assert_int_equal(bad, 1);
	assert_int_equal(build(r, 3, &eperm, NULL), -ENOENT);
	r[1].syscall = NULL;
	assert_int_equal(build(r, 3, &eperm, &bad), -EINVAL);
	assert_int_equal(bad, 1);
	r[1].syscall = "write";
	r[2].n_args = 7;
	assert_int_equal(build(r, 3, &eperm, &bad), -EINVAL);
	assert_int_equal(bad, 2);
	r[2].n_args = 1;
	r[2].args[0].index = 6;
	assert_int_equal(build(r, 3, &eperm, &bad), -EINVAL);
	r[2].args[0].index = 0;
	r[2].args[0].op = (enum cvmm_sys_seccomp_cmp)42;
	assert_int_equal(build(r, 3, &eperm, &bad), -EINVAL);
	assert_int_equal(bad, 2);
	r[2].args[0].op = CVMM_SYS_SECCOMP_GE;
	assert_int_equal(build(r, 3, &eperm, &bad), 0);
	/* Rules for one call combine, with or without conditions. */
	r[1].syscall = "close";
	assert_int_equal(build(r, 3, &eperm, &bad), 0);
	/* Two conditions on one argument: refused by libseccomp. */
	r[2].n_args = 2;
	r[2].args[1] = r[2].args[0];
	r[2].args[1].op = CVMM_SYS_SECCOMP_LE;
	assert_int_equal(build(r, 3, &eperm, &bad), -EINVAL);
	assert_int_equal(bad, 2);
	r[2].n_args = 1;
	/* Configuration defects name no rule. */
	cfg.errno_value = 0;
	assert_int_equal(build(r, 1, &cfg, &bad), -EINVAL);
	assert_int_equal(bad, 1);
	cfg.errno_value = 4096;
	assert_int_equal(build(r, 1, &cfg, &bad), -EINVAL);
	cfg.errno_value = EPERM;
	cfg.default_action = (enum cvmm_sys_seccomp_action)9;
	assert_int_equal(build(r, 1, &cfg, &bad), -EINVAL);
	cfg.default_action = CVMM_SYS_SECCOMP_KILL_PROCESS;
	cfg.flags = 0x80;
	assert_int_equal(build(r, 1, &cfg, NULL), -EINVAL);
	assert_int_equal(build(r, 1, NULL, NULL), -EINVAL);
	assert_int_equal(build(NULL, 1, &eperm, NULL), -EINVAL);
	/* An empty allowlist is valid (it allows nothing). */
	assert_int_equal(build(NULL, 0, &eperm, NULL), 0);
	/* Every default action builds. */
	cfg.flags = 0;
	for (int a = CVMM_SYS_SECCOMP_KILL_PROCESS; a <= CVMM_SYS_SECCOMP_LOG;
	     a++) {
		int rc;

		cfg.default_action = (enum cvmm_sys_seccomp_action)a;
		rc = build(r, 1, &cfg, NULL);
		/* libseccomp checks some actions with the seccomp system
		 * call, which valgrind lacks. */
		if (RUNNING_ON_VALGRIND && rc == -EOPNOTSUPP)
			continue;
		assert_int_equal(rc, 0);
	}
}

static void tsync_builds(void **state)
{
	struct cvmm_sys_seccomp_rule r[] = {CVMM_SYS_SECCOMP_ALLOW("read")};
	struct cvmm_sys_seccomp_config cfg = eperm;

	(void)state;
	/* libseccomp asks the kernel whether TSYNC works, through the
	 * seccomp system call, which valgrind does not know. */
	if (RUNNING_ON_VALGRIND) {
		print_message("valgrind lacks the seccomp system call: "
			      "skipped\n");
		skip();
	}
	cfg.flags = CVMM_SYS_SECCOMP_TSYNC;
	assert_int_equal(build(r, 1, &cfg, NULL), 0);
}

static void every_comparison_builds(void **state)
{
	struct cvmm_sys_seccomp_rule r = CVMM_SYS_SECCOMP_ALLOW("ioctl");

	(void)state;
	r.n_args = 6;
	for (unsigned i = 0; i < 6; i++) {
		r.args[i].index = i;
		r.args[i].op = (enum cvmm_sys_seccomp_cmp)(i + 1);
		r.args[i].value = i;
		r.args[i].mask = 0xFF;
	}
	assert_int_equal(build(&r, 1, &eperm, NULL), 0);
	r.n_args = 1;
	r.args[0].op = CVMM_SYS_SECCOMP_EQ;
	assert_int_equal(build(&r, 1, &eperm, NULL), 0);
}

static void export_bpf(void **state)
{
	static const struct cvmm_sys_seccomp_rule r[] = {
	    CVMM_SYS_SECCOMP_ALLOW("read"), CVMM_SYS_SECCOMP_ALLOW("write")};
	struct cvmm_sys_seccomp *f = NULL;
	struct stat st;
	FILE *tmp = tmpfile();

	(void)state;
	assert_non_null(tmp);
	assert_int_equal(cvmm_sys_seccomp_build(r, 2, &eperm, &f, NULL), 0);
	assert_int_equal(cvmm_sys_seccomp_export_bpf(f, fileno(tmp)), 0);
	assert_int_equal(fstat(fileno(tmp), &st), 0);
	/* At least one 8-byte BPF instruction per rule and the default. */
	assert_true(st.st_size >= 3 * 8 && st.st_size % 8 == 0);
	assert_true(cvmm_sys_seccomp_export_bpf(f, -1) < 0);
	fclose(tmp);
	cvmm_sys_seccomp_destroy(f);
	cvmm_sys_seccomp_destroy(NULL);
}

static void libseccomp_and_allocation_failures(void **state)
{
	static const struct cvmm_sys_seccomp_rule r[] = {
	    CVMM_SYS_SECCOMP_ALLOW("read")};
	struct cvmm_sys_seccomp_config tsync = eperm;
	struct cvmm_sys_seccomp *f = NULL;
	int rc;

	(void)state;
	fail_init = true;
	assert_int_equal(build(r, 1, &eperm, NULL), -EOPNOTSUPP);
	fail_init = false;
	tsync.flags = CVMM_SYS_SECCOMP_TSYNC;
	fail_attr = -EOPNOTSUPP;
	assert_int_equal(build(r, 1, &tsync, NULL), -EOPNOTSUPP);
	fail_attr = 0;
	for (uint64_t n = 1;; n++) {
		f = NULL;
		cvmm_alloc_fail_nth(n);
		rc = cvmm_sys_seccomp_build(r, 1, &eperm, &f, NULL);
		if (!cvmm_alloc_fail_fired())
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(f);
	}
	cvmm_alloc_fail_nth(0);
	assert_int_equal(rc, 0);
	/* A load failure is reported, and nothing is applied. */
	fail_load = -ECANCELED;
	assert_int_equal(cvmm_sys_seccomp_apply(f), -ECANCELED);
	fail_load = 0;
	assert_true(getppid() > 0);
	cvmm_sys_seccomp_destroy(f);
}

/* Seccomp filters and valgrind's own system calls do not mix. */
static void skip_under_valgrind(void)
{
	if (RUNNING_ON_VALGRIND) {
		print_message("seccomp in a child under valgrind would filter "
			      "valgrind itself: skipped\n");
		skip();
	}
}

/*
 * Run fn in a child; return its wait status. The child ends with a raw
 * exit_group: no atexit work, and no sanitizer exit hook, which would make
 * system calls the filter denies (LeakSanitizer's leak check).
 */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0)
		syscall(SYS_exit_group, fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Checks inside a filtered child; the exit code names the first failure. */
static int child_errno_filter(void)
{
	static const struct cvmm_sys_seccomp_rule r[] = {
	    CVMM_SYS_SECCOMP_ALLOW("exit_group"),
	    CVMM_SYS_SECCOMP_ALLOW("exit"),
	    CVMM_SYS_SECCOMP_ALLOW("getpid"),
	    /* getpriority(PRIO_PROCESS, 0) only. */
	    CVMM_SYS_SECCOMP_ALLOW_IF("getpriority",
				      CVMM_SYS_SECCOMP_ARG(0, EQ, PRIO_PROCESS),
				      CVMM_SYS_SECCOMP_ARG(1, LE, 0)),
	    /* umask with the low 9 bits equal to 022, whatever else. */
	    CVMM_SYS_SECCOMP_ALLOW_IF(
		"umask", CVMM_SYS_SECCOMP_ARG_MASKED(0, 0777, 022)),
	};
	struct cvmm_sys_seccomp *f = NULL;

	if (cvmm_sys_seccomp_build(r, 5, &eperm, &f, NULL) != 0)
		return 10;
	if (cvmm_sys_seccomp_apply(f) != 0)
		return 11;
	/* Allowed. */
	if (syscall(SYS_getpid) != getpid())
		return 12;
	errno = 0;
	if (syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0)
		return 13;
	if (syscall(SYS_umask, 01022) < 0)
		return 14;
	/* Denied: the call fails with EPERM and the process lives on. */
	if (syscall(SYS_getppid) != -1 || errno != EPERM)
		return 15;
	if (syscall(SYS_getpriority, PRIO_PGRP, 0) != -1 || errno != EPERM)
		return 16;
	if (syscall(SYS_getpriority, PRIO_PROCESS, 1) != -1 || errno != EPERM)
		return 17;
	if (syscall(SYS_umask, 077) != -1 || errno != EPERM)
		return 18;
	return 0;
}

static void allowed_works_denied_gets_eperm(void **state)
{
	int status;

	(void)state;
	skip_under_valgrind();
	status = in_child(child_errno_filter);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int child_kill_filter(void)
{
	static const struct cvmm_sys_seccomp_rule r[] = {
	    CVMM_SYS_SECCOMP_ALLOW("exit_group"),
	    CVMM_SYS_SECCOMP_ALLOW("exit"), CVMM_SYS_SECCOMP_ALLOW("getpid")};
	static const struct cvmm_sys_seccomp_config kill = {
	    CVMM_SYS_SECCOMP_KILL_PROCESS, 0, 0};
	struct cvmm_sys_seccomp *f = NULL;

	if (cvmm_sys_seccomp_build(r, 3, &kill, &f, NULL) != 0 ||
	    cvmm_sys_seccomp_apply(f) != 0)
		return 10;
	if (syscall(SYS_getpid) <= 0)
		return 11;
	syscall(SYS_getppid); /* the process dies here */
	return 12;
}

static void denied_call_kills_the_process(void **state)
{
	int status;

	(void)state;
	skip_under_valgrind();
	status = in_child(child_kill_filter);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

struct tsync {
	int go[2];
	int done[2];
};

static void *other_thread(void *arg)
{
	struct tsync *t = arg;
	char c, result;

	/* Wait until the main thread has applied the filter with TSYNC,
	 * make a denied call, report, then wait for exit_group (a thread
	 * exit would run the sanitizers' thread teardown under the
	 * filter). */
	c = 'r'; /* running: its start-up calls are behind it */
	if (write(t->done[1], &c, 1) != 1 || read(t->go[0], &c, 1) != 1)
		result = 3;
	else
		result = syscall(SYS_getppid) == -1 && errno == EPERM ? 0 : 1;
	if (write(t->done[1], &result, 1) == 1)
		(void)read(t->go[0], &c, 1);
	return NULL;
}

static int child_tsync(void)
{
	static const struct cvmm_sys_seccomp_rule r[] = {
	    CVMM_SYS_SECCOMP_ALLOW("exit_group"),
	    CVMM_SYS_SECCOMP_ALLOW("read"),
	    CVMM_SYS_SECCOMP_ALLOW("write"),
	};
	struct cvmm_sys_seccomp_config cfg = eperm;
	struct cvmm_sys_seccomp *f = NULL;
	struct tsync t;
	pthread_t th;
	char result = 4;

	cfg.flags = CVMM_SYS_SECCOMP_TSYNC;
	if (pipe(t.go) != 0 || pipe(t.done) != 0 ||
	    pthread_create(&th, NULL, other_thread, &t) != 0 ||
	    read(t.done[0], &result, 1) != 1)
		return 10;
	if (cvmm_sys_seccomp_build(r, sizeof(r) / sizeof(r[0]), &cfg, &f,
				   NULL) != 0 ||
	    cvmm_sys_seccomp_apply(f) != 0)
		return 11;
	if (write(t.go[1], "g", 1) != 1 || read(t.done[0], &result, 1) != 1)
		return 12;
	return result;
}

static void tsync_filters_every_thread(void **state)
{
	int status;

	(void)state;
	skip_under_valgrind();
	status = in_child(child_tsync);
	if (WIFSIGNALED(status))
		print_message("child killed by signal %d\n", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rule_defects_have_their_own_errno),
	    cmocka_unit_test(tsync_builds),
	    cmocka_unit_test(every_comparison_builds),
	    cmocka_unit_test(export_bpf),
	    cmocka_unit_test(libseccomp_and_allocation_failures),
	    cmocka_unit_test(allowed_works_denied_gets_eperm),
	    cmocka_unit_test(denied_call_kills_the_process),
	    cmocka_unit_test(tsync_filters_every_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
