/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-devices unit suite. argv[1] chooses the guest memory every
 * test uses: "granule-1" cuts it into 1-byte regions, "granule-0" makes
 * each range one region. The suite must pass identically on both.
 */
#include "fixture.h"

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc != 2 || (strcmp(argv[1], "granule-0") != 0 &&
			  strcmp(argv[1], "granule-1") != 0)) {
		fprintf(stderr, "usage: %s granule-0|granule-1\n", argv[0]);
		return 2;
	}
	fx_granule = argv[1][8] == '1' ? 1 : 0;
	failed += run_mmio_tests();
	failed += run_rng_tests();
	failed += run_console_tests();
	failed += run_conformance_tests();
	failed += run_random_tests();
	failed += run_block_tests();
	failed += run_net_tests();
	return failed != 0;
}
