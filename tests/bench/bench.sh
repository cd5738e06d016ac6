#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: descriptors/s through our vhost_test and through Linux's own
# vhost_test (drivers/vhost/test.c of the matching linux-source-6.1, built
# here as an out-of-tree module against the distribution's vhost.ko), in
# one VM run on Debian's 6.1 kernel.  The two are never loaded together.
#
#   tests/bench/bench.sh
#
# Environment: BENCH_DESCS (descriptors per timed run, default 1000000),
# BENCH_SECS (upper bound of a timed run, default 5), BENCH_ROUNDS
# (default 3; in each, both implementations run each case back to back,
# in alternating order; the table shows the best of the rounds),
# BENCH_RINGS (default "256 32768"), BENCH_LOG (full VM output, default
# build/bench/bench.log).
#
# Timings are printed, never judged: the exit status is 0 unless something
# broke (build, VM, a module that would not load, a device that stalled).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=$top/build/bench
mkdir -p "$out"
log=${BENCH_LOG:-$out/bench.log}
descs=${BENCH_DESCS:-1000000}
secs=${BENCH_SECS:-5}
rounds=${BENCH_ROUNDS:-3}
rings=${BENCH_RINGS:-256 32768}
tarball=/usr/src/linux-source-6.1.tar.xz

say() { echo "bench: $*" >&2; }
die() {
	echo "bench: error: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (the VM runner and module builds need it)"
scripts/install-deps.sh

# The kernel the VM boots for "--kernel 6.1": the newest /boot/vmlinuz-6.1.*.
kimg=$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*' -printf '%f\n' | sort -V | tail -n1)
[ -n "$kimg" ] || die "no Debian 6.1 kernel in /boot"
kver=${kimg#vmlinuz-}
kdir=/lib/modules/$kver/build
[ -d "$kdir" ] || die "no headers for $kver ($kdir)"

# ---------------------------------------------------------------------
# builds (on the host)

say "building our modules for $kver"
ourdir=$(scripts/build-modules.sh 6.1 "$kdir")

say "building ringbench"
make -s -C tests/bench >&2

# Linux's test device must match the running vhost.ko exactly (it embeds
# struct vhost_dev / vhost_virtqueue from drivers/vhost/vhost.h), so the
# source package must be the image's version.
[ -f "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.1)"
srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || true)
imgver=$(dpkg-query -W -f '${Version}' "linux-image-$kver" 2>/dev/null ||
	dpkg-query -W -f '${Version}' "linux-image-$kver-unsigned" 2>/dev/null || true)
if [ -z "$srcver" ] || [ "$srcver" != "$imgver" ]; then
	die "linux-source-6.1 is '$srcver' but linux-image-$kver is '$imgver': Linux's vhost_test would not match the in-tree vhost.ko"
fi

lt=$out/linux-vhost-test
stamp="$srcver $(stat -c '%s %Y' "$tarball") $kver"
if [ "$(cat "$lt/.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$lt/vhost_test.ko" ]; then
	say "extracting drivers/vhost/{test.c,test.h,vhost.h} from $tarball"
	rm -rf "$lt"
	mkdir -p "$lt"
	# vhost.h is needed too: test.c embeds the core's structures, and the
	# headers package does not ship drivers/.
	tar -xJf "$tarball" -C "$lt" --strip-components=3 --wildcards \
		'*/drivers/vhost/test.c' '*/drivers/vhost/test.h' '*/drivers/vhost/vhost.h'
	for f in test.c test.h vhost.h; do
		[ -f "$lt/$f" ] || die "$f not found in $tarball"
	done
	printf 'obj-m := vhost_test.o\nvhost_test-y := test.o\n' >"$lt/Kbuild"
	say "building Linux's vhost_test.ko against $kdir"
	make -s -C "$kdir" M="$lt" modules >&2
	echo "$stamp" >"$lt/.stamp"
fi
[ -f "$lt/vhost_test.ko" ] || die "Linux's vhost_test.ko was not built"

# ---------------------------------------------------------------------
# the VM run

say "booting $kver (one VM; other VM runs are waited for); log: $log"
rc=0
tests/vm/run-vm --kernel 6.1 --name bench --timeout 1800 \
	--env "OURDIR=$ourdir" --env "LINUXKO=$lt/vhost_test.ko" \
	--env "RINGBENCH=$out/ringbench" --env "DESCS=$descs" \
	--env "SECS=$secs" --env "ROUNDS=$rounds" --env "RINGS=$rings" \
	-- 'tests/bench/bench-vm.sh' >"$log" 2>&1 || rc=$?

grep -E '^(# |PASS vm|FAIL vm)' "$log" | sed 's/^# //' || true
[ "$rc" = 0 ] || {
	tail -n 30 "$log" >&2
	die "the VM run failed (status $rc); see $log"
}

# ---------------------------------------------------------------------
# the table: best rate of the rounds per implementation and case

awk -v rings="$rings" '
$1 == "BENCH" {
	impl = $2; ring = ""; ev = ""; rate = 0
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "ring") ring = kv[2]
		if (kv[1] == "event_idx") ev = kv[2]
		if (kv[1] == "rate") rate = kv[2] + 0
		if (kv[1] == "timebound") tb[impl, ring, ev] = 1
	}
	k = impl SUBSEP ring SUBSEP ev
	if (!(k in best) || rate > best[k]) best[k] = rate
	n[k]++
}
function fmt(r) { return r >= 1e6 ? sprintf("%.2fM", r / 1e6) : sprintf("%.0fk", r / 1e3) }
END {
	printf "\n%-6s %-9s %12s %12s %7s\n", "ring", "event_idx", "ours/s", "in-tree/s", "ratio"
	nr = split(rings, R, " ")
	cases = 0; logsum = 0; worst = ""; bestc = ""
	for (i = 1; i <= nr; i++) for (ev = 0; ev <= 1; ev++) {
		ko = "ours" SUBSEP R[i] SUBSEP ev; kl = "linux" SUBSEP R[i] SUBSEP ev
		if (!(ko in best) || !(kl in best)) {
			printf "%-6s %-9s %12s %12s %7s\n", R[i], ev ? "on" : "off",
				(ko in best) ? fmt(best[ko]) : "-", (kl in best) ? fmt(best[kl]) : "-", "-"
			continue
		}
		ratio = best[kl] > 0 ? best[ko] / best[kl] : 0
		printf "%-6s %-9s %12s %12s %6.2fx\n", R[i], ev ? "on" : "off", fmt(best[ko]), fmt(best[kl]), ratio
		if (ratio > 0) { cases++; logsum += log(ratio) }
		if (worst == "" || ratio < wr) { worst = R[i] "/" (ev ? "on" : "off"); wr = ratio }
		if (bestc == "" || ratio > br) { bestc = R[i] "/" (ev ? "on" : "off"); br = ratio }
	}
	if (cases)
		printf "\nsummary: ours/in-tree geometric mean %.2fx over %d cases (best %s %.2fx, worst %s %.2fx); descriptors/s, best of %s round(s), Debian 6.1 under TCG\n",
			exp(logsum / cases), cases, bestc, br, worst, wr, ROUNDS
	else
		print "\nsummary: no comparable results (see the log)"
}' ROUNDS="$rounds" "$log"
