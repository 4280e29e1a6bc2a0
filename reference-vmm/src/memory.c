/* SPDX-License-Identifier: Apache-2.0 */
#include "memory.h"

#include <string.h>

static int e820(struct rvmm_memory *m, struct rvmm_err *e)
{
	struct cvmm_ll_error le;
	struct {
		uint64_t addr, size;
		uint32_t type;
	} map[4] = {
	    {0, RVMM_LEGACY_START, CVMM_LL_E820_RAM},
	    {RVMM_BIOS_START, RVMM_HIMEM_START - RVMM_BIOS_START,
	     CVMM_LL_E820_RESERVED},
	    {RVMM_HIMEM_START, m->low_end - RVMM_HIMEM_START, CVMM_LL_E820_RAM},
	    {RVMM_HIGH_START, m->high_size, CVMM_LL_E820_RAM},
	};

	memset(&m->e820, 0, sizeof(m->e820));
	for (size_t i = 0; i < 4; i++) {
		int rc;

		if (map[i].size == 0)
			continue;
		rc = cvmm_ll_e820_add(&m->e820, map[i].addr, map[i].size,
				      map[i].type, &le);
		if (rc)
			return rvmm_fail(e, rc, "e820: %s", le.msg);
	}
	return 0;
}

int rvmm_memory_create(uint32_t mem_mib, struct rvmm_memory *m,
		       struct rvmm_err *e)
{
	uint64_t total = (uint64_t)mem_mib << 20;
	struct cvmm_mem_range ranges[2];
	size_t n = 1;
	int rc;

	memset(m, 0, sizeof(*m));
	m->low_end = total < RVMM_MMIO_START ? total : RVMM_MMIO_START;
	m->high_size = total - m->low_end;
	ranges[0] =
	    (struct cvmm_mem_range){cvmm_mem_gpa_from(0), m->low_end, 0};
	if (m->high_size)
		ranges[n++] = (struct cvmm_mem_range){
		    cvmm_mem_gpa_from(RVMM_HIGH_START), m->high_size, 0};
	rc = e820(m, e);
	if (rc)
		return rc;
	rc = cvmm_mem_mmap_create(ranges, n, &m->mm);
	if (rc)
		return rvmm_fail(e, rc, "guest memory: mapping %u MiB: %s",
				 mem_mib, strerror(-rc));
	m->mem = cvmm_mem_mmap_iface(m->mm);
	return 0;
}

void rvmm_memory_destroy(struct rvmm_memory *m)
{
	cvmm_mem_mmap_destroy(m->mm);
	m->mm = NULL;
}
