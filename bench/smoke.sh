#!/usr/bin/env bash
# Keeps the benchmarks from rotting unseen: builds every project under bench/ and runs each tool once on a tiny
# workload against a one-node grid it starts (Release, SQLite file), checking that the figures are sane (work done,
# no errors). One line per tool; exit 1 when any fails. scripts/test.sh runs it after the solution's Release build.
# Usage: bench/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cg-smoke-XXXXXX")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 600); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
FAILED=0
# check NAME FILE PYTHON-EXPRESSION-OVER-r SUMMARY-EXPRESSION: one line saying what the tool reported, and whether it is sane.
check() {
  local name=$1 file=$2 ok=$3 summary=$4 line
  if line=$(python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(($summary)); sys.exit(0 if ($ok) else 1)" "$file" 2>&1); then
    echo "bench smoke: $name: $line"
  else
    echo "bench smoke: $name: FAILED: $line" >&2; FAILED=1
  fi
}
# run NAME LOG COMMAND...: runs a tool, its output in LOG; on failure says so with the log's tail.
run() {
  local name=$1 log=$2; shift 2
  local status=0
  "$@" >"$log" 2>"$log.err" || status=$?
  if [ "$status" != 0 ]; then
    echo "bench smoke: $name: FAILED (exit $status)" >&2; tail -n 15 "$log" "$log.err" >&2; FAILED=1; return 1
  fi
}

for project in $(find bench -name '*.csproj' | sort) silo/CommandGrid.Silo.csproj; do
  dotnet build -c Release "$project" -nologo -v q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; echo "bench smoke: build of $project FAILED" >&2; exit 1; }
