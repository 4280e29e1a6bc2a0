/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration tests on Debian's real kernels, fetched at test time by
 * fetch-kernels.sh (argv[1]) for one flavour (argv[2]): the bzImage and the
 * vmlinux extracted from it are loaded into guest memory and checked
 * against the header bytes (decoded here independently) and readelf.
 * Exits 77 (skipped) when the script cannot get the kernel.
 */
#define _GNU_SOURCE
#include <cvmm/ll-boot.h>
#include <cvmm/ll-cmdline.h>
#include <cvmm/ll-elf.h>
#include <cvmm/ll-payload.h>
#include <cvmm/ll-pvh.h>
#include <cvmm/mem-mmap.h>

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

#define GUEST_RAM   ((uint64_t)512 << 20)
#define MAX_VMLINUX ((size_t)512 << 20)

struct kernel {
	char flavour[64], package[128], version[64], path[512];
	uint8_t *file;
	size_t size;
	struct cvmm_ll_payload vmlinux;
	double extract_ms;
};

static struct kernel k;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The header fields, decoded from the bytes here, not by the library. */
static void test_header_fields(void **state)
{
	const uint8_t *f = k.file;
	struct cvmm_ll_source src = cvmm_ll_source_buffer(k.file, k.size);
	struct cvmm_ll_bzimage b;
	struct cvmm_ll_error err;
	unsigned sects = f[0x1f1] ? f[0x1f1] : 4;

	(void)state;
	assert_int_equal(
	    cvmm_ll_bzimage_parse(&src, CVMM_LL_BZ_REQUIRE_64BIT, &b, &err), 0);
	assert_int_equal(get16(f + 0x1fe), 0xaa55);
	assert_int_equal(b.hdr.version, get16(f + 0x206));
	assert_int_equal(b.hdr.setup_sects, f[0x1f1]);
	assert_int_equal(b.setup_size, (sects + 1) * 512);
	assert_int_equal(b.hdr.syssize, get32(f + 0x1f4));
	assert_int_equal(b.kernel_size, (uint64_t)get32(f + 0x1f4) * 16);
	assert_true(b.setup_size + b.kernel_size <= k.size);
	assert_int_equal(b.hdr.loadflags, f[0x211]);
	assert_int_equal(b.hdr.xloadflags, get16(f + 0x236));
	assert_int_equal(b.hdr.kernel_alignment, get32(f + 0x230));
	assert_int_equal(b.hdr.relocatable_kernel, f[0x234]);
	assert_int_equal(b.hdr.min_alignment, f[0x235]);
	assert_int_equal(b.hdr.cmdline_size, get32(f + 0x238));
	assert_int_equal(b.hdr.initrd_addr_max, get32(f + 0x22c));
	assert_int_equal(b.hdr.payload_offset, get32(f + 0x248));
	assert_int_equal(b.hdr.payload_length, get32(f + 0x24c));
	assert_int_equal(b.hdr.pref_address, get64(f + 0x258));
	assert_int_equal(b.hdr.init_size, get32(f + 0x260));
	assert_int_equal(b.hdr.kernel_info_offset, get32(f + 0x268));
	assert_int_equal(b.raw_len, 0x202 + f[0x201] - 0x1f1);
	assert_memory_equal(b.raw, f + 0x1f1, b.raw_len);
	assert_true(b.has_64bit_entry);
	/* One byte short of the protected-mode kernel: refused, named. */
	src.size = b.setup_size + b.kernel_size - 1;
	assert_int_equal(cvmm_ll_bzimage_parse(&src, 0, &b, &err), -ERANGE);
	assert_non_null(strstr(err.msg, "syssize="));
	print_message("truncated: %s\n", err.msg);
	src.size = k.size;
	assert_int_equal(cvmm_ll_bzimage_parse(&src, 0, &b, &err), 0);
	print_message(
	    "%s %s: protocol %u.%02u, setup_sects=%u, syssize=%u "
	    "(%" PRIu64 " bytes), file %zu bytes, pref_address=0x%" PRIx64
	    ", init_size=0x%x, kernel_alignment=0x%x, "
	    "xloadflags=0x%x, payload %u bytes at +0x%x\n",
	    k.package, k.version, b.hdr.version >> 8, b.hdr.version & 0xff,
	    b.hdr.setup_sects, b.hdr.syssize, b.kernel_size, k.size,
	    b.hdr.pref_address, b.hdr.init_size, b.hdr.kernel_alignment,
	    b.hdr.xloadflags, b.hdr.payload_length, b.hdr.payload_offset);
}

