/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The time to validate and load Debian's cloud bzImage into guest memory,
 * beside a plain read of the file plus memcpy of the same bytes, in the
 * same run; and the time to extract its vmlinux (and the generic kernel's,
 * when fetched), beside liblz4 decoding the same blocks with no checks.
 *
 * Usage: bench-linux-loader-ll [cloud-bzImage [other-bzImage...]]
 * Without arguments the kernels come from fetch-kernels.sh (the cache).
 */
#define _GNU_SOURCE
#include <cvmm/ll-bzimage.h>
#include <cvmm/ll-payload.h>
#include <cvmm/mem-mmap.h>

#include <fcntl.h>
#include <inttypes.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define GUEST_RAM   ((uint64_t)256 << 20)
#define MAX_VMLINUX ((size_t)512 << 20)
#define MIN_NS	    500000000u

struct ctx {
	const char *path;
	struct cvmm_mem mem;
	uint8_t *guest; /* host view of guest RAM at 0 */
	uint8_t *file;	/* whole file, for the buffer and lz4 runs */
	uint8_t *copy;	/* baseline read buffer */
	size_t size;
	uint64_t setup, ksize, load;
	size_t out_size; /* the vmlinux's size */
	uint64_t payload, payload_size;
};

static void checked_file(void *arg, uint64_t n)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < n; i++) {
		struct cvmm_ll_bzimage_result r;
		struct cvmm_ll_source src;

		if (cvmm_ll_source_open(c->path, &src, NULL) != 0 ||
		    cvmm_ll_bzimage_load(&c->mem, &src, NULL, &r, NULL) != 0)
			abort();
		cvmm_ll_source_close(&src);
	}
	cvmm_bench_keep(c->guest);
}

static void baseline_file(void *arg, uint64_t n)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < n; i++) {
		int fd = open(c->path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 ||
		    pread(fd, c->copy, c->size, 0) != (ssize_t)c->size)
			abort();
		close(fd);
		memcpy(c->guest + c->load, c->copy + c->setup, c->ksize);
		cvmm_bench_keep(c->guest);
	}
}

static void checked_buffer(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	struct cvmm_ll_source src = cvmm_ll_source_buffer(c->file, c->size);

	for (uint64_t i = 0; i < n; i++) {
		struct cvmm_ll_bzimage_result r;

		if (cvmm_ll_bzimage_load(&c->mem, &src, NULL, &r, NULL) != 0)
			abort();
	}
	cvmm_bench_keep(c->guest);
}

static void baseline_buffer(void *arg, uint64_t n)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < n; i++) {
		memcpy(c->guest + c->load, c->file + c->setup, c->ksize);
		cvmm_bench_keep(c->guest);
	}
}

static void checked_extract(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	struct cvmm_ll_source src = cvmm_ll_source_buffer(c->file, c->size);

	for (uint64_t i = 0; i < n; i++) {
		struct cvmm_ll_payload p;

		if (cvmm_ll_payload_extract(&src, MAX_VMLINUX, &p, NULL) != 0)
			abort();
		cvmm_bench_keep(p.data);
		cvmm_ll_payload_free(&p);
	}
}

/*
 * liblz4 alone over the legacy frame's blocks, into a freshly allocated
 * buffer as any extraction needs: no parsing, no checks, no copy of the
 * payload.
 */
static void baseline_lz4(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	const uint8_t *pl = c->file + c->payload;
	uint64_t plen = c->payload_size;

	for (uint64_t i = 0; i < n; i++) {
		size_t pos = 4, done = 0;
		uint8_t *out = malloc(c->out_size);

		if (out == NULL)
			abort();
		while (pos + 4 < plen) {
			uint32_t cs;
			int got;

			memcpy(&cs, pl + pos, 4);
			pos += 4;
			got = LZ4_decompress_safe((const char *)pl + pos,
						  (char *)out + done, (int)cs,
						  (int)(c->out_size - done));
			if (got < 0)
				abort();
			done += (size_t)got;
			pos += cs;
		}
		cvmm_bench_keep(out);
		free(out);
	}
}

