/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the test KVM itself (cvmm/kvm-test.h): the fake kernel's
 * answers to mistakes, its limits, its controls, the pass-through mode's
 * accounting, and the real system-call ops reporting errno.
 */
#define _GNU_SOURCE
#include <cvmm/kvm-test.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc-fail.h"

static struct cvmm_kvm_test *fake(void)
{
	struct cvmm_kvm_test *t;

	assert_int_equal(cvmm_kvm_test_create(CVMM_KVM_TEST_FAKE, &t), 0);
	return t;
}

/* An ioctl through the fake's ops, as the library would make it. */
static int fioctl(struct cvmm_kvm_test *t, int fd, unsigned long request,
		  const void *arg)
{
	return cvmm_kvm_test_ops.ioctl(t, fd, request,
				       (unsigned long)(uintptr_t)arg);
}

static int fvalue(struct cvmm_kvm_test *t, int fd, unsigned long request,
		  unsigned long value)
{
	return cvmm_kvm_test_ops.ioctl(t, fd, request, value);
}

static int fopen_kvm(struct cvmm_kvm_test *t)
{
	int fd = cvmm_kvm_test_ops.open(t, "/dev/kvm");

	assert_true(fd >= 0);
	return fd;
}

static void controls(void **state)
{
	struct cvmm_kvm_test *t;
	int sys;

	(void)state;
	cvmm_alloc_fail_nth(1);
	assert_int_equal(cvmm_kvm_test_create(CVMM_KVM_TEST_FAKE, &t), -ENOMEM);
	cvmm_alloc_fail_nth(0);
	t = fake();
	assert_int_equal(cvmm_kvm_test_fail_nth(t, 1, 0), -EINVAL);
	assert_int_equal(cvmm_kvm_test_fail_nth(t, 1, 5), -EINVAL);
	/* Armed then disarmed: nothing fires. */
	assert_int_equal(cvmm_kvm_test_fail_nth(t, 1, -EIO), 0);
	assert_int_equal(cvmm_kvm_test_fail_nth(t, 0, -EIO), 0);
	sys = fopen_kvm(t);
	assert_false(cvmm_kvm_test_failure_fired(t));
	assert_int_equal(cvmm_kvm_test_calls(t), 1);
	assert_int_equal(fioctl(t, sys, KVM_GET_API_VERSION, NULL), 12);
	assert_int_equal(cvmm_kvm_test_last_request(t), KVM_GET_API_VERSION);
	assert_int_equal(fioctl(t, sys, 0x1234, NULL), -ENOTTY);

	/* Capabilities: change, remove, remove again, add to the limit. */
	assert_int_equal(cvmm_kvm_test_set_cap(t, KVM_CAP_IRQCHIP, 5), 0);
	assert_int_equal(fvalue(t, sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP),
			 5);
	assert_int_equal(cvmm_kvm_test_set_cap(t, KVM_CAP_IRQCHIP, 0), 0);
	assert_int_equal(fvalue(t, sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP),
			 0);
	assert_int_equal(cvmm_kvm_test_set_cap(t, KVM_CAP_IRQCHIP, 0), 0);
	for (unsigned cap = 1000;; cap++) {
		int rc = cvmm_kvm_test_set_cap(t, cap, 1);

		if (rc != 0) {
			assert_int_equal(rc, -ENOSPC);
			break;
		}
	}
	assert_int_equal(cvmm_kvm_test_set_supported_cpuid(t, NULL, 257),
			 -E2BIG);
	assert_int_equal(cvmm_kvm_test_set_supported_cpuid(t, NULL, 0), 0);
	assert_int_equal(cvmm_kvm_test_set_msr_index_list(t, NULL, 65, false),
			 -E2BIG);
	assert_int_equal(cvmm_kvm_test_ops.close(t, sys), 0);
	assert_int_equal(cvmm_kvm_test_ops.close(t, sys), -EBADF);
	assert_int_equal(cvmm_kvm_test_ops.close(t, 3), -EBADF);
	assert_int_equal(cvmm_kvm_test_ops.close(t, 1000 + 64), -EBADF);
	assert_int_equal(fioctl(t, sys, KVM_GET_API_VERSION, NULL), -EBADF);
	assert_null(cvmm_kvm_test_vm_state(t, sys));
	assert_null(cvmm_kvm_test_vcpu_state(t, 5000));
	assert_int_equal(cvmm_kvm_test_open_fds(t), 0);
	cvmm_kvm_test_destroy(t);
	cvmm_kvm_test_destroy(NULL);
}

