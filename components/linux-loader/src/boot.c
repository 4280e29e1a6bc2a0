/* SPDX-License-Identifier: Apache-2.0 */
/* e820 table, initrd placement and loading, the zero page. */
#include <cvmm/ll-boot.h>

#include "ll-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define PAGE	 4096u
#define FOUR_GIB ((uint64_t)1 << 32)

static int check_entry(const struct cvmm_ll_e820_entry *e, uint32_t i,
		       struct cvmm_ll_error *err)
{
	uint64_t end;

	if (e->size == 0 || e->type == 0)
		return cvmm_ll__fail(err, -EINVAL,
				     "e820 entry %u [0x%" PRIx64 ", +0x%" PRIx64
				     ") type %u: size and type must be "
				     "non-zero",
				     i, e->addr, e->size, e->type);
	if (__builtin_add_overflow(e->addr, e->size, &end))
		return cvmm_ll__fail(err, -EOVERFLOW,
				     "e820 entry %u: addr=0x%" PRIx64
				     " + size=0x%" PRIx64 " wraps past 2^64",
				     i, e->addr, e->size);
	return 0;
}

static int overlap_error(const struct cvmm_ll_e820_entry *a, uint32_t ai,
			 const struct cvmm_ll_e820_entry *b, uint32_t bi,
			 struct cvmm_ll_error *err)
{
	return cvmm_ll__fail(err, -EBADMSG,
			     "e820 entry %u [0x%" PRIx64 ", +0x%" PRIx64
			     ") overlaps entry %u [0x%" PRIx64 ", +0x%" PRIx64
			     ")",
			     ai, a->addr, a->size, bi, b->addr, b->size);
}

int cvmm_ll_e820_add(struct cvmm_ll_e820 *t, uint64_t addr, uint64_t size,
		     uint32_t type, struct cvmm_ll_error *err)
{
	struct cvmm_ll_e820_entry e = {addr, size, type};
	uint32_t i = 0;
	int rc = check_entry(&e, t->count, err);

	if (rc != 0)
		return rc;
	if (t->count >= CVMM_LL_E820_MAX)
		return cvmm_ll__fail(err, -E2BIG,
				     "the e820 table already holds %u entries, "
				     "all the zero page has room for",
				     t->count);
	while (i < t->count && t->entries[i].addr < addr)
		i++;
	if (i > 0 && addr - t->entries[i - 1].addr < t->entries[i - 1].size)
		return overlap_error(&e, t->count, &t->entries[i - 1], i - 1,
				     err);
	if (i < t->count && t->entries[i].addr - addr < size)
		return overlap_error(&e, t->count, &t->entries[i], i, err);
	memmove(&t->entries[i + 1], &t->entries[i], (t->count - i) * sizeof(e));
	t->entries[i] = e;
	t->count++;
	return cvmm_ll__ok(err);
}

int cvmm_ll_e820_validate(const struct cvmm_ll_e820 *t,
			  struct cvmm_ll_error *err)
{
	if (t->count > CVMM_LL_E820_MAX)
		return cvmm_ll__fail(err, -E2BIG,
				     "the e820 table claims %u entries, more "
				     "than the zero page's %u",
				     t->count, CVMM_LL_E820_MAX);
	if (t->count == 0)
		return cvmm_ll__fail(err, -ENODATA, "the e820 table is empty");
	for (uint32_t i = 0; i < t->count; i++) {
		const struct cvmm_ll_e820_entry *e = &t->entries[i], *p;
		int rc = check_entry(e, i, err);

		if (rc != 0)
			return rc;
		if (i == 0)
			continue;
		p = &t->entries[i - 1];
		if (e->addr < p->addr)
			return cvmm_ll__fail(
			    err, -EDOM,
			    "e820 entry %u at 0x%" PRIx64
			    " comes after entry %u at 0x%" PRIx64
			    ": the table is not sorted",
			    i, e->addr, i - 1, p->addr);
		if (e->addr - p->addr < p->size)
			return overlap_error(e, i, p, i - 1, err);
	}
	return cvmm_ll__ok(err);
}

