/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvm-bare-boot: the bare KVM floor. Boots the probe guest with the least
 * a VMM must do, straight on /dev/kvm and none of cvmm's components:
 *
 *   - an ELF with a PVH note: loaded by p_paddr, entered in 32-bit
 *     protected mode with ebx = hvm_start_info (version 1, memory map,
 *     initrd as module 0);
 *   - a bzImage with XLF_KERNEL_64: protected-mode part at pref_address,
 *     zero page (header copy, e820, command line, initrd), entered in long
 *     mode at load address + 0x200 with rsi = boot_params, identity-mapped
 *     first GiB; or, with --bz-entry 32, in flat 32-bit protected mode at
 *     code32_start with esi = boot_params.
 *
 * In-kernel irqchip (so the guest's INIT/SIPI start the other vCPUs, one
 * thread each), CPUID from KVM_GET_SUPPORTED_CPUID with the hypervisor bit
 * and per-vCPU APIC ids, a 16550 on COM1 (output to stdout, MCR loopback),
 * a CMOS RTC (host UTC, BCD, 24h), the i8042's reset line. Other ports and
 * MMIO read as all ones and ignore writes.
 *
 * It takes the reference VMM's options, so probe-check can drive it:
 *   kvm-bare-boot --kernel IMAGE [--cmdline S] [--initrd F] [--mem MIB]
 *                 [--vcpus N] [--boot-timeout S] [--bz-entry 64|32]
 * Exit status: 0 the guest reset through the i8042; 2 shutdown (triple
 * fault); 3 a KVM error or unexpected exit (reported); 124 boot timeout;
 * 1 bad arguments or setup failure; 77 no usable /dev/kvm. On stderr: the
 * time from start to the guest's end.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_VCPUS   16
#define GDT_ADDR    0x500
#define PVH_INFO    0x6000
#define PVH_MODLIST 0x6040
#define PVH_MEMMAP  0x6080
#define ZERO_PAGE   0x7000
#define PML4	    0x9000
#define PDPT	    0xa000
#define PD	    0xb000
#define CMDLINE	    0x20000
#define CMDLINE_MAX 4096
#define HIMEM	    0x100000

struct vcpu {
	int fd;
	struct kvm_run *run;
	unsigned index;
	pthread_t thread;
};

static int kvm_fd, vm_fd;
static uint8_t *mem;
static uint64_t mem_size;
static struct vcpu vcpus[MAX_VCPUS];
static unsigned n_vcpus = 1;
static long run_size;
static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec t_start;

/* ---- small helpers ---- */

