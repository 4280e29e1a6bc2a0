/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net on a real tap interface, in a network namespace of the test's
 * own: a child process unshares its network namespace, creates a tap
 * through the tap backend, brings it up and binds an AF_PACKET socket to
 * it; then frames go from the device (driven from the driver side) to the
 * socket and from the socket to the device, and are compared byte for byte.
 * Needs root (CAP_SYS_ADMIN for the namespace, CAP_NET_ADMIN for the tap)
 * and tun support; without them it skips (exit 77) and says why.
 */
#define _GNU_SOURCE
#include "fixture.h"

#include <cvmm/vdev-net-tap.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define RXQ CVMM_VDEV_NET_RX
#define TXQ CVMM_VDEV_NET_TX
#define HDR CVMM_VDEV_NET_HDR_LEN

/* An EtherType for local experiments (IEEE 802): nothing else on the
 * interface uses it, so the kernel's own traffic (IPv6 router and
 * multicast listener messages once the tap is up) is told apart. */
#define ETHERTYPE_TEST 0x88b5u
#define IFNAME	       "cvmmtap0"
/* How long to wait for the kernel to move a frame: a bound on a hang, not
 * an assertion about speed. */
#define WAIT_MS 20000

static const uint8_t guest_mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};

/* The namespace's tap and the socket on its host side. */
static struct cvmm_vdev_net_tap tap = {-1, {0}};
static int psock = -1;
static int ifindex;

static void frame_make(uint8_t *f, size_t len, const uint8_t *dst,
		       const uint8_t *src, uint8_t seed)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(ETHERTYPE_TEST >> 8);
	f[13] = (uint8_t)ETHERTYPE_TEST;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seed + i * 13 + (i >> 8));
}

static void wait_readable(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};

	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
}

static int setup(void **state)
{
	struct cvmm_vdev_net_config c;
	struct fx *f;

	fx_setup(state);
	f = *state;
	memset(&c, 0, sizeof(c));
	c.backend = cvmm_vdev_net_tap_backend(&tap);
	memcpy(c.mac, guest_mac, sizeof(guest_mac));
	fx_open_net(f, &c);
	fx_bring_up(f, 0, 2, 16);
	return 0;
}

/* Guest to host: frames the driver transmits arrive on the socket. */
static void test_tap_guest_to_host(void **state)
{
	static const size_t sizes[] = {60, 1514, 333};
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct fx *f = *state;

	for (unsigned k = 0; k < 3; k++) {
		uint8_t pkt[HDR + 1514];
		uint8_t got[2048];
		struct cvmm_vqm_buf b[2];
		uint16_t head, id;
		uint32_t len;
		ssize_t n;

		memset(pkt, 0, HDR);
		frame_make(pkt + HDR, sizes[k], bcast, guest_mac, (uint8_t)k);
		assert_int_equal(cvmm_mem_write(&f->mem,
						cvmm_mem_gpa_from(BUF_BASE),
						pkt, HDR + sizes[k]),
				 0);
		b[0] = fx_buf(BUF_BASE, HDR, false);
		b[1] = fx_buf(BUF_BASE + HDR, (uint32_t)sizes[k], false);
		assert_int_equal(cvmm_vqm_add_direct(f->m[TXQ], b, 2, &head),
				 0);
		assert_int_equal(cvmm_vdev_mmio_notify(f->t, TXQ), 0);
		assert_int_equal(cvmm_vqm_get_used(f->m[TXQ], &id, &len), 0);
		assert_int_equal(id, head);
		wait_readable(psock);
		n = recv(psock, got, sizeof(got), 0);
		assert_int_equal(n, (ssize_t)sizes[k]);
		assert_memory_equal(got, pkt + HDR, sizes[k]);
	}
	assert_true(cvmm_vdev_net_get_stats(f->net).tx_frames == 3);
	assert_true(cvmm_vdev_net_get_stats(f->net).tx_errors == 0);
}

/* One receive buffer for a whole frame at BUF_BASE, and the driver's
 * notification (which hands over a frame the device held). */
static void add_buf(struct fx *f, uint16_t *head)
{
	struct cvmm_vqm_buf b = fx_buf(BUF_BASE, HDR + 1514, true);

	assert_int_equal(cvmm_vqm_add_direct(f->m[RXQ], &b, 1, head), 0);
	assert_int_equal(cvmm_vdev_mmio_notify(f->t, RXQ), 0);
}

/* Host to guest: frames sent on the socket reach the driver's buffers,
 * behind a zeroed header with num_buffers 1. */
