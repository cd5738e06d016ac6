#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2016,SC2054 # commands for the guest or sh -c; commas in QEMU options
#
# vhost-net, vhost-vsock and vhost-scsi under real clients.  Runs INSIDE the test VM
# (tests/vm/run-vm), as root:
#
#   tests/clients/qemu-clients.sh [--demo] [--no-mq] [--no-libvirt] [--no-vsock] [--no-scsi] MODDIR
#   tests/clients/qemu-clients.sh [...] --in-tree      (Debian's own modules: the baseline)
#
# MODDIR holds our vhost.ko, vhost_net.ko, vhost_vsock.ko and vhost_scsi.ko; they are insmod'ed
# by path before anything opens /dev/vhost-* (or targetcli loads tcm_vhost), and the taint flag O
# proves that the loaded ones are ours.  targetcli (targetcli-fb, with a private D-Bus standing in
# for the system bus it insists on) makes a LIO target on the fabric "vhost": naa.5001405f0c1e0001,
# tpg1 with its nexus, LUN 0 a 64 MiB fileio backstore in the work dir.  Then a nested guest
# (Debian's 6.1 kernel, the busybox initramfs of tests/clients/guest-initramfs.sh) is started by
# QEMU with two NICs over tap + vhost=on: sq0 (one queue pair, tap0, 169.254.1.0/24) and mq0
# (queues=2, mq=on, tap1, 169.254.2.0/24), -device vhost-vsock-pci,guest-cid=3 and -device
# vhost-scsi-pci,wwpn=naa.5001405f0c1e0001.  The guest serves the host over a virtio-serial port
# (see tests/clients/guest-init); the host drives every step with a timeout.  Over vsock, socat
# echoes 1 MiB both ways (host connects to a guest listener and the reverse), SOCK_STREAM and
# SOCK_SEQPACKET.  Over vhost-scsi, the guest's virtio_scsi finds the disk, sg_inq, sg_luns and
# sg_readcap see LIO's LUN, 8 MiB written with O_DIRECT read back the same and are the same bytes
# in the backstore's file on the host.  Then the same guest is started by libvirtd (<interface
# type='ethernet'> with <driver name='vhost'/>, lvtap0, 169.254.3.0/24; <vsock model='virtio'>
# with CID 4; <hostdev type='scsi_host'> with <source protocol='vhost'>) when nested KVM works.
# At the end the target is removed in configfs (as targetcli's clearconfig does) and every
# module unloads.
#
# Nested guests run under KVM when `modprobe kvm_amd|kvm_intel` gives a working /dev/kvm in the
# test VM (the test VM must run with -cpu max), else under TCG.  Only link-local addresses are
# used and no device leaves the VM.
#
# Output: one "PASS|FAIL|SKIP client/net|vsock|scsi/<case>[ - reason]" line per case, "# ..."
# lines with details and timings.  Exit status 1 if any case failed.
#
# Environment: VHOST_CLIENT_GUEST_INITRD (the nested initramfs; built here if unset or missing),
# VHOST_CLIENT_ACCEL=kvm|tcg (force), VHOST_CLIENT_BOOT_TIMEOUT (s, default 180 under KVM, 600
# under TCG).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
demo=0 mq=1 libvirt=1 vsock=1 scsi=1 moddir='' intree=0 direct=1
while [ $# -gt 0 ]; do
	case "$1" in
	--demo) demo=1 mq=0 libvirt=0; shift ;;
	--no-mq) mq=0; shift ;;
	--no-libvirt) libvirt=0; shift ;;
	--no-vsock) vsock=0; shift ;;
	--no-scsi) scsi=0; shift ;;
	--in-tree) intree=1; shift ;;
	--skip-qemu) direct=0; shift ;; # (development: only the libvirt part)
	-*) echo "qemu-clients: unknown option $1" >&2; exit 2 ;;
	*) moddir=$1; shift ;;
	esac
done
[ $intree = 1 ] || [ -n "$moddir" ] || { echo "usage: $0 [--demo] [--no-mq] [--no-libvirt] [--no-vsock] [--no-scsi] MODDIR|--in-tree" >&2; exit 2; }
[ -z "$moddir" ] || moddir=$(realpath "$moddir")

npass=0 nfail=0 nskip=0
result() { # STATUS CASE [REASON]
	echo "$1 client/${area:-net}/$2${3:+ - $3}"
	case $1 in PASS) npass=$((npass + 1)) ;; FAIL) nfail=$((nfail + 1)) ;; *) nskip=$((nskip + 1)) ;; esac
}
# check CASE REASON-IF-FAILED COMMAND...: PASS if the command succeeds.
check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then result PASS "$name"; else result FAIL "$name" "$why"; fi
}
note() { echo "# $*"; }
show() { # indent a block of output (demo: always; tests: on failure)
	sed 's/^/#   /'
}
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
T0=$EPOCHREALTIME
timing() { note "time: $1 $(since "$2") s (total $(since "$T0") s)"; }

# Demo output (--demo: scripts/demo.sh, tests/demo/demo-vm.sh): the commands and what they print.
is_demo() { [ "$demo" = 1 ]; }
# demo_say TEXT...: print TEXT in demo mode.
demo_say() {
	is_demo || return 0
	echo "$*"
}
# demo_run COMMAND...: run COMMAND (which prints something) in demo mode only.
demo_run() {
	is_demo || return 0
	"$@"
}
banner() { demo_say "== $*"; }

