/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of exit decoding on hand-made kvm_run areas: every exit kind,
 * every field that must be refused, and the one-line descriptions.
 */
#include <cvmm/kvm-exit.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define RUN_SIZE 12288u

/* A kvm_run area as the kernel maps it: three pages. */
static union {
	struct kvm_run run;
	uint8_t bytes[RUN_SIZE];
} area;

static struct kvm_run *fresh(uint32_t reason)
{
	memset(&area, 0, sizeof(area));
	area.run.exit_reason = reason;
	return &area.run;
}

static void io_in_and_out(void **state)
{
	struct kvm_run *run = fresh(KVM_EXIT_IO);
	struct cvmm_kvm_exit e;

	(void)state;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = 0x3f8;
	run->io.count = 1;
	run->io.data_offset = 4096;
	area.bytes[4096] = 'A';
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.type, CVMM_KVM_EXIT_IO);
	assert_int_equal(e.reason, KVM_EXIT_IO);
	assert_int_equal(e.u.io.port, 0x3f8);
	assert_int_equal(e.u.io.size, 1);
	assert_int_equal(e.u.io.dir, CVMM_KVM_IO_OUT);
	assert_int_equal(e.u.io.count, 1);
	assert_ptr_equal(e.u.io.data, &area.bytes[4096]);
	assert_int_equal(e.u.io.data[0], 'A');

	/* String I/O filling the rest of the area exactly. */
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.size = 4;
	run->io.count = (RUN_SIZE - 4096) / 4;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.u.io.dir, CVMM_KVM_IO_IN);
	assert_int_equal(e.u.io.count, (RUN_SIZE - 4096) / 4);
	run->io.size = 2;
	run->io.count = 1;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.u.io.size, 2);
}

static void expect_proto(struct kvm_run *run)
{
	struct cvmm_kvm_exit e;

	memset(&e, 0x5c, sizeof(e));
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), -EPROTO);
	/* *exit is untouched on failure. */
	assert_int_equal(((uint8_t *)&e)[0], 0x5c);
}

static void io_fields_that_cannot_be(void **state)
{
	struct kvm_run *run = fresh(KVM_EXIT_IO);
	struct cvmm_kvm_exit e;

	(void)state;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.count = 1;
	run->io.data_offset = 4096;

	run->io.direction = 2;
	expect_proto(run);
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 3;
	expect_proto(run);
	run->io.size = 8;
	expect_proto(run);
	run->io.size = 0;
	expect_proto(run);
	run->io.size = 4;
	run->io.count = 0;
	expect_proto(run);
	/* One byte past the end of the area. */
	run->io.count = (RUN_SIZE - 4096) / 4 + 1;
	expect_proto(run);
	/* The largest count with an offset that makes the sum wrap. */
	run->io.count = UINT32_MAX;
	run->io.data_offset = UINT64_MAX - 8;
	expect_proto(run);
	run->io.count = 1;
	run->io.data_offset = RUN_SIZE - 3;
	expect_proto(run);
	run->io.data_offset = RUN_SIZE - 4;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
}

static void mmio(void **state)
{
	struct kvm_run *run = fresh(KVM_EXIT_MMIO);
	struct cvmm_kvm_exit e;

	(void)state;
	run->mmio.phys_addr = 0xd0000000;
	run->mmio.len = 4;
	run->mmio.is_write = 1;
	memcpy(run->mmio.data, "\x01\x02\x03\x04", 4);
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.type, CVMM_KVM_EXIT_MMIO);
	assert_int_equal(e.u.mmio.addr, 0xd0000000);
	assert_int_equal(e.u.mmio.len, 4);
	assert_true(e.u.mmio.is_write);
	assert_ptr_equal(e.u.mmio.data, run->mmio.data);
	run->mmio.is_write = 0;
	run->mmio.len = 8;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_false(e.u.mmio.is_write);
	run->mmio.len = 0;
	expect_proto(run);
	run->mmio.len = 9;
	expect_proto(run);
}

