/* SPDX-License-Identifier: Apache-2.0 */
/* The tables written into guest memory (cvmm/acpi-mem.h). */
#include "internal.h"

#include <cvmm/acpi-mem.h>

#include <errno.h>
#include <stdlib.h>

int cvmm_acpi_write(const struct cvmm_mem *mem,
		    const struct cvmm_acpi_config *cfg, size_t max)
{
	struct cvmm_acpi_layout l;
	uint8_t *buf;
	int rc;

	if (mem == NULL)
		return -EINVAL;
	rc = cvmm_acpi_layout(cfg, &l);
	if (rc)
		return rc;
	if (l.total > max)
		return -ENOSPC;
	buf = malloc(l.total);
	if (buf == NULL)
		return -ENOMEM;
	/* One write: guest memory gets all the tables or none of them. */
	cvmm_acpi__emit(cfg, &l, buf);
	rc = cvmm_mem_write(mem, cvmm_mem_gpa_from(cfg->base), buf, l.total);
	free(buf);
	return rc;
}
