/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm virtio-queue: the device side of a virtio 1.x virtqueue.
 *
 * The split ring is implemented; the API is ring-format neutral (a queue
 * hands out chains, a chain hands out buffers, a head is given back with
 * the number of bytes written) so the packed ring can be added behind the
 * same calls. Guest memory is reached only through the vm-memory interface
 * (struct cvmm_mem), so any backend works, including memory cut into 1-byte
 * regions.
 *
 * Life of a queue
 *   cvmm_vq_create()   once, with the device's maximum size;
 *   cvmm_vq_enable()   when the driver sets QueueReady: validates the
 *                      layout the driver wrote (size, ring addresses,
 *                      features) and makes the queue ready;
 *   cvmm_vq_pop()      take the next available chain;
 *   cvmm_vq_chain_next()  walk its buffers, each validated as it is read;
 *   cvmm_vq_add_used() give the head back with the byte count written;
 *   cvmm_vq_needs_notification()  whether to interrupt the driver;
 *   cvmm_vq_reset()    device or queue reset: back to "not ready";
 *   cvmm_vq_destroy().
 *
 * Guest protocol violations. Everything the guest controls is validated
 * with checked arithmetic, and each violation class has its own errno. The
 * call that detects one returns it, marks the queue broken and reports it
 * once through the log callback (rate limited, see struct cvmm_vq_config);
 * from then on every queue operation fails with -EIO until
 * cvmm_vq_reset(). Detected while popping or walking a chain:
 *   -ENOSPC      the avail index moved more than the queue size past the
 *                last index the device consumed (or moved backwards);
 *   -ERANGE      a head taken from the avail ring is >= the queue size;
 *   -EBUSY       a head was made available again while still in flight
 *                (popped and not yet returned with cvmm_vq_add_used());
 *   -EBADSLT     a descriptor's next index is >= the queue size (or >= the
 *                number of entries of the indirect table it is in);
 *   -ELOOP       a chain visits more descriptors than the queue size, or
 *                more than its indirect table holds (a loop), or has more
 *                buffers than the queue size (direct and indirect ones
 *                together: a driver must not make a longer chain);
 *   -EOPNOTSUPP  an indirect descriptor, but VIRTIO_F_INDIRECT_DESC was
 *                not negotiated;
 *   -EMLINK      an indirect descriptor inside an indirect table (nested);
 *   -EPROTO      an indirect descriptor with the NEXT flag;
 *   -EBADMSG     an indirect table length of 0 or not a multiple of 16;
 *   -E2BIG       an indirect table of more than CVMM_VQ_MAX_SIZE entries;
 *   -EOVERFLOW   a descriptor's addr + len wraps past 2^64;
 *   -EFAULT      a buffer or indirect table is not wholly guest memory
 *                (crosses a hole or the end of memory);
 *   -EACCES      a device-writable buffer lies in read-only guest memory;
 *   -EMSGSIZE    the chain's total length (readable plus writable bytes)
 *                exceeds 2^32 - 1;
 *   -EILSEQ      a device-readable descriptor after a device-writable one;
 *   -EADDRINUSE  a buffer overlaps an earlier buffer of its chain (so a
 *                chain's bytes never exceed the distinct guest memory it
 *                covers, and a device cannot be made to process the same
 *                bytes twice in one request). Zero-length buffers cover
 *                nothing and overlap nothing.
 * A ring access that the memory backend refuses (memory that was valid at
 * cvmm_vq_enable() but is no longer, or an injected failure) also breaks
 * the queue and returns the backend's errno.
 *
 * Layout errors, from cvmm_vq_enable() and cvmm_vq_restore() (the queue is
 * left as it was, not broken; the transport reports it to the driver):
 *   -EINVAL      size 0, not a power of two, or above the maximum size
 *                (also: an inconsistent saved state, see cvmm_vq_restore);
 *   -EDOM        a ring address is misaligned (descriptor table 16 bytes,
 *                avail ring 2, used ring 4);
 *   -EOVERFLOW   a ring's address + length wraps past 2^64;
 *   -EFAULT      a ring is not wholly guest memory (the event fields
 *                included when VIRTIO_F_EVENT_IDX is negotiated);
 *   -EACCES      the used ring lies in read-only guest memory.
 *
 * Caller errors (the device implementation's, not the guest's: returned,
 * nothing written, the queue is not broken):
 *   -EINVAL      an invalid argument (a bad maximum size at create);
 *   -ENODEV      the queue is not ready;
 *   -EALREADY    cvmm_vq_enable() on a ready queue;
 *   -EIO         the queue is broken (until cvmm_vq_reset());
 *   -ENOENT      cvmm_vq_add_used() of a head that is not in flight;
 *   -ENOBUFS     cvmm_vq_add_used() of more bytes than the chain's
 *                device-writable buffers the device walked hold;
 *   -ESTALE      a chain that is no longer in flight (returned, or the
 *                queue was reset or restored since it was popped), or that
 *                another queue popped;
 *   -ENODATA     cvmm_vq_chain_next() past the end of the chain;
 *   -EXDEV       continuing the walk of a chain after the walk of another
 *                chain of the same queue began (walk one chain at a time;
 *                see cvmm_vq_chain_next());
 *   -EINPROGRESS cvmm_vq_save() while chains are in flight;
 *   -ENOMEM      allocation failed (cvmm_vq_create() only).
 * And -EAGAIN from cvmm_vq_pop() means "no chain available", not an error.
 *
 * Resources. A queue allocates once, at create, in proportion to the
 * maximum size the VMM chooses (32 bytes per entry: a record per head and a
 * node per buffer of the chain being walked); nothing is ever sized
 * by a guest-chosen length and nothing allocates after create. Every loop is
 * bounded by the queue size or an indirect table's entry count.
 *
 * Caching. Unless the config sets CVMM_VQ_CFG_UNCACHED, the queue saves
 * calls through the memory interface on its hot path, in two ways:
 *   - cvmm_vq_enable() translates each ring to a host pointer once
 *     (cvmm_mem_translate) and accesses it directly when the ring lies
 *     inside one region with suitable alignment (otherwise every access to
 *     that ring goes through the interface);
 *   - after a buffer passes its check (cvmm_mem_check), the queue asks the
 *     interface whether the naturally aligned block around it (16 KiB,
 *     doubling up to 1 TiB) is readable and writable memory, and remembers
 *     the largest such block (two at a time); buffers inside a remembered
 *     block need no further call.
 * Both are forgotten at enable, restore and reset. So guest memory must not
 * shrink, move or turn read-only while the queue is ready (reset the queue
 * first), and a backend that tracks dirty pages must count the whole used
 * ring as dirty while the queue is ready, or the VMM sets
 * CVMM_VQ_CFG_UNCACHED. Buffers themselves are never accessed by the
 * queue: the device reads and writes them through the memory interface,
 * which lets a buffer span adjacent regions.
 *
 * Concurrency. A queue is used by one thread at a time; the guest runs
 * concurrently. Each guest field is read once into VMM memory and the copy
 * is validated (no double fetch); the avail index is read with acquire
 * ordering and the used index written with release ordering.
 *
 * Ownership. cvmm_vq_create() allocates the queue; cvmm_vq_destroy() frees
 * it. The queue borrows the struct cvmm_mem handle's backend, which must
 * outlive it. Chains and buffers are plain values owned by the caller; a
 * chain is valid from cvmm_vq_pop() until its head is given to
 * cvmm_vq_add_used() or the queue is reset or restored.
 */
