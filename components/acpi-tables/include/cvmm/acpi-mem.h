/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Write the ACPI tables of cvmm/acpi.h straight into guest memory through
 * the vm-memory interface (struct cvmm_mem), for VMMs that do not need the
 * bytes themselves.
 *
 * Ownership. mem and cfg are borrowed for the call. A temporary buffer is
 * allocated and freed inside the call; nothing is kept.
 */
#ifndef CVMM_ACPI_MEM_H
#define CVMM_ACPI_MEM_H

#include <cvmm/acpi.h>
#include <cvmm/mem.h>

/*
 * Build the tables for *cfg and write them at guest address cfg->base, all
 * or nothing. max is the room reserved for them there (from base).
 * Errors: those of cvmm_acpi_build(); -ENOSPC if the tables need more than
 * max bytes; -ENOMEM; and any error of cvmm_mem_write() (-EFAULT if the
 * range is not guest memory, -EACCES if it is read-only, ...), in which case
 * guest memory is unchanged.
 */
CVMM_ACPI_MUST_CHECK int cvmm_acpi_write(const struct cvmm_mem *mem,
					 const struct cvmm_acpi_config *cfg,
					 size_t max);

#endif