/* Load into mmap'ed guest RAM; compare the bytes and the ranges. */
static void test_load_bzimage(void **state)
{
	const struct cvmm_mem_range ram = {cvmm_mem_gpa_from(0), GUEST_RAM, 0};
	const uint8_t *f = k.file;
	uint64_t pref = get64(f + 0x258),
		 ksize = (uint64_t)get32(f + 0x1f4) * 16;
	uint64_t setup = ((f[0x1f1] ? f[0x1f1] : 4) + 1u) * 512u;
	struct cvmm_ll_bzimage_result r;
	struct cvmm_ll_source src;
	struct cvmm_mem_mmap *mm;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;
	void *host;

	(void)state;
	assert_int_equal(cvmm_mem_mmap_create(&ram, 1, &mm), 0);
	mem = cvmm_mem_mmap_iface(mm);
	assert_int_equal(cvmm_ll_source_open(k.path, &src, &err), 0);
	if (cvmm_ll_bzimage_load(&mem, &src, NULL, &r, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(r.entry.raw, pref + 0x200);
	assert_int_equal(r.entry64.raw, pref + 0x200);
	assert_int_equal(r.entry32.raw, pref);
	assert_int_equal(r.load.start.raw, pref);
	assert_int_equal(r.load.size, ksize);
	assert_int_equal(r.runtime_start.raw, pref);
	assert_int_equal(r.init_size, get32(f + 0x260));
	assert_int_equal(r.reserved.start.raw, pref);
	assert_int_equal(r.reserved.size, get32(f + 0x260));
	assert_int_equal(cvmm_mem_translate(&mem, r.load.start, ksize,
					    CVMM_MEM_ACCESS_READ, &host),
			 0);
	assert_memory_equal(host, f + setup, ksize);
	print_message(
	    "bzImage: entry 0x%" PRIx64 " (64-bit), load [0x%" PRIx64
	    ", 0x%" PRIx64 "), runtime [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
	    r.entry.raw, r.load.start.raw, r.load.start.raw + r.load.size,
	    r.runtime_start.raw, r.runtime_start.raw + r.init_size);
	cvmm_ll_source_close(&src);
	cvmm_mem_mmap_destroy(mm);
}

/*
 * Load through memory cut into odd-sized regions (every copy crosses
 * regions) with an observer: nothing may be written outside the load range,
 * neither when the load succeeds nor when the Nth access fails.
 */
static void test_load_bzimage_watched(void **state)
{
	const uint8_t *f = k.file;
	uint64_t pref = get64(f + 0x258), init = get32(f + 0x260);
	const struct cvmm_mem_range ram = {cvmm_mem_gpa_from(pref), init, 0};
	struct cvmm_ll_source src = cvmm_ll_source_buffer(k.file, k.size);
	struct cvmm_ll_bzimage_result r;
	struct cvmm_mem_test *tm;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;
	struct watch w;

	(void)state;
	assert_int_equal(cvmm_mem_test_create(&ram, 1, 0x300001, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	watch_start(&w, tm);
	if (cvmm_ll_bzimage_load(&mem, &src, NULL, &r, &err) != 0)
		fail_msg("%s", err.msg);
	watch_allow(&w, r.load.start.raw, r.load.size);
	watch_start(&w, tm);
	watch_allow(&w, r.load.start.raw, r.load.size);
	/* Fail the 1st, 2nd, ... access until the load no longer fails. */
	for (uint64_t nth = 1;; nth++) {
		int rc;

		assert_int_equal(cvmm_mem_test_fail_nth(tm, nth, -EIO), 0);
		rc = cvmm_ll_bzimage_load(&mem, &src, NULL, &r, &err);
		if (!cvmm_mem_test_failure_fired(tm)) {
			assert_int_equal(rc, 0);
			print_message("%" PRIu64 " guest-memory accesses, each "
				      "failed in turn\n",
				      nth - 1);
			break;
		}
		assert_int_equal(rc, -EIO);
	}
	assert_true(w.writes > 0);
	assert_int_equal(w.strays, 0);
	cvmm_mem_test_destroy(tm);
}

/* Zero page, command line and initrd placement with the real header. */
static void test_boot_params(void **state)
{
	const struct cvmm_mem_range ram = {cvmm_mem_gpa_from(0), GUEST_RAM, 0};
	struct cvmm_ll_source src = cvmm_ll_source_buffer(k.file, k.size);
	struct cvmm_ll_bzimage_result r;
	struct cvmm_ll_zero_page zp;
	struct cvmm_ll_e820 e820 = {0};
	struct cvmm_ll_cmdline cl;
	struct cvmm_mem_mmap *mm;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;
	uint64_t initrd;
	char *big;

	(void)state;
	assert_int_equal(cvmm_mem_mmap_create(&ram, 1, &mm), 0);
	mem = cvmm_mem_mmap_iface(mm);
	assert_int_equal(cvmm_ll_bzimage_load(&mem, &src, NULL, &r, &err), 0);
	assert_int_equal(cvmm_ll_e820_add(&e820, 0, 0x9fc00, 1, &err), 0);
	assert_int_equal(
	    cvmm_ll_e820_add(&e820, 0x100000, GUEST_RAM - 0x100000, 1, &err),
	    0);
	assert_int_equal(
	    cvmm_ll_cmdline_init(&cl, r.image.hdr.cmdline_size, &err), 0);
	assert_int_equal(cvmm_ll_cmdline_append(
			     &cl, "console=ttyS0 reboot=t panic=-1", &err),
			 0);
	assert_int_equal(cvmm_ll_cmdline_add(&cl, "root", "/dev/vda", &err), 0);
	assert_int_equal(cvmm_ll_cmdline_add_init_arg(&cl, "single", &err), 0);
	/* One byte over cmdline_size is refused, exactly at it accepted. */
	big = malloc(r.image.hdr.cmdline_size + 1);
	assert_non_null(big);
	memset(big, 'x', r.image.hdr.cmdline_size);
	big[r.image.hdr.cmdline_size - cvmm_ll_cmdline_len(&cl) - 1] = '\0';
	assert_int_equal(cvmm_ll_cmdline_add_flag(&cl, big, &err), 0);
	assert_int_equal(cvmm_ll_cmdline_len(&cl), r.image.hdr.cmdline_size);
	assert_int_equal(cvmm_ll_cmdline_add_flag(&cl, "x", &err), -ENOSPC);
	free(big);
	assert_int_equal(cvmm_mem_write(&mem, cvmm_mem_gpa_from(0x20000),
					cvmm_ll_cmdline_str(&cl),
					cvmm_ll_cmdline_len(&cl) + 1),
			 0);
	{
		struct cvmm_ll_initrd_request req = {
		    16 << 20, r.image.hdr.initrd_addr_max,
		    r.reserved.start.raw + r.reserved.size, &e820};
		assert_int_equal(cvmm_ll_initrd_place(&req, &initrd, &err), 0);
	}
	assert_int_equal(initrd, GUEST_RAM - (16 << 20));
	{
		struct cvmm_ll_boot_params_config cfg = {
		    &r,	    0x20000,  cvmm_ll_cmdline_len(&cl),
		    initrd, 16 << 20, 0xe0000,
		    0,	    &e820};
		assert_int_equal(cvmm_ll_boot_params_build(&cfg, &zp, &err), 0);
	}
	assert_memory_equal(zp.bytes + 0x1f1, k.file + 0x1f1, 0x210 - 0x1f1);
	assert_int_equal(zp.bytes[0x210], 0xff);
	assert_int_equal(get32(zp.bytes + 0x228), 0x20000);
	assert_int_equal(get32(zp.bytes + 0x218), initrd);
	assert_int_equal(get32(zp.bytes + 0x21c), 16 << 20);
	assert_int_equal(get64(zp.bytes + 0x70), 0xe0000);
	assert_int_equal(zp.bytes[0x1e8], 2);
	assert_int_equal(get32(zp.bytes + 0x214), r.load.start.raw);
	assert_int_equal(cvmm_mem_write(&mem, cvmm_mem_gpa_from(0x7000),
					zp.bytes, sizeof(zp.bytes)),
			 0);
	cvmm_ll_cmdline_destroy(&cl);
	cvmm_mem_mmap_destroy(mm);
}

static void test_extract(void **state)
{
	const uint8_t *f = k.file;
	uint64_t setup = ((f[0x1f1] ? f[0x1f1] : 4) + 1u) * 512u;
	const uint8_t *payload = f + setup + get32(f + 0x248);
	uint32_t plen = get32(f + 0x24c);
	struct cvmm_ll_source src = cvmm_ll_source_buffer(k.file, k.size);
	struct cvmm_ll_payload small;
	struct cvmm_ll_error err;
	const char *expect = memcmp(payload, "\x02\x21\x4c\x18", 4) == 0 ? "lz4"
			     : memcmp(payload,
				      "\xfd"
				      "7zXZ",
				      5) == 0
				 ? "xz"
			     : memcmp(payload, "\x28\xb5\x2f\xfd", 4) == 0
				 ? "zstd"
			     : memcmp(payload, "\x1f\x8b", 2) == 0 ? "gzip"
								   : "?";
	double t0 = now_ms();

	(void)state;
	if (cvmm_ll_payload_extract(&src, MAX_VMLINUX, &k.vmlinux, &err) != 0)
		fail_msg("%s", err.msg);
	k.extract_ms = now_ms() - t0;
	assert_string_equal(cvmm_ll_compression_name(k.vmlinux.format), expect);
	assert_int_equal(k.vmlinux.size, get32(payload + plen - 4));
	assert_int_equal(k.vmlinux.compressed_size, plen);
	print_message("payload: %s, %u -> %zu bytes, extracted in %.1f ms\n",
		      expect, plen, k.vmlinux.size, k.extract_ms);
	/* A limit below the declared size is refused before decoding. */
	assert_int_equal(
	    cvmm_ll_payload_extract(&src, k.vmlinux.size - 1, &small, &err),
	    -EFBIG);
}

struct readelf {
	uint64_t entry;
	unsigned nload;
	uint64_t offset[16], paddr[16], filesz[16], memsz[16];
	bool has_pvh;
	uint64_t pvh;
};

static void run_readelf(const char *path, struct readelf *re)
{
	char cmd[1024], line[1024];
	FILE *p;

	memset(re, 0, sizeof(*re));
	snprintf(cmd, sizeof(cmd), "readelf -hlnW '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		char *d;

		if (sscanf(line, " Entry point address: %" SCNx64,
			   &re->entry) == 1)
			continue;
		if (re->nload < 16 &&
		    sscanf(line,
			   " LOAD %" SCNx64 " %*x %" SCNx64 " %" SCNx64
			   " %" SCNx64,
			   &re->offset[re->nload], &re->paddr[re->nload],
			   &re->filesz[re->nload],
			   &re->memsz[re->nload]) == 4) {
			re->nload++;
			continue;
		}
		/* Xen  0x00000008  Unknown note type: (0x00000012)  description
		 * data: 50 08 00 01 00 00 00 00 */
		d = strstr(line, "description data:");
		if (strstr(line, "Xen") != NULL &&
		    strstr(line, "(0x00000012)") != NULL && d != NULL) {
			unsigned byte, shift = 0;
			int used;

			d += strlen("description data:");
			while (shift < 64 &&
			       sscanf(d, "%x%n", &byte, &used) == 1) {
				re->pvh |= (uint64_t)byte << shift;
				shift += 8;
				d += used;
			}
			re->has_pvh = true;
		}
	}
	assert_int_equal(pclose(p), 0);
}

/* The extracted vmlinux against readelf's view of it, loaded for real. */
static void test_load_vmlinux(void **state)
{
	const struct cvmm_mem_range ram = {cvmm_mem_gpa_from(0), GUEST_RAM, 0};
	char path[] = "/tmp/cvmm-ll-vmlinux-XXXXXX";
	struct cvmm_ll_source src;
	struct cvmm_ll_elf_result r;
	struct cvmm_mem_mmap *mm;
	struct cvmm_ll_error err;
	struct readelf re;
	struct cvmm_mem mem;
	int fd;

	(void)state;
	assert_non_null(k.vmlinux.data);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, k.vmlinux.data, k.vmlinux.size),
			 (ssize_t)k.vmlinux.size);
	close(fd);
	run_readelf(path, &re);
	assert_int_equal(cvmm_mem_mmap_create(&ram, 1, &mm), 0);
	mem = cvmm_mem_mmap_iface(mm);
	assert_int_equal(cvmm_ll_source_open(path, &src, &err), 0);
	if (cvmm_ll_elf_load(&mem, &src, CVMM_LL_ELF_REQUIRE_PVH, &r, &err) !=
	    0)
		fail_msg("%s", err.msg);
	cvmm_ll_source_close(&src);
	unlink(path);
	assert_int_equal(r.entry.raw, re.entry);
	assert_true(re.has_pvh);
	assert_true(r.has_pvh_entry);
	assert_int_equal(r.pvh_entry.raw, re.pvh);
	assert_int_equal(r.segment_count, re.nload);
	for (unsigned i = 0; i < re.nload; i++) {
		void *host;

		assert_int_equal(r.segments[i].paddr, re.paddr[i]);
		assert_int_equal(r.segments[i].offset, re.offset[i]);
		assert_int_equal(r.segments[i].filesz, re.filesz[i]);
		assert_int_equal(r.segments[i].memsz, re.memsz[i]);
		assert_int_equal(cvmm_mem_translate(
				     &mem, cvmm_mem_gpa_from(re.paddr[i]),
				     re.memsz[i], CVMM_MEM_ACCESS_READ, &host),
				 0);
		assert_memory_equal(host, k.vmlinux.data + re.offset[i],
				    re.filesz[i]);
		print_message("vmlinux PT_LOAD %u: paddr 0x%" PRIx64
			      " filesz 0x%" PRIx64 " memsz 0x%" PRIx64 "\n",
			      i, re.paddr[i], re.filesz[i], re.memsz[i]);
	}
	assert_int_equal(r.load.start.raw, re.paddr[0]);
	assert_int_equal(r.load.start.raw + r.load.size,
			 re.paddr[re.nload - 1] + re.memsz[re.nload - 1]);
	print_message("vmlinux: entry 0x%" PRIx64 ", PVH entry 0x%" PRIx64
		      ", load [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
		      r.entry.raw, r.pvh_entry.raw, r.load.start.raw,
		      r.load.start.raw + r.load.size);
	cvmm_mem_mmap_destroy(mm);
}

/* The vmlinux through 1-MiB+1 regions, watched, and failing. */
static void test_load_vmlinux_watched(void **state)
{
	const struct cvmm_mem_range ram = {cvmm_mem_gpa_from(0x1000000),
					   0x4000000, 0};
	struct cvmm_ll_source src =
	    cvmm_ll_source_buffer(k.vmlinux.data, k.vmlinux.size);
	struct cvmm_ll_elf_result r;
	struct cvmm_mem_test *tm;
	struct cvmm_ll_error err;
	struct cvmm_mem mem;
	struct watch w;

	(void)state;
	assert_int_equal(cvmm_mem_test_create(&ram, 1, 0x100001, &tm), 0);
	mem = cvmm_mem_test_iface(tm);
	if (cvmm_ll_elf_load(&mem, &src, 0, &r, &err) != 0)
		fail_msg("%s", err.msg);
	watch_start(&w, tm);
	for (unsigned i = 0; i < r.segment_count; i++)
		watch_allow(&w, r.segments[i].paddr, r.segments[i].memsz);
	for (uint64_t nth = 1;; nth++) {
		int rc;

		assert_int_equal(cvmm_mem_test_fail_nth(tm, nth, -EIO), 0);
		rc = cvmm_ll_elf_load(&mem, &src, 0, &r, &err);
		if (!cvmm_mem_test_failure_fired(tm)) {
			assert_int_equal(rc, 0);
			print_message("%" PRIu64 " guest-memory accesses, each "
				      "failed in turn\n",
				      nth - 1);
			break;
		}
		assert_int_equal(rc, -EIO);
	}
	assert_true(w.writes > 0);
	assert_int_equal(w.strays, 0);
	cvmm_mem_test_destroy(tm);
}

static void test_pvh_block(void **state)
{
	struct cvmm_ll_e820 e820 = {0};
	struct cvmm_ll_pvh_block blk;
	struct cvmm_ll_error err;
	struct cvmm_ll_pvh_config cfg = {0x6000, 0x20000, 0xe0000, 0,
					 0,	 0,	  &e820};

	(void)state;
	assert_int_equal(cvmm_ll_e820_add(&e820, 0, 0x9fc00, 1, &err), 0);
	assert_int_equal(
	    cvmm_ll_e820_add(&e820, 0x100000, GUEST_RAM - 0x100000, 1, &err),
	    0);
	assert_int_equal(cvmm_ll_pvh_build(&cfg, &blk, &err), 0);
	assert_int_equal(get32(blk.bytes), 0x336ec578);
	assert_int_equal(blk.range.size, 56 + 2 * 24);
}

/* Run the fetch script; fill k or return 77 (skip) / 1 (error). */
static int fetch(const char *script, const char *flavour)
{
	char cmd[1024], line[1024];
	FILE *p;
	int status, found = 0;

	snprintf(cmd, sizeof(cmd), "'%s' '%s'", script, flavour);
	p = popen(cmd, "r");
	if (p == NULL)
		return 1;
	while (fgets(line, sizeof(line), p) != NULL)
		if (sscanf(line, "%63s %127s %63s %511s", k.flavour, k.package,
			   k.version, k.path) == 4)
			found = 1;
	status = pclose(p);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("SKIP: %s could not get the %s kernel (reason above)\n",
		       script, flavour);
		return 77;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !found) {
		printf("%s failed (status %d)\n", script, status);
		return 1;
	}
	k.file = read_file(k.path, &k.size);
	return k.file == NULL;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_fields),
	    cmocka_unit_test(test_load_bzimage),
	    cmocka_unit_test(test_load_bzimage_watched),
	    cmocka_unit_test(test_boot_params),
	    cmocka_unit_test(test_extract),
	    cmocka_unit_test(test_load_vmlinux),
	    cmocka_unit_test(test_load_vmlinux_watched),
	    cmocka_unit_test(test_pvh_block),
	};
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s fetch-kernels.sh flavour\n",
			argv[0]);
		return 2;
	}
	rc = fetch(argv[1], argv[2]);
	if (rc != 0)
		return rc;
	printf("kernel: %s %s %s (%zu bytes)\n", k.package, k.version, k.path,
	       k.size);
	rc = cmocka_run_group_tests_name(argv[2], tests, NULL, NULL);
	cvmm_ll_payload_free(&k.vmlinux);
	free(k.file);
	return rc;
}
