#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A host-side check of make bench's tables (no VM, no root): bench.sh in
# report-only mode on the recorded logs in tests/bench/fixtures/, its
# output compared with fixtures/expected.txt.  The logs hold every kind
# of line the tables must handle: 5 timed rounds and a cost round per
# case, alternating order, figures that straddle 1 and figures that do
# not, a round in which ours measured 0 (net), a run that hit its time
# bound (test), a kprobe that could not be placed, a run without worker
# threads found and a kernel without schedstats (vsock: n/a columns).
#
#   tests/bench/check-tables.sh          compare; status 1 on a difference
#   tests/bench/check-tables.sh -u       rewrite expected.txt (review the diff)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fx=$here/fixtures
got=$(BENCH_REPORT_ONLY=1 BENCH_ROUNDS=5 BENCH_COST_ROUNDS=1 \
	BENCH_PARTS="test net vsock scsi" BENCH_RINGS="256 32768" \
	BENCH_DESCS=1000000 BENCH_SECS=5 BENCH_NET_SECS=3 BENCH_VSOCK_SECS=3 \
	BENCH_SCSI_SECS=3 BENCH_SCSI_DEPTH=32 BENCH_SCSI_MIB=256 \
	BENCH_NET_CASES="tx:64 rx:64 tx:1500 rx:1500 tx:65214:gso rx:65214:gso" \
	BENCH_VSOCK_CASES="h2g:4096 h2g:65536 g2h:4096 g2h:65536 rr:64" \
	BENCH_SCSI_CASES="randread:4096 randwrite:4096 seqread:1048576 seqwrite:1048576" \
	BENCH_LOG="$fx/bench.log" BENCH_NET_LOG="$fx/bench-net.log" \
	BENCH_VSOCK_LOG="$fx/bench-vsock.log" BENCH_SCSI_LOG="$fx/bench-scsi.log" \
	"$here/bench.sh")
if [ "${1:-}" = -u ]; then
	printf '%s\n' "$got" >"$fx/expected.txt"
	echo "check-tables: wrote $fx/expected.txt"
	exit 0
fi
if ! diff -u "$fx/expected.txt" - <<<"$got"; then
	echo "check-tables: FAIL (the tables differ from fixtures/expected.txt)"
	exit 1
fi
echo "check-tables: PASS"
