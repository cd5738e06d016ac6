# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # vsock, intree, work, pids, direct_attempt: lib.sh, the driver
# shellcheck disable=SC2034 # area, libvirt_cid: read by lib.sh's functions, libvirt.sh
#
# vhost-vsock under the guests of tests/clients/qemu-clients.sh (sourced by it, after lib.sh;
# not with --no-vsock): -device vhost-vsock-pci,guest-cid=3 (libvirt's <vsock>: CID 4).  socat
# over AF_VSOCK between the host (CID 2) and the guest echoes 1 MiB of random bytes back, the
# host connecting to a guest listener and the reverse, SOCK_STREAM and SOCK_SEQPACKET.
# Cases (client/vsock/...):
#   qemu-holds-vhost-vsock                    QEMU holds 1 /dev/vhost-vsock, the module is ours
#   {stream,seqpacket}-{host-to-guest,guest-to-host}   the echoes
#   datapath                                  our rings' counters in debugfs (ours only)

qemu_cid=3 libvirt_cid=4
vsock_bytes=1048576
vsock_port=5000

# vsock_qemu_devices: the device for start_qemu.
vsock_qemu_devices() { qemu_devices+=(-device "vhost-vsock-pci,guest-cid=$qemu_cid"); }

# sums FILE...: "SIZE SHA256" per file
sums() { local f; for f in "$@"; do echo "$(wc -c <"$f") $(sha256sum <"$f" | cut -d' ' -f1)"; done; }

# guest_echo_ok STATUS OUTPUT SENT GOT: the guest's command and its socat succeeded, and what
# came back is the 1 MiB sent.
guest_echo_ok() {
	[ "$1" = 0 ] && grep -q "^socat=0$" <<<"$2" && [ "$3" = "$4" ] && [ "${3%% *}" = $vsock_bytes ]
}

# vsock_guest_connects CASE SOCAT-OPTIONS: a host listener echoes (socat ... PIPE); the guest
# connects to CID 2, sends 1 MiB of random bytes, half-closes and compares what came back.
vsock_guest_connects() {
	local name=$1 opt=$2 port=$((++vsock_port)) srv rc out sent got
	socat -T 60 -t 30 "VSOCK-LISTEN:$port$opt" PIPE >"$work/vsock-$port.log" 2>&1 &
	srv=$!
	pids+=("$srv")
	gx 150 "head -c $vsock_bytes /dev/urandom >/tmp/v.in && timeout 120 socat -T 60 -t 30 - VSOCK-CONNECT:2:$port$opt,retry=100,interval=0.1 </tmp/v.in >/tmp/v.out; echo socat=\$?; for f in /tmp/v.in /tmp/v.out; do echo \"\$(stat -c %s \$f) \$(sha256sum <\$f | cut -d' ' -f1)\"; done"
	rc=$?
	out=$AOUT
	wait_for 30 sh -c "! kill -0 $srv 2>/dev/null" || kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	sent=$(grep -E '^[0-9]+ [0-9a-f]{64}$' <<<"$out" | sed -n 1p)
	got=$(grep -E '^[0-9]+ [0-9a-f]{64}$' <<<"$out" | sed -n 2p)
	check "$name" "guest rc=$rc, $(grep -o 'socat=[0-9]*' <<<"$out"); sent '$sent', got back '$got'" \
		guest_echo_ok "$rc" "$out" "$sent" "$got"
	if [ "$sent" != "$got" ] || [ -z "$sent" ]; then
		{ printf '%s' "$out"; cat "$work/vsock-$port.log"; } | show
	fi
}

# vsock_host_connects CASE SOCAT-OPTIONS CID: the same the other way: the guest listens and
# echoes, the host connects to CID.
vsock_host_connects() {
	local name=$1 opt=$2 cid=$3 port=$((++vsock_port)) rc sent got
	gx 20 "socat -T 60 -t 30 VSOCK-LISTEN:$port$opt PIPE >/tmp/vsock-$port.log 2>&1 &"
	head -c $vsock_bytes /dev/urandom >"$work/v.in"
	demo_say "host# socat - VSOCK-CONNECT:$cid:$port$opt <v.in >v.out   (1 MiB of random bytes)"
	timeout 120 socat -T 60 -t 30 - "VSOCK-CONNECT:$cid:$port$opt,retry=100,interval=0.1" \
		<"$work/v.in" >"$work/v.out" 2>"$work/v.err"
	rc=$?
	sent=$(sums "$work/v.in")
	got=$(sums "$work/v.out")
	if is_demo; then
		echo "host# cmp v.in v.out: $(cmp "$work/v.in" "$work/v.out" 2>&1 && echo same bytes)"
	fi
	check "$name" "host socat rc=$rc; sent '$sent', got back '$got'" round_trip_ok "$rc" "$sent" "$got"
	if [ $rc != 0 ] || [ "$sent" != "$got" ]; then
		{
			cat "$work/v.err"
			gx 10 "cat /tmp/vsock-$port.log" && printf '%s' "$AOUT"
		} | show
	fi
}

# vsock_cases QEMU-PID: QEMU holds our /dev/vhost-vsock, then the echoes both ways, both types.
vsock_cases() {
	local pid=$1 n d bad='' ndev=0 s t=$EPOCHREALTIME
	local area=vsock
	n=$(vhost_fds "$pid" /dev/vhost-vsock)
	check qemu-holds-vhost-vsock "QEMU $pid holds $n /dev/vhost-vsock fds (want 1); vhost_vsock taint '$(cat /sys/module/vhost_vsock/taint 2>/dev/null)'" \
		holds_ours "$n" 1 vhost_vsock
	banner "vsock: host (CID 2) <-> guest (CID $qemu_cid), socat echoes 1 MiB each way"
	if [ "${VHOST_CLIENT_RESET_ONCE:-}" = vsock ] && [ "$direct_attempt" = 1 ]; then
		note "VHOST_CLIENT_RESET_ONCE=vsock: the guest resets itself now"
		gx 5 'echo b >/proc/sysrq-trigger'
	fi
	vsock_host_connects stream-host-to-guest '' "$qemu_cid"
	vsock_guest_connects stream-guest-to-host ''
	vsock_host_connects seqpacket-host-to-guest ',type=5' "$qemu_cid"
	vsock_guest_connects seqpacket-guest-to-host ',type=5'
	# The bytes went through our device: its rings' counters (debugfs, ours only).
	if [ "$intree" = 0 ]; then
		for d in /sys/kernel/debug/vhost/vsock-"$pid"-*; do
			[ -d "$d" ] || continue
			ndev=$((ndev + 1))
			s=$(cat "$d"/vq* 2>/dev/null | awk '$1 == "chains" {c += $2} END {print c + 0}')
			note "${d##*/}: chains = $s"
			[ "$s" -gt 0 ] || bad+=" ${d##*/}"
		done
		check datapath "$ndev vsock devices of QEMU $pid in debugfs (want 1); without chains:$bad" \
			devices_busy "$ndev" 1 "$bad"
	fi
	timing vsock-cases "$t"
}

# vsock_unload: vhost_vsock goes.  (A host vsock socket closed while connected holds vhost_vsock
# until the guest answers, or for AF_VSOCK's close timeout of 8 s: bounded wait.)
vsock_unload() {
	# shellcheck disable=SC2016 # expands in sh -c
	[ "$vsock" = 0 ] || wait_for 20 sh -c '[ "$(cat /sys/module/vhost_vsock/refcnt 2>/dev/null || echo 0)" = 0 ]'
	rmmod vhost_vsock 2>/dev/null
}
