/* SPDX-License-Identifier: Apache-2.0 */
/* The baseline for fuzz/bench.sh: a target that does nothing, so a real
 * target's speed is read as a ratio against the engine's own overhead. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
