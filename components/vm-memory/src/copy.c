/* SPDX-License-Identifier: Apache-2.0 */
#include "copy.h"

#include <string.h>

static int is_aligned(const uint8_t *p, size_t n)
{
	return ((uintptr_t)p & (n - 1)) == 0;
}

void cvmm_mem__copy_from_guest(uint8_t *dst, const uint8_t *guest, size_t n)
{
	if ((n == 2 || n == 4 || n == 8) && is_aligned(guest, n)) {
		if (n == 2) {
			uint16_t v = __atomic_load_n(
			    (const uint16_t *)(const void *)guest,
			    __ATOMIC_RELAXED);
			memcpy(dst, &v, n);
		} else if (n == 4) {
			uint32_t v = __atomic_load_n(
			    (const uint32_t *)(const void *)guest,
			    __ATOMIC_RELAXED);
			memcpy(dst, &v, n);
		} else {
			uint64_t v = __atomic_load_n(
			    (const uint64_t *)(const void *)guest,
			    __ATOMIC_RELAXED);
			memcpy(dst, &v, n);
		}
		return;
	}
	if (n == 1) {
		*dst = __atomic_load_n(guest, __ATOMIC_RELAXED);
		return;
	}
	memcpy(dst, guest, n);
}

void cvmm_mem__copy_to_guest(uint8_t *guest, const uint8_t *src, size_t n)
{
	if ((n == 2 || n == 4 || n == 8) && is_aligned(guest, n)) {
		if (n == 2) {
			uint16_t v;
			memcpy(&v, src, n);
			__atomic_store_n((uint16_t *)(void *)guest, v,
					 __ATOMIC_RELAXED);
		} else if (n == 4) {
			uint32_t v;
			memcpy(&v, src, n);
			__atomic_store_n((uint32_t *)(void *)guest, v,
					 __ATOMIC_RELAXED);
		} else {
			uint64_t v;
			memcpy(&v, src, n);
			__atomic_store_n((uint64_t *)(void *)guest, v,
					 __ATOMIC_RELAXED);
		}
		return;
	}
	if (n == 1) {
		__atomic_store_n(guest, *src, __ATOMIC_RELAXED);
		return;
	}
	memcpy(guest, src, n);
}
