#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 2: clang-tidy clean with the project's .clang-tidy, on the compile
# commands of the default build.
source "$(dirname "$0")/common.sh"
command -v clang-tidy >/dev/null || die "clang-tidy is missing (ci/install-deps.sh installs it)"
db=$(preset_dir default)
[ -f "$db/compile_commands.json" ] || die "no compile_commands.json in $db: the build-gcc step must run first"
mapfile -t files < <(find "$cdir/src" -name '*.c' | sort)
[ ${#files[@]} -gt 0 ] || { figure files 0; exit 0; }
figure files "${#files[@]}"
# One file per process: clang-tidy 14's va_list checker loses track of
# va_start across files analysed in one run and reports false positives.
bad=0
for f in "${files[@]}"; do
	out=$(clang-tidy -p "$db" --config-file="$root/.clang-tidy" --quiet "$f" 2>&1) ||
		bad=$((bad + 1))
	printf '%s\n' "$out" | grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' || true
done
[ $bad -eq 0 ] || die "clang-tidy reported problems in $bad file(s)"