# Predicates the checks share.
# succeeded_saying STATUS OUTPUT PATTERN: STATUS is 0 and a line of OUTPUT matches PATTERN.
succeeded_saying() { [ "$1" = 0 ] && grep -q -- "$3" <<<"$2"; }
# ping_ok STATUS OUTPUT [STATUS OUTPUT]...: every ping succeeded and lost no packet.
ping_ok() {
	while [ $# -gt 0 ]; do
		succeeded_saying "$1" "$2" " 0% packet loss" || return 1
		shift 2
	done
}
# same_nonempty A B: A is not empty and B is the same.
same_nonempty() { [ -n "$1" ] && [ "$1" = "$2" ]; }
# round_trip_ok STATUS SENT GOT: the transfer succeeded and brought back what was sent.
round_trip_ok() { [ "$1" = 0 ] && same_nonempty "$2" "$3"; }
# holds_ours COUNT WANT MODULE: a QEMU holds WANT descriptors of MODULE's device, and MODULE is
# ours (or the run is the in-tree baseline).
holds_ours() { [ "$1" = "$2" ] && { [ "$intree" = 1 ] || vt_mod_is_ours "$3"; }; }
# devices_busy COUNT WANT IDLE: WANT devices of the QEMU in debugfs, none of them idle (IDLE is
# the list of those whose rings carried no chain).
devices_busy() { [ "$1" = "$2" ] && [ -z "$3" ]; }

work=$(mktemp -d /var/tmp/qemu-clients.XXXXXX)
pids=()      # background processes of ours to end at exit
libvirtd_pid=''
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$libvirtd_pid" ]; then
		virsh -q -c qemu:///system destroy vt-net >/dev/null 2>&1
		kill "$libvirtd_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Bounded poll: wait_for SECONDS COMMAND... (every 0.1 s until it succeeds).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# ---------------------------------------------------------------------------------------------
# Modules

# shellcheck source=tests/lib/modules.sh
. "$here/../lib/modules.sh"

tm=$EPOCHREALTIME
devs=(vhost_net)
[ $vsock = 0 ] || devs+=(vhost_vsock)
[ $scsi = 0 ] || devs+=(vhost_scsi)
note "kernel $(uname -r); $([ $intree = 1 ] && echo "Debian's in-tree ${devs[*]} (baseline)" || echo "our modules from $moddir")"
# Whatever an earlier step left loaded must not serve this run.
# (Debian's vhost_iotlb too: our vhost.ko exports the same symbols, so it cannot load beside it.)
vt_mod_unload_stale
taints() { local m; for m in vhost "${devs[@]}"; do printf "%s taint '%s' " "$m" "$(cat "/sys/module/$m/taint" 2>/dev/null)"; done; }
if [ $intree = 1 ]; then
	rc=0
	for m in "${devs[@]}"; do
		modprobe "$m" && [ -d "/sys/module/$m" ] && ! vt_mod_is_ours "$m" && ! vt_mod_is_ours vhost || rc=1
	done
	check load-in-tree "modprobe ${devs[*]} did not load Debian's modules: $(taints)" [ $rc = 0 ]
else
	rc=0
	for m in vhost "${devs[@]}"; do
		vt_mod_load "$moddir" "$m" && vt_mod_is_ours "$m" || rc=1
	done
	if [ $rc = 0 ]; then
		result PASS load-ours
	else
		result FAIL load-ours "insmod of ours failed or not ours: $(taints)(O = ours)"
		echo "# qemu-clients: not testing someone else's modules"
		exit 1
	fi
fi
note "$(taints)"
demo_say "host# grep vhost /proc/modules"
demo_run grep -E '^vhost' /proc/modules
modprobe tun 2>/dev/null
timing modules "$tm"

# ---------------------------------------------------------------------------------------------
# Nested guest: kernel, initramfs, accelerator

kimg=$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*' -printf '%p\n' | sort -V | tail -n1)
[ -n "$kimg" ] || { result FAIL guest-boot "no /boot/vmlinuz-6.1.* for the nested guest"; exit 1; }
initrd=${VHOST_CLIENT_GUEST_INITRD:-}
if [ -z "$initrd" ] || [ ! -f "$initrd" ]; then
	tm=$EPOCHREALTIME
	initrd=$(VHOST_CLIENT_GUEST_DIR=$work "$here/guest-initramfs.sh" "${kimg#/boot/vmlinuz-}") ||
		{ result FAIL guest-boot "cannot build the nested initramfs"; exit 1; }
	timing nested-initramfs-build "$tm"
fi

tm=$EPOCHREALTIME
# The first KVM VM on a host enables a static key in the scheduler (KVM's preempt notifiers) and
# the last one to go disables it: each flip live-patches __schedule, as loading kvm patches its
# static calls.  Under TCG (QEMU 7.2) a vCPU sometimes executes the transient int3 of such a patch
# after it is gone ("Oops: int3" in __schedule on 6.12, at the third create/destroy of a KVM VM in
# a loop; none in 30 with one CPU online).  So the patching happens with every CPU but 0 offline:
# kvm is loaded and one idle KVM VM is created and kept to the end of the VM's life (never killed:
# its exit would flip the key back), so that no later QEMU (libvirt alone probes 4 times) flips it.
kvm_setup() {
	modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null || {
		accel_why="neither kvm_amd nor kvm_intel loads (is the test VM's CPU -cpu max?)"
		return
	}
	[ -c /dev/kvm ] || return
	accel=kvm accel_why="/dev/kvm after modprobe kvm_amd/kvm_intel"
	qemu-system-x86_64 -accel kvm -machine none -S -nodefaults -no-user-config -display none \
		-monitor none </dev/null >/dev/null 2>&1 &
	kvm_keeper=$!
	wait_for 30 sh -c "ls -l /proc/$kvm_keeper/fd 2>/dev/null | grep -q kvm-vm" ||
		note "the KVM keeper (pid $kvm_keeper) holds no KVM VM"
}
# on_cpu0 COMMAND...: run COMMAND (in this shell) with the other CPUs offline.
on_cpu0() {
	local c off=() rc
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		[ "$(cat "$c" 2>/dev/null)" = 1 ] && echo 0 2>/dev/null >"$c" && off+=("$c")
	done
	"$@"
	rc=$?
	for c in "${off[@]}"; do echo 1 >"$c" || note "cannot bring ${c%/online} back online"; done
	return $rc
}
accel=tcg accel_why="no /dev/kvm"
if [ "${VHOST_CLIENT_ACCEL:-}" = tcg ]; then
	accel_why="VHOST_CLIENT_ACCEL=tcg"
else
	on_cpu0 kvm_setup
fi
note "nested accelerator: $accel ($accel_why); CPUs online: $(cat /sys/devices/system/cpu/online)"
timing kvm-probe "$tm"

bios=()
[ ! -f /usr/share/qemu/qboot.rom ] || bios=(-bios /usr/share/qemu/qboot.rom)
gargs="console=ttyS0 loglevel=4 panic=-1 rdinit=/init 8250.nr_uarts=1 edd=off acpi=noirq mitigations=off"

# ---------------------------------------------------------------------------------------------
# The guest agent: "ID COMMAND" lines to DIR/ctl.in, output and "@@END ID STATUS" from ctl.out
# (a QEMU pipe chardev on a virtio-serial port).  The FIFOs are opened read-write here first so
# that neither QEMU nor we block on opening them.

# agent_open DIR: create the FIFOs and open them as fds $ain/$aout.
agent_open() {
	apart=''
	mkfifo "$1/ctl.in" "$1/ctl.out"
	exec {ain}<>"$1/ctl.in" {aout}<>"$1/ctl.out"
}
agent_close() {
	[ -z "$ain" ] || exec {ain}>&- {aout}>&-
	ain='' aout=''
}

# agent_wait SECONDS PATTERN PID: read lines until one matches PATTERN (glob), the guest's QEMU
# PID dies, or the time is up.  Lines before the match accumulate in $AOUT; the match in $ALINE.
ain='' aout=''
apart='' # a line's beginning, when a read timed out in the middle of it
agent_wait() {
	local end=$((SECONDS + $1)) pat=$2 pid=$3 line rc
	ALINE=''
	while [ $SECONDS -lt $end ]; do
		IFS= read -r -t 1 -u "$aout" line
		rc=$?
		if [ $rc = 0 ]; then
			line=$apart$line
			apart=''
			# shellcheck disable=SC2053 # glob on purpose
			if [[ $line == $pat ]]; then
				ALINE=$line
				return 0
			fi
			AOUT+="$line"$'\n'
		elif [ $rc -gt 128 ]; then
			# Timed out: bash keeps what it read of the unfinished line.
			apart+=$line
			kill -0 "$pid" 2>/dev/null && continue
			AOUT+="$apart(the guest's QEMU exited)"$'\n'
			return 2
		elif ! kill -0 "$pid" 2>/dev/null; then
			AOUT+="(the guest's QEMU exited)"$'\n'
			return 2
		fi
	done
	AOUT+="(timed out after $1 s)"$'\n'
	return 1
}

# qemu_threads PID: name/state/wait channel of each of the process's threads, and the kernel
# stack of those in D state: what a QEMU that stopped answering waits on.  (No forks: the first
# timed-out command in a run shows it, with the guest console's tail.)
qemu_threads() {
	local t c w st k v _
	for t in /proc/"$1"/task/*; do
		c='' w='' st=''
		read -r c <"$t/comm"
		read -r w <"$t/wchan"
		while read -r k v _; do [ "$k" != State: ] || st=$v; done <"$t/status"
		printf '%s/%s/%s ' "$c" "$st" "$w"
		[ "$st" != D ] || { echo; cat "$t/stack"; }
	done 2>/dev/null
	echo
}
gx_diag=0 gx_gone=0
# gx SECONDS COMMAND: run COMMAND in the guest (one line); its output in $AOUT, returns its status
# (124 on timeout, 125 if the guest is gone).
aseq=0
gx() {
	local to=$1 cmd=$2 rc
	aseq=$((aseq + 1))
	AOUT=''
	demo_say "guest# $cmd"
	printf '%s %s\n' "$aseq" "$cmd" >&"$ain"
	agent_wait "$to" "@@END $aseq *" "$gpid"
	rc=$?
	case $rc in
	0) rc=${ALINE##* } ;;
	1) rc=124 ;;
	*) rc=125 ;;
	esac
	if [ "$rc" = 125 ] && [ $gx_gone = 0 ]; then
		gx_gone=1
		guest_diag
		# The cause in the result line itself: CI shows result lines first.
		result FAIL guest-alive "QEMU exited during '${cmd:0:60}'; console: $(tr -d '\r' <"$gdir/console.log" |
			grep -E 'BUG|panic|Oops|RIP:|error|Kernel' | tail -n 3 | tr '\n' '|'); host: $(dmesg |
			grep -E 'Out of memory|Killed process|oom-kill|BUG|WARNING|segfault|trap' | tail -n 3 | tr '\n' '|'); qemu: $(tail -n 2 "$gdir/qemu.log" | tr '\n' '|')"
	fi
	if [ "$rc" = 124 ] && [ $gx_diag = 0 ]; then
		gx_diag=1
		{
			echo "the guest did not finish '$cmd' within $to s; QEMU $gpid threads (name/state/wchan):"
			qemu_threads "$gpid"
			echo "-- guest console (tail):"
			tr -d '\r' <"$gdir/console.log" | tail -n 15
		} | show
	fi
	demo_run printf '%s' "$AOUT"
	return "$rc"
}
# hx COMMAND...: run on the host (the test VM), output in $HOUT; demo mode shows it.
hx() {
	local rc
	demo_say "host# $*"
	HOUT=$("$@" 2>&1)
	rc=$?
	demo_run printf '%s\n' "$HOUT"
	return $rc
}

# vhost_fds PID [DEVICE]: how many descriptors of /dev/vhost-net (or DEVICE) the process holds.
# (find, not a readlink per descriptor: each fork costs under TCG, and QEMU holds many.)
vhost_fds() {
	find "/proc/$1/fd" -lname "${2:-/dev/vhost-net}" 2>/dev/null | wc -l
}

# Bring a host tap up with an address once it exists.
tap_up() { # DEV ADDR/PREFIX
	wait_for 30 test -d "/sys/class/net/$1" || return 1
	ip addr add "$2" dev "$1" && ip link set "$1" up
}

# iperf3 server on the host, one test or until killed; waits until it listens.
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

# ---------------------------------------------------------------------------------------------
# QEMU

# start_qemu ACCEL: the guest with sq0 (+ mq0, + vsock); sets $gpid and $gdir.
qemu_cid=3 libvirt_cid=4
nstart=0
start_qemu() {
	local a=$1 cpu=max
	nstart=$((nstart + 1))
	gdir=$work/qemu-$nstart-$a
	mkdir -p "$gdir"
	agent_open "$gdir"
	[ "$a" = tcg ] || cpu=host
	local net=(
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=on
		-device virtio-net-pci,netdev=n0,mac=52:54:00:76:68:01
	)
	[ $mq = 0 ] || net+=(
		-netdev tap,id=n1,ifname=tap1,script=no,downscript=no,vhost=on,queues=2
		-device virtio-net-pci,netdev=n1,mac=52:54:00:76:68:02,mq=on,vectors=6
	)
	[ $vsock = 0 ] || net+=(-device "vhost-vsock-pci,guest-cid=$qemu_cid")
	[ $scsi_ok = 0 ] || net+=(-device "vhost-scsi-pci,wwpn=$scsi_wwpn")
	qemu=(
		qemu-system-x86_64 -name vt-net-guest -accel "$a" -cpu "$cpu" -smp 2 -m 512
		-display none -monitor none -nodefaults -no-user-config -no-reboot "${bios[@]}"
		-kernel "$kimg" -initrd "$initrd" -append "$gargs"
		-serial "file:$gdir/console.log"
		-device virtio-serial-pci -chardev "pipe,id=ctl,path=$gdir/ctl"
		-device virtserialport,chardev=ctl,name=ctl
		"${net[@]}"
	)
	note "${qemu[*]}"
	"${qemu[@]}" </dev/null >"$gdir/qemu.log" 2>&1 &
	gpid=$!
	pids+=("$gpid")
}
stop_qemu() {
	kill "$gpid" 2>/dev/null
	wait "$gpid" 2>/dev/null
	agent_close
	# QEMU removes its taps on exit; wait so the next one can have the names.
	wait_for 30 sh -c '! test -d /sys/class/net/tap0 && ! test -d /sys/class/net/tap1'
}
guest_diag() { # what went wrong, on stdout as comments
	local st=''
	if ! kill -0 "$gpid" 2>/dev/null; then
		wait "$gpid" 2>/dev/null
		st=$?
		[ "$st" != 127 ] || st="unknown (not our child)"
	fi
	{
		printf '%s' "$AOUT" | tail -n 20
		[ -z "$st" ] || echo "-- QEMU $gpid exited with status $st; kernel log (tail):"
		[ -z "$st" ] || dmesg | tail -n 15
		echo "-- console (tail):"
		tr -d '\r' <"$gdir/console.log" | tail -n 25
		echo "-- qemu:"
		cat "$gdir/qemu.log"
	} | show
}

# ---------------------------------------------------------------------------------------------
# vhost-vsock: socat over AF_VSOCK between the host (CID 2) and the guest, 1 MiB echoed back

vsock_bytes=1048576
vsock_port=5000
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
	local name=$1 opt=$2 port=$((++vsock_port)) srv rc out
	socat -T 60 -t 30 "VSOCK-LISTEN:$port$opt" PIPE >"$work/vsock-$port.log" 2>&1 &
	srv=$!
	pids+=("$srv")
	gx 150 "head -c $vsock_bytes /dev/urandom >/tmp/v.in && timeout 120 socat -T 60 -t 30 - VSOCK-CONNECT:2:$port$opt,retry=100,interval=0.1 </tmp/v.in >/tmp/v.out; echo socat=\$?; for f in /tmp/v.in /tmp/v.out; do echo \"\$(stat -c %s \$f) \$(sha256sum <\$f | cut -d' ' -f1)\"; done"
	rc=$?
	out=$AOUT
	wait_for 30 sh -c "! kill -0 $srv 2>/dev/null" || kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	local sent got
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
	local name=$1 opt=$2 cid=$3 port=$((++vsock_port)) rc
	gx 20 "socat -T 60 -t 30 VSOCK-LISTEN:$port$opt PIPE >/tmp/vsock-$port.log 2>&1 &"
	head -c $vsock_bytes /dev/urandom >"$work/v.in"
	demo_say "host# socat - VSOCK-CONNECT:$cid:$port$opt <v.in >v.out   (1 MiB of random bytes)"
	timeout 120 socat -T 60 -t 30 - "VSOCK-CONNECT:$cid:$port$opt,retry=100,interval=0.1" \
		<"$work/v.in" >"$work/v.out" 2>"$work/v.err"
	rc=$?
	local sent got
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
	vsock_host_connects stream-host-to-guest '' "$qemu_cid"
	vsock_guest_connects stream-guest-to-host ''
	vsock_host_connects seqpacket-host-to-guest ',type=5' "$qemu_cid"
	vsock_guest_connects seqpacket-guest-to-host ',type=5'
	# The bytes went through our device: its rings' counters (debugfs, ours only).
	if [ $intree = 0 ]; then
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

# ---------------------------------------------------------------------------------------------
# vhost-scsi: targetcli makes a LIO target on the fabric "vhost" (ours, or Debian's in-tree
# baseline); QEMU's vhost-scsi-pci (libvirt's <hostdev type='scsi_host'>) binds it and the guest's
# virtio_scsi sees LUN 0, a 64 MiB fileio backstore in the work dir, as a disk.

scsi_wwpn=naa.5001405f0c1e0001
scsi_bytes=$((64 << 20))
scsi_img=$work/scsi-disk.img
scsi_ok=0 # the target is set up: the guests get the device

# targetcli_shows_target OUTPUT NEXUS: "ls /vhost" shows the target, tpg1 with the nexus, lun0
# on fileio/vtdisk and its file.
targetcli_shows_target() {
	grep -q "o- $scsi_wwpn " <<<"$1" && grep -q "o- tpg1 .*\[$2" <<<"$1" &&
		grep -q "o- lun0 .*\[fileio/vtdisk ($scsi_img)" <<<"$1"
}

# scsi_setup: the target, made by targetcli: the targetcli-setup and targetcli-ls cases.
scsi_setup() {
	local area=scsi t=$EPOCHREALTIME tpg=/sys/kernel/config/target/vhost/$scsi_wwpn/tpgt_1
	local out rc nexus link why=''
	if ! command -v targetcli >/dev/null || ! command -v dbus-daemon >/dev/null; then
		result FAIL targetcli-setup "targetcli or dbus-daemon missing (targetcli-fb, dbus-daemon)"
		result FAIL targetcli-ls "targetcli did not run"
		return 1
	fi
	dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address="unix:path=$work/dbus.sock" \
		--nofork --nopidfile </dev/null >"$work/dbus.log" 2>&1 &
	pids+=("$!")
	if ! wait_for 20 test -S "$work/dbus.sock"; then
		result FAIL targetcli-setup "the private D-Bus did not come up: $(head -n 2 "$work/dbus.log")"
		result FAIL targetcli-ls "targetcli did not run"
		return 1
	fi
	# One targetcli session for all of it (each start costs 5-10 s under TCG), with its own home
	# (prefs, history) in the work dir and the private D-Bus as the system bus: targetcli asks the
	# bus for tcmu-runner's backstores and gives up when there is none.  "/vhost create"
	# makes tpg1 too and gives it a nexus with a generated naa name (rtslib does that for a
	# fabric with the "nexus" feature), so nothing is set by hand.
	local cmds=(
		"/backstores/fileio create name=vtdisk file_or_dev=$scsi_img size=$scsi_bytes"
		"/vhost create $scsi_wwpn"
		"/vhost/$scsi_wwpn/tpg1/luns create /backstores/fileio/vtdisk"
		"ls /vhost"
	)
	banner "vhost-scsi: targetcli makes a LIO target on the fabric \"vhost\", LUN 0 a 64 MiB file"
	demo_run printf 'host# targetcli %s\n' "${cmds[@]}"
	out=$(printf '%s\n' "set global auto_save_on_exit=false" "${cmds[@]}" exit |
		TARGETCLI_HOME=$work/targetcli DBUS_SYSTEM_BUS_ADDRESS=unix:path=$work/dbus.sock targetcli 2>&1)
	rc=$?
	demo_run sed -n '/o- vhost/,/o- lun0/p' <<<"$out"
	nexus=$(cat "$tpg/nexus" 2>/dev/null)
	link=$(find "$tpg/lun/lun_0" -maxdepth 1 -type l -printf '%l' 2>/dev/null)
	[ $rc = 0 ] || why+="targetcli exited with $rc; "
	[[ $nexus == naa.* ]] || why+="$tpg/nexus is '$nexus'; "
	[[ $link == */fileio_*/vtdisk ]] || why+="lun_0 links to '$link', not to the fileio backstore; "
	[ "$(stat -c %s "$scsi_img" 2>/dev/null)" = $scsi_bytes ] || why+="no $scsi_bytes-byte $scsi_img; "
	# (targetcli runs "modprobe tcm_vhost", the alias: ours must still be the one loaded.)
	[ $intree = 1 ] || vt_mod_is_ours vhost_scsi || why+="vhost_scsi taint '$(cat /sys/module/vhost_scsi/taint)'; "
	check targetcli-setup "${why%; }" [ -z "$why" ]
	note "nexus $nexus, lun_0 -> $link"
	check targetcli-ls "targetcli ls /vhost does not show $scsi_wwpn/tpg1 [$nexus]/lun0 on fileio/vtdisk" \
		targetcli_shows_target "$out" "$nexus"
	[ -z "$why" ] || printf '%s\n' "$out" | show
	timing scsi-setup "$t"
	[ -z "$why" ]
}

