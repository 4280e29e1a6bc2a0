#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fuzzing campaigns: run one target or all of them for a given time with
# libFuzzer or AFL++, keep fuzzing past crashes, dedupe crashes by stack,
# merge and minimize the corpus back into corpora/<target>/corpus, and print
# a summary (execs/s, edges, new corpus files, unique crashes).
#
#   fuzz/campaign.sh [--engine libfuzzer|afl] [--time SECONDS] [--jobs N]
#                    [--no-merge] [--no-build] [TARGET...]
#
# Defaults: libfuzzer, 600 s per target, 2 parallel instances, every target
# the manifests list. A device registered with cvmm_vdev_conformance()
# without COMPONENT (harness/vdev-conformance/example: vdev-echo) is named
# the same way; its seeds are the ones the default build writes. Work happens in build/campaign/<engine>/<target>/;
# unique crashes land in build/campaign/<engine>/<target>/unique-crashes/
# with their stack signature, ready to be copied to corpora/<target>/crashes
# once fixed.
#
# Why restart loops: a libFuzzer process stops at its first crash, and a
# shallow crash found in 0.1 s would otherwise hide every deeper one for the
# rest of the campaign. Each instance restarts on the grown corpus until the
# time is up; AFL++ keeps going by itself.
#
# Limits that make work amplification visible: -timeout (per input),
# -rss_limit_mb and -malloc_limit_mb for libFuzzer; -t and the
# AFL_* memory settings for AFL++.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
engine=libfuzzer seconds=600 jobs=2 merge=1 do_build=1 targets=()
timeout_s=5 rss_mb=2048
while [ $# -gt 0 ]; do
	case $1 in
	--engine) engine=$2; shift 2 ;;
	--time) seconds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--no-merge) merge=0; shift ;;
	--no-build) do_build=0; shift ;; # when campaigns run side by side
	-h | --help) sed -n '3,25p' "$0"; exit 0 ;;
	-*) echo "campaign: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
case $engine in libfuzzer | afl) ;; *)
	echo "campaign: --engine must be libfuzzer or afl" >&2; exit 2 ;;
esac
[[ $seconds =~ ^[0-9]+$ && $jobs =~ ^[1-9][0-9]*$ ]] || {
	echo "campaign: --time and --jobs take positive integers" >&2; exit 2; }