static void simple_exits(void **state)
{
	static const struct {
		uint32_t reason;
		enum cvmm_kvm_exit_type type;
	} cases[] = {
	    {KVM_EXIT_HLT, CVMM_KVM_EXIT_HLT},
	    {KVM_EXIT_SHUTDOWN, CVMM_KVM_EXIT_SHUTDOWN},
	    {KVM_EXIT_INTR, CVMM_KVM_EXIT_INTR},
	    {KVM_EXIT_DEBUG, CVMM_KVM_EXIT_OTHER},
	    {KVM_EXIT_IRQ_WINDOW_OPEN, CVMM_KVM_EXIT_OTHER},
	    {9999, CVMM_KVM_EXIT_OTHER},
	};
	struct cvmm_kvm_exit e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kvm_run *run = fresh(cases[i].reason);

		assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
		assert_int_equal(e.type, cases[i].type);
		assert_int_equal(e.reason, cases[i].reason);
	}
}

static void fail_entry_and_unknown(void **state)
{
	struct kvm_run *run = fresh(KVM_EXIT_FAIL_ENTRY);
	struct cvmm_kvm_exit e;

	(void)state;
	run->fail_entry.hardware_entry_failure_reason = 0x80000021;
	run->fail_entry.cpu = 3;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.type, CVMM_KVM_EXIT_FAIL_ENTRY);
	assert_int_equal(e.u.fail_entry.reason, 0x80000021);
	assert_int_equal(e.u.fail_entry.cpu, 3);

	run = fresh(KVM_EXIT_UNKNOWN);
	run->hw.hardware_exit_reason = 0x7b;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.type, CVMM_KVM_EXIT_UNKNOWN);
	assert_int_equal(e.u.unknown.hardware_exit_reason, 0x7b);
}

static void internal_error_with_and_without_bytes(void **state)
{
	struct kvm_run *run = fresh(KVM_EXIT_INTERNAL_ERROR);
	struct cvmm_kvm_exit e;

	(void)state;
	/* An old kernel: no data at all. */
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.type, CVMM_KVM_EXIT_INTERNAL_ERROR);
	assert_int_equal(e.u.internal.suberror, KVM_INTERNAL_ERROR_EMULATION);
	assert_int_equal(e.u.internal.ndata, 0);
	assert_int_equal(e.u.internal.insn_len, 0);

	/* 5.14+: flags, then insn_size and the bytes. */
	run->emulation_failure.ndata = 4;
	run->emulation_failure.flags =
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = 2;
	run->emulation_failure.insn_bytes[0] = 0x0f;
	run->emulation_failure.insn_bytes[1] = 0x0b;
	run->internal.data[3] = 0x1234;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.u.internal.ndata, 4);
	assert_int_equal(e.u.internal.insn_len, 2);
	assert_int_equal(e.u.internal.insn[0], 0x0f);
	assert_int_equal(e.u.internal.insn[1], 0x0b);
	assert_int_equal(e.u.internal.data[3], 0x1234);
	/* The copies outlive the area. */
	memset(&area, 0, sizeof(area));
	assert_int_equal(e.u.internal.insn[0], 0x0f);

	/* The flag absent, or too few words for the bytes: no bytes. */
	run = fresh(KVM_EXIT_INTERNAL_ERROR);
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 3;
	run->emulation_failure.insn_size = 2;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.u.internal.insn_len, 0);
	run->emulation_failure.flags =
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.ndata = 2;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.u.internal.insn_len, 0);
	/* Another suberror never has bytes, whatever its data says. */
	run->emulation_failure.ndata = 3;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.u.internal.insn_len, 0);
	assert_int_equal(e.u.internal.suberror, KVM_INTERNAL_ERROR_DELIVERY_EV);

	/* Refused: 16 bytes of instruction, 17 data words. */
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.insn_size = 16;
	expect_proto(run);
	run->emulation_failure.insn_size = 15;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.u.internal.insn_len, 15);
	run->internal.ndata = 17;
	expect_proto(run);
	run->internal.ndata = 16;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
}

static void system_events(void **state)
{
	struct kvm_run *run = fresh(KVM_EXIT_SYSTEM_EVENT);
	struct cvmm_kvm_exit e;

	(void)state;
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.type, CVMM_KVM_EXIT_SYSTEM_EVENT);
	assert_int_equal(e.u.system_event.type, KVM_SYSTEM_EVENT_RESET);
	assert_int_equal(e.u.system_event.ndata, 0);
	run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	run->system_event.ndata = 1;
	run->system_event.data[0] = 7;
	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	assert_int_equal(e.u.system_event.type, KVM_SYSTEM_EVENT_SHUTDOWN);
	assert_int_equal(e.u.system_event.ndata, 1);
	assert_int_equal(e.u.system_event.data[0], 7);
	run->system_event.ndata = 17;
	expect_proto(run);
}

