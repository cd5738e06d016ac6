# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154,SC2153 # vsock, scsi_ok, kimg, HOUT, ...: set by lib.sh, the driver
# shellcheck disable=SC2034 # area, gdir, apart: read by lib.sh's functions
#
# The libvirt guest of tests/clients/qemu-clients.sh (sourced by it, after lib.sh, net.sh,
# vsock.sh and scsi.sh; not with --no-libvirt): the same nested guest, started by libvirtd, when
# nested KVM works (libvirt uses vhost only for <domain type='kvm'>):
#   <interface type='ethernet'> + <driver name='vhost'/>, lvtap0, 169.254.3.0/24: net/libvirt-ping
#   <vsock model='virtio'> with CID 4: vsock/libvirt-stream-host-to-guest
#   <hostdev type='scsi_host'> with <source protocol='vhost'>: scsi/libvirt-* (the disk cases)

libvirtd_pid=''
libvirt_scsi_cases=(libvirt-holds-vhost-scsi libvirt-disk libvirt-sg-inq libvirt-dd-roundtrip
	libvirt-host-sees-data)

# libvirt_cases QEMU-OK: run the libvirt guest's cases, or give them all one result saying why
# they cannot run (QEMU-OK 0: the direct guest did not boot).
libvirt_cases() {
	local tt=$EPOCHREALTIME
	if [ "$1" = 0 ]; then
		libvirt_result FAIL "not run: the nested guest did not boot under QEMU alone"
	elif [ "$accel" != kvm ]; then
		libvirt_result SKIP "no nested KVM ($accel_why): libvirt uses vhost only for <domain type='kvm'>"
	elif ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null; then
		libvirt_result SKIP "libvirt-daemon-system / libvirt-clients not installed"
	else
		libvirt_start
		libvirt_guest
		libvirt_stop
	fi
	timing libvirt "$tt"
}

# libvirt_result STATUS REASON: every libvirt case, when the libvirt guest cannot run.
libvirt_result() {
	local c
	result "$1" libvirt-ping "$2"
	[ "$vsock" = 0 ] || area=vsock result "$1" libvirt-stream-host-to-guest "$2"
	[ "$scsi_ok" = 0 ] || for c in "${libvirt_scsi_cases[@]}"; do area=scsi result "$1" "$c" "$2"; done
}

