#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Collect line and branch coverage from a build made with the `coverage`
# preset after its tests ran, and report it per component against the
# floors in the manifests (coverage/report.sh does the whole thing). Tests
# of one component exercise others too, so these merged figures can be
# higher than the gate's per-component ones, which count a component's own
# tests only.
#
#   coverage/collect.sh [BUILD_DIR [OUT_DIR]]
#
# Writes OUT_DIR/all.info (every component's sources), OUT_DIR/<name>.info,
# OUT_DIR/summary.tsv (name, line %, line floor, branch %, branch floor,
# verdict) and an HTML report in OUT_DIR/html. Prints one line per
# component and exits 1 if any component is below a floor.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/coverage}
out=${2:-$build/coverage-report}
rc_branch=(--rc lcov_branch_coverage=1)

for tool in lcov genhtml; do
	command -v "$tool" >/dev/null || {
		echo "coverage: '$tool' is missing; install Debian's lcov (ci/install-deps.sh does)" >&2
		exit 2
	}
done
[ -x "$build/harness/manifest/cvmm-manifest" ] || {
	echo "coverage: $build is not a built tree of the coverage preset (cmake --preset coverage && cmake --build --preset coverage)" >&2
	exit 2
}

mkdir -p "$out"
lcov --quiet "${rc_branch[@]}" --capture --directory "$build" \
	--output-file "$out/captured.info" >/dev/null 2>"$out/lcov.log"
lcov --quiet "${rc_branch[@]}" --extract "$out/captured.info" \
	"$root/components/*/src/*" --output-file "$out/all.info" >/dev/null

# "lines......: 97.3% (365 of 375 lines)" -> 97.33: two decimals from the
# counts, truncated, to compare with the manifest's two-decimal floors.
percent() {
	sed -n "s/^ *$1\.*: .*(\([0-9]*\) of \([0-9]*\) .*/\1 \2/p" | head -n1 |
		awk '{ if ($2 > 0) printf "%.2f\n", int(10000 * $1 / $2) / 100; else print "100.00" }'
}

below=0
: >"$out/summary.tsv"
# The list comes in on fd 3, so no command in the loop can eat it from stdin.
while IFS=$'\t' read -r -u 3 name _version _status _prefix floor_line floor_branch dir; do
	info=$out/$name.info
	if ! lcov --quiet "${rc_branch[@]}" --extract "$out/all.info" \
		"$dir/src/*" --output-file "$info" >/dev/null 2>&1; then
		line=0 branch=0
	else
		summary=$(lcov "${rc_branch[@]}" --summary "$info" 2>&1)
		line=$(percent lines <<<"$summary")
		branch=$(percent branches <<<"$summary")
	fi
	line=${line:-0} branch=${branch:-0}
	verdict=ok
	if awk -v a="$line" -v b="$floor_line" -v c="$branch" -v d="$floor_branch" \
		'BEGIN { exit !(a + 0 < b + 0 || c + 0 < d + 0) }'; then
		verdict=BELOW-FLOOR
		below=1
	fi
	awk -v l="$line" -v fl="$floor_line" -v b="$branch" -v fb="$floor_branch" \
		-v m="$dir/manifest.conf" 'BEGIN {
		if (l - fl > 0.5) printf "warning: %s line coverage %s%% is %.2f points above its floor: raise coverage-line in %s to %s\n", m, l, l - fl, m, l;
		if (b - fb > 0.5) printf "warning: %s branch coverage %s%% is %.2f points above its floor: raise coverage-branch in %s to %s\n", m, b, b - fb, m, b;
	}' >&2
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$line" "$floor_line" \
		"$branch" "$floor_branch" "$verdict" >>"$out/summary.tsv"
	printf 'coverage %-16s line %6s%% (floor %6s%%)  branch %6s%% (floor %6s%%)  %s\n' \
		"$name" "$line" "$floor_line" "$branch" "$floor_branch" "$verdict"
done 3< <("$build/harness/manifest/cvmm-manifest" --list "$root"/components/*/manifest.conf)

genhtml --quiet "${rc_branch[@]}" --output-directory "$out/html" \
	"$out/all.info" >/dev/null 2>>"$out/lcov.log" || true
echo "coverage report: $out/html/index.html"
exit $below
