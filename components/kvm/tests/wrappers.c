/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the system, VM and vCPU wrappers against the fake /dev/kvm
 * (cvmm/kvm-test.h): what each call asks of the kernel, how each failure
 * is reported (errno, operation, detail, message), every call of a full
 * set-up failing in turn, and every allocation failing in turn.
 */
#define _GNU_SOURCE
#include <cvmm/kvm-exit.h>
#include <cvmm/kvm-test.h>
#include <cvmm/mem-mmap.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc-fail.h"

struct fixture {
	struct cvmm_kvm_test *t;
	struct cvmm_kvm *kvm;
	struct cvmm_kvm_vm *vm;
	struct cvmm_kvm_vcpu *vcpu;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct cvmm_kvm_error err;

	assert_non_null(f);
	assert_int_equal(cvmm_kvm_test_create(CVMM_KVM_TEST_FAKE, &f->t), 0);
	assert_int_equal(cvmm_kvm_test_open(f->t, &f->kvm, &err), 0);
	assert_int_equal(err.err, 0);
	assert_int_equal(cvmm_kvm_vm_create(f->kvm, &f->vm), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cvmm_kvm_vcpu_destroy(f->vcpu);
	cvmm_kvm_vm_destroy(f->vm);
	cvmm_kvm_close(f->kvm);
	assert_int_equal(cvmm_kvm_test_open_fds(f->t), 0);
	assert_int_equal(cvmm_kvm_test_mappings(f->t), 0);
	cvmm_kvm_test_destroy(f->t);
	free(f);
	return 0;
}

static const char *message(struct cvmm_kvm_error e)
{
	static char buf[CVMM_KVM_ERROR_MSG_SIZE];

	return cvmm_kvm_error_format(&e, buf, sizeof(buf));
}

static const struct cvmm_kvm_test_vm *vm_state(struct fixture *f)
{
	const struct cvmm_kvm_test_vm *s =
	    cvmm_kvm_test_vm_state(f->t, cvmm_kvm_vm_fd(f->vm));

	assert_non_null(s);
	return s;
}

static const struct cvmm_kvm_test_vcpu *vcpu_state(struct fixture *f)
{
	const struct cvmm_kvm_test_vcpu *s =
	    cvmm_kvm_test_vcpu_state(f->t, cvmm_kvm_vcpu_fd(f->vcpu));

	assert_non_null(s);
	return s;
}

/* ---- system ---- */

static void open_checks_version_and_run_size(void **state)
{
	struct fixture *f = *state;
	struct cvmm_kvm_error err;
	struct cvmm_kvm *kvm = (struct cvmm_kvm *)1;

	assert_true(cvmm_kvm_fd(f->kvm) >= 0);
	assert_int_equal(cvmm_kvm_vcpu_mmap_size(f->kvm), 12288);
	assert_int_equal(cvmm_kvm_last_error(f->kvm).err, 0);

	cvmm_kvm_test_set_api_version(f->t, 11);
	assert_int_equal(cvmm_kvm_test_open(f->t, &kvm, &err),
			 -EPROTONOSUPPORT);
	assert_int_equal(err.op, CVMM_KVM_OP_GET_API_VERSION);
	assert_int_equal(err.detail, CVMM_KVM_DETAIL_VERSION);
	assert_int_equal(err.value, 11);
	assert_string_equal(message(err),
			    "KVM_GET_API_VERSION: version 11, expected 12");
	cvmm_kvm_test_set_api_version(f->t, 12);

	cvmm_kvm_test_set_mmap_size(f->t, (int)sizeof(struct kvm_run) - 1);
	assert_int_equal(cvmm_kvm_test_open(f->t, &kvm, &err), -EPROTO);
	assert_int_equal(err.op, CVMM_KVM_OP_GET_VCPU_MMAP_SIZE);
	cvmm_kvm_test_set_mmap_size(f->t, 4096);
	assert_int_equal(cvmm_kvm_test_open(f->t, &kvm, &err), 0);
	assert_int_equal(cvmm_kvm_vcpu_mmap_size(kvm), 4096);
	cvmm_kvm_close(kvm);
	/* Only the fixture's two fds are open. */
	assert_int_equal(cvmm_kvm_test_open_fds(f->t), 2);

	/* Caller errors, with and without an error to fill. */
	assert_int_equal(cvmm_kvm_open_ops(NULL, NULL, NULL, &kvm, &err),
			 -EINVAL);
	assert_int_equal(err.err, -EINVAL);
	assert_int_equal(
	    cvmm_kvm_open_ops(&cvmm_kvm_test_ops, f->t, NULL, NULL, NULL),
	    -EINVAL);
	cvmm_kvm_close(NULL);
}

static void open_failures_name_their_step(void **state)
{
	static const enum cvmm_kvm_op steps[] = {
	    CVMM_KVM_OP_OPEN, CVMM_KVM_OP_GET_API_VERSION,
	    CVMM_KVM_OP_GET_VCPU_MMAP_SIZE};
	struct fixture *f = *state;
	struct cvmm_kvm_error err;
	struct cvmm_kvm *kvm;

	for (uint64_t n = 1; n <= 3; n++) {
		kvm = (struct cvmm_kvm *)1;
		assert_int_equal(cvmm_kvm_test_fail_nth(f->t, n, -EACCES), 0);
		assert_int_equal(cvmm_kvm_test_open(f->t, &kvm, &err), -EACCES);
		assert_true(cvmm_kvm_test_failure_fired(f->t));
		assert_ptr_equal(kvm, (struct cvmm_kvm *)1);
		assert_int_equal(err.err, -EACCES);
		assert_int_equal(err.op, steps[n - 1]);
		assert_int_equal(cvmm_kvm_test_open_fds(f->t), 2);
	}
	assert_string_equal(message(err),
			    "KVM_GET_VCPU_MMAP_SIZE: Permission denied");
	/* The open itself failing, through the real system calls. */
	assert_int_equal(cvmm_kvm_open("/nonexistent/kvm", &kvm, &err),
			 -ENOENT);
	assert_string_equal(message(err), "open: No such file or directory");
}

static void errors_format_as_one_line(void **state)
{
	struct cvmm_kvm_error e = {0};
	char small[12];
	char buf[CVMM_KVM_ERROR_MSG_SIZE];

	(void)state;
	assert_string_equal(message(e), "no error");
	assert_string_equal(cvmm_kvm_error_format(NULL, buf, sizeof(buf)),
			    "no error");
	e.err = -EPERM;
	e.op = CVMM_KVM_OP_CREATE_VM;
	assert_string_equal(message(e),
			    "KVM_CREATE_VM: Operation not permitted");
	assert_string_equal(cvmm_kvm_error_format(&e, small, sizeof(small)),
			    "KVM_CREATE_");
	assert_null(cvmm_kvm_error_format(&e, NULL, 10));
	buf[0] = 'x';
	cvmm_kvm_error_format(&e, buf, 0);
	assert_int_equal(buf[0], 'x');

	e.err = -EOPNOTSUPP;
	e.op = CVMM_KVM_OP_CHECK_EXTENSION;
	e.detail = CVMM_KVM_DETAIL_CAP;
	e.value = KVM_CAP_IRQFD;
	assert_string_equal(message(e), "KVM_CHECK_EXTENSION: KVM_CAP_IRQFD "
					"(32) is not supported by this kernel");
	e.value = 9999;
	assert_string_equal(message(e), "KVM_CHECK_EXTENSION: capability "
					"(9999) is not supported by this "
					"kernel");
	e.err = -EBADF;
	e.value = KVM_CAP_PIT2;
	assert_string_equal(message(e), "KVM_CHECK_EXTENSION: KVM_CAP_PIT2 "
					"(33): Bad file descriptor");
	e.value = 9999;
	assert_string_equal(message(e), "KVM_CHECK_EXTENSION: capability "
					"(9999): Bad file descriptor");

	e.err = -EIO;
	e.op = CVMM_KVM_OP_SET_MSRS;
	e.detail = CVMM_KVM_DETAIL_MSR;
	e.value = 0x1a0;
	assert_string_equal(message(e), "KVM_SET_MSRS: MSR 0x1a0 refused: "
					"Input/output error");
	/* An errno strerror_r does not know. */
	e.detail = CVMM_KVM_DETAIL_NONE;
	e.err = -4000;
	assert_string_equal(message(e), "KVM_SET_MSRS: error 4000");

	assert_string_equal(cvmm_kvm_op_name(CVMM_KVM_OP_NONE), "none");
	assert_string_equal(cvmm_kvm_op_name(CVMM_KVM_OP_DECODE_EXIT),
			    "kvm_run");
	assert_string_equal(cvmm_kvm_op_name(CVMM_KVM_OP_COUNT_), "?");
	for (int op = 0; op < CVMM_KVM_OP_COUNT_; op++)
		assert_non_null(cvmm_kvm_op_name((enum cvmm_kvm_op)op));
	assert_string_equal(cvmm_kvm_cap_name(KVM_CAP_IRQCHIP),
			    "KVM_CAP_IRQCHIP");
	assert_string_equal(cvmm_kvm_cap_name(KVM_CAP_X86_TRIPLE_FAULT_EVENT),
			    "KVM_CAP_X86_TRIPLE_FAULT_EVENT");
	assert_null(cvmm_kvm_cap_name(9999));
}

static void capabilities(void **state)
{
	struct fixture *f = *state;
	const unsigned caps[] = {KVM_CAP_IRQCHIP, KVM_CAP_XSAVE2, KVM_CAP_PIT2};
	int value = -1;

	assert_int_equal(
	    cvmm_kvm_check_extension(f->kvm, KVM_CAP_NR_MEMSLOTS, &value), 0);
	assert_int_equal(value, 32);
	assert_int_equal(
	    cvmm_kvm_check_extension(f->kvm, KVM_CAP_XSAVE2, &value), 0);
	assert_int_equal(value, 0);
	assert_int_equal(cvmm_kvm_require(f->kvm, cvmm_kvm_x86_required_caps,
					  cvmm_kvm_x86_required_caps_count),
			 0);
	assert_int_equal(cvmm_kvm_require(f->kvm, caps, 3), -EOPNOTSUPP);
	assert_string_equal(message(cvmm_kvm_last_error(f->kvm)),
			    "KVM_CHECK_EXTENSION: KVM_CAP_XSAVE2 (208) is not "
			    "supported by this kernel");
	assert_int_equal(cvmm_kvm_test_set_cap(f->t, KVM_CAP_IRQFD, 0), 0);
	assert_int_equal(cvmm_kvm_require(f->kvm, cvmm_kvm_x86_required_caps,
					  cvmm_kvm_x86_required_caps_count),
			 -EOPNOTSUPP);
	assert_int_equal(cvmm_kvm_last_error(f->kvm).value, KVM_CAP_IRQFD);

	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 1, -EBADF), 0);
	assert_int_equal(cvmm_kvm_require(f->kvm, caps, 1), -EBADF);
	assert_string_equal(
	    message(cvmm_kvm_last_error(f->kvm)),
	    "KVM_CHECK_EXTENSION: KVM_CAP_IRQCHIP (0): Bad file "
	    "descriptor");

	assert_int_equal(
	    cvmm_kvm_vm_check_extension(f->vm, KVM_CAP_MAX_VCPUS, &value), 0);
	assert_int_equal(value, 16);
	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 1, -EINVAL), 0);
	assert_int_equal(
	    cvmm_kvm_vm_check_extension(f->vm, KVM_CAP_MAX_VCPUS, &value),
	    -EINVAL);
	assert_int_equal(cvmm_kvm_vm_last_error(f->vm).op,
			 CVMM_KVM_OP_CHECK_EXTENSION);
	assert_int_equal(cvmm_kvm_require(f->kvm, NULL, 0), 0);
}

