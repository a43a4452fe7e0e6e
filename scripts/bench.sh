#!/usr/bin/env bash
# make bench: every scenario of docs/bench.md against every
# server - sioc (build/examples/bench), Node socket.io, Flask-SocketIO and
# the bare libwebsockets floor - and one table of medians with sioc's ratio
# to each.
#
#   scripts/bench.sh            (make bench)
#
# Environment:
#   BENCH_RUNS=3          runs per scenario and server (median and spread)
#   BENCH_QUICK=1         short runs, for a fast pass (about 2 minutes)
#   BENCH_SERVERS="sioc sioc-raw sioc-poll node flask lws lws-ev"
#                         columns to run (sioc-raw: the same server
#                         with raw json_t handlers, in the typed vs raw
#                         table; sioc-poll and lws-ev: the same-loop
#                         table, sioc and lws each on poll(2) and libev)
#   BENCH_MULTI=1         echo with 1 and 2 sioc processes sharing a
#                         port (--reuse-port, one loop each); 0 skips it
#   BENCH_IDLE100K=1      also 100,000 idle connections (sioc and lws;
#                         BENCH_IDLE100K_SERVERS), from several loopback
#                         source addresses; =only for that scenario alone
#   BENCH_CROWD=1         crowds: echo with BENCH_CROWD_IDLE (12000) idle
#                         connections held, and server CPU per handshake
#                         with BENCH_CROWD_LEVELS ("2000 8000 16000") held,
#                         for BENCH_CROWD_SERVERS; 0 skips it, =only runs
#                         it alone
#   BENCH_CLUSTER=1       fanout across 1, 2 and 4 processes sharing one
#                         Redis (loadgen --ports), sioc's bench server
#                         and Node's peer with @socket.io/redis-adapter;
#                         0 skips it, =only runs it alone
#   BENCH_BUILD=build     the build folder
#   BENCH_OUT=DIR         where the results go ($BENCH_BUILD/bench)
#   BENCH_NO_INSTALL=1    do not install the peers' packages
#   SIOC_BENCH_ARGS       how to start sioc's server ("--host 127.0.0.1
#                         --port 0"); it must print "listening on
#                         http://127.0.0.1:PORT"
#
# Each run gets a fresh server, pinned to CPU 0 and the load generator to
# CPU 1 (when there are two). Writes to $BENCH_BUILD/bench/: table.md,
# results.csv (one row per run and metric), raw.log (the RESULT lines),
# bench.png (with gnuplot), server logs.
set -uo pipefail
cd "$(dirname "$0")/.."

B=${BENCH_BUILD:-build}
OUT=${BENCH_OUT:-$B/bench}
RUNS=${BENCH_RUNS:-3}
QUICK=${BENCH_QUICK:-0}
SERVERS=${BENCH_SERVERS:-sioc sioc-raw sioc-poll node flask lws lws-ev}
LOADGEN=$B/bench/loadgen
LWS_ECHO=$B/bench/lws_echo
SIOC_BIN=$B/examples/bench
read -r -a SIOC_ARGS <<<"${SIOC_BENCH_ARGS:---host 127.0.0.1 --port 0}"
PY=/usr/bin/python3 # Debian's, with python3-flask-socketio

declare -A NOTE   # server -> why its column is empty
declare -A LABEL=([sioc]="sioc" [node]="Node socket.io"
	[flask]="Flask-SocketIO" [lws]="bare lws"
	[sioc-raw]="sioc, raw json_t handlers"
	[sioc-poll]="sioc, poll(2) loop" [lws-ev]="bare lws, libev"
	[lws-uv]="bare lws, libuv")

say() { echo "bench: $*" >&2; }

# ---- setup -----------------------------------------------------------------