done
for script in bench/*.sh bench/*/*.sh; do bash -n "$script" || { echo "bench smoke: $script: syntax error" >&2; FAILED=1; }; done
for script in bench/*/*.js; do node --check "$script" || { echo "bench smoke: $script: syntax error" >&2; FAILED=1; }; done
LG=$ROOT/bench/loadgen/bin/Release/net10.0/loadgen
# The one-node benchmarks run the ReadyToRun publish (scripts/publish.sh); a first publish takes two minutes, so here
# they run the build output just built (bench/lib/one-node.sh: GRID_DLL).
export GRID_DLL=$ROOT/silo/bin/Release/net10.0/CommandGrid.Silo.dll

# The grid, as bench/workloads.sh starts it; the fuzzer's protocol violations are warnings of the MQTT engine.
HPORT=$(free_port); MPORT=$(free_port); SPORT=$(free_port)
SECRET="smoke-secret-$(date +%s)-long-enough-for-hs256-signing"
DEVICE_SECRET=smoke-device-secret
dotnet "$ROOT/silo/bin/Release/net10.0/CommandGrid.Silo.dll" --urls "http://127.0.0.1:$HPORT" --Cluster:SiloPort="$SPORT" \
  --Mqtt:Address=127.0.0.1 --Mqtt:Port="$MPORT" --Storage:ConnectionString="Data Source=$WORK/grid.db" \
  --Auth:JwtSecret="$SECRET" --Mqtt:DeviceSecret="$DEVICE_SECRET" --RateLimit:PermitsPerSecond=1000000 \
  --Logging:LogLevel:Default=Warning --Logging:LogLevel:CommandGrid.Mqtt.Server=Error >"$WORK/grid.log" 2>&1 & GPID=$!
PIDS+=("$GPID")
wait_port "$HPORT"; wait_port "$MPORT"

run "loadgen P1 grid" "$WORK/p1.out" "$LG" run --target grid --label smoke --target-pid "$GPID" --mqtt-port "$MPORT" --workers 1 \
  --http-port "$HPORT" --jwt-secret "$SECRET" --device-secret "$DEVICE_SECRET" --workload P1 --devices 4 --window 4 \
  --warmup 1 --duration 2 --prefix smoke && \
  check "loadgen P1 grid" "$WORK/p1.out" "r['pairs'] > 0 and r['errors'] == 0" "f\"{r['pairs']} pairs in {r['seconds']} s, {r['errors']} errors\""
run "loadgen P4 (ttl)" "$WORK/p4.out" "$LG" ttl --http-port "$HPORT" --jwt-secret "$SECRET" --target-pid "$GPID" --count 20 --things 2 \
  --min-ttl 1 --max-ttl 2 --grace 1 --prefix smoke-ttl && \
  check "loadgen P4 (ttl)" "$WORK/p4.out" "r['timedOut'] == r['count'] and r['otherStatus'] == 0" "f\"{r['timedOut']}/{r['count']} timed out, lateness p50 {r['latenessP50ms']} ms\""
run "fuzz" "$WORK/fuzz.out" dotnet "$ROOT/bench/fuzz/bin/Release/net10.0/CommandGrid.Fuzz.dll" --mqtt-port "$MPORT" --http-port "$HPORT" \
  --jwt-secret "$SECRET" --device-secret "$DEVICE_SECRET" --seed 7 --packets 300 --connections 2 --command-interval-ms 100 --pid "$GPID" && \
  echo "bench smoke: fuzz: $(grep -m1 '^packets sent' "$WORK/fuzz.out" | tr -s ' '), $(grep -m1 '^device commands' "$WORK/fuzz.out" | tr -s ' ' | cut -d'(' -f1)"
[ -f tests/js/node_modules/mqtt/package.json ] || (cd tests/js && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
run "mqtt-roundtrip grid" "$WORK/rt.out" env DEVICES=2 WARMUP=1 DURATION=1 TARGET_PID="$GPID" \
  node bench/mqtt-roundtrip/bench.js grid "$HPORT" "$MPORT" "$SECRET" "$DEVICE_SECRET" && \
  check "mqtt-roundtrip grid" "$WORK/rt.out" "r['pairs'] > 0" "f\"{r['pairs']} pairs, p50 {r['p50ms']:.1f} ms\""
run "ttl-lateness" "$WORK/ttl.out" env COMMANDS=10 TTL_MIN=1 TTL_MAX=2 node bench/ttl-lateness/ttl.js "$HPORT" "$SECRET" && \
  check "ttl-lateness" "$WORK/ttl.out" "r['timedOut'] == r['commands'] and r['otherStatus'] == 0" "f\"{r['timedOut']}/{r['commands']} timed out, lateness max {r['latenessMs']['max']} ms\""
if kill -0 "$GPID" 2>/dev/null; then :; else echo "bench smoke: the grid EXITED" >&2; FAILED=1; fi
# Said, not failed on: the tools' own figures decide; a grid error here is for the product's tests to pin down.
if grep -qE '^(fail|crit):' "$WORK/grid.log"; then
  echo "bench smoke: note: the grid logged $(grep -cE '^(fail|crit):' "$WORK/grid.log") error(s), the first: $(grep -m1 -A1 -E '^(fail|crit):' "$WORK/grid.log" | tr -s ' \n' ' ' | cut -c1-300)" \
    "($(grep -m1 -A12 -E '^(fail|crit):' "$WORK/grid.log" | grep -m1 -oE '[A-Za-z.]+(Exception|Error)[^ ]*(: .{0,160})?' || echo 'no exception named'))"
fi

# The relay baseline target: MQTTnet's server under the same P1.
RPORT=$(free_port)
"$ROOT/bench/mqttnet-server/bin/Release/net10.0/mqttnet-server" "$RPORT" >"$WORK/mqttnet.log" 2>&1 & RPID=$!
PIDS+=("$RPID")
wait_port "$RPORT"
run "loadgen P1 mqttnet" "$WORK/relay.out" "$LG" run --target relay --label smoke --target-pid "$RPID" --mqtt-port "$RPORT" --workers 1 \
  --workload P1 --devices 4 --window 4 --warmup 1 --duration 2 --prefix smoke && \
  check "loadgen P1 mqttnet" "$WORK/relay.out" "r['pairs'] > 0 and r['errors'] == 0" "f\"{r['pairs']} pairs in {r['seconds']} s, {r['errors']} errors\""

# The soak, for a few seconds on its own grid: its samples and its verdict (too short to judge flatness).
run "soak" "$WORK/soak.out" env NO_BUILD=1 DURATION=12 INTERVAL=3 DEVICES=4 WORKERS=1 bench/soak.sh && \
  echo "bench smoke: soak: $(grep -c '^ *[0-9]' "$WORK/soak.out") samples; $(grep -m1 '^== generator' "$WORK/soak.out" | cut -c4-)"
run "pending" "$WORK/pending.out" env NO_BUILD=1 COUNT=50 RATE=25 THINGS=5 PARALLEL=8 MIN_TTL=8 GRACE=2 RESTART=1 DOWN=4 bench/pending.sh && \
  echo "bench smoke: pending: $(grep -m1 'TIMED_OUT' "$WORK/pending.out" | cut -c4- | cut -d';' -f1-2)"
run "jobs" "$WORK/jobs.out" env NO_BUILD=1 THINGS=200 DEVICES=20 TTL=5 bench/jobs.sh && \
  echo "bench smoke: jobs: $(grep -m1 'job COMPLETED' "$WORK/jobs.out" | cut -c4- | cut -d';' -f1)"
run "tls" "$WORK/tls.out" env NO_BUILD=1 FRESH=0 COUNT=40 ROUNDS=1 DEVICES=4 WORKERS=1 WARMUP=1 DURATION=2 bench/tls.sh && \
  echo "bench smoke: tls: $(grep -m1 '^| idle-tls' "$WORK/tls.out" | cut -d'|' -f3-4 | tr -s ' '); $(grep -m1 '^| p1-tls' "$WORK/tls.out" | cut -d'|' -f3 | tr -s ' ') pairs/s over TLS"
run "flood" "$WORK/flood.out" env NO_BUILD=1 NOFILE=1024 COUNT=700 DURATION=8 INTERVAL=4 WORKERS=1 HEALTH_WAIT=0 bench/flood.sh && \
  echo "bench smoke: flood: $(grep -m1 '^== loadgen' "$WORK/flood.out" | cut -c4-); $(grep -m1 -E '^== (recovered|the node died)' "$WORK/flood.out" | cut -c4-)"
# On PostgreSQL, to run the breakdown's own server and statistics too (node runs the same code on SQLite); the cluster
# target runs scripts/cluster.sh, which the cluster tests' processes cover.
# Its JSON also feeds bench/cost-ab.sh's comparison (as both builds: a second build would cost CI a minute).
mkdir -p "$WORK/ab/current-1"
run "cost" "$WORK/cost.out" env NO_BUILD=1 OUT_DIR="$WORK/ab/current-1" TARGETS=node-pg DEVICES=4 WORKERS=1 WARMUP=1 WINDOW=2 MARGIN=1 SETTLE=0 IDLE=1 bench/cost.sh && {
  created=$(grep -m1 '^| commands created' "$WORK/cost.out" || true)
  cp -r "$WORK/ab/current-1" "$WORK/ab/base-1"
  python3 bench/cost/breakdown.py compare "$WORK/ab" > "$WORK/ab.out" 2>&1 || true
  if [ -n "$created" ] && ! echo "$created" | grep -qE '\| 0 \(' && grep -qE '^\| PostgreSQL statements .*\| [1-9]' "$WORK/cost.out" \
    && grep -qF '| node-pg | current / base | 1.00×' "$WORK/ab.out"; then
    echo "bench smoke: cost: $(echo "$created" | tr -s ' ')"
  else
    echo "bench smoke: cost: FAILED: no commands counted ($created), or no comparison:" >&2; cat "$WORK/ab.out" >&2; FAILED=1
  fi
}
run "dashboard" "$WORK/dashboard.out" env NO_BUILD=1 ROUNDS=1 DEVICES=4 WORKERS=1 WARMUP=1 DURATION=2 bench/dashboard.sh && \
  echo "bench smoke: dashboard: $(grep -A2 '^medians' "$WORK/dashboard.out" | tail -2 | tr -s ' \n' ' ')"

exit $FAILED