static void caller_errors(void **state)
{
	struct cvmm_kvm_exit e;

	(void)state;
	assert_int_equal(cvmm_kvm_exit_decode(NULL, RUN_SIZE, &e), -EINVAL);
	assert_int_equal(
	    cvmm_kvm_exit_decode(fresh(KVM_EXIT_HLT), RUN_SIZE, NULL), -EINVAL);
	assert_int_equal(cvmm_kvm_exit_decode(fresh(KVM_EXIT_HLT),
					      sizeof(struct kvm_run) - 1, &e),
			 -EINVAL);
	assert_int_equal(cvmm_kvm_exit_decode(fresh(KVM_EXIT_HLT),
					      sizeof(struct kvm_run), &e),
			 0);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(cvmm_kvm_exit_reason_name(KVM_EXIT_IO),
			    "KVM_EXIT_IO");
	assert_string_equal(cvmm_kvm_exit_reason_name(KVM_EXIT_SYSTEM_EVENT),
			    "KVM_EXIT_SYSTEM_EVENT");
	assert_string_equal(cvmm_kvm_exit_reason_name(KVM_EXIT_NOTIFY),
			    "KVM_EXIT_NOTIFY");
	assert_string_equal(cvmm_kvm_exit_reason_name(KVM_EXIT_NOTIFY + 1),
			    "KVM_EXIT_?");
	assert_string_equal(
	    cvmm_kvm_system_event_name(KVM_SYSTEM_EVENT_SHUTDOWN), "SHUTDOWN");
	assert_string_equal(cvmm_kvm_system_event_name(KVM_SYSTEM_EVENT_RESET),
			    "RESET");
	assert_string_equal(cvmm_kvm_system_event_name(KVM_SYSTEM_EVENT_CRASH),
			    "CRASH");
	assert_string_equal(cvmm_kvm_system_event_name(KVM_SYSTEM_EVENT_WAKEUP),
			    "WAKEUP");
	assert_string_equal(
	    cvmm_kvm_system_event_name(KVM_SYSTEM_EVENT_SUSPEND), "SUSPEND");
	assert_string_equal(
	    cvmm_kvm_system_event_name(KVM_SYSTEM_EVENT_SEV_TERM), "SEV_TERM");
	assert_string_equal(cvmm_kvm_system_event_name(0), "?");
	assert_string_equal(
	    cvmm_kvm_internal_error_name(KVM_INTERNAL_ERROR_EMULATION),
	    "emulation failure");
	assert_string_equal(
	    cvmm_kvm_internal_error_name(KVM_INTERNAL_ERROR_SIMUL_EX),
	    "exception while delivering an exception");
	assert_string_equal(
	    cvmm_kvm_internal_error_name(KVM_INTERNAL_ERROR_DELIVERY_EV),
	    "exit while delivering an event");
	assert_string_equal(cvmm_kvm_internal_error_name(
				KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON),
			    "unexpected exit reason");
	assert_string_equal(cvmm_kvm_internal_error_name(99), "?");
}

static const char *format(struct kvm_run *run, char *buf, size_t size)
{
	struct cvmm_kvm_exit e;

	assert_int_equal(cvmm_kvm_exit_decode(run, RUN_SIZE, &e), 0);
	return cvmm_kvm_exit_format(&e, buf, size);
}

