#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# One command for coverage across all components: build the `coverage`
# preset, run every test (unit, integration, conformance, corpus replay;
# not the boot or script tests, which run other builds), and write the
# merged lcov report of the whole tree plus one per component, with line
# and branch figures against the manifests' floors.
#
#   coverage/report.sh [OUT_DIR]     (default build/coverage/coverage-report)
set -uo pipefail
source "$(dirname "$0")/../ci/lib.sh"
ci_operands_only "$0" "$@"
[ $# -le 1 ] || { echo "report.sh: one argument at most, OUT_DIR (see --help)" >&2; exit 2; }

"$ci_root/ci/install-deps.sh" || exit 1
ci_build coverage || exit 1
build=$ci_root/build/coverage
find "$build" -name '*.gcda' -delete
echo "== tests (coverage build)"
ci_ctest coverage -LE '^(boot|fuzz-build)$'
[ "$ci_failed" -eq 0 ] || echo "coverage: $ci_failed test(s) failed; figures below count what ran" >&2
"$ci_root/coverage/collect.sh" "$build" "${1:-$build/coverage-report}"
