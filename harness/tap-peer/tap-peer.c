/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap-peer: the host end of the probe guest's virtio-net check. It waits
 * (bounded) for a tap interface to exist (or creates it, --create), brings
 * it up, binds an AF_PACKET socket to it, and answers every frame of
 * ethertype 0x88b5 carrying "CVMM-PROBE-NET ping" with a frame to the
 * sender's MAC carrying "CVMM-PROBE-NET pong". It prints every frame it
 * sees, and ends after --count answers or at --timeout.
 *
 * Exit status: 0 when it answered --count pings (or, with --count 0, at
 * least one before the timeout or SIGTERM), 1 when it did not, 2 on a
 * usage or set-up error (no such interface in time, no permission, ...).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PEER_TYPE 0x88b5u

static const char ping[] = "CVMM-PROBE-NET ping";
static const char pong[] = "CVMM-PROBE-NET pong";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	(void)fprintf(
	    f,
	    "usage: tap-peer --iface NAME [--create] [--wait S] "
	    "[--timeout S] [--count N]\n"
	    "\n"
	    "Answer the probe guest's virtio-net ping on the tap "
	    "interface NAME:\n"
	    "each frame of ethertype 0x88b5 carrying \"%s\" gets one\n"
	    "carrying \"%s\" back, to the sender's MAC.\n"
	    "\n"
	    "  --iface NAME  the tap interface (at most %d bytes)\n"
	    "  --create      create it (a persistent tap, as "
	    "TUNSETIFF/TUNSETPERSIST)\n"
	    "                instead of waiting for the VMM to\n"
	    "  --wait S      seconds to wait for NAME to appear "
	    "(default 30)\n"
	    "  --timeout S   seconds to answer once it is up (default "
	    "60)\n"
	    "  --count N     end after N answers (default 1; 0: until "
	    "the timeout\n"
	    "                or SIGTERM)\n"
	    "\n"
	    "Prints \"tap-peer: ready\" once it listens, then one line "
	    "per frame.\n"
	    "Exit status: 0 pinged (N answers, or with --count 0 at "
	    "least one),\n"
	    "1 not pinged, 2 usage or set-up error.\n",
	    ping, pong, IFNAMSIZ - 1);
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mac_str(const uint8_t *m, char *out)
{
	(void)snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		       m[2], m[3], m[4], m[5]);
}

static int create_tap(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		(void)fprintf(stderr, "tap-peer: /dev/net/tun: %s\n",
			      strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0) {
		(void)fprintf(stderr, "tap-peer: creating tap %s: %s\n", name,
			      strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* IPv6 would make the kernel send its own frames on the link: quieter
 * without (best effort; not every kernel has IPv6). */
static void quiet_ipv6(const char *name)
{
	char path[96];
	int fd;

	(void)snprintf(path, sizeof(path),
		       "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1\n", 2) != 2)
			(void)fprintf(stderr, "tap-peer: %s: %s (ignored)\n",
				      path, strerror(errno));
		close(fd);
	}
}

static int bring_up(int sock, const char *name, uint8_t mac[6])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) {
		(void)fprintf(stderr, "tap-peer: %s: SIOCGIFFLAGS: %s\n", name,
			      strerror(errno));
		return -1;
	}
	ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) {
		(void)fprintf(stderr, "tap-peer: %s: bringing it up: %s\n",
			      name, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(sock, SIOCGIFHWADDR, &ifr) < 0) {
		(void)fprintf(stderr, "tap-peer: %s: SIOCGIFHWADDR: %s\n", name,
			      strerror(errno));
		return -1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* The interface's transmit drops (/proc/net/dev, which, unlike sysfs,
 * shows the caller's network namespace); 0 when it cannot be read. */
static unsigned long long tx_dropped(const char *name)
{
	FILE *f = fopen("/proc/net/dev", "re");
	char line[512];
	unsigned long long v[12], drop = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *n = line;

		if (!colon)
			continue;
		*colon = 0;
		while (*n == ' ')
			n++;
		if (strcmp(n, name) != 0)
			continue;
		/* rx: bytes packets errs drop fifo frame compressed
		 * multicast; tx: bytes packets errs drop ... */
		if (sscanf(colon + 1,
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9], &v[10], &v[11]) == 12)
			drop = v[11];
		break;
	}
	(void)fclose(f);
	return drop;
}

