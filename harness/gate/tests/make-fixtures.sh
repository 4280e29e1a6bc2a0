#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates the gate's fixture tree (fixtures/): one small clean component
# and one copy per check, each with exactly one planted defect. The output
# is committed; run this only to change the fixtures.
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)/fixtures
rm -rf "$out"

# component NAME PREFIX-WORD
make_component() {
	local n=$1 w=$2 d=$out/components/fx-$1 p=cvmm_fx$2_
	mkdir -p "$d/include/cvmm" "$d/src" "$d/tests" "$out/fuzz" "$out/corpora/fx-$n-sum/seeds"
	cat >"$d/manifest.conf" <<EOF
# SPDX-License-Identifier: Apache-2.0
name = fx-$n
version = 0.1.0
status = incubating
prefix = $p
depends =
coverage-line = 100
coverage-branch = 100
fuzz-targets = fx-$n-sum
license = Apache-2.0
guest-data = yes
EOF
	cat >"$d/CMakeLists.txt" <<EOF
# SPDX-License-Identifier: Apache-2.0
cvmm_component(SOURCES src/sum.c)
cvmm_test(NAME sum LABELS unit SOURCES tests/test_sum.c)
EOF
	cat >"$d/include/cvmm/fx-$n.h" <<EOF
/* SPDX-License-Identifier: Apache-2.0 */
/* A fixture component for the gate's own tests. */
#ifndef CVMM_FX_${w^^}_H
#define CVMM_FX_${w^^}_H

#include <stddef.h>
#include <stdint.h>

/* Sum of buf[0..n), or 0 when buf is NULL. */
uint32_t ${p}sum(const uint8_t *buf, size_t n);

#endif
EOF
	cat >"$d/src/sum.c" <<EOF
/* SPDX-License-Identifier: Apache-2.0 */
#include <cvmm/fx-$n.h>

uint32_t ${p}sum(const uint8_t *buf, size_t n)
{
	uint32_t s = 0;

	if (buf == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		s += buf[i];
	return s;
}
EOF
	cat >"$d/tests/test_sum.c" <<EOF
/* SPDX-License-Identifier: Apache-2.0 */
#include <cvmm/fx-$n.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static void sums(void **state)
{
	const uint8_t b[3] = {1, 2, 250};

	(void)state;
	assert_int_equal(${p}sum(b, 3), 253);
	assert_int_equal(${p}sum(NULL, 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(sums)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
EOF
	cat >"$d/README.md" <<EOF
<!-- SPDX-License-Identifier: Apache-2.0 -->
# fx-$n

A fixture of the gate's tests.

\`\`\`c
#include <cvmm/fx-$n.h>

int main(void)
{
	const uint8_t b[2] = {2, 3};

	return ${p}sum(b, 2) == 5 ? 0 : 1;
}
\`\`\`
EOF
	cat >"$d/CHANGELOG.md" <<EOF
<!-- SPDX-License-Identifier: Apache-2.0 -->
# Changelog

## 0.1.0

- First version.
EOF
	cat >"$out/fuzz/fx-$n-sum.c" <<EOF
/* SPDX-License-Identifier: Apache-2.0 */
#include <cvmm/fx-$n.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return ${p}sum(data, size) == 0x7fffffff;
}
EOF
	printf 'seed' >"$out/corpora/fx-$n-sum/seeds/seed-1"
	echo "cvmm_fuzz_target(NAME fx-$n-sum)" >>"$out/fuzz/CMakeLists.txt"
}

mkdir -p "$out/fuzz"
echo "# SPDX-License-Identifier: Apache-2.0" >"$out/fuzz/CMakeLists.txt"
for f in clean:clean warning:warning format:format test-failure:testfailure \
	fuzz-crash:fuzzcrash coverage:coverage doc:doc spdx:spdx prefix:prefix; do
	make_component "${f%%:*}" "${f#*:}"
done
echo "cvmm_fuzz_check_manifests()" >>"$out/fuzz/CMakeLists.txt"
c=$out/components

# The planted defects, one per fixture.
sed -i 's/	uint32_t s = 0;/	uint32_t s = 0, unused = 1;/' "$c/fx-warning/src/sum.c"
sed -i 's/	if (buf == NULL)/	if (buf==NULL)/' "$c/fx-format/src/sum.c"
sed -i 's/assert_int_equal(cvmm_fxtestfailure_sum(b, 3), 253)/assert_int_equal(cvmm_fxtestfailure_sum(b, 3), 254)/' \
	"$c/fx-test-failure/tests/test_sum.c"
sed -i 's/	return cvmm_fxfuzzcrash_sum(data, size) == 0x7fffffff;/	if (size > 0 \&\& data[0] == 0x42)\n\t\t__builtin_trap();\n\treturn 0;/' \
	"$out/fuzz/fx-fuzz-crash-sum.c"
sed -i 's/	if (buf == NULL)\n\t\treturn 0;//' "$c/fx-coverage/src/sum.c"
cat >>"$c/fx-coverage/src/sum.c" <<'EOF'

/* Never called by the tests: coverage falls below the 100% floor. */
uint32_t cvmm_fxcoverage_twice(uint32_t x);
uint32_t cvmm_fxcoverage_twice(uint32_t x)
{
	return x > 100 ? 2 * x : x + x;
}
EOF
sed -i '/^\/\* Sum of buf/d' "$c/fx-doc/include/cvmm/fx-doc.h"
sed -i '1d' "$c/fx-spdx/src/sum.c"
cat >"$c/fx-prefix/src/sum.c" <<'EOF'
/* SPDX-License-Identifier: Apache-2.0 */
#include <cvmm/fx-prefix.h>

/* Exported without the component's prefix. */
uint32_t fx_add(uint32_t a, uint32_t b);
uint32_t fx_add(uint32_t a, uint32_t b)
{
	return a + b;
}

uint32_t cvmm_fxprefix_sum(const uint8_t *buf, size_t n)
{
	uint32_t s = 0;

	if (buf == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		s = fx_add(s, buf[i]);
	return s;
}
EOF
echo "fixtures written to $out"
