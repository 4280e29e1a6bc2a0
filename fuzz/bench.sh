#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fuzzing benchmark (libFuzzer build), per target:
#   - execs/s over EXEC_SECONDS (default 20), beside the empty target's
#     execs/s from the same run, as a ratio (empty / target);
#   - the seconds the target needs to reach 90% of the edge coverage it
#     reaches in COVER_SECONDS (default 300), starting from its seeds.
#
#   fuzz/bench.sh [--exec-seconds N] [--cover-seconds N] [TARGET...]
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
exec_s=20 cover_s=300 targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--exec-seconds) exec_s=$2; shift 2 ;;
	--cover-seconds) cover_s=$2; shift 2 ;;
	-h | --help) sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(
	sed -n 's/^cvmm_fuzz_target(NAME \([a-z0-9-]*\).*/\1/p' "$root/fuzz/CMakeLists.txt")
cmake --preset fuzz-libfuzzer -S "$root" >/dev/null &&
	cmake --build --preset fuzz-libfuzzer -j "$(nproc)" >/dev/null ||
	{ echo "bench: building fuzz-libfuzzer failed" >&2; exit 1; }
bin=$root/build/fuzz-libfuzzer/fuzz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# execs/s of a target over exec_s seconds, starting from its seeds.
execs() { # name
	local corpus=$tmp/exec-$1
	mkdir -p "$corpus"
	[ -d "$root/corpora/$1/seeds" ] && cp "$root/corpora/$1/seeds"/* "$corpus/"
	"$bin/fuzz-$1" "$corpus" -max_total_time="$exec_s" -print_final_stats=1 \
		-rss_limit_mb=2048 2>&1 | sed -n 's/^stat::average_exec_per_sec: *//p'
}

# Seconds to reach 90% of the edges reached in cover_s seconds.
time_to_90() { # name
	local corpus=$tmp/cover-$1 start
	mkdir -p "$corpus"
	cp "$root/corpora/$1/seeds"/* "$corpus/"
	start=$EPOCHREALTIME
	"$bin/fuzz-$1" "$corpus" -max_total_time="$cover_s" -rss_limit_mb=2048 2>&1 |
		while IFS= read -r line; do
			[[ $line =~ cov:\ ([0-9]+) ]] &&
				echo "$(echo "$EPOCHREALTIME - $start" | bc) ${BASH_REMATCH[1]}"
		done >"$tmp/$1.cov"
	awk '{ t[NR] = $1; c[NR] = $2; if ($2 > max) max = $2 }
	     END { for (i = 1; i <= NR; i++) if (c[i] >= 0.9 * max) {
	             printf "%.1f %d\n", t[i], max; exit } }' "$tmp/$1.cov"
}

empty=$(execs empty)
printf '%-20s %12s %12s %8s %10s %12s\n' target execs/s empty-execs/s ratio edges "t90%-edges"
for t in "${targets[@]}"; do
	e=$(execs "$t")
	read -r t90 edges < <(time_to_90 "$t")
	ratio=$(awk -v a="$empty" -v b="$e" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
	printf '%-20s %12s %12s %8s %10s %11ss\n' "$t" "$e" "$empty" "$ratio" "${edges:-0}" "${t90:-?}"
	echo "bench fuzz.$t: $e execs/s vs baseline $empty execs/s: ratio $ratio"
done
