#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the core suites against OUR vhost modules.  Runs INSIDE the test VM,
# as root:
#
#   tests/suites/run-suites.sh MODDIR
#
# MODDIR holds vhost.ko and vhost_test.ko (and any of their dependencies
# that we build, e.g. vhost_iotlb.ko; other dependencies are modprobed).
# When MODDIR also holds vhost_net.ko it is loaded after them and the net
# suites (net, net_tx, net_rx) run against /dev/vhost-net; tun, tap,
# macvtap and veth come from modprobe.  Without vhost_net.ko (or if it
# does not load: lifecycle/vhost_net_load FAILs) every net case is
# reported as SKIP.
# The suite binaries must already be built on the host
# (make -C tests/suites); the VM sees the tree read-only.
#
# Prints one "PASS|FAIL|SKIP suites/<suite>/<case>[ - reason]" line per case,
# plus the runner's own cases under suites/lifecycle/; exits non-zero if any
# case failed.
#
# Environment: VT_BUILD_DIR (default: build/ next to this script),
# VT_SUITES (space-separated subset), VT_TIMEOUT_SCALE (default 2),
# VT_SUITE_TIMEOUT (seconds per suite binary, default 1800),
# VT_VHOST_NET_PARAMS (insmod parameters for vhost_net.ko, e.g.
# experimental_zcopytx=1).

set -u

here=$(cd "$(dirname "$0")" && pwd)
bindir=${VT_BUILD_DIR:-$here/build}
moddir=${1:-}
order="ioctl owner ring indirect eventidx sizes malformed memory iotlb dirtylog workers lifecycle stats concurrency net net_tx net_rx net_zerocopy vsock scsi catalogue dirtylog_audit"
net_suites="net net_tx net_rx net_zerocopy"
vsock_suites="vsock"
scsi_suites="scsi"
export VT_TIMEOUT_SCALE=${VT_TIMEOUT_SCALE:-2}
suite_timeout=${VT_SUITE_TIMEOUT:-1800}

npass=0
nfail=0
nskip=0
# shellcheck source=tests/lib/modules.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/modules.sh"

result() {		# result STATUS suite/case [reason]
	local st=$1 name=$2 reason=${3:-}

	if [ -n "$reason" ]; then
		echo "$st suites/$name - $reason"
	else
		echo "$st suites/$name"
	fi
	case $st in
	PASS) npass=$((npass + 1)) ;;
	FAIL) nfail=$((nfail + 1)) ;;
	SKIP) nskip=$((nskip + 1)) ;;
	esac
}

note() {
	echo "# $*" >&2
}

finish() {
	note "total: $npass passed, $nfail failed, $nskip skipped"
	[ "$nfail" -eq 0 ]
	exit $?
}

# ---------------------------------------------------------------------
# preconditions

if [ -z "$moddir" ]; then
	echo "usage: $0 MODDIR" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	result FAIL lifecycle/modules_load "must run as root (inside the test VM)"
	finish
fi
for m in vhost vhost_test; do
	if [ ! -f "$moddir/$m.ko" ]; then
		result FAIL lifecycle/modules_load "$moddir/$m.ko not found"
		finish
	fi
done
if [ ! -x "$bindir/ioctl" ]; then
	result FAIL lifecycle/modules_load \
		"suite binaries not built in $bindir (run make -C tests/suites on the host)"
	finish
fi

# ---------------------------------------------------------------------
# kernel log

kmsg_mark="vhost-suites: start $$ $(date +%s%N)"
echo "$kmsg_mark" >/dev/kmsg 2>/dev/null || true

bad_log_re='WARNING:|BUG:|Oops|general protection fault|KASAN|UBSAN|kernel BUG|refcount_t:|list_add corruption|list_del corruption|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|INFO: task .* blocked|soft lockup|hard LOCKUP|detected stall|Kernel panic|kmemleak'

log_since_mark() {
	dmesg 2>/dev/null | awk -v m="$kmsg_mark" 'f { print } index($0, m) { f = 1 }'
}

# ---------------------------------------------------------------------
# load

if [ -d /sys/module/vhost ]; then
	note "a vhost module is already loaded (taint: $(cat /sys/module/vhost/taint 2>/dev/null)); unloading it"
	if ! vt_mod_unload_stale; then
		result FAIL lifecycle/modules_load \
			"a vhost module is already loaded and cannot be removed (taint: $(cat /sys/module/vhost/taint 2>/dev/null))"
		finish
	fi
fi

