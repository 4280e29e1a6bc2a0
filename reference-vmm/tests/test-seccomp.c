/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reference VMM's seccomp allowlist, applied for real in child
 * processes: what the run loop needs still works, everything else is
 * refused, and the filter holds every thread (TSYNC), including threads
 * started before it. Prints TAP; exit 0 when all pass.
 */
#define _GNU_SOURCE
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int n, failed;

static void tap(bool ok, const char *what)
{
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, what);
	failed |= !ok;
}

/* Run fn in a child; return its wait status. */
static int in_child(void (*fn)(void))
{
	int status = 0;
	pid_t pid;

	(void)fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return status;
}

static void apply(enum cvmm_sys_seccomp_action action)
{
	struct rvmm_err e;

	if (rvmm_seccomp_apply(action, &e) != 0) {
		(void)fprintf(stderr, "%s\n", e.msg);
		_exit(99);
	}
}

/* Exit codes say which step went wrong. */
static void allowed_calls(void)
{
	void *p;
	int fds[2];

	if (pipe(fds) != 0)
		_exit(10);
	apply(CVMM_SYS_SECCOMP_KILL_PROCESS);
	if (write(fds[1], "x", 1) != 1)
		_exit(11);
	if (getpid() <= 0)
		_exit(12);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, 4096) != 0)
		_exit(13);
	free(malloc(1 << 20));
	/* KVM_RUN is allowed: on a pipe it fails with ENOTTY, not SIGSYS. */
	if (ioctl(fds[0], KVM_RUN, 0) == 0 || errno != ENOTTY)
		_exit(14);
	if (close(fds[0]) != 0)
		_exit(15);
}

/* The virtio devices' calls: the disk's file I/O, getrandom. */
static void device_calls(void)
{
	char path[] = "/tmp/rvmm-seccomp.XXXXXX";
	uint8_t buf[512] = {1}, rnd[16];
	int fd = mkstemp(path);

	if (fd < 0)
		_exit(10);
	unlink(path);
	apply(CVMM_SYS_SECCOMP_KILL_PROCESS);
	if (pwrite(fd, buf, sizeof(buf), 4096) != (ssize_t)sizeof(buf))
		_exit(11);
	if (pread(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		_exit(12);
	if (fdatasync(fd) != 0)
		_exit(13);
	/* PUNCH_HOLE and ZERO_RANGE, always with KEEP_SIZE; a file system
	 * without them answers EOPNOTSUPP, which is no SIGSYS either. */
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 512) !=
		0 &&
	    errno != EOPNOTSUPP)
		_exit(14);
	if (fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 512) !=
		0 &&
	    errno != EOPNOTSUPP)
		_exit(15);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		_exit(16);
}

/* What the devices do not need: other fallocate modes, getrandom from
 * the blocking pool. */
static void device_forbidden(void)
{
	char path[] = "/tmp/rvmm-seccomp.XXXXXX";
	uint8_t rnd[16];
	int fd = mkstemp(path);

	if (fd < 0)
		_exit(10);
	unlink(path);
	apply(CVMM_SYS_SECCOMP_ERRNO);
	/* Plain fallocate (extending the file), COLLAPSE_RANGE. */
	if (fallocate(fd, 0, 0, 4096) != -1 || errno != EPERM)
		_exit(21);
	if (fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096) != -1 ||
	    errno != EPERM)
		_exit(22);
	if (getrandom(rnd, sizeof(rnd), GRND_RANDOM) != -1 || errno != EPERM)
		_exit(23);
	if (ftruncate(fd, 4096) != -1 || errno != EPERM)
		_exit(24);
}

static void forbidden_open(void)
{
	apply(CVMM_SYS_SECCOMP_KILL_PROCESS);
	(void)!open("/dev/null", O_RDONLY);
	_exit(20); /* still alive: the filter failed */
}

static void forbidden_errno(void)
{
	int fds[2];

	if (pipe(fds) != 0)
		_exit(10);
	apply(CVMM_SYS_SECCOMP_ERRNO);
	if (open("/dev/null", O_RDONLY) != -1 || errno != EPERM)
		_exit(21);
	if (socket(AF_UNIX, SOCK_STREAM, 0) != -1 || errno != EPERM)
		_exit(22);
	/* ioctl only with the listed requests. */
	if (ioctl(fds[0], KVM_CREATE_VM, 0) != -1 || errno != EPERM)
		_exit(23);
	/* No executable memory. */
	if (mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0) != MAP_FAILED ||
	    errno != EPERM)
		_exit(24);
	if (syscall(SYS_execve, "/bin/true", NULL, NULL) != -1 ||
	    errno != EPERM)
		_exit(25);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool go;

static void *thread_body(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	(void)!socket(AF_UNIX, SOCK_STREAM, 0);
	return NULL;
}

/* A thread started before the filter is held to it too. */
static void forbidden_in_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_body, NULL) != 0)
		_exit(10);
	apply(CVMM_SYS_SECCOMP_KILL_PROCESS);
	pthread_mutex_lock(&lock);
	go = true;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	_exit(30);
}

static bool killed_by_sigsys(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

int main(void)
{
	size_t rules;
	int st;

	rvmm_seccomp_rules(&rules);
	printf("1..6\n# %zu rules\n", rules);
	st = in_child(allowed_calls);
	printf("# allowed calls: status 0x%x\n", st);
	tap(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the run loop's calls work under the filter");
	st = in_child(device_calls);
	printf("# device calls: status 0x%x\n", st);
	tap(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "pread64, pwrite64, fdatasync, fallocate (punch, zero), "
	    "getrandom work under the filter");
	st = in_child(device_forbidden);
	printf("# device calls refused: status 0x%x\n", st);
	tap(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "fallocate with other modes, getrandom(GRND_RANDOM), ftruncate "
	    "refused");
	st = in_child(forbidden_open);
	tap(killed_by_sigsys(st), "open() after the filter kills (SIGSYS)");
	st = in_child(forbidden_errno);
	printf("# with ERRNO: status 0x%x\n", st);
	tap(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "open, socket, KVM_CREATE_VM, PROT_EXEC mmap, execve refused");
	st = in_child(forbidden_in_thread);
	tap(killed_by_sigsys(st),
	    "socket() in a thread started before the filter kills (TSYNC)");
	return failed;
}
