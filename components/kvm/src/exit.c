/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exit decoding: a pure function of the kvm_run bytes. Each field is read
 * once into a local and checked there; pointers handed out are computed
 * only from checked values.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cvmm/kvm-exit.h>

/* Data words in kvm_run's internal and system_event structures. */
#define NDATA_MAX 16u
/* Words of internal.data an emulation failure needs for its bytes. */
#define EMULATION_NDATA_INSN 3u
/* Data words cvmm_kvm_exit_format() prints. */
#define FORMAT_DATA_MAX 4u

static int decode_io(struct kvm_run *run, size_t run_size,
		     struct cvmm_kvm_exit *e)
{
	uint8_t dir = run->io.direction;
	uint8_t size = run->io.size;
	uint32_t count = run->io.count;
	uint64_t offset = run->io.data_offset;
	uint64_t end;

	if (dir != KVM_EXIT_IO_IN && dir != KVM_EXIT_IO_OUT)
		return -EPROTO;
	if (size != 1 && size != 2 && size != 4)
		return -EPROTO;
	if (count == 0)
		return -EPROTO;
	/* size * count < 2^35: only the addition can wrap. */
	if (__builtin_add_overflow(offset, (uint64_t)size * count, &end) ||
	    end > run_size)
		return -EPROTO;
	e->u.io.port = run->io.port;
	e->u.io.size = size;
	e->u.io.dir = dir == KVM_EXIT_IO_IN ? CVMM_KVM_IO_IN : CVMM_KVM_IO_OUT;
	e->u.io.count = count;
	e->u.io.data = (uint8_t *)run + offset;
	return 0;
}

static int decode_mmio(struct kvm_run *run, struct cvmm_kvm_exit *e)
{
	uint32_t len = run->mmio.len;

	if (len == 0 || len > sizeof(run->mmio.data))
		return -EPROTO;
	e->u.mmio.addr = run->mmio.phys_addr;
	e->u.mmio.len = len;
	e->u.mmio.is_write = run->mmio.is_write != 0;
	e->u.mmio.data = run->mmio.data;
	return 0;
}

static int decode_internal(struct kvm_run *run, struct cvmm_kvm_exit *e)
{
	uint32_t suberror = run->internal.suberror;
	uint32_t ndata = run->internal.ndata;

	if (ndata > NDATA_MAX)
		return -EPROTO;
	e->u.internal.suberror = suberror;
	e->u.internal.ndata = ndata;
	for (uint32_t i = 0; i < ndata; i++)
		e->u.internal.data[i] = run->internal.data[i];
	/*
	 * Since Linux 5.14 an emulation failure carries flags and the
	 * instruction bytes in its first three data words.
	 */
	if (suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    ndata >= EMULATION_NDATA_INSN &&
	    (run->emulation_failure.flags &
	     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) != 0) {
		uint8_t len = run->emulation_failure.insn_size;

		if (len > CVMM_KVM_INSN_MAX)
			return -EPROTO;
		e->u.internal.insn_len = len;
		memcpy(e->u.internal.insn, run->emulation_failure.insn_bytes,
		       len);
	}
	return 0;
}

static int decode_system_event(struct kvm_run *run, struct cvmm_kvm_exit *e)
{
	uint32_t ndata = run->system_event.ndata;

	if (ndata > NDATA_MAX)
		return -EPROTO;
	e->u.system_event.type = run->system_event.type;
	e->u.system_event.ndata = ndata;
	for (uint32_t i = 0; i < ndata; i++)
		e->u.system_event.data[i] = run->system_event.data[i];
	return 0;
}

int cvmm_kvm_exit_decode(struct kvm_run *run, size_t run_size,
			 struct cvmm_kvm_exit *exit)
{
	struct cvmm_kvm_exit e;
	int rc = 0;

