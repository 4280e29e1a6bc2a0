/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bus is an array of ranges sorted by base, searched by bisection, under
 * a writer-preferring reader-writer lock (vCPU threads dispatch as readers
 * back to back; a reader-preferring lock could starve a remove forever).
 */
#define _GNU_SOURCE
#include <cvmm/dev-bus.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	uint64_t base;
	uint64_t last; /* inclusive: a range may end at 2^64 - 1 */
	const struct cvmm_dev_ops *ops;
	void *ctx;
};

struct cvmm_dev_bus {
	pthread_rwlock_t lock;
	uint64_t space_last;
	struct entry *e;
	size_t n, cap;
	uint64_t unhandled; /* atomic (__atomic builtins) */
};

int cvmm_dev_bus_create(enum cvmm_dev_bus_kind kind, struct cvmm_dev_bus **out)
{
	pthread_rwlockattr_t attr;
	struct cvmm_dev_bus *bus;
	int rc;

	if (kind != CVMM_DEV_BUS_PIO && kind != CVMM_DEV_BUS_MMIO)
		return -EINVAL;
	bus = calloc(1, sizeof(*bus));
	if (bus == NULL)
		return -ENOMEM;
	bus->space_last =
	    kind == CVMM_DEV_BUS_PIO ? CVMM_DEV_PIO_LAST : UINT64_MAX;
	/* Neither attribute call can fail in glibc (no allocation, a valid
	 * kind); pthread_rwlock_init reports whatever could. */
	(void)pthread_rwlockattr_init(&attr);
	(void)pthread_rwlockattr_setkind_np(
	    &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = pthread_rwlock_init(&bus->lock, &attr);
	(void)pthread_rwlockattr_destroy(&attr);
	if (rc != 0) {
		free(bus);
		return -rc;
	}
	*out = bus;
	return 0;
}

void cvmm_dev_bus_destroy(struct cvmm_dev_bus *bus)
{
	if (bus == NULL)
		return;
	pthread_rwlock_destroy(&bus->lock);
	free(bus->e);
	free(bus);
}

/* Index of the first entry whose base is above addr (0..n). */
static size_t upper_bound(const struct cvmm_dev_bus *bus, uint64_t addr)
{
	size_t lo = 0, hi = bus->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bus->e[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The entry holding addr, or NULL. */
static const struct entry *lookup(const struct cvmm_dev_bus *bus, uint64_t addr)
{
	size_t i = upper_bound(bus, addr);

	if (i == 0 || bus->e[i - 1].last < addr)
		return NULL;
	return &bus->e[i - 1];
}

static int grow(struct cvmm_dev_bus *bus)
{
	size_t cap = bus->cap ? bus->cap * 2 : 8;
	struct entry *e;

	e = realloc(bus->e, cap * sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	bus->e = e;
	bus->cap = cap;
	return 0;
}

static int insert_locked(struct cvmm_dev_bus *bus, const struct entry *new)
{
	size_t i = upper_bound(bus, new->base);

	/* The neighbours are the only ranges that can overlap. */
	if (i > 0 && bus->e[i - 1].last >= new->base)
		return -EEXIST;
	if (i < bus->n && bus->e[i].base <= new->last)
		return -EEXIST;
	if (bus->n == bus->cap) {
		int rc = grow(bus);

		if (rc != 0)
			return rc;
	}
	memmove(&bus->e[i + 1], &bus->e[i], (bus->n - i) * sizeof(*bus->e));
	bus->e[i] = *new;
	bus->n++;
	return 0;
}

int cvmm_dev_bus_insert(struct cvmm_dev_bus *bus, uint64_t base, uint64_t size,
			const struct cvmm_dev_ops *ops, void *ctx)
{
	struct entry new = {base, 0, ops, ctx};
	int rc;

	if (size == 0 || ops == NULL)
		return -EINVAL;
	if (__builtin_add_overflow(base, size - 1, &new.last))
		return -EOVERFLOW;
	if (new.last > bus->space_last)
		return -ERANGE;
	pthread_rwlock_wrlock(&bus->lock);
	rc = insert_locked(bus, &new);
	pthread_rwlock_unlock(&bus->lock);
	return rc;
}

int cvmm_dev_bus_remove(struct cvmm_dev_bus *bus, uint64_t base)
{
	int rc = -ENOENT;
	size_t i;

	pthread_rwlock_wrlock(&bus->lock);
	i = upper_bound(bus, base);
	if (i > 0 && bus->e[i - 1].base == base) {
		memmove(&bus->e[i - 1], &bus->e[i],
			(bus->n - i) * sizeof(*bus->e));
		bus->n--;
		rc = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return rc;
}

/* Find the entry for an access; 0 or the dispatch errno. */
static int route(const struct cvmm_dev_bus *bus, uint64_t addr, size_t size,
		 const struct entry **out)
{
	const struct entry *e = lookup(bus, addr);

	if (e == NULL)
		return -ENODEV;
	/* addr <= e->last, so the subtraction cannot wrap. */
	if (size - 1 > e->last - addr)
		return -ERANGE;
	*out = e;
	return 0;
}

static bool valid_access(const void *data, size_t size)
{
	return data != NULL && size != 0 && size <= CVMM_DEV_ACCESS_MAX;
}

int cvmm_dev_bus_read(struct cvmm_dev_bus *bus, uint64_t addr, uint8_t *data,
		      size_t size)
{
	const struct entry *e = NULL;
	int rc;

	if (!valid_access(data, size))
		return -EINVAL;
	memset(data, 0xFF, size);
	pthread_rwlock_rdlock(&bus->lock);
	rc = route(bus, addr, size, &e);
	if (rc == 0 && e->ops->read != NULL)
		e->ops->read(e->ctx, e->base, addr - e->base, data, size);
	pthread_rwlock_unlock(&bus->lock);
	if (rc != 0)
		__atomic_fetch_add(&bus->unhandled, 1, __ATOMIC_RELAXED);
	return rc;
}

int cvmm_dev_bus_write(struct cvmm_dev_bus *bus, uint64_t addr,
		       const uint8_t *data, size_t size)
{
	const struct entry *e = NULL;
	int rc;

	if (!valid_access(data, size))
		return -EINVAL;
	pthread_rwlock_rdlock(&bus->lock);
	rc = route(bus, addr, size, &e);
	if (rc == 0 && e->ops->write != NULL)
		e->ops->write(e->ctx, e->base, addr - e->base, data, size);
	pthread_rwlock_unlock(&bus->lock);
	if (rc != 0)
		__atomic_fetch_add(&bus->unhandled, 1, __ATOMIC_RELAXED);
	return rc;
}

static void to_range(const struct entry *e, struct cvmm_dev_range *out)
{
	out->base = e->base;
	/* Cannot wrap: insertion takes size < 2^64, so last - base <
	 * 2^64 - 1. */
	out->size = e->last - e->base + 1;
	out->ops = e->ops;
	out->ctx = e->ctx;
}

int cvmm_dev_bus_find(struct cvmm_dev_bus *bus, uint64_t addr,
		      struct cvmm_dev_range *out)
{
	const struct entry *e;
	int rc = -ENODEV;

	pthread_rwlock_rdlock(&bus->lock);
	e = lookup(bus, addr);
	if (e != NULL) {
		to_range(e, out);
		rc = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return rc;
}

int cvmm_dev_bus_at(struct cvmm_dev_bus *bus, size_t i,
		    struct cvmm_dev_range *out)
{
	int rc = -ENOENT;

	pthread_rwlock_rdlock(&bus->lock);
	if (i < bus->n) {
		to_range(&bus->e[i], out);
		rc = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return rc;
}

size_t cvmm_dev_bus_count(struct cvmm_dev_bus *bus)
{
	size_t n;

	pthread_rwlock_rdlock(&bus->lock);
	n = bus->n;
	pthread_rwlock_unlock(&bus->lock);
	return n;
}

uint64_t cvmm_dev_bus_unhandled(const struct cvmm_dev_bus *bus)
{
	return __atomic_load_n(&bus->unhandled, __ATOMIC_RELAXED);
}

const char *cvmm_dev_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -EINVAL:
		return "invalid argument (empty range, no ops, bad access "
		       "size)";
	case -EOVERFLOW:
		return "range wraps past the top of the address space";
	case -ERANGE:
		return "outside the bus's address space or past a device's end";
	case -EEXIST:
		return "range overlaps a device already on the bus";
	case -ENODEV:
		return "no device at this address";
	case -ENOENT:
		return "no range starts at this address";
	case -ENOMEM:
		return "out of memory";
	default:
		return "bus error";
	}
}
