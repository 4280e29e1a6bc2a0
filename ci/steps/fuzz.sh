#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 5: every fuzz target of the component runs CVMM_FUZZ_SECONDS under
# libFuzzer (ASan, UBSan, integer checks) from its stored corpus with no
# crash, leak or timeout. (Replaying every stored corpus and crash input is
# part of the tests steps, label fuzz-replay.)
source "$(dirname "$0")/common.sh"
secs=${CVMM_FUZZ_SECONDS:-30}
targets=(${CVMM_FUZZ_TARGETS:-})
figure targets "${#targets[@]}"
[ ${#targets[@]} -gt 0 ] || exit 0
bin=$(preset_dir fuzz-libfuzzer)/fuzz
corpora=${CVMM_CORPORA_ROOT:-$root/corpora}
failed=()
for t in "${targets[@]}"; do
	work=$(mktemp -d)
	for sub in seeds corpus; do
		[ -d "$corpora/$t/$sub" ] && cp "$corpora/$t/$sub"/* "$work/" 2>/dev/null
	done
	dict=()
	[ -f "$corpora/$t/$t.dict" ] && dict=(-dict="$corpora/$t/$t.dict")
	log=$work.log
	"$bin/fuzz-$t" "$work" "${dict[@]}" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work.crash-" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	figure "execs.$t" "${execs:-0}"
	figure "execs-per-sec.$t" "${rate:-0}"
	if [ $rc -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|==[0-9]+==|#[0-9]+ 0x' "$log" | head -n 30
		echo "the input that failed: $(ls "$work".crash-* 2>/dev/null | head -n1)"
		failed+=("$t")
	fi
	rm -rf "$work"
done
[ ${#failed[@]} -eq 0 ] || die "fuzz target ${failed[*]} failed (crash, leak or timeout above)"
