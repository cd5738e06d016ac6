#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ABI conformance check for our include/uapi/linux/vhost{,_types,_test}.h.
#
# For every installed kernel series (default: 6.1 and 6.12) the kernel's own
# uapi headers and ours are compiled into small programs that print each
# macro value and each struct's size, alignment and member offsets/sizes.
# Everything the kernel defines must exist in ours with identical values.
# The hand-maintained list tests/abi/items.txt drives the programs; the
# script also extracts all VHOST_* macros, vhost_* structs and their members
# from the headers themselves and fails when the list misses one.
# Finally our headers are checked against the upstream values recorded in
# items.txt (this covers items newer than any installed kernel), compiled
# stand-alone with strict warnings, and built into a dummy kernel module.
#
# Output: one line per case, "PASS abi/<kernel>/<case>",
# "FAIL abi/<kernel>/<case> - <reason>" or "SKIP abi/<kernel>[/<case>] -
# <reason>".  Exit status is 1 if any case failed.
#
# Environment:
#   CC              compiler (default cc)
#   ABI_KERNELS     kernel series to compare against (default "6.1 6.12")
#   ABI_SRCDIR      where linux-headers-* live (default /usr/src)
#   ABI_LINUX_SRC   dirs searched for extracted linux-source-<series> trees
#                   (default "/usr/src /var/cache/vhost-oot"); tarballs
#                   $ABI_SRCDIR/linux-source-<series>.tar.xz are used too
#   ABI_ITEMS       item list (default tests/abi/items.txt)
#   ABI_SKIP_KBUILD set to 1 to skip the kernel module build cases

set -eu
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ours=$top/include/uapi
items=${ABI_ITEMS:-$here/items.txt}
cc=${CC:-cc}
kernels=${ABI_KERNELS:-6.1 6.12}
srcdir=${ABI_SRCDIR:-/usr/src}
linux_src=${ABI_LINUX_SRC:-/usr/src /var/cache/vhost-oot}

work=$(mktemp -d "${TMPDIR:-/tmp}/vhost-abi.XXXXXX")
trap 'rm -rf "$work"' EXIT

nfail=0

pass() { echo "PASS abi/$1"; }
fail() { echo "FAIL abi/$1 - $2"; nfail=$((nfail + 1)); }
skip() { echo "SKIP abi/$1 - $2"; }

# Report one case: PASS if the problem file is empty, FAIL listing it if not.
report() {
	local name=$1 problems=$2
	if [ -s "$problems" ]; then
		fail "$name" "$(paste -s -d ';' "$problems" | sed 's/;/; /g')"
	else
		pass "$name"
	fi
}

# First error message of a compiler log, without the file/line prefix.
first_error() {
	local msg
	msg=$(grep -m1 -E 'error|Error' "$1" || head -n1 "$1")
	printf '%s\n' "$msg" | sed -e 's/^[^ ]*: *//' -e 's/[[:space:]]\+/ /g'
}

case $(uname -m) in
x86_64 | i?86) karch=x86 ;;
aarch64*) karch=arm64 ;;
arm*) karch=arm ;;
ppc*) karch=powerpc ;;
s390*) karch=s390 ;;
riscv*) karch=riscv ;;
mips*) karch=mips ;;
loongarch*) karch=loongarch ;;
*) karch=$(uname -m) ;;
esac

# ---------------------------------------------------------------------------
# Parse items.txt
# ---------------------------------------------------------------------------

