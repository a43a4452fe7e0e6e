#!/usr/bin/env bash
# The poll (docs/examples.md, "poll"): one scenario, run by
# socket.io-client (tests/poll/poll.test.mjs) and by python-socketio's
# client (test_poll_python.py), against the C server, the Flask-SocketIO
# peer and the Node socket.io peer, and the page in headless Chromium
# (page.test.mjs). On the plain build the C server is built the way a
# user outside the tree builds it: make install into a temporary prefix,
# then examples/poll/Makefile in a copy of the folder, with the installed
# sioc and pkg-config; on build/san, BUILD/examples/poll is used.
# Prints the hand-written line counts of the three (pages left out of
# all three, as are build files: the C Makefile, a package.json).
# Usage: tests/poll/run.sh BUILD_DIR. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
SUITE=poll
. tests/common/suite.sh
NODE=${NODE:-$(command -v node || echo /usr/bin/node)}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
need "$NODE" /usr/bin/python3 "$CHROMIUM"
for d in tests/node_modules/socket.io-client tests/node_modules/playwright-core \
	tests/bench/node_modules/socket.io; do
	[ -d "$d" ] || { bad "$d is missing (make deps)"; finish; }
done
/usr/bin/python3 -c 'import flask_socketio, socketio, websocket' 2>/dev/null ||
	{ bad "python3-flask-socketio or python3-socketio is missing (make deps)"; finish; }

count() { /usr/bin/python3 tests/poll/count.py "$@"; }
c=$(count examples/poll/main.c examples/poll/poll.sio)
flask=$(count examples/poll/peers/flask/app.py)
node=$(count examples/poll/peers/node/server.js)
echo "poll: hand-written lines (non-blank, non-comment; pages and build files excluded):"
echo "poll:   C (main.c + poll.sio)     $c"
echo "poll:   Flask-SocketIO (app.py)   $flask"
echo "poll:   Node socket.io (server.js) $node"
echo "poll:   C / Flask = $(awk -v a="$c" -v b="$flask" 'BEGIN { printf "%.3f", a / b }')"
# The C version's goal: at most 1.2 times Flask's lines.
if [ "$c" -gt 0 ] && [ "$flask" -gt 0 ] && [ $((c * 5)) -le $((flask * 6)) ]; then
	ok
else
	bad "C's $c lines are more than 1.2 times Flask's $flask"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$B" = build ]; then
	prefix=$work/prefix
	if make -s install PREFIX="$prefix" >"$work/install.log" 2>&1; then
		ok
	else
		bad "make install" "$work/install.log"
		finish
	fi
	cp -r examples/poll "$work/app"
	rm -rf "$work/app/peers" "$work/app/example.mk"
	if PATH="$prefix/bin:$PATH" PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
		make -s -C "$work/app" >"$work/build.log" 2>&1 && [ -x "$work/app/poll" ]; then
		ok
	else
		bad "examples/poll/Makefile against the installed sioc" "$work/build.log"
		finish
	fi
	export POLL_C_BIN=$work/app/poll POLL_WWW=$work/app/www
else
	need "$B/examples/poll"
	export POLL_C_BIN=$PWD/$B/examples/poll POLL_WWW=$PWD/examples/poll/www
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
export POLL_NODE_PATH=$PWD/tests/bench/node_modules

log=$work/node.log
timeout --kill-after=10 300 "$NODE" --test --test-reporter=tap \
	tests/poll/poll.test.mjs tests/poll/page.test.mjs >"$log" 2>&1
rc=$?
p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -1)
f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -1)
x=$(sed -nE 's/^# cancelled ([0-9]+)$/\1/p' "$log" | tail -1)
if [ -z "$p" ] || [ -z "$f" ]; then
	bad "node --test gave no summary (exit $rc)" "$log"
	finish
fi
grep -E '^ *ok ' "$log" | sed 's/^ */  /'
pass=$((pass + p))
for _ in $(seq 1 $((f + ${x:-0}))); do bad "a test failed (above)"; done
if [ $((f + ${x:-0})) != 0 ]; then
	awk '/^ *not ok /{p=1} /^ *ok /{p=0} p' "$log" | head -200
elif [ "$rc" != 0 ]; then
	bad "node --test exited $rc" "$log"
fi

# The same scenario with python-socketio's client (test_poll_python.py).
log=$work/python.log
NODE=$NODE timeout --kill-after=10 300 /usr/bin/python3 -m unittest -v \
	tests/poll/test_poll_python.py >"$log" 2>&1
rc=$?
read -r p f < <(unittest_counts "$log" "$rc")
grep -E ' \.\.\. ok$' "$log" | sed 's/^/  /'
pass=$((pass + p))
for _ in $(seq 1 "$f"); do bad "a python test failed (below)"; done
[ "$f" != 0 ] && grep -vE ' \.\.\. ok$' "$log" | tail -150
finish
