/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rv-expect: run a command (a VMM) with its stdin and output on pipes, show
 * its output, and act on what it prints: a small expect(1) for the boot
 * tests and the benchmarks, which must run under the sandbox's busybox.
 *
 *   rv-expect [--timeout S] STEP... -- COMMAND [ARG...]
 *
 * Steps run in order; each waits for its pattern (a substring of one output
 * line) to appear after the previous step's match:
 *   --mark PAT         print "rv-expect: mark PAT at T s" (T since start)
 *   --send PAT TEXT    write TEXT (\n, \r, \t, \\ escapes) to the stdin
 *   --rss PAT MIN_KIB  print "rv-expect: rss PAT K KiB": the command's
 *                      resident memory (/proc/PID/smaps) without mappings
 *                      of MIN_KIB or more (the guest's RAM)
 *   --kill PAT         SIGKILL the command
 *
 * Output: the command's stdout and stderr (merged), with the steps' reports
 * on lines of their own after the line that matched, then one line
 *   rv-expect: exit S after T s
 * Exit status: the command's (128 + signal if killed by one) when every
 * step matched; 124 after --timeout (default 600; the command is killed);
 * 125 when the command ended before a step matched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum kind { MARK, SEND, RSS, KILL };

struct step {
	enum kind kind;
	const char *pat;
	const char *arg;
};

#define MAX_STEPS 64
#define LINE_MAX_ 8192

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void unescape(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s && o + 1 < n; s++) {
		if (*s != '\\' || !s[1]) {
			out[o++] = *s;
			continue;
		}
		s++;
		out[o++] = *s == 'n'   ? '\n'
			   : *s == 'r' ? '\r'
			   : *s == 't' ? '\t'
				       : *s;
	}
	out[o] = '\0';
}

/* Resident KiB of pid, leaving out mappings of min_kib or more. */
static long rss_kib(pid_t pid, long min_kib)
{
	char path[64], line[512];
	long total = 0, size = 0;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long v;

		if (sscanf(line, "Size: %ld kB", &v) == 1)
			size = v;
		else if (sscanf(line, "Rss: %ld kB", &v) == 1 && size < min_kib)
			total += v;
	}
	(void)fclose(f);
	return total;
}

/* Reports of the steps done on the current line, printed at its end. */
static char pend[4096];

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	size_t len = strlen(pend);
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(pend + len, sizeof(pend) - len, fmt, ap);
	va_end(ap);
}

static void act(const struct step *s, pid_t pid, int in, double t)
{
	char text[4096];

	switch (s->kind) {
	case MARK:
		report("rv-expect: mark %s at %.3f s\n", s->pat, t);
		break;
	case SEND:
		unescape(s->arg, text, sizeof(text));
		if (write(in, text, strlen(text)) < 0)
			perror("rv-expect: send");
		break;
	case RSS:
		report("rv-expect: rss %s %ld KiB\n", s->pat,
		       rss_kib(pid, atol(s->arg)));
		break;
	case KILL:
		kill(pid, SIGKILL);
		break;
	}
}

static void usage(void)
{
	(void)fprintf(stderr,
		      "usage: rv-expect [--timeout S] [--mark PAT] [--send PAT "
		      "TEXT] [--rss PAT MIN_KIB] [--kill PAT] -- CMD...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct step steps[MAX_STEPS];
	size_t nsteps = 0, next = 0, linelen = 0;
	double timeout = 600, t0;
	int in[2], out[2], i, status = 0;
	char line[LINE_MAX_ + 1];
	bool timed_out = false;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (nsteps == MAX_STEPS)
			usage();
		if (strcmp(a, "--timeout") == 0 && i + 1 < argc)
			timeout = atof(argv[++i]);
		else if (strcmp(a, "--mark") == 0 && i + 1 < argc)
			steps[nsteps++] = (struct step){MARK, argv[++i], NULL};
		else if (strcmp(a, "--kill") == 0 && i + 1 < argc)
			steps[nsteps++] = (struct step){KILL, argv[++i], NULL};
		else if (strcmp(a, "--send") == 0 && i + 2 < argc) {
			steps[nsteps++] =
			    (struct step){SEND, argv[i + 1], argv[i + 2]};
			i += 2;
		} else if (strcmp(a, "--rss") == 0 && i + 2 < argc) {
			steps[nsteps++] =
			    (struct step){RSS, argv[i + 1], argv[i + 2]};
			i += 2;
		} else
			usage();
	}
	if (i >= argc)
		usage();
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		perror("rv-expect: pipe");
		return 2;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("rv-expect: fork");
		return 2;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execvp(argv[i], argv + i);
		(void)fprintf(stderr, "rv-expect: %s: %s\n", argv[i],
			      strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	for (;;) {
		struct pollfd p = {out[0], POLLIN, 0};
		double left = timeout - (now() - t0);
		char buf[4096];
		ssize_t n;

		if (left <= 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(out[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t k = 0; k < n; k++) {
			bool eol = buf[k] == '\n';

			putchar(buf[k]);
			if (!eol && linelen < LINE_MAX_)
				line[linelen++] = buf[k];
			if (!eol && k + 1 < n)
				continue;
			line[linelen] = '\0';
			/* Steps whose pattern this (partial) line holds. */
			while (next < nsteps && strstr(line, steps[next].pat))
				act(&steps[next++], pid, in[1], now() - t0);
			if (eol) {
				linelen = 0;
				/* Reports go between lines, never inside one.
				 */
				(void)fputs(pend, stdout);
				pend[0] = '\0';
			}
		}
		(void)fflush(stdout);
	}
	close(in[1]);
	waitpid(pid, &status, 0);
	close(out[0]);
	if (timed_out) {
		printf("%s", pend);
		printf("\nrv-expect: timeout after %.3f s\n", now() - t0);
		return 124;
	}
	status =
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (pend[0])
		printf("\n%s", pend);
	printf("\nrv-expect: exit %d after %.3f s\n", status, now() - t0);
	if (next < nsteps) {
		printf("rv-expect: never saw '%s' (step %zu)\n",
		       steps[next].pat, next + 1);
		return 125;
	}
	return status;
}