# macros.lst:  KIND NAME            (all macro items)
# ioctls.gold: NAME DIR NR TYPE...  (expected encodings)
# values.gold: KIND NAME VALUE
# structs.lst: NAME SIZE MEMBER...
if ! awk -v dir="$work" '
	{ sub(/#.*/, "") }
	NF == 0 { next }
	$1 == "ioctl" || $1 == "test-ioctl" {
		if (NF < 5 || $3 !~ /^(-|R|W|RW)$/) { bad = 1; print FILENAME ":" NR ": bad ioctl entry" > "/dev/stderr"; next }
		print $1, $2 > (dir "/macros.lst")
		t = $5; for (i = 6; i <= NF; i++) t = t " " $i
		print $2, $3, $4, t > (dir "/ioctls.gold")
		next
	}
	$1 == "feature" || $1 == "const" {
		if (NF != 3) { bad = 1; print FILENAME ":" NR ": bad entry" > "/dev/stderr"; next }
		print $1, $2 > (dir "/macros.lst")
		print $1, $2, $3 > (dir "/values.gold")
		next
	}
	$1 == "struct" {
		if (NF < 4 || $3 !~ /^[0-9]+$/) { bad = 1; print FILENAME ":" NR ": bad struct entry" > "/dev/stderr"; next }
		s = $2; for (i = 3; i <= NF; i++) s = s " " $i
		print s > (dir "/structs.lst")
		next
	}
	{ bad = 1; print FILENAME ":" NR ": unknown kind " $1 > "/dev/stderr" }
	END { exit bad }
' "$items"; then
	fail "items" "cannot parse $items"
	exit 1
fi
for f in macros.lst ioctls.gold values.gold structs.lst; do
	touch "$work/$f"
done

# Names listed in items.txt, one per line (for coverage checks).
awk '{ print $2 }' "$work/macros.lst" | sort -u >"$work/listed-macros"
awk '{ print $1 }' "$work/structs.lst" | sort -u >"$work/listed-structs"
awk '{ for (i = 3; i <= NF; i++) { m = $i; sub(/(\{\})?(\[\*?\])?$/, "", m); print $1 "." m } }' \
	"$work/structs.lst" | sort -u >"$work/listed-members"

# ---------------------------------------------------------------------------
# C program generators
# ---------------------------------------------------------------------------

# gen_macro_prog LIST WITH_TEST: print the value of every macro in LIST
# (lines "KIND NAME").
# shellcheck disable=SC2317 # only called through robust_run
gen_macro_prog() {
	local kind name show
	printf '#include <stdio.h>\n#include <linux/vhost.h>\n'
	if [ "$2" = 1 ]; then
		printf '#include <linux/vhost_test.h>\n'
	fi
	cat <<'EOF'
#define SHOW_IOCTL(n, s) printf("%s 0x%08lx (dir=%lu type=0x%02lx nr=0x%02lx size=%lu)\n", \
	s, (unsigned long)(n), (unsigned long)_IOC_DIR(n), (unsigned long)_IOC_TYPE(n), \
	(unsigned long)_IOC_NR(n), (unsigned long)_IOC_SIZE(n))
#define SHOW_VALUE(n, s) printf("%s %lld (sizeof %lu)\n", s, (long long)(n), \
	(unsigned long)sizeof(n))
int main(void)
{
EOF
	while read -r kind name; do
		case $kind in
		*ioctl) show=SHOW_IOCTL ;;
		*) show=SHOW_VALUE ;;
		esac
		printf '#ifdef %s\n\t%s(%s, "%s");\n#else\n\tputs("%s MISSING");\n#endif\n' \
			"$name" "$show" "$name" "$name" "$name"
	done <"$1"
	printf '\treturn 0;\n}\n'
}

# gen_struct_prog LIST: print layout of every struct in LIST
# (lines "NAME SIZE MEMBER...").
# shellcheck disable=SC2317 # only called through robust_run
gen_struct_prog() {
	local name size mem m base fmt args
	cat <<'EOF'
#include <stdio.h>
#include <stddef.h>
#include <linux/vhost.h>
#define OFF(s, m) ((unsigned long)offsetof(struct s, m))
#define SIZE(s, m) ((unsigned long)sizeof(((struct s *)0)->m))
#define ELEM(s, m) ((unsigned long)sizeof(((struct s *)0)->m[0]))
#define SIGNED(e) ((int)((__typeof__(e))-1 < 0))
int main(void)
{
EOF
	while read -r name size mem; do
		printf '\tprintf("%s size=%%lu align=%%lu\\n", (unsigned long)sizeof(struct %s), (unsigned long)__alignof__(struct %s));\n' \
			"$name" "$name" "$name"
		for m in $mem; do
			# m, m[] (array), m[*] (flexible array), optionally with
			# {} before the brackets for struct/union (element) types.
			base=${m%'[*]'}
			base=${base%'[]'}
			base=${base%'{}'}
			fmt="off=%lu"
			args="OFF($name, $base)"
			case $m in
			*'[*]') ;;
			*)
				fmt="$fmt size=%lu"
				args="$args, SIZE($name, $base)"
				;;
			esac
			case $m in
			*']')
				fmt="$fmt elem=%lu"
				args="$args, ELEM($name, $base)"
				;;
			esac
			case $m in
			*'{}'*) ;;
			*']')
				fmt="$fmt signed=%d"
				args="$args, SIGNED(((struct $name *)0)->${base}[0])"
				;;
			*)
				fmt="$fmt signed=%d"
				args="$args, SIGNED(((struct $name *)0)->$base)"
				;;
			esac
			printf '\tprintf("%s.%s %s\\n", %s);\n' "$name" "$base" "$fmt" "$args"
		done
	done <"$1"
	printf '\treturn 0;\n}\n'
}

