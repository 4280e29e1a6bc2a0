/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probe's two images as cvmm's linux-loader sees them: the bzImage
 * parses with a 64-bit entry required (protocol 2.15, kernel_info, not
 * relocatable, at 1 MiB), its payload extracts to probe.elf exactly, the
 * ELF loads with its PVH note, and the bzImage loads the same code and data
 * at the same addresses as the ELF.
 * Usage: test-probe-images probe.elf probe.bzImage. Prints TAP.
 */
#include <cvmm/ll-boot.h>
#include <cvmm/ll-elf.h>
#include <cvmm/ll-payload.h>
#include <cvmm/mem-mmap.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n, failed;

static void tap(int ok, const char *what, const struct cvmm_ll_error *err)
{
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, what);
	if (!ok && err && err->code)
		printf("# %s\n", err->msg);
	failed |= !ok;
}

/* The end of .text in the ELF (from its section headers), 0 if absent. */
static uint64_t text_end(const unsigned char *elf, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)elf;
	const Elf64_Shdr *sh;
	const char *names;

	if (len < sizeof(*eh) || eh->e_shoff == 0 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > len ||
	    eh->e_shstrndx >= eh->e_shnum)
		return 0;
	sh = (const void *)(elf + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset >= len)
		return 0;
	names = (const char *)elf + sh[eh->e_shstrndx].sh_offset;
	for (unsigned i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_name < 64 &&
		    strcmp(names + sh[i].sh_name, ".text") == 0)
			return sh[i].sh_addr + sh[i].sh_size;
	return 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size);
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)size;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct cvmm_mem_range range = {cvmm_mem_gpa_from(0), 64u << 20, 0};
	struct cvmm_ll_error err = {0};
	struct cvmm_ll_source elf_src, bz_src;
	struct cvmm_ll_bzimage bz;
	struct cvmm_ll_payload payload = {0};
	struct cvmm_ll_elf_result *er = calloc(1, sizeof(*er));
	struct cvmm_ll_bzimage_result *br = calloc(1, sizeof(*br));
	struct cvmm_mem_mmap *mm1 = NULL, *mm2 = NULL;
	unsigned char *elf, *a, *b;
	size_t elf_len = 0;
	int rc;

	if (argc != 3 || !er || !br) {
		fprintf(stderr, "usage: test-probe-images ELF BZIMAGE\n");
		return 2;
	}
	elf = slurp(argv[1], &elf_len);
	if (!elf || cvmm_ll_source_open(argv[2], &bz_src, &err) != 0) {
		fprintf(stderr, "cannot read the images\n");
		return 2;
	}
	elf_src = cvmm_ll_source_buffer(elf, elf_len);
	printf("1..8\n");

	rc =
	    cvmm_ll_bzimage_parse(&bz_src, CVMM_LL_BZ_REQUIRE_64BIT, &bz, &err);
	tap(rc == 0, "bzImage parses with XLF_KERNEL_64 required", &err);
	tap(rc == 0 && bz.hdr.version == 0x020f && bz.has_64bit_entry &&
		!bz.relocatable && bz.default_load_addr == 0x100000 &&
		bz.setup_size == 2560 && bz.setup_type_max == 0,
	    "bzImage: protocol 2.15, 64-bit, fixed at 1 MiB, 4 setup sectors, "
	    "kernel_info",
	    NULL);

	rc = cvmm_ll_payload_extract(&bz_src, 16u << 20, &payload, &err);
	tap(rc == 0 && payload.format == CVMM_LL_COMP_NONE &&
		payload.size == elf_len &&
		memcmp(payload.data, elf, elf_len) == 0,
	    "bzImage payload is probe.elf, uncompressed, size trailer", &err);

	rc = cvmm_mem_mmap_create(&range, 1, &mm1);
	if (rc == 0)
		rc = cvmm_mem_mmap_create(&range, 1, &mm2);
	if (rc != 0) {
		printf("Bail out! cannot map test memory\n");
		return 1;
	}
	struct cvmm_mem m1 = cvmm_mem_mmap_iface(mm1);
	struct cvmm_mem m2 = cvmm_mem_mmap_iface(mm2);

	rc = cvmm_ll_elf_load(&m1, &elf_src, CVMM_LL_ELF_REQUIRE_PVH, er, &err);
	tap(rc == 0, "ELF loads with its PVH note required", &err);
	tap(rc == 0 && er->entry.raw == 0x100200 && er->has_pvh_entry &&
		er->pvh_entry.raw > 0x100200 &&
		er->pvh_entry.raw < er->load.start.raw + er->load.size &&
		er->load.start.raw == 0x100000,
	    "ELF: e_entry is the 64-bit entry (0x100200), PVH entry inside, "
	    "loaded at 1 MiB",
	    NULL);

	rc = cvmm_ll_bzimage_load(&m2, &bz_src, NULL, br, &err);
	tap(rc == 0 && br->entry64.raw == 0x100200 &&
		br->entry32.raw == 0x100000 && br->load.start.raw == 0x100000,
	    "bzImage loads at 1 MiB: entry32 0x100000, entry64 0x100200", &err);

	/* The code both images put in memory is identical (their data
	 * differs only in the header values the bzImage link supplies). */
	a = cvmm_mem_regions_at(cvmm_mem_mmap_regions(mm1), 0)->host;
	b = cvmm_mem_regions_at(cvmm_mem_mmap_regions(mm2), 0)->host;
	uint64_t end = text_end(elf, elf_len);
	tap(rc == 0 && end > 0x100200 && end < (64u << 20) &&
		memcmp(a + 0x100000, b + 0x100000, end - 0x100000) == 0,
	    "same code (.head, .text) at the same addresses in both images",
	    NULL);
	tap(rc == 0 && br->init_size >= er->segments[0].memsz,
	    "bzImage init_size covers the ELF's memory size (.bss)", NULL);

	cvmm_ll_payload_free(&payload);
	cvmm_ll_source_close(&bz_src);
	cvmm_mem_mmap_destroy(mm1);
	cvmm_mem_mmap_destroy(mm2);
	free(elf);
	free(er);
	free(br);
	return failed;
}
