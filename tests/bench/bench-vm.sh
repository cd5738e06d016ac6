#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the bench VM (started by tests/bench/bench.sh through run-vm):
# for each round and case, load one implementation of /dev/vhost-test,
# run ringbench, unload it, then the same with the other one.  Never
# both loaded at once.  Result lines: "BENCH ours|linux <ringbench fields>";
# commentary lines start with "# ".
#
# Environment (from bench.sh): OURDIR (our vhost.ko, vhost_test.ko),
# LINUXKO (Linux's vhost_test.ko built against the in-tree vhost.ko),
# RINGBENCH, DESCS, SECS, ROUNDS, RINGS.
set -uo pipefail

note() { echo "# $*"; }
fail() {
	note "error: $*"
	exit 1
}

vhost_loaded() { [ -d /sys/module/vhost ] || [ -d /sys/module/vhost_test ]; }

unload_all() {
	local m
	for m in vhost_test vhost_net vhost_vsock vhost_scsi vhost vhost_iotlb; do
		[ -d /sys/module/$m ] || continue
		rmmod $m || fail "rmmod $m failed (refcnt $(cat /sys/module/$m/refcnt 2>/dev/null))"
	done
	! vhost_loaded || fail "a vhost module is still loaded"
}

wait_node() {
	for _ in $(seq 100); do
		[ -c /dev/vhost-test ] && return 0
		sleep 0.05
	done
	fail "/dev/vhost-test did not appear"
}

load_ours() {
	local dep
	# whatever our vhost.ko needs from the kernel (nothing vhost-related)
	for dep in $(modinfo -F depends "$OURDIR/vhost.ko" | tr ',' ' '); do
		modprobe "$dep" || fail "modprobe $dep"
	done
	insmod "$OURDIR/vhost.ko" || fail "insmod our vhost.ko"
	insmod "$OURDIR/vhost_test.ko" || fail "insmod our vhost_test.ko"
	wait_node
	[ "$verbose" = 0 ] || note "ours:    vhost taint=$(cat /sys/module/vhost/taint) vhost_test taint=$(cat /sys/module/vhost_test/taint) ($OURDIR)"
}

load_linux() {
	modprobe vhost || fail "modprobe vhost (in-tree)"
	insmod "$LINUXKO" || fail "insmod Linux's vhost_test.ko"
	wait_node
	[ "$verbose" = 0 ] || note "in-tree: vhost taint=$(cat /sys/module/vhost/taint) ($(modinfo -n vhost)) vhost_test taint=$(cat /sys/module/vhost_test/taint) (Linux's test.c, built out of tree)"
	case "$(cat /sys/module/vhost/taint)" in
	*O*) fail "the vhost loaded by modprobe is out of tree: not the distribution's" ;;
	esac
}

one() { # ours|linux RING EVENT_IDX: load, run one case, unload
	local line
	unload_all
	case $1 in
	ours) load_ours ;;
	linux) load_linux ;;
	esac
	if ! line=$("$RINGBENCH" -n "$2" -e "$3" -c "$DESCS" -t "$SECS" 2>&1); then
		while IFS= read -r l; do echo "# $l"; done <<<"$line"
		dmesg | tail -n 5 | sed 's/^/# dmesg: /'
		fail "$1: ringbench -n $2 -e $3 failed"
	fi
	echo "BENCH $1 $line"
	unload_all
}

# Both implementations run each case back to back (the order alternating
# between rounds), so a slow spell on the host hits both alike.
note "kernel $(uname -r), $(nproc) vCPUs, $DESCS descriptors or ${SECS} s per run, $ROUNDS round(s)"
verbose=1
for ((r = 1; r <= ROUNDS; r++)); do
	for ring in $RINGS; do
		for ev in 0 1; do
			if (((r + ev) % 2)); then
				one ours "$ring" "$ev"
				one linux "$ring" "$ev"
			else
				one linux "$ring" "$ev"
				one ours "$ring" "$ev"
			fi
			verbose=0
		done
	done
done
note "done"
