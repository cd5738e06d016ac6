# SPDX-License-Identifier: GPL-2.0
#
# The table of one part of make bench, from its VM log: the result lines
# "TAG ours|linux key=value..." of tests/bench/bench-*vm.sh.  bench.sh puts
# a part's SPEC (awk functions, below) in front of this file and runs it
# with mawk or gawk (nothing gawk-only here).
#
# Per figure (a case and one of its metrics): the median of each
# implementation's runs, the median and the range (min..max) of the
# per-round ratios (round r: the r-th run of ours against the r-th run of
# in-tree, run back to back), and "noise" when that range reaches both
# sides of 1.0.  Ratios read "above 1: ours is better" (ours/in-tree for
# rates, in-tree/ours for times, metrics named *_us).  Then, per case, the
# costs per unit of work of both implementations (medians of the runs):
# kicks the driver wrote and calls it read (its own counters), the worker
# threads' wake-ups, context switches and CPU time (from /proc), and, from
# the cost rounds (lines with costs=1: kprobes on), poll wake-ups and
# handler runs (the sum of the kp_run_* counts; none if kp_missing names
# one).  A summary ends the part.
#
# The SPEC defines, with the fields of the current result line in f[]:
#   casekey()      the case of the line, a word of CASES
#   seen(impl, c, r)  called for each timed run (r-th of impl in case c)
#   work(c)        the units of work of the run (0: none)
# and, after the input:
#   metrics(c)     the figures of case c, space-separated result fields
#                  (pps, iops, bps, rate: rates; *_us: times)
#   name(c, m)     a figure's row name; cname(c) a case's
#   note(c, m)     text for the NOTES column
# It may use put(key, v) and vmed(key) (the median of what was put under
# key, "" if nothing).
# Variables: TAG, CASES, ROUNDS, COST_ROUNDS, SECS, DRIVER (the first
# column's title), PER (the unit of work, e.g. "packet"), NOTES (the title
# of a last column; none if empty), LEGEND (a line after the rows), WHAT
# and SETUP (words of the summary), NOSUM (metrics the summary leaves out),
# ZERO_ROUNDS (if 1, a round in which ours measured 0 counts, with a
# ratio of 0).

$1 == TAG {
	delete f
	for (i = 3; i <= NF; i++) {
		eq = index($i, "=")
		if (eq)
			f[substr($i, 1, eq - 1)] = substr($i, eq + 1)
	}
	impl = $2
	c = casekey()
	w = work(c)
	if (f["costs"] == 1) {
		# kprobe counts; the rest of a cost run is perturbed by the probes
		if (w > 0) {
			if ("kp_pollwake" in f)
				put("cost" SUBSEP impl SUBSEP c SUBSEP "pollwk", f["kp_pollwake"] / w)
			# a sum with a term missing is no figure
			runs = f["kp_missing"] ~ /(^|,)run_/ ? "x" : ""
			for (k in f)
				if (k ~ /^kp_run_/ && runs != "x")
					runs += f[k]
			if (runs != "" && runs != "x")
				put("cost" SUBSEP impl SUBSEP c SUBSEP "runs", runs / w)
		}
		next
	}
	r = ++nrun[impl, c]
	nm = split(metrics(c), M, " ")
	for (j = 1; j <= nm; j++)
		fig[impl, c, M[j], r] = f[M[j]] + 0
	seen(impl, c, r)
	if (w > 0) {
		key = "cost" SUBSEP impl SUBSEP c SUBSEP
		if ("kicks" in f) put(key "kicks", f["kicks"] / w)
		if ("calls" in f) put(key "calls", f["calls"] / w)
		if ("wk_wakeups" in f) put(key "wakeups", f["wk_wakeups"] / w)
		if ("wk_vcs" in f) put(key "cs", (f["wk_vcs"] + f["wk_ivcs"]) / w)
		if ("wk_cpu_ns" in f) put(key "cpu", f["wk_cpu_ns"] / 1000 / w)
	}
}

function put(key, v) {
	V[key, ++NV[key]] = v
}

# sort S[1..n] in place (insertion sort: a handful of rounds)
function ssort(n,   j, t, x) {
	for (j = 2; j <= n; j++)
		for (t = j; t > 1 && S[t - 1] > S[t]; t--) {
			x = S[t]; S[t] = S[t - 1]; S[t - 1] = x
		}
}

function smed(n) {
	return n % 2 ? S[(n + 1) / 2] : (S[n / 2] + S[n / 2 + 1]) / 2
}

function vmed(key,   n, j) {
	n = NV[key] + 0
	if (!n)
		return ""
	for (j = 1; j <= n; j++)
		S[j] = V[key, j]
	ssort(n)
	return smed(n)
}

function lower_better(m) { return m ~ /_us$/ }

function fmt(v, m) {
	if (v == "")
		return "-"
	if (m == "pps" || m == "iops" || m == "rate")
		return v >= 1e6 ? sprintf("%.2fM", v / 1e6) : sprintf("%.1fk", v / 1e3)
	if (m == "bps")
		return v >= 1e9 ? sprintf("%.2fG", v / 1e9) : sprintf("%.1fM", v / 1e6)
	return sprintf("%.0f", v)
}

