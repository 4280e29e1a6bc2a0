/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gate: the quality bar over cvmm's components.
 *
 *   gate [OPTIONS] [COMPONENT...]     run the bar (default: every component)
 *   gate publish COMPONENT           run the whole bar, then publish
 *   gate verify-registry             check ci/registry.tsv against manifests
 *   gate check-docs HEADER...        list undocumented public functions
 *   gate list                        components in dependency order
 *
 * Options:
 *   --changed-since REV   only what changed since REV (and dependents)
 *   --steps a,b,...       only these steps of ci/pipeline.conf
 *   --fuzz-seconds N      fuzz smoke time per target (default 30)
 *   --out DIR             reports and logs (default build/gate)
 *   --build-root DIR      build trees, one per preset (default build)
 *   --components-root DIR, --fuzz-root DIR, --corpora-root DIR
 *                         another tree of components (the gate's tests)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: gate [--changed-since REV] [--steps a,b] "
		   "[--fuzz-seconds N] [--out DIR]\n"
		   "            [--build-root DIR] [--components-root DIR] "
		   "[--fuzz-root DIR]\n"
		   "            [--corpora-root DIR] [COMPONENT...]\n"
		   "       gate publish COMPONENT | verify-registry | list | "
		   "check-docs HEADER...\n");
}

static int absolute(char *out, const char *in)
{
	char buf[PATH_MAX];

	if (realpath(in, buf) == NULL) {
		fprintf(stderr, "gate: %s: %s\n", in, strerror(errno));
		return -errno;
	}
	gate_fmt(out, GATE_PATH, "%s", buf);
	return 0;
}

