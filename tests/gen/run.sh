#!/usr/bin/env bash
# Generator tests: tests/gen/run.sh [--update] BUILD_DIR   (e.g. build/san)
#   err/NAME.sio  must be refused: exit 1, stderr exactly err/NAME.stderr
#   ok/NAME.sio   must be accepted: exit 0, nothing on stderr, and the
#                 checked model (sioc --dump-model) exactly ok/NAME.model
#   and a few command-line cases.
# --update (or UPDATE=1) rewrites err/*.stderr and ok/*.model from what
# sioc prints now;
# review the diff before committing it.
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
case $B in
/*) sioc=$B/bin/sioc ;;
*) sioc=$(pwd)/$B/bin/sioc ;;
esac
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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

# Accepted, and the checked model (--dump-model) as in ok/NAME.model.
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
done

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
cli deps-bad-schema 1 "$sioc" -M "$here/err/unknown_type.sio"
touch "$tmp/exists.c"
cli skeleton-exists 1 "$sioc" --skeleton "$tmp/exists.c" chat.sio
grep -q 'exists; not overwriting' "$tmp/err" ||
	bad "cli skeleton-exists: message"
[ -s "$tmp/exists.c" ] && bad "cli skeleton-exists: file changed"
cli dash-dash 0 "$sioc" -- chat.sio

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
