#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection through every setup path of OUR vhost modules, then a
# leak check and the modules' unload. Runs INSIDE the debug kernel's VM
# (CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC,
# FAULT_INJECTION_DEBUG_FS, DEBUG_KMEMLEAK), as root:
#
#   tests/faultinject/run-faultinject.sh MODDIR
#
# MODDIR holds vhost.ko, vhost_test.ko, vhost_net.ko, vhost_vsock.ko and
# vhost_scsi.ko (built for the running kernel); their other dependencies
# (tun, vsock, target_core_mod, ...) come from modprobe. The binary must
# be built on the host (make -C tests/faultinject).
#
# Prints one "PASS|FAIL|SKIP faultinject/<dev>/<path>[ - reason]" line
# per setup path (faultinject.c says what each checks), then
#   faultinject/kmemleak_clean         no unreferenced object allocated
#                                      through our modules
#   faultinject/modules_unload_cleanly rmmod of each module works
#   faultinject/kernel_log_clean       no kernel report since the start
# and a "# faultinject: fail-nth points stepped: ..." summary line.
# Exits non-zero if any line is a FAIL.
#
# The injected failures log nothing with FI_VERBOSE=0 (the default); with
# 1 each logs "FAULT_INJECTION: forcing a failure." and a parameter line,
# with 2 a stack dump too ("Call Trace:"), and failed page allocations log
# "page allocation failure" with a stack dump whatever the setting. None
# of these match run-vm's or the suites' report patterns.
#
# Environment: FI_BUILD_DIR (default: build/ next to this script),
# FI_VERBOSE, FI_MAX_NTH, VT_TIMEOUT_SCALE (default 1; each path has 400 s); arguments after
# MODDIR select paths by glob (e.g. 'net/*').

set -u

here=$(cd "$(dirname "$0")" && pwd)
bindir=${FI_BUILD_DIR:-$here/build}
moddir=${1:-}
[ $# -gt 0 ] && shift
export VT_TIMEOUT_SCALE=${VT_TIMEOUT_SCALE:-1}
dbg=/sys/kernel/debug
lio=/sys/kernel/config/target

npass=0
nfail=0
nskip=0
# shellcheck source=tests/lib/modules.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/modules.sh"

result() {		# result STATUS name [reason]
	if [ -n "${3:-}" ]; then
		echo "$1 faultinject/$2 - $3"
	else
		echo "$1 faultinject/$2"
	fi
	case $1 in
	PASS) npass=$((npass + 1)) ;;
	FAIL) nfail=$((nfail + 1)) ;;
	SKIP) nskip=$((nskip + 1)) ;;
	esac
}

note() { echo "# $*" >&2; }

finish() {
	note "faultinject: $npass passed, $nfail failed, $nskip skipped"
	[ "$nfail" -eq 0 ]
	exit $?
}

if [ -z "$moddir" ]; then
	echo "usage: $0 MODDIR [PATH-GLOB...]" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	result FAIL modules_load "must run as root (inside the test VM)"
	finish
fi
if [ ! -x "$bindir/faultinject" ]; then
	result FAIL modules_load "$bindir/faultinject not built (make -C tests/faultinject)"
	finish
fi

kmsg_mark="vhost-faultinject: start $$ $(date +%s%N)"
echo "$kmsg_mark" >/dev/kmsg 2>/dev/null || true
# run-vm's report patterns (tests/vm/run-vm bad_re), plus lockdep's and
# the sleeping-in-atomic check's own words.
bad_re='(^|[^[:alnum:]_])(BUG|WARNING):|KASAN|UBSAN|possible circular locking|possible recursive locking'
bad_re+='|inconsistent lock state|suspicious RCU usage|INFO: possible|(^|[^[:alnum:]_])Oops'
bad_re+='|general protection fault|Kernel panic|hung task|blocked for more than'
bad_re+='|unreferenced object|detected stall|soft lockup|hard LOCKUP|refcount_t:'
bad_re+='|list_(add|del) corruption|sleeping function called from invalid context'
log_since_mark() {
	dmesg 2>/dev/null | awk -v m="$kmsg_mark" 'f { print } index($0, m) { f = 1 }'
}

mountpoint -q $dbg 2>/dev/null || mount -t debugfs debugfs $dbg 2>/dev/null

# ---------------------------------------------------------------------
# load (as tests/suites/run-suites.sh does)

if ! vt_mod_unload_stale; then
	result FAIL modules_load "a vhost module is loaded and cannot be removed"
	finish
fi

load_one() {		# load_one NAME: ours, after its dependencies
	vt_mod_load "$moddir" "$1"
}

for m in tun tap; do
	[ -d /sys/module/$m ] || modprobe $m 2>/dev/null || true
