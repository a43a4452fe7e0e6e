#!/usr/bin/env bash
# Cross-framework check of the session cookie codec with a real Flask
# (Debian python3-flask): Flask opens our cookies and tokens, we open
# Flask's, byte for byte. Needs BUILD/tests/unit/test_cookie.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
if [ ! -x "$B/tests/unit/test_cookie" ]; then
	echo "flask: $B/tests/unit/test_cookie is missing (make test-build)"
	echo "0 passed, 1 failed"
	exit 1
fi
exec timeout 300 /usr/bin/python3 tests/unit/fixtures/check_with_flask.py "$B"
