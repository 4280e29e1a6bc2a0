# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# The KVM sandbox's library: everything `sandbox` does, as functions a test
# script can source and call one by one. README.md documents them.
#
#   sb_require_qemu                 SKIP (77) with the reason unless QEMU is
#                                   installed; the only reason to skip
#   sb_fetch_kernel                 Debian's cloud kernel package, cached;
#                                   sets SB_KERNEL, SB_KERNEL_PKG,
#                                   SB_KERNEL_DIR and SB_MODULES (the
#                                   sandbox's: kvm-amd and tun with their
#                                   dependencies, in load order)
#   sb_kernel_modules DIR NAME...   modules of that package and their
#                                   dependencies, plain .ko files in DIR;
#                                   prints their paths in load order
#   sb_initramfs_begin DIR          start a root tree in DIR
#   sb_add_file PATH [DEST]         copy a file in (at the same path by
#                                   default); ELF executables bring their
#                                   shared libraries and loader (ldd)
#   sb_add_qemu                     qemu-system-x86_64, its libraries and
#                                   its x86 firmware
#   sb_add_tests LIST               the test list (see `sandbox --help`),
#                                   with every file it names
#   sb_initramfs_end OUT            write the cpio archive: a cached base
#                                   layer (busybox, modules, QEMU) and the
#                                   per-run layer, concatenated
#   sb_boot INITRD LOG              boot it under QEMU TCG; the console
#                                   goes to stdout and, time-stamped, LOG
#   sb_split LOG RESULTS            one result per test from LOG
#
# Settings (environment): SB_VCPUS (2), SB_MEM (MiB, 2048), SB_QEMU
# (qemu-system-x86_64), SB_CACHE (${XDG_CACHE_HOME:-$HOME/.cache}/cvmm),
# SB_KERNEL_FLAVOUR (cloud-amd64), SB_BOOT_TIMEOUT (seconds for the whole
# run, default: the sum of the tests' timeouts + 300), SB_VERBOSE (1 shows
# the kernel's boot messages).

SB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SB_VCPUS=${SB_VCPUS:-2}
SB_MEM=${SB_MEM:-2048}
SB_QEMU=${SB_QEMU:-qemu-system-x86_64}
SB_CACHE=${SB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cvmm}
SB_KERNEL_FLAVOUR=${SB_KERNEL_FLAVOUR:-cloud-amd64}
SB_VERBOSE=${SB_VERBOSE:-0}
# Bump when the base layer's content changes shape.
SB_LAYOUT=3

sb_log() { echo "sandbox: $*" >&2; }
sb_die() {
	echo "sandbox: error: $*" >&2
	exit 1
}

# Host time in seconds, to the microsecond.
sb_now() { echo "$EPOCHREALTIME"; }

# Read the console line by line as it arrives (awk would buffer its input
# until the end), stamp each line with the time into LOG, and show it:
# the kernel's boot messages only with SB_VERBOSE=1.
_sb_console() {
	local log=$1 line ready=0
	exec 7>"$log"
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		printf '%s %s\n' "$EPOCHREALTIME" "$line" >&7
		case $line in @@SANDBOX\ ready*) ready=1 ;; esac
		if [ "$SB_VERBOSE" = 1 ] || [ $ready = 1 ] ||
			[[ $line == @@SANDBOX* || $line == sandbox:* ]]; then
			printf '%s\n' "$line"
		fi
	done
	exec 7>&-
}

sb_require_qemu() {
	if ! command -v "$SB_QEMU" >/dev/null 2>&1; then
		SB_SKIP_REASON="$SB_QEMU is not installed (apt-get install qemu-system-x86)"
		echo "sandbox: SKIP: $SB_SKIP_REASON"
		return 77
	fi
	local t
	for t in cpio busybox; do
		command -v "$t" >/dev/null 2>&1 ||
			sb_die "$t is missing (apt-get install cpio busybox-static)"
	done
	# A static busybox has no PT_INTERP: ldd says so.
	ldd "$(command -v busybox)" 2>&1 | grep -q 'not a dynamic executable' ||
		sb_die "busybox is not static (apt-get install busybox-static)"
	return 0
}

# ---- the kernel ----

