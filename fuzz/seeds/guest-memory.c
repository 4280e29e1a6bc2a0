/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the guest-memory target, written with the encoder that mirrors
 * the target's decoder: the layouts the unit tests use (adjacent regions,
 * holes, read-only memory, 1-byte regions, the top of the address space)
 * with the operations that matter at their edges.
 *
 *   fuzz-seeds-guest-memory OUT_DIR
 */
#include <stdio.h>

#include "fuzz-input.h"
#include "seeds.h"

/* Operation numbers, as fuzz/guest-memory.c's run_op decodes them. */
enum { READ, WRITE, CHECK, TRANSLATE, READ_OBJ, WRITE_OBJ, ARM, CALLER, COUNT };

struct region {
	uint64_t gap, size;
	bool ro;
};

static void layout(struct cvmm_fo *o, bool top, unsigned granule_index,
		   const struct region *r, unsigned n, uint64_t base)
{
	cvmm_fo_u8(o, top ? 1 : 0);
	cvmm_fo_range(o, 1, 8, n);
	cvmm_fo_range(o, 0, 5, granule_index);
	for (unsigned i = 0; i < n; i++) {
		cvmm_fo_range(o, 0, 64, r[i].gap);
		cvmm_fo_range(o, 1, 512, r[i].size);
		cvmm_fo_bool(o, r[i].ro);
	}
	cvmm_fo_range(o, 0, 4096, base);
}

/* gpa chosen as "region i, offset off" (pick_gpa mode 0). */
static void at(struct cvmm_fo *o, unsigned n, unsigned i, uint64_t size,
	       uint64_t off)
{
	cvmm_fo_range(o, 0, 3, 0);
	cvmm_fo_range(o, 0, n - 1, i);
	cvmm_fo_range(o, 0, size, off);
}

static void len(struct cvmm_fo *o, uint64_t l)
{
	cvmm_fo_bool(o, false);
	cvmm_fo_range(o, 0, 1100, l);
}

int main(int argc, char **argv)
{
	static const struct region two_adjacent_and_hole[] = {
	    {0, 256, false}, {0, 256, false}, {32, 128, true}};
	static const struct region one[] = {{0, 512, false}};
	uint8_t buf[512];
	struct cvmm_fo o;
	struct seeds s;

	if (seeds_open(&s, argc, argv) != 0)
		return 1;

	/* Writes and reads across two adjacent regions, into the hole. */
	for (unsigned g = 0; g < 6; g++) {
		cvmm_fo_init(&o, buf, sizeof(buf));
		layout(&o, false, g, two_adjacent_and_hole, 3, 0);
		cvmm_fo_range(&o, 0, 8, WRITE);
		at(&o, 3, 0, 256, 250);
		len(&o, 12);
		cvmm_fo_u8(&o, 7);
		cvmm_fo_range(&o, 0, 8, READ);
		at(&o, 3, 1, 256, 250);
		len(&o, 40);
		cvmm_fo_range(&o, 0, 8, TRANSLATE);
		at(&o, 3, 0, 256, 252);
		len(&o, 8);
		cvmm_fo_range(&o, 1, 3, 3);
		cvmm_fo_range(&o, 0, 8, WRITE_OBJ);
		cvmm_fo_range(&o, 0, 5, 3);
		at(&o, 3, 2, 128, 0);
		cvmm_fo_u64(&o, 0x1122334455667788);
		cvmm_fo_range(&o, 0, 8, CHECK);
		at(&o, 3, 1, 256, 256);
		cvmm_fo_bool(&o, false);
		len(&o, 1);
		cvmm_fo_range(&o, 0, 4, 1);
		seeds_write(&s, "adjacent-hole-granule", g, &o);
	}

	/* The top of the address space: wrap-around at every width. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	layout(&o, true, 0, one, 1, 0);
	for (unsigned k = 0; k < 6; k++) {
		cvmm_fo_range(&o, 0, 8, READ_OBJ);
		cvmm_fo_range(&o, 0, 5, k);
		cvmm_fo_range(&o, 0, 3, 2);
		cvmm_fo_range(&o, 0, 64, k);
	}
	cvmm_fo_range(&o, 0, 8, CHECK);
	at(&o, 1, 0, 512, 0);
	cvmm_fo_bool(&o, true);
	cvmm_fo_u64(&o, UINT64_MAX);
	cvmm_fo_range(&o, 0, 4, 1);
	seeds_write(&s, "top-of-address-space", 0, &o);

	/* Fault injection on each of the next operations. */
	for (unsigned nth = 1; nth <= 3; nth++) {
		cvmm_fo_init(&o, buf, sizeof(buf));
		layout(&o, false, 1, one, 1, 4096);
		cvmm_fo_range(&o, 0, 8, ARM);
		cvmm_fo_range(&o, 0, 3, nth);
		for (unsigned k = 0; k < 3; k++) {
			cvmm_fo_range(&o, 0, 8, WRITE);
			at(&o, 1, 0, 512, 100 * k);
			len(&o, 30);
			cvmm_fo_u8(&o, (uint8_t)k);
		}
		cvmm_fo_range(&o, 0, 8, CALLER);
		at(&o, 1, 0, 512, 0);
		cvmm_fo_range(&o, 1, 8, 4);
		cvmm_fo_range(&o, 0, 8, COUNT);
		seeds_write(&s, "fail-nth", nth, &o);
	}
	return seeds_close(&s);
}
