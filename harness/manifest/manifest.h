/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Component manifests: the single source of truth for a component's name,
 * version, status, symbol prefix, dependencies, coverage floors, fuzz targets
 * and license. The build (through cvmm-manifest) and the gate both read
 * manifests with this parser, so the two can never disagree about one.
 *
 * Format: UTF-8 text, one "key = value" per line. Blank lines and lines whose
 * first non-blank character is '#' are ignored. Lists are comma-separated.
 * Every key may appear once; unknown keys are errors, so a typo can never be
 * silently ignored. docs/adding-a-component.md describes each key.
 *
 * Ownership: a struct cvmm_manifest is plain data owned by the caller; the
 * parser allocates nothing.
 */
#ifndef CVMM_HARNESS_MANIFEST_H
#define CVMM_HARNESS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#define CVMM_MANIFEST_NAME_MAX	48
#define CVMM_MANIFEST_VALUE_MAX 256
#define CVMM_MANIFEST_LIST_MAX	16
#define CVMM_MANIFEST_LINE_MAX	512

enum cvmm_manifest_status {
	CVMM_MANIFEST_INCUBATING,
	CVMM_MANIFEST_PUBLISHED,
};

struct cvmm_manifest {
	char name[CVMM_MANIFEST_NAME_MAX];
	char version[CVMM_MANIFEST_NAME_MAX];
	enum cvmm_manifest_status status;
	char prefix[CVMM_MANIFEST_NAME_MAX];
	char license[CVMM_MANIFEST_NAME_MAX];
	char depends[CVMM_MANIFEST_LIST_MAX][CVMM_MANIFEST_NAME_MAX];
	size_t n_depends;
	char fuzz_targets[CVMM_MANIFEST_LIST_MAX][CVMM_MANIFEST_NAME_MAX];
	size_t n_fuzz_targets;
	/* Floors in hundredths of a percent (9512 means 95.12%). */
	unsigned coverage_line;
	unsigned coverage_branch;
	/* Parses data a guest controls: built with the integer sanitizers. */
	bool guest_data;
	/*
	 * Benchmark limits: the largest ratio (checked path against its
	 * baseline) each named benchmark figure may print, in hundredths.
	 */
	struct {
		char name[CVMM_MANIFEST_NAME_MAX];
		unsigned max_ratio;
	} bench_limits[CVMM_MANIFEST_LIST_MAX];
	size_t n_bench_limits;
	/* Line of each key, for messages about values checked later (0 =
	 * absent). */
	unsigned line_of_depends;
	unsigned line_of_name;
};

/* Where and why a manifest was refused. */
struct cvmm_manifest_error {
	unsigned line; /* 1-based; the last line + 1 for a missing key */
	char message[CVMM_MANIFEST_VALUE_MAX + 128];
};

/*
 * Parse a manifest held in memory. text need not be NUL-terminated; an
 * embedded NUL is an error. On success fills *out and returns 0. On failure
 * returns -EINVAL, fills *err, and leaves *out in an unspecified state.
 */
__attribute__((warn_unused_result)) int
cvmm_manifest_parse(const char *text, size_t len, struct cvmm_manifest *out,
		    struct cvmm_manifest_error *err);

/*
 * Read and parse the manifest at path. Returns 0, -EINVAL for a malformed
 * manifest (details in *err), or the negative errno of a failed read (with
 * err->line 0 and the reason in err->message).
 */
__attribute__((warn_unused_result)) int
cvmm_manifest_load(const char *path, struct cvmm_manifest *out,
		   struct cvmm_manifest_error *err);

/* "incubating" or "published". */
const char *cvmm_manifest_status_name(enum cvmm_manifest_status status);

#endif
