/* SPDX-License-Identifier: Apache-2.0 */
/* The VM object: memory slots, irqchip, PIT, irqfd, ioeventfd, IRQ lines. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PAGE_SIZE_4K 4096u
#define FOUR_GIB     0x100000000ull
#define SLOT_MAX     0xffffu

int cvmm_kvm_vm_create(struct cvmm_kvm *kvm, struct cvmm_kvm_vm **out)
{
	struct cvmm_kvm_vm *vm = calloc(1, sizeof(*vm));
	int fd;

	if (vm == NULL) {
		cvmm_kvm__record(&kvm->err, CVMM_KVM_OP_ALLOC, -ENOMEM,
				 CVMM_KVM_DETAIL_NONE, 0);
		return -ENOMEM;
	}
	fd = cvmm_kvm__ioctl(&kvm->sys, &kvm->err, kvm->fd, KVM_CREATE_VM, 0,
			     CVMM_KVM_OP_CREATE_VM);
	if (fd < 0) {
		free(vm);
		return fd;
	}
	vm->sys = kvm->sys;
	vm->fd = fd;
	vm->run_size = kvm->run_size;
	*out = vm;
	return 0;
}

void cvmm_kvm_vm_destroy(struct cvmm_kvm_vm *vm)
{
	if (vm == NULL)
		return;
	vm->sys.ops->close(vm->sys.ctx, vm->fd);
	free(vm);
}

int cvmm_kvm_vm_fd(const struct cvmm_kvm_vm *vm)
{
	return vm->fd;
}

struct cvmm_kvm_error cvmm_kvm_vm_last_error(const struct cvmm_kvm_vm *vm)
{
	return cvmm_kvm__load(&vm->err);
}

int cvmm_kvm_vm_check_extension(struct cvmm_kvm_vm *vm, unsigned cap,
				int *value)
{
	return cvmm_kvm__check_extension(&vm->sys, &vm->err, vm->fd, cap,
					 value);
}

/* KVM_SET_USER_MEMORY_REGION, recording nothing. */
static int set_region(struct cvmm_kvm_vm *vm, uint32_t slot, uint64_t gpa,
		      uint64_t size, void *host, uint32_t flags)
{
	struct kvm_userspace_memory_region r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.slot = slot;
	r.flags = flags;
	r.guest_phys_addr = gpa;
	r.memory_size = size;
	r.userspace_addr = (uint64_t)(uintptr_t)host;
	rc = vm->sys.ops->ioctl(vm->sys.ctx, vm->fd, KVM_SET_USER_MEMORY_REGION,
				CVMM_KVM__ARG(&r));
	return rc < 0 ? rc : 0;
}

int cvmm_kvm_vm_set_memory(struct cvmm_kvm_vm *vm, uint32_t slot, uint64_t gpa,
			   uint64_t size, void *host, uint32_t flags)
{
	uint64_t end;
	int rc = -EOVERFLOW;

	if (!__builtin_add_overflow(gpa, size, &end))
		rc = set_region(vm, slot, gpa, size, host, flags);
	if (rc != 0)
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_SET_USER_MEMORY_REGION,
				 rc, CVMM_KVM_DETAIL_NONE, 0);
	return rc;
}

int cvmm_kvm_vm_map_regions(struct cvmm_kvm_vm *vm,
			    const struct cvmm_mem_regions *regions,
			    uint32_t first_slot)
{
	size_t n = cvmm_mem_regions_count(regions);

	if (first_slot > SLOT_MAX || n > (size_t)(SLOT_MAX - first_slot) + 1) {
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_SET_USER_MEMORY_REGION,
				 -ERANGE, CVMM_KVM_DETAIL_NONE, 0);
		return -ERANGE;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cvmm_mem_region *r =
		    cvmm_mem_regions_at(regions, i);
		uint32_t flags = (r->flags & CVMM_MEM_REGION_READONLY) != 0
				     ? KVM_MEM_READONLY
				     : 0;
		/* A collection's regions never wrap: no overflow check. */
		int rc = set_region(vm, first_slot + (uint32_t)i, r->gpa.raw,
				    r->size, r->host, flags);

		if (rc != 0) {
			cvmm_kvm__record(&vm->err,
					 CVMM_KVM_OP_SET_USER_MEMORY_REGION, rc,
					 CVMM_KVM_DETAIL_NONE, 0);
			/* Undo: delete the slots set so far, keep rc. */
			while (i > 0) {
				i--;
				(void)set_region(vm, first_slot + (uint32_t)i,
						 0, 0, NULL, 0);
			}
			return rc;
		}
	}
	return 0;
}

