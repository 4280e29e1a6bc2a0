/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers: atomic file writes, command capture, growing buffers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gate.h"

/*
 * Write path through a temporary file and rename(), so an interrupted gate
 * leaves either the old file or the new one, never half of one.
 */
int gate_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[GATE_PATH + 16];
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Run cmd with /bin/sh, capture its stdout (trimmed); returns exit status. */
int gate_capture(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int status;

	if (size > 0)
		out[0] = '\0';
	if (p == NULL)
		return -1;
	while (size > 0 && n + 1 < size) {
		size_t got = fread(out + n, 1, size - 1 - n, p);
		if (got == 0)
			break;
		n += got;
	}
	if (size > 0) {
		out[n] = '\0';
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[--n] = '\0';
	}
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int gate_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = *cap - *len;

		va_start(ap, fmt);
		n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? room : 0, fmt,
			      ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if (*buf != NULL && (size_t)n < room) {
			*len += (size_t)n;
			return 0;
		}
		size_t want = *cap * 2 + (size_t)n + 1024;
		char *p = realloc(*buf, want);
		if (p == NULL)
			return -ENOMEM;
		if (*buf == NULL)
			p[0] = '\0';
		*buf = p;
		*cap = want;
	}
}

/* Append s as a JSON string literal (also fine for XML/HTML text once
 * escaped by the caller's own function). */
void gate_json_string(char **buf, size_t *len, size_t *cap, const char *s)
{
	(void)gate_append(buf, len, cap, "\"");
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			(void)gate_append(buf, len, cap, "\\%c", ch);
		else if (ch == '\n')
			(void)gate_append(buf, len, cap, "\\n");
		else if (ch < 0x20)
			(void)gate_append(buf, len, cap, "\\u%04x", ch);
		else
			(void)gate_append(buf, len, cap, "%c", ch);
	}
	(void)gate_append(buf, len, cap, "\"");
}

int gate_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
