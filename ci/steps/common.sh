# SPDX-License-Identifier: Apache-2.0
# Sourced by every gate step. The gate passes the component through the
# environment:
#   CVMM_COMPONENT CVMM_COMPONENT_DIR CVMM_VERSION CVMM_PREFIX
#   CVMM_FUZZ_TARGETS (space-separated) CVMM_COVERAGE_LINE
#   CVMM_COVERAGE_BRANCH CVMM_BENCH_LIMITS ("name:max ...")
#   CVMM_BUILD_ROOT (build trees, one per preset) CVMM_CMAKE_ARGS
#   CVMM_GATE_OUT (reports) CVMM_FUZZ_SECONDS
# A step prints "figure NAME=VALUE" lines for the summary, exits 0 (pass),
# 77 (skip, after printing "skip: reason") or anything else (fail).
set -uo pipefail

: "${CVMM_COMPONENT:?run gate steps through the gate}"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
c=$CVMM_COMPONENT
cdir=$CVMM_COMPONENT_DIR
build_root=${CVMM_BUILD_ROOT:-$root/build/gate}
jobs=$(nproc 2>/dev/null || echo 2)

figure() { echo "figure $1=$2"; }
skip() { echo "skip: $*"; exit 77; }
die() { echo "error: $*" >&2; exit 1; }

# Configure (if needed) and build a preset's tree into $build_root/<preset>.
preset_dir() { echo "$build_root/$1"; }
build_preset() { # preset target...
	local preset=$1 dir
	shift
	dir=$(preset_dir "$preset")
	mkdir -p "$build_root"
	# Configure once; later builds re-run configure by themselves when a
	# CMake input changes.
	if [ ! -f "$dir/CMakeCache.txt" ] || [ ! -f "$dir/Makefile" ]; then
		# shellcheck disable=SC2086
		cmake --preset "$preset" -S "$root" -B "$dir" ${CVMM_CMAKE_ARGS:-} \
			>"$dir.configure.log" 2>&1 ||
			{ tail -n 40 "$dir.configure.log"; die "configure of preset $preset failed"; }
	fi
	cmake --build "$dir" -j "$jobs" --target "$@"
}

# The sanitizer settings the asan-ubsan test preset uses.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Source files of the component (C and headers).
component_sources() {
	find "$cdir" -type f \( -name '*.c' -o -name '*.h' \) | sort
}
