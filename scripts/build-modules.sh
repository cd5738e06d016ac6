#!/bin/bash
# Build the modules for one kernel in a private copy of the tree, so builds
# for several kernels never share objects:
#   scripts/build-modules.sh NAME KDIR [extra make args]
# prints the directory holding the .ko files (build/NAME/drivers/vhost).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
name=$1 kdir=$2
shift 2
out="$top/build/$name"
mkdir -p "$out"
# Copy sources only; keep objects of earlier builds for incremental makes.
srcs=$(cd "$top" && ls -d Kbuild VERSION drivers include tests/kunit 2>/dev/null || true)
# shellcheck disable=SC2086
(cd "$top" && find $srcs -type f \
	\( -name '*.[ch]' -o -name Kbuild -o -name Makefile -o -name VERSION \) |
	while read -r f; do
		mkdir -p "$out/$(dirname "$f")"
		cmp -s "$f" "$out/$f" || cp "$f" "$out/$f"
	done)
# The copy has no .git: tell Kbuild the checkout's version.
ver=$(git -C "$top" describe --tags --always --dirty 2>/dev/null || cat "$top/VERSION")
make -s -C "$kdir" M="$out" W=1 VHOST_VERSION="$ver" "$@" modules >&2
echo "$out/drivers/vhost"