static struct kvm_cpuid_entry2 many_entries[200];

static void supported_cpuid_grows_on_e2big(void **state)
{
	struct fixture *f = *state;
	struct kvm_cpuid2 *c = (struct kvm_cpuid2 *)1;

	for (uint32_t i = 0; i < 200; i++)
		many_entries[i].function = i;
	/* Empty, then 200 entries: 64 -> 128 -> 256. */
	assert_int_equal(cvmm_kvm_get_supported_cpuid(f->kvm, &c), 0);
	assert_int_equal(c->nent, 0);
	free(c);
	assert_int_equal(
	    cvmm_kvm_test_set_supported_cpuid(f->t, many_entries, 200), 0);
	assert_int_equal(cvmm_kvm_get_supported_cpuid(f->kvm, &c), 0);
	assert_int_equal(c->nent, 200);
	assert_int_equal(c->entries[199].function, 199);
	free(c);

	c = (struct kvm_cpuid2 *)1;
	cvmm_kvm_test_set_overreport(f->t, true);
	assert_int_equal(cvmm_kvm_get_supported_cpuid(f->kvm, &c), -EPROTO);
	assert_ptr_equal(c, (struct kvm_cpuid2 *)1);
	cvmm_kvm_test_set_overreport(f->t, false);
	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 2, -EFAULT), 0);
	assert_int_equal(cvmm_kvm_get_supported_cpuid(f->kvm, &c), -EFAULT);
	assert_string_equal(message(cvmm_kvm_last_error(f->kvm)),
			    "KVM_GET_SUPPORTED_CPUID: Bad address");
	assert_ptr_equal(c, (struct kvm_cpuid2 *)1);
}

/* An ops table whose KVM_GET_SUPPORTED_CPUID and MSR list misbehave. */
static int always_e2big(void *ctx, int fd, unsigned long request,
			unsigned long arg)
{
	if (request == KVM_GET_SUPPORTED_CPUID)
		return -E2BIG;
	if (request == KVM_GET_MSR_INDEX_LIST) {
		struct kvm_msr_list *l = (struct kvm_msr_list *)arg;

		/* Ask for far too many, or for fewer than asked. */
		l->nmsrs = l->nmsrs == 0 ? 3 : l->nmsrs == 3 ? 1 : 0;
		return -E2BIG;
	}
	return cvmm_kvm_test_ops.ioctl(ctx, fd, request, arg);
}

static void kernel_that_never_fits(void **state)
{
	struct fixture *f = *state;
	struct cvmm_kvm_ops ops = cvmm_kvm_test_ops;
	struct kvm_cpuid2 *c = NULL;
	struct kvm_msr_list *l = NULL;
	struct cvmm_kvm *kvm;

	ops.ioctl = always_e2big;
	assert_int_equal(cvmm_kvm_open_ops(&ops, f->t, NULL, &kvm, NULL), 0);
	/* 64, 128, ... 4096: then the E2BIG is reported. */
	assert_int_equal(cvmm_kvm_get_supported_cpuid(kvm, &c), -E2BIG);
	assert_null(c);
	/* 0 -> 3 -> asked 3, told 1: not growing, so E2BIG. */
	assert_int_equal(cvmm_kvm_get_msr_index_list(kvm, &l), -E2BIG);
	assert_null(l);
	assert_string_equal(message(cvmm_kvm_last_error(kvm)),
			    "KVM_GET_MSR_INDEX_LIST: Argument list too long");
	cvmm_kvm_close(kvm);
}

