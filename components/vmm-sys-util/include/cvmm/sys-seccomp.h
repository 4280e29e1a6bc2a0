/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp allowlists through libseccomp (cvmm/sys.h has the conventions).
 *
 * A filter is built from a table of rules, each naming a system call the
 * process may make, optionally only with some argument values; every other
 * call meets the default action. Rules are ORed: list a call several times
 * to allow several argument patterns; the conditions inside one rule are
 * ANDed. A rule without conditions allows the call whatever its arguments
 * (other rules for it are then redundant). A name that is a system call of
 * another architecture only (socketcall on x86-64) is accepted and has no
 * effect.
 *
 *     static const struct cvmm_sys_seccomp_rule rules[] = {
 *         CVMM_SYS_SECCOMP_ALLOW("read"),
 *         CVMM_SYS_SECCOMP_ALLOW("exit_group"),
 *         CVMM_SYS_SECCOMP_ALLOW_IF("ioctl",
 *                                   CVMM_SYS_SECCOMP_ARG(1, EQ, KVM_RUN)),
 *     };
 *
 * (The macros fill every field, so tables stay clean under -Wextra.)
 *
 * Building validates every rule and names the first bad one
 * (*bad_rule); each defect has its own errno:
 *   -EINVAL     a NULL name, more than 6 conditions, an argument index
 *               above 5, an unknown comparison, an unknown default action
 *               or flag, an errno value outside 1-4095;
 *   -ENOENT     a name that is no system call of this architecture;
 *               (and, from libseccomp, two conditions on the same
 *               argument in one rule);
 *   -EOPNOTSUPP libseccomp could not create a filter with this default
 *               action (the kernel lacks it, e.g. KILL_PROCESS before
 *               Linux 4.14, or libseccomp ran out of memory);
 *   -ENOMEM     allocation failed;
 *   other negative errnos that libseccomp reports.
 *
 * Applying loads the filter into the kernel for the calling thread, or for
 * every thread of the process with CVMM_SYS_SECCOMP_TSYNC. It sets
 * no_new_privs first (what lets an unprivileged process install a filter),
 * and cannot be undone: apply in a VMM after everything that needs other
 * calls is done (opening files, creating vCPUs) and before the first
 * KVM_RUN; apply in a test only in a child process. Filters stack: a
 * thread with two filters is held to both.
 *
 * Ownership. cvmm_sys_seccomp_build() allocates the filter; the caller
 * frees it with cvmm_sys_seccomp_destroy(), which does not remove it from
 * any thread it was applied to. The rule table is read during the build
 * only.
 */
#ifndef CVMM_SYS_SECCOMP_H
#define CVMM_SYS_SECCOMP_H

#include <cvmm/sys.h>

#define CVMM_SYS_SECCOMP_MAX_ARGS 6u

/* How a condition compares argument `index` with `value`. */
enum cvmm_sys_seccomp_cmp {
	CVMM_SYS_SECCOMP_EQ,
	CVMM_SYS_SECCOMP_NE,
	CVMM_SYS_SECCOMP_LT,
	CVMM_SYS_SECCOMP_LE,
	CVMM_SYS_SECCOMP_GT,
	CVMM_SYS_SECCOMP_GE,
	CVMM_SYS_SECCOMP_MASKED_EQ, /* (arg & mask) == value */
};

/* One condition on an argument (index 0-5); mask is for MASKED_EQ. */
struct cvmm_sys_seccomp_arg {
	unsigned index;
	enum cvmm_sys_seccomp_cmp op;
	uint64_t value;
	uint64_t mask;
};

/* Allow the call named syscall when all n_args conditions hold. */
struct cvmm_sys_seccomp_rule {
	const char *syscall;
	unsigned n_args;
	struct cvmm_sys_seccomp_arg args[CVMM_SYS_SECCOMP_MAX_ARGS];
};

