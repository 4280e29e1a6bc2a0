#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite: installs what it needs, then builds and runs every
# ctest test under the `default` preset (gcc), under `asan-ubsan` (clang with
# AddressSanitizer, UBSan and, for guest-data components, the integer
# checks) and under `valgrind` (memcheck on every test). Then, if any
# component is published, the gate re-runs the whole bar on it.
#
#   ci/test.sh [PRESET...]     default: default asan-ubsan valgrind
#
# Ends with "total: N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
ci_operands_only "$0" "$@"

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

# Published components must still pass the whole bar at this commit.
gate=$ci_root/build/default/harness/gate/gate
if [ -x "$gate" ]; then
	mapfile -t published < <(cd "$ci_root" && "$gate" list | awk '$3 == "published" { print $1 }')
	if [ ${#published[@]} -gt 0 ]; then
		echo "== gate over published components: ${published[*]}"
		if (cd "$ci_root" && "$gate" "${published[@]}"); then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			broken+=("gate(published)")
		fi
	fi
fi

echo
if [ ${#broken[@]} -gt 0 ]; then
	echo "failing: ${broken[*]}"
fi
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
