#!/usr/bin/env bash
# 100,000 connections over several sioc processes joined through Redis,
# each process under the open-files cap of this machine (20,000): N bench
# servers (--redis) and N load generators, each of which spreads its
# receivers over every server (loadgen fanout --ports, its own --room) and
# publishes on a different one, so every broadcast crosses Redis to the
# other processes; each receiver must get every tick once, in order.
# Not part of make test (minutes, and most of a small machine).
#   tests/redis/cluster100k.sh [BUILD_DIR] [TOTAL] [PROCESSES] [BROADCASTS]
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build} TOTAL=${2:-100000} N=${3:-6} BCAST=${4:-20}
per=$(((TOTAL + N - 1) / N))
dir=$(mktemp -d)
trap 'kill ${pids[*]:-} ${rpid:-} 2>/dev/null; rm -rf "$dir"' EXIT
rport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$dir" >/dev/null 2>&1 &
rpid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break; sleep 0.1; done
pids=() ports=()
for ((i = 0; i < N; i++)); do
	"$B/examples/bench" --host 127.0.0.1 --port 0 \
		--redis "redis://127.0.0.1:$rport" >"$dir/s$i.out" 2>"$dir/s$i.err" &
	pids+=($!)
done
for ((i = 0; i < N; i++)); do
	for _ in $(seq 100); do
		p=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$dir/s$i.out")
		[ -n "$p" ] && break
		sleep 0.1
	done
	ports+=("$p")
done
sleep 0.5
echo "cluster100k: $N servers (ports ${ports[*]}), open-files cap $(ulimit -n) each; $N load generators x $per connections"
lg=()
start=$SECONDS
for ((i = 0; i < N; i++)); do
	# This generator's publisher on server i: rotate the port list.
	rot=("${ports[@]:i}" "${ports[@]:0:i}")
	"$B/bench/loadgen" fanout -c "$per" -n "$BCAST" -s 32 -P 200 \
		--timeout 120 --room "g$i" --port "${rot[0]}" \
		--ports "$(IFS=,; echo "${rot[*]}")" \
		--source "127.0.$((i + 1)).2,127.0.$((i + 1)).3,127.0.$((i + 1)).4" \
		>"$dir/lg$i.out" 2>"$dir/lg$i.err" &
	lg+=($!)
done
fail=0
for ((i = 0; i < N; i++)); do
	wait "${lg[$i]}" || fail=$((fail + 1))
	grep '^RESULT' "$dir/lg$i.out" || { echo "loadgen $i:"; tail -3 "$dir/lg$i.err"; }
done
for ((i = 0; i < N; i++)); do
	echo "server $i: peak RSS $(awk '/VmHWM/ {print $2}' "/proc/${pids[$i]}/status") KiB"
done
echo "cluster100k: $((per * N)) connections, $((SECONDS - start)) s, $fail load generator(s) failed"
[ $fail = 0 ]
