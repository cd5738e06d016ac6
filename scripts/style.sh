#!/bin/bash
# make style: checkpatch --strict, a W=1 build and sparse (C=2) over our
# kernel code against 6.1 and 6.12, and shellcheck over the shell scripts.
# Exits non-zero on any finding.
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

# W=1 and sparse on every kernel we build for: their headers differ (compat.h).
for k in 6.1 6.12; do
	kdir=$(ls -d /usr/src/linux-headers-"$k".*-amd64 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$kdir" ]; then
		echo "style: no linux-headers-$k.*-amd64 installed"
		rc=1
		continue
	fi
	rm -rf "build/style-$k"
	if ! out=$(scripts/build-modules.sh "style-$k" "$kdir" C=2 2>&1); then
		echo "$out"
		rc=1
	fi
	# W=1 warnings and sparse reports, minus kbuild's own chatter.
	warn=$(echo "$out" | grep -E 'warning:|error:' | grep -v 'BTF' || true)
	if [ -n "$warn" ]; then
		echo "$k: $warn"
		rc=1
	fi
done

# The shell: every script in the tree, sourced files followed.
if command -v shellcheck >/dev/null; then
	# shellcheck disable=SC2046
	shellcheck -x -S warning $(git ls-files '*.sh' tests/vm/run-vm tests/vm/init .ci/run) || rc=1
else
	echo "style: shellcheck is not installed (apt install shellcheck)"
	rc=1
fi
[ $rc -eq 0 ] && echo "style: clean"
exit $rc
