#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The main job: install what is needed, build the gate, and run the quality
# bar (ci/pipeline.conf) over every component — or over the components
# named, or what changed since a revision:
#
#   ci/main.sh                          every component
#   ci/main.sh vm-memory                one component and its dependents
#   ci/main.sh --changed-since HEAD~1   what a change touches
#
# Any gate option passes through (see build/default/harness/gate/gate -h).
# Then it checks the release registry and writes the merged coverage report
# of the whole tree. Reports: build/gate/report.{html,json}, junit.xml.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

"$ci_root/ci/install-deps.sh" || exit 1
gate=$ci_root/build/default/harness/gate/gate
{ cmake --preset default -S "$ci_root" >/dev/null &&
	cmake --build --preset default --target gate -j "$ci_jobs" >/dev/null; } ||
	{ echo "main: cannot build the gate (cmake --preset default && cmake --build --preset default --target gate)" >&2; exit 1; }

status=0
(cd "$ci_root" && "$gate" "$@") || status=1
(cd "$ci_root" && "$gate" verify-registry) || status=1
exit $status