static void limits(void **state)
{
	struct cvmm_kvm_test *t = fake();
	int sys = fopen_kvm(t);
	int vms[8];
	int vcpus[16];
	int fds[64];
	int n;
	int fd;

	(void)state;
	assert_int_equal(fvalue(t, sys, KVM_CREATE_VM, 1), -EINVAL);
	/* Eight VMs, then no more; closing one frees its place. */
	for (n = 0; n < 8; n++) {
		vms[n] = fvalue(t, sys, KVM_CREATE_VM, 0);
		assert_true(vms[n] >= 0);
	}
	assert_int_equal(fvalue(t, sys, KVM_CREATE_VM, 0), -ENOSPC);
	assert_int_equal(cvmm_kvm_test_ops.close(t, vms[7]), 0);
	vms[7] = fvalue(t, sys, KVM_CREATE_VM, 0);
	assert_true(vms[7] >= 0);

	/* vCPU ids below KVM_CAP_MAX_VCPUS (16); 16 vCPUs in all. */
	assert_int_equal(fvalue(t, vms[0], KVM_CREATE_VCPU, 16), -EINVAL);
	for (n = 0; n < 16; n++) {
		vcpus[n] = fvalue(t, vms[n / 8], KVM_CREATE_VCPU,
				  (unsigned long)n % 8);
		assert_true(vcpus[n] >= 0);
	}
	assert_int_equal(fvalue(t, vms[2], KVM_CREATE_VCPU, 0), -ENOSPC);
	/* No KVM_CAP_MAX_VCPUS: one vCPU (id 0). */
	assert_int_equal(cvmm_kvm_test_set_cap(t, KVM_CAP_MAX_VCPUS, 0), 0);
	assert_int_equal(fvalue(t, vms[2], KVM_CREATE_VCPU, 1), -EINVAL);

	/* A VM closed under its vCPUs lives until the last one closes. */
	assert_int_equal(cvmm_kvm_test_ops.close(t, vms[0]), 0);
	assert_null(cvmm_kvm_test_vm_state(t, vms[0]));
	assert_non_null(cvmm_kvm_test_vcpu_state(t, vcpus[0]));
	assert_int_equal(cvmm_kvm_test_vcpu_state(t, vcpus[0])->vm_fd, vms[0]);
	for (n = 0; n < 8; n++)
		assert_int_equal(cvmm_kvm_test_ops.close(t, vcpus[n]), 0);
	/* Its place is free again only now. */
	for (n = 0; n < 8; n++)
		assert_int_equal(cvmm_kvm_test_ops.close(t, vcpus[8 + n]), 0);
	for (n = 1; n < 8; n++)
		assert_int_equal(cvmm_kvm_test_ops.close(t, vms[n]), 0);
	assert_int_equal(cvmm_kvm_test_open_fds(t), 1);

	/* 64 fds in all. */
	for (n = 0; n < 63; n++) {
		fds[n] = cvmm_kvm_test_ops.open(t, "/dev/kvm");
		assert_true(fds[n] >= 0);
	}
	assert_int_equal(cvmm_kvm_test_ops.open(t, "/dev/kvm"), -EMFILE);
	assert_int_equal(fvalue(t, sys, KVM_CREATE_VM, 0), -EMFILE);
	assert_int_equal(cvmm_kvm_test_ops.close(t, fds[0]), 0);
	fd = fvalue(t, sys, KVM_CREATE_VM, 0);
	assert_true(fd >= 0);
	assert_int_equal(fvalue(t, fd, KVM_CREATE_VCPU, 0), -EMFILE);
	assert_int_equal(cvmm_kvm_test_open_fds(t), 64);
	cvmm_kvm_test_destroy(t);
}

static int vm_of(struct cvmm_kvm_test *t)
{
	int vm = fvalue(t, fopen_kvm(t), KVM_CREATE_VM, 0);

	assert_true(vm >= 0);
	return vm;
}