# scsi_teardown: the target goes the way targetcli's clearconfig takes it down, straight in
# configfs (targetcli would take 10-15 s more): the LUN, the TPG with its nexus, the port, the
# fabric's directory (which holds the module), the backstore; then the module unloads.
scsi_teardown() {
	local area=scsi t=$EPOCHREALTIME cfs=/sys/kernel/config/target l why=''
	if [ -d $cfs/vhost ]; then
		for l in "$cfs"/vhost/naa.*/tpgt_*/lun/lun_*/*; do [ ! -L "$l" ] || rm -f "$l"; done
		rmdir $cfs/vhost/naa.*/tpgt_*/lun/lun_* $cfs/vhost/naa.*/tpgt_* $cfs/vhost/naa.* 2>/dev/null
		rmdir $cfs/vhost || why="rmdir $cfs/vhost failed: $(find $cfs/vhost -mindepth 1 -maxdepth 3 -type d | tr '\n' ' ')"
		rmdir $cfs/core/fileio_*/vtdisk $cfs/core/fileio_* 2>/dev/null
		check scsi-target-removed "$why" [ -z "$why" ]
	fi
	rmmod vhost_scsi 2>/dev/null
	timing scsi-teardown "$t"
}

# lio_disk_ok STATUS SECTORS VENDOR: the guest found a disk of the backstore's size from LIO.
lio_disk_ok() { [ "$1" = 0 ] && [ "$2" = $((scsi_bytes / 512)) ] && [ "$3" = LIO-ORG ]; }
# only_lun0 STATUS OUTPUT: sg_luns succeeded and reports exactly one LUN, LUN 0.
only_lun0() {
	[ "$1" = 0 ] && [ "$(grep -cE "^ +[0-9a-f]{16}$" <<<"$2")" = 1 ] && grep -qE "^ +0{16}$" <<<"$2"
}

