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
# (default 3; in each, both implementations run each case back to back,
# in alternating order; the tables show the best of the rounds, and the
# net, vsock and scsi tables the median and range of the per-round ratios
# too).
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
rounds=${BENCH_ROUNDS:-3}
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

say "building ringbench, netbench, vsockbench and scsibench"
make -s -C tests/bench >&2

for p in $parts; do
	case $p in
	test | net | vsock | scsi) ;;
	*) die "BENCH_PARTS: unknown part '$p' (test, net, vsock, scsi)" ;;
	esac
done
has_part() { [[ " $parts " == *" $1 "* ]]; }

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
		"ROUNDS=$rounds" "RINGS=$rings"

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
}

# ---------------------------------------------------------------------
# the net, vsock and scsi tables

# compare_table LOG SPEC VAR=VALUE...: the table of a part's result lines
# "TAG ours|linux key=value...": per case and figure the best of the rounds
# per implementation (rates: the highest; times, figures named *_us: the
# lowest), the ratio of the two, which reads "above 1: ours is better"
# (ours/in-tree for rates, in-tree/ours for times), the median and range of
# the per-round ratios, and a summary (geometric means).
# SPEC is awk code that defines, for a case c ("MODE:SIZE[:gso]", as in
# CASES) and a figure m (a result field: pps, bps, rtt_p50_us ...):
#   metrics(c)   the figures of a case, one row each, space-separated
#                (pps, iops and bps are rates, *_us times)
#   name(c, m)   a row's name
#   kept(impl, c)  called with the fields in f[] when a run is the best
#   note(c, m)   text for the NOTES column
# Variables: TAG, CASES, ROUNDS, SECS, DRIVER (the first column's title),
# NOTES (the title of a last column; none if empty), LEGEND (a line after
# the rows), WHAT, SUMNOTE and SETUP (words of the summary), NOSUM (figures
# the summary leaves out), ZERO_ROUNDS (if 1, a round in which ours
# measured 0 counts, with a ratio of 0).
compare_table() {
	local log=$1 spec=$2
	shift 2
	awk "$spec"'
	$1 == TAG {
		delete f
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			f[kv[1]] = kv[2]
		}
		c = f["mode"] ":" f["size"] (f["gso"] == 1 ? ":gso" : "")
		nf = split(metrics(c), M, " ")
		for (j = 1; j <= nf; j++)
			if (add($2, c, M[j], f[M[j]] + 0))
				kept($2, c)
	}
	function lower_better(m) { return m ~ /_us$/ }
	# the r-th run of each implementation of a case: round r (a pair run
	# back to back); true if v is the best so far
	function add(impl, c, m, v,   key) {
		key = impl SUBSEP c SUBSEP m
		run[key, ++nrun[key]] = v
		if ((key in best) && (lower_better(m) ? v >= best[key] : v <= best[key]))
			return 0
		best[key] = v
		return 1
	}
	function fmt(v, m) {
		if (m == "pps" || m == "iops") return v >= 1e6 ? sprintf("%.2fM", v / 1e6) : sprintf("%.1fk", v / 1e3)
		if (m == "bps") return v >= 1e9 ? sprintf("%.2fG", v / 1e9) : sprintf("%.1fM", v / 1e6)
		return sprintf("%.0f", v)
	}
	function unit(m) { return m == "pps" ? "pkts/s" : m == "iops" ? "IO/s" : m == "bps" ? "bytes/s" : "us" }
	# ours against in-tree, above 1 when ours is better; 0 if undefined
	function r(o, l, m) {
		if (lower_better(m)) return o > 0 ? l / o : 0
		return l > 0 ? o / l : 0
	}
	# Ratios of the rounds (of each back-to-back pair), sorted into P[1..m];
	# a round with a figure of 0 is left out (see ZERO_ROUNDS).
	function pairs(ko, kl, me,   m, j, t, x) {
		m = 0
		for (j = 1; j <= nrun[ko] && j <= nrun[kl]; j++)
			if (run[kl, j] > 0 && (run[ko, j] > 0 || ZERO_ROUNDS))
				P[++m] = r(run[ko, j], run[kl, j], me)
		for (j = 2; j <= m; j++)
			for (t = j; t > 1 && P[t - 1] > P[t]; t--) { x = P[t]; P[t] = P[t - 1]; P[t - 1] = x }
		return m
	}
	function median(m) { return m % 2 ? P[(m + 1) / 2] : (P[m / 2] + P[m / 2 + 1]) / 2 }
	function row(c, m,   ko, kl, ratio, k, rr) {
		ko = "ours" SUBSEP c SUBSEP m; kl = "linux" SUBSEP c SUBSEP m
		if (!(ko in best) || !(kl in best)) {
			printf "%-16s %-7s %10s %10s %7s\n", name(c, m), unit(m),
				(ko in best) ? fmt(best[ko], m) : "-", (kl in best) ? fmt(best[kl], m) : "-", "-"
			return
		}
		ratio = r(best[ko], best[kl], m)
		k = pairs(ko, kl, m)
		rr = k ? sprintf("%.2fx [%.2f-%.2f]", median(k), P[1], P[k]) : "-"
		printf "%-16s %-7s %10s %10s %6.2fx %19s%s\n", name(c, m), unit(m),
			fmt(best[ko], m), fmt(best[kl], m), ratio, rr, NOTES == "" ? "" : "  " note(c, m)
		if (index(" " NOSUM " ", " " m " ")) return
		if (ratio > 0) { n++; logsum += log(ratio) }
		if (k) { nm++; mlogsum += log(median(k)) }
		if (worst == "" || ratio < wr) { worst = name(c, m); wr = ratio }
		if (bestc == "" || ratio > br) { bestc = name(c, m); br = ratio }
	}
	END {
		printf "\n%-16s %-7s %10s %10s %7s %19s%s\n", DRIVER, "unit", "ours", "in-tree", "ratio",
			"rounds: med [range]", NOTES == "" ? "" : "  " NOTES
		nc = split(CASES, C, " ")
		n = 0; logsum = 0; worst = ""; bestc = ""
		for (i = 1; i <= nc; i++) {
			nf = split(metrics(C[i]), M, " ")
			for (j = 1; j <= nf; j++)
				row(C[i], M[j])
		}
		if (LEGEND != "")
			print LEGEND
		if (n)
			printf "\nsummary: %s geometric mean %.2fx over %d cases (%sbest %s %.2fx, worst %s %.2fx); best of %s round(s) of %s s, %s, Debian 6.1 under TCG\n",
				WHAT, exp(logsum / n), n, SUMNOTE, bestc, br, worst, wr, ROUNDS, SECS, SETUP
		if (nm)
			printf "rounds: geometric mean of the per-round median ratios %.2fx; a range wider than the gap between ours and in-tree is noise\n",
				exp(mlogsum / nm)
		else
			print "\nsummary: " DRIVER ": no comparable results (see the log)"
	}' "$@" "$log"
}

