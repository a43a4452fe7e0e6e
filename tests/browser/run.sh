#!/usr/bin/env bash
# Browser tests: the chat page (examples/chat/www) and the Socket.IO admin
# UI's page (npm @socket.io/admin-ui, against chat --admin) in headless
# Chromium, Debian's /usr/bin/chromium driven by playwright-core from
# tests/node_modules (no downloaded browser). Screenshots go to
# BUILD_DIR/browser/ (chat-a.png, chat-b.png, chat-phone.png,
# admin-sockets.png).
# Usage: tests/browser/run.sh BUILD_DIR   (build or build/san)
# Ends with one line "N passed, N failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
CHAT=$B/examples/chat
NODE=${NODE:-$(command -v node || echo /usr/bin/node)}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
TIMEOUT=${BROWSER_TIMEOUT:-300}

missing=
[ -x "$CHAT" ] || missing="$CHAT (run make)"
[ -x "$CHROMIUM" ] || missing="$CHROMIUM (run make deps: Debian package chromium)"
[ -d tests/node_modules/playwright-core ] || missing="tests/node_modules/playwright-core (run make deps)"
[ -f tests/node_modules/socket.io-client/dist/socket.io.js ] ||
	missing="tests/node_modules/socket.io-client (run make deps)"
[ -f tests/node_modules/@socket.io/admin-ui/ui/dist/index.html ] ||
	missing="tests/node_modules/@socket.io/admin-ui (run make deps)"
if [ -n "$missing" ]; then
	echo "browser: missing $missing"
	echo "0 passed, 1 failed"
	exit 1
fi
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
export SIO_CHAT_BIN=$(abs "$CHAT")
export SIO_BROWSER_OUT=$(abs "$B/browser")
export CHROMIUM
# A sanitized server: report leaks, and fail its exit code on any report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$SIO_BROWSER_OUT"

log=$(mktemp)
timeout --kill-after=10 "$TIMEOUT" "$NODE" --test --test-reporter=tap \
	tests/browser/*.test.mjs >"$log" 2>&1
rc=$?
p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -1)
f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -1)
c=$(sed -nE 's/^# cancelled ([0-9]+)$/\1/p' "$log" | tail -1)
if [ -z "$p" ] || [ -z "$f" ]; then
	echo "browser: node --test gave no summary (exit $rc)"
	tail -40 "$log"
	p=${p:-0} f=1 c=0
fi
f=$((f + ${c:-0}))
if [ "$f" != 0 ]; then
	awk '/^ *not ok /{p=1} /^ *ok /{p=0} p' "$log" | head -300
elif [ "$rc" != 0 ]; then
	echo "browser: node --test exited $rc"
	tail -40 "$log"
	f=1
fi
grep -E '^ *ok ' "$log" | sed 's/^ */  /'
[ "$f" = 0 ] && echo "browser: screenshots in $SIO_BROWSER_OUT"
rm -f "$log"
echo "$p passed, $f failed"
[ "$f" = 0 ]
