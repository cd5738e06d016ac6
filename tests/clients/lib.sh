# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # demo, mq, vsock, intree, moddir, here: set by qemu-clients.sh
# shellcheck disable=SC2034 # guest_gone_before_poweroff, guest_exit: read by qemu-clients.sh
#
# What every part of tests/clients/qemu-clients.sh shares; sourced by it after the options are
# parsed (it reads $demo, $mq, $vsock, $scsi, $intree, $moddir and $here):
#
#   results     result, check, note, show, timing: the "PASS|FAIL|SKIP client/AREA/CASE" lines
#               (AREA is $area, net unless the device's function sets it) and "# ..." details
#   demo        is_demo, demo_say, demo_run, banner: what only the demo (--demo) prints
#   waiting     wait_for: a bounded poll, never a sleep as synchronisation
#   modules     modules_load, modules_unload (tests/lib/modules.sh does the loading)
#   guest       guest_prepare (kernel, initramfs, accelerator), the guest agent (gx, hx),
#               guest_boot, guest_poweroff, guest_diag, start_qemu, stop_qemu, vhost_fds
#
# The work dir $work and every background process in $pids go at exit; the functions named in
# $cleanup_hooks run then too.

# ---------------------------------------------------------------------------------------------
# Results

npass=0 nfail=0 nskip=0
# result STATUS CASE [REASON]: the result line of one case.
result() {
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

# ---------------------------------------------------------------------------------------------
# Demo output (--demo: scripts/demo.sh, tests/demo/demo-vm.sh): the commands and what they print

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

# ---------------------------------------------------------------------------------------------
# Work dir, background processes, exit

work=$(mktemp -d /var/tmp/qemu-clients.XXXXXX)
pids=()          # background processes of ours to end at exit
cleanup_hooks=() # functions to run at exit, after those processes are killed
cleanup() {
	local p h
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for h in "${cleanup_hooks[@]}"; do "$h"; done
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

devs=(vhost_net)
[ "$vsock" = 0 ] || devs+=(vhost_vsock)
[ "$scsi" = 0 ] || devs+=(vhost_scsi)
taints() { local m; for m in vhost "${devs[@]}"; do printf "%s taint '%s' " "$m" "$(cat "/sys/module/$m/taint" 2>/dev/null)"; done; }

# modules_load: ours from $moddir (the load-ours case; the run ends here if they do not load), or
# with --in-tree Debian's (load-in-tree).
modules_load() {
	local tm=$EPOCHREALTIME m rc=0
	note "kernel $(uname -r); $([ "$intree" = 1 ] && echo "Debian's in-tree ${devs[*]} (baseline)" || echo "our modules from $moddir")"
	# Whatever an earlier step left loaded must not serve this run.
	# (Debian's vhost_iotlb too: our vhost.ko exports the same symbols, so it cannot load beside it.)
	vt_mod_unload_stale
	if [ "$intree" = 1 ]; then
		for m in "${devs[@]}"; do
			modprobe "$m" && [ -d "/sys/module/$m" ] && ! vt_mod_is_ours "$m" && ! vt_mod_is_ours vhost || rc=1
		done
		check load-in-tree "modprobe ${devs[*]} did not load Debian's modules: $(taints)" [ $rc = 0 ]
	else
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
}

# modules_unload: vhost_net and vhost (and Debian's vhost_iotlb) go; the unload case checks that
# no vhost module stays.  (The device modules are unloaded by their own teardown first.)
modules_unload() {
	rmmod vhost_net 2>/dev/null && rmmod vhost 2>/dev/null
	[ "$intree" = 0 ] || rmmod vhost_iotlb 2>/dev/null
	check unload "still loaded: $(grep -E '^vhost' /proc/modules | cut -d' ' -f1-3 | tr '\n' ';')" \
		none_loaded vhost_net vhost_vsock vhost_scsi vhost
}
# none_loaded MODULE...: not one of them is loaded.
none_loaded() {
	local m
	for m in "$@"; do [ ! -d "/sys/module/$m" ] || return 1; done
}

# ---------------------------------------------------------------------------------------------
# Nested guest: kernel, initramfs, accelerator

# guest_prepare: $kimg (Debian's 6.1 kernel), $initrd (built if VHOST_CLIENT_GUEST_INITRD names
# none), $accel and $accel_why, $bios, $gargs.  The run ends here (guest-boot fails) without a
# kernel or an initramfs.
guest_prepare() {
	local tm
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
}

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
# agent_poweroff: ask the guest to power off (no answer comes).
agent_poweroff() { printf '%s %s\n' 999 "poweroff -f" >&"$ain"; }

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
# (124 on timeout, 125 if the guest is gone).  The first guest gone (guest-alive fails) and the
# first timeout say why.
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

# ---------------------------------------------------------------------------------------------
# QEMU

# start_qemu ACCEL: the guest with the devices in $qemu_devices (each device's *_qemu_devices
# adds its own); sets $gpid and $gdir.
qemu_devices=()
nstart=0
start_qemu() {
	local a=$1 cpu=max
	nstart=$((nstart + 1))
	gdir=$work/qemu-$nstart-$a
	mkdir -p "$gdir"
	agent_open "$gdir"
	[ "$a" = tcg ] || cpu=host
	# shellcheck disable=SC2054 # commas in QEMU options
	qemu=(
		qemu-system-x86_64 -name vt-net-guest -accel "$a" -cpu "$cpu" -smp 2 -m 512
		-display none -monitor none -nodefaults -no-user-config -no-reboot "${bios[@]}"
		-kernel "$kimg" -initrd "$initrd" -append "$gargs"
		-serial "file:$gdir/console.log" -d cpu_reset -D "$gdir/cpu-reset.log"
		-device virtio-serial-pci -chardev "pipe,id=ctl,path=$gdir/ctl"
		-device virtserialport,chardev=ctl,name=ctl
		"${qemu_devices[@]}"
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
		echo "-- CPU resets QEMU logged (one per vCPU at start, then one per vCPU per reset): $(grep -c '^CPU Reset' "$gdir/cpu-reset.log" 2>/dev/null)"
	} | show
}

# guest_boot: start the direct QEMU guest until its agent is up: the guest-boot case; 1 if it did
# not boot.  Nested KVM inside the TCG test VM is unusual: a guest that resets during boot (QEMU
# exits, -no-reboot) gets one more try under KVM, one that hangs goes to TCG at once.
guest_boot() {
	local tb=$EPOCHREALTIME boot_to=${VHOST_CLIENT_BOOT_TIMEOUT:-} booted=0 tries a wr to kvm_failed=''
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
		if [ "$a" = kvm ] && { [ $wr != 2 ] || [ -n "$kvm_failed" ]; }; then
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
}

# guest_poweroff: the orderly end of the direct guest: it powers off, QEMU exits 0 (its vhost
# devices released: guest-poweroff), no kernel report in the guest (guest-kernel-log).
guest_gone_before_poweroff=0 guest_exit=
guest_poweroff() {
	local tt=$EPOCHREALTIME rc bad
	# Still there? (A guest that reset itself under -no-reboot is gone, its QEMU exited 0.)
	gx 10 true
	[ $? != 125 ] || guest_gone_before_poweroff=1
	agent_poweroff
	wait_for 60 sh -c "! kill -0 $gpid 2>/dev/null"
	if kill -0 "$gpid" 2>/dev/null; then
		result FAIL guest-poweroff "QEMU still running 60 s after poweroff"
		stop_qemu
	else
		wait "$gpid"
		rc=$?
		guest_exit=$rc
		check guest-poweroff "QEMU exit status $rc" [ $rc = 0 ]
		agent_close
	fi
	bad=$(tr -d '\r' <"$gdir/console.log" | grep -E '(^|[^[:alnum:]_])(BUG|WARNING):|Oops|Call Trace|virtio_(net|scsi).*(fail|error)|NETDEV WATCHDOG|I/O error' | head -n 3)
	check guest-kernel-log "$(head -n1 <<<"$bad")" [ -z "$bad" ]
	[ -z "$bad" ] || tr -d '\r' <"$gdir/console.log" | tail -n 40 | show
	timing shutdown "$tt"
}
