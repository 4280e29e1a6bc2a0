#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 8: every symbol the component's library exports carries its prefix,
# and none is also defined by another component's library.
source "$(dirname "$0")/common.sh"
dir=$(preset_dir default)
lib=$(find "$dir" -name "libcvmm-$c.a" | head -n1)
if [ -z "$lib" ]; then
	figure exported 0 # header-only
	exit 0
fi
mapfile -t syms < <(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
bad=0
for s in "${syms[@]}"; do
	case $s in "$CVMM_PREFIX"*) ;; *)
		echo "exported symbol '$s' lacks the prefix '$CVMM_PREFIX'"
		bad=$((bad + 1)) ;;
	esac
done
while IFS= read -r other; do
	[ "$other" = "$lib" ] && continue
	while IFS= read -r s; do
		echo "symbol '$s' is also defined by $(basename "$other")"
		bad=$((bad + 1))
	done < <(comm -12 <(printf '%s\n' "${syms[@]}") \
		<(nm -g --defined-only "$other" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u))
done < <(find "$dir/components" -name 'libcvmm-*.a')
figure exported "${#syms[@]}"
[ $bad -eq 0 ] || die "$bad symbol problem(s)"
