/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of CPUID tables: copying, lookup, vendor, and normalization
 * for Intel and AMD tables and several topologies, field by field.
 */
#include <cvmm/x86-cpuid.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tables.h"

static struct cvmm_x86_cpuid table;
static struct cvmm_x86_cpuid before;

static const struct kvm_cpuid_entry2 *get(uint32_t function, uint32_t index)
{
	const struct kvm_cpuid_entry2 *e =
	    cvmm_x86_cpuid_get(&table, function, index);

	assert_non_null(e);
	return e;
}

static uint32_t count_of(const struct cvmm_x86_cpuid *c, uint32_t function)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->count; i++)
		n += c->entries[i].function == function;
	return n;
}

static void copy_and_lookup(void **state)
{
	struct kvm_cpuid2 *k;
	struct kvm_cpuid_entry2 e[3];
	struct cvmm_x86_cpuid c;

	(void)state;
	intel_table(&before);
	k = calloc(1, sizeof(*k) + before.count * sizeof(before.entries[0]));
	assert_non_null(k);
	k->nent = before.count;
	memcpy(k->entries, before.entries, before.count * sizeof(e[0]));
	assert_int_equal(cvmm_x86_cpuid_from_kvm(&table, k), 0);
	assert_int_equal(table.count, before.count);
	assert_memory_equal(table.entries, before.entries,
			    before.count * sizeof(e[0]));
	/* Without the significant-index flag, an entry answers any index. */
	assert_int_equal(get(0x1, 5)->eax, 0x000906ea);
	/* With it, only its own. */
	assert_int_equal(get(0x4, 3)->eax, 0x1c03c163);
	assert_null(cvmm_x86_cpuid_get(&table, 0x4, 5));
	assert_null(cvmm_x86_cpuid_get(&table, 0x2, 0));

	/* Refused: too many, and two entries answering the same query. */
	k->nent = CVMM_X86_CPUID_MAX + 1;
	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(cvmm_x86_cpuid_from_kvm(&c, k), -E2BIG);
	assert_int_equal(c.count, 0x5a5a5a5a);
	free(k);
	memset(e, 0, sizeof(e));
	e[0].function = 1;
	e[1].function = 1;
	assert_int_equal(cvmm_x86_cpuid_from_entries(&c, e, 2), -EEXIST);
	e[1].index = 1;
	assert_int_equal(cvmm_x86_cpuid_from_entries(&c, e, 2), -EEXIST);
	e[0].flags = SIG;
	assert_int_equal(cvmm_x86_cpuid_from_entries(&c, e, 2), -EEXIST);
	/* The later entry answers everything the earlier one does. */
	e[0].flags = 0;
	e[1].flags = SIG;
	assert_int_equal(cvmm_x86_cpuid_from_entries(&c, e, 2), -EEXIST);
	e[0].flags = SIG;
	e[1].flags = SIG;
	e[2].function = 1;
	e[2].flags = SIG;
	e[2].index = 1;
	assert_int_equal(cvmm_x86_cpuid_from_entries(&c, e, 3), -EEXIST);
	assert_int_equal(c.count, 0x5a5a5a5a);
	e[2].function = 2;
	assert_int_equal(cvmm_x86_cpuid_from_entries(&c, e, 3), 0);
	assert_int_equal(c.count, 3);
	assert_int_equal(cvmm_x86_cpuid_from_entries(&c, NULL, 0), 0);
	assert_int_equal(c.count, 0);
}

static void set_inserts_or_replaces(void **state)
{
	struct kvm_cpuid_entry2 e;

	(void)state;
	intel_table(&table);
	memset(&e, 0, sizeof(e));
	e.function = 0x4;
	e.index = 2;
	e.flags = SIG;
	e.eax = 0x42;
	assert_int_equal(cvmm_x86_cpuid_set(&table, &e), 0);
	assert_int_equal(get(0x4, 2)->eax, 0x42);
	assert_int_equal(count_of(&table, 0x4), 5);
	e.function = 0x14;
	assert_int_equal(cvmm_x86_cpuid_set(&table, &e), 0);
	assert_int_equal(get(0x14, 2)->eax, 0x42);
	while (table.count < CVMM_X86_CPUID_MAX) {
		e.index++;
		assert_int_equal(cvmm_x86_cpuid_set(&table, &e), 0);
	}
	e.index++;
	assert_int_equal(cvmm_x86_cpuid_set(&table, &e), -ENOSPC);
	/* Replacing still works in a full table. */
	e.index = 2;
	e.eax = 0x43;
	assert_int_equal(cvmm_x86_cpuid_set(&table, &e), 0);
	assert_int_equal(get(0x14, 2)->eax, 0x43);
}

