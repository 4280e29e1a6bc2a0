/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared between the kvm sources: the objects' layout, the packed last-error
 * word, and the one place that makes an ioctl through the ops table.
 */
#ifndef CVMM_KVM_INTERNAL_H
#define CVMM_KVM_INTERNAL_H

#include <cvmm/kvm.h>

/* The system-call interface an object was created with (borrowed). */
struct cvmm_kvm__sys {
	const struct cvmm_kvm_ops *ops;
	void *ctx;
};

struct cvmm_kvm {
	struct cvmm_kvm__sys sys;
	int fd;
	size_t run_size;
	uint64_t err; /* packed last error, accessed atomically */
};

struct cvmm_kvm_vm {
	struct cvmm_kvm__sys sys;
	int fd;
	size_t run_size;
	uint64_t err;
};

struct cvmm_kvm_vcpu {
	struct cvmm_kvm__sys sys;
	int fd;
	uint32_t id;
	struct kvm_run *run;
	size_t run_size;
	uint64_t err;
};

/* Store an error into a packed last-error word (atomically). */
void cvmm_kvm__record(uint64_t *word, enum cvmm_kvm_op op, int err,
		      enum cvmm_kvm_detail detail, uint32_t value);

/* Unpack a last-error word (read atomically). */
struct cvmm_kvm_error cvmm_kvm__load(const uint64_t *word);

/* An integer or pointer as an ioctl argument. */
#define CVMM_KVM__ARG(p) ((unsigned long)(uintptr_t)(p))

/*
 * ioctl(fd, request, arg) through sys; on failure record (op, errno) into
 * *word. Returns the ioctl's non-negative result or the negative errno.
 */
int cvmm_kvm__ioctl(const struct cvmm_kvm__sys *sys, uint64_t *word, int fd,
		    unsigned long request, unsigned long arg,
		    enum cvmm_kvm_op op);

/* KVM_CHECK_EXTENSION on fd, recording into *word. */
int cvmm_kvm__check_extension(const struct cvmm_kvm__sys *sys, uint64_t *word,
			      int fd, unsigned cap, int *value);

#endif
