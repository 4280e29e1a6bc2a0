/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The test KVM (cvmm/kvm-test.h): a fake /dev/kvm kept in one allocation,
 * and a pass-through to the real system calls; both with failure injection
 * and fd/mapping accounting.
 */
#define _POSIX_C_SOURCE 200809L
#include <cvmm/kvm-test.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_FDS	     64u
#define MAX_REAL_FDS 48u /* pass-through: fewer than a fake holds */
#define MAX_MAPS     64u
#define MAX_CAPS     64u
#define MAX_VMS	     8u
#define MAX_VCPUS    16u
#define FD_BASE	     1000
#define MSRS_LIMIT   256u  /* the kernel's MAX_IO_MSRS */
#define ROUTES_MAX   4096u /* the kernel's KVM_MAX_IRQ_ROUTES */
#define PAGE_MASK_4K 0xfffull

enum fd_kind { FD_FREE = 0, FD_SYSTEM, FD_VM, FD_VCPU };

struct fake_fd {
	enum fd_kind kind;
	unsigned index; /* into vms or vcpus */
};

struct fake_vm {
	bool used;
	bool fd_open;
	int fd;
	struct cvmm_kvm_test_vm s;
};

struct fake_vcpu {
	bool used;
	int fd;
	unsigned vm;
	struct cvmm_kvm_test_vcpu s;
	_Alignas(64) uint8_t run[CVMM_KVM_TEST_RUN_MAX];
};

struct mapping {
	void *addr;
	size_t size;
};

struct cap_value {
	unsigned cap;
	int value;
};

struct cvmm_kvm_test {
	enum cvmm_kvm_test_mode mode;
	/* Pass-through: the calls go on to these (borrowed). */
	const struct cvmm_kvm_ops *lower;
	void *lower_ctx;
	/* Failure injection and accounting. */
	uint64_t calls;
	uint64_t fail_at;
	int fail_err;
	bool fired;
	unsigned long last_request;
	unsigned open_fds;
	int real_fds[MAX_REAL_FDS]; /* pass-through: to close on destroy */
	unsigned nmaps;
	struct mapping maps[MAX_MAPS];
	/* The fake kernel's answers. */
	int api_version;
	int mmap_size;
	unsigned ncaps;
	struct cap_value caps[MAX_CAPS];
	unsigned ncpuid;
	struct kvm_cpuid_entry2 cpuid[CVMM_KVM_TEST_MAX_CPUID];
	unsigned nmsr_list;
	uint32_t msr_list[CVMM_KVM_TEST_MAX_MSRS];
	bool msr_grow;
	bool overreport;
	cvmm_kvm_test_run_fn run_fn;
	void *run_arg;
	/* The fake kernel's objects. */
	struct fake_fd fds[MAX_FDS];
	struct fake_vm vms[MAX_VMS];
	struct fake_vcpu vcpus[MAX_VCPUS];
};

/* The MSRs x86 boot code sets, accepted by a new fake. */
static const uint32_t default_msrs[] = {
    0x10,	0x174,	    0x175,	0x176,	    0x1a0,
    0x2ff,	0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083,
    0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102,
};

static struct cvmm_kvm_test *ctx_test(void *ctx)
{
	return ctx;
}

/* Count a call; true if it is the one to fail. */
static bool inject(struct cvmm_kvm_test *t)
{
	t->calls++;
	if (t->fail_at != 0 && t->calls == t->fail_at) {
		t->fired = true;
		t->fail_at = 0;
		return true;
	}
	return false;
}

/* ---- fd accounting ---- */

/*
 * Track a real fd the code under test now owns; if the table is full,
 * close it and return -EMFILE instead.
 */
static int real_fd_add(struct cvmm_kvm_test *t, int fd)
{
	for (unsigned i = 0; i < MAX_REAL_FDS; i++) {
		if (t->real_fds[i] < 0) {
			t->real_fds[i] = fd;
			t->open_fds++;
			return fd;
		}
	}
	(void)t->lower->close(t->lower_ctx, fd);
	return -EMFILE;
}

static bool real_fd_remove(struct cvmm_kvm_test *t, int fd)
{
	for (unsigned i = 0; i < MAX_REAL_FDS; i++) {
		if (t->real_fds[i] == fd) {
			t->real_fds[i] = -1;
			t->open_fds--;
			return true;
		}
	}
	return false;
}

