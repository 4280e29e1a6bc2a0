/* SPDX-License-Identifier: Apache-2.0 */
/* bzImage: boot protocol 2.06 to 2.15. */
#include <cvmm/ll-bzimage.h>

#include "ll-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define HDR_MAGIC	0x53726448u /* "HdrS" */
#define KINFO_MAGIC	0x506f544cu /* "LToP" */
#define BOOT_FLAG	0xaa55u
#define ONE_MIB		0x100000u
#define FOUR_GIB	((uint64_t)1 << 32)
#define MIN_FILE	1024u
#define HDR_END		(CVMM_LL_SETUP_HEADER_OFFSET + CVMM_LL_SETUP_HEADER_MAX)
#define V(major, minor) ((uint16_t)((major) << 8 | (minor)))
#define MAJ(v)		((unsigned)(v) >> 8)
#define MIN(v)		((unsigned)(v)&0xffu)

/* Where the header must reach for each protocol minor version (2.xx). */
static const uint16_t header_end_for_minor[16] = {
    [6] = 0x23c,  [7] = 0x248,	[8] = 0x250,  [9] = 0x258,  [10] = 0x264,
    [11] = 0x268, [12] = 0x268, [13] = 0x268, [14] = 0x268, [15] = 0x26c,
};

/* Pointer to the header byte at file offset off. */
#define AT(h, off) ((h) + ((off)-CVMM_LL_SETUP_HEADER_OFFSET))

static void decode(const uint8_t *h, struct cvmm_ll_setup_header *s)
{
	s->setup_sects = *AT(h, 0x1f1);
	s->root_flags = cvmm_ll__le16(AT(h, 0x1f2));
	s->syssize = cvmm_ll__le32(AT(h, 0x1f4));
	s->ram_size = cvmm_ll__le16(AT(h, 0x1f8));
	s->vid_mode = cvmm_ll__le16(AT(h, 0x1fa));
	s->root_dev = cvmm_ll__le16(AT(h, 0x1fc));
	s->boot_flag = cvmm_ll__le16(AT(h, 0x1fe));
	s->jump = cvmm_ll__le16(AT(h, 0x200));
	s->header = cvmm_ll__le32(AT(h, 0x202));
	s->version = cvmm_ll__le16(AT(h, 0x206));
	s->realmode_swtch = cvmm_ll__le32(AT(h, 0x208));
	s->start_sys_seg = cvmm_ll__le16(AT(h, 0x20c));
	s->kernel_version = cvmm_ll__le16(AT(h, 0x20e));
	s->type_of_loader = *AT(h, 0x210);
	s->loadflags = *AT(h, 0x211);
	s->setup_move_size = cvmm_ll__le16(AT(h, 0x212));
	s->code32_start = cvmm_ll__le32(AT(h, 0x214));
	s->ramdisk_image = cvmm_ll__le32(AT(h, 0x218));
	s->ramdisk_size = cvmm_ll__le32(AT(h, 0x21c));
	s->bootsect_kludge = cvmm_ll__le32(AT(h, 0x220));
	s->heap_end_ptr = cvmm_ll__le16(AT(h, 0x224));
	s->ext_loader_ver = *AT(h, 0x226);
	s->ext_loader_type = *AT(h, 0x227);
	s->cmd_line_ptr = cvmm_ll__le32(AT(h, 0x228));
	s->initrd_addr_max = cvmm_ll__le32(AT(h, 0x22c));
	s->kernel_alignment = cvmm_ll__le32(AT(h, 0x230));
	s->relocatable_kernel = *AT(h, 0x234);
	s->min_alignment = *AT(h, 0x235);
	s->xloadflags = cvmm_ll__le16(AT(h, 0x236));
	s->cmdline_size = cvmm_ll__le32(AT(h, 0x238));
	s->hardware_subarch = cvmm_ll__le32(AT(h, 0x23c));
	s->hardware_subarch_data = cvmm_ll__le64(AT(h, 0x240));
	s->payload_offset = cvmm_ll__le32(AT(h, 0x248));
	s->payload_length = cvmm_ll__le32(AT(h, 0x24c));
	s->setup_data = cvmm_ll__le64(AT(h, 0x250));
	s->pref_address = cvmm_ll__le64(AT(h, 0x258));
	s->init_size = cvmm_ll__le32(AT(h, 0x260));
	s->handover_offset = cvmm_ll__le32(AT(h, 0x264));
	s->kernel_info_offset = cvmm_ll__le32(AT(h, 0x268));
	/* Fields that sit inside the 2.06 header but came later. */
	if (s->version < V(2, 10))
		s->min_alignment = 0;
	if (s->version < V(2, 12))
		s->xloadflags = 0;
}