static void die(const char *what)
{
	fprintf(stderr, "kvm-bare-boot: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t_start.tv_sec) +
	       (double)(t.tv_nsec - t_start.tv_nsec) / 1e9;
}

static void end(int status, const char *why)
{
	fflush(stdout);
	fprintf(stderr, "kvm-bare-boot: %s after %.3f s (exit %d)\n", why,
		elapsed(), status);
	_exit(status);
}

static void on_alarm(int sig)
{
	static const char msg[] = "\nkvm-bare-boot: boot timeout (exit 124)\n";

	(void)sig;
	/* Async-signal-safe: no stdio here. */
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(124);
	_exit(124);
}

static void *guest(uint64_t gpa, uint64_t len)
{
	if (gpa > mem_size || len > mem_size - gpa) {
		fprintf(stderr,
			"kvm-bare-boot: 0x%llx+0x%llx is outside the "
			"%llu MiB of guest memory\n",
			(unsigned long long)gpa, (unsigned long long)len,
			(unsigned long long)(mem_size >> 20));
		exit(1);
	}
	return mem + gpa;
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(guest(gpa, 4), &v, 4);
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(guest(gpa, 8), &v, 8);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	FILE *f = fopen(path, "rb");

	if (!f || fstat(fileno(f), &st) != 0 || st.st_size <= 0)
		die(path);
	buf = malloc((size_t)st.st_size);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die(path);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

/* ---- devices ---- */

static uint8_t uart[8], uart_dll = 1, uart_dlm, uart_rx;
static bool uart_rx_full;

static uint8_t uart_read(unsigned reg)
{
	bool dlab = uart[3] & 0x80;
	uint8_t mcr = uart[4];

	switch (reg) {
	case 0:
		if (dlab)
			return uart_dll;
		uart_rx_full = false;
		return uart_rx;
	case 1:
		return dlab ? uart_dlm : uart[1];
	case 2:
		return (uart[2] & 1) ? 0xc1 : 0x01; /* no interrupt pending */
	case 5:
		return (uint8_t)(0x60 | (uart_rx_full ? 1 : 0));
	case 6:
		/* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
		if (mcr & 0x10)
			return (uint8_t)(((mcr & 1) << 5) | ((mcr & 2) << 3) |
					 ((mcr & 4) << 4) | ((mcr & 8) << 4));
		return 0xb0;
	default:
		return uart[reg];
	}
}

static void uart_write(unsigned reg, uint8_t v)
{
	bool dlab = uart[3] & 0x80;

	if (reg == 0 && dlab) {
		uart_dll = v;
	} else if (reg == 1 && dlab) {
		uart_dlm = v;
	} else if (reg == 0) {
		if (uart[4] & 0x10) {
			uart_rx = v;
			uart_rx_full = true;
		} else {
			putchar(v);
			if (v == '\n')
				fflush(stdout);
		}
	} else {
		uart[reg] = v;
	}
}

static uint8_t cmos_index;

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t cmos_read(void)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (cmos_index & 0x7f) {
	case 0x00:
		return bcd(tm.tm_sec);
	case 0x02:
		return bcd(tm.tm_min);
	case 0x04:
		return bcd(tm.tm_hour);
	case 0x06:
		return bcd(tm.tm_wday + 1);
	case 0x07:
		return bcd(tm.tm_mday);
	case 0x08:
		return bcd(tm.tm_mon + 1);
	case 0x09:
		return bcd(tm.tm_year % 100);
	case 0x32:
		return bcd(19 + tm.tm_year / 100);
	case 0x0a:
		return 0x26;
	case 0x0b:
		return 0x02;
	case 0x0d:
		return 0x80;
	default:
		return 0;
	}
}

static void pio(struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint16_t port = run->io.port;

	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		bool in = run->io.direction == KVM_EXIT_IO_IN;

		if (port >= 0x3f8 && port <= 0x3ff && run->io.size == 1) {
			if (in)
				*data = uart_read(port - 0x3f8u);
			else
				uart_write(port - 0x3f8u, *data);
		} else if (port == 0x70 && !in) {
			cmos_index = *data;
		} else if (port == 0x71 && in) {
			*data = cmos_read();
		} else if (port == 0x64 && !in && *data == 0xfe) {
			end(0, "reset through the i8042");
		} else if ((port == 0x64 || port == 0x60) && in) {
			*data = 0;
		} else if (in) {
			memset(data, 0xff, run->io.size);
		}
	}
}

/* ---- vCPUs ---- */

static void *vcpu_loop(void *arg)
{
	struct vcpu *v = arg;
	struct kvm_run *run = v->run;

	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "kvm-bare-boot: KVM_RUN: %s\n",
				strerror(errno));
			end(3, "KVM_RUN failed");
		}
		pthread_mutex_lock(&io_lock);
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			pio(run);
			break;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff,
				       sizeof(run->mmio.data));
			break;
		case KVM_EXIT_SHUTDOWN:
			end(2, "shutdown (triple fault)");
			break;
		case KVM_EXIT_HLT:
			end(3, "hlt without an irqchip");
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr,
				"kvm-bare-boot: vCPU %u internal error, "
				"suberror %u\n",
				v->index, run->internal.suberror);
			end(3, "KVM internal error");
			break;
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr,
				"kvm-bare-boot: vCPU %u entry failed, reason "
				"0x%llx\n",
				v->index,
				(unsigned long long)run->fail_entry
				    .hardware_entry_failure_reason);
			end(3, "VM entry failed");
			break;
		default:
			fprintf(stderr, "kvm-bare-boot: vCPU %u exit %u\n",
				v->index, run->exit_reason);
			end(3, "unexpected exit");
		}
		pthread_mutex_unlock(&io_lock);
	}
	return NULL;
}