	if (run == NULL || exit == NULL || run_size < sizeof(*run))
		return -EINVAL;
	memset(&e, 0, sizeof(e));
	e.reason = run->exit_reason;
	switch (e.reason) {
	case KVM_EXIT_IO:
		e.type = CVMM_KVM_EXIT_IO;
		rc = decode_io(run, run_size, &e);
		break;
	case KVM_EXIT_MMIO:
		e.type = CVMM_KVM_EXIT_MMIO;
		rc = decode_mmio(run, &e);
		break;
	case KVM_EXIT_HLT:
		e.type = CVMM_KVM_EXIT_HLT;
		break;
	case KVM_EXIT_SHUTDOWN:
		e.type = CVMM_KVM_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		e.type = CVMM_KVM_EXIT_INTERNAL_ERROR;
		rc = decode_internal(run, &e);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		e.type = CVMM_KVM_EXIT_FAIL_ENTRY;
		e.u.fail_entry.reason =
		    run->fail_entry.hardware_entry_failure_reason;
		e.u.fail_entry.cpu = run->fail_entry.cpu;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		e.type = CVMM_KVM_EXIT_SYSTEM_EVENT;
		rc = decode_system_event(run, &e);
		break;
	case KVM_EXIT_INTR:
		e.type = CVMM_KVM_EXIT_INTR;
		break;
	case KVM_EXIT_UNKNOWN:
		e.type = CVMM_KVM_EXIT_UNKNOWN;
		e.u.unknown.hardware_exit_reason = run->hw.hardware_exit_reason;
		break;
	default:
		e.type = CVMM_KVM_EXIT_OTHER;
		break;
	}
	if (rc == 0)
		*exit = e;
	return rc;
}

#define NAME(x) [KVM_EXIT_##x] = "KVM_EXIT_" #x
static const char *const reason_names[] = {
    NAME(UNKNOWN),
    NAME(EXCEPTION),
    NAME(IO),
    NAME(HYPERCALL),
    NAME(DEBUG),
    NAME(HLT),
    NAME(MMIO),
    NAME(IRQ_WINDOW_OPEN),
    NAME(SHUTDOWN),
    NAME(FAIL_ENTRY),
    NAME(INTR),
    NAME(SET_TPR),
    NAME(TPR_ACCESS),
    NAME(S390_SIEIC),
    NAME(S390_RESET),
    NAME(DCR),
    NAME(NMI),
    NAME(INTERNAL_ERROR),
    NAME(OSI),
    NAME(PAPR_HCALL),
    NAME(S390_UCONTROL),
    NAME(WATCHDOG),
    NAME(S390_TSCH),
    NAME(EPR),
    NAME(SYSTEM_EVENT),
    NAME(S390_STSI),
    NAME(IOAPIC_EOI),
    NAME(HYPERV),
    NAME(ARM_NISV),
    NAME(X86_RDMSR),
    NAME(X86_WRMSR),
    NAME(DIRTY_RING_FULL),
    NAME(AP_RESET_HOLD),
    NAME(X86_BUS_LOCK),
    NAME(XEN),
    NAME(RISCV_SBI),
    NAME(RISCV_CSR),
    NAME(NOTIFY),
};
#undef NAME

const char *cvmm_kvm_exit_reason_name(uint32_t reason)
{
	if (reason >= sizeof(reason_names) / sizeof(reason_names[0]))
		return "KVM_EXIT_?";
	return reason_names[reason];
}

const char *cvmm_kvm_system_event_name(uint32_t type)
{
	switch (type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		return "SHUTDOWN";
	case KVM_SYSTEM_EVENT_RESET:
		return "RESET";
	case KVM_SYSTEM_EVENT_CRASH:
		return "CRASH";
	case KVM_SYSTEM_EVENT_WAKEUP:
		return "WAKEUP";
	case KVM_SYSTEM_EVENT_SUSPEND:
		return "SUSPEND";
	case KVM_SYSTEM_EVENT_SEV_TERM:
		return "SEV_TERM";
	default:
		return "?";
	}
}

