#!/bin/bash
# `make check`: every test layer, one result line per case
# (PASS/FAIL/SKIP <layer>/<suite>/<case>), ending with the plain line
# "N passed, N failed, N skipped". Noise goes to build/check.log.
#
# VHOST_CHECK_LAYERS picks layers (default: all of them; `make check-<layer>`
# sets it):
#   abi      uapi header and exported symbols against Linux's, dkms.conf
#   kunit    the pure-logic KUnit suites (debug kernel)
#   suites   the in-VM C suites on 6.1, 6.12 and the debug kernel, plus
#            install + modprobe on the stock kernels
#   clients  QEMU, libvirt, targetcli, socat, iperf3 over our modules, nested
#   hostile  fail-nth stepping and a short seeded fuzz run (debug kernel)
# The line coverage of the debug kernel's run is printed when kunit, suites
# and hostile all ran.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
mkdir -p build
log=$top/build/check.log
results=$top/build/check.results
: >"$log"
: >"$results"

say() { echo "$*" | tee -a "$results"; }

layers=${VHOST_CHECK_LAYERS:-abi kunit suites clients hostile}
for l in $layers; do
	case $l in
	abi | kunit | suites | clients | hostile) ;;
	*) echo "check: unknown layer '$l' in VHOST_CHECK_LAYERS" >&2; exit 2 ;;
	esac
done
has() { case " $layers " in *" $1 "*) return 0 ;; esac; return 1; }

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

if has abi; then
	step abi tests/abi/check-abi.sh
	step symbols tests/abi/check-symbols.sh
	step dkms tests/dkms-check.sh "$(find /lib/modules -mindepth 1 -maxdepth 1 -name '6.1.*' -printf '%f\n' | sort -V | tail -n 1)"
fi

suites_ok=0
if ! has suites; then
	:
elif make -s -C tests/suites >>"$log" 2>&1; then
	say "PASS build/suites"
	suites_ok=1
else
	say "FAIL build/suites - userspace suites do not build (see build/check.log)"
fi

# Hostile-input layers for the debug kernel: fail-nth stepping and the fuzzer.
fi_ok=0
fuzz_ok=0
if has hostile; then
	if make -s -C tests/faultinject >>"$log" 2>&1; then
		fi_ok=1
	else
		say "FAIL build/faultinject - tests/faultinject does not build (see build/check.log)"
	fi
	if make -s -C tests/fuzz >>"$log" 2>&1; then
		fuzz_ok=1
	else
		say "FAIL build/fuzz - tests/fuzz does not build (see build/check.log)"
	fi
fi

# The nested guest's initramfs for the real-client layer (cached; built on the host because the
# VM's view of the cache is throw-away).
# Kernels whose VM runs the real-client layer (targetcli, QEMU + libvirt over our vhost-net,
# vhost-vsock and vhost-scsi, nested); VHOST_CLIENT_KERNELS= (empty) leaves it out.
client_kernels=''
client_initrd=''
if has clients; then
	client_kernels=${VHOST_CLIENT_KERNELS-6.1 6.12}
	[ -n "$client_kernels" ] ||
		say "SKIP clients - VHOST_CLIENT_KERNELS is empty"
fi
if [ -n "$client_kernels" ]; then
	client_initrd=$(tests/clients/guest-initramfs.sh 2>>"$log") ||
		say "FAIL setup/guest-initramfs - tests/clients/guest-initramfs.sh failed (see build/check.log)"
fi

# Stock kernels: the suites, module load/unload, install + modprobe, then real clients.
for k in 6.1 6.12; do
	has suites || [ -n "$client_kernels" ] || break
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
		PREFIX="$k/" step "clients/$k" tests/vm/run-vm --kernel "$k" --name "clients-$k" --mem 3072 \
			--timeout 900 --env "VHOST_CLIENT_GUEST_INITRD=$client_initrd" -- \
			"tests/clients/qemu-clients.sh build/$k/drivers/vhost"
		echo "== clients/$k took $((SECONDS - t)) s" >>"$log"
	fi
done

# Debug kernel: KUnit, then the suites again under KASAN and lockdep, every
# allocation of every setup path failed once (fail-nth), a short seeded fuzz
# run, and the line coverage of all of it (gcov; counters outlive rmmod).
if ! has kunit && ! has suites && ! has hostile; then
	:
elif kernel=$(tests/vm/build-kernel.sh 2>>"$log"); then
	if build_for debug "$kernel" VHOST_COVERAGE=1; then
		m=build/debug/drivers/vhost
		cmd="r=0"
		has kunit && cmd="$cmd; tests/kunit/run-kunit.sh $m build/debug/tests/kunit || r=1"
		[ "$suites_ok" -eq 1 ] && cmd="$cmd; tests/suites/run-suites.sh $m || r=1"
		[ "$fi_ok" -eq 1 ] && cmd="$cmd; tests/faultinject/run-faultinject.sh $m || r=1"
		[ "$fuzz_ok" -eq 1 ] &&
			cmd="$cmd; FUZZ_SECONDS=55 FUZZ_SEED=1 tests/fuzz/run-fuzz.sh $m || r=1"
		cmd="$cmd; tests/coverage/collect.sh $m \$VMOUT/gcov; exit \$r"
		rm -rf build/coverage
		mkdir -p build/coverage
		PREFIX="debug/" step vm/debug tests/vm/run-vm --kernel debug --name debug \
			--timeout 3600 --out build/coverage -- "$cmd"
		if has kunit && has suites && has hostile; then
			tests/coverage/report.sh build/coverage/gcov >build/coverage/report.txt 2>>"$log" &&
				grep '^# coverage total' build/coverage/report.txt
		fi
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
