#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the bench VM (started by tests/bench/bench.sh through run-vm):
# for each round and case, load one implementation of /dev/vhost-vsock
# (ours: our vhost.ko + vhost_vsock.ko by path; in-tree: `modprobe
# vhost_vsock`), run vsockbench, unload it, then the same with the other
# one.  Never both loaded at once.  The AF_VSOCK core (vsock,
# vmw_vsock_virtio_transport_common) stays loaded; vhost_vsock, vhost and
# vhost_iotlb come and go.  Result lines: "VSOCK ours|linux <vsockbench
# fields>"; commentary lines start with "# ".
#
# Environment (from bench.sh): OURDIR (our vhost.ko, vhost_vsock.ko),
# VSOCKBENCH, VSOCK_SECS (timed seconds per run), ROUNDS, VSOCK_CASES
# (words MODE:BYTES, e.g. "h2g:4096 g2h:65536 rr:64").
set -euo pipefail

note() { echo "# $*"; }
fail() {
	note "error: $*"
	exit 1
}

# A host socket closed while its peer never answered holds vhost_vsock
# until AF_VSOCK's close timeout (8 s): wait for it, bounded.
wait_unused() {
	local m=$1
	for _ in $(seq 300); do
		[ "$(cat /sys/module/"$m"/refcnt 2>/dev/null || echo 0)" = 0 ] && return 0
		sleep 0.05
	done
	fail "$m still in use after 15 s (refcnt $(cat /sys/module/"$m"/refcnt 2>/dev/null))"
}

unload_all() {
	local m
	for m in vhost_vsock vhost_net vhost_test vhost_scsi vhost vhost_iotlb; do
		[ -d /sys/module/$m ] || continue
		wait_unused $m
		rmmod $m || fail "rmmod $m failed (refcnt $(cat /sys/module/$m/refcnt 2>/dev/null))"
	done
	if [ -d /sys/module/vhost_vsock ] || [ -d /sys/module/vhost ]; then
		fail "a vhost module is still loaded"
	fi
}

wait_node() {
	for _ in $(seq 100); do
		[ -c /dev/vhost-vsock ] && return 0
		sleep 0.05
	done
	fail "/dev/vhost-vsock did not appear"
}

load_ours() {
	local dep
	for dep in $(modinfo -F depends "$OURDIR/vhost.ko" "$OURDIR/vhost_vsock.ko" | tr ',' ' '); do
		[ "$dep" = vhost ] && continue
		modprobe "$dep" || fail "modprobe $dep"
	done
	insmod "$OURDIR/vhost.ko" || fail "insmod our vhost.ko"
	insmod "$OURDIR/vhost_vsock.ko" || fail "insmod our vhost_vsock.ko"
	wait_node
	case "$(cat /sys/module/vhost_vsock/taint)" in
	*O*) ;;
	*) fail "our vhost_vsock is not tainted O" ;;
	esac
	[ "$verbose" = 0 ] || note "ours:    vhost taint=$(cat /sys/module/vhost/taint) vhost_vsock taint=$(cat /sys/module/vhost_vsock/taint) ($OURDIR)"
}

load_linux() {
	modprobe vhost_vsock || fail "modprobe vhost_vsock (in-tree)"
	wait_node
	case "$(cat /sys/module/vhost_vsock/taint)$(cat /sys/module/vhost/taint)" in
	*O*) fail "the vhost_vsock loaded by modprobe is out of tree: not the distribution's" ;;
	esac
	[ "$verbose" = 0 ] || note "in-tree: vhost taint=$(cat /sys/module/vhost/taint) vhost_vsock taint=$(cat /sys/module/vhost_vsock/taint) ($(modinfo -n vhost_vsock))"
}

one() { # ours|linux CASE: load, run one case, unload
	local impl=$1 mode size line
	IFS=: read -r mode size <<<"$2"
	unload_all
	case $impl in
	ours) load_ours ;;
	linux) load_linux ;;
	esac
	if ! line=$("$VSOCKBENCH" -m "$mode" -s "$size" -t "$VSOCK_SECS" 2>&1); then
		while IFS= read -r l; do echo "# $l"; done <<<"$line"
		dmesg | tail -n 5 | sed 's/^/# dmesg: /'
		fail "$impl: vsockbench -m $mode -s $size failed"
	fi
	echo "VSOCK $impl $line"
	unload_all
}

modprobe vsock || fail "modprobe vsock"
modprobe vmw_vsock_virtio_transport_common || fail "modprobe vmw_vsock_virtio_transport_common"
note "vsock: kernel $(uname -r), $(nproc) vCPUs, ${VSOCK_SECS} s per run, $ROUNDS round(s)"
verbose=1
for ((r = 1; r <= ROUNDS; r++)); do
	i=0
	for c in $VSOCK_CASES; do
		if (((r + i) % 2)); then
			one ours "$c"
			one linux "$c"
		else
			one linux "$c"
			one ours "$c"
		fi
		verbose=0
		i=$((i + 1))
	done
done
unload_all
# What the kernel said about vhost or vsock (loads, unloads, complaints):
# in the log, and counted on the console.
klog=$(dmesg | grep -i -E 'vhost|vsock' | grep -v -E 'loading out-of-tree|module verification failed' || true)
if [ -n "$klog" ]; then
	while IFS= read -r l; do echo "dmesg: $l"; done <<<"$klog"
fi
note "vsock: done; $(grep -c . <<<"$klog" || true) kernel log line(s) mention vhost or vsock (see the log)"
