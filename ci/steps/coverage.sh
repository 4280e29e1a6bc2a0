#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 6: line and branch coverage of the component's sources, from its own
# unit, integration and corpus-replay tests in the coverage build, at or
# above the floors in its manifest. The floors are a ratchet: more than 0.5
# points above a floor is a warning that says how to raise it.
source "$(dirname "$0")/common.sh"
dir=$(preset_dir coverage)
build_preset coverage "check-$c" >/dev/null || die "coverage build failed"
find "$dir" -name '*.gcda' -delete
ctest --test-dir "$dir" -j "$jobs" -L "^$c\$" -LE '^(boot|fuzz-build)$' >/dev/null 2>&1 ||
	die "tests failed in the coverage build"
out=${CVMM_GATE_OUT:-$build_root}/coverage/$c
mkdir -p "$out"
rc=(--rc lcov_branch_coverage=1)
lcov --quiet "${rc[@]}" --capture --directory "$dir" -o "$out/all.info" >/dev/null 2>&1 ||
	die "lcov could not capture coverage"
lcov --quiet "${rc[@]}" --extract "$out/all.info" "$cdir/src/*" -o "$out/$c.info" >/dev/null 2>&1 ||
	die "no coverage data for $cdir/src"
# "lines......: 97.3% (365 of 375 lines)" -> 97.33: two decimals from the
# counts, truncated, to compare with the manifest's two-decimal floors.
percent() {
	sed -n "s/^ *$1\.*: .*(\([0-9]*\) of \([0-9]*\) .*/\1 \2/p" | head -n1 |
		awk '{ if ($2 > 0) printf "%.2f\n", int(10000 * $1 / $2) / 100; else print "100.00" }'
}
summary=$(lcov "${rc[@]}" --summary "$out/$c.info" 2>&1)
line=$(percent lines <<<"$summary")
branch=$(percent branches <<<"$summary")
line=${line:-0} branch=${branch:-0}
genhtml --quiet "${rc[@]}" -o "$out/html" "$out/$c.info" >/dev/null 2>&1 || true
figure line "$line%"
figure branch "$branch%"
figure html "$out/html/index.html"
verdict=$(awk -v l="$line" -v fl="$CVMM_COVERAGE_LINE" -v b="$branch" -v fb="$CVMM_COVERAGE_BRANCH" 'BEGIN {
	if (l + 0 < fl + 0) print "line coverage " l "% is below the floor " fl "%";
	if (b + 0 < fb + 0) print "branch coverage " b "% is below the floor " fb "%";
}')
awk -v l="$line" -v fl="$CVMM_COVERAGE_LINE" -v b="$branch" -v fb="$CVMM_COVERAGE_BRANCH" \
	-v m="$cdir/manifest.conf" 'BEGIN {
	if (l - fl > 0.5) printf "warning: line coverage %s%% is %.2f points above its floor: raise coverage-line in %s to %s\n", l, l - fl, m, l;
	if (b - fb > 0.5) printf "warning: branch coverage %s%% is %.2f points above its floor: raise coverage-branch in %s to %s\n", b, b - fb, m, b;
}'
[ -z "$verdict" ] || die "$verdict"