done
for m in vhost vhost_test vhost_net vhost_vsock vhost_scsi; do
	if [ ! -f "$moddir/$m.ko" ]; then
		note "$moddir/$m.ko not built: its paths SKIP"
		continue
	fi
	load_one $m || note "$m did not load: its paths SKIP"
done
if [ ! -d /sys/module/vhost ]; then
	result FAIL modules_load "vhost.ko did not load (see stderr)"
	finish
fi
for n in test net vsock scsi; do
	[ -d "/sys/module/vhost_$n" ] || continue
	for _ in $(seq 50); do
		[ -c /dev/vhost-$n ] && break
		sleep 0.1
	done
done

# kmemleak: only what is found from here on counts
have_kmemleak=0
if [ -w $dbg/kmemleak ] && echo clear >$dbg/kmemleak 2>/dev/null; then
	have_kmemleak=1
fi

# ---------------------------------------------------------------------
# the paths

out=$(mktemp /tmp/fi-out.XXXXXX)
trap 'rm -f "$out"' EXIT
"$bindir/faultinject" "$@" 2>&1 | tee "$out" |
	sed -u -E -e 's#^(PASS|FAIL|SKIP) core/faultinject/#\1 faultinject/#' \
		-e 's#^\# points (faultinject/[^ ]+) ([0-9]+) #\# \1: \2 fail-nth points #'
npass=$((npass + $(grep -c '^PASS ' "$out")))
nfail=$((nfail + $(grep -c '^FAIL ' "$out")))
nskip=$((nskip + $(grep -c '^SKIP ' "$out")))

summary=$(awk '/^# points / { sub("faultinject/", "", $3); s = s sep $3 " " $4; sep = ", "; t += $4 }
	END { printf "%s; total %d", s, t }' "$out")
echo "# faultinject: fail-nth points stepped: $summary"

# ---------------------------------------------------------------------
# leaks: scanned while our modules are loaded, so their backtraces
# name our functions

if [ $have_kmemleak = 1 ]; then
	# kmemleak reports nothing younger than 5 s, and an object only on
	# the second scan that finds it unreferenced (and unchanged).
	sleep 6
	echo scan >$dbg/kmemleak
	echo scan >$dbg/kmemleak
	leaks=$(awk -v RS='unreferenced object' 'NR > 1 && /\[vhost(_[a-z]+)?\]/ { print "unreferenced object" $0 }' \
		$dbg/kmemleak)
	if [ -z "$leaks" ]; then
		result PASS kmemleak_clean
	else
		while IFS= read -r l; do echo "# kmemleak: $l"; done <<<"$leaks" | head -n 200 >&2
		result FAIL kmemleak_clean "$(grep -c '^unreferenced object' <<<"$leaks") unreferenced objects allocated through our modules (see stderr)"
	fi
else
	result SKIP kmemleak_clean "no $dbg/kmemleak (kernel without CONFIG_DEBUG_KMEMLEAK)"
fi

# ---------------------------------------------------------------------
# unload: nothing may pin our modules

if [ -d /sys/module/vhost_vsock ]; then
	# AF_VSOCK sockets of the cases linger until their close timeout
	for _ in $(seq 200); do
		[ "$(cat /sys/module/vhost_vsock/refcnt 2>/dev/null)" = 0 ] && break
		sleep 0.1
	done
fi
# LIO's configfs objects pin vhost_scsi: those a failed case left (LUN
# links, LUNs, TPGs, ports, ramdisk backstores), then target/vhost.
if [ -d "$lio/vhost" ]; then
	for l in "$lio"/vhost/*/tpgt_*/lun/lun_*/*; do [ -L "$l" ] && rm -f "$l"; done
	for d in "$lio"/vhost/*/tpgt_*/lun/lun_* "$lio"/vhost/*/tpgt_* "$lio"/vhost/*/ \
		"$lio"/core/rd_mcp_*/*/ "$lio"/core/rd_mcp_*; do
		[ -d "$d" ] || continue
		case ${d%/} in */alua | */pr | */statistics | */wwn | */attrib | */discovery_auth) continue ;; esac
		rmdir "${d%/}" 2>/dev/null && note "removed leftover ${d%/}"
	done
	rmdir "$lio/vhost" || note "cannot remove $lio/vhost: vhost_scsi stays pinned"
fi
if vt_mod_unload_all; then
	result PASS modules_unload_cleanly
else
	result FAIL modules_unload_cleanly "$vt_mod_unload_err"
fi

bad=$(log_since_mark | grep -E "$bad_re" | head -n 5)
if [ -z "$bad" ]; then
	result PASS kernel_log_clean
else
	log_since_mark | grep -E -B2 -A20 "$bad_re" | head -n 80 | sed 's/^/# dmesg: /' >&2
	result FAIL kernel_log_clean "$(head -n 1 <<<"$bad" | tr -s ' ')"
fi

finish
