/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A watch on guest memory: an observer for the vm-memory test backend
 * (cvmm/mem-test.h) that logs the accesses code under test makes, so a test
 * or fuzz target can check afterwards what was touched:
 *   - the hull of everything written (a loader wrote only inside the range
 *     it reported);
 *   - whether every write lies inside a set of allowed ranges;
 *   - whether any guest byte was read twice (a double fetch: a device that
 *     reads a field twice can be given two different values by the guest).
 * A write translation (cvmm_mem_translate) counts as a write, since the
 * host pointer it hands out may be written; a read translation is not
 * logged as a read, so code that reads through host pointers is checked
 * for its writes only.
 *
 * Ownership: cvmm_mw_init() allocates the log (cap entries), cvmm_mw_fini()
 * frees it. A watch is attached to one test backend at a time; the backend
 * must outlive the attachment.
 */
#ifndef CVMM_HARNESS_MEM_WATCH_H
#define CVMM_HARNESS_MEM_WATCH_H

#include <cvmm/mem-test.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One logged access: [gpa, gpa + len), a read or a write. */
struct cvmm_mw_access {
	uint64_t gpa;
	uint64_t len;
	bool write;
};

/* A guest range [start, end). */
struct cvmm_mw_range {
	uint64_t start;
	uint64_t end;
};

struct cvmm_mw {
	/* Writes (and write translations) seen, and their hull [lo, hi);
	 * lo = UINT64_MAX, hi = 0 while there is none. */
	uint64_t writes;
	uint64_t lo;
	uint64_t hi;
	/* The log: the first cap non-empty reads and writes; overflow is set
	 * once one more did not fit (the log checks below then fail closed,
	 * so a watch made with cap 0 answers only writes, lo and hi). */
	struct cvmm_mw_access *log;
	size_t n;
	size_t cap;
	bool overflow;
};

/* Set up an empty watch whose log holds cap accesses (0: the counters and
 * the hull only). -ENOMEM if the log cannot be allocated. */
int cvmm_mw_init(struct cvmm_mw *w, size_t cap);

/* Free the log. */
void cvmm_mw_fini(struct cvmm_mw *w);

/* Forget every access (keeps the log's capacity). */
void cvmm_mw_clear(struct cvmm_mw *w);

/* Start and stop watching tm's accesses. */
void cvmm_mw_attach(struct cvmm_mw *w, struct cvmm_mem_test *tm);
void cvmm_mw_detach(struct cvmm_mem_test *tm);

/* The observer itself (arg is the struct cvmm_mw), for a caller that
 * installs observers its own way. Empty accesses are ignored. */
void cvmm_mw_observe(void *arg, enum cvmm_mem_test_op op, cvmm_mem_gpa gpa,
		     uint64_t len, int result);

/* True if every logged write lies inside one of ranges[0..n); false too if
 * the log overflowed. */
bool cvmm_mw_writes_inside(const struct cvmm_mw *w,
			   const struct cvmm_mw_range *ranges, size_t n);

/*
 * True if some guest byte was read by two logged reads, with the start of
 * the second read in *gpa. Fails closed: true with *gpa UINT64_MAX if the
 * log overflowed or the copy it sorts cannot be allocated.
 */
bool cvmm_mw_read_twice(const struct cvmm_mw *w, uint64_t *gpa);

#endif