load_one() {		# load_one NAME [PARAM=VALUE...]: ours, after its dependencies
	vt_mod_load "$moddir" "$@"
}

if ! load_one vhost || ! load_one vhost_test; then
	result FAIL lifecycle/modules_load "insmod failed (see stderr)"
	vt_mod_unload_all
	finish
fi

# load_device DEV [PARAM=VALUE...]: vhost_DEV, ours when built.  Sets
# have_DEV to 1 when it is loaded, and DEV_skip to why the DEV suites are
# skipped when it is not.
load_device() {
	local dev=$1 mod=vhost_$1 why='' have=0

	shift
	if [ ! -f "$moddir/$mod.ko" ]; then
		why="$mod.ko not built in $moddir"
		note "$why: the $dev suites are skipped"
	elif load_one "$mod" "$@"; then
		have=1
		result PASS "lifecycle/${mod}_load"
	else
		why="insmod $moddir/$mod.ko failed"
		result FAIL "lifecycle/${mod}_load" "$why (see stderr)"
	fi
	printf -v "have_$dev" '%s' "$have"
	printf -v "${dev}_skip" '%s' "$why"
}

have_net=0 have_vsock=0 have_scsi=0	# and the *_skip: set by load_device
net_skip='' vsock_skip='' scsi_skip=''
# vhost_net, with the net suites' network modules from modprobe
if [ -f "$moddir/vhost_net.ko" ]; then
	for m in tun tap macvtap veth; do
		[ -d "/sys/module/$m" ] || modprobe "$m" 2>/dev/null ||
			note "modprobe $m failed; cases that need it will SKIP or FAIL"
	done
fi
# shellcheck disable=SC2086
load_device net ${VT_VHOST_NET_PARAMS:-}
# vhost_vsock (AF_VSOCK and the shared virtio-vsock code come with it
# from modprobe), vhost_scsi (the LIO target core comes with it)
load_device vsock
load_device scsi
result PASS lifecycle/modules_load

taint_ok=1
ours="vhost vhost_test"
[ $have_net = 1 ] && ours="$ours vhost_net"
[ $have_vsock = 1 ] && ours="$ours vhost_vsock"
[ $have_scsi = 1 ] && ours="$ours vhost_scsi"
for m in $ours; do
	t=$(cat "/sys/module/$m/taint" 2>/dev/null)
	case "$t" in
	*O*) ;;
	*) taint_ok=0; note "/sys/module/$m/taint is '$t'" ;;
	esac
done
if [ $taint_ok = 1 ]; then
	result PASS lifecycle/modules_are_out_of_tree
else
	result FAIL lifecycle/modules_are_out_of_tree \
		"/sys/module/vhost*/taint lacks O: not our modules"
	finish
fi

# the misc device node (devtmpfs creates it; allow udev a moment)
for _ in $(seq 50); do
	[ -c /dev/vhost-test ] && break
	sleep 0.1
done
if [ $have_net = 1 ]; then
	for _ in $(seq 50); do
		[ -c /dev/vhost-net ] && break
		sleep 0.1
	done
fi
if [ $have_vsock = 1 ]; then
	for _ in $(seq 50); do
		[ -c /dev/vhost-vsock ] && break
		sleep 0.1
	done
fi
if [ ! -c /dev/vhost-test ]; then
	result FAIL lifecycle/device_node_present "/dev/vhost-test missing after insmod"
elif [ $have_net = 1 ] && [ ! -c /dev/vhost-net ]; then
	result FAIL lifecycle/device_node_present "/dev/vhost-net missing after insmod"
elif [ $have_vsock = 1 ] && [ ! -c /dev/vhost-vsock ]; then
	result FAIL lifecycle/device_node_present "/dev/vhost-vsock missing after insmod"
else
	result PASS lifecycle/device_node_present
fi

if ! mountpoint -q /sys/kernel/debug 2>/dev/null; then
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null ||
		note "could not mount debugfs; counter cases will SKIP"
fi

# ---------------------------------------------------------------------
# suites

# The catalogue and dirtylog_audit mix devices: their net, vsock and scsi
# cases SKIP with these reasons when that module is not loaded.
export VT_NET_SKIP=$net_skip VT_VSOCK_SKIP=$vsock_skip VT_SCSI_SKIP=$scsi_skip

