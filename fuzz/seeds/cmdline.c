/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds for the cmdline target, written with the encoder that mirrors
 * fuzz/cmdline.c's decoder: the unit tests' lines (quoting, init arguments
 * before and after parameters, "--" and "\"--\"", exact capacities, every
 * refusal) and the kernel's usual cmdline_size values.
 *
 *   fuzz-seeds-cmdline OUT_DIR
 */
#include <string.h>

#include "fuzz-input.h"
#include "seeds.h"

/* Operations, as fuzz/cmdline.c decodes them (low 3 bits of a u8). */
enum { ADD, FLAG, INIT_ARG, APPEND, REINIT };
#define NULL_ERR 8u

static void capacity_small(struct cvmm_fo *o, uint64_t cap)
{
	if (cap >= 1 && cap <= 64) {
		cvmm_fo_range(o, 0, 3, 0);
		cvmm_fo_range(o, 1, 64, cap);
	} else {
		cvmm_fo_range(o, 0, 3, 3);
		cvmm_fo_range(o, 1, 512, cap);
	}
}

/* One of {255, 256, 2047, 2048, 4096, 1}. */
static void capacity_usual(struct cvmm_fo *o, unsigned idx)
{
	cvmm_fo_range(o, 0, 3, 1);
	cvmm_fo_range(o, 0, 5, idx);
}

static void capacity_any(struct cvmm_fo *o, uint64_t cap)
{
	cvmm_fo_range(o, 0, 3, 2);
	cvmm_fo_range(o, 0, (1u << 20) + 1, cap);
}

static void str(struct cvmm_fo *o, const char *s)
{
	cvmm_fo_bytes(o, s, strlen(s));
	cvmm_fo_u8(o, 0);
}

static void add(struct cvmm_fo *o, const char *k, const char *v)
{
	cvmm_fo_u8(o, ADD);
	str(o, k);
	str(o, v);
}

static void op1(struct cvmm_fo *o, unsigned op, const char *s)
{
	cvmm_fo_u8(o, (uint8_t)op);
	str(o, s);
}

int main(int argc, char **argv)
{
	/* Lines given whole to append(), one seed each, capacity 100. */
	static const char *const texts[] = {
	    "  console=ttyS0  a=\"x y\" \"b=c d\" -- init  \"two w\"  ",
	    "quiet -- more",
	    "\"--\" x",
	    "a=\"b c",
	    "a -- b -- c",
	    "a\nb",
	    "root=/dev/vda1 ro console=ttyS0,115200n8 reboot=t panic=-1 -- "
	    "-s single",
	    "\"\" =x x= \"a\"b a\"b c\" --",
	    "-- -- x",
	    "k=\"v w\"x \"k2=v\" \"--",
	    "acpi=off noapic pci=off i8042.noaux=1 virtio_mmio.device=4K@"
	    "0xd0000000:5",
	};
	uint8_t buf[1024];
	struct cvmm_fo o;
	struct seeds s;

	if (seeds_open(&s, argc, argv) != 0)
		return 1;

	/* test_build: parameters, quoting, init arguments, then more
	 * parameters that go before the " -- ". */
	cvmm_fo_init(&o, buf, sizeof(buf));
	capacity_small(&o, 200);
	add(&o, "console", "ttyS0");
	op1(&o, FLAG, "quiet");
	add(&o, "dyndbg", "file a.c +p");
	add(&o, "empty", "");
	op1(&o, INIT_ARG, "single");
	op1(&o, INIT_ARG, "two words");
	add(&o, "root", "/dev/vda");
	op1(&o, INIT_ARG, "a=b c");
	seeds_write(&s, "build", 0, &o);

	/* Init arguments first, on an empty line. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	capacity_small(&o, 200);
	op1(&o, INIT_ARG, "x");
	op1(&o, FLAG, "q");
	add(&o, "a.b", "1");
	op1(&o, FLAG | NULL_ERR, "z");
	op1(&o, APPEND, "y -- w");
	seeds_write(&s, "init-first", 0, &o);

	/* test_refused: every refusal, then one accepted word. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	capacity_small(&o, 64);
	add(&o, "", "x");
	add(&o, "a=b", "x");
	add(&o, "a b", "x");
	op1(&o, FLAG, "\"q");
	op1(&o, FLAG, "--");
	add(&o, "k", "say \"hi\"");
	add(&o, "k", "a\tb");
	add(&o, "k\x7f", "v");
	add(&o, "k", "\xc3\xa9");
	op1(&o, INIT_ARG, "");
	op1(&o, INIT_ARG, "--");
	op1(&o, INIT_ARG, "a\"b");
	op1(&o, FLAG, "ok");
	seeds_write(&s, "refused", 0, &o);

	/* test_capacity: exactly full, one over, quotes counted. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	capacity_small(&o, 16);
	add(&o, "abc", "defgh");
	add(&o, "x", "12345");
	add(&o, "x", "1234");
	op1(&o, FLAG, "y");
	op1(&o, INIT_ARG, "y");
	cvmm_fo_u8(&o, REINIT);
	capacity_small(&o, 7);
	add(&o, "k", "a b c");
	add(&o, "k", "a b");
	seeds_write(&s, "capacity", 0, &o);

	/* All or nothing when appended text does not fit. */
	cvmm_fo_init(&o, buf, sizeof(buf));
	capacity_small(&o, 30);
	op1(&o, APPEND, "\"--\" x");
	op1(&o, APPEND, "aaaaaaaa bbbbbbbb cccccccc");
	op1(&o, APPEND, "aaaaaaaa bbbbbbbb cccccc");
	seeds_write(&s, "append-full", 0, &o);

	for (unsigned i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		cvmm_fo_init(&o, buf, sizeof(buf));
		capacity_small(&o, 100);
		op1(&o, APPEND, texts[i]);
		op1(&o, APPEND, "quiet -- more");
		add(&o, "k", "v w");
		seeds_write(&s, "append", i, &o);
	}

	/* The kernel's usual sizes and the refused capacities. */
	for (unsigned i = 0; i < 6; i++) {
		cvmm_fo_init(&o, buf, sizeof(buf));
		capacity_usual(&o, i);
		add(&o, "console", "ttyS0");
		op1(&o, APPEND, "reboot=t -- init");
		seeds_write(&s, "usual", i, &o);
	}
	cvmm_fo_init(&o, buf, sizeof(buf));
	capacity_any(&o, 0);
	op1(&o, FLAG, "lost");
	cvmm_fo_u8(&o, REINIT);
	capacity_any(&o, (1u << 20) + 1);
	cvmm_fo_u8(&o, REINIT | NULL_ERR);
	capacity_any(&o, 1u << 20);
	op1(&o, FLAG, "x");
	seeds_write(&s, "bad-capacity", 0, &o);
	return seeds_close(&s);
}