static int fake_fd_alloc(struct cvmm_kvm_test *t, enum fd_kind kind,
			 unsigned index)
{
	for (unsigned i = 0; i < MAX_FDS; i++) {
		if (t->fds[i].kind == FD_FREE) {
			t->fds[i].kind = kind;
			t->fds[i].index = index;
			t->open_fds++;
			return FD_BASE + (int)i;
		}
	}
	return -EMFILE;
}

/* The index of a live fake fd in t->fds, or -1. */
static int fake_fd_slot(const struct cvmm_kvm_test *t, int fd)
{
	if (fd < FD_BASE || fd >= FD_BASE + (int)MAX_FDS)
		return -1;
	if (t->fds[fd - FD_BASE].kind == FD_FREE)
		return -1;
	return fd - FD_BASE;
}

static struct fake_fd *fake_fd_get(struct cvmm_kvm_test *t, int fd)
{
	int slot = fake_fd_slot(t, fd);

	return slot < 0 ? NULL : &t->fds[slot];
}

/* ---- system fd ---- */

static int cap_value(const struct cvmm_kvm_test *t, unsigned cap)
{
	for (unsigned i = 0; i < t->ncaps; i++) {
		if (t->caps[i].cap == cap)
			return t->caps[i].value;
	}
	return 0;
}

static bool msr_known(const struct cvmm_kvm_test *t, uint32_t index)
{
	for (unsigned i = 0; i < t->nmsr_list; i++) {
		if (t->msr_list[i] == index)
			return true;
	}
	return false;
}

static int get_supported_cpuid(struct cvmm_kvm_test *t, struct kvm_cpuid2 *c)
{
	uint32_t asked = c->nent;

	if (asked < t->ncpuid)
		return -E2BIG;
	memcpy(c->entries, t->cpuid, t->ncpuid * sizeof(t->cpuid[0]));
	c->nent = t->overreport ? asked + 1 : t->ncpuid;
	return 0;
}

static int get_msr_index_list(struct cvmm_kvm_test *t, struct kvm_msr_list *l)
{
	uint32_t asked = l->nmsrs;

	if (t->msr_grow) {
		l->nmsrs = asked + 1;
		return -E2BIG;
	}
	if (asked < t->nmsr_list) {
		l->nmsrs = t->nmsr_list;
		return -E2BIG;
	}
	memcpy(l->indices, t->msr_list, t->nmsr_list * sizeof(uint32_t));
	l->nmsrs = t->overreport ? asked + 1 : t->nmsr_list;
	return 0;
}

static int create_vm(struct cvmm_kvm_test *t, unsigned long type)
{
	if (type != 0)
		return -EINVAL;
	for (unsigned i = 0; i < MAX_VMS; i++) {
		struct fake_vm *vm = &t->vms[i];
		int fd;

		if (vm->used)
			continue;
		fd = fake_fd_alloc(t, FD_VM, i);
		if (fd < 0)
			return fd;
		memset(vm, 0, sizeof(*vm));
		vm->used = true;
		vm->fd_open = true;
		vm->fd = fd;
		return fd;
	}
	return -ENOSPC;
}

