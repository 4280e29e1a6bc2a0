#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bar 7: CHANGELOG.md has an entry ("## VERSION") for the manifest's version.
source "$(dirname "$0")/common.sh"
[ -f "$cdir/CHANGELOG.md" ] || die "$cdir/CHANGELOG.md is missing"
grep -qE "^## \\[?${CVMM_VERSION//./\\.}\\]?( |$)" "$cdir/CHANGELOG.md" ||
	die "CHANGELOG.md has no '## $CVMM_VERSION' entry for the manifest's version"
figure version "$CVMM_VERSION"
