#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# OSS-Fuzz / ClusterFuzzLite build: builds every fuzz target with the
# compiler, flags and fuzzing engine the environment names, and ships each
# one to $OUT with its seed corpus and dictionary:
#
#   $OUT/<target>                   the fuzzer
#   $OUT/<target>_seed_corpus.zip   corpora/<target>/{seeds,corpus}
#   $OUT/<target>.dict              corpora/<target>/<target>.dict, if any
#
# Honours CC, CFLAGS, LIB_FUZZING_ENGINE (e.g. -fsanitize=fuzzer, or the
# path of an engine library) and OUT; WORK (optional) holds the build tree.
set -euo pipefail

: "${CC:?CC must name the C compiler}"
: "${LIB_FUZZING_ENGINE:?LIB_FUZZING_ENGINE must name the fuzzing engine}"
: "${OUT:?OUT must name the output directory}"
CFLAGS=${CFLAGS:-}
src=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d)}/cvmm-oss-fuzz
command -v zip >/dev/null || { echo "oss-fuzz-build: zip is missing" >&2; exit 1; }

cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=None \
	-DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
	-DCVMM_FUZZ_ENGINE=external -DCVMM_FUZZ_LINK="$LIB_FUZZING_ENGINE" \
	-DCVMM_BUILD_TESTS=OFF >"$work.configure.log" 2>&1 ||
	{ cat "$work.configure.log"; exit 1; }
cmake --build "$work" -j "$(nproc)" >"$work.build.log" 2>&1 ||
	{ tail -n 50 "$work.build.log"; exit 1; }

mkdir -p "$OUT"
count=0
for bin in "$work"/fuzz/fuzz-*; do
	t=${bin##*/fuzz-}
	[ -x "$bin" ] || continue
	cp "$bin" "$OUT/$t"
	rm -f "$OUT/${t}_seed_corpus.zip"
	for sub in seeds corpus; do
		dir=$src/corpora/$t/$sub
		if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
			(cd "$dir" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
		fi
	done
	[ -f "$src/corpora/$t/$t.dict" ] && cp "$src/corpora/$t/$t.dict" "$OUT/$t.dict"
	count=$((count + 1))
done
echo "oss-fuzz-build: $count targets in $OUT"
[ "$count" -gt 0 ]
