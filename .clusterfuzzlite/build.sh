#!/bin/bash -eu
# SPDX-License-Identifier: Apache-2.0
# ClusterFuzzLite (and OSS-Fuzz) entry point: everything is in the script
# the project tests locally.
exec "$SRC/cvmm/fuzz/oss-fuzz-build.sh"
