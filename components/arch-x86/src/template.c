/* SPDX-License-Identifier: Apache-2.0 */
/* The CPU feature table and CPU templates that mask features by name. */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/x86-cpuid.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define A CVMM_X86_EAX
#define B CVMM_X86_EBX
#define C CVMM_X86_ECX
#define D CVMM_X86_EDX

/*
 * Where each feature's bit lives (Intel SDM vol. 2A "CPUID", AMD APM vol. 3
 * appendix E), and the feature it needs (after Linux's
 * arch/x86/kernel/cpu/cpuid-deps.c). Names are Linux's /proc/cpuinfo
 * spellings, except sse3 (Linux: pni) and invtsc (QEMU's).
 */
static const struct cvmm_x86_feature features[] = {
    /* Leaf 1 ECX */
    {"sse3", 0x1, 0, C, 0, "sse2"},
    {"pclmulqdq", 0x1, 0, C, 1, "sse2"},
    {"dtes64", 0x1, 0, C, 2, NULL},
    {"monitor", 0x1, 0, C, 3, NULL},
    {"ds_cpl", 0x1, 0, C, 4, NULL},
    {"vmx", 0x1, 0, C, 5, NULL},
    {"smx", 0x1, 0, C, 6, NULL},
    {"est", 0x1, 0, C, 7, NULL},
    {"tm2", 0x1, 0, C, 8, NULL},
    {"ssse3", 0x1, 0, C, 9, "sse2"},
    {"cid", 0x1, 0, C, 10, NULL},
    {"sdbg", 0x1, 0, C, 11, NULL},
    {"fma", 0x1, 0, C, 12, "avx"},
    {"cx16", 0x1, 0, C, 13, NULL},
    {"xtpr", 0x1, 0, C, 14, NULL},
    {"pdcm", 0x1, 0, C, 15, NULL},
    {"pcid", 0x1, 0, C, 17, NULL},
    {"dca", 0x1, 0, C, 18, NULL},
    {"sse4_1", 0x1, 0, C, 19, "sse2"},
    {"sse4_2", 0x1, 0, C, 20, "sse2"},
    {"x2apic", 0x1, 0, C, 21, NULL},
    {"movbe", 0x1, 0, C, 22, NULL},
    {"popcnt", 0x1, 0, C, 23, NULL},
    {"tsc_deadline_timer", 0x1, 0, C, 24, NULL},
    {"aes", 0x1, 0, C, 25, "sse2"},
    {"xsave", 0x1, 0, C, 26, "fxsr"},
    {"avx", 0x1, 0, C, 28, "xsave"},
    {"f16c", 0x1, 0, C, 29, "avx"},
    {"rdrand", 0x1, 0, C, 30, NULL},
    /* Leaf 1 EDX */
    {"mce", 0x1, 0, D, 7, NULL},
    {"mtrr", 0x1, 0, D, 12, NULL},
    {"mca", 0x1, 0, D, 14, NULL},
    {"pat", 0x1, 0, D, 16, NULL},
    {"pse36", 0x1, 0, D, 17, NULL},
    {"clflush", 0x1, 0, D, 19, NULL},
    {"dts", 0x1, 0, D, 21, NULL},
    {"acpi", 0x1, 0, D, 22, NULL},
    {"mmx", 0x1, 0, D, 23, "fxsr"},
    {"fxsr", 0x1, 0, D, 24, NULL},
    {"sse", 0x1, 0, D, 25, "fxsr"},
    {"sse2", 0x1, 0, D, 26, "sse"},
    {"ss", 0x1, 0, D, 27, NULL},
    {"tm", 0x1, 0, D, 29, NULL},
    {"pbe", 0x1, 0, D, 31, NULL},
    /* Leaf 6 EAX */
    {"arat", 0x6, 0, A, 2, NULL},
    /* Leaf 7.0 EBX */
    {"fsgsbase", 0x7, 0, B, 0, NULL},
    {"tsc_adjust", 0x7, 0, B, 1, NULL},
    {"sgx", 0x7, 0, B, 2, NULL},
    {"bmi1", 0x7, 0, B, 3, NULL},
    {"hle", 0x7, 0, B, 4, NULL},
    {"avx2", 0x7, 0, B, 5, "avx"},
    {"smep", 0x7, 0, B, 7, NULL},
    {"bmi2", 0x7, 0, B, 8, NULL},
    {"erms", 0x7, 0, B, 9, NULL},
    {"invpcid", 0x7, 0, B, 10, NULL},
    {"rtm", 0x7, 0, B, 11, NULL},
    {"mpx", 0x7, 0, B, 14, "xsave"},
    {"avx512f", 0x7, 0, B, 16, "avx"},
    {"avx512dq", 0x7, 0, B, 17, "avx512f"},
    {"rdseed", 0x7, 0, B, 18, NULL},
    {"adx", 0x7, 0, B, 19, NULL},
    {"smap", 0x7, 0, B, 20, NULL},
    {"avx512ifma", 0x7, 0, B, 21, "avx512f"},
    {"clflushopt", 0x7, 0, B, 23, NULL},
    {"clwb", 0x7, 0, B, 24, NULL},
    {"intel_pt", 0x7, 0, B, 25, NULL},
    {"avx512pf", 0x7, 0, B, 26, "avx512f"},
    {"avx512er", 0x7, 0, B, 27, "avx512f"},
    {"avx512cd", 0x7, 0, B, 28, "avx512f"},
    {"sha_ni", 0x7, 0, B, 29, "sse2"},
    {"avx512bw", 0x7, 0, B, 30, "avx512f"},
    {"avx512vl", 0x7, 0, B, 31, "avx512f"},
    /* Leaf 7.0 ECX */
    {"avx512vbmi", 0x7, 0, C, 1, "avx512f"},
    {"umip", 0x7, 0, C, 2, NULL},
    {"pku", 0x7, 0, C, 3, "xsave"},
    {"waitpkg", 0x7, 0, C, 5, NULL},
    {"avx512_vbmi2", 0x7, 0, C, 6, "avx512vl"},
    {"gfni", 0x7, 0, C, 8, "sse2"},
    {"vaes", 0x7, 0, C, 9, "avx"},
    {"vpclmulqdq", 0x7, 0, C, 10, "avx"},
    {"avx512_vnni", 0x7, 0, C, 11, "avx512vl"},
    {"avx512_bitalg", 0x7, 0, C, 12, "avx512vl"},
    {"avx512_vpopcntdq", 0x7, 0, C, 14, "avx512f"},
    {"la57", 0x7, 0, C, 16, NULL},
    {"rdpid", 0x7, 0, C, 22, NULL},
    {"cldemote", 0x7, 0, C, 25, NULL},
    {"movdiri", 0x7, 0, C, 27, NULL},
    {"movdir64b", 0x7, 0, C, 28, NULL},
    {"sgx_lc", 0x7, 0, C, 30, "sgx"},
    /* Leaf 7.0 EDX */
    {"avx512_4vnniw", 0x7, 0, D, 2, "avx512f"},
    {"avx512_4fmaps", 0x7, 0, D, 3, "avx512f"},
    {"fsrm", 0x7, 0, D, 4, NULL},
    {"avx512_vp2intersect", 0x7, 0, D, 8, "avx512vl"},
    {"md_clear", 0x7, 0, D, 10, NULL},
    {"serialize", 0x7, 0, D, 14, NULL},
    {"tsxldtrk", 0x7, 0, D, 16, NULL},
    {"pconfig", 0x7, 0, D, 18, NULL},
    {"amx_bf16", 0x7, 0, D, 22, "amx_tile"},
    {"avx512_fp16", 0x7, 0, D, 23, "avx512bw"},
    {"amx_tile", 0x7, 0, D, 24, "xsave"},
    {"amx_int8", 0x7, 0, D, 25, "amx_tile"},
    {"spec_ctrl", 0x7, 0, D, 26, NULL},
    {"intel_stibp", 0x7, 0, D, 27, NULL},
    {"flush_l1d", 0x7, 0, D, 28, NULL},
    {"arch_capabilities", 0x7, 0, D, 29, NULL},
    {"spec_ctrl_ssbd", 0x7, 0, D, 31, NULL},
    /* Leaf 7.1 EAX */
    {"avx_vnni", 0x7, 1, A, 4, "avx2"},
    {"avx512_bf16", 0x7, 1, A, 5, "avx512vl"},
    /* Leaf 0xD.1 EAX */
    {"xsaveopt", 0xd, 1, A, 0, "xsave"},
    {"xsavec", 0xd, 1, A, 1, "xsave"},
    {"xgetbv1", 0xd, 1, A, 2, "xsave"},
    {"xsaves", 0xd, 1, A, 3, "xsave"},
    /* Leaf 0x80000001 ECX */
    {"lahf_lm", 0x80000001, 0, C, 0, NULL},
    {"cmp_legacy", 0x80000001, 0, C, 1, NULL},
    {"svm", 0x80000001, 0, C, 2, NULL},
    {"extapic", 0x80000001, 0, C, 3, NULL},
    {"cr8_legacy", 0x80000001, 0, C, 4, NULL},
    {"abm", 0x80000001, 0, C, 5, NULL},
    {"sse4a", 0x80000001, 0, C, 6, "sse2"},
    {"misalignsse", 0x80000001, 0, C, 7, NULL},
    {"3dnowprefetch", 0x80000001, 0, C, 8, NULL},
    {"osvw", 0x80000001, 0, C, 9, NULL},
    {"ibs", 0x80000001, 0, C, 10, NULL},
    {"xop", 0x80000001, 0, C, 11, "avx"},
    {"skinit", 0x80000001, 0, C, 12, NULL},
    {"wdt", 0x80000001, 0, C, 13, NULL},
    {"lwp", 0x80000001, 0, C, 15, NULL},
    {"fma4", 0x80000001, 0, C, 16, "avx"},
    {"tce", 0x80000001, 0, C, 17, NULL},
    {"nodeid_msr", 0x80000001, 0, C, 19, NULL},
    {"tbm", 0x80000001, 0, C, 21, NULL},
    {"topoext", 0x80000001, 0, C, 22, NULL},
    {"perfctr_core", 0x80000001, 0, C, 23, NULL},
    {"perfctr_nb", 0x80000001, 0, C, 24, NULL},
    {"bpext", 0x80000001, 0, C, 26, NULL},
    {"ptsc", 0x80000001, 0, C, 27, NULL},
    {"perfctr_llc", 0x80000001, 0, C, 28, NULL},
    {"mwaitx", 0x80000001, 0, C, 29, NULL},
    /* Leaf 0x80000001 EDX */
    {"syscall", 0x80000001, 0, D, 11, NULL},
    {"nx", 0x80000001, 0, D, 20, NULL},
    {"mmxext", 0x80000001, 0, D, 22, "mmx"},
    {"fxsr_opt", 0x80000001, 0, D, 25, "fxsr"},
    {"pdpe1gb", 0x80000001, 0, D, 26, NULL},
    {"rdtscp", 0x80000001, 0, D, 27, NULL},
    {"lm", 0x80000001, 0, D, 29, NULL},
    {"3dnowext", 0x80000001, 0, D, 30, "3dnow"},
    {"3dnow", 0x80000001, 0, D, 31, "mmx"},
    /* Leaf 0x80000007 EDX */
    {"invtsc", 0x80000007, 0, D, 8, NULL},
    /* Leaf 0x80000008 EBX */
    {"clzero", 0x80000008, 0, B, 0, NULL},
    {"irperf", 0x80000008, 0, B, 1, NULL},
    {"xsaveerptr", 0x80000008, 0, B, 2, NULL},
    {"wbnoinvd", 0x80000008, 0, B, 9, NULL},
    {"amd_ibpb", 0x80000008, 0, B, 12, NULL},
    {"amd_ibrs", 0x80000008, 0, B, 14, NULL},
    {"amd_stibp", 0x80000008, 0, B, 15, NULL},
    {"amd_ssbd", 0x80000008, 0, B, 24, NULL},
    {"virt_ssbd", 0x80000008, 0, B, 25, NULL},
    {"amd_ssb_no", 0x80000008, 0, B, 26, NULL},
};

