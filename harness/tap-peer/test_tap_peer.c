/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap-peer driven the way a VMM's tap backend meets it: this test creates
 * the tap (TUNSETIFF) in a network namespace of its own, writes the probe's
 * ping into it and reads the answer back, and checks every exit status.
 * Needs root (CAP_NET_ADMIN for the namespace and the tap): skipped with
 * the reason otherwise.
 *
 *   test-tap-peer PATH-TO-TAP-PEER
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static const char *peer;

/* Run tap-peer with args; its stdout and stderr into *out (a pipe's read
 * end) when out is not NULL, else to /dev/null. Returns the pid. */
static pid_t spawn(const char *const *args, int *out)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[16];
		int n = 0;

		/* Copies: execv takes non-const strings. */
		argv[n++] = strdup(peer);
		while (*args && n < 15)
			argv[n++] = strdup(*args++);
		argv[n] = NULL;
		if (!out) {
			/* Nobody reads: not a pipe, or it would get SIGPIPE. */
			close(p[1]);
			p[1] = open("/dev/null", O_WRONLY);
		}
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execv(peer, argv);
		_exit(127);
	}
	close(p[1]);
	if (out)
		*out = p[0];
	else
		close(p[0]);
	return pid;
}

static int status_of(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Read the child's output until a line starts with want (or EOF / 10 s);
 * keeps what was read in buf. */
static bool wait_line(int fd, const char *want, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = 0;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			return false;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = 0;
		for (char *l = buf; l; l = strchr(l, '\n')) {
			if (*l == '\n')
				l++;
			if (strncmp(l, want, strlen(want)) == 0)
				return true;
		}
		if (len + 1 >= cap)
			return false;
	}
}

static int make_tap(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	return fd;
}

/*
 * Wait (at most 5 s) until the tap's link runs, then a little more: the
 * kernel turns the link on a moment after the attach (link watch) and
 * drops what is sent before, without always counting it. A VMM attaches
 * long before its guest pings; the test makes that so.
 */
static void wait_link(const char *name)
{
	struct ifreq ifr;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(sock >= 0);
	for (int i = 0; i < 500; i++) {
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, name, strlen(name) + 1);
		assert_int_equal(ioctl(sock, SIOCGIFFLAGS, &ifr), 0);
		if (ifr.ifr_flags & IFF_RUNNING)
			break;
		usleep(10000);
	}
	close(sock);
	usleep(100000);
}

static const uint8_t guest_mac[6] = {0x02, 0x43, 0x56, 0x4d, 0x4d, 0x07};

static void send_frame(int fd, uint16_t type, const char *payload)
{
	uint8_t f[60];

	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	memcpy(f + 14, payload, strlen(payload) + 1);
	assert_int_equal(write(fd, f, sizeof(f)), (ssize_t)sizeof(f));
}

/* Wait for the answer on the tap; false after 10 s of nothing. */
static bool got_pong(int fd)
{
	uint8_t f[2048];

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			return false;
		n = read(fd, f, sizeof(f));
		assert_true(n > 0);
		if (n >= 14 + 19 && f[12] == 0x88 && f[13] == 0xb5 &&
		    memcmp(f, guest_mac, 6) == 0 &&
		    memcmp(f + 14, "CVMM-PROBE-NET pong", 19) == 0)
			return true;
	}
}

static void test_usage(void **state)
{
	static const char *const none[] = {NULL};
	static const char *const bad_count[] = {"--iface", "t0", "--count", "x",
						NULL};
	static const char *const long_name[] = {
	    "--iface", "a-name-longer-than-ifnamsiz", NULL};
	static const char *const unknown[] = {"--frobnicate", NULL};
	static const char *const help[] = {"--help", NULL};

	(void)state;
	assert_int_equal(status_of(spawn(none, NULL)), 2);
	assert_int_equal(status_of(spawn(bad_count, NULL)), 2);
	assert_int_equal(status_of(spawn(long_name, NULL)), 2);
	assert_int_equal(status_of(spawn(unknown, NULL)), 2);
	assert_int_equal(status_of(spawn(help, NULL)), 0);
}

