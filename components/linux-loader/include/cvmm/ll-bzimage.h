/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86 bzImage, Linux boot protocol 2.06 to 2.15.
 *
 * A bzImage is a real-mode setup part ((setup_sects + 1) * 512 bytes, with
 * the setup header at file offset 0x1f1) followed by the protected-mode
 * kernel (syssize * 16 bytes), which is what gets loaded into guest memory.
 * The VMM then builds a zero page from the setup header (cvmm/ll-boot.h)
 * and enters the kernel in 64-bit mode at load address + 0x200 (or in
 * 32-bit protected mode at the load address).
 *
 * Checks, each refused with a message naming the field and its values:
 *   - boot_flag 0xaa55, header "HdrS", version 2.06..2.15 (newer only with
 *     CVMM_LL_BZ_ALLOW_NEWER), the short jump at 0x200 whose length says
 *     where the header ends, at least as far as the version needs;
 *   - loadflags: LOADED_HIGH (a zImage is refused);
 *   - setup_sects (0 means 4): the setup part must fit in the file;
 *   - syssize: non-zero, and setup + syssize * 16 inside the file (the file
 *     may be longer: signed kernels carry a signature after it);
 *   - relocatable_kernel 0 or 1; kernel_alignment a power of two (if
 *     relocatable); min_alignment at most log2(kernel_alignment);
 *   - xloadflags: XLF_KERNEL_64 when a 64-bit entry is required,
 *     XLF_CAN_BE_LOADED_ABOVE_4G when anything lands above 4 GiB;
 *   - cmdline_size non-zero;
 *   - payload_offset + payload_length inside the protected-mode kernel;
 *   - init_size at least the protected-mode kernel, pref_address + init_size
 *     without wrap;
 *   - kernel_info_offset (2.15): inside the kernel, magic "LToP", sizes.
 * Fields that only a boot loader writes (ramdisk_image, cmd_line_ptr,
 * setup_data, ...) are not checked here: the zero-page builder overwrites
 * them.
 */
#ifndef CVMM_LL_BZIMAGE_H
#define CVMM_LL_BZIMAGE_H

#include <cvmm/ll.h>

/* File offset of the setup header, and the zero-page room it may fill. */
#define CVMM_LL_SETUP_HEADER_OFFSET 0x1f1u
#define CVMM_LL_SETUP_HEADER_MAX    (0x290u - 0x1f1u)

/* loadflags bits. */
#define CVMM_LL_LOADED_HIGH   0x01u
#define CVMM_LL_KASLR_FLAG    0x02u
#define CVMM_LL_QUIET_FLAG    0x20u
#define CVMM_LL_KEEP_SEGMENTS 0x40u
#define CVMM_LL_CAN_USE_HEAP  0x80u

/* xloadflags bits (protocol 2.12+). */
#define CVMM_LL_XLF_KERNEL_64		   0x01u
#define CVMM_LL_XLF_CAN_BE_LOADED_ABOVE_4G 0x02u
#define CVMM_LL_XLF_EFI_HANDOVER_32	   0x04u
#define CVMM_LL_XLF_EFI_HANDOVER_64	   0x08u
#define CVMM_LL_XLF_EFI_KEXEC		   0x10u
#define CVMM_LL_XLF_5LEVEL		   0x20u
#define CVMM_LL_XLF_5LEVEL_ENABLED	   0x40u

/* The oldest and newest boot protocol versions this loader knows. */
#define CVMM_LL_BOOT_PROTOCOL_MIN 0x0206u
#define CVMM_LL_BOOT_PROTOCOL_MAX 0x020fu

/*
 * The setup header, decoded (little-endian fields at their documented
 * offsets). Fields newer than the image's protocol version read as 0.
 */
struct cvmm_ll_setup_header {
	uint8_t setup_sects; /* as in the file: 0 means 4 */
	uint16_t root_flags;
	uint32_t syssize;
	uint16_t ram_size;
	uint16_t vid_mode;
	uint16_t root_dev;
	uint16_t boot_flag;
	uint16_t jump;
	uint32_t header;
	uint16_t version;
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader;
	uint8_t loadflags;
	uint16_t setup_move_size;
	uint32_t code32_start;
	uint32_t ramdisk_image;
	uint32_t ramdisk_size;
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint8_t relocatable_kernel;
	uint8_t min_alignment;
	uint16_t xloadflags;
	uint32_t cmdline_size;
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t handover_offset;
	uint32_t kernel_info_offset;
};

