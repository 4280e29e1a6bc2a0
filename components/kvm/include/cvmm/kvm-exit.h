/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding why a vCPU left the guest.
 *
 * After KVM_RUN the kernel describes the exit in the vCPU's kvm_run area.
 * cvmm_kvm_exit_decode() turns that into a struct cvmm_kvm_exit, checking
 * every count, size and offset against the area first: what the guest did
 * (which port, how many bytes, how many repetitions) shapes those fields,
 * so they are validated like guest data and a value that does not fit is
 * -EPROTO, never an out-of-bounds pointer. It is a pure function of the
 * bytes, so it is tested (and fuzzable) without /dev/kvm.
 *
 * The data pointers of I/O and MMIO exits point into the kvm_run area they
 * were decoded from, and are valid until the next KVM_RUN on that vCPU (or
 * its destruction). For an IN or an MMIO read the VMM stores the result
 * there before running the vCPU again. Everything else is copied.
 */
#ifndef CVMM_KVM_EXIT_H
#define CVMM_KVM_EXIT_H

#include <cvmm/kvm.h>

/* Kinds of exit. The raw KVM_EXIT_* code is in struct cvmm_kvm_exit. */
enum cvmm_kvm_exit_type {
	/* Port I/O: exit.io. */
	CVMM_KVM_EXIT_IO = 1,
	/* Access to guest-physical memory no slot backs: exit.mmio. */
	CVMM_KVM_EXIT_MMIO,
	/* HLT with no in-kernel irqchip to wait for an interrupt. */
	CVMM_KVM_EXIT_HLT,
	/* The guest triple-faulted (or otherwise asked for shutdown). */
	CVMM_KVM_EXIT_SHUTDOWN,
	/* KVM could not handle the exit itself: exit.internal. */
	CVMM_KVM_EXIT_INTERNAL_ERROR,
	/* VM entry failed: exit.fail_entry. */
	CVMM_KVM_EXIT_FAIL_ENTRY,
	/* The guest asked for reset, shutdown, ...: exit.system_event. */
	CVMM_KVM_EXIT_SYSTEM_EVENT,
	/* KVM_RUN was interrupted (signal, immediate_exit): nothing to do. */
	CVMM_KVM_EXIT_INTR,
	/* KVM_EXIT_UNKNOWN: exit.unknown holds the hardware exit reason. */
	CVMM_KVM_EXIT_UNKNOWN,
	/* Any other KVM_EXIT_* code: see reason. */
	CVMM_KVM_EXIT_OTHER,
};

/* Direction of port I/O, from the guest's point of view. */
enum cvmm_kvm_io_dir {
	CVMM_KVM_IO_IN = KVM_EXIT_IO_IN,   /* guest reads: fill data */
	CVMM_KVM_IO_OUT = KVM_EXIT_IO_OUT, /* guest wrote: consume data */
};

/* The most instruction bytes an x86 instruction has. */
#define CVMM_KVM_INSN_MAX 15

struct cvmm_kvm_exit {
	enum cvmm_kvm_exit_type type;
	uint32_t reason; /* the raw KVM_EXIT_* code */
	union {
		/*
		 * count accesses of size bytes each to port: data holds
		 * size * count bytes (count > 1 for string I/O, INS/OUTS
		 * with or without REP, which KVM batches).
		 */
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			enum cvmm_kvm_io_dir dir;
			uint32_t count; /* >= 1 */
			uint8_t *data;
		} io;
		/* len bytes at guest-physical addr; data holds them. */
		struct {
			uint64_t addr;
			uint32_t len; /* 1..8 */
			bool is_write;
			uint8_t *data;
		} mmio;
		/*
		 * suberror is KVM_INTERNAL_ERROR_*; data[0..ndata) is the
		 * kernel's extra information (ndata <= 16). For an emulation
		 * failure on a kernel that reports them (5.14+), insn[0..
		 * insn_len) are the bytes of the instruction KVM could not
		 * emulate; otherwise insn_len is 0. (Copies: they stay valid
		 * after the next run.)
		 */
		struct {
			uint32_t suberror;
			uint32_t ndata;
			uint64_t data[16];
			uint32_t insn_len;
			uint8_t insn[CVMM_KVM_INSN_MAX];
		} internal;
		/* Hardware reason (VMX exit qualification) and host CPU. */
		struct {
			uint64_t reason;
			uint32_t cpu;
		} fail_entry;
		/*
		 * type is KVM_SYSTEM_EVENT_* (RESET, SHUTDOWN, CRASH, ...);
		 * data[0..ndata) its data (ndata <= 16; 0 on kernels before
		 * KVM_CAP_SYSTEM_EVENT_DATA). A copy.
		 */
		struct {
			uint32_t type;
			uint32_t ndata;
			uint64_t data[16];
		} system_event;
		struct {
			uint64_t hardware_exit_reason;
		} unknown;
	} u;
};

/*
 * Decode the kvm_run area run of run_size bytes (the vCPU mmap size).
 * -EINVAL if run_size is smaller than struct kvm_run; -EPROTO if the
 * fields describe something that cannot be: an I/O size other than 1, 2
 * or 4, a count of 0, I/O data outside the area (offset + size * count
 * checked without wrapping), an MMIO length of 0 or more than 8, ndata
 * beyond 16, an instruction longer than 15 bytes. *exit is written only on
 * success.
 */
CVMM_KVM_MUST_CHECK int cvmm_kvm_exit_decode(struct kvm_run *run,
					     size_t run_size,
					     struct cvmm_kvm_exit *exit);

/* "KVM_EXIT_IO" for a KVM_EXIT_* code, "KVM_EXIT_?" if unknown. */
const char *cvmm_kvm_exit_reason_name(uint32_t reason);

/* "RESET" for KVM_SYSTEM_EVENT_RESET, ...; "?" if unknown. */
const char *cvmm_kvm_system_event_name(uint32_t type);

/* "emulation failure" for KVM_INTERNAL_ERROR_EMULATION, ...; "?". */
const char *cvmm_kvm_internal_error_name(uint32_t suberror);

/*
 * One line describing exit for a log or an error message, e.g.
 *   "KVM_EXIT_IO: OUT port 0x3f8 size 1 count 1"
 *   "KVM_EXIT_MMIO: write 4 bytes at 0xd0000000"
 *   "KVM_EXIT_INTERNAL_ERROR: emulation failure (suberror 1), instruction
 *    0f 0b, data 0x1 0xb0f 0 ..." (on one line; the instruction bytes when
 *    KVM gave them, then up to four data words)
 *   "KVM_EXIT_SYSTEM_EVENT: RESET (type 2)"
 * into buf (always NUL-terminated when size > 0; a line longer than size
 * is cut). Returns buf.
 */
const char *cvmm_kvm_exit_format(const struct cvmm_kvm_exit *exit, char *buf,
				 size_t size);

/* A buffer size that holds every line cvmm_kvm_exit_format() writes. */
#define CVMM_KVM_EXIT_MSG_SIZE 256

#endif
