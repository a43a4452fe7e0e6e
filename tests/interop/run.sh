#!/usr/bin/env bash
# Interop tests with real clients against examples/conformance, the
# hooks server of tests/interop/hooks.sio (hooks.test.mjs,
# test_hooks_python.py), examples/bench (alloc.test.mjs,
# reuse_port.test.mjs, test_bench_python.py),
# examples/chat (chat*.test.mjs, test_chat_python.py) and examples/login
# (login.test.mjs, test_login_python.py, test_flask_cross.py):
#   tests/interop/*.test.mjs   node --test (socket.io-client, raw HTTP, ws;
#                              deploy.test.mjs: chat and login behind nginx)
#   tests/interop/test_*.py    python-socketio (Debian's, /usr/bin/python3)
# Usage: tests/interop/run.sh BUILD_DIR   (build or build/san)
# Ends with one line "N passed, N failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
BIN=$B/examples/conformance
CHAT=$B/examples/chat
NODE=${NODE:-$(command -v node || echo /usr/bin/node)}
PY=/usr/bin/python3
NODE_TIMEOUT=${INTEROP_NODE_TIMEOUT:-600}
PY_TIMEOUT=${INTEROP_PY_TIMEOUT:-300}
SUITE=interop
. tests/common/suite.sh

if [ ! -x "$BIN" ]; then
	echo "interop: $BIN is missing (run make)"
	echo "0 passed, 1 failed"
	exit 1
fi
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
export SIO_CONFORMANCE_BIN=$BIN
# The allocation test: the bench server with the counter preloaded (not
# built under the sanitizers: that test is skipped there).
[ -x "$B/examples/bench" ] && export SIO_BENCH_BIN=$PWD/$B/examples/bench
[ -f "$B/tests/interop/alloc_count.so" ] &&
	export SIO_ALLOC_COUNT_SO=$PWD/$B/tests/interop/alloc_count.so
# The socket data, disconnect and middleware server (hooks.test.mjs),
# built by make test-build.
HOOKS=$B/tests/interop/hooks_server
case $HOOKS in /*) ;; *) HOOKS=$PWD/$HOOKS ;; esac
[ -x "$HOOKS" ] || echo "interop: $HOOKS is missing (run make test-build)"
export SIO_HOOKS_BIN=$HOOKS
# The chat tests: without the chat server they count one failure and the
# rest still runs.
node_files=(tests/interop/*.test.mjs)
py_modules=(test_python_client test_tls_python test_hooks_python)
# The bench server's events with python-socketio (test_bench_python.py).
if [ -n "${SIO_BENCH_BIN:-}" ]; then
	py_modules+=(test_bench_python)
else
	echo "interop: $B/examples/bench is missing (run make); its python test not run"
	fail=$((fail + 1))
fi
if [ -x "$CHAT" ]; then
	case $CHAT in /*) ;; *) CHAT=$PWD/$CHAT ;; esac
	export SIO_CHAT_BIN=$CHAT
	py_modules+=(test_chat_python)
else
	echo "interop: $CHAT is missing (run make); chat tests not run"
	fail=$((fail + 1))
	node_files=()
	for f in tests/interop/*.test.mjs; do
		case $f in */chat*.test.mjs) ;; *) node_files+=("$f") ;; esac
	done
fi
# The login tests (login.test.mjs, test_login_python.py and, with Debian's
# python3-flask, test_flask_cross.py): likewise without the login server.
LOGIN=$B/examples/login
if [ -x "$LOGIN" ]; then
	case $LOGIN in /*) ;; *) LOGIN=$PWD/$LOGIN ;; esac
	export SIO_LOGIN_BIN=$LOGIN
	py_modules+=(test_login_python)
	if "$PY" -c 'import flask' 2>/dev/null; then
		py_modules+=(test_flask_cross)
	else
		echo "interop: $PY lacks python3-flask (run make deps); Flask cross test not run"
		fail=$((fail + 1))
	fi
else
	if [ -d examples/login ]; then
		echo "interop: $LOGIN is missing (run make); login tests not run"
		fail=$((fail + 1))
	fi
	kept=()
	for f in "${node_files[@]}"; do
		case $f in */login.test.mjs) ;; *) kept+=("$f") ;; esac
	done
	node_files=("${kept[@]}")
fi
# The chat load test opens 1,000 sockets (one descriptor each in this
# shell's node and in the server): raise the soft limit of this shell
# (never the system's) when it is lower than that needs.
soft=$(ulimit -Sn) hard=$(ulimit -Hn)
if [ "$soft" != unlimited ] && [ "$soft" -lt 4096 ]; then
	if [ "$hard" = unlimited ] || [ "$hard" -ge 4096 ]; then
		ulimit -Sn 4096
	else
		ulimit -Sn "$hard"
	fi
fi
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
		--test-reporter=tap "${node_files[@]}" >"$log" 2>&1
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
		-v "${py_modules[@]}") >"$log" 2>&1
	rc=$?
	read -r p bad < <(unittest_counts "$log" "$rc")
	[ "$bad" != 0 ] && grep -vE ' \.\.\. ok$' "$log" | tail -150
	echo "interop python: $p passed, $bad failed"
	pass=$((pass + p)) fail=$((fail + bad))
	rm -f "$log"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