static void msr_index_list(void **state)
{
	struct fixture *f = *state;
	const uint32_t idx[] = {0x10, 0x1a0, 0xc0000080};
	struct kvm_msr_list *l = NULL;

	assert_int_equal(cvmm_kvm_get_msr_index_list(f->kvm, &l), 0);
	assert_true(l->nmsrs >= 10);
	free(l);
	assert_int_equal(cvmm_kvm_test_set_msr_index_list(f->t, idx, 3, false),
			 0);
	assert_int_equal(cvmm_kvm_get_msr_index_list(f->kvm, &l), 0);
	assert_int_equal(l->nmsrs, 3);
	assert_int_equal(l->indices[2], 0xc0000080);
	free(l);
	assert_int_equal(cvmm_kvm_test_set_msr_index_list(f->t, NULL, 0, false),
			 0);
	assert_int_equal(cvmm_kvm_get_msr_index_list(f->kvm, &l), 0);
	assert_int_equal(l->nmsrs, 0);
	free(l);

	/* A list that grows at every call: gives up after a few tries. */
	l = NULL;
	assert_int_equal(cvmm_kvm_test_set_msr_index_list(f->t, idx, 3, true),
			 0);
	assert_int_equal(cvmm_kvm_get_msr_index_list(f->kvm, &l), -E2BIG);
	assert_null(l);
	assert_int_equal(cvmm_kvm_test_set_msr_index_list(f->t, idx, 3, false),
			 0);
	cvmm_kvm_test_set_overreport(f->t, true);
	assert_int_equal(cvmm_kvm_get_msr_index_list(f->kvm, &l), -EPROTO);
	cvmm_kvm_test_set_overreport(f->t, false);
	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 1, -EFAULT), 0);
	assert_int_equal(cvmm_kvm_get_msr_index_list(f->kvm, &l), -EFAULT);
	assert_int_equal(cvmm_kvm_last_error(f->kvm).op,
			 CVMM_KVM_OP_GET_MSR_INDEX_LIST);
	assert_null(l);
}

/* An ops table whose ioctls fail with an errno beyond 16 bits. */
static int huge_errno(void *ctx, int fd, unsigned long request,
		      unsigned long arg)
{
	if (request == KVM_CREATE_IRQCHIP)
		return -70000;
	return cvmm_kvm_test_ops.ioctl(ctx, fd, request, arg);
}

static void errno_beyond_16_bits_is_kept_as_65535(void **state)
{
	struct fixture *f = *state;
	struct cvmm_kvm_ops ops = cvmm_kvm_test_ops;
	struct cvmm_kvm *kvm;
	struct cvmm_kvm_vm *vm;

	ops.ioctl = huge_errno;
	assert_int_equal(cvmm_kvm_open_ops(&ops, f->t, NULL, &kvm, NULL), 0);
	assert_int_equal(cvmm_kvm_vm_create(kvm, &vm), 0);
	assert_int_equal(cvmm_kvm_vm_create_irqchip(vm), -70000);
	assert_int_equal(cvmm_kvm_vm_last_error(vm).err, -65535);
	assert_int_equal(cvmm_kvm_vm_last_error(vm).op,
			 CVMM_KVM_OP_CREATE_IRQCHIP);
	cvmm_kvm_vm_destroy(vm);
	cvmm_kvm_close(kvm);
}

/* A list beyond the bound: E2BIG with a length over 65536. */
static int huge_list(void *ctx, int fd, unsigned long request,
		     unsigned long arg)
{
	if (request == KVM_GET_MSR_INDEX_LIST) {
		((struct kvm_msr_list *)arg)->nmsrs = 65537;
		return -E2BIG;
	}
	return cvmm_kvm_test_ops.ioctl(ctx, fd, request, arg);
}

static void msr_index_list_bound(void **state)
{
	struct fixture *f = *state;
	struct cvmm_kvm_ops ops = cvmm_kvm_test_ops;
	struct kvm_msr_list *l = NULL;
	struct cvmm_kvm *kvm;

	ops.ioctl = huge_list;
	assert_int_equal(cvmm_kvm_open_ops(&ops, f->t, "/dev/kvm", &kvm, NULL),
			 0);
	assert_int_equal(cvmm_kvm_get_msr_index_list(kvm, &l), -E2BIG);
	assert_null(l);
	cvmm_kvm_close(kvm);
}

/* ---- VM ---- */

static void vm_create_failure_is_recorded_on_the_system(void **state)
{
	struct fixture *f = *state;
	struct cvmm_kvm_vm *vm = (struct cvmm_kvm_vm *)1;

	assert_true(cvmm_kvm_vm_fd(f->vm) >= 0);
	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 1, -EMFILE), 0);
	assert_int_equal(cvmm_kvm_vm_create(f->kvm, &vm), -EMFILE);
	assert_ptr_equal(vm, (struct cvmm_kvm_vm *)1);
	assert_string_equal(message(cvmm_kvm_last_error(f->kvm)),
			    "KVM_CREATE_VM: Too many open files");
	assert_int_equal(cvmm_kvm_vm_last_error(f->vm).err, 0);
	cvmm_kvm_vm_destroy(NULL);
}

static void raw_memory_slots(void **state)
{
	struct fixture *f = *state;
	static uint8_t host[0x3000] __attribute__((aligned(4096)));
	const struct cvmm_kvm_test_vm *s = vm_state(f);

	assert_int_equal(cvmm_kvm_vm_set_memory(f->vm, 1, 0x100000, 0x2000,
						host, KVM_MEM_LOG_DIRTY_PAGES),
			 0);
	assert_int_equal(s->nslots, 1);
	assert_int_equal(s->slots[0].slot, 1);
	assert_int_equal(s->slots[0].guest_phys_addr, 0x100000);
	assert_int_equal(s->slots[0].memory_size, 0x2000);
	assert_ptr_equal((void *)(uintptr_t)s->slots[0].userspace_addr, host);
	assert_int_equal(s->slots[0].flags, KVM_MEM_LOG_DIRTY_PAGES);
	/* The kernel's checks, through the fake. */
	assert_int_equal(
	    cvmm_kvm_vm_set_memory(f->vm, 2, 0x101000, 0x1000, host, 0),
	    -EEXIST);
	assert_int_equal(
	    cvmm_kvm_vm_set_memory(f->vm, 2, 0x100, 0x1000, host, 0), -EINVAL);
	assert_string_equal(message(cvmm_kvm_vm_last_error(f->vm)),
			    "KVM_SET_USER_MEMORY_REGION: Invalid argument");
	/* Ours: a range that wraps never reaches the kernel. */
	assert_int_equal(cvmm_kvm_vm_set_memory(f->vm, 2, UINT64_MAX - 0xfff,
						0x2000, host, 0),
			 -EOVERFLOW);
	/* Delete. */
	assert_int_equal(cvmm_kvm_vm_set_memory(f->vm, 1, 0, 0, NULL, 0), 0);
	assert_int_equal(s->nslots, 0);
}

static void regions_become_slots_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	const struct cvmm_mem_range layout[] = {
	    {cvmm_mem_gpa_from(0), 0x4000, 0},
	    {cvmm_mem_gpa_from(0x10000), 0x1000, CVMM_MEM_REGION_READONLY},
	    {cvmm_mem_gpa_from(0x20000), 0x2000, 0},
	};
	static uint8_t other[0x1000] __attribute__((aligned(4096)));
	const struct cvmm_kvm_test_vm *s = vm_state(f);
	struct cvmm_mem_mmap *mm;
	const struct cvmm_mem_regions *r;

	assert_int_equal(cvmm_mem_mmap_create(layout, 3, &mm), 0);
	r = cvmm_mem_mmap_regions(mm);
	assert_int_equal(cvmm_kvm_vm_map_regions(f->vm, r, 4), 0);
	assert_int_equal(s->nslots, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(s->slots[i].slot, 4 + i);
		assert_int_equal(s->slots[i].guest_phys_addr,
				 layout[i].gpa.raw);
		assert_int_equal(s->slots[i].memory_size, layout[i].size);
		assert_ptr_equal((void *)(uintptr_t)s->slots[i].userspace_addr,
				 cvmm_mem_regions_at(r, i)->host);
	}
	assert_int_equal(s->slots[0].flags, 0);
	assert_int_equal(s->slots[1].flags, KVM_MEM_READONLY);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(
		    cvmm_kvm_vm_set_memory(f->vm, 4 + i, 0, 0, NULL, 0), 0);

	/* The third region collides with slot 0: the first two go again. */
	assert_int_equal(
	    cvmm_kvm_vm_set_memory(f->vm, 0, 0x21000, 0x1000, other, 0), 0);
	assert_int_equal(cvmm_kvm_vm_map_regions(f->vm, r, 4), -EEXIST);
	assert_int_equal(s->nslots, 1);
	assert_int_equal(s->slots[0].slot, 0);
	assert_int_equal(cvmm_kvm_vm_last_error(f->vm).op,
			 CVMM_KVM_OP_SET_USER_MEMORY_REGION);

	/* Slot numbers stop at 0xffff. */
	assert_int_equal(cvmm_kvm_vm_map_regions(f->vm, r, 0xfffe), -ERANGE);
	assert_int_equal(cvmm_kvm_vm_map_regions(f->vm, r, 0x10000), -ERANGE);
	assert_int_equal(s->nslots, 1);
	cvmm_mem_mmap_destroy(mm);
}

