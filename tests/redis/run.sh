#!/usr/bin/env bash
# The Redis cluster suite: sioc chat and probe servers, Node socket.io 4
# servers with @socket.io/redis-adapter 8.x and @socket.io/redis-emitter
# 5.x share one private redis-server (each test file starts its own on a
# free port, no persistence, and stops it by its PID).
#   tests/redis/*.test.mjs   node --test
# Usage: tests/redis/run.sh BUILD_DIR   (build or build/san)
# Ends with one line "N passed, N failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
SUITE=redis
. tests/common/suite.sh
B=${1:-build}
NODE=${NODE:-$(command -v node || echo /usr/bin/node)}
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
need "$B/examples/chat" "$B/tests/redis/probe" /usr/bin/redis-server
for m in socket.io @socket.io/redis-adapter @socket.io/redis-emitter redis; do
	if [ ! -d "tests/node_modules/$m" ]; then
		bad "tests/node_modules/$m is missing (make deps)"
		finish
	fi
done
export SIO_CHAT_BIN=$(abs "$B/examples/chat")
export SIO_REDIS_PROBE=$(abs "$B/tests/redis/probe")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

log=$(mktemp)
timeout --kill-after=10 "${REDIS_NODE_TIMEOUT:-600}" "$NODE" --test \
	--test-concurrency=1 --test-reporter=tap tests/redis/*.test.mjs >"$log" 2>&1
rc=$?
p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -1)
f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -1)
c=$(sed -nE 's/^# cancelled ([0-9]+)$/\1/p' "$log" | tail -1)
if [ -z "$p" ] || [ -z "$f" ]; then
	echo "redis: node --test gave no summary (exit $rc)"
	tail -40 "$log"
	p=0 f=1 c=0
fi
f=$((f + ${c:-0}))
[ "$f" != 0 ] && awk '/^ *not ok /{p=1} /^ *ok /{p=0} p' "$log" | head -300
if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
	echo "redis: node --test exited $rc"
	tail -40 "$log"
	f=1
fi
rm -f "$log"
pass=$((pass + p)) fail=$((fail + f))
finish
