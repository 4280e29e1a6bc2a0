# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
#
# The sandbox's /init (busybox sh), after the two lines sb_initramfs_end
# writes first: the shebang and SB_MODULES (the modules in load order).
#
# Mounts proc, sys and dev (/tmp is the initramfs' own, which holds the
# files put in at their host paths), loads the modules, checks
# /dev/kvm, then runs /sandbox/tests one line at a time ("NAME TIMEOUT
# COMMAND...") with the console as output, framed for the host:
#
#   @@SANDBOX ready uptime=U              init reached, KVM usable
#   @@SANDBOX begin NAME
#   ... the command's output ...
#   @@SANDBOX end NAME status=S time=T    T: guest seconds (its clock is
#                                         unreliable under TCG)
#   @@SANDBOX done
#   @@SANDBOX fatal REASON                the sandbox itself failed
#
# Without tests (sandbox shell) it starts a shell on the console. Then it
# powers off, which ends QEMU.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/tmp TMPDIR=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm /dev/pts /tmp
mount -t tmpfs tmpfs /dev/shm

fatal() {
	echo "@@SANDBOX fatal $*"
	echo "sandbox: the last kernel messages:"
	dmesg | tail -n 40
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
}

for m in $SB_MODULES; do
	out=$(insmod "$m" 2>&1) || fatal "insmod $m failed: $out"
done
[ -c /dev/kvm ] || fatal "no /dev/kvm after loading the modules"
# /dev/kvm opens only if the CPU has usable virtualization.
exec 3<>/dev/kvm || fatal "cannot open /dev/kvm: kvm-amd found no SVM?"
exec 3>&-

uptime_s() { cut -d' ' -f1 /proc/uptime; }

echo "@@SANDBOX ready uptime=$(uptime_s) kernel=$(uname -r) cpus=$(nproc)"
dmesg | grep -E 'kvm|SVM' | sed 's/^/sandbox: /'

if [ ! -s /sandbox/tests ]; then
	echo "sandbox: no tests: a shell (exit to power off)"
	setsid cttyhack sh
else
	while read -r name timeout cmd; do
		echo "@@SANDBOX begin $name"
		t0=$(uptime_s)
		(cd /tmp && timeout "$timeout" sh -c "$cmd") </dev/null 2>&1
		st=$?
		t1=$(uptime_s)
		echo "@@SANDBOX end $name status=$st time=$(awk -v a="$t0" -v b="$t1" \
			'BEGIN { printf "%.2f", b - a }')"
	done </sandbox/tests
fi
echo "@@SANDBOX done"
sync
poweroff -f
sleep 5
echo o >/proc/sysrq-trigger