static int system_ioctl(struct cvmm_kvm_test *t, unsigned long request,
			unsigned long arg, void *p)
{
	switch (request) {
	case KVM_GET_API_VERSION:
		return t->api_version;
	case KVM_CHECK_EXTENSION:
		return cap_value(t, (unsigned)arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return t->mmap_size;
	case KVM_GET_SUPPORTED_CPUID:
		return get_supported_cpuid(t, p);
	case KVM_GET_MSR_INDEX_LIST:
		return get_msr_index_list(t, p);
	case KVM_CREATE_VM:
		return create_vm(t, arg);
	default:
		return -ENOTTY;
	}
}

/* ---- VM fd ---- */

static int find_slot(const struct cvmm_kvm_test_vm *s, uint32_t slot)
{
	for (unsigned i = 0; i < s->nslots; i++) {
		if (s->slots[i].slot == slot)
			return (int)i;
	}
	return -1;
}

static int set_user_memory_region(struct cvmm_kvm_test_vm *s,
				  const struct kvm_userspace_memory_region *r)
{
	int at = find_slot(s, r->slot);
	uint64_t end;

	if (r->slot >= CVMM_KVM_TEST_MAX_SLOTS)
		return -EINVAL;
	if ((r->flags &
	     ~(uint32_t)(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)) != 0)
		return -EINVAL;
	if ((r->memory_size & PAGE_MASK_4K) != 0 ||
	    (r->guest_phys_addr & PAGE_MASK_4K) != 0 ||
	    (r->userspace_addr & PAGE_MASK_4K) != 0)
		return -EINVAL;
	if (__builtin_add_overflow(r->guest_phys_addr, r->memory_size, &end))
		return -EINVAL;
	if (r->memory_size == 0) {
		if (at < 0)
			return -EINVAL;
		s->slots[at] = s->slots[--s->nslots];
		return 0;
	}
	if (at >= 0 && s->slots[at].memory_size != r->memory_size)
		return -EINVAL;
	for (unsigned i = 0; i < s->nslots; i++) {
		const struct kvm_userspace_memory_region *o = &s->slots[i];

		if ((int)i == at)
			continue;
		if (r->guest_phys_addr < o->guest_phys_addr + o->memory_size &&
		    o->guest_phys_addr < end)
			return -EEXIST;
	}
	if (at < 0)
		at = (int)s->nslots++;
	s->slots[at] = *r;
	return 0;
}

static int irqfd(struct cvmm_kvm_test_vm *s, const struct kvm_irqfd *req)
{
	if ((req->flags & ~(uint32_t)(KVM_IRQFD_FLAG_DEASSIGN |
				      KVM_IRQFD_FLAG_RESAMPLE)) != 0)
		return -EINVAL;
	if ((req->flags & KVM_IRQFD_FLAG_DEASSIGN) != 0) {
		for (unsigned i = 0; i < s->nirqfds; i++) {
			if (s->irqfds[i].fd == req->fd &&
			    s->irqfds[i].gsi == req->gsi) {
				s->irqfds[i] = s->irqfds[--s->nirqfds];
				break;
			}
		}
		return 0;
	}
	if (!s->irqchip)
		return -EINVAL;
	for (unsigned i = 0; i < s->nirqfds; i++) {
		if (s->irqfds[i].fd == req->fd)
			return -EBUSY;
	}
	if (s->nirqfds == CVMM_KVM_TEST_MAX_IRQFDS)
		return -ENOSPC;
	s->irqfds[s->nirqfds++] = *req;
	return 0;
}

static bool same_ioeventfd(const struct kvm_ioeventfd *a,
			   const struct kvm_ioeventfd *b)
{
	uint32_t kind = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH;

	if (a->addr != b->addr || a->len != b->len ||
	    (a->flags & kind) != (b->flags & kind))
		return false;
	return (a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH) == 0 ||
	       a->datamatch == b->datamatch;
}

static int ioeventfd(struct cvmm_kvm_test_vm *s,
		     const struct kvm_ioeventfd *req)
{
	uint32_t known = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO |
			 KVM_IOEVENTFD_FLAG_DEASSIGN;

	if ((req->flags & ~known) != 0)
		return -EINVAL;
	if (req->len != 0 && req->len != 1 && req->len != 2 && req->len != 4 &&
	    req->len != 8)
		return -EINVAL;
	if (req->len == 0 && (req->flags & KVM_IOEVENTFD_FLAG_DATAMATCH) != 0)
		return -EINVAL;
	for (unsigned i = 0; i < s->nioeventfds; i++) {
		if (!same_ioeventfd(&s->ioeventfds[i], req))
			continue;
		if ((req->flags & KVM_IOEVENTFD_FLAG_DEASSIGN) == 0)
			return -EEXIST;
		if (s->ioeventfds[i].fd != req->fd)
			continue;
		s->ioeventfds[i] = s->ioeventfds[--s->nioeventfds];
		return 0;
	}
	if ((req->flags & KVM_IOEVENTFD_FLAG_DEASSIGN) != 0)
		return -ENOENT;
	if (s->nioeventfds == CVMM_KVM_TEST_MAX_IOEVENTS)
		return -ENOSPC;
	s->ioeventfds[s->nioeventfds++] = *req;
	return 0;
}

static void vcpu_reset(struct fake_vcpu *v, uint32_t id, bool irqchip)
{
	struct kvm_segment data = {
	    .limit = 0xffff, .type = 3, .present = 1, .s = 1};

	memset(&v->s, 0, sizeof(v->s));
	memset(v->run, 0, sizeof(v->run));
	v->s.id = id;
	/* The architectural reset state KVM gives a new vCPU. */
	v->s.regs.rip = 0xfff0;
	v->s.regs.rflags = 0x2;
	v->s.sregs.cs = data;
	v->s.sregs.cs.type = 0xb;
	v->s.sregs.cs.selector = 0xf000;
	v->s.sregs.cs.base = 0xffff0000;
	v->s.sregs.ds = data;
	v->s.sregs.es = data;
	v->s.sregs.fs = data;
	v->s.sregs.gs = data;
	v->s.sregs.ss = data;
	v->s.sregs.tr.limit = 0xffff;
	v->s.sregs.tr.type = 0xb;
	v->s.sregs.tr.present = 1;
	v->s.sregs.ldt.limit = 0xffff;
	v->s.sregs.ldt.type = 2;
	v->s.sregs.ldt.present = 1;
	v->s.sregs.gdt.limit = 0xffff;
	v->s.sregs.idt.limit = 0xffff;
	v->s.sregs.cr0 = 0x60000010;
	v->s.sregs.apic_base = 0xfee00800u | (id == 0 ? 0x100u : 0u);
	v->s.fpu.fcw = 0x37f;
	v->s.fpu.mxcsr = 0x1f80;
	v->s.mp_state.mp_state = irqchip && id != 0 ? KVM_MP_STATE_UNINITIALIZED
						    : KVM_MP_STATE_RUNNABLE;
}

static int create_vcpu(struct cvmm_kvm_test *t, unsigned vm_index,
		       unsigned long id)
{
	struct fake_vm *vm = &t->vms[vm_index];
	int max = cap_value(t, KVM_CAP_MAX_VCPUS);

	if (id >= (unsigned long)(max > 0 ? max : 1))
		return -EINVAL;
	for (unsigned i = 0; i < MAX_VCPUS; i++) {
		if (t->vcpus[i].used && t->vcpus[i].vm == vm_index &&
		    t->vcpus[i].s.id == id)
			return -EEXIST;
	}
	for (unsigned i = 0; i < MAX_VCPUS; i++) {
		struct fake_vcpu *v = &t->vcpus[i];
		int fd;

		if (v->used)
			continue;
		fd = fake_fd_alloc(t, FD_VCPU, i);
		if (fd < 0)
			return fd;
		vcpu_reset(v, (uint32_t)id, vm->s.irqchip);
		v->used = true;
		v->fd = fd;
		v->vm = vm_index;
		v->s.vm_fd = vm->fd;
		vm->s.vcpus++;
		return fd;
	}
	return -ENOSPC;
}

static int vm_ioctl(struct cvmm_kvm_test *t, unsigned vm_index,
		    unsigned long request, unsigned long arg, void *p)
{
	struct cvmm_kvm_test_vm *s = &t->vms[vm_index].s;

	switch (request) {
	case KVM_CHECK_EXTENSION:
		return cap_value(t, (unsigned)arg);
	case KVM_SET_USER_MEMORY_REGION:
		return set_user_memory_region(s, p);
	case KVM_CREATE_IRQCHIP:
		if (s->irqchip)
			return -EEXIST;
		if (s->vcpus > 0)
			return -EINVAL;
		s->irqchip = true;
		return 0;
	case KVM_CREATE_PIT2:
		if (s->pit)
			return -EEXIST;
		s->pit = true;
		s->pit_flags = ((const struct kvm_pit_config *)p)->flags;
		return 0;
	case KVM_SET_TSS_ADDR:
		if (arg > 0xfffff000ul - 2 * 0x1000ul)
			return -EINVAL;
		s->tss_addr = arg;
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR:
		if (s->vcpus > 0)
			return -EINVAL;
		s->identity_map_addr = *(const uint64_t *)p;
		return 0;
	case KVM_IRQFD:
		return irqfd(s, p);
	case KVM_IOEVENTFD:
		return ioeventfd(s, p);
	case KVM_IRQ_LINE:
		if (!s->irqchip)
			return -ENXIO;
		s->irq_line_calls++;
		s->last_irq = *(const struct kvm_irq_level *)p;
		return 0;
	case KVM_SET_GSI_ROUTING: {
		const struct kvm_irq_routing *r = p;

		if (r->nr >= ROUTES_MAX || r->flags != 0)
			return -EINVAL;
		s->gsi_routes = r->nr;
		return 0;
	}
	case KVM_ENABLE_CAP: {
		const struct kvm_enable_cap *c = p;

		if (c->flags != 0)
			return -EINVAL;
		s->last_enabled_cap = c->cap;
		return 0;
	}
	case KVM_CREATE_VCPU:
		return create_vcpu(t, vm_index, arg);
	default:
		return -ENOTTY;
	}
}

/* ---- vCPU fd ---- */

static struct kvm_msr_entry *msr_slot(struct cvmm_kvm_test_vcpu *s,
				      uint32_t index, bool create)
{
	for (unsigned i = 0; i < s->nmsrs; i++) {
		if (s->msrs[i].index == index)
			return &s->msrs[i];
	}
	if (!create || s->nmsrs == CVMM_KVM_TEST_MAX_MSRS)
		return NULL;
	s->msrs[s->nmsrs].index = index;
	s->msrs[s->nmsrs].data = 0;
	return &s->msrs[s->nmsrs++];
}

static int msrs(struct cvmm_kvm_test *t, struct cvmm_kvm_test_vcpu *s,
		struct kvm_msrs *m, bool set)
{
	uint32_t i;

	if (m->nmsrs >= MSRS_LIMIT)
		return -E2BIG;
	for (i = 0; i < m->nmsrs; i++) {
		struct kvm_msr_entry *e = &m->entries[i];
		struct kvm_msr_entry *slot;

		if (!msr_known(t, e->index))
			break;
		slot = msr_slot(s, e->index, set);
		if (set) {
			if (slot == NULL)
				break;
			slot->data = e->data;
		} else {
			e->data = slot != NULL ? slot->data : 0;
		}
	}
	return (int)i;
}

static int run(struct cvmm_kvm_test *t, struct fake_vcpu *v)
{
	volatile struct kvm_run *r = (struct kvm_run *)v->run;

	if (r->immediate_exit != 0)
		return -EINTR;
	v->s.runs++;
	if (t->run_fn != NULL)
		return t->run_fn(t->run_arg, v->fd, (struct kvm_run *)v->run);
	r->exit_reason = KVM_EXIT_HLT;
	return 0;
}

static int vcpu_ioctl(struct cvmm_kvm_test *t, struct fake_vcpu *v,
		      unsigned long request, void *p)
{
	struct cvmm_kvm_test_vcpu *s = &v->s;
	bool irqchip = t->vms[v->vm].s.irqchip;

	switch (request) {
	case KVM_GET_REGS:
		memcpy(p, &s->regs, sizeof(s->regs));
		return 0;
	case KVM_SET_REGS:
		memcpy(&s->regs, p, sizeof(s->regs));
		return 0;
	case KVM_GET_SREGS:
		memcpy(p, &s->sregs, sizeof(s->sregs));
		return 0;
	case KVM_SET_SREGS:
		memcpy(&s->sregs, p, sizeof(s->sregs));
		return 0;
	case KVM_GET_FPU:
		memcpy(p, &s->fpu, sizeof(s->fpu));
		return 0;
	case KVM_SET_FPU:
		memcpy(&s->fpu, p, sizeof(s->fpu));
		return 0;
	case KVM_GET_LAPIC:
		if (!irqchip)
			return -EINVAL;
		memcpy(p, &s->lapic, sizeof(s->lapic));
		return 0;
	case KVM_SET_LAPIC:
		if (!irqchip)
			return -EINVAL;
		memcpy(&s->lapic, p, sizeof(s->lapic));
		return 0;
	case KVM_GET_MP_STATE:
		memcpy(p, &s->mp_state, sizeof(s->mp_state));
		return 0;
	case KVM_SET_MP_STATE:
		if (((struct kvm_mp_state *)p)->mp_state >
		    KVM_MP_STATE_AP_RESET_HOLD)
			return -EINVAL;
		memcpy(&s->mp_state, p, sizeof(s->mp_state));
		return 0;
	case KVM_GET_MSRS:
		return msrs(t, s, p, false);
	case KVM_SET_MSRS:
		return msrs(t, s, p, true);
	case KVM_SET_CPUID2: {
		struct kvm_cpuid2 *c = p;

		if (c->nent > CVMM_KVM_TEST_MAX_CPUID)
			return -E2BIG;
		memcpy(s->cpuid, c->entries, c->nent * sizeof(s->cpuid[0]));
		s->ncpuid = c->nent;
		return 0;
	}
	case KVM_GET_CPUID2: {
		struct kvm_cpuid2 *c = p;
		uint32_t asked = c->nent;

		if (asked < s->ncpuid)
			return -E2BIG;
		memcpy(c->entries, s->cpuid, s->ncpuid * sizeof(s->cpuid[0]));
		c->nent = t->overreport ? asked + 1 : s->ncpuid;
		return 0;
	}
	case KVM_RUN:
		return run(t, v);
	default:
		return -ENOTTY;
	}
}

/* ---- the ops ---- */

static int test_open(void *ctx, const char *path)
{
	struct cvmm_kvm_test *t = ctx_test(ctx);
	int fd;

	if (inject(t))
		return t->fail_err;
	if (t->mode == CVMM_KVM_TEST_PASSTHROUGH) {
		fd = t->lower->open(t->lower_ctx, path);
		return fd < 0 ? fd : real_fd_add(t, fd);
	}
	return fake_fd_alloc(t, FD_SYSTEM, 0);
}

static void vm_release_if_unused(struct cvmm_kvm_test *t, unsigned index)
{
	struct fake_vm *vm = &t->vms[index];

	if (!vm->fd_open && vm->s.vcpus == 0)
		vm->used = false;
}

static int test_close(void *ctx, int fd)
{
	struct cvmm_kvm_test *t = ctx_test(ctx);
	struct fake_fd *f;

	if (t->mode == CVMM_KVM_TEST_PASSTHROUGH) {
		if (!real_fd_remove(t, fd))
			return -EBADF;
		return t->lower->close(t->lower_ctx, fd);
	}
	f = fake_fd_get(t, fd);
	if (f == NULL)
		return -EBADF;
	if (f->kind == FD_VM) {
		t->vms[f->index].fd_open = false;
		vm_release_if_unused(t, f->index);
	} else if (f->kind == FD_VCPU) {
		struct fake_vcpu *v = &t->vcpus[f->index];

		v->used = false;
		t->vms[v->vm].s.vcpus--;
		vm_release_if_unused(t, v->vm);
	}
	f->kind = FD_FREE;
	t->open_fds--;
	return 0;
}

static int test_ioctl(void *ctx, int fd, unsigned long request,
		      unsigned long arg)
{
	struct cvmm_kvm_test *t = ctx_test(ctx);
	struct fake_fd *f;
	void *p;
	int rc;

	t->last_request = request;
	if (inject(t))
		return t->fail_err;
	if (t->mode == CVMM_KVM_TEST_PASSTHROUGH) {
		rc = t->lower->ioctl(t->lower_ctx, fd, request, arg);
		if (rc >= 0 &&
		    (request == KVM_CREATE_VM || request == KVM_CREATE_VCPU))
			rc = real_fd_add(t, rc);
		return rc;
	}
	f = fake_fd_get(t, fd);
	if (f == NULL)
		return -EBADF;
	/* The one place an ioctl argument becomes the pointer it carries. */
	p = (void *)(uintptr_t)arg; /* NOLINT(performance-no-int-to-ptr) */
	switch (f->kind) {
	case FD_SYSTEM:
		return system_ioctl(t, request, arg, p);
	case FD_VM:
		return vm_ioctl(t, f->index, request, arg, p);
	default:
		return vcpu_ioctl(t, &t->vcpus[f->index], request, p);
	}
}

static int map_add(struct cvmm_kvm_test *t, void *addr, size_t size)
{
	if (t->nmaps == MAX_MAPS)
		return -ENOMEM;
	t->maps[t->nmaps].addr = addr;
	t->maps[t->nmaps].size = size;
	t->nmaps++;
	return 0;
}

static int test_mmap(void *ctx, int fd, size_t size, void **addr)
{
	struct cvmm_kvm_test *t = ctx_test(ctx);
	struct fake_fd *f;
	void *p;
	int rc;

	if (inject(t))
		return t->fail_err;
	if (t->mode == CVMM_KVM_TEST_PASSTHROUGH) {
		rc = t->lower->mmap(t->lower_ctx, fd, size, &p);
		if (rc != 0)
			return rc;
		if (map_add(t, p, size) != 0) {
			(void)t->lower->munmap(t->lower_ctx, p, size);
			return -ENOMEM;
		}
		*addr = p;
		return 0;
	}
	f = fake_fd_get(t, fd);
	if (f == NULL)
		return -EBADF;
	if (f->kind != FD_VCPU || size == 0 || size > CVMM_KVM_TEST_RUN_MAX)
		return -EINVAL;
	p = t->vcpus[f->index].run;
	rc = map_add(t, p, size);
	if (rc != 0)
		return rc;
	*addr = p;
	return 0;
}

static int test_munmap(void *ctx, void *addr, size_t size)
{
	struct cvmm_kvm_test *t = ctx_test(ctx);

	for (unsigned i = 0; i < t->nmaps; i++) {
		if (t->maps[i].addr == addr && t->maps[i].size == size) {
			t->maps[i] = t->maps[--t->nmaps];
			if (t->mode == CVMM_KVM_TEST_PASSTHROUGH)
				return t->lower->munmap(t->lower_ctx, addr,
							size);
			return 0;
		}
	}
	return -EINVAL;
}

const struct cvmm_kvm_ops cvmm_kvm_test_ops = {
    .open = test_open,
    .close = test_close,
    .ioctl = test_ioctl,
    .mmap = test_mmap,
    .munmap = test_munmap,
};

/* ---- the test's controls ---- */

int cvmm_kvm_test_create(enum cvmm_kvm_test_mode mode,
			 struct cvmm_kvm_test **out)
{
	return cvmm_kvm_test_create_over(
	    mode == CVMM_KVM_TEST_PASSTHROUGH ? &cvmm_kvm_syscall_ops : NULL,
	    NULL, out);
}

int cvmm_kvm_test_create_over(const struct cvmm_kvm_ops *lower, void *lower_ctx,
			      struct cvmm_kvm_test **out)
{
	static const unsigned extra_caps[][2] = {
	    {KVM_CAP_NR_MEMSLOTS, CVMM_KVM_TEST_MAX_SLOTS},
	    {KVM_CAP_MAX_VCPUS, MAX_VCPUS},
	    {KVM_CAP_IRQFD_RESAMPLE, 1},
	    {KVM_CAP_CHECK_EXTENSION_VM, 1},
	    {KVM_CAP_READONLY_MEM, 1},
	};
	struct cvmm_kvm_test *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	t->mode =
	    lower != NULL ? CVMM_KVM_TEST_PASSTHROUGH : CVMM_KVM_TEST_FAKE;
	t->lower = lower;
	t->lower_ctx = lower_ctx;
	for (unsigned i = 0; i < MAX_REAL_FDS; i++)
		t->real_fds[i] = -1;
	t->api_version = CVMM_KVM_API_VERSION;
	t->mmap_size = (int)CVMM_KVM_TEST_RUN_MAX;
	for (size_t i = 0; i < cvmm_kvm_x86_required_caps_count; i++) {
		t->caps[t->ncaps].cap = cvmm_kvm_x86_required_caps[i];
		t->caps[t->ncaps++].value = 1;
	}
	for (size_t i = 0; i < sizeof(extra_caps) / sizeof(extra_caps[0]);
	     i++) {
		t->caps[t->ncaps].cap = extra_caps[i][0];
		t->caps[t->ncaps++].value = (int)extra_caps[i][1];
	}
	t->nmsr_list = sizeof(default_msrs) / sizeof(default_msrs[0]);
	memcpy(t->msr_list, default_msrs, sizeof(default_msrs));
	*out = t;
	return 0;
}

void cvmm_kvm_test_destroy(struct cvmm_kvm_test *t)
{
	if (t == NULL)
		return;
	if (t->mode == CVMM_KVM_TEST_PASSTHROUGH) {
		for (unsigned i = 0; i < t->nmaps; i++)
			(void)t->lower->munmap(t->lower_ctx, t->maps[i].addr,
					       t->maps[i].size);
		for (unsigned i = 0; i < MAX_REAL_FDS; i++) {
			if (t->real_fds[i] >= 0)
				(void)t->lower->close(t->lower_ctx,
						      t->real_fds[i]);
		}
	}
	free(t);
}

int cvmm_kvm_test_open(struct cvmm_kvm_test *t, struct cvmm_kvm **out,
		       struct cvmm_kvm_error *err)
{
	return cvmm_kvm_open_ops(&cvmm_kvm_test_ops, t, NULL, out, err);
}

int cvmm_kvm_test_fail_nth(struct cvmm_kvm_test *t, uint64_t nth, int err)
{
	if (err >= 0)
		return -EINVAL;
	t->fail_at = nth != 0 ? t->calls + nth : 0;
	t->fail_err = err;
	t->fired = false;
	return 0;
}

bool cvmm_kvm_test_failure_fired(const struct cvmm_kvm_test *t)
{
	return t->fired;
}

unsigned long cvmm_kvm_test_last_request(const struct cvmm_kvm_test *t)
{
	return t->last_request;
}

uint64_t cvmm_kvm_test_calls(const struct cvmm_kvm_test *t)
{
	return t->calls;
}

unsigned cvmm_kvm_test_open_fds(const struct cvmm_kvm_test *t)
{
	return t->open_fds;
}

unsigned cvmm_kvm_test_mappings(const struct cvmm_kvm_test *t)
{
	return t->nmaps;
}

void cvmm_kvm_test_set_api_version(struct cvmm_kvm_test *t, int version)
{
	t->api_version = version;
}

void cvmm_kvm_test_set_mmap_size(struct cvmm_kvm_test *t, int size)
{
	t->mmap_size = size;
}

int cvmm_kvm_test_set_cap(struct cvmm_kvm_test *t, unsigned cap, int value)
{
	for (unsigned i = 0; i < t->ncaps; i++) {
		if (t->caps[i].cap != cap)
			continue;
		if (value == 0)
			t->caps[i] = t->caps[--t->ncaps];
		else
			t->caps[i].value = value;
		return 0;
	}
	if (value == 0)
		return 0;
	if (t->ncaps == MAX_CAPS)
		return -ENOSPC;
	t->caps[t->ncaps].cap = cap;
	t->caps[t->ncaps++].value = value;
	return 0;
}

int cvmm_kvm_test_set_supported_cpuid(struct cvmm_kvm_test *t,
				      const struct kvm_cpuid_entry2 *entries,
				      size_t n)
{
	if (n > CVMM_KVM_TEST_MAX_CPUID)
		return -E2BIG;
	if (n > 0)
		memcpy(t->cpuid, entries, n * sizeof(*entries));
	t->ncpuid = (unsigned)n;
	return 0;
}

int cvmm_kvm_test_set_msr_index_list(struct cvmm_kvm_test *t,
				     const uint32_t *indices, size_t n,
				     bool grow)
{
	if (n > CVMM_KVM_TEST_MAX_MSRS)
		return -E2BIG;
	if (n > 0)
		memcpy(t->msr_list, indices, n * sizeof(*indices));
	t->nmsr_list = (unsigned)n;
	t->msr_grow = grow;
	return 0;
}

void cvmm_kvm_test_set_overreport(struct cvmm_kvm_test *t, bool on)
{
	t->overreport = on;
}

void cvmm_kvm_test_set_run(struct cvmm_kvm_test *t, cvmm_kvm_test_run_fn fn,
			   void *arg)
{
	t->run_fn = fn;
	t->run_arg = arg;
}

const struct cvmm_kvm_test_vm *
cvmm_kvm_test_vm_state(const struct cvmm_kvm_test *t, int vm_fd)
{
	int slot = fake_fd_slot(t, vm_fd);

	if (slot < 0 || t->fds[slot].kind != FD_VM)
		return NULL;
	return &t->vms[t->fds[slot].index].s;
}

const struct cvmm_kvm_test_vcpu *
cvmm_kvm_test_vcpu_state(const struct cvmm_kvm_test *t, int vcpu_fd)
{
	int slot = fake_fd_slot(t, vcpu_fd);

	if (slot < 0 || t->fds[slot].kind != FD_VCPU)
		return NULL;
	return &t->vcpus[t->fds[slot].index].s;
}

bool cvmm_kvm_test_vcpu_msr(const struct cvmm_kvm_test *t, int vcpu_fd,
			    uint32_t index, uint64_t *value)
{
	const struct cvmm_kvm_test_vcpu *s =
	    cvmm_kvm_test_vcpu_state(t, vcpu_fd);

	if (s == NULL)
		return false;
	for (unsigned i = 0; i < s->nmsrs; i++) {
		if (s->msrs[i].index == index) {
			*value = s->msrs[i].data;
			return true;
		}
	}
	return false;
}
