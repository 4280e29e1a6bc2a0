#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite: installs what it needs, then builds and runs every
# ctest test under the `default` preset (gcc), under `asan-ubsan` (clang with
# AddressSanitizer, UBSan and, for guest-data components, the integer
# checks) and under `valgrind` (memcheck on every test).
#
#   ci/test.sh [PRESET...]     default: default asan-ubsan valgrind
#
# Ends with "total: N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

"$ci_root/ci/install-deps.sh" || exit 1
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(default asan-ubsan valgrind)

passed=0 failed=0 broken=()
for preset in "${presets[@]}"; do
	if ! ci_build "$preset"; then
		broken+=("$preset(build)")
		failed=$((failed + 1))
		continue
	fi
	echo "== test $preset"
	ci_ctest "$preset"
	passed=$((passed + ci_passed)) failed=$((failed + ci_failed))
	[ "$ci_failed" -eq 0 ] || broken+=("$preset")
done

echo
if [ ${#broken[@]} -gt 0 ]; then
	echo "failing: ${broken[*]}"
fi
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
