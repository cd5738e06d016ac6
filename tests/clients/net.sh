# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2054 # commas in QEMU options
# shellcheck disable=SC2154 # mq, vsock, scsi_ok, intree, work, pids, gpid, gdir: lib.sh, the driver
#
# vhost-net under the direct QEMU guest of tests/clients/qemu-clients.sh (sourced by it, after
# lib.sh): two NICs over tap + vhost=on, sq0 (one queue pair, tap0, 169.254.1.0/24) and mq0
# (queues=2, mq=on, tap1, 169.254.2.0/24; not with --no-mq).  Cases (client/net/...):
#   qemu-holds-vhost-net  QEMU holds 1 (+ 2 for mq0) /dev/vhost-net fds, the module is ours
#   ping-*, iperf3-*      sq0: ping and iperf3 TCP (8 MiB), guest to host and host to guest
#   mq/*                  mq0: 2 combined channels, ping, and every queue pair carries data
#   vhost-datapath        no fallback to userspace; our per-ring counters (or vhost workers)

# net_qemu_devices: sq0 (+ mq0) for start_qemu.
net_qemu_devices() {
	qemu_devices+=(
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=on
		-device virtio-net-pci,netdev=n0,mac=52:54:00:76:68:01
	)
	[ "$mq" = 0 ] || qemu_devices+=(
		-netdev tap,id=n1,ifname=tap1,script=no,downscript=no,vhost=on,queues=2
		-device virtio-net-pci,netdev=n1,mac=52:54:00:76:68:02,mq=on,vectors=6
	)
}

# net_fds_want: the /dev/vhost-net descriptors QEMU holds, one per queue pair: 1 for sq0, 2 for
# mq0's.
net_fds_want() { echo $((mq ? 3 : 1)); }

# Bring a host tap up with an address once it exists.
tap_up() { # DEV ADDR/PREFIX
	wait_for 30 test -d "/sys/class/net/$1" || return 1
	ip addr add "$2" dev "$1" && ip link set "$1" up
}

# iperf3 server on the host, one test or until killed; waits until it listens.  Sets $srv.
iperf_srv() { # ADDR PORT LOG [-1]
	iperf3 -s -B "$1" -p "$2" "${@:4}" >"$3" 2>&1 &
	srv=$!
	pids+=("$srv")
	wait_for 20 sh -c "ss -Hltn 'sport = :$2' | grep -q ." || { note "iperf3 -s on $1:$2 does not listen"; return 1; }
}
# wait for a one-test host server to finish: status 0 and a receiver summary.
iperf_srv_done() { # LOG
	local rc
	wait_for 30 sh -c "! kill -0 $srv 2>/dev/null" || { kill "$srv"; return 1; }
	wait "$srv"
	rc=$?
	[ $rc = 0 ] && grep -q 'receiver' "$1"
}
# iperf_ok CLIENT-STATUS CLIENT-OUTPUT [SERVER-STATUS]: both ends finished, the client's summary
# has the receiver's line.
iperf_ok() { [ "${3:-0}" = 0 ] && succeeded_saying "$1" "$2" receiver; }

# net_holds_vhost_net: the proof that our module serves the NICs: QEMU holds /dev/vhost-net (1 for
# sq0, 2 for mq0's queue pairs), and the module behind it is still ours.
net_holds_vhost_net() {
	local n want
	want=$(net_fds_want)
	n=$(vhost_fds "$gpid")
	if is_demo; then
		banner "QEMU (pid $gpid) holds OUR /dev/vhost-net"
		echo "host# find /proc/$gpid/fd -lname /dev/vhost-net   (QEMU's descriptors)"
		find "/proc/$gpid/fd" -lname /dev/vhost-net -printf '%p -> %l\n'
		echo "host# cat /sys/module/vhost_net/taint"
		cat /sys/module/vhost_net/taint
	fi
	if holds_ours "$n" "$want" vhost_net; then
		result PASS qemu-holds-vhost-net
	else
		result FAIL qemu-holds-vhost-net "QEMU $gpid holds $n /dev/vhost-net fds (want $want); vhost_net taint '$(cat /sys/module/vhost_net/taint)'"
		find "/proc/$gpid/fd" -type l -printf '%p -> %l\n' | show
	fi
}

