#!/usr/bin/env bash
# The layering and ABI guard: reads the symbols of the built objects of
# runtime/src/<layer>/ and of libsio.so (tests/layers/check.py).
# Usage: tests/layers/run.sh BUILD_DIR. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tests/layers/check.py "${1:-build}"