# ---------------------------------------------------------------------
# part "net": our vhost_net against the distribution's

bench_net() {
	vm_part net bench-net "$netlog" "OURDIR=$ourdir" "NETBENCH=$out/netbench" \
		"NET_SECS=$netsecs" "ROUNDS=$rounds" "NET_CASES=$netcases"

	# The table: frames/s for 64-byte frames, frame bytes/s otherwise.
	# For RX, the share of injected frames the tap dropped because vhost's
	# queue was full (in the best run): 0% means vhost kept up with the
	# injector, and the figure is the injector's.
	compare_table "$netlog" '
	function metrics(c,   x) {
		split(c, x, ":")
		return x[3] != "gso" && x[2] + 0 <= 64 ? "pps" : "bps"
	}
	function name(c, m,   x) {
		split(c, x, ":")
		return toupper(x[1]) " " (x[3] == "gso" ? "64 KiB GSO" : x[2] " B")
	}
	# what the tap saw in the best run
	function kept(impl, c) {
		drop[impl, c] = f["injected"] > 0 ? 100 * f["drops"] / f["injected"] : -1
		lost[impl, c] = f["mode"] == "tx" ? f["pkts"] - f["dev_pkts"] : 0
		inj[c] = f["inj"]
	}
	function pct(d) { return d < 0 ? "-" : sprintf("%.0f%%", d) }
	function note(c, m,   x) {
		split(c, x, ":")
		if (x[1] == "rx" && (("ours", c, m) in best) && (("linux", c, m) in best))
			return pct(drop["ours", c]) "/" pct(drop["linux", c]) ", " inj[c]
		if (x[1] == "tx" && (("ours", c, m) in best) && lost["ours", c] > 0.01 * best["ours", c, m])
			return "ours: " lost["ours", c] " frames completed but not seen by the tap"
		return ""
	}' TAG=NET CASES="$netcases" ROUNDS="$rounds" SECS="$netsecs" ZERO_ROUNDS=1 \
		DRIVER=vhost_net NOTES="RX: dropped at the tap (ours/in-tree), injector" \
		WHAT="vhost_net ours/in-tree" SETUP="single queue, ring 256"
}

