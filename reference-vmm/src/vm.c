/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "vm.h"
#include "exit-codes.h"

#include <cvmm/sys-eventfd.h>
#include <cvmm/sys-signal.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* TSS and identity-map pages KVM needs on Intel: just below the BIOS
 * area at the top of 4 GiB, clear of RAM and of the IOAPIC/LAPIC. */
#define TSS_ADDR	  0xfffbd000ull
#define IDENTITY_MAP_ADDR 0xfffbc000ull

static const char *kvm_msg(struct cvmm_kvm_error ke, char *buf, size_t n)
{
	return cvmm_kvm_error_format(&ke, buf, n);
}

static int open_kvm(struct rvmm_vm *vm, const struct rvmm_options *o,
		    struct rvmm_err *e)
{
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	struct cvmm_kvm_error ke = {0};
	int rc;

	rc = cvmm_kvm_open(o->kvm_path, &vm->kvm, &ke);
	if (rc)
		return rvmm_fail(e, rc, "%s: %s (is KVM available?)",
				 o->kvm_path, kvm_msg(ke, msg, sizeof(msg)));
	rc = cvmm_kvm_require(vm->kvm, cvmm_kvm_x86_required_caps,
			      cvmm_kvm_x86_required_caps_count);
	if (rc)
		return rvmm_fail(
		    e, rc, "%s: %s", o->kvm_path,
		    kvm_msg(cvmm_kvm_last_error(vm->kvm), msg, sizeof(msg)));
	return 0;
}

/* VM, in-kernel irqchip and PIT, and the supported CPUID. */
static int create_vm(struct rvmm_vm *vm, struct rvmm_err *e)
{
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	struct kvm_cpuid2 *supported = NULL;
	int rc;

	rc = cvmm_kvm_vm_create(vm->kvm, &vm->vm);
	if (rc)
		return rvmm_fail(
		    e, rc, "%s",
		    kvm_msg(cvmm_kvm_last_error(vm->kvm), msg, sizeof(msg)));
	rc = cvmm_kvm_vm_set_tss_addr(vm->vm, TSS_ADDR);
	if (rc == 0)
		rc = cvmm_kvm_vm_set_identity_map_addr(vm->vm,
						       IDENTITY_MAP_ADDR);
	if (rc == 0)
		rc = cvmm_kvm_vm_create_irqchip(vm->vm);
	if (rc == 0)
		rc = cvmm_kvm_vm_create_pit2(vm->vm, KVM_PIT_SPEAKER_DUMMY);
	if (rc)
		return rvmm_fail(
		    e, rc, "%s",
		    kvm_msg(cvmm_kvm_vm_last_error(vm->vm), msg, sizeof(msg)));
	rc = cvmm_kvm_get_supported_cpuid(vm->kvm, &supported);
	if (rc)
		return rvmm_fail(
		    e, rc, "%s",
		    kvm_msg(cvmm_kvm_last_error(vm->kvm), msg, sizeof(msg)));
	vm->cpuid = malloc(sizeof(*vm->cpuid));
	if (!vm->cpuid) {
		free(supported);
		return rvmm_fail(e, -ENOMEM, "CPUID table: out of memory");
	}
	rc = cvmm_x86_cpuid_from_kvm(vm->cpuid, supported);
	free(supported);
	if (rc)
		return rvmm_fail(e, rc, "KVM's CPUID table: %s", strerror(-rc));
	return 0;
}

static int map_memory(struct rvmm_vm *vm, struct rvmm_err *e)
{
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	int rc;

	rc = cvmm_kvm_vm_map_regions(vm->vm, cvmm_mem_mmap_regions(vm->mem.mm),
				     0);
	if (rc)
		return rvmm_fail(
		    e, rc, "guest memory: %s",
		    kvm_msg(cvmm_kvm_vm_last_error(vm->vm), msg, sizeof(msg)));
	return 0;
}

