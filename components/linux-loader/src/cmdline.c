/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel command line builder. */
#include <cvmm/ll-cmdline.h>

#include "ll-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CMDLINE_LIMIT ((size_t)1 << 20)

/* The parts of one word: key, then "=" and value if value is set. */
struct word {
	const char *key; /* or the whole word */
	size_t key_len;
	const char *value; /* NULL: no "=" */
	size_t value_len;
	bool quote; /* wrap the value (or the whole word) in quotes */
	bool init;  /* an init argument */
};

/* Length of the line's state, to compute a word's cost before adding it. */
struct shape {
	size_t len;
	size_t kernel_len;
	bool has_init_args;
};

static size_t word_len(const struct word *w)
{
	size_t n = w->key_len + (w->quote ? 2 : 0);

	if (w->value != NULL)
		n += 1 + w->value_len;
	return n;
}

/* Bytes the line grows by when w is added to a line of shape s. */
static size_t word_cost(const struct shape *s, const struct word *w)
{
	size_t n = word_len(w);

	if (!w->init)
		return n + (s->kernel_len > 0 || s->has_init_args ? 1 : 0);
	if (s->has_init_args)
		return n + 1;
	return n + (s->kernel_len > 0 ? 4 : 3); /* " -- " or "-- " */
}

static void shape_add(struct shape *s, const struct word *w)
{
	size_t cost = word_cost(s, w);

	s->len += cost;
	/* A first parameter before init arguments is followed by the
	 * space that starts " -- ": that space is not the kernel part's. */
	if (w->init)
		s->has_init_args = true;
	else
		s->kernel_len += word_len(w) + (s->kernel_len > 0 ? 1 : 0);
}

static char *put(char *p, const char *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static char *put_word(char *p, const struct word *w)
{
	if (w->quote && w->value == NULL)
		*p++ = '"';
	p = put(p, w->key, w->key_len);
	if (w->value != NULL) {
		*p++ = '=';
		if (w->quote)
			*p++ = '"';
		p = put(p, w->value, w->value_len);
	}
	if (w->quote)
		*p++ = '"';
	return p;
}

/* Add a word whose cost has been checked against the capacity. */
static void add_word(struct cvmm_ll_cmdline *cl, const struct word *w)
{
	struct shape s = {cl->len, cl->kernel_len, cl->has_init_args};
	size_t cost = word_cost(&s, w);
	char *p;

	if (w->init) {
		p = cl->buf + cl->len;
		if (!cl->has_init_args)
			p = put(p, cl->kernel_len > 0 ? " --" : "--",
				cl->kernel_len > 0 ? 3 : 2);
		*p++ = ' ';
		put_word(p, w);
	} else {
		char *at = cl->buf + cl->kernel_len;

		memmove(at + cost, at, cl->len - cl->kernel_len);
		if (cl->kernel_len > 0)
			*at++ = ' ';
		at = put_word(at, w);
		if (cl->kernel_len == 0 && cl->has_init_args)
			*at = ' ';
	}
	shape_add(&s, w);
	cl->len = s.len;
	cl->kernel_len = s.kernel_len;
	cl->has_init_args = s.has_init_args;
	cl->buf[cl->len] = '\0';
}

static int check_room(const struct cvmm_ll_cmdline *cl, size_t new_len,
		      const char *what, struct cvmm_ll_error *err)
{
	if (new_len > cl->capacity)
		return cvmm_ll__fail(err, -ENOSPC,
				     "adding %s makes the command line %zu "
				     "bytes, over its capacity of %zu (the "
				     "kernel's cmdline_size)",
				     what, new_len, cl->capacity);
	return 0;
}

/*
 * Validate text[0..len): printable ASCII, and none of the characters in
 * `banned`. what names the text in the message.
 */
static int check_chars(const char *what, const char *text, size_t len,
		       const char *banned, struct cvmm_ll_error *err)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c > 0x7e)
			return cvmm_ll__fail(
			    err, -EINVAL,
			    "%s has byte 0x%02x at offset %zu, "
			    "not printable ASCII",
			    what, c, i);
		if (strchr(banned, c) != NULL)
			return cvmm_ll__fail(err, -EINVAL,
					     "%s has '%c' at offset %zu, which "
					     "the kernel's parser would "
					     "misread",
					     what, c, i);
	}
	return 0;
}

static int add_checked(struct cvmm_ll_cmdline *cl, const struct word *w,
		       const char *what, struct cvmm_ll_error *err)
{
	struct shape s = {cl->len, cl->kernel_len, cl->has_init_args};
	int rc = check_room(cl, s.len + word_cost(&s, w), what, err);

	if (rc != 0)
		return rc;
	add_word(cl, w);
	return cvmm_ll__ok(err);
}

static int check_key(const char *key, struct cvmm_ll_error *err)
{
	size_t len = strlen(key);

	if (len == 0)
		return cvmm_ll__fail(err, -EINVAL, "an empty parameter name");
	if (strcmp(key, "--") == 0)
		return cvmm_ll__fail(err, -EINVAL,
				     "\"--\" as a parameter would end the "
				     "kernel's parameters; add init "
				     "arguments with "
				     "cvmm_ll_cmdline_add_init_arg()");
	return check_chars("parameter name", key, len, " =\"", err);
}

int cvmm_ll_cmdline_init(struct cvmm_ll_cmdline *cl, size_t capacity,
			 struct cvmm_ll_error *err)
{
	char *buf;

