#!/usr/bin/env bash
# The bench tools' smoke test (a suite of scripts/run-tests.sh):
#   tests/bench/run.sh BUILD_DIR
# Runs the load generator once at tiny size in each mode against the bare
# lws peer and, when it is built, sioc's BUILD_DIR/examples/bench; then
# against liar.py, which breaks the protocol in one way each, and no
# server at all: each must end in its exit status.  Checks exit statuses
# and RESULT lines, never times.  Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${1:-build}
LOADGEN=$BUILD/bench/loadgen
LWS_ECHO=$BUILD/bench/lws_echo
SIOC_BIN=$BUILD/examples/bench
PY=$(command -v python3 || echo /usr/bin/python3)
pass=0
fail=0
SRV_PID=

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "FAIL - $1"; }

build_tools() {
	local args=(-s --no-print-directory)
	[[ $BUILD == */san ]] && args+=(SAN=1)
	grep -q 'tests/bench/bench.mk' Makefile ||
		args+=(-f Makefile -f tests/bench/bench.mk)
	make "${args[@]}" B="$BUILD" bench-tools
}

# Starts "$@" and sets SRV_PID and SRV_PORT from its "listening on" line.
start_server() {
	local log
	log=$(mktemp)
	"$@" >"$log" 2>&1 &
	SRV_PID=$!
	SRV_PORT=
	for ((i = 0; i < 200; i++)); do
		SRV_PORT=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$log" | head -1)
		[ -n "$SRV_PORT" ] && break
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$log"
	[ -n "$SRV_PORT" ]
}

stop_server() {
	[ -n "$SRV_PID" ] || return 0
	kill -TERM "$SRV_PID" 2>/dev/null
	for ((i = 0; i < 60; i++)); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}
trap stop_server EXIT

# expect NAME STATUS KEY... -- LOADGEN_ARGS: runs the load generator and
# checks its exit status, its RESULT line and that the line has each KEY.
expect() {
	local name=$1 want=$2 keys=() out rc line k
	shift 2
	while [ "$1" != "--" ]; do
		keys+=("$1")
		shift
	done
	shift
	out=$(timeout --kill-after=5 60 "$LOADGEN" "$@" 2>&1)
	rc=$?
	line=$(grep '^RESULT ' <<<"$out" | tail -1)
	if [ "$rc" != "$want" ]; then
		not_ok "$name: exit $rc, expected $want"
		sed 's/^/    /' <<<"$out" | tail -5
		return
	fi
	if [ "$want" != 1 ] && [ -z "$line" ]; then
		not_ok "$name: no RESULT line"
		return
	fi
	for k in "${keys[@]}"; do
		if ! grep -q " $k=" <<<"$line"; then
			not_ok "$name: RESULT has no $k: $line"
			return
		fi
	done
	ok "$name"
}

# Every mode, tiny, against a server that speaks the protocol.
modes_against() {
	local who=$1
	shift
	if ! start_server "$@"; then
		not_ok "$who: server did not start"
		stop_server
		return
	fi
	local s=(--port "$SRV_PORT" --server-pid "$SRV_PID")
	expect "$who echo" 0 msgs_per_s p50_us p99_us cpu_us_per_msg -- \
		echo -c 3 -w 2 -d 0.3 --warmup 0.1 -s 40 "${s[@]}"
	expect "$who rtt" 0 msgs_per_s p50_us p99_us -- \
		rtt -d 0.3 --warmup 0.1 "${s[@]}"
	expect "$who fanout" 0 deliveries_per_s p50_us -- \
		fanout -c 20 -n 20 -s 24 "${s[@]}"
	expect "$who fanout, 2 threads, 3 in flight" 0 deliveries_per_s -- \
		fanout -c 30 -n 30 -w 3 -t 2 "${s[@]}"
	# A cluster's options on one server: the port listed twice, a room.
	expect "$who fanout --ports --room" 0 deliveries_per_s -- \
		fanout -c 20 -n 20 -s 24 --ports "$SRV_PORT,$SRV_PORT" --room g_1 \
		"${s[@]}"
	expect "$who echo, 2 threads" 0 msgs_per_s -- \
		echo -c 4 -w 3 -t 2 -d 0.3 --warmup 0.1 -s 300 "${s[@]}"
	expect "$who connect" 0 conns_per_s rss_kib_per_conn -- \
		connect -c 50 -P 8 --hold 0.2 "${s[@]}"
	stop_server
}

