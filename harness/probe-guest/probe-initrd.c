/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Write the initrd the probe guest checks with probe.initrd=1:
 *   "CVMMPROBEINITRD1", u32 size, u32 seed, 8 zero bytes (32 bytes),
 *   then byte i = (i * 131 + seed) & 0xff for i from 32 to size - 1.
 * Usage: probe-initrd FILE SIZE SEED
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	unsigned long size, seed;
	unsigned char *buf;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: probe-initrd FILE SIZE SEED\n");
		return 2;
	}
	size = strtoul(argv[2], NULL, 0);
	seed = strtoul(argv[3], NULL, 0);
	if (size < 32 || size > (64ul << 20) || seed > UINT32_MAX) {
		fprintf(stderr, "probe-initrd: SIZE 32..64 MiB, SEED 32-bit\n");
		return 2;
	}
	buf = calloc(1, size);
	if (!buf) {
		fprintf(stderr, "probe-initrd: out of memory\n");
		return 1;
	}
	memcpy(buf, "CVMMPROBEINITRD1", 16);
	for (int i = 0; i < 4; i++) {
		buf[16 + i] = (unsigned char)(size >> (8 * i));
		buf[20 + i] = (unsigned char)(seed >> (8 * i));
	}
	for (unsigned long i = 32; i < size; i++)
		buf[i] = (unsigned char)(i * 131 + seed);
	f = fopen(argv[1], "wb");
	if (!f || fwrite(buf, 1, size, f) != size || fclose(f) != 0) {
		fprintf(stderr, "probe-initrd: %s: %s\n", argv[1],
			strerror(errno));
		free(buf);
		return 1;
	}
	free(buf);
	return 0;
}
