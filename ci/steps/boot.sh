#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 4: guest-boot tests pass; a skipped boot test makes the step SKIP
# (which blocks publishing but not a pull request).
source "$(dirname "$0")/common.sh"
dir=$(preset_dir default)
n=$(ctest --test-dir "$dir" -N -L "^$c\$" -L '^boot$' | sed -nE 's/^Total Tests: ([0-9]+)/\1/p')
if [ "${n:-0}" -eq 0 ]; then
	figure boot-tests 0
	exit 0
fi
out=$(ctest --test-dir "$dir" -L "^$c\$" -L '^boot$' --output-on-failure 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 60
figure boot-tests "$n"
[ $rc -eq 0 ] || die "boot tests failed"
if grep -q 'Skipped' <<<"$out"; then
	skip "$(grep -c '\*\*\*Skipped' <<<"$out") boot test(s) skipped (reasons above)"
fi
