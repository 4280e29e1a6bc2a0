/* SPDX-License-Identifier: Apache-2.0 */
/* ELF64 vmlinux with the PVH entry note. */
#include <cvmm/ll-elf.h>

#include "ll-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define EHDR_SIZE 64u
#define PHDR_SIZE 56u
#define PT_LOAD	  1u
#define PT_NOTE	  4u
#define NHDR_SIZE 12u

struct phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
	unsigned index; /* position in the program header table */
};

static const char *type_name(uint32_t type)
{
	return type == PT_LOAD ? "PT_LOAD" : "PT_NOTE";
}

/* The file extent of a PT_LOAD or PT_NOTE segment. */
static int check_file_extent(const struct phdr *p, uint64_t file_size,
			     struct cvmm_ll_error *err)
{
	uint64_t end;

	if (__builtin_add_overflow(p->offset, p->filesz, &end))
		return cvmm_ll__fail(
		    err, -EOVERFLOW,
		    "segment %u (%s): p_offset=0x%" PRIx64
		    " + p_filesz=0x%" PRIx64 " wraps past 2^64",
		    p->index, type_name(p->type), p->offset, p->filesz);
	if (end > file_size)
		return cvmm_ll__fail(err, -ERANGE,
				     "segment %u (%s): p_offset=0x%" PRIx64
				     " + p_filesz=0x%" PRIx64
				     " ends at %" PRIu64 ", beyond the %" PRIu64
				     "-byte file",
				     p->index, type_name(p->type), p->offset,
				     p->filesz, end, file_size);
	return 0;
}

static int check_load(const struct phdr *p, struct cvmm_ll_error *err)
{
	uint64_t end;

	if (p->filesz > p->memsz)
		return cvmm_ll__fail(err, -EBADMSG,
				     "segment %u (PT_LOAD): p_filesz=0x%" PRIx64
				     " exceeds p_memsz=0x%" PRIx64,
				     p->index, p->filesz, p->memsz);
	if (__builtin_add_overflow(p->paddr, p->memsz, &end))
		return cvmm_ll__fail(err, -EOVERFLOW,
				     "segment %u (PT_LOAD): p_paddr=0x%" PRIx64
				     " + p_memsz=0x%" PRIx64 " wraps past 2^64",
				     p->index, p->paddr, p->memsz);
	return 0;
}

/* Index of the PT_LOAD whose file-backed bytes hold addr, or -1. */
static int find_segment(const struct phdr *segs, unsigned n, uint64_t addr)
{
	for (unsigned i = 0; i < n; i++)
		if (addr >= segs[i].paddr &&
		    addr - segs[i].paddr < segs[i].filesz)
			return (int)i;
	return -1;
}

/*
 * Walk the notes of one PT_NOTE segment. Each step is at least the 12-byte
 * header and never beyond the segment, so the walk ends.
 */
