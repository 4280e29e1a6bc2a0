/* SPDX-License-Identifier: Apache-2.0 */
/* CPUID tables: copying, lookup, vendor, and per-vCPU normalization. */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/x86-cpuid.h>

#include <errno.h>
#include <string.h>

#include "internal.h"

/* Leaves and bits normalization touches. */
#define LEAF_VENDOR	     0x0u
#define LEAF_FEATURES	     0x1u
#define LEAF_CACHE	     0x4u
#define LEAF_TOPOLOGY	     0xbu
#define LEAF_TOPOLOGY_V2     0x1fu
#define LEAF_EXT_SIZES	     0x80000008u
#define LEAF_EXT_CACHE	     0x8000001du
#define LEAF_EXT_APIC	     0x8000001eu
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define LEAF1_EDX_HTT	     (1u << 28)
#define CLFLUSH_64_BYTES     8u
/* Topology level types of leaves 0xB and 0x1F. */
#define LEVEL_INVALID	   0u
#define LEVEL_SMT	   1u
#define LEVEL_CORE	   2u
#define TOPOLOGY_SUBLEAVES 3u

static bool matches(const struct kvm_cpuid_entry2 *e, uint32_t function,
		    uint32_t index)
{
	if (e->function != function)
		return false;
	return (e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) == 0 ||
	       e->index == index;
}

/* Index of the entry answering (function, index) in e[0..n), or -1. */
static int find(const struct kvm_cpuid_entry2 *e, uint32_t n, uint32_t function,
		uint32_t index)
{
	for (uint32_t i = 0; i < n; i++) {
		if (matches(&e[i], function, index))
			return (int)i;
	}
	return -1;
}

struct kvm_cpuid_entry2 *cvmm_x86__cpuid_find(struct cvmm_x86_cpuid *c,
					      uint32_t function, uint32_t index)
{
	int i = find(c->entries, c->count, function, index);

	return i < 0 ? NULL : &c->entries[i];
}

const struct kvm_cpuid_entry2 *
cvmm_x86_cpuid_get(const struct cvmm_x86_cpuid *c, uint32_t function,
		   uint32_t index)
{
	int i = find(c->entries, c->count, function, index);

	return i < 0 ? NULL : &c->entries[i];
}

int cvmm_x86_cpuid_from_entries(struct cvmm_x86_cpuid *out,
				const struct kvm_cpuid_entry2 *entries,
				size_t n)
{
	if (n > CVMM_X86_CPUID_MAX)
		return -E2BIG;
	/* Two entries answering one (function, index) make lookups lie. */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			if (matches(&entries[j], entries[i].function,
				    entries[i].index) ||
			    matches(&entries[i], entries[j].function,
				    entries[j].index))
				return -EEXIST;
		}
	}
	out->count = (uint32_t)n;
	if (n > 0)
		memcpy(out->entries, entries, n * sizeof(*entries));
	return 0;
}

int cvmm_x86_cpuid_from_kvm(struct cvmm_x86_cpuid *out,
			    const struct kvm_cpuid2 *supported)
{
	return cvmm_x86_cpuid_from_entries(out, supported->entries,
					   supported->nent);
}

int cvmm_x86_cpuid_set(struct cvmm_x86_cpuid *c,
		       const struct kvm_cpuid_entry2 *entry)
{
	struct kvm_cpuid_entry2 *e =
	    cvmm_x86__cpuid_find(c, entry->function, entry->index);

	if (e == NULL) {
		if (c->count == CVMM_X86_CPUID_MAX)
			return -ENOSPC;
		e = &c->entries[c->count++];
	}
	*e = *entry;
	return 0;
}

enum cvmm_x86_vendor cvmm_x86_cpuid_vendor(const struct cvmm_x86_cpuid *c)
{
	char s[13];

	cvmm_x86_cpuid_vendor_string(c, s);
	if (strcmp(s, "GenuineIntel") == 0)
		return CVMM_X86_VENDOR_INTEL;
	if (strcmp(s, "AuthenticAMD") == 0)
		return CVMM_X86_VENDOR_AMD;
	if (strcmp(s, "HygonGenuine") == 0)
		return CVMM_X86_VENDOR_HYGON;
	return CVMM_X86_VENDOR_OTHER;
}

static void put_le32(char *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (char)(uint8_t)(v >> (8 * i));
}

