#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the bench VM (started by tests/bench/bench.sh through run-vm):
# for each round and case, load one implementation of /dev/vhost-vsock
# (ours: our vhost.ko + vhost_vsock.ko by path; in-tree: `modprobe
# vhost_vsock`), run vsockbench, unload it, then the same with the other
# one.  Never both loaded at once.  The AF_VSOCK core (vsock,
# vmw_vsock_virtio_transport_common) stays loaded; vhost_vsock, vhost and
# vhost_iotlb come and go.  Result lines: "VSOCK ours|linux <vsockbench
# fields>"; commentary lines start with "# ".
#
# Environment (from bench.sh): OURDIR (our vhost.ko, vhost_vsock.ko),
# VSOCKBENCH, VSOCK_SECS (timed seconds per run), ROUNDS, COST_ROUNDS,
# VSOCK_CASES
# (words MODE:BYTES, e.g. "h2g:4096 g2h:65536 rr:64").
set -euo pipefail

# shellcheck source=bench-vm-lib.sh
. "$(dirname "$0")/bench-vm-lib.sh"
bench_vm_init vhost_vsock VSOCK
# The kprobes of the cost round (see probes_on): poll wake-ups, the core's
# signal function, and the handlers: the guest's TX ring, its RX ring, and
# the work that sends the host's packets to the guest.
PROBES_OURS="pollwake=vhost:vhost_poll_wakeup signal=vhost:vhost_vq_signal run_tx=vhost_vsock:vhost_vsock_from_guest run_rx=vhost_vsock:vhost_vsock_to_guest_kick run_send=vhost_vsock:vhost_vsock_to_guest"
PROBES_LINUX="pollwake=vhost:vhost_poll_wakeup signal=vhost:vhost_signal run_tx=vhost_vsock:vhost_vsock_handle_tx_kick run_rx=vhost_vsock:vhost_vsock_handle_rx_kick run_send=vhost_vsock:vhost_transport_send_pkt_work"

one_case() { # ours|linux MODE:BYTES
	local mode size
	IFS=: read -r mode size <<<"$2"
	run_one "$1" "$VSOCKBENCH" -m "$mode" -s "$size" -t "$VSOCK_SECS"
}

modprobe vsock || fail "modprobe vsock"
modprobe vmw_vsock_virtio_transport_common || fail "modprobe vmw_vsock_virtio_transport_common"
note "vsock: kernel $(uname -r), $(nproc) vCPUs, ${VSOCK_SECS} s per run, $ROUNDS round(s) + ${COST_ROUNDS:-1} with kprobes (costs)"
# shellcheck disable=SC2086 # VSOCK_CASES: words
run_rounds $VSOCK_CASES
unload_all
# What the kernel said about vhost or vsock (loads, unloads, complaints):
# in the log, and counted on the console.
klog=$(dmesg | grep -i -E 'vhost|vsock' | grep -v -E 'loading out-of-tree|module verification failed' || true)
if [ -n "$klog" ]; then
	while IFS= read -r l; do echo "dmesg: $l"; done <<<"$klog"
fi
note "vsock: done; $(grep -c . <<<"$klog" || true) kernel log line(s) mention vhost or vsock (see the log)"
