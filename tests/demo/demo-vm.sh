#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the demo VM (scripts/demo.sh through run-vm): load our modules,
# prove they are ours, run the demo program, unload.  Then, when vhost_net.ko
# is built: a nested guest started by QEMU over OUR /dev/vhost-net pings the
# VM and back, and talks to it over OUR /dev/vhost-vsock with socat
# (tests/clients/qemu-clients.sh --demo).
# Environment: MODDIR (our vhost.ko, vhost_test.ko, vhost_net.ko,
# vhost_vsock.ko), DEMO (the program), VHOST_CLIENT_GUEST_INITRD (the nested
# guest's initramfs).
set -euo pipefail

# shellcheck source=tests/lib/modules.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/modules.sh"

echo "== VM up: kernel $(uname -r); loading our modules from $MODDIR"
vt_mod_load "$MODDIR" vhost_test
echo "\$ lsmod | grep vhost"
lsmod | grep vhost
for m in vhost vhost_test; do
	t=$(cat /sys/module/$m/taint)
	if vt_mod_is_ours $m; then
		echo "/sys/module/$m/taint = $t   (O: out-of-tree, i.e. ours)"
	else
		echo "/sys/module/$m/taint = '$t': NOT ours"
		exit 1
	fi
done
for _ in $(seq 100); do [ -c /dev/vhost-test ] && break; sleep 0.05; done
echo "== demo: $DEMO"
"$DEMO"
vt_mod_unload_all
echo "== modules unloaded cleanly"

if [ -f "$MODDIR/vhost_net.ko" ]; then
	echo
	echo "== a nested guest whose NIC is served by OUR vhost_net.ko, its vsock by OUR vhost_vsock.ko," \
		"its disk by OUR vhost_scsi.ko"
	tests/clients/qemu-clients.sh --demo "$MODDIR"
else
	echo "== (no vhost_net.ko built yet: skipping the nested-guest network demo)"
fi