# net_addresses: the host's taps and the guest's sq0 get their addresses (mq0 its own in
# net_mq_cases).
net_addresses() {
	tap_up tap0 169.254.1.1/24 || note "tap0: cannot configure"
	[ "$mq" = 0 ] || tap_up tap1 169.254.2.1/24 || note "tap1: cannot configure"
	gx 30 "ip addr add 169.254.1.2/24 dev sq0 && ip link set sq0 up" || { note "guest sq0:"; printf '%s' "$AOUT" | show; }
}

# net_ping_cases: sq0, ping both ways.
net_ping_cases() {
	local rc out
	banner "guest 169.254.1.2 (sq0) <-> host 169.254.1.1 (tap0): ping both ways"
	gx 40 "ping -c 3 -w 30 169.254.1.1"
	rc=$?
	out=$AOUT
	check ping-guest-to-host "rc=$rc" ping_ok "$rc" "$out"
	[ $rc = 0 ] || printf '%s' "$out" | show
	hx busybox ping -c 3 -w 30 169.254.1.2
	rc=$?
	check ping-host-to-guest "rc=$rc" ping_ok "$rc" "$HOUT"
	[ $rc = 0 ] || printf '%s\n' "$HOUT" | show
}

# net_iperf_cases: sq0, iperf3 TCP both ways (completion checked, never throughput).
net_iperf_cases() {
	local rc src out
	banner "iperf3 TCP, 8 MiB each way"
	if iperf_srv 169.254.1.1 5201 "$work/srv1.log" -1; then
		gx 90 "timeout 80 iperf3 -c 169.254.1.1 -p 5201 -n 8M --connect-timeout 10000"
		rc=$?
		out=$AOUT
		iperf_srv_done "$work/srv1.log"
		src=$?
		check iperf3-guest-to-host "client rc=$rc, server ok=$src" iperf_ok "$rc" "$out" "$src"
		if [ $rc != 0 ] || [ $src != 0 ]; then { printf '%s' "$out"; cat "$work/srv1.log"; } | show; fi
	else
		result FAIL iperf3-guest-to-host "host iperf3 server did not start"
	fi
	gx 30 "iperf3 -s -1 -B 169.254.1.2 -p 5202 >/tmp/srv2.log 2>&1 & i=0; until netstat -ltn | grep -q ':5202 '; do i=\$((i+1)); [ \$i -lt 200 ] || exit 1; sleep 0.1; done"
	rc=$?
	if [ $rc = 0 ]; then
		hx timeout 90 iperf3 -c 169.254.1.2 -p 5202 -n 8M --connect-timeout 10000
		rc=$?
		check iperf3-host-to-guest "client rc=$rc" iperf_ok "$rc" "$HOUT"
		[ $rc = 0 ] || printf '%s\n' "$HOUT" | show
	else
		result FAIL iperf3-host-to-guest "guest iperf3 server did not start (rc=$rc)"
		printf '%s' "$AOUT" | show
	fi
}

