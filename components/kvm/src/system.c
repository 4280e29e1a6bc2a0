/* SPDX-License-Identifier: Apache-2.0 */
/* The system object: /dev/kvm, its capabilities and its tables. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int cvmm_kvm__ioctl(const struct cvmm_kvm__sys *sys, uint64_t *word, int fd,
		    unsigned long request, unsigned long arg,
		    enum cvmm_kvm_op op)
{
	int rc = sys->ops->ioctl(sys->ctx, fd, request, arg);

	if (rc < 0)
		cvmm_kvm__record(word, op, rc, CVMM_KVM_DETAIL_NONE, 0);
	return rc;
}

int cvmm_kvm__check_extension(const struct cvmm_kvm__sys *sys, uint64_t *word,
			      int fd, unsigned cap, int *value)
{
	int rc = sys->ops->ioctl(sys->ctx, fd, KVM_CHECK_EXTENSION, cap);

	if (rc < 0) {
		cvmm_kvm__record(word, CVMM_KVM_OP_CHECK_EXTENSION, rc,
				 CVMM_KVM_DETAIL_CAP, cap);
		return rc;
	}
	*value = rc;
	return 0;
}

static void set_error(struct cvmm_kvm_error *err, enum cvmm_kvm_op op, int rc,
		      enum cvmm_kvm_detail detail, uint32_t value)
{
	if (err != NULL) {
		err->err = rc;
		err->op = op;
		err->detail = detail;
		err->value = value;
	}
}

int cvmm_kvm_open(const char *path, struct cvmm_kvm **out,
		  struct cvmm_kvm_error *err)
{
	return cvmm_kvm_open_ops(&cvmm_kvm_syscall_ops, NULL, path, out, err);
}

int cvmm_kvm_open_ops(const struct cvmm_kvm_ops *ops, void *ctx,
		      const char *path, struct cvmm_kvm **out,
		      struct cvmm_kvm_error *err)
{
	struct cvmm_kvm *kvm;
	int fd;
	int rc;

	set_error(err, CVMM_KVM_OP_NONE, 0, CVMM_KVM_DETAIL_NONE, 0);
	if (ops == NULL || out == NULL) {
		set_error(err, CVMM_KVM_OP_NONE, -EINVAL, CVMM_KVM_DETAIL_NONE,
			  0);
		return -EINVAL;
	}
	kvm = calloc(1, sizeof(*kvm));
	if (kvm == NULL) {
		set_error(err, CVMM_KVM_OP_ALLOC, -ENOMEM, CVMM_KVM_DETAIL_NONE,
			  0);
		return -ENOMEM;
	}
	kvm->sys.ops = ops;
	kvm->sys.ctx = ctx;
	fd = ops->open(ctx, path != NULL ? path : CVMM_KVM_DEFAULT_PATH);
	if (fd < 0) {
		set_error(err, CVMM_KVM_OP_OPEN, fd, CVMM_KVM_DETAIL_NONE, 0);
		free(kvm);
		return fd;
	}
	kvm->fd = fd;

	rc = ops->ioctl(ctx, fd, KVM_GET_API_VERSION, 0);
	if (rc < 0) {
		set_error(err, CVMM_KVM_OP_GET_API_VERSION, rc,
			  CVMM_KVM_DETAIL_NONE, 0);
		goto fail;
	}
	if (rc != CVMM_KVM_API_VERSION) {
		set_error(err, CVMM_KVM_OP_GET_API_VERSION, -EPROTONOSUPPORT,
			  CVMM_KVM_DETAIL_VERSION, (uint32_t)rc);
		rc = -EPROTONOSUPPORT;
		goto fail;
	}
	rc = ops->ioctl(ctx, fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (rc < 0) {
		set_error(err, CVMM_KVM_OP_GET_VCPU_MMAP_SIZE, rc,
			  CVMM_KVM_DETAIL_NONE, 0);
		goto fail;
	}
	if ((size_t)rc < sizeof(struct kvm_run)) {
		set_error(err, CVMM_KVM_OP_GET_VCPU_MMAP_SIZE, -EPROTO,
			  CVMM_KVM_DETAIL_NONE, 0);
		rc = -EPROTO;
		goto fail;
	}
	kvm->run_size = (size_t)rc;
	*out = kvm;
	return 0;

fail:
	ops->close(ctx, fd);
	free(kvm);
	return rc;
}

void cvmm_kvm_close(struct cvmm_kvm *kvm)
{
	if (kvm == NULL)
		return;
	kvm->sys.ops->close(kvm->sys.ctx, kvm->fd);
	free(kvm);
}

int cvmm_kvm_fd(const struct cvmm_kvm *kvm)
{
	return kvm->fd;
}

struct cvmm_kvm_error cvmm_kvm_last_error(const struct cvmm_kvm *kvm)
{
	return cvmm_kvm__load(&kvm->err);
}

size_t cvmm_kvm_vcpu_mmap_size(const struct cvmm_kvm *kvm)
{
	return kvm->run_size;
}

int cvmm_kvm_check_extension(struct cvmm_kvm *kvm, unsigned cap, int *value)
{
	return cvmm_kvm__check_extension(&kvm->sys, &kvm->err, kvm->fd, cap,
					 value);
}

int cvmm_kvm_require(struct cvmm_kvm *kvm, const unsigned *caps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int value = 0;
		int rc = cvmm_kvm_check_extension(kvm, caps[i], &value);

		if (rc != 0)
			return rc;
		if (value <= 0) {
			cvmm_kvm__record(&kvm->err, CVMM_KVM_OP_CHECK_EXTENSION,
					 -EOPNOTSUPP, CVMM_KVM_DETAIL_CAP,
					 caps[i]);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

const unsigned cvmm_kvm_x86_required_caps[] = {
    KVM_CAP_USER_MEMORY,
    KVM_CAP_IRQCHIP,
    KVM_CAP_PIT2,
    KVM_CAP_SET_TSS_ADDR,
    KVM_CAP_SET_IDENTITY_MAP_ADDR,
    KVM_CAP_EXT_CPUID,
    KVM_CAP_MP_STATE,
    KVM_CAP_IRQFD,
    KVM_CAP_IOEVENTFD,
    KVM_CAP_IMMEDIATE_EXIT,
};
const size_t cvmm_kvm_x86_required_caps_count =
    sizeof(cvmm_kvm_x86_required_caps) / sizeof(cvmm_kvm_x86_required_caps[0]);

/* First size asked for, and the growth of the E2BIG loops. */
#define CPUID_FIRST 64u

