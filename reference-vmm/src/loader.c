/* SPDX-License-Identifier: Apache-2.0 */
#include "loader.h"
#include "sleep.h"

#include <cvmm/acpi-mem.h>

#include <cvmm/ll-cmdline.h>
#include <cvmm/ll-elf.h>
#include <cvmm/ll-payload.h>
#include <cvmm/ll-pvh.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The command line into guest memory; its length in *len. */
static int write_cmdline(const struct rvmm_options *o,
			 const struct rvmm_memory *m, size_t capacity,
			 uint64_t *len, struct rvmm_err *e)
{
	struct cvmm_ll_cmdline cl;
	struct cvmm_ll_error le;
	int rc;

	if (capacity > RVMM_CMDLINE_MAX)
		capacity = RVMM_CMDLINE_MAX;
	rc = cvmm_ll_cmdline_init(&cl, capacity, &le);
	if (rc)
		return rvmm_fail(e, rc, "command line: %s", le.msg);
	rc = cvmm_ll_cmdline_append(&cl, o->cmdline, &le);
	if (rc) {
		cvmm_ll_cmdline_destroy(&cl);
		return rvmm_fail(e, rc, "--cmdline: %s", le.msg);
	}
	*len = cvmm_ll_cmdline_len(&cl);
	rc = cvmm_mem_write(&m->mem, cvmm_mem_gpa_from(RVMM_CMDLINE_ADDR),
			    cvmm_ll_cmdline_str(&cl),
			    cvmm_ll_cmdline_len(&cl) + 1);
	cvmm_ll_cmdline_destroy(&cl);
	if (rc)
		return rvmm_fail(e, rc, "command line: %s",
				 cvmm_mem_strerror(rc));
	return 0;
}

/* Place and load --initrd, the highest page-aligned fit in RAM. */
static int load_initrd(const struct rvmm_options *o,
		       const struct rvmm_memory *m, uint64_t min_addr,
		       uint64_t addr_max, struct rvmm_boot *b,
		       struct rvmm_err *e)
{
	struct cvmm_ll_source src;
	struct cvmm_ll_error le;
	struct cvmm_ll_range range;
	struct cvmm_ll_initrd_request req;
	uint64_t addr;
	int rc;

	if (!o->initrd)
		return 0;
	rc = cvmm_ll_source_open(o->initrd, &src, &le);
	if (rc)
		return rvmm_fail(e, rc, "initrd %s: %s", o->initrd, le.msg);
	req = (struct cvmm_ll_initrd_request){
	    .size = src.size,
	    .addr_max = addr_max,
	    .min_addr = min_addr,
	    .ram = &m->e820,
	};
	rc = cvmm_ll_initrd_place(&req, &addr, &le);
	if (rc == 0)
		rc = cvmm_ll_initrd_load(&m->mem, &src, addr, &range, &le);
	cvmm_ll_source_close(&src);
	if (rc)
		return rvmm_fail(e, rc, "initrd %s: %s", o->initrd, le.msg);
	b->initrd_addr = range.start.raw;
	b->initrd_size = range.size;
	return 0;
}

static int boot_bzimage(const struct rvmm_options *o,
			const struct rvmm_memory *m,
			const struct cvmm_ll_source *src, struct rvmm_boot *b,
			struct rvmm_err *e)
{
	const struct cvmm_ll_bzimage_opts bopts = {
	    .flags = CVMM_LL_BZ_REQUIRE_64BIT};
	struct cvmm_ll_bzimage_result res;
	struct cvmm_ll_boot_params_config cfg;
	struct cvmm_ll_zero_page zp;
	struct cvmm_ll_error le;
	uint64_t cmdline_len;
	int rc;

