#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz OUR vhost modules.  Runs INSIDE the test VM, as root:
#
#   tests/fuzz/run-fuzz.sh MODDIR
#
# Loads vhost.ko, vhost_test.ko and, when built in MODDIR, vhost_net.ko,
# vhost_vsock.ko and vhost_scsi.ko (dependencies we do not build come from
# modprobe), gives vhost_scsi a LIO target port to attach to, runs
# build/vhost-fuzz against each device node, unloads everything.
#
# Prints one "PASS fuzz/<target>" or "FAIL fuzz/<target> - reason" line per
# target (test, iotlb, net, vsock, scsi) plus fuzz/modules_load and
# fuzz/modules_unload, notes and a summary on lines starting with "# ";
# exits non-zero if anything failed.
#
# Environment:
#   FUZZ_SECONDS  seconds for the whole run, shared evenly by the targets
#                 (default 70; 0 = no time limit)
#   FUZZ_OPS      operations for the whole run, shared evenly by the
#                 targets (default 0 = no limit; `make fuzz` passes 1000000)
#   FUZZ_SEED     seed (default: from the clock; printed either way).  The
#                 same seed replays the same operations (see README.md).
#   FUZZ_TARGETS  subset, e.g. "test net" (default: all five)
#   FUZZ_BLIND=1  no KCOV feedback even where the kernel has it
#   FUZZ_BIN      the binary (default: build/vhost-fuzz next to this script)

set -u

here=$(cd "$(dirname "$0")" && pwd)
bin=${FUZZ_BIN:-$here/build/vhost-fuzz}
moddir=${1:-}
seconds=${FUZZ_SECONDS:-70}
ops=${FUZZ_OPS:-0}
seed=${FUZZ_SEED:-$(( $(date +%s%N) & 0xffffffffffff ))}
targets=${FUZZ_TARGETS:-test iotlb net vsock scsi}
blind=
[ "${FUZZ_BLIND:-0}" = 1 ] && blind=-b

npass=0
nfail=0
# shellcheck source=tests/lib/modules.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/modules.sh"
lio=/sys/kernel/config/target
wwpn=naa.5001405fa2200001
rd=$lio/core/rd_mcp_4242

result() {		# result PASS|FAIL name [reason]
	if [ -n "${3:-}" ]; then
		echo "$1 fuzz/$2 - $3"
	else
		echo "$1 fuzz/$2"
	fi
	case $1 in
	PASS) npass=$((npass + 1)) ;;
	FAIL) nfail=$((nfail + 1)) ;;
	esac
}

note() { echo "# $*"; }

if [ -z "$moddir" ]; then
	echo "usage: $0 MODDIR" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	result FAIL modules_load "must run as root (inside the test VM)"
	exit 1
fi
if [ ! -x "$bin" ]; then
	result FAIL modules_load "$bin not built (make -C tests/fuzz on the host)"
	exit 1
fi
for m in vhost vhost_test; do
	if [ ! -f "$moddir/$m.ko" ]; then
		result FAIL modules_load "$moddir/$m.ko not found"
		exit 1
	fi
done

mountpoint -q /sys/kernel/debug 2>/dev/null ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mountpoint -q /sys/kernel/config 2>/dev/null ||
	mount -t configfs configfs /sys/kernel/config 2>/dev/null

# ---------------------------------------------------------------------
# load (as tests/suites/run-suites.sh does)

if ! vt_mod_unload_stale; then
	result FAIL modules_load "a vhost module is loaded and cannot be removed"
	exit 1
fi

load_one() {		# load_one NAME [PARAM=VALUE...]: ours, after its dependencies
	vt_mod_load "$moddir" "$@"
}

if ! load_one vhost || ! load_one vhost_test; then
	result FAIL modules_load "insmod vhost/vhost_test failed"
	exit 1
fi
declare -A have=([test]=1 [iotlb]=1)
for m in net vsock scsi; do
	[ -f "$moddir/vhost_$m.ko" ] || continue
	[ $m = net ] && for d in tun tap; do modprobe $d 2>/dev/null; done
	# vhost_scsi with 8 request rings, not 128: open() and close() of a
	# 128-ring device take ~100 ms each under the debug kernel
	params=
	[ $m = scsi ] && params=max_io_vqs=8
	if load_one vhost_$m $params; then
		have[$m]=1
	else
		note "vhost_$m.ko does not load"
	fi
done
result PASS modules_load
for _ in $(seq 50); do
	[ -c /dev/vhost-test ] && break
	sleep 0.1
done