# build_run SRC OUT CFLAGS...: compile and run a generated program.
build_run() {
	local src=$1 out=$2
	shift 2
	"$cc" -w "$@" -o "$src.bin" "$src" 2>"$src.err" || return 1
	"$src.bin" >"$out"
}

# robust_run GEN LIST WITH_TEST OUT BAD CFLAGS...: build and run the program
# made by GEN from LIST.  If that fails to compile, entries are tried one by
# one; failing entries are written to BAD ("name: error") and left out.
robust_run() {
	local gen=$1 list=$2 with_test=$3 out=$4 bad=$5 tag line
	shift 5
	tag=$out.prog
	: >"$bad"
	"$gen" "$list" "$with_test" >"$tag.c"
	if build_run "$tag.c" "$out" "$@"; then
		return 0
	fi
	: >"$list.good"
	while read -r line; do
		printf '%s\n' "$line" >"$tag.one"
		"$gen" "$tag.one" "$with_test" >"$tag.one.c"
		if "$cc" -w "$@" -o "$tag.one.c.bin" "$tag.one.c" 2>"$tag.one.err"; then
			printf '%s\n' "$line" >>"$list.good"
		else
			# Name is field 2 for macros, field 1 for structs.
			case $gen in
			gen_macro_prog) line=$(printf '%s\n' "$line" | awk '{ print $2 }') ;;
			*) line=$(printf '%s\n' "$line" | awk '{ print $1 }') ;;
			esac
			printf '%s: does not compile (%s)\n' "$line" "$(first_error "$tag.one.err")" >>"$bad"
		fi
	done <"$list"
	"$gen" "$list.good" "$with_test" >"$tag.c"
	if ! build_run "$tag.c" "$out" "$@"; then
		printf 'program does not compile (%s)\n' "$(first_error "$tag.c.err")" >>"$bad"
		: >"$out"
	fi
}

# ---------------------------------------------------------------------------
# Extraction of what a set of headers really defines
# ---------------------------------------------------------------------------

# headers_src WITH_TEST: translation unit including the vhost headers.
headers_src() {
	printf '#include <linux/vhost.h>\n'
	if [ "$1" = 1 ]; then
		printf '#include <linux/vhost_test.h>\n'
	fi
}

# extract_macros WITH_TEST CFLAGS...: VHOST_* macro names, sorted.
extract_macros() {
	local with_test=$1
	shift
	headers_src "$with_test" | "$cc" -E -dM "$@" -x c - |
		awk '$1 == "#define" && $2 ~ /^VHOST_/ { n = $2; sub(/\(.*/, "", n); print n }' |
		sort -u
}