static void irqchip_pit_tss_identity_map(void **state)
{
	struct fixture *f = *state;
	const struct cvmm_kvm_test_vm *s = vm_state(f);

	assert_int_equal(cvmm_kvm_vm_create_irqchip(f->vm), 0);
	assert_true(s->irqchip);
	assert_int_equal(cvmm_kvm_vm_create_irqchip(f->vm), -EEXIST);
	assert_string_equal(message(cvmm_kvm_vm_last_error(f->vm)),
			    "KVM_CREATE_IRQCHIP: File exists");
	assert_int_equal(cvmm_kvm_vm_create_pit2(f->vm, KVM_PIT_SPEAKER_DUMMY),
			 0);
	assert_true(s->pit);
	assert_int_equal(s->pit_flags, KVM_PIT_SPEAKER_DUMMY);
	assert_int_equal(cvmm_kvm_vm_create_pit2(f->vm, 0), -EEXIST);

	assert_int_equal(cvmm_kvm_vm_set_tss_addr(f->vm, 0xfffbd000), 0);
	assert_int_equal(s->tss_addr, 0xfffbd000);
	assert_int_equal(cvmm_kvm_vm_set_tss_addr(f->vm, 0xffffd000), 0);
	assert_int_equal(cvmm_kvm_vm_set_tss_addr(f->vm, 0xffffe000), -ERANGE);
	assert_int_equal(cvmm_kvm_vm_last_error(f->vm).op,
			 CVMM_KVM_OP_SET_TSS_ADDR);
	assert_int_equal(cvmm_kvm_vm_set_identity_map_addr(f->vm, 0xfffbc000),
			 0);
	assert_int_equal(s->identity_map_addr, 0xfffbc000);
	assert_int_equal(cvmm_kvm_vm_set_identity_map_addr(f->vm, 0xfffff000),
			 0);
	assert_int_equal(
	    cvmm_kvm_vm_set_identity_map_addr(f->vm, 0x100000000ull), -ERANGE);
	assert_int_equal(cvmm_kvm_vm_last_error(f->vm).op,
			 CVMM_KVM_OP_SET_IDENTITY_MAP_ADDR);
	/* After a vCPU exists the kernel refuses these. */
	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 0, &f->vcpu), 0);
	assert_int_equal(cvmm_kvm_vm_set_identity_map_addr(f->vm, 0xfffbc000),
			 -EINVAL);
	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 1, -EINTR), 0);
	assert_int_equal(cvmm_kvm_vm_set_tss_addr(f->vm, 0), -EINTR);
	assert_string_equal(message(cvmm_kvm_vm_last_error(f->vm)),
			    "KVM_SET_TSS_ADDR: Interrupted system call");
}

static void irqfds(void **state)
{
	struct fixture *f = *state;
	const struct cvmm_kvm_test_vm *s = vm_state(f);

	/* No irqchip yet: the kernel refuses. */
	assert_int_equal(cvmm_kvm_vm_irqfd(f->vm, 7, 4), -EINVAL);
	assert_int_equal(cvmm_kvm_vm_create_irqchip(f->vm), 0);
	assert_int_equal(cvmm_kvm_vm_irqfd(f->vm, 7, 4), 0);
	assert_int_equal(cvmm_kvm_vm_irqfd_resample(f->vm, 8, 9, 5), 0);
	assert_int_equal(s->nirqfds, 2);
	assert_int_equal(s->irqfds[0].fd, 7);
	assert_int_equal(s->irqfds[0].gsi, 4);
	assert_int_equal(s->irqfds[0].flags, 0);
	assert_int_equal(s->irqfds[1].flags, KVM_IRQFD_FLAG_RESAMPLE);
	assert_int_equal(s->irqfds[1].resamplefd, 9);
	assert_int_equal(cvmm_kvm_vm_irqfd(f->vm, 7, 6), -EBUSY);
	assert_string_equal(message(cvmm_kvm_vm_last_error(f->vm)),
			    "KVM_IRQFD: Device or resource busy");
	assert_int_equal(cvmm_kvm_vm_irqfd_remove(f->vm, 7, 4), 0);
	assert_int_equal(s->nirqfds, 1);
	assert_int_equal(s->irqfds[0].fd, 8);
	/* Bad fds never reach the kernel. */
	assert_int_equal(cvmm_kvm_vm_irqfd(f->vm, -1, 4), -EBADF);
	assert_int_equal(cvmm_kvm_vm_irqfd_resample(f->vm, 3, -1, 4), -EBADF);
	assert_int_equal(cvmm_kvm_vm_last_error(f->vm).op, CVMM_KVM_OP_IRQFD);
	assert_int_equal(s->nirqfds, 1);
}

static void ioeventfds(void **state)
{
	struct fixture *f = *state;
	const struct cvmm_kvm_test_vm *s = vm_state(f);
	struct cvmm_kvm_ioeventfd pio = {.fd = 5,
					 .space = CVMM_KVM_IO_PIO,
					 .addr = 0x3f8,
					 .len = 1,
					 .match = true,
					 .datamatch = 0x42};
	struct cvmm_kvm_ioeventfd mmio = {
	    .fd = 6, .space = CVMM_KVM_IO_MMIO, .addr = 0xd0000050, .len = 4};
	struct cvmm_kvm_ioeventfd bad;

	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &pio), 0);
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &mmio), 0);
	assert_int_equal(s->nioeventfds, 2);
	assert_int_equal(s->ioeventfds[0].addr, 0x3f8);
	assert_int_equal(s->ioeventfds[0].len, 1);
	assert_int_equal(s->ioeventfds[0].fd, 5);
	assert_int_equal(s->ioeventfds[0].datamatch, 0x42);
	assert_int_equal(s->ioeventfds[0].flags,
			 KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH);
	assert_int_equal(s->ioeventfds[1].flags, 0);
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &mmio), -EEXIST);
	assert_string_equal(message(cvmm_kvm_vm_last_error(f->vm)),
			    "KVM_IOEVENTFD: File exists");
	assert_int_equal(cvmm_kvm_vm_ioeventfd_remove(f->vm, &pio), 0);
	assert_int_equal(cvmm_kvm_vm_ioeventfd_remove(f->vm, &pio), -ENOENT);
	assert_int_equal(s->nioeventfds, 1);
	/* Any length (MMIO only), and each refusal of ours. */
	mmio.len = 0;
	mmio.addr = 0xd0001000;
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &mmio), 0);
	bad = mmio;
	bad.match = true;
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &bad), -EINVAL);
	bad = pio;
	bad.len = 0;
	bad.match = false;
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &bad), -EINVAL);
	bad = pio;
	bad.len = 3;
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &bad), -EINVAL);
	bad.len = 8;
	bad.space = (enum cvmm_kvm_io_space)2;
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &bad), -EINVAL);
	bad = pio;
	bad.fd = -1;
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &bad), -EBADF);
	bad = pio;
	bad.addr = 0xffff;
	bad.len = 2;
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &bad), -ERANGE);
	bad.len = 1;
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &bad), 0);
	bad = mmio;
	bad.addr = UINT64_MAX - 2;
	bad.len = 4;
	assert_int_equal(cvmm_kvm_vm_ioeventfd(f->vm, &bad), -EOVERFLOW);
	assert_int_equal(cvmm_kvm_vm_last_error(f->vm).op,
			 CVMM_KVM_OP_IOEVENTFD);
	assert_int_equal(s->nioeventfds, 3);
}

