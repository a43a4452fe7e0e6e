#!/usr/bin/env bash
# cmocka unit tests: every DIR/tests/unit/test_* binary, TAP output.
set -uo pipefail
B=${1:-build}
pass=0 fail=0 skipped=0
for t in "$B"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$t" 2>&1)
	rc=$?
	p=$(grep -cE '^ok ' <<<"$out")
	# cmocka's TAP writes a skipped test as "not ok N # SKIP name".
	sk=$(grep -cE '^not ok [0-9]+ # SKIP' <<<"$out")
	f=$(($(grep -cE '^not ok ' <<<"$out") - sk))
	skipped=$((skipped + sk))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	[ "$f" != 0 ] && { echo "$out" | grep -vE '^ok '; }
	echo "unit $(basename "$t"): $p passed, $f failed"
	pass=$((pass + p)) fail=$((fail + f))
done
echo "$pass passed, $fail failed, $skipped skipped"
