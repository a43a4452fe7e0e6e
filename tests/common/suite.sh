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
