/* SPDX-License-Identifier: Apache-2.0 */
#include "manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Keys a manifest must or may carry. */
enum key {
	KEY_NAME,
	KEY_VERSION,
	KEY_STATUS,
	KEY_PREFIX,
	KEY_DEPENDS,
	KEY_COVERAGE_LINE,
	KEY_COVERAGE_BRANCH,
	KEY_FUZZ_TARGETS,
	KEY_LICENSE,
	KEY_GUEST_DATA,
	KEY_BENCH_LIMITS,
	KEY_COUNT,
};

static const struct {
	const char *name;
	bool required;
} keys[KEY_COUNT] = {
    [KEY_NAME] = {"name", true},
    [KEY_VERSION] = {"version", true},
    [KEY_STATUS] = {"status", true},
    [KEY_PREFIX] = {"prefix", true},
    [KEY_DEPENDS] = {"depends", true},
    [KEY_COVERAGE_LINE] = {"coverage-line", true},
    [KEY_COVERAGE_BRANCH] = {"coverage-branch", true},
    [KEY_FUZZ_TARGETS] = {"fuzz-targets", true},
    [KEY_LICENSE] = {"license", true},
    [KEY_GUEST_DATA] = {"guest-data", false},
    [KEY_BENCH_LIMITS] = {"bench-limits", false},
};

__attribute__((format(printf, 3, 4))) static int
fail(struct cvmm_manifest_error *err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Component and fuzz-target names: lowercase words joined by single '-'. */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CVMM_MANIFEST_NAME_MAX || !is_lower_alnum(s[0]) ||
	    !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-' && s[i + 1] == '-')
			return false;
		if (s[i] != '-' && !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* One numeric identifier of a semantic version: digits, no leading zero. */
static const char *semver_number(const char *s)
{
	if (!is_digit(*s))
		return NULL;
	if (*s == '0' && is_digit(s[1]))
		return NULL;
	while (is_digit(*s))
		s++;
	return s;
}

/* MAJOR.MINOR.PATCH with an optional -prerelease of [0-9A-Za-z.-]. */
static bool valid_semver(const char *s)
{
	for (int part = 0; part < 3; part++) {
		s = semver_number(s);
		if (s == NULL)
			return false;
		if (part < 2 && *s++ != '.')
			return false;
	}
	if (*s == '\0')
		return true;
	if (*s++ != '-' || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!is_lower_alnum(*s) && !(*s >= 'A' && *s <= 'Z') &&
		    *s != '.' && *s != '-')
			return false;
	}
	return true;
}

/* A C identifier prefix that ends in '_', such as "cvmm_mem_". */
static bool valid_prefix(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || s[n - 1] != '_' || is_digit(s[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_lower_alnum(s[i]) && s[i] != '_')
			return false;
	}
	return true;
}

/* An SPDX license expression's characters (ids, operators, parentheses). */
static bool valid_license(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		char c = *s;
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !is_digit(c) && c != '.' && c != '-' && c != '+' &&
		    c != ' ' && c != '(' && c != ')')
			return false;
	}
	return true;
}

/* A percentage 0..100 with at most two decimals, stored in hundredths. */
static bool parse_percent(const char *s, unsigned *out)
{
	unsigned whole = 0, frac = 0;
	int digits = 0, frac_digits = 0;

	while (is_digit(*s) && digits < 4) {
		whole = whole * 10 + (unsigned)(*s++ - '0');
		digits++;
	}
	if (digits == 0)
		return false;
	if (*s == '.') {
		s++;
		while (is_digit(*s) && frac_digits < 2) {
			frac = frac * 10 + (unsigned)(*s++ - '0');
			frac_digits++;
		}
		if (frac_digits == 0)
			return false;
		if (frac_digits == 1)
			frac *= 10;
	}
	if (*s != '\0' || whole > 100 || (whole == 100 && frac != 0))
		return false;
	*out = whole * 100 + frac;
	return true;
}

