/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running the steps: each is a shell command with a timeout, its output in
 * a log file, its component passed in CVMM_* variables. A live progress
 * line shows the running step; a failing step shows the end of its log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int mkdirs(const char *path)
{
	char tmp[GATE_PATH];

	gate_fmt(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

bool gate_step_enabled(const struct gate *g, const char *step)
{
	const char *p = g->only_steps;
	size_t n = strlen(step);

	if (*p == '\0')
		return true;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, step, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

static void join_list(char *out, size_t size,
		      const char list[][CVMM_MANIFEST_NAME_MAX], size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
					i ? " " : "", list[i]);
}

/* The step's environment: the component, its manifest, where things go. */
static void export_component(const struct gate *g,
			     const struct gate_component *c)
{
	char buf[2048];
	size_t len = 0;

	setenv("CVMM_COMPONENT", c->m.name, 1);
	setenv("CVMM_COMPONENT_DIR", c->dir, 1);
	setenv("CVMM_VERSION", c->m.version, 1);
	setenv("CVMM_PREFIX", c->m.prefix, 1);
	join_list(buf, sizeof(buf), c->m.fuzz_targets, c->m.n_fuzz_targets);
	setenv("CVMM_FUZZ_TARGETS", buf, 1);
	gate_fmt(buf, sizeof(buf), "%u.%02u", c->m.coverage_line / 100,
		 c->m.coverage_line % 100);
	setenv("CVMM_COVERAGE_LINE", buf, 1);
	gate_fmt(buf, sizeof(buf), "%u.%02u", c->m.coverage_branch / 100,
		 c->m.coverage_branch % 100);
	setenv("CVMM_COVERAGE_BRANCH", buf, 1);
	buf[0] = '\0';
	for (size_t i = 0; i < c->m.n_bench_limits && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%s%s:%u.%02u", i ? " " : "",
					c->m.bench_limits[i].name,
					c->m.bench_limits[i].max_ratio / 100,
					c->m.bench_limits[i].max_ratio % 100);
	setenv("CVMM_BENCH_LIMITS", buf, 1);
	gate_fmt(buf, sizeof(buf), "%u", g->fuzz_seconds);
	setenv("CVMM_FUZZ_SECONDS", buf, 1);
	setenv("CVMM_BUILD_ROOT", g->build_root, 1);
	setenv("CVMM_GATE_OUT", g->out, 1);
	setenv("CVMM_GATE_BIN", g->self, 1);
	setenv("CVMM_CORPORA_ROOT", g->corpora_root, 1);
	gate_fmt(buf, sizeof(buf),
		 "-DCVMM_COMPONENTS_ROOT=%s -DCVMM_FUZZ_ROOT=%s "
		 "-DCVMM_CORPORA_ROOT=%s",
		 g->components_root, g->fuzz_root, g->corpora_root);
	setenv("CVMM_CMAKE_ARGS", buf, 1);
}

/* Read figure/warning/skip/error lines from a finished step's log. */
static void harvest(struct gate_result *r)
{
	char line[1024];
	FILE *f = fopen(r->log, "r");
	size_t wlen = 0;

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "figure ", 7) == 0 &&
		    r->n_fig < GATE_MAX_FIGURES) {
			char *eq = strchr(line + 7, '=');
			if (eq == NULL)
				continue;
			*eq = '\0';
			gate_fmt(r->fig[r->n_fig].key, sizeof(r->fig[0].key),
				 "%s", line + 7);
			gate_fmt(r->fig[r->n_fig].value,
				 sizeof(r->fig[0].value), "%s", eq + 1);
			r->n_fig++;
		} else if (strncmp(line, "warning: ", 9) == 0 &&
			   wlen < sizeof(r->warnings)) {
			wlen += (size_t)snprintf(
			    r->warnings + wlen, sizeof(r->warnings) - wlen,
			    "%s%s", wlen ? "\n" : "", line + 9);
		} else if (strncmp(line, "skip: ", 6) == 0 ||
			   strncmp(line, "error: ", 7) == 0) {
			gate_fmt(r->message, sizeof(r->message), "%s",
				 strchr(line, ' ') + 1);
		}
	}
	fclose(f);
}