static int bench_kernel(const char *path, int first)
{
	const struct cvmm_mem_range ram = {cvmm_mem_gpa_from(0), GUEST_RAM, 0};
	struct cvmm_ll_bzimage_result r;
	struct cvmm_ll_payload p;
	struct cvmm_ll_error err;
	struct cvmm_ll_source src;
	struct cvmm_mem_mmap *mm;
	struct ctx c = {.path = path};
	const char *name = strstr(path, "cloud") != NULL ? "cloud" : "generic";
	char label[64];
	uint64_t t0, t1;
	void *host;
	FILE *f = fopen(path, "rb");

	if (f == NULL || fseek(f, 0, SEEK_END) != 0)
		return 1;
	c.size = (size_t)ftell(f);
	c.file = malloc(c.size);
	c.copy = malloc(c.size);
	rewind(f);
	if (c.file == NULL || c.copy == NULL ||
	    fread(c.file, 1, c.size, f) != c.size)
		return 1;
	fclose(f);
	if (cvmm_mem_mmap_create(&ram, 1, &mm) != 0)
		return 1;
	c.mem = cvmm_mem_mmap_iface(mm);
	if (cvmm_mem_translate(&c.mem, cvmm_mem_gpa_from(0), GUEST_RAM,
			       CVMM_MEM_ACCESS_WRITE, &host) != 0)
		return 1;
	c.guest = host;
	src = cvmm_ll_source_buffer(c.file, c.size);
	if (cvmm_ll_bzimage_load(&c.mem, &src, NULL, &r, &err) != 0) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		return 1;
	}
	c.setup = r.image.setup_size;
	c.ksize = r.image.kernel_size;
	c.load = r.load.start.raw;
	c.payload = r.image.payload_file_offset;
	c.payload_size = r.image.payload_size;
	printf("kernel %s: %s, %zu bytes, protected-mode kernel %" PRIu64
	       " bytes at 0x%" PRIx64 "\n",
	       name, path, c.size, c.ksize, c.load);
	if (first) {
		snprintf(label, sizeof(label), "linux-loader.load-%s-file",
			 name);
		cvmm_bench_report(
		    label, cvmm_bench_rate(checked_file, &c, MIN_NS, 5),
		    cvmm_bench_rate(baseline_file, &c, MIN_NS, 5), "loads/s");
		snprintf(label, sizeof(label), "linux-loader.load-%s-buffer",
			 name);
		cvmm_bench_report(
		    label, cvmm_bench_rate(checked_buffer, &c, MIN_NS, 5),
		    cvmm_bench_rate(baseline_buffer, &c, MIN_NS, 5), "loads/s");
	}
	t0 = cvmm_bench_now_ns();
	if (cvmm_ll_payload_extract(&src, MAX_VMLINUX, &p, &err) != 0) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		return 1;
	}
	t1 = cvmm_bench_now_ns();
	printf("extract %s: %s payload, %" PRIu64 " -> %zu bytes in %.1f ms "
	       "(first run)\n",
	       name, cvmm_ll_compression_name(p.format), p.compressed_size,
	       p.size, (double)(t1 - t0) / 1e6);
	c.out_size = p.size;
	snprintf(label, sizeof(label), "linux-loader.extract-%s", name);
	if (p.format == CVMM_LL_COMP_LZ4) {
		double checked =
		    cvmm_bench_rate(checked_extract, &c, MIN_NS, 5);

		cvmm_bench_report(label, checked,
				  cvmm_bench_rate(baseline_lz4, &c, MIN_NS, 5),
				  "extractions/s");
		printf("extract %s: %.1f ms each\n", name, 1e3 / checked);
	} else {
		double checked =
		    cvmm_bench_rate(checked_extract, &c, MIN_NS, 1);

		printf("extract %s: %.1f ms each (%s: no baseline)\n", name,
		       1e3 / checked, cvmm_ll_compression_name(p.format));
	}
	cvmm_ll_payload_free(&p);
	cvmm_mem_mmap_destroy(mm);
	free(c.copy);
	free(c.file);
	return 0;
}

int main(int argc, char **argv)
{
	char line[1024], fl[64], pkg[128], ver[64], path[512];
	char paths[4][512];
	int n = 0, rc = 0;

	for (int i = 1; i < argc && n < 4; i++)
		snprintf(paths[n++], sizeof(paths[0]), "%s", argv[i]);
	if (n == 0) {
		FILE *p =
		    popen("'" CVMM_LL_FETCH_SCRIPT "' cloud-amd64 amd64", "r");

		while (p != NULL && fgets(line, sizeof(line), p) != NULL)
			if (n < 4 && sscanf(line, "%63s %127s %63s %511s", fl,
					    pkg, ver, path) == 4)
				snprintf(paths[n++], sizeof(paths[0]), "%s",
					 path);
		if (p == NULL || pclose(p) != 0 || n == 0) {
			fprintf(stderr,
				"no kernel: run %s, or pass a bzImage\n",
				CVMM_LL_FETCH_SCRIPT);
			return 77;
		}
	}
	for (int i = 0; i < n; i++)
		rc |= bench_kernel(paths[i], i == 0);
	return rc;
}