function unit(m) {
	if (m == "pps") return "pkts/s"
	if (m == "iops") return "IO/s"
	if (m == "bps") return "bytes/s"
	return m == "rate" ? "descs/s" : "us"
}

# ours against in-tree, above 1 when ours is better; 0 if undefined
function ratio(o, l, m) {
	if (lower_better(m))
		return o > 0 ? l / o : 0
	return l > 0 ? o / l : 0
}

# a figure's median over the timed runs of impl, "" if none
function figmed(impl, c, m,   n, j) {
	n = nrun[impl, c] + 0
	for (j = 1; j <= n; j++)
		S[j] = fig[impl, c, m, j]
	if (!n)
		return ""
	ssort(n)
	return smed(n)
}

# The ratios of the rounds into S[1..k], sorted; a round with a figure of
# 0 is left out (see ZERO_ROUNDS).
function rounds(c, m,   k, j, o, l) {
	k = 0
	for (j = 1; j <= nrun["ours", c] && j <= nrun["linux", c]; j++) {
		o = fig["ours", c, m, j]; l = fig["linux", c, m, j]
		if (l > 0 && (o > 0 || ZERO_ROUNDS))
			S[++k] = ratio(o, l, m)
	}
	ssort(k)
	return k
}

function row(c, m,   mo, ml, k, med, lo, hi, flag) {
	mo = figmed("ours", c, m); ml = figmed("linux", c, m)
	k = rounds(c, m)
	if (!k) {
		out(sprintf("%-18s %-7s %9s %9s %7s", name(c, m), unit(m), fmt(mo, m), fmt(ml, m), "-"))
		return
	}
	med = smed(k); lo = S[1]; hi = S[k]
	flag = k < 2 ? "1 round" : (lo <= 1 && hi >= 1) ? "noise" : ""
	out(sprintf("%-18s %-7s %9s %9s %6.2fx %12s %-7s%s", name(c, m), unit(m),
		fmt(mo, m), fmt(ml, m), med, sprintf("%.2f..%.2f", lo, hi), flag,
		NOTES == "" ? "" : " " note(c, m)))
	if (index(" " NOSUM " ", " " m " "))
		return
	nsum++
	if (med > 0) { npos++; logsum += log(med) }
	if (flag == "noise") nnoise++
	if (worst == "" || med < wr) { worst = name(c, m); wr = med }
	if (bestc == "" || med > br) { bestc = name(c, m); br = med }
}

# print a line without the padding at its end
function out(line) {
	sub(/ +$/, "", line)
	print line
}

# a cost per unit: 3 significant digits, "n/a" if not measured
function cfmt(v) {
	if (v == "")
		return "n/a"
	if (v == 0)
		return "0"
	if (v >= 100)
		return sprintf("%.0f", v)
	if (v >= 0.01)
		return sprintf("%.3g", v)
	return sprintf("%.2g", v)
}

function costrow(c,   j, key, line) {
	line = sprintf("%-18s", cname(c))
	for (j = 1; j <= ncost; j++) {
		key = SUBSEP c SUBSEP CK[j]
		line = line sprintf(" %15s", cfmt(vmed("cost" SUBSEP "ours" key)) "/" cfmt(vmed("cost" SUBSEP "linux" key)))
	}
	out(line)
}

END {
	print ""
	out(sprintf("%-18s %-7s %9s %9s %7s %12s %-7s%s", DRIVER, "unit", "ours", "in-tree",
		"ratio", "range", "flag", NOTES == "" ? "" : " " NOTES))
	nc = split(CASES, C, " ")
	nsum = 0; npos = 0; nnoise = 0; logsum = 0; worst = ""; bestc = ""
	for (i = 1; i <= nc; i++) {
		nm = split(metrics(C[i]), M, " ")
		for (j = 1; j <= nm; j++)
			row(C[i], M[j])
	}
	print "ours, in-tree: medians of the timed runs; ratio: median of the per-round ratios, range: their min..max (above 1: ours is better); noise: the range reaches both sides of 1"
	if (LEGEND != "")
		print LEGEND

	ncost = split("kicks calls wakeups cs cpu pollwk runs", CK, " ")
	printf "\ncosts per %s, ours/in-tree (medians of the runs)\n", PER
	printf "%-18s %15s %15s %15s %15s %15s %15s %15s\n", DRIVER, "kicks", "calls",
		"wake-ups", "ctx switches", "worker CPU us", "poll wake-ups", "handler runs"
	for (i = 1; i <= nc; i++)
		costrow(C[i])
	printf "kicks, calls: counted by the guest driver; wake-ups, context switches, CPU: the device's worker threads; poll wake-ups, handler runs: kprobes, in the %d cost round(s) only\n",
		COST_ROUNDS

	if (npos)
		printf "\nsummary: %s geometric mean %.2fx over %d figures (best %s %.2fx, worst %s %.2fx), %d of %d within noise; medians of %s round(s) of %s s, %s, Debian 6.1 under TCG\n",
			WHAT, exp(logsum / npos), npos, bestc, br, worst, wr, nnoise, nsum, ROUNDS, SECS, SETUP
	else
		print "\nsummary: " DRIVER ": no comparable results (see the log)"
}