static void print_tail(const char *log, int lines)
{
	char cmd[GATE_PATH + 32], out[8192];

	gate_fmt(cmd, sizeof(cmd), "tail -n %d '%s'", lines, log);
	if (gate_capture(cmd, out, sizeof(out)) >= 0 && out[0] != '\0') {
		for (char *l = strtok(out, "\n"); l != NULL;
		     l = strtok(NULL, "\n"))
			printf("    | %s\n", l);
	}
	printf("    full log: %s\n", log);
}

static struct gate *interrupted_gate;

static void on_interrupt(int sig)
{
	(void)sig;
	if (interrupted_gate != NULL)
		interrupted_gate->interrupted = 1;
}

/* Run one step; returns its status. */
static enum gate_status run_step(struct gate *g, struct gate_component *c,
				 const struct gate_step_def *d,
				 struct gate_result *r, unsigned index,
				 unsigned total)
{
	double start = now(), last_print = 0;
	int status = 0, fd;
	pid_t pid;

	gate_fmt(r->log, sizeof(r->log), "%s/logs/%s/%s.log", g->out, c->m.name,
		 d->name);
	{
		char dir[GATE_PATH];
		gate_fmt(dir, sizeof(dir), "%s/logs/%s", g->out, c->m.name);
		(void)mkdirs(dir);
	}
	fd = open(r->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		gate_fmt(r->message, sizeof(r->message), "cannot write %s: %s",
			 r->log, strerror(errno));
		return r->status = GATE_FAIL;
	}
	export_component(g, c);
	if (!g->tty)
		printf("[%2u/%u] %-14s %-12s ...\n", index, total, c->m.name,
		       d->name);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (chdir(g->root) != 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", d->command, (char *)NULL);
		_exit(127);
	}
	close(fd);
	if (pid < 0) {
		gate_fmt(r->message, sizeof(r->message), "fork: %s",
			 strerror(errno));
		return r->status = GATE_FAIL;
	}
	setpgid(pid, pid);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		double t = now() - start;

		if (w == pid)
			break;
		if (g->interrupted || t > d->timeout_s) {
			r->timed_out = !g->interrupted;
			kill(-pid, SIGTERM);
			usleep(500000);
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		if (g->tty && t - last_print >= 1.0) {
			printf("\r[%2u/%u] %-14s %-12s %4.0fs ", index, total,
			       c->m.name, d->name, t);
			fflush(stdout);
			last_print = t;
		}
		usleep(100000);
	}
	r->seconds = now() - start;
	harvest(r);
	if (r->timed_out) {
		gate_fmt(r->message, sizeof(r->message), "timed out after %u s",
			 d->timeout_s);
		r->status = GATE_FAIL;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r->status = GATE_PASS;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		r->status = GATE_SKIP;
	} else {
		if (r->message[0] == '\0')
			gate_fmt(r->message, sizeof(r->message),
				 "exit status %d",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		r->status = GATE_FAIL;
	}
	printf("%s[%2u/%u] %-14s %-12s %-4s %5.1fs%s%s\n", g->tty ? "\r" : "",
	       index, total, c->m.name, d->name, gate_status_name(r->status),
	       r->seconds, r->message[0] ? "  " : "", r->message);
	if (r->status == GATE_FAIL && !g->interrupted)
		print_tail(r->log, 20);
	if (r->warnings[0] != '\0')
		printf("    warning: %s\n", r->warnings);
	fflush(stdout);
	return r->status;
}

int gate_run(struct gate *g)
{
	unsigned total = 0, index = 0;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	interrupted_gate = g;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (mkdirs(g->out) != 0) {
		fprintf(stderr, "gate: cannot create %s\n", g->out);
		return -EIO;
	}
	for (size_t i = 0; i < g->n; i++) {
		for (size_t s = 0; g->c[i].selected && s < g->pipeline.n; s++)
			total += gate_step_enabled(g, g->pipeline.step[s].name);
	}
	for (size_t i = 0; i < g->n && !g->interrupted; i++) {
		struct gate_component *c = &g->c[i];

		if (!c->selected)
			continue;
		for (size_t s = 0; s < g->pipeline.n && !g->interrupted; s++) {
			if (!gate_step_enabled(g, g->pipeline.step[s].name))
				continue;
			run_step(g, c, &g->pipeline.step[s], &c->result[s],
				 ++index, total);
		}
	}
	return g->interrupted ? -EINTR : 0;
}
