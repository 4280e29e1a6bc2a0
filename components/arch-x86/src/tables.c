/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Boot tables in guest memory: the GDT, the empty IDT and the identity
 * page tables, written through the vm-memory interface. Each writer checks
 * its whole range first, so a layout without room fails before any byte is
 * written.
 */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/x86-boot.h>

#include <errno.h>
#include <string.h>

#define PAGE	    4096u
#define GIB	    (1ull << 30)
#define PTE_PRESENT 0x1u
#define PTE_WRITE   0x2u
#define PTE_LARGE   0x80u

static void put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int writable(const struct cvmm_mem *mem, uint64_t gpa, uint64_t len)
{
	return cvmm_mem_check(mem, cvmm_mem_gpa_from(gpa), len,
			      CVMM_MEM_ACCESS_WRITE);
}

int cvmm_x86_write_gdt(const struct cvmm_mem *mem, enum cvmm_x86_boot_mode mode)
{
	uint64_t gdt[CVMM_X86_GDT_ENTRIES];
	uint8_t bytes[sizeof(gdt)];
	uint8_t idt[CVMM_X86_IDT_SIZE];
	int rc = cvmm_x86_boot_gdt(mode, gdt);

	if (rc != 0)
		return rc;
	for (unsigned i = 0; i < CVMM_X86_GDT_ENTRIES; i++)
		put_le64(bytes + (size_t)8 * i, gdt[i]);
	memset(idt, 0, sizeof(idt));
	rc = writable(mem, CVMM_X86_GDT_ADDR, sizeof(bytes));
	if (rc == 0)
		rc = writable(mem, CVMM_X86_IDT_ADDR, sizeof(idt));
	if (rc == 0)
		rc = cvmm_mem_write(mem, cvmm_mem_gpa_from(CVMM_X86_GDT_ADDR),
				    bytes, sizeof(bytes));
	if (rc == 0)
		rc = cvmm_mem_write(mem, cvmm_mem_gpa_from(CVMM_X86_IDT_ADDR),
				    idt, sizeof(idt));
	return rc;
}

static int write_page(const struct cvmm_mem *mem, uint64_t gpa,
		      const uint8_t page[PAGE])
{
	return cvmm_mem_write(mem, cvmm_mem_gpa_from(gpa), page, PAGE);
}

int cvmm_x86_write_page_tables(const struct cvmm_mem *mem, uint64_t size)
{
	uint8_t page[PAGE];
	uint64_t dirs;
	int rc;

	if (size == 0 || size > CVMM_X86_IDENTITY_MAP_MAX ||
	    size % CVMM_X86_IDENTITY_MAP_GRANULE != 0)
		return -EINVAL;
	/* One page directory per GiB, the last one maybe partly used. */
	dirs = (size + GIB - 1) / GIB;
	rc = writable(mem, CVMM_X86_PML4_ADDR, (2 + dirs) * PAGE);
	if (rc != 0)
		return rc;

	memset(page, 0, sizeof(page));
	put_le64(page, CVMM_X86_PDPT_ADDR | PTE_PRESENT | PTE_WRITE);
	rc = write_page(mem, CVMM_X86_PML4_ADDR, page);
	if (rc != 0)
		return rc;

	memset(page, 0, sizeof(page));
	for (uint64_t d = 0; d < dirs; d++)
		put_le64(page + 8 * d, (CVMM_X86_PD_ADDR + d * PAGE) |
					   PTE_PRESENT | PTE_WRITE);
	rc = write_page(mem, CVMM_X86_PDPT_ADDR, page);

	for (uint64_t d = 0; rc == 0 && d < dirs; d++) {
		memset(page, 0, sizeof(page));
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t addr =
			    d * GIB + i * CVMM_X86_IDENTITY_MAP_GRANULE;

			if (addr >= size)
				break;
			put_le64(page + 8 * i,
				 addr | PTE_PRESENT | PTE_WRITE | PTE_LARGE);
		}
		rc = write_page(mem, CVMM_X86_PD_ADDR + d * PAGE, page);
	}
	return rc;
}

int cvmm_x86_write_boot_tables(const struct cvmm_mem *mem,
			       enum cvmm_x86_boot_mode mode,
			       uint64_t identity_size)
{
	int rc = cvmm_x86_write_gdt(mem, mode);

	if (rc == 0 && mode == CVMM_X86_BOOT_LINUX64)
		rc = cvmm_x86_write_page_tables(mem, identity_size);
	return rc;
}
