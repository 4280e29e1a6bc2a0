/* SPDX-License-Identifier: Apache-2.0 */
/* Errors, image sources and the copy into guest memory. */
#define _POSIX_C_SOURCE 200809L
#include "ll-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes copied per step, and the bounce buffer for ranges across regions. */
#define LL_CHUNK ((size_t)1 << 20)

int cvmm_ll__fail(struct cvmm_ll_error *err, int code, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;

		err->code = code;
		va_start(ap, fmt);
		(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

int cvmm_ll__ok(struct cvmm_ll_error *err)
{
	if (err != NULL) {
		err->code = 0;
		err->msg[0] = '\0';
	}
	return 0;
}

int cvmm_ll_source_read(const struct cvmm_ll_source *src, uint64_t off,
			void *dst, size_t len)
{
	uint64_t end;
	int rc;

	if (__builtin_add_overflow(off, (uint64_t)len, &end) || end > src->size)
		return -ERANGE;
	if (len == 0)
		return 0;
	rc = src->ops->read(src->ctx, off, dst, len);
	return rc > 0 ? -EIO : rc;
}

static int buffer_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	const uint8_t *data = ctx;

	memcpy(dst, data + off, len);
	return 0;
}

static const struct cvmm_ll_source_ops buffer_ops = {.read = buffer_read};

struct cvmm_ll_source cvmm_ll_source_buffer(const void *data, size_t len)
{
	/* The buffer is only ever read: ctx is untyped, so const goes. */
	union {
		const void *ro;
		void *ctx;
	} alias = {.ro = data};
	struct cvmm_ll_source src = {&buffer_ops, alias.ctx, len};
	return src;
}

struct file_source {
	int fd;
};

static int file_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	const struct file_source *f = ctx;
	uint8_t *out = dst;

	while (len > 0) {
		ssize_t n;

		/* off + len <= size, which came from st_size: no overflow. */
		n = pread(f->fd, out, len, (off_t)off);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank */
		out += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static void file_close(void *ctx)
{
	struct file_source *f = ctx;

	close(f->fd);
	free(f);
}

static const struct cvmm_ll_source_ops file_ops = {.read = file_read,
						   .close = file_close};

int cvmm_ll_source_open(const char *path, struct cvmm_ll_source *out,
			struct cvmm_ll_error *err)
{
	struct file_source *f;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		rc = -errno;
		return cvmm_ll__fail(err, rc, "cannot open %s: %s", path,
				     strerror(-rc));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cvmm_ll__fail(err, -EINVAL, "%s is not a regular file",
				     path);
	}
	f = malloc(sizeof(*f));
	if (f == NULL) {
		close(fd);
		return cvmm_ll__fail(err, -ENOMEM, "out of memory opening %s",
				     path);
	}
	f->fd = fd;
	out->ops = &file_ops;
	out->ctx = f;
	out->size = (uint64_t)st.st_size;
	return cvmm_ll__ok(err);
}

void cvmm_ll_source_close(struct cvmm_ll_source *src)
{
	if (src == NULL || src->ops == NULL)
		return;
	if (src->ops->close != NULL)
		src->ops->close(src->ctx);
	src->ops = NULL;
	src->ctx = NULL;
	src->size = 0;
}

int cvmm_ll__copy_to_guest(const struct cvmm_mem *mem,
			   const struct cvmm_ll_source *src, uint64_t off,
			   uint64_t gpa, uint64_t len)
{
	uint8_t *bounce = NULL;
	void *host;
	int rc;

	/* Inside one region: one read straight into it (large copies are
	 * fastest whole). */
	rc = cvmm_mem_translate(mem, cvmm_mem_gpa_from(gpa), len,
				CVMM_MEM_ACCESS_WRITE, &host);
	if (rc != -EXDEV)
		return rc == 0
			   ? cvmm_ll_source_read(src, off, host, (size_t)len)
			   : rc;
	rc = 0;
	while (len > 0) {
		size_t n = len < LL_CHUNK ? (size_t)len : LL_CHUNK;

		rc = cvmm_mem_translate(mem, cvmm_mem_gpa_from(gpa), n,
					CVMM_MEM_ACCESS_WRITE, &host);
		if (rc == 0) {
			rc = cvmm_ll_source_read(src, off, host, n);
		} else if (rc == -EXDEV) {
			if (bounce == NULL)
				bounce = malloc(LL_CHUNK);
			rc = bounce == NULL
				 ? -ENOMEM
				 : cvmm_ll_source_read(src, off, bounce, n);
			if (rc == 0)
				rc = cvmm_mem_write(mem, cvmm_mem_gpa_from(gpa),
						    bounce, n);
		}
		if (rc != 0)
			break;
		len -= n;
		/* The callers checked [gpa, gpa + len) and [off, off + len):
		 * neither sum wraps. */
		off += n;
		gpa += len == 0 ? 0 : n;
	}
	free(bounce);
	return rc;
}

int cvmm_ll__zero_guest(const struct cvmm_mem *mem, uint64_t gpa, uint64_t len)
{
	static const uint8_t zeros[4096];

	while (len > 0) {
		size_t n = len < LL_CHUNK ? (size_t)len : LL_CHUNK;
		void *host;
		int rc = cvmm_mem_translate(mem, cvmm_mem_gpa_from(gpa), n,
					    CVMM_MEM_ACCESS_WRITE, &host);

		if (rc == 0) {
			memset(host, 0, n);
		} else if (rc == -EXDEV) {
			n = n < sizeof(zeros) ? n : sizeof(zeros);
			rc = cvmm_mem_write(mem, cvmm_mem_gpa_from(gpa), zeros,
					    n);
		}
		if (rc != 0)
			return rc;
		len -= n;
		gpa += len == 0 ? 0 : n;
	}
	return 0;
}

int cvmm_ll__check_guest(const struct cvmm_mem *mem, uint64_t gpa, uint64_t len,
			 const char *what, struct cvmm_ll_error *err)
{
	int rc = cvmm_mem_check(mem, cvmm_mem_gpa_from(gpa), len,
				CVMM_MEM_ACCESS_WRITE);

	if (rc != 0)
		return cvmm_ll__fail(err, rc,
				     "%s [0x%" PRIx64 ", +0x%" PRIx64
				     ") is not writable guest memory: %s",
				     what, gpa, len, cvmm_mem_strerror(rc));
	return 0;
}