# scsi_disk CASE: wait for the guest's disk (sd*) and set $sdev; its size and LIO's vendor.
sdev=''
scsi_disk() {
	local rc line sectors vendor t=$EPOCHREALTIME
	gx 90 'i=0; until d=$(ls /sys/block | grep -m1 "^sd") && [ -b /dev/$d ]; do i=$((i + 1)); [ $i -lt 600 ] || { ls /sys/block; exit 1; }; sleep 0.1; done; echo "disk $d $(cat /sys/block/$d/size) $(cat /sys/block/$d/device/vendor)"; echo "uptime $(cat /proc/uptime)"; dmesg | grep -E "scsi|sd " | tail -n 4'
	rc=$?
	line=$(grep -m1 '^disk ' <<<"$AOUT")
	# (The demo shows the whole output already.)
	is_demo || grep -Ev '^(disk .*)?$' <<<"$AOUT" | while IFS= read -r l; do note "guest: $l"; done
	read -r _ sdev sectors vendor <<<"$line"
	check "$1" "guest rc=$rc, disk '$sdev', $sectors sectors (want $((scsi_bytes / 512))), vendor '$vendor'" \
		lio_disk_ok "$rc" "$sectors" "$vendor"
	[ $rc = 0 ] || printf '%s' "$AOUT" | show
	timing "$1" "$t"
	[ $rc = 0 ] && [ -n "$sdev" ]
}