static void descriptions(void **state)
{
	char buf[CVMM_KVM_EXIT_MSG_SIZE];
	struct kvm_run *run;
	struct cvmm_kvm_exit e;

	(void)state;
	run = fresh(KVM_EXIT_IO);
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = 0x3f8;
	run->io.count = 1;
	run->io.data_offset = 4096;
	assert_string_equal(format(run, buf, sizeof(buf)),
			    "KVM_EXIT_IO: OUT port 0x3f8 size 1 count 1");
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.count = 3;
	assert_string_equal(format(run, buf, sizeof(buf)),
			    "KVM_EXIT_IO: IN port 0x3f8 size 1 count 3");

	run = fresh(KVM_EXIT_MMIO);
	run->mmio.phys_addr = 0xd0000000;
	run->mmio.len = 4;
	run->mmio.is_write = 1;
	assert_string_equal(format(run, buf, sizeof(buf)),
			    "KVM_EXIT_MMIO: write 4 bytes at 0xd0000000");
	run->mmio.is_write = 0;
	assert_string_equal(format(run, buf, sizeof(buf)),
			    "KVM_EXIT_MMIO: read 4 bytes at 0xd0000000");

	run = fresh(KVM_EXIT_INTERNAL_ERROR);
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 3;
	run->emulation_failure.flags =
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = 2;
	run->emulation_failure.insn_bytes[0] = 0x0f;
	run->emulation_failure.insn_bytes[1] = 0x0b;
	assert_string_equal(
	    format(run, buf, sizeof(buf)),
	    "KVM_EXIT_INTERNAL_ERROR: emulation failure "
	    "(suberror 1), instruction 0f 0b, data 0x1 0xb0f02 0");
	run->internal.ndata = 6;
	run->internal.data[3] = 0x33;
	run->internal.data[4] = 0x44;
	assert_string_equal(format(run, buf, sizeof(buf)),
			    "KVM_EXIT_INTERNAL_ERROR: emulation failure "
			    "(suberror 1), instruction 0f 0b, data 0x1 0xb0f02 "
			    "0 0x33 ...");
	run = fresh(KVM_EXIT_INTERNAL_ERROR);
	run->internal.suberror = KVM_INTERNAL_ERROR_SIMUL_EX;
	assert_string_equal(format(run, buf, sizeof(buf)),
			    "KVM_EXIT_INTERNAL_ERROR: exception while "
			    "delivering an exception (suberror 2)");

	run = fresh(KVM_EXIT_FAIL_ENTRY);
	run->fail_entry.hardware_entry_failure_reason = 0x21;
	run->fail_entry.cpu = 1;
	assert_string_equal(
	    format(run, buf, sizeof(buf)),
	    "KVM_EXIT_FAIL_ENTRY: hardware reason 0x21 on host cpu 1");

	run = fresh(KVM_EXIT_SYSTEM_EVENT);
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	assert_string_equal(format(run, buf, sizeof(buf)),
			    "KVM_EXIT_SYSTEM_EVENT: RESET (type 2)");

	run = fresh(KVM_EXIT_UNKNOWN);
	run->hw.hardware_exit_reason = 0x7b;
	assert_string_equal(format(run, buf, sizeof(buf)),
			    "KVM_EXIT_UNKNOWN: hardware exit reason 0x7b");

	assert_string_equal(format(fresh(KVM_EXIT_HLT), buf, sizeof(buf)),
			    "KVM_EXIT_HLT");
	assert_string_equal(format(fresh(KVM_EXIT_DEBUG), buf, sizeof(buf)),
			    "KVM_EXIT_DEBUG (4)");
	assert_string_equal(format(fresh(500), buf, sizeof(buf)),
			    "KVM_EXIT_? (500)");

	/* Cut to the buffer, always terminated; nothing written at 0. */
	assert_string_equal(format(fresh(KVM_EXIT_DEBUG), buf, 9), "KVM_EXIT");
	run = fresh(KVM_EXIT_INTERNAL_ERROR);
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 3;
	run->emulation_failure.flags =
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = 15;
	assert_string_equal(format(run, buf, 40),
			    "KVM_EXIT_INTERNAL_ERROR: emulation fail");
	buf[0] = 'x';
	assert_ptr_equal(format(fresh(KVM_EXIT_HLT), buf, 0), buf);
	assert_int_equal(buf[0], 'x');
	assert_null(cvmm_kvm_exit_format(&e, NULL, 10));
	assert_string_equal(cvmm_kvm_exit_format(NULL, buf, sizeof(buf)), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(io_in_and_out),
	    cmocka_unit_test(io_fields_that_cannot_be),
	    cmocka_unit_test(mmio),
	    cmocka_unit_test(simple_exits),
	    cmocka_unit_test(fail_entry_and_unknown),
	    cmocka_unit_test(internal_error_with_and_without_bytes),
	    cmocka_unit_test(system_events),
	    cmocka_unit_test(caller_errors),
	    cmocka_unit_test(names),
	    cmocka_unit_test(descriptions),
	};

	return cmocka_run_group_tests_name("kvm exit decoding", tests, NULL,
					   NULL);
}