static int walk_notes(const struct cvmm_ll_source *src, const struct phdr *p,
		      bool *found, uint64_t *entry, struct cvmm_ll_error *err)
{
	uint64_t align = p->align == 8 ? 8 : 4, pos = 0;
	unsigned n = 0;

	for (; pos < p->filesz; n++) {
		uint64_t left = p->filesz - pos, name_end, desc_end, next,
			 start;
		uint8_t nh[NHDR_SIZE], buf[8];
		uint32_t namesz, descsz, type;
		int rc;

		if (left < NHDR_SIZE)
			return cvmm_ll__fail(err, -EBADMSG,
					     "segment %u (PT_NOTE): note %u at "
					     "+0x%" PRIx64 " has %" PRIu64
					     " bytes left, fewer than a note "
					     "header's 12",
					     p->index, n, pos, left);
		rc = cvmm_ll_source_read(src, p->offset + pos, nh, sizeof(nh));
		if (rc != 0)
			return cvmm_ll__fail(err, rc, "reading a note: %s",
					     strerror(-rc));
		namesz = cvmm_ll__le32(nh);
		descsz = cvmm_ll__le32(nh + 4);
		type = cvmm_ll__le32(nh + 8);
		/* 32-bit sizes: none of these sums can wrap 64 bits. */
		name_end =
		    ((uint64_t)namesz + NHDR_SIZE + align - 1) & ~(align - 1);
		desc_end = name_end + descsz;
		if (desc_end > left)
			return cvmm_ll__fail(
			    err, -EBADMSG,
			    "segment %u (PT_NOTE): note %u at +0x%" PRIx64
			    " has namesz=%u descsz=%u, which need %" PRIu64
			    " bytes, but only %" PRIu64 " are left",
			    p->index, n, pos, namesz, descsz, desc_end, left);
		next = (desc_end + align - 1) & ~(align - 1);
		start = p->offset + pos;
		pos += next < left ? next : left;
		if (type != CVMM_LL_XEN_ELFNOTE_PHYS32_ENTRY || namesz != 4 ||
		    *found)
			continue;
		rc = cvmm_ll_source_read(src, start + NHDR_SIZE, buf, 4);
		if (rc != 0)
			return cvmm_ll__fail(err, rc, "reading a note: %s",
					     strerror(-rc));
		if (memcmp(buf, "Xen", 4) != 0)
			continue;
		if (descsz != 4 && descsz != 8)
			return cvmm_ll__fail(err, -EBADMSG,
					     "segment %u (PT_NOTE): "
					     "XEN_ELFNOTE_PHYS32_ENTRY has "
					     "descsz=%u, expected 4 or 8",
					     p->index, descsz);
		memset(buf, 0, sizeof(buf));
		rc = cvmm_ll_source_read(src, start + name_end, buf, descsz);
		if (rc != 0)
			return cvmm_ll__fail(err, rc, "reading a note: %s",
					     strerror(-rc));
		*entry = cvmm_ll__le64(buf);
		*found = true;
		if (*entry > UINT32_MAX)
			return cvmm_ll__fail(
			    err, -EBADMSG,
			    "XEN_ELFNOTE_PHYS32_ENTRY=0x%" PRIx64
			    " is above 4 GiB, out of reach of "
			    "a 32-bit entry",
			    *entry);
	}
	return 0;
}

static int check_ehdr(const struct cvmm_ll_source *src, const uint8_t *e,
		      struct cvmm_ll_error *err)
{
	uint16_t phnum = cvmm_ll__le16(e + 0x38);
	uint64_t phoff = cvmm_ll__le64(e + 0x20), end;

	if (memcmp(e, "\177ELF", 4) != 0)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "e_ident starts %02x %02x %02x %02x, not "
				     "the ELF magic 7f 45 4c 46",
				     e[0], e[1], e[2], e[3]);
	if (e[4] != 2)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "EI_CLASS=%u: not ELFCLASS64 (2)", e[4]);
	if (e[5] != 1)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "EI_DATA=%u: not ELFDATA2LSB (1)", e[5]);
	if (e[6] != 1)
		return cvmm_ll__fail(err, -ENOEXEC, "EI_VERSION=%u, expected 1",
				     e[6]);
	if (cvmm_ll__le16(e + 0x10) != 2)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "e_type=%u: not ET_EXEC (2)",
				     cvmm_ll__le16(e + 0x10));
	if (cvmm_ll__le16(e + 0x12) != 62)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "e_machine=%u: not EM_X86_64 (62)",
				     cvmm_ll__le16(e + 0x12));
	if (cvmm_ll__le32(e + 0x14) != 1)
		return cvmm_ll__fail(err, -ENOEXEC, "e_version=%u, expected 1",
				     cvmm_ll__le32(e + 0x14));
	if (cvmm_ll__le16(e + 0x34) != EHDR_SIZE)
		return cvmm_ll__fail(err, -EBADMSG, "e_ehsize=%u, expected 64",
				     cvmm_ll__le16(e + 0x34));
	if (cvmm_ll__le16(e + 0x36) != PHDR_SIZE)
		return cvmm_ll__fail(err, -EBADMSG,
				     "e_phentsize=%u, expected 56",
				     cvmm_ll__le16(e + 0x36));
	if (phnum == 0)
		return cvmm_ll__fail(err, -EBADMSG,
				     "e_phnum=0: no program headers");
	if (phnum > CVMM_LL_ELF_MAX_PHDRS)
		return cvmm_ll__fail(err, -E2BIG,
				     "e_phnum=%u: more than the %u program "
				     "headers this loader reads",
				     phnum, CVMM_LL_ELF_MAX_PHDRS);
	if (__builtin_add_overflow(phoff, (uint64_t)phnum * PHDR_SIZE, &end))
		return cvmm_ll__fail(err, -EOVERFLOW,
				     "e_phoff=0x%" PRIx64
				     " + %u program headers wraps past 2^64",
				     phoff, phnum);
	if (end > src->size)
		return cvmm_ll__fail(err, -ERANGE,
				     "the program headers at e_phoff=0x%" PRIx64
				     " (%u x 56 bytes) end at %" PRIu64
				     ", beyond the %" PRIu64 "-byte file",
				     phoff, phnum, end, src->size);
	return 0;
}

