#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 7: every public function has a doc comment in its header, and the
# README's example (its first ```c block) is compiled and run as a test.
source "$(dirname "$0")/common.sh"
gate=${CVMM_GATE_BIN:?}
mapfile -t headers < <(find "$cdir/include" -name '*.h' 2>/dev/null | sort)
[ ${#headers[@]} -gt 0 ] || die "$cdir/include has no public header"
"$gate" check-docs "${headers[@]}" || die "undocumented public functions (listed above)"
grep -q '^```c$' "$cdir/README.md" 2>/dev/null || die "$cdir/README.md has no \`\`\`c example block"
n=$(ctest --test-dir "$(preset_dir default)" -N -R "^$c\\.readme-example\$" | sed -nE 's/^Total Tests: ([0-9]+)/\1/p')
[ "${n:-0}" -eq 1 ] || die "the README example is not registered as the test $c.readme-example"
figure headers "${#headers[@]}"