# libvirt_start: configure and start libvirtd in the background.
libvirt_start() {
	local d=$work/libvirt
	mkdir -p "$d"
	# The VM's root is an overlay with a tmpfs upper: these changes vanish at power-off.
	# No default network (it would bring up virbr0 on a private range); QEMU runs as root with
	# no namespaces, cgroups or labels; its stdout/stderr go straight to the log (no virtlogd).
	rm -f /etc/libvirt/qemu/networks/autostart/*.xml
	# At start libvirtd probes every qemu-system-* it finds, each twice (KVM, TCG), ~10 s each
	# under TCG; the capability cache cannot be reused across boots (it is keyed on the ctime
	# of /dev/kvm).  Hide the i386 emulator, which nothing here uses.
	rm -f /usr/bin/qemu-system-i386
	cat >>/etc/libvirt/qemu.conf <<-'EOF'
		user = "root"
		group = "root"
		dynamic_ownership = 0
		remember_owner = 0
		security_driver = "none"
		namespaces = []
		cgroup_controllers = []
		stdio_handler = "file"
	EOF
	getent passwd libvirt-qemu >/dev/null || useradd -r -M -s /usr/sbin/nologin libvirt-qemu
	mkdir -p /var/log/libvirt/qemu /var/cache/libvirt /var/lib/libvirt/qemu /run/libvirt
	rm -f /var/log/libvirt/qemu/vt-net.log
	libvirtd --pid-file "$d/libvirtd.pid" >"$d/libvirtd.log" 2>&1 &
	libvirtd_pid=$!
	libvirtd_t0=$EPOCHREALTIME
}

# Whatever state libvirt_guest left: no domain, no libvirtd, FIFOs closed.
libvirt_stop() {
	local t=$EPOCHREALTIME
	if [ -n "$ain" ]; then
		virsh -q -c qemu:///system domstate vt-net >/dev/null 2>&1 &&
			timeout 60 virsh -q -c qemu:///system destroy vt-net >/dev/null 2>&1
		agent_close
	fi
	kill "$libvirtd_pid" 2>/dev/null
	wait_for 30 sh -c "! kill -0 $libvirtd_pid 2>/dev/null" || kill -9 "$libvirtd_pid" 2>/dev/null
	wait "$libvirtd_pid" 2>/dev/null
	libvirtd_pid=''
	timing libvirt-stop "$t"
}

# At exit (an interrupted run): the domain and libvirtd go.
libvirt_cleanup() {
	[ -n "$libvirtd_pid" ] || return 0
	virsh -q -c qemu:///system destroy vt-net >/dev/null 2>&1
	kill "$libvirtd_pid" 2>/dev/null
}
cleanup_hooks+=(libvirt_cleanup)

# libvirt_domain_xml DIR: the domain, on stdout.
libvirt_domain_xml() {
	cat <<-EOF
		<domain type='kvm'>
		  <name>vt-net</name>
		  <memory unit='MiB'>512</memory>
		  <vcpu>1</vcpu>
		  <os>
		    <type arch='x86_64' machine='pc'>hvm</type>
		    <kernel>$kimg</kernel>
		    <initrd>$initrd</initrd>
		    <cmdline>$gargs</cmdline>
		  </os>
		  <features><acpi/></features>
		  <cpu mode='host-passthrough'/>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <emulator>$(command -v qemu-system-x86_64)</emulator>
		    <interface type='ethernet'>
		      <mac address='52:54:00:76:68:03'/>
		      <target dev='lvtap0'/>
		      <model type='virtio'/>
		      <driver name='vhost'/>
		    </interface>
		    <serial type='file'><source path='$1/console.log'/><target port='0'/></serial>
		    <channel type='pipe'><source path='$1/ctl'/><target type='virtio' name='ctl'/></channel>
		    <memballoon model='none'/>
		    $([ "$vsock" = 0 ] || echo "<vsock model='virtio'><cid auto='no' address='$libvirt_cid'/></vsock>")
		    $([ "$scsi_ok" = 0 ] || echo "<hostdev mode='subsystem' type='scsi_host' managed='no'><source protocol='vhost' wwpn='$scsi_wwpn'/></hostdev>")
		  </devices>
		</domain>
	EOF
}

# libvirt_boot DIR LOG: virsh create, until the guest's agent is up (one more try if the guest
# resets during boot, as for the direct guest); sets $gpid (libvirt's QEMU) and $gdir.  On failure
# libvirt-ping fails and the status is 1.
libvirt_boot() {
	local d=$1 log=$2 try wr t
	for try in 1 2; do
		t=$EPOCHREALTIME
		if ! hx timeout 120 virsh -q -c qemu:///system create "$d/dom.xml"; then
			result FAIL libvirt-ping "virsh create failed: $(tail -n 3 <<<"$HOUT" | tr '\n' ' ')"
			show <"$log" 2>/dev/null
			return 1
		fi
		gpid=$(cat /run/libvirt/qemu/vt-net.pid 2>/dev/null) gdir=$d
		timing "virsh-create (QEMU pid $gpid)" "$t"
		t=$EPOCHREALTIME
		tap_up lvtap0 169.254.3.1/24 || note "lvtap0: cannot configure"
		AOUT='' apart=''
		agent_wait 180 '@@READY *' "$gpid"
		wr=$?
		[ $wr != 0 ] || break
		cp "$log" "$d/qemu.log" 2>/dev/null
		guest_diag
		if [ $wr != 2 ] || [ $try = 2 ]; then
			result FAIL libvirt-ping "the libvirt guest did not come up"
			return 1
		fi
		note "the libvirt guest's QEMU exited during boot: once more"
		wait_for 30 sh -c '! virsh -q -c qemu:///system domstate vt-net >/dev/null 2>&1'
	done
	timing "libvirt-guest-boot (${ALINE#@@READY })" "$t"
}

# libvirt_guest: boot the libvirt guest, run its cases, power it off.
libvirt_guest() {
	local d=$work/libvirt log=/var/log/libvirt/qemu/vt-net.log rc out cmdl
	if ! wait_for 120 sh -c 'virsh -q -c qemu:///system version >/dev/null 2>&1'; then
		result FAIL libvirt-ping "libvirtd did not answer within 120 s"
		show <"$d/libvirtd.log"
		return
	fi
	timing libvirtd-up "$libvirtd_t0"
	agent_open "$d"
	libvirt_domain_xml "$d" >"$d/dom.xml"
	libvirt_boot "$d" "$log" || return
	gx 60 "ip addr add 169.254.3.2/24 dev lv0 && ip link set lv0 up && ping -c 3 -w 30 169.254.3.1"
	rc=$?
	out=$AOUT
	# libvirt logs the command line with one option per line and backslash continuations.
	cmdl=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$log" | grep -a 'qemu-system-x86_64' | tail -n 1)
	libvirt_net "$rc" "$out" "$cmdl" "$log"
	[ "$vsock" = 0 ] || libvirt_vsock "$cmdl"
	[ "$scsi_ok" = 0 ] || libvirt_scsi "$gpid" "$cmdl"
	agent_poweroff
	wait_for 60 sh -c "! kill -0 $gpid 2>/dev/null" ||
		note "libvirt guest still running 60 s after poweroff: destroying it"
}

# libvirt_net PING-STATUS PING-OUTPUT COMMAND-LINE LOG: the libvirt-ping case: the guest pings the
# host over lvtap0, QEMU got vhost (a vhostfd from libvirt) and holds one /dev/vhost-net of ours,
# and our counters saw the chains.
libvirt_net() {
	local rc=$1 out=$2 cmdl=$3 log=$4 n t chains=''
	n=$(vhost_fds "$gpid")
	for t in /sys/kernel/debug/vhost/net-"$gpid"-*; do
		[ -d "$t" ] && chains=$(cat "$t"/vq* | awk '$1 == "chains" {c += $2} END {print c + 0}')
	done
	if is_demo || [ "$rc" != 0 ]; then printf '%s' "$out" | show; fi
	if ! ping_ok "$rc" "$out"; then
		result FAIL libvirt-ping "guest ping to the host: rc=$rc"
	elif ! grep -qE '"vhost":true|vhost=on' <<<"$cmdl" || ! grep -q 'vhostfd' <<<"$cmdl"; then
		result FAIL libvirt-ping "QEMU's command line in $log shows no vhost: $(grep -oE -- "-netdev [^ ]+" <<<"$cmdl")"
	elif [ "$n" != 1 ]; then
		result FAIL libvirt-ping "libvirt's QEMU $gpid holds $n /dev/vhost-net fds (want 1)"
	elif [ "$intree" = 0 ] && ! vt_mod_is_ours vhost_net; then
		result FAIL libvirt-ping "vhost_net is not ours any more (taint '$(cat /sys/module/vhost_net/taint)')"
	elif [ "${chains:-1}" = 0 ]; then
		result FAIL libvirt-ping "our debugfs counters show no chain through libvirt's vhost-net device"
	else
		result PASS libvirt-ping
		note "libvirt netdev: $(grep -oE -- "-netdev [^ ]+" <<<"$cmdl")"
	fi
}

# libvirt_vsock COMMAND-LINE: <vsock model='virtio'>: libvirt opens /dev/vhost-vsock and hands
# QEMU the fd; the host's echo over it (vsock/libvirt-stream-host-to-guest).
libvirt_vsock() {
	local area=vsock n
	n=$(vhost_fds "$gpid" /dev/vhost-vsock)
	note "libvirt vsock device: $(grep -oE -- "-device [^ ]*vhost-vsock[^ ]*" <<<"$1")"
	if holds_ours "$n" 1 vhost_vsock; then
		vsock_host_connects libvirt-stream-host-to-guest '' "$libvirt_cid"
	else
		result FAIL libvirt-stream-host-to-guest "libvirt's QEMU $gpid holds $n /dev/vhost-vsock fds (want 1), vhost_vsock taint '$(cat /sys/module/vhost_vsock/taint 2>/dev/null)'"
	fi
}

# libvirt_scsi QEMU-PID COMMAND-LINE: <hostdev type='scsi_host'> with <source protocol='vhost'>:
# libvirt opens /dev/vhost-scsi and hands QEMU the fd (vhostfd); the guest's disk works.
libvirt_scsi() {
	local area=scsi n dev c
	n=$(vhost_fds "$1" /dev/vhost-scsi)
	dev=$(grep -oE -- "-device [^ ]*vhost-scsi[^ ]*" <<<"$2")
	note "libvirt vhost-scsi device: $dev"
	check libvirt-holds-vhost-scsi "libvirt's QEMU $1 holds $n /dev/vhost-scsi fds (want 1), device '$dev' (want vhostfd), vhost_scsi taint '$(cat /sys/module/vhost_scsi/taint 2>/dev/null)'" \
		holds_ours_by_fd "$n" "$dev" vhost_scsi
	if scsi_disk libvirt-disk; then
		scsi_sg libvirt-
		scsi_dd libvirt- 16
	else
		for c in "${libvirt_scsi_cases[@]:2}"; do result FAIL "$c" "no disk in the libvirt guest"; done
	fi
}
# holds_ours_by_fd COUNT DEVICE-OPTION MODULE: QEMU holds one descriptor of MODULE's device (ours),
# handed over by libvirt (vhostfd in its -device option).
holds_ours_by_fd() { holds_ours "$1" 1 "$3" && grep -q vhostfd <<<"$2"; }
