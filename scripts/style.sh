#!/bin/bash
# make style: checkpatch --strict, a W=1 build and sparse (C=2) over our
# kernel code. Exits non-zero on any finding.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
cache=${VHOST_CACHE:-/var/cache/vhost-oot}
src=$cache/linux-source-6.1
rc=0

if [ ! -x "$src/scripts/checkpatch.pl" ]; then
	mkdir -p "$cache/checkpatch"
	tar -C "$cache/checkpatch" -xJf /usr/src/linux-source-6.1.tar.xz \
		--strip-components=1 linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	src=$cache/checkpatch
fi

cp="$src/scripts/checkpatch.pl --strict --no-tree --quiet --show-types"
files=$(git ls-files "drivers/vhost/*.[ch]" "include/uapi/linux/*.h" \
	"tests/kunit/*.c" | grep -v -e compat.h -e trace.h)
# shellcheck disable=SC2086
$cp -f $files || rc=1
# Version tests are compat.h's job; TRACE_EVENT has its own layout.
$cp --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f drivers/vhost/compat.h || rc=1
$cp --ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT -f drivers/vhost/trace.h || rc=1

kdir=$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n 1)
rm -rf build/style
if ! out=$(scripts/build-modules.sh style "$kdir" C=2 2>&1); then
	echo "$out"
	rc=1
fi
# W=1 warnings and sparse reports, minus kbuild's own chatter.
warn=$(echo "$out" | grep -E 'warning:|error:' | grep -v 'BTF' || true)
if [ -n "$warn" ]; then
	echo "$warn"
	rc=1
fi
[ $rc -eq 0 ] && echo "style: clean"
exit $rc