void cvmm_x86_cpuid_vendor_string(const struct cvmm_x86_cpuid *c, char out[13])
{
	const struct kvm_cpuid_entry2 *e =
	    cvmm_x86_cpuid_get(c, LEAF_VENDOR, 0);

	out[0] = '\0';
	if (e == NULL)
		return;
	/* The string is EBX, EDX, ECX, four characters each. */
	put_le32(out, e->ebx);
	put_le32(out + 4, e->edx);
	put_le32(out + 8, e->ecx);
	out[12] = '\0';
}

/* ---- topology ---- */

uint32_t cvmm_x86_apic_id(const struct cvmm_x86_topology *topo,
			  uint32_t cpu_index)
{
	/*
	 * SMT bit lowest, core number above it: with every core full but
	 * maybe the last, that is the vCPU index itself.
	 */
	(void)topo;
	return cpu_index;
}

/* The smallest s with 2^s >= n (n >= 1). */
static uint32_t order(uint32_t n)
{
	uint32_t s = 0;

	while ((1u << s) < n)
		s++;
	return s;
}

/* Derived figures of a topology. */
struct shape {
	uint32_t vcpus;
	uint32_t threads;
	uint32_t smt_shift;	/* bits of the APIC ID for the thread */
	uint32_t core_shift;	/* bits for the core */
	uint32_t package_shift; /* both: where the package ID starts */
	uint32_t apic_id;
	uint32_t core_id;
};

static int shape_of(const struct cvmm_x86_topology *topo, uint32_t cpu_index,
		    struct shape *s)
{
	uint32_t cores;

	if (topo->vcpus == 0 || topo->vcpus > CVMM_X86_MAX_VCPUS ||
	    (topo->threads_per_core != 1 && topo->threads_per_core != 2))
		return -EINVAL;
	if (cpu_index >= topo->vcpus)
		return -ERANGE;
	s->vcpus = topo->vcpus;
	s->threads = topo->threads_per_core;
	cores = (topo->vcpus + s->threads - 1) / s->threads;
	s->smt_shift = order(s->threads);
	s->core_shift = order(cores);
	s->package_shift = s->smt_shift + s->core_shift;
	s->apic_id = cvmm_x86_apic_id(topo, cpu_index);
	s->core_id = cpu_index / s->threads;
	return 0;
}

static uint32_t count_function(const struct cvmm_x86_cpuid *c,
			       uint32_t function)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->count; i++)
		n += c->entries[i].function == function ? 1u : 0u;
	return n;
}

/* Logical processors sharing a cache of this level, minus one. */
static uint32_t sharing_minus_one(const struct shape *s, uint32_t level)
{
	return level <= 2 ? s->threads - 1 : (1u << s->package_shift) - 1;
}

#define CACHE_TYPE(eax)	 ((eax)&0x1fu)
#define CACHE_LEVEL(eax) (((eax) >> 5) & 0x7u)
#define SHARING_MASK	 (0xfffu << 14)
#define CORES_MASK	 (0x3fu << 26)

static void leaf1(struct kvm_cpuid_entry2 *e, const struct shape *s)
{
	uint32_t clflush = (e->ebx >> 8) & 0xffu;
	uint32_t logical = 1u << s->package_shift;

	if (clflush == 0)
		clflush = CLFLUSH_64_BYTES;
	if (logical > 0xffu)
		logical = 0xffu;
	e->ebx = (e->ebx & 0xffu) | clflush << 8 | logical << 16 |
		 (s->apic_id & 0xffu) << 24;
	e->ecx |= LEAF1_ECX_HYPERVISOR;
	if (s->vcpus > 1)
		e->edx |= LEAF1_EDX_HTT;
	else
		e->edx &= ~LEAF1_EDX_HTT;
}

/* Intel's deterministic cache parameters. */
static void leaf4(struct cvmm_x86_cpuid *c, const struct shape *s)
{
	uint32_t cores = (1u << s->core_shift) - 1;

	if (cores > 0x3fu)
		cores = 0x3fu;
	for (uint32_t i = 0; i < c->count; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != LEAF_CACHE || CACHE_TYPE(e->eax) == 0)
			continue;
		e->eax = (e->eax & ~(SHARING_MASK | CORES_MASK)) |
			 sharing_minus_one(s, CACHE_LEVEL(e->eax)) << 14 |
			 cores << 26;
	}
}