static void irq_lines_routing_and_caps(void **state)
{
	struct fixture *f = *state;
	const struct cvmm_kvm_test_vm *s = vm_state(f);
	struct kvm_irq_routing_entry routes[3];
	struct kvm_enable_cap cap;

	assert_int_equal(cvmm_kvm_vm_irq_line(f->vm, 4, true), -ENXIO);
	assert_string_equal(message(cvmm_kvm_vm_last_error(f->vm)),
			    "KVM_IRQ_LINE: No such device or address");
	assert_int_equal(cvmm_kvm_vm_create_irqchip(f->vm), 0);
	assert_int_equal(cvmm_kvm_vm_irq_line(f->vm, 4, true), 0);
	assert_int_equal(s->last_irq.irq, 4);
	assert_int_equal(s->last_irq.level, 1);
	assert_int_equal(cvmm_kvm_vm_irq_line(f->vm, 4, false), 0);
	assert_int_equal(s->last_irq.level, 0);
	assert_int_equal(s->irq_line_calls, 2);

	memset(routes, 0, sizeof(routes));
	for (uint32_t i = 0; i < 3; i++) {
		routes[i].gsi = i;
		routes[i].type = KVM_IRQ_ROUTING_IRQCHIP;
		routes[i].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		routes[i].u.irqchip.pin = i;
	}
	assert_int_equal(cvmm_kvm_vm_set_gsi_routing(f->vm, routes, 3), 0);
	assert_int_equal(s->gsi_routes, 3);
	assert_int_equal(cvmm_kvm_vm_set_gsi_routing(f->vm, NULL, 0), 0);
	assert_int_equal(s->gsi_routes, 0);
	assert_int_equal(
	    cvmm_kvm_vm_set_gsi_routing(f->vm, NULL, (size_t)UINT32_MAX + 1),
	    -E2BIG);
	assert_int_equal(cvmm_kvm_vm_last_error(f->vm).op,
			 CVMM_KVM_OP_SET_GSI_ROUTING);
	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 1, -EINVAL), 0);
	assert_int_equal(cvmm_kvm_vm_set_gsi_routing(f->vm, routes, 3),
			 -EINVAL);

	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_X86_DISABLE_EXITS;
	assert_int_equal(cvmm_kvm_vm_enable_cap(f->vm, &cap), 0);
	assert_int_equal(s->last_enabled_cap, KVM_CAP_X86_DISABLE_EXITS);
	cap.flags = 1;
	assert_int_equal(cvmm_kvm_vm_enable_cap(f->vm, &cap), -EINVAL);
	assert_string_equal(message(cvmm_kvm_vm_last_error(f->vm)),
			    "KVM_ENABLE_CAP: Invalid argument");
}

/* ---- vCPU ---- */

static void vcpu_create_maps_kvm_run(void **state)
{
	struct fixture *f = *state;
	struct cvmm_kvm_vcpu *v = (struct cvmm_kvm_vcpu *)1;

	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 3, &f->vcpu), 0);
	assert_int_equal(cvmm_kvm_vcpu_id(f->vcpu), 3);
	assert_true(cvmm_kvm_vcpu_fd(f->vcpu) >= 0);
	assert_non_null(cvmm_kvm_vcpu_run_area(f->vcpu));
	assert_int_equal(cvmm_kvm_vcpu_run_size(f->vcpu), 12288);
	assert_int_equal(cvmm_kvm_test_mappings(f->t), 1);
	assert_int_equal(vcpu_state(f)->id, 3);

	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 3, &v), -EEXIST);
	assert_string_equal(message(cvmm_kvm_vm_last_error(f->vm)),
			    "KVM_CREATE_VCPU: File exists");
	/* The mmap failing: the new fd is closed again. */
	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 2, -ENOMEM), 0);
	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 4, &v), -ENOMEM);
	assert_ptr_equal(v, (struct cvmm_kvm_vcpu *)1);
	assert_string_equal(message(cvmm_kvm_vm_last_error(f->vm)),
			    "mmap: Cannot allocate memory");
	assert_int_equal(cvmm_kvm_test_open_fds(f->t), 3);
	assert_int_equal(cvmm_kvm_test_mappings(f->t), 1);
	cvmm_kvm_vcpu_destroy(NULL);
}

static void registers_round_trip(void **state)
{
	struct fixture *f = *state;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_mp_state mp;
	struct kvm_lapic_state lapic;

	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 0, &f->vcpu), 0);
	assert_int_equal(cvmm_kvm_vcpu_get_regs(f->vcpu, &regs), 0);
	assert_int_equal(regs.rip, 0xfff0);
	regs.rip = 0x100000;
	regs.rsi = 0x7000;
	assert_int_equal(cvmm_kvm_vcpu_set_regs(f->vcpu, &regs), 0);
	assert_int_equal(vcpu_state(f)->regs.rsi, 0x7000);
	memset(&regs, 0, sizeof(regs));
	assert_int_equal(cvmm_kvm_vcpu_get_regs(f->vcpu, &regs), 0);
	assert_int_equal(regs.rip, 0x100000);

	assert_int_equal(cvmm_kvm_vcpu_get_sregs(f->vcpu, &sregs), 0);
	assert_int_equal(sregs.cs.selector, 0xf000);
	sregs.cr0 |= 1;
	assert_int_equal(cvmm_kvm_vcpu_set_sregs(f->vcpu, &sregs), 0);
	assert_int_equal(vcpu_state(f)->sregs.cr0, 0x60000011);

	assert_int_equal(cvmm_kvm_vcpu_get_fpu(f->vcpu, &fpu), 0);
	fpu.fcw = 0x27f;
	assert_int_equal(cvmm_kvm_vcpu_set_fpu(f->vcpu, &fpu), 0);
	assert_int_equal(vcpu_state(f)->fpu.fcw, 0x27f);

	assert_int_equal(cvmm_kvm_vcpu_get_mp_state(f->vcpu, &mp), 0);
	assert_int_equal(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	mp.mp_state = KVM_MP_STATE_HALTED;
	assert_int_equal(cvmm_kvm_vcpu_set_mp_state(f->vcpu, &mp), 0);
	assert_int_equal(vcpu_state(f)->mp_state.mp_state, KVM_MP_STATE_HALTED);
	mp.mp_state = 100;
	assert_int_equal(cvmm_kvm_vcpu_set_mp_state(f->vcpu, &mp), -EINVAL);
	assert_string_equal(message(cvmm_kvm_vcpu_last_error(f->vcpu)),
			    "KVM_SET_MP_STATE: Invalid argument");

	/* No in-kernel irqchip: no local APIC. */
	assert_int_equal(cvmm_kvm_vcpu_get_lapic(f->vcpu, &lapic), -EINVAL);
	assert_int_equal(cvmm_kvm_vcpu_set_lapic(f->vcpu, &lapic), -EINVAL);
	assert_int_equal(cvmm_kvm_vcpu_last_error(f->vcpu).op,
			 CVMM_KVM_OP_SET_LAPIC);
}