static int send_answer(int sock, unsigned ifindex, const uint8_t *to,
		       const uint8_t *from)
{
	uint8_t f[60];
	struct sockaddr_ll a;

	memset(f, 0, sizeof(f));
	memcpy(f, to, 6);
	memcpy(f + 6, from, 6);
	f[12] = PEER_TYPE >> 8;
	f[13] = PEER_TYPE & 0xff;
	memcpy(f + 14, pong, sizeof(pong) - 1);
	memset(&a, 0, sizeof(a));
	a.sll_family = AF_PACKET;
	a.sll_ifindex = (int)ifindex;
	a.sll_halen = 6;
	memcpy(a.sll_addr, to, 6);
	if (sendto(sock, f, sizeof(f), 0, (struct sockaddr *)&a, sizeof(a)) !=
	    (ssize_t)sizeof(f)) {
		(void)fprintf(stderr, "tap-peer: sending the answer: %s\n",
			      strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Answer, and send again (at most 20 times, 50 ms apart) while the tap
 * drops it: just after a VMM attaches, the kernel may drop what is sent
 * until it has made the link's transmit queue ready, and says so only in
 * the drop counter.
 */
static int answer(int sock, unsigned ifindex, const char *name,
		  const uint8_t *to, const uint8_t *from)
{
	for (int i = 0; i < 20; i++) {
		unsigned long long before = tx_dropped(name);

		if (send_answer(sock, ifindex, to, from) < 0)
			return -1;
		if (tx_dropped(name) == before)
			return 0;
		(void)printf(
		    "tap-peer: the tap dropped the answer (its link is not "
		    "ready yet): sending it again\n");
		usleep(50000);
	}
	(void)fprintf(stderr,
		      "tap-peer: the tap dropped the answer 20 times\n");
	return -1;
}

int main(int argc, char **argv)
{
	const char *name = NULL;
	unsigned long wait_s = 30, timeout_s = 60, count = 1, answered = 0;
	unsigned long seen = 0;
	bool create = false;
	unsigned ifindex = 0;
	uint8_t mac[6];
	char ms[18], ms2[18];
	struct sockaddr_ll a;
	struct sigaction sa;
	double end;
	int sock;

	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--create")) {
			create = true;
			continue;
		} else if (!strcmp(argv[i], "--iface") && v) {
			name = v;
		} else if (!strcmp(argv[i], "--wait") && v) {
			if (!parse_uint(v, 3600, &wait_s))
				goto bad_value;
		} else if (!strcmp(argv[i], "--timeout") && v) {
			if (!parse_uint(v, 86400, &timeout_s))
				goto bad_value;
		} else if (!strcmp(argv[i], "--count") && v) {
			if (!parse_uint(v, 1000000, &count))
				goto bad_value;
		} else {
			(void)fprintf(
			    stderr,
			    "tap-peer: unknown option or missing value: "
			    "%s\n",
			    argv[i]);
			usage(stderr);
			return 2;
		}
		i++;
		continue;
	bad_value:
		(void)fprintf(stderr,
			      "tap-peer: %s: not a number in range: %s\n",
			      argv[i], v);
		return 2;
	}
	if (!name || !*name || strlen(name) >= IFNAMSIZ || strchr(name, '/')) {
		(void)fprintf(stderr,
			      "tap-peer: --iface NAME is required (1 to %d "
			      "bytes, no '/')\n",
			      IFNAMSIZ - 1);
		usage(stderr);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (create && create_tap(name) < 0)
		return 2;
	end = now() + (double)wait_s;
	while ((ifindex = if_nametoindex(name)) == 0) {
		if (now() >= end || stop) {
			(void)fprintf(stderr,
				      "tap-peer: no interface %s after %lu s\n",
				      name, wait_s);
			return 2;
		}
		usleep(10000);
	}
	quiet_ipv6(name);
	sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (sock < 0) {
		(void)fprintf(stderr, "tap-peer: AF_PACKET socket: %s\n",
			      strerror(errno));
		return 2;
	}
	if (bring_up(sock, name, mac) < 0)
		return 2;
	memset(&a, 0, sizeof(a));
	a.sll_family = AF_PACKET;
	a.sll_protocol = htons(ETH_P_ALL);
	a.sll_ifindex = (int)ifindex;
	if (bind(sock, (struct sockaddr *)&a, sizeof(a)) < 0) {
		(void)fprintf(stderr, "tap-peer: binding to %s: %s\n", name,
			      strerror(errno));
		return 2;
	}
	mac_str(mac, ms);
	(void)printf("tap-peer: %s up (index %u, %s), answering for %lu s\n",
		     name, ifindex, ms, timeout_s);
	(void)printf("tap-peer: ready\n");

	end = now() + (double)timeout_s;
	while (!stop && (count == 0 || answered < count)) {
		uint8_t f[2048];
		struct pollfd p = {sock, POLLIN, 0};
		socklen_t alen = sizeof(a);
		double left = end - now();
		ssize_t n;
		unsigned type;

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = recvfrom(sock, f, sizeof(f), 0, (struct sockaddr *)&a,
			     &alen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			(void)fprintf(stderr, "tap-peer: receiving: %s\n",
				      strerror(errno));
			return 2;
		}
		if (a.sll_pkttype == PACKET_OUTGOING || n < 14)
			continue;
		seen++;
		type = (unsigned)f[12] << 8 | f[13];
		mac_str(f + 6, ms);
		mac_str(f, ms2);
		if (type == PEER_TYPE && (size_t)n >= 14 + sizeof(ping) - 1 &&
		    !memcmp(f + 14, ping, sizeof(ping) - 1)) {
			(void)printf(
			    "tap-peer: ping from %s to %s (%zd bytes): "
			    "answering \"%s\"\n",
			    ms, ms2, n, pong);
			if (answer(sock, ifindex, name, f + 6, mac) < 0)
				return 2;
			answered++;
		} else {
			(void)printf(
			    "tap-peer: frame type 0x%04x from %s to %s, %zd "
			    "bytes (not a ping)\n",
			    type, ms, ms2, n);
		}
	}
	close(sock);
	(void)printf("tap-peer: %lu frames seen, %lu pings answered%s\n", seen,
		     answered,
		     stop			 ? " (stopped by a signal)"
		     : count && answered < count ? " (timed out)"
						 : "");
	if (count)
		return answered >= count ? 0 : 1;
	return answered ? 0 : 1;
}
