#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Copy the gcov counters of our modules out of the debug kernel. Runs
# INSIDE the VM (as root), after the tests:
#
#   tests/coverage/collect.sh [--reset] [MODDIR [DEST]]
#
# MODDIR: the modules' build directory, as built on the host with
#   scripts/build-modules.sh debug $(tests/vm/build-kernel.sh) VHOST_COVERAGE=1
#   (default build/debug/drivers/vhost); the kernel keeps the counters
#   of each object at /sys/kernel/debug/gcov/<absolute MODDIR>/<obj>.gcda.
# DEST: where the .gcda files go (default $VMOUT/gcov, i.e. run-vm's --out
#   directory on the host); tests/coverage/report.sh reads them there.
# --reset: zero every counter of the kernel's gcov instead (before a
#   measurement that must count one run alone).
#
# The counters of an unloaded module survive (the kernel's gcov_persist,
# default 1) and add up with those of its next load: collecting after
# run-suites.sh's rmmod counts every load since boot.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
gcovfs=/sys/kernel/debug/gcov

mountpoint -q /sys/kernel/debug 2>/dev/null ||
	mount -t debugfs debugfs /sys/kernel/debug
if [ ! -d $gcovfs ]; then
	echo "collect: no $gcovfs (a kernel without CONFIG_GCOV_KERNEL?)" >&2
	exit 2
fi
if [ "${1:-}" = --reset ]; then
	echo 1 >$gcovfs/reset
	exit 0
fi

moddir=$(cd "${1:-$top/build/debug/drivers/vhost}" && pwd -P)
dest=${2:-${VMOUT:-}/gcov}
if [ "$dest" = /gcov ]; then
	echo "collect: no DEST and no \$VMOUT (run-vm --out DIR)" >&2
	exit 2
fi
src=$gcovfs$moddir
if [ ! -d "$src" ]; then
	echo "collect: no $src: modules not built with VHOST_COVERAGE=1, or never loaded" >&2
	exit 1
fi
mkdir -p "$dest"
n=0
for f in "$src"/*.gcda; do
	[ -e "$f" ] || continue
	# debugfs gives no size: read, don't copy
	cat "$f" >"$dest/$(basename "$f")"
	n=$((n + 1))
done
{
	echo "kernel $(uname -r)"
	echo "moddir $moddir"
	echo "collected $(date -u +%FT%TZ)"
	echo "loaded $(grep -o '^vhost[a-z_]*' /proc/modules | tr '\n' ' ')"
} >"$dest/collect.info"
echo "# collect: $n .gcda files from $src to $dest" >&2
[ "$n" -gt 0 ]
