/* SPDX-License-Identifier: Apache-2.0 */
/* CPUID: the basics every VMM should present, and features by name (the
 * names Linux shows in /proc/cpuinfo) for CPU-template tests. */
#include "probe.h"

enum { EAX, EBX, ECX, EDX };

struct feature {
	const char *name;
	uint32_t leaf, sub;
	uint8_t reg, bit;
};

#define F(n, l, s, r, b)                                                       \
	{                                                                      \
		n, l, s, r, b                                                  \
	}

static const struct feature features[] = {
    /* leaf 1 edx */
    F("fpu", 1, 0, EDX, 0),
    F("vme", 1, 0, EDX, 1),
    F("de", 1, 0, EDX, 2),
    F("pse", 1, 0, EDX, 3),
    F("tsc", 1, 0, EDX, 4),
    F("msr", 1, 0, EDX, 5),
    F("pae", 1, 0, EDX, 6),
    F("mce", 1, 0, EDX, 7),
    F("cx8", 1, 0, EDX, 8),
    F("apic", 1, 0, EDX, 9),
    F("sep", 1, 0, EDX, 11),
    F("mtrr", 1, 0, EDX, 12),
    F("pge", 1, 0, EDX, 13),
    F("mca", 1, 0, EDX, 14),
    F("cmov", 1, 0, EDX, 15),
    F("pat", 1, 0, EDX, 16),
    F("pse36", 1, 0, EDX, 17),
    F("clflush", 1, 0, EDX, 19),
    F("dts", 1, 0, EDX, 21),
    F("acpi", 1, 0, EDX, 22),
    F("mmx", 1, 0, EDX, 23),
    F("fxsr", 1, 0, EDX, 24),
    F("sse", 1, 0, EDX, 25),
    F("sse2", 1, 0, EDX, 26),
    F("ss", 1, 0, EDX, 27),
    F("ht", 1, 0, EDX, 28),
    F("tm", 1, 0, EDX, 29),
    F("pbe", 1, 0, EDX, 31),
    /* leaf 1 ecx */
    F("pni", 1, 0, ECX, 0),
    F("sse3", 1, 0, ECX, 0),
    F("pclmulqdq", 1, 0, ECX, 1),
    F("dtes64", 1, 0, ECX, 2),
    F("monitor", 1, 0, ECX, 3),
    F("ds_cpl", 1, 0, ECX, 4),
    F("vmx", 1, 0, ECX, 5),
    F("smx", 1, 0, ECX, 6),
    F("est", 1, 0, ECX, 7),
    F("tm2", 1, 0, ECX, 8),
    F("ssse3", 1, 0, ECX, 9),
    F("cid", 1, 0, ECX, 10),
    F("sdbg", 1, 0, ECX, 11),
    F("fma", 1, 0, ECX, 12),
    F("cx16", 1, 0, ECX, 13),
    F("xtpr", 1, 0, ECX, 14),
    F("pdcm", 1, 0, ECX, 15),
    F("pcid", 1, 0, ECX, 17),
    F("dca", 1, 0, ECX, 18),
    F("sse4_1", 1, 0, ECX, 19),
    F("sse4_2", 1, 0, ECX, 20),
    F("x2apic", 1, 0, ECX, 21),
    F("movbe", 1, 0, ECX, 22),
    F("popcnt", 1, 0, ECX, 23),
    F("tsc_deadline_timer", 1, 0, ECX, 24),
    F("aes", 1, 0, ECX, 25),
    F("xsave", 1, 0, ECX, 26),
    F("osxsave", 1, 0, ECX, 27),
    F("avx", 1, 0, ECX, 28),
    F("f16c", 1, 0, ECX, 29),
    F("rdrand", 1, 0, ECX, 30),
    F("hypervisor", 1, 0, ECX, 31),
    /* leaf 6 eax */
    F("arat", 6, 0, EAX, 2),
    /* leaf 7.0 ebx */
    F("fsgsbase", 7, 0, EBX, 0),
    F("tsc_adjust", 7, 0, EBX, 1),
    F("sgx", 7, 0, EBX, 2),
    F("bmi1", 7, 0, EBX, 3),
    F("hle", 7, 0, EBX, 4),
    F("avx2", 7, 0, EBX, 5),
    F("smep", 7, 0, EBX, 7),
    F("bmi2", 7, 0, EBX, 8),
    F("erms", 7, 0, EBX, 9),
    F("invpcid", 7, 0, EBX, 10),
    F("rtm", 7, 0, EBX, 11),
    F("mpx", 7, 0, EBX, 14),
    F("rdt_a", 7, 0, EBX, 15),
    F("avx512f", 7, 0, EBX, 16),
    F("avx512dq", 7, 0, EBX, 17),
    F("rdseed", 7, 0, EBX, 18),
    F("adx", 7, 0, EBX, 19),
    F("smap", 7, 0, EBX, 20),
    F("avx512ifma", 7, 0, EBX, 21),
    F("clflushopt", 7, 0, EBX, 23),
    F("clwb", 7, 0, EBX, 24),
    F("intel_pt", 7, 0, EBX, 25),
    F("avx512pf", 7, 0, EBX, 26),
    F("avx512er", 7, 0, EBX, 27),
    F("avx512cd", 7, 0, EBX, 28),
    F("sha_ni", 7, 0, EBX, 29),
    F("avx512bw", 7, 0, EBX, 30),
    F("avx512vl", 7, 0, EBX, 31),
    /* leaf 7.0 ecx */
    F("avx512vbmi", 7, 0, ECX, 1),
    F("umip", 7, 0, ECX, 2),
    F("pku", 7, 0, ECX, 3),
    F("ospke", 7, 0, ECX, 4),
    F("waitpkg", 7, 0, ECX, 5),
    F("avx512_vbmi2", 7, 0, ECX, 6),
    F("shstk", 7, 0, ECX, 7),
    F("gfni", 7, 0, ECX, 8),
    F("vaes", 7, 0, ECX, 9),
    F("vpclmulqdq", 7, 0, ECX, 10),
    F("avx512_vnni", 7, 0, ECX, 11),
    F("avx512_bitalg", 7, 0, ECX, 12),
    F("tme", 7, 0, ECX, 13),
    F("avx512_vpopcntdq", 7, 0, ECX, 14),
    F("la57", 7, 0, ECX, 16),
    F("rdpid", 7, 0, ECX, 22),
    F("bus_lock_detect", 7, 0, ECX, 24),
    F("cldemote", 7, 0, ECX, 25),
    F("movdiri", 7, 0, ECX, 27),
    F("movdir64b", 7, 0, ECX, 28),
    F("enqcmd", 7, 0, ECX, 29),
    F("sgx_lc", 7, 0, ECX, 30),
    /* leaf 7.0 edx */
    F("avx512_4vnniw", 7, 0, EDX, 2),
    F("avx512_4fmaps", 7, 0, EDX, 3),
    F("fsrm", 7, 0, EDX, 4),
    F("avx512_vp2intersect", 7, 0, EDX, 8),
    F("md_clear", 7, 0, EDX, 10),
    F("serialize", 7, 0, EDX, 14),
    F("tsxldtrk", 7, 0, EDX, 16),
    F("pconfig", 7, 0, EDX, 18),
    F("arch_lbr", 7, 0, EDX, 19),
    F("ibt", 7, 0, EDX, 20),
    F("amx_bf16", 7, 0, EDX, 22),
    F("avx512_fp16", 7, 0, EDX, 23),
    F("amx_tile", 7, 0, EDX, 24),
    F("amx_int8", 7, 0, EDX, 25),
    F("spec_ctrl", 7, 0, EDX, 26),
    F("intel_stibp", 7, 0, EDX, 27),
    F("flush_l1d", 7, 0, EDX, 28),
    F("arch_capabilities", 7, 0, EDX, 29),
    F("core_capabilities", 7, 0, EDX, 30),
    F("spec_ctrl_ssbd", 7, 0, EDX, 31),
    /* leaf 7.1 eax */
    F("avx_vnni", 7, 1, EAX, 4),
    F("avx512_bf16", 7, 1, EAX, 5),
    /* leaf 0xd.1 eax */
    F("xsaveopt", 0xd, 1, EAX, 0),
    F("xsavec", 0xd, 1, EAX, 1),
    F("xgetbv1", 0xd, 1, EAX, 2),
    F("xsaves", 0xd, 1, EAX, 3),
    /* leaf 0x80000001 ecx */
    F("lahf_lm", 0x80000001, 0, ECX, 0),
    F("cmp_legacy", 0x80000001, 0, ECX, 1),
    F("svm", 0x80000001, 0, ECX, 2),
    F("extapic", 0x80000001, 0, ECX, 3),
    F("cr8_legacy", 0x80000001, 0, ECX, 4),
    F("abm", 0x80000001, 0, ECX, 5),
    F("sse4a", 0x80000001, 0, ECX, 6),
    F("misalignsse", 0x80000001, 0, ECX, 7),
    F("3dnowprefetch", 0x80000001, 0, ECX, 8),
    F("osvw", 0x80000001, 0, ECX, 9),
    F("ibs", 0x80000001, 0, ECX, 10),
    F("xop", 0x80000001, 0, ECX, 11),
    F("skinit", 0x80000001, 0, ECX, 12),
    F("wdt", 0x80000001, 0, ECX, 13),
    F("lwp", 0x80000001, 0, ECX, 15),
    F("fma4", 0x80000001, 0, ECX, 16),
    F("tce", 0x80000001, 0, ECX, 17),
    F("nodeid_msr", 0x80000001, 0, ECX, 19),
    F("tbm", 0x80000001, 0, ECX, 21),
    F("topoext", 0x80000001, 0, ECX, 22),
    F("perfctr_core", 0x80000001, 0, ECX, 23),
    F("perfctr_nb", 0x80000001, 0, ECX, 24),
    F("bpext", 0x80000001, 0, ECX, 26),
    F("perfctr_llc", 0x80000001, 0, ECX, 28),
    F("mwaitx", 0x80000001, 0, ECX, 29),
    /* leaf 0x80000001 edx */
    F("syscall", 0x80000001, 0, EDX, 11),
    F("mp", 0x80000001, 0, EDX, 19),
    F("nx", 0x80000001, 0, EDX, 20),
    F("mmxext", 0x80000001, 0, EDX, 22),
    F("fxsr_opt", 0x80000001, 0, EDX, 25),
    F("pdpe1gb", 0x80000001, 0, EDX, 26),
    F("rdtscp", 0x80000001, 0, EDX, 27),
    F("lm", 0x80000001, 0, EDX, 29),
    F("3dnowext", 0x80000001, 0, EDX, 30),
    F("3dnow", 0x80000001, 0, EDX, 31),
    /* leaf 0x80000008 ebx */
    F("clzero", 0x80000008, 0, EBX, 0),
    F("irperf", 0x80000008, 0, EBX, 1),
    F("xsaveerptr", 0x80000008, 0, EBX, 2),
    F("rdpru", 0x80000008, 0, EBX, 4),
    F("wbnoinvd", 0x80000008, 0, EBX, 9),
    F("ibpb", 0x80000008, 0, EBX, 12),
    F("ibrs", 0x80000008, 0, EBX, 14),
    F("stibp", 0x80000008, 0, EBX, 15),
    F("ssbd", 0x80000008, 0, EBX, 24),
    F("virt_ssbd", 0x80000008, 0, EBX, 25),
};