#ifndef CVMM_VIRTQUEUE_H
#define CVMM_VIRTQUEUE_H

#include <cvmm/mem.h>

#include <stdbool.h>
#include <stdint.h>

#define CVMM_VQ_MUST_CHECK __attribute__((warn_unused_result))

/* Largest queue size the virtio 1.x split ring allows. */
#define CVMM_VQ_MAX_SIZE 32768u

/* Feature bits (virtio numbering) that change how the queue behaves. */
#define CVMM_VQ_F_INDIRECT_DESC (UINT64_C(1) << 28)
#define CVMM_VQ_F_EVENT_IDX	(UINT64_C(1) << 29)

/* Split-ring flags (virtio 1.x, section 2.7). */
#define CVMM_VQ_DESC_F_NEXT	     1u
#define CVMM_VQ_DESC_F_WRITE	     2u
#define CVMM_VQ_DESC_F_INDIRECT	     4u
#define CVMM_VQ_AVAIL_F_NO_INTERRUPT 1u
#define CVMM_VQ_USED_F_NO_NOTIFY     1u

/* Size of one split-ring descriptor, and the rings' required alignment. */
#define CVMM_VQ_DESC_SIZE   16u
#define CVMM_VQ_DESC_ALIGN  16u
#define CVMM_VQ_AVAIL_ALIGN 2u
#define CVMM_VQ_USED_ALIGN  4u