static void test_no_interface(void **state)
{
	static const char *const args[] = {"--iface", "nosuch0", "--wait", "0",
					   NULL};
	char buf[512];
	int out;
	pid_t pid = spawn(args, &out);

	(void)state;
	assert_false(wait_line(out, "never", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "no interface nosuch0"));
	close(out);
	assert_int_equal(status_of(pid), 2);
}

/* The VMM's way: the tap appears after tap-peer starts. */
static void test_ping(void **state)
{
	static const char *const args[] = {"--iface", "tpt0",	   "--wait",
					   "10",      "--timeout", "20",
					   "--count", "1",	   NULL};
	char buf[1024];
	int out, tap;
	pid_t pid = spawn(args, &out);

	(void)state;
	tap = make_tap("tpt0");
	assert_true(wait_line(out, "tap-peer: ready", buf, sizeof(buf)));
	wait_link("tpt0");
	/* Not a ping: no answer. */
	send_frame(tap, 0x88b5, "CVMM-PROBE-NET other");
	send_frame(tap, 0x0800, "CVMM-PROBE-NET ping");
	send_frame(tap, 0x88b5, "CVMM-PROBE-NET ping");
	assert_true(got_pong(tap));
	assert_false(wait_line(out, "never", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "ping from 02:43:56:4d:4d:07"));
	assert_non_null(strstr(buf, "frame type 0x0800"));
	assert_non_null(strstr(buf, "1 pings answered"));
	close(out);
	assert_int_equal(status_of(pid), 0);
	close(tap);
}

/* --create: the tap exists and listens before the VMM attaches. */
static void test_create_then_attach(void **state)
{
	static const char *const args[] = {"--iface",	"tpt1", "--create",
					   "--timeout", "20",	"--count",
					   "0",		NULL};
	char buf[1024];
	int out, tap;
	pid_t pid = spawn(args, &out);

	(void)state;
	assert_true(wait_line(out, "tap-peer: ready", buf, sizeof(buf)));
	tap = make_tap("tpt1");
	wait_link("tpt1");
	send_frame(tap, 0x88b5, "CVMM-PROBE-NET ping");
	assert_true(got_pong(tap));
	send_frame(tap, 0x88b5, "CVMM-PROBE-NET ping");
	assert_true(got_pong(tap));
	/* --count 0 answers until stopped, then says it was pinged. */
	kill(pid, SIGTERM);
	assert_false(wait_line(out, "never", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "2 pings answered (stopped by a signal)"));
	close(out);
	assert_int_equal(status_of(pid), 0);
	close(tap);
}

static void test_not_pinged(void **state)
{
	static const char *const args[] = {"--iface",	"tpt2", "--create",
					   "--timeout", "1",	NULL};
	char buf[1024];
	int out;
	pid_t pid = spawn(args, &out);

	(void)state;
	assert_false(wait_line(out, "never", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "0 pings answered (timed out)"));
	close(out);
	assert_int_equal(status_of(pid), 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_usage),
	    cmocka_unit_test(test_no_interface),
	    cmocka_unit_test(test_ping),
	    cmocka_unit_test(test_create_then_attach),
	    cmocka_unit_test(test_not_pinged),
	};

	if (argc != 2) {
		(void)fprintf(stderr,
			      "usage: test-tap-peer PATH-TO-TAP-PEER\n");
		return 2;
	}
	peer = argv[1];
	if (geteuid() != 0) {
		(void)printf(
		    "SKIP: needs root (a network namespace and a tap)\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		(void)printf("SKIP: unshare(CLONE_NEWNET): %s\n",
			     strerror(errno));
		return 77;
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		(void)printf("SKIP: /dev/net/tun: %s\n", strerror(errno));
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
