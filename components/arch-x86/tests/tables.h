/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CPUID tables for the unit tests, shaped like what KVM_GET_SUPPORTED_CPUID
 * returns on an Intel and on an AMD host (the AMD one is the table of the
 * machine these tests were written on).
 */
#ifndef CVMM_X86_TEST_TABLES_H
#define CVMM_X86_TEST_TABLES_H

#include <cvmm/x86-cpuid.h>

#include <string.h>

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

static inline void add(struct cvmm_x86_cpuid *c, uint32_t function,
		       uint32_t index, uint32_t flags, uint32_t eax,
		       uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	struct kvm_cpuid_entry2 *e = &c->entries[c->count++];

	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = flags;
	e->eax = eax;
	e->ebx = ebx;
	e->ecx = ecx;
	e->edx = edx;
}

/* "GenuineIntel", maximum basic leaf 0x1f. */
static inline void intel_table(struct cvmm_x86_cpuid *c)
{
	memset(c, 0, sizeof(*c));
	add(c, 0x0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69);
	add(c, 0x1, 0, 0, 0x000906ea, 0x12010800, 0x7ffafbff, 0xbfebfbff);
	add(c, 0x4, 0, SIG, 0x1c004121, 0x01c0003f, 0x3f, 0);
	add(c, 0x4, 1, SIG, 0x1c004122, 0x01c0003f, 0x3f, 0);
	add(c, 0x4, 2, SIG, 0x1c004143, 0x00c0003f, 0x3ff, 0);
	add(c, 0x4, 3, SIG, 0x1c03c163, 0x03c0003f, 0x3fff, 6);
	add(c, 0x4, 4, SIG, 0, 0, 0, 0);
	add(c, 0x6, 0, 0, 0x4, 0, 0, 0);
	add(c, 0x7, 0, SIG, 1, 0xf19f4fbb, 0x40405f4e, 0xbc000410);
	add(c, 0x7, 1, SIG, 0x30, 0, 0, 0);
	add(c, 0xb, 0, SIG, 1, 2, 0x100, 7);
	add(c, 0xb, 1, SIG, 4, 16, 0x201, 7);
	add(c, 0xb, 2, SIG, 0, 0, 2, 7);
	add(c, 0xd, 0, SIG, 0x2e7, 0xa88, 0xa88, 0);
	add(c, 0xd, 1, SIG, 0xf, 0, 0, 0);
	add(c, 0x1f, 0, SIG, 1, 2, 0x100, 7);
	add(c, 0x1f, 1, SIG, 4, 16, 0x201, 7);
	add(c, 0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
	add(c, 0x40000001, 0, 0, 0x01007afb, 0, 0, 0);
	add(c, 0x80000000, 0, 0, 0x80000008, 0, 0, 0);
	add(c, 0x80000001, 0, 0, 0, 0, 0x121, 0x2c100800);
	add(c, 0x80000007, 0, 0, 0, 0, 0, 0x100);
	add(c, 0x80000008, 0, 0, 0x3027, 0x200, 0, 0);
}

/* "AuthenticAMD", maximum basic leaf 0xd, topology extensions. */
static inline void amd_table(struct cvmm_x86_cpuid *c)
{
	memset(c, 0, sizeof(*c));
	add(c, 0x0, 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65);
	add(c, 0x1, 0, 0, 0x00800f12, 0x01020800, 0x81202000, 0x078bfbff);
	add(c, 0x4, 0, SIG, 0, 0, 0, 0);
	add(c, 0x7, 0, SIG, 0, 0x00800002, 0, 0x20000000);
	add(c, 0xb, 0, SIG, 0, 0, 0, 1);
	add(c, 0xd, 0, SIG, 7, 0x340, 0x340, 0);
	add(c, 0xd, 1, SIG, 0, 0, 0, 0);
	add(c, 0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
	add(c, 0x80000000, 0, 0, 0x80000021, 0x68747541, 0x444d4163,
	    0x69746e65);
	add(c, 0x80000001, 0, 0, 0x00800f12, 0x40000000, 0x00400393,
	    0x23d3fbff);
	add(c, 0x80000008, 0, 0, 0x3030, 0x02001005, 0x00037001, 0);
	add(c, 0x8000001d, 0, SIG, 0x121, 0x01c0003f, 0x3f, 0);
	add(c, 0x8000001d, 1, SIG, 0x122, 0x00c0003f, 0xff, 0);
	add(c, 0x8000001d, 2, SIG, 0x143, 0x01c0003f, 0x3ff, 2);
	add(c, 0x8000001d, 3, SIG, 0x4163, 0x03c0003f, 0x1fff, 1);
	add(c, 0x8000001d, 4, SIG, 0, 0, 0, 0);
	add(c, 0x8000001e, 0, 0, 0, 0, 0, 0);
}

#endif
