/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gate: runs the quality bar (ci/pipeline.conf) over components and
 * reports. Internal header shared by the gate's source files.
 */
#ifndef CVMM_GATE_H
#define CVMM_GATE_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"

#define GATE_MAX_COMPONENTS 64
#define GATE_MAX_STEPS	    32
#define GATE_MAX_FIGURES    24
#define GATE_PATH	    4096

struct gate_step_def {
	char name[48];
	unsigned timeout_s;
	char command[512];
};

struct gate_pipeline {
	struct gate_step_def step[GATE_MAX_STEPS];
	size_t n;
};

enum gate_status {
	GATE_NOT_RUN,
	GATE_PASS,
	GATE_SKIP,
	GATE_FAIL,
};

struct gate_figure {
	char key[64];
	char value[192];
};

struct gate_result {
	enum gate_status status;
	double seconds;
	char log[GATE_PATH];
	char message[512]; /* why it failed or skipped */
	struct gate_figure fig[GATE_MAX_FIGURES];
	size_t n_fig;
	char warnings[1024];
	bool timed_out;
};

struct gate_component {
	struct cvmm_manifest m;
	char dir[GATE_PATH];
	char manifest_path[GATE_PATH];
	bool selected;
	struct gate_result result[GATE_MAX_STEPS];
};

struct gate {
	char root[GATE_PATH]; /* repository root */
	char components_root[GATE_PATH];
	char fuzz_root[GATE_PATH];
	char corpora_root[GATE_PATH];
	char build_root[GATE_PATH];
	char out[GATE_PATH];  /* reports and logs */
	char self[GATE_PATH]; /* this binary, for steps */
	unsigned fuzz_seconds;
	char only_steps[512]; /* comma list, empty = all */
	struct gate_pipeline pipeline;
	struct gate_component c[GATE_MAX_COMPONENTS];
	size_t n;
	bool tty;
	volatile int interrupted;
};

/* pipeline.c */
int gate_pipeline_load(const char *path, struct gate_pipeline *p);

/* components.c */
int gate_components_load(struct gate *g);
struct gate_component *gate_find(struct gate *g, const char *name);
void gate_select_dependents(struct gate *g);
int gate_select_changed(struct gate *g, const char *rev);

/* run.c */
int gate_run(struct gate *g);
bool gate_step_enabled(const struct gate *g, const char *step);

/* report.c */
void gate_print_summary(const struct gate *g);
int gate_write_reports(const struct gate *g, double seconds);
bool gate_passed(const struct gate *g, bool allow_skip);
const char *gate_status_name(enum gate_status s);

/* docs.c */
int gate_check_docs(int n, char **headers);

/* publish.c */
int gate_publish(struct gate *g, const char *name);
int gate_verify_registry(struct gate *g);

/* util.c */
int gate_write_atomic(const char *path, const char *data, size_t len);
int gate_capture(const char *cmd, char *out, size_t size);
void gate_json_string(char **buf, size_t *len, size_t *cap, const char *s);
/* snprintf that reports truncation as -ENAMETOOLONG instead of a count. */
int gate_fmt(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int gate_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
