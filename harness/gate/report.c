/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the gate tells people and CI systems: a summary table (component by
 * step, with the figures), report.json, junit.xml and report.html. Files
 * are written whole, atomically, after the run: an interrupted gate leaves
 * the previous reports untouched.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate.h"

const char *gate_status_name(enum gate_status s)
{
	switch (s) {
	case GATE_PASS:
		return "PASS";
	case GATE_SKIP:
		return "SKIP";
	case GATE_FAIL:
		return "FAIL";
	default:
		return "-";
	}
}

bool gate_passed(const struct gate *g, bool allow_skip)
{
	for (size_t i = 0; i < g->n; i++) {
		if (!g->c[i].selected)
			continue;
		for (size_t s = 0; s < g->pipeline.n; s++) {
			enum gate_status st = g->c[i].result[s].status;
			if (st == GATE_FAIL || (st == GATE_SKIP && !allow_skip))
				return false;
			if (st == GATE_NOT_RUN &&
			    gate_step_enabled(g, g->pipeline.step[s].name))
				return false;
		}
	}
	return true;
}

static const char *figure(const struct gate_result *r, const char *key)
{
	for (size_t i = 0; i < r->n_fig; i++) {
		if (strcmp(r->fig[i].key, key) == 0)
			return r->fig[i].value;
	}
	return NULL;
}

/* The step index of a name, or -1. */
static int step_index(const struct gate *g, const char *name)
{
	for (size_t s = 0; s < g->pipeline.n; s++) {
		if (strcmp(g->pipeline.step[s].name, name) == 0)
			return (int)s;
	}
	return -1;
}

/* Sum of every "execs.<target>" figure of a result. */
static unsigned long long total_execs(const struct gate_result *r)
{
	unsigned long long sum = 0;

	for (size_t i = 0; i < r->n_fig; i++) {
		if (strncmp(r->fig[i].key, "execs.", 6) == 0)
			sum += strtoull(r->fig[i].value, NULL, 10);
	}
	return sum;
}

/* A step's column label, at most 6 characters and distinct for the
 * pipeline's names: "build-clang" becomes "b-clan", "tests-asan" "t-asan". */
static void column_label(const char *name, char out[7])
{
	const char *dash = strchr(name, '-');

	if (dash != NULL && strlen(name) > 6)
		(void)snprintf(out, 7, "%c-%.4s", name[0], dash + 1);
	else
		(void)snprintf(out, 7, "%.6s", name);
}

void gate_print_summary(const struct gate *g)
{
	int cov = step_index(g, "coverage"), fuzz = step_index(g, "fuzz");
	int tests = step_index(g, "tests");

	printf("\n%-16s", "component");
	for (size_t s = 0; s < g->pipeline.n; s++) {
		char label[7];

		if (!gate_step_enabled(g, g->pipeline.step[s].name))
			continue;
		column_label(g->pipeline.step[s].name, label);
		printf(" %-6s", label);
	}
	printf("   tests  line%%   branch%%  fuzz-execs  time\n");
	for (size_t i = 0; i < g->n; i++) {
		const struct gate_component *c = &g->c[i];
		double secs = 0;
		const char *v;

		if (!c->selected)
			continue;
		printf("%-16s", c->m.name);
		for (size_t s = 0; s < g->pipeline.n; s++) {
			if (!gate_step_enabled(g, g->pipeline.step[s].name))
				continue;
			printf(" %-6s", gate_status_name(c->result[s].status));
			secs += c->result[s].seconds;
		}
		v = tests >= 0 ? figure(&c->result[tests], "tests") : NULL;
		printf("   %5s", v ? v : "-");
		v = cov >= 0 ? figure(&c->result[cov], "line") : NULL;
		printf("  %6s", v ? v : "-");
		v = cov >= 0 ? figure(&c->result[cov], "branch") : NULL;
		printf("   %7s", v ? v : "-");
		if (fuzz >= 0 && c->result[fuzz].status != GATE_NOT_RUN)
			printf("  %10llu", total_execs(&c->result[fuzz]));
		else
			printf("  %10s", "-");
		printf("  %4.0fs\n", secs);
	}
}

static void xml_text(char **b, size_t *l, size_t *cap, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			(void)gate_append(b, l, cap, "&lt;");
			break;
		case '>':
			(void)gate_append(b, l, cap, "&gt;");
			break;
		case '&':
			(void)gate_append(b, l, cap, "&amp;");
			break;
		case '"':
			(void)gate_append(b, l, cap, "&quot;");
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n')
				(void)gate_append(b, l, cap, "%c", *s);
		}
	}
}