/* CPUID with leaves beyond the CPU's maximum reading as zeros (a real CPU
 * would return the highest basic leaf instead). */
static void cpuid_checked(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint32_t max[4];

	cpuid(leaf & 0x80000000u, 0, max);
	if (leaf > max[EAX] ||
	    ((leaf & 0x80000000u) && max[EAX] < 0x80000000u)) {
		r[0] = r[1] = r[2] = r[3] = 0;
		return;
	}
	cpuid(leaf, sub, r);
}

static const struct feature *feature_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (str_eq_n(name, features[i].name, len))
			return &features[i];
	return NULL;
}

bool cpu_feature_known(const char *name, size_t len)
{
	return feature_find(name, len) != NULL;
}

bool cpu_feature_present(const char *name, size_t len)
{
	const struct feature *f = feature_find(name, len);
	uint32_t r[4];

	if (!f)
		return false;
	cpuid_checked(f->leaf, f->sub, r);
	return (r[f->reg] >> f->bit) & 1u;
}

uint32_t cpu_apic_id(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[EBX] >> 24;
}

static void put_chars(uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		char c = (char)(v >> (8 * i));

		print("%c", c >= 0x20 && c < 0x7f ? c : '.');
	}
}

void test_cpuid(const struct probe_opts *o)
{
	uint32_t r[4], hv[4], ext[4];
	bool hyp;

	checks_begin();
	cpuid(0, 0, r);
	cpuid(0x80000000u, 0, ext);
	if (probe_verbose) {
		print_lock();
		print("# cpuid: max leaf 0x%x, vendor ", r[EAX]);
		put_chars(r[EBX]);
		put_chars(r[EDX]);
		put_chars(r[ECX]);
		print(", max extended leaf 0x%x\n", ext[EAX]);
		print_unlock();
	}
	check(r[EAX] >= 1, "max basic leaf %u", r[EAX]);
	hyp = cpu_feature_present("hypervisor", 10);
	if (hyp && probe_verbose) {
		cpuid(0x40000000u, 0, hv);
		print_lock();
		print("# cpuid: hypervisor leaf max 0x%x, signature \"", hv[0]);
		put_chars(hv[EBX]);
		put_chars(hv[ECX]);
		put_chars(hv[EDX]);
		print("\"\n");
		print_unlock();
	}
	check(hyp == o->hypervisor, "hypervisor bit %u, expected %u",
	      hyp ? 1u : 0u, o->hypervisor ? 1u : 0u);
	check(cpu_feature_present("lm", 2), "long mode not advertised, yet "
					    "the probe runs in it");
	check(cpu_feature_present("apic", 4), "no local APIC advertised");
	info("cpuid: initial APIC id of the BSP %u", cpu_apic_id());
	tap(checks_ok(), "cpuid: hypervisor bit %s, long mode, APIC",
	    o->hypervisor ? "set" : "clear");
}