# Resolve the image package the flavour's meta package depends on, e.g.
# linux-image-6.1.0-56-cloud-amd64, remembered until the apt lists change.
# Shares its cache (and memo files) with components/linux-loader's
# fetch-kernels.sh.
_sb_resolve_kernel() {
	local memo=$1 pkg='' ver=''
	if [ -s "$memo" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 \
		-name '*Packages*' -newer "$memo" 2>/dev/null)" ]; then
		read -r pkg ver <"$memo"
	fi
	if [ -z "$pkg" ]; then
		pkg=$(apt-cache depends "linux-image-$SB_KERNEL_FLAVOUR" 2>/dev/null |
			awk '/Depends: linux-image-/ { print $2; exit }')
		if [ -z "$pkg" ] && [ ! -e "$SB_CACHE/kernels/.apt-updated" ]; then
			# No package lists (a fresh machine): fetch them once.
			sb_log "no apt lists: apt-get update"
			apt-get update >"$SB_CACHE/kernels/apt-update.log" 2>&1 &&
				touch "$SB_CACHE/kernels/.apt-updated"
			pkg=$(apt-cache depends "linux-image-$SB_KERNEL_FLAVOUR" 2>/dev/null |
				awk '/Depends: linux-image-/ { print $2; exit }')
		fi
		[ -n "$pkg" ] && ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null |
			awk '/^Version:/ { print $2; exit }')
		[ -n "$pkg" ] && [ -n "$ver" ] && echo "$pkg $ver" >"$memo"
	fi
	echo "$pkg $ver"
}

sb_fetch_kernel() {
	local kc=$SB_CACHE/kernels pkg ver dir work deb m
	mkdir -p "$kc" || sb_die "cannot create $kc"
	exec 8>"$kc/.lock"
	flock 8 2>/dev/null || true
	read -r pkg ver < <(_sb_resolve_kernel "$kc/.resolved-$SB_KERNEL_FLAVOUR")
	if [ -z "$pkg" ]; then
		# The archive cannot tell: use the newest cached one.
		dir=$(ls -d "$kc"/linux-image-*-"$SB_KERNEL_FLAVOUR"_*/ 2>/dev/null |
			sort -V | tail -n 1)
		[ -n "$dir" ] || sb_die "no package for linux-image-$SB_KERNEL_FLAVOUR" \
			"in the apt lists and none cached in $kc"
		dir=${dir%/}
		pkg=$(basename "$dir") ver=${pkg#*_} pkg=${pkg%%_*}
	fi
	dir=$kc/${pkg}_$ver
	# shellcheck disable=SC2034 # for the caller
	SB_KERNEL_PKG="$pkg $ver"
	mkdir -p "$dir" || sb_die "cannot create $dir"
	deb=$(ls "$dir"/*.deb 2>/dev/null | head -n 1)
	# The package stays in the cache: modules are taken from it on demand.
	if [ -z "$deb" ] || [ ! -s "$dir/vmlinuz" ]; then
		if [ -z "$deb" ]; then
			sb_log "apt-get download $pkg"
			work=$(mktemp -d "$kc/.work.XXXXXX")
			(cd "$work" && apt-get download "$pkg" >download.log 2>&1) || {
				cat "$work/download.log" >&2
				rm -rf "$work"
				sb_die "apt-get download $pkg failed"
			}
			mv "$work"/*.deb "$dir/"
			rm -rf "$work"
			deb=$(ls "$dir"/*.deb | head -n 1)
		fi
		[ -s "$dir/vmlinuz" ] || {
			dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards \
				'./boot/vmlinuz-*' >"$dir/vmlinuz.tmp" &&
				[ -s "$dir/vmlinuz.tmp" ] &&
				mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
		} || { rm -f "$dir/vmlinuz.tmp"; sb_die "$deb lacks the kernel"; }
	fi
	SB_KERNEL=$dir/vmlinuz
	SB_KERNEL_DIR=$dir
	SB_MODULES=$(sb_kernel_modules "$dir/sandbox" $SB_SANDBOX_MODULES) ||
		sb_die "the sandbox's modules are missing"
	exec 8>&-
}

# The modules the sandbox loads: KVM (AMD's: QEMU's -cpu max has SVM), and
# tun for the tap interfaces of virtio-net tests. Their dependencies come
# along by themselves.
SB_SANDBOX_MODULES="kvm-amd tun"

# sb_kernel_modules DIR NAME...: the kernel package's modules NAME (module
# or file names: - and _ are the same) and everything they depend on,
# decompressed into DIR (busybox's insmod reads only plain .ko files); prints
# their paths in load order (dependencies first). Needs sb_fetch_kernel
# first. Modules already in DIR are not extracted again.
sb_kernel_modules() {
	local dir=$1 deb list want have=' ' order=' ' next m f b p d
	shift
	deb=$(ls "$SB_KERNEL_DIR"/*.deb 2>/dev/null | head -n 1)
	mkdir -p "$dir" || { sb_log "cannot create $dir"; return 1; }
	want=$(echo "$*" | tr - _)
	# One pass per dependency level: extract what is missing, read its
	# dependencies, until nothing new is asked for.
	while [ -n "${want// /}" ]; do
		next=''
		for m in $want; do
			case $have in *" $m "*) continue ;; esac
			if [ ! -s "$dir/$m.ko" ]; then
				[ -n "$deb" ] || { sb_log "no kernel package in $SB_KERNEL_DIR"; return 1; }
				[ -n "${list:-}" ] || list=$(dpkg-deb -c "$deb" | awk '{ print $NF }' | grep '\.ko')
				p=$(echo "$list" | while read -r f; do
					b=${f##*/} b=${b%%.ko*}
					[ "$(echo "$b" | tr - _)" = "$m" ] && { echo "$f"; break; }
				done)
				[ -n "$p" ] || { sb_log "$deb has no module $m"; return 1; }
				_sb_extract_module "$deb" "$p" "$dir/$m.ko" || return 1
			fi
			have="$have$m "
			for d in $(modinfo -F depends "$dir/$m.ko" | tr ',-' ' _'); do
				next="$next $d"
			done
		done
		want=$next
	done
	# Load order: repeatedly take the modules whose dependencies are in.
	local left progress
	left=$(echo "$have" | wc -w)
	while [ "$left" -gt 0 ]; do
		progress=0
		for m in $have; do
			case $order in *" $m "*) continue ;; esac
			local ok=1
			for d in $(modinfo -F depends "$dir/$m.ko" | tr ',-' ' _'); do
				case $order in *" $d "*) ;; *) ok=0 ;; esac
			done
			[ $ok = 1 ] || continue
			order="$order$m "
			left=$((left - 1))
			progress=1
		done
		[ $progress = 1 ] || { sb_log "circular module dependencies in:$have"; return 1; }
	done
	for m in $order; do printf '%s ' "$dir/$m.ko"; done | sed 's/ $//'
	echo
}