int cvmm_kvm_vm_create_irqchip(struct cvmm_kvm_vm *vm)
{
	int rc = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd, KVM_CREATE_IRQCHIP,
				 0, CVMM_KVM_OP_CREATE_IRQCHIP);

	return rc < 0 ? rc : 0;
}

int cvmm_kvm_vm_create_pit2(struct cvmm_kvm_vm *vm, uint32_t flags)
{
	struct kvm_pit_config config;
	int rc;

	memset(&config, 0, sizeof(config));
	config.flags = flags;
	rc = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd, KVM_CREATE_PIT2,
			     CVMM_KVM__ARG(&config), CVMM_KVM_OP_CREATE_PIT2);
	return rc < 0 ? rc : 0;
}

/* 0 if [addr, addr + pages * 4 KiB) lies below 4 GiB, else -ERANGE. */
static int below_4g(uint64_t addr, unsigned pages)
{
	return addr <= FOUR_GIB - (uint64_t)pages * PAGE_SIZE_4K ? 0 : -ERANGE;
}

int cvmm_kvm_vm_set_tss_addr(struct cvmm_kvm_vm *vm, uint64_t addr)
{
	int rc = below_4g(addr, 3);

	if (rc != 0) {
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_SET_TSS_ADDR, rc,
				 CVMM_KVM_DETAIL_NONE, 0);
		return rc;
	}
	/* This ioctl takes the address itself, not a pointer to it. */
	rc = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd, KVM_SET_TSS_ADDR,
			     (unsigned long)addr, CVMM_KVM_OP_SET_TSS_ADDR);
	return rc < 0 ? rc : 0;
}

int cvmm_kvm_vm_set_identity_map_addr(struct cvmm_kvm_vm *vm, uint64_t addr)
{
	int rc = below_4g(addr, 1);

	if (rc != 0) {
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_SET_IDENTITY_MAP_ADDR,
				 rc, CVMM_KVM_DETAIL_NONE, 0);
		return rc;
	}
	rc = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd,
			     KVM_SET_IDENTITY_MAP_ADDR, CVMM_KVM__ARG(&addr),
			     CVMM_KVM_OP_SET_IDENTITY_MAP_ADDR);
	return rc < 0 ? rc : 0;
}

static int irqfd(struct cvmm_kvm_vm *vm, int fd, int resample_fd, uint32_t gsi,
		 uint32_t flags)
{
	struct kvm_irqfd req;
	int rc;

	if (fd < 0 ||
	    ((flags & KVM_IRQFD_FLAG_RESAMPLE) != 0 && resample_fd < 0)) {
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_IRQFD, -EBADF,
				 CVMM_KVM_DETAIL_NONE, 0);
		return -EBADF;
	}
	memset(&req, 0, sizeof(req));
	req.fd = (uint32_t)fd;
	req.gsi = gsi;
	req.flags = flags;
	if ((flags & KVM_IRQFD_FLAG_RESAMPLE) != 0)
		req.resamplefd = (uint32_t)resample_fd;
	rc = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd, KVM_IRQFD,
			     CVMM_KVM__ARG(&req), CVMM_KVM_OP_IRQFD);
	return rc < 0 ? rc : 0;
}

int cvmm_kvm_vm_irqfd(struct cvmm_kvm_vm *vm, int fd, uint32_t gsi)
{
	return irqfd(vm, fd, -1, gsi, 0);
}

int cvmm_kvm_vm_irqfd_resample(struct cvmm_kvm_vm *vm, int fd, int resample_fd,
			       uint32_t gsi)
{
	return irqfd(vm, fd, resample_fd, gsi, KVM_IRQFD_FLAG_RESAMPLE);
}

int cvmm_kvm_vm_irqfd_remove(struct cvmm_kvm_vm *vm, int fd, uint32_t gsi)
{
	return irqfd(vm, fd, -1, gsi, KVM_IRQFD_FLAG_DEASSIGN);
}