int cvmm_ll_initrd_place(const struct cvmm_ll_initrd_request *req,
			 uint64_t *addr, struct cvmm_ll_error *err)
{
	const struct cvmm_ll_e820 *t = req->ram;
	int rc;

	if (req->size == 0)
		return cvmm_ll__fail(err, -EINVAL, "the initrd is empty");
	rc = cvmm_ll_e820_validate(t, err);
	if (rc != 0)
		return rc;
	for (uint32_t i = t->count; i > 0; i--) {
		const struct cvmm_ll_e820_entry *e = &t->entries[i - 1];
		uint64_t last = e->addr + (e->size - 1), start;

		if (e->type != CVMM_LL_E820_RAM)
			continue;
		if (last > req->addr_max)
			last = req->addr_max;
		if (last < req->size - 1)
			continue;
		start = (last - (req->size - 1)) & ~(uint64_t)(PAGE - 1);
		if (start >= e->addr && start >= req->min_addr) {
			*addr = start;
			return cvmm_ll__ok(err);
		}
	}
	return cvmm_ll__fail(err, -ENOSPC,
			     "no RAM entry of the e820 table holds a %" PRIu64
			     "-byte initrd page-aligned at or above 0x%" PRIx64
			     " (the kernel's end) with its last byte at or "
			     "below 0x%" PRIx64 " (initrd_addr_max)",
			     req->size, req->min_addr, req->addr_max);
}

int cvmm_ll_initrd_load(const struct cvmm_mem *mem,
			const struct cvmm_ll_source *src, uint64_t addr,
			struct cvmm_ll_range *out, struct cvmm_ll_error *err)
{
	uint64_t end;
	int rc;

	if (src->size == 0)
		return cvmm_ll__fail(err, -EINVAL, "the initrd is empty");
	if (__builtin_add_overflow(addr, src->size, &end))
		return cvmm_ll__fail(err, -EOVERFLOW,
				     "initrd address 0x%" PRIx64
				     " + its %" PRIu64 " bytes wraps past 2^64",
				     addr, src->size);
	rc = cvmm_ll__check_guest(mem, addr, src->size, "the initrd", err);
	if (rc != 0)
		return rc;
	rc = cvmm_ll__copy_to_guest(mem, src, 0, addr, src->size);
	if (rc != 0)
		return cvmm_ll__fail(err, rc,
				     "copying the initrd to 0x%" PRIx64 ": %s",
				     addr, strerror(-rc));
	out->start = cvmm_mem_gpa_from(addr);
	out->size = src->size;
	return cvmm_ll__ok(err);
}

/*
 * Check a blob the kernel will read (command line, initrd) against the
 * kernel's reserved range, 4 GiB and, for the initrd, initrd_addr_max.
 */
static int check_blob(const struct cvmm_ll_bzimage_result *k, const char *what,
		      uint64_t addr, uint64_t size, uint64_t max_last,
		      struct cvmm_ll_error *err)
{
	uint64_t end;

	if (__builtin_add_overflow(addr, size, &end))
		return cvmm_ll__fail(err, -EOVERFLOW,
				     "%s at 0x%" PRIx64 " + %" PRIu64
				     " bytes wraps past 2^64",
				     what, addr, size);
	if (cvmm_ll__overlap(addr, size, k->reserved.start.raw,
			     k->reserved.size))
		return cvmm_ll__fail(
		    err, -EBADMSG,
		    "%s [0x%" PRIx64 ", 0x%" PRIx64
		    ") overlaps the kernel's reserved range [0x%" PRIx64
		    ", +0x%" PRIx64 ")",
		    what, addr, end, k->reserved.start.raw, k->reserved.size);
	if (!k->image.can_load_above_4g && end - 1 > max_last)
		return cvmm_ll__fail(
		    err, -ERANGE,
		    "%s [0x%" PRIx64 ", 0x%" PRIx64 ") reaches past 0x%" PRIx64
		    ", and xloadflags=0x%04x lacks "
		    "XLF_CAN_BE_LOADED_ABOVE_4G",
		    what, addr, end, max_last, k->image.hdr.xloadflags);
	return 0;
}

int cvmm_ll_boot_params_build(const struct cvmm_ll_boot_params_config *cfg,
			      struct cvmm_ll_zero_page *out,
			      struct cvmm_ll_error *err)
{
	struct cvmm_ll_zero_page zp;
	const struct cvmm_ll_bzimage_result *k = cfg->kernel;
	uint8_t *b = zp.bytes;
	int rc;