/* Protocol 2.15: the kernel_info block inside the protected-mode kernel. */
static int check_kernel_info(const struct cvmm_ll_source *src,
			     struct cvmm_ll_bzimage *b,
			     struct cvmm_ll_error *err)
{
	uint32_t off = b->hdr.kernel_info_offset, size, total;
	uint8_t ki[16];
	int rc;

	if ((uint64_t)off + sizeof(ki) > b->kernel_size)
		return cvmm_ll__fail(err, -ERANGE,
				     "kernel_info_offset=0x%x + its 16-byte "
				     "header ends beyond the %" PRIu64
				     "-byte protected-mode kernel",
				     off, b->kernel_size);
	rc = cvmm_ll_source_read(src, b->kernel_file_offset + off, ki,
				 sizeof(ki));
	if (rc != 0)
		return cvmm_ll__fail(err, rc, "reading kernel_info: %s",
				     strerror(-rc));
	if (cvmm_ll__le32(ki) != KINFO_MAGIC)
		return cvmm_ll__fail(err, -EBADMSG,
				     "kernel_info at kernel_info_offset=0x%x "
				     "has magic 0x%08x, expected 0x%08x "
				     "(\"LToP\")",
				     off, cvmm_ll__le32(ki), KINFO_MAGIC);
	size = cvmm_ll__le32(ki + 4);
	total = cvmm_ll__le32(ki + 8);
	if (size < sizeof(ki) || total < size)
		return cvmm_ll__fail(
		    err, -EBADMSG,
		    "kernel_info size=%u size_total=%u: size "
		    "must be at least 16 and at most size_total",
		    size, total);
	if ((uint64_t)off + total > b->kernel_size)
		return cvmm_ll__fail(err, -ERANGE,
				     "kernel_info_offset=0x%x + size_total=%u "
				     "ends beyond the %" PRIu64
				     "-byte protected-mode kernel",
				     off, total, b->kernel_size);
	b->setup_type_max = cvmm_ll__le32(ki + 12);
	return 0;
}

/* Checks of the fields that describe the image's layout. */
static int check_layout(const struct cvmm_ll_source *src,
			struct cvmm_ll_bzimage *b, uint32_t flags,
			struct cvmm_ll_error *err)
{
	const struct cvmm_ll_setup_header *s = &b->hdr;
	unsigned sects = s->setup_sects == 0 ? 4u : s->setup_sects;
	uint64_t end;

