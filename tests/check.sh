#!/bin/bash
# `make check`: every test layer, one result line per case
# (PASS/FAIL/SKIP <layer>/<suite>/<case>), ending with the plain line
# "N passed, N failed, N skipped". Noise goes to build/check.log.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
mkdir -p build
log=$top/build/check.log
results=$top/build/check.results
: >"$log"
: >"$results"

say() { echo "$*" | tee -a "$results"; }

# Run a step; keep its result lines, log the rest. If it fails without
# saying why in a FAIL line, add one named after the step.
step() {
	local name=$1 rc
	shift
	echo "== $name: $*" >>"$log"
	"$@" 2>>"$log" | tee -a "$log" | grep --line-buffered -E '^(PASS|FAIL|SKIP) ' |
		sed -u -E "/ vm\//! s#^(PASS|FAIL|SKIP) #\1 ${PREFIX:-}#" |
		tee -a "$results.step" | tee -a "$results"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$results.step" 2>/dev/null; then
		say "FAIL $name - exited $rc (see build/check.log)"
	fi
	rm -f "$results.step"
	return "$rc"
}

kdir_of() { ls -d /usr/src/linux-headers-"$1".*-amd64 2>/dev/null | sort -V | tail -n 1; }

build_for() {
	local name=$1 kdir=$2
	shift 2
	if scripts/build-modules.sh "$name" "$kdir" "$@" >>"$log" 2>&1; then
		say "PASS build/$name/modules"
	else
		say "FAIL build/$name/modules - build failed against $kdir (see build/check.log)"
		return 1
	fi
}

if ! scripts/install-deps.sh >>"$log" 2>&1; then
	say "FAIL setup/install-deps - see build/check.log"
fi

step abi tests/abi/check-abi.sh
step symbols tests/abi/check-symbols.sh
step dkms tests/dkms-check.sh "$(ls /lib/modules | grep '^6\.1\.' | sort -V | tail -n 1)"

if make -s -C tests/suites >>"$log" 2>&1; then
	say "PASS build/suites"
	suites_ok=1
else
	say "FAIL build/suites - userspace suites do not build (see build/check.log)"
	suites_ok=0
fi

# The nested guest's initramfs for the real-client layer (cached; built on the host because the
# VM's view of the cache is throw-away).
client_initrd=$(tests/clients/guest-initramfs.sh 2>>"$log") ||
	say "FAIL setup/guest-initramfs - tests/clients/guest-initramfs.sh failed (see build/check.log)"
# Kernels whose VM runs the real-client layer (targetcli, QEMU + libvirt over our vhost-net,
# vhost-vsock and vhost-scsi, nested); VHOST_CLIENT_KERNELS= (empty) leaves it out.
client_kernels=${VHOST_CLIENT_KERNELS-6.1 6.12}
[ -n "$client_kernels" ] ||
	say "SKIP clients - VHOST_CLIENT_KERNELS is empty"

# Stock kernels: the suites, module load/unload, install + modprobe, then real clients.
for k in 6.1 6.12; do
	kdir=$(kdir_of "$k")
	if [ -z "$kdir" ]; then
		say "SKIP vm/$k - no linux-headers-$k.*-amd64 installed"
		continue
	fi
	build_for "$k" "$kdir" || continue
	if [ "$suites_ok" -eq 1 ]; then
		PREFIX="$k/" step "vm/$k" tests/vm/run-vm --kernel "$k" --name "core-$k" --timeout 1500 -- \
			"tests/suites/run-suites.sh build/$k/drivers/vhost; r=\$?; tests/vm/install-check.sh build/$k $kdir && exit \$r"
	fi
	case " $client_kernels " in *" $k "*) ;; *) continue ;; esac
	if [ ! -f "build/$k/drivers/vhost/vhost_net.ko" ]; then
		say "SKIP $k/client - vhost_net.ko is not built"
	elif [ -n "$client_initrd" ]; then
		t=$SECONDS
		PREFIX="$k/" step "clients/$k" tests/vm/run-vm --kernel "$k" --name "clients-$k" \
			--timeout 900 --env "VHOST_CLIENT_GUEST_INITRD=$client_initrd" -- \
			"tests/clients/qemu-clients.sh build/$k/drivers/vhost"
		echo "== clients/$k took $((SECONDS - t)) s" >>"$log"
	fi
done

# Debug kernel: KUnit, then the suites again under KASAN and lockdep.
if kernel=$(tests/vm/build-kernel.sh 2>>"$log"); then
	if build_for debug "$kernel" VHOST_COVERAGE=1; then
		cmd="tests/kunit/run-kunit.sh build/debug/drivers/vhost build/debug/tests/kunit"
		[ "$suites_ok" -eq 1 ] && cmd="$cmd; r=\$?; tests/suites/run-suites.sh build/debug/drivers/vhost && exit \$r"
		PREFIX="debug/" step vm/debug tests/vm/run-vm --kernel debug --name debug --timeout 2400 -- "$cmd"
	fi
else
	say "FAIL build/debug-kernel - tests/vm/build-kernel.sh failed (see build/check.log)"
fi

pass=$(grep -c '^PASS ' "$results")
fail=$(grep -c '^FAIL ' "$results")
skip=$(grep -c '^SKIP ' "$results")
echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
