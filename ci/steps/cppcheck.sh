#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 2: cppcheck clean with the project's configuration (ci/cppcheck.cfg).
source "$(dirname "$0")/common.sh"
command -v cppcheck >/dev/null || die "cppcheck is missing (ci/install-deps.sh installs it)"
mapfile -t files < <(find "$cdir/src" -name '*.c' | sort)
[ ${#files[@]} -gt 0 ] || { figure files 0; exit 0; }
incs=()
for d in "$root"/components/*/include "$CVMM_COMPONENT_DIR"/../*/include "$cdir/src"; do
	[ -d "$d" ] && incs+=(-I "$d")
done
figure files "${#files[@]}"
# shellcheck disable=SC2046
cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
	$(grep -v '^#' "$root/ci/cppcheck.cfg") "${incs[@]}" "${files[@]}"