	if (!(s->loadflags & CVMM_LL_LOADED_HIGH))
		return cvmm_ll__fail(err, -EPROTONOSUPPORT,
				     "loadflags=0x%02x lacks LOADED_HIGH (bit "
				     "0): a zImage, loaded below 1 MiB, is not "
				     "supported",
				     s->loadflags);
	b->setup_size = (sects + 1) * 512u;
	if (b->setup_size > b->file_size)
		return cvmm_ll__fail(err, -ERANGE,
				     "setup_sects=%u puts the end of setup at "
				     "%u, beyond the %" PRIu64 "-byte file",
				     s->setup_sects, b->setup_size,
				     b->file_size);
	if (s->syssize == 0)
		return cvmm_ll__fail(
		    err, -EBADMSG,
		    "syssize=0: the image has no protected-mode "
		    "kernel");
	b->kernel_file_offset = b->setup_size;
	b->kernel_size = (uint64_t)s->syssize * 16;
	end = b->setup_size + b->kernel_size;
	if (end > b->file_size)
		return cvmm_ll__fail(err, -ERANGE,
				     "syssize=%u (%" PRIu64
				     " bytes) from offset %u ends at %" PRIu64
				     ", beyond the %" PRIu64 "-byte file",
				     s->syssize, b->kernel_size, b->setup_size,
				     end, b->file_size);
	if (s->relocatable_kernel > 1)
		return cvmm_ll__fail(err, -EBADMSG,
				     "relocatable_kernel=%u, expected 0 or 1",
				     s->relocatable_kernel);
	b->relocatable = s->relocatable_kernel == 1;
	if (b->relocatable &&
	    (s->kernel_alignment == 0 ||
	     (s->kernel_alignment & (s->kernel_alignment - 1)) != 0))
		return cvmm_ll__fail(err, -EBADMSG,
				     "kernel_alignment=0x%x is not a power of "
				     "two (relocatable_kernel=1)",
				     s->kernel_alignment);
	if (b->relocatable && s->version >= V(2, 10) &&
	    (s->min_alignment >= 32 ||
	     (1u << s->min_alignment) > s->kernel_alignment))
		return cvmm_ll__fail(err, -EBADMSG,
				     "min_alignment=%u (2^%u) exceeds "
				     "kernel_alignment=0x%x",
				     s->min_alignment, s->min_alignment,
				     s->kernel_alignment);
	if ((flags & CVMM_LL_BZ_REQUIRE_64BIT) && s->version < V(2, 12))
		return cvmm_ll__fail(
		    err, -EPROTONOSUPPORT,
		    "version=0x%04x: protocol %u.%02u predates "
		    "xloadflags (2.12), so no 64-bit entry "
		    "point can be confirmed",
		    s->version, MAJ(s->version), MIN(s->version));
	b->has_64bit_entry = (s->xloadflags & CVMM_LL_XLF_KERNEL_64) != 0;
	b->can_load_above_4g =
	    (s->xloadflags & CVMM_LL_XLF_CAN_BE_LOADED_ABOVE_4G) != 0;
	if (b->has_64bit_entry && b->kernel_size <= 0x200)
		return cvmm_ll__fail(err, -EBADMSG,
				     "xloadflags=0x%04x has XLF_KERNEL_64, but "
				     "the %" PRIu64
				     "-byte protected-mode kernel is too short "
				     "for an entry point at 0x200",
				     s->xloadflags, b->kernel_size);
	if ((flags & CVMM_LL_BZ_REQUIRE_64BIT) && !b->has_64bit_entry)
		return cvmm_ll__fail(err, -EPROTONOSUPPORT,
				     "xloadflags=0x%04x lacks XLF_KERNEL_64 "
				     "(bit 0): the kernel has no 64-bit entry "
				     "point",
				     s->xloadflags);
	if (s->cmdline_size == 0)
		return cvmm_ll__fail(err, -EBADMSG,
				     "cmdline_size=0: the kernel takes no "
				     "command line");
	if (s->version >= V(2, 8)) {
		if (s->payload_length == 0)
			return cvmm_ll__fail(err, -EBADMSG,
					     "payload_length=0: the image has "
					     "no compressed kernel");
		end = (uint64_t)s->payload_offset + s->payload_length;
		if (end > b->kernel_size)
			return cvmm_ll__fail(
			    err, -ERANGE,
			    "payload_offset=0x%x + payload_length=%u ends at "
			    "%" PRIu64 ", beyond the %" PRIu64
			    "-byte protected-mode kernel (syssize=%u)",
			    s->payload_offset, s->payload_length, end,
			    b->kernel_size, s->syssize);
		b->payload_file_offset = b->setup_size + s->payload_offset;
		b->payload_size = s->payload_length;
	}
	b->default_load_addr = ONE_MIB;
	if (s->version >= V(2, 10)) {
		if (s->init_size < b->kernel_size)
			return cvmm_ll__fail(err, -EBADMSG,
					     "init_size=0x%x is smaller than "
					     "the 0x%" PRIx64
					     "-byte protected-mode kernel it "
					     "must hold",
					     s->init_size, b->kernel_size);
		if (s->pref_address < ONE_MIB)
			return cvmm_ll__fail(err, -EBADMSG,
					     "pref_address=0x%" PRIx64
					     " is below 1 MiB",
					     s->pref_address);
		if (__builtin_add_overflow(s->pref_address,
					   (uint64_t)s->init_size, &end))
			return cvmm_ll__fail(err, -EOVERFLOW,
					     "pref_address=0x%" PRIx64
					     " + init_size=0x%x wraps past "
					     "2^64",
					     s->pref_address, s->init_size);
		b->default_load_addr = s->pref_address;
	}
	if (s->version >= V(2, 15))
		return check_kernel_info(src, b, err);
	return 0;
}

int cvmm_ll_bzimage_parse(const struct cvmm_ll_source *src, uint32_t flags,
			  struct cvmm_ll_bzimage *out,
			  struct cvmm_ll_error *err)
{
	uint8_t h[CVMM_LL_SETUP_HEADER_MAX];
	struct cvmm_ll_bzimage b;
	uint16_t version;
	unsigned end, need;
	int rc;