#undef A
#undef B
#undef C
#undef D

#define FEATURES (sizeof(features) / sizeof(features[0]))

_Static_assert(FEATURES <= (size_t)64 * CVMM_X86_TEMPLATE_WORDS,
	       "the template mask must have a bit per feature");

/* ASCII case-insensitive equality of s[0..len) and the string name. */
static bool name_eq(const char *s, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char a = s[i];
		char b = name[i];

		if (b == '\0')
			return false;
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return name[i] == '\0';
}

/* Index of the feature named s[0..len), or -1. */
static int feature_index(const char *s, size_t len)
{
	for (size_t i = 0; i < FEATURES; i++) {
		if (name_eq(s, len, features[i].name))
			return (int)i;
	}
	return -1;
}

size_t cvmm_x86_feature_count(void)
{
	return FEATURES;
}

const struct cvmm_x86_feature *cvmm_x86_feature_at(size_t i)
{
	return i < FEATURES ? &features[i] : NULL;
}

const struct cvmm_x86_feature *cvmm_x86_feature_find(const char *name)
{
	int i = feature_index(name, strlen(name));

	return i < 0 ? NULL : &features[i];
}

static uint32_t *reg_of(struct kvm_cpuid_entry2 *e, enum cvmm_x86_reg reg)
{
	switch (reg) {
	case CVMM_X86_EAX:
		return &e->eax;
	case CVMM_X86_EBX:
		return &e->ebx;
	case CVMM_X86_ECX:
		return &e->ecx;
	default:
		return &e->edx;
	}
}