/* Bytes of the descriptor table for a queue of `size` entries. */
static inline uint64_t cvmm_vq_desc_bytes(uint32_t size)
{
	return (uint64_t)size * CVMM_VQ_DESC_SIZE;
}

/* Bytes of the avail ring: flags, idx, ring[size], used_event if event_idx. */
static inline uint64_t cvmm_vq_avail_bytes(uint32_t size, bool event_idx)
{
	return 4 + 2 * (uint64_t)size + (event_idx ? 2 : 0);
}

/* Bytes of the used ring: flags, idx, ring[size] (8 bytes each), avail_event
 * if event_idx. */
static inline uint64_t cvmm_vq_used_bytes(uint32_t size, bool event_idx)
{
	return 4 + 8 * (uint64_t)size + (event_idx ? 2 : 0);
}

/*
 * The queue layout the driver writes through the transport. size is 32 bits
 * so a transport can pass its register as is; it is validated.
 */
struct cvmm_vq_layout {
	uint32_t size;
	cvmm_mem_gpa desc;
	cvmm_mem_gpa avail;
	cvmm_mem_gpa used;
	/* Negotiated feature bits; the queue acts on CVMM_VQ_F_INDIRECT_DESC
	 * and CVMM_VQ_F_EVENT_IDX and ignores the others. */
	uint64_t features;
};

/*
 * Log callback: err is the violation's errno, msg a one-line description
 * (valid only during the call) naming the queue index, the violation and
 * the guest values involved. Called from within the queue operation that
 * detected the violation.
 */
typedef void (*cvmm_vq_log_fn)(void *arg, int err, const char *msg);

/* A monotonic clock in nanoseconds, for rate limiting. */
typedef uint64_t (*cvmm_vq_clock_fn)(void *arg);

/* Access rings and check buffers only through the memory interface: no
 * host pointers, no remembered memory ranges (see "Caching" above). */
#define CVMM_VQ_CFG_UNCACHED 1u

struct cvmm_vq_config {
	/* Largest size the driver may choose (QueueNumMax): a power of two
	 * from 1 to CVMM_VQ_MAX_SIZE. */
	uint32_t max_size;
	/* The queue's index in its device, for log messages. */
	uint32_t index;
	/* CVMM_VQ_CFG_* bits. */
	uint32_t flags;
	/* Violation reports, or NULL for none. At most log_burst reports are
	 * made per log_interval_ns (0 means the defaults, 10 per 5 s); a
	 * report after suppressed ones says how many were suppressed. The
	 * limit survives cvmm_vq_reset(), so a guest that breaks, resets and
	 * breaks the queue again cannot flood the log. */
	cvmm_vq_log_fn log;
	void *log_arg;
	uint32_t log_burst;
	uint64_t log_interval_ns;
	/* Clock for the rate limit, or NULL for CLOCK_MONOTONIC. */
	cvmm_vq_clock_fn clock;
	void *clock_arg;
};

struct cvmm_vq;

/*
 * One buffer of a chain: guest memory [addr, addr + len), checked to be
 * guest memory with the access it needs (read, or write if writable). The
 * device accesses it through the memory interface.
 */
struct cvmm_vq_buf {
	cvmm_mem_gpa addr;
	uint32_t len;
	bool writable;
};

/*
 * A chain popped from the queue. head is the id to give back to
 * cvmm_vq_add_used(); count, readable_len and writable_len describe the
 * buffers returned so far by cvmm_vq_chain_next() (final once
 * cvmm_vq_chain_done() is true). priv is the iterator's state: do not touch.
 */