static void vendors(void **state)
{
	struct kvm_cpuid_entry2 *leaf0;
	char s[13];

	(void)state;
	intel_table(&table);
	assert_int_equal(cvmm_x86_cpuid_vendor(&table), CVMM_X86_VENDOR_INTEL);
	cvmm_x86_cpuid_vendor_string(&table, s);
	assert_string_equal(s, "GenuineIntel");
	amd_table(&table);
	assert_int_equal(cvmm_x86_cpuid_vendor(&table), CVMM_X86_VENDOR_AMD);
	cvmm_x86_cpuid_vendor_string(&table, s);
	assert_string_equal(s, "AuthenticAMD");
	leaf0 = &table.entries[0];
	/* "HygonGenuine" */
	leaf0->ebx = 0x6f677948;
	leaf0->edx = 0x6e65476e;
	leaf0->ecx = 0x656e6975;
	assert_int_equal(cvmm_x86_cpuid_vendor(&table), CVMM_X86_VENDOR_HYGON);
	leaf0->ebx = 0x4b4d564b;
	assert_int_equal(cvmm_x86_cpuid_vendor(&table), CVMM_X86_VENDOR_OTHER);
	table.entries[0].function = 0x2;
	assert_int_equal(cvmm_x86_cpuid_vendor(&table), CVMM_X86_VENDOR_OTHER);
	cvmm_x86_cpuid_vendor_string(&table, s);
	assert_string_equal(s, "");
}

/* The topology leaf's three subleaves, as normalization writes them. */
static void expect_topology(uint32_t leaf, uint32_t smt_shift, uint32_t threads,
			    uint32_t package_shift, uint32_t vcpus,
			    uint32_t apic)
{
	const struct kvm_cpuid_entry2 *e;

	assert_int_equal(count_of(&table, leaf), 3);
	e = get(leaf, 0);
	assert_int_equal(e->flags, SIG);
	assert_int_equal(e->eax, smt_shift);
	assert_int_equal(e->ebx, threads);
	assert_int_equal(e->ecx, 0x100);
	assert_int_equal(e->edx, apic);
	e = get(leaf, 1);
	assert_int_equal(e->eax, package_shift);
	assert_int_equal(e->ebx, vcpus);
	assert_int_equal(e->ecx, 0x201);
	assert_int_equal(e->edx, apic);
	e = get(leaf, 2);
	assert_int_equal(e->eax, 0);
	assert_int_equal(e->ebx, 0);
	assert_int_equal(e->ecx, 2);
	assert_int_equal(e->edx, apic);
}

/* What normalization must not touch. */
static void expect_passed_through(void)
{
	const uint32_t same[] = {0x0,	     0x6,	 0x7,
				 0xd,	     0x40000000, 0x40000001,
				 0x80000000, 0x80000001, 0x80000007};

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		for (uint32_t k = 0; k < before.count; k++) {
			const struct kvm_cpuid_entry2 *b = &before.entries[k];

			if (b->function != same[i])
				continue;
			assert_memory_equal(get(b->function, b->index), b,
					    sizeof(*b));
		}
	}
}

static void intel_single_vcpu(void **state)
{
	const struct cvmm_x86_topology topo = {1, 1};
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	intel_table(&table);
	before = table;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &topo, 0), 0);
	e = get(0x1, 0);
	assert_int_equal(e->eax, before.entries[1].eax);
	/* Brand index kept, CLFLUSH kept, one logical CPU, APIC ID 0. */
	assert_int_equal(e->ebx, 0x00010800);
	assert_int_equal(e->ecx, 0x7ffafbff | 0x80000000);
	assert_int_equal(e->edx, 0xbfebfbff & ~(1u << 28));
	/* Caches: nothing shared, one core. */
	assert_int_equal(get(0x4, 0)->eax, 0x121);
	assert_int_equal(get(0x4, 1)->eax, 0x122);
	assert_int_equal(get(0x4, 2)->eax, 0x143);
	assert_int_equal(get(0x4, 3)->eax, 0x163);
	assert_int_equal(get(0x4, 3)->edx, 6);
	assert_int_equal(get(0x4, 4)->eax, 0);
	expect_topology(0xb, 0, 1, 0, 1, 0);
	expect_topology(0x1f, 0, 1, 0, 1, 0);
	/* 0xB had three subleaves, 0x1F two: one entry more. */
	assert_int_equal(table.count, before.count + 1);
	/* Intel's 0x80000008 ECX is reserved: untouched. */
	assert_memory_equal(get(0x80000008, 0),
			    cvmm_x86_cpuid_get(&before, 0x80000008, 0),
			    sizeof(struct kvm_cpuid_entry2));
	expect_passed_through();
}

