#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, four parts, each one VM run on Debian's 6.1 kernel:
#  test: descriptors/s through our vhost_test and through Linux's own
#        vhost_test (drivers/vhost/test.c of the matching linux-source-6.1,
#        built here as an out-of-tree module against the distribution's
#        vhost.ko);
#  net:  our vhost_net against the distribution's vhost_net with the same
#        guest-driver harness (tests/bench/netbench.c) and a tap backend:
#        TX and RX packets/s with 64-byte frames, bytes/s with 1500-byte
#        frames and 64 KiB GSO frames, single queue;
#  vsock: our vhost_vsock against the distribution's with the same
#        guest-driver harness (tests/bench/vsockbench.c) and a host
#        AF_VSOCK stream socket: bytes/s host to guest and guest to host
#        with 4 KiB and 64 KiB writes, and the round-trip time of 64-byte
#        messages the guest echoes (median, p99 and mean microseconds);
#  scsi: our vhost_scsi against the distribution's with the same
#        guest-driver harness (tests/bench/scsibench.c, 32 requests in
#        flight) and the same LIO ramdisk LUN: 4 KiB random read and
#        write I/Os per second, 1 MiB sequential read and write bytes/s.
# The two implementations are never loaded together.
#
#   tests/bench/bench.sh
#
# Environment: BENCH_PARTS (default "test net vsock scsi"), BENCH_ROUNDS
# (default 5; in each, both implementations run each case back to back,
# in alternating order; the tables give per figure the median of each
# implementation's runs, the median and the range of the per-round
# ratios, and "noise" when that range reaches both sides of 1),
# BENCH_COST_ROUNDS (default 1: rounds after those, the same way but with
# kprobes on, for the handler runs and poll wake-ups per unit of work; 0
# leaves those columns n/a), BENCH_REPORT_ONLY (1: no build and no VM run,
# only the tables of the logs already there, e.g. tests/bench/fixtures;
# needs neither root nor a VM).  See Documentation/bench.md.
# test part: BENCH_DESCS (descriptors per timed run, default 1000000),
# BENCH_SECS (upper bound of a timed run, default 5), BENCH_RINGS (default
# "256 32768"), BENCH_LOG (full VM output, default build/bench/bench.log).
# net part: BENCH_NET_SECS (timed seconds per run, default 3; plus 0.5 s of
# warm-up), BENCH_NET_CASES (default "tx:64 rx:64 tx:1500 rx:1500
# tx:65214:gso rx:65214:gso"), BENCH_NET_LOG (default
# build/bench/bench-net.log).
# vsock part: BENCH_VSOCK_SECS (timed seconds per run, default 3; plus
# 0.5 s of warm-up), BENCH_VSOCK_CASES (default "h2g:4096 h2g:65536
# g2h:4096 g2h:65536 rr:64": direction or rr, and bytes per write),
# BENCH_VSOCK_LOG (default build/bench/bench-vsock.log).
# scsi part: BENCH_SCSI_SECS (timed seconds per run, default 3; plus 0.5 s
# of warm-up), BENCH_SCSI_CASES (default "randread:4096 randwrite:4096
# seqread:1048576 seqwrite:1048576": mode and bytes per command),
# BENCH_SCSI_DEPTH (requests in flight, default 32), BENCH_SCSI_MIB (the
# ramdisk LUN's size, default 256), BENCH_SCSI_LOG (default
# build/bench/bench-scsi.log).
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
rounds=${BENCH_ROUNDS:-5}
costrounds=${BENCH_COST_ROUNDS:-1}
report_only=${BENCH_REPORT_ONLY:-0}
rings=${BENCH_RINGS:-256 32768}
parts=${BENCH_PARTS:-test net vsock scsi}
netlog=${BENCH_NET_LOG:-$out/bench-net.log}
netsecs=${BENCH_NET_SECS:-3}
netcases=${BENCH_NET_CASES:-tx:64 rx:64 tx:1500 rx:1500 tx:65214:gso rx:65214:gso}
vsocklog=${BENCH_VSOCK_LOG:-$out/bench-vsock.log}
vsocksecs=${BENCH_VSOCK_SECS:-3}
vsockcases=${BENCH_VSOCK_CASES:-h2g:4096 h2g:65536 g2h:4096 g2h:65536 rr:64}
scsilog=${BENCH_SCSI_LOG:-$out/bench-scsi.log}
scsisecs=${BENCH_SCSI_SECS:-3}
scsicases=${BENCH_SCSI_CASES:-randread:4096 randwrite:4096 seqread:1048576 seqwrite:1048576}
scsidepth=${BENCH_SCSI_DEPTH:-32}
scsimib=${BENCH_SCSI_MIB:-256}
tarball=/usr/src/linux-source-6.1.tar.xz

say() { echo "bench: $*" >&2; }
die() {
	echo "bench: error: $*" >&2
	exit 1
}

for p in $parts; do
	case $p in
	test | net | vsock | scsi) ;;
	*) die "BENCH_PARTS: unknown part '$p' (test, net, vsock, scsi)" ;;
	esac
done