# scsi_sg PREFIX [all]: sg_inq (LIO's vendor); with "all" also sg_luns (LUN 0 only) and sg_readcap
# (the backstore's size).
scsi_sg() {
	local p=$1 rc t=$EPOCHREALTIME
	gx 30 "sg_inq /dev/$sdev"
	rc=$?
	check "${p}sg-inq" "rc=$rc, no 'Vendor identification: LIO-ORG'" \
		succeeded_saying "$rc" "$AOUT" "Vendor identification: LIO-ORG"
	[ $rc = 0 ] || printf '%s' "$AOUT" | show
	[ "${2:-}" = all ] || return 0
	gx 30 "sg_luns /dev/$sdev"
	rc=$?
	check "${p}sg-luns" "rc=$rc, want exactly LUN 0000000000000000" only_lun0 "$rc" "$AOUT"
	[ $rc = 0 ] || printf '%s' "$AOUT" | show
	gx 30 "sg_readcap /dev/$sdev"
	rc=$?
	check "${p}sg-readcap" "rc=$rc, no 'Device size: $scsi_bytes bytes'" \
		succeeded_saying "$rc" "$AOUT" "Device size: $scsi_bytes bytes"
	[ $rc = 0 ] || printf '%s' "$AOUT" | show
	timing "${p}sg" "$t"
}

# scsi_dd PREFIX OFFSET-MIB: the guest writes 8 MiB of random bytes at OFFSET with O_DIRECT and
# reads them back the same way; the host finds the same bytes in the backstore's file.
scsi_dd() {
	local p=$1 at=$2 rc sent got host t=$EPOCHREALTIME
	gx 120 "dd if=/dev/urandom of=/tmp/pat bs=1M count=8 iflag=fullblock 2>/dev/null && dd if=/tmp/pat of=/dev/$sdev bs=1M seek=$at oflag=direct conv=fsync && dd if=/dev/$sdev of=/tmp/back bs=1M skip=$at count=8 iflag=direct && sha256sum /tmp/pat /tmp/back"
	rc=$?
	sent=$(awk '$2 == "/tmp/pat" {print $1}' <<<"$AOUT")
	got=$(awk '$2 == "/tmp/back" {print $1}' <<<"$AOUT")
	check "${p}dd-roundtrip" "guest rc=$rc; wrote '$sent', read back '$got'" round_trip_ok "$rc" "$sent" "$got"
	[ $rc = 0 ] || printf '%s' "$AOUT" | show
	timing "${p}dd" "$t"
	demo_say "host# dd if=${scsi_img##*/} bs=1M skip=$at count=8 | sha256sum   (the backstore's file)"
	host=$(dd if="$scsi_img" bs=1M skip="$at" count=8 2>/dev/null | sha256sum | cut -d' ' -f1)
	demo_say "$host  -"
	check "${p}host-sees-data" "the backstore's file has '$host' at $at MiB, the guest wrote '$sent'" \
		same_nonempty "$sent" "$host"
}

# scsi_rings_busy NDEV CHAINS BYTES: one device, whose request rings carried chains and more bytes
# than the 8 MiB read back.
scsi_rings_busy() { [ "$1" = 1 ] && [ "$2" -gt 0 ] && [ "$3" -gt $((8 << 20)) ]; }