static void memory_slot_rules(void **state)
{
	struct cvmm_kvm_test *t = fake();
	int vm = vm_of(t);
	struct kvm_userspace_memory_region r = {
	    .slot = 0,
	    .guest_phys_addr = 0x1000,
	    .memory_size = 0x2000,
	    .userspace_addr = 0x7f0000000000,
	};
	struct kvm_userspace_memory_region bad;
	const struct cvmm_kvm_test_vm *s = cvmm_kvm_test_vm_state(t, vm);

	(void)state;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &r), 0);
	bad = r;
	bad.slot = 32;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad),
			 -EINVAL);
	bad = r;
	bad.flags = 4;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad),
			 -EINVAL);
	bad = r;
	bad.memory_size = 0x2001;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad),
			 -EINVAL);
	bad = r;
	bad.userspace_addr |= 1;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad),
			 -EINVAL);
	bad = r;
	bad.slot = 1;
	bad.guest_phys_addr = 0xfffffffffffff000;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad),
			 -EINVAL);
	/* Deleting a slot that does not exist. */
	bad = r;
	bad.slot = 1;
	bad.memory_size = 0;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad),
			 -EINVAL);
	/* Resizing is refused; changing flags is not. */
	bad = r;
	bad.memory_size = 0x1000;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad),
			 -EINVAL);
	bad = r;
	bad.flags = KVM_MEM_LOG_DIRTY_PAGES;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad), 0);
	assert_int_equal(s->nslots, 1);
	assert_int_equal(s->slots[0].flags, KVM_MEM_LOG_DIRTY_PAGES);
	/* Overlap from below and from above; adjacent is fine. */
	bad = r;
	bad.slot = 1;
	bad.guest_phys_addr = 0;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad),
			 -EEXIST);
	bad.guest_phys_addr = 0x2000;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad),
			 -EEXIST);
	bad.guest_phys_addr = 0x3000;
	assert_int_equal(fioctl(t, vm, KVM_SET_USER_MEMORY_REGION, &bad), 0);
	assert_int_equal(s->nslots, 2);
	cvmm_kvm_test_destroy(t);
}

static void irqfd_and_ioeventfd_rules(void **state)
{
	struct cvmm_kvm_test *t = fake();
	int vm = vm_of(t);
	const struct cvmm_kvm_test_vm *s = cvmm_kvm_test_vm_state(t, vm);
	struct kvm_irqfd irqfd = {.fd = 10, .gsi = 1};
	struct kvm_ioeventfd ev = {.addr = 0x100, .len = 2, .fd = 20};
	struct kvm_ioeventfd other;
	unsigned n;

	(void)state;
	assert_int_equal(fioctl(t, vm, KVM_CREATE_IRQCHIP, NULL), 0);
	irqfd.flags = 4;
	assert_int_equal(fioctl(t, vm, KVM_IRQFD, &irqfd), -EINVAL);
	/* Removing what is not there succeeds, as in the kernel. */
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	assert_int_equal(fioctl(t, vm, KVM_IRQFD, &irqfd), 0);
	irqfd.flags = 0;
	for (n = 0; n < CVMM_KVM_TEST_MAX_IRQFDS; n++) {
		irqfd.fd = 10 + n;
		assert_int_equal(fioctl(t, vm, KVM_IRQFD, &irqfd), 0);
	}
	irqfd.fd = 100;
	assert_int_equal(fioctl(t, vm, KVM_IRQFD, &irqfd), -ENOSPC);
	/* Same fd, another GSI: not the one removed. */
	irqfd.fd = 10;
	irqfd.gsi = 2;
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	assert_int_equal(fioctl(t, vm, KVM_IRQFD, &irqfd), 0);
	assert_int_equal(s->nirqfds, CVMM_KVM_TEST_MAX_IRQFDS);

	other = ev;
	other.flags = 0x100;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), -EINVAL);
	other = ev;
	other.len = 3;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), -EINVAL);
	other.len = 0;
	other.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), -EINVAL);
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &ev), 0);
	/* Differences in address, length, space or match: all distinct. */
	other = ev;
	other.addr = 0x200;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), 0);
	other = ev;
	other.len = 4;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), 0);
	other.len = 8;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), 0);
	other.len = 1;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), 0);
	other.len = 0;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), 0);
	other = ev;
	other.flags = KVM_IOEVENTFD_FLAG_PIO;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), 0);
	other = ev;
	other.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
	other.datamatch = 1;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), 0);
	other.datamatch = 2;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), 0);
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), -EEXIST);
	/* Removal needs the same fd too. */
	other.fd = 21;
	other.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), -ENOENT);
	assert_int_equal(s->nioeventfds, 9);
	for (n = 0; s->nioeventfds < CVMM_KVM_TEST_MAX_IOEVENTS; n++) {
		other = ev;
		other.addr = 0x1000 + n * 8;
		assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), 0);
	}
	other.addr += 8;
	assert_int_equal(fioctl(t, vm, KVM_IOEVENTFD, &other), -ENOSPC);
	cvmm_kvm_test_destroy(t);
}

