/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm vm-device: address-range buses for port I/O and MMIO.
 *
 * A bus maps disjoint address ranges to devices. A device is an ops table
 * plus a context pointer; the same device may be inserted at several
 * ranges (each call gets the base of the range that matched). A VMM keeps
 * one bus per address space and dispatches each KVM_EXIT_IO / KVM_EXIT_MMIO
 * to it:
 *
 *     rc = cvmm_dev_bus_read(pio, port, data, size);
 *     if (rc != 0)  // nothing there: data already holds 0xFF (open bus)
 *             log_ratelimited(...);
 *
 * Address spaces. CVMM_DEV_BUS_PIO covers ports 0x0000-0xFFFF,
 * CVMM_DEV_BUS_MMIO the whole 64-bit space.
 *
 * Insertion checks the range; each defect has its own errno and leaves the
 * bus unchanged:
 *   -EINVAL     size 0, or ops NULL;
 *   -EOVERFLOW  base + size - 1 is beyond 2^64 - 1 (the range wraps);
 *   -ERANGE     the range does not fit the bus's address space (a port
 *               range past 0xFFFF);
 *   -EEXIST     the range overlaps a range already on the bus;
 *   -ENOMEM     allocation failed.
 *
 * Dispatch. An access is (address, size, data) with size 1 to 8
 * (CVMM_DEV_ACCESS_MAX). It goes to the device whose range holds every
 * byte of it, with the offset of the address inside that range. It returns:
 *   0           the device's handler was called;
 *   -ENODEV     no range holds the address (the access is unhandled);
 *   -ERANGE     a range holds the address but the access runs past its end
 *               (unhandled: a device never sees bytes outside its range);
 *   -EINVAL     size is 0 or larger than 8, or data is NULL (a caller bug).
 * When a read returns non-zero, the data buffer holds 0xFF in every byte
 * (when size and data are valid), the value an unconnected bus reads, so
 * the VMM can hand it to the guest as is. Unhandled accesses are counted
 * (cvmm_dev_bus_unhandled()), never logged: logging, rate-limited, is the
 * VMM's (vmm-sys-util's cvmm_sys_ratelimit is made for it).
 * Lookup is a binary search: O(log n) in the number of ranges.
 *
 * Concurrency. Dispatch may run on several threads at once (one per vCPU)
 * and alongside insert and remove: the bus holds a reader-writer lock,
 * read-locked while a handler runs. When cvmm_dev_bus_remove() returns, no
 * handler call for that range is running or will start, so the caller may
 * free the device. Handlers run concurrently with each other, even for
 * the same device; a device serializes its own state. A handler must not
 * call any function of the bus that dispatched to it (it may deadlock);
 * to move or remove a range from a handler, record the request and apply
 * it after the dispatch returns.
 *
 * Ownership. cvmm_dev_bus_create() allocates the bus; the caller frees it
 * with cvmm_dev_bus_destroy(), when no other thread uses it. ops and ctx
 * are borrowed: each must stay valid until its range is removed or the bus
 * destroyed. The data buffer is borrowed for the duration of one call.
 */
#ifndef CVMM_DEV_BUS_H
#define CVMM_DEV_BUS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define CVMM_DEV_MUST_CHECK __attribute__((warn_unused_result))

/* Largest access, in bytes (KVM's MMIO exit carries up to 8). */
#define CVMM_DEV_ACCESS_MAX 8u
/* Last port of the port-I/O space. */
#define CVMM_DEV_PIO_LAST 0xFFFFu

enum cvmm_dev_bus_kind {
	CVMM_DEV_BUS_PIO,
	CVMM_DEV_BUS_MMIO,
};

/*
 * A device's handlers. base is the start of the range that matched,
 * offset the address minus base; data holds size bytes (guest byte order,
 * i.e. little-endian on x86). read fills data; it finds 0xFF in every
 * byte, so a handler that leaves a byte alone answers open bus for it.
 * Either member may be NULL: reads then return 0xFF, writes are dropped.
 */
struct cvmm_dev_ops {
	void (*read)(void *ctx, uint64_t base, uint64_t offset, uint8_t *data,
		     size_t size);
	void (*write)(void *ctx, uint64_t base, uint64_t offset,
		      const uint8_t *data, size_t size);
};

/* A range on a bus, as cvmm_dev_bus_find() and _at() report it. */
struct cvmm_dev_range {
	uint64_t base;
	uint64_t size;
	const struct cvmm_dev_ops *ops;
	void *ctx;
};

struct cvmm_dev_bus;

/*
 * Create an empty bus for an address space. On success *out owns it.
 * Errors: -EINVAL (unknown kind), -ENOMEM, or the errno of
 * pthread_rwlock_init. On failure *out is untouched.
 */
CVMM_DEV_MUST_CHECK int cvmm_dev_bus_create(enum cvmm_dev_bus_kind kind,
					    struct cvmm_dev_bus **out);

/* Free a bus (NULL is allowed). Devices are not touched. */
void cvmm_dev_bus_destroy(struct cvmm_dev_bus *bus);

/*
 * Map [base, base + size) to the device (ops, ctx). Errors as listed at the
 * top of this file; the bus is unchanged on failure.
 */
CVMM_DEV_MUST_CHECK int cvmm_dev_bus_insert(struct cvmm_dev_bus *bus,
					    uint64_t base, uint64_t size,
					    const struct cvmm_dev_ops *ops,
					    void *ctx);

/*
 * Remove the range that starts at base, waiting for handler calls on the
 * bus to finish. Errors: -ENOENT if no range starts at base.
 */
CVMM_DEV_MUST_CHECK int cvmm_dev_bus_remove(struct cvmm_dev_bus *bus,
					    uint64_t base);

/* Dispatch a read of size bytes at addr into data (see the top). */
CVMM_DEV_MUST_CHECK int cvmm_dev_bus_read(struct cvmm_dev_bus *bus,
					  uint64_t addr, uint8_t *data,
					  size_t size);

/* Dispatch a write of size bytes from data at addr (see the top). */
CVMM_DEV_MUST_CHECK int cvmm_dev_bus_write(struct cvmm_dev_bus *bus,
					   uint64_t addr, const uint8_t *data,
					   size_t size);

/*
 * Store in *out the range that holds addr. Errors: -ENODEV if none does.
 * The ops and ctx reported are borrowed and stay valid only as long as
 * the range stays on the bus.
 */
CVMM_DEV_MUST_CHECK int cvmm_dev_bus_find(struct cvmm_dev_bus *bus,
					  uint64_t addr,
					  struct cvmm_dev_range *out);

/*
 * Store in *out the range at position i in address order, to list a bus.
 * Errors: -ENOENT if i >= cvmm_dev_bus_count().
 */
CVMM_DEV_MUST_CHECK int cvmm_dev_bus_at(struct cvmm_dev_bus *bus, size_t i,
					struct cvmm_dev_range *out);

/* Number of ranges on the bus. */
size_t cvmm_dev_bus_count(struct cvmm_dev_bus *bus);

/* Accesses that returned -ENODEV or -ERANGE since creation. */
uint64_t cvmm_dev_bus_unhandled(const struct cvmm_dev_bus *bus);

/* A static description of an error returned by this component. */
const char *cvmm_dev_strerror(int err);

#endif