	memset(&b, 0, sizeof(b));
	b.file_size = src->size;
	if (b.file_size < MIN_FILE)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "the file is %" PRIu64
				     " bytes, too short for a bzImage (the "
				     "boot sector and setup header take %u)",
				     b.file_size, MIN_FILE);
	rc =
	    cvmm_ll_source_read(src, CVMM_LL_SETUP_HEADER_OFFSET, h, sizeof(h));
	if (rc != 0)
		return cvmm_ll__fail(err, rc, "reading the setup header: %s",
				     strerror(-rc));
	if (cvmm_ll__le16(AT(h, 0x1fe)) != BOOT_FLAG)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "boot_flag=0x%04x at 0x1fe, expected "
				     "0xaa55: not a Linux boot image",
				     cvmm_ll__le16(AT(h, 0x1fe)));
	if (cvmm_ll__le32(AT(h, 0x202)) != HDR_MAGIC)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "header=0x%08x at 0x202, expected "
				     "0x%08x (\"HdrS\"): not a bzImage",
				     cvmm_ll__le32(AT(h, 0x202)), HDR_MAGIC);
	version = cvmm_ll__le16(AT(h, 0x206));
	if (version < CVMM_LL_BOOT_PROTOCOL_MIN)
		return cvmm_ll__fail(err, -EPROTONOSUPPORT,
				     "version=0x%04x: boot protocol %u.%02u is "
				     "older than 2.06, the oldest supported",
				     version, MAJ(version), MIN(version));
	if (version > CVMM_LL_BOOT_PROTOCOL_MAX &&
	    !(flags & CVMM_LL_BZ_ALLOW_NEWER))
		return cvmm_ll__fail(err, -EPROTONOSUPPORT,
				     "version=0x%04x: boot protocol %u.%02u is "
				     "newer than 2.15, the newest known "
				     "(CVMM_LL_BZ_ALLOW_NEWER accepts it)",
				     version, MAJ(version), MIN(version));
	if (*AT(h, 0x200) != 0xeb)
		return cvmm_ll__fail(
		    err, -ENOEXEC,
		    "jump=0x%04x at 0x200 is not a short jmp "
		    "(0xeb), so the header's length is unknown",
		    cvmm_ll__le16(AT(h, 0x200)));
	end = 0x202u + *AT(h, 0x201);
	/* Versions 3.x and 2.16+ need at least what 2.15 defines. */
	need = header_end_for_minor[version >= CVMM_LL_BOOT_PROTOCOL_MAX
					? 15
					: MIN(version)];
	if (end < need)
		return cvmm_ll__fail(
		    err, -EBADMSG,
		    "the jump at 0x200 ends the setup header "
		    "at 0x%x, short of the 0x%x bytes protocol "
		    "%u.%02u defines",
		    end, need, MAJ(version), MIN(version));
	/* Copy what the file has (up to the zero page's room); decode only
	 * what the version defines. */
	b.raw_len =
	    (end < HDR_END ? end : HDR_END) - CVMM_LL_SETUP_HEADER_OFFSET;
	memcpy(b.raw, h, b.raw_len);
	memset(AT(h, need), 0, HDR_END - need);
	decode(h, &b.hdr);
	rc = check_layout(src, &b, flags, err);
	if (rc != 0)
		return rc;
	*out = b;
	return cvmm_ll__ok(err);
}

/* Where the kernel runs, per the boot protocol's init_size description. */
static int runtime_start(const struct cvmm_ll_bzimage *b, uint64_t load,
			 uint64_t *out, struct cvmm_ll_error *err)
{
	uint64_t align = b->hdr.kernel_alignment, start = load;

	if (!b->relocatable) {
		*out = b->default_load_addr;
		return 0;
	}
	if (b->hdr.version >= V(2, 10) && start < b->hdr.pref_address)
		start = b->hdr.pref_address;
	if (__builtin_add_overflow(start, align - 1, &start))
		return cvmm_ll__fail(err, -EOVERFLOW,
				     "aligning the runtime start 0x%" PRIx64
				     " up to kernel_alignment=0x%" PRIx64
				     " wraps past 2^64",
				     load, align);
	*out = start & ~(align - 1);
	return 0;
}

int cvmm_ll_bzimage_load(const struct cvmm_mem *mem,
			 const struct cvmm_ll_source *src,
			 const struct cvmm_ll_bzimage_opts *opts,
			 struct cvmm_ll_bzimage_result *out,
			 struct cvmm_ll_error *err)
{
	struct cvmm_ll_bzimage_opts o = {0, 0};
	struct cvmm_ll_bzimage_result r;
	const struct cvmm_ll_bzimage *b = &r.image;
	uint64_t load, load_end, run = 0, run_end, init;
	char what[96];
	int rc;

