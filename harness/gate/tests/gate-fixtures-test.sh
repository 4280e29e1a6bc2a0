#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The gate's own test: run it over the fixture tree (tests/fixtures: one
# clean component, and one per check with a single planted defect) and
# check that the clean fixture passes every step and each defective one
# fails its step with the right message.
#
#   gate-fixtures-test.sh GATE_BINARY [WORK_DIR]
set -uo pipefail

gate=${1:?gate binary}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
fx=$here/fixtures
work=${2:-$(mktemp -d)}
mkdir -p "$work"
cd "$root"
"$gate" --components-root "$fx/components" --fuzz-root "$fx/fuzz" \
	--corpora-root "$fx/corpora" --build-root "$work/build" \
	--out "$work/out" --fuzz-seconds 3 >"$work/gate.log" 2>&1
rc=$?
report=$work/out/report.json
[ -f "$report" ] || { tail -n 40 "$work/gate.log"; echo "FAIL: no report.json"; exit 1; }
[ $rc -eq 1 ] || { echo "FAIL: the gate exited $rc, not 1, over defective fixtures"; exit 1; }

# result COMPONENT STEP -> "RESULT<TAB>MESSAGE"
result() {
	awk -v c="$1" -v s="$2" '
		/^    \{"name": / { split($0, a, "\""); cur = a[4] }
		/^      \{"name": / {
			split($0, a, "\"")
			if (cur == c && a[4] == s) {
				match($0, /"result": "[A-Z]+"/)
				r = substr($0, RSTART + 11, RLENGTH - 12)
				match($0, /"message": "[^"]*"/)
				m = substr($0, RSTART + 12, RLENGTH - 13)
				print r "\t" m
			}
		}' "$report"
}

failures=0
expect() { # component step result message-regex
	local got
	got=$(result "$1" "$2")
	if [ "${got%%$'\t'*}" != "$3" ] || ! grep -qE "$4" <<<"${got#*$'\t'}"; then
		echo "FAIL: $1 $2: expected $3 /$4/, got '${got:-nothing}'"
		failures=$((failures + 1))
	else
		echo "ok: $1 $2 $3 (${got#*$'\t'})"
	fi
}

steps=$(sed -nE 's/^([a-z][a-z0-9-]*)[ \t]+[0-9]+[ \t]+.*/\1/p' "$root/ci/pipeline.conf")
for s in $steps; do
	expect fx-clean "$s" PASS '.*'
done
expect fx-warning build-gcc FAIL 'build of check-fx-warning under preset default failed'
grep -q 'unused variable' "$work/out/logs/fx-warning/build-gcc.log" ||
	{ echo "FAIL: fx-warning's log does not show the warning"; failures=$((failures + 1)); }
expect fx-format format FAIL 'not clang-format clean'
grep -q 'code should be clang-formatted' "$work/out/logs/fx-format/format.log" ||
	{ echo "FAIL: fx-format's log does not name the format error"; failures=$((failures + 1)); }
expect fx-test-failure tests FAIL 'tests failed under preset default'
expect fx-fuzz-crash fuzz FAIL 'fuzz target fx-fuzz-crash-sum failed'
expect fx-coverage coverage FAIL 'line coverage [0-9.]+% is below the floor 100.00%'
expect fx-doc docs FAIL 'undocumented public functions'
grep -q "public function 'cvmm_fxdoc_sum' has no doc comment" "$work/out/logs/fx-doc/docs.log" ||
	{ echo "FAIL: fx-doc's log does not name the function"; failures=$((failures + 1)); }
expect fx-spdx spdx FAIL '1 file\(s\) without an SPDX line'
expect fx-prefix symbols FAIL '1 symbol problem'
grep -q "exported symbol 'fx_add' lacks the prefix 'cvmm_fxprefix_'" "$work/out/logs/fx-prefix/symbols.log" ||
	{ echo "FAIL: fx-prefix's log does not name the symbol"; failures=$((failures + 1)); }
# Each defective fixture passes the checks its defect does not touch.
expect fx-spdx tests PASS '.*'
expect fx-doc symbols PASS '.*'
expect fx-prefix docs PASS '.*'
grep -q '<testsuite name="fx-clean"' "$work/out/junit.xml" ||
	{ echo "FAIL: junit.xml lacks fx-clean"; failures=$((failures + 1)); }
grep -q 'fx-fuzz-crash' "$work/out/report.html" ||
	{ echo "FAIL: report.html lacks fx-fuzz-crash"; failures=$((failures + 1)); }
echo "$failures failure(s)"
[ $failures -eq 0 ]
