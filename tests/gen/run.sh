#!/usr/bin/env bash
# Generator tests: tests/gen/run.sh [--update] BUILD_DIR   (e.g. build/san)
#   err/NAME.sio  must be refused: exit 1, stderr exactly err/NAME.stderr
#   ok/NAME.sio   must be accepted, with nothing on stderr, and:
#                 - the checked model (sioc --dump-model) is ok/NAME.model;
#                 - sioc -o writes exactly ok/NAME.sio.h and ok/NAME.sio.c,
#                   the same bytes every time;
#                 - both compile with gcc and clang (-std=c11 -Wall -Wextra
#                   -Wpedantic -Werror), so does the skeleton (--skeleton),
#                   and the three link with libsio (BUILD_DIR/lib/libsio.a)
#                   into a program that runs.
#   ok/NAME.sio.d.ts, ok/NAME.asyncapi.json, where present: exactly what
#                 sioc --ts and --asyncapi write (--update rewrites the
#                 present ones; create one empty to add it).
#   nocompile/NAME.c  must fail to compile or link, as its head comment
#                 says ("phase: compile|link", "expect: REGEX" that the
#                 compiler's or linker's output matches, "schema: S.sio"
#                 from nocompile/ or ok/ that it includes); built with
#                 -DFIXED it must compile and link, so the failure is the
#                 one named.
#   exec/NAME.c   a program using ok/S.sio's generated code ("schema: S.sio"
#                 in its head comment), linked with its skeleton and
#                 libsio, must run and exit 0.
#   and command-line cases.
# --update (or UPDATE=1) rewrites err/*.stderr, ok/*.model,
# ok/*.sio.[ch] and the present client goldens from what sioc prints now; review the diff before
# committing it.
# Prints one line per failure (VERBOSE=1 adds the diff or the stderr)
# and ends with "N passed, N failed".
set -uo pipefail
update=${UPDATE:-0}
verbose=${VERBOSE:-0}
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi
B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $B in
/*) ;;
*) B=$(pwd)/$B ;;
esac
sioc=$B/bin/sioc
lib=$B/lib/libsio.a
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C # compiler messages in ASCII, as the regexes expect

ok() { pass=$((pass + 1)); }
# Detail for a failure, shown with VERBOSE=1.
detail() { [ "$verbose" = 1 ] && head -40 "$1"; }
bad() {
	echo "FAIL gen $1"
	fail=$((fail + 1))
}

if [ ! -x "$sioc" ]; then
	bad "no $sioc"
	echo "$pass passed, $fail failed"
	exit 1
fi

# ---- diagnostics ----------------------------------------------------------
# Diagnostics name files as given, so run from the case's folder.
cd "$here/err" || exit 1
for f in *.sio; do
	name=${f%.sio}
	"$sioc" "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$update" = 1 ]; then
		cp "$tmp/err" "$name.stderr"
	fi
	if [ "$rc" != 1 ]; then
		bad "err/$f: exit $rc, expected 1"
	elif [ -s "$tmp/out" ]; then
		bad "err/$f: wrote to stdout"
	elif ! diff -u "$name.stderr" "$tmp/err" >"$tmp/diff" 2>&1; then
		bad "err/$f: stderr differs from err/$name.stderr"
		detail "$tmp/diff"
	else
		ok
	fi
done

# ---- accepted schemas: model and generated code ---------------------------
gen=$tmp/gen # first generation; again/ holds the second
mkdir -p "$gen" "$tmp/again" "$tmp/obj"
cd "$here/ok" || exit 1
for f in *.sio; do
	name=${f%.sio}
	"$sioc" --dump-model "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$update" = 1 ] && [ "$rc" = 0 ]; then
		cp "$tmp/out" "$name.model"
	fi
	if [ "$rc" != 0 ] || [ -s "$tmp/err" ]; then
		bad "ok/$f: exit $rc"
		detail "$tmp/err"
	elif ! diff -u "$name.model" "$tmp/out" >"$tmp/diff" 2>&1; then
		bad "ok/$f: model differs from ok/$name.model"
		detail "$tmp/diff"
	else
		ok
	fi

	if ! "$sioc" -o "$gen" "$f" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
		bad "ok/$f: sioc -o failed"
		detail "$tmp/err"
		continue
	fi
	if [ "$update" = 1 ]; then
		cp "$gen/$name.sio.h" "$gen/$name.sio.c" .
	fi
	if ! diff -u "$name.sio.h" "$gen/$name.sio.h" >"$tmp/diff" 2>&1 ||
		! diff -u "$name.sio.c" "$gen/$name.sio.c" >>"$tmp/diff" 2>&1; then
		bad "ok/$f: generated code differs from ok/$name.sio.[ch]"
		detail "$tmp/diff"
	else
		ok
	fi
	"$sioc" -o "$tmp/again" "$f" 2>/dev/null
	if cmp -s "$gen/$name.sio.h" "$tmp/again/$name.sio.h" &&
		cmp -s "$gen/$name.sio.c" "$tmp/again/$name.sio.c"; then
		ok
	else
		bad "ok/$f: generating twice gives different bytes"
	fi
done

# ---- client typings and the AsyncAPI document: goldens ---------------------
mkdir -p "$tmp/clients" "$tmp/clients-again"
# client_gen KIND DIR FILE: sioc --ts DIR FILE or --asyncapi DIR/NAME.json.
client_gen() {
	case $1 in
	ts) "$sioc" --ts "$2" "$3" ;;
	*) "$sioc" --asyncapi "$2/${3%.sio}.asyncapi.json" "$3" ;;
	esac
}
for f in *.sio; do
	name=${f%.sio}
	for kind in ts asyncapi; do
		golden=$name.sio.d.ts
		[ "$kind" = asyncapi ] && golden=$name.asyncapi.json
		[ -f "$golden" ] || continue
		out=$tmp/clients/$golden
		if ! client_gen "$kind" "$tmp/clients" "$f" 2>"$tmp/err" ||
			[ -s "$tmp/err" ]; then
			bad "ok/$f: sioc --$kind failed"
			detail "$tmp/err"
			continue
		fi
		[ "$update" = 1 ] && cp "$out" "$golden"
		if ! diff -u "$golden" "$out" >"$tmp/diff" 2>&1; then
			bad "ok/$f: --$kind output differs from ok/$golden"
			detail "$tmp/diff"
		else
			ok
		fi
		client_gen "$kind" "$tmp/clients-again" "$f" 2>/dev/null
		if cmp -s "$out" "$tmp/clients-again/$golden"; then
			ok
		else
			bad "ok/$f: --$kind twice gives different bytes"
		fi
	done
done
left=$(find "$tmp/clients" -type f ! -name '*.sio.d.ts' \
	! -name '*.asyncapi.json' | head -3)
if [ -n "$left" ]; then
	bad "sioc --ts/--asyncapi left files behind: $left"
else
	ok
fi

# Written through temporary files: none may be left.
left=$(find "$gen" -type f ! -name '*.sio.[ch]' | head -3)
if [ -n "$left" ]; then
	bad "sioc -o left files behind: $left"
else
	ok
fi

# ---- the generated code compiles, with its skeleton, and links ------------
CFLAGS_GEN=(-std=c11 -Wall -Wextra -Wpedantic -Werror -I"$root/runtime/include"
	$(pkg-config --cflags jansson 2>/dev/null))
LIBS=($(pkg-config --libs libwebsockets jansson 2>/dev/null) -lev -lcrypto -lz
	-lpthread)
LINK_CC=${CC:-cc}
compilers=()
for cc in gcc clang; do
	if command -v "$cc" >/dev/null; then
		compilers+=("$cc")
	else
		bad "no $cc to compile the generated code with"
	fi
done
# (nm to a file: with pipefail, grep -q closing the pipe early would fail.)
nm "$lib" >"$tmp/nm" 2>/dev/null
can_link=1
if ! grep -q ' T sio_schema_register$' "$tmp/nm"; then
	echo "skipped: runtime lacks sio_schema_register (link checks)"
	can_link=0
fi
# A sanitized libsio needs the sanitizers' runtime at link time.
SAN_LINK=()
if grep -q '__asan_' "$tmp/nm"; then
	SAN_LINK=(-fsanitize=address,undefined)
fi

# compile NAME CC SOURCE [FLAGS...]: a test that SOURCE compiles.
compile() {
	local what=$1 cc=$2 src=$3
	shift 3
	if "$cc" "${CFLAGS_GEN[@]}" "$@" -c "$src" -o "$tmp/obj/x.o" \
		>"$tmp/cc" 2>&1; then
		ok
	else
		bad "$what does not compile with $cc"
		detail "$tmp/cc"
	fi
}

mkdir -p "$tmp/skel"
for f in *.sio; do
	name=${f%.sio}
	skel=$tmp/skel/${name}_handlers.c
	[ -f "$gen/$name.sio.c" ] || continue
	if "$sioc" --skeleton "$skel" "$f" 2>"$tmp/err" && [ -s "$skel" ]; then
		ok
	else
		bad "ok/$f: sioc --skeleton failed"
		detail "$tmp/err"
		continue
	fi
	for cc in "${compilers[@]}"; do
		compile "ok/$name.sio.c" "$cc" "$gen/$name.sio.c"
		compile "the skeleton of ok/$f" "$cc" "$skel" -I"$gen"
	done
	[ "$can_link" = 1 ] || continue
	reg=$(sed -n 's/^int \([A-Za-z0-9_]*\)(sio_server \*srv);$/\1/p' \
		"$gen/$name.sio.h")
	cat >"$tmp/skel/${name}_main.c" <<-EOF
		#include "$name.sio.h"

		int main(int argc, char **argv)
		{
		    (void)argv;
		    return argc > 99 ? $reg(NULL) : 0;
		}
	EOF
	# An importing schema links with the C files of those it imports.
	imported=()
	for h in $(sed -n 's/^#include "\(.*\)\.sio\.h"$/\1/p' "$gen/$name.sio.h"); do
		imported+=("$gen/$h.sio.c")
	done
	if "$LINK_CC" "${CFLAGS_GEN[@]}" -I"$gen" "${SAN_LINK[@]}" \
		-o "$tmp/obj/prog" "$tmp/skel/${name}_main.c" "$gen/$name.sio.c" \
		"${imported[@]}" "$skel" "$lib" "${LIBS[@]}" >"$tmp/cc" 2>&1 &&
		"$tmp/obj/prog"; then
		ok
	else
		bad "ok/$f: the code and skeleton do not link with libsio"
		detail "$tmp/cc"
	fi
done

# ---- must not compile, must not link --------------------------------------
# head FILE KEY: the value of " * KEY: value" in FILE's head comment.
head_value() { sed -n "s/^ \* $2: //p" "$1" | head -1; }

# nc_link DIR CASE [FLAGS...]: compiles CASE and DIR's generated C, then
# links them with libsio; each part must compile, so what fails is the
# link. Output in $tmp/cc.
nc_link() {
	local dir=$1 c=$2
	shift 2
	"$LINK_CC" "${CFLAGS_GEN[@]}" -I"$dir" "$@" -c "$c" -o "$tmp/obj/nc.o" \
		>"$tmp/cc" 2>&1 &&
		"$LINK_CC" "${CFLAGS_GEN[@]}" -I"$dir" -c "$dir"/*.sio.c \
			-o "$tmp/obj/ncgen.o" >>"$tmp/cc" 2>&1 &&
		"$LINK_CC" "${SAN_LINK[@]}" -o "$tmp/obj/nc" "$tmp/obj/nc.o" \
			"$tmp/obj/ncgen.o" "$lib" "${LIBS[@]}" >>"$tmp/cc" 2>&1
}

cd "$here/nocompile" || exit 1
for c in *.c; do
	schema=$(head_value "$c" schema)
	phase=$(head_value "$c" phase)
	expect=$(head_value "$c" expect)
	src=$here/nocompile/$schema
	[ -f "$src" ] || src=$here/ok/$schema
	out=$tmp/nc/${schema%.sio}
	if [ -z "$schema" ] || [ -z "$expect" ] || [ ! -f "$src" ]; then
		bad "nocompile/$c: head comment needs schema, phase and expect"
		continue
	fi
	if [ ! -d "$out" ]; then
		mkdir -p "$out"
		(cd "$(dirname "$src")" && "$sioc" -o "$out" "$(basename "$src")")
	fi
	case $phase in
	compile)
		for cc in "${compilers[@]}"; do
			if "$cc" "${CFLAGS_GEN[@]}" -I"$out" -c "$c" \
				-o "$tmp/obj/nc.o" >"$tmp/cc" 2>&1; then
				bad "nocompile/$c compiles with $cc"
			elif ! grep -Eq -- "$expect" "$tmp/cc"; then
				bad "nocompile/$c: $cc's errors do not match '$expect'"
				detail "$tmp/cc"
			elif ! "$cc" "${CFLAGS_GEN[@]}" -I"$out" -DFIXED -c "$c" \
				-o "$tmp/obj/nc.o" >"$tmp/cc" 2>&1; then
				bad "nocompile/$c: does not compile with $cc even -DFIXED"
				detail "$tmp/cc"
			else
				ok
			fi
		done
		;;
	link)
		[ "$can_link" = 1 ] || continue
		if nc_link "$out" "$c"; then
			bad "nocompile/$c links"
		elif ! grep -Eq -- "$expect" "$tmp/cc"; then
			bad "nocompile/$c: the link errors do not match '$expect'"
			detail "$tmp/cc"
		elif ! nc_link "$out" "$c" -DFIXED; then
			bad "nocompile/$c: does not link even -DFIXED"
			detail "$tmp/cc"
		else
			ok
		fi
		;;
	*)
		bad "nocompile/$c: phase '$phase' is not compile or link"
		;;
	esac
done

# ---- generated code at run time -------------------------------------------
# exec/NAME.c: a program that uses the code generated from its head's
# "schema: S.sio" (from ok/), linked with that schema's skeleton and
# libsio; it must exit 0.
cd "$here/exec" || exit 1
for c in *.c; do
	[ "$can_link" = 1 ] || break
	schema=$(head_value "$c" schema)
	out=$tmp/exec/${schema%.sio}
	if [ -z "$schema" ] || [ ! -f "$here/ok/$schema" ]; then
		bad "exec/$c: head comment needs a schema from ok/"
		continue
	fi
	mkdir -p "$out"
	rm -f "$out/skel.c"
	(cd "$here/ok" && "$sioc" -o "$out" --skeleton "$out/skel.c" "$schema")
	# The schemas it imports, generated beside it.
	for h in $(sed -n 's/^#include "\(.*\)\.sio\.h"$/\1/p' \
		"$out/${schema%.sio}.sio.h"); do
		(cd "$here/ok" && "$sioc" -o "$out" "$h.sio")
	done
	# (Some look at the tables with the walker, an internal of libsio.)
	if ! "$LINK_CC" "${CFLAGS_GEN[@]}" -I"$out" "${SAN_LINK[@]}" \
		-I"$root/runtime/src/core" \
		-o "$tmp/obj/exec" "$c" "$out"/*.sio.c "$out/skel.c" "$lib" \
		"${LIBS[@]}" >"$tmp/cc" 2>&1; then
		bad "exec/$c does not build"
		detail "$tmp/cc"
	elif ! "$tmp/obj/exec" >"$tmp/cc" 2>&1; then
		bad "exec/$c fails"
		detail "$tmp/cc"
	else
		ok
	fi
done

# Structs too big for 16-bit offsets: a tree of records (R0 is 128 KiB,
# its field b at 64 KiB) and 8200 parameters. The tables must hold every
# offset whole: the code compiles with -Werror, where a truncated
# constant is an error.
mkdir -p "$tmp/big"
{
	echo 'schema big;'
	for i in $(seq 0 13); do
		echo "record R$i { a: R$((i + 1)); b: R$((i + 1)); }"
	done
	echo 'record R14 { x: int; }'
	echo 'namespace "/" {'
	echo '    on "tree" (r: R0) -> (r: R0);'
	printf '    on "wide" ('
	for i in $(seq 1 8200); do printf 'p%d: int, ' "$i"; done
	echo 'last: string);'
	echo '}'
} >"$tmp/big/big.sio"
if (cd "$tmp/big" && "$sioc" -o . big.sio) >"$tmp/cc" 2>&1; then
	for cc in "${compilers[@]}"; do
		compile "the code of a schema with big structs" "$cc" \
			"$tmp/big/big.sio.c"
	done
else
	bad "sioc refuses a schema with big structs"
	detail "$tmp/cc"
fi

# Two schemas whose names differ only in case have distinct include
# guards: a file can include both and call into each.
mkdir -p "$tmp/case"
printf 'schema chat;\nnamespace "/" { emit "a" (n: int); }\n' >"$tmp/case/chat.sio"
printf 'schema Chat;\nnamespace "/" { emit "b" (n: int); }\n' >"$tmp/case/Chat.sio"
cat >"$tmp/case/both.c" <<-EOF
	#include "chat.sio.h"
	#include "Chat.sio.h"

	int both(sio_target t);
	int both(sio_target t)
	{
		return chat_emit_a(chat_target_of(t), 1) +
		       Chat_emit_b(Chat_target_of(t), 2);
	}
EOF
if (cd "$tmp/case" && "$sioc" -o . chat.sio && "$sioc" -o . Chat.sio) &&
	"$LINK_CC" "${CFLAGS_GEN[@]}" -I"$tmp/case" -c "$tmp/case/both.c" \
		-o "$tmp/obj/both.o" >"$tmp/cc" 2>&1; then
	ok
else
	bad "schemas chat and Chat cannot be included together"
	detail "$tmp/cc"
fi

# ---- command line ------------------------------------------------------------
cd "$here/ok" || exit 1
# Command line: NAME, expected exit status, then the command.
cli() {
	local name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" != "$want" ]; then
		bad "cli $name: exit $rc, expected $want"
		detail "$tmp/err"
	else
		ok
	fi
}
# Like cli, and stdout must be exactly the given text.
cli_out() {
	local name=$1 want=$2 text=$3
	shift 3
	cli "$name" "$want" "$@"
	if [ "$(cat "$tmp/out")" != "$text" ]; then
		bad "cli $name: stdout is '$(cat "$tmp/out")'"
	fi
}
cli help 0 "$sioc" --help
grep -q '^usage: sioc' "$tmp/out" || bad "cli help: no usage line"
cli_out version 0 "sioc 0.1.0" "$sioc" --version
cli no-args 2 "$sioc"
cli unknown-option 2 "$sioc" --frobnicate chat.sio
cli two-schemas 2 "$sioc" chat.sio minimal.sio
cli o-without-dir 2 "$sioc" chat.sio -o
cli missing-file 1 "$sioc" no-such-file.sio
grep -q '^sioc: cannot read no-such-file.sio: ' "$tmp/err" ||
	bad "cli missing-file: message"
cli check-only 0 "$sioc" chat.sio
cli_out deps 0 "out/chat.sio.h out/chat.sio.c: chat.sio" \
	"$sioc" -M -o out chat.sio
cli_out deps-attached 0 "out/chat.sio.h out/chat.sio.c: chat.sio" \
	"$sioc" -M -oout chat.sio
cli_out deps-cwd 0 "./chat.sio.h ./chat.sio.c: chat.sio" "$sioc" -M chat.sio
cli_out deps-escaped 0 'a\ b/chat.sio.h a\ b/chat.sio.c: chat.sio' \
	"$sioc" -M -o 'a b' chat.sio
cli_out deps-imports 0 \
	"./import_main.sio.h ./import_main.sio.c: import_main.sio import_common.sio" \
	"$sioc" -M import_main.sio
cli deps-bad-schema 1 "$sioc" -M "$here/err/unknown_type.sio"
cli dash-dash 0 "$sioc" -- chat.sio
cli ts-without-dir 2 "$sioc" chat.sio --ts
cli asyncapi-without-file 2 "$sioc" chat.sio --asyncapi
mkdir -p "$tmp/clients-cli"
cli ts-attached 0 "$sioc" --ts="$tmp/clients-cli" chat.sio
[ -s "$tmp/clients-cli/chat.sio.d.ts" ] || bad "cli ts-attached: no file"
cli asyncapi-attached 0 "$sioc" --asyncapi="$tmp/clients-cli/a.json" chat.sio
[ -s "$tmp/clients-cli/a.json" ] || bad "cli asyncapi-attached: no file"
cli ts-missing-dir 1 "$sioc" --ts "$tmp/no/such/dir" chat.sio
grep -q "^sioc: cannot write $tmp/no/such/dir/chat.sio.d.ts: " "$tmp/err" ||
	bad "cli ts-missing-dir: message"
cli asyncapi-missing-dir 1 "$sioc" --asyncapi "$tmp/no/such/a.json" chat.sio
# A bad schema writes nothing, and an old file stays as it was.
cp "$tmp/clients-cli/a.json" "$tmp/clients-cli/a.orig"
cli clients-bad-schema 1 "$sioc" --ts "$tmp/clients-cli" --asyncapi \
	"$tmp/clients-cli/a.json" "$here/err/unknown_type.sio"
cmp -s "$tmp/clients-cli/a.json" "$tmp/clients-cli/a.orig" ||
	bad "cli clients-bad-schema: changed the file"
[ -e "$tmp/clients-cli/unknown_type.sio.d.ts" ] &&
	bad "cli clients-bad-schema: wrote typings"

# The skeleton: written once, never over an existing file.
printf 'my handlers\n' >"$tmp/exists.c"
cp "$tmp/exists.c" "$tmp/exists.orig"
cli skeleton-exists 1 "$sioc" --skeleton "$tmp/exists.c" chat.sio
grep -q 'exists; not overwriting' "$tmp/err" ||
	bad "cli skeleton-exists: message"
cmp -s "$tmp/exists.c" "$tmp/exists.orig" || bad "cli skeleton-exists: file changed"
cli skeleton-attached 0 "$sioc" --skeleton="$tmp/new.c" chat.sio
cp "$tmp/new.c" "$tmp/new.orig"
cli skeleton-twice 1 "$sioc" --skeleton "$tmp/new.c" minimal.sio
cmp -s "$tmp/new.c" "$tmp/new.orig" || bad "cli skeleton-twice: file changed"
# A bad schema writes nothing.
cli skeleton-bad-schema 1 "$sioc" --skeleton "$tmp/none.c" \
	"$here/err/unknown_type.sio"
[ -e "$tmp/none.c" ] && bad "cli skeleton-bad-schema: wrote the file"
# The existing skeleton is refused before -o writes anything.
mkdir -p "$tmp/both"
cli o-and-skeleton-exists 1 "$sioc" -o "$tmp/both" --skeleton \
	"$tmp/exists.c" chat.sio
[ -n "$(ls -A "$tmp/both")" ] && bad "cli o-and-skeleton-exists: wrote files"

# A skeleton that would be one of -o's outputs is refused before writing.
mkdir -p "$tmp/same"
cli skeleton-is-output 1 "$sioc" -o "$tmp/same" --skeleton \
	"$tmp/same/chat.sio.c" chat.sio
grep -q 'is one of the -o outputs' "$tmp/err" ||
	bad "cli skeleton-is-output: message"
[ -n "$(ls -A "$tmp/same")" ] && bad "cli skeleton-is-output: wrote files"
# All outputs or none: the C file cannot replace a (non-empty) directory,
# so the new header must not stay beside it, nor the new skeleton.
mkdir -p "$tmp/half/chat.sio.c/x"
printf 'old header\n' >"$tmp/half/chat.sio.h"
cli half-written 1 "$sioc" -o "$tmp/half" --skeleton "$tmp/half/skel.c" \
	chat.sio
[ "$(cat "$tmp/half/chat.sio.h")" = "old header" ] ||
	bad "cli half-written: the header was replaced"
[ "$(ls -A "$tmp/half" | tr '\n' ' ')" = "chat.sio.c chat.sio.h " ] ||
	bad "cli half-written: left $(ls -A "$tmp/half" | tr '\n' ' ')"

# -o: files whole or not at all.
cli o-not-a-dir 1 "$sioc" -o "$tmp/exists.c" chat.sio
grep -q "^sioc: cannot write $tmp/exists.c/chat.sio.h: " "$tmp/err" ||
	bad "cli o-not-a-dir: message"
cli o-missing-dir 1 "$sioc" -o "$tmp/no/such/dir" chat.sio
mkdir -p "$tmp/o"
cli o-bad-schema 1 "$sioc" -o "$tmp/o" "$here/err/unknown_type.sio"
[ -n "$(ls -A "$tmp/o")" ] && bad "cli o-bad-schema: wrote files"
# The outputs are included by name: a name C cannot include is refused.
cp chat.sio "$tmp/o/we\"ird.sio"
cli o-bad-name 1 "$sioc" -o "$tmp/o" "$tmp/o/we\"ird.sio"
[ "$(ls -A "$tmp/o")" = 'we"ird.sio' ] || bad "cli o-bad-name: wrote files"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