static int write_json(const struct gate *g, const char *commit,
		      const char *date, double seconds)
{
	char *b = NULL, path[GATE_PATH + 16];
	size_t l = 0, cap = 0;
	bool first = true;
	int rc;

	(void)gate_append(&b, &l, &cap, "{\n  \"commit\": ");
	gate_json_string(&b, &l, &cap, commit);
	(void)gate_append(&b, &l, &cap, ",\n  \"date\": ");
	gate_json_string(&b, &l, &cap, date);
	(void)gate_append(&b, &l, &cap,
			  ",\n  \"seconds\": %.1f,\n  \"passed\": %s,\n"
			  "  \"components\": [",
			  seconds, gate_passed(g, true) ? "true" : "false");
	for (size_t i = 0; i < g->n; i++) {
		const struct gate_component *c = &g->c[i];
		bool first_step = true;

		if (!c->selected)
			continue;
		(void)gate_append(&b, &l, &cap,
				  "%s\n    {\"name\": ", first ? "" : ",");
		first = false;
		gate_json_string(&b, &l, &cap, c->m.name);
		(void)gate_append(&b, &l, &cap, ", \"version\": ");
		gate_json_string(&b, &l, &cap, c->m.version);
		(void)gate_append(&b, &l, &cap, ", \"status\": ");
		gate_json_string(&b, &l, &cap,
				 cvmm_manifest_status_name(c->m.status));
		(void)gate_append(&b, &l, &cap, ", \"steps\": [");
		for (size_t s = 0; s < g->pipeline.n; s++) {
			const struct gate_result *r = &c->result[s];

			if (r->status == GATE_NOT_RUN)
				continue;
			(void)gate_append(&b, &l, &cap, "%s\n      {\"name\": ",
					  first_step ? "" : ",");
			first_step = false;
			gate_json_string(&b, &l, &cap,
					 g->pipeline.step[s].name);
			(void)gate_append(&b, &l, &cap,
					  ", \"result\": \"%s\", \"seconds\": "
					  "%.1f, \"log\": ",
					  gate_status_name(r->status),
					  r->seconds);
			gate_json_string(&b, &l, &cap, r->log);
			(void)gate_append(&b, &l, &cap, ", \"message\": ");
			gate_json_string(&b, &l, &cap, r->message);
			(void)gate_append(&b, &l, &cap, ", \"warnings\": ");
			gate_json_string(&b, &l, &cap, r->warnings);
			(void)gate_append(&b, &l, &cap, ", \"figures\": {");
			for (size_t f = 0; f < r->n_fig; f++) {
				(void)gate_append(&b, &l, &cap, "%s",
						  f ? ", " : "");
				gate_json_string(&b, &l, &cap, r->fig[f].key);
				(void)gate_append(&b, &l, &cap, ": ");
				gate_json_string(&b, &l, &cap, r->fig[f].value);
			}
			(void)gate_append(&b, &l, &cap, "}}");
		}
		(void)gate_append(&b, &l, &cap, "\n    ]}");
	}
	(void)gate_append(&b, &l, &cap, "\n  ]\n}\n");
	gate_fmt(path, sizeof(path), "%s/report.json", g->out);
	rc = b != NULL ? gate_write_atomic(path, b, l) : -1;
	free(b);
	return rc;
}

static int write_junit(const struct gate *g)
{
	char *b = NULL, path[GATE_PATH + 16];
	size_t l = 0, cap = 0;
	int rc;

	(void)gate_append(&b, &l, &cap,
			  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<testsuites name=\"cvmm gate\">\n");
	for (size_t i = 0; i < g->n; i++) {
		const struct gate_component *c = &g->c[i];
		unsigned tests = 0, failures = 0, skipped = 0;
		double secs = 0;

		if (!c->selected)
			continue;
		for (size_t s = 0; s < g->pipeline.n; s++) {
			const struct gate_result *r = &c->result[s];
			if (r->status == GATE_NOT_RUN)
				continue;
			tests++;
			failures += r->status == GATE_FAIL;
			skipped += r->status == GATE_SKIP;
			secs += r->seconds;
		}
		(void)gate_append(&b, &l, &cap,
				  "  <testsuite name=\"%s\" tests=\"%u\" "
				  "failures=\"%u\" skipped=\"%u\" "
				  "time=\"%.1f\">\n",
				  c->m.name, tests, failures, skipped, secs);
		for (size_t s = 0; s < g->pipeline.n; s++) {
			const struct gate_result *r = &c->result[s];
			if (r->status == GATE_NOT_RUN)
				continue;
			(void)gate_append(&b, &l, &cap,
					  "    <testcase classname=\"%s\" "
					  "name=\"%s\" time=\"%.1f\">",
					  c->m.name, g->pipeline.step[s].name,
					  r->seconds);
			if (r->status == GATE_FAIL) {
				(void)gate_append(&b, &l, &cap,
						  "<failure message=\"");
				xml_text(&b, &l, &cap, r->message);
				(void)gate_append(&b, &l, &cap,
						  "\">full log: ");
				xml_text(&b, &l, &cap, r->log);
				(void)gate_append(&b, &l, &cap, "</failure>");
			} else if (r->status == GATE_SKIP) {
				(void)gate_append(&b, &l, &cap,
						  "<skipped message=\"");
				xml_text(&b, &l, &cap, r->message);
				(void)gate_append(&b, &l, &cap, "\"/>");
			}
			(void)gate_append(&b, &l, &cap, "</testcase>\n");
		}
		(void)gate_append(&b, &l, &cap, "  </testsuite>\n");
	}
	(void)gate_append(&b, &l, &cap, "</testsuites>\n");
	gate_fmt(path, sizeof(path), "%s/junit.xml", g->out);
	rc = b != NULL ? gate_write_atomic(path, b, l) : -1;
	free(b);
	return rc;
}