# Extract one module file from the package, decompressed.
_sb_extract_module() {
	local deb=$1 path=$2 out=$3
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "$path" | case $path in
		*.ko.xz) xz -dc ;;
		*.ko.zst) zstd -dcq ;;
		*.ko.gz) gzip -dc ;;
		*) cat ;;
	esac >"$out.$$" && [ -s "$out.$$" ] && mv "$out.$$" "$out" ||
		{ rm -f "$out.$$"; sb_log "cannot extract $path from $deb"; return 1; }
}

# ---- the initramfs ----

sb_initramfs_begin() {
	SB_ROOT=$1
	rm -rf "$SB_ROOT"
	mkdir -p "$SB_ROOT"/{bin,sbin,dev,proc,sys,tmp,sandbox} || sb_die "cannot create $SB_ROOT"
}

# Copy one file to $root at DEST (default: its own path), following
# symlinks; an ELF executable also gets its libraries and loader.
_sb_copy() {
	local root=$1 src=$2 dest=${3:-$2}
	[ -e "$root$dest" ] && return 0
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$src" "$root$dest" || sb_die "cannot copy $src"
	if head -c 4 "$src" | grep -q 'ELF'; then
		# Nothing for a static executable ("not a dynamic executable").
		local lib
		for lib in $(ldd "$src" 2>/dev/null |
			awk '/=> \// { print $3 } /^[ \t]*\/[^ ]*ld-linux/ { print $1 }'); do
			_sb_copy "$root" "$lib"
		done
	fi
}

sb_add_file() {
	[ -f "$1" ] || sb_die "no such file: $1"
	_sb_copy "$SB_ROOT" "$(realpath -s "$1")" "${2:-}"
}

# QEMU goes into the base layer (cached); remembered here, built later.
sb_add_qemu() {
	SB_WITH_QEMU=1
}