/* Trim blanks (space, tab, CR) from both ends of [*b, *e). */
static void trim(const char **b, const char **e)
{
	while (*b < *e && (**b == ' ' || **b == '\t' || **b == '\r'))
		(*b)++;
	while (*e > *b &&
	       ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

/* Split a comma-separated list of names into list; empty value = no items. */
static int parse_list(const char *value, unsigned line, const char *key,
		      char list[][CVMM_MANIFEST_NAME_MAX], size_t *count,
		      struct cvmm_manifest_error *err)
{
	const char *p = value;

	*count = 0;
	if (*p == '\0')
		return 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *b = p, *e = comma != NULL ? comma : p + strlen(p);
		char item[CVMM_MANIFEST_VALUE_MAX];

		trim(&b, &e);
		memcpy(item, b, (size_t)(e - b));
		item[e - b] = '\0';
		if (!valid_name(item))
			return fail(
			    err, line,
			    "%s: '%s' is not a name (lowercase letters, "
			    "digits and single '-')",
			    key, item);
		for (size_t i = 0; i < *count; i++) {
			if (strcmp(list[i], item) == 0)
				return fail(err, line,
					    "%s: '%s' is listed twice", key,
					    item);
		}
		if (*count == CVMM_MANIFEST_LIST_MAX)
			return fail(err, line, "%s: more than %d entries", key,
				    CVMM_MANIFEST_LIST_MAX);
		memcpy(list[*count], item, strlen(item) + 1);
		(*count)++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* Benchmark figure names: a name, or dot-separated names ("read.8b"). */
static bool valid_bench_name(const char *s)
{
	char part[CVMM_MANIFEST_NAME_MAX];
	const char *dot;

	if (strlen(s) >= CVMM_MANIFEST_NAME_MAX)
		return false;
	for (;;) {
		dot = strchr(s, '.');
		if (dot == NULL)
			return valid_name(s);
		memcpy(part, s, (size_t)(dot - s));
		part[dot - s] = '\0';
		if (!valid_name(part))
			return false;
		s = dot + 1;
	}
}

/* "name:ratio, name:ratio": the largest ratio each benchmark may print. */
static int parse_bench_limits(struct cvmm_manifest *m, const char *value,
			      unsigned line, struct cvmm_manifest_error *err)
{
	char items[CVMM_MANIFEST_LIST_MAX][CVMM_MANIFEST_NAME_MAX];
	char copy[CVMM_MANIFEST_VALUE_MAX];
	const char *p = value;

	m->n_bench_limits = 0;
	for (; *p != '\0';) {
		const char *comma = strchr(p, ',');
		const char *b = p, *e = comma != NULL ? comma : p + strlen(p);
		char *colon;
		unsigned ratio;
		size_t i = m->n_bench_limits;

		trim(&b, &e);
		memcpy(copy, b, (size_t)(e - b));
		copy[e - b] = '\0';
		colon = strchr(copy, ':');
		if (colon == NULL)
			return fail(err, line,
				    "bench-limits: '%s' is not 'name:ratio'",
				    copy);
		*colon = '\0';
		if (!valid_bench_name(copy))
			return fail(err, line,
				    "bench-limits: '%s' is not a benchmark "
				    "name",
				    copy);
		/* A ratio is a positive number with up to two decimals. */
		if (!parse_percent(colon + 1, &ratio) || ratio == 0)
			return fail(err, line,
				    "bench-limits: '%s' for '%s' is not a "
				    "ratio from 0.01 to 100",
				    colon + 1, copy);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(items[j], copy) == 0)
				return fail(
				    err, line,
				    "bench-limits: '%s' is listed twice", copy);
		}
		if (i == CVMM_MANIFEST_LIST_MAX)
			return fail(err, line,
				    "bench-limits: more than %d entries",
				    CVMM_MANIFEST_LIST_MAX);
		strcpy(items[i], copy);
		strcpy(m->bench_limits[i].name, copy);
		m->bench_limits[i].max_ratio = ratio;
		m->n_bench_limits++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

static int set_value(struct cvmm_manifest *m, enum key k, const char *v,
		     unsigned line, struct cvmm_manifest_error *err)
{
	const char *key = keys[k].name;

	switch (k) {
	case KEY_NAME:
		if (!valid_name(v))
			return fail(
			    err, line,
			    "name: '%s' is not a component name "
			    "(lowercase letters, digits and single '-')",
			    v);
		strcpy(m->name, v);
		m->line_of_name = line;
		return 0;
	case KEY_VERSION:
		if (strlen(v) >= CVMM_MANIFEST_NAME_MAX || !valid_semver(v))
			return fail(err, line,
				    "version: '%s' is not a semantic version "
				    "MAJOR.MINOR.PATCH[-PRERELEASE]",
				    v);
		strcpy(m->version, v);
		return 0;
	case KEY_STATUS:
		if (strcmp(v, "incubating") == 0)
			m->status = CVMM_MANIFEST_INCUBATING;
		else if (strcmp(v, "published") == 0)
			m->status = CVMM_MANIFEST_PUBLISHED;
		else
			return fail(err, line,
				    "status: '%s' is neither 'incubating' nor "
				    "'published'",
				    v);
		return 0;
	case KEY_PREFIX:
		if (strlen(v) >= CVMM_MANIFEST_NAME_MAX || !valid_prefix(v))
			return fail(err, line,
				    "prefix: '%s' is not a lowercase C "
				    "identifier ending in '_'",
				    v);
		strcpy(m->prefix, v);
		return 0;
	case KEY_LICENSE:
		if (strlen(v) >= CVMM_MANIFEST_NAME_MAX || !valid_license(v))
			return fail(err, line,
				    "license: '%s' is not an SPDX license "
				    "expression",
				    v);
		strcpy(m->license, v);
		return 0;
	case KEY_DEPENDS:
		m->line_of_depends = line;
		return parse_list(v, line, key, m->depends, &m->n_depends, err);
	case KEY_FUZZ_TARGETS:
		return parse_list(v, line, key, m->fuzz_targets,
				  &m->n_fuzz_targets, err);
	case KEY_COVERAGE_LINE:
	case KEY_COVERAGE_BRANCH:
		if (!parse_percent(v, k == KEY_COVERAGE_LINE
					  ? &m->coverage_line
					  : &m->coverage_branch))
			return fail(err, line,
				    "%s: '%s' is not a percentage from 0 to "
				    "100 with at most two decimals",
				    key, v);
		return 0;
	case KEY_GUEST_DATA:
		if (strcmp(v, "yes") == 0)
			m->guest_data = true;
		else if (strcmp(v, "no") == 0)
			m->guest_data = false;
		else
			return fail(err, line,
				    "guest-data: '%s' is neither 'yes' nor "
				    "'no'",
				    v);
		return 0;
	case KEY_BENCH_LIMITS:
		return parse_bench_limits(m, v, line, err);
	case KEY_COUNT:
		break;
	}
	return fail(err, line, "internal error: unhandled key");
}

static int parse_line(struct cvmm_manifest *m, const char *b, const char *e,
		      unsigned line, unsigned seen[KEY_COUNT],
		      struct cvmm_manifest_error *err)
{
	const char *eq, *kb, *ke, *vb, *ve;
	char key[CVMM_MANIFEST_LINE_MAX], value[CVMM_MANIFEST_LINE_MAX];

	trim(&b, &e);
	if (b == e || *b == '#')
		return 0;
	eq = memchr(b, '=', (size_t)(e - b));
	if (eq == NULL)
		return fail(err, line, "expected 'key = value', found '%.*s'",
			    (int)(e - b), b);
	kb = b;
	ke = eq;
	vb = eq + 1;
	ve = e;
	trim(&kb, &ke);
	trim(&vb, &ve);
	if (kb == ke)
		return fail(err, line, "missing key before '='");
	if ((size_t)(ve - vb) >= CVMM_MANIFEST_VALUE_MAX)
		return fail(err, line, "value longer than %d characters",
			    CVMM_MANIFEST_VALUE_MAX - 1);
	memcpy(key, kb, (size_t)(ke - kb));
	key[ke - kb] = '\0';
	memcpy(value, vb, (size_t)(ve - vb));
	value[ve - vb] = '\0';

	for (int k = 0; k < KEY_COUNT; k++) {
		if (strcmp(key, keys[k].name) != 0)
			continue;
		if (seen[k] != 0)
			return fail(err, line,
				    "key '%s' repeats line %u's definition",
				    key, seen[k]);
		seen[k] = line;
		return set_value(m, (enum key)k, value, line, err);
	}
	return fail(err, line, "unknown key '%s'", key);
}

int cvmm_manifest_parse(const char *text, size_t len, struct cvmm_manifest *out,
			struct cvmm_manifest_error *err)
{
	unsigned seen[KEY_COUNT] = {0};
	unsigned line = 1;
	const char *p = text, *end = text + len;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end;
		int rc;

		if (memchr(p, '\0', (size_t)(e - p)) != NULL)
			return fail(err, line, "NUL byte in manifest");
		if (e - p >= CVMM_MANIFEST_LINE_MAX)
			return fail(err, line, "line longer than %d characters",
				    CVMM_MANIFEST_LINE_MAX - 1);
		rc = parse_line(out, p, e, line, seen, err);
		if (rc != 0)
			return rc;
		p = nl != NULL ? nl + 1 : end;
		if (nl != NULL)
			line++;
	}
	for (int k = 0; k < KEY_COUNT; k++) {
		if (keys[k].required && seen[k] == 0)
			return fail(err, line,
				    "missing required key '%s' (end of file)",
				    keys[k].name);
	}
	return 0;
}

int cvmm_manifest_load(const char *path, struct cvmm_manifest *out,
		       struct cvmm_manifest_error *err)
{
	/* Manifests are a few hundred bytes; refuse anything absurd. */
	char buf[64 * 1024];
	size_t n;
	FILE *f = fopen(path, "rb");
	int rc;

	memset(err, 0, sizeof(*err));
	if (f == NULL) {
		rc = -errno;
		snprintf(err->message, sizeof(err->message), "cannot open: %s",
			 strerror(-rc));
		return rc;
	}
	errno = 0;
	n = fread(buf, 1, sizeof(buf), f);
	rc = ferror(f) ? -(errno != 0 ? errno : EIO) : 0;
	if (rc == 0 && n == sizeof(buf))
		rc = -EFBIG;
	fclose(f);
	if (rc != 0) {
		snprintf(err->message, sizeof(err->message), "cannot read: %s",
			 strerror(-rc));
		return rc;
	}
	return cvmm_manifest_parse(buf, n, out, err);
}

const char *cvmm_manifest_status_name(enum cvmm_manifest_status status)
{
	return status == CVMM_MANIFEST_PUBLISHED ? "published" : "incubating";
}