static void intel_smt_vcpu(void **state)
{
	const struct cvmm_x86_topology topo = {8, 2};
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	intel_table(&table);
	before = table;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &topo, 5), 0);
	e = get(0x1, 0);
	/* APIC ID 5, 8 addressable IDs, HTT. */
	assert_int_equal(e->ebx, 0x05080800);
	assert_true((e->edx & (1u << 28)) != 0);
	/* L1/L2 shared by a core's 2 threads, L3 by all 8; 4 cores. */
	assert_int_equal(get(0x4, 0)->eax, 3u << 26 | 1u << 14 | 0x121);
	assert_int_equal(get(0x4, 2)->eax, 3u << 26 | 1u << 14 | 0x143);
	assert_int_equal(get(0x4, 3)->eax, 3u << 26 | 7u << 14 | 0x163);
	expect_topology(0xb, 1, 2, 3, 8, 5);
	expect_topology(0x1f, 1, 2, 3, 8, 5);
	expect_passed_through();
}

static void odd_counts_round_up(void **state)
{
	const struct cvmm_x86_topology five = {5, 2};
	const struct cvmm_x86_topology three = {3, 1};
	const struct cvmm_x86_topology most = {CVMM_X86_MAX_VCPUS, 1};

	(void)state;
	/* 5 threads in 3 cores: 2 bits of core, 1 of thread. */
	intel_table(&table);
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &five, 4), 0);
	assert_int_equal(get(0x1, 0)->ebx >> 16, 0x0408);
	expect_topology(0xb, 1, 2, 3, 5, 4);
	assert_int_equal(get(0x4, 0)->eax >> 26, 3);
	intel_table(&table);
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &three, 2), 0);
	assert_int_equal(get(0x1, 0)->ebx >> 16, 0x0204);
	expect_topology(0xb, 0, 1, 2, 3, 2);
	/* A CLFLUSH size of 0 becomes 64 bytes. */
	intel_table(&table);
	table.entries[1].ebx = 0;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &three, 0), 0);
	assert_int_equal(get(0x1, 0)->ebx, 0x00040800);
	/* 254: 256 addressable IDs do not fit 8 bits; 63 cores at most. */
	intel_table(&table);
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &most, 253), 0);
	assert_int_equal(get(0x1, 0)->ebx >> 16, 0xfdff);
	assert_int_equal(get(0x4, 3)->eax >> 26, 63);
	assert_int_equal((get(0x4, 3)->eax >> 14) & 0xfff, 255);
	expect_topology(0xb, 0, 1, 8, 254, 253);
	assert_int_equal(cvmm_x86_apic_id(&most, 253), 253);
}

