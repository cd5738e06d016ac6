#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the bench VM (started by tests/bench/bench.sh through run-vm):
# for each round and case, load one implementation of /dev/vhost-net (ours:
# our vhost.ko + vhost_net.ko by path; in-tree: `modprobe vhost_net`), run
# netbench, unload it, then the same with the other one.  Never both
# loaded at once.  Result lines: "NET ours|linux <netbench fields>";
# commentary lines start with "# ".
#
# Environment (from bench.sh): OURDIR (our vhost.ko, vhost_net.ko),
# NETBENCH, NET_SECS (timed seconds per run), ROUNDS, NET_CASES (words
# MODE:FRAME[:gso], e.g. "tx:64 rx:1500 rx:65214:gso").
set -uo pipefail

note() { echo "# $*"; }
fail() {
	note "error: $*"
	exit 1
}

unload_all() {
	local m
	for m in vhost_net vhost_test vhost_vsock vhost_scsi vhost vhost_iotlb; do
		[ -d /sys/module/$m ] || continue
		rmmod $m || fail "rmmod $m failed (refcnt $(cat /sys/module/$m/refcnt 2>/dev/null))"
	done
	if [ -d /sys/module/vhost_net ] || [ -d /sys/module/vhost ]; then
		fail "a vhost module is still loaded"
	fi
}

wait_node() {
	for _ in $(seq 100); do
		[ -c /dev/vhost-net ] && return 0
		sleep 0.05
	done
	fail "/dev/vhost-net did not appear"
}

load_ours() {
	local dep
	for dep in $(modinfo -F depends "$OURDIR/vhost.ko" | tr ',' ' '); do
		modprobe "$dep" || fail "modprobe $dep"
	done
	insmod "$OURDIR/vhost.ko" || fail "insmod our vhost.ko"
	insmod "$OURDIR/vhost_net.ko" || fail "insmod our vhost_net.ko"
	wait_node
	case "$(cat /sys/module/vhost_net/taint)" in
	*O*) ;;
	*) fail "our vhost_net is not tainted O" ;;
	esac
	[ "$verbose" = 0 ] || note "ours:    vhost taint=$(cat /sys/module/vhost/taint) vhost_net taint=$(cat /sys/module/vhost_net/taint) ($OURDIR)"
}

load_linux() {
	modprobe vhost_net || fail "modprobe vhost_net (in-tree)"
	wait_node
	case "$(cat /sys/module/vhost_net/taint)$(cat /sys/module/vhost/taint)" in
	*O*) fail "the vhost_net loaded by modprobe is out of tree: not the distribution's" ;;
	esac
	[ "$verbose" = 0 ] || note "in-tree: vhost taint=$(cat /sys/module/vhost/taint) vhost_net taint=$(cat /sys/module/vhost_net/taint) ($(modinfo -n vhost_net))"
}

one() { # ours|linux CASE: load, run one case, unload
	local impl=$1 mode frame gso args line
	IFS=: read -r mode frame gso <<<"$2"
	args=(-m "$mode" -s "$frame" -t "$NET_SECS")
	[ -z "$gso" ] || args+=(-g)
	if [ "$mode" = rx ]; then
		if [ -z "$gso" ] && [ "$pktgen" = 1 ]; then
			args+=(-i pktgen)
		else
			args+=(-i packet)
		fi
	fi
	unload_all
	case $impl in
	ours) load_ours ;;
	linux) load_linux ;;
	esac
	if ! line=$("$NETBENCH" "${args[@]}" 2>&1); then
		while IFS= read -r l; do echo "# $l"; done <<<"$line"
		dmesg | tail -n 5 | sed 's/^/# dmesg: /'
		fail "$impl: netbench ${args[*]} failed"
	fi
	echo "NET $impl $line"
	unload_all
}

modprobe tun || fail "modprobe tun"
modprobe tap || fail "modprobe tap"
pktgen=0
if modprobe pktgen 2>/dev/null && [ -w /proc/net/pktgen/pgctrl ]; then
	pktgen=1
fi
note "net: kernel $(uname -r), $(nproc) vCPUs, ${NET_SECS} s per run, $ROUNDS round(s); RX injector: $([ $pktgen = 1 ] && echo "pktgen (plain frames), AF_PACKET (GSO frames)" || echo "AF_PACKET")"
verbose=1
r=0
for ((r = 1; r <= ROUNDS; r++)); do
	i=0
	for c in $NET_CASES; do
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
note "net: done"