_sb_qemu_files() {
	local q f
	q=$(command -v "$SB_QEMU") || sb_die "$SB_QEMU is not installed"
	echo "$q"
	for f in qboot.rom bios-microvm.bin bios-256k.bin bios.bin kvmvapic.bin \
		linuxboot.bin linuxboot_dma.bin multiboot.bin multiboot_dma.bin \
		pvh.bin; do
		[ -e "/usr/share/qemu/$f" ] && echo "/usr/share/qemu/$f"
		# Debian's QEMU also looks for SeaBIOS in its own directory.
		[ -e "/usr/share/seabios/$f" ] && echo "/usr/share/seabios/$f"
	done
	# TCG is a loadable module in Debian's build.
	ls /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so 2>/dev/null
	return 0
}

# Parse a test list: "file PATH", "qemu", "test NAME TIMEOUT COMMAND...".
# Adds the files, writes $SB_ROOT/sandbox/tests (NAME TIMEOUT COMMAND per
# line) and sets SB_TEST_NAMES and SB_TESTS_TIMEOUT.
sb_add_tests() {
	local list=$1 kw rest name t cmd w
	[ -r "$list" ] || sb_die "cannot read the test list $list"
	: >"$SB_ROOT/sandbox/tests"
	SB_TEST_NAMES=()
	SB_TESTS_TIMEOUT=0
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line#"${line%%[![:space:]]*}"}
		case $line in '' | '#'*) continue ;; esac
		kw=${line%%[[:space:]]*}
		rest=${line#"$kw"}
		rest=${rest#"${rest%%[![:space:]]*}"}
		case $kw in
		file) sb_add_file "$rest" ;;
		qemu) sb_add_qemu ;;
		test)
			read -r name t cmd <<<"$rest"
			[ -n "$cmd" ] || sb_die "$list: 'test NAME TIMEOUT COMMAND...': $line"
			case $name in *[!A-Za-z0-9._+-]*) sb_die "$list: bad test name '$name'" ;; esac
			case $t in '' | *[!0-9]*) sb_die "$list: bad timeout '$t' for $name" ;; esac
			for n in "${SB_TEST_NAMES[@]}"; do
				[ "$n" != "$name" ] || sb_die "$list: test $name listed twice"
			done
			SB_TEST_NAMES+=("$name")
			SB_TESTS_TIMEOUT=$((SB_TESTS_TIMEOUT + t))
			# Absolute paths of existing files in the command come
			# along (a word, or the value of --opt=/path).
			for w in $cmd; do
				w=${w#*=}
				w=${w%\"} w=${w#\"} w=${w%\'} w=${w#\'}
				case $w in /*) [ -f "$w" ] && sb_add_file "$w" ;; esac
			done
			case " $cmd " in *qemu-system-x86_64* | *qemu-probe*) sb_add_qemu ;; esac
			printf '%s %s %s\n' "$name" "$t" "$cmd" >>"$SB_ROOT/sandbox/tests"
			;;
		*) sb_die "$list: unknown line: $line" ;;
		esac
	done <"$list"
}

# The base layer: busybox and its applets, the modules, QEMU if asked for.
# Cached by content under $SB_CACHE/sandbox.
_sb_base_layer() {
	local out_var=$1 key files=() f cpio dir
	read -r -a files <<<"$SB_MODULES"
	files=("$(command -v busybox)" "${files[@]}")
	[ "${SB_WITH_QEMU:-0}" = 1 ] && mapfile -t -O ${#files[@]} files < <(_sb_qemu_files)
	key=$( {
		echo "layout $SB_LAYOUT"
		for f in "${files[@]}"; do
			stat -L -c '%n %s %Y' "$f"
		done
	} | sha256sum | cut -c1-16)
	dir=$SB_CACHE/sandbox
	cpio=$dir/base-$key.cpio
	mkdir -p "$dir"
	if [ ! -s "$cpio" ]; then
		local root
		root=$(mktemp -d "$dir/.base.XXXXXX")
		mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules}
		cp "$(command -v busybox)" "$root/bin/busybox"
		for f in $(busybox --list-full); do
			[ -e "$root/$f" ] || ln -s /bin/busybox "$root/$f"
		done
		for f in $SB_MODULES; do
			cp "$f" "$root/lib/modules/"
		done
		if [ "${SB_WITH_QEMU:-0}" = 1 ]; then
			while read -r f; do _sb_copy "$root" "$f"; done < <(_sb_qemu_files)
		fi
		(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
			cpio -o -H newc --quiet -R 0:0) >"$cpio.tmp" &&
			mv "$cpio.tmp" "$cpio"
		rm -rf "$root"
		# Keep the cache small: the five newest bases.
		ls -t "$dir"/base-*.cpio 2>/dev/null | tail -n +6 | xargs -r rm -f
	fi
	printf -v "$out_var" '%s' "$cpio"
}

sb_initramfs_end() {
	local out=$1 base init
	_sb_base_layer base
	init=$SB_ROOT/init
	{
		echo "#!/bin/sh"
		echo "SB_MODULES='$(for m in $SB_MODULES; do printf '%s ' "/lib/modules/$(basename "$m")"; done)'"
		cat "$SB_LIB_DIR/init.sh"
	} >"$init"
	chmod 755 "$init"
	(cd "$SB_ROOT" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc --quiet -R 0:0) >"$out.run" || sb_die "cpio failed"
	cat "$base" "$out.run" >"$out" && rm -f "$out.run"
}

# ---- booting ----

# The host's TSC rate for tsc_early_khz: under TCG the guest's TSC runs at
# the host's, and without it the cloud kernel finds no way to calibrate
# (microvm has neither the PIT's speaker gate nor HPET nor a PM timer) and
# hangs before init.
_sb_tsc_khz() {
	awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo 2>/dev/null |
		grep . || echo 2000000
}

# sb_boot INITRD LOG [TIMEOUT]: boot and wait; prints the console (without
# the kernel's boot messages unless SB_VERBOSE=1) and writes it to LOG with
# each line prefixed by the host's uptime. Returns QEMU's status.
sb_boot() {
	local initrd=$1 log=$2 timeout=${3:-600} append st
	append="console=ttyS0 panic=-1 reboot=t mitigations=off"
	if [ "$SB_VERBOSE" = 1 ]; then
		append="$append loglevel=7"
	else
		append="$append quiet loglevel=3"
	fi
	append="$append tsc_early_khz=$(_sb_tsc_khz) rdinit=/init"
	SB_BOOT_START=$(sb_now)
	set -o pipefail
	timeout "$timeout" "$SB_QEMU" -M microvm,rtc=on -accel tcg -cpu max \
		-smp "$SB_VCPUS" -m "$SB_MEM" -kernel "$SB_KERNEL" \
		-initrd "$initrd" -append "$append" \
		-display none -nodefaults -serial stdio -monitor none \
		-no-reboot </dev/null 2>&1 | _sb_console "$log"
	st=$?
	set +o pipefail
	return $st
}

# sb_split LOG RESULTS: for each test a file RESULTS/NAME.log (its output),
# RESULTS/NAME.status (its exit status) and RESULTS/NAME.time (seconds, by
# the host's clock); RESULTS/sandbox.startup (seconds from QEMU's start to
# the sandbox's init being ready) and RESULTS/sandbox.fatal when it failed.
sb_split() {
	local log=$1 res=$2
	mkdir -p "$res"
	awk -v res="$res" -v t0="$SB_BOOT_START" '
		function out(f, s) { print s > f; close(f) }
		{
			t = $1; sub(/^[^ ]* /, "")
			# Output without a final newline runs into the marker:
			# keep the text, then read the marker.
			i = index($0, "@@SANDBOX ")
			if (i > 1) {
				if (name != "")
					print substr($0, 1, i - 1) > (res "/" name ".log")
				$0 = substr($0, i)
			}
		}
		/^@@SANDBOX ready/ { out(res "/sandbox.startup", sprintf("%.2f", t - t0)); next }
		/^@@SANDBOX fatal / { out(res "/sandbox.fatal", substr($0, 17)); next }
		/^@@SANDBOX begin / { name = $3; start = t; printf "" > (res "/" name ".log"); next }
		/^@@SANDBOX end / {
			split($4, s, "="); split($5, g, "=")
			out(res "/" $3 ".status", s[2])
			out(res "/" $3 ".time", sprintf("%.2f %s", t - start, g[2]))
			close(res "/" $3 ".log"); name = ""; next
		}
		/^@@SANDBOX done/ { out(res "/sandbox.done", sprintf("%.2f", t - t0)); next }
		name != "" { print > (res "/" name ".log") }
	' "$log"
}
