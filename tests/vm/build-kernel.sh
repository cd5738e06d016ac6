#!/bin/bash
# Build (or reuse) the debug/KUnit test kernel from Debian's linux-source-6.1.
# The result is cached outside the tree, keyed by the hash of the config fragment,
# the source tarball and this script, so warm runs never rebuild it.
#
# Prints the build directory (usable as KDIR for out-of-tree modules) on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VHOST_CACHE:-/var/cache/vhost-oot}
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
[ -n "$tarball" ] || { echo "build-kernel: linux-source-6.1 is not installed" >&2; exit 1; }

key=$( (cat "$here/debug-kernel.config" "$0"; stat -c '%s %Y' "$tarball") | sha256sum | cut -c1-16)
out="$cache/kernel-$key"
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.kernel-build.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

src="$cache/linux-source-6.1"
if [ ! -f "$src/.extracted" ]; then
	echo "build-kernel: extracting $tarball" >&2
	rm -rf "$src"
	tar -C "$cache" -xJf "$tarball"
	touch "$src/.extracted"
fi

rm -rf "$out"
mkdir -p "$out"
echo "build-kernel: configuring $out" >&2
make -s -C "$src" O="$out" ARCH=x86_64 tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$here/debug-kernel.config" >/dev/null
make -s -C "$src" O="$out" ARCH=x86_64 olddefconfig >&2
while read -r line; do
	case "$line" in CONFIG_*=n | '#'* | '') continue ;; esac
	grep -qx "$line" "$out/.config" || {
		echo "build-kernel: $line did not survive olddefconfig" >&2
		exit 1
	}
done <"$here/debug-kernel.config"

echo "build-kernel: building (about 20 minutes on 2 cores)" >&2
make -C "$src" O="$out" ARCH=x86_64 -j"$(nproc)" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; exit 1; }
make -s -C "$src" O="$out" ARCH=x86_64 INSTALL_MOD_PATH="$out/modroot" \
	INSTALL_MOD_STRIP=1 modules_install >&2
touch "$out/.done"
echo "$out"
