/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PVH boot block: struct hvm_start_info (version 1), an optional module
 * list entry for the initrd, and the memory map, laid out contiguously so
 * one cvmm_mem_write() puts them in guest memory. The VMM enters the PVH
 * entry point (cvmm/ll-elf.h) in 32-bit protected mode with ebx = the
 * block's address.
 *
 * Layout at addr (8-byte aligned, all below 4 GiB because ebx is 32 bits):
 *   +0    hvm_start_info        56 bytes
 *   +56   hvm_modlist_entry     32 bytes, only with an initrd
 *   then  hvm_memmap_table_entry 24 bytes each, one per e820 entry
 */
#ifndef CVMM_LL_PVH_H
#define CVMM_LL_PVH_H

#include <cvmm/ll-boot.h>

#define CVMM_LL_PVH_MAGIC	      0x336ec578u
#define CVMM_LL_PVH_START_INFO_SIZE   56u
#define CVMM_LL_PVH_MODLIST_SIZE      32u
#define CVMM_LL_PVH_MEMMAP_ENTRY_SIZE 24u
#define CVMM_LL_PVH_BLOCK_MAX                                                  \
	(CVMM_LL_PVH_START_INFO_SIZE + CVMM_LL_PVH_MODLIST_SIZE +              \
	 CVMM_LL_PVH_MEMMAP_ENTRY_SIZE * CVMM_LL_E820_MAX)

struct cvmm_ll_pvh_config {
	uint64_t addr;	       /* where the block goes */
	uint64_t cmdline_addr; /* 0: none */
	uint64_t rsdp_addr;    /* 0: none */
	uint64_t initrd_addr;
	uint64_t initrd_size;		   /* 0: no module */
	uint64_t initrd_cmdline_addr;	   /* the module's string, 0: none */
	const struct cvmm_ll_e820 *memmap; /* required */
};

/* The block, ready to be written at addr. */
struct cvmm_ll_pvh_block {
	uint8_t bytes[CVMM_LL_PVH_BLOCK_MAX];
	struct cvmm_ll_range range; /* [addr, addr + used bytes) */
};

/*
 * Build the block. Refused: a missing memmap (-EINVAL) or an invalid one
 * (the e820 errors); addr not 8-byte aligned (-EINVAL); a block that does
 * not end at or below 4 GiB (-ERANGE); an initrd that wraps (-EOVERFLOW) or
 * overlaps the block (-EBADMSG). On failure *out is untouched.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_pvh_build(const struct cvmm_ll_pvh_config *cfg,
					 struct cvmm_ll_pvh_block *out,
					 struct cvmm_ll_error *err);

#endif
