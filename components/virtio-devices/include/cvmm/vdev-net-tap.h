/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tap interface as the backend of virtio-net (cvmm/vdev-net.h).
 *
 * cvmm_vdev_net_tap_open() opens the tun clone device (/dev/net/tun),
 * attaches it to a tap interface with TUNSETIFF (IFF_TAP | IFF_NO_PI: raw
 * Ethernet frames, no packet-information prefix and no vnet header, since
 * the device offers no offloads) and leaves the file descriptor
 * non-blocking and close-on-exec. The interface is created if it does not
 * exist (that needs CAP_NET_ADMIN) and is not brought up: configuring it
 * (address, up, bridge) is the host's business.
 *
 * The backend ops (cvmm_vdev_net_tap_backend()) use only read(2) and
 * write(2) on that descriptor, one frame per call, so a VMM can open the
 * tap before it installs its seccomp filter and allow just those two
 * calls afterwards (and its poll of the descriptor).
 *   send: write(2) of the frame; 0 when the whole frame was written, the
 *         errno (-EAGAIN when the host queue is full), or -EIO for a
 *         short write;
 *   recv: read(2) of one frame into the device's buffer; -EAGAIN when no
 *         frame is waiting (the descriptor is non-blocking), or the errno.
 * On a non-blocking descriptor neither call is interrupted by a signal;
 * on a blocking one (a test's socket, say) EINTR is returned as is.
 *
 * Errors from cvmm_vdev_net_tap_open(), each naming its cause:
 *   -ENAMETOOLONG  ifname does not fit an interface name (IFNAMSIZ - 1
 *                  bytes);
 *   -EINVAL        tap or clone_path is NULL;
 *   the errno of open(2) on the clone device (-ENOENT: no tun support,
 *   -EACCES/-EPERM: not allowed) or of TUNSETIFF (-EPERM without
 *   CAP_NET_ADMIN, -EBUSY when another process holds the interface, -EINVAL
 *   when a non-tap interface of that name exists or the kernel refuses the
 *   name, e.g. one with '/' or whitespace).
 *
 * Ownership. The caller owns struct cvmm_vdev_net_tap and the descriptor
 * in it: cvmm_vdev_net_tap_close() closes it, after the device using the
 * backend is destroyed. The backend borrows the struct.
 */
#ifndef CVMM_VDEV_NET_TAP_H
#define CVMM_VDEV_NET_TAP_H

#include <cvmm/vdev-net.h>

/* The clone device cvmm_vdev_net_tap_open() uses. */
#define CVMM_VDEV_NET_TUN_PATH "/dev/net/tun"
/* Room for an interface name and its NUL (the kernel's IFNAMSIZ). */
#define CVMM_VDEV_NET_IFNAMSIZ 16u

struct cvmm_vdev_net_tap {
	/* The tap's descriptor, non-blocking; -1 when closed. */
	int fd;
	/* The interface's name as the kernel gave it. */
	char name[CVMM_VDEV_NET_IFNAMSIZ];
};

/*
 * Open (creating if needed) the tap interface ifname; NULL or "" lets the
 * kernel choose a name ("tap%d"), which tap->name then holds. On error
 * tap->fd is -1 and the errno is returned (see the list above).
 */
CVMM_VDEV_MUST_CHECK int cvmm_vdev_net_tap_open(const char *ifname,
						struct cvmm_vdev_net_tap *tap);

/*
 * The same, through another tun clone device (a path other than
 * CVMM_VDEV_NET_TUN_PATH, for systems and tests that place it elsewhere).
 */
CVMM_VDEV_MUST_CHECK int
cvmm_vdev_net_tap_open_at(const char *clone_path, const char *ifname,
			  struct cvmm_vdev_net_tap *tap);

/* Close the descriptor (a closed tap or NULL is allowed). */
void cvmm_vdev_net_tap_close(struct cvmm_vdev_net_tap *tap);

/*
 * The backend over tap->fd (any descriptor that reads and writes one frame
 * per call works: a datagram socket in tests). tap is borrowed by the
 * device.
 */
struct cvmm_vdev_net_backend
cvmm_vdev_net_tap_backend(struct cvmm_vdev_net_tap *tap);

#endif