static int write_html(const struct gate *g, const char *commit,
		      const char *date)
{
	static const char *const colour[] = {"#ddd", "#c8f0c8", "#fde8a0",
					     "#f6b8b8"};
	char *b = NULL, path[GATE_PATH + 16];
	size_t l = 0, cap = 0;
	int rc;

	(void)gate_append(
	    &b, &l, &cap,
	    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>cvmm gate</title><style>body{font-family:sans-serif}"
	    "td,th{padding:3px 8px;border:1px solid #999;font-size:90%%}"
	    "table{border-collapse:collapse}a{color:inherit}</style>"
	    "</head><body><h1>cvmm gate: %s</h1><p>commit ",
	    gate_passed(g, true) ? "passed" : "FAILED");
	xml_text(&b, &l, &cap, commit);
	(void)gate_append(&b, &l, &cap, ", %s</p><table><tr><th>component</th>",
			  date);
	for (size_t s = 0; s < g->pipeline.n; s++) {
		if (gate_step_enabled(g, g->pipeline.step[s].name))
			(void)gate_append(&b, &l, &cap, "<th>%s</th>",
					  g->pipeline.step[s].name);
	}
	(void)gate_append(&b, &l, &cap, "</tr>\n");
	for (size_t i = 0; i < g->n; i++) {
		const struct gate_component *c = &g->c[i];

		if (!c->selected)
			continue;
		(void)gate_append(&b, &l, &cap, "<tr><th>%s %s</th>", c->m.name,
				  c->m.version);
		for (size_t s = 0; s < g->pipeline.n; s++) {
			const struct gate_result *r = &c->result[s];
			const char *html = figure(r, "html");

			if (!gate_step_enabled(g, g->pipeline.step[s].name))
				continue;
			(void)gate_append(&b, &l, &cap,
					  "<td style=\"background:%s\" "
					  "title=\"",
					  colour[r->status]);
			xml_text(&b, &l, &cap, r->message);
			(void)gate_append(&b, &l, &cap, "\"><a href=\"");
			xml_text(&b, &l, &cap, r->log);
			(void)gate_append(&b, &l, &cap, "\">%s</a>",
					  gate_status_name(r->status));
			for (size_t f = 0; f < r->n_fig; f++) {
				if (strcmp(r->fig[f].key, "html") == 0)
					continue;
				(void)gate_append(&b, &l, &cap, "<br>");
				xml_text(&b, &l, &cap, r->fig[f].key);
				(void)gate_append(&b, &l, &cap, ": ");
				xml_text(&b, &l, &cap, r->fig[f].value);
			}
			if (html != NULL) {
				(void)gate_append(&b, &l, &cap,
						  "<br><a href=\"");
				xml_text(&b, &l, &cap, html);
				(void)gate_append(&b, &l, &cap,
						  "\">coverage report</a>");
			}
			(void)gate_append(&b, &l, &cap, "</td>");
		}
		(void)gate_append(&b, &l, &cap, "</tr>\n");
	}
	(void)gate_append(&b, &l, &cap, "</table></body></html>\n");
	gate_fmt(path, sizeof(path), "%s/report.html", g->out);
	rc = b != NULL ? gate_write_atomic(path, b, l) : -1;
	free(b);
	return rc;
}

int gate_write_reports(const struct gate *g, double seconds)
{
	char commit[128], date[64], cmd[GATE_PATH + 64];
	time_t t = time(NULL);
	int rc;

	gate_fmt(cmd, sizeof(cmd), "git -C '%s' rev-parse HEAD 2>/dev/null",
		 g->root);
	if (gate_capture(cmd, commit, sizeof(commit)) != 0)
		gate_fmt(commit, sizeof(commit), "unknown");
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	rc = write_json(g, commit, date, seconds);
	if (rc == 0)
		rc = write_junit(g);
	if (rc == 0)
		rc = write_html(g, commit, date);
	if (rc != 0)
		fprintf(stderr, "gate: cannot write the reports in %s\n",
			g->out);
	else
		printf("reports: %s/report.html, report.json, junit.xml\n",
		       g->out);
	return rc;
}
