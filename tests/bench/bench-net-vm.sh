#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the bench VM (started by tests/bench/bench.sh through run-vm):
# for each round and case, load one implementation of /dev/vhost-net (ours:
# our vhost.ko + vhost_net.ko by path; in-tree: `modprobe vhost_net`), run
# netbench, unload it, then the same with the other one.  Never both
# loaded at once.  Result lines: "NET ours|linux <netbench fields>";
# commentary lines start with "# ".
#
# Environment (from bench.sh): OURDIR (our vhost.ko, vhost_net.ko),
# NETBENCH, NET_SECS (timed seconds per run), ROUNDS, COST_ROUNDS, NET_CASES (words
# MODE:FRAME[:gso], e.g. "tx:64 rx:1500 rx:65214:gso").
set -uo pipefail

# shellcheck source=bench-vm-lib.sh
. "$(dirname "$0")/bench-vm-lib.sh"
bench_vm_init vhost_net NET
# The kprobes of the cost round (see probes_on): poll wake-ups (kick
# eventfds and the tap socket alike), the core's signal function, and
# every handler of the TX and RX rings (kick and socket).
PROBES_OURS="pollwake=vhost:vhost_poll_wakeup signal=vhost:vhost_vq_signal run_tx=vhost_net:vhost_net_tx_kick run_rx=vhost_net:vhost_net_rx_kick"
PROBES_LINUX="pollwake=vhost:vhost_poll_wakeup signal=vhost:vhost_signal run_tx=vhost_net:handle_tx_kick run_txsock=vhost_net:handle_tx_net run_rx=vhost_net:handle_rx_kick run_rxsock=vhost_net:handle_rx_net"

one_case() { # ours|linux MODE:FRAME[:gso]
	local mode frame gso args
	IFS=: read -r mode frame gso <<<"$2"
	args=(-m "$mode" -s "$frame" -t "$NET_SECS")
	[ -z "$gso" ] || args+=(-g)
	if [ "$mode" = rx ]; then
		if [ -z "$gso" ] && [ "$pktgen" = 1 ]; then
			args+=(-i pktgen)
		else
			args+=(-i packet)
		fi
	fi
	run_one "$1" "$NETBENCH" "${args[@]}"
}

modprobe tun || fail "modprobe tun"
modprobe tap || fail "modprobe tap"
pktgen=0
if modprobe pktgen 2>/dev/null && [ -w /proc/net/pktgen/pgctrl ]; then
	pktgen=1
fi
note "net: kernel $(uname -r), $(nproc) vCPUs, ${NET_SECS} s per run, $ROUNDS round(s) + ${COST_ROUNDS:-1} with kprobes (costs); RX injector: $([ $pktgen = 1 ] && echo "pktgen (plain frames), AF_PACKET (GSO frames)" || echo "AF_PACKET")"
# shellcheck disable=SC2086 # NET_CASES: words
run_rounds $NET_CASES
note "net: done"
