#!/usr/bin/env bash
# Replays each fuzz target's corpus (tests/fuzz/corpus/NAME) through the
# plain-driver build DIR/tests/fuzz/replay_NAME: one test per input file.
set -uo pipefail
B=${1:-build}
pass=0 fail=0
for r in "$B"/tests/fuzz/replay_*; do
	[ -x "$r" ] || continue
	name=${r##*/replay_}
	for f in tests/fuzz/corpus/"$name"/*; do
		[ -f "$f" ] || continue
		if timeout 30 "$r" "$f" >/dev/null 2>&1; then
			pass=$((pass + 1))
		else
			echo "FAIL fuzz $name: $f"
			fail=$((fail + 1))
		fi
	done
done
echo "$pass passed, $fail failed"