static void lapic_with_irqchip(void **state)
{
	struct fixture *f = *state;
	struct kvm_lapic_state lapic;
	struct cvmm_kvm_vcpu *ap;
	struct kvm_mp_state mp;

	assert_int_equal(cvmm_kvm_vm_create_irqchip(f->vm), 0);
	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 0, &f->vcpu), 0);
	assert_int_equal(cvmm_kvm_vcpu_get_lapic(f->vcpu, &lapic), 0);
	lapic.regs[0x350] = 0x7;
	assert_int_equal(cvmm_kvm_vcpu_set_lapic(f->vcpu, &lapic), 0);
	assert_int_equal(vcpu_state(f)->lapic.regs[0x350], 0x7);
	/* An application processor waits for INIT/SIPI. */
	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 1, &ap), 0);
	assert_int_equal(cvmm_kvm_vcpu_get_mp_state(ap, &mp), 0);
	assert_int_equal(mp.mp_state, KVM_MP_STATE_UNINITIALIZED);
	/* The kernel refuses an irqchip once vCPUs exist. */
	cvmm_kvm_vcpu_destroy(ap);
}

static void msrs(void **state)
{
	struct fixture *f = *state;
	struct kvm_msr_entry set[3] = {
	    {.index = 0x174, .data = 0x10},
	    {.index = 0x1a0, .data = 1},
	    {.index = 0xc0000082, .data = 0xffffffff81000000},
	};
	struct kvm_msr_entry get[3] = {
	    {.index = 0x1a0}, {.index = 0xc0000082}, {.index = 0x10}};
	uint64_t value;

	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 0, &f->vcpu), 0);
	assert_int_equal(cvmm_kvm_vcpu_set_msrs(f->vcpu, set, 3), 0);
	assert_true(cvmm_kvm_test_vcpu_msr(f->t, cvmm_kvm_vcpu_fd(f->vcpu),
					   0xc0000082, &value));
	assert_int_equal(value, 0xffffffff81000000);
	assert_int_equal(cvmm_kvm_vcpu_get_msrs(f->vcpu, get, 3), 0);
	assert_int_equal(get[0].data, 1);
	assert_int_equal(get[1].data, 0xffffffff81000000);
	assert_int_equal(get[2].data, 0);

	/* The kernel stops at an MSR it does not know. */
	set[1].index = 0x12345;
	set[2].data = 7;
	assert_int_equal(cvmm_kvm_vcpu_set_msrs(f->vcpu, set, 3), -EIO);
	assert_string_equal(message(cvmm_kvm_vcpu_last_error(f->vcpu)),
			    "KVM_SET_MSRS: MSR 0x12345 refused: Input/output "
			    "error");
	assert_true(cvmm_kvm_test_vcpu_msr(f->t, cvmm_kvm_vcpu_fd(f->vcpu),
					   0xc0000082, &value));
	assert_int_equal(value, 0xffffffff81000000);
	get[0].data = 99;
	get[1].index = 0x12345;
	get[1].data = 99;
	assert_int_equal(cvmm_kvm_vcpu_get_msrs(f->vcpu, get, 3), -EIO);
	assert_int_equal(get[0].data, 1);
	assert_int_equal(get[1].data, 99);
	assert_int_equal(cvmm_kvm_vcpu_last_error(f->vcpu).value, 0x12345);

	assert_int_equal(cvmm_kvm_vcpu_set_msrs(f->vcpu, NULL, 0), 0);
	assert_int_equal(cvmm_kvm_vcpu_get_msrs(f->vcpu, NULL, 0), 0);
	assert_int_equal(
	    cvmm_kvm_vcpu_set_msrs(f->vcpu, NULL, (size_t)UINT32_MAX + 1),
	    -E2BIG);
	assert_int_equal(
	    cvmm_kvm_vcpu_get_msrs(f->vcpu, NULL, (size_t)UINT32_MAX + 1),
	    -E2BIG);
	assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 1, -EFAULT), 0);
	assert_int_equal(cvmm_kvm_vcpu_get_msrs(f->vcpu, get, 1), -EFAULT);
	assert_string_equal(message(cvmm_kvm_vcpu_last_error(f->vcpu)),
			    "KVM_GET_MSRS: Bad address");
}

static void cpuid2(void **state)
{
	struct fixture *f = *state;
	struct kvm_cpuid_entry2 in[4];
	struct kvm_cpuid_entry2 out[4];
	static struct kvm_cpuid_entry2 big[5000];
	size_t n = 0;

	memset(in, 0, sizeof(in));
	for (uint32_t i = 0; i < 4; i++) {
		in[i].function = i;
		in[i].eax = 0x100 + i;
	}
	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 0, &f->vcpu), 0);
	assert_int_equal(cvmm_kvm_vcpu_set_cpuid2(f->vcpu, in, 4), 0);
	assert_int_equal(vcpu_state(f)->ncpuid, 4);
	assert_int_equal(vcpu_state(f)->cpuid[3].eax, 0x103);
	assert_int_equal(cvmm_kvm_vcpu_get_cpuid2(f->vcpu, out, 4, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(cvmm_kvm_vcpu_get_cpuid2(f->vcpu, out, 3, &n), -E2BIG);
	assert_int_equal(cvmm_kvm_vcpu_last_error(f->vcpu).op,
			 CVMM_KVM_OP_GET_CPUID2);
	/* A capacity beyond any kernel's table is only clamped. */
	assert_int_equal(cvmm_kvm_vcpu_get_cpuid2(f->vcpu, big, 5000, &n), 0);
	assert_int_equal(n, 4);
	cvmm_kvm_test_set_overreport(f->t, true);
	assert_int_equal(cvmm_kvm_vcpu_get_cpuid2(f->vcpu, out, 4, &n),
			 -EPROTO);
	cvmm_kvm_test_set_overreport(f->t, false);

	assert_int_equal(cvmm_kvm_vcpu_set_cpuid2(f->vcpu, big, 257), -E2BIG);
	assert_string_equal(message(cvmm_kvm_vcpu_last_error(f->vcpu)),
			    "KVM_SET_CPUID2: Argument list too long");
	assert_int_equal(
	    cvmm_kvm_vcpu_set_cpuid2(f->vcpu, NULL, (size_t)UINT32_MAX + 1),
	    -E2BIG);
	assert_int_equal(cvmm_kvm_vcpu_set_cpuid2(f->vcpu, NULL, 0), 0);
	assert_int_equal(cvmm_kvm_vcpu_get_cpuid2(f->vcpu, out, 4, &n), 0);
	assert_int_equal(n, 0);
}

/* Scripted exits for the fake KVM_RUN. */
struct script {
	int step;
	int fail; /* errno for KVM_RUN at step 'fail_at' */
	int fail_at;
};

static int script_run(void *arg, int vcpu_fd, struct kvm_run *run)
{
	struct script *s = arg;
	int step = s->step++;

	(void)vcpu_fd;
	if (step == s->fail_at)
		return s->fail;
	switch (step) {
	case 0:
		run->exit_reason = KVM_EXIT_IO;
		run->io.direction = KVM_EXIT_IO_OUT;
		run->io.size = 1;
		run->io.port = 0x3f8;
		run->io.count = 1;
		run->io.data_offset = 4096;
		((uint8_t *)run)[4096] = 'x';
		return 0;
	case 1:
		run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
		run->system_event.type = KVM_SYSTEM_EVENT_RESET;
		return 0;
	case 2:
		/* A kernel bug: I/O data past the area. */
		run->exit_reason = KVM_EXIT_IO;
		run->io.data_offset = 1u << 20;
		return 0;
	default:
		run->exit_reason = KVM_EXIT_INTR;
		return 0;
	}
}

static void run_decodes_and_reports(void **state)
{
	struct fixture *f = *state;
	struct script s = {.fail_at = -1};
	struct cvmm_kvm_exit exit;

	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 0, &f->vcpu), 0);
	/* Without a script every run halts. */
	assert_int_equal(cvmm_kvm_vcpu_run(f->vcpu, &exit), 0);
	assert_int_equal(exit.type, CVMM_KVM_EXIT_HLT);

	cvmm_kvm_test_set_run(f->t, script_run, &s);
	assert_int_equal(cvmm_kvm_vcpu_run(f->vcpu, &exit), 0);
	assert_int_equal(exit.type, CVMM_KVM_EXIT_IO);
	assert_int_equal(exit.u.io.data[0], 'x');
	assert_int_equal(cvmm_kvm_vcpu_run(f->vcpu, &exit), 0);
	assert_int_equal(exit.type, CVMM_KVM_EXIT_SYSTEM_EVENT);
	assert_int_equal(exit.u.system_event.type, KVM_SYSTEM_EVENT_RESET);
	assert_int_equal(cvmm_kvm_vcpu_run(f->vcpu, &exit), -EPROTO);
	assert_string_equal(message(cvmm_kvm_vcpu_last_error(f->vcpu)),
			    "kvm_run: Protocol error");
	/* KVM_EXIT_INTR also clears immediate_exit. */
	cvmm_kvm_vcpu_run_area(f->vcpu)->immediate_exit = 0;
	assert_int_equal(cvmm_kvm_vcpu_run(f->vcpu, &exit), 0);
	assert_int_equal(exit.type, CVMM_KVM_EXIT_INTR);
	assert_int_equal(vcpu_state(f)->runs, 5);

	/* immediate_exit: EINTR before entering, then cleared. */
	cvmm_kvm_vcpu_set_immediate_exit(f->vcpu, true);
	assert_int_equal(cvmm_kvm_vcpu_run_area(f->vcpu)->immediate_exit, 1);
	assert_int_equal(cvmm_kvm_vcpu_run(f->vcpu, &exit), 0);
	assert_int_equal(exit.type, CVMM_KVM_EXIT_INTR);
	assert_int_equal(exit.reason, KVM_EXIT_INTR);
	assert_int_equal(cvmm_kvm_vcpu_run_area(f->vcpu)->immediate_exit, 0);
	assert_int_equal(vcpu_state(f)->runs, 5);

	s.fail_at = s.step;
	s.fail = -EFAULT;
	assert_int_equal(cvmm_kvm_vcpu_run(f->vcpu, &exit), -EFAULT);
	assert_string_equal(message(cvmm_kvm_vcpu_last_error(f->vcpu)),
			    "KVM_RUN: Bad address");
}

