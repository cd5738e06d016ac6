#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Line coverage of drivers/vhost from the counters collect.sh copied out
# of the VM. Runs on the host:
#
#   tests/coverage/report.sh GCDA_DIR[,GCDA_DIR...] [MODDIR] [NFUNCS]
#
# GCDA_DIR: collect.sh's DEST (the .gcda files); several, comma-separated,
# give the union of their runs (a line counts as run if any run ran it).
# MODDIR: the build that
# ran (default build/debug/drivers/vhost; its .gcno files must be those of
# the modules that were loaded). NFUNCS: how many of the functions with
# the most lines never run to list (default 25).
#
# Prints, per source file of the modules (headers too, lines counted once
# however many objects include them):
#   # coverage <file> <pct>% (<hit>/<lines>)
# then the functions with the most unexecuted lines:
#   # uncovered <file>:<function> <missed>/<lines> lines[ (never called)]
# and last
#   # coverage total <pct>% (<hit>/<lines>)
# Needs gcov of the compiler that built the modules, and python3.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
gcda=${1:?usage: $0 GCDA_DIR [MODDIR] [NFUNCS]}
moddir=$(cd "${2:-$top/build/debug/drivers/vhost}" && pwd -P)
nfuncs=${3:-25}
gcov=${GCOV:-gcov}

# gcov wants each .gcda next to its .gcno: pair them in a scratch dir
# per GCDA_DIR.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/all.json"
IFS=, read -ra dirs <<<"$gcda"
i=0
for dir in "${dirs[@]}"; do
	i=$((i + 1))
	w=$work/$i
	mkdir "$w"
	n=0
	for d in "$dir"/*.gcda; do
		[ -e "$d" ] || continue
		b=$(basename "$d" .gcda)
		if [ ! -f "$moddir/$b.gcno" ]; then
			echo "report: $moddir/$b.gcno missing (not a VHOST_COVERAGE=1 build?)" >&2
			continue
		fi
		cp "$moddir/$b.gcno" "$d" "$w/"
		n=$((n + 1))
	done
	if [ $n = 0 ]; then
		echo "report: no .gcda files in $dir matching $moddir" >&2
		exit 1
	fi
	# Objects never loaded have no .gcda: their lines count as not run.
	for g in "$moddir"/*.gcno; do
		b=$(basename "$g" .gcno)
		[ -f "$w/$b.gcda" ] || cp "$g" "$w/"
	done
	(cd "$w" && for g in *.gcno; do
		"$gcov" --stdout --json-format "$g" 2>/dev/null || true
		echo
	done) >>"$work/all.json"
done

python3 - "$work/all.json" "$moddir" "$nfuncs" <<'PY'
import json, os, sys

path, moddir, nfuncs = sys.argv[1], sys.argv[2], int(sys.argv[3])
dec = json.JSONDecoder()
text = open(path).read()
lines = {}      # file -> line -> count (max over objects)
funcs = {}      # (file, name) -> [start, end, calls]
pos = 0
while True:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        break
    doc, pos = dec.raw_decode(text, pos)
    cwd = doc.get("current_working_directory", "")
    for f in doc["files"]:
        name = os.path.normpath(os.path.join(cwd, f["file"]))
        if not name.startswith(moddir + "/"):
            continue
        rel = os.path.relpath(name, moddir)
        fl = lines.setdefault(rel, {})
        for l in f["lines"]:
            n = l["line_number"]
            fl[n] = max(fl.get(n, 0), l["count"])
        for fn in f["functions"]:
            k = (rel, fn["demangled_name"])
            old = funcs.get(k)
            calls = fn["execution_count"] + (old[2] if old else 0)
            funcs[k] = [fn["start_line"], fn["end_line"], calls]

if not lines:
    sys.exit("report: gcov found no lines of " + moddir)

def pct(h, t):
    return "%.1f" % (100.0 * h / t if t else 0.0)

th = tt = 0
for rel in sorted(lines):
    fl = lines[rel]
    h = sum(1 for c in fl.values() if c)
    t = len(fl)
    th += h
    tt += t
    print("# coverage drivers/vhost/%s %s%% (%d/%d)" % (rel, pct(h, t), h, t))

rows = []
for (rel, name), (s, e, calls) in funcs.items():
    fl = lines.get(rel, {})
    own = [n for n in fl if s <= n <= e]
    missed = sum(1 for n in own if not fl[n])
    if missed:
        rows.append((missed, len(own), rel, name, calls))
rows.sort(key=lambda r: (-r[0], r[2], r[3]))
for missed, total, rel, name, calls in rows[:nfuncs]:
    print("# uncovered drivers/vhost/%s:%s %d/%d lines%s" %
          (rel, name, missed, total, "" if calls else " (never called)"))
print("# coverage total %s%% (%d/%d)" % (pct(th, tt), th, tt))
PY
