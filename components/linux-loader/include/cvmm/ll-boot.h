/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a bzImage kernel is booted with: the e820 memory map, the initrd's
 * place, and the zero page (struct boot_params) that carries both.
 *
 * Everything here is pure: the functions fill caller-owned structs and
 * write no guest memory. The VMM copies the results in with cvmm_mem_write()
 * (the zero page is 4096 bytes; the command line is cvmm_ll_cmdline_len()
 * + 1 bytes) and, for the initrd, cvmm_ll_initrd_load().
 */
#ifndef CVMM_LL_BOOT_H
#define CVMM_LL_BOOT_H

#include <cvmm/ll-bzimage.h>

/* The zero page holds at most this many e820 entries. */
#define CVMM_LL_E820_MAX 128u

/* e820 entry types. */
#define CVMM_LL_E820_RAM      1u
#define CVMM_LL_E820_RESERVED 2u
#define CVMM_LL_E820_ACPI     3u
#define CVMM_LL_E820_NVS      4u
#define CVMM_LL_E820_UNUSABLE 5u
#define CVMM_LL_E820_PMEM     7u

struct cvmm_ll_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/*
 * A memory map: entries sorted by address, none empty, none wrapping, none
 * overlapping another, at most CVMM_LL_E820_MAX. Zero-initialise it, then
 * add entries in any order.
 */
struct cvmm_ll_e820 {
	uint32_t count;
	struct cvmm_ll_e820_entry entries[CVMM_LL_E820_MAX];
};

/*
 * Insert [addr, addr + size) of the given type in address order.
 * -EINVAL for size 0 or type 0, -EOVERFLOW if it wraps, -EBADMSG if it
 * overlaps an entry, -E2BIG if the table is full. *t is unchanged on
 * failure.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_e820_add(struct cvmm_ll_e820 *t, uint64_t addr,
					uint64_t size, uint32_t type,
					struct cvmm_ll_error *err);

/*
 * Check a table built by other means: count <= CVMM_LL_E820_MAX (-E2BIG),
 * count > 0 (-ENODATA), every entry non-empty with a non-zero type
 * (-EINVAL), without wrap (-EOVERFLOW), sorted (-EDOM), not overlapping
 * (-EBADMSG).
 */
CVMM_LL_MUST_CHECK int cvmm_ll_e820_validate(const struct cvmm_ll_e820 *t,
					     struct cvmm_ll_error *err);

/* Where an initrd may go. */
struct cvmm_ll_initrd_request {
	uint64_t size;	   /* bytes, > 0 */
	uint64_t addr_max; /* highest address of its last byte:
			      image.hdr.initrd_addr_max for a bzImage */
	uint64_t min_addr; /* lowest address of its first byte: the end of the
			      kernel's reserved range (above init_size) */
	const struct cvmm_ll_e820 *ram; /* its CVMM_LL_E820_RAM entries */
};

/*
 * Choose the highest page-aligned address for the initrd such that it lies
 * wholly inside one RAM entry, at or above min_addr and with its last byte
 * at or below addr_max. -EINVAL for size 0, the e820 errors for a bad
 * table, -ENOSPC (with the constraints in the message) when no place fits.
 */
CVMM_LL_MUST_CHECK int
cvmm_ll_initrd_place(const struct cvmm_ll_initrd_request *req, uint64_t *addr,
		     struct cvmm_ll_error *err);

/*
 * Copy all of src into guest memory at addr, after checking that
 * [addr, addr + src->size) is writable guest memory. Nothing outside that
 * range is written, even on failure. *out (the range written) is set only
 * on success.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_initrd_load(const struct cvmm_mem *mem,
					   const struct cvmm_ll_source *src,
					   uint64_t addr,
					   struct cvmm_ll_range *out,
					   struct cvmm_ll_error *err);

/* The zero page: struct boot_params, byte for byte. */
#define CVMM_LL_ZERO_PAGE_SIZE 4096u

struct cvmm_ll_zero_page {
	uint8_t bytes[CVMM_LL_ZERO_PAGE_SIZE];
};