int cvmm_kvm_get_supported_cpuid(struct cvmm_kvm *kvm, struct kvm_cpuid2 **out)
{
	uint32_t nent = CPUID_FIRST;

	for (;;) {
		/* nent <= 4096: the size cannot overflow. */
		size_t size = sizeof(struct kvm_cpuid2) +
			      (size_t)nent * sizeof(struct kvm_cpuid_entry2);
		struct kvm_cpuid2 *c = calloc(1, size);
		int rc;

		if (c == NULL) {
			cvmm_kvm__record(&kvm->err, CVMM_KVM_OP_ALLOC, -ENOMEM,
					 CVMM_KVM_DETAIL_NONE, 0);
			return -ENOMEM;
		}
		c->nent = nent;
		rc = kvm->sys.ops->ioctl(kvm->sys.ctx, kvm->fd,
					 KVM_GET_SUPPORTED_CPUID,
					 CVMM_KVM__ARG(c));
		if (rc == 0 && c->nent <= nent) {
			*out = c;
			return 0;
		}
		free(c);
		if (rc == 0)
			rc = -EPROTO;
		else if (rc == -E2BIG && nent < CVMM_KVM_CPUID_MAX_ENTRIES) {
			nent *= 2;
			continue;
		}
		cvmm_kvm__record(&kvm->err, CVMM_KVM_OP_GET_SUPPORTED_CPUID, rc,
				 CVMM_KVM_DETAIL_NONE, 0);
		return rc;
	}
}

/* Bounds for KVM_GET_MSR_INDEX_LIST: attempts and list length. */
#define MSR_LIST_TRIES 8
#define MSR_LIST_MAX   65536u

int cvmm_kvm_get_msr_index_list(struct cvmm_kvm *kvm, struct kvm_msr_list **out)
{
	uint32_t n = 0;

	for (int tries = 0; tries < MSR_LIST_TRIES; tries++) {
		/* n <= 65536: the size cannot overflow. */
		size_t size =
		    sizeof(struct kvm_msr_list) + (size_t)n * sizeof(uint32_t);
		struct kvm_msr_list *list = calloc(1, size);
		uint32_t asked = n;
		int rc;

		if (list == NULL) {
			cvmm_kvm__record(&kvm->err, CVMM_KVM_OP_ALLOC, -ENOMEM,
					 CVMM_KVM_DETAIL_NONE, 0);
			return -ENOMEM;
		}
		list->nmsrs = n;
		rc = kvm->sys.ops->ioctl(kvm->sys.ctx, kvm->fd,
					 KVM_GET_MSR_INDEX_LIST,
					 CVMM_KVM__ARG(list));
		if (rc == 0 && list->nmsrs <= asked) {
			*out = list;
			return 0;
		}
		/* On E2BIG the kernel stores the length it needs. */
		n = list->nmsrs;
		free(list);
		if (rc == 0)
			rc = -EPROTO;
		else if (rc == -E2BIG && n > asked && n <= MSR_LIST_MAX)
			continue;
		cvmm_kvm__record(&kvm->err, CVMM_KVM_OP_GET_MSR_INDEX_LIST, rc,
				 CVMM_KVM_DETAIL_NONE, 0);
		return rc;
	}
	cvmm_kvm__record(&kvm->err, CVMM_KVM_OP_GET_MSR_INDEX_LIST, -E2BIG,
			 CVMM_KVM_DETAIL_NONE, 0);
	return -E2BIG;
}