static void on_reset(void *ctx)
{
	rvmm_vm_end(ctx, RVMM_EXIT_RESET,
		    "guest reset through the i8042 (0xfe to port 0x64)");
}

static void on_poweroff(void *ctx)
{
	rvmm_vm_end(ctx, RVMM_EXIT_POWEROFF,
		    "guest powered off through the ACPI sleep control "
		    "register (S5 to port 0x%x)",
		    RVMM_SLEEP_CONTROL_PORT);
}

static int create_vcpus(struct rvmm_vm *vm, const struct rvmm_options *o,
			struct rvmm_err *e)
{
	char msg[CVMM_KVM_ERROR_MSG_SIZE];
	int rc;

	vm->vcpus = calloc(o->vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return rvmm_fail(e, -ENOMEM, "vCPUs: out of memory");
	for (uint32_t i = 0; i < o->vcpus; i++) {
		struct rvmm_vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->index = i;
		rc = cvmm_kvm_vcpu_create(vm->vm, i, &v->kvm);
		if (rc)
			return rvmm_fail(e, rc, "vCPU %u: %s", i,
					 kvm_msg(cvmm_kvm_vm_last_error(vm->vm),
						 msg, sizeof(msg)));
		vm->nvcpus++;
		rc = rvmm_vcpu_setup(vm, v, e);
		if (rc)
			return rc;
	}
	return 0;
}

int rvmm_vm_create(struct rvmm_vm *vm, const struct rvmm_options *o,
		   struct rvmm_err *e)
{
	struct cvmm_acpi_virtio_mmio virtio[RVMM_VIRTIO_MAX];
	uint32_t nvirtio = rvmm_virtio_acpi(o, virtio);
	int rc;

	memset(vm, 0, sizeof(*vm));
	vm->opts = o;
	vm->end_fd = -1;
	atomic_init(&vm->end, -1);
	rc = cvmm_sys_eventfd_open(0, CVMM_SYS_EVENTFD_NONBLOCK, &vm->end_fd);
	if (rc)
		return rvmm_fail(e, rc, "eventfd: %s", strerror(-rc));
	/* The kernel first: a bad one is refused without touching KVM. */
	rc = rvmm_memory_create(o->mem_mib, &vm->mem, e);
	if (rc)
		return rc;
	vm->mem_mapped = true;
	rc = rvmm_load(o, &vm->mem, &vm->boot, e);
	if (rc == 0)
		rc = rvmm_load_acpi(&vm->mem.mem, o->vcpus, virtio, nvirtio, e);
	if (rc == 0)
		rc = rvmm_virtio_open(&vm->virtio, o, e);
	if (rc == 0)
		rc = open_kvm(vm, o, e);
	if (rc == 0)
		rc = create_vm(vm, e);
	if (rc == 0)
		rc = map_memory(vm, e);
	if (rc)
		return rc;
	rc = rvmm_devices_create(&vm->dev, o, vm->vm, on_reset, on_poweroff, vm,
				 e);
	vm->dev_created = true;
	if (rc == 0)
		rc = rvmm_virtio_attach(&vm->virtio, vm->vm, &vm->mem.mem,
					vm->dev.mmio, e);
	if (rc)
		return rc;
	return create_vcpus(vm, o, e);
}

int rvmm_vm_start(struct rvmm_vm *vm, struct rvmm_err *e)
{
	int rc;

	rc = cvmm_sys_signal_rt(0, &vm->kick_signal);
	if (rc == 0)
		rc = cvmm_sys_signal_handler(vm->kick_signal,
					     rvmm_vcpu_kick_handler, 0);
	if (rc)
		return rvmm_fail(e, rc, "kick signal: %s", strerror(-rc));
	rc = pthread_mutex_init(&vm->gate_lock, NULL);
	if (rc)
		return rvmm_fail(e, -rc, "start gate: %s", strerror(rc));
	rc = pthread_cond_init(&vm->gate_cond, NULL);
	if (rc) {
		pthread_mutex_destroy(&vm->gate_lock);
		return rvmm_fail(e, -rc, "start gate: %s", strerror(rc));
	}
	vm->gate_ready = true;
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct rvmm_vcpu *v = &vm->vcpus[i];

		rc = pthread_create(&v->thread, NULL, rvmm_vcpu_thread, v);
		if (rc) {
			/* The started threads wait at the gate: the caller
			 * ends the VM and opens it, and they leave. */
			return rvmm_fail(e, -rc, "vCPU %u thread: %s", i,
					 strerror(rc));
		}
		v->started = true;
	}
	pthread_mutex_lock(&vm->gate_lock);
	while (vm->gate_arrived < vm->nvcpus)
		pthread_cond_wait(&vm->gate_cond, &vm->gate_lock);
	pthread_mutex_unlock(&vm->gate_lock);
	return 0;
}

