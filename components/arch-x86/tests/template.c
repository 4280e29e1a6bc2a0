/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the feature table and CPU templates: the table's own
 * consistency, masking with dependencies, parsing (and each refusal's
 * message), named templates, and applying a template to a table.
 */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/x86-cpuid.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "tables.h"

static const struct cvmm_x86_feature *feature(const char *name)
{
	const struct cvmm_x86_feature *f = cvmm_x86_feature_find(name);

	if (f == NULL)
		fail_msg("no feature '%s'", name);
	return f;
}

static bool masks(const struct cvmm_x86_template *t, const char *name)
{
	return cvmm_x86_template_masks(t, feature(name));
}

static size_t masked_count(const struct cvmm_x86_template *t)
{
	size_t n = 0;

	for (size_t i = 0; i < cvmm_x86_feature_count(); i++)
		n += cvmm_x86_template_masks(t, cvmm_x86_feature_at(i));
	return n;
}

static void table_is_consistent(void **state)
{
	size_t n = cvmm_x86_feature_count();

	(void)state;
	assert_true(n >= 150);
	assert_true(n <= 64 * CVMM_X86_TEMPLATE_WORDS);
	assert_null(cvmm_x86_feature_at(n));
	for (size_t i = 0; i < n; i++) {
		const struct cvmm_x86_feature *f = cvmm_x86_feature_at(i);

		assert_true(f->bit < 32);
		assert_true(f->reg <= CVMM_X86_EDX);
		assert_true(f->leaf <= 0x1f ||
			    (f->leaf >= 0x80000000 && f->leaf <= 0x80000021));
		if (f->requires != NULL) {
			assert_non_null(cvmm_x86_feature_find(f->requires));
			assert_string_not_equal(f->requires, f->name);
		}
		assert_ptr_equal(cvmm_x86_feature_find(f->name), f);
		for (size_t j = i + 1; j < n; j++) {
			const struct cvmm_x86_feature *g =
			    cvmm_x86_feature_at(j);

			assert_int_not_equal(strcasecmp(f->name, g->name), 0);
			assert_false(f->leaf == g->leaf &&
				     f->subleaf == g->subleaf &&
				     f->reg == g->reg && f->bit == g->bit);
		}
	}
}

static void features_sit_where_the_manuals_say(void **state)
{
	static const struct {
		const char *name;
		uint32_t leaf, subleaf;
		enum cvmm_x86_reg reg;
		uint8_t bit;
	} where[] = {
	    {"avx2", 7, 0, CVMM_X86_EBX, 5},
	    {"avx512f", 7, 0, CVMM_X86_EBX, 16},
	    {"x2apic", 1, 0, CVMM_X86_ECX, 21},
	    {"sse4_2", 1, 0, CVMM_X86_ECX, 20},
	    {"rdrand", 1, 0, CVMM_X86_ECX, 30},
	    {"la57", 7, 0, CVMM_X86_ECX, 16},
	    {"pdpe1gb", 0x80000001, 0, CVMM_X86_EDX, 26},
	    {"svm", 0x80000001, 0, CVMM_X86_ECX, 2},
	    {"vmx", 1, 0, CVMM_X86_ECX, 5},
	    {"xsaves", 0xd, 1, CVMM_X86_EAX, 3},
	    {"avx512_bf16", 7, 1, CVMM_X86_EAX, 5},
	    {"arat", 6, 0, CVMM_X86_EAX, 2},
	    {"invtsc", 0x80000007, 0, CVMM_X86_EDX, 8},
	    {"amd_ssbd", 0x80000008, 0, CVMM_X86_EBX, 24},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		const struct cvmm_x86_feature *f = feature(where[i].name);

		assert_int_equal(f->leaf, where[i].leaf);
		assert_int_equal(f->subleaf, where[i].subleaf);
		assert_int_equal(f->reg, where[i].reg);
		assert_int_equal(f->bit, where[i].bit);
	}
	assert_ptr_equal(cvmm_x86_feature_find("AVX2"), feature("avx2"));
	assert_null(cvmm_x86_feature_find("avx3"));
	assert_null(cvmm_x86_feature_find("avx2x"));
	assert_null(cvmm_x86_feature_find(""));
}

