# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # intree, work, pids: lib.sh, the driver
# shellcheck disable=SC2034 # area, scsi_ok: read by lib.sh's functions, the driver, libvirt.sh
#
# vhost-scsi under the guests of tests/clients/qemu-clients.sh (sourced by it, after lib.sh;
# not with --no-scsi).  targetcli (targetcli-fb, with a private D-Bus standing in for the system
# bus it insists on) makes a LIO target on the fabric "vhost" (ours, or Debian's in-tree
# baseline): naa.5001405f0c1e0001, tpg1 with its nexus, LUN 0 a 64 MiB fileio backstore in the
# work dir.  QEMU's vhost-scsi-pci (libvirt's <hostdev type='scsi_host'>) binds it and the guest's
# virtio_scsi sees LUN 0 as a disk.  Cases (client/scsi/...):
#   targetcli-setup, targetcli-ls        the target is there, as configfs and targetcli show it
#   qemu-holds-vhost-scsi                QEMU holds 1 /dev/vhost-scsi, the module is ours
#   disk, sg-inq, sg-luns, sg-readcap    the guest's disk: LIO's, 64 MiB, LUN 0 only
#   dd-roundtrip, host-sees-data         8 MiB written with O_DIRECT read back the same, and the
#                                        same bytes in the backstore's file on the host
#   datapath                             our request rings' counters in debugfs (ours only)
#   scsi-target-removed                  the target goes (as targetcli's clearconfig does)
# (libvirt.sh runs the disk cases again as libvirt-*.)

scsi_wwpn=naa.5001405f0c1e0001
scsi_bytes=$((64 << 20))
scsi_img=$work/scsi-disk.img
scsi_ok=0 # the target is set up: the guests get the device

# scsi_qemu_devices: the device for start_qemu.
scsi_qemu_devices() { qemu_devices+=(-device "vhost-scsi-pci,wwpn=$scsi_wwpn"); }

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
	[ "$intree" = 1 ] || vt_mod_is_ours vhost_scsi || why+="vhost_scsi taint '$(cat /sys/module/vhost_scsi/taint)'; "
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

# The guest's disk: the cases below run for the direct guest (scsi_cases) and again for the
# libvirt guest (libvirt_scsi, names prefixed libvirt-); the caller sets area=scsi.

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
	# shellcheck disable=SC2016 # expands in the guest
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
	if [ "$intree" = 0 ]; then
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
