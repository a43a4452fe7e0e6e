#!/usr/bin/env bash
# The fuzz suite, on build folder DIR (default build):
#  - replays each target's corpus (tests/fuzz/corpus/NAME) through the
#    plain-driver build DIR/tests/fuzz/replay_NAME: one test per input;
#  - then, where DIR/fuzz holds the libFuzzer builds (the plain build
#    with clang: once per make test, not per build), a short campaign of
#    every target, twice: a fixed seed, then a random one (printed, so a
#    failure can be run again with FUZZ_SEED=N). One test per run.
# FUZZ_SECONDS bounds each run (default 4), FUZZ_CAMPAIGN_RUNS its runs.
set -uo pipefail
B=${1:-build}
SECS=${FUZZ_SECONDS:-4}
RUNS=${FUZZ_CAMPAIGN_RUNS:-100000}
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

campaign() { # NAME SEED
	local bin=$B/fuzz/fuzz_$1 work log
	work=$(mktemp -d)
	log=$work/log
	mkdir -p "$work/corpus" "$B/fuzz/crashes"
	if timeout $((SECS + 60)) "$bin" -seed="$2" -runs="$RUNS" \
		-max_total_time="$SECS" -max_len=4096 -timeout=10 \
		-artifact_prefix="$B/fuzz/crashes/$1-" \
		"$work/corpus" "tests/fuzz/corpus/$1" >"$log" 2>&1; then
		echo "ok fuzz $1 seed $2: $(grep -o 'Done [0-9]* runs' "$log")"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz $1 seed $2 (FUZZ_SEED=$2; input in $B/fuzz/crashes):"
		grep -E 'ERROR|SUMMARY|Test unit written|Base64' "$log" | head -5
		fail=$((fail + 1))
	fi
	rm -rf "$work"
}

if [ -d "$B/fuzz" ]; then
	random=${FUZZ_SEED:-$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')}
	for bin in "$B"/fuzz/fuzz_*; do
		[ -x "$bin" ] && [ "${bin%.d}" = "$bin" ] || continue
		name=${bin##*/fuzz_}
		campaign "$name" 1
		campaign "$name" "$((random + 1))"
	done
fi
echo "$pass passed, $fail failed"