void test_cpuid_masked(const struct probe_opts *o)
{
	for (uint32_t i = 0; i < o->n_masked; i++) {
		const char *n = o->masked[i];
		size_t len = o->masked_len[i];
		const struct feature *f = feature_find(n, len);

		if (!f) {
			print_lock();
			print("# unknown cpuid feature name: ");
			for (size_t j = 0; j < len; j++)
				print("%c", n[j]);
			print("\n");
			print_unlock();
			tap(false, "cpuid feature masked: (unknown name)");
			continue;
		}
		tap(!cpu_feature_present(n, len),
		    "cpuid feature masked: %s (leaf 0x%x.%u %s bit %u)",
		    f->name, f->leaf, f->sub,
		    (const char *const[]){"eax", "ebx", "ecx", "edx"}[f->reg],
		    f->bit);
	}
	for (uint32_t i = 0; i < o->n_present; i++) {
		const char *n = o->present[i];
		size_t len = o->present_len[i];
		const struct feature *f = feature_find(n, len);

		if (!f) {
			tap(false, "cpuid feature present: (unknown name)");
			continue;
		}
		tap(cpu_feature_present(n, len),
		    "cpuid feature present: %s (leaf 0x%x.%u %s bit %u)",
		    f->name, f->leaf, f->sub,
		    (const char *const[]){"eax", "ebx", "ecx", "edx"}[f->reg],
		    f->bit);
	}
}
