/* SPDX-License-Identifier: Apache-2.0 */
/* A tap interface as a virtio-net backend: one frame per read or write. */
#define _GNU_SOURCE
#include <cvmm/vdev-net-tap.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>

_Static_assert(CVMM_VDEV_NET_IFNAMSIZ == IFNAMSIZ,
	       "CVMM_VDEV_NET_IFNAMSIZ is the kernel's IFNAMSIZ");

int cvmm_vdev_net_tap_open_at(const char *clone_path, const char *ifname,
			      struct cvmm_vdev_net_tap *tap)
{
	struct ifreq ifr;
	int fd;

	if (tap == NULL || clone_path == NULL)
		return -EINVAL;
	tap->fd = -1;
	memset(tap->name, 0, sizeof(tap->name));
	memset(&ifr, 0, sizeof(ifr));
	if (ifname != NULL) {
		size_t len = strlen(ifname);

		if (len >= sizeof(ifr.ifr_name))
			return -ENAMETOOLONG;
		memcpy(ifr.ifr_name, ifname, len);
	}
	fd = open(clone_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	tap->fd = fd;
	/* The kernel NUL-terminates the name it chose. */
	memcpy(tap->name, ifr.ifr_name, sizeof(tap->name));
	tap->name[sizeof(tap->name) - 1] = '\0';
	return 0;
}

int cvmm_vdev_net_tap_open(const char *ifname, struct cvmm_vdev_net_tap *tap)
{
	return cvmm_vdev_net_tap_open_at(CVMM_VDEV_NET_TUN_PATH, ifname, tap);
}

void cvmm_vdev_net_tap_close(struct cvmm_vdev_net_tap *tap)
{
	if (tap == NULL || tap->fd < 0)
		return;
	close(tap->fd);
	tap->fd = -1;
}

static int tap_send(void *ctx, const uint8_t *frame, size_t len)
{
	const struct cvmm_vdev_net_tap *tap = ctx;
	ssize_t n;

	/* Non-blocking: never interrupted by a signal (EINTR). */
	n = write(tap->fd, frame, len);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int tap_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
	const struct cvmm_vdev_net_tap *tap = ctx;
	ssize_t n;

	n = read(tap->fd, buf, cap);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	*len = (size_t)n;
	return 0;
}

static const struct cvmm_vdev_net_backend_ops tap_ops = {tap_send, tap_recv};

struct cvmm_vdev_net_backend
cvmm_vdev_net_tap_backend(struct cvmm_vdev_net_tap *tap)
{
	struct cvmm_vdev_net_backend b = {&tap_ops, tap};

	return b;
}
