/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `gate check-docs HEADER...`: every function a public header declares (or
 * defines inline) has a doc comment. A declaration is documented when a
 * comment ends on the line just before it, or when it directly follows a
 * documented declaration with no blank line between (one comment may cover
 * a group, like a family of accessors). Struct bodies, preprocessor lines
 * and typedefs are not functions.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

struct scan {
	const char *path;
	unsigned line;
	unsigned comment_end; /* line on which the last comment ended */
	unsigned decl_start;  /* line of the current declaration's 1st token */
	unsigned prev_decl_end; /* line the previous declaration ended on */
	bool prev_documented;
	bool in_decl;
	bool decl_is_typedef;
	bool decl_has_function;
	char function[128];
	int brace; /* depth inside { } */
	int paren; /* depth inside ( ) of the current declaration */
	char last_ident[128];
	unsigned undocumented;
};

static void end_declaration(struct scan *s)
{
	if (s->in_decl && s->decl_has_function && !s->decl_is_typedef) {
		bool documented = s->comment_end + 1 >= s->decl_start &&
				  s->comment_end > s->prev_decl_end;
		if (!documented && s->prev_documented &&
		    s->prev_decl_end + 1 == s->decl_start)
			documented = true;
		if (!documented) {
			printf("%s:%u: public function '%s' has no doc "
			       "comment\n",
			       s->path, s->decl_start, s->function);
			s->undocumented++;
		}
		s->prev_documented = documented;
	} else {
		s->prev_documented = false;
	}
	s->prev_decl_end = s->line;
	s->in_decl = false;
	s->decl_is_typedef = false;
	s->decl_has_function = false;
	s->paren = 0;
}

static void start_token(struct scan *s)
{
	if (!s->in_decl) {
		s->in_decl = true;
		s->decl_start = s->line;
	}
}

static int check_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct scan s = {.path = path, .line = 1};
	int ch, prev = '\n';
	bool line_start = true;

	if (f == NULL) {
		printf("%s: cannot read\n", path);
		return 1;
	}
	while ((ch = fgetc(f)) != EOF) {
		if (ch == '\n') {
			s.line++;
			line_start = true;
			prev = ch;
			continue;
		}
		if (line_start && ch == '#') {
			/* A preprocessor line, with its continuations. */
			int last = ch;
			while ((ch = fgetc(f)) != EOF &&
			       !(ch == '\n' && last != '\\')) {
				if (ch == '\n')
					s.line++;
				if (ch != ' ' && ch != '\t')
					last = ch;
			}
			s.line++;
			continue;
		}
		if (ch != ' ' && ch != '\t')
			line_start = false;
		if (ch == '/' && prev != '*') {
			int next = fgetc(f);
			if (next == '*') {
				int p2 = 0;
				while ((ch = fgetc(f)) != EOF &&
				       !(p2 == '*' && ch == '/')) {
					if (ch == '\n')
						s.line++;
					p2 = ch;
				}
				s.comment_end = s.line;
				prev = '/';
				continue;
			}
			if (next == '/') {
				while ((ch = fgetc(f)) != EOF && ch != '\n')
					;
				s.comment_end = s.line;
				s.line++;
				line_start = true;
				prev = '\n';
				continue;
			}
			ungetc(next, f);
		}
		if (s.brace > 0) {
			/* Inside a struct, enum or inline body. */
			if (ch == '{')
				s.brace++;
			else if (ch == '}' && --s.brace == 0 && s.in_decl &&
				 s.decl_has_function)
				end_declaration(&s); /* inline function */
			prev = ch;
			continue;
		}
		if (isalpha(ch) || ch == '_') {
			size_t n = 0;
			start_token(&s);
			s.last_ident[n++] = (char)ch;
			while ((ch = fgetc(f)) != EOF &&
			       (isalnum(ch) || ch == '_'))
				if (n + 1 < sizeof(s.last_ident))
					s.last_ident[n++] = (char)ch;
			s.last_ident[n] = '\0';
			if (strcmp(s.last_ident, "typedef") == 0 &&
			    s.paren == 0)
				s.decl_is_typedef = true;
			if (ch != EOF)
				ungetc(ch, f);
			prev = 'a';
			continue;
		}
		switch (ch) {
		case '(':
			start_token(&s);
			if (s.paren == 0 && !s.decl_has_function &&
			    s.last_ident[0] != '\0' &&
			    strcmp(s.last_ident, "__attribute__") != 0 &&
			    strncmp(s.last_ident, "__", 2) != 0) {
				s.decl_has_function = true;
				gate_fmt(s.function, sizeof(s.function), "%s",
					 s.last_ident);
			}
			s.paren++;
			break;
		case ')':
			if (s.paren > 0)
				s.paren--;
			break;
		case '{':
			start_token(&s);
			s.brace = 1;
			break;
		case ';':
			if (s.paren == 0)
				end_declaration(&s);
			break;
		case '}':
			break;
		default:
			if (ch != ' ' && ch != '\t' && ch != '\r')
				start_token(&s);
		}
		/* "name (" and "name*" keep name as the candidate. */
		if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '*')
			s.last_ident[0] = '\0';
		prev = ch;
	}
	fclose(f);
	return s.undocumented != 0;
}

int gate_check_docs(int n, char **headers)
{
	int bad = 0;

	for (int i = 0; i < n; i++)
		bad |= check_file(headers[i]);
	return bad;
}