/* A parsed and validated bzImage: everything known before loading. */
struct cvmm_ll_bzimage {
	struct cvmm_ll_setup_header hdr;
	/* The header bytes from 0x1f1 to its end (0x202 + the jump length),
	 * exactly as in the file: what the zero page copies. */
	uint8_t raw[CVMM_LL_SETUP_HEADER_MAX];
	uint32_t raw_len;
	uint64_t file_size;
	uint32_t setup_size;	     /* (setup_sects or 4, + 1) * 512 */
	uint64_t kernel_size;	     /* syssize * 16: bytes loaded */
	uint64_t kernel_file_offset; /* = setup_size */
	/* Payload (2.08+): file offset and length, 0 when unknown. */
	uint64_t payload_file_offset;
	uint64_t payload_size;
	/* kernel_info (2.15+): setup_type_max, 0 when absent. */
	uint32_t setup_type_max;
	bool relocatable;
	bool has_64bit_entry;	    /* XLF_KERNEL_64 */
	bool can_load_above_4g;	    /* XLF_CAN_BE_LOADED_ABOVE_4G */
	uint64_t default_load_addr; /* pref_address (2.10+) or 1 MiB */
};

/* Options of cvmm_ll_bzimage_parse() and cvmm_ll_bzimage_load(). */
#define CVMM_LL_BZ_REQUIRE_64BIT                                               \
	0x1u			    /* refuse a kernel without XLF_KERNEL_64 */
#define CVMM_LL_BZ_ALLOW_NEWER 0x2u /* accept protocol versions above 2.15 */
#define CVMM_LL_BZ_LOAD_ADDR   0x4u /* load at opts.load_addr */

struct cvmm_ll_bzimage_opts {
	uint32_t flags;	    /* CVMM_LL_BZ_* */
	uint64_t load_addr; /* with CVMM_LL_BZ_LOAD_ADDR only */
};

/*
 * Read and validate the image's header (nothing is written anywhere).
 * flags: CVMM_LL_BZ_REQUIRE_64BIT and CVMM_LL_BZ_ALLOW_NEWER. On success
 * *out is filled; on failure it is untouched.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_bzimage_parse(const struct cvmm_ll_source *src,
					     uint32_t flags,
					     struct cvmm_ll_bzimage *out,
					     struct cvmm_ll_error *err);

/* What a load did, for the VMM to boot with. */
struct cvmm_ll_bzimage_result {
	struct cvmm_ll_bzimage image; /* the validated header copy */
	/* Written: the protected-mode kernel, [load.start, + kernel_size). */
	struct cvmm_ll_range load;
	/* Entry: entry64 when the kernel has one, else entry32. */
	cvmm_mem_gpa entry;
	cvmm_mem_gpa entry32; /* load address (32-bit protocol, code32_start) */
	cvmm_mem_gpa
	    entry64; /* load address + 0x200; valid if has_64bit_entry */
	/* Where the kernel runs: [runtime_start, + init_size) must stay RAM. */
	cvmm_mem_gpa runtime_start;
	uint64_t init_size; /* hdr.init_size, or kernel_size before 2.10 */
	/* The union hull of load and runtime ranges: put nothing else there
	 * (initrd, zero page, command line). */
	struct cvmm_ll_range reserved;
};

/*
 * Validate the image, then copy its protected-mode kernel into guest memory.
 *
 * Load address: opts->load_addr with CVMM_LL_BZ_LOAD_ADDR, else
 * pref_address (2.10+) or 1 MiB. A relocatable kernel's load address must
 * be aligned to 2^min_alignment (2.10+) or kernel_alignment; a
 * non-relocatable kernel loads only at its default address. The runtime
 * start follows the boot protocol: for a relocatable kernel
 * align_up(max(load, pref_address), kernel_alignment), else pref_address.
 *
 * Before writing anything, the load range and [runtime_start, + init_size)
 * are checked to be writable guest memory. Guest memory outside the load
 * range is never written, even when the copy fails halfway (then bytes
 * inside it may have changed). opts may be NULL (defaults). On failure *out
 * is untouched.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_bzimage_load(
    const struct cvmm_mem *mem, const struct cvmm_ll_source *src,
    const struct cvmm_ll_bzimage_opts *opts, struct cvmm_ll_bzimage_result *out,
    struct cvmm_ll_error *err);

#endif
