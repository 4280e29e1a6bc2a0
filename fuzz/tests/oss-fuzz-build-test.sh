#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs fuzz/oss-fuzz-build.sh as OSS-Fuzz would (clang, libFuzzer, ASan),
# then checks that every target the build lists came out, runs on its seed
# corpus, and has its corpus zip.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CC=clang CFLAGS="-O1 -g -fsanitize=address,fuzzer-no-link"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=$tmp/out WORK=$tmp/work
mkdir -p "$WORK"
"$src/fuzz/oss-fuzz-build.sh"

mapfile -t targets < <(sed -n 's/^cvmm_fuzz_target(NAME \([a-z0-9-]*\).*/\1/p' "$src/fuzz/CMakeLists.txt")
[ ${#targets[@]} -gt 0 ] || { echo "no targets listed"; exit 1; }
for t in "${targets[@]}"; do
	[ -x "$OUT/$t" ] || { echo "FAIL: $OUT/$t missing"; exit 1; }
	[ -f "$OUT/${t}_seed_corpus.zip" ] || { echo "FAIL: ${t}_seed_corpus.zip missing"; exit 1; }
	mkdir -p "$tmp/seeds/$t"
	unzip -q "$OUT/${t}_seed_corpus.zip" -d "$tmp/seeds/$t"
	n=$(ls "$tmp/seeds/$t" | wc -l)
	[ "$n" -gt 0 ] || { echo "FAIL: ${t}_seed_corpus.zip is empty"; exit 1; }
	if [ -f "$src/corpora/$t/$t.dict" ]; then
		[ -f "$OUT/$t.dict" ] || { echo "FAIL: $t.dict not shipped"; exit 1; }
	fi
	"$OUT/$t" -runs=0 "$tmp/seeds/$t" >"$tmp/$t.log" 2>&1 ||
		{ tail -n 20 "$tmp/$t.log"; echo "FAIL: $t did not run its seeds"; exit 1; }
	grep -q "INITED" "$tmp/$t.log" || { echo "FAIL: $t is not a libFuzzer binary"; exit 1; }
	echo "ok: $t ran $n seed inputs"
done
echo "oss-fuzz build: ${#targets[@]} targets ok"
