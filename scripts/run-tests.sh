#!/usr/bin/env bash
# Runs every test suite against one or more build folders and ends with
# one line "N passed, N failed".
#   scripts/run-tests.sh BUILD_DIR [BUILD_DIR...]
# A suite is an executable tests/<suite>/run.sh: it gets the build folder
# as $1, prints what it likes, and ends with a line "N passed, N failed".
# A suite that ends otherwise, times out or exits non-zero with no failure
# counted adds one failure.
set -uo pipefail
cd "$(dirname "$0")/.."
SUITE_TIMEOUT=${SUITE_TIMEOUT:-900}
total_pass=0
total_fail=0
for build in "$@"; do
	for runner in tests/*/run.sh; do
		suite=$(basename "$(dirname "$runner")")
		[ -x "$runner" ] || continue
		echo "=== $suite ($build)"
		log=$(mktemp)
		timeout --kill-after=10 "$SUITE_TIMEOUT" "$runner" "$build" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
		rm -f "$log"
		if [ -z "$line" ]; then
			echo "=== $suite ($build): no summary line (exit $rc)"
			total_fail=$((total_fail + 1))
			continue
		fi
		p=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			echo "=== $suite ($build): exit $rc"
			f=1
		fi
		echo "=== $suite ($build): $p passed, $f failed"
		total_pass=$((total_pass + p))
		total_fail=$((total_fail + f))
	done
done
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