void rvmm_vm_open_gate(struct rvmm_vm *vm)
{
	if (!vm->gate_ready)
		return;
	pthread_mutex_lock(&vm->gate_lock);
	vm->gate_open = true;
	pthread_cond_broadcast(&vm->gate_cond);
	pthread_mutex_unlock(&vm->gate_lock);
}

void rvmm_vm_wait_gate(struct rvmm_vm *vm)
{
	pthread_mutex_lock(&vm->gate_lock);
	vm->gate_arrived++;
	pthread_cond_broadcast(&vm->gate_cond);
	while (!vm->gate_open)
		pthread_cond_wait(&vm->gate_cond, &vm->gate_lock);
	pthread_mutex_unlock(&vm->gate_lock);
}

void rvmm_vm_end(struct rvmm_vm *vm, int code, const char *fmt, ...)
{
	int expected = -1;
	va_list ap;

	if (!atomic_compare_exchange_strong(&vm->end, &expected, code))
		return;
	(void)fprintf(stderr, "reference-vmm: ");
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, " [exit %d: %s]\n", code, rvmm_exit_name(code));
	if (cvmm_sys_eventfd_write(vm->end_fd, 1) != 0) {
		/* Cannot fail: the counter was 0. */
	}
}

int rvmm_vm_ended(struct rvmm_vm *vm)
{
	return atomic_load(&vm->end);
}

void rvmm_vm_stop(struct rvmm_vm *vm)
{
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct rvmm_vcpu *v = &vm->vcpus[i];

		/* Retry until the thread has left: a kick that lands
		 * before KVM_RUN is caught by immediate_exit, but one
		 * that lands in a device handler is only seen at the next
		 * KVM_RUN, which the thread then skips anyway. */
		if (v->started &&
		    cvmm_sys_signal_thread(v->thread, vm->kick_signal) != 0) {
			/* -ESRCH: the thread already ended. */
		}
	}
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		if (vm->vcpus[i].started) {
			pthread_join(vm->vcpus[i].thread, NULL);
			vm->vcpus[i].started = false;
		}
	}
}

void rvmm_vm_destroy(struct rvmm_vm *vm)
{
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		cvmm_kvm_vcpu_destroy(vm->vcpus[i].kvm);
	free(vm->vcpus);
	if (vm->gate_ready) {
		pthread_cond_destroy(&vm->gate_cond);
		pthread_mutex_destroy(&vm->gate_lock);
	}
	rvmm_virtio_destroy(&vm->virtio);
	if (vm->dev_created)
		rvmm_devices_destroy(&vm->dev);
	cvmm_kvm_vm_destroy(vm->vm);
	if (vm->mem_mapped)
		rvmm_memory_destroy(&vm->mem);
	cvmm_kvm_close(vm->kvm);
	free(vm->cpuid);
	if (vm->end_fd >= 0)
		close(vm->end_fd);
	memset(vm, 0, sizeof(*vm));
}
