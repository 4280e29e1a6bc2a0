#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 1: the component, its tests, benchmarks, README example and fuzz
# targets build warning-free (-Werror) under a preset.  ci/steps/build.sh PRESET
source "$(dirname "$0")/common.sh"
build_preset "${1:?preset}" "check-$c" 2>&1 | grep -vE '^\[ *[0-9]+%\] (Building|Linking|Built)' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || die "build of check-$c under preset $1 failed"
