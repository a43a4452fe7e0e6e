#!/usr/bin/env bash
# The Redis cluster suite: sioc chat and probe servers, Node socket.io 4
# servers with @socket.io/redis-adapter 8.x and @socket.io/redis-emitter
# 5.x share one private redis-server (each test file starts its own on a
# free port, no persistence, and stops it by its PID).
#   tests/redis/*.test.mjs   node --test
#   tests/interop/chat.test.mjs again, against chat --redis
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

# The chat's own interop tests (tests/interop/chat.test.mjs) against the
# chat with --redis, one process and a Redis: per socket, everything as
# without Redis.
tmp=$(mktemp -d)
rport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/redis-server --port "$rport" --bind 127.0.0.1 --save '' \
	--appendonly no --dir "$tmp" >/dev/null 2>&1 &
rpid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break; sleep 0.1; done
printf '#!/bin/sh\nexec %s "$@" --redis redis://127.0.0.1:%s\n' \
	"$SIO_CHAT_BIN" "$rport" >"$tmp/chat"
chmod +x "$tmp/chat"
log=$(mktemp)
SIO_CHAT_BIN=$tmp/chat timeout --kill-after=10 300 "$NODE" --test \
	--test-reporter=tap tests/interop/chat.test.mjs >"$log" 2>&1
rc=$?
p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -1)
f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -1)
if [ -z "$p" ] || [ -z "$f" ]; then
	echo "redis: chat.test.mjs with --redis gave no summary (exit $rc)"
	tail -40 "$log"
	p=0 f=1
fi
[ "$f" != 0 ] && awk '/^ *not ok /{p=1} /^ *ok /{p=0} p' "$log" | head -200
[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
echo "redis: chat.test.mjs with --redis: $p passed, $f failed"
pass=$((pass + p)) fail=$((fail + f))
kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null
rm -rf "$tmp" "$log"
finish