bool cvmm_x86_cpuid_has(const struct cvmm_x86_cpuid *c,
			const struct cvmm_x86_feature *f)
{
	const struct kvm_cpuid_entry2 *e =
	    cvmm_x86_cpuid_get(c, f->leaf, f->subleaf);
	struct kvm_cpuid_entry2 copy;

	if (e == NULL)
		return false;
	copy = *e;
	return (*reg_of(&copy, f->reg) >> f->bit & 1u) != 0;
}

/* ---- templates ---- */

static bool bit_test(const struct cvmm_x86_template *t, size_t i)
{
	return (t->mask[i / 64] >> (i % 64) & 1u) != 0;
}

static void bit_set(struct cvmm_x86_template *t, size_t i)
{
	t->mask[i / 64] |= (uint64_t)1 << (i % 64);
}

bool cvmm_x86_template_masks(const struct cvmm_x86_template *t,
			     const struct cvmm_x86_feature *f)
{
	for (size_t i = 0; i < FEATURES; i++) {
		if (f == &features[i])
			return bit_test(t, i);
	}
	return false;
}

int cvmm_x86_template_mask(struct cvmm_x86_template *t, const char *name)
{
	int at = feature_index(name, strlen(name));
	bool changed = true;

	if (at < 0)
		return -ENOENT;
	bit_set(t, (size_t)at);
	/* Whatever needs a masked feature goes too, until nothing changes. */
	while (changed) {
		changed = false;
		for (size_t i = 0; i < FEATURES; i++) {
			const char *req = features[i].requires;

			if (bit_test(t, i) || req == NULL)
				continue;
			if (bit_test(t,
				     (size_t)feature_index(req, strlen(req)))) {
				bit_set(t, i);
				changed = true;
			}
		}
	}
	return 0;
}