static void masking_follows_dependencies(void **state)
{
	static const char *const gone_with_avx[] = {
	    "avx",	   "avx2",     "fma",	      "f16c",
	    "avx512f",	   "avx512vl", "avx512_vnni", "avx512_bf16",
	    "avx512_fp16", "avx_vnni", "vaes",	      "vpclmulqdq",
	    "xop",	   "fma4",     "avx512bw",    "avx512_vbmi2"};
	static const char *const stay[] = {"xsave", "sse4_2", "aes", "amx_tile",
					   "x2apic"};
	struct cvmm_x86_template t = {{0}};
	struct cvmm_x86_template before;

	(void)state;
	assert_int_equal(cvmm_x86_template_mask(&t, "avx"), 0);
	for (size_t i = 0; i < sizeof(gone_with_avx) / sizeof(char *); i++)
		assert_true(masks(&t, gone_with_avx[i]));
	for (size_t i = 0; i < sizeof(stay) / sizeof(char *); i++)
		assert_false(masks(&t, stay[i]));
	/* Masking a leaf feature masks only it. */
	memset(&t, 0, sizeof(t));
	assert_int_equal(cvmm_x86_template_mask(&t, "rdrand"), 0);
	assert_int_equal(masked_count(&t), 1);
	/* sse2 takes every SSE extension and what builds on them. */
	memset(&t, 0, sizeof(t));
	assert_int_equal(cvmm_x86_template_mask(&t, "SSE2"), 0);
	assert_true(masks(&t, "sse4_1"));
	assert_true(masks(&t, "sha_ni"));
	assert_true(masks(&t, "gfni"));
	assert_false(masks(&t, "sse"));
	assert_false(masks(&t, "avx"));
	/* Unknown: refused, nothing changes. */
	before = t;
	assert_int_equal(cvmm_x86_template_mask(&t, "sse9"), -ENOENT);
	assert_memory_equal(&t, &before, sizeof(t));
	/* A feature that is not the table's own is never masked. */
	{
		struct cvmm_x86_feature copy = *feature("sse4_1");

		assert_false(cvmm_x86_template_masks(&t, &copy));
	}
}