/* Validate ev and fill the kernel's request; 0 or a negative errno. */
static int ioeventfd_request(const struct cvmm_kvm_ioeventfd *ev,
			     struct kvm_ioeventfd *req)
{
	uint64_t end;

	if (ev->space != CVMM_KVM_IO_MMIO && ev->space != CVMM_KVM_IO_PIO)
		return -EINVAL;
	switch (ev->len) {
	case 0:
		if (ev->match || ev->space == CVMM_KVM_IO_PIO)
			return -EINVAL;
		break;
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (ev->fd < 0)
		return -EBADF;
	if (__builtin_add_overflow(ev->addr, (uint64_t)ev->len, &end))
		return -EOVERFLOW;
	if (ev->space == CVMM_KVM_IO_PIO && end > 0x10000u)
		return -ERANGE;
	memset(req, 0, sizeof(*req));
	req->addr = ev->addr;
	req->len = ev->len;
	req->fd = ev->fd;
	if (ev->space == CVMM_KVM_IO_PIO)
		req->flags |= KVM_IOEVENTFD_FLAG_PIO;
	if (ev->match) {
		req->flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
		req->datamatch = ev->datamatch;
	}
	return 0;
}

static int ioeventfd(struct cvmm_kvm_vm *vm,
		     const struct cvmm_kvm_ioeventfd *ev, uint32_t extra_flags)
{
	struct kvm_ioeventfd req;
	int rc = ioeventfd_request(ev, &req);

	if (rc != 0) {
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_IOEVENTFD, rc,
				 CVMM_KVM_DETAIL_NONE, 0);
		return rc;
	}
	req.flags |= extra_flags;
	rc = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd, KVM_IOEVENTFD,
			     CVMM_KVM__ARG(&req), CVMM_KVM_OP_IOEVENTFD);
	return rc < 0 ? rc : 0;
}

int cvmm_kvm_vm_ioeventfd(struct cvmm_kvm_vm *vm,
			  const struct cvmm_kvm_ioeventfd *ev)
{
	return ioeventfd(vm, ev, 0);
}

int cvmm_kvm_vm_ioeventfd_remove(struct cvmm_kvm_vm *vm,
				 const struct cvmm_kvm_ioeventfd *ev)
{
	return ioeventfd(vm, ev, KVM_IOEVENTFD_FLAG_DEASSIGN);
}

int cvmm_kvm_vm_irq_line(struct cvmm_kvm_vm *vm, uint32_t irq, bool level)
{
	struct kvm_irq_level req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.irq = irq;
	req.level = level ? 1u : 0u;
	rc = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd, KVM_IRQ_LINE,
			     CVMM_KVM__ARG(&req), CVMM_KVM_OP_IRQ_LINE);
	return rc < 0 ? rc : 0;
}

int cvmm_kvm_vm_set_gsi_routing(struct cvmm_kvm_vm *vm,
				const struct kvm_irq_routing_entry *entries,
				size_t n)
{
	struct kvm_irq_routing *table;
	size_t bytes;
	int rc;

	/* With n below 2^32, the size fits a 64-bit size_t. */
	if (n > UINT32_MAX) {
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_SET_GSI_ROUTING, -E2BIG,
				 CVMM_KVM_DETAIL_NONE, 0);
		return -E2BIG;
	}
	bytes = sizeof(*table) + n * sizeof(*entries);
	table = calloc(1, bytes);
	if (table == NULL) {
		cvmm_kvm__record(&vm->err, CVMM_KVM_OP_ALLOC, -ENOMEM,
				 CVMM_KVM_DETAIL_NONE, 0);
		return -ENOMEM;
	}
	table->nr = (uint32_t)n;
	if (n > 0)
		memcpy(table->entries, entries, n * sizeof(*entries));
	rc = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd, KVM_SET_GSI_ROUTING,
			     CVMM_KVM__ARG(table), CVMM_KVM_OP_SET_GSI_ROUTING);
	free(table);
	return rc < 0 ? rc : 0;
}

int cvmm_kvm_vm_enable_cap(struct cvmm_kvm_vm *vm,
			   const struct kvm_enable_cap *cap)
{
	int rc = cvmm_kvm__ioctl(&vm->sys, &vm->err, vm->fd, KVM_ENABLE_CAP,
				 CVMM_KVM__ARG(cap), CVMM_KVM_OP_ENABLE_CAP);

	return rc < 0 ? rc : 0;
}
