#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 3: the component's unit, integration, conformance, docs and fuzz-replay
# tests pass under a preset.  ci/steps/tests.sh PRESET
source "$(dirname "$0")/common.sh"
dir=$(preset_dir "${1:?preset}")
[ -f "$dir/CTestTestfile.cmake" ] ||
	die "no $1 build in $dir: run its build step first (--steps build-...,tests...)"
out=$(ctest --test-dir "$dir" -j "$jobs" -L "^$c\$" -LE '^(boot|fuzz-build)$' \
	--output-on-failure --no-tests=error 2>&1)
rc=$?
printf '%s\n' "$out" | grep -vE '^ +Start |^[0-9]+/[0-9]+ Test .*Passed' | tail -n 200
line=$(printf '%s\n' "$out" | grep -E 'tests passed, [0-9]+ tests? failed out of' | tail -n1)
figure tests "$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")"
[ $rc -eq 0 ] || die "tests failed under preset $1"