static void other_vm_ioctls(void **state)
{
	struct cvmm_kvm_test *t = fake();
	int vm = vm_of(t);
	struct kvm_irq_routing routing = {.nr = 4096};
	struct kvm_pit_config pit = {.flags = 0};
	struct kvm_irq_level irq = {.irq = 1, .level = 1};
	int vcpu;

	(void)state;
	assert_int_equal(fioctl(t, vm, KVM_IRQ_LINE, &irq), -ENXIO);
	assert_int_equal(fioctl(t, vm, KVM_SET_GSI_ROUTING, &routing), -EINVAL);
	routing.nr = 1;
	routing.flags = 1;
	assert_int_equal(fioctl(t, vm, KVM_SET_GSI_ROUTING, &routing), -EINVAL);
	assert_int_equal(fvalue(t, vm, KVM_SET_TSS_ADDR, 0xfffff000ul),
			 -EINVAL);
	assert_int_equal(fioctl(t, vm, KVM_CREATE_PIT2, &pit), 0);
	assert_int_equal(fioctl(t, vm, KVM_CREATE_PIT2, &pit), -EEXIST);
	assert_int_equal(fioctl(t, vm, 0x4321, NULL), -ENOTTY);
	vcpu = fvalue(t, vm, KVM_CREATE_VCPU, 0);
	assert_true(vcpu >= 0);
	assert_int_equal(fioctl(t, vm, KVM_CREATE_IRQCHIP, NULL), -EINVAL);
	assert_int_equal(fioctl(t, vcpu, 0x4321, NULL), -ENOTTY);
	/* State lookups check the kind of fd. */
	assert_null(cvmm_kvm_test_vm_state(t, vcpu));
	assert_null(cvmm_kvm_test_vcpu_state(t, vm));
	cvmm_kvm_test_destroy(t);
}

static void vcpu_rules(void **state)
{
	struct cvmm_kvm_test *t = fake();
	int vm = vm_of(t);
	int vcpu = fvalue(t, vm, KVM_CREATE_VCPU, 0);
	static uint32_t list_a[64];
	static uint32_t list_b[64];
	struct kvm_msrs *m =
	    calloc(1, sizeof(*m) + 64 * sizeof(struct kvm_msr_entry));
	struct kvm_cpuid2 *c =
	    calloc(1, sizeof(*c) + 2 * sizeof(struct kvm_cpuid_entry2));
	uint64_t value;

	(void)state;
	assert_true(vcpu >= 0);
	assert_non_null(m);
	assert_non_null(c);
	m->nmsrs = 256;
	assert_int_equal(fioctl(t, vcpu, KVM_SET_MSRS, m), -E2BIG);
	/* 64 MSR values fill the vCPU; a 65th is refused. */
	for (uint32_t i = 0; i < 64; i++) {
		list_a[i] = 0x1000 + i;
		list_b[i] = 0x2000 + i;
		m->entries[i].index = list_a[i];
		m->entries[i].data = i;
	}
	assert_int_equal(cvmm_kvm_test_set_msr_index_list(t, list_a, 64, false),
			 0);
	m->nmsrs = 64;
	assert_int_equal(fioctl(t, vcpu, KVM_SET_MSRS, m), 64);
	assert_int_equal(cvmm_kvm_test_set_msr_index_list(t, list_b, 64, false),
			 0);
	m->nmsrs = 1;
	m->entries[0].index = list_b[0];
	assert_int_equal(fioctl(t, vcpu, KVM_SET_MSRS, m), 0);
	assert_true(cvmm_kvm_test_vcpu_msr(t, vcpu, 0x1003, &value));
	assert_int_equal(value, 3);
	assert_false(cvmm_kvm_test_vcpu_msr(t, vcpu, 0x2000, &value));
	assert_false(cvmm_kvm_test_vcpu_msr(t, vm, 0x1003, &value));

	c->nent = 2;
	assert_int_equal(fioctl(t, vcpu, KVM_SET_CPUID2, c), 0);
	c->nent = 1;
	assert_int_equal(fioctl(t, vcpu, KVM_GET_CPUID2, c), -E2BIG);
	c->nent = 257;
	assert_int_equal(fioctl(t, vcpu, KVM_SET_CPUID2, c), -E2BIG);
	free(m);
	free(c);
	cvmm_kvm_test_destroy(t);
}