/* Offsets in the zero page of the fields the builder writes. */
enum {
	CVMM_LL_ZP_ACPI_RSDP_ADDR = 0x070,    /* u64 */
	CVMM_LL_ZP_EXT_RAMDISK_IMAGE = 0x0c0, /* u32 */
	CVMM_LL_ZP_EXT_RAMDISK_SIZE = 0x0c4,  /* u32 */
	CVMM_LL_ZP_EXT_CMD_LINE_PTR = 0x0c8,  /* u32 */
	CVMM_LL_ZP_E820_ENTRIES = 0x1e8,      /* u8 */
	CVMM_LL_ZP_SENTINEL = 0x1ef,	      /* u8 */
	CVMM_LL_ZP_HDR = 0x1f1,		      /* setup header */
	CVMM_LL_ZP_TYPE_OF_LOADER = 0x210,    /* u8 */
	CVMM_LL_ZP_LOADFLAGS = 0x211,	      /* u8 */
	CVMM_LL_ZP_CODE32_START = 0x214,      /* u32 */
	CVMM_LL_ZP_RAMDISK_IMAGE = 0x218,     /* u32 */
	CVMM_LL_ZP_RAMDISK_SIZE = 0x21c,      /* u32 */
	CVMM_LL_ZP_HEAP_END_PTR = 0x224,      /* u16 */
	CVMM_LL_ZP_EXT_LOADER_VER = 0x226,    /* u8 */
	CVMM_LL_ZP_EXT_LOADER_TYPE = 0x227,   /* u8 */
	CVMM_LL_ZP_CMD_LINE_PTR = 0x228,      /* u32 */
	CVMM_LL_ZP_HARDWARE_SUBARCH = 0x23c,  /* u32 */
	CVMM_LL_ZP_SETUP_DATA = 0x250,	      /* u64 */
	CVMM_LL_ZP_E820_TABLE = 0x2d0,	      /* 20-byte entries */
};

/* What goes into the zero page. */
struct cvmm_ll_boot_params_config {
	/* The loaded kernel: its header is copied, its reserved range is
	 * kept clear of the command line and initrd. Required. */
	const struct cvmm_ll_bzimage_result *kernel;
	uint64_t cmdline_addr; /* 0: no command line */
	uint64_t cmdline_len;  /* bytes, NUL excluded */
	uint64_t initrd_addr;
	uint64_t initrd_size;		 /* 0: no initrd */
	uint64_t acpi_rsdp_addr;	 /* 0: let the kernel search for it */
	uint8_t type_of_loader;		 /* 0 means 0xff, "undefined" */
	const struct cvmm_ll_e820 *e820; /* required */
};

/*
 * Build the zero page into *out: zeros, then the kernel's setup header as
 * read from the file, then the loader's fields: type_of_loader,
 * code32_start (the load address), cmd_line_ptr, ramdisk_image and
 * ramdisk_size (and their ext_ high halves, which need
 * XLF_CAN_BE_LOADED_ABOVE_4G), acpi_rsdp_addr, the e820 table; setup_data,
 * heap_end_ptr (and CAN_USE_HEAP in loadflags), hardware_subarch and
 * hardware_subarch_data, and the ext_loader fields are cleared. With no
 * initrd (initrd_size 0), ramdisk_image and its high half are 0.
 *
 * Refused: a missing kernel or e820 (-EINVAL); an invalid e820 table (its
 * errors); a command line longer than cmdline_size (-ENOSPC); a command
 * line or initrd that wraps (-EOVERFLOW), overlaps the kernel's reserved
 * range (-EBADMSG), lies above 4 GiB without XLF_CAN_BE_LOADED_ABOVE_4G
 * (-ERANGE), or an initrd whose last byte is above initrd_addr_max when the
 * kernel cannot take it above 4 GiB (-ERANGE). On failure *out is
 * untouched.
 */
CVMM_LL_MUST_CHECK int
cvmm_ll_boot_params_build(const struct cvmm_ll_boot_params_config *cfg,
			  struct cvmm_ll_zero_page *out,
			  struct cvmm_ll_error *err);

#endif
