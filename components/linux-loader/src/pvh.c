/* SPDX-License-Identifier: Apache-2.0 */
/* The PVH hvm_start_info block. */
#include <cvmm/ll-pvh.h>

#include "ll-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define FOUR_GIB ((uint64_t)1 << 32)

int cvmm_ll_pvh_build(const struct cvmm_ll_pvh_config *cfg,
		      struct cvmm_ll_pvh_block *out, struct cvmm_ll_error *err)
{
	struct cvmm_ll_pvh_block blk;
	uint8_t *b = blk.bytes, *m;
	uint64_t used, modlist = 0, memmap, end;
	int rc;

	if (cfg->memmap == NULL)
		return cvmm_ll__fail(err, -EINVAL,
				     "the PVH block needs a memory map");
	rc = cvmm_ll_e820_validate(cfg->memmap, err);
	if (rc != 0)
		return rc;
	if (cfg->addr % 8 != 0)
		return cvmm_ll__fail(err, -EINVAL,
				     "hvm_start_info address 0x%" PRIx64
				     " is not 8-byte aligned",
				     cfg->addr);
	used = CVMM_LL_PVH_START_INFO_SIZE +
	       (cfg->initrd_size != 0 ? CVMM_LL_PVH_MODLIST_SIZE : 0);
	memmap = used; /* offset for now: the sum is checked below */
	used += (uint64_t)CVMM_LL_PVH_MEMMAP_ENTRY_SIZE * cfg->memmap->count;
	if (cfg->addr > FOUR_GIB - used)
		return cvmm_ll__fail(err, -ERANGE,
				     "the %" PRIu64
				     "-byte PVH block at 0x%" PRIx64
				     " must end at or below 4 GiB: the entry "
				     "point receives its address in 32-bit ebx",
				     used, cfg->addr);
	if (cfg->initrd_size != 0) {
		if (__builtin_add_overflow(cfg->initrd_addr, cfg->initrd_size,
					   &end))
			return cvmm_ll__fail(
			    err, -EOVERFLOW,
			    "the initrd at 0x%" PRIx64 " + %" PRIu64
			    " bytes wraps past 2^64",
			    cfg->initrd_addr, cfg->initrd_size);
		if (cvmm_ll__overlap(cfg->initrd_addr, cfg->initrd_size,
				     cfg->addr, used))
			return cvmm_ll__fail(
			    err, -EBADMSG,
			    "the initrd [0x%" PRIx64 ", 0x%" PRIx64
			    ") overlaps the PVH block [0x%" PRIx64
			    ", +0x%" PRIx64 ")",
			    cfg->initrd_addr, end, cfg->addr, used);
		modlist = cfg->addr + CVMM_LL_PVH_START_INFO_SIZE;
	}
	memmap += cfg->addr;
	memset(&blk, 0, sizeof(blk));
	cvmm_ll__put32(b, CVMM_LL_PVH_MAGIC);
	cvmm_ll__put32(b + 4, 1); /* version: with the memory map */
	cvmm_ll__put32(b + 8, 0); /* flags */
	cvmm_ll__put32(b + 12, cfg->initrd_size != 0 ? 1 : 0);
	cvmm_ll__put64(b + 16, modlist);
	cvmm_ll__put64(b + 24, cfg->cmdline_addr);
	cvmm_ll__put64(b + 32, cfg->rsdp_addr);
	cvmm_ll__put64(b + 40, memmap);
	cvmm_ll__put32(b + 48, cfg->memmap->count);
	if (cfg->initrd_size != 0) {
		m = b + CVMM_LL_PVH_START_INFO_SIZE;
		cvmm_ll__put64(m, cfg->initrd_addr);
		cvmm_ll__put64(m + 8, cfg->initrd_size);
		cvmm_ll__put64(m + 16, cfg->initrd_cmdline_addr);
	}
	m = b + (memmap - cfg->addr);
	for (uint32_t i = 0; i < cfg->memmap->count; i++, m += 24) {
		cvmm_ll__put64(m, cfg->memmap->entries[i].addr);
		cvmm_ll__put64(m + 8, cfg->memmap->entries[i].size);
		cvmm_ll__put32(m + 16, cfg->memmap->entries[i].type);
	}
	blk.range.start = cvmm_mem_gpa_from(cfg->addr);
	blk.range.size = used;
	*out = blk;
	return cvmm_ll__ok(err);
}