# extract_structs WITH_TEST CFLAGS...: "struct.member" lines for every
# vhost_* struct definition (a struct without members yields "struct.").
extract_structs() {
	local with_test=$1
	shift
	headers_src "$with_test" | "$cc" -E -P "$@" -x c - | awk '
	{ text = text " " $0 }
	END {
		n = length(text)
		i = 1
		while (match(substr(text, i), /struct[ \t]+vhost_[A-Za-z0-9_]+[ \t]*\{/)) {
			start = i + RSTART - 1
			name = substr(text, start, RLENGTH)
			sub(/^struct[ \t]+/, "", name)
			sub(/[ \t]*\{$/, "", name)
			j = start + RLENGTH
			depth = 1
			body = ""
			while (depth > 0 && j <= n) {
				c = substr(text, j, 1)
				if (c == "{")
					depth++
				else if (c == "}")
					depth--
				if (depth > 0)
					body = body c
				j++
			}
			print name "."
			gsub(/[{}]/, ";", body)
			k = split(body, decls, ";")
			for (d = 1; d <= k; d++) {
				decl = decls[d]
				while (gsub(/\([^()]*\)/, "", decl))
					;
				gsub(/\[[^]]*\]/, "", decl)
				gsub(/^[ \t]+|[ \t]+$/, "", decl)
				if (decl == "" || decl ~ /^(struct|union)$/)
					continue
				p = split(decl, parts, ",")
				for (q = 1; q <= p; q++) {
					if (match(parts[q], /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) {
						id = substr(parts[q], RSTART, RLENGTH)
						gsub(/[ \t]/, "", id)
						print name "." id
					}
				}
			}
			i = j
		}
	}' | sort -u
}

# coverage MACROS MEMBERS PROBLEMS: list everything the headers define that
# items.txt does not mention.
coverage() {
	local macros=$1 members=$2 problems=$3
	comm -23 "$macros" "$work/listed-macros" | sed 's/^/macro /; s/$/ not in items.txt/' >>"$problems"
	sed -n 's/\.$//p' "$members" | sort -u >"$problems.structs"
	comm -23 "$problems.structs" "$work/listed-structs" | sed 's/^/struct /; s/$/ not in items.txt/' >>"$problems"
	grep -v '\.$' "$members" | sort -u >"$problems.members" || true
	comm -23 "$problems.members" "$work/listed-members" | sed 's/^/member /; s/$/ not in items.txt/' >>"$problems"
}

# compare_outputs KERNEL_OUT OURS_OUT NAMES PROBLEMS [BAD...]: for every line
# of the kernel program whose key (first field) is in NAMES, ours must print
# the identical line.  Items named in the BAD files (already reported as not
# compiling) are left out; a key "s.m" is left out when "s" is.
compare_outputs() {
	local kout=$1 oout=$2 names=$3 problems=$4
	shift 4
	cat /dev/null "$@" | sed -n 's/^\([^:]*\):.*/\1/p' >"$problems.skip"
	awk -v names="$names" -v ours="$oout" -v skipf="$problems.skip" '
	BEGIN {
		while ((getline l < skipf) > 0)
			skip[l] = 1
		while ((getline l < names) > 0)
			want[l] = 1
		while ((getline l < ours) > 0) {
			k = l
			sub(/ .*/, "", k)
			v = l
			sub(/^[^ ]* ?/, "", v)
			o[k] = v
		}
	}
	{
		k = $1
		s = k
		sub(/\..*/, "", s)
		if (!(k in want) || (k in skip) || (s in skip))
			next
		$1 = ""
		v = substr($0, 2)
		if (!(k in o))
			print k ": missing in ours (kernel: " v ")"
		else if (o[k] != v)
			print k ": kernel " v ", ours " o[k]
	}' "$kout" >>"$problems"
}

# ---------------------------------------------------------------------------
# Checks of our headers on their own
# ---------------------------------------------------------------------------

ours_flags=(-I "$ours")

# Stand-alone compilation with strict warnings.
check_standalone() {
	local h compiler std problems=$work/ours-compile.problems
	local -a flags
	: >"$problems"
	for h in vhost_types vhost vhost_test; do
		for compiler in "$cc" clang; do
			command -v "$compiler" >/dev/null 2>&1 || continue
			for std in gnu11 c11 gnu89; do
				flags=(-std="$std" -fsyntax-only -Wall -Wextra -Werror)
				# gnu89 mimics the kernel's uapi header test: no -pedantic.
				if [ "$std" != gnu89 ]; then
					flags+=(-pedantic)
				fi
				printf '#include <linux/%s.h>\n' "$h" >"$work/sa.c"
				if ! "$compiler" "${flags[@]}" "${ours_flags[@]}" "$work/sa.c" 2>"$work/sa.err"; then
					printf '%s.h (%s -std=%s): %s\n' "$h" "$compiler" "$std" \
						"$(first_error "$work/sa.err")" >>"$problems"
				fi
			done
		done
	done
	report ours/compile-standalone "$problems"
}

# Everything our headers define must be listed in items.txt.
check_ours_listed() {
	local problems=$work/ours-list.problems
	: >"$problems"
	extract_macros 1 "${ours_flags[@]}" >"$work/ours.macros"
	extract_structs 1 "${ours_flags[@]}" >"$work/ours.members"
	coverage "$work/ours.macros" "$work/ours.members" "$problems"
	report ours/items-list "$problems"
}

# Our headers against the upstream values recorded in items.txt.
check_upstream() {
	local src=$work/upstream.c out=$work/upstream.out
	local name dir nr type val kind iodir size s sz mem m problems
	{
		printf '#include <stdio.h>\n#include <stddef.h>\n'
		printf '#include <linux/vhost.h>\n#include <linux/vhost_test.h>\n'
		printf 'int main(void)\n{\n'
		while read -r name dir nr type; do
			case $dir in
			-) iodir=_IOC_NONE ;;
			R) iodir=_IOC_READ ;;
			W) iodir=_IOC_WRITE ;;
			RW) iodir='(_IOC_READ | _IOC_WRITE)' ;;
			esac
			size=0
			[ "$type" = - ] || size="sizeof($type)"
			printf '#ifdef %s\n' "$name"
			printf '\tprintf("%s %%s 0x%%08lx 0x%%08lx\\n", (unsigned long)(%s) == (unsigned long)_IOC(%s, 0xAF, %s, %s) ? "ok" : "bad", (unsigned long)(%s), (unsigned long)_IOC(%s, 0xAF, %s, %s));\n' \
				"$name" "$name" "$iodir" "$nr" "$size" "$name" "$iodir" "$nr" "$size"
			printf '#else\n\tputs("%s missing");\n#endif\n' "$name"
		done <"$work/ioctls.gold"
		while read -r kind name val; do
			printf '#ifdef %s\n' "$name"
			printf '\tprintf("%s %%s %%lld %%lld\\n", (long long)(%s) == (long long)(%s) ? "ok" : "bad", (long long)(%s), (long long)(%s));\n' \
				"$name" "$name" "$val" "$name" "$val"
			printf '#else\n\tputs("%s missing");\n#endif\n' "$name"
		done <"$work/values.gold"
		while read -r s sz mem; do
			printf '#ifdef __x86_64__\n'
			printf '\tprintf("%s %%s %%lu %%lu\\n", sizeof(struct %s) == %s ? "ok" : "bad", (unsigned long)sizeof(struct %s), (unsigned long)%s);\n' \
				"$s" "$s" "$sz" "$s" "$sz"
			printf '#else\n\tputs("%s ok");\n#endif\n' "$s"
			for m in $mem; do
				m=${m%'[*]'}
				m=${m%'[]'}
				m=${m%'{}'}
				printf '\t(void)offsetof(struct %s, %s);\n' "$s" "$m"
			done
		done <"$work/structs.lst"
		printf '\treturn 0;\n}\n'
	} >"$src"

	if ! build_run "$src" "$out" "${ours_flags[@]}"; then
		fail upstream/build "our headers lack listed items: $(first_error "$src.err")"
		return
	fi

	# Results are grouped by kind, like the per-kernel cases.
	for kind in ioctl test-ioctl feature const struct; do
		problems=$work/upstream-$kind.problems
		: >"$problems"
		case $kind in
		struct) awk '{ print $1 }' "$work/structs.lst" >"$problems.names" ;;
		*) awk -v k="$kind" '$1 == k { print $2 }' "$work/macros.lst" >"$problems.names" ;;
		esac
		awk -v names="$problems.names" '
		BEGIN { while ((getline l < names) > 0) want[l] = 1 }
		($1 in want) && $2 == "missing" { print $1 ": missing" }
		($1 in want) && $2 == "bad" { print $1 ": ours " $3 ", expected " $4 }
		' "$out" >>"$problems"
		report "upstream/$(kind_case "$kind")" "$problems"
	done
}

