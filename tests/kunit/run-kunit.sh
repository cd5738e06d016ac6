#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the KUnit suites of vhost_kunit.ko.  Runs INSIDE the test VM, as root,
# on a kernel with CONFIG_KUNIT:
#
#   tests/kunit/run-kunit.sh MODDIR KUNITDIR
#
# MODDIR holds vhost.ko (loaded here unless this very build of it is already
# loaded), KUNITDIR holds vhost_kunit.ko, whose suites run while it loads.
# The results are read back as KTAP from the kernel log and printed as
#
#   PASS kunit/<suite>/<case>
#   FAIL kunit/<suite>/<case> - <first failure line>
#
# with one line per parameter for parameterized cases
# (kunit/<suite>/<case>/<parameter description>).  Both modules are removed
# again.  Exits non-zero if a case failed, the kernel log shows a report
# while the tests ran, or no case ran at all.

set -u

moddir=${1:?usage: run-kunit.sh MODDIR KUNITDIR}
kunitdir=${2:?usage: run-kunit.sh MODDIR KUNITDIR}
core=$moddir/vhost.ko
tests=$kunitdir/vhost_kunit.ko

fail() {
	echo "FAIL kunit/$1 - $2"
	exit 1
}

[ "$(id -u)" = 0 ] || fail setup "must run as root"
[ -f "$core" ] || fail setup "$core not found"
[ -f "$tests" ] || fail setup "$tests not found"

# A stale vhost_kunit would not run its suites again.
if [ -d /sys/module/vhost_kunit ]; then
	rmmod vhost_kunit || fail setup "vhost_kunit is loaded and cannot be removed"
fi

# The core: ours, loaded once.  Another vhost.ko (the distribution's) would
# satisfy insmod's name check but not the test module's symbols.
loaded_core=0
if [ -d /sys/module/vhost ]; then
	want=$(modinfo -F srcversion "$core" 2>/dev/null)
	have=$(cat /sys/module/vhost/srcversion 2>/dev/null)
	if [ -z "$want" ] || [ "$want" != "$have" ]; then
		fail setup "another vhost module is loaded (srcversion ${have:-?}, want ${want:-?})"
	fi
else
	err=$(insmod "$core" 2>&1) || fail insmod "vhost.ko: $err"
	loaded_core=1
fi

unload() {
	[ ! -d /sys/module/vhost_kunit ] || rmmod vhost_kunit ||
		echo "# kunit: rmmod vhost_kunit failed" >&2
	if [ "$loaded_core" = 1 ] && [ -d /sys/module/vhost ]; then
		rmmod vhost || echo "# kunit: rmmod vhost failed" >&2
	fi
}

# Everything the kernel logs after this line belongs to our run.
marker="run-kunit: start $$.$(date +%s%N)"
echo "$marker" >/dev/kmsg

# Where KUnit is a module, it must be there first.
[ -d /sys/module/kunit ] || modprobe -q kunit 2>/dev/null
err=$(insmod "$tests" 2>&1)
rc=$?
log=$(dmesg)
unload
[ $rc = 0 ] || fail insmod "vhost_kunit.ko: $err"

# KTAP to result lines.  A result line ("ok N name" / "not ok N name") whose
# deeper-indented results came just before it is their parent: they take its
# name as a prefix; one at indent 0 is a suite and ends the tree.  The first
# diagnostic ("# case: ...") and its continuation lines since the previous
# result explain a failure.
printf '%s\n' "$log" | awk -v marker="$marker" '
function flush_top(prefix,    i, line) {
	for (i = 1; i <= n; i++) {
		line = st[i] " kunit/" prefix path[i]
		if (st[i] == "FAIL")
			line = line " - " (msg[i] != "" ? msg[i] : "no failure message")
		print line
		if (st[i] == "FAIL")
			nfail++
		ncase++
	}
	n = 0
}
function push(d, p, s, m) {
	n++
	ind[n] = d; path[n] = p; st[n] = s; msg[n] = m
}
function squeeze(s) {
	gsub(/[ \t]+/, " ", s)
	sub(/^ /, "", s)
	sub(/ $/, "", s)
	return s
}
BEGIN { n = 0; ncase = 0; nfail = 0; started = 0 }
index($0, marker) {
	started = 1; n = 0; ncase = 0; nfail = 0; diag = ""; collecting = 0
	suite = ""; bad = ""
	next
}
!started { next }
{
	line = $0
	sub(/^\[ *[0-9]+\.[0-9]+\] ?/, "", line)
	match(line, /^[ \t]*/)
	d = RLENGTH
	text = substr(line, d + 1)

	if (bad == "" && text ~ /(^|[^[:alnum:]_])(BUG|WARNING):|KASAN|UBSAN|(^|[^[:alnum:]_])Oops|general protection fault|possible (circular|recursive) locking|suspicious RCU usage/)
		bad = squeeze(text)

	if (text ~ /^(not ok|ok) [0-9]+( |$)/) {
		collecting = 0
		s = (text ~ /^ok/) ? "PASS" : "FAIL"
		name = text
		sub(/^(not ok|ok) [0-9]+ (- )?/, "", name)
		if (name ~ / # [Ss][Kk][Ii][Pp]/) {
			s = "SKIP"
			sub(/ # .*/, "", name)
		}
		gsub(/[ \t]+/, "_", name)
		# Results nested deeper than this one are its children.
		first = n + 1
		while (first > 1 && ind[first - 1] > d)
			first--
		if (first > n) {
			push(d, name, s, s == "FAIL" ? diag : "")
		} else {
			nkids = n - first + 1
			kidfail = 0
			for (i = 0; i < nkids; i++) {
				kp[i] = path[first + i]; ks[i] = st[first + i]
				km[i] = msg[first + i]
				if (ks[i] == "FAIL")
					kidfail = 1
			}
			n = first - 1
			for (i = 0; i < nkids; i++)
				push(d, name "/" kp[i], ks[i], km[i])
			if (s == "FAIL" && !kidfail)
				push(d, name, s, diag)
		}
		diag = ""
		if (d == 0) {
			flush_top("")
			suite = ""
		}
		next
	}
	if (text ~ /^# Subtest: /) {
		collecting = 0
		if (suite == "")
			suite = substr(text, 12)
		next
	}
	if (text ~ /^KTAP version|^TAP version|^1\.\.[0-9]|^# .*: pass:[0-9]+ fail:|^# Totals:/) {
		collecting = 0
		next
	}
	if (text ~ /^# /) {
		collecting = 0
		if (diag == "") {
			diag = text
			sub(/^# [^ :]+: /, "", diag)
			sub(/^# /, "", diag)
			sub(/ at [^ ]*\/tests\/kunit\//, " at tests/kunit/", diag)
			diag = squeeze(diag)
			collecting = 1
		}
		next
	}
	if (collecting && text != "" && length(diag) < 400)
		diag = diag " " squeeze(text)
}
END {
	if (!started) {
		print "FAIL kunit/run - the start marker is not in the kernel log"
		exit 1
	}
	if (n > 0) {
		# A suite that never finished (a crash in a case, a hang).
		if (suite == "")
			suite = "unknown"
		push(0, "incomplete", "FAIL", "the suite printed no result line")
		flush_top(suite "/")
	}
	if (bad != "") {
		print "FAIL kunit/kernel-log - " bad
		nfail++
	}
	if (ncase == 0) {
		print "FAIL kunit/run - no test case ran"
		exit 1
	}
	fflush("")
	printf "# kunit: %d cases, %d failed\n", ncase, nfail > "/dev/stderr"
	exit nfail ? 1 : 0
}'