# ---------------------------------------------------------------------
# part "vsock": our vhost_vsock against the distribution's

bench_vsock() {
	vm_part vsock bench-vsock "$vsocklog" "OURDIR=$ourdir" \
		"VSOCKBENCH=$out/vsockbench" "VSOCK_SECS=$vsocksecs" \
		"ROUNDS=$rounds" "VSOCK_CASES=$vsockcases"

	# The table: bytes/s for the streams, round-trip microseconds (median,
	# 99th percentile, mean) for rr; the summary leaves the last two out.
	compare_table "$vsocklog" '
	function metrics(c) { return c ~ /^rr:/ ? "rtt_p50_us rtt_p99_us rtt_mean_us" : "bps" }
	function sz(n) { return n % 1024 ? n " B" : n / 1024 " KiB" }
	function name(c, m,   x) {
		split(c, x, ":")
		if (m == "bps") return toupper(x[1]) " " sz(x[2])
		sub(/^rtt_/, "", m); sub(/_us$/, "", m)
		return "RR " sz(x[2]) " " m
	}
	function kept(impl, c) { }
	function note(c, m) { return "" }' TAG=VSOCK CASES="$vsockcases" ROUNDS="$rounds" \
		SECS="$vsocksecs" DRIVER=vhost_vsock NOSUM="rtt_p99_us rtt_mean_us" \
		LEGEND="ratio: above 1 means ours is better (bytes/s: ours/in-tree; round-trip microseconds, lower is better: in-tree/ours)" \
		WHAT="vhost_vsock ours vs in-tree" SUMNOTE="bytes/s and RR median; " \
		SETUP="ring 128, 4 KiB RX buffers"
}

# ---------------------------------------------------------------------
# part "scsi": our vhost_scsi against the distribution's

bench_scsi() {
	vm_part scsi bench-scsi "$scsilog" "OURDIR=$ourdir" \
		"SCSIBENCH=$out/scsibench" "SCSI_SECS=$scsisecs" \
		"SCSI_DEPTH=$scsidepth" "SCSI_MIB=$scsimib" "ROUNDS=$rounds" \
		"SCSI_CASES=$scsicases"

	# The table: I/Os per second for the small commands, bytes/s for the
	# large ones (1 MiB and up).
	compare_table "$scsilog" '
	function metrics(c,   x) {
		split(c, x, ":")
		return x[2] + 0 >= 1048576 ? "bps" : "iops"
	}
	function sz(n) { return n % 1048576 ? n % 1024 ? n " B" : n / 1024 " KiB" : n / 1048576 " MiB" }
	function name(c, m,   x) {
		split(c, x, ":")
		return x[1] " " sz(x[2])
	}
	function kept(impl, c) { }
	function note(c, m) { return "" }' TAG=SCSI CASES="$scsicases" ROUNDS="$rounds" \
		SECS="$scsisecs" DRIVER=vhost_scsi WHAT="vhost_scsi ours/in-tree" \
		SETUP="$scsidepth requests in flight, ring 128, LIO ramdisk LUN of $scsimib MiB"
}

if has_part test; then bench_test; fi
if has_part net; then bench_net; fi
if has_part vsock; then bench_vsock; fi
if has_part scsi; then bench_scsi; fi
