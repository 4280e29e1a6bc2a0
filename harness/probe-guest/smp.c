/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Application processors: INIT and SIPI broadcast to all but self through
 * the local APIC (xAPIC MMIO at 0xfee00000), the real-mode trampoline
 * copied to a free RAM page below 1 MiB, and each AP reporting in from long
 * mode with lock xadd. The BSP prints one test point per expected AP and
 * one for the total, so the TAP order does not depend on arrival order.
 */
#include "probe.h"

#define MSR_APIC_BASE	 0x1b
#define MSR_EFER	 0xc0000080u
#define LAPIC_SVR	 0xf0
#define LAPIC_ICR_LO	 0x300
#define LAPIC_ICR_HI	 0x310
#define ICR_PENDING	 (1u << 12)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_ASSERT	 (1u << 14)
#define ICR_INIT	 (5u << 8)
#define ICR_SIPI	 (6u << 8)

#define AP_LONG_MODE  0x1u
#define AP_PAGING     0x2u
#define AP_HYPERVISOR 0x4u

struct ap_report {
	volatile uint32_t done;
	volatile uint32_t apic_id;
	volatile uint32_t flags;
};

static struct ap_report reports[PROBE_MAX_CPUS];
static volatile uint32_t ap_arrived;
extern volatile uint32_t ap_next, ap_parked;

void ap_main(uint32_t index)
{
	struct ap_report *r = &reports[index];
	uint64_t cr0;
	uint32_t flags = 0;

	idt_load();
	if (rdmsr(MSR_EFER) & (1u << 10))
		flags |= AP_LONG_MODE;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	if (cr0 & (1u << 31))
		flags |= AP_PAGING;
	if (cpu_feature_present("hypervisor", 10))
		flags |= AP_HYPERVISOR;
	r->apic_id = cpu_apic_id();
	r->flags = flags;
	r->done = 1;
	__atomic_fetch_add(&ap_arrived, 1, __ATOMIC_SEQ_CST);
	for (;;)
		__asm__ volatile("cli; hlt");
}

uint32_t smp_test_count(const struct probe_opts *o)
{
	return o->vcpus > 1 ? o->vcpus : 1;
}

static bool icr_idle(uint64_t lapic)
{
	for (uint32_t i = 0; i < 10000; i++) {
		if (!(mmio_read32(lapic + LAPIC_ICR_LO) & ICR_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

static bool icr_send(uint64_t lapic, uint32_t lo)
{
	mmio_write32(lapic + LAPIC_ICR_HI, 0);
	mmio_write32(lapic + LAPIC_ICR_LO, lo);
	return icr_idle(lapic);
}

/* A free page of RAM below 1 MiB for the trampoline, clear of the boot
 * data; 0 if none. */
static uint64_t trampoline_page(const struct probe_boot *b)
{
	for (uint64_t p = 0x1000; p < 0x9f000; p += 0x1000) {
		bool clear = mem_is_ram(b, p, 0x1000);

		for (uint32_t i = 0; clear && i < b->n_used; i++)
			if (p <= b->used[i].hi && p + 0xfff >= b->used[i].lo)
				clear = false;
		if (clear)
			return p;
	}
	return 0;
}

static void all_fail(uint32_t n, const char *why)
{
	for (uint32_t i = 1; i < n; i++)
		tap(false, "smp: cpu %u reported in (%s)", i, why);
	tap(false, "smp: %u vcpus online (%s)", n, why);
}

void test_smp(const struct probe_boot *b, const struct probe_opts *o)
{
	uint32_t want = o->vcpus - 1, bsp = cpu_apic_id(), got, ids = 0;
	uint64_t base, lapic, page;
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);
	struct deadline d;
	bool resent = false;

	if (o->vcpus == 1) {
		tap(true, "smp: 1 vcpu (probe.vcpus=1), no APs started");
		return;
	}
	base = rdmsr(MSR_APIC_BASE);
	lapic = base & 0xfffff000u;
	info("smp: APIC base MSR 0x%lx, BSP APIC id %u", base, bsp);
	if (!(base & (1u << 11)) || (base & (1u << 10))) {
		all_fail(o->vcpus, "APIC disabled or in x2APIC mode");
		return;
	}
	page = trampoline_page(b);
	if (!page) {
		all_fail(o->vcpus, "no free RAM page below 1 MiB");
		return;
	}
	memcpy(phys(page), ap_trampoline_start, len);
	info("smp: trampoline at 0x%lx (SIPI vector 0x%lx), starting %u "
	     "APs",
	     page, page >> 12, want);
	mmio_write32(lapic + LAPIC_SVR, mmio_read32(lapic + LAPIC_SVR) | 0x1ff);
	if (!icr_idle(lapic) ||
	    !icr_send(lapic, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT)) {
		all_fail(o->vcpus, "ICR stays busy");
		return;
	}
	for (uint32_t i = 0; i < 10000; i++)
		cpu_relax();
	icr_send(lapic, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_SIPI |
			    (uint32_t)(page >> 12));
	deadline_start(&d, 10);
	while (ap_arrived < want && !deadline_passed(&d)) {
		/* The second SIPI of the MP spec, once, if they are slow. */
		if (!resent && d.seen >= 1) {
			resent = true;
			icr_send(lapic, ICR_ALL_BUT_SELF | ICR_ASSERT |
					    ICR_SIPI | (uint32_t)(page >> 12));
		}
		cpu_relax();
	}
	got = ap_arrived;
	for (uint32_t i = 0; i < want; i++) {
		struct ap_report *r = &reports[i];
		bool ok = r->done && (r->flags & AP_LONG_MODE) &&
			  (r->flags & AP_PAGING) && r->apic_id != bsp;

		if (r->done) {
			for (uint32_t j = 0; j < i; j++)
				if (reports[j].done &&
				    reports[j].apic_id == r->apic_id)
					ok = false;
			ids++;
		}
		if (r->done && !!(r->flags & AP_HYPERVISOR) != o->hypervisor)
			ok = false;
		tap(ok, "smp: cpu %u reported in (apic id %u, flags 0x%x)",
		    i + 1, r->apic_id, r->flags);
	}
	if (got > want || ap_parked)
		diag("smp: %u APs arrived, %u expected (%u parked)", got, want,
		     ap_parked);
	tap(got == want && ap_parked == 0 && ids == want,
	    "smp: %u vcpus online (%u APs reported in%s)", got + 1, got,
	    resent ? ", after a second SIPI" : "");
}
