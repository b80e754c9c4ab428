#!/usr/bin/env bash
# Side by side, in one run, on this machine: the grid before the move to Orleans (BASE, default
# be54286, the last commit on the home-made runtime) and now, alternating ROUNDS times, with the same
# load generator (bench/mqtt-roundtrip/bench.js, 100 MQTT.js devices, closed loop). The current grid
# runs three ways: with the Orleans Dashboard (nobody watching), with the dashboard open (its
# API polled every second as its page does, so per-method profiling is on), and without it
# (Dashboard:Enabled=false): the difference is the dashboard's cost. /metrics is scraped around the
# last "dashboard open" run to show the counters moving.
# Usage: bench/compare.sh     (env: BASE=be54286 ROUNDS=3 DEVICES=100 WARMUP=20 DURATION=20)
# WARMUP is 20 s, not bench.js's 5: a profile at 35 s still showed 14 % of the silo's CPU in the JIT compiler
# (tiered compilation of Orleans' code), so shorter warm-ups measure start-up, not the steady state.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE=${BASE:-be54286}
ROUNDS=${ROUNDS:-3}
export WARMUP=${WARMUP:-20}
WORK=$(mktemp -d /tmp/cg-compare-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  git -C "$ROOT" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
wait_port() { for _ in $(seq 1 600); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

[ -f tests/js/node_modules/mqtt/package.json ] || (cd tests/js && npm ci --no-audit --no-fund >/dev/null)
echo "building the current silo and $BASE (Release)..." >&2
dotnet build -c Release silo -v q -nologo >/dev/null
git worktree add -q --detach "$WORK/base" "$BASE"
dotnet build -c Release "$WORK/base/silo" -v q -nologo >/dev/null

SECRET="bench-secret-$(date +%s)-long-enough-for-hs256-signing"
DEVICE_SECRET="bench-device-secret"
TOKEN=$(dotnet silo/bin/Release/net10.0/CommandGrid.Silo.dll token --Auth:JwtSecret="$SECRET")

# run VARIANT SILO_DLL EXTRA_ARGS... : one grid, one measurement, appended to $WORK/results.jsonl
run() {
  local variant=$1 dll=$2; shift 2
  local hport gport sport gpid poller=""
  hport=$(free_port); gport=$(free_port); sport=$(free_port)
  dotnet "$dll" --urls "http://127.0.0.1:$hport" --Mqtt:Address=127.0.0.1 --Mqtt:Port="$gport" --Cluster:SiloPort="$sport" \
    --Storage:ConnectionString="Data Source=$WORK/$variant-$RANDOM.db" --Auth:JwtSecret="$SECRET" --Mqtt:DeviceSecret="$DEVICE_SECRET" \
    --RateLimit:PermitsPerSecond=1000000 --Logging:LogLevel:Default=Warning "$@" >"$WORK/$variant.log" 2>&1 & gpid=$!; PIDS+=("$gpid")
  wait_port "$hport"; wait_port "$gport"
  if [ "$variant" = "dashboard-open" ]; then
    ( while sleep 1; do for api in DashboardCounters ClusterStats TopGrainMethods; do
        curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$hport/dashboard/$api" || true; done; done ) & poller=$!
    curl -fs "http://127.0.0.1:$hport/metrics" > "$WORK/metrics-before.txt" || true
  fi
  echo "$variant..." >&2
  TARGET_PID=$gpid node bench/mqtt-roundtrip/bench.js grid "$hport" "$gport" "$SECRET" "$DEVICE_SECRET" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);r.variant=process.argv[1];console.log(JSON.stringify(r))})' "$variant" >> "$WORK/results.jsonl"
  if [ -n "$poller" ]; then
    curl -fs "http://127.0.0.1:$hport/metrics" > "$WORK/metrics-after.txt" || true
    kill "$poller" 2>/dev/null || true
  fi
  kill "$gpid"; wait "$gpid" 2>/dev/null || true
}