# scsi_cases QEMU-PID: QEMU holds our /dev/vhost-scsi; the guest's disk; what crossed our rings.
scsi_cases() {
	local pid=$1 area=scsi n c d s t=$EPOCHREALTIME ndev=0 chains=0 bytes=0
	n=$(vhost_fds "$pid" /dev/vhost-scsi)
	check qemu-holds-vhost-scsi "QEMU $pid holds $n /dev/vhost-scsi fds (want 1); vhost_scsi taint '$(cat /sys/module/vhost_scsi/taint 2>/dev/null)'" \
		holds_ours "$n" 1 vhost_scsi
	banner "vhost-scsi: the guest's virtio_scsi drives LIO's LUN through our vhost_scsi"
	if scsi_disk disk; then
		scsi_sg '' all
		scsi_dd '' 1
	else
		for c in sg-inq sg-luns sg-readcap dd-roundtrip host-sees-data; do
			result FAIL "$c" "no disk in the guest"
		done
	fi
	# The commands went through our device: its request rings' counters (debugfs, ours only):
	# chains, and the bytes written into them (responses and data-in) cover the 8 MiB read back.
	if [ $intree = 0 ]; then
		for d in /sys/kernel/debug/vhost/scsi-"$pid"-*; do
			[ -d "$d" ] || continue
			ndev=$((ndev + 1))
			# (One awk for all rings: the device has max_io_vqs + 2 of them, 130 by default.)
			s=$(awk 'FILENAME !~ /\/vq[01]$/ && $1 == "chains" {c += $2}
				FILENAME !~ /\/vq[01]$/ && $1 == "bytes" {b += $2}
				END {print c + 0, b + 0}' "$d"/vq* 2>/dev/null)
			read -r chains bytes <<<"$s"
			note "${d##*/}: request rings: chains $chains, bytes $bytes"
			demo_say "host# cat ${d}/vq2"
			demo_run cat "$d/vq2"
		done
		check datapath "$ndev vhost-scsi devices of QEMU $pid in debugfs (want 1); request rings: $chains chains, $bytes bytes (want > 8 MiB)" \
			scsi_rings_busy "$ndev" "$chains" "$bytes"
	fi
	timing scsi-cases "$t"
}

# iperf_ok CLIENT-STATUS CLIENT-OUTPUT [SERVER-STATUS]: both ends finished, the client's summary
# has the receiver's line.
iperf_ok() { [ "${3:-0}" = 0 ] && succeeded_saying "$1" "$2" receiver; }

# The direct QEMU guest: every case but libvirt's.  Returns 1 if the guest did not boot.
qemu_run() {
	tb=$EPOCHREALTIME
	boot_to=${VHOST_CLIENT_BOOT_TIMEOUT:-}
	booted=0
	# Nested KVM inside the TCG test VM is unusual: a guest that resets during boot (QEMU exits,
	# -no-reboot) gets one more try under KVM, one that hangs goes to TCG at once.
	local tries a wr
	tries=$([ "$accel" = kvm ] && echo "kvm kvm tcg" || echo tcg)
	for a in $tries; do
		[ "$a" = tcg ] || [ "$accel" = kvm ] || continue
		to=${boot_to:-$([ "$a" = kvm ] && echo 180 || echo 600)}
		tb=$EPOCHREALTIME
		banner "booting a nested guest (Debian $(basename "$kimg"), busybox initramfs) in QEMU," \
			"accel $a, NIC: -netdev tap,ifname=tap0,vhost=on -device virtio-net-pci (up to ${to} s)"
		start_qemu "$a"
		AOUT=''
		agent_wait "$to" '@@READY *' "$gpid"
		wr=$?
		if [ $wr = 0 ]; then
			booted=1
			accel=$a
			break
		fi
		note "nested guest under $a: $([ $wr = 2 ] && echo "QEMU exited before the agent came up" ||
			echo "no agent within ${to}s")"
		guest_diag
		stop_qemu
		if [ "$a" = kvm ] && { [ $wr != 2 ] || [ -n "${kvm_failed:-}" ]; }; then
			accel=tcg accel_why="the nested KVM guest did not boot"
			note "falling back to TCG"
		fi
		[ "$a" != kvm ] || kvm_failed=1
	done
	if [ $booted = 0 ]; then
		result FAIL guest-boot "the nested guest did not come up (see the lines above)"
		return 1
	fi
	result PASS guest-boot
	note "guest up under $accel in $(since "$tb") s: ${ALINE#@@READY }"
	timing nested-boot "$tb"

	# Proof: the QEMU process holds /dev/vhost-net (1 for sq0, 2 for mq0's queue pairs), and the
	# module behind it is still ours.
	tt=$EPOCHREALTIME
	want=$((mq ? 3 : 1))
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

	tap_up tap0 169.254.1.1/24 || note "tap0: cannot configure"
	[ $mq = 0 ] || tap_up tap1 169.254.2.1/24 || note "tap1: cannot configure"
	gx 30 "ip addr add 169.254.1.2/24 dev sq0 && ip link set sq0 up" || { note "guest sq0:"; printf '%s' "$AOUT" | show; }

	# --- ping both ways
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

	# --- iperf3 TCP both ways (completion checked, never throughput)
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
	timing single-queue-cases "$tt"

	# --- multiqueue: mq0 (queues=2) with 2 combined channels; each queue must carry traffic
	if [ $mq = 1 ]; then
		tt=$EPOCHREALTIME
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
			declare -A qb=()
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
	fi

	[ $vsock = 0 ] || vsock_cases "$gpid"
	[ $scsi_ok = 0 ] || scsi_cases "$gpid"

	# --- the data really went through vhost: no fallback to userspace virtio, and our per-ring
	# counters (debugfs, ours only) or the kernel's vhost workers of this QEMU
	fb=$(grep -iE 'falling back|vhost.*(fail|error)|could not' "$gdir/qemu.log")
	dbg=()
	for d in /sys/kernel/debug/vhost/net-"$gpid"-*; do [ -d "$d" ] && dbg+=("$d"); done
	if [ -n "$fb" ]; then
		result FAIL vhost-datapath "QEMU: $(head -n1 <<<"$fb")"
	elif [ ${#dbg[@]} -gt 0 ]; then
		banner "the traffic went through OUR vhost-net: its per-ring counters in debugfs"
		bad=''
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

	# --- orderly end: the guest powers off, QEMU exits 0 (vhost devices released), no kernel
	# report in the guest
	tt=$EPOCHREALTIME
	printf '%s %s\n' 999 "poweroff -f" >&"$ain"
	wait_for 60 sh -c "! kill -0 $gpid 2>/dev/null"
	if kill -0 "$gpid" 2>/dev/null; then
		result FAIL guest-poweroff "QEMU still running 60 s after poweroff"
		stop_qemu
	else
		wait "$gpid"
		rc=$?
		check guest-poweroff "QEMU exit status $rc" [ $rc = 0 ]
		agent_close
	fi
	bad=$(tr -d '\r' <"$gdir/console.log" | grep -E '(^|[^[:alnum:]_])(BUG|WARNING):|Oops|Call Trace|virtio_(net|scsi).*(fail|error)|NETDEV WATCHDOG|I/O error' | head -n 3)
	check guest-kernel-log "$(head -n1 <<<"$bad")" [ -z "$bad" ]
	[ -z "$bad" ] || tr -d '\r' <"$gdir/console.log" | tail -n 40 | show
	timing shutdown "$tt"
}


# ---------------------------------------------------------------------------------------------
# libvirt: the same guest, started by libvirtd, <interface type='ethernet'> + <driver name='vhost'/>

# libvirt_start: configure and start libvirtd in the background.
libvirt_start() {
	local d=$work/libvirt
	mkdir -p "$d"
	# The VM's root is an overlay with a tmpfs upper: these changes vanish at power-off.
	# No default network (it would bring up virbr0 on a private range); QEMU runs as root with
	# no namespaces, cgroups or labels; its stdout/stderr go straight to the log (no virtlogd).
	rm -f /etc/libvirt/qemu/networks/autostart/*.xml
	# At start libvirtd probes every qemu-system-* it finds, each twice (KVM, TCG), ~10 s each
	# under TCG; the capability cache cannot be reused across boots (it is keyed on the ctime
	# of /dev/kvm).  Hide the i386 emulator, which nothing here uses.
	rm -f /usr/bin/qemu-system-i386
	cat >>/etc/libvirt/qemu.conf <<-'EOF'
		user = "root"
		group = "root"
		dynamic_ownership = 0
		remember_owner = 0
		security_driver = "none"
		namespaces = []
		cgroup_controllers = []
		stdio_handler = "file"
	EOF
	getent passwd libvirt-qemu >/dev/null || useradd -r -M -s /usr/sbin/nologin libvirt-qemu
	mkdir -p /var/log/libvirt/qemu /var/cache/libvirt /var/lib/libvirt/qemu /run/libvirt
	rm -f /var/log/libvirt/qemu/vt-net.log
	libvirtd --pid-file "$d/libvirtd.pid" >"$d/libvirtd.log" 2>&1 &
	libvirtd_pid=$!
	libvirtd_t0=$EPOCHREALTIME
}

libvirt_run() {
	libvirt_guest
	libvirt_stop
}
# Whatever state libvirt_guest left: no domain, no libvirtd, FIFOs closed.
libvirt_stop() {
	local t=$EPOCHREALTIME
	if [ -n "$ain" ]; then
		virsh -q -c qemu:///system domstate vt-net >/dev/null 2>&1 &&
			timeout 60 virsh -q -c qemu:///system destroy vt-net >/dev/null 2>&1
		agent_close
	fi
	kill "$libvirtd_pid" 2>/dev/null
	wait_for 30 sh -c "! kill -0 $libvirtd_pid 2>/dev/null" || kill -9 "$libvirtd_pid" 2>/dev/null
	wait "$libvirtd_pid" 2>/dev/null
	libvirtd_pid=''
	timing libvirt-stop "$t"
}
libvirt_guest() {
	local d=$work/libvirt log=/var/log/libvirt/qemu/vt-net.log qpid='' rc t
	if ! wait_for 120 sh -c 'virsh -q -c qemu:///system version >/dev/null 2>&1'; then
		result FAIL libvirt-ping "libvirtd did not answer within 120 s"
		show <"$d/libvirtd.log"
		return
	fi
	timing libvirtd-up "$libvirtd_t0"
	agent_open "$d"
	cat >"$d/dom.xml" <<-EOF
		<domain type='kvm'>
		  <name>vt-net</name>
		  <memory unit='MiB'>512</memory>
		  <vcpu>1</vcpu>
		  <os>
		    <type arch='x86_64' machine='pc'>hvm</type>
		    <kernel>$kimg</kernel>
		    <initrd>$initrd</initrd>
		    <cmdline>$gargs</cmdline>
		  </os>
		  <features><acpi/></features>
		  <cpu mode='host-passthrough'/>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <emulator>$(command -v qemu-system-x86_64)</emulator>
		    <interface type='ethernet'>
		      <mac address='52:54:00:76:68:03'/>
		      <target dev='lvtap0'/>
		      <model type='virtio'/>
		      <driver name='vhost'/>
		    </interface>
		    <serial type='file'><source path='$d/console.log'/><target port='0'/></serial>
		    <channel type='pipe'><source path='$d/ctl'/><target type='virtio' name='ctl'/></channel>
		    <memballoon model='none'/>
		    $([ $vsock = 0 ] || echo "<vsock model='virtio'><cid auto='no' address='$libvirt_cid'/></vsock>")
		    $([ $scsi_ok = 0 ] || echo "<hostdev mode='subsystem' type='scsi_host' managed='no'><source protocol='vhost' wwpn='$scsi_wwpn'/></hostdev>")
		  </devices>
		</domain>
	EOF
	local try wr
	# (One more try if the guest resets during boot, as for the direct guest.)
	for try in 1 2; do
		t=$EPOCHREALTIME
		if ! hx timeout 120 virsh -q -c qemu:///system create "$d/dom.xml"; then
			result FAIL libvirt-ping "virsh create failed: $(tail -n 3 <<<"$HOUT" | tr '\n' ' ')"
			show <"$log" 2>/dev/null
			return
		fi
		qpid=$(cat /run/libvirt/qemu/vt-net.pid 2>/dev/null)
		gpid=$qpid gdir=$d
		timing "virsh-create (QEMU pid $qpid)" "$t"
		t=$EPOCHREALTIME
		tap_up lvtap0 169.254.3.1/24 || note "lvtap0: cannot configure"
		AOUT='' apart=''
		agent_wait 180 '@@READY *' "$qpid"
		wr=$?
		[ $wr != 0 ] || break
		cp "$log" "$d/qemu.log" 2>/dev/null
		guest_diag
		if [ $wr != 2 ] || [ $try = 2 ]; then
			result FAIL libvirt-ping "the libvirt guest did not come up"
			return
		fi
		note "the libvirt guest's QEMU exited during boot: once more"
		wait_for 30 sh -c '! virsh -q -c qemu:///system domstate vt-net >/dev/null 2>&1'
	done
	timing "libvirt-guest-boot (${ALINE#@@READY })" "$t"
	gx 60 "ip addr add 169.254.3.2/24 dev lv0 && ip link set lv0 up && ping -c 3 -w 30 169.254.3.1"
	rc=$?
	out=$AOUT
	local n cmdl chains=''
	n=$(vhost_fds "$qpid")
	for t in /sys/kernel/debug/vhost/net-"$qpid"-*; do
		[ -d "$t" ] && chains=$(cat "$t"/vq* | awk '$1 == "chains" {c += $2} END {print c + 0}')
	done
	# libvirt logs the command line with one option per line and backslash continuations.
	cmdl=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$log" | grep -a 'qemu-system-x86_64' | tail -n 1)
	if is_demo || [ $rc != 0 ]; then printf '%s' "$out" | show; fi
	if ! ping_ok "$rc" "$out"; then
		result FAIL libvirt-ping "guest ping to the host: rc=$rc"
	elif ! grep -qE '"vhost":true|vhost=on' <<<"$cmdl" || ! grep -q 'vhostfd' <<<"$cmdl"; then
		result FAIL libvirt-ping "QEMU's command line in $log shows no vhost: $(grep -oE -- "-netdev [^ ]+" <<<"$cmdl")"
	elif [ "$n" != 1 ]; then
		result FAIL libvirt-ping "libvirt's QEMU $qpid holds $n /dev/vhost-net fds (want 1)"
	elif [ $intree = 0 ] && ! vt_mod_is_ours vhost_net; then
		result FAIL libvirt-ping "vhost_net is not ours any more (taint '$(cat /sys/module/vhost_net/taint)')"
	elif [ "${chains:-1}" = 0 ]; then
		result FAIL libvirt-ping "our debugfs counters show no chain through libvirt's vhost-net device"
	else
		result PASS libvirt-ping
		note "libvirt netdev: $(grep -oE -- "-netdev [^ ]+" <<<"$cmdl")"
	fi
	if [ $vsock = 1 ]; then
		# <vsock model='virtio'>: libvirt opens /dev/vhost-vsock and hands QEMU the fd.
		n=$(vhost_fds "$qpid" /dev/vhost-vsock)
		note "libvirt vsock device: $(grep -oE -- "-device [^ ]*vhost-vsock[^ ]*" <<<"$cmdl")"
		if holds_ours "$n" 1 vhost_vsock; then
			area=vsock vsock_host_connects libvirt-stream-host-to-guest '' "$libvirt_cid"
		else
			area=vsock result FAIL libvirt-stream-host-to-guest "libvirt's QEMU $qpid holds $n /dev/vhost-vsock fds (want 1), vhost_vsock taint '$(cat /sys/module/vhost_vsock/taint 2>/dev/null)'"
		fi
	fi
	[ $scsi_ok = 0 ] || libvirt_scsi "$qpid" "$cmdl"
	printf '%s %s\n' 999 "poweroff -f" >&"$ain"
	wait_for 60 sh -c "! kill -0 $qpid 2>/dev/null" ||
		note "libvirt guest still running 60 s after poweroff: destroying it"
}

# libvirt_scsi QEMU-PID COMMAND-LINE: <hostdev type='scsi_host'> with <source protocol='vhost'>:
# libvirt opens /dev/vhost-scsi and hands QEMU the fd (vhostfd); the guest's disk works.
libvirt_scsi_cases=(libvirt-holds-vhost-scsi libvirt-disk libvirt-sg-inq libvirt-dd-roundtrip
	libvirt-host-sees-data)
libvirt_scsi() {
	local area=scsi n dev c
	n=$(vhost_fds "$1" /dev/vhost-scsi)
	dev=$(grep -oE -- "-device [^ ]*vhost-scsi[^ ]*" <<<"$2")
	note "libvirt vhost-scsi device: $dev"
	check libvirt-holds-vhost-scsi "libvirt's QEMU $1 holds $n /dev/vhost-scsi fds (want 1), device '$dev' (want vhostfd), vhost_scsi taint '$(cat /sys/module/vhost_scsi/taint 2>/dev/null)'" \
		holds_ours_by_fd "$n" "$dev" vhost_scsi
	if scsi_disk libvirt-disk; then
		scsi_sg libvirt-
		scsi_dd libvirt- 16
	else
		for c in "${libvirt_scsi_cases[@]:2}"; do result FAIL "$c" "no disk in the libvirt guest"; done
	fi
}

# holds_ours_by_fd COUNT DEVICE-OPTION MODULE: QEMU holds one descriptor of MODULE's device (ours),
# handed over by libvirt (vhostfd in its -device option).
holds_ours_by_fd() { holds_ours "$1" 1 "$3" && grep -q vhostfd <<<"$2"; }

# libvirt_result STATUS REASON: every libvirt case, when the libvirt guest cannot run.
libvirt_result() {
	local c
	result "$1" libvirt-ping "$2"
	[ $vsock = 0 ] || area=vsock result "$1" libvirt-stream-host-to-guest "$2"
	[ $scsi_ok = 0 ] || for c in "${libvirt_scsi_cases[@]}"; do area=scsi result "$1" "$c" "$2"; done
}

[ $scsi = 0 ] || { scsi_setup && scsi_ok=1; }

qemu_ok=1
if [ $direct = 1 ]; then
	qemu_run || qemu_ok=0
fi

if [ $libvirt = 1 ]; then
	tt=$EPOCHREALTIME
	if [ $qemu_ok = 0 ]; then
		libvirt_result FAIL "not run: the nested guest did not boot under QEMU alone"
	elif [ "$accel" != kvm ]; then
		libvirt_result SKIP "no nested KVM ($accel_why): libvirt uses vhost only for <domain type='kvm'>"
	elif ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null; then
		libvirt_result SKIP "libvirt-daemon-system / libvirt-clients not installed"
	else
		libvirt_start
		libvirt_run
	fi
	timing libvirt "$tt"
fi

# ---------------------------------------------------------------------------------------------
# Every device released: the modules unload.
# (A host vsock socket closed while connected holds vhost_vsock until the guest answers, or for
# AF_VSOCK's close timeout of 8 s: bounded wait.)
[ $vsock = 0 ] || wait_for 20 sh -c '[ "$(cat /sys/module/vhost_vsock/refcnt 2>/dev/null || echo 0)" = 0 ]'
rmmod vhost_vsock 2>/dev/null
[ $scsi = 0 ] || scsi_teardown
rmmod vhost_net 2>/dev/null && rmmod vhost 2>/dev/null
[ $intree = 0 ] || rmmod vhost_iotlb 2>/dev/null
# none_loaded MODULE...: not one of them is loaded.
none_loaded() {
	local m
	for m in "$@"; do [ ! -d "/sys/module/$m" ] || return 1; done
}
check unload "still loaded: $(grep -E '^vhost' /proc/modules | cut -d' ' -f1-3 | tr '\n' ';')" \
	none_loaded vhost_net vhost_vsock vhost_scsi vhost
timing all "$T0"
note "clients: $npass passed, $nfail failed, $nskip skipped"
[ $nfail = 0 ]
