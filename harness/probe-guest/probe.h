/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probe guest: a freestanding x86-64 program that checks what a VMM
 * handed it and reports TAP on COM1. Everything here runs in the guest, in
 * long mode, identity-mapped over the first 4 GiB, with interrupts off.
 *
 * Only general-purpose registers and instructions that KVM's instruction
 * emulator knows are used (no SSE, no FPU, no int3, no cmpxchg16b): the
 * host this project tests on emulates every guest instruction.
 */
#ifndef PROBE_H
#define PROBE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the probe was entered (the first argument of probe_main()). */
enum probe_entry {
	PROBE_ENTRY_BZ64 = 1, /* bzImage 64-bit entry, rsi = boot_params */
	PROBE_ENTRY_BZ32 = 2, /* bzImage 32-bit entry, esi = boot_params */
	PROBE_ENTRY_BZ16 = 3, /* bzImage real-mode setup (ours), then 32-bit */
	PROBE_ENTRY_PVH = 4,  /* PVH, ebx = hvm_start_info */
};

/* Marker our real-mode setup code leaves in boot_params.scratch (0x1e4). */
#define PROBE_SCRATCH_BZ16 0x36314250u /* "PB16" */

#define PROBE_MAX_CPUS 16u

/* Linker-script symbols (see probe-elf.ld / probe-bz.ld). */
extern char probe_image_start[], probe_image_end[];
extern char ap_trampoline_start[], ap_trampoline_end[];

/* ---- port and MMIO access (io.c has the rest) ---- */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v),
			   "d"((uint32_t)(v >> 32)));
}
/*
 * A physical address as a pointer (the probe runs identity-mapped). The
 * empty asm hides the constant from gcc, which otherwise warns about
 * dereferencing small literal addresses (-Warray-bounds).
 */
static inline void *phys(uint64_t a)
{
	__asm__("" : "+r"(a));
	return (void *)(uintptr_t)a;
}
/* Little-endian reads from guest memory. */
static inline uint8_t rd8(uint64_t a)
{
	return *(const volatile uint8_t *)phys(a);
}
static inline uint16_t rd16(uint64_t a)
{
	return *(const volatile uint16_t *)phys(a);
}
static inline uint32_t rd32(uint64_t a)
{
	return *(const volatile uint32_t *)phys(a);
}
static inline uint64_t rd64(uint64_t a)
{
	return *(const volatile uint64_t *)phys(a);
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)phys(addr);
}
static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)phys(addr) = v;
}

/* ---- freestanding library (io.c) ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
bool str_eq_n(const char *a, const char *b, size_t n);

void serial_init(void);
void serial_putc(char c);
/* After writing the UART directly: look at LSR before the next byte. */
void serial_resync(void);
/* print() and vprint() do not lock: callers printing from several CPUs
 * hold print_lock() around a whole line (tap(), diag() and check() do). */
void print_lock(void);
void print_unlock(void);
__attribute__((format(printf, 1, 0))) void vprint(const char *fmt, va_list ap);
__attribute__((format(printf, 1, 2))) void print(const char *fmt, ...);

/* ---- TAP (main.c) ---- */
/* A diagnostic line: "# " + the message + newline. */
__attribute__((format(printf, 1, 2))) void diag(const char *fmt, ...);
/* One test point: "ok N - ..." or "not ok N - ...". Returns ok. */
__attribute__((format(printf, 2, 3))) bool tap(bool ok, const char *fmt, ...);
/* Like diag(), only with probe.verbose=1. */
extern bool probe_verbose;
__attribute__((format(printf, 1, 2))) void info(const char *fmt, ...);
/* A test point that was not run: "ok N - ... # SKIP reason". */
__attribute__((format(printf, 2, 3))) void tap_skip(const char *reason,
						    const char *fmt, ...);
/* Stop now: "Bail out! ..." then the reset. */
__attribute__((noreturn, format(printf, 1, 2))) void bail(const char *fmt, ...);
/* A failed sub-check inside the current test: a diagnostic, and the test
 * will fail. check() returns cond. */
__attribute__((format(printf, 2, 3))) bool check(bool cond, const char *fmt,
						 ...);
/* Start counting failed checks for a new test point. */
void checks_begin(void);
/* Whether every check since checks_begin() held. */
bool checks_ok(void);

/* ---- time (devices.c) ---- */
/* Wall-clock deadline from the RTC, with a spin-count fallback when the RTC
 * does not tick (no RTC, or a stopped one). */
struct deadline {
	uint32_t seconds;   /* seconds to wait */
	uint32_t seen;	    /* RTC second changes seen */
	uint8_t last;	    /* the last RTC seconds value read */
	uint64_t spins;	    /* calls of deadline_passed() */
	uint64_t max_spins; /* fallback limit */
};
void deadline_start(struct deadline *d, uint32_t seconds);
bool deadline_passed(struct deadline *d);

/* ---- options from the command line (main.c) ---- */
enum probe_hang { HANG_NONE, HANG_SPIN, HANG_HALT };
enum probe_tristate { TRI_AUTO, TRI_NO, TRI_YES };

