/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which components the gate runs: all, the ones named, or the ones a change
 * touches; always with every component that depends on them, transitively
 * (gating a component gates its dependents against the new version).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

/* Order components so dependencies come first (manifests have no cycles:
 * the build refuses them). */
static void sort_by_dependencies(struct gate *g)
{
	struct gate_component *sorted = calloc(g->n, sizeof(*sorted));
	bool *done = calloc(g->n, sizeof(*done));
	size_t k = 0;

	if (sorted == NULL || done == NULL) {
		free(sorted);
		free(done);
		return;
	}
	while (k < g->n) {
		size_t before = k;
		for (size_t i = 0; i < g->n; i++) {
			bool ready = !done[i];
			for (size_t d = 0; ready && d < g->c[i].m.n_depends;
			     d++) {
				for (size_t j = 0; j < g->n; j++) {
					if (!done[j] &&
					    strcmp(g->c[j].m.name,
						   g->c[i].m.depends[d]) == 0)
						ready = false;
				}
			}
			if (ready) {
				sorted[k++] = g->c[i];
				done[i] = true;
			}
		}
		if (k == before)
			break; /* a cycle: keep the rest as they are */
	}
	for (size_t i = 0; i < g->n; i++) {
		if (!done[i])
			sorted[k++] = g->c[i];
	}
	memcpy(g->c, sorted, g->n * sizeof(*sorted));
	free(sorted);
	free(done);
}

int gate_components_load(struct gate *g)
{
	char pattern[GATE_PATH + 32];
	glob_t gl;
	int rc;

	gate_fmt(pattern, sizeof(pattern), "%s/*/manifest.conf",
		 g->components_root);
	rc = glob(pattern, 0, NULL, &gl);
	if (rc == GLOB_NOMATCH) {
		fprintf(stderr, "gate: no component manifests under %s\n",
			g->components_root);
		return -ENOENT;
	}
	if (rc != 0)
		return -EIO;
	g->n = 0;
	for (size_t i = 0; i < gl.gl_pathc && g->n < GATE_MAX_COMPONENTS; i++) {
		struct gate_component *c = &g->c[g->n];
		struct cvmm_manifest_error err;
		char *slash;

		memset(c, 0, sizeof(*c));
		gate_fmt(c->manifest_path, sizeof(c->manifest_path), "%s",
			 gl.gl_pathv[i]);
		if (cvmm_manifest_load(c->manifest_path, &c->m, &err) != 0) {
			fprintf(stderr,
				"gate: %s:%u: error: %s\n(fix the manifest; "
				"docs/adding-a-component.md lists the keys)\n",
				c->manifest_path, err.line, err.message);
			globfree(&gl);
			return -EINVAL;
		}
		memcpy(c->dir, c->manifest_path, sizeof(c->dir));
		slash = strrchr(c->dir, '/');
		if (slash != NULL)
			*slash = '\0';
		g->n++;
	}
	globfree(&gl);
	sort_by_dependencies(g);
	return 0;
}

struct gate_component *gate_find(struct gate *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++) {
		if (strcmp(g->c[i].m.name, name) == 0)
			return &g->c[i];
	}
	return NULL;
}

static bool depends_on(const struct gate_component *c, const char *name)
{
	for (size_t d = 0; d < c->m.n_depends; d++) {
		if (strcmp(c->m.depends[d], name) == 0)
			return true;
	}
	return false;
}

void gate_select_dependents(struct gate *g)
{
	bool grew = true;

	while (grew) {
		grew = false;
		for (size_t i = 0; i < g->n; i++) {
			if (g->c[i].selected)
				continue;
			for (size_t j = 0; j < g->n; j++) {
				if (g->c[j].selected &&
				    depends_on(&g->c[i], g->c[j].m.name)) {
					g->c[i].selected = true;
					grew = true;
					break;
				}
			}
		}
	}
}

/* Components owning fuzz target t (it is in their fuzz-targets). */
static void select_fuzz_owners(struct gate *g, const char *t)
{
	for (size_t i = 0; i < g->n; i++) {
		for (size_t k = 0; k < g->c[i].m.n_fuzz_targets; k++) {
			if (strcmp(g->c[i].m.fuzz_targets[k], t) == 0)
				g->c[i].selected = true;
		}
	}
}

/* Paths whose change can affect every component's bar. */
static bool affects_all(const char *path)
{
	static const char *const shared[] = {
	    "CMakeLists.txt", "CMakePresets.json", "cmake/",
	    "harness/",	      "ci/steps/",	   "ci/pipeline.conf",
	    ".clang-format",  ".clang-tidy",	   "ci/cppcheck.cfg",
	};

	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		size_t n = strlen(shared[i]);
		if (strncmp(path, shared[i], n) == 0 &&
		    (shared[i][n - 1] == '/' || path[n] == '\0'))
			return true;
	}
	return false;
}

/* Select the components a path belongs to; a name for fuzz/corpora. */
static void select_for_path(struct gate *g, const char *path)
{
	char name[CVMM_MANIFEST_NAME_MAX];
	const char *rest;

	if (affects_all(path)) {
		for (size_t i = 0; i < g->n; i++)
			g->c[i].selected = true;
		return;
	}
	if (strncmp(path, "components/", 11) == 0) {
		rest = path + 11;
		gate_fmt(name, sizeof(name), "%.*s", (int)strcspn(rest, "/"),
			 rest);
		struct gate_component *c = gate_find(g, name);
		if (c != NULL)
			c->selected = true;
		return;
	}
	if (strncmp(path, "corpora/", 8) == 0) {
		rest = path + 8;
		gate_fmt(name, sizeof(name), "%.*s", (int)strcspn(rest, "/"),
			 rest);
		select_fuzz_owners(g, name);
		return;
	}
	if (strncmp(path, "fuzz/", 5) == 0) {
		rest = strrchr(path, '/') + 1;
		gate_fmt(name, sizeof(name), "%.*s", (int)strcspn(rest, "."),
			 rest);
		select_fuzz_owners(g, name);
	}
}

int gate_select_changed(struct gate *g, const char *rev)
{
	char cmd[GATE_PATH * 2], line[GATE_PATH];
	FILE *p;
	int status;

	if (strpbrk(rev, "'\\\"$`;|&<> ") != NULL) {
		fprintf(stderr,
			"gate: --changed-since '%s' is not a revision\n", rev);
		return -EINVAL;
	}
	gate_fmt(cmd, sizeof(cmd),
		 "cd '%s' && git rev-parse --verify --quiet '%s^{commit}' "
		 ">/dev/null && { git diff --name-only '%s' --; "
		 "git ls-files --others --exclude-standard; }",
		 g->root, rev, rev);
	p = popen(cmd, "r");
	if (p == NULL)
		return -errno;
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0')
			select_for_path(g, line);
	}
	status = pclose(p);
	if (status != 0) {
		fprintf(stderr,
			"gate: --changed-since %s: not a commit of this "
			"repository (try a branch, a tag or HEAD~1)\n",
			rev);
		return -EINVAL;
	}
	gate_select_dependents(g);
	return 0;
}
