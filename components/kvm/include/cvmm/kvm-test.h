/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A KVM for tests: an implementation of struct cvmm_kvm_ops with failure
 * injection, in two modes.
 *
 * - CVMM_KVM_TEST_FAKE: a fake /dev/kvm in memory. It answers the ioctls
 *   this library makes the way the kernel does (the same errnos for the
 *   same mistakes: overlapping slots, a second irqchip, a duplicate vCPU
 *   id, an unknown MSR, a too-small CPUID buffer ...), keeps what it was
 *   given so a test can inspect it (memory slots, irqfds, ioeventfds, each
 *   vCPU's registers, MSRs, CPUID table, local APIC), and runs vCPUs by
 *   calling a test-supplied function that writes the exit into kvm_run.
 *   Code built on this library (arch-x86's vCPU set-up, a VMM's run loop)
 *   is tested with it without /dev/kvm.
 * - CVMM_KVM_TEST_PASSTHROUGH: the real system calls, with the same
 *   failure injection and fd/mapping accounting, for tests on a real
 *   /dev/kvm.
 *
 * Failure injection. cvmm_kvm_test_fail_nth(t, n, err) makes the nth call
 * from now of open, ioctl or mmap fail with err, without performing it
 * (close and munmap always succeed: a library cannot recover from them);
 * later calls succeed again. A test fails call 1, 2, 3, ... of an
 * operation in turn until it succeeds, checking each time that the error
 * was reported and nothing leaked (cvmm_kvm_test_open_fds(),
 * cvmm_kvm_test_mappings()).
 *
 * Limits of the fake (per test object): 8 VMs, 16 vCPUs, 64 fds, 32 memory
 * slots, 32 irqfds, 32 ioeventfds, 64 MSR values per vCPU, kvm_run areas
 * of up to CVMM_KVM_TEST_RUN_MAX bytes. Going past one fails the ioctl
 * with -ENOSPC (-EMFILE for fds). Pass-through mode tracks up to 48 fds
 * and 64 mappings; past that, the new fd is closed (or the mapping undone)
 * and the call fails with -EMFILE (-ENOMEM).
 *
 * Ownership: cvmm_kvm_test_create() allocates everything the test object
 * will ever use (no allocation happens inside the ops, so allocation-
 * failure loops count only the code under test); cvmm_kvm_test_destroy()
 * frees it, and in pass-through mode closes and unmaps whatever the code
 * under test leaked. State pointers returned below are borrowed until
 * destroy. Not thread-safe, except that a vCPU's run callback may be
 * entered while another thread sets immediate_exit.
 */
#ifndef CVMM_KVM_TEST_H
#define CVMM_KVM_TEST_H

#include <cvmm/kvm.h>

enum cvmm_kvm_test_mode {
	CVMM_KVM_TEST_FAKE,
	CVMM_KVM_TEST_PASSTHROUGH,
};

/* Largest kvm_run area the fake hands out (three 4-KiB pages, as Linux). */
#define CVMM_KVM_TEST_RUN_MAX	   12288u
#define CVMM_KVM_TEST_MAX_SLOTS	   32u
#define CVMM_KVM_TEST_MAX_IRQFDS   32u
#define CVMM_KVM_TEST_MAX_IOEVENTS 32u
#define CVMM_KVM_TEST_MAX_MSRS	   64u
#define CVMM_KVM_TEST_MAX_CPUID	   256u

struct cvmm_kvm_test;

/* The ops table; pass the test object as its ctx. */
extern const struct cvmm_kvm_ops cvmm_kvm_test_ops;

/*
 * Create a test KVM. The fake starts as a kernel with API version 12, a
 * vCPU mmap size of 12288 bytes, every capability of
 * cvmm_kvm_x86_required_caps (plus KVM_CAP_NR_MEMSLOTS 32,
 * KVM_CAP_MAX_VCPUS 16, KVM_CAP_IRQFD_RESAMPLE, KVM_CAP_CHECK_EXTENSION_VM,
 * KVM_CAP_READONLY_MEM), an empty supported-CPUID table and an MSR index
 * list with the MSRs x86 boot code sets. -ENOMEM; *out only set on success.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_test_create(enum cvmm_kvm_test_mode mode,
					     struct cvmm_kvm_test **out);

/*
 * A pass-through test KVM over another ops table instead of the real
 * system calls (lower and lower_ctx are borrowed and must outlive it); NULL
 * lower makes a fake. Stacking one over a fake tests the pass-through's own
 * accounting without /dev/kvm.
 */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_test_create_over(const struct cvmm_kvm_ops *lower, void *lower_ctx,
			  struct cvmm_kvm_test **out);

/* Free (NULL allowed); pass-through mode closes and unmaps leftovers. */
void cvmm_kvm_test_destroy(struct cvmm_kvm_test *t);

/* cvmm_kvm_open_ops() through t (path: /dev/kvm). */
CVMM_KVM_MUST_CHECK int cvmm_kvm_test_open(struct cvmm_kvm_test *t,
					   struct cvmm_kvm **out,
					   struct cvmm_kvm_error *err);

/*
 * Fail the nth open, ioctl or mmap from now (1 = the next) with err, a
 * negative errno; nth 0 disarms. -EINVAL if err is not negative.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_test_fail_nth(struct cvmm_kvm_test *t,
					       uint64_t nth, int err);

/* True if the armed failure has fired since it was armed. */
bool cvmm_kvm_test_failure_fired(const struct cvmm_kvm_test *t);

/* The request of the last ioctl attempted (failed ones included). */
unsigned long cvmm_kvm_test_last_request(const struct cvmm_kvm_test *t);

/* Open, ioctl and mmap calls made through t since create. */
uint64_t cvmm_kvm_test_calls(const struct cvmm_kvm_test *t);

/* fds opened through t (open, KVM_CREATE_VM, KVM_CREATE_VCPU) not closed. */
unsigned cvmm_kvm_test_open_fds(const struct cvmm_kvm_test *t);

/* Mappings made through t not unmapped. */
unsigned cvmm_kvm_test_mappings(const struct cvmm_kvm_test *t);

/* ---- What the fake reports (no effect in pass-through mode) ---- */

/* The KVM_GET_API_VERSION answer (12 unless changed). */
void cvmm_kvm_test_set_api_version(struct cvmm_kvm_test *t, int version);

/* The KVM_GET_VCPU_MMAP_SIZE answer; mmap of a vCPU fails with -EINVAL
 * above CVMM_KVM_TEST_RUN_MAX. */
void cvmm_kvm_test_set_mmap_size(struct cvmm_kvm_test *t, int size);

/* What KVM_CHECK_EXTENSION answers for cap (0 removes it); -ENOSPC when
 * 64 capabilities are set. */
CVMM_KVM_MUST_CHECK int cvmm_kvm_test_set_cap(struct cvmm_kvm_test *t,
					      unsigned cap, int value);

/* The KVM_GET_SUPPORTED_CPUID table (copied); -E2BIG past 256 entries. */
CVMM_KVM_MUST_CHECK int cvmm_kvm_test_set_supported_cpuid(
    struct cvmm_kvm_test *t, const struct kvm_cpuid_entry2 *entries, size_t n);

/*
 * The KVM_GET_MSR_INDEX_LIST answer, which is also the set of MSRs that
 * KVM_GET_MSRS/KVM_SET_MSRS accept (copied); -E2BIG past 64 indices. With
 * grow set, every KVM_GET_MSR_INDEX_LIST answers E2BIG with a length one
 * larger than the caller's (a list that keeps growing).
 */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_test_set_msr_index_list(struct cvmm_kvm_test *t,
				 const uint32_t *indices, size_t n, bool grow);

/*
 * Bend the fake's answers to test how callers cope with a kernel that
 * misbehaves: answer nent/nmsrs larger than the buffer on success
 * (KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST, KVM_GET_CPUID2).
 */
void cvmm_kvm_test_set_overreport(struct cvmm_kvm_test *t, bool on);

/*
 * What KVM_RUN does: call fn(arg, vcpu_fd, run), which writes an exit
 * into run (exit_reason and its fields) and returns 0 or a negative errno
 * for KVM_RUN to fail with. Without fn, every run is a KVM_EXIT_HLT.
 * Either way, a run with immediate_exit set returns -EINTR first.
 */
typedef int (*cvmm_kvm_test_run_fn)(void *arg, int vcpu_fd,
				    struct kvm_run *run);

/* Install fn (called with arg) as KVM_RUN's behaviour; NULL: HLT. */
void cvmm_kvm_test_set_run(struct cvmm_kvm_test *t, cvmm_kvm_test_run_fn fn,
			   void *arg);

/* ---- What the fake holds ---- */

struct cvmm_kvm_test_vm {
	bool irqchip;
	bool pit;
	uint32_t pit_flags;
	uint64_t tss_addr;
	uint64_t identity_map_addr;
	unsigned nslots;
	struct kvm_userspace_memory_region slots[CVMM_KVM_TEST_MAX_SLOTS];
	unsigned nirqfds;
	struct kvm_irqfd irqfds[CVMM_KVM_TEST_MAX_IRQFDS];
	unsigned nioeventfds;
	struct kvm_ioeventfd ioeventfds[CVMM_KVM_TEST_MAX_IOEVENTS];
	uint64_t irq_line_calls;
	struct kvm_irq_level last_irq;
	uint32_t gsi_routes; /* length of the last GSI routing table */
	uint32_t last_enabled_cap;
	unsigned vcpus;
};

struct cvmm_kvm_test_vcpu {
	uint32_t id;
	int vm_fd;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp_state;
	unsigned nmsrs;
	struct kvm_msr_entry msrs[CVMM_KVM_TEST_MAX_MSRS];
	unsigned ncpuid;
	struct kvm_cpuid_entry2 cpuid[CVMM_KVM_TEST_MAX_CPUID];
	uint64_t runs;
};

/* The fake state of the VM with that fd, or NULL (also in pass-through). */
const struct cvmm_kvm_test_vm *
cvmm_kvm_test_vm_state(const struct cvmm_kvm_test *t, int vm_fd);

/* The fake state of the vCPU with that fd, or NULL. */
const struct cvmm_kvm_test_vcpu *
cvmm_kvm_test_vcpu_state(const struct cvmm_kvm_test *t, int vcpu_fd);

/* The value the fake holds for an MSR of a vCPU; false if never set. */
bool cvmm_kvm_test_vcpu_msr(const struct cvmm_kvm_test *t, int vcpu_fd,
			    uint32_t index, uint64_t *value);

#endif
