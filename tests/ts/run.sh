#!/usr/bin/env bash
# TypeScript typings (sioc --ts) with tsc and socket.io-client, from the
# npm packages of tests/ (package-lock.json):
#   - the typings of every schema (schemas/, tests/gen/ok/) compile alone
#     under tsc --strict;
#   - client.ts, a typed client of schemas/chat.sio, compiles with
#     tsc --strict --noEmit; so does lang.ts, a client of the maps,
#     unions and defaults of tests/gen/ok/;
#   - each nocompile/NAME.ts fails for the reason its head comment states:
#     "schema: S.sio" (from schemas/ or tests/gen/ok/) whose typings it
#     imports, "expect:
#     TSnnnn REGEX": exactly one error, on the line marked "// error
#     here", with that code, and tsc's output matches REGEX;
#   - client.ts compiled to JavaScript runs against BUILD_DIR's chat
#     (run.mjs) and passes.
# Usage: tests/ts/run.sh BUILD_DIR   (build or build/san)
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
B=${1:-build}
case $B in /*) ;; *) B=$root/$B ;; esac
sioc=$B/bin/sioc
CHAT=$B/examples/chat
TSC=$root/tests/node_modules/.bin/tsc
NODE=${NODE:-$(command -v node || echo /usr/bin/node)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

SUITE=ts
. "$root/tests/common/suite.sh"
need "$sioc" "$TSC"
# A module folder that resolves socket.io-client from tests/.
ln -s "$root/tests/node_modules" "$tmp/node_modules"
echo '{"type": "module"}' >"$tmp/package.json"
TSFLAGS=(--strict --target es2022 --module es2022 --moduleResolution bundler)

# ---- every schema's typings compile on their own ---------------------------
mkdir -p "$tmp/all"
typings=()
for f in schemas/*.sio tests/gen/ok/*.sio; do
	out=$tmp/all/${f%%/*}
	mkdir -p "$out"
	if "$sioc" --ts "$out" "$f" 2>"$tmp/err"; then
		typings+=("$out/$(basename "$f" .sio).sio.d.ts")
	else
		bad "sioc --ts $f" "$tmp/err"
	fi
done
# One tsc run (each costs seconds); its errors name their file.
(cd "$tmp" && "$TSC" "${TSFLAGS[@]}" --noEmit "${typings[@]}") >"$tmp/tsc" 2>&1
rc=$?
for t in "${typings[@]}"; do
	if grep -q "^${t#"$tmp"/}(" "$tmp/tsc"; then
		grep "^${t#"$tmp"/}(" "$tmp/tsc" >"$tmp/err"
		bad "the typings of ${t#"$tmp"/all/} do not compile" "$tmp/err"
	else
		ok
	fi
done
if [ "$rc" != 0 ] && ! grep -q ': error TS' "$tmp/tsc"; then
	bad "tsc failed on the typings" "$tmp/tsc"
fi

# ---- the typed client compiles ---------------------------------------------
src=$tmp/src
mkdir -p "$src"
cp tests/ts/client.ts "$src/"
"$sioc" --ts "$src" schemas/chat.sio && "$sioc" --ts "$src" schemas/login.sio
if (cd "$tmp" && "$TSC" "${TSFLAGS[@]}" --noEmit src/client.ts) \
	>"$tmp/tsc" 2>&1; then
	ok
else
	bad "client.ts does not compile with tsc --strict --noEmit" "$tmp/tsc"
fi
cp tests/ts/lang.ts "$src/"
for s in maps unions defaults; do
	"$sioc" --ts "$src" "tests/gen/ok/$s.sio"
done
if (cd "$tmp" && "$TSC" "${TSFLAGS[@]}" --noEmit src/lang.ts) \
	>"$tmp/tsc" 2>&1; then
	ok
else
	bad "lang.ts does not compile with tsc --strict --noEmit" "$tmp/tsc"
fi
rm -f "$src/lang.ts"

# ---- must not compile --------------------------------------------------------
for c in tests/ts/nocompile/*.ts; do
	name=$(basename "$c")
	schema=$(sed -n 's|^// schema: ||p' "$c" | head -1)
	expect=$(sed -n 's|^// expect: ||p' "$c" | head -1)
	code=${expect%% *}
	regex=${expect#* }
	line=$(grep -n '// error here$' "$c" | head -1 | cut -d: -f1)
	if [ -z "$schema" ] || [ -z "$expect" ] || [ -z "$line" ] ||
		{ [ ! -f "schemas/$schema" ] && [ ! -f "tests/gen/ok/$schema" ]; }; then
		bad "nocompile/$name: needs schema, expect and an '// error here' line"
		continue
	fi
	cp "$c" "$src/$name"
	sf=schemas/$schema
	[ -f "$sf" ] || sf=tests/gen/ok/$schema
	"$sioc" --ts "$src" "$sf"
	(cd "$src" && "$TSC" "${TSFLAGS[@]}" --noEmit "$name") >"$tmp/tsc" 2>&1
	rc=$?
	errors=$(grep -c ': error TS' "$tmp/tsc")
	if [ "$rc" = 0 ]; then
		bad "nocompile/$name compiles"
	elif [ "$errors" != 1 ]; then
		bad "nocompile/$name: $errors errors, expected 1" "$tmp/tsc"
	elif ! grep -q "^$name($line,[0-9]*): error $code: " "$tmp/tsc"; then
		bad "nocompile/$name: not $code on line $line" "$tmp/tsc"
	elif ! grep -Eq -- "$regex" "$tmp/tsc"; then
		bad "nocompile/$name: tsc's message does not match '$regex'" "$tmp/tsc"
	else
		ok
	fi
	rm -f "$src/$name"
done

# ---- the client runs against the chat ----------------------------------------
if [ ! -x "$CHAT" ]; then
	bad "$CHAT is missing (run make)"
	finish
fi
if ! (cd "$tmp" && "$TSC" "${TSFLAGS[@]}" --outDir out src/client.ts) \
	>"$tmp/tsc" 2>&1; then
	bad "client.ts does not compile to JavaScript" "$tmp/tsc"
	finish
fi
SIO_CHAT_BIN=$CHAT timeout 120 "$NODE" tests/ts/run.mjs "$tmp/out/client.js" \
	>"$tmp/run" 2>&1
rc=$?
grep -v '^ok ' "$tmp/run"
line=$(grep -E '^client: [0-9]+ passed, [0-9]+ failed$' "$tmp/run" | tail -1)
if [ -z "$line" ]; then
	bad "run.mjs gave no summary (exit $rc)"
else
	p=$(sed -E 's/^client: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		bad "run.mjs exited $rc"
	fi
fi
finish