# A LIO port for vhost_scsi's SET_ENDPOINT: one 1 MiB ramdisk LUN.
scsi_wwpn=
if [ -n "${have[scsi]:-}" ] && [ -d $lio ]; then
	tpg=$lio/vhost/$wwpn/tpgt_1
	if mkdir -p "$tpg" 2>/dev/null &&
		echo naa.5001405fa2200002 >"$tpg/nexus" 2>/dev/null &&
		mkdir -p $rd/disk && echo rd_pages=256 >$rd/disk/control &&
		echo 1 >$rd/disk/enable && mkdir -p "$tpg/lun/lun_0" &&
		ln -s $rd/disk "$tpg/lun/lun_0/disk"; then
		scsi_wwpn=$wwpn
	else
		note "could not set up a LIO port: scsi rings run without an endpoint"
	fi
fi

# ---------------------------------------------------------------------
# fuzz

ntargets=$(wc -w <<<"$targets")
t_seconds=$((seconds / ntargets))
[ "$seconds" -gt 0 ] && [ "$t_seconds" -eq 0 ] && t_seconds=1
t_ops=$((ops / ntargets))
[ "$ops" -gt 0 ] && [ "$t_ops" -eq 0 ] && t_ops=1
kcov=absent
[ -e /sys/kernel/debug/kcov ] && kcov=present
note "seed $seed, ${t_seconds}s and ${t_ops} ops (0: no limit) per target, KCOV $kcov${blind:+ (not used: FUZZ_BLIND=1)}"
pcfile=$(mktemp /tmp/fuzz-pcs.XXXXXX)
trap 'rm -f "$pcfile"' EXIT
total_ops=0
total_s=0
for t in $targets; do
	dev=/dev/vhost-$t
	[ "$t" = iotlb ] && dev=/dev/vhost-test
	if [ -z "${have[$t]:-}" ] || [ ! -c "$dev" ]; then
		result FAIL "$t" "$dev not present (module not built or not loaded)"
		continue
	fi
	out=$(timeout --kill-after=10 $((t_seconds > 0 ? t_seconds + 600 : 86400)) \
		"$bin" -t "$t" -s "$seed" -n "$t_ops" -T "$t_seconds" -w "$scsi_wwpn" -P "$pcfile" $blind 2>&1)
	rc=$?
	grep -v -E '^(PASS|FAIL) ' <<<"$out"
	line=$(grep -E '^(PASS|FAIL) fuzz/' <<<"$out" | tail -n 1)
	if [ $rc = 0 ] && [ "${line%% *}" = PASS ]; then
		result PASS "$t"
	elif [ -n "$line" ] && [ "${line%% *}" = FAIL ]; then
		result FAIL "$t" "${line#* - }"
	else
		result FAIL "$t" "vhost-fuzz exited $rc without a result"
	fi
	n=$(sed -n "s/^# fuzz\/$t: \([0-9]*\) ops in .*, \([0-9.]*\) s,.*/\1 \2/p" <<<"$out")
	if [ -n "$n" ]; then
		total_ops=$((total_ops + ${n% *}))
		total_s=$(awk -v a="$total_s" -v b="${n#* }" 'BEGIN { print a + b }')
	fi
done

# ---------------------------------------------------------------------
# unload

if [ -n "$scsi_wwpn" ]; then
	rm -f "$lio/vhost/$wwpn/tpgt_1/lun/lun_0/disk"
	rmdir "$lio/vhost/$wwpn/tpgt_1/lun/lun_0" "$lio/vhost/$wwpn/tpgt_1" \
		"$lio/vhost/$wwpn" $rd/disk $rd 2>/dev/null
	rmdir $lio/vhost 2>/dev/null
fi
# a closed AF_VSOCK socket whose peer never answered holds vhost_vsock
# until its close timeout (8 s)
if [ -n "${have[vsock]:-}" ]; then
	for _ in $(seq 200); do
		[ "$(cat /sys/module/vhost_vsock/refcnt 2>/dev/null)" = 0 ] && break
		sleep 0.1
	done
fi
if vt_mod_unload_all; then
	result PASS modules_unload
else
	result FAIL modules_unload "$vt_mod_unload_err"
fi

ops_s=$(awk -v o="$total_ops" -v s="$total_s" 'BEGIN { printf "%.0f", (s > 0 ? o / s : 0) }')
if [ "$kcov" = present ] && [ -z "$blind" ]; then
	cov="$(sort -u "$pcfile" | wc -l) distinct PCs (KCOV, union of all targets)"
else
	cov="KCOV absent: ran blind, no coverage figure"
fi
echo "# fuzz: $npass passed, $nfail failed; seed $seed; $total_ops ops in ${total_s}s ($ops_s ops/s); $cov"
[ "$nfail" -eq 0 ]