	rc = cvmm_ll_bzimage_load(&m->mem, src, &bopts, &res, &le);
	if (rc)
		return rvmm_fail(e, rc, "kernel %s: bzImage: %s", o->kernel,
				 le.msg);
	rc = write_cmdline(o, m, res.image.hdr.cmdline_size, &cmdline_len, e);
	if (rc)
		return rc;
	rc = load_initrd(o, m, res.reserved.start.raw + res.reserved.size,
			 res.image.hdr.initrd_addr_max, b, e);
	if (rc)
		return rc;
	cfg = (struct cvmm_ll_boot_params_config){
	    .kernel = &res,
	    .cmdline_addr = RVMM_CMDLINE_ADDR,
	    .cmdline_len = cmdline_len,
	    .initrd_addr = b->initrd_addr,
	    .initrd_size = b->initrd_size,
	    .acpi_rsdp_addr = RVMM_ACPI_RSDP_ADDR,
	    .e820 = &m->e820,
	};
	rc = cvmm_ll_boot_params_build(&cfg, &zp, &le);
	if (rc)
		return rvmm_fail(e, rc, "zero page: %s", le.msg);
	rc = cvmm_mem_write(&m->mem, cvmm_mem_gpa_from(CVMM_X86_ZERO_PAGE_ADDR),
			    zp.bytes, sizeof(zp.bytes));
	if (rc)
		return rvmm_fail(e, rc, "zero page: %s", cvmm_mem_strerror(rc));
	b->mode = CVMM_X86_BOOT_LINUX64;
	b->entry = res.entry64.raw;
	b->info = CVMM_X86_ZERO_PAGE_ADDR;
	(void)snprintf(b->what, sizeof(b->what),
		       "bzImage (boot protocol %u.%02u) at 0x%" PRIx64
		       ", 64-bit entry 0x%" PRIx64,
		       res.image.hdr.version >> 8,
		       res.image.hdr.version & 0xffu, res.load.start.raw,
		       b->entry);
	return 0;
}

static int boot_pvh(const struct rvmm_options *o, const struct rvmm_memory *m,
		    const struct cvmm_ll_source *src, const char *kind,
		    struct rvmm_boot *b, struct rvmm_err *e)
{
	struct cvmm_ll_elf_result res;
	struct cvmm_ll_pvh_block blk;
	struct cvmm_ll_pvh_config cfg;
	struct cvmm_ll_error le;
	uint64_t cmdline_len;
	int rc;

	rc = cvmm_ll_elf_load(&m->mem, src, CVMM_LL_ELF_REQUIRE_PVH, &res, &le);
	if (rc)
		return rvmm_fail(e, rc, "kernel %s%s: %s", o->kernel, kind,
				 le.msg);
	/* x86 Linux's COMMAND_LINE_SIZE is 2048, NUL included. */
	rc = write_cmdline(o, m, 2047, &cmdline_len, e);
	if (rc)
		return rc;
	rc = load_initrd(o, m, res.load.start.raw + res.load.size,
			 m->low_end - 1, b, e);
	if (rc)
		return rc;
	cfg = (struct cvmm_ll_pvh_config){
	    .addr = CVMM_X86_PVH_START_INFO_ADDR,
	    .cmdline_addr = RVMM_CMDLINE_ADDR,
	    .rsdp_addr = RVMM_ACPI_RSDP_ADDR,
	    .initrd_addr = b->initrd_addr,
	    .initrd_size = b->initrd_size,
	    .memmap = &m->e820,
	};
	rc = cvmm_ll_pvh_build(&cfg, &blk, &le);
	if (rc)
		return rvmm_fail(e, rc, "PVH start_info: %s", le.msg);
	rc = cvmm_mem_write(&m->mem, blk.range.start, blk.bytes,
			    (size_t)blk.range.size);
	if (rc)
		return rvmm_fail(e, rc, "PVH start_info: %s",
				 cvmm_mem_strerror(rc));
	b->mode = CVMM_X86_BOOT_PVH;
	b->entry = res.pvh_entry.raw;
	b->info = CVMM_X86_PVH_START_INFO_ADDR;
	(void)snprintf(b->what, sizeof(b->what),
		       "ELF%s, %u segments at 0x%" PRIx64
		       ", PVH entry 0x%" PRIx64,
		       kind, res.segment_count, res.load.start.raw, b->entry);
	return 0;
}