static void parse(const char *spec, struct cvmm_x86_template *t)
{
	char err[256] = "untouched";

	if (cvmm_x86_template_parse(spec, t, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", spec, err);
	assert_string_equal(err, "");
}

static void expect_refused(const char *spec, int rc, const char *msg)
{
	struct cvmm_x86_template t;
	char err[256];

	memset(&t, 0x77, sizeof(t));
	assert_int_equal(cvmm_x86_template_parse(spec, &t, err, sizeof(err)),
			 rc);
	assert_string_equal(err, msg);
	assert_int_equal(t.mask[0], 0x7777777777777777);
	/* Without a message buffer, the same errno. */
	assert_int_equal(cvmm_x86_template_parse(spec, &t, NULL, 0), rc);
	assert_int_equal(cvmm_x86_template_parse(spec, &t, err, 0), rc);
}

static void parsing(void **state)
{
	struct cvmm_x86_template t;
	struct cvmm_x86_template u;

	(void)state;
	parse("no-avx2,no-avx512f", &t);
	assert_true(masks(&t, "avx2"));
	assert_true(masks(&t, "avx512f"));
	assert_true(masks(&t, "avx512dq"));
	assert_true(masks(&t, "avx_vnni"));
	assert_false(masks(&t, "avx"));
	parse("  No-AVX2 ,\tno-avx512F\n", &u);
	assert_memory_equal(&t, &u, sizeof(t));
	parse("", &t);
	assert_int_equal(masked_count(&t), 0);
	parse("   ", &t);
	assert_int_equal(masked_count(&t), 0);
	parse("none", &t);
	assert_int_equal(masked_count(&t), 0);
	parse("NONE,no-x2apic", &t);
	assert_int_equal(masked_count(&t), 1);
	{
		char err[8] = "kept";

		/* No room for a message: none is written. */
		assert_int_equal(cvmm_x86_template_parse("no-avx", &t, err, 0),
				 0);
		assert_string_equal(err, "kept");
		assert_int_equal(cvmm_x86_template_parse("no-avx", &t, NULL, 9),
				 0);
	}

	expect_refused("no-avx3", -ENOENT,
		       "unknown CPU feature 'avx3' in 'no-avx3'");
	expect_refused("no-avx2, no-avx3 ,no-x2apic", -ENOENT,
		       "unknown CPU feature 'avx3' in 'no-avx2, no-avx3 "
		       ",no-x2apic'");
	expect_refused("T9", -ENOENT,
		       "unknown CPU template 'T9' (named templates: T2-like, "
		       "no-avx512, no-tsx, no-nested, none; features are "
		       "masked with no-<feature>)");
	expect_refused("avx2", -ENOENT,
		       "unknown CPU template 'avx2' (named templates: "
		       "T2-like, no-avx512, no-tsx, no-nested, none; "
		       "features are masked with no-<feature>)");
	expect_refused("no-", -EINVAL, "'no-' names no feature in 'no-'");
	expect_refused("no-avx2,,no-x2apic", -EINVAL,
		       "empty item in CPU template 'no-avx2,,no-x2apic'");
	expect_refused("no-avx2,", -EINVAL,
		       "empty item in CPU template 'no-avx2,'");
	expect_refused(" , no-avx2", -EINVAL,
		       "empty item in CPU template ' , no-avx2'");
	expect_refused(NULL, -EFAULT, "no CPU template");
	/* A long name is cut in the message, never overrun. */
	expect_refused(
	    "no-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaa",
	    -ENOENT,
	    "unknown CPU feature 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaa' in 'no-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
}

static void named_templates(void **state)
{
	static const char *const t2[] = {
	    "vmx",     "svm",	   "hle",	 "rtm",	       "mpx",
	    "avx512f", "avx512vl", "sha_ni",	 "pku",	       "sgx",
	    "la57",    "pdpe1gb",  "xsaves",	 "xsavec",     "rdseed",
	    "adx",     "smap",	   "clflushopt", "clwb",       "umip",
	    "rdpid",   "gfni",	   "vaes",	 "vpclmulqdq", "3dnowprefetch"};
	static const char *const kept_by_t2[] = {
	    "avx",    "avx2",	"fma",	 "bmi1",     "bmi2",	"aes", "x2apic",
	    "sse4_2", "rdrand", "movbe", "xsaveopt", "invpcid", "erms"};
	struct cvmm_x86_template t;
	const char *desc = NULL;
	size_t n = 0;

	(void)state;
	while (cvmm_x86_template_named_at(n, &desc) != NULL) {
		assert_non_null(desc);
		assert_true(strlen(desc) > 10);
		n++;
	}
	assert_int_equal(n, 4);
	assert_string_equal(cvmm_x86_template_named_at(0, NULL), "T2-like");
	assert_null(cvmm_x86_template_named_at(4, &desc));

	parse("T2-like", &t);
	for (size_t i = 0; i < sizeof(t2) / sizeof(t2[0]); i++)
		if (!masks(&t, t2[i]))
			fail_msg("T2-like keeps %s", t2[i]);
	for (size_t i = 0; i < sizeof(kept_by_t2) / sizeof(kept_by_t2[0]); i++)
		if (masks(&t, kept_by_t2[i]))
			fail_msg("T2-like masks %s", kept_by_t2[i]);
	parse("t2-LIKE,no-rdrand", &t);
	assert_true(masks(&t, "rdrand"));
	assert_true(masks(&t, "la57"));

	parse("no-avx512", &t);
	assert_true(masks(&t, "avx512_4fmaps"));
	assert_true(masks(&t, "avx512_fp16"));
	assert_false(masks(&t, "avx2"));
	parse("no-tsx", &t);
	assert_true(masks(&t, "hle"));
	assert_true(masks(&t, "rtm"));
	assert_int_equal(masked_count(&t), 3);
	parse("no-nested", &t);
	assert_true(masks(&t, "vmx"));
	assert_true(masks(&t, "svm"));
	assert_int_equal(masked_count(&t), 2);
}

static void applying_clears_exactly_the_masked_bits(void **state)
{
	struct cvmm_x86_cpuid c;
	struct cvmm_x86_cpuid before;
	struct cvmm_x86_template t;

	(void)state;
	intel_table(&c);
	/* Every register all ones, so every masked bit shows. */
	for (uint32_t i = 0; i < c.count; i++) {
		c.entries[i].eax = c.entries[i].ebx = 0xffffffff;
		c.entries[i].ecx = c.entries[i].edx = 0xffffffff;
	}
	before = c;
	parse("T2-like,no-x2apic", &t);
	cvmm_x86_template_apply(&t, &c);
	assert_int_equal(c.count, before.count);
	for (size_t i = 0; i < cvmm_x86_feature_count(); i++) {
		const struct cvmm_x86_feature *f = cvmm_x86_feature_at(i);
		bool had = cvmm_x86_cpuid_has(&before, f);

		if (had && cvmm_x86_template_masks(&t, f))
			assert_false(cvmm_x86_cpuid_has(&c, f));
		else
			assert_int_equal(cvmm_x86_cpuid_has(&c, f), had);
	}
	/* Bits no feature names are untouched: the whole table is the
	 * same once the masked bits are put back. */
	assert_int_equal(
	    cvmm_x86_cpuid_get(&c, 1, 0)->ecx,
	    0xffffffffu & ~(1u << 21 | 1u << 3 | 1u << 5 | 1u << 6 | 1u << 15));
	assert_int_equal(cvmm_x86_cpuid_get(&c, 0xd, 1)->eax,
			 0xffffffffu & ~(1u << 1 | 1u << 2 | 1u << 3));
	assert_int_equal(cvmm_x86_cpuid_get(&c, 0x80000001, 0)->edx,
			 0xffffffffu & ~(1u << 26));
	/* An absent leaf stays absent; has() says no. */
	c.entries[0].function = 0x2;
	c.count = 1;
	cvmm_x86_template_apply(&t, &c);
	assert_int_equal(c.count, 1);
	assert_false(cvmm_x86_cpuid_has(&c, feature("avx2")));
	/* Each register is reachable. */
	intel_table(&c);
	assert_true(cvmm_x86_cpuid_has(&c, feature("xsaveopt"))); /* EAX */
	assert_true(cvmm_x86_cpuid_has(&c, feature("avx2")));	  /* EBX */
	assert_true(cvmm_x86_cpuid_has(&c, feature("x2apic")));	  /* ECX */
	assert_true(cvmm_x86_cpuid_has(&c, feature("sse2")));	  /* EDX */
	assert_false(cvmm_x86_cpuid_has(&c, feature("svm")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(table_is_consistent),
	    cmocka_unit_test(features_sit_where_the_manuals_say),
	    cmocka_unit_test(masking_follows_dependencies),
	    cmocka_unit_test(parsing),
	    cmocka_unit_test(named_templates),
	    cmocka_unit_test(applying_clears_exactly_the_masked_bits),
	};

	return cmocka_run_group_tests_name("arch-x86 CPU templates", tests,
					   NULL, NULL);
}
