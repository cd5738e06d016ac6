#!/bin/bash
# dkms.conf builds every module of the set: add and build through DKMS for
# one kernel (no install), then remove it again. Host-side.
#   tests/dkms-check.sh KVER
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kver=$1
name=vhost-oot
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
case=dkms/$kver/build_every_module

# DKMS needs a literal PACKAGE_VERSION; it must stay the VERSION file's.
file_ver=$(cat "$top/VERSION")
if [ "$ver" = "$file_ver" ]; then
	echo "PASS dkms/package_version_is_VERSION"
else
	echo "FAIL dkms/package_version_is_VERSION - dkms.conf says $ver, VERSION $file_ver"
	exit 1
fi

if ! command -v dkms >/dev/null; then
	echo "SKIP $case - dkms is not installed"
	exit 0
fi
if [ -e "/usr/src/$name-$ver" ] || dkms status -m "$name" 2>/dev/null | grep -q .; then
	echo "SKIP $case - $name $ver is already registered with DKMS here; not touching it"
	exit 0
fi
mkdir -p "/usr/src/$name-$ver"
cp -r "$top/Kbuild" "$top/VERSION" "$top/dkms.conf" "$top/drivers" "$top/include" \
	"/usr/src/$name-$ver/"
out=$( { dkms add -m "$name" -v "$ver" && dkms build -m "$name" -v "$ver" -k "$kver"; } 2>&1)
rc=$?
missing=""
for m in $(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' "$top/dkms.conf"); do
	ls "/var/lib/dkms/$name/$ver/$kver/"*/module/"$m".ko* >/dev/null 2>&1 || missing="$missing $m"
done
dkms remove -m "$name" -v "$ver" --all >/dev/null 2>&1
rm -rf "/usr/src/$name-$ver"
if [ $rc -eq 0 ] && [ -z "$missing" ]; then
	echo "PASS $case"
else
	echo "FAIL $case - rc $rc, missing:${missing:- none}; $(echo "$out" | tail -2 | tr '\n' ' ')"
	exit 1
fi
