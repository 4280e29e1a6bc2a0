/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvm-bare-runner: the smallest real use of /dev/kvm, to prove a KVM works
 * (inside the sandbox, or on the host). It creates a VM with one page of
 * guest code, runs a few real-mode instructions (arithmetic, port output
 * and input, memory stores, hlt) and checks every exit and the result.
 * Prints TAP; exit 0 when all pass, 1 on a failure, 77 (skip) without
 * /dev/kvm. Built static so the sandbox needs no libraries for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE 0x10000
#define CODE	 0x1000

/* At 0000:1000, 16-bit code. */
static const uint8_t code[] = {
    0xb8, 0x34, 0x12, /* mov $0x1234, %ax */
    0x05, 0x11, 0x11, /* add $0x1111, %ax */
    0xba, 0xf8, 0x03, /* mov $0x3f8, %dx */
    0xee,	      /* out %al, (%dx) */
    0xa3, 0x00, 0x20, /* mov %ax, 0x2000 */
    0xec,	      /* in (%dx), %al */
    0xa2, 0x02, 0x20, /* mov %al, 0x2002 */
    0xf4,	      /* hlt */
};

static int failed, n;

static int tap(int ok, const char *what)
{
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, what);
	failed |= !ok;
	return ok;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, exits = 0, outs = 0, ins = 0;
	long mmap_size;
	uint8_t *mem;
	double t0, t1, t2;

	printf("1..7\n");
	t0 = now();
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("# SKIP: cannot open /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	tap(ioctl(kvm, KVM_GET_API_VERSION, 0) == KVM_API_VERSION,
	    "KVM_GET_API_VERSION is 12");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!tap(vm >= 0 && mem != MAP_FAILED, "KVM_CREATE_VM, guest memory"))
		return 1;
	memcpy(mem + CODE, code, sizeof(code));
	region = (struct kvm_userspace_memory_region){
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = MEM_SIZE,
	    .userspace_addr = (uintptr_t)mem,
	};
	vcpu = -1;
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) == 0)
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	run = vcpu >= 0 && mmap_size > 0
		  ? mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu, 0)
		  : MAP_FAILED;
	if (!tap(run != MAP_FAILED, "memory slot, KVM_CREATE_VCPU, kvm_run"))
		return 1;
	ioctl(vcpu, KVM_GET_SREGS, &sregs);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	ioctl(vcpu, KVM_SET_SREGS, &sregs);
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE;
	regs.rflags = 0x2;
	ioctl(vcpu, KVM_SET_REGS, &regs);

	t1 = now();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			printf("# KVM_RUN: %s\n", strerror(errno));
			break;
		}
		exits++;
		if (run->exit_reason == KVM_EXIT_IO) {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;

			if (run->io.direction == KVM_EXIT_IO_OUT) {
				outs++;
				tap(run->io.port == 0x3f8 &&
					run->io.size == 1 && *data == 0x45,
				    "out %al, (%dx): port 0x3f8, value 0x45");
			} else {
				ins++;
				*data = 0x5a;
			}
			continue;
		}
		if (run->exit_reason != KVM_EXIT_HLT)
			printf("# unexpected exit reason %u\n",
			       run->exit_reason);
		break;
	}
	t2 = now();
	tap(run->exit_reason == KVM_EXIT_HLT && outs == 1 && ins == 1,
	    "exits: one out, one in, then hlt");
	ioctl(vcpu, KVM_GET_REGS, &regs);
	tap((regs.rax & 0xffff) == 0x235a && regs.rip == CODE + sizeof(code),
	    "registers: ax = 0x235a, rip after the hlt");
	tap(mem[0x2000] == 0x45 && mem[0x2001] == 0x23 && mem[0x2002] == 0x5a,
	    "memory: the guest's stores are in our mapping");
	printf("# setup %.1f ms, run %.1f ms, %d exits\n", (t1 - t0) * 1e3,
	       (t2 - t1) * 1e3, exits);
	return failed;
}
