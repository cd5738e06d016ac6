#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the bench VM (started by tests/bench/bench.sh through run-vm):
# for each round and case, load one implementation of /dev/vhost-scsi
# (ours: our vhost.ko + vhost_scsi.ko by path; in-tree: `modprobe
# vhost_scsi`), set up a "vhost" target port in configfs whose LUN 0 is
# the ramdisk backstore, run scsibench against it, take the port down and
# unload the module, then the same with the other one.  Both register the
# LIO fabric "vhost": never both loaded at once, and a module holding
# configfs directories cannot be unloaded.  LIO's core (target_core_mod)
# and the backstore stay for the whole run, so both implementations serve
# the same ramdisk.  Result lines: "SCSI ours|linux <scsibench fields>";
# commentary lines start with "# ".
#
# Environment (from bench.sh): OURDIR (our vhost.ko, vhost_scsi.ko),
# SCSIBENCH, SCSI_SECS (timed seconds per run), SCSI_DEPTH (requests in
# flight), SCSI_MIB (ramdisk size), ROUNDS, COST_ROUNDS, SCSI_CASES (words MODE:BYTES,
# e.g. "randread:4096 seqwrite:1048576").
set -euo pipefail

# shellcheck source=bench-vm-lib.sh
. "$(dirname "$0")/bench-vm-lib.sh"
bench_vm_init vhost_scsi SCSI
# The kprobes of the cost round (see probes_on): poll wake-ups, the core's
# signal function, and the handlers: the request ring's kick, and the
# work that answers the commands LIO completed.
PROBES_OURS="pollwake=vhost:vhost_poll_wakeup signal=vhost:vhost_vq_signal run_req=vhost_scsi:vhost_scsi_request_kick run_done=vhost_scsi:vhost_scsi_done_work"
PROBES_LINUX="pollwake=vhost:vhost_poll_wakeup signal=vhost:vhost_signal run_req=vhost_scsi:vhost_scsi_handle_kick run_done=vhost_scsi:vhost_scsi_complete_cmd_work"

lio=/sys/kernel/config/target
disk=$lio/core/rd_mcp_0/disk
wwn=naa.5001405000000b01
tpg=$lio/vhost/$wwn/tpgt_1

# cfg_write FILE VALUE: one configfs attribute; a message and status 1 on
# failure (the port's functions run where set -e does not).
cfg_write() {
	echo "$2" >"$1" || {
		echo "write '$2' to $1 failed" >&2
		return 1
	}
}

# The target port the device binds: TPG 1 with a nexus, LUN 0 linked to
# the ramdisk.
port_up() {
	mkdir -p "$tpg/lun/lun_0" || return 1
	cfg_write "$tpg/nexus" naa.5001405f00000b01 || return 1
	ln -s "$disk" "$tpg/lun/lun_0/rd" || return 1
}

# Everything port_up made, and the fabric's directory, which pins the
# module too; the backstore stays.
port_down() {
	[ -d "$lio/vhost" ] || return 0
	if [ -d "$tpg" ]; then
		if [ -L "$tpg/lun/lun_0/rd" ]; then rm "$tpg/lun/lun_0/rd" || return 1; fi
		if [ -d "$tpg/lun/lun_0" ]; then rmdir "$tpg/lun/lun_0" || return 1; fi
		# no nexus: an error (ENODEV for Linux's); rmdir drops it anyway
		echo NULL 2>/dev/null >"$tpg/nexus" || true
		rmdir "$tpg" || return 1
	fi
	if [ -d "$lio/vhost/$wwn" ]; then rmdir "$lio/vhost/$wwn" || return 1; fi
	rmdir "$lio/vhost"
}

# scsi_run ARGS...: scsibench against a fresh port, then the port taken
# down; its output line, or its messages and status 1.
scsi_run() {
	local rc=0
	port_up || {
		port_down
		return 1
	}
	"$SCSIBENCH" -p "$wwn" "$@" || rc=$?
	port_down || rc=1
	return $rc
}

one_case() { # ours|linux MODE:BYTES
	local mode size
	IFS=: read -r mode size <<<"$2"
	run_one "$1" scsi_run -m "$mode" -s "$size" -q "$SCSI_DEPTH" -t "$SCSI_SECS"
}

modprobe target_core_mod || fail "modprobe target_core_mod"
[ -d "$lio/core" ] || fail "no $lio/core (configfs not mounted?)"
mkdir -p "$disk" || fail "mkdir $disk"
echo "rd_pages=$((SCSI_MIB * 256))" >"$disk/control" || fail "rd_mcp rd_pages"
echo 1 >"$disk/enable" || fail "rd_mcp enable"
note "scsi: kernel $(uname -r), $(nproc) vCPUs, ${SCSI_SECS} s per run, $ROUNDS round(s) + ${COST_ROUNDS:-1} with kprobes (costs), $SCSI_DEPTH requests in flight, LUN: rd_mcp ramdisk of $SCSI_MIB MiB"
# shellcheck disable=SC2086 # SCSI_CASES: words
run_rounds $SCSI_CASES
port_down || fail "taking the target port down"
unload_all
rmdir "$disk" "${disk%/disk}" || fail "removing the ramdisk"
# What the kernel said about vhost, SCSI or LIO (loads, unloads,
# complaints): in the log, and counted on the console.
klog=$(dmesg | grep -i -E 'vhost|scsi|target' | grep -v -E 'loading out-of-tree|module verification failed' || true)
if [ -n "$klog" ]; then
	while IFS= read -r l; do echo "dmesg: $l"; done <<<"$klog"
fi
note "scsi: done; $(grep -c . <<<"$klog" || true) kernel log line(s) mention vhost, scsi or target (see the log)"