/* --boot-protocol pvh on a bzImage: boot the vmlinux in its payload. */
static int boot_payload(const struct rvmm_options *o,
			const struct rvmm_memory *m,
			const struct cvmm_ll_source *src, struct rvmm_boot *b,
			struct rvmm_err *e)
{
	struct cvmm_ll_payload p = {0};
	struct cvmm_ll_source elf;
	struct cvmm_ll_error le;
	char kind[64];
	int rc;

	rc = cvmm_ll_payload_extract(src, RVMM_PAYLOAD_MAX, &p, &le);
	if (rc)
		return rvmm_fail(e, rc, "kernel %s: payload: %s", o->kernel,
				 le.msg);
	(void)snprintf(kind, sizeof(kind), " (%s payload of the bzImage)",
		       cvmm_ll_compression_name(p.format));
	elf = cvmm_ll_source_buffer(p.data, p.size);
	rc = boot_pvh(o, m, &elf, kind, b, e);
	cvmm_ll_payload_free(&p);
	return rc;
}

int rvmm_load(const struct rvmm_options *o, const struct rvmm_memory *m,
	      struct rvmm_boot *b, struct rvmm_err *e)
{
	struct cvmm_ll_source src;
	struct cvmm_ll_error le;
	uint8_t magic[4] = {0};
	bool elf;
	int rc;

	memset(b, 0, sizeof(*b));
	rc = cvmm_ll_source_open(o->kernel, &src, &le);
	if (rc)
		return rvmm_fail(e, rc, "kernel %s: %s", o->kernel, le.msg);
	elf = src.size >= 4 &&
	      cvmm_ll_source_read(&src, 0, magic, sizeof(magic)) == 0 &&
	      memcmp(magic, "\177ELF", 4) == 0;
	if (elf && o->protocol == RVMM_PROTOCOL_LINUX64)
		rc = rvmm_fail(e, -EINVAL,
			       "kernel %s: an ELF image boots through its PVH "
			       "note; --boot-protocol linux64 needs a bzImage",
			       o->kernel);
	else if (elf)
		rc = boot_pvh(o, m, &src, "", b, e);
	else if (o->protocol == RVMM_PROTOCOL_PVH)
		rc = boot_payload(o, m, &src, b, e);
	else
		rc = boot_bzimage(o, m, &src, b, e);
	cvmm_ll_source_close(&src);
	if (rc)
		return rc;
	rc = cvmm_x86_write_boot_tables(&m->mem, b->mode,
					CVMM_X86_IDENTITY_MAP_MAX);
	if (rc)
		return rvmm_fail(e, rc, "boot tables: %s",
				 cvmm_mem_strerror(rc));
	return 0;
}

int rvmm_load_acpi(const struct cvmm_mem *mem, uint32_t vcpus,
		   const struct cvmm_acpi_virtio_mmio *virtio, size_t nvirtio,
		   struct rvmm_err *e)
{
	struct cvmm_acpi_config cfg;
	int rc;

	cvmm_acpi_config_init(&cfg, RVMM_ACPI_RSDP_ADDR, vcpus);
	cfg.virtio = virtio;
	cfg.virtio_count = nvirtio;
	/* The FADT names the sleep registers and the DSDT gets \_S5_, so a
	 * kernel has a power-off path (Linux's acpi_power_off). */
	cfg.sleep_control.space = CVMM_ACPI_SPACE_IO;
	cfg.sleep_control.addr = RVMM_SLEEP_CONTROL_PORT;
	cfg.sleep_status.space = CVMM_ACPI_SPACE_IO;
	cfg.sleep_status.addr = RVMM_SLEEP_STATUS_PORT;
	rc = cvmm_acpi_write(mem, &cfg, RVMM_ACPI_MAX);
	if (rc)
		return rvmm_fail(e, rc,
				 "ACPI tables for %u vCPUs, %zu virtio "
				 "devices: %s",
				 vcpus, nvirtio, strerror(-rc));
	return 0;
}
