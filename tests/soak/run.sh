#!/usr/bin/env bash
# The soak suite: examples/chat under churn for SOAK_SECONDS (default 60;
# make soak: 1800), RSS and open descriptors printed per round and
# required flat after the warm-up (tests/soak/soak.mjs). Plain build only:
# under the sanitizers memory is theirs to manage, not the server's.
#   tests/soak/run.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
case $B in
*/san | san)
	echo "soak: not run under sanitizers"
	echo "0 passed, 0 failed"
	exit 0
	;;
esac
CHAT=$B/examples/chat
if [ ! -x "$CHAT" ]; then
	echo "soak: $CHAT is missing (run make)"
	echo "0 passed, 1 failed"
	exit 1
fi
case $CHAT in /*) ;; *) CHAT=$PWD/$CHAT ;; esac
NODE=${NODE:-$(command -v node || echo /usr/bin/node)}
SECS=${SOAK_SECONDS:-60}
SIO_CHAT_BIN=$CHAT SOAK_SECONDS=$SECS timeout $((SECS + 120)) "$NODE" tests/soak/soak.mjs
rc=$?
[ $rc = 0 ] || echo "soak: exit $rc"
