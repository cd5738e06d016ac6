#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
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
# This file is the driver; the cases live beside it, one file per device, sourced here:
#   lib.sh       results, demo output, the guest agent, QEMU, modules (tests/lib/modules.sh)
#   net.sh       vhost-net: sq0 and mq0 of the direct QEMU guest
#   vsock.sh     vhost-vsock: the socat echoes
#   scsi.sh      vhost-scsi: the targetcli target and the guest's disk
#   libvirt.sh   the libvirt guest: its NIC, vsock and vhost-scsi hostdev
#
# Output: one "PASS|FAIL|SKIP client/net|vsock|scsi/<case>[ - reason]" line per case, "# ..."
# lines with details and timings.  Exit status 1 if any case failed.  --demo (scripts/demo.sh,
# tests/demo/demo-vm.sh) also prints the commands and what they show, with no mq0 and no libvirt.
#
# Environment: VHOST_CLIENT_GUEST_INITRD (the nested initramfs; built here if unset or missing),
# VHOST_CLIENT_ACCEL=kvm|tcg (force), VHOST_CLIENT_BOOT_TIMEOUT (s, default 180 under KVM, 600
# under TCG), VHOST_CLIENT_RESET_ONCE=vsock (testing the runner: the first direct guest resets
# itself before its first vsock echo, as nested KVM sometimes does; see direct_cases).
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

# shellcheck source=tests/clients/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/clients/net.sh
. "$here/net.sh"
# shellcheck source=tests/clients/vsock.sh
. "$here/vsock.sh"
# shellcheck source=tests/clients/scsi.sh
. "$here/scsi.sh"
# shellcheck source=tests/clients/libvirt.sh
. "$here/libvirt.sh"

# qemu_run: the direct QEMU guest, every case but libvirt's.  1 if the guest did not boot.
qemu_run() {
	local tt
	qemu_devices=()
	net_qemu_devices
	[ $vsock = 0 ] || vsock_qemu_devices
	[ $scsi_ok = 0 ] || scsi_qemu_devices
	guest_boot || return 1

	tt=$EPOCHREALTIME
	net_holds_vhost_net
	net_addresses
	net_ping_cases
	net_iperf_cases
	timing single-queue-cases "$tt"
	[ $mq = 0 ] || net_mq_cases

	[ $vsock = 0 ] || vsock_cases "$gpid"
	[ $scsi_ok = 0 ] || scsi_cases "$gpid"
	net_datapath
	guest_poweroff
}

modules_load
guest_prepare
[ $scsi = 0 ] || { scsi_setup && scsi_ok=1; }

# direct_cases: qemu_run, once more with a new guest if the first one reset itself. Nested KVM
# in the TCG test VM (see kvm_setup) sometimes loses a guest mid-run: QEMU exits 0 by itself
# (-no-reboot turns the guest's reset into an exit) with nothing on the guest's console. That
# run's lines are kept as notes with its evidence (CPU resets QEMU logged), its counts dropped,
# and the cases run again; a second loss fails as before. Not in the demo, which streams.
direct_cases() {
	local counts="$npass $nfail $nskip" first=$work/direct-first.out rc
	if is_demo; then
		qemu_run
		return
	fi
	guest_gone_before_poweroff=0 direct_attempt=1
	qemu_run >"$first"
	rc=$?
	if [ $guest_gone_before_poweroff = 0 ] || [ "$guest_exit" != 0 ]; then
		cat "$first"
		return $rc
	fi
	note "the direct guest reset itself before its cases ended (QEMU exit 0, no poweroff asked);" \
		"its run, then the cases again with a new guest:"
	sed 's/^/#   (first guest) /' "$first"
	read -r npass nfail nskip <<<"$counts"
	gx_diag=0 gx_gone=0 guest_gone_before_poweroff=0 direct_attempt=2
	qemu_run
}

direct_attempt=1
qemu_ok=1
if [ $direct = 1 ]; then
	direct_cases || qemu_ok=0
fi
[ $libvirt = 0 ] || libvirt_cases $qemu_ok

# Every device released: the modules unload.
vsock_unload
[ $scsi = 0 ] || scsi_teardown
modules_unload
timing all "$T0"
note "clients: $npass passed, $nfail failed, $nskip skipped"
[ $nfail = 0 ]
