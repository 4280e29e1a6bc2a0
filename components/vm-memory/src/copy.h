/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copies between VMM memory and guest memory (internal). The guest may be
 * writing concurrently, so naturally aligned 1/2/4/8-byte objects are moved
 * with one atomic access (never torn); everything else is a plain copy.
 */
#ifndef CVMM_MEM_COPY_H
#define CVMM_MEM_COPY_H

#include <stddef.h>
#include <stdint.h>

void cvmm_mem__copy_from_guest(uint8_t *dst, const uint8_t *guest, size_t n);
void cvmm_mem__copy_to_guest(uint8_t *guest, const uint8_t *src, size_t n);

#endif