#define PROBE_MAX_NAMES 32u
#define PROBE_MAX_AVOID 16u

struct probe_range {
	uint64_t lo, hi; /* inclusive */
};

struct probe_opts {
	uint32_t vcpus;
	uint32_t expect_entry; /* 0: any, else enum probe_entry */
	uint64_t mem_mib;      /* 0: not checked */
	enum probe_tristate initrd;
	enum probe_tristate acpi;
	bool hypervisor; /* the CPUID hypervisor bit expected */
	bool triple_fault;
	bool poweroff; /* end through the FADT's sleep control register */
	enum probe_hang hang;
	uint32_t hostile_ports; /* number of accesses */
	uint32_t hostile_mmio;
	uint64_t seed;
	bool seed_given;
	uint32_t n_masked, n_present;
	const char *masked[PROBE_MAX_NAMES];
	size_t masked_len[PROBE_MAX_NAMES];
	const char *present[PROBE_MAX_NAMES];
	size_t present_len[PROBE_MAX_NAMES];
	uint32_t n_avoid;
	struct probe_range avoid[PROBE_MAX_AVOID]; /* extra ports to avoid */
	bool skip_serial, skip_rtc;
	bool memmap_sanitize; /* sort and drop empty entries first */
	bool virtio;	      /* drive every virtio-mmio device */
	bool hostile_virtio;  /* break every virtio-mmio device on purpose */
	uint32_t unknown;     /* unknown probe.* options seen */
};

/* ---- what the boot handed over (bootinfo.c) ---- */
struct probe_mem_entry {
	uint64_t addr, size;
	uint32_t type;
};
#define PROBE_MAX_MEM 128u

struct probe_boot {
	enum probe_entry entry;
	uint64_t info;	  /* boot_params or hvm_start_info address */
	uint64_t cmdline; /* 0: none */
	uint64_t cmdline_max;
	uint64_t initrd_addr, initrd_size;
	uint64_t rsdp; /* 0: not given */
	uint32_t n_mem;
	struct probe_mem_entry mem[PROBE_MAX_MEM];
	/* The ACPI power-off path (probe.poweroff=1), found by
	 * test_acpi_poweroff(): where to write, and what. */
	bool sleep_found;
	bool sleep_mmio; /* system memory, else a port */
	uint64_t sleep_control, sleep_status;
	uint8_t sleep_s5; /* (SLP_TYP of \_S5_ << 2) | SLP_EN */
	/* Ranges the boot data occupies, kept clear of the AP trampoline. */
	uint32_t n_used;
	struct probe_range used[8];
};

/* Locate the command line and memory map (no TAP output). */
void boot_locate(struct probe_boot *b);
/* The test points. */
void test_entry(const struct probe_boot *b, const struct probe_opts *o);
void test_bootinfo(const struct probe_boot *b);
void test_cmdline(const struct probe_boot *b, const struct probe_opts *o);
void test_memmap(struct probe_boot *b, const struct probe_opts *o);
void test_initrd(const struct probe_boot *b, const struct probe_opts *o);
void test_acpi(const struct probe_boot *b, const struct probe_opts *o);
void test_acpi_poweroff(struct probe_boot *b);
bool mem_is_ram(const struct probe_boot *b, uint64_t addr, uint64_t size);
/* The RSDP: the one the loader gave, else found by the BIOS-area scan;
 * 0 when there is none (not validated). */
uint64_t acpi_find_rsdp(const struct probe_boot *b);

/* cpu.c */
uint32_t cpu_apic_id(void);
bool cpu_feature_known(const char *name, size_t len);
bool cpu_feature_present(const char *name, size_t len);
void test_cpuid(const struct probe_opts *o);
void test_cpuid_masked(const struct probe_opts *o);

/* devices.c */
void test_serial_loopback(const struct probe_opts *o);
void test_rtc(const struct probe_opts *o);
void test_hostile_ports(const struct probe_opts *o);
void test_hostile_mmio(const struct probe_boot *b, const struct probe_opts *o);
__attribute__((noreturn)) void probe_reset(void);
__attribute__((noreturn)) void probe_poweroff(const struct probe_boot *b);
__attribute__((noreturn)) void probe_triple_fault(void);
uint64_t prng_next(uint64_t *state);

/* virtio.c */
/* Find the virtio-mmio devices (quietly) and say how many test points
 * test_virtio() and test_hostile_virtio() print for the options. */
uint32_t virtio_plan(const struct probe_boot *b, const struct probe_opts *o);
void test_virtio(const struct probe_boot *b, const struct probe_opts *o);
void test_hostile_virtio(const struct probe_boot *b,
			 const struct probe_opts *o);

/* smp.c */
/* Number of test points test_smp() prints for the options. */
uint32_t smp_test_count(const struct probe_opts *o);
void test_smp(const struct probe_boot *b, const struct probe_opts *o);
void ap_main(uint32_t index);

/* entry.S / main.c */
void idt_load(void);
void probe_main(uint32_t entry, uint64_t info);

#endif
