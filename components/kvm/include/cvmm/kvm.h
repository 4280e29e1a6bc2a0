/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm kvm: thin wrappers over the /dev/kvm ioctls, for x86-64 hosts.
 *
 * Three objects mirror the kernel's three kinds of file descriptor:
 *   struct cvmm_kvm       the system (/dev/kvm): capabilities, supported
 *                         CPUID, MSR index list, VM creation;
 *   struct cvmm_kvm_vm    one VM: memory slots, in-kernel irqchip and PIT,
 *                         irqfd, ioeventfd, IRQ lines, GSI routing;
 *   struct cvmm_kvm_vcpu  one vCPU: its registers and KVM_RUN, whose exits
 *                         are decoded into struct cvmm_kvm_exit
 *                         (cvmm/kvm-exit.h).
 * The kernel structures are those of <linux/kvm.h> (struct kvm_regs,
 * struct kvm_sregs, struct kvm_cpuid2, ...); nothing is redeclared here.
 *
 * Errors. Every fallible function returns 0 or a negative errno. Each
 * object also keeps its last error: which operation failed (the ioctl's
 * name), the errno, and for some failures a detail (the missing capability,
 * the MSR the kernel refused, the API version it reported).
 * cvmm_kvm_error_format() turns it into one line such as
 * "KVM_CREATE_VM: Permission denied". A failure is recorded in the object
 * the call was made on; creating a VM records into the system, creating a
 * vCPU into the VM. cvmm_kvm_open() has no object yet, so it fills the
 * struct cvmm_kvm_error its caller passes. A successful call leaves the
 * last error as it was (like errno). The record is one atomic word, so
 * reading it while another thread fails a call is safe; with several
 * threads failing calls on one object, it holds one of their errors.
 *
 * Errno classes of this component (besides the kernel's own):
 *   -EPROTONOSUPPORT  KVM_GET_API_VERSION is not 12;
 *   -EOPNOTSUPP       a required capability is missing (detail: the cap);
 *   -EIO              KVM_GET_MSRS/KVM_SET_MSRS processed fewer MSRs than
 *                     asked (detail: the first MSR not processed);
 *   -EPROTO           the kernel answered something impossible: a kvm_run
 *                     area whose fields do not fit it (cvmm/kvm-exit.h), a
 *                     vCPU mmap size smaller than struct kvm_run, more
 *                     entries than the buffer it was given;
 *   -EINVAL           a caller error (a bad ioeventfd length, ...);
 *   -ERANGE, -EOVERFLOW  an address or slot number out of range, or an
 *                     address + size that wraps;
 *   -E2BIG            an array longer than the kernel's structures hold;
 *   -ENOMEM           an allocation failed.
 *
 * Ownership. cvmm_kvm_open() allocates the system object and owns its fd;
 * cvmm_kvm_vm_create() and cvmm_kvm_vcpu_create() allocate objects that
 * own their fd (and, for a vCPU, the mapping of its kvm_run area). Each
 * destroy function closes every fd and unmapping its object owns. The
 * objects may be destroyed in any order: a VM or vCPU does not refer to
 * its parent after creation (the kernel keeps the VM alive while a vCPU fd
 * is open). They do borrow the ops table and its context (below), which
 * must outlive every object created from them.
 *
 * Threads. The system and VM objects have no state besides their fds and
 * the atomic last error, so any thread may call them. A vCPU is driven by
 * one thread at a time; only cvmm_kvm_vcpu_set_immediate_exit() may be
 * called from elsewhere, including a signal handler.
 *
 * Testing. Every system call goes through an ops table (struct
 * cvmm_kvm_ops). cvmm_kvm_syscall_ops makes the real calls; cvmm/kvm-test.h
 * has a fake /dev/kvm and a pass-through that fail the Nth call on demand.
 */
#ifndef CVMM_KVM_H
#define CVMM_KVM_H

#include <cvmm/mem-regions.h>

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CVMM_KVM_MUST_CHECK __attribute__((warn_unused_result))

/* The only KVM API version there has ever been (KVM_GET_API_VERSION). */
#define CVMM_KVM_API_VERSION 12

/* The device opened when no path is given. */
#define CVMM_KVM_DEFAULT_PATH "/dev/kvm"

/* -------------------------------------------------------------------------
 * Errors
 */

/* The operation a recorded error comes from. */
enum cvmm_kvm_op {
	CVMM_KVM_OP_NONE = 0,
	CVMM_KVM_OP_OPEN,  /* open() of the device */
	CVMM_KVM_OP_MMAP,  /* mmap() of a vCPU's kvm_run area */
	CVMM_KVM_OP_ALLOC, /* an allocation of this library */
	CVMM_KVM_OP_GET_API_VERSION,
	CVMM_KVM_OP_CHECK_EXTENSION,
	CVMM_KVM_OP_GET_VCPU_MMAP_SIZE,
	CVMM_KVM_OP_GET_SUPPORTED_CPUID,
	CVMM_KVM_OP_GET_MSR_INDEX_LIST,
	CVMM_KVM_OP_CREATE_VM,
	CVMM_KVM_OP_SET_USER_MEMORY_REGION,
	CVMM_KVM_OP_CREATE_IRQCHIP,
	CVMM_KVM_OP_CREATE_PIT2,
	CVMM_KVM_OP_SET_TSS_ADDR,
	CVMM_KVM_OP_SET_IDENTITY_MAP_ADDR,
	CVMM_KVM_OP_IRQFD,
	CVMM_KVM_OP_IOEVENTFD,
	CVMM_KVM_OP_IRQ_LINE,
	CVMM_KVM_OP_SET_GSI_ROUTING,
	CVMM_KVM_OP_ENABLE_CAP,
	CVMM_KVM_OP_CREATE_VCPU,
	CVMM_KVM_OP_GET_REGS,
	CVMM_KVM_OP_SET_REGS,
	CVMM_KVM_OP_GET_SREGS,
	CVMM_KVM_OP_SET_SREGS,
	CVMM_KVM_OP_GET_FPU,
	CVMM_KVM_OP_SET_FPU,
	CVMM_KVM_OP_GET_MSRS,
	CVMM_KVM_OP_SET_MSRS,
	CVMM_KVM_OP_GET_CPUID2,
	CVMM_KVM_OP_SET_CPUID2,
	CVMM_KVM_OP_GET_LAPIC,
	CVMM_KVM_OP_SET_LAPIC,
	CVMM_KVM_OP_GET_MP_STATE,
	CVMM_KVM_OP_SET_MP_STATE,
	CVMM_KVM_OP_RUN,
	CVMM_KVM_OP_DECODE_EXIT, /* kvm_run held values that do not fit it */
	CVMM_KVM_OP_COUNT_
};

/* What the value of an error holds. */
enum cvmm_kvm_detail {
	CVMM_KVM_DETAIL_NONE = 0,
	CVMM_KVM_DETAIL_CAP,	 /* a KVM_CAP_* number */
	CVMM_KVM_DETAIL_MSR,	 /* an MSR index */
	CVMM_KVM_DETAIL_VERSION, /* the API version the kernel reported */
};

/* A recorded error; {0} means none. */
struct cvmm_kvm_error {
	int err;		     /* negative errno, 0 if none */
	enum cvmm_kvm_op op;	     /* the operation that failed */
	enum cvmm_kvm_detail detail; /* what value is */
	uint32_t value;
};

/*
 * The name of op as the kernel spells the ioctl ("KVM_CREATE_VM"), or
 * "open", "mmap", "malloc", "kvm_run", "none"; "?" if op is out of range.
 * Static storage.
 */
const char *cvmm_kvm_op_name(enum cvmm_kvm_op op);

/* "KVM_CAP_IRQFD" for the capabilities this library knows, else NULL. */
const char *cvmm_kvm_cap_name(unsigned cap);

/*
 * Write e as one line into buf (size bytes, always NUL-terminated when
 * size > 0), e.g.
 *   "KVM_CREATE_VM: Permission denied"
 *   "KVM_CHECK_EXTENSION: KVM_CAP_IRQFD (32) is not supported by this kernel"
 *   "KVM_SET_MSRS: MSR 0x1a0 refused: Input/output error"
 *   "KVM_GET_API_VERSION: version 11, expected 12"
 * Returns buf, so it can be used as a printf argument.
 */
const char *cvmm_kvm_error_format(const struct cvmm_kvm_error *e, char *buf,
				  size_t size);

/* A buffer size that holds every message cvmm_kvm_error_format() writes. */
#define CVMM_KVM_ERROR_MSG_SIZE 160

/* -------------------------------------------------------------------------
 * The system-call interface
 */

/*
 * Every system call the library makes. Each returns 0 (or, for open and
 * ioctl, a non-negative result) or a negative errno; never -1 with errno.
 *   open:   open path read-write, close-on-exec; returns the fd;
 *   close:  close fd (errors are ignored by the library);
 *   ioctl:  ioctl(fd, request, arg), arg being an integer or a pointer
 *           converted to unsigned long; returns the ioctl's result;
 *   mmap:   map size bytes of fd at offset 0, shared, read-write, and
 *           store the address in *addr;
 *   munmap: unmap what mmap mapped.
 * ctx is the ops table's own.
 */
struct cvmm_kvm_ops {
	int (*open)(void *ctx, const char *path);
	int (*close)(void *ctx, int fd);
	int (*ioctl)(void *ctx, int fd, unsigned long request,
		     unsigned long arg);
	int (*mmap)(void *ctx, int fd, size_t size, void **addr);
	int (*munmap)(void *ctx, void *addr, size_t size);
};

/* The real system calls (ctx unused). */
extern const struct cvmm_kvm_ops cvmm_kvm_syscall_ops;

/* -------------------------------------------------------------------------
 * System
 */

struct cvmm_kvm;

/*
 * Open the KVM device at path (NULL: /dev/kvm) with the real system calls,
 * check that KVM_GET_API_VERSION is 12 and read the size of the vCPU
 * kvm_run area. On success *out owns the device fd; free it with
 * cvmm_kvm_close(). On failure *out is untouched and, if err is not NULL,
 * *err says which step failed ("open: No such file or directory").
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_open(const char *path, struct cvmm_kvm **out,
				      struct cvmm_kvm_error *err);

/*
 * cvmm_kvm_open() through another ops table. ops and ctx are borrowed and
 * must outlive the system object and every VM and vCPU created from it.
 * -EINVAL if ops or out is NULL.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_open_ops(const struct cvmm_kvm_ops *ops,
					  void *ctx, const char *path,
					  struct cvmm_kvm **out,
					  struct cvmm_kvm_error *err);

/* Close the device fd and free (NULL is allowed). */
void cvmm_kvm_close(struct cvmm_kvm *kvm);

/* The device fd (borrowed; closed by cvmm_kvm_close()). */
int cvmm_kvm_fd(const struct cvmm_kvm *kvm);

/* The last error recorded on the system object ({0} if none). */
struct cvmm_kvm_error cvmm_kvm_last_error(const struct cvmm_kvm *kvm);

/* Size in bytes of a vCPU's kvm_run area (KVM_GET_VCPU_MMAP_SIZE). */
size_t cvmm_kvm_vcpu_mmap_size(const struct cvmm_kvm *kvm);

/*
 * KVM_CHECK_EXTENSION: store in *value what the kernel says about cap (0:
 * absent; 1 or a count such as KVM_CAP_NR_MEMSLOTS: present).
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_check_extension(struct cvmm_kvm *kvm,
						 unsigned cap, int *value);

/*
 * 0 if every capability of caps[0..n) is present; otherwise -EOPNOTSUPP
 * with the first missing one recorded as the detail of the last error
 * ("KVM_CHECK_EXTENSION: KVM_CAP_IRQFD (32) is not supported by this
 * kernel"), or the errno of a failed KVM_CHECK_EXTENSION.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_require(struct cvmm_kvm *kvm,
					 const unsigned *caps, size_t n);

/*
 * The capabilities an x86 VMM built on this library relies on: user
 * memory, in-kernel irqchip, PIT2, TSS and identity-map addresses, extended
 * CPUID, MP state, irqfd, ioeventfd, immediate exit. cvmm_kvm_require() on
 * them is the start-up check of the reference VMM.
 */
extern const unsigned cvmm_kvm_x86_required_caps[];
extern const size_t cvmm_kvm_x86_required_caps_count;

/*
 * KVM_GET_SUPPORTED_CPUID, growing the buffer while the kernel answers
 * E2BIG (from 64 entries up to CVMM_KVM_CPUID_MAX_ENTRIES). On success *out
 * is a malloc()ed struct kvm_cpuid2 holding nent entries, owned by the
 * caller (free() it). On failure *out is untouched.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_get_supported_cpuid(struct cvmm_kvm *kvm,
						     struct kvm_cpuid2 **out);

/* The largest CPUID table cvmm_kvm_get_supported_cpuid() asks for. */
#define CVMM_KVM_CPUID_MAX_ENTRIES 4096u

/*
 * KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores. On success *out
 * is a malloc()ed struct kvm_msr_list holding nmsrs indices, owned by the
 * caller (free() it). On failure *out is untouched.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_get_msr_index_list(struct cvmm_kvm *kvm,
						    struct kvm_msr_list **out);

/* -------------------------------------------------------------------------
 * VM
 */

struct cvmm_kvm_vm;

/*
 * KVM_CREATE_VM (machine type 0). On success *out owns the VM fd; free it
 * with cvmm_kvm_vm_destroy(). Errors are recorded on kvm.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_create(struct cvmm_kvm *kvm,
					   struct cvmm_kvm_vm **out);

/* Close the VM fd and free (NULL is allowed). */
void cvmm_kvm_vm_destroy(struct cvmm_kvm_vm *vm);

/* The VM fd (borrowed). */
int cvmm_kvm_vm_fd(const struct cvmm_kvm_vm *vm);

/* The last error recorded on the VM ({0} if none). */
struct cvmm_kvm_error cvmm_kvm_vm_last_error(const struct cvmm_kvm_vm *vm);

/* KVM_CHECK_EXTENSION on the VM fd (needs KVM_CAP_CHECK_EXTENSION_VM). */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_check_extension(struct cvmm_kvm_vm *vm,
						    unsigned cap, int *value);

/*
 * KVM_SET_USER_MEMORY_REGION with raw values: guest range [gpa, gpa + size)
 * backed by host memory at host, flags KVM_MEM_*. size 0 deletes the slot.
 * -EOVERFLOW if gpa + size wraps; the kernel checks the rest (page
 * alignment, overlaps). host is borrowed until the slot is deleted or the
 * VM destroyed.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_set_memory(struct cvmm_kvm_vm *vm,
					       uint32_t slot, uint64_t gpa,
					       uint64_t size, void *host,
					       uint32_t flags);

/*
 * Give the guest every region of a vm-memory collection: region i becomes
 * slot first_slot + i, read-only regions get KVM_MEM_READONLY. -ERANGE if
 * a slot number would pass 0xffff (slots are the low 16 bits of the slot
 * field; the high bits select an address space, here always 0). If one region
 * fails, the slots already set are deleted again, so the call is all or
 * nothing. The host memory is borrowed as above.
 */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vm_map_regions(struct cvmm_kvm_vm *vm,
			const struct cvmm_mem_regions *regions,
			uint32_t first_slot);

/* KVM_CREATE_IRQCHIP: the in-kernel PIC, IOAPIC and local APICs. */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_create_irqchip(struct cvmm_kvm_vm *vm);

/*
 * KVM_CREATE_PIT2 with the given flags (0, or KVM_PIT_SPEAKER_DUMMY to
 * have the kernel answer the PC speaker port 0x61 too).
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_create_pit2(struct cvmm_kvm_vm *vm,
						uint32_t flags);

/*
 * KVM_SET_TSS_ADDR: three pages at addr that the guest never uses (Intel
 * needs them for real mode). -ERANGE unless addr + 3 pages <= 4 GiB.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_set_tss_addr(struct cvmm_kvm_vm *vm,
						 uint64_t addr);

/*
 * KVM_SET_IDENTITY_MAP_ADDR: one page at addr for the identity page table
 * Intel needs for real mode. -ERANGE unless addr + 1 page <= 4 GiB.
 */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vm_set_identity_map_addr(struct cvmm_kvm_vm *vm, uint64_t addr);

/*
 * KVM_IRQFD: a write to eventfd fd raises GSI gsi. fd is borrowed: keep it
 * open until cvmm_kvm_vm_irqfd_remove() or the VM is destroyed. -EBADF for
 * a negative fd (here and in the two functions below), before the ioctl.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_irqfd(struct cvmm_kvm_vm *vm, int fd,
					  uint32_t gsi);

/*
 * KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE: a level-triggered GSI that the
 * kernel lowers on EOI, signalling resample_fd so the device can raise it
 * again if still pending (needs KVM_CAP_IRQFD_RESAMPLE).
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_irqfd_resample(struct cvmm_kvm_vm *vm,
						   int fd, int resample_fd,
						   uint32_t gsi);

/* KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN: undo cvmm_kvm_vm_irqfd*(). */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_irqfd_remove(struct cvmm_kvm_vm *vm, int fd,
						 uint32_t gsi);

/* Address space of an ioeventfd. */
enum cvmm_kvm_io_space {
	CVMM_KVM_IO_MMIO = 0,
	CVMM_KVM_IO_PIO = 1,
};

/*
 * An ioeventfd: a guest write of len bytes at addr (a port for PIO) signals
 * fd instead of exiting to the VMM. len is 1, 2, 4 or 8, or 0 for a write
 * of any length (MMIO only, needs KVM_CAP_IOEVENTFD_ANY_LENGTH). With
 * match, only writes of the value datamatch signal (not allowed with
 * len 0).
 */
struct cvmm_kvm_ioeventfd {
	int fd;
	enum cvmm_kvm_io_space space;
	uint64_t addr;
	uint32_t len;
	bool match;
	uint64_t datamatch;
};

/*
 * KVM_IOEVENTFD: register ev. -EINVAL for a length other than 0, 1, 2, 4,
 * 8, for len 0 with match or on PIO, for an unknown space; -EOVERFLOW if
 * addr + len wraps; -ERANGE if a PIO range passes port 0xffff. ev->fd is
 * borrowed as for irqfd.
 */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vm_ioeventfd(struct cvmm_kvm_vm *vm,
		      const struct cvmm_kvm_ioeventfd *ev);

/* KVM_IOEVENTFD with KVM_IOEVENTFD_FLAG_DEASSIGN: undo a registration. */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vm_ioeventfd_remove(struct cvmm_kvm_vm *vm,
			     const struct cvmm_kvm_ioeventfd *ev);

/* KVM_IRQ_LINE: set the level of an in-kernel irqchip input. */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vm_irq_line(struct cvmm_kvm_vm *vm,
					     uint32_t irq, bool level);

/*
 * KVM_SET_GSI_ROUTING: replace the whole GSI routing table with
 * entries[0..n). Copies the entries (an allocation); -E2BIG if n does not
 * fit the kernel structure's 32-bit count.
 */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vm_set_gsi_routing(struct cvmm_kvm_vm *vm,
			    const struct kvm_irq_routing_entry *entries,
			    size_t n);

/* KVM_ENABLE_CAP on the VM (KVM_CAP_X86_DISABLE_EXITS, ...). */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vm_enable_cap(struct cvmm_kvm_vm *vm,
		       const struct kvm_enable_cap *cap);

/* -------------------------------------------------------------------------
 * vCPU
 */

struct cvmm_kvm_vcpu;
struct cvmm_kvm_exit;

/*
 * KVM_CREATE_VCPU with the given id (the initial APIC ID on x86) and map
 * its kvm_run area. On success *out owns the vCPU fd and the mapping; free
 * them with cvmm_kvm_vcpu_destroy(). Errors are recorded on vm.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_create(struct cvmm_kvm_vm *vm,
					     uint32_t id,
					     struct cvmm_kvm_vcpu **out);

/* Unmap kvm_run, close the vCPU fd and free (NULL is allowed). */
void cvmm_kvm_vcpu_destroy(struct cvmm_kvm_vcpu *vcpu);

/* The vCPU fd (borrowed). */
int cvmm_kvm_vcpu_fd(const struct cvmm_kvm_vcpu *vcpu);

/* The id given at creation. */
uint32_t cvmm_kvm_vcpu_id(const struct cvmm_kvm_vcpu *vcpu);

/*
 * The vCPU's kvm_run area and its size (borrowed until destroy). The exit
 * decoder reads it; a VMM rarely needs it directly.
 */
struct kvm_run *cvmm_kvm_vcpu_run_area(struct cvmm_kvm_vcpu *vcpu);
size_t cvmm_kvm_vcpu_run_size(const struct cvmm_kvm_vcpu *vcpu);

/* The last error recorded on the vCPU ({0} if none). */
struct cvmm_kvm_error
cvmm_kvm_vcpu_last_error(const struct cvmm_kvm_vcpu *vcpu);

/* KVM_GET_REGS / KVM_SET_REGS. */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_get_regs(struct cvmm_kvm_vcpu *vcpu,
					       struct kvm_regs *regs);
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_set_regs(struct cvmm_kvm_vcpu *vcpu,
					       const struct kvm_regs *regs);

/* KVM_GET_SREGS / KVM_SET_SREGS. */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_get_sregs(struct cvmm_kvm_vcpu *vcpu,
						struct kvm_sregs *sregs);
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_set_sregs(struct cvmm_kvm_vcpu *vcpu,
						const struct kvm_sregs *sregs);

/* KVM_GET_FPU / KVM_SET_FPU. */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_get_fpu(struct cvmm_kvm_vcpu *vcpu,
					      struct kvm_fpu *fpu);
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_set_fpu(struct cvmm_kvm_vcpu *vcpu,
					      const struct kvm_fpu *fpu);

/*
 * KVM_GET_MSRS: read the MSRs whose indices entries[0..n) name into their
 * data fields. If the kernel reads only k < n of them, -EIO with entry k's
 * index recorded as the detail; entries[0..k) are filled. An allocation;
 * -E2BIG if n does not fit a 32-bit count.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_get_msrs(struct cvmm_kvm_vcpu *vcpu,
					       struct kvm_msr_entry *entries,
					       size_t n);

/*
 * KVM_SET_MSRS: write entries[0..n). The kernel stops at the first MSR it
 * refuses: -EIO with that MSR's index as the detail (the ones before it
 * are written).
 */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vcpu_set_msrs(struct cvmm_kvm_vcpu *vcpu,
		       const struct kvm_msr_entry *entries, size_t n);

/*
 * KVM_SET_CPUID2 with entries[0..n) (copied; an allocation). The kernel
 * refuses more than its own limit (256 on current kernels) with -E2BIG.
 */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vcpu_set_cpuid2(struct cvmm_kvm_vcpu *vcpu,
			 const struct kvm_cpuid_entry2 *entries, size_t n);

/*
 * KVM_GET_CPUID2: copy the vCPU's CPUID table into entries[0..capacity)
 * and its length into *n. -E2BIG if capacity is too small.
 */
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vcpu_get_cpuid2(struct cvmm_kvm_vcpu *vcpu,
			 struct kvm_cpuid_entry2 *entries, size_t capacity,
			 size_t *n);

/* KVM_GET_LAPIC / KVM_SET_LAPIC (needs the in-kernel irqchip). */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_get_lapic(struct cvmm_kvm_vcpu *vcpu,
						struct kvm_lapic_state *lapic);
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vcpu_set_lapic(struct cvmm_kvm_vcpu *vcpu,
			const struct kvm_lapic_state *lapic);

/* KVM_GET_MP_STATE / KVM_SET_MP_STATE. */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_get_mp_state(struct cvmm_kvm_vcpu *vcpu,
						   struct kvm_mp_state *mp);
CVMM_KVM_MUST_CHECK int
cvmm_kvm_vcpu_set_mp_state(struct cvmm_kvm_vcpu *vcpu,
			   const struct kvm_mp_state *mp);

/*
 * KVM_RUN, then decode why the guest stopped into *exit (cvmm/kvm-exit.h).
 * Returns 0 with a decoded exit, or a negative errno (recorded as
 * "KVM_RUN: ..." or, for a kvm_run area that does not decode, "kvm_run:
 * Protocol error").
 *
 * Kicking a vCPU out of the guest: when KVM_RUN is interrupted by a signal
 * or finds immediate_exit set, this returns 0 with exit->type
 * CVMM_KVM_EXIT_INTR, after clearing immediate_exit. So a kick is: set your
 * own request flag, then signal the vCPU thread, whose handler calls
 * cvmm_kvm_vcpu_set_immediate_exit(vcpu, true); the vCPU thread checks its
 * request flags after every CVMM_KVM_EXIT_INTR.
 *
 * The exit's data pointers point into the kvm_run area: for an IN or an
 * MMIO read, store the value there before the next call.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_vcpu_run(struct cvmm_kvm_vcpu *vcpu,
					  struct cvmm_kvm_exit *exit);

/*
 * Set or clear kvm_run.immediate_exit (needs KVM_CAP_IMMEDIATE_EXIT):
 * while set, KVM_RUN returns at once with EINTR. One byte store,
 * async-signal-safe: meant for the kick signal's handler.
 */
void cvmm_kvm_vcpu_set_immediate_exit(struct cvmm_kvm_vcpu *vcpu, bool on);

#endif