	if (k == NULL || cfg->e820 == NULL)
		return cvmm_ll__fail(
		    err, -EINVAL,
		    "the zero page needs the loaded kernel and "
		    "an e820 table");
	rc = cvmm_ll_e820_validate(cfg->e820, err);
	if (rc != 0)
		return rc;
	if (cfg->cmdline_addr != 0 &&
	    cfg->cmdline_len > k->image.hdr.cmdline_size)
		return cvmm_ll__fail(
		    err, -ENOSPC,
		    "the %" PRIu64 "-byte command line exceeds the kernel's "
		    "cmdline_size=%u",
		    cfg->cmdline_len, k->image.hdr.cmdline_size);
	if (cfg->cmdline_addr != 0)
		rc = check_blob(k, "the command line", cfg->cmdline_addr,
				cfg->cmdline_len + 1, FOUR_GIB - 1, err);
	if (rc == 0 && cfg->initrd_size != 0)
		rc = check_blob(k, "the initrd", cfg->initrd_addr,
				cfg->initrd_size, k->image.hdr.initrd_addr_max,
				err);
	if (rc != 0)
		return rc;
	memset(&zp, 0, sizeof(zp));
	memcpy(b + CVMM_LL_ZP_HDR, k->image.raw, k->image.raw_len);
	b[CVMM_LL_ZP_TYPE_OF_LOADER] =
	    cfg->type_of_loader != 0 ? cfg->type_of_loader : 0xff;
	b[CVMM_LL_ZP_LOADFLAGS] &= (uint8_t)~CVMM_LL_CAN_USE_HEAP;
	cvmm_ll__put32(b + CVMM_LL_ZP_CODE32_START,
		       (uint32_t)k->load.start.raw);
	cvmm_ll__put16(b + CVMM_LL_ZP_HEAP_END_PTR, 0);
	b[CVMM_LL_ZP_EXT_LOADER_VER] = 0;
	b[CVMM_LL_ZP_EXT_LOADER_TYPE] = 0;
	cvmm_ll__put32(b + CVMM_LL_ZP_HARDWARE_SUBARCH, 0);
	cvmm_ll__put64(b + CVMM_LL_ZP_HARDWARE_SUBARCH + 4, 0);
	cvmm_ll__put64(b + CVMM_LL_ZP_SETUP_DATA, 0);
	cvmm_ll__put32(b + CVMM_LL_ZP_CMD_LINE_PTR,
		       (uint32_t)cfg->cmdline_addr);
	cvmm_ll__put32(b + CVMM_LL_ZP_EXT_CMD_LINE_PTR,
		       (uint32_t)(cfg->cmdline_addr >> 32));
	cvmm_ll__put32(b + CVMM_LL_ZP_RAMDISK_IMAGE,
		       (uint32_t)cfg->initrd_addr);
	cvmm_ll__put32(b + CVMM_LL_ZP_EXT_RAMDISK_IMAGE,
		       (uint32_t)(cfg->initrd_addr >> 32));
	cvmm_ll__put32(b + CVMM_LL_ZP_RAMDISK_SIZE, (uint32_t)cfg->initrd_size);
	cvmm_ll__put32(b + CVMM_LL_ZP_EXT_RAMDISK_SIZE,
		       (uint32_t)(cfg->initrd_size >> 32));
	if (cfg->initrd_size == 0) {
		cvmm_ll__put32(b + CVMM_LL_ZP_RAMDISK_IMAGE, 0);
		cvmm_ll__put32(b + CVMM_LL_ZP_EXT_RAMDISK_IMAGE, 0);
	}
	cvmm_ll__put64(b + CVMM_LL_ZP_ACPI_RSDP_ADDR, cfg->acpi_rsdp_addr);
	b[CVMM_LL_ZP_E820_ENTRIES] = (uint8_t)cfg->e820->count;
	for (uint32_t i = 0; i < cfg->e820->count; i++) {
		uint8_t *e = b + CVMM_LL_ZP_E820_TABLE + 20 * (size_t)i;

		cvmm_ll__put64(e, cfg->e820->entries[i].addr);
		cvmm_ll__put64(e + 8, cfg->e820->entries[i].size);
		cvmm_ll__put32(e + 16, cfg->e820->entries[i].type);
	}
	*out = zp;
	return cvmm_ll__ok(err);
}
