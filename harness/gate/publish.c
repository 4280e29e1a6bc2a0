/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Publishing and the release registry (ci/registry.tsv). `gate publish X`
 * needs a clean tree, refuses a version that already has a record, runs the
 * whole bar at HEAD on X and its dependents, and only if every check passed
 * with no SKIP marks X published and appends its record. Both files are
 * rewritten atomically, so an interrupted publish changes nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate.h"

#define REGISTRY "ci/registry.tsv"

struct record {
	char component[CVMM_MANIFEST_NAME_MAX];
	char version[CVMM_MANIFEST_NAME_MAX];
};

/* Read every record; returns the count or a negative errno. */
static int read_registry(const struct gate *g, struct record *r, int max,
			 char **text)
{
	char path[GATE_PATH + 32], line[4096];
	FILE *f;
	int n = 0;
	unsigned lineno = 0;
	size_t len = 0, cap = 0;

	*text = NULL;
	gate_fmt(path, sizeof(path), "%s/%s", g->root, REGISTRY);
	f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		char comp[CVMM_MANIFEST_NAME_MAX], ver[CVMM_MANIFEST_NAME_MAX];

		lineno++;
		(void)gate_append(text, &len, &cap, "%s", line);
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%47[^\t]\t%47[^\t]\t", comp, ver) != 2 ||
		    n == max) {
			fprintf(stderr, "%s:%u: error: not a release record\n",
				path, lineno);
			fclose(f);
			return -EINVAL;
		}
		gate_fmt(r[n].component, sizeof(r[n].component), "%s", comp);
		gate_fmt(r[n].version, sizeof(r[n].version), "%s", ver);
		n++;
	}
	fclose(f);
	return n;
}

static bool has_record(const struct record *r, int n, const char *component,
		       const char *version)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(r[i].component, component) == 0 &&
		    strcmp(r[i].version, version) == 0)
			return true;
	}
	return false;
}

int gate_verify_registry(struct gate *g)
{
	static struct record r[4096];
	char *text;
	int n = read_registry(g, r, 4096, &text), bad = 0;

	free(text);
	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		if (gate_find(g, r[i].component) == NULL) {
			printf("%s: record for '%s' %s, which is not a "
			       "component\n",
			       REGISTRY, r[i].component, r[i].version);
			bad++;
		}
		for (int j = 0; j < i; j++) {
			if (strcmp(r[i].component, r[j].component) == 0 &&
			    strcmp(r[i].version, r[j].version) == 0) {
				printf("%s: '%s' %s is recorded twice\n",
				       REGISTRY, r[i].component, r[i].version);
				bad++;
			}
		}
	}
	for (size_t i = 0; i < g->n; i++) {
		const struct gate_component *c = &g->c[i];

		if (c->m.status == CVMM_MANIFEST_PUBLISHED &&
		    !has_record(r, n, c->m.name, c->m.version)) {
			printf("%s: status is published but %s has no record "
			       "of version %s (publish it with `gate publish "
			       "%s`)\n",
			       c->manifest_path, REGISTRY, c->m.version,
			       c->m.name);
			bad++;
		}
	}
	printf("registry: %d record(s), %d problem(s)\n", n, bad);
	return bad != 0;
}

/* Rewrite the manifest with status = published. */
static int mark_published(const struct gate_component *c)
{
	char line[1024], *out = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(c->manifest_path, "r");
	int rc, found = 0;

	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line + strspn(line, " \t");
		if (strncmp(p, "status", 6) == 0 &&
		    p[6 + strspn(p + 6, " \t")] == '=') {
			(void)gate_append(&out, &len, &cap,
					  "status = published\n");
			found = 1;
		} else {
			(void)gate_append(&out, &len, &cap, "%s", line);
		}
	}
	fclose(f);
	rc = found && out != NULL
		 ? gate_write_atomic(c->manifest_path, out, len)
		 : -EINVAL;
	free(out);
	return rc;
}

/* The bar's figures for the record: "step.key=value;..." */
static void figures_of(const struct gate *g, const struct gate_component *c,
		       char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t s = 0; s < g->pipeline.n; s++) {
		const struct gate_result *r = &c->result[s];
		for (size_t f = 0; f < r->n_fig && len < size; f++) {
			if (strcmp(r->fig[f].key, "html") == 0)
				continue;
			len += (size_t)snprintf(out + len, size - len,
						"%s%s.%s=%s", len ? ";" : "",
						g->pipeline.step[s].name,
						r->fig[f].key, r->fig[f].value);
		}
	}
}

int gate_publish(struct gate *g, const char *name)
{
	static struct record r[4096];
	char cmd[GATE_PATH + 128], dirty[4096], commit[128], date[64];
	char figs[2048], path[GATE_PATH + 32], *text = NULL;
	struct gate_component *c = gate_find(g, name);
	size_t len, cap;
	time_t t = time(NULL);
	int n, rc;

	if (c == NULL) {
		fprintf(stderr, "gate publish: no component '%s'\n", name);
		return 2;
	}
	gate_fmt(cmd, sizeof(cmd), "git -C '%s' status --porcelain", g->root);
	if (gate_capture(cmd, dirty, sizeof(dirty)) != 0 || dirty[0] != '\0') {
		fprintf(stderr,
			"gate publish: the tree is not clean; commit or stash "
			"first, so the record names the commit that passed:\n"
			"%s\n",
			dirty);
		return 1;
	}
	n = read_registry(g, r, 4096, &text);
	if (n < 0)
		return 1;
	if (has_record(r, n, c->m.name, c->m.version)) {
		fprintf(stderr,
			"gate publish: %s %s is already published (%s); bump "
			"the version in %s first\n",
			c->m.name, c->m.version, REGISTRY, c->manifest_path);
		free(text);
		return 1;
	}
	gate_fmt(cmd, sizeof(cmd), "git -C '%s' rev-parse HEAD", g->root);
	if (gate_capture(cmd, commit, sizeof(commit)) != 0) {
		free(text);
		return 1;
	}
	c->selected = true;
	gate_select_dependents(g);
	g->only_steps[0] = '\0';
	rc = gate_run(g);
	gate_print_summary(g);
	if (rc != 0 || !gate_passed(g, false)) {
		fprintf(stderr,
			"\ngate publish: %s %s NOT published: every check of "
			"it and its dependents must pass, with no SKIP\n",
			c->m.name, c->m.version);
		free(text);
		return 1;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	figures_of(g, c, figs, sizeof(figs));
	len = text != NULL ? strlen(text) : 0;
	cap = text != NULL ? len + 1 : 0;
	if (len == 0)
		(void)gate_append(&text, &len, &cap,
				  "# SPDX-License-Identifier: Apache-2.0\n"
				  "# Release registry, written by `gate "
				  "publish`: component, version, commit, "
				  "date, the bar's figures.\n");
	(void)gate_append(&text, &len, &cap, "%s\t%s\t%s\t%s\t%s\n", c->m.name,
			  c->m.version, commit, date, figs);
	gate_fmt(path, sizeof(path), "%s/%s", g->root, REGISTRY);
	/* The record first: a record whose manifest still says incubating
	 * is harmless; a published manifest without a record is not. */
	rc = gate_write_atomic(path, text, len);
	if (rc == 0)
		rc = mark_published(c);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "gate publish: cannot write: %s\n",
			strerror(-rc));
		return 1;
	}
	printf("\npublished %s %s at %s\ncommit %s and %s to record it\n",
	       c->m.name, c->m.version, commit, c->manifest_path, REGISTRY);
	return 0;
}
