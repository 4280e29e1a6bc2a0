/* SPDX-License-Identifier: Apache-2.0 */
/* The real system calls behind struct cvmm_kvm_ops. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static int sys_open(void *ctx, const char *path)
{
	int fd;

	(void)ctx;
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int sys_close(void *ctx, int fd)
{
	(void)ctx;
	return close(fd) < 0 ? -errno : 0;
}

static int sys_ioctl(void *ctx, int fd, unsigned long request,
		     unsigned long arg)
{
	int rc;

	(void)ctx;
	rc = ioctl(fd, request, arg);
	return rc < 0 ? -errno : rc;
}

static int sys_mmap(void *ctx, int fd, size_t size, void **addr)
{
	void *p;

	(void)ctx;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

static int sys_munmap(void *ctx, void *addr, size_t size)
{
	(void)ctx;
	return munmap(addr, size) < 0 ? -errno : 0;
}

const struct cvmm_kvm_ops cvmm_kvm_syscall_ops = {
    .open = sys_open,
    .close = sys_close,
    .ioctl = sys_ioctl,
    .mmap = sys_mmap,
    .munmap = sys_munmap,
};