static void mappings(void **state)
{
	struct cvmm_kvm_test *t = fake();
	int vm = vm_of(t);
	int vcpu = fvalue(t, vm, KVM_CREATE_VCPU, 0);
	void *p = NULL;
	void *first = NULL;

	(void)state;
	assert_int_equal(cvmm_kvm_test_ops.mmap(t, 3, 4096, &p), -EBADF);
	assert_int_equal(cvmm_kvm_test_ops.mmap(t, vm, 4096, &p), -EINVAL);
	assert_int_equal(cvmm_kvm_test_ops.mmap(t, vcpu, 0, &p), -EINVAL);
	assert_int_equal(cvmm_kvm_test_ops.mmap(t, vcpu, 12289, &p), -EINVAL);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(cvmm_kvm_test_ops.mmap(t, vcpu, 4096, &p), 0);
		first = p;
	}
	assert_int_equal(cvmm_kvm_test_ops.mmap(t, vcpu, 4096, &p), -ENOMEM);
	assert_int_equal(cvmm_kvm_test_mappings(t), 64);
	assert_int_equal(cvmm_kvm_test_ops.munmap(t, first, 8192), -EINVAL);
	assert_int_equal(cvmm_kvm_test_ops.munmap(t, first, 4096), 0);
	assert_int_equal(cvmm_kvm_test_mappings(t), 63);
	cvmm_kvm_test_destroy(t);
}

