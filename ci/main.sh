#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The main job: install what is needed, build every component with gcc and
# clang, run each component's tests in the coverage build, measure line and
# branch coverage, and print one summary row per component. Exits non-zero
# if a build or a test fails or a component is below its coverage floors.
#
# (The gate, when it lands, replaces this with the whole quality bar.)
set -uo pipefail
source "$(dirname "$0")/lib.sh"

"$ci_root/ci/install-deps.sh" || exit 1
status=0
for preset in default clang coverage; do
	ci_build "$preset" || status=1
done
[ $status -eq 0 ] || exit 1

build=$ci_root/build/coverage
tool=$build/harness/manifest/cvmm-manifest
# Coverage of this run only.
find "$build" -name '*.gcda' -delete

declare -A tests
labels=()
while IFS=$'\t' read -r name _rest; do
	labels+=("$name")
done < <("$tool" --list "$ci_root"/components/*/manifest.conf)
labels+=(harness)
for label in "${labels[@]}"; do
	echo "== tests of $label"
	ci_ctest coverage -L "^$label\$"
	tests[$label]="$ci_passed/$((ci_passed + ci_failed))"
	[ "$ci_failed" -eq 0 ] || status=1
done

echo "== coverage"
"$ci_root/coverage/collect.sh" "$build" "$build/coverage-report" || status=1

echo
printf '%-16s %-9s %-11s %-8s %-18s %-18s\n' component version status tests \
	"line % (floor)" "branch % (floor)"
while IFS=$'\t' read -r name version state _prefix _fl _fb _dir; do
	IFS=$'\t' read -r _n line floor_line branch floor_branch verdict < <(
		grep -P "^\Q$name\E\t" "$build/coverage-report/summary.tsv")
	printf '%-16s %-9s %-11s %-8s %-18s %-18s %s\n' "$name" "$version" \
		"$state" "${tests[$name]}" "$line ($floor_line)" \
		"$branch ($floor_branch)" "$verdict"
done < <("$tool" --list "$ci_root"/components/*/manifest.conf)
printf '%-16s %-9s %-11s %-8s\n' harness - - "${tests[harness]}"
echo
if [ $status -eq 0 ]; then
	echo "main: every component built with gcc and clang, tested, and at its coverage floors"
else
	echo "main: FAILED (see above)"
fi
exit $status
