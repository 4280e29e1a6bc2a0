/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the kernel command-line builder (cvmm/ll-cmdline.h),
 * differential: every call is also applied to a model written here from
 * the header's rules, and the built line is split again with a copy of the
 * kernel's own parser (next_arg() and parse_args() of kernel/params.c, and
 * init/main.c's repair of init arguments), which must give back exactly
 * the parameters and init arguments that were added.
 *
 * Input (harness/fuzz-input rules; a "string" is raw bytes up to a 0 byte
 * or its maximum length, so dictionary words land as they are):
 *   capacity  (see decode_capacity: small, the kernel's usual sizes, any
 *             value in 0..1 MiB + 1 so both refusals are reachable)
 *   then operations until the input ends (at most MAX_OPS):
 *     u8 op: low 3 bits (mod 5) choose it, bit 3 passes a NULL error
 *       0 add(key string <= 64, value string <= 64)
 *       1 add_flag(key string <= 64)
 *       2 add_init_arg(arg string <= 64)
 *       3 append(text string <= 256)
 *       4 destroy, then init(capacity, decoded again)
 *
 * Invariants, checked after every call (abort() with "cmdline: invariant
 * ... broken"):
 *   - the result (0 or the errno class) is the model's, and the line is
 *     exactly the model's rendering; a refused call leaves it unchanged;
 *   - len == strlen(line) <= capacity, the line is NUL-terminated at len;
 *   - a refusal carries its errno in err.code and a non-empty message, a
 *     success err.code 0 and an empty message;
 *   - quoting round-trips: the kernel's parser, run on the line, yields the
 *     model's parameters (name and value, or no value), a "--" exactly when
 *     init arguments exist, and the model's init arguments.
 */
#include <cvmm/ll-cmdline.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS	    48
#define MAX_WORDS   (MAX_OPS * 130) /* an append adds at most 128 words */
#define KEY_MAX	    64
#define TEXT_MAX    256
#define MODEL_LIMIT ((size_t)1 << 20)

#define CHECK(cond, what)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr,                                        \
				"cmdline: invariant \"%s\" broken: %s "        \
				"(line %d)\n",                                 \
				what, #cond, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

/*
 * One word of the line: its text as the builder writes it, and what the
 * kernel makes of it (param and val, val NULL without '='; for an init
 * argument, the argument init receives). Strings are owned by the model.
 */
struct mword {
	char *text;
	char *param;
	char *val;
};

struct model {
	bool live; /* init succeeded and no destroy since */
	size_t capacity;
	struct mword kern[MAX_WORDS];
	size_t nkern;
	struct mword init[MAX_WORDS];
	size_t ninit;
};

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	CHECK(p != NULL, "allocation");
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void word_free(struct mword *w)
{
	free(w->text);
	free(w->param);
	free(w->val);
}

static void model_reset(struct model *m)
{
	for (size_t i = 0; i < m->nkern; i++)
		word_free(&m->kern[i]);
	for (size_t i = 0; i < m->ninit; i++)
		word_free(&m->init[i]);
	m->nkern = m->ninit = 0;
	m->live = false;
}

/* --- The kernel's parser (kernel/params.c, lib/cmdline.c) ------------- */

static char *skip_spaces(char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

/* next_arg(), statement for statement; only ' ' is a space in what the
 * builder accepts (printable ASCII). */
static char *next_arg(char *args, char **param, char **val)
{
	size_t i, equals = 0;
	int in_quote = 0, quoted = 0;

	if (*args == '"') {
		args++;
		in_quote = 1;
		quoted = 1;
	}
	for (i = 0; args[i]; i++) {
		if (args[i] == ' ' && !in_quote)
			break;
		if (equals == 0) {
			if (args[i] == '=')
				equals = i;
		}
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	if (!equals) {
		*val = NULL;
	} else {
		args[equals] = '\0';
		*val = args + equals + 1;
		/* Don't include quotes in value. */
		if (**val == '"') {
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';
	if (args[i]) {
		args[i] = '\0';
		args += i + 1;
	} else {
		args += i;
	}
	return skip_spaces(args);
}

/* What the kernel makes of one word alone: param/val, or for an init
 * argument the string init gets (repair_env_string() puts '=' back). */
static void kernel_view(const char *text, bool init, struct mword *w)
{
	char *copy = dup_n(text, strlen(text)), *param, *val;

	next_arg(copy, &param, &val);
	if (init) {
		size_t n = strlen(param) + (val ? 1 + strlen(val) : 0);
		w->param = malloc(n + 1);
		CHECK(w->param != NULL, "allocation");
		if (val != NULL)
			snprintf(w->param, n + 1, "%s=%s", param, val);
		else
			snprintf(w->param, n + 1, "%s", param);
		w->val = NULL;
	} else {
		w->param = dup_n(param, strlen(param));
		w->val = val ? dup_n(val, strlen(val)) : NULL;
	}
	free(copy);
}

/* Split the built line as the kernel does and compare with the model. */
static void check_round_trip(const struct model *m, const char *line,
			     size_t len)
{
	char *copy = dup_n(line, len), *args, *param, *val;
	size_t k = 0, a = 0;
	bool dashes = false;

	args = skip_spaces(copy);
	while (*args) {
		args = next_arg(args, &param, &val);
		if (val == NULL && strcmp(param, "--") == 0) {
			dashes = true;
			break;
		}
		CHECK(k < m->nkern, "round trip: no extra parameter");
		CHECK(strcmp(param, m->kern[k].param) == 0,
		      "round trip: parameter name");
		CHECK((val == NULL) == (m->kern[k].val == NULL),
		      "round trip: value present iff added with one");
		CHECK(val == NULL || strcmp(val, m->kern[k].val) == 0,
		      "round trip: value");
		k++;
	}
	CHECK(k == m->nkern, "round trip: every parameter");
	CHECK(dashes == (m->ninit > 0), "round trip: \"--\" iff init args");
	while (dashes && *args) {
		size_t n;
		char *arg;

		args = next_arg(args, &param, &val);
		CHECK(!(val == NULL && strcmp(param, "--") == 0),
		      "round trip: no second \"--\"");
		CHECK(a < m->ninit, "round trip: no extra init argument");
		n = strlen(param) + (val ? 1 + strlen(val) : 0);
		arg = malloc(n + 1);
		CHECK(arg != NULL, "allocation");
		if (val != NULL)
			snprintf(arg, n + 1, "%s=%s", param, val);
		else
			snprintf(arg, n + 1, "%s", param);
		CHECK(strcmp(arg, m->init[a].param) == 0,
		      "round trip: init argument");
		free(arg);
		a++;
	}
	CHECK(a == m->ninit, "round trip: every init argument");
	free(copy);
}

/* --- The model's rules (cvmm/ll-cmdline.h) ----------------------------- */

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static bool valid_key(const char *k)
{
	return *k != '\0' && strcmp(k, "--") != 0 && printable(k) &&
	       strpbrk(k, " =\"") == NULL;
}

/* The model's line: kernel words, then " -- " and init words. */
static size_t render(const struct model *m, char *out)
{
	size_t n = 0;

#define PUT(s)                                                                 \
	do {                                                                   \
		size_t l_ = strlen(s);                                         \
		if (out != NULL)                                               \
			memcpy(out + n, s, l_);                                \
		n += l_;                                                       \
	} while (0)
	for (size_t i = 0; i < m->nkern; i++) {
		if (i > 0)
			PUT(" ");
		PUT(m->kern[i].text);
	}
	if (m->ninit > 0)
		PUT(m->nkern > 0 ? " --" : "--");
	for (size_t i = 0; i < m->ninit; i++) {
		PUT(" ");
		PUT(m->init[i].text);
	}
#undef PUT
	if (out != NULL)
		out[n] = '\0';
	return n;
}

/* The builder's text of a word it quotes itself ("k=v", "\"a b\""). */
static char *quoted_text(const char *key, const char *value)
{
	const char *v = value ? value : key;
	bool q = strchr(v, ' ') != NULL;
	size_t n = strlen(v) + (value ? strlen(key) + 1 : 0) + (q ? 2 : 0);
	char *t = malloc(n + 1);

	CHECK(t != NULL, "allocation");
	if (value != NULL && q)
		snprintf(t, n + 1, "%s=\"%s\"", key, value);
	else if (value != NULL)
		snprintf(t, n + 1, "%s=%s", key, value);
	else if (q)
		snprintf(t, n + 1, "\"%s\"", key);
	else
		snprintf(t, n + 1, "%s", key);
	return t;
}

struct state {
	struct model m;
	struct cvmm_ll_cmdline cl;
	char *expect; /* the model's rendering */
	size_t expect_cap;
	char *before; /* the line before the current call */
	size_t before_cap;
};

static void check_err(int rc, int want, const struct cvmm_ll_error *err,
		      bool have_err)
{
	CHECK(rc == want, "the result is the model's");
	if (!have_err)
		return;
	CHECK(err->code == rc, "err.code is the result");
	CHECK(memchr(err->msg, '\0', sizeof(err->msg)) != NULL,
	      "the message is NUL-terminated");
	if (rc == 0)
		CHECK(err->msg[0] == '\0', "a success has an empty message");
	else
		CHECK(err->msg[0] != '\0', "an error has a message");
}

static void grow(char **buf, size_t *cap, size_t need)
{
	if (need > *cap) {
		*cap = need;
		*buf = realloc(*buf, need);
		CHECK(*buf != NULL, "allocation");
	}
}

/* The line is exactly the model's, well-formed, and round-trips. */
static void check_line(struct state *st)
{
	const char *s = cvmm_ll_cmdline_str(&st->cl);
	size_t n = render(&st->m, NULL);

	CHECK(cvmm_ll_cmdline_len(&st->cl) == st->cl.len,
	      "len() is the length");
	CHECK(strlen(s) == st->cl.len, "NUL-terminated at len");
	CHECK(st->cl.len <= st->cl.capacity, "within the capacity");
	CHECK(st->cl.capacity == st->m.capacity, "the capacity asked for");
	CHECK(st->cl.kernel_len <= st->cl.len, "kernel part inside the line");
	CHECK(n == st->cl.len, "the length is the model's");
	grow(&st->expect, &st->expect_cap, n + 1);
	render(&st->m, st->expect);
	CHECK(strcmp(st->expect, s) == 0, "the line is the model's rendering");
	check_round_trip(&st->m, s, st->cl.len);
}

/* Add a word to the model; the model owns text, param and val. */
static void push(struct model *m, bool init, char *text, char *param, char *val)
{
	struct mword *w = init ? &m->init[m->ninit++] : &m->kern[m->nkern++];

	w->text = text;
	w->param = param;
	w->val = val;
}

/* Add a word kept as it stands (append): its meaning is the kernel's. */
static void push_verbatim(struct model *m, bool init, const char *text,
			  size_t len)
{
	struct mword w;

	w.text = dup_n(text, len);
	kernel_view(w.text, init, &w);
	push(m, init, w.text, w.param, w.val);
}

/* Undo the pushes since (nkern, ninit). */
static void pop_to(struct model *m, size_t nkern, size_t ninit)
{
	while (m->nkern > nkern)
		word_free(&m->kern[--m->nkern]);
	while (m->ninit > ninit)
		word_free(&m->init[--m->ninit]);
}

/*
 * Apply append(text) to the model: -EINVAL for a non-printable byte, an
 * unbalanced quote or a second "--" in text; the words otherwise. The
 * caller checks the capacity.
 */
static int model_append(struct model *m, const char *text)
{
	size_t pos = 0;
	bool init = false;

	if (!printable(text))
		return -EINVAL;
	for (;;) {
		size_t start, i;
		bool q = false;

		while (text[pos] == ' ')
			pos++;
		if (text[pos] == '\0')
			return 0;
		start = pos;
		for (i = start; text[i] != '\0' && (q || text[i] != ' '); i++)
			if (text[i] == '"')
				q = !q;
		pos = i;
		if ((i - start == 2 && memcmp(text + start, "--", 2) == 0) ||
		    (i - start == 4 &&
		     memcmp(text + start, "\"--\"", 4) == 0)) {
			if (init)
				return -EINVAL;
			init = true;
			continue;
		}
		if (q)
			return -EINVAL;
		push_verbatim(m, init, text + start, i - start);
	}
}

static void read_string(struct cvmm_fi *in, char *buf, size_t max)
{
	size_t n = 0;

	for (; n < max; n++) {
		buf[n] = (char)cvmm_fi_u8(in);
		if (buf[n] == '\0')
			return;
	}
	buf[n] = '\0';
}

static size_t decode_capacity(struct cvmm_fi *in)
{
	static const size_t usual[] = {255, 256, 2047, 2048, 4096, 1};

	switch (cvmm_fi_range(in, 0, 3)) {
	case 0:
		return (size_t)cvmm_fi_range(in, 1, 64);
	case 1:
		return usual[cvmm_fi_range(in, 0, 5)];
	case 2:
		return (size_t)cvmm_fi_range(in, 0, MODEL_LIMIT + 1);
	default:
		return (size_t)cvmm_fi_range(in, 1, 512);
	}
}

static void op_init(struct state *st, struct cvmm_fi *in,
		    struct cvmm_ll_error *err)
{
	size_t cap = decode_capacity(in);
	int want = cap == 0 || cap > MODEL_LIMIT ? -EINVAL : 0;
	int rc;

	if (st->m.live)
		cvmm_ll_cmdline_destroy(&st->cl);
	model_reset(&st->m);
	CHECK(st->cl.buf == NULL && st->cl.len == 0,
	      "destroy clears the struct");
	rc = cvmm_ll_cmdline_init(&st->cl, cap, err);
	check_err(rc, want, err, err != NULL);
	if (rc != 0)
		return;
	st->m.live = true;
	st->m.capacity = cap;
	check_line(st);
}

static void op_words(struct state *st, unsigned op, struct cvmm_fi *in,
		     struct cvmm_ll_error *err)
{
	static char a[TEXT_MAX + 1], b[KEY_MAX + 1];
	struct model *m = &st->m;
	size_t nk = m->nkern, ni = m->ninit;
	int want = 0, rc;

	read_string(in, a, op == 3 ? TEXT_MAX : KEY_MAX);
	if (op == 0)
		read_string(in, b, KEY_MAX);
	if (!m->live)
		return;
	/* The model first: its result, and its new words. */
	switch (op) {
	case 0:
		if (!valid_key(a) || !printable(b) || strchr(b, '"') != NULL)
			want = -EINVAL;
		else
			push(m, false, quoted_text(a, b), dup_n(a, strlen(a)),
			     dup_n(b, strlen(b)));
		break;
	case 1:
		if (!valid_key(a))
			want = -EINVAL;
		else
			push(m, false, quoted_text(a, NULL),
			     dup_n(a, strlen(a)), NULL);
		break;
	case 2:
		if (*a == '\0' || strcmp(a, "--") == 0 || !printable(a) ||
		    strchr(a, '"') != NULL)
			want = -EINVAL;
		else
			push(m, true, quoted_text(a, NULL), dup_n(a, strlen(a)),
			     NULL);
		break;
	default:
		want = model_append(m, a);
		break;
	}
	if (want == 0 && render(m, NULL) > m->capacity)
		want = -ENOSPC;
	if (want != 0)
		pop_to(m, nk, ni);

	grow(&st->before, &st->before_cap, st->cl.len + 1);
	memcpy(st->before, st->cl.buf, st->cl.len + 1);
	switch (op) {
	case 0:
		rc = cvmm_ll_cmdline_add(&st->cl, a, b, err);
		break;
	case 1:
		rc = cvmm_ll_cmdline_add_flag(&st->cl, a, err);
		break;
	case 2:
		rc = cvmm_ll_cmdline_add_init_arg(&st->cl, a, err);
		break;
	default:
		rc = cvmm_ll_cmdline_append(&st->cl, a, err);
		break;
	}
	check_err(rc, want, err, err != NULL);
	if (rc != 0)
		CHECK(strcmp(st->before, st->cl.buf) == 0,
		      "a refused call leaves the line unchanged");
	check_line(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Static for its size; every field that matters is reset here, so
	 * nothing carries over from one input to the next. */
	static struct state st;
	struct cvmm_ll_error err;
	struct cvmm_fi in;

	st.m.live = false;
	st.m.nkern = st.m.ninit = 0;
	memset(&st.cl, 0, sizeof(st.cl));
	st.expect = st.before = NULL;
	st.expect_cap = st.before_cap = 0;
	cvmm_fi_init(&in, data, size);
	op_init(&st, &in, &err);
	for (unsigned n = 0; n < MAX_OPS && !cvmm_fi_done(&in); n++) {
		uint8_t op = cvmm_fi_u8(&in);
		unsigned kind = (op & 7u) % 5u;
		struct cvmm_ll_error *e = (op & 8u) ? NULL : &err;

		memset(&err, 0xA5, sizeof(err));
		if (kind == 4)
			op_init(&st, &in, e);
		else
			op_words(&st, kind, &in, e);
	}
	if (st.m.live)
		cvmm_ll_cmdline_destroy(&st.cl);
	model_reset(&st.m);
	free(st.expect);
	free(st.before);
	return 0;
}
