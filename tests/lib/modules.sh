# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Loading our modules by path, for the runners that run inside the test VM
# (tests/suites/run-suites.sh, tests/fuzz/run-fuzz.sh,
# tests/faultinject/run-faultinject.sh, tests/clients/qemu-clients.sh).
# Source it, then:
#
#   vt_mod_unload_stale       rmmod every vhost module an earlier step left
#                             (Debian's vhost_iotlb too: our vhost.ko exports
#                             the same symbols); 1 if vhost stays loaded
#   vt_mod_load MODDIR NAME [PARAM=VALUE...]
#                             insmod MODDIR/NAME.ko after its dependencies:
#                             ours by path where MODDIR has them, the kernel's
#                             with modprobe. Already loaded: nothing to do.
#                             On failure "# " lines on stderr say why; 1.
#   vt_mod_unload_all         rmmod what vt_mod_load loaded, last first;
#                             1 if one stays, with vt_mod_unload_err saying
#                             which and why
#   vt_mod_is_ours NAME       the loaded NAME is out of tree (taint O)
#
# vt_mod_loaded lists what vt_mod_load loaded, in order.

vt_mod_loaded=()

vt_mod_unload_stale() {
	local m
	for m in vhost_test vhost_net vhost_scsi vhost_vsock vhost_vdpa vhost vhost_iotlb; do
		[ ! -d "/sys/module/$m" ] || rmmod "$m" 2>/dev/null
	done
	[ ! -d /sys/module/vhost ]
}

vt_mod_load() {
	local dir=$1 name=$2 dep err
	shift 2
	[ ! -d "/sys/module/$name" ] || return 0
	if [ ! -f "$dir/$name.ko" ]; then
		echo "# $dir/$name.ko does not exist" >&2
		return 1
	fi
	for dep in $(modinfo -F depends "$dir/$name.ko" 2>/dev/null | tr ',' ' '); do
		[ ! -d "/sys/module/$dep" ] || continue
		if [ -f "$dir/$dep.ko" ]; then
			vt_mod_load "$dir" "$dep" || return 1
		elif ! err=$(modprobe "$dep" 2>&1); then
			echo "# modprobe $dep: $err" >&2
			return 1
		fi
	done
	if ! err=$(insmod "$dir/$name.ko" "$@" 2>&1); then
		echo "# insmod $dir/$name.ko: $err" >&2
		dmesg 2>/dev/null | tail -n 20 | sed 's/^/# dmesg: /' >&2
		return 1
	fi
	vt_mod_loaded+=("$name")
}

vt_mod_unload_err=''
vt_mod_unload_all() {
	local i m err
	vt_mod_unload_err=''
	for ((i = ${#vt_mod_loaded[@]} - 1; i >= 0; i--)); do
		m=${vt_mod_loaded[$i]}
		err=$(rmmod "$m" 2>&1) ||
			vt_mod_unload_err+="rmmod $m: $err (refcnt $(cat "/sys/module/$m/refcnt" 2>/dev/null)); "
	done
	vt_mod_loaded=()
	[ -z "$vt_mod_unload_err" ]
}

vt_mod_is_ours() {
	case "$(cat "/sys/module/$1/taint" 2>/dev/null)" in
	*O*) return 0 ;;
	esac
	return 1
}
