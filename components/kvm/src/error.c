/* SPDX-License-Identifier: Apache-2.0 */
/* Recorded errors: packing, names and formatting. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * The last error is one 64-bit word so that a reader never sees the op of
 * one failure with the errno of another:
 *   bits  0..15  errno (positive)
 *   bits 16..23  op
 *   bits 24..31  detail kind
 *   bits 32..63  detail value
 */
void cvmm_kvm__record(uint64_t *word, enum cvmm_kvm_op op, int err,
		      enum cvmm_kvm_detail detail, uint32_t value)
{
	/* err is negative; one beyond 16 bits is kept as 65535. */
	uint64_t e = err > -0x10000 ? (uint64_t) - (int64_t)err : 0xffffu;
	uint64_t packed = e | (uint64_t)((unsigned)op & 0xffu) << 16 |
			  (uint64_t)((unsigned)detail & 0xffu) << 24 |
			  (uint64_t)value << 32;

	__atomic_store_n(word, packed, __ATOMIC_RELAXED);
}

struct cvmm_kvm_error cvmm_kvm__load(const uint64_t *word)
{
	uint64_t packed = __atomic_load_n(word, __ATOMIC_RELAXED);
	struct cvmm_kvm_error e;

	e.err = -(int)(packed & 0xffffu);
	e.op = (enum cvmm_kvm_op)(packed >> 16 & 0xffu);
	e.detail = (enum cvmm_kvm_detail)(packed >> 24 & 0xffu);
	e.value = (uint32_t)(packed >> 32);
	return e;
}

static const char *const op_names[CVMM_KVM_OP_COUNT_] = {
    [CVMM_KVM_OP_NONE] = "none",
    [CVMM_KVM_OP_OPEN] = "open",
    [CVMM_KVM_OP_MMAP] = "mmap",
    [CVMM_KVM_OP_ALLOC] = "malloc",
    [CVMM_KVM_OP_GET_API_VERSION] = "KVM_GET_API_VERSION",
    [CVMM_KVM_OP_CHECK_EXTENSION] = "KVM_CHECK_EXTENSION",
    [CVMM_KVM_OP_GET_VCPU_MMAP_SIZE] = "KVM_GET_VCPU_MMAP_SIZE",
    [CVMM_KVM_OP_GET_SUPPORTED_CPUID] = "KVM_GET_SUPPORTED_CPUID",
    [CVMM_KVM_OP_GET_MSR_INDEX_LIST] = "KVM_GET_MSR_INDEX_LIST",
    [CVMM_KVM_OP_CREATE_VM] = "KVM_CREATE_VM",
    [CVMM_KVM_OP_SET_USER_MEMORY_REGION] = "KVM_SET_USER_MEMORY_REGION",
    [CVMM_KVM_OP_CREATE_IRQCHIP] = "KVM_CREATE_IRQCHIP",
    [CVMM_KVM_OP_CREATE_PIT2] = "KVM_CREATE_PIT2",
    [CVMM_KVM_OP_SET_TSS_ADDR] = "KVM_SET_TSS_ADDR",
    [CVMM_KVM_OP_SET_IDENTITY_MAP_ADDR] = "KVM_SET_IDENTITY_MAP_ADDR",
    [CVMM_KVM_OP_IRQFD] = "KVM_IRQFD",
    [CVMM_KVM_OP_IOEVENTFD] = "KVM_IOEVENTFD",
    [CVMM_KVM_OP_IRQ_LINE] = "KVM_IRQ_LINE",
    [CVMM_KVM_OP_SET_GSI_ROUTING] = "KVM_SET_GSI_ROUTING",
    [CVMM_KVM_OP_ENABLE_CAP] = "KVM_ENABLE_CAP",
    [CVMM_KVM_OP_CREATE_VCPU] = "KVM_CREATE_VCPU",
    [CVMM_KVM_OP_GET_REGS] = "KVM_GET_REGS",
    [CVMM_KVM_OP_SET_REGS] = "KVM_SET_REGS",
    [CVMM_KVM_OP_GET_SREGS] = "KVM_GET_SREGS",
    [CVMM_KVM_OP_SET_SREGS] = "KVM_SET_SREGS",
    [CVMM_KVM_OP_GET_FPU] = "KVM_GET_FPU",
    [CVMM_KVM_OP_SET_FPU] = "KVM_SET_FPU",
    [CVMM_KVM_OP_GET_MSRS] = "KVM_GET_MSRS",
    [CVMM_KVM_OP_SET_MSRS] = "KVM_SET_MSRS",
    [CVMM_KVM_OP_GET_CPUID2] = "KVM_GET_CPUID2",
    [CVMM_KVM_OP_SET_CPUID2] = "KVM_SET_CPUID2",
    [CVMM_KVM_OP_GET_LAPIC] = "KVM_GET_LAPIC",
    [CVMM_KVM_OP_SET_LAPIC] = "KVM_SET_LAPIC",
    [CVMM_KVM_OP_GET_MP_STATE] = "KVM_GET_MP_STATE",
    [CVMM_KVM_OP_SET_MP_STATE] = "KVM_SET_MP_STATE",
    [CVMM_KVM_OP_RUN] = "KVM_RUN",
    [CVMM_KVM_OP_DECODE_EXIT] = "kvm_run",
};

