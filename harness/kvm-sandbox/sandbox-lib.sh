# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# The KVM sandbox's library: everything `sandbox` does, as functions a test
# script can source and call one by one. README.md documents them.
#
#   sb_require_qemu                 SKIP (77) with the reason unless QEMU is
#                                   installed; the only reason to skip
#   sb_fetch_kernel                 Debian's cloud kernel and its irqbypass,
#                                   kvm and kvm-amd modules, cached; sets
#                                   SB_KERNEL, SB_MODULES (in load order),
#                                   SB_KERNEL_PKG
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
	if [ ! -s "$dir/sandbox/kvm-amd.ko" ] || [ ! -s "$dir/vmlinuz" ]; then
		mkdir -p "$dir"
		deb=$(ls "$dir"/*.deb 2>/dev/null | head -n 1)
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
		work=$(mktemp -d "$kc/.work.XXXXXX")
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards \
			'./boot/vmlinuz-*' '*/irqbypass.ko*' '*/kvm.ko*' '*/kvm-amd.ko*' ||
			{ rm -rf "$work"; sb_die "$deb lacks the kernel or the kvm modules"; }
		mkdir -p "$dir/sandbox"
		[ -s "$dir/vmlinuz" ] || cp "$work"/boot/vmlinuz-* "$dir/vmlinuz"
		for m in irqbypass kvm kvm-amd; do
			local f
			f=$(find "$work" -name "$m.ko*" | head -n 1)
			[ -n "$f" ] || { rm -rf "$work"; sb_die "$deb has no $m.ko"; }
			# Debian may ship them compressed; busybox insmod wants
			# them plain.
			case $f in
			*.ko.xz) xz -dc "$f" >"$dir/sandbox/$m.ko" ;;
			*.ko.zst) zstd -dcq "$f" >"$dir/sandbox/$m.ko" ;;
			*.ko.gz) gzip -dc "$f" >"$dir/sandbox/$m.ko" ;;
			*) cp "$f" "$dir/sandbox/$m.ko" ;;
			esac || { rm -rf "$work"; sb_die "cannot decompress $f"; }
		done
		rm -rf "$work"
	fi
	SB_KERNEL=$dir/vmlinuz
	SB_MODULES=$(_sb_module_order "$dir/sandbox")
	exec 8>&-
}

# The three modules in dependency order (modinfo -F depends), falling back
# to the known order when modinfo is unavailable.
_sb_module_order() {
	local dir=$1 done='' m d left=3 progress
	if ! command -v modinfo >/dev/null 2>&1; then
		echo "$dir/irqbypass.ko $dir/kvm.ko $dir/kvm-amd.ko"
		return
	fi
	local out=
	while [ $left -gt 0 ]; do
		progress=0
		for m in irqbypass kvm kvm-amd; do
			case " $done " in *" $m "*) continue ;; esac
			local ok=1
			for d in $(modinfo -F depends "$dir/$m.ko" | tr ',' ' '); do
				case " $done " in *" $d "*) ;; *) ok=0 ;; esac
			done
			if [ $ok = 1 ]; then
				done="$done $m"
				out="$out $dir/$m.ko"
				left=$((left - 1))
				progress=1
			fi
		done
		[ $progress = 1 ] || sb_die "module dependencies outside the three: $(
			modinfo -F depends "$dir"/*.ko | tr '\n' ' ')"
	done
	echo "${out# }"
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
