#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 7: every file of the component carries an SPDX license line near its
# top (first five lines).
source "$(dirname "$0")/common.sh"
missing=0 n=0
while IFS= read -r -d '' f; do
	n=$((n + 1))
	if ! head -n 5 "$f" | grep -q 'SPDX-License-Identifier:'; then
		echo "${f#$root/}: no SPDX-License-Identifier line in its first 5 lines"
		missing=$((missing + 1))
	fi
done < <(find "$cdir" -type f -print0)
figure files "$n"
[ $missing -eq 0 ] || die "$missing file(s) without an SPDX line"
