#!/usr/bin/env bash
# AsyncAPI documents (sioc --asyncapi): the document of every schema
# (schemas/, tests/gen/ok/) passes `asyncapi validate` (@asyncapi/cli from
# tests/asyncapi/package-lock.json, installed by scripts/deps.sh) with no
# error and no warning; a broken document fails it (the validator runs).
# Usage: tests/asyncapi/run.sh BUILD_DIR   (build or build/san)
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
B=${1:-build}
case $B in /*) ;; *) B=$root/$B ;; esac
sioc=$B/bin/sioc
CLI=$root/tests/asyncapi/node_modules/.bin/asyncapi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

SUITE=asyncapi
. "$root/tests/common/suite.sh"
need "$sioc" "$CLI"

# The CLI sends usage metrics unless its config file says not to; it
# keeps that file (and any other state) in a home of its own here.
mkdir -p "$tmp/home"
echo '{"analyticsEnabled":"false","infoMessageShown":"true","userID":"sioc-tests"}' \
	>"$tmp/home/.asyncapi-analytics"
validate() {
	HOME=$tmp/home ASYNCAPI_METRICS_CONFIG_PATH=$tmp/home/.asyncapi-analytics \
		CI=true NO_COLOR=1 FORCE_COLOR=0 timeout 120 "$CLI" validate "$1" \
		>"$tmp/out" 2>&1
}

for f in schemas/*.sio tests/gen/ok/*.sio; do
	doc=$tmp/$(echo "${f%.sio}" | tr / _).json
	if ! "$sioc" --asyncapi "$doc" "$f" 2>"$tmp/err"; then
		bad "sioc --asyncapi $f" "$tmp/err"
	elif ! validate "$doc"; then
		bad "the document of $f is not valid" "$tmp/out"
	elif grep -Eq '^ *[0-9]+:[0-9]+ +(error|warning) ' "$tmp/out"; then
		bad "the document of $f has errors or warnings" "$tmp/out"
	else
		ok
	fi
done

# A control: an operation whose action is neither send nor receive.
"$sioc" --asyncapi "$tmp/chat.json" schemas/chat.sio &&
	sed 's/"action": "receive"/"action": "recv"/' "$tmp/chat.json" \
		>"$tmp/broken.json"
if validate "$tmp/broken.json"; then
	bad "a broken document passes validation"
elif ! grep -q 'action' "$tmp/out"; then
	bad "a broken document fails for another reason" "$tmp/out"
else
	ok
fi
finish
