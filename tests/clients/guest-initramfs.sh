#!/bin/bash
# Build (or find in the cache) the nested guest's initramfs for the real-client tests
# (tests/clients/qemu-clients.sh) and print its path:
#
#   tests/clients/guest-initramfs.sh [KVER]
#
# KVER: the guest kernel's release (default: the newest /boot/vmlinuz-6.1.*).  Contents: static
# busybox, tests/clients/guest-init as /init, the virtio, vsock and SCSI modules the guest needs
# (virtio_scsi, sd_mod, sg and what modules.dep says they need; decompressed: busybox insmod
# cannot read .ko.xz), iperf3, ethtool, socat and sg3-utils' sg_inq, sg_luns and sg_readcap with
# their shared libraries.  Cached as $VHOST_CACHE/client-guest-KVER-KEY.cpio.gz (VHOST_CACHE default
# /var/cache/vhost-oot), KEY a hash of everything that goes in; when the cache is not writable
# (or VHOST_CLIENT_GUEST_DIR is set) it goes there instead.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VHOST_CLIENT_GUEST_DIR:-${VHOST_CACHE:-/var/cache/vhost-oot}}
die() {
	echo "guest-initramfs: $*" >&2
	exit 2
}

kver=${1:-}
if [ -z "$kver" ]; then
	kver=$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*' -printf '%f\n' | sort -V | tail -n1)
	kver=${kver#vmlinuz-}
fi
[ -n "$kver" ] || die "no /boot/vmlinuz-6.1.* installed"
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || die "no $moddir/modules.dep"

# (sd_mod and sg before virtio_scsi: the disk its scan finds gets a driver at once.)
modules=(virtio_pci virtio_net virtio_console vmw_vsock_virtio_transport sd_mod sg virtio_scsi)
tools=(/usr/bin/iperf3 /usr/sbin/ethtool /usr/bin/socat /usr/bin/sg_inq /usr/bin/sg_luns
	/usr/bin/sg_readcap)
busybox=$(command -v busybox) || die "busybox (busybox-static) is not installed"
file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked' && die "$busybox is not static"
for t in "${tools[@]}"; do [ -x "$t" ] || die "$t is missing (install iperf3, ethtool, socat, sg3-utils)"; done

# MODULE -> its modules.dep paths, dependencies first (modules.dep lists every transitive
# dependency, so that reversing it gives a valid load order).
closure() {
	local line deps i
	line=$(grep -E "(^|/)${1//_/[-_]}\.ko(\.[a-z]+)?:" "$moddir/modules.dep") ||
		{ grep -qE "/${1//_/[-_]}\.ko$" "$moddir/modules.builtin" && return 0; die "no module $1"; }
	read -ra deps <<<"${line#*:}"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do echo "${deps[i]}"; done
	echo "${line%%:*}"
}
mods=()
for m in "${modules[@]}"; do
	for p in $(closure "$m"); do
		case " ${mods[*]} " in *" $p "*) ;; *) mods+=("$p") ;; esac
	done
done
# The tools' shared libraries (the loader included), resolved on this host.
libs=()
for t in "${tools[@]}"; do
	for l in $(ldd "$t" | grep -oE '/[^ ]+'); do
		case " ${libs[*]} " in *" $l "*) ;; *) libs+=("$l") ;; esac
	done
done

key=$( (
	echo "$kver"
	cat "$here/guest-init"
	sha256sum "$busybox"
	for f in "${mods[@]/#/$moddir/}" "${tools[@]}" "${libs[@]}"; do stat -L -c '%n %s %Y' "$f"; done
) | sha256sum | cut -c1-16)
out=$cache/client-guest-$kver-$key.cpio.gz
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then die "cannot write $cache"; fi
stage=$(mktemp -d "$cache/.client-guest.XXXXXX")
trap 'rm -rf "$stage" "$stage.img"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,run,etc,lib/modules}
cp "$busybox" "$stage/bin/busybox"
install -m 0755 "$here/guest-init" "$stage/init"
: >"$stage/etc/modules"
for p in "${mods[@]}"; do
	n=$(basename "$p")
	case "$n" in
	*.ko.xz) xz -dc "$moddir/$p" >"$stage/lib/modules/${n%.xz}" ;;
	*.ko.zst) zstd -qdc "$moddir/$p" >"$stage/lib/modules/${n%.zst}" ;;
	*.ko.gz) gzip -dc "$moddir/$p" >"$stage/lib/modules/${n%.gz}" ;;
	*.ko) cp "$moddir/$p" "$stage/lib/modules/$n" ;;
	*) die "unexpected module file $p" ;;
	esac
	echo "${n%.ko*}.ko" >>"$stage/etc/modules"
done
# Stable names for the NICs (the MACs tests/clients/qemu-clients.sh gives them).
cat >"$stage/etc/ifnames" <<'NAMES'
52:54:00:76:68:01 sq0
52:54:00:76:68:02 mq0
52:54:00:76:68:03 lv0
NAMES
for f in "${tools[@]}" "${libs[@]}"; do
	mkdir -p "$stage$(dirname "$f")"
	cp -L "$f" "$stage$f"
done
# Debian's merged /usr: /lib64 -> usr/lib64 and friends exist on the host; the copies above
# went to the paths ldd printed, which is all the loader needs.
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -6n >"$stage.img"
mv -f "$stage.img" "$out"
find "$cache" -maxdepth 1 -name "*-guest-$kver-*.cpio.gz" ! -name "${out##*/}" -mmin +60 \
	-delete 2>/dev/null || true
echo "$out"
