#!/usr/bin/env bash
# Pending commands on one node: COUNT commands for things with no device connected (Release grid, SQLite file),
# their TTLs chosen so that they expire at RATE per second, from MIN_TTL seconds after the first create (after every
# create is acknowledged). Prints the grid's RSS before and with every command pending (KB per pending command), how
# late the TTLs fired (p50/p99/max from each execution's history) and whether every one ended TIMED_OUT. Uses
# loadgen's P4 (bench/loadgen/Ttl.cs).
# With RESTART=1 the grid is killed (-9) 5 s before the first TTL, stays down DOWN seconds (10) and starts again on
# the same file: it prints how long the restarted node took to answer /health with every command still pending, and
# how long after that answer the last command due before it timed out; lateness is then that of the others.
# Usage: bench/pending.sh     env: COUNT=1000000 RATE=1000 THINGS=1000 PARALLEL=64 KEEP=1 RESTART= DOWN=10
#   CREATE_RATE=1500 (creates/s to plan for: the first TTL is COUNT/CREATE_RATE + 30 s, or MIN_TTL), GRACE=20 (s past the last TTL)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000000}; RATE=${RATE:-1000}; THINGS=${THINGS:-1000}; PARALLEL=${PARALLEL:-64}; CREATE_RATE=${CREATE_RATE:-1500}
MIN_TTL=${MIN_TTL:-$(( COUNT / CREATE_RATE + 30 ))}; MAX_TTL=$(( MIN_TTL + (COUNT + RATE - 1) / RATE )); GRACE=${GRACE:-20}
BENCH_NAME=pending
# shellcheck source=bench/lib/one-node.sh
. bench/lib/one-node.sh
build_release silo bench/loadgen
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "== command: COUNT=$COUNT RATE=$RATE THINGS=$THINGS PARALLEL=$PARALLEL RESTART=${RESTART:-} DOWN=${DOWN:-10} bench/pending.sh (TTLs $MIN_TTL-$MAX_TTL s)"
start_grid --Commands:MaxLifetimeSeconds=$(( MAX_TTL + 60 ))
sleep 5
IDLE_KB=$(rss_kb "$GPID")
echo "$GPID" >"$WORK/grid.pid"
RESTART_ARGS=()
[ -n "${RESTART:-}" ] && RESTART_ARGS=(--restart-file "$WORK/answered")
"$LG" ttl --http-port "$HPORT" --jwt-secret "$SECRET" --target-pid-file "$WORK/grid.pid" --count "$COUNT" --things "$THINGS" \
  --parallel "$PARALLEL" --min-ttl "$MIN_TTL" --max-ttl "$MAX_TTL" --expiry-rate "$RATE" --grace "$GRACE" --max-extra-wait 120 \
  --prefix pending "${RESTART_ARGS[@]}" --out "$WORK/ttl.json" >"$WORK/ttl.out" 2>"$WORK/ttl.err" & TTLPID=$!
PIDS+=("$TTLPID")
# Settled: SETTLE seconds after the last create (and before the first TTL), RSS and the GC heap after its last collection.
SETTLE=${SETTLE:-20}
SETTLED_KB=""; HEAP_MB=""
while kill -0 "$TTLPID" 2>/dev/null && ! grep -q '^created' "$WORK/ttl.err"; do sleep 1; done
if kill -0 "$TTLPID" 2>/dev/null && [ $(( MIN_TTL - SETTLE )) -gt 5 ]; then
  sleep "$SETTLE"
  SETTLED_KB=$(rss_kb "$GPID")
  HEAP_MB=$(curl -sf "http://127.0.0.1:$HPORT/metrics" | awk '/^dotnet_gc_last_collection_heap_size_bytes/{s+=$NF} END{printf "%.0f", s/1048576}')
fi
RESTART_LINE=""
if [ -n "${RESTART:-}" ]; then
  first_ms=$(sed -n 's/.*first expiry \([0-9]*\);.*/\1/p' "$WORK/ttl.err")
  until_kill=$(( (first_ms - 5000 - $(date +%s%3N)) / 1000 ))
  [ "$until_kill" -gt 0 ] && sleep "$until_kill"
  RSS_BEFORE_KILL_KB=$(rss_kb "$GPID")
  kill -9 "$GPID"; wait "$GPID" 2>/dev/null || true
  sleep "${DOWN:-10}"
  started_ms=$(date +%s%3N)
  launch_grid
  until curl -sf -o /dev/null "http://127.0.0.1:$HPORT/health"; do sleep 0.05; done
  answered_ms=$(date +%s%3N)
  echo "$answered_ms" >"$WORK/answered"; echo "$GPID" >"$WORK/grid.pid"
  RESTART_LINE="restarted after ${DOWN:-10} s down (RSS before the kill $(( RSS_BEFORE_KILL_KB / 1024 )) MB): /health answered $(( answered_ms - started_ms )) ms after the start"
fi
wait "$TTLPID" || { tail -20 "$WORK/ttl.err" >&2; exit 1; }
kill -0 "$GPID" 2>/dev/null || { echo "pending: the grid EXITED" >&2; tail -20 "$WORK/grid.log" >&2; exit 1; }
python3 - "$WORK/ttl.json" "$IDLE_KB" "$SETTLED_KB" "$HEAP_MB" "$SETTLE" "$RESTART_LINE" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); idle = int(sys.argv[2]) / 1024
per = (r["targetRssPendingMB"] - idle) * 1024 / r["count"]
print(f"== {r['count']} created in {r['createSeconds']} s ({r['createsPerSecond']}/s); RSS idle {idle:.0f} MB, "
      f"at the last create {r['targetRssPendingMB']:.0f} MB: {per:.2f} KB per pending command above the idle silo")
if sys.argv[3]:
    settled = int(sys.argv[3]) / 1024
    print(f"== {sys.argv[5]} s later, all still pending: RSS {settled:.0f} MB ({(settled - idle) * 1024 / r['count']:.2f} KB per pending command "
          f"above the idle silo), GC heap after the last collection {sys.argv[4] or '?'} MB")
if sys.argv[6]:
    print(f"== {sys.argv[6]}; {r['overdueAtRestart']} due before that answer, the last of them TIMED_OUT "
          f"{r['overdueTimedOutWithinMsOfAnswer']} ms after it")
print(f"== TTLs {r['ttlRange']}: {r['timedOut']} TIMED_OUT, {r['notFinalAfterWait']} not final, {r['otherStatus']} other; "
      f"lateness p50 {r['latenessP50ms']} ms, p99 {r['latenessP99ms']} ms, max {r['latenessMaxms']} ms; "
      f"grid CPU while expiring {r['targetCpuSecondsWhileExpiring']} s; load {r['loadavg']}")
sys.exit(0 if r["timedOut"] == r["count"] else 1)
EOF
