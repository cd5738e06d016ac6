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
		echo "PASS core/install/$1"
	else
		echo "FAIL core/install/$1 - $3"
		fails=$((fails + 1))
	fi
}

rmmod vhost_test vhost 2>/dev/null
out=$(make -C "$bdir" -f "$top/Makefile" install KDIR="$kdir" KVER="$kver" 2>&1)
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
[ "$fails" -eq 0 ]