static void set_cpuid(struct vcpu *v)
{
	size_t n = 128;
	struct kvm_cpuid2 *c =
	    calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));

	if (!c)
		die("calloc");
	c->nent = (uint32_t)n;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0)
		die("KVM_GET_SUPPORTED_CPUID");
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ecx |= 1u << 31; /* hypervisor */
			e->ebx = (e->ebx & 0x00ffffffu) | (v->index << 24);
		}
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = v->index; /* x2APIC id */
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		die("KVM_SET_CPUID2");
	free(c);
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, bool code64, bool big)
{
	struct kvm_segment s = {
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = sel,
	    .type = type,
	    .present = 1,
	    .dpl = 0,
	    .db = big,
	    .s = 1,
	    .l = code64,
	    .g = 1,
	};
	return s;
}

/* ---- loading ---- */

struct e820 {
	uint64_t addr, size;
	uint32_t type;
};

static struct e820 map[4];
static unsigned n_map;

static void memory_map(void)
{
	map[0] = (struct e820){0, 0x9fc00, 1};
	map[1] = (struct e820){0x9fc00, HIMEM - 0x9fc00, 2};
	map[2] = (struct e820){HIMEM, mem_size - HIMEM, 1};
	n_map = 3;
}

/* Returns the PVH entry. */
static uint64_t load_elf(const uint8_t *f, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)f;
	uint64_t pvh = 0;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len) {
		fprintf(stderr, "kvm-bare-boot: not an x86-64 ELF\n");
		exit(1);
	}
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph =
		    (const void *)(f + eh->e_phoff + i * sizeof(Elf64_Phdr));

		if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset) {
			fprintf(stderr,
				"kvm-bare-boot: segment %u outside "
				"the file\n",
				i);
			exit(1);
		}
		if (ph->p_type == PT_LOAD) {
			uint8_t *dst = guest(ph->p_paddr, ph->p_memsz);

			memcpy(dst, f + ph->p_offset, ph->p_filesz);
			memset(dst + ph->p_filesz, 0,
			       ph->p_memsz - ph->p_filesz);
		} else if (ph->p_type == PT_NOTE) {
			uint64_t align = ph->p_align == 8 ? 8 : 4, o = 0;

			while (o + 12 <= ph->p_filesz) {
				const uint8_t *n = f + ph->p_offset + o;
				uint32_t namesz, descsz, type;
				uint64_t desc;

				memcpy(&namesz, n, 4);
				memcpy(&descsz, n + 4, 4);
				memcpy(&type, n + 8, 4);
				desc =
				    12 + ((namesz + align - 1) & ~(align - 1));
				if (desc + descsz > ph->p_filesz - o)
					break;
				if (type == 18 && namesz == 4 &&
				    memcmp(n + 12, "Xen", 4) == 0) {
					pvh = 0;
					memcpy(&pvh, n + desc,
					       descsz < 8 ? descsz : 8);
				}
				o += desc +
				     ((descsz + align - 1) & ~(align - 1));
			}
		}
	}
	if (!pvh) {
		fprintf(stderr, "kvm-bare-boot: the ELF has no PVH note\n");
		exit(1);
	}
	return pvh;
}