# Debian packages of the peers (tests/bench/deps.txt), when root; npm
# packages from the lock file.
install_peers() {
	local missing=() p
	while read -r p; do
		[ -z "$p" ] && continue
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing+=("$p")
	done < <(grep -v '^#' tests/bench/deps.txt)
	if [ ${#missing[@]} -gt 0 ]; then
		if [ "$(id -u)" = 0 ]; then
			say "installing ${missing[*]}"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends "${missing[@]}" >/dev/null ||
				{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
					apt-get install -y -qq --no-install-recommends \
					"${missing[@]}" >/dev/null; } ||
				say "could not install ${missing[*]}"
		else
			say "missing ${missing[*]} (not root: sudo apt-get install them)"
		fi
	fi
	local stamp=tests/bench/node_modules/.sioc-lock-stamp
	if command -v npm >/dev/null && { [ ! -f "$stamp" ] ||
		! cmp -s tests/bench/package-lock.json "$stamp"; }; then
		say "npm ci in tests/bench"
		(cd tests/bench && npm ci --no-audit --no-fund --loglevel=error \
			>/dev/null) && cp tests/bench/package-lock.json "$stamp"
	fi
}

# make with the bench rules, whether or not the Makefile includes them yet.
bench_make() {
	local f=()
	grep -q 'tests/bench/bench.mk' Makefile ||
		f=(-f Makefile -f tests/bench/bench.mk)
	make "${f[@]}" -s --no-print-directory B="$B" "$@"
}

build_tools() {
	bench_make bench-tools >&2 || { say "cannot build the bench tools"; exit 1; }
	if [ -d examples/bench ] && [ -n "$(ls examples/bench)" ]; then
		bench_make "$SIOC_BIN" >&2 || say "building $SIOC_BIN failed"
	fi
}

# Sets CMD to the argv that starts server $1, or NOTE[$1] to why not.
server_cmd() {
	case $1 in
	sioc)
		[ -x "$SIOC_BIN" ] || { NOTE[sioc]="$SIOC_BIN not built yet"; return 1; }
		CMD=("$SIOC_BIN" "${SIOC_ARGS[@]}") ;;
	node)
		[ -d tests/bench/node_modules/socket.io ] && command -v node >/dev/null ||
			{ NOTE[node]="node or tests/bench/node_modules missing"; return 1; }
		CMD=(node tests/bench/peers/node-server.mjs 0) ;;
	flask)
		"$PY" -c 'import flask_socketio, eventlet' 2>/dev/null ||
			{ NOTE[flask]="python3-flask-socketio/python3-eventlet missing"; return 1; }
		CMD=("$PY" tests/bench/peers/flask_server.py 0) ;;
	lws | lws-ev | lws-uv)
		[ -x "$LWS_ECHO" ] || { NOTE[$1]="$LWS_ECHO missing"; return 1; }
		local loop=${1#lws-}
		[ "$loop" = lws ] && loop=poll
		CMD=("$LWS_ECHO" --loop "$loop" 0) ;;
	sioc-raw)
		[ -x "$SIOC_BIN" ] || { NOTE[$1]="$SIOC_BIN not built yet"; return 1; }
		CMD=("$SIOC_BIN" "${SIOC_ARGS[@]}" --raw) ;;
	sioc-poll)
		[ -x "$SIOC_BIN" ] || { NOTE[$1]="$SIOC_BIN not built yet"; return 1; }
		CMD=("$SIOC_BIN" "${SIOC_ARGS[@]}" --loop poll) ;;
	*) NOTE[$1]="unknown server"; return 1 ;;
	esac
}

# ---- one run -----------------------------------------------------------------

PIN_SRV=()
PIN_LG=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	PIN_SRV=(taskset -c 0)
	PIN_LG=(taskset -c 1)
fi

# Starts server $1 (fresh) with its log in $2; sets SRV_PID and SRV_PORT.
start_server() {
	server_cmd "$1" || return 1
	: >"$2"
	"${PIN_SRV[@]}" "${CMD[@]}" >"$2" 2>&1 &
	SRV_PID=$!
	SRV_PORT=
	local i
	for ((i = 0; i < 200; i++)); do
		SRV_PORT=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$2" | head -1)
		[ -n "$SRV_PORT" ] && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	say "$1 did not start (see $2)"
	stop_server
	return 1
}

stop_server() {
	[ -n "${SRV_PID:-}" ] || return 0
	kill -TERM "$SRV_PID" 2>/dev/null
	local i
	for ((i = 0; i < 60; i++)); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}

# The value of key $2 in RESULT line $1.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

# Scenario arguments, scaled by BENCH_QUICK and (fanout) by the server's
# speed, so that each run takes a few seconds.
scenario_args() { # scenario server
	local q=$QUICK
	case $1 in
	echo) [ "$q" = 1 ] && echo "echo -c 50 -w 4 -d 1 --warmup 0.5" ||
		echo "echo -c 50 -w 4 -d 3 --warmup 1" ;;
	rtt) [ "$q" = 1 ] && echo "rtt -d 0.5 --warmup 0.2" ||
		echo "rtt -d 2 --warmup 0.5" ;;
	fanout)
		local n=300
		[ "$2" = node ] && n=150
		[ "$2" = flask ] && n=30
		[ "$q" = 1 ] && n=$((n / 3))
		echo "fanout -c 1000 -n $n -s 32 --timeout 20" ;;
	connect) [ "$q" = 1 ] && echo "connect -c 500 -P 50 --hold 0.5" ||
		echo "connect -c 2000 -P 50 --hold 1" ;;
	esac
}