static void amd_vcpus(void **state)
{
	const struct cvmm_x86_topology topo = {4, 1};
	const struct cvmm_x86_topology smt = {4, 2};
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	amd_table(&table);
	before = table;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &topo, 3), 0);
	assert_int_equal(get(0x1, 0)->ebx, 0x03040800);
	/* NC = 3, ApicIdSize = 2, PerfTscSize kept. */
	assert_int_equal(get(0x80000008, 0)->ecx, 0x00032003);
	/* L1/L2: one thread; L3 (level 3): the package. */
	assert_int_equal(get(0x8000001d, 0)->eax, 0x121);
	assert_int_equal(get(0x8000001d, 2)->eax, 0x143);
	assert_int_equal(get(0x8000001d, 3)->eax, 0x4163 | 3u << 14);
	assert_int_equal(get(0x8000001d, 4)->eax, 0);
	e = get(0x8000001e, 0);
	assert_int_equal(e->eax, 3);
	assert_int_equal(e->ebx, 3);
	assert_int_equal(e->ecx, 0);
	/* Leaf 4 is Intel's: untouched; 0xB rebuilt; no 0x1F (max 0xd). */
	assert_memory_equal(get(0x4, 0), cvmm_x86_cpuid_get(&before, 0x4, 0),
			    sizeof(*e));
	expect_topology(0xb, 0, 1, 2, 4, 3);
	assert_int_equal(count_of(&table, 0x1f), 0);
	expect_passed_through();

	amd_table(&table);
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &smt, 3), 0);
	e = get(0x8000001e, 0);
	assert_int_equal(e->eax, 3);
	assert_int_equal(e->ebx, 1u << 8 | 1u);
	assert_int_equal(get(0x8000001d, 0)->eax, 0x121 | 1u << 14);

	/* Hygon takes the AMD path; a table without the AMD leaves is
	 * fine. */
	amd_table(&table);
	table.entries[0].ebx = 0x6f677948;
	table.entries[0].edx = 0x6e65476e;
	table.entries[0].ecx = 0x656e6975;
	table.count -= 6; /* drop 0x8000001d and 0x8000001e */
	table.entries[10].function = 0x80000009; /* and 0x80000008 */
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &topo, 1), 0);
	assert_int_equal(get(0x1, 0)->ebx >> 24, 1);
}

static void other_vendor_and_old_cpus(void **state)
{
	const struct cvmm_x86_topology topo = {2, 1};

	(void)state;
	/* Unknown vendor: leaf 4 and the AMD leaves are left alone. */
	intel_table(&table);
	table.entries[0].ebx = 0;
	before = table;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &topo, 1), 0);
	assert_int_equal(get(0x4, 0)->eax, 0x1c004121);
	expect_topology(0xb, 0, 1, 1, 2, 1);
	/* A maximum basic leaf below 0xB: no topology leaves at all. */
	intel_table(&table);
	table.entries[0].eax = 0xa;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &topo, 0), 0);
	assert_int_equal(count_of(&table, 0xb), 3);
	assert_int_equal(get(0xb, 1)->ebx, 16); /* the host's, kept */
	assert_int_equal(get(0x1, 0)->ebx >> 24, 0);
}

static void refusals_change_nothing(void **state)
{
	const struct cvmm_x86_topology ok = {2, 1};
	const struct cvmm_x86_topology bad[] = {
	    {0, 1}, {CVMM_X86_MAX_VCPUS + 1, 1}, {2, 0}, {2, 3}};

	(void)state;
	intel_table(&table);
	before = table;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cvmm_x86_cpuid_normalize(&table, &bad[i], 0),
				 -EINVAL);
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &ok, 2), -ERANGE);
	assert_memory_equal(&table, &before, sizeof(table));

	table.entries[1].function = 0x2; /* no leaf 1 */
	before = table;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &ok, 0), -ENODATA);
	assert_memory_equal(&table, &before, sizeof(table));
	intel_table(&table);
	table.entries[0].function = 0x2; /* no leaf 0 */
	before = table;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &ok, 0), -ENODATA);
	assert_memory_equal(&table, &before, sizeof(table));

	/* A full table without room for the rebuilt 0xB and 0x1F. */
	intel_table(&table);
	while (table.count < CVMM_X86_CPUID_MAX)
		add(&table, 0x14, table.count, SIG, 0, 0, 0, 0);
	before = table;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &ok, 0), -ENOSPC);
	assert_memory_equal(&table, &before, sizeof(table));
	/* Exactly full after rebuilding is fine. */
	table.count--;
	assert_int_equal(cvmm_x86_cpuid_normalize(&table, &ok, 0), 0);
	assert_int_equal(table.count, CVMM_X86_CPUID_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(copy_and_lookup),
	    cmocka_unit_test(set_inserts_or_replaces),
	    cmocka_unit_test(vendors),
	    cmocka_unit_test(intel_single_vcpu),
	    cmocka_unit_test(intel_smt_vcpu),
	    cmocka_unit_test(odd_counts_round_up),
	    cmocka_unit_test(amd_vcpus),
	    cmocka_unit_test(other_vendor_and_old_cpus),
	    cmocka_unit_test(refusals_change_nothing),
	};

	return cmocka_run_group_tests_name("arch-x86 CPUID", tests, NULL, NULL);
}
