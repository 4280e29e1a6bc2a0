#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Fetch Debian's amd64 kernels for the real-kernel tests and the benchmark:
# the packages that linux-image-amd64 and linux-image-cloud-amd64 depend on
# (the ones holding /boot/vmlinuz-*), with `apt-get download`, cached outside
# the source tree in ${XDG_CACHE_HOME:-$HOME/.cache}/cvmm/kernels.
#
# Usage: fetch-kernels.sh [flavour...]   (default: amd64 cloud-amd64)
# Prints one line per kernel:  <flavour> <package> <version> <vmlinuz path>
# A warm cache costs two apt-cache look-ups and no download.
# Exits 77 (the tests' "skipped") with the reason on stderr when a kernel can
# be neither found in the cache nor fetched from the archive.
set -u

cache=${XDG_CACHE_HOME:-$HOME/.cache}/cvmm/kernels
skip() {
	echo "fetch-kernels: SKIP: $*" >&2
	exit 77
}

mkdir -p "$cache" 2>/dev/null || skip "cannot create the cache $cache"
# One fetch at a time: tests may run this in parallel.
exec 9>"$cache/.lock"
flock 9 2>/dev/null || true

[ $# -gt 0 ] || set -- amd64 cloud-amd64
updated=no

# The image package the flavour's meta package depends on, e.g.
# linux-image-6.1.0-56-cloud-amd64.
resolve() {
	apt-cache depends "linux-image-$1" 2>/dev/null |
		awk '/Depends: linux-image-/ { print $2; exit }'
}

# The newest cached kernel of a flavour, when the archive cannot tell.
cached() {
	ls -d "$cache"/linux-image-*-"$1"_*/vmlinuz 2>/dev/null |
		grep -v -- "-cloud-amd64_" | sort -V | tail -n 1
}
cached_cloud() {
	ls -d "$cache"/linux-image-*-"$1"_*/vmlinuz 2>/dev/null | sort -V |
		tail -n 1
}

for flavour in "$@"; do
	# apt-cache takes a second per call: remember its answer until the
	# package lists change.
	memo="$cache/.resolved-$flavour"
	pkg= ver=
	if [ -s "$memo" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 \
		-name '*Packages*' -newer "$memo" 2>/dev/null)" ]; then
		read -r pkg ver <"$memo"
	else
		pkg=$(resolve "$flavour")
	fi
	if [ -z "$pkg" ] && [ "$updated" = no ]; then
		# No package lists (a fresh machine): fetch them once.
		updated=yes
		apt-get update >"$cache/apt-update.log" 2>&1 ||
			echo "fetch-kernels: apt-get update failed" \
				"(see $cache/apt-update.log)" >&2
		pkg=$(resolve "$flavour")
	fi
	if [ -z "$pkg" ]; then
		if [ "$flavour" = amd64 ]; then
			path=$(cached "$flavour")
		else
			path=$(cached_cloud "$flavour")
		fi
		[ -n "$path" ] ||
			skip "no package for linux-image-$flavour in the" \
				"apt lists and none cached in $cache"
		dir=$(basename "$(dirname "$path")")
		echo "$flavour ${dir%%_*} ${dir#*_} $path"
		continue
	fi
	[ -n "$ver" ] || ver=$(apt-cache show --no-all-versions "$pkg" \
		2>/dev/null | awk '/^Version:/ { print $2; exit }')
	[ -n "$ver" ] || skip "apt-cache knows no version of $pkg"
	echo "$pkg $ver" >"$memo"
	dir="$cache/${pkg}_$ver"
	if [ ! -s "$dir/vmlinuz" ]; then
		work=$(mktemp -d "$cache/.work.XXXXXX") ||
			skip "cannot create a directory in $cache"
		if ! (cd "$work" && apt-get download "$pkg" \
			>"$work/download.log" 2>&1); then
			cat "$work/download.log" >&2
			rm -rf "$work"
			# Offline with an older kernel cached: use that one.
			if [ "$flavour" = amd64 ]; then
				path=$(cached "$flavour")
			else
				path=$(cached_cloud "$flavour")
			fi
			[ -n "$path" ] ||
				skip "apt-get download $pkg failed: the" \
					"archive cannot be reached"
			echo "fetch-kernels: using the cached $path" >&2
			dir=$(basename "$(dirname "$path")")
			echo "$flavour ${dir%%_*} ${dir#*_} $path"
			continue
		fi
		deb=$(ls "$work"/*.deb | head -n 1)
		mkdir -p "$work/x"
		if ! dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$work/x" --wildcards './boot/vmlinuz-*'; then
			rm -rf "$work"
			echo "fetch-kernels: $deb has no /boot/vmlinuz-*" >&2
			exit 1
		fi
		mkdir -p "$dir"
		mv "$deb" "$dir/"
		mv "$work"/x/boot/vmlinuz-* "$dir/vmlinuz"
		rm -rf "$work"
	fi
	echo "$flavour $pkg $ver $dir/vmlinuz"
done