# Metrics of a scenario's RESULT line that the table shows.
scenario_metrics() {
	case $1 in
	echo) echo "msgs_per_s cpu_us_per_msg server_cpu_pct" ;;
	rtt) echo "p50_us" ;;
	fanout) echo "deliveries_per_s" ;;
	connect) echo "conns_per_s rss_kib_per_conn" ;;
	esac
}

# Runs scenario $2 against a fresh server $1 (run $3); appends to the CSV.
run_one() {
	local srv=$1 sc=$2 run=$3 log="$OUT/server-$1-$2-$3.log" line rc m v
	start_server "$srv" "$log" || return 1
	local -a args
	read -r -a args <<<"$(scenario_args "$sc" "$srv")"
	line=$(timeout --kill-after=5 240 "${PIN_LG[@]}" "$LOADGEN" "${args[@]}" \
		--port "$SRV_PORT" --server-pid "$SRV_PID" 2>>"$OUT/loadgen.err" |
		grep '^RESULT' | tail -1)
	rc=${PIPESTATUS[0]}
	stop_server
	echo "$srv run=$run $line" >>"$OUT/raw.log"
	printf '  %-6s %-8s run %d: %s\n' "$srv" "$sc" "$run" \
		"${line:-no RESULT} (exit $rc)" >&2
	for m in $(scenario_metrics "$sc"); do
		v=$(field "$line" "$m")
		[ "$rc" = 0 ] && [ -n "$v" ] || v="ERR$rc"
		echo "$srv,$sc,$m,$run,$v" >>"$OUT/results.csv"
	done
}

# ---- the table -----------------------------------------------------------------

# Median, spread and count per server and metric, from the CSV:
# "server metric median spread_pct ok runs".
summarize() {
	awk -F, 'NR > 1 {
		k = $1 " " $3; runs[k]++
		if ($5 ~ /^ERR/) next
		n = ++cnt[k]; val[k, n] = $5 + 0
	}
	END {
		for (k in runs) {
			n = cnt[k] + 0
			if (n == 0) { print k, "-", "-", 0, runs[k]; continue }
			for (i = 2; i <= n; i++) {   # insertion sort (mawk)
				x = val[k, i]
				for (j = i - 1; j >= 1 && val[k, j] > x; j--)
					val[k, j + 1] = val[k, j]
				val[k, j + 1] = x
			}
			med = (n % 2) ? val[k, (n + 1) / 2] \
				: (val[k, n / 2] + val[k, n / 2 + 1]) / 2
			sp = med > 0 ? 100 * (val[k, n] - val[k, 1]) / (2 * med) : 0
			printf "%s %.6g %.1f %d %d\n", k, med, sp, n, runs[k]
		}
	}' "$OUT/results.csv"
}

# A number for people: 829k, 1.23M, 56.1.
human() {
	awk -v x="$1" 'BEGIN {
		if (x >= 1e6) printf "%.2fM", x / 1e6
		else if (x >= 1e4) printf "%.0fk", x / 1e3
		else if (x >= 1e3) printf "%.2fk", x / 1e3
		else if (x >= 100) printf "%.0f", x
		else if (x >= 10) printf "%.1f", x
		else printf "%.2f", x
	}'
}

ROWS=("echo 50 conns x 4 in flight: msgs/s (higher is better)|msgs_per_s"
	"echo: server CPU µs per message (lower is better)|cpu_us_per_msg"
	"one at a time: round trip p50 µs (lower is better)|p50_us"
	"fanout to 1000 sockets: deliveries/s (higher is better)|deliveries_per_s"
	"handshakes/s (higher is better)|conns_per_s"
	"idle memory KiB per connection (lower is better)|rss_kib_per_conn")

