/* SPDX-License-Identifier: Apache-2.0 */
/* Reading ci/pipeline.conf: "name timeout command..." per line. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

static char *skip_blanks(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int gate_pipeline_load(const char *path, struct gate_pipeline *p)
{
	char line[1024];
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");

	p->n = 0;
	if (f == NULL) {
		fprintf(stderr, "gate: cannot read the pipeline %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = skip_blanks(line), *name, *timeout, *cmd, *end;
		struct gate_step_def *d;
		unsigned long t;

		lineno++;
		s[strcspn(s, "\r\n")] = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		name = s;
		s += strcspn(s, " \t");
		if (*s != '\0')
			*s++ = '\0';
		timeout = skip_blanks(s);
		s = timeout + strcspn(timeout, " \t");
		if (*s != '\0')
			*s++ = '\0';
		cmd = skip_blanks(s);
		t = strtoul(timeout, &end, 10);
		if (*name == '\0' || *end != '\0' || end == timeout || t == 0 ||
		    t > 86400 || *cmd == '\0' || strlen(name) >= 48 ||
		    strlen(cmd) >= 512) {
			fprintf(stderr,
				"%s:%u: error: expected 'name timeout-seconds "
				"command'\n",
				path, lineno);
			fclose(f);
			return -EINVAL;
		}
		if (p->n == GATE_MAX_STEPS) {
			fprintf(stderr, "%s:%u: error: more than %d steps\n",
				path, lineno, GATE_MAX_STEPS);
			fclose(f);
			return -E2BIG;
		}
		for (size_t i = 0; i < p->n; i++) {
			if (strcmp(p->step[i].name, name) == 0) {
				fprintf(stderr,
					"%s:%u: error: step '%s' is defined "
					"twice\n",
					path, lineno, name);
				fclose(f);
				return -EINVAL;
			}
		}
		d = &p->step[p->n++];
		gate_fmt(d->name, sizeof(d->name), "%s", name);
		d->timeout_s = (unsigned)t;
		gate_fmt(d->command, sizeof(d->command), "%s", cmd);
	}
	fclose(f);
	if (p->n == 0) {
		fprintf(stderr, "%s: error: no steps\n", path);
		return -ENODATA;
	}
	return 0;
}
