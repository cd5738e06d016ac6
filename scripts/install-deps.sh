#!/bin/bash
# Install what building and testing need, on Debian 12 as root. Quick and
# silent when everything is already there.
set -euo pipefail

pkgs=(build-essential bc bison flex libelf-dev libssl-dev dwarves rsync
      kmod cpio busybox-static qemu-system-x86 sparse shellcheck dkms python3
      linux-image-amd64 linux-headers-amd64 linux-source-6.1
      iperf3 ethtool socat libvirt-daemon-system libvirt-clients
      sg3-utils targetcli-fb dbus-daemon fio)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

# Debian's 6.12 kernel (bookworm-security): image and headers, newest.
if ! ls /boot/vmlinuz-6.12.* >/dev/null 2>&1 ||
   ! ls -d /usr/src/linux-headers-6.12.*-amd64 >/dev/null 2>&1; then
	need612=1
else
	need612=0
fi

[ ${#missing[@]} -eq 0 ] && [ $need612 -eq 0 ] && exit 0
[ "$(id -u)" -eq 0 ] || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]} (6.12 kernel needed: $need612)" >&2
apt-get update -q >&2
[ ${#missing[@]} -eq 0 ] || apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
if [ $need612 -eq 1 ]; then
	v=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sed 's/^linux-headers-//' | sort -V | tail -n 1)
	if [ -n "$v" ]; then
		apt-get install -y -q --no-install-recommends \
			"linux-image-$v-unsigned" "linux-headers-$v" >&2
	else
		echo "install-deps: no 6.12 kernel in the package lists" >&2
	fi
fi
