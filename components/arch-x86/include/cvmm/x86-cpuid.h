/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm arch-x86: the guest's CPUID table.
 *
 * A VMM takes the table KVM supports (KVM_GET_SUPPORTED_CPUID, see
 * cvmm_kvm_get_supported_cpuid()), then for each vCPU:
 *   1. copies it (cvmm_x86_cpuid_from_kvm() once, then a struct copy);
 *   2. normalizes it for that vCPU (cvmm_x86_cpuid_normalize()): APIC IDs,
 *      topology consistent with the vCPU count, the hypervisor bit;
 *   3. applies the CPU template, if any (cvmm_x86_template_apply()), which
 *      only ever clears feature bits and so has the last word;
 *   4. hands it to KVM_SET_CPUID2 (cvmm_x86_vcpu_set_cpuid(),
 *      cvmm/x86-vcpu.h, does 1-4 in one call).
 * Everything here is a pure function on the caller's structs: testable
 * without KVM, no allocation, no global state.
 *
 * Lookup rule (KVM's): an entry matches (function, index) if its function
 * matches and, when it has KVM_CPUID_FLAG_SIGNIFCANT_INDEX, its index too;
 * an entry without that flag answers every index of its function.
 */
#ifndef CVMM_X86_CPUID_H
#define CVMM_X86_CPUID_H

#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CVMM_X86_MUST_CHECK __attribute__((warn_unused_result))

/* Entries a table holds: the kernel's own limit for KVM_SET_CPUID2. */
#define CVMM_X86_CPUID_MAX 256u

/*
 * A CPUID table: count entries in entries[]. Plain data (about 10 KiB),
 * owned by whoever declares it; copy it with =.
 */
struct cvmm_x86_cpuid {
	uint32_t count;
	struct kvm_cpuid_entry2 entries[CVMM_X86_CPUID_MAX];
};

/*
 * Copy KVM's table into *out. -E2BIG if it has more than
 * CVMM_X86_CPUID_MAX entries; -EEXIST if two entries answer the same
 * (function, index) (a table KVM would never give). *out is untouched on
 * failure.
 */
CVMM_X86_MUST_CHECK int
cvmm_x86_cpuid_from_kvm(struct cvmm_x86_cpuid *out,
			const struct kvm_cpuid2 *supported);

/* The same from a plain array of n entries. */
CVMM_X86_MUST_CHECK int
cvmm_x86_cpuid_from_entries(struct cvmm_x86_cpuid *out,
			    const struct kvm_cpuid_entry2 *entries, size_t n);

/* The entry answering (function, index), or NULL. Borrowed from c. */
const struct kvm_cpuid_entry2 *
cvmm_x86_cpuid_get(const struct cvmm_x86_cpuid *c, uint32_t function,
		   uint32_t index);

/*
 * Insert *entry, or replace the entry answering the same (function,
 * index). -ENOSPC if the table is full.
 */
CVMM_X86_MUST_CHECK int
cvmm_x86_cpuid_set(struct cvmm_x86_cpuid *c,
		   const struct kvm_cpuid_entry2 *entry);

/* Vendors, from the leaf 0 vendor string. */
enum cvmm_x86_vendor {
	CVMM_X86_VENDOR_OTHER = 0, /* or no leaf 0 */
	CVMM_X86_VENDOR_INTEL,	   /* "GenuineIntel" */
	CVMM_X86_VENDOR_AMD,	   /* "AuthenticAMD" */
	CVMM_X86_VENDOR_HYGON,	   /* "HygonGenuine": AMD's topology leaves */
};

/* The vendor of a table (leaf 0 EBX, EDX, ECX). */
enum cvmm_x86_vendor cvmm_x86_cpuid_vendor(const struct cvmm_x86_cpuid *c);

/*
 * The 12-character vendor string of leaf 0 into out (NUL-terminated);
 * "" without leaf 0.
 */
void cvmm_x86_cpuid_vendor_string(const struct cvmm_x86_cpuid *c, char out[13]);

/* ---- topology and normalization ---- */

/* The most vCPUs the topology describes: xAPIC IDs are 8 bits, 255 is
 * broadcast. */
#define CVMM_X86_MAX_VCPUS 254u

/*
 * The guest's CPU topology: one package of vcpus logical processors,
 * threads_per_core (1 or 2) to a core, so ceil(vcpus / threads_per_core)
 * cores. vCPU i has APIC ID i (cvmm_x86_apic_id()): the SMT bit (when
 * threads_per_core is 2) is the low bit, the core number above it.
 */
struct cvmm_x86_topology {
	uint32_t vcpus;
	uint32_t threads_per_core;
};

/*
 * The APIC ID (initial, and x2APIC) of vCPU cpu_index: the id to create the
 * vCPU with and to list in the MADT. cpu_index itself, by the layout above.
 */
uint32_t cvmm_x86_apic_id(const struct cvmm_x86_topology *topo,
			  uint32_t cpu_index);

/*
 * Normalize c for vCPU cpu_index of topo. Changes, and nothing else:
 *   leaf 0x1        EBX[31:24] initial APIC ID; EBX[23:16] addressable
 *                   logical processors (2^package bits, at most 255);
 *                   EBX[15:8] CLFLUSH size set to 8 (64 bytes) if 0;
 *                   ECX[31] hypervisor set; EDX[28] HTT set iff vcpus > 1;
 *   leaf 0x4        (Intel) each cache: EAX[31:26] cores - 1 and
 *                   EAX[25:14] logical processors sharing it - 1 (a core's
 *                   threads for L1/L2, the package for L3);
 *   leaves 0xB, 0x1F  (each if the maximum basic leaf reaches it) replaced
 *                   by three subleaves: SMT level (shift, threads per core),
 *                   core level (package shift, vcpus), and the invalid
 *                   level ending the list; EDX the x2APIC ID in all three;
 *   leaf 0x80000008 (AMD, Hygon) ECX[7:0] vcpus - 1, ECX[15:12] package
 *                   shift;
 *   leaf 0x8000001D (AMD, Hygon) each cache: EAX[25:14] as for leaf 4;
 *   leaf 0x8000001E (AMD, Hygon, if present) EAX extended APIC ID, EBX core
 *                   id and threads per core - 1, ECX node 0 of 1.
 * Leaf 0 (vendor, maximum leaf) and the KVM leaves from 0x40000000 ("KVM"
 * signature, paravirtual features) pass through untouched.
 * Errors, with c untouched: -EINVAL for a topology with vcpus 0 or above
 * CVMM_X86_MAX_VCPUS, or threads_per_core other than 1 or 2; -ERANGE if
 * cpu_index >= vcpus; -ENODATA if leaf 0 or leaf 1 is missing; -ENOSPC if
 * the rebuilt leaves 0xB/0x1F do not fit the table.
 */
CVMM_X86_MUST_CHECK int
cvmm_x86_cpuid_normalize(struct cvmm_x86_cpuid *c,
			 const struct cvmm_x86_topology *topo,
			 uint32_t cpu_index);

/* ---- features and CPU templates ---- */

enum cvmm_x86_reg {
	CVMM_X86_EAX,
	CVMM_X86_EBX,
	CVMM_X86_ECX,
	CVMM_X86_EDX,
};

/*
 * A CPU feature: its name (Linux's /proc/cpuinfo spelling where it has
 * one), where its bit lives, and the feature it needs (masking that one
 * masks this one too), or NULL.
 */
struct cvmm_x86_feature {
	const char *name;
	uint32_t leaf;
	uint32_t subleaf;
	enum cvmm_x86_reg reg;
	uint8_t bit;
	const char *requires;
};

/* The feature table: count, i-th entry (NULL past the end), lookup by
 * name (exact, case-insensitive; NULL if unknown). Static storage. */
size_t cvmm_x86_feature_count(void);
const struct cvmm_x86_feature *cvmm_x86_feature_at(size_t i);
const struct cvmm_x86_feature *cvmm_x86_feature_find(const char *name);

/* True if c has feature f's bit set (false if the entry is absent). */
bool cvmm_x86_cpuid_has(const struct cvmm_x86_cpuid *c,
			const struct cvmm_x86_feature *f);

/* Words of the template's mask (one bit per feature table entry). */
#define CVMM_X86_TEMPLATE_WORDS 4u

/*
 * A CPU template: a set of features to mask. {0} masks nothing. Plain
 * data; build it with cvmm_x86_template_parse() or _mask().
 */
struct cvmm_x86_template {
	uint64_t mask[CVMM_X86_TEMPLATE_WORDS];
};

/*
 * Add feature name to t, and with it every feature that requires it,
 * transitively (masking "avx" masks "avx2", "fma", every AVX-512 feature,
 * ...; Linux's cpuid dependencies). -ENOENT if name is unknown (t is
 * untouched).
 */
CVMM_X86_MUST_CHECK int cvmm_x86_template_mask(struct cvmm_x86_template *t,
					       const char *name);

/* True if t masks f. */
bool cvmm_x86_template_masks(const struct cvmm_x86_template *t,
			     const struct cvmm_x86_feature *f);

/*
 * Parse a template: a comma-separated list whose items are "no-<feature>"
 * or the name of a named template (below), spaces around items allowed,
 * names case-insensitive. "" and "none" mask nothing. On failure *out is
 * untouched and, if err is not NULL, err (err_size bytes) holds one line
 * naming the culprit:
 *   -ENOENT  "unknown CPU feature 'avx3' in 'no-avx3'" or
 *            "unknown CPU template 'T9' (named templates: T2-like, ...;
 *             features are masked with no-<feature>)";
 *   -EINVAL  an empty item ("no-avx2,,no-x2apic"), or "no-" alone;
 *   -EFAULT  spec is NULL.
 */
CVMM_X86_MUST_CHECK int cvmm_x86_template_parse(const char *spec,
						struct cvmm_x86_template *out,
						char *err, size_t err_size);

/*
 * The named templates: name and one-line description of the i-th (NULL
 * past the end). They are:
 *   T2-like    a Haswell-class guest modeled on Firecracker's T2: no
 *              AVX-512, TSX, MPX, PKU, SHA, SGX, 5-level paging, 1 GiB
 *              pages, nested virtualization, XSAVEC/XSAVES, nor the
 *              Broadwell-and-later additions (RDSEED, ADX, SMAP,
 *              CLFLUSHOPT, CLWB, UMIP, RDPID, GFNI, VAES, VPCLMULQDQ);
 *   no-avx512  every AVX-512 feature;
 *   no-tsx     HLE and RTM;
 *   no-nested  VMX and SVM.
 */
const char *cvmm_x86_template_named_at(size_t i, const char **description);

/*
 * Clear in c the bit of every feature t masks. Entries that are absent
 * stay absent; no other bit changes. Apply after normalization.
 */
void cvmm_x86_template_apply(const struct cvmm_x86_template *t,
			     struct cvmm_x86_cpuid *c);

#endif
