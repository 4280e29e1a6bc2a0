#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Install every Debian package cvmm builds, tests, fuzzes and measures with.
# Idempotent and fast when nothing is missing: it asks dpkg first and runs
# `apt-get update` (once) and `apt-get install` only for what is absent.
# Needs root when something is missing; says so otherwise.
set -euo pipefail

packages=(
	# build
	cmake make gcc clang libclang-rt-14-dev pkg-config binutils git
	# tests, memory checking, coverage, static analysis
	libcmocka-dev valgrind lcov clang-format clang-tidy cppcheck
	# acpi-tables: iasl disassembles the generated tables
	acpica-tools
	# linux-loader payload extraction
	zlib1g-dev liblzma-dev libzstd-dev liblz4-dev
	# vmm-sys-util seccomp
	libseccomp-dev
	# guest-boot tests: the KVM sandbox and the probe guest
	qemu-system-x86 busybox-static cpio kmod xz-utils
	# fuzzing
	afl++ zip unzip bc
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${missing[*]}; run as root (or: sudo $0)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