/* The repository root: the directory holding ci/pipeline.conf above cwd. */
static int find_root(char *out)
{
	char dir[PATH_MAX], probe[PATH_MAX + 32];

	if (getcwd(dir, sizeof(dir)) == NULL)
		return -errno;
	for (;;) {
		gate_fmt(probe, sizeof(probe), "%s/ci/pipeline.conf", dir);
		if (access(probe, R_OK) == 0) {
			gate_fmt(out, GATE_PATH, "%s", dir);
			return 0;
		}
		char *slash = strrchr(dir, '/');
		if (slash == NULL || slash == dir)
			return -ENOENT;
		*slash = '\0';
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Tools the bar needs; the gate installs nothing behind the user's back. */
static int check_tools(void)
{
	static const char *const tools[] = {
	    "cmake",	    "ctest",	  "gcc",      "clang",
	    "clang-format", "clang-tidy", "cppcheck", "lcov",
	    "genhtml",	    "nm",	  "git",
	};
	int missing = 0;

	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		char cmd[128], out[256];
		gate_fmt(cmd, sizeof(cmd), "command -v %s", tools[i]);
		if (gate_capture(cmd, out, sizeof(out)) != 0) {
			fprintf(stderr, "gate: '%s' is missing\n", tools[i]);
			missing++;
		}
	}
	if (missing)
		fprintf(stderr, "gate: install the project's tools first: "
				"ci/install-deps.sh (as root)\n");
	return missing;
}

int main(int argc, char **argv)
{
	static struct gate g;
	const char *changed = NULL, *cmd = NULL;
	char pipeline[GATE_PATH + 32], path[PATH_MAX];
	int first_arg = argc, rc;
	double start = now();

	if (argc > 1 && strcmp(argv[1], "check-docs") == 0)
		return gate_check_docs(argc - 2, argv + 2);
	g.fuzz_seconds = 30;
	g.tty = isatty(1);
	if (find_root(g.root) != 0) {
		fprintf(stderr, "gate: run it inside the cvmm repository (no "
				"ci/pipeline.conf found above here)\n");
		return 2;
	}
	gate_fmt(g.components_root, GATE_PATH, "%s/components", g.root);
	gate_fmt(g.fuzz_root, GATE_PATH, "%s/fuzz", g.root);
	gate_fmt(g.corpora_root, GATE_PATH, "%s/corpora", g.root);
	gate_fmt(g.build_root, GATE_PATH, "%s/build", g.root);
	gate_fmt(g.out, GATE_PATH, "%s/build/gate", g.root);
	if (realpath("/proc/self/exe", path) != NULL)
		gate_fmt(g.self, GATE_PATH, "%s", path);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *dst = NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (a[0] != '-') {
			if (cmd == NULL &&
			    (strcmp(a, "publish") == 0 ||
			     strcmp(a, "verify-registry") == 0 ||
			     strcmp(a, "check-docs") == 0 ||
			     strcmp(a, "list") == 0) &&
			    first_arg == argc) {
				cmd = a;
				continue;
			}
			if (first_arg == argc)
				first_arg = i;
			continue;
		} else if (v == NULL) {
			fprintf(stderr, "gate: %s needs a value\n", a);
			return 2;
		} else if (strcmp(a, "--changed-since") == 0) {
			changed = v;
		} else if (strcmp(a, "--steps") == 0) {
			gate_fmt(g.only_steps, sizeof(g.only_steps), "%s", v);
		} else if (strcmp(a, "--fuzz-seconds") == 0) {
			char *end;
			unsigned long s = strtoul(v, &end, 10);
			if (*end != '\0' || s == 0 || s > 86400) {
				fprintf(stderr, "gate: --fuzz-seconds takes 1 "
						"to 86400\n");
				return 2;
			}
			g.fuzz_seconds = (unsigned)s;
		} else if (strcmp(a, "--out") == 0) {
			dst = g.out;
		} else if (strcmp(a, "--build-root") == 0) {
			dst = g.build_root;
		} else if (strcmp(a, "--components-root") == 0) {
			dst = g.components_root;
		} else if (strcmp(a, "--fuzz-root") == 0) {
			dst = g.fuzz_root;
		} else if (strcmp(a, "--corpora-root") == 0) {
			dst = g.corpora_root;
		} else {
			fprintf(stderr, "gate: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
		if (dst != NULL) {
			if (strcmp(a, "--out") == 0 ||
			    strcmp(a, "--build-root") == 0) {
				/* May not exist yet. */
				if (v[0] == '/')
					gate_fmt(dst, GATE_PATH, "%s", v);
				else if (getcwd(path, sizeof(path)) != NULL)
					gate_fmt(dst, GATE_PATH, "%s/%s", path,
						 v);
			} else if (absolute(dst, v) != 0) {
				return 2;
			}
		}
		i++;
	}

	gate_fmt(pipeline, sizeof(pipeline), "%s/ci/pipeline.conf", g.root);
	if (gate_pipeline_load(pipeline, &g.pipeline) != 0 ||
	    gate_components_load(&g) != 0)
		return 2;
	if (g.only_steps[0] != '\0') {
		const char *p = g.only_steps;
		while (*p != '\0') {
			size_t n = strcspn(p, ",");
			bool known = false;
			for (size_t s = 0; s < g.pipeline.n; s++)
				known |=
				    strlen(g.pipeline.step[s].name) == n &&
				    strncmp(g.pipeline.step[s].name, p, n) == 0;
			if (!known) {
				fprintf(stderr, "gate: no step '%.*s' in %s\n",
					(int)n, p, pipeline);
				return 2;
			}
			p += n + (p[n] == ',');
		}
	}
	if (cmd != NULL && strcmp(cmd, "list") == 0) {
		for (size_t i = 0; i < g.n; i++)
			printf("%s %s %s\n", g.c[i].m.name, g.c[i].m.version,
			       cvmm_manifest_status_name(g.c[i].m.status));
		return 0;
	}
	if (cmd != NULL && strcmp(cmd, "verify-registry") == 0)
		return gate_verify_registry(&g);

	/* Components named on the command line. */
	for (int i = first_arg; i < argc; i++) {
		struct gate_component *c;
		if (argv[i][0] == '-') {
			i++;
			continue;
		}
		c = gate_find(&g, argv[i]);
		if (c == NULL) {
			fprintf(stderr,
				"gate: no component named '%s' (`gate list` "
				"shows them)\n",
				argv[i]);
			return 2;
		}
		c->selected = true;
	}
	if (check_tools() != 0)
		return 2;
	if (cmd != NULL && strcmp(cmd, "publish") == 0) {
		size_t named = 0;
		const char *name = NULL;
		for (size_t i = 0; i < g.n; i++) {
			if (g.c[i].selected) {
				named++;
				name = g.c[i].m.name;
			}
		}
		if (named != 1) {
			fprintf(stderr, "gate publish: name one component\n");
			return 2;
		}
		return gate_publish(&g, name);
	}
	if (changed != NULL) {
		if (gate_select_changed(&g, changed) != 0)
			return 2;
	} else {
		bool any = false;
		for (size_t i = 0; i < g.n; i++)
			any |= g.c[i].selected;
		for (size_t i = 0; i < g.n && !any; i++)
			g.c[i].selected = true;
		gate_select_dependents(&g);
	}
	{
		size_t n = 0;
		printf("gate:");
		for (size_t i = 0; i < g.n; i++) {
			if (g.c[i].selected) {
				printf(" %s", g.c[i].m.name);
				n++;
			}
		}
		printf("%s\n",
		       n ? "" : " nothing to gate (no component changed)");
		if (n == 0)
			return 0;
	}
	rc = gate_run(&g);
	if (rc == -EINTR) {
		fprintf(stderr, "\ngate: interrupted; reports and registry "
				"left as they were\n");
		return 130;
	}
	gate_print_summary(&g);
	if (gate_write_reports(&g, now() - start) != 0)
		return 1;
	printf("gate: %s in %.0f s\n",
	       gate_passed(&g, true) ? "PASSED" : "FAILED", now() - start);
	return gate_passed(&g, true) ? 0 : 1;
}