static void passthrough_accounting(void **state)
{
	struct cvmm_kvm_test *t;
	int fds[48];
	void *maps[64];
	void *p;
	int zero;

	(void)state;
	assert_int_equal(cvmm_kvm_test_create(CVMM_KVM_TEST_PASSTHROUGH, &t),
			 0);
	assert_int_equal(cvmm_kvm_test_ops.open(t, "/nonexistent/kvm"),
			 -ENOENT);
	zero = cvmm_kvm_test_ops.open(t, "/dev/zero");
	assert_true(zero >= 0);
	/* Not a KVM fd: the real ioctl's errno comes back. */
	assert_int_equal(fvalue(t, zero, KVM_GET_API_VERSION, 0), -ENOTTY);
	assert_int_equal(fvalue(t, zero, KVM_CREATE_VM, 0), -ENOTTY);
	assert_null(cvmm_kvm_test_vm_state(t, zero));
	/* Real shared mappings, 64 of them at most. */
	for (int i = 0; i < 64; i++)
		assert_int_equal(
		    cvmm_kvm_test_ops.mmap(t, zero, 4096, &maps[i]), 0);
	assert_int_equal(cvmm_kvm_test_ops.mmap(t, zero, 4096, &p), -ENOMEM);
	assert_int_equal(cvmm_kvm_test_ops.mmap(t, -1, 4096, &p), -EBADF);
	assert_int_equal(cvmm_kvm_test_mappings(t), 64);
	memset(maps[5], 0xaa, 4096);
	assert_int_equal(cvmm_kvm_test_ops.munmap(t, maps[5], 4096), 0);
	assert_int_equal(cvmm_kvm_test_mappings(t), 63);
	/* 48 fds at most: the one too many is closed, not leaked. */
	fds[0] = zero;
	for (int i = 1; i < 48; i++) {
		fds[i] = cvmm_kvm_test_ops.open(t, "/dev/null");
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(cvmm_kvm_test_ops.open(t, "/dev/null"), -EMFILE);
	assert_int_equal(cvmm_kvm_test_open_fds(t), 48);
	assert_int_equal(cvmm_kvm_test_ops.close(t, fds[1]), 0);
	assert_int_equal(cvmm_kvm_test_ops.close(t, fds[1]), -EBADF);
	assert_int_equal(cvmm_kvm_test_open_fds(t), 47);
	/* Destroy closes and unmaps what is left (valgrind checks). */
	cvmm_kvm_test_destroy(t);
}

/* A pass-through over the fake: its accounting, without /dev/kvm. */
static void passthrough_over_a_fake(void **state)
{
	struct cvmm_kvm_test *lower = fake();
	struct cvmm_kvm_test *t;
	struct cvmm_kvm *kvm;
	struct cvmm_kvm_vm *vm;
	struct cvmm_kvm_vm *vm2 = NULL;
	struct cvmm_kvm_vcpu *vcpu;
	struct cvmm_kvm_vcpu *leaked;
	int fds[45];

	(void)state;
	assert_int_equal(
	    cvmm_kvm_test_create_over(&cvmm_kvm_test_ops, lower, &t), 0);
	assert_int_equal(cvmm_kvm_test_open(t, &kvm, NULL), 0);
	assert_int_equal(cvmm_kvm_vm_create(kvm, &vm), 0);
	assert_int_equal(cvmm_kvm_vcpu_create(vm, 0, &vcpu), 0);
	assert_int_equal(cvmm_kvm_test_open_fds(t), 3);
	assert_int_equal(cvmm_kvm_test_open_fds(lower), 3);
	assert_int_equal(cvmm_kvm_test_mappings(t), 1);
	assert_null(cvmm_kvm_test_vm_state(t, cvmm_kvm_vm_fd(vm)));
	assert_non_null(cvmm_kvm_test_vm_state(lower, cvmm_kvm_vm_fd(vm)));
	/* Fill the pass-through's 48 places; the fake still has room. */
	for (int i = 0; i < 45; i++) {
		fds[i] = cvmm_kvm_test_ops.open(t, "/dev/kvm");
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(cvmm_kvm_vm_create(kvm, &vm2), -EMFILE);
	assert_int_equal(cvmm_kvm_vcpu_create(vm, 1, &leaked), -EMFILE);
	assert_null(vm2);
	assert_int_equal(cvmm_kvm_test_open_fds(lower), 48);
	for (int i = 0; i < 45; i++)
		assert_int_equal(cvmm_kvm_test_ops.close(t, fds[i]), 0);
	/* A vCPU left behind is closed and unmapped by destroy. */
	assert_int_equal(cvmm_kvm_vcpu_create(vm, 1, &leaked), 0);
	cvmm_kvm_vcpu_destroy(vcpu);
	cvmm_kvm_vm_destroy(vm);
	cvmm_kvm_close(kvm);
	assert_int_equal(cvmm_kvm_test_open_fds(t), 1);
	assert_int_equal(cvmm_kvm_test_mappings(t), 1);
	cvmm_kvm_test_destroy(t);
	assert_int_equal(cvmm_kvm_test_open_fds(lower), 0);
	assert_int_equal(cvmm_kvm_test_mappings(lower), 0);
	free(leaked); /* its fd and mapping were the test KVM's to undo */
	cvmm_kvm_test_destroy(lower);
}

static void syscall_ops_report_errno(void **state)
{
	const struct cvmm_kvm_ops *ops = &cvmm_kvm_syscall_ops;
	static uint8_t page[8192] __attribute__((aligned(4096)));
	void *p = NULL;
	int fd;

	(void)state;
	assert_int_equal(ops->open(NULL, "/nonexistent/kvm"), -ENOENT);
	assert_int_equal(ops->close(NULL, -1), -EBADF);
	assert_int_equal(ops->ioctl(NULL, -1, KVM_GET_API_VERSION, 0), -EBADF);
	assert_int_equal(ops->mmap(NULL, -1, 4096, &p), -EBADF);
	assert_null(p);
	assert_int_equal(ops->munmap(NULL, page + 1, 4096), -EINVAL);
	fd = ops->open(NULL, "/dev/zero");
	assert_true(fd >= 0);
	assert_int_equal(ops->mmap(NULL, fd, 4096, &p), 0);
	assert_non_null(p);
	assert_int_equal(ops->munmap(NULL, p, 4096), 0);
	assert_int_equal(ops->close(NULL, fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(controls),
	    cmocka_unit_test(limits),
	    cmocka_unit_test(memory_slot_rules),
	    cmocka_unit_test(irqfd_and_ioeventfd_rules),
	    cmocka_unit_test(other_vm_ioctls),
	    cmocka_unit_test(vcpu_rules),
	    cmocka_unit_test(mappings),
	    cmocka_unit_test(passthrough_accounting),
	    cmocka_unit_test(passthrough_over_a_fake),
	    cmocka_unit_test(syscall_ops_report_errno),
	};

	return cmocka_run_group_tests_name("kvm test backend", tests, NULL,
					   NULL);
}
