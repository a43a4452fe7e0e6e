# tests/common/suite.sh - sourced by a suite's run.sh after it sets SUITE
# (the name its FAIL lines carry): the counters, ok, bad NAME [LOG] (a
# failure, with the head of LOG), finish (the closing "N passed, N
# failed" line and the exit status) and need FILE... (finish at once,
# one failure, when a tool is not there).
pass=0 fail=0

ok() { pass=$((pass + 1)); }

bad() {
	echo "FAIL $SUITE $1"
	fail=$((fail + 1))
	if [ -n "${2:-}" ] && [ -f "$2" ]; then head -20 "$2"; fi
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

need() {
	local f
	for f in "$@"; do
		if [ ! -x "$f" ]; then
			bad "$f is missing (make; scripts/deps.sh)"
			finish
		fi
	done
}

# unittest_counts LOG RC: "PASSED FAILED" of a `python3 -m unittest -v`
# run from its log and exit status; a run without a summary, or that
# failed without saying which test, counts one failure.
unittest_counts() {
	local log=$1 rc=$2 ran bad=0 line n k
	ran=$(sed -nE 's/^Ran ([0-9]+) tests? in .*/\1/p' "$log" | tail -1)
	if line=$(grep -E '^FAILED \(' "$log" | tail -1); then
		for k in failures errors; do
			n=$(sed -nE "s/.*[(, ]$k=([0-9]+).*/\1/p" <<<"$line")
			bad=$((bad + ${n:-0}))
		done
	fi
	if [ -z "$ran" ]; then
		ran=1 bad=1
	elif [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
		ran=$((ran + 1)) bad=1
	fi
	echo "$((ran - bad)) $bad"
}