kind_case() {
	case $1 in
	ioctl) echo ioctls ;;
	test-ioctl) echo test-ioctls ;;
	feature) echo feature-bits ;;
	const) echo constants ;;
	struct) echo structs ;;
	esac
}

# ---------------------------------------------------------------------------
# Comparison with one installed kernel series
# ---------------------------------------------------------------------------

# find_test_h SERIES DEST: locate drivers/vhost/test.h of that series.
find_test_h() {
	local series=$1 dest=$2 d tarball
	for d in $linux_src; do
		if [ -f "$d/linux-source-$series/drivers/vhost/test.h" ]; then
			cp "$d/linux-source-$series/drivers/vhost/test.h" "$dest"
			return 0
		fi
	done
	tarball=$srcdir/linux-source-$series.tar.xz
	if [ -f "$tarball" ] &&
		tar -xJOf "$tarball" "linux-source-$series/drivers/vhost/test.h" >"$dest" 2>/dev/null &&
		[ -s "$dest" ]; then
		return 0
	fi
	return 1
}

check_kernel() {
	local k=$1
	local kw=$work/k-$k common="" d gen="" build="" with_test=0 kind
	local -a kflags
	mkdir -p "$kw"

	for d in "$srcdir"/linux-headers-"$k".*-common "$srcdir"/linux-headers-"$k"-common; do
		[ -f "$d/include/uapi/linux/vhost.h" ] && printf '%s\n' "$d"
	done | sort -V | tail -n1 >"$kw/common"
	common=$(cat "$kw/common")
	if [ -z "$common" ]; then
		skip "$k" "no $srcdir/linux-headers-$k.*-common/include/uapi/linux/vhost.h installed"
		return
	fi

	# __EXPORTED_HEADERS__ is what headers_install defines, it silences
	# the "kernel headers used from user space" warning.
	kflags=(-D__EXPORTED_HEADERS__ -I "$common/include/uapi")
	if [ -d "$common/arch/$karch/include/uapi" ]; then
		kflags+=(-I "$common/arch/$karch/include/uapi")
	fi
	for d in "${common%-common}"-*; do
		[ "$d" = "$common" ] && continue
		if [ -d "$d/arch/$karch/include/generated/uapi" ]; then
			[ -n "$gen" ] || gen=$d
		fi
		if [ -f "$d/Makefile" ] && [ -z "$build" ]; then
			build=$d
		fi
	done
	if [ -n "$gen" ]; then
		kflags+=(-I "$gen/arch/$karch/include/generated/uapi")
	fi
	# The kernel's uapi sources include <linux/compiler.h> and
	# <linux/compiler_types.h>, which exist only inside the kernel
	# (headers_install strips those lines): provide empty stand-ins.
	mkdir -p "$kw/stub/linux"
	: >"$kw/stub/linux/compiler.h"
	: >"$kw/stub/linux/compiler_types.h"
	kflags+=(-I "$kw/stub")

	if find_test_h "$k" "$kw/test.h"; then
		with_test=1
		mkdir -p "$kw/testinc/linux"
		printf '#include <linux/vhost.h>\n#include "%s"\n' "$kw/test.h" \
			>"$kw/testinc/linux/vhost_test.h"
		kflags+=(-I "$kw/testinc")
	fi

	headers_src "$with_test" >"$kw/probe.c"
	if ! "$cc" -fsyntax-only "${kflags[@]}" "$kw/probe.c" 2>"$kw/probe.err"; then
		fail "$k/compile" "kernel headers in $common do not compile: $(first_error "$kw/probe.err")"
		return
	fi
	pass "$k/compile"

	# What does this kernel define?
	extract_macros "$with_test" "${kflags[@]}" >"$kw/macros"
	extract_structs "$with_test" "${kflags[@]}" >"$kw/members"

	: >"$kw/list.problems"
	coverage "$kw/macros" "$kw/members" "$kw/list.problems"
	report "$k/items-list" "$kw/list.problems"

	# Macros: listed items that this kernel defines.
	awk -v defs="$kw/macros" '
	BEGIN { while ((getline l < defs) > 0) have[l] = 1 }
	$2 in have' "$work/macros.lst" >"$kw/macros.lst"
	robust_run gen_macro_prog "$kw/macros.lst" "$with_test" "$kw/macros.kout" "$kw/macros.kbad" "${kflags[@]}"
	robust_run gen_macro_prog "$kw/macros.lst" 1 "$kw/macros.oout" "$kw/macros.obad" "${ours_flags[@]}"

	for kind in ioctl test-ioctl feature const; do
		local problems=$kw/$kind.problems
		awk -v k="$kind" '$1 == k { print $2 }' "$kw/macros.lst" >"$kw/$kind.names"
		if [ ! -s "$kw/$kind.names" ]; then
			if [ "$kind" = test-ioctl ] && [ "$with_test" = 0 ]; then
				skip "$k/$(kind_case "$kind")" "drivers/vhost/test.h of $k not found (no linux-source-$k tree or tarball)"
			else
				skip "$k/$(kind_case "$kind")" "kernel $k defines none of these"
			fi
			continue
		fi
		: >"$problems"
		grep -F -w -f "$kw/$kind.names" "$kw/macros.kbad" | sed 's/^/kernel /' >>"$problems" || true
		grep -F -w -f "$kw/$kind.names" "$kw/macros.obad" | sed 's/^/ours /' >>"$problems" || true
		compare_outputs "$kw/macros.kout" "$kw/macros.oout" "$kw/$kind.names" "$problems" \
			"$kw/macros.kbad" "$kw/macros.obad"
		report "$k/$(kind_case "$kind")" "$problems"
	done

	# Structs: listed structs this kernel defines, restricted to the
	# members this kernel has.
	awk -v defs="$kw/members" '
	BEGIN { while ((getline l < defs) > 0) have[l] = 1 }
	($1 ".") in have {
		line = $1 " " $2
		for (i = 3; i <= NF; i++) {
			m = $i
			sub(/(\{\})?(\[\*?\])?$/, "", m)
			if (($1 "." m) in have)
				line = line " " $i
		}
		print line
	}' "$work/structs.lst" >"$kw/structs.lst"
	if [ ! -s "$kw/structs.lst" ]; then
		skip "$k/structs" "kernel $k defines none of the listed structs"
	else
		robust_run gen_struct_prog "$kw/structs.lst" 0 "$kw/structs.kout" "$kw/structs.kbad" "${kflags[@]}"
		robust_run gen_struct_prog "$kw/structs.lst" 0 "$kw/structs.oout" "$kw/structs.obad" "${ours_flags[@]}"
		: >"$kw/structs.problems"
		sed 's/^/kernel /' "$kw/structs.kbad" >>"$kw/structs.problems"
		sed 's/^/ours /' "$kw/structs.obad" >>"$kw/structs.problems"
		awk '{ print $1 }' "$kw/structs.kout" >"$kw/structs.names"
		compare_outputs "$kw/structs.kout" "$kw/structs.oout" "$kw/structs.names" \
			"$kw/structs.problems" "$kw/structs.kbad" "$kw/structs.obad"
		report "$k/structs" "$kw/structs.problems"
	fi

	check_kbuild "$k" "$build"
}

