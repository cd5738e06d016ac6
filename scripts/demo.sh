#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: on a fresh Debian 12 machine, as root: install what is
# missing, build our modules for Debian's 6.1 kernel and the demo program,
# boot a throw-away VM on that kernel, load OUR modules (taint O proves
# it), and show messages making a round trip through /dev/vhost-test with
# the ring's live debugfs counters.  Then a nested guest, started inside
# that VM by QEMU with -netdev tap,vhost=on, talks to the VM (ping both
# ways, iperf3) over OUR vhost_net.ko: QEMU's /dev/vhost-net descriptors,
# the O taint and our per-ring counters are shown; over OUR
# vhost_vsock.ko (-device vhost-vsock-pci): socat echoes 1 MiB between the
# VM and the guest over AF_VSOCK, both ways; and over OUR vhost_scsi.ko
# (-device vhost-scsi-pci, a LIO target made with targetcli): the guest's
# disk answers sg_inq and 8 MiB written and read back match, in the
# guest and in the backing file on the VM.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
say() { echo "demo: $*"; }
die() {
	echo "demo: error: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (make demo installs packages and boots a VM)"
say "checking build dependencies (scripts/install-deps.sh)"
scripts/install-deps.sh

kimg=$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*' -printf '%f\n' | sort -V | tail -n1)
[ -n "$kimg" ] || die "no Debian 6.1 kernel in /boot"
kver=${kimg#vmlinuz-}
kdir=/lib/modules/$kver/build
[ -d "$kdir" ] || die "no headers for $kver ($kdir)"

say "building our modules for $kver"
log=$top/build/demo-build.log
mkdir -p "$top/build"
moddir=$(scripts/build-modules.sh 6.1 "$kdir" 2>"$log") ||
	{ cat "$log" >&2; die "module build failed"; }
say "building the demo program"
make -s -C tests/demo >>"$log" 2>&1 || { cat "$log" >&2; die "demo build failed"; }

say "building the nested guest's initramfs (cached)"
initrd=$(tests/clients/guest-initramfs.sh) || die "cannot build the nested guest's initramfs"

say "booting $kver in QEMU (TCG; waits if another VM run is going)"
tests/vm/run-vm --kernel 6.1 --name demo --timeout 1500 \
	--env "MODDIR=$moddir" --env "DEMO=$top/build/demo/demo" \
	--env "VHOST_CLIENT_GUEST_INITRD=$initrd" \
	-- 'tests/demo/demo-vm.sh'
