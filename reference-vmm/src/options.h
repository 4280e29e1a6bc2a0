/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command line of the reference VMM: parsing, validation, --help.
 * Pure: no file is opened here (the kernel's readability is checked by
 * the loader, /dev/kvm by the VM set-up), so every rule is unit-testable.
 *
 * Ownership: the strings in struct rvmm_options point into argv, which
 * must outlive the options.
 */
#ifndef RVMM_OPTIONS_H
#define RVMM_OPTIONS_H

#include "err.h"

#include <cvmm/x86-cpuid.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum rvmm_serial {
	RVMM_SERIAL_STDOUT,
	RVMM_SERIAL_FILE,
	RVMM_SERIAL_NONE,
};

/* Where the virtio console's output goes (--console). */
enum rvmm_vconsole {
	RVMM_VCONSOLE_OFF, /* no virtio console device */
	RVMM_VCONSOLE_FILE,
	RVMM_VCONSOLE_STDOUT,
	RVMM_VCONSOLE_NONE, /* a device whose output is discarded */
};

/* A --disk: a file and whether the guest may write it. The path is the
 * first path_len bytes of the option's value (before ",ro"). */
struct rvmm_disk {
	const char *path;
	size_t path_len; /* below RVMM_PATH_MAX */
	bool read_only;
};

enum rvmm_protocol {
	RVMM_PROTOCOL_AUTO,    /* bzImage: 64-bit boot protocol; ELF: PVH */
	RVMM_PROTOCOL_LINUX64, /* a bzImage through its 64-bit entry */
	RVMM_PROTOCOL_PVH,     /* an ELF's PVH entry; for a bzImage, the
				  vmlinux extracted from its payload */
};

/* Limits of the options. */
#define RVMM_MEM_MIN_MIB  8u
#define RVMM_MEM_MAX_MIB  (1u << 20)
#define RVMM_VCPUS_MAX	  128u
#define RVMM_TIMEOUT_MAX  (7u * 24 * 3600)
#define RVMM_DEFAULT_MEM  256u
#define RVMM_DEFAULT_LINE "console=ttyS0 reboot=k panic=1 pci=off"
/* virtio-mmio devices in all (--disk, --net, --rng, --console): one per
 * IOAPIC pin left free by the timer and the legacy devices (virtio.h). */
#define RVMM_VIRTIO_MAX 18u
/* Longest --disk path, with its NUL (Linux's PATH_MAX). */
#define RVMM_PATH_MAX 4096u
/* A tap interface's name: at most IFNAMSIZ - 1 bytes. */
#define RVMM_TAP_NAME_MAX 15u

struct rvmm_options {
	const char *kernel;
	const char *initrd;  /* NULL: none */
	const char *cmdline; /* RVMM_DEFAULT_LINE when not given */
	uint32_t mem_mib;
	uint32_t vcpus;
	const char *cpu_template; /* as given, "" when none */
	struct cvmm_x86_template tmpl;
	enum rvmm_serial serial;
	const char *serial_path; /* RVMM_SERIAL_FILE */
	uint32_t boot_timeout_s; /* 0: none */
	enum rvmm_protocol protocol;
	const char *kvm_path; /* /dev/kvm */
	/* virtio devices, created in this order: disks, net, rng, console. */
	struct rvmm_disk disks[RVMM_VIRTIO_MAX];
	uint32_t ndisks;
	const char *net_tap; /* --net tap=NAME, NULL: none */
	bool rng;
	enum rvmm_vconsole vconsole;
	const char *vconsole_path; /* RVMM_VCONSOLE_FILE */
	bool seccomp;		   /* --no-seccomp clears it (debugging only) */
	bool help;
};

/*
 * Parse argv[1..argc) into *o. -EINVAL with a message naming the option
 * for anything wrong; on --help, o->help is set and the rest is not
 * checked.
 */
RVMM_MUST_CHECK int rvmm_options_parse(int argc, char *const argv[],
				       struct rvmm_options *o,
				       struct rvmm_err *e);

/* The --help text, exit codes included. */
void rvmm_options_usage(FILE *f);

#endif