	if (opts != NULL)
		o = *opts;
	memset(&r, 0, sizeof(r));
	rc = cvmm_ll_bzimage_parse(
	    src, o.flags & (CVMM_LL_BZ_REQUIRE_64BIT | CVMM_LL_BZ_ALLOW_NEWER),
	    &r.image, err);
	if (rc != 0)
		return rc;
	load = b->default_load_addr;
	if (o.flags & CVMM_LL_BZ_LOAD_ADDR) {
		uint64_t align;

		if (!b->relocatable && o.load_addr != load)
			return cvmm_ll__fail(err, -EINVAL,
					     "relocatable_kernel=0: the kernel "
					     "must load at 0x%" PRIx64
					     ", not 0x%" PRIx64,
					     load, o.load_addr);
		/* min_alignment is validated (below 32) only for a
		 * relocatable kernel: a fixed one may carry any byte there,
		 * too large a shift count. */
		align = !b->relocatable ? 1
			: b->hdr.version >= V(2, 10)
			    ? (uint64_t)1 << b->hdr.min_alignment
			    : b->hdr.kernel_alignment;
		if ((o.load_addr & (align - 1)) != 0)
			return cvmm_ll__fail(err, -EINVAL,
					     "load address 0x%" PRIx64
					     " is not a multiple of the "
					     "kernel's alignment 0x%" PRIx64,
					     o.load_addr, align);
		load = o.load_addr;
	}
	if (__builtin_add_overflow(load, b->kernel_size, &load_end))
		return cvmm_ll__fail(err, -EOVERFLOW,
				     "load address 0x%" PRIx64
				     " + the 0x%" PRIx64
				     "-byte kernel wraps past 2^64",
				     load, b->kernel_size);
	rc = runtime_start(b, load, &run, err);
	if (rc != 0)
		return rc;
	init = b->hdr.version >= V(2, 10) ? b->hdr.init_size : b->kernel_size;
	if (__builtin_add_overflow(run, init, &run_end))
		return cvmm_ll__fail(err, -EOVERFLOW,
				     "runtime start 0x%" PRIx64
				     " + init_size=0x%" PRIx64
				     " wraps past 2^64",
				     run, init);
	if (!b->can_load_above_4g &&
	    (load_end > FOUR_GIB || run_end > FOUR_GIB))
		return cvmm_ll__fail(
		    err, -ERANGE,
		    "the kernel would occupy guest memory up to 0x%" PRIx64
		    ", above 4 GiB, but xloadflags=0x%04x lacks "
		    "XLF_CAN_BE_LOADED_ABOVE_4G",
		    load_end > run_end ? load_end : run_end, b->hdr.xloadflags);
	rc = cvmm_ll__check_guest(mem, load, b->kernel_size,
				  "the protected-mode kernel", err);
	if (rc != 0)
		return rc;
	(void)snprintf(what, sizeof(what),
		       "init_size=0x%" PRIx64 " from the runtime start", init);
	rc = cvmm_ll__check_guest(mem, run, init, what, err);
	if (rc != 0)
		return rc;
	rc = cvmm_ll__copy_to_guest(mem, src, b->kernel_file_offset, load,
				    b->kernel_size);
	if (rc != 0)
		return cvmm_ll__fail(
		    err, rc,
		    "copying the protected-mode kernel (%" PRIu64
		    " bytes at file offset %" PRIu64 ") to 0x%" PRIx64 ": %s",
		    b->kernel_size, b->kernel_file_offset, load, strerror(-rc));
	r.load.start = cvmm_mem_gpa_from(load);
	r.load.size = b->kernel_size;
	r.entry32 = cvmm_mem_gpa_from(load);
	r.entry64 = cvmm_mem_gpa_from(b->has_64bit_entry ? load + 0x200 : 0);
	r.entry = b->has_64bit_entry ? r.entry64 : r.entry32;
	r.runtime_start = cvmm_mem_gpa_from(run);
	r.init_size = init;
	r.reserved.start = cvmm_mem_gpa_from(load < run ? load : run);
	r.reserved.size =
	    (load_end > run_end ? load_end : run_end) - r.reserved.start.raw;
	*out = r;
	return cvmm_ll__ok(err);
}