struct named {
	const char *name;
	const char *description;
	const char *const *features;
};

static const char *const t2_like[] = {
    "vmx",	"smx",	      "monitor",       "pdcm",	    "sgx",
    "hle",	"rtm",	      "mpx",	       "avx512f",   "rdseed",
    "adx",	"smap",	      "clflushopt",    "clwb",	    "intel_pt",
    "sha_ni",	"umip",	      "pku",	       "waitpkg",   "gfni",
    "vaes",	"vpclmulqdq", "la57",	       "rdpid",	    "cldemote",
    "movdiri",	"movdir64b",  "fsrm",	       "serialize", "tsxldtrk",
    "amx_tile", "avx_vnni",   "xsavec",	       "xgetbv1",   "xsaves",
    "pdpe1gb",	"svm",	      "3dnowprefetch", NULL};
static const char *const no_avx512[] = {"avx512f", NULL};
static const char *const no_tsx[] = {"hle", "rtm", "tsxldtrk", NULL};
static const char *const no_nested[] = {"vmx", "svm", NULL};

static const struct named named[] = {
    {"T2-like",
     "a Haswell-class CPU modeled on Firecracker's T2: no AVX-512, TSX, "
     "MPX, PKU, SHA, SGX, 5-level paging, 1 GiB pages, nested "
     "virtualization, XSAVEC/XSAVES, nor later additions",
     t2_like},
    {"no-avx512", "every AVX-512 feature masked", no_avx512},
    {"no-tsx", "HLE and RTM masked", no_tsx},
    {"no-nested", "VMX and SVM masked", no_nested},
};