# net_mq_cases: mq0 (queues=2) with 2 combined channels; each queue must carry traffic.
net_mq_cases() {
	local tt=$EPOCHREALTIME out cur rc hrc cmd c r k v ok
	gx 30 "ip addr add 169.254.2.2/24 dev mq0 && ip link set mq0 up; ethtool -L mq0 combined 2; ethtool -l mq0"
	out=$AOUT
	cur=$(sed -n '/Current hardware settings/,$p' <<<"$out" | awk '/^Combined:/ {print $2}')
	check mq/channels "ethtool -l mq0: current combined '$cur', want 2" [ "$cur" = 2 ]
	[ "$cur" = 2 ] || printf '%s' "$out" | show

	gx 40 "ping -c 3 -w 30 169.254.2.1"
	rc=$?
	out=$AOUT
	hx busybox ping -c 3 -w 30 169.254.2.2
	hrc=$?
	check mq/ping "guest->host rc=$rc, host->guest rc=$hrc" ping_ok "$rc" "$out" "$hrc" "$HOUT"

	# One client per guest CPU (XPS maps CPU n to tx queue n; the host's tap answers a flow on
	# the queue it came from), each way: every queue pair carries data in both directions.
	if iperf_srv 169.254.2.1 5301 "$work/srv3.log"; then
		cmd=''
		for c in 1 2; do
			for r in '' ' -R'; do
				cmd+="timeout 50 taskset $c iperf3 -c 169.254.2.1 -p 5301 -n 4M --connect-timeout 10000$r >/tmp/c.log 2>&1 || { echo FAILED: mask $c$r; cat /tmp/c.log; exit 1; }; "
			done
		done
		gx 240 "${cmd}ethtool -S mq0"
		rc=$?
		out=$AOUT
		kill "$srv" 2>/dev/null
		check mq/iperf3 "4 transfers (2 CPUs x 2 directions): rc=$rc" [ $rc = 0 ]
		[ $rc = 0 ] || printf '%s' "$out" | show
		# ethtool -S: "     rx_queue_0_bytes: 4431234"
		local -A qb=()
		while read -r k v; do qb[${k%:}]=$v; done < <(grep -E '^ *(rx|tx)_queue_[01]_bytes:' <<<"$out")
		note "mq0 per-queue bytes: $(for k in rx_queue_0_bytes rx_queue_1_bytes tx_queue_0_bytes tx_queue_1_bytes; do printf '%s=%s ' $k "${qb[$k]:-?}"; done)"
		ok=0
		for k in rx_queue_0_bytes rx_queue_1_bytes tx_queue_0_bytes tx_queue_1_bytes; do
			[ "${qb[$k]:-0}" -ge 1000000 ] || ok=1
		done
		check mq/both-queues "a queue carried less than 1 MB one way (see the line above)" [ $ok = 0 ]
	else
		result FAIL mq/iperf3 "host iperf3 server did not start"
	fi
	timing multiqueue-cases "$tt"
}

# net_datapath: the data really went through vhost: no fallback to userspace virtio, and our
# per-ring counters (debugfs, ours only) or the kernel's vhost workers of this QEMU.
net_datapath() {
	local fb d s q w bad='' dbg=() want
	want=$(net_fds_want)
	fb=$(grep -iE 'falling back|vhost.*(fail|error)|could not' "$gdir/qemu.log")
	for d in /sys/kernel/debug/vhost/net-"$gpid"-*; do [ -d "$d" ] && dbg+=("$d"); done
	if [ -n "$fb" ]; then
		result FAIL vhost-datapath "QEMU: $(head -n1 <<<"$fb")"
	elif [ ${#dbg[@]} -gt 0 ]; then
		banner "the traffic went through OUR vhost-net: its per-ring counters in debugfs"
		for d in "${dbg[@]}"; do
			s=$(cat "$d"/vq* 2>/dev/null | awk '$1 == "chains" {c += $2} $1 == "bytes" {b += $2} END {print c + 0, b + 0}')
			note "${d##*/}: chains, bytes = $s"
			[ "${s%% *}" -gt 0 ] || bad+=" ${d##*/}"
			is_demo || continue
			for q in "$d"/vq*; do echo "host# cat $q"; cat "$q"; done
		done
		check vhost-datapath "devices with no chains:$bad; ${#dbg[@]} devices (want $want)" \
			devices_busy "${#dbg[@]}" "$want" "$bad"
	else
		w=$(cat /proc/[0-9]*/task/[0-9]*/comm 2>/dev/null | grep -c "^vhost-$gpid$")
		# (One worker per vhost device of this QEMU: the NICs' queue pairs, vsock, scsi.)
		note "no debugfs counters for QEMU $gpid; vhost-$gpid workers: $w"
		check vhost-datapath "$w vhost-$gpid workers (want $((want + vsock + scsi_ok)))" \
			[ "$w" = $((want + vsock + scsi_ok)) ]
	fi
}
