# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the bench VM scripts (bench-vm.sh, bench-net-vm.sh,
# bench-vsock-vm.sh): loading one implementation of a vhost device at a
# time (ours: our vhost.ko and the device's module by path; in-tree: the
# distribution's, by modprobe), proving which one it is by its taint,
# unloading every vhost module, and the rounds in which both
# implementations run each case back to back.
#
# The script calls bench_vm_init MODULE TAG first (e.g. "vhost_net NET"),
# then defines one_case IMPL CASE: build the command line of a case and
# hand it to run_one.  It may define its own load_linux after sourcing
# this file (bench-vm.sh does: Linux's vhost_test is not modprobe'd).
# It sets PROBES_OURS and PROBES_LINUX (see probes_on) before run_rounds.
# Environment: OURDIR (our vhost.ko and MODULE.ko), ROUNDS, COST_ROUNDS
# (rounds with the kprobes on, after the timed ones; default 1).

# shellcheck source=tests/lib/modules.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/modules.sh"

note() { echo "# $*"; }
fail() {
	note "error: $*"
	exit 1
}

# bench_vm_init MODULE TAG: the device's module (vhost_test, vhost_net,
# vhost_vsock; its node is /dev/ with "_" as "-") and the word that starts
# each result line.
bench_vm_init() {
	mod=$1
	tag=$2
	node=/dev/${mod//_/-}
	verbose=1
	probes_init
}

# ---------------------------------------------------------------------
# Costs.  The guest-driver programs read, at both ends of their timed run,
# the device's worker threads in /proc and the hit counts of the kprobe
# events named vb_* (tracefs kprobe_profile); see bench_kstat_snap() in
# benchlib.c.  Here: the switches that make those counts exist.

tracefs=
declare -A probe_noted=()

# Find tracefs (mount it if needed) and turn tracing off: only the hit
# counts are wanted, which kprobes keep with tracing off, not the records.
# Turn schedstats on for the workers' wake-up counts.  Whatever is missing
# makes its columns "n/a", never the run fail.
probes_init() {
	local d
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		if [ -w "$d/kprobe_events" ]; then
			tracefs=$d
			break
		fi
	done
	if [ -z "$tracefs" ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null &&
		[ -w /sys/kernel/tracing/kprobe_events ]; then
		tracefs=/sys/kernel/tracing
	fi
	if [ -n "$tracefs" ]; then
		echo 0 >"$tracefs/tracing_on" 2>/dev/null || true
	else
		note "no tracefs kprobe_events: handler runs and poll wake-ups are n/a"
	fi
	echo 1 2>/dev/null >/proc/sys/kernel/sched_schedstats ||
		note "no kernel.sched_schedstats: worker wake-ups are n/a"
}

# probes_on "NAME=MODULE:SYMBOL...": a kprobe event vb_NAME on each
# symbol (of the loaded module), enabled.  One that cannot be placed
# (symbol gone, inlined, not traceable; or no tracefs) is noted once,
# left out and named in probes_missing (comma-separated): its column
# reads n/a, and so does a sum (handler runs) it would be part of.
probes_missing=
probes_on() {
	local spec name at
	probes_missing=
	for spec in $1; do
		name=${spec%%=*}
		at=${spec#*=}
		if [ -z "$tracefs" ]; then
			probes_missing+=${probes_missing:+,}$name
			continue
		fi
		if echo "p:vb_$name $at" 2>/dev/null >>"$tracefs/kprobe_events" &&
			echo 1 2>/dev/null >"$tracefs/events/kprobes/vb_$name/enable"; then
			continue
		fi
		echo "-:vb_$name" 2>/dev/null >>"$tracefs/kprobe_events" || true
		probes_missing+=${probes_missing:+,}$name
		if [ -z "${probe_noted[$at]:-}" ]; then
			note "kprobe on $at could not be placed: its column is n/a"
			probe_noted[$at]=1
		fi
	done
}

# Disable and remove every vb_* kprobe event (before the module goes).
probes_off() {
	local e
	[ -n "$tracefs" ] || return 0
	for e in "$tracefs"/events/kprobes/vb_*; do
		[ -d "$e" ] || continue
		echo 0 2>/dev/null >"$e/enable" || true
		echo "-:${e##*/}" 2>/dev/null >>"$tracefs/kprobe_events" || true
	done
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

# Unload every vhost module, the device's first (the others do not stay
# loaded from the previous run, but a stray one would taint the results).
unload_all() {
	local m
	for m in "$mod" vhost_test vhost_net vhost_vsock vhost_scsi vhost vhost_iotlb; do
		[ -d /sys/module/"$m" ] || continue
		wait_unused "$m"
		rmmod "$m" || fail "rmmod $m failed (refcnt $(cat /sys/module/"$m"/refcnt 2>/dev/null))"
	done
	if [ -d /sys/module/"$mod" ] || [ -d /sys/module/vhost ]; then
		fail "a vhost module is still loaded"
	fi
}

wait_node() {
	for _ in $(seq 100); do
		[ -c "$node" ] && return 0
		sleep 0.05
	done
	fail "$node did not appear"
}

# Ours: whatever our modules need from the kernel (nothing vhost-related),
# then our vhost.ko and the device's module, by path.
load_ours() {
	vt_mod_load "$OURDIR" "$mod" || fail "loading our $mod.ko from $OURDIR (see stderr)"
	wait_node
	vt_mod_is_ours "$mod" || fail "our $mod is not tainted O"
	[ "$verbose" = 0 ] || note "ours:    vhost taint=$(cat /sys/module/vhost/taint) $mod taint=$(cat /sys/module/"$mod"/taint) ($OURDIR)"
}

# In-tree: the distribution's module and its vhost.ko, by modprobe.
load_linux() {
	modprobe "$mod" || fail "modprobe $mod (in-tree)"
	wait_node
	case "$(cat /sys/module/"$mod"/taint)$(cat /sys/module/vhost/taint)" in
	*O*) fail "the $mod loaded by modprobe is out of tree: not the distribution's" ;;
	esac
	[ "$verbose" = 0 ] || note "in-tree: vhost taint=$(cat /sys/module/vhost/taint) $mod taint=$(cat /sys/module/"$mod"/taint) ($(modinfo -n "$mod"))"
}

# run_one ours|linux PROGRAM ARGS...: load that implementation alone, run
# the program, print "TAG ours|linux <its output line>", unload.  In a
# cost round (costs=1) the implementation's kprobes are on during the run
# and the line ends with " costs=1" (and " kp_missing=NAME,..." if a
# probe could not be placed).  A failed run shows the program's
# output and the end of the kernel log, and ends the script.
run_one() {
	local impl=$1 line l
	shift
	unload_all
	case $impl in
	ours) load_ours ;;
	linux) load_linux ;;
	esac
	if [ "$costs" = 1 ]; then
		case $impl in
		ours) probes_on "${PROBES_OURS:-}" ;;
		linux) probes_on "${PROBES_LINUX:-}" ;;
		esac
	fi
	if ! line=$("$@" 2>&1); then
		probes_off
		while IFS= read -r l; do echo "# $l"; done <<<"$line"
		dmesg | tail -n 5 | sed 's/^/# dmesg: /'
		fail "$impl: ${1##*/} ${*:2} failed"
	fi
	probes_off
	if [ "$costs" = 1 ]; then
		line+=" costs=1${probes_missing:+ kp_missing=$probes_missing}"
	fi
	echo "$tag $impl $line"
	unload_all
}

# run_rounds CASE...: ROUNDS times, each case with both implementations
# back to back, the order alternating from case to case and from round to
# round, so that a slow spell on the host hits both alike; then
# COST_ROUNDS more the same way with the kprobes on (they slow what they
# count: their rates are not the figures).  Only the first loads report
# the taints.
costs=0
run_rounds() {
	local r i c
	verbose=1
	for ((r = 1; r <= ROUNDS + ${COST_ROUNDS:-1}; r++)); do
		costs=$((r > ROUNDS))
		i=0
		for c in "$@"; do
			if (((r + i) % 2)); then
				one_case ours "$c"
				one_case linux "$c"
			else
				one_case linux "$c"
				one_case ours "$c"
			fi
			verbose=0
			i=$((i + 1))
		done
	done
}
