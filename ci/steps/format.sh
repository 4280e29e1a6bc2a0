#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 2: clang-format clean with the project's .clang-format.
source "$(dirname "$0")/common.sh"
command -v clang-format >/dev/null || die "clang-format is missing (ci/install-deps.sh installs it)"
mapfile -t files < <(component_sources)
figure files "${#files[@]}"
clang-format --dry-run --Werror "${files[@]}" ||
	die "not clang-format clean (see above; fix with clang-format -i)"