/* Sort by address (insertion: at most 64) and refuse overlaps. */
static int check_overlaps(struct phdr *s, unsigned n, struct cvmm_ll_error *err)
{
	for (unsigned i = 1; i < n; i++) {
		struct phdr cur = s[i];
		unsigned j = i;

		for (; j > 0 && s[j - 1].paddr > cur.paddr; j--)
			s[j] = s[j - 1];
		s[j] = cur;
	}
	for (unsigned i = 1; i < n; i++)
		if (s[i].paddr - s[i - 1].paddr < s[i - 1].memsz)
			return cvmm_ll__fail(
			    err, -EBADMSG,
			    "segments %u [0x%" PRIx64 ", +0x%" PRIx64
			    ") and %u [0x%" PRIx64 ", +0x%" PRIx64 ") overlap",
			    s[i - 1].index, s[i - 1].paddr, s[i - 1].memsz,
			    s[i].index, s[i].paddr, s[i].memsz);
	return 0;
}

static int load_segments(const struct cvmm_mem *mem,
			 const struct cvmm_ll_source *src, const struct phdr *s,
			 unsigned n, struct cvmm_ll_error *err)
{
	char what[64];
	int rc;

	for (unsigned i = 0; i < n; i++) {
		(void)snprintf(what, sizeof(what), "segment %u (PT_LOAD)",
			       s[i].index);
		rc = cvmm_ll__check_guest(mem, s[i].paddr, s[i].memsz, what,
					  err);
		if (rc != 0)
			return rc;
	}
	for (unsigned i = 0; i < n; i++) {
		rc = cvmm_ll__copy_to_guest(mem, src, s[i].offset, s[i].paddr,
					    s[i].filesz);
		if (rc == 0)
			rc = cvmm_ll__zero_guest(mem, s[i].paddr + s[i].filesz,
						 s[i].memsz - s[i].filesz);
		if (rc != 0)
			return cvmm_ll__fail(err, rc,
					     "loading segment %u (PT_LOAD) at "
					     "0x%" PRIx64 ": %s",
					     s[i].index, s[i].paddr,
					     strerror(-rc));
	}
	return 0;
}

int cvmm_ll_elf_load(const struct cvmm_mem *mem,
		     const struct cvmm_ll_source *src, uint32_t flags,
		     struct cvmm_ll_elf_result *out, struct cvmm_ll_error *err)
{
	uint8_t e[EHDR_SIZE], ph[CVMM_LL_ELF_MAX_PHDRS * PHDR_SIZE];
	struct phdr segs[CVMM_LL_ELF_MAX_PHDRS];
	struct cvmm_ll_elf_result r;
	uint64_t entry, pvh = 0, hi = 0;
	bool found = false;
	unsigned phnum, n = 0;
	int rc;