#define NAMED (sizeof(named) / sizeof(named[0]))

const char *cvmm_x86_template_named_at(size_t i, const char **description)
{
	if (i >= NAMED)
		return NULL;
	if (description != NULL)
		*description = named[i].description;
	return named[i].name;
}

void cvmm_x86_template_apply(const struct cvmm_x86_template *t,
			     struct cvmm_x86_cpuid *c)
{
	for (size_t i = 0; i < FEATURES; i++) {
		const struct cvmm_x86_feature *f = &features[i];
		struct kvm_cpuid_entry2 *e;

		if (!bit_test(t, i))
			continue;
		e = cvmm_x86__cpuid_find(c, f->leaf, f->subleaf);
		if (e != NULL)
			*reg_of(e, f->reg) &= ~(1u << f->bit);
	}
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n';
}

/* Print the error line into err when the caller wants it; yields rc. */
#define PARSE_ERROR(rc, ...)                                                   \
	((err != NULL && err_size > 0                                          \
	      ? (void)snprintf(err, err_size, __VA_ARGS__)                     \
	      : (void)0),                                                      \
	 (rc))

/* Mask the features of one item s[0..len) into t. */
static int parse_item(const char *s, size_t len, const char *spec,
		      struct cvmm_x86_template *t, char *err, size_t err_size)
{
	static const char names[] =
	    "T2-like, no-avx512, no-tsx, no-nested, none";
	int ilen = len > 64 ? 64 : (int)len;

	if (name_eq(s, len, "none"))
		return 0;
	for (size_t i = 0; i < NAMED; i++) {
		if (!name_eq(s, len, named[i].name))
			continue;
		for (const char *const *f = named[i].features; *f != NULL;
		     f++) {
			/* Never fails: the lists name table entries. */
			int rc = cvmm_x86_template_mask(t, *f);

			if (rc != 0)
				return rc;
		}
		return 0;
	}
	if (len >= 3 && name_eq(s, 3, "no-")) {
		int at;

		if (len == 3)
			return PARSE_ERROR(
			    -EINVAL, "'no-' names no feature in '%s'", spec);
		at = feature_index(s + 3, len - 3);
		if (at < 0)
			return PARSE_ERROR(-ENOENT,
					   "unknown CPU feature '%.*s' in '%s'",
					   ilen - 3, s + 3, spec);
		return cvmm_x86_template_mask(t, features[at].name);
	}
	return PARSE_ERROR(-ENOENT,
			   "unknown CPU template '%.*s' (named templates: %s; "
			   "features are masked with no-<feature>)",
			   ilen, s, names);
}

int cvmm_x86_template_parse(const char *spec, struct cvmm_x86_template *out,
			    char *err, size_t err_size)
{
	struct cvmm_x86_template t;
	const char *p = spec;

	if (spec == NULL)
		return PARSE_ERROR(-EFAULT, "no CPU template");
	memset(&t, 0, sizeof(t));
	while (is_space(*p))
		p++;
	while (*p != '\0') {
		const char *start;
		const char *end;
		int rc;

		while (is_space(*p))
			p++;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		while (end > start && is_space(end[-1]))
			end--;
		if (end == start)
			return PARSE_ERROR(
			    -EINVAL, "empty item in CPU template '%s'", spec);
		rc = parse_item(start, (size_t)(end - start), spec, &t, err,
				err_size);
		if (rc != 0)
			return rc;
		if (*p == ',') {
			p++;
			if (*p == '\0')
				return PARSE_ERROR(
				    -EINVAL, "empty item in CPU template '%s'",
				    spec);
		}
	}
	*out = t;
	if (err != NULL && err_size > 0)
		err[0] = '\0';
	return 0;
}