/* Returns the 64-bit entry. */
static uint64_t load_bzimage(const uint8_t *f, size_t len, uint64_t cmdline_len,
			     uint64_t initrd, uint64_t initrd_len)
{
	uint8_t *zp = guest(ZERO_PAGE, 4096);
	unsigned setup = f[0x1f1] ? f[0x1f1] : 4, hdr_end;
	uint64_t load = HIMEM, ksize;
	uint16_t version;

	memcpy(&version, f + 0x206, 2);
	if (len < 0x300 || memcmp(f + 0x202, "HdrS", 4) != 0 ||
	    version < 0x20c || !(f[0x236] & 1)) {
		fprintf(stderr, "kvm-bare-boot: not a bzImage with a 64-bit "
				"entry (protocol 2.12+, XLF_KERNEL_64)\n");
		exit(1);
	}
	if (version >= 0x20a && !f[0x234])
		memcpy(&load, f + 0x258, 8); /* pref_address */
	ksize = len - (setup + 1) * 512u;
	memcpy(guest(load, ksize), f + (setup + 1) * 512u, ksize);

	memset(zp, 0, 4096);
	hdr_end = 0x202u + f[0x201];
	memcpy(zp + 0x1f1, f + 0x1f1, hdr_end - 0x1f1);
	zp[0x210] = 0xff;  /* type_of_loader: undefined */
	zp[0x211] |= 0x80; /* CAN_USE_HEAP */
	memcpy(zp + 0x228, &(uint32_t){CMDLINE}, 4);
	(void)cmdline_len;
	if (initrd_len) {
		memcpy(zp + 0x218, &(uint32_t){(uint32_t)initrd}, 4);
		memcpy(zp + 0x21c, &(uint32_t){(uint32_t)initrd_len}, 4);
	}
	zp[0x1e8] = (uint8_t)n_map;
	for (unsigned i = 0; i < n_map; i++) {
		memcpy(zp + 0x2d0 + 20 * i, &map[i].addr, 8);
		memcpy(zp + 0x2d0 + 20 * i + 8, &map[i].size, 8);
		memcpy(zp + 0x2d0 + 20 * i + 16, &map[i].type, 4);
	}
	return load + 0x200;
}

static void pvh_info(uint64_t initrd, uint64_t initrd_len)
{
	memset(guest(PVH_INFO, 0x1000), 0, 0x1000);
	put32(PVH_INFO + 0, 0x336ec578);
	put32(PVH_INFO + 4, 1);
	put32(PVH_INFO + 12, initrd_len ? 1 : 0);
	put64(PVH_INFO + 16, initrd_len ? PVH_MODLIST : 0);
	put64(PVH_INFO + 24, CMDLINE);
	put64(PVH_INFO + 40, PVH_MEMMAP);
	put32(PVH_INFO + 48, n_map);
	if (initrd_len) {
		put64(PVH_MODLIST, initrd);
		put64(PVH_MODLIST + 8, initrd_len);
	}
	for (unsigned i = 0; i < n_map; i++) {
		put64(PVH_MEMMAP + 24 * i, map[i].addr);
		put64(PVH_MEMMAP + 24 * i + 8, map[i].size);
		put32(PVH_MEMMAP + 24 * i + 16, map[i].type);
	}
}