const char *cvmm_kvm_internal_error_name(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "exit while delivering an event";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "unexpected exit reason";
	default:
		return "?";
	}
}

/*
 * Append what snprintf would print to buf at *used, never past size;
 * keeps *used <= size - 1. The piece is formatted into a scratch buffer
 * (no piece is longer than it) so the caller stays a plain snprintf.
 */
#define PIECE_MAX 96
#define APPEND(buf, size, used, ...)                                           \
	do {                                                                   \
		char piece_[PIECE_MAX];                                        \
		(void)snprintf(piece_, sizeof(piece_), __VA_ARGS__);           \
		append(buf, size, used, piece_);                               \
	} while (0)

static void append(char *buf, size_t size, size_t *used, const char *piece)
{
	size_t len = strlen(piece);
	size_t room = size - 1 - *used;

	if (len > room)
		len = room;
	memcpy(buf + *used, piece, len);
	*used += len;
	buf[*used] = '\0';
}

const char *cvmm_kvm_exit_format(const struct cvmm_kvm_exit *exit, char *buf,
				 size_t size)
{
	size_t used = 0;

	if (buf == NULL || size == 0)
		return buf;
	buf[0] = '\0';
	if (exit == NULL)
		return buf;
	APPEND(buf, size, &used, "%s", cvmm_kvm_exit_reason_name(exit->reason));
	switch (exit->type) {
	case CVMM_KVM_EXIT_IO:
		APPEND(buf, size, &used,
		       ": %s port %#" PRIx16 " size %u count %" PRIu32,
		       exit->u.io.dir == CVMM_KVM_IO_IN ? "IN" : "OUT",
		       exit->u.io.port, (unsigned)exit->u.io.size,
		       exit->u.io.count);
		break;
	case CVMM_KVM_EXIT_MMIO:
		APPEND(buf, size, &used, ": %s %" PRIu32 " bytes at %#" PRIx64,
		       exit->u.mmio.is_write ? "write" : "read",
		       exit->u.mmio.len, exit->u.mmio.addr);
		break;
	case CVMM_KVM_EXIT_INTERNAL_ERROR:
		APPEND(buf, size, &used, ": %s (suberror %" PRIu32 ")",
		       cvmm_kvm_internal_error_name(exit->u.internal.suberror),
		       exit->u.internal.suberror);
		if (exit->u.internal.insn_len > 0) {
			APPEND(buf, size, &used, ", instruction");
			for (uint32_t i = 0; i < exit->u.internal.insn_len; i++)
				APPEND(buf, size, &used, " %02x",
				       (unsigned)exit->u.internal.insn[i]);
		}
		for (uint32_t i = 0;
		     i < exit->u.internal.ndata && i < FORMAT_DATA_MAX; i++)
			APPEND(buf, size, &used, "%s%#" PRIx64,
			       i == 0 ? ", data " : " ",
			       exit->u.internal.data[i]);
		if (exit->u.internal.ndata > FORMAT_DATA_MAX)
			APPEND(buf, size, &used, " ...");
		break;
	case CVMM_KVM_EXIT_FAIL_ENTRY:
		APPEND(buf, size, &used,
		       ": hardware reason %#" PRIx64 " on host cpu %" PRIu32,
		       exit->u.fail_entry.reason, exit->u.fail_entry.cpu);
		break;
	case CVMM_KVM_EXIT_SYSTEM_EVENT:
		APPEND(buf, size, &used, ": %s (type %" PRIu32 ")",
		       cvmm_kvm_system_event_name(exit->u.system_event.type),
		       exit->u.system_event.type);
		break;
	case CVMM_KVM_EXIT_UNKNOWN:
		APPEND(buf, size, &used, ": hardware exit reason %#" PRIx64,
		       exit->u.unknown.hardware_exit_reason);
		break;
	case CVMM_KVM_EXIT_OTHER:
		APPEND(buf, size, &used, " (%" PRIu32 ")", exit->reason);
		break;
	default:
		break;
	}
	return buf;
}