if [ "$report_only" != 1 ]; then
	[ "$(id -u)" = 0 ] || die "run as root (the VM runner and module builds need it)"
	scripts/install-deps.sh

	# The kernel the VM boots for "--kernel 6.1": the newest /boot/vmlinuz-6.1.*.
	kimg=$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*' -printf '%f\n' | sort -V | tail -n1)
	[ -n "$kimg" ] || die "no Debian 6.1 kernel in /boot"
	kver=${kimg#vmlinuz-}
	kdir=/lib/modules/$kver/build
	[ -d "$kdir" ] || die "no headers for $kver ($kdir)"

	# builds (on the host)
	say "building our modules for $kver"
	ourdir=$(scripts/build-modules.sh 6.1 "$kdir")

	say "building ringbench, netbench, vsockbench and scsibench"
	make -s -C tests/bench >&2
fi

# vm_part PART NAME LOG VAR=VALUE...: run tests/bench/NAME-vm.sh in a VM
# named NAME on the 6.1 kernel, with those variables, its output to LOG;
# show its commentary; die if the run failed.
vm_part() {
	local part=$1 name=$2 log=$3 rc=0 env=() v
	shift 3
	for v in "$@"; do
		env+=(--env "$v")
	done
	say "$part part: booting $kver (one VM; other VM runs are waited for); log: $log"
	tests/vm/run-vm --kernel 6.1 --name "$name" --timeout 1800 "${env[@]}" \
		-- "tests/bench/$name-vm.sh" >"$log" 2>&1 || rc=$?

	grep -E '^(# |PASS vm|FAIL vm)' "$log" | sed 's/^# //' || true
	[ "$rc" = 0 ] || {
		tail -n 30 "$log" >&2
		die "the VM run failed (status $rc); see $log"
	}
}

# ---------------------------------------------------------------------
# part "test": our vhost_test against Linux's test device

bench_test() {
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

	local lt=$out/linux-vhost-test
	local stamp
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

	vm_part test bench "$log" "OURDIR=$ourdir" "LINUXKO=$lt/vhost_test.ko" \
		"RINGBENCH=$out/ringbench" "DESCS=$descs" "SECS=$secs" \
		"ROUNDS=$rounds" "COST_ROUNDS=$costrounds" "RINGS=$rings"
}

# ---------------------------------------------------------------------
# the tables

# table LOG SPEC VAR=VALUE...: the table of a part from the result lines
# in LOG, by tests/bench/bench-table.awk (which says what SPEC defines and
# which variables it reads).  In report-only mode a missing LOG is
# skipped.
table() {
	local log=$1 spec=$2
	shift 2
	if [ ! -f "$log" ]; then
		[ "$report_only" = 1 ] || die "$log: no such log"
		say "$log: no such log; its table is skipped"
		return 0
	fi
	awk "$spec
$(cat "$top/tests/bench/bench-table.awk")" ROUNDS="$rounds" \
		COST_ROUNDS="$costrounds" "$@" "$log"
}

# the case of a net, vsock or scsi result line: MODE:SIZE[:gso]
mode_key='function casekey() { return f["mode"] ":" f["size"] (f["gso"] == 1 ? ":gso" : "") }'

table_test() {
	local cases="" ring
	for ring in $rings; do
		cases+="$ring:0 $ring:1 "
	done
	table "$log" '
	function casekey() { return f["ring"] ":" f["event_idx"] }
	function seen(impl, c, r) { if (f["timebound"] == 1) tb[c] = 1 }
	function work(c) { return f["descs"] + 0 }
	function metrics(c) { return "rate" }
	function cname(c,   x) {
		split(c, x, ":")
		return "ring " x[1] " ev " (x[2] ? "on" : "off")
	}
	function name(c, m) { return cname(c) }
	function note(c, m) { return (c in tb) ? "a run hit the time bound" : "" }' \
		TAG=BENCH CASES="$cases" SECS="$secs" DRIVER=vhost_test PER=descriptor \
		NOTES=notes WHAT="vhost_test ours/in-tree descriptors/s" \
		SETUP="$descs descriptors or $secs s per run, event idx off and on"
}

# ---------------------------------------------------------------------
# part "net": our vhost_net against the distribution's

bench_net() {
	vm_part net bench-net "$netlog" "OURDIR=$ourdir" "NETBENCH=$out/netbench" \
		"NET_SECS=$netsecs" "ROUNDS=$rounds" "COST_ROUNDS=$costrounds" "NET_CASES=$netcases"
}

# The table: frames/s for 64-byte frames, frame bytes/s otherwise.  For
# RX, the share of injected frames the tap dropped because vhost's queue
# was full (median of the runs): 0% means vhost kept up with the
# injector, and the figure is the injector's.
table_net() {
	table "$netlog" "$mode_key"'
	function metrics(c,   x) {
		split(c, x, ":")
		return x[3] != "gso" && x[2] + 0 <= 64 ? "pps" : "bps"
	}
	function cname(c,   x) {
		split(c, x, ":")
		return toupper(x[1]) " " (x[3] == "gso" ? "64 KiB GSO" : x[2] " B")
	}
	function name(c, m) { return cname(c) }
	function work(c) { return f["pkts"] + 0 }
	# what the tap saw
	function seen(impl, c, r) {
		if (f["injected"] > 0)
			put("drop" SUBSEP impl SUBSEP c, 100 * f["drops"] / f["injected"])
		if (f["mode"] == "tx") {
			put("lost" SUBSEP impl SUBSEP c, f["pkts"] - f["dev_pkts"])
			put("pkts" SUBSEP impl SUBSEP c, f["pkts"])
		}
		inj[c] = f["inj"]
	}
	function pct(d) { return d == "" ? "-" : sprintf("%.0f%%", d) }
	function note(c, m,   x, lost) {
		split(c, x, ":")
		if (x[1] == "rx")
			return pct(vmed("drop" SUBSEP "ours" SUBSEP c)) "/" \
				pct(vmed("drop" SUBSEP "linux" SUBSEP c)) ", " inj[c]
		lost = vmed("lost" SUBSEP "ours" SUBSEP c)
		if (lost != "" && lost > 0.01 * vmed("pkts" SUBSEP "ours" SUBSEP c))
			return "ours: " lost " frames completed but not seen by the tap"
		return ""
	}' TAG=NET CASES="$netcases" SECS="$netsecs" ZERO_ROUNDS=1 \
		DRIVER=vhost_net PER="frame (a 64 KiB GSO frame counts once)" \
		NOTES="RX: dropped at the tap (ours/in-tree), injector" \
		WHAT="vhost_net ours/in-tree" SETUP="single queue, ring 256"
}

# ---------------------------------------------------------------------
# part "vsock": our vhost_vsock against the distribution's

bench_vsock() {
	vm_part vsock bench-vsock "$vsocklog" "OURDIR=$ourdir" \
		"VSOCKBENCH=$out/vsockbench" "VSOCK_SECS=$vsocksecs" \
		"ROUNDS=$rounds" "COST_ROUNDS=$costrounds" \
		"VSOCK_CASES=$vsockcases"
}

# The table: bytes/s for the streams, round-trip microseconds (median,
# 99th percentile, mean) for rr; the summary leaves the last two out.
table_vsock() {
	table "$vsocklog" "$mode_key"'
	function metrics(c) { return c ~ /^rr:/ ? "rtt_p50_us rtt_p99_us rtt_mean_us" : "bps" }
	function sz(n) { return n % 1024 ? n " B" : n / 1024 " KiB" }
	function cname(c,   x) {
		split(c, x, ":")
		return toupper(x[1]) " " sz(x[2])
	}
	function name(c, m) {
		if (m == "bps") return cname(c)
		sub(/^rtt_/, "", m); sub(/_us$/, "", m)
		return cname(c) " " m
	}
	# 4 KiB of payload for the streams, a round trip for rr
	function work(c) { return f["mode"] == "rr" ? f["rtts"] + 0 : f["bytes"] / 4096 }
	function seen(impl, c, r) { }
	function note(c, m) { return "" }' TAG=VSOCK CASES="$vsockcases" \
		SECS="$vsocksecs" DRIVER=vhost_vsock NOSUM="rtt_p99_us rtt_mean_us" \
		PER="4 KiB of payload (H2G, G2H) or round trip (RR)" \
		LEGEND="bytes/s: ours/in-tree; round-trip microseconds, lower is better: in-tree/ours; the summary counts RR p50 only" \
		WHAT="vhost_vsock ours vs in-tree" SETUP="ring 128, 4 KiB RX buffers"
}

# ---------------------------------------------------------------------
# part "scsi": our vhost_scsi against the distribution's

bench_scsi() {
	vm_part scsi bench-scsi "$scsilog" "OURDIR=$ourdir" \
		"SCSIBENCH=$out/scsibench" "SCSI_SECS=$scsisecs" \
		"SCSI_DEPTH=$scsidepth" "SCSI_MIB=$scsimib" "ROUNDS=$rounds" \
		"COST_ROUNDS=$costrounds" \
		"SCSI_CASES=$scsicases"
}

# The table: I/Os per second for the small commands, bytes/s for the
# large ones (1 MiB and up).
table_scsi() {
	table "$scsilog" "$mode_key"'
	function metrics(c,   x) {
		split(c, x, ":")
		return x[2] + 0 >= 1048576 ? "bps" : "iops"
	}
	function sz(n) { return n % 1048576 ? n % 1024 ? n " B" : n / 1024 " KiB" : n / 1048576 " MiB" }
	function cname(c,   x) {
		split(c, x, ":")
		return x[1] " " sz(x[2])
	}
	function name(c, m) { return cname(c) }
	function work(c) { return f["ios"] + 0 }
	function seen(impl, c, r) { }
	function note(c, m) { return "" }' TAG=SCSI CASES="$scsicases" \
		SECS="$scsisecs" DRIVER=vhost_scsi PER=command WHAT="vhost_scsi ours/in-tree" \
		SETUP="$scsidepth requests in flight, ring 128, LIO ramdisk LUN of $scsimib MiB"
}

for p in $parts; do
	[ "$report_only" = 1 ] || "bench_$p"
	"table_$p"
done