int main(int argc, char **argv)
{
	const char *kernel = NULL, *cmdline = "", *initrd_path = NULL;
	uint64_t mib = 128, entry, initrd = 0, initrd_len = 0;
	unsigned timeout = 0, bz_entry = 64;
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint8_t *img;
	size_t img_len;
	bool pvh;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--kernel") == 0)
			kernel = argv[i + 1];
		else if (strcmp(argv[i], "--cmdline") == 0)
			cmdline = argv[i + 1];
		else if (strcmp(argv[i], "--initrd") == 0)
			initrd_path = argv[i + 1];
		else if (strcmp(argv[i], "--mem") == 0)
			mib = strtoull(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--vcpus") == 0)
			n_vcpus = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--bz-entry") == 0)
			bz_entry = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--boot-timeout") == 0)
			timeout = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else
			kernel = NULL, i = argc;
	}
	if (!kernel || mib < 16 || mib > 3072 || n_vcpus < 1 ||
	    n_vcpus > MAX_VCPUS || strlen(cmdline) >= CMDLINE_MAX ||
	    (bz_entry != 64 && bz_entry != 32)) {
		fprintf(stderr,
			"usage: kvm-bare-boot --kernel IMAGE [--cmdline S] "
			"[--initrd F] [--mem 16..3072] [--vcpus 1..%d] "
			"[--boot-timeout S] [--bz-entry 64|32]\n",
			MAX_VCPUS);
		return 1;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0) {
		printf("kvm-bare-boot: SKIP: cannot open /dev/kvm: %s\n",
		       strerror(errno));
		return 77;
	}
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		die("KVM_SET_TSS_ADDR");
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP");
	mem_size = mib << 20;
	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	region = (struct kvm_userspace_memory_region){
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = mem_size,
	    .userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	memory_map();
	strcpy(guest(CMDLINE, CMDLINE_MAX), cmdline);
	if (initrd_path) {
		uint8_t *rd = slurp(initrd_path, &img_len);

		initrd_len = img_len;
		initrd = ((mem_size < 0x38000000 ? mem_size : 0x38000000) -
			  initrd_len) &
			 ~0xfffull;
		memcpy(guest(initrd, initrd_len), rd, initrd_len);
		free(rd);
	}
	img = slurp(kernel, &img_len);
	pvh = img_len >= 4 && memcmp(img, ELFMAG, SELFMAG) == 0;
	if (pvh) {
		entry = load_elf(img, img_len);
		pvh_info(initrd, initrd_len);
	} else {
		entry = load_bzimage(img, img_len, strlen(cmdline), initrd,
				     initrd_len);
	}
	free(img);

	/* GDT: 0x08 32-bit code, 0x10 code (64-bit for the bzImage, the
	 * Linux __BOOT_CS), 0x18 data (__BOOT_DS). Identity-mapped first GiB
	 * for the 64-bit entry. */
	put64(GDT_ADDR + 0x08, 0x00cf9b000000ffffull);
	put64(GDT_ADDR + 0x10, 0x00af9b000000ffffull);
	put64(GDT_ADDR + 0x18, 0x00cf93000000ffffull);
	put64(PML4, PDPT | 3);
	put64(PDPT, PD | 3);
	for (uint64_t i = 0; i < 512; i++)
		put64(PD + 8 * i, (i << 21) | 0x83);

	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	for (unsigned i = 0; i < n_vcpus; i++) {
		struct vcpu *v = &vcpus[i];

		v->index = i;
		v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			die("KVM_CREATE_VCPU");
		v->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED)
			die("mmap kvm_run");
		set_cpuid(v);
	}

	/* The boot vCPU; the others wait for INIT/SIPI in the irqchip. */
	if (ioctl(vcpus[0].fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.gdt.base = GDT_ADDR;
	sregs.gdt.limit = 0x1f;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.tr = seg(0x20, 11, false, false);
	sregs.tr.s = 0;
	sregs.tr.limit = 0x67;
	sregs.tr.g = 0;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	regs.rip = entry;
	if (!pvh && bz_entry == 32) {
		memcpy(&regs.rip, guest(ZERO_PAGE + 0x214, 4), 4);
		regs.rsi = ZERO_PAGE;
	}
	if (pvh || bz_entry == 32) {
		sregs.cs = seg(0x08, 11, false, true);
		sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		    seg(0x18, 3, false, true);
		sregs.cr0 = 0x11; /* PE, ET */
		sregs.cr4 = 0;
		sregs.efer = 0;
		if (pvh)
			regs.rbx = PVH_INFO;
	} else {
		sregs.cs = seg(0x10, 11, true, false);
		sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		    seg(0x18, 3, false, true);
		sregs.cr0 = 0x80000011; /* PG, ET, PE */
		sregs.cr3 = PML4;
		sregs.cr4 = 0x20;   /* PAE */
		sregs.efer = 0x500; /* LME, LMA */
		regs.rsi = ZERO_PAGE;
	}
	if (ioctl(vcpus[0].fd, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	if (ioctl(vcpus[0].fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

	if (timeout) {
		signal(SIGALRM, on_alarm);
		alarm(timeout);
	}
	for (unsigned i = 1; i < n_vcpus; i++)
		if (pthread_create(&vcpus[i].thread, NULL, vcpu_loop,
				   &vcpus[i]) != 0)
			die("pthread_create");
	vcpu_loop(&vcpus[0]);
	return 3;
}
