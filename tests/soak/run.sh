#!/usr/bin/env bash
# Soak, short version (make soak runs the long one): rounds of socket.io
# clients churn through examples/chat for SOAK_SECONDS (default 60, 30
# sanitized, at least 8 rounds); the
# server's RSS (plain build only: the sanitizers' allocator keeps
# freed memory in quarantine) and descriptors must stay flat, every
# client must do its work, and the server must exit 0 (under ASan: no
# leak, no memory error).
# Usage: tests/soak/run.sh BUILD_DIR   (build or build/san)
# Ends with one line "N passed, N failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
SUITE=soak
. tests/common/suite.sh
CHAT=$B/examples/chat
NODE=${NODE:-$(command -v node || echo /usr/bin/node)}
need "$CHAT" "$NODE"
[ -d tests/node_modules/socket.io-client ] || {
	bad "tests/node_modules/socket.io-client is missing (make deps)"
	finish
}
rss=--check-rss seconds=${SOAK_SECONDS:-60}
# Sanitized: memory errors and leaks are what it is for; half the time.
case $B in *san*) rss= seconds=${SOAK_SECONDS:-30} ;; esac
log=$(mktemp)
timeout --kill-after=10 $((seconds + 240)) "$NODE" tests/soak/soak.mjs \
	--bin "$CHAT" --seconds "$seconds" --clients "${SOAK_CLIENTS:-200}" \
	$rss | tee "$log"
rc=${PIPESTATUS[0]}
while read -r line; do
	case $line in
	"ok - "*) ok ;;
	"not ok - "*) bad "${line#not ok - }" ;;
	esac
done <"$log"
[ "$rc" = 0 ] || [ "$fail" != 0 ] || bad "soak exited $rc"
rm -f "$log"
finish