struct cvmm_vq_chain {
	uint16_t head;
	uint32_t count;
	uint32_t readable_len;
	uint32_t writable_len;
	struct {
		const struct cvmm_vq *owner;
		cvmm_mem_gpa table;
		const uint8_t *table_host;
		uint32_t ticket;
		uint32_t table_len;
		uint32_t visited;
		uint16_t next;
		uint16_t state;
	} priv;
};

/*
 * A queue's state for snapshots. Everything else about a queue (its rings)
 * is in guest memory. Save it with cvmm_vq_save(), restore it with
 * cvmm_vq_restore(), which validates every field. The struct has padding,
 * whose bytes C leaves unspecified (they may hold stack bytes): write a
 * snapshot field by field, and compare states the same way, never as raw
 * bytes.
 */
struct cvmm_vq_state {
	bool ready;
	struct cvmm_vq_layout layout;
	/* Next avail index the device will consume; next used index it will
	 * write. */
	uint16_t next_avail;
	uint16_t next_used;
	/* EVENT_IDX bookkeeping: the used index at the last notification
	 * decision, and whether there was one. */
	uint16_t signalled_used;
	bool signalled_used_valid;
};

/*
 * Create a queue, not ready, that reads guest memory through *mem (copied;
 * its backend is borrowed and must outlive the queue). -EINVAL for a bad
 * config->max_size, -ENOMEM if allocation fails; *out is set only on
 * success.
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_create(const struct cvmm_mem *mem,
				      const struct cvmm_vq_config *config,
				      struct cvmm_vq **out);

/* Free a queue (NULL is allowed). Guest memory is not touched. */
void cvmm_vq_destroy(struct cvmm_vq *vq);

/*
 * Validate the driver's layout and make the queue ready, with both ring
 * indices at 0 and nothing in flight. Layout errors (see the top of this
 * file) leave the queue not ready. Reads and writes no guest memory.
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_enable(struct cvmm_vq *vq,
				      const struct cvmm_vq_layout *layout);

/*
 * Reset: the queue becomes not ready and not broken, forgets its layout,
 * indices and chains in flight (their chains become stale), and keeps its
 * configuration and log rate limit. Touches no guest memory.
 */
void cvmm_vq_reset(struct cvmm_vq *vq);

/* True once cvmm_vq_enable() or cvmm_vq_restore() made it ready. */
bool cvmm_vq_is_ready(const struct cvmm_vq *vq);

/* True after a violation, until cvmm_vq_reset(). */
bool cvmm_vq_is_broken(const struct cvmm_vq *vq);

/* The errno of the violation that broke the queue, or 0. */
int cvmm_vq_broken_error(const struct cvmm_vq *vq);

/* The size the driver chose (0 when not ready), and the maximum size. */
uint32_t cvmm_vq_size(const struct cvmm_vq *vq);
uint32_t cvmm_vq_max_size(const struct cvmm_vq *vq);

/* Number of chains popped and not yet returned. */
uint32_t cvmm_vq_inflight(const struct cvmm_vq *vq);