# check_kbuild SERIES BUILD_DIR: build a dummy module that includes our
# headers ahead of the kernel's (the way the real modules do).
check_kbuild() {
	local k=$1 build=$2 mw=$work/kbuild-$1
	if [ "${ABI_SKIP_KBUILD:-0}" = 1 ]; then
		skip "$k/kbuild" "disabled by ABI_SKIP_KBUILD=1"
		return
	fi
	if [ -z "$build" ]; then
		skip "$k/kbuild" "no kernel build tree (linux-headers-$k.*-<flavour>) installed"
		return
	fi
	if ! command -v make >/dev/null 2>&1; then
		skip "$k/kbuild" "make not installed"
		return
	fi
	mkdir -p "$mw"
	cat >"$mw/abi_probe.c" <<'EOF'
#include <linux/module.h>
#include <linux/build_bug.h>
#include <linux/vhost.h>
#include <linux/vhost_types.h>
#include <linux/vhost_test.h>

#ifndef VHOST_GET_FEATURES_ARRAY
#error linux/vhost.h of the kernel was used instead of ours
#endif

static int __init abi_probe_init(void)
{
	BUILD_BUG_ON(sizeof(struct vhost_features_array) != 8);
	BUILD_BUG_ON(VHOST_GET_FEATURES_ARRAY != _IOR(0xAF, 0x83, __u64));
	BUILD_BUG_ON(sizeof(struct vhost_vring_addr) != 40);
	return 0;
}
module_init(abi_probe_init);
MODULE_LICENSE("GPL");
EOF
	printf 'obj-m := abi_probe.o\nccflags-y := -Werror\n' >"$mw/Kbuild"
	if make -s -C "$build" M="$mw" NOSTDINC_FLAGS="-I$ours" modules >"$mw/log" 2>&1 &&
		[ -f "$mw/abi_probe.ko" ]; then
		pass "$k/kbuild"
	else
		fail "$k/kbuild" "module build against $build failed: $(first_error "$mw/log")"
	fi
}

# ---------------------------------------------------------------------------

check_standalone
check_ours_listed
check_upstream
for k in $kernels; do
	check_kernel "$k"
done

if [ "$nfail" -gt 0 ]; then
	exit 1
fi
exit 0