# A protocol violation from liar.py must end in status $2.
liar_case() {
	local mode=$1 want=$2
	shift 2
	if ! start_server "$PY" tests/bench/peers/liar.py "$mode" 0; then
		not_ok "liar $mode: server did not start"
		stop_server
		return
	fi
	expect "liar $mode: exit $want" "$want" -- "$@" --port "$SRV_PORT"
	stop_server
}

# make bench's crowds table at tiny size: every cell of the sioc and
# bare lws (libev) rows filled with a number.
crowd_smoke() {
	local out row srv cells
	out=$(mktemp -d)
	BENCH_OUT=$out BENCH_BUILD=$BUILD BENCH_NO_INSTALL=1 BENCH_CROWD=only BENCH_RUNS=1 \
		BENCH_QUICK=1 BENCH_CROWD_IDLE=200 BENCH_CROWD_LEVELS="50 150" \
		BENCH_CROWD_SERVERS="sioc lws-ev" timeout --kill-after=5 240 \
		scripts/bench.sh >"$out/stdout" 2>"$out/stderr"
	for srv in "sioc" "bare lws, libev"; do
		row=$(grep -F "| $srv |" "$out/table.md" 2>/dev/null | head -1)
		cells=$(awk -F'|' '{ n = 0; for (i = 3; i < NF; i++)
			if ($i ~ /^ *[0-9.]+(k|M|×)? *$/) n++; print n }' <<<"$row")
		if [ "${cells:-0}" = 8 ]; then
			ok "crowds table: $srv"
		else
			not_ok "crowds table: $srv: ${row:-no row}"
			tail -5 "$out/stderr" | sed 's/^/    /'
		fi
	done
	rm -rf "$out"
}

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

main() {
	if ! build_tools || [ ! -x "$LOADGEN" ] || [ ! -x "$LWS_ECHO" ]; then
		not_ok "build the bench tools (make bench-tools)"
		echo "$pass passed, $fail failed"
		exit 1
	fi
	modes_against "lws" "$LWS_ECHO" 0
	modes_against "lws on libev" "$LWS_ECHO" --loop ev 0
	modes_against "lws on libuv" "$LWS_ECHO" --loop uv 0
	if [ -x "$SIOC_BIN" ]; then
		modes_against "sioc" "$SIOC_BIN" --host 127.0.0.1 --port 0
		modes_against "sioc on poll(2)" "$SIOC_BIN" --host 127.0.0.1 \
			--port 0 --loop poll
		crowd_smoke
	else
		echo "# $SIOC_BIN not built: sioc cases skipped"
	fi
	liar_case pinger 0 echo -c 2 -w 2 -d 0.3 --warmup 0
	liar_case silent 4 echo -c 1 -d 0.2 --warmup 0 --timeout 0.5
	liar_case bad-accept 3 echo -c 1 -d 0.2 --warmup 0
	liar_case wrong-ack 3 echo -c 2 -w 4 -d 0.5 --warmup 0
	liar_case lost-tick 3 fanout -c 3 -n 20 --timeout 1
	liar_case lost-tick 3 fanout -c 3 -n 20 -w 4 --timeout 1
	expect "nothing listening: exit 2" 2 -- \
		echo -c 1 -d 0.2 --port "$(free_port)"
	expect "unknown mode: exit 1" 1 -- bogus
	expect "fanout -s 20: exit 1" 1 -- fanout -s 20
	expect "--room with a quote: exit 1" 1 -- fanout --room 'a"b'
	expect "--ports 0: exit 1" 1 -- fanout --ports 80,0
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}

main