# Prints the markdown table from summarize's output in $1.
make_table() {
	local sum=$1 row label metric s cell med sp ok runs r
	local cols=(sioc node flask lws)
	printf '| scenario | %s | %s | %s | %s | sioc / Node | sioc / Flask | sioc / lws |\n' \
		"${LABEL[sioc]}" "${LABEL[node]}" "${LABEL[flask]}" "${LABEL[lws]}"
	printf '|---|---|---|---|---|---|---|---|\n'
	for row in "${ROWS[@]}"; do
		label=${row%|*}
		metric=${row#*|}
		declare -A MED=()
		printf '| %s ' "$label"
		for s in "${cols[@]}"; do
			read -r med sp ok runs < <(awk -v s="$s" -v m="$metric" \
				'$1 == s && $2 == m { print $3, $4, $5, $6 }' <<<"$sum")
			if [ -z "${med:-}" ]; then
				cell="–"
			elif [ "$med" = "-" ]; then
				cell="failed"
			else
				MED[$s]=$med
				cell="$(human "$med") ±${sp}%"
				[ "$ok" != "$runs" ] && cell="$cell ($ok of $runs ok)"
			fi
			printf '| %s ' "$cell"
			med=
		done
		for s in node flask lws; do
			if [ -n "${MED[sioc]:-}" ] && [ -n "${MED[$s]:-}" ]; then
				r=$(awk -v a="${MED[sioc]}" -v b="${MED[$s]}" \
					'BEGIN { if (b > 0) printf "%.2f×", a / b; else printf "–" }')
			else
				r="–"
			fi
			printf '| %s ' "$r"
		done
		printf '|\n'
		unset MED
	done
}

# A PNG: one panel per row, the four servers' medians as bars.
make_plot() {
	command -v gnuplot >/dev/null || return 0
	local sum=$1 i=0 row metric s med
	local script="$OUT/bench.gp"
	{
		echo "set terminal pngcairo size 1500,900 noenhanced font ',10'"
		echo "set output '$OUT/bench.png'"
		echo "set multiplot layout 2,3 title 'make bench: medians of $RUNS runs'"
		echo "set style fill solid 0.7; set boxwidth 0.6; set grid ytics"
		echo "set yrange [0:*]; unset key"
	} >"$script"
	for row in "${ROWS[@]}"; do
		metric=${row#*|}
		i=$((i + 1))
		: >"$OUT/plot-$i.dat"
		for s in sioc node flask lws; do
			med=$(awk -v s="$s" -v m="$metric" \
				'$1 == s && $2 == m && $3 != "-" { print $3 }' <<<"$sum")
			# sioc red, the others blue
			echo "\"${LABEL[$s]}\" ${med:-0} $([ "$s" = sioc ] &&
				echo 13382417 || echo 4487082)" >>"$OUT/plot-$i.dat"
		done
		echo "set title '${row%|*}'" >>"$script"
		echo "plot '$OUT/plot-$i.dat' using 0:2:3:xtic(1) with boxes lc rgb variable" >>"$script"
	done
	echo "unset multiplot" >>"$script"
	gnuplot "$script" 2>>"$OUT/gnuplot.err" || say "gnuplot failed (see $OUT/gnuplot.err)"
}

# ---- 100,000 idle connections ------------------------------------------------------

# 100,000 idle connections, or as many as the open-files hard limit lets
# both ends hold (then the line says so and projects 100k linearly).
idle100k() {
	local srv log line rc n want=100000 per rss0
	local srcs=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6
	ulimit -n $((want + 200)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	n=$(($(ulimit -n) - 200))
	[ "$n" -gt "$want" ] && n=$want
	echo
	echo "## $n idle connections (sources $srcs)"
	echo
	if [ "$n" -lt "$want" ]; then
		echo "The open-files limit ($(ulimit -n); raising it needs" \
			"CAP_SYS_RESOURCE) caps this run at $n: the last column" \
			"projects $want linearly."
		echo
	fi
	echo "| server | handshakes/s | RSS before | RSS after | KiB per connection | RSS at $want |"
	echo "|---|---|---|---|---|---|"
	for srv in ${BENCH_IDLE100K_SERVERS:-sioc lws}; do
		log="$OUT/server-$srv-idle100k.log"
		if ! start_server "$srv" "$log"; then
			echo "| ${LABEL[$srv]} | ${NOTE[$srv]:-did not start} | | | | |"
			continue
		fi
		line=$(timeout --kill-after=5 400 "${PIN_LG[@]}" "$LOADGEN" connect \
			-c "$n" -P 200 --hold 5 --timeout 30 --source "$srcs" \
			--port "$SRV_PORT" --server-pid "$SRV_PID" \
			2>>"$OUT/loadgen.err" | grep '^RESULT' | tail -1)
		rc=${PIPESTATUS[0]}
		stop_server
		echo "$srv idle $line" >>"$OUT/raw.log"
		if [ "$rc" != 0 ]; then
			echo "| ${LABEL[$srv]} | failed (exit $rc) | | | | |"
			continue
		fi
		per=$(field "$line" rss_kib_per_conn)
		rss0=$(field "$line" rss_before_kib)
		echo "| ${LABEL[$srv]} | $(human "$(field "$line" conns_per_s)") |" \
			"$(mib "$rss0") | $(mib "$(field "$line" rss_after_kib)") |" \
			"$per | $(mib "$(awk -v a="$rss0" -v p="$per" -v w="$want" \
				'BEGIN { print a + p * w }')") |"
	done
}


# ---- crowds: idle connections held while measuring ---------------------------

CROWD_IDLE=${BENCH_CROWD_IDLE:-12000}
CROWD_LEVELS=${BENCH_CROWD_LEVELS:-2000 8000 16000}
CROWD_SERVERS=${BENCH_CROWD_SERVERS:-sioc sioc-poll node lws lws-ev lws-uv}
CROWD_SRCS=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5
HOLD_PIDS=()

# Opens $1 more idle connections to the running server, held by a
# loadgen in the background until hold_stop; waits until they are all up.
hold_more() {
	local out i
	out=$(mktemp)
	"${PIN_LG[@]}" "$LOADGEN" connect -c "$1" -P 200 --hold 3600 \
		--timeout 60 --source "$CROWD_SRCS" --port "$SRV_PORT" \
		>"$out" 2>>"$OUT/loadgen.err" &
	HOLD_PIDS+=($!)
	for ((i = 0; i < 1800; i++)); do
		if grep -q '^CONNECTED' "$out"; then
			rm -f "$out"
			return 0
		fi
		kill -0 "$!" 2>/dev/null || break
		sleep 0.1
	done
	say "could not hold $1 more connections"
	rm -f "$out"
	return 1
}

hold_stop() {
	local p
	for p in "${HOLD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${HOLD_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	HOLD_PIDS=()
}

# One loadgen run against the running server; prints its RESULT line.
crowd_measure() {
	timeout --kill-after=5 120 "${PIN_LG[@]}" "$LOADGEN" "$@" \
		--port "$SRV_PORT" --server-pid "$SRV_PID" 2>>"$OUT/loadgen.err" |
		grep '^RESULT' | tail -1
}

crowd_echo_args() {
	[ "$QUICK" = 1 ] && echo "echo -c 50 -w 4 -d 1 --warmup 0.5" ||
		echo "echo -c 50 -w 4 -d 3 --warmup 1"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
	if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Echo RUNS times against the running server; sets CROWD[srv, echoK] and
# CROWD[srv, cpuK] to the medians (K: 0 without the crowd, 1 with it).
crowd_echo() {
	local srv=$1 k=$2 line r rates="" cpus="" args
	read -r -a args <<<"$(crowd_echo_args)"
	for ((r = 1; r <= RUNS; r++)); do
		line=$(crowd_measure "${args[@]}")
		echo "$srv crowd echo crowd=$k run=$r $line" >>"$OUT/raw.log"
		rates="$rates $(field "$line" msgs_per_s)"
		cpus="$cpus $(field "$line" cpu_us_per_msg)"
	done
	CROWD[$srv, echo$k]=$(median <<<"$rates")
	CROWD[$srv, cpu$k]=$(median <<<"$cpus")
}

# Fills CROWD[srv, ...]: echo without and with the crowd, then handshake
# CPU at each level.
crowd_server() {
	local srv=$1 log="$OUT/server-$1-crowd.log" line n held=0
	start_server "$srv" "$log" || return 1
	crowd_echo "$srv" 0
	hold_more "$CROWD_IDLE" && crowd_echo "$srv" 1
	hold_stop
	stop_server
	start_server "$srv" "$log" || return 1
	for n in $CROWD_LEVELS; do
		hold_more $((n - held)) || break
		held=$n
		line=$(crowd_measure connect -c 2000 -P 50 --hold 0 --timeout 30)
		echo "$srv crowd connect held=$n $line" >>"$OUT/raw.log"
		CROWD[$srv, hs$n]=$(field "$line" cpu_us_per_conn)
		CROWD[$srv, hsr$n]=$(field "$line" conns_per_s)
	done
	hold_stop
	stop_server
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f×", a / b; else print "–" }'; }
cell() { [ -n "$1" ] && human "$1" || echo "–"; }

crowd() {
	local srv n lo hi
	declare -gA CROWD=()
	echo
	echo "## Crowds: idle connections held while measuring"
	echo
	echo "Echo: median of $RUNS runs each; handshakes: one batch of 2000 per level."
	echo
	for srv in $CROWD_SERVERS; do
		if ! server_cmd "$srv"; then
			say "crowd: skipping ${LABEL[$srv]:-$srv}: ${NOTE[$srv]}"
			continue
		fi
		say "crowd: ${LABEL[$srv]}"
		crowd_server "$srv"
	done
	set -- $CROWD_LEVELS
	lo=$1
	hi=${!#}
	echo "| server | echo msgs/s, none idle | $CROWD_IDLE idle | ratio | echo CPU µs/msg, none idle | $CROWD_IDLE idle |$(for n in $CROWD_LEVELS; do printf ' handshake CPU µs, %s held |' "$n"; done) $hi / $lo |"
	echo "|---|---|---|---|---|---|$(for n in $CROWD_LEVELS; do printf -- '---|'; done)---|"
	for srv in $CROWD_SERVERS; do
		[ -n "${CROWD[$srv, echo0]:-}${CROWD[$srv, hs$lo]:-}" ] || continue
		printf '| %s | %s | %s | %s | %s | %s |' "${LABEL[$srv]}" \
			"$(cell "${CROWD[$srv, echo0]:-}")" "$(cell "${CROWD[$srv, echo1]:-}")" \
			"$(ratio "${CROWD[$srv, echo1]:-}" "${CROWD[$srv, echo0]:-}")" \
			"$(cell "${CROWD[$srv, cpu0]:-}")" "$(cell "${CROWD[$srv, cpu1]:-}")"
		for n in $CROWD_LEVELS; do printf ' %s |' "$(cell "${CROWD[$srv, hs$n]:-}")"; done
		printf ' %s |\n' "$(ratio "${CROWD[$srv, hs$hi]:-}" "${CROWD[$srv, hs$lo]:-}")"
	done
	echo
	echo "- sioc / Node: echo with $CROWD_IDLE idle" \
		"$(ratio "${CROWD[sioc, echo1]:-}" "${CROWD[node, echo1]:-}");" \
		"handshake CPU at $hi held, Node / sioc" \
		"$(ratio "${CROWD[node, hs$hi]:-}" "${CROWD[sioc, hs$hi]:-}")."
	echo "- Goals: echo with the crowd ≥ 0.9× without; handshake CPU at $hi" \
		"held ≤ 1.5× at $lo; both ≥ 4× Node."
	echo "- Idle connections come from another loadgen on the load generator's CPU" \
		"(sources $CROWD_SRCS); the measured load from a third."
}

mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }

# ---- main ------------------------------------------------------------------------

# Runs run-major (every server once, then again), so that a disturbance
# on the machine spreads over the columns instead of biasing one.
run_table() {
	local srv sc run active=()
	for srv in $SERVERS; do
		if server_cmd "$srv"; then
			active+=("$srv")
		else
			say "skipping ${LABEL[$srv]:-$srv}: ${NOTE[$srv]}"
		fi
	done
	for ((run = 1; run <= RUNS; run++)); do
		say "run $run of $RUNS"
		for srv in "${active[@]}"; do
			for sc in echo rtt fanout connect; do
				run_one "$srv" "$sc" "$run"
			done
		done
	done
}

write_report() {
	local sum=$1 srv
	echo "# make bench ($(date -u +%Y-%m-%d), $(nproc) CPUs," \
		"median of $RUNS runs ± half their range)"
	echo
	make_table "$sum"
	echo
	for srv in sioc node flask lws; do
		[ -n "${NOTE[$srv]:-}" ] && echo "- ${LABEL[$srv]}: not run (${NOTE[$srv]})"
	done
	local busy="" med
	for srv in sioc node flask lws; do
		med=$(awk -v s="$srv" '$1 == s && $2 == "server_cpu_pct" && $3 != "-" { print $3 }' <<<"$sum")
		[ -n "$med" ] && busy="$busy ${LABEL[$srv]} $(printf '%.0f' "$med")%,"
	done
	[ -n "$busy" ] && echo "- Server CPU busy during echo (near 100%: the" \
		"server was the limit; lower: the load generator or the machine was):${busy%,}."
	[ ${#PIN_SRV[@]} -gt 0 ] &&
		echo "- Server pinned to CPU 0, load generator to CPU 1; a fresh server per run."
	echo "- Load average when the run began: $LOAD0 (other work on the machine skews the numbers)."
	echo "- Ratios are sioc's median divided by the other's; scenarios as in docs/bench.md."
}

# Fanout through Redis: P processes of a server (sioc's bench server
# with --redis, or Node's peer with @socket.io/redis-adapter) share one
# redis-server of its own; the load generator spreads its receivers over
# them (--ports) and publishes on the first; every receiver must get every
# tick once and in order. Median of RUNS.
cluster_redis_start() {
	CL_DIR=$(mktemp -d)
	CL_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	redis-server --port "$CL_PORT" --bind 127.0.0.1 --save '' \
		--appendonly no --dir "$CL_DIR" >/dev/null 2>&1 &
	CL_PID=$!
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$CL_PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

cluster_redis_stop() {
	kill "$CL_PID" 2>/dev/null
	wait "$CL_PID" 2>/dev/null
	rm -rf "$CL_DIR"
}

# Starts P servers of kind; fills CL_PORTS and CL_PIDS. 0 or 1.
cluster_servers() { # kind P
	local kind=$1 p=$2 i log port
	CL_PORTS=() CL_PIDS=()
	for ((i = 0; i < p; i++)); do
		log="$OUT/server-cluster-$kind-$i.log"
		if [ "$kind" = sioc ]; then
			"$SIOC_BIN" --host 127.0.0.1 --port 0 \
				--redis "redis://127.0.0.1:$CL_PORT" >"$log" 2>&1 &
		else
			node tests/bench/peers/node-server.mjs 0 \
				"redis://127.0.0.1:$CL_PORT" >"$log" 2>&1 &
		fi
		CL_PIDS+=($!)
		port=
		for _ in $(seq 150); do
			port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log")
			[ -n "$port" ] && break
			sleep 0.1
		done
		[ -n "$port" ] || return 1
		CL_PORTS+=("$port")
	done
	sleep 0.5 # the subscriptions settle
}

cluster_stop_servers() {
	local pid
	for pid in "${CL_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${CL_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
}

cluster_fanout() {
	local kind p r line v lat c=${BENCH_CLUSTER_RECEIVERS:-1000} n=300
	[ "$QUICK" = 1 ] && n=100
	echo
	echo "## Fanout across processes through one Redis"
	echo
	if [ ! -x /usr/bin/redis-server ] || ! cluster_redis_start; then
		echo "Not run: redis-server is missing or did not start."
		return
	fi
	echo "$c receivers spread over the processes, $n broadcasts of 32 bytes"
	echo "published on the first, one at a time; deliveries per second and"
	echo "median latency (publish to last tick), median of $RUNS runs."
	echo
	echo "| servers | 1 process | 2 processes | 4 processes |"
	echo "|---|---|---|---|"
	for kind in sioc node; do
		if [ $kind = node ] && ! [ -d tests/bench/node_modules/@socket.io/redis-adapter ]; then
			echo "| Node socket.io + redis-adapter | tests/bench/node_modules incomplete | | |"
			continue
		fi
		printf '| %s ' "$([ $kind = sioc ] && echo "sioc" || echo "Node socket.io + redis-adapter")"
		for p in 1 2 4; do
			v=() lat=()
			for ((r = 1; r <= RUNS; r++)); do
				line=
				if cluster_servers "$kind" "$p"; then
					line=$(timeout --kill-after=5 300 "$LOADGEN" fanout -c "$c" \
						-n "$n" -s 32 --timeout 30 --port "${CL_PORTS[0]}" \
						--ports "$(IFS=,; echo "${CL_PORTS[*]}")" \
						2>>"$OUT/loadgen.err" | grep '^RESULT' | tail -1)
				fi
				cluster_stop_servers
				echo "$kind cluster-$p $line" >>"$OUT/raw.log"
				v+=("$(field "$line" deliveries_per_s)")
				lat+=("$(field "$line" p50_us)")
			done
			printf '| %s/s, %s ms ' \
				"$(human "$(printf '%s\n' "${v[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : 0)}')")" \
				"$(printf '%s\n' "${lat[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", (NR ? a[int((NR+1)/2)] : 0) / 1000}')"
		done
		printf '|\n'
	done
	cluster_redis_stop
}

# sioc against bare lws on the same event loop: libev (sioc's default)
# against lws on libev, poll(2) against lws' default loop. From the main
# table's runs, when lws-ev or sioc-poll ran.
same_loop() {
	local sum=$1 m a b pair loop s l
	awk '$1 == "lws-ev" || $1 == "sioc-poll"' <<<"$sum" | grep -q . || return 0
	echo
	echo "## sioc and bare lws on the same event loop (same runs)"
	echo
	echo "| loop | metric | sioc | bare lws | sioc / lws |"
	echo "|---|---|---|---|---|"
	for pair in "libev sioc lws-ev" "poll(2) sioc-poll lws"; do
		read -r loop s l <<<"$pair"
		for m in msgs_per_s cpu_us_per_msg deliveries_per_s; do
			a=$(awk -v s="$s" -v m="$m" '$1 == s && $2 == m { print $3 }' <<<"$sum")
			b=$(awk -v s="$l" -v m="$m" '$1 == s && $2 == m { print $3 }' <<<"$sum")
			[ -n "$a" ] && [ -n "$b" ] || continue
			echo "| $loop | $m | $a | $b |" \
				"$(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0 && b > 0) printf "%.2f×", a / b; else printf "–" }') |"
		done
	done
}

# Typed handlers against the same server's raw json_t ones (--raw), and
# the bare lws floor, from the main table's runs.
typed_vs_raw() {
	local sum=$1 m label t r l
	awk '$1 == "sioc-raw"' <<<"$sum" | grep -q . || return 0
	echo
	echo "## typed vs raw handlers (same server, same runs)"
	echo
	echo "| metric | sioc typed | sioc raw json_t | bare lws | typed / raw | typed / lws |"
	echo "|---|---|---|---|---|---|"
	for m in msgs_per_s cpu_us_per_msg deliveries_per_s conns_per_s rss_kib_per_conn; do
		t=$(awk -v m="$m" '$1 == "sioc" && $2 == m { print $3 }' <<<"$sum")
		r=$(awk -v m="$m" '$1 == "sioc-raw" && $2 == m { print $3 }' <<<"$sum")
		l=$(awk -v m="$m" '$1 == "lws" && $2 == m { print $3 }' <<<"$sum")
		echo "| $m | ${t:-–} | ${r:-–} | ${l:-–} |" \
			"$(awk -v a="${t:-0}" -v b="${r:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f×", a / b; else printf "–" }') |" \
			"$(awk -v a="${t:-0}" -v b="${l:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f×", a / b; else printf "–" }') |"
	done
}

# Echo against 1 and then 2 sioc processes on one port (SO_REUSEPORT,
# docs/event-loop.md), each pinned to its CPU; the load generator runs
# two threads, unpinned. Prints msgs/s: echoes delivered back.
multicore() {
	local n run line rc pids port log i
	[ -x "$SIOC_BIN" ] || return 0
	echo
	echo "## one loop per core: echo with 1 and 2 processes on one port"
	echo
	echo "| sioc processes (--reuse-port) | echo msgs/s, 50 conns x 4 in flight | runs |"
	echo "|---|---|---|"
	for n in 1 2; do
		local vals=()
		for ((run = 1; run <= RUNS; run++)); do
			pids=() port=0
			for ((i = 0; i < n; i++)); do
				log="$OUT/server-multi$n-$run-$i.log"
				taskset -c $i "$SIOC_BIN" --host 127.0.0.1 --port "$port" \
					--reuse-port >"$log" 2>&1 &
				pids+=($!)
				for ((k = 0; k < 100; k++)); do
					p=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$log")
					[ -n "$p" ] && break
					sleep 0.05
				done
				port=${p:-0}
			done
			read -r -a args <<<"$(scenario_args echo sioc)"
			line=$(timeout --kill-after=5 120 "$LOADGEN" "${args[@]}" -t 2 \
				--port "$port" 2>>"$OUT/loadgen.err" | grep '^RESULT' | tail -1)
			kill -TERM "${pids[@]}" 2>/dev/null
			wait "${pids[@]}" 2>/dev/null
			echo "multi$n run=$run $line" >>"$OUT/raw.log"
			v=$(field "$line" msgs_per_s)
			[ -n "$v" ] && vals+=("$v")
		done
		echo "| $n | $(printf '%s\n' "${vals[@]:-}" | sort -n |
			awk '{ v[NR] = $1 } END { if (NR) printf "%.0f", v[int((NR + 1) / 2)]; else printf "failed" }') |" \
			"${vals[*]:-} |"
	done
}

main() {
	local start=$SECONDS sum
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	mkdir -p "$OUT"
	[ "${BENCH_NO_INSTALL:-0}" = 1 ] || install_peers
	build_tools
	rm -f "$OUT"/server-*.log "$OUT/raw.log" "$OUT/loadgen.err" \
		"$OUT"/plot-*.dat "$OUT/bench.png"
	echo "server,scenario,metric,run,value" >"$OUT/results.csv"
	# 1000+ sockets on each side.
	ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	local table=1
	[ "${BENCH_IDLE100K:-0}" = only ] && table=0
	[ "${BENCH_CROWD:-1}" = only ] && table=0
	[ "${BENCH_CLUSTER:-1}" = only ] && table=0
	[ $table = 1 ] && run_table
	sum=$(summarize)
	{
		[ $table = 1 ] && write_report "$sum" && typed_vs_raw "$sum" &&
			same_loop "$sum"
		[ $table = 1 ] && [ "${BENCH_MULTI:-1}" != 0 ] && multicore
		[ "${BENCH_IDLE100K:-0}" != 0 ] && [ "${BENCH_CROWD:-1}" != only ] && idle100k
		[ "${BENCH_CROWD:-1}" != 0 ] && [ "${BENCH_IDLE100K:-0}" != only ] &&
			[ "${BENCH_CLUSTER:-1}" != only ] && crowd
		[ "${BENCH_CLUSTER:-1}" != 0 ] && [ "${BENCH_IDLE100K:-0}" != only ] &&
			[ "${BENCH_CROWD:-1}" != only ] && cluster_fanout
	} >"$OUT/table.md"
	[ $table = 1 ] && make_plot "$sum"
	cat "$OUT/table.md"
	echo
	echo "bench: $OUT/table.md, $OUT/results.csv$([ -f "$OUT/bench.png" ] &&
		echo ", $OUT/bench.png") ($((SECONDS - start)) s)"
}

main "$@"