	if (src->size < EHDR_SIZE)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "the file is %" PRIu64
				     " bytes, shorter than the 64-byte ELF "
				     "header",
				     src->size);
	rc = cvmm_ll_source_read(src, 0, e, sizeof(e));
	if (rc == 0)
		rc = check_ehdr(src, e, err);
	else
		rc = cvmm_ll__fail(err, rc, "reading the ELF header: %s",
				   strerror(-rc));
	if (rc != 0)
		return rc;
	entry = cvmm_ll__le64(e + 0x18);
	phnum = cvmm_ll__le16(e + 0x38);
	rc = cvmm_ll_source_read(src, cvmm_ll__le64(e + 0x20), ph,
				 (size_t)phnum * PHDR_SIZE);
	if (rc != 0)
		return cvmm_ll__fail(err, rc, "reading the program headers: %s",
				     strerror(-rc));
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *q = ph + (size_t)i * PHDR_SIZE;
		struct phdr p = {
		    .type = cvmm_ll__le32(q),
		    .flags = cvmm_ll__le32(q + 4),
		    .offset = cvmm_ll__le64(q + 8),
		    .paddr = cvmm_ll__le64(q + 24),
		    .filesz = cvmm_ll__le64(q + 32),
		    .memsz = cvmm_ll__le64(q + 40),
		    .align = cvmm_ll__le64(q + 48),
		    .index = i,
		};

		if (p.type != PT_LOAD && p.type != PT_NOTE)
			continue;
		rc = check_file_extent(&p, src->size, err);
		if (rc == 0 && p.type == PT_LOAD)
			rc = check_load(&p, err);
		if (rc == 0 && p.type == PT_NOTE)
			rc = walk_notes(src, &p, &found, &pvh, err);
		if (rc != 0)
			return rc;
		if (p.type == PT_LOAD && p.memsz > 0)
			segs[n++] = p;
	}
	if (n == 0)
		return cvmm_ll__fail(err, -ENOEXEC,
				     "no PT_LOAD segment with p_memsz > 0: "
				     "nothing to load");
	rc = check_overlaps(segs, n, err);
	if (rc != 0)
		return rc;
	if (find_segment(segs, n, entry) < 0)
		return cvmm_ll__fail(err, -EBADMSG,
				     "e_entry=0x%" PRIx64
				     " lies in no PT_LOAD segment's file bytes",
				     entry);
	if (!found && (flags & CVMM_LL_ELF_REQUIRE_PVH))
		return cvmm_ll__fail(err, -ENOENT,
				     "no XEN_ELFNOTE_PHYS32_ENTRY note: the "
				     "kernel has no PVH entry point");
	if (found && find_segment(segs, n, pvh) < 0)
		return cvmm_ll__fail(err, -EBADMSG,
				     "XEN_ELFNOTE_PHYS32_ENTRY=0x%" PRIx64
				     " lies in no PT_LOAD segment's file bytes",
				     pvh);
	rc = load_segments(mem, src, segs, n, err);
	if (rc != 0)
		return rc;
	memset(&r, 0, sizeof(r));
	r.entry = cvmm_mem_gpa_from(entry);
	r.has_pvh_entry = found;
	r.pvh_entry = cvmm_mem_gpa_from(pvh);
	r.segment_count = n;
	for (unsigned i = 0; i < n; i++) {
		r.segments[i].offset = segs[i].offset;
		r.segments[i].paddr = segs[i].paddr;
		r.segments[i].filesz = segs[i].filesz;
		r.segments[i].memsz = segs[i].memsz;
		r.segments[i].flags = segs[i].flags;
		hi = segs[i].paddr + segs[i].memsz;
	}
	r.load.start = cvmm_mem_gpa_from(segs[0].paddr);
	r.load.size = hi - segs[0].paddr;
	*out = r;
	return cvmm_ll__ok(err);
}