/*
 * Take the next available chain: reads the avail index (acquire) when the
 * chains seen last time are used up, and the head from the avail ring,
 * validates both and marks the head in flight. Fills *chain (untouched on
 * failure). -EAGAIN when no chain is available; violations and caller
 * errors as listed at the top of this file. The chain's descriptors are
 * read by cvmm_vq_chain_next().
 *
 * A pop that finds the ring empty first asks the driver for a notification
 * (what cvmm_vq_enable_notification() does: avail_event = the next chain
 * with VIRTIO_F_EVENT_IDX, else VRING_USED_F_NO_NOTIFY cleared) and reads
 * the avail index again: so -EAGAIN always means "the driver will notify
 * when it adds a chain", and a device may simply wait for the next
 * notification (virtio 2.7.10: without this, a driver with EVENT_IDX would
 * stop notifying after the first request).
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_pop(struct cvmm_vq *vq,
				   struct cvmm_vq_chain *chain);

/*
 * Read and validate the chain's next descriptor and store its buffer in
 * *buf (untouched on failure). Follows an indirect descriptor into its
 * table. -ENODATA after the last buffer; -ESTALE for a chain no longer in
 * flight; violations as listed at the top of this file.
 *
 * A queue walks one chain at a time: it keeps the buffers of the chain
 * being walked to refuse overlapping ones. The first cvmm_vq_chain_next()
 * or cvmm_vq_chain_collect() on a chain begins its walk, and from then on
 * the walk of any other chain popped from the queue can no longer continue
 * (-EXDEV; that chain can still be returned with cvmm_vq_add_used()). Many
 * chains may be in flight; only their walks may not interleave.
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_chain_next(struct cvmm_vq *vq,
					  struct cvmm_vq_chain *chain,
					  struct cvmm_vq_buf *buf);

/*
 * Walk up to max buffers of the chain into bufs[0..*n) in one call, with
 * exactly the validation of cvmm_vq_chain_next(). Returns 0 when it stopped
 * at the end of the chain or after max buffers (call again for the rest);
 * on a violation its errno, with *n the buffers validated before it.
 * -ENODATA if the chain was already done; -ESTALE as for chain_next.
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_chain_collect(struct cvmm_vq *vq,
					     struct cvmm_vq_chain *chain,
					     struct cvmm_vq_buf *bufs,
					     uint32_t max, uint32_t *n);

/* chain->priv.state bit: the last buffer has been returned. */
#define CVMM_VQ__CHAIN_DONE 1u

/* True when the chain's last buffer has been returned (by
 * cvmm_vq_chain_next() or cvmm_vq_chain_collect()). */
static inline bool cvmm_vq_chain_done(const struct cvmm_vq_chain *chain)
{
	return (chain->priv.state & CVMM_VQ__CHAIN_DONE) != 0;
}

/*
 * Return head to the driver with len bytes written into its writable
 * buffers: writes the used ring entry, then the used index (release).
 * -ENOENT if head is not in flight; -ENOBUFS if len exceeds the writable
 * bytes of the chain's buffers the device has walked (so a device can
 * never claim to have written more than the guest gave it).
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_add_used(struct cvmm_vq *vq, uint16_t head,
					uint32_t len);

/*
 * Whether the driver must be interrupted for the used entries added since
 * the previous call: with VIRTIO_F_EVENT_IDX, if the used index crossed the
 * driver's used_event; otherwise, unless the driver set
 * VRING_AVAIL_F_NO_INTERRUPT. false when nothing was added since the last
 * call. The first call after enable or restore with EVENT_IDX always says
 * yes if something was added. Call after cvmm_vq_add_used().
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_needs_notification(struct cvmm_vq *vq,
						  bool *notify);

/*
 * Ask the driver to notify the device of new chains (clear
 * VRING_USED_F_NO_NOTIFY, or with EVENT_IDX set avail_event to the next
 * index to consume), then re-read the avail index and set *pending if
 * chains arrived meanwhile: the caller must then pop again, or it may miss
 * them.
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_enable_notification(struct cvmm_vq *vq,
						   bool *pending);

/*
 * Tell the driver notifications are not needed while the device is
 * processing (set VRING_USED_F_NO_NOTIFY; with EVENT_IDX nothing is
 * written: avail_event simply stays behind).
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_disable_notification(struct cvmm_vq *vq);

/*
 * Save the queue's state. -EINPROGRESS while chains are in flight (complete
 * them first); -EIO if the queue is broken. A queue that is not ready saves
 * as ready = false and every other field zero.
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_save(const struct cvmm_vq *vq,
				    struct cvmm_vq_state *state);

/*
 * Restore a saved state, validating all of it first: the layout exactly as
 * cvmm_vq_enable() does (so a size of 0 never reaches ring arithmetic), and
 * -EINVAL if next_used differs from next_avail (a saved queue has nothing
 * in flight) or if a not-ready state has a non-zero field. On success the
 * queue is as if reset and then restored; on failure it is unchanged.
 */
CVMM_VQ_MUST_CHECK int cvmm_vq_restore(struct cvmm_vq *vq,
				       const struct cvmm_vq_state *state);

/* A static description of err (an errno returned by this component). */
const char *cvmm_vq_strerror(int err);

#endif