	if (capacity == 0 || capacity > CMDLINE_LIMIT)
		return cvmm_ll__fail(err, -EINVAL,
				     "command line capacity %zu is not in "
				     "1..%zu",
				     capacity, CMDLINE_LIMIT);
	buf = malloc(capacity + 1);
	if (buf == NULL)
		return cvmm_ll__fail(err, -ENOMEM,
				     "out of memory for a %zu-byte command "
				     "line",
				     capacity);
	buf[0] = '\0';
	cl->buf = buf;
	cl->len = 0;
	cl->capacity = capacity;
	cl->kernel_len = 0;
	cl->has_init_args = false;
	return cvmm_ll__ok(err);
}

void cvmm_ll_cmdline_destroy(struct cvmm_ll_cmdline *cl)
{
	free(cl->buf);
	memset(cl, 0, sizeof(*cl));
}

int cvmm_ll_cmdline_add(struct cvmm_ll_cmdline *cl, const char *key,
			const char *value, struct cvmm_ll_error *err)
{
	struct word w = {key, strlen(key), value, strlen(value), false, false};
	int rc = check_key(key, err);

	if (rc == 0)
		rc = check_chars("the value", value, w.value_len, "\"", err);
	if (rc != 0)
		return rc;
	w.quote = memchr(value, ' ', w.value_len) != NULL;
	return add_checked(cl, &w, key, err);
}

int cvmm_ll_cmdline_add_flag(struct cvmm_ll_cmdline *cl, const char *key,
			     struct cvmm_ll_error *err)
{
	struct word w = {key, strlen(key), NULL, 0, false, false};
	int rc = check_key(key, err);

	if (rc != 0)
		return rc;
	return add_checked(cl, &w, key, err);
}

static int check_init_arg(const char *arg, size_t len,
			  struct cvmm_ll_error *err)
{
	if (len == 0)
		return cvmm_ll__fail(err, -EINVAL,
				     "an empty init argument cannot be "
				     "expressed on the command line");
	if (strcmp(arg, "--") == 0)
		return cvmm_ll__fail(err, -EINVAL,
				     "\"--\" as an init argument would end "
				     "the init arguments");
	return check_chars("the init argument", arg, len, "\"", err);
}

int cvmm_ll_cmdline_add_init_arg(struct cvmm_ll_cmdline *cl, const char *arg,
				 struct cvmm_ll_error *err)
{
	struct word w = {arg, strlen(arg), NULL, 0, false, true};
	int rc = check_init_arg(arg, w.key_len, err);

	if (rc != 0)
		return rc;
	w.quote = memchr(arg, ' ', w.key_len) != NULL;
	return add_checked(cl, &w, arg, err);
}

/* The next word of text at *pos, as the kernel splits it; 0 at the end. */
static size_t next_word(const char *text, size_t *pos, bool *open_quote)
{
	size_t start, i;
	bool quoted = false;

	while (text[*pos] == ' ')
		(*pos)++;
	start = *pos;
	for (i = start; text[i] != '\0' && (quoted || text[i] != ' '); i++)
		if (text[i] == '"')
			quoted = !quoted;
	*open_quote = quoted;
	*pos = i;
	return i - start;
}

/*
 * Split text into words and either measure them into *s (validating as it
 * goes) or, with s NULL, add them (after a measuring pass succeeded).
 */
static int append_pass(struct cvmm_ll_cmdline *cl, const char *text,
		       struct shape *s, struct cvmm_ll_error *err)
{
	bool init = false, open_quote;
	size_t pos = 0, len;

	while ((len = next_word(text, &pos, &open_quote)) > 0) {
		struct word w = {text + pos - len, len, NULL, 0, false, init};

		if ((len == 2 && memcmp(w.key, "--", 2) == 0) ||
		    (len == 4 && memcmp(w.key, "\"--\"", 4) == 0)) {
			if (init)
				return cvmm_ll__fail(
				    err, -EINVAL,
				    "a second \"--\" at offset "
				    "%zu would end the init "
				    "arguments",
				    pos - len);
			init = true;
			continue;
		}
		if (open_quote)
			return cvmm_ll__fail(err, -EINVAL,
					     "the command line has an "
					     "unbalanced '\"' in the word at "
					     "offset %zu",
					     pos - len);
		if (s != NULL)
			shape_add(s, &w);
		else
			add_word(cl, &w);
	}
	return 0;
}

int cvmm_ll_cmdline_append(struct cvmm_ll_cmdline *cl, const char *text,
			   struct cvmm_ll_error *err)
{
	struct shape s = {cl->len, cl->kernel_len, cl->has_init_args};
	int rc = check_chars("the command line", text, strlen(text), "", err);

	if (rc == 0)
		rc = append_pass(cl, text, &s, err);
	if (rc == 0)
		rc = check_room(cl, s.len, "the text", err);
	if (rc != 0)
		return rc;
	/* Cannot fail: the same words passed every check above. */
	(void)append_pass(cl, text, NULL, NULL);
	return cvmm_ll__ok(err);
}

const char *cvmm_ll_cmdline_str(const struct cvmm_ll_cmdline *cl)
{
	return cl->buf;
}

size_t cvmm_ll_cmdline_len(const struct cvmm_ll_cmdline *cl)
{
	return cl->len;
}
