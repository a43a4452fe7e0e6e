#!/usr/bin/env bash
# Interop tests with real clients against examples/conformance:
#   tests/interop/*.test.mjs   node --test (socket.io-client, raw HTTP, ws)
#   tests/interop/test_*.py    python-socketio (Debian's, /usr/bin/python3)
# Usage: tests/interop/run.sh BUILD_DIR   (build or build/san)
# Ends with one line "N passed, N failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
BIN=$B/examples/conformance
NODE=${NODE:-$(command -v node || echo /usr/bin/node)}
PY=/usr/bin/python3
NODE_TIMEOUT=${INTEROP_NODE_TIMEOUT:-600}
PY_TIMEOUT=${INTEROP_PY_TIMEOUT:-300}
pass=0 fail=0

if [ ! -x "$BIN" ]; then
	echo "interop: $BIN is missing (run make)"
	echo "0 passed, 1 failed"
	exit 1
fi
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
export SIO_CONFORMANCE_BIN=$BIN
# A sanitized server: report leaks, and fail its exit code on any report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# ---- node --test --------------------------------------------------------
if [ ! -d tests/node_modules/socket.io-client ] || [ ! -d tests/node_modules/ws ]; then
	echo "interop: tests/node_modules is incomplete (run make deps)"
	fail=$((fail + 1))
else
	log=$(mktemp)
	# TAP output; the summary has "# pass N", "# fail N", "# cancelled N".
	timeout --kill-after=10 "$NODE_TIMEOUT" "$NODE" --test \
		--test-reporter=tap tests/interop/*.test.mjs >"$log" 2>&1
	rc=$?
	p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -1)
	f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -1)
	c=$(sed -nE 's/^# cancelled ([0-9]+)$/\1/p' "$log" | tail -1)
	if [ -z "$p" ] || [ -z "$f" ]; then
		echo "interop: node --test gave no summary (exit $rc)"
		tail -40 "$log"
		p=${p:-0} f=1 c=0
	fi
	f=$((f + ${c:-0}))
	# The failing tests with their details.
	[ "$f" != 0 ] && awk '/^ *not ok /{p=1} /^ *ok /{p=0} p' "$log" | head -400
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "interop: node --test exited $rc"
		tail -40 "$log"
		f=1
	fi
	echo "interop node: $p passed, $f failed"
	pass=$((pass + p)) fail=$((fail + f))
	rm -f "$log"
fi

# ---- python-socketio ------------------------------------------------------
if ! "$PY" -c 'import socketio, engineio, websocket, requests' 2>/dev/null; then
	echo "interop: $PY lacks python3-socketio/-websocket/-requests (run make deps)"
	fail=$((fail + 1))
else
	log=$(mktemp)
	(cd tests/interop && timeout --kill-after=10 "$PY_TIMEOUT" "$PY" -m unittest \
		-v test_python_client) >"$log" 2>&1
	rc=$?
	ran=$(sed -nE 's/^Ran ([0-9]+) tests? in .*/\1/p' "$log" | tail -1)
	bad=0
	if line=$(grep -E '^FAILED \(' "$log" | tail -1); then
		for k in failures errors; do
			n=$(sed -nE "s/.*[(, ]$k=([0-9]+).*/\1/p" <<<"$line")
			bad=$((bad + ${n:-0}))
		done
	fi
	if [ -z "$ran" ]; then
		echo "interop: python unittest gave no summary (exit $rc)"
		tail -40 "$log"
		ran=0 bad=1
	elif [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
		bad=1
	fi
	[ "$bad" != 0 ] && grep -vE ' \.\.\. ok$' "$log" | tail -150
	p=$((ran - bad))
	[ "$p" -lt 0 ] && p=0
	echo "interop python: $p passed, $bad failed"
	pass=$((pass + p)) fail=$((fail + bad))
	rm -f "$log"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