/* A rule allowing the call named name whatever its arguments. */
#define CVMM_SYS_SECCOMP_ALLOW(name)                                           \
	{                                                                      \
		.syscall = (name), .n_args = 0                                 \
	}

/*
 * A rule allowing the call named name when every condition holds; the
 * conditions are CVMM_SYS_SECCOMP_ARG / _ARG_MASKED, 1 to 6 of them.
 */
#define CVMM_SYS_SECCOMP_ALLOW_IF(name, ...)                                   \
	{                                                                      \
		.syscall = (name),                                             \
		.n_args = (unsigned)(sizeof((struct cvmm_sys_seccomp_arg[]){   \
					 __VA_ARGS__}) /                       \
				     sizeof(struct cvmm_sys_seccomp_arg)),     \
		.args = {__VA_ARGS__},                                         \
	}

/* Condition: argument i compared by op (EQ, NE, LT, LE, GT, GE) with v. */
#define CVMM_SYS_SECCOMP_ARG(i, op_, v)                                        \
	{                                                                      \
		.index = (i), .op = CVMM_SYS_SECCOMP_##op_, .value = (v),      \
		.mask = 0                                                      \
	}

/* Condition: (argument i & m) == v. */
#define CVMM_SYS_SECCOMP_ARG_MASKED(i, m, v)                                   \
	{                                                                      \
		.index = (i), .op = CVMM_SYS_SECCOMP_MASKED_EQ, .value = (v),  \
		.mask = (m)                                                    \
	}

/* What happens to a call no rule allows. */
enum cvmm_sys_seccomp_action {
	CVMM_SYS_SECCOMP_KILL_PROCESS, /* the whole process dies (SIGSYS) */
	CVMM_SYS_SECCOMP_KILL_THREAD,  /* the calling thread dies */
	CVMM_SYS_SECCOMP_ERRNO,	       /* the call fails with errno_value */
	CVMM_SYS_SECCOMP_TRAP,	       /* SIGSYS, which a handler can catch */
	CVMM_SYS_SECCOMP_LOG,	       /* allowed, and logged by the kernel */
};

/* Flags for struct cvmm_sys_seccomp_config. */
#define CVMM_SYS_SECCOMP_TSYNC 0x1u /* apply to every thread */

struct cvmm_sys_seccomp_config {
	enum cvmm_sys_seccomp_action default_action;
	int errno_value; /* for CVMM_SYS_SECCOMP_ERRNO: 1-4095, e.g. EPERM */
	unsigned flags;
};

struct cvmm_sys_seccomp;

/*
 * Build a filter allowing rules[0..n) under config. On success *out owns
 * the filter. On failure *out is untouched. If bad_rule is not NULL,
 * *bad_rule receives the index of the rule at fault, or n when no rule is
 * (success, or a fault in config or in creating the filter). Errors
 * listed above.
 */
CVMM_SYS_MUST_CHECK int
cvmm_sys_seccomp_build(const struct cvmm_sys_seccomp_rule *rules, size_t n,
		       const struct cvmm_sys_seccomp_config *config,
		       struct cvmm_sys_seccomp **out, size_t *bad_rule);

/*
 * Load the filter into the kernel (see the top). Errors: those libseccomp
 * reports, e.g. -EACCES without no_new_privs or CAP_SYS_ADMIN, -ESRCH when
 * TSYNC cannot synchronize a thread.
 */
CVMM_SYS_MUST_CHECK int
cvmm_sys_seccomp_apply(const struct cvmm_sys_seccomp *filter);

/*
 * Write the filter's BPF program to fd, as the kernel will get it (to
 * inspect it, or ship it precompiled). Errors: those libseccomp reports.
 */
CVMM_SYS_MUST_CHECK int
cvmm_sys_seccomp_export_bpf(const struct cvmm_sys_seccomp *filter, int fd);

/* Free a filter (NULL is allowed). */
void cvmm_sys_seccomp_destroy(struct cvmm_sys_seccomp *filter);

#endif