# idle VARIANT EXTRA_ARGS... : the silo's CPU over 30 s with nothing to do, 10 s after it answered
idle() {
  local variant=$1; shift
  local hport gport sport gpid t0 t1
  hport=$(free_port); gport=$(free_port); sport=$(free_port)
  dotnet silo/bin/Release/net10.0/CommandGrid.Silo.dll --urls "http://127.0.0.1:$hport" --Mqtt:Address=127.0.0.1 --Mqtt:Port="$gport" \
    --Cluster:SiloPort="$sport" --Storage:ConnectionString="Data Source=$WORK/idle-$variant.db" --Auth:JwtSecret="$SECRET" \
    --Logging:LogLevel:Default=Warning "$@" >"$WORK/idle-$variant.log" 2>&1 & gpid=$!; PIDS+=("$gpid")
  wait_port "$hport"; sleep 10
  t0=$(awk '{print $14+$15}' "/proc/$gpid/stat"); sleep 30; t1=$(awk '{print $14+$15}' "/proc/$gpid/stat")
  echo "$variant: $(( (t1 - t0) * 100 / 30 / 100 )).$(printf '%02d' $(( (t1 - t0) * 100 / 30 % 100 )))% of a core while idle (30 s)" >> "$WORK/idle.txt"
  kill "$gpid"; wait "$gpid" 2>/dev/null || true
}
echo "idle..." >&2
idle dashboard
idle no-dashboard --Dashboard:Enabled=false

for round in $(seq 1 "$ROUNDS"); do
  run before "$WORK/base/silo/bin/Release/net10.0/CommandGrid.Silo.dll"
  run orleans silo/bin/Release/net10.0/CommandGrid.Silo.dll
  run dashboard-open silo/bin/Release/net10.0/CommandGrid.Silo.dll
  run no-dashboard silo/bin/Release/net10.0/CommandGrid.Silo.dll --Dashboard:Enabled=false
done

node -e '
const fs = require("fs");
const rows = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const pad = (v, n) => String(v).padStart(n);
console.log(`${"variant".padEnd(16)}${pad("pairs/s",9)}${pad("p50 ms",9)}${pad("p99 ms",9)}${pad("srv cpu%",10)}${pad("pairs/cpu-s",13)}${pad("gen cpu%",10)}${pad("load1",7)}`);
for (const r of rows) console.log(`${r.variant.padEnd(16)}${pad(r.pairsPerSecond.toFixed(0),9)}${pad(r.p50ms.toFixed(1),9)}${pad(r.p99ms.toFixed(1),9)}${pad(r.targetCpuPct,10)}${pad((r.pairsPerSecond / Math.max(1, r.targetCpuPct) * 100).toFixed(0),13)}${pad(r.genCpuPct,10)}${pad(r.load1,7)}`);
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
console.log("\nmedians:");
for (const v of [...new Set(rows.map((r) => r.variant))]) {
  const rs = rows.filter((r) => r.variant === v);
  console.log(`${v.padEnd(16)}${pad(med(rs.map((r) => r.pairsPerSecond)).toFixed(0),9)} pairs/s  p99 ${med(rs.map((r) => r.p99ms)).toFixed(1)} ms  ${med(rs.map((r) => r.pairsPerSecond / Math.max(1, r.targetCpuPct) * 100)).toFixed(0)} pairs per silo cpu-second`);
}
console.log(`(${rows[0].seconds} s measured after warm-up per run; ${require("os").cpus().length} cores; ${new Date().toISOString()})`);
' "$WORK/results.jsonl"

echo; cat "$WORK/idle.txt"
echo; echo "/metrics around the last dashboard-open run (counter: before -> after; scraped $(wc -l < "$WORK/metrics-before.txt" 2>/dev/null || echo 0) and $(wc -l < "$WORK/metrics-after.txt" 2>/dev/null || echo 0) lines):"
for name in commandgrid_commands_created_total commandgrid_commands_status_changes_total commandgrid_storage_batch_size; do
  { grep "^$name" "$WORK/metrics-after.txt" 2>/dev/null || true; } | while read -r series value _; do
    before=$(grep -F "$series " "$WORK/metrics-before.txt" 2>/dev/null | awk '{print $2}' || true)
    echo "  $series: ${before:-0} -> $value"
  done
done
