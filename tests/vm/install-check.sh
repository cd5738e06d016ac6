#!/bin/bash
# Inside a test VM (root overlay is writable): `make install` of an already
# built tree, then `modprobe` must load our modules from updates/, not the
# distribution's.
#   tests/vm/install-check.sh BUILDDIR KDIR
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bdir=$1 kdir=$2
kver=$(uname -r)
fails=0

result() {	# result NAME OK(0/1) REASON
	if [ "$2" -eq 0 ]; then
		echo "PASS install/$1"
	else
		echo "FAIL install/$1 - $3"
		fails=$((fails + 1))
	fi
}

rmmod vhost_test vhost 2>/dev/null
# W=1 as scripts/build-modules.sh built them: the same flags, so nothing is
# rebuilt under TCG.
out=$(make -C "$bdir" -f "$top/Makefile" install KDIR="$kdir" KVER="$kver" W=1 2>&1)
result make_install_puts_modules_in_updates \
	"$([ -f "/lib/modules/$kver/updates/drivers/vhost/vhost.ko" ] || \
	   [ -f "/lib/modules/$kver/updates/drivers/vhost/vhost.ko.xz" ]; echo $?)" \
	"$(echo "$out" | tail -3 | tr '\n' ' ')"

path=$(modinfo -n vhost 2>&1)
result modinfo_resolves_vhost_to_updates "$(case $path in */updates/*) echo 0;; *) echo 1;; esac)" \
	"modinfo -n vhost gives $path"

modprobe vhost_test 2>&1
taint=$(cat /sys/module/vhost/taint 2>/dev/null)
result modprobe_vhost_test_loads_ours "$(case $taint in *O*) echo 0;; *) echo 1;; esac)" \
	"vhost taint '$taint' has no O: the distribution's module was loaded"
[ -c /dev/vhost-test ]
result modprobe_creates_dev_vhost_test $? "no /dev/vhost-test"
rmmod vhost_test vhost 2>&1
result modules_unload_after_modprobe "$([ -d /sys/module/vhost ]; [ $? -ne 0 ]; echo $?)" \
	"vhost still loaded"

# A device module, once it is built: by name, and through its node as QEMU
# and libvirt open it (the devname alias), or, for a node with a dynamic
# minor (no devname alias), by the other name tools load it with.
#   device_module NAME NODE [ALIAS]
device_module() {
	local m=$1 node=$2 alias=${3:-} path taint
	[ -f "$bdir/drivers/vhost/$m.ko" ] || return 0
	path=$(modinfo -n "$m" 2>&1)
	result "modinfo_resolves_${m}_to_updates" \
		"$(case $path in */updates/*) echo 0;; *) echo 1;; esac)" "modinfo -n $m gives $path"
	modprobe "$m" 2>&1
	taint="$(cat "/sys/module/$m/taint" 2>/dev/null)/$(cat /sys/module/vhost/taint 2>/dev/null)"
	result "modprobe_${m}_loads_ours" "$(case $taint in *O*/*O*) echo 0;; *) echo 1;; esac)" \
		"$m/vhost taint '$taint': not both ours (O)"
	[ -c "$node" ]
	result "modprobe_creates_dev_${m}" $? "no $node"
	rmmod "$m" vhost 2>&1
	result "${m}_unloads" "$([ -d "/sys/module/$m" ] || [ -d /sys/module/vhost ]; [ $? -ne 0 ]; echo $?)" \
		"$m or vhost still loaded"
	if [ -n "$alias" ]; then
		modprobe "$alias" 2>&1
		taint="$(cat "/sys/module/$m/taint" 2>/dev/null)/$(cat /sys/module/vhost/taint 2>/dev/null)"
		result "modprobe_${alias}_loads_ours" "$(case $taint in *O*/*O*) echo 0;; *) echo 1;; esac)" \
			"after modprobe $alias: $m/vhost taint '$taint'"
	# The node stays after rmmod (devtmpfs); opening it loads the module again by its alias.
	elif [ -c "$node" ] && (exec 3<>"$node") 2>/dev/null; then
		taint="$(cat "/sys/module/$m/taint" 2>/dev/null)/$(cat /sys/module/vhost/taint 2>/dev/null)"
		result "open_dev_${m}_autoloads_ours" "$(case $taint in *O*/*O*) echo 0;; *) echo 1;; esac)" \
			"after opening $node: $m/vhost taint '$taint'"
	else
		result "open_dev_${m}_autoloads_ours" 1 "cannot open $node with $m unloaded"
	fi
	rmmod "$m" vhost 2>/dev/null
}
device_module vhost_net /dev/vhost-net
device_module vhost_vsock /dev/vhost-vsock
# rtslib/targetcli load the vhost fabric as tcm_vhost.
device_module vhost_scsi /dev/vhost-scsi tcm_vhost
[ "$fails" -eq 0 ]