/* AMD's cache topology: the same sharing field as leaf 4. */
static void leaf_8000001d(struct cvmm_x86_cpuid *c, const struct shape *s)
{
	for (uint32_t i = 0; i < c->count; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != LEAF_EXT_CACHE || CACHE_TYPE(e->eax) == 0)
			continue;
		e->eax = (e->eax & ~SHARING_MASK) |
			 sharing_minus_one(s, CACHE_LEVEL(e->eax)) << 14;
	}
}

/* Replace every subleaf of leaf with the three of our topology. */
static void rebuild_topology(struct cvmm_x86_cpuid *c, uint32_t leaf,
			     const struct shape *s)
{
	struct kvm_cpuid_entry2 level[TOPOLOGY_SUBLEAVES];
	uint32_t kept = 0;

	for (uint32_t i = 0; i < c->count; i++) {
		if (c->entries[i].function != leaf)
			c->entries[kept++] = c->entries[i];
	}
	c->count = kept;
	memset(level, 0, sizeof(level));
	for (uint32_t i = 0; i < TOPOLOGY_SUBLEAVES; i++) {
		level[i].function = leaf;
		level[i].index = i;
		level[i].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		level[i].ecx = i;
		level[i].edx = s->apic_id;
	}
	level[0].eax = s->smt_shift;
	level[0].ebx = s->threads;
	level[0].ecx |= LEVEL_SMT << 8;
	level[1].eax = s->package_shift;
	level[1].ebx = s->vcpus;
	level[1].ecx |= LEVEL_CORE << 8;
	level[2].ecx |= LEVEL_INVALID << 8;
	/* The caller made room. */
	memcpy(&c->entries[c->count], level, sizeof(level));
	c->count += TOPOLOGY_SUBLEAVES;
}

static void amd_leaves(struct cvmm_x86_cpuid *c, const struct shape *s)
{
	struct kvm_cpuid_entry2 *e;

	e = cvmm_x86__cpuid_find(c, LEAF_EXT_SIZES, 0);
	if (e != NULL)
		e->ecx = (e->ecx & ~0xf0ffu) | (s->package_shift & 0xfu) << 12 |
			 ((s->vcpus - 1) & 0xffu);
	leaf_8000001d(c, s);
	e = cvmm_x86__cpuid_find(c, LEAF_EXT_APIC, 0);
	if (e != NULL) {
		e->eax = s->apic_id;
		e->ebx = (e->ebx & ~0xffffu) | (s->core_id & 0xffu) |
			 (s->threads - 1) << 8;
		/* Node 0 of one node per processor. */
		e->ecx &= ~0x7ffu;
	}
}

int cvmm_x86_cpuid_normalize(struct cvmm_x86_cpuid *c,
			     const struct cvmm_x86_topology *topo,
			     uint32_t cpu_index)
{
	const struct kvm_cpuid_entry2 *vendor;
	struct kvm_cpuid_entry2 *features;
	enum cvmm_x86_vendor v;
	struct shape s;
	uint32_t max_basic;
	uint32_t count;
	bool v1;
	bool v2;
	int rc = shape_of(topo, cpu_index, &s);

	if (rc != 0)
		return rc;
	vendor = cvmm_x86_cpuid_get(c, LEAF_VENDOR, 0);
	features = cvmm_x86__cpuid_find(c, LEAF_FEATURES, 0);
	if (vendor == NULL || features == NULL)
		return -ENODATA;
	max_basic = vendor->eax;
	v = cvmm_x86_cpuid_vendor(c);
	v1 = max_basic >= LEAF_TOPOLOGY;
	v2 = max_basic >= LEAF_TOPOLOGY_V2;

	/* Make sure the rebuilt topology leaves fit before changing a bit. */
	count = c->count;
	if (v1)
		count = count - count_function(c, LEAF_TOPOLOGY) +
			TOPOLOGY_SUBLEAVES;
	if (v2)
		count = count - count_function(c, LEAF_TOPOLOGY_V2) +
			TOPOLOGY_SUBLEAVES;
	if (count > CVMM_X86_CPUID_MAX)
		return -ENOSPC;

	leaf1(features, &s);
	if (v == CVMM_X86_VENDOR_INTEL)
		leaf4(c, &s);
	if (v == CVMM_X86_VENDOR_AMD || v == CVMM_X86_VENDOR_HYGON)
		amd_leaves(c, &s);
	/* Last: rebuilding moves entries (features is stale after it). */
	if (v1)
		rebuild_topology(c, LEAF_TOPOLOGY, &s);
	if (v2)
		rebuild_topology(c, LEAF_TOPOLOGY_V2, &s);
	return 0;
}
