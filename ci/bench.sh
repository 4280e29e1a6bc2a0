#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the `release` preset and run every component's benchmark. Each
# prints "bench <name>: <checked> vs baseline <baseline>: ratio <r>", the
# checked path against a baseline measured in the same run. Benchmarks are
# never tests: the machines are shared and noisy, so figures are printed,
# not asserted here (the gate compares ratios with manifest limits).
#
#   ci/bench.sh [NAME-FILTER]
set -uo pipefail
source "$(dirname "$0")/lib.sh"
ci_operands_only "$0" "$@"

"$ci_root/ci/install-deps.sh" || exit 1
ci_build release || exit 1
status=0
while IFS= read -r bin; do
	case "$(basename "$bin")" in *"${1:-}"*) ;; *) continue ;; esac
	echo "== $(basename "$bin")"
	"$bin"
	rc=$?
	# 77: the benchmark cannot run here (it printed why), e.g. no kernel.
	[ $rc -eq 0 ] || [ $rc -eq 77 ] || status=1
done < <(find "$ci_root/build/release/components" -type f -perm -u+x -name 'bench-*' | sort)
exit $status