static void vcpu_ioctl_failures_name_the_ioctl(void **state)
{
	struct fixture *f = *state;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_mp_state mp;
	struct kvm_lapic_state lapic;
	struct kvm_msr_entry msr = {.index = 0x10};
	struct kvm_cpuid_entry2 cpuid;
	size_t n;
	struct {
		enum cvmm_kvm_op op;
		int rc;
	} got[14];
	int i = 0;

	memset(&cpuid, 0, sizeof(cpuid));
	assert_int_equal(cvmm_kvm_vm_create_irqchip(f->vm), 0);
	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 0, &f->vcpu), 0);
#define TRY(call)                                                              \
	do {                                                                   \
		assert_int_equal(cvmm_kvm_test_fail_nth(f->t, 1, -EBADF), 0);  \
		got[i].rc = (call);                                            \
		got[i++].op = cvmm_kvm_vcpu_last_error(f->vcpu).op;            \
	} while (0)
	TRY(cvmm_kvm_vcpu_get_regs(f->vcpu, &regs));
	TRY(cvmm_kvm_vcpu_set_regs(f->vcpu, &regs));
	TRY(cvmm_kvm_vcpu_get_sregs(f->vcpu, &sregs));
	TRY(cvmm_kvm_vcpu_set_sregs(f->vcpu, &sregs));
	TRY(cvmm_kvm_vcpu_get_fpu(f->vcpu, &fpu));
	TRY(cvmm_kvm_vcpu_set_fpu(f->vcpu, &fpu));
	TRY(cvmm_kvm_vcpu_get_mp_state(f->vcpu, &mp));
	TRY(cvmm_kvm_vcpu_set_mp_state(f->vcpu, &mp));
	TRY(cvmm_kvm_vcpu_get_lapic(f->vcpu, &lapic));
	TRY(cvmm_kvm_vcpu_set_lapic(f->vcpu, &lapic));
	TRY(cvmm_kvm_vcpu_get_msrs(f->vcpu, &msr, 1));
	TRY(cvmm_kvm_vcpu_set_msrs(f->vcpu, &msr, 1));
	TRY(cvmm_kvm_vcpu_set_cpuid2(f->vcpu, &cpuid, 1));
	TRY(cvmm_kvm_vcpu_get_cpuid2(f->vcpu, &cpuid, 1, &n));
#undef TRY
	for (int k = 0; k < i; k++) {
		static const enum cvmm_kvm_op ops[] = {
		    CVMM_KVM_OP_GET_REGS,     CVMM_KVM_OP_SET_REGS,
		    CVMM_KVM_OP_GET_SREGS,    CVMM_KVM_OP_SET_SREGS,
		    CVMM_KVM_OP_GET_FPU,      CVMM_KVM_OP_SET_FPU,
		    CVMM_KVM_OP_GET_MP_STATE, CVMM_KVM_OP_SET_MP_STATE,
		    CVMM_KVM_OP_GET_LAPIC,    CVMM_KVM_OP_SET_LAPIC,
		    CVMM_KVM_OP_GET_MSRS,     CVMM_KVM_OP_SET_MSRS,
		    CVMM_KVM_OP_SET_CPUID2,   CVMM_KVM_OP_GET_CPUID2};

		assert_int_equal(got[k].rc, -EBADF);
		assert_int_equal(got[k].op, ops[k]);
	}
}

/* ---- the whole set-up, each call failing in turn ---- */

static int full_setup(struct cvmm_kvm_test *t,
		      const struct cvmm_mem_regions *regions,
		      struct cvmm_kvm_error *failed)
{
	struct cvmm_kvm *kvm = NULL;
	struct cvmm_kvm_vm *vm = NULL;
	struct cvmm_kvm_vcpu *vcpu = NULL;
	struct kvm_cpuid2 *cpuid = NULL;
	struct kvm_msr_list *msrs = NULL;
	struct cvmm_kvm_exit exit;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_msr_entry msr = {.index = 0x1a0, .data = 1};
	struct kvm_lapic_state lapic;
	struct cvmm_kvm_ioeventfd ev = {
	    .fd = 20, .space = CVMM_KVM_IO_PIO, .addr = 0x80, .len = 1};
	int rc;