static void test_tap_host_to_guest(void **state)
{
	static const size_t sizes[] = {60, 1514, 777};
	static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t hdr[HDR] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	struct fx *f = *state;

	for (unsigned k = 0; k < 3; k++) {
		struct sockaddr_ll to;
		uint8_t frame[1514];
		uint8_t got[HDR + 1514];
		bool found = false;

		frame_make(frame, sizes[k], guest_mac, src, (uint8_t)(k + 7));
		memset(&to, 0, sizeof(to));
		to.sll_family = AF_PACKET;
		to.sll_ifindex = ifindex;
		to.sll_halen = 6;
		memcpy(to.sll_addr, guest_mac, 6);
		assert_int_equal(sendto(psock, frame, sizes[k], 0,
					(struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)sizes[k]);
		/* The kernel may send frames of its own first: take frames
		 * until ours arrives (a bounded number). */
		for (unsigned tries = 0; !found && tries < 64; tries++) {
			uint16_t head, id;
			uint32_t len;

			add_buf(f, &head);
			if (cvmm_vqm_get_used(f->m[RXQ], &id, &len) != 0) {
				wait_readable(tap.fd);
				assert_int_equal(
				    cvmm_vdev_net_backend_readable(f->net), 0);
				assert_int_equal(
				    cvmm_vqm_get_used(f->m[RXQ], &id, &len), 0);
			}
			assert_int_equal(id, head);
			assert_true(len >= HDR + 14 && len <= sizeof(got));
			assert_int_equal(
			    cvmm_mem_read(&f->mem, cvmm_mem_gpa_from(BUF_BASE),
					  got, len),
			    0);
			assert_memory_equal(got, hdr, HDR);
			if (got[HDR + 12] != frame[12] ||
			    got[HDR + 13] != frame[13])
				continue;
			assert_int_equal(len, HDR + sizes[k]);
			assert_memory_equal(got + HDR, frame, sizes[k]);
			found = true;
		}
		assert_true(found);
	}
}

/* Opening: a name the kernel chooses; an interface another descriptor
 * holds. */
static void test_tap_open(void **state)
{
	struct cvmm_vdev_net_tap other;

	(void)state;
	assert_int_equal(cvmm_vdev_net_tap_open(NULL, &other), 0);
	assert_true(other.fd >= 0);
	assert_int_equal(strncmp(other.name, "tap", 3), 0);
	assert_true((fcntl(other.fd, F_GETFL) & O_NONBLOCK) != 0);
	assert_true((fcntl(other.fd, F_GETFD) & FD_CLOEXEC) != 0);
	cvmm_vdev_net_tap_close(&other);
	assert_int_equal(other.fd, -1);
	assert_int_equal(cvmm_vdev_net_tap_open(IFNAME, &other), -EBUSY);
	assert_int_equal(other.fd, -1);
}

/* Create the tap, bring it up, bind the packet socket. */
static int open_host_side(void)
{
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int s;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, tap.name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		fprintf(stderr, "%s: SIOCGIFFLAGS: %s\n", tap.name,
			strerror(errno));
		return -1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		fprintf(stderr, "%s: SIOCSIFFLAGS (up): %s\n", tap.name,
			strerror(errno));
		return -1;
	}
	close(s);
	ifindex = (int)if_nametoindex(tap.name);
	psock =
	    socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETHERTYPE_TEST));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETHERTYPE_TEST);
	sll.sll_ifindex = ifindex;
	if (ifindex == 0 || psock < 0 ||
	    bind(psock, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "%s: AF_PACKET socket: %s\n", tap.name,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* The child: a namespace of its own, the tap, the tests. */
static int child(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tap_open),
	    cmocka_unit_test_setup_teardown(test_tap_guest_to_host, setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_tap_host_to_guest, setup,
					    fx_teardown),
	};
	int rc;

	if (unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: unshare(CLONE_NEWNET): %s (a network namespace "
		       "needs root or CAP_SYS_ADMIN)\n",
		       strerror(errno));
		return 77;
	}
	rc = cvmm_vdev_net_tap_open(IFNAME, &tap);
	if (rc == -ENOENT || rc == -ENODEV || rc == -ENXIO || rc == -EPERM ||
	    rc == -EACCES) {
		printf("SKIP: cannot create tap %s through %s: %s (tun "
		       "support, module tun, and CAP_NET_ADMIN are needed)\n",
		       IFNAME, CVMM_VDEV_NET_TUN_PATH, strerror(-rc));
		return 77;
	}
	if (rc != 0) {
		printf("tap %s: %s\n", IFNAME, strerror(-rc));
		return 1;
	}
	assert_string_equal(tap.name, IFNAME);
	if (open_host_side() != 0)
		return 1;
	rc = cmocka_run_group_tests_name("vdev-net-tap", tests, NULL, NULL);
	close(psock);
	cvmm_vdev_net_tap_close(&tap);
	return rc != 0;
}

int main(void)
{
	pid_t pid;
	int status;

	fx_granule = 0;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		exit(child()); /* exit(), so coverage data is written */
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "the test process died of signal %d\n",
			WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status);
}
