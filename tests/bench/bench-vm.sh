#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the bench VM (started by tests/bench/bench.sh through run-vm):
# for each round and case, load one implementation of /dev/vhost-test,
# run ringbench, unload it, then the same with the other one.  Never
# both loaded at once.  Result lines: "BENCH ours|linux <ringbench fields>";
# commentary lines start with "# ".
#
# Environment (from bench.sh): OURDIR (our vhost.ko, vhost_test.ko),
# LINUXKO (Linux's vhost_test.ko built against the in-tree vhost.ko),
# RINGBENCH, DESCS, SECS, ROUNDS, COST_ROUNDS, RINGS.
set -uo pipefail

# shellcheck source=bench-vm-lib.sh
. "$(dirname "$0")/bench-vm-lib.sh"
bench_vm_init vhost_test BENCH
# The kprobes of the cost round (see probes_on): the wake-up callback of a
# ring's poll (kick eventfd), the core's signal function (called for
# every batch of completions; it decides whether the call eventfd is
# written), and the kick handler.
PROBES_OURS="pollwake=vhost:vhost_poll_wakeup signal=vhost:vhost_vq_signal run_kick=vhost_test:vhost_test_handle"
PROBES_LINUX="pollwake=vhost:vhost_poll_wakeup signal=vhost:vhost_signal run_kick=vhost_test:handle_vq_kick"

# In-tree: the distribution's vhost.ko and Linux's test device, built out
# of tree against it (so tainted O itself, unlike vhost.ko).
load_linux() {
	modprobe vhost || fail "modprobe vhost (in-tree)"
	insmod "$LINUXKO" || fail "insmod Linux's vhost_test.ko"
	wait_node
	[ "$verbose" = 0 ] || note "in-tree: vhost taint=$(cat /sys/module/vhost/taint) ($(modinfo -n vhost)) vhost_test taint=$(cat /sys/module/vhost_test/taint) (Linux's test.c, built out of tree)"
	case "$(cat /sys/module/vhost/taint)" in
	*O*) fail "the vhost loaded by modprobe is out of tree: not the distribution's" ;;
	esac
}

one_case() { # ours|linux RING:EVENT_IDX
	local ring ev
	IFS=: read -r ring ev <<<"$2"
	run_one "$1" "$RINGBENCH" -n "$ring" -e "$ev" -c "$DESCS" -t "$SECS"
}

note "kernel $(uname -r), $(nproc) vCPUs, $DESCS descriptors or ${SECS} s per run, $ROUNDS round(s) + ${COST_ROUNDS:-1} with kprobes (costs)"
cases=()
for ring in $RINGS; do
	cases+=("$ring:0" "$ring:1")
done
run_rounds "${cases[@]}"
note "done"