tmpout=$(mktemp /tmp/vt-suite.XXXXXX)
trap 'rm -f "$tmpout"' EXIT
suites=${VT_SUITES:-}
if [ -z "$suites" ]; then
	suites=$order
	for f in "$bindir"/*; do
		b=$(basename "$f")
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then
			continue
		fi
		case "$b" in *.o | lib-selftest) continue ;; esac
		case " $order " in *" $b "*) continue ;; esac
		suites="$suites $b"
	done
fi

for s in $suites; do
	bin=$bindir/$s
	if [ ! -x "$bin" ]; then
		result FAIL "$s/binary_present" "$bin not built"
		continue
	fi
	skip_why=
	case " $net_suites " in *" $s "*) [ $have_net = 1 ] || skip_why=$net_skip ;; esac
	case " $vsock_suites " in *" $s "*) [ $have_vsock = 1 ] || skip_why=$vsock_skip ;; esac
	case " $scsi_suites " in *" $s "*) [ $have_scsi = 1 ] || skip_why=$scsi_skip ;; esac
	if [ -n "$skip_why" ]; then
		while read -r c; do
			result SKIP "${c#suites/}" "$skip_why"
		done < <("$bin" -l)
		continue
	fi
	note "suite $s"
	timeout --kill-after=10 "$suite_timeout" "$bin" 2>&1 | tee "$tmpout"
	rc=${PIPESTATUS[0]}
	out=$(cat "$tmpout")
	npass=$((npass + $(grep -c '^PASS ' <<<"$out")))
	nfail=$((nfail + $(grep -c '^FAIL ' <<<"$out")))
	nskip=$((nskip + $(grep -c '^SKIP ' <<<"$out")))
	case $rc in
	0) ;;
	1) grep -q '^FAIL ' <<<"$out" ||
		result FAIL "$s/suite_exit" "exit 1 without a FAIL line" ;;
	124 | 137) result FAIL "$s/suite_exit" "suite timed out after ${suite_timeout}s" ;;
	*) result FAIL "$s/suite_exit" "suite binary exited with status $rc" ;;
	esac
done

# ---------------------------------------------------------------------
# unload

unload_ok=1
unload_err=
# A closed AF_VSOCK socket whose peer never answered lingers (and holds
# vhost_vsock) until its close timeout, 8 s: wait for it, bounded.
if [ $have_vsock = 1 ]; then
	for _ in $(seq 200); do
		[ "$(cat /sys/module/vhost_vsock/refcnt 2>/dev/null)" = 0 ] && break
		sleep 0.1
	done
fi
# LIO's configfs objects pin vhost_scsi: the fabric's directory the cases
# made, and whatever a failed case left (LUN links, LUNs, TPGs, ports),
# then the ramdisk backstores.
if [ $have_scsi = 1 ]; then
	lio=/sys/kernel/config/target
	for l in "$lio"/vhost/*/tpgt_*/lun/lun_*/*; do [ -L "$l" ] && rm -f "$l"; done
	for d in "$lio"/vhost/*/tpgt_*/lun/lun_* "$lio"/vhost/*/tpgt_* "$lio"/vhost/*/ \
		"$lio"/core/rd_mcp_*/*/ "$lio"/core/rd_mcp_*; do
		[ -d "$d" ] || continue
		case ${d%/} in */alua | */pr | */statistics | */wwn | */attrib) continue ;; esac
		rmdir "${d%/}" 2>/dev/null && note "removed leftover ${d%/}"
	done
	[ ! -d "$lio/vhost" ] || rmdir "$lio/vhost" ||
		note "cannot remove $lio/vhost: vhost_scsi stays pinned"
fi
if ! vt_mod_unload_all; then
	unload_ok=0
	unload_err="$unload_err $vt_mod_unload_err"
fi
for m in vhost_scsi vhost_vsock vhost_net vhost_test vhost; do
	if [ -d /sys/module/$m ]; then
		unload_ok=0
		unload_err="$unload_err /sys/module/$m still present;"
	fi
done
if [ $unload_ok = 1 ]; then
	result PASS lifecycle/modules_unload_cleanly
else
	result FAIL lifecycle/modules_unload_cleanly "${unload_err# }"
fi

bad=$(log_since_mark | grep -E "$bad_log_re" | head -n 5)
if [ -z "$bad" ]; then
	result PASS lifecycle/kernel_log_clean
else
	log_since_mark | grep -E -B2 -A20 "$bad_log_re" | head -n 80 | sed 's/^/# dmesg: /' >&2
	result FAIL lifecycle/kernel_log_clean "$(head -n 1 <<<"$bad" | tr -s ' ')"
fi

finish