build() { # preset
	[ "$do_build" -eq 1 ] || return 0
	cmake --preset "$1" -S "$root" >/dev/null &&
		cmake --build --preset "$1" -j "$(nproc)" >/dev/null ||
		{ echo "campaign: building preset $1 failed" >&2; exit 1; }
}
build default # for the manifest tool and the replay binaries
if [ ${#targets[@]} -eq 0 ]; then
	mapfile -t targets < <(sed -n 's/^cvmm_fuzz_target(NAME \([a-z0-9-]*\).*/\1/p' \
		"$root/fuzz/CMakeLists.txt")
fi
if [ "$engine" = libfuzzer ]; then
	build fuzz-libfuzzer
	preset=fuzz-libfuzzer
else
	build fuzz-libfuzzer # crash triage and corpus merging
	build fuzz-afl
	build fuzz-afl-cmplog
	preset=fuzz-afl
fi

# A target's program in a preset's build: fuzz/fuzz-<t>, or for a device
# registered with the conformance suite, fuzz-<t> where its CMake line is.
target_bin() { # preset target
	local f=$root/build/$1/fuzz/fuzz-$2
	[ -x "$f" ] || f=$(find "$root/build/$1/harness" -type f -name "fuzz-$2" 2>/dev/null | head -n 1)
	echo "${f:-$root/build/$1/fuzz/fuzz-$2}"
}

# Stack signature of a crash: the first three frames in project code.
signature() { # log
	grep -E '^ +#[0-9]+ 0x[0-9a-f]+ in ' "$1" |
		grep -vE 'libFuzzer|compiler-rt|/usr/|LLVMFuzzerTestOneInput|abort|__sanitizer' |
		sed -E 's/.* in ([^ ]+) ([^ ]*).*/\1 \2/; s/:[0-9]+$//' |
		head -n 3 | tr '\n' ' ' | md5sum | cut -c1-12
}

# Replay one crash input with the ASan build, record it by signature.
record_crash() { # target input uniqdir
	local log sig
	log=$(mktemp)
	"$(target_bin fuzz-libfuzzer "$1")" -runs=1 "$2" >"$log" 2>&1 ||
		"$(target_bin "$preset" "$1")" "$2" >>"$log" 2>&1
	sig=$(signature "$log")
	if [ ! -e "$3/$sig" ]; then
		cp "$2" "$3/$sig"
		cp "$log" "$3/$sig.log"
	fi
	rm -f "$log"
}

libfuzzer_instance() { # target work deadline instance
	local t=$1 work=$2 deadline=$3 i=$4 left dict=()
	[ -f "$root/corpora/$t/$t.dict" ] && dict=(-dict="$root/corpora/$t/$t.dict")
	while left=$((deadline - $(date +%s))); [ "$left" -gt 1 ]; do
		"$(target_bin "$preset" "$t")" "$work/corpus" "${dict[@]}" \
			-max_total_time="$left" -timeout="$timeout_s" \
			-rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" \
			-artifact_prefix="$work/artifacts/" -print_final_stats=1 \
			>>"$work/log.$i" 2>&1 || true
		echo "--- restart" >>"$work/log.$i"
	done
}

summary_rows=()
for t in "${targets[@]}"; do
	[ -x "$(target_bin "$preset" "$t")" ] || { echo "campaign: no fuzz target '$t'" >&2; exit 2; }
	work=$root/build/campaign/$engine/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts" "$work/unique-crashes"
	for sub in seeds corpus; do
		[ -d "$root/corpora/$t/$sub" ] && cp "$root/corpora/$t/$sub"/* "$work/corpus/" 2>/dev/null
	done
	# A registered device's seeds are written by the default build.
	find "$root/build/default/harness" -type d -name "fuzz-seeds-$t" \
		-exec sh -c 'cp "$1"/* "$2"/' sh {} "$work/corpus" \; 2>/dev/null
	before=$(find "$work/corpus" -type f | wc -l)
	echo "== $t: $engine, ${seconds}s, $jobs instance(s), $before inputs to start"
	deadline=$(($(date +%s) + seconds))

	if [ "$engine" = libfuzzer ]; then
		for i in $(seq 1 "$jobs"); do
			libfuzzer_instance "$t" "$work" "$deadline" "$i" &
		done
		wait
		for a in "$work"/artifacts/*; do
			[ -f "$a" ] && record_crash "$t" "$a" "$work/unique-crashes"
		done
		execs=$(grep -h 'stat::average_exec_per_sec' "$work"/log.* |
			awk '{ s += $2; n++ } END { print n ? int(s / n) * '"$jobs"' : 0 }')
		edges=$(grep -hoE 'cov: [0-9]+' "$work"/log.* | awk '{ if ($2 > m) m = $2 } END { print m + 0 }')
	else
		dict=()
		[ -f "$root/corpora/$t/$t.dict" ] && dict=(-x "$root/corpora/$t/$t.dict")
		# No core pinning: on a shared machine AFL++ otherwise refuses to
		# start once other fuzzers hold every core.
		export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
			AFL_NO_AFFINITY=1
		for i in $(seq 1 "$jobs"); do
			role=(-S "s$i")
			[ "$i" -eq 1 ] && role=(-M main -c "$(target_bin fuzz-afl-cmplog "$t")")
			timeout $((seconds + 30)) afl-fuzz -i "$work/corpus" -o "$work/afl" \
				"${role[@]}" "${dict[@]}" -t $((timeout_s * 1000)) -V "$seconds" \
				-- "$(target_bin "$preset" "$t")" >"$work/log.$i" 2>&1 &
		done
		wait
		for c in "$work"/afl/*/crashes/id:*; do
			[ -f "$c" ] && record_crash "$t" "$c" "$work/unique-crashes"
		done
		if ! ls "$work"/afl/*/fuzzer_stats >/dev/null 2>&1; then
			grep -h 'PROGRAM ABORT' -A2 "$work"/log.* >&2
			echo "campaign: afl-fuzz did not run for $t (see $work/log.*)" >&2
			exit 1
		fi
		execs=$(cat "$work"/afl/*/fuzzer_stats 2>/dev/null |
			awk '/^execs_per_sec/ { s += $3 } END { print int(s) }')
		edges=$(cat "$work"/afl/*/fuzzer_stats 2>/dev/null |
			awk '/^edges_found/ { if ($3 > m) m = $3 } END { print m + 0 }')
		cp "$work"/afl/*/queue/id:* "$work/corpus/" 2>/dev/null
	fi
	crashes=$(find "$work/unique-crashes" -type f ! -name '*.log' | wc -l)

	new=0
	if [ "$merge" -eq 1 ]; then
		# Minimize: keep the smallest set covering every feature of the
		# stored corpus plus everything found, then store it.
		merged=$work/merged
		mkdir -p "$merged" "$root/corpora/$t/corpus"
		old=$(find "$root/corpora/$t/corpus" -type f | wc -l)
		stored=()
		for sub in seeds corpus; do
			[ -d "$root/corpora/$t/$sub" ] && stored+=("$root/corpora/$t/$sub")
		done
		"$(target_bin fuzz-libfuzzer "$t")" -merge=1 -timeout="$timeout_s" \
			"$merged" "${stored[@]}" "$work/corpus" >"$work/merge.log" 2>&1 || {
			echo "campaign: merge failed, see $work/merge.log" >&2
			merged=
		}
		if [ -n "$merged" ]; then
			# Seeds stay where they are; the corpus holds the rest.
			for f in "$merged"/*; do
				cmp -s "$f" "$root/corpora/$t/seeds/$(basename "$f")" 2>/dev/null && rm -f "$f"
			done
			rm -f "$root/corpora/$t/corpus"/*
			cp "$merged"/* "$root/corpora/$t/corpus/" 2>/dev/null
			new=$(($(find "$root/corpora/$t/corpus" -type f | wc -l) - old))
		fi
	fi
	echo "   $t: ${execs:-0} execs/s, ${edges:-0} edges, $new new corpus files, $crashes unique crashes"
	summary_rows+=("$t	${execs:-0}	${edges:-0}	$new	$crashes")
done

echo
printf '%-20s %10s %8s %10s %8s\n' target execs/s edges new-files crashes
status=0
for row in "${summary_rows[@]}"; do
	IFS=$'\t' read -r t e g n c <<<"$row"
	printf '%-20s %10s %8s %10s %8s\n' "$t" "$e" "$g" "$n" "$c"
	[ "$c" -eq 0 ] || status=1
done
[ $status -eq 0 ] || echo "crashes: see build/campaign/$engine/*/unique-crashes/*.log"
exit $status
