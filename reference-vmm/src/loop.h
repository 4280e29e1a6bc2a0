/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The main thread's event loop while the vCPU threads run, on
 * event-manager with three subscribers:
 *   the VM       its end (an eventfd rvmm_vm_end() writes), --boot-timeout
 *                (a timerfd), SIGINT and SIGTERM (a signalfd: they are
 *                blocked in every thread);
 *   the console  stdin to COM1: read only as much as the UART's FIFO and
 *                the kept input can take, resumed when the guest drains
 *                the FIFO (an eventfd from the UART's rx_empty) or, as a
 *                fallback, every 50 ms (a timerfd);
 *   virtio       each queue's notification eventfd (KVM ioeventfd):
 *                the device processes the queue (virtio.h); the net
 *                device's tap, polled only while the device wants frames
 *                (back-pressure: its rx-kick eventfd says when that
 *                changes).
 * A terminal on stdin is put in raw mode (Ctrl-C still stops the VMM) and
 * restored by rvmm_loop_destroy().
 *
 * Everything that needs a system call the seccomp filter refuses (epoll,
 * timer and signalfd creation) happens in rvmm_loop_init().
 */
#ifndef RVMM_LOOP_H
#define RVMM_LOOP_H

#include "vm.h"

#include <cvmm/evm.h>
#include <cvmm/sys-term.h>

struct rvmm_loop {
	struct rvmm_vm *vm;
	struct cvmm_evm *evm;
	cvmm_evm_id console_id;
	cvmm_evm_id virtio_id;
	int timeout_fd;
	int retry_fd;
	int signal_fd;
	bool stdin_watched;
	bool stdin_paused;
	bool retry_armed;
	struct cvmm_sys_term term;
};

/* Block SIGINT and SIGTERM in the calling thread (before creating others). */
RVMM_MUST_CHECK int rvmm_loop_block_signals(struct rvmm_err *e);

RVMM_MUST_CHECK int rvmm_loop_init(struct rvmm_loop *l, struct rvmm_vm *vm,
				   struct rvmm_err *e);

/* Run until the VM ends. */
void rvmm_loop_run(struct rvmm_loop *l);

void rvmm_loop_destroy(struct rvmm_loop *l);

#endif
