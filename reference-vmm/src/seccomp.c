/* SPDX-License-Identifier: Apache-2.0 */
#include "seccomp.h"

#include <errno.h>
#include <linux/falloc.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/mman.h>
#include <asm/ioctls.h>

#define IOCTL(req)                                                             \
	CVMM_SYS_SECCOMP_ALLOW_IF("ioctl", CVMM_SYS_SECCOMP_ARG(1, EQ, req))

static const struct cvmm_sys_seccomp_rule rules[] = {
    /* Serial input and output, eventfds, timerfds, signalfd, logs. */
    CVMM_SYS_SECCOMP_ALLOW("read"),
    CVMM_SYS_SECCOMP_ALLOW("write"),
    CVMM_SYS_SECCOMP_ALLOW("writev"),
    /* stdio's first use of a stream looks at it. */
    CVMM_SYS_SECCOMP_ALLOW("fstat"),
    CVMM_SYS_SECCOMP_ALLOW("newfstatat"),
    /* virtio-blk: the disk's data, FLUSH, and DISCARD / WRITE_ZEROES,
     * whose fallocate modes are PUNCH_HOLE or ZERO_RANGE, always with
     * KEEP_SIZE (a guest never grows the file). mode is an int: only its
     * 32 bits are looked at. */
    CVMM_SYS_SECCOMP_ALLOW("pread64"),
    CVMM_SYS_SECCOMP_ALLOW("pwrite64"),
    CVMM_SYS_SECCOMP_ALLOW("fdatasync"),
    CVMM_SYS_SECCOMP_ALLOW_IF(
	"fallocate",
	CVMM_SYS_SECCOMP_ARG_MASKED(
	    1, (uint32_t) ~(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE),
	    FALLOC_FL_KEEP_SIZE)),
    /* virtio-rng: getrandom(2) from the urandom pool, flags 0. */
    CVMM_SYS_SECCOMP_ALLOW_IF("getrandom", CVMM_SYS_SECCOMP_ARG(2, EQ, 0)),
    /* The event loop. */
    CVMM_SYS_SECCOMP_ALLOW("epoll_wait"),
    CVMM_SYS_SECCOMP_ALLOW("epoll_pwait"),
    CVMM_SYS_SECCOMP_ALLOW("epoll_ctl"),
    CVMM_SYS_SECCOMP_ALLOW("timerfd_settime"),
    /* vCPUs: run, and read registers for error reports; the terminal's
     * mode is restored at exit. */
    IOCTL(KVM_RUN),
    IOCTL(KVM_GET_REGS),
    IOCTL(TCGETS),
    IOCTL(TCSETS),
    IOCTL(TCSETSW),
    IOCTL(TCSETSF),
    /* Threads: locks, condition variables, joins, kicks. */
    CVMM_SYS_SECCOMP_ALLOW("futex"),
    CVMM_SYS_SECCOMP_ALLOW("getpid"),
    CVMM_SYS_SECCOMP_ALLOW("gettid"),
    CVMM_SYS_SECCOMP_ALLOW("tgkill"),
    CVMM_SYS_SECCOMP_ALLOW("rt_sigprocmask"),
    CVMM_SYS_SECCOMP_ALLOW("rt_sigreturn"),
    CVMM_SYS_SECCOMP_ALLOW("restart_syscall"),
    CVMM_SYS_SECCOMP_ALLOW("sched_yield"),
    CVMM_SYS_SECCOMP_ALLOW("clock_gettime"),
    CVMM_SYS_SECCOMP_ALLOW("clock_nanosleep"),
    /* malloc, and tearing down: never executable memory. */
    CVMM_SYS_SECCOMP_ALLOW("brk"),
    CVMM_SYS_SECCOMP_ALLOW_IF("mmap",
			      CVMM_SYS_SECCOMP_ARG_MASKED(2, PROT_EXEC, 0)),
    CVMM_SYS_SECCOMP_ALLOW_IF("mprotect",
			      CVMM_SYS_SECCOMP_ARG_MASKED(2, PROT_EXEC, 0)),
    CVMM_SYS_SECCOMP_ALLOW("munmap"),
    CVMM_SYS_SECCOMP_ALLOW("madvise"),
    CVMM_SYS_SECCOMP_ALLOW("close"),
    CVMM_SYS_SECCOMP_ALLOW("exit"),
    CVMM_SYS_SECCOMP_ALLOW("exit_group"),
};

const struct cvmm_sys_seccomp_rule *rvmm_seccomp_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

int rvmm_seccomp_apply(enum cvmm_sys_seccomp_action action, struct rvmm_err *e)
{
	const struct cvmm_sys_seccomp_config cfg = {
	    .default_action = action,
	    .errno_value = EPERM, /* for CVMM_SYS_SECCOMP_ERRNO */
	    .flags = CVMM_SYS_SECCOMP_TSYNC,
	};
	struct cvmm_sys_seccomp *f = NULL;
	size_t n, bad = 0;
	int rc;

	const struct cvmm_sys_seccomp_rule *r = rvmm_seccomp_rules(&n);

	rc = cvmm_sys_seccomp_build(r, n, &cfg, &f, &bad);
	if (rc)
		return rvmm_fail(e, rc, "seccomp: rule %zu (%s): %s", bad,
				 bad < n ? rules[bad].syscall : "config",
				 strerror(-rc));
	rc = cvmm_sys_seccomp_apply(f);
	cvmm_sys_seccomp_destroy(f);
	if (rc)
		return rvmm_fail(e, rc, "seccomp: %s", strerror(-rc));
	return 0;
}
