#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 10: the component's benchmarks run in the release build, and every
# ratio they print (checked path against a baseline from the same run) is
# within the limit its manifest sets under bench-limits. A ratio without a
# limit fails too: every figure a benchmark prints is a promise.
source "$(dirname "$0")/common.sh"
dir=$(preset_dir release)
build_preset release "check-$c" >/dev/null || die "release build failed"
mapfile -t bins < <(find "$dir/components/$c" -type f -perm -u+x -name "bench-$c-*" 2>/dev/null | sort)
figure benchmarks "${#bins[@]}"
[ ${#bins[@]} -gt 0 ] || exit 0
declare -A limit
for l in ${CVMM_BENCH_LIMITS:-}; do limit[${l%%:*}]=${l#*:}; done
bad=0
for b in "${bins[@]}"; do
	out=$("$b" 2>&1)
	rc=$?
	if [ $rc -eq 77 ]; then
		printf '%s\n' "$out"
		skip "$(basename "$b") cannot run here (reason above)"
	fi
	[ $rc -eq 0 ] || { printf '%s\n' "$out"; die "$(basename "$b") failed"; }
	printf '%s\n' "$out"
	while IFS= read -r line; do
		name=$(sed -E 's/^bench ([^:]+):.*/\1/' <<<"$line")
		ratio=$(sed -E 's/.*ratio ([0-9.]+).*/\1/' <<<"$line")
		figure "ratio.$name" "$ratio"
		max=${limit[$name]:-}
		if [ -z "$max" ]; then
			echo "benchmark '$name' has no limit: add '$name:<max>' to bench-limits in $cdir/manifest.conf"
			bad=$((bad + 1))
		elif awk -v r="$ratio" -v m="$max" 'BEGIN { exit !(r + 0 > m + 0) }'; then
			echo "benchmark '$name': ratio $ratio is past its limit $max"
			bad=$((bad + 1))
		fi
	done < <(grep -E '^bench [^:]+: .*ratio [0-9.]+' <<<"$out")
done
[ $bad -eq 0 ] || die "$bad benchmark ratio(s) out of bounds"
