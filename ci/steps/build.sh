#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 1: the component, its tests, benchmarks, README example and fuzz
# targets build warning-free (-Werror) under a preset.  ci/steps/build.sh PRESET
source "$(dirname "$0")/common.sh"
preset=${1:?preset}
if ! out=$(build_preset "$preset" "check-$c" 2>&1); then
	printf '%s\n' "$out" | grep -vE '^\[ *[0-9]+%\] (Building|Linking|Built)|^gmake'
	die "build of check-$c under preset $preset failed"
fi