const char *cvmm_kvm_op_name(enum cvmm_kvm_op op)
{
	if ((unsigned)op >= CVMM_KVM_OP_COUNT_)
		return "?";
	return op_names[op];
}

struct cap_name {
	unsigned cap;
	const char *name;
};

#define CAP(c)                                                                 \
	{                                                                      \
		KVM_CAP_##c, "KVM_CAP_" #c                                     \
	}
static const struct cap_name cap_names[] = {
    CAP(IRQCHIP),
    CAP(HLT),
    CAP(USER_MEMORY),
    CAP(SET_TSS_ADDR),
    CAP(EXT_CPUID),
    CAP(NR_VCPUS),
    CAP(NR_MEMSLOTS),
    CAP(PIT),
    CAP(MP_STATE),
    CAP(COALESCED_MMIO),
    CAP(SYNC_MMU),
    CAP(USER_NMI),
    CAP(SET_GUEST_DEBUG),
    CAP(IRQ_ROUTING),
    CAP(IRQ_INJECT_STATUS),
    CAP(MCE),
    CAP(IRQFD),
    CAP(PIT2),
    CAP(PIT_STATE2),
    CAP(IOEVENTFD),
    CAP(SET_IDENTITY_MAP_ADDR),
    CAP(ADJUST_CLOCK),
    CAP(INTERNAL_ERROR_DATA),
    CAP(VCPU_EVENTS),
    CAP(DEBUGREGS),
    CAP(ENABLE_CAP),
    CAP(XSAVE),
    CAP(XCRS),
    CAP(TSC_CONTROL),
    CAP(GET_TSC_KHZ),
    CAP(MAX_VCPUS),
    CAP(TSC_DEADLINE_TIMER),
    CAP(KVMCLOCK_CTRL),
    CAP(SIGNAL_MSI),
    CAP(READONLY_MEM),
    CAP(IRQFD_RESAMPLE),
    CAP(EXT_EMUL_CPUID),
    CAP(ENABLE_CAP_VM),
    CAP(IOEVENTFD_NO_LENGTH),
    CAP(CHECK_EXTENSION_VM),
    CAP(SPLIT_IRQCHIP),
    CAP(IOEVENTFD_ANY_LENGTH),
    CAP(MAX_VCPU_ID),
    CAP(X2APIC_API),
    CAP(IMMEDIATE_EXIT),
    CAP(X86_DISABLE_EXITS),
    CAP(GET_MSR_FEATURES),
    CAP(COALESCED_PIO),
    CAP(X86_USER_SPACE_MSR),
    CAP(X86_MSR_FILTER),
    CAP(EXIT_ON_EMULATION_FAILURE),
    CAP(XSAVE2),
    CAP(SYSTEM_EVENT_DATA),
    CAP(X86_TRIPLE_FAULT_EVENT),
};
#undef CAP

const char *cvmm_kvm_cap_name(unsigned cap)
{
	for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++) {
		if (cap_names[i].cap == cap)
			return cap_names[i].name;
	}
	return NULL;
}

const char *cvmm_kvm_error_format(const struct cvmm_kvm_error *e, char *buf,
				  size_t size)
{
	char reason[96];
	const char *op;
	const char *cap;

	if (buf == NULL || size == 0)
		return buf;
	if (e == NULL || e->err == 0) {
		(void)snprintf(buf, size, "no error");
		return buf;
	}
	op = cvmm_kvm_op_name(e->op);
	/* The XSI strerror_r: thread-safe, fills reason. */
	if (strerror_r(-e->err, reason, sizeof(reason)) != 0)
		(void)snprintf(reason, sizeof(reason), "error %d", -e->err);
	switch (e->detail) {
	case CVMM_KVM_DETAIL_CAP:
		cap = cvmm_kvm_cap_name(e->value);
		if (e->err == -EOPNOTSUPP)
			(void)snprintf(buf, size,
				       "%s: %s (%" PRIu32
				       ") is not supported by this kernel",
				       op, cap != NULL ? cap : "capability",
				       e->value);
		else
			(void)snprintf(buf, size, "%s: %s (%" PRIu32 "): %s",
				       op, cap != NULL ? cap : "capability",
				       e->value, reason);
		break;
	case CVMM_KVM_DETAIL_MSR:
		(void)snprintf(buf, size, "%s: MSR %#" PRIx32 " refused: %s",
			       op, e->value, reason);
		break;
	case CVMM_KVM_DETAIL_VERSION:
		(void)snprintf(buf, size,
			       "%s: version %" PRIu32 ", expected %d", op,
			       e->value, CVMM_KVM_API_VERSION);
		break;
	default:
		(void)snprintf(buf, size, "%s: %s", op, reason);
		break;
	}
	return buf;
}