	memset(failed, 0, sizeof(*failed));
	rc = cvmm_kvm_test_open(t, &kvm, failed);
	if (rc != 0)
		return rc;
	if ((rc = cvmm_kvm_require(kvm, cvmm_kvm_x86_required_caps,
				   cvmm_kvm_x86_required_caps_count)) != 0 ||
	    (rc = cvmm_kvm_get_supported_cpuid(kvm, &cpuid)) != 0 ||
	    (rc = cvmm_kvm_get_msr_index_list(kvm, &msrs)) != 0 ||
	    (rc = cvmm_kvm_vm_create(kvm, &vm)) != 0) {
		*failed = cvmm_kvm_last_error(kvm);
		goto out;
	}
	if ((rc = cvmm_kvm_vm_set_tss_addr(vm, 0xfffbd000)) != 0 ||
	    (rc = cvmm_kvm_vm_set_identity_map_addr(vm, 0xfffbc000)) != 0 ||
	    (rc = cvmm_kvm_vm_create_irqchip(vm)) != 0 ||
	    (rc = cvmm_kvm_vm_create_pit2(vm, KVM_PIT_SPEAKER_DUMMY)) != 0 ||
	    (rc = cvmm_kvm_vm_map_regions(vm, regions, 0)) != 0 ||
	    (rc = cvmm_kvm_vm_irqfd(vm, 21, 4)) != 0 ||
	    (rc = cvmm_kvm_vm_ioeventfd(vm, &ev)) != 0 ||
	    (rc = cvmm_kvm_vm_irq_line(vm, 4, true)) != 0 ||
	    (rc = cvmm_kvm_vcpu_create(vm, 0, &vcpu)) != 0) {
		*failed = cvmm_kvm_vm_last_error(vm);
		goto out;
	}
	memset(&regs, 0, sizeof(regs));
	if ((rc = cvmm_kvm_vcpu_set_cpuid2(vcpu, cpuid->entries,
					   cpuid->nent)) != 0 ||
	    (rc = cvmm_kvm_vcpu_get_sregs(vcpu, &sregs)) != 0 ||
	    (rc = cvmm_kvm_vcpu_set_sregs(vcpu, &sregs)) != 0 ||
	    (rc = cvmm_kvm_vcpu_set_regs(vcpu, &regs)) != 0 ||
	    (rc = cvmm_kvm_vcpu_set_msrs(vcpu, &msr, 1)) != 0 ||
	    (rc = cvmm_kvm_vcpu_get_lapic(vcpu, &lapic)) != 0 ||
	    (rc = cvmm_kvm_vcpu_set_lapic(vcpu, &lapic)) != 0 ||
	    (rc = cvmm_kvm_vcpu_run(vcpu, &exit)) != 0) {
		*failed = cvmm_kvm_vcpu_last_error(vcpu);
		goto out;
	}
out:
	free(cpuid);
	free(msrs);
	cvmm_kvm_vcpu_destroy(vcpu);
	cvmm_kvm_vm_destroy(vm);
	cvmm_kvm_close(kvm);
	return rc;
}

static void each_call_failing_in_turn(void **state)
{
	const struct cvmm_mem_range layout[] = {
	    {cvmm_mem_gpa_from(0), 0x4000, 0},
	    {cvmm_mem_gpa_from(0x100000), 0x4000, 0}};
	struct fixture *f = *state;
	struct cvmm_mem_mmap *mm;
	struct cvmm_kvm_error failed;
	uint64_t n;
	int rc;

	assert_int_equal(cvmm_mem_mmap_create(layout, 2, &mm), 0);
	for (n = 1;; n++) {
		assert_int_equal(cvmm_kvm_test_fail_nth(f->t, n, -ENODEV), 0);
		rc = full_setup(f->t, cvmm_mem_mmap_regions(mm), &failed);
		assert_int_equal(cvmm_kvm_test_open_fds(f->t), 2);
		assert_int_equal(cvmm_kvm_test_mappings(f->t), 0);
		if (!cvmm_kvm_test_failure_fired(f->t))
			break;
		assert_int_equal(rc, -ENODEV);
		assert_int_equal(failed.err, -ENODEV);
		assert_int_not_equal(failed.op, CVMM_KVM_OP_NONE);
	}
	assert_int_equal(rc, 0);
	/*
	 * open + 2, 10 caps, cpuid, msr list, VM, tss, identity map,
	 * irqchip, pit, 2 slots, irqfd, ioeventfd, irq line, vCPU + mmap,
	 * cpuid2, 2 sregs, regs, msrs, 2 lapic, run.
	 */
	assert_int_equal(n, 3 + 10 + 3 + 10 + 2 + 8 + 1);
	cvmm_mem_mmap_destroy(mm);
}

static void each_allocation_failing_in_turn(void **state)
{
	const struct cvmm_mem_range layout[] = {
	    {cvmm_mem_gpa_from(0), 0x4000, 0}};
	struct fixture *f = *state;
	struct cvmm_mem_mmap *mm;
	struct cvmm_kvm_error failed;
	int rc;

	assert_int_equal(cvmm_mem_mmap_create(layout, 1, &mm), 0);
	for (uint64_t n = 1;; n++) {
		cvmm_alloc_fail_nth(n);
		rc = full_setup(f->t, cvmm_mem_mmap_regions(mm), &failed);
		assert_int_equal(cvmm_kvm_test_open_fds(f->t), 2);
		assert_int_equal(cvmm_kvm_test_mappings(f->t), 0);
		if (!cvmm_alloc_fail_fired())
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_int_equal(failed.err, -ENOMEM);
		assert_int_equal(failed.op, CVMM_KVM_OP_ALLOC);
		assert_string_equal(message(failed),
				    "malloc: Cannot allocate memory");
	}
	cvmm_alloc_fail_nth(0);
	assert_int_equal(rc, 0);
	cvmm_mem_mmap_destroy(mm);
}

static void more_allocation_failures(void **state)
{
	struct fixture *f = *state;
	struct kvm_irq_routing_entry route;
	struct kvm_msr_entry msr = {.index = 0x10};
	struct kvm_cpuid_entry2 cpuid;
	size_t n;

	memset(&route, 0, sizeof(route));
	memset(&cpuid, 0, sizeof(cpuid));
	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 0, &f->vcpu), 0);
	cvmm_alloc_fail_nth(1);
	assert_int_equal(cvmm_kvm_vm_set_gsi_routing(f->vm, &route, 1),
			 -ENOMEM);
	cvmm_alloc_fail_nth(1);
	assert_int_equal(cvmm_kvm_vcpu_get_msrs(f->vcpu, &msr, 1), -ENOMEM);
	cvmm_alloc_fail_nth(1);
	assert_int_equal(cvmm_kvm_vcpu_get_cpuid2(f->vcpu, &cpuid, 1, &n),
			 -ENOMEM);
	cvmm_alloc_fail_nth(1);
	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 1, &f->vcpu), -ENOMEM);
	cvmm_alloc_fail_nth(0);
	assert_int_equal(cvmm_kvm_vcpu_last_error(f->vcpu).op,
			 CVMM_KVM_OP_ALLOC);
	assert_int_equal(cvmm_kvm_vm_last_error(f->vm).op, CVMM_KVM_OP_ALLOC);
}

static void destroy_in_any_order(void **state)
{
	struct fixture *f = *state;
	struct cvmm_kvm_vcpu *v;
	struct kvm_regs regs;

	assert_int_equal(cvmm_kvm_vcpu_create(f->vm, 0, &v), 0);
	/* The VM and the system go first; the vCPU still works. */
	cvmm_kvm_vm_destroy(f->vm);
	f->vm = NULL;
	cvmm_kvm_close(f->kvm);
	f->kvm = NULL;
	assert_int_equal(cvmm_kvm_vcpu_get_regs(v, &regs), 0);
	assert_int_equal(cvmm_kvm_test_open_fds(f->t), 1);
	cvmm_kvm_vcpu_destroy(v);
	assert_int_equal(cvmm_kvm_test_open_fds(f->t), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(open_checks_version_and_run_size),
	    T(open_failures_name_their_step),
	    cmocka_unit_test(errors_format_as_one_line),
	    T(capabilities),
	    T(supported_cpuid_grows_on_e2big),
	    T(kernel_that_never_fits),
	    T(msr_index_list),
	    T(msr_index_list_bound),
	    T(errno_beyond_16_bits_is_kept_as_65535),
	    T(vm_create_failure_is_recorded_on_the_system),
	    T(raw_memory_slots),
	    T(regions_become_slots_all_or_nothing),
	    T(irqchip_pit_tss_identity_map),
	    T(irqfds),
	    T(ioeventfds),
	    T(irq_lines_routing_and_caps),
	    T(vcpu_create_maps_kvm_run),
	    T(registers_round_trip),
	    T(lapic_with_irqchip),
	    T(msrs),
	    T(cpuid2),
	    T(run_decodes_and_reports),
	    T(vcpu_ioctl_failures_name_the_ioctl),
	    T(each_call_failing_in_turn),
	    T(each_allocation_failing_in_turn),
	    T(more_allocation_failures),
	    T(destroy_in_any_order),
	};
#undef T

	return cmocka_run_group_tests_name("kvm wrappers on the fake /dev/kvm",
					   tests, NULL, NULL);
}
