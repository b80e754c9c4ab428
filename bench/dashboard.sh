#!/usr/bin/env bash
# What the dashboard's per-method tables cost: P1 (closed loop, loadgen) against one node with the Orleans Dashboard
# open (its API polled every second as its page does: DashboardCounters, ClusterStats, TopGrainMethods), once with
# per-call profiling off (Dashboard:ProfileGrainCalls=false) and once on (the default), alternating ROUNDS times in one
# run on fresh SQLite files. Prints one row per run (with how many rows the page's method table had at the end) and
# the medians of each variant.
# Usage: bench/dashboard.sh     env: ROUNDS=3 DEVICES=200 WINDOW=$DEVICES WORKERS=2 WARMUP=20 DURATION=20 NO_BUILD=1 KEEP=1
# WARMUP is 20 s for the reason bench/compare.sh gives (tiered JIT of Orleans' code).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}; DEVICES=${DEVICES:-200}; WINDOW=${WINDOW:-$DEVICES}; WORKERS=${WORKERS:-2}
WARMUP=${WARMUP:-20}; DURATION=${DURATION:-20}
BENCH_NAME=dashboard
# shellcheck source=bench/lib/one-node.sh
. bench/lib/one-node.sh
build_release silo bench/loadgen

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, .NET SDK $(dotnet --version); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== command: ROUNDS=$ROUNDS DEVICES=$DEVICES WINDOW=$WINDOW WORKERS=$WORKERS WARMUP=$WARMUP DURATION=$DURATION bench/dashboard.sh"

# measure VARIANT [GRID-ARGS...]: one fresh node, the dashboard open, one P1 run, its result in $WORK/VARIANT-N.json.
RUN=0
measure() {
  local variant=$1; shift
  RUN=$((RUN + 1))
  rm -f "$WORK"/grid.db*
  start_grid "$@"
  local token; token=$(dotnet "$(grid_dll)" token --Auth:JwtSecret="$SECRET")
  ( while sleep 1; do for api in DashboardCounters ClusterStats TopGrainMethods; do
      curl -fs -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$HPORT/dashboard/$api" || true; done; done ) &
  local poller=$!; PIDS+=("$poller")
  echo "  $variant (run $RUN)..." >&2
  "$LG" run --target grid --label "$variant" --target-pid "$GPID" --mqtt-port "$MPORT" --workers "$WORKERS" \
    --http-port "$HPORT" --jwt-secret "$SECRET" --device-secret "$DEVICE_SECRET" --workload P1 --devices "$DEVICES" \
    --window "$WINDOW" --warmup "$WARMUP" --duration "$DURATION" --prefix "db$RUN" --out "$WORK/$variant-$RUN.json" >"$WORK/loadgen-$RUN.out"
  # The method table the page shows: how many calls the last TopGrainMethods answer counted.
  curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$HPORT/dashboard/TopGrainMethods" > "$WORK/top-$RUN.json" || echo '{}' > "$WORK/top-$RUN.json"
  kill "$poller" 2>/dev/null || true
  kill "$GPID"; wait "$GPID" 2>/dev/null || true
  python3 - "$WORK/$variant-$RUN.json" "$WORK/top-$RUN.json" "$variant" <<'PY'
import json, sys
path, top, variant = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.load(open(path))
r["variant"] = variant
try:
    t = json.load(open(top))
    r["methodRows"] = sum(len(v) for v in t.values()) if isinstance(t, dict) else 0
except Exception:
    r["methodRows"] = 0
open(path, "w").write(json.dumps(r))
PY
}

for round in $(seq 1 "$ROUNDS"); do
  measure profiling-off --Dashboard:ProfileGrainCalls=false
  measure profiling-on --Dashboard:ProfileGrainCalls=true
done

python3 - "$WORK" <<'PY'
import glob, json, os, statistics, sys
rows = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(sys.argv[1], "profiling-*.json")), key=lambda f: int(f.rsplit("-", 1)[1][:-5]))]
print(f"{'variant':<15}{'pairs/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU-s/1000':>12}{'cores':>7}{'errors':>8}{'method rows':>13}")
for r in rows:
    print(f"{r['variant']:<15}{r['pairsPerSecond']:>9.0f}{r['p50ms']:>9.1f}{r['p99ms']:>9.1f}{r['targetCpuPer1000']:>12.3f}{r['targetCores']:>7.2f}{r['errors']:>8}{r['methodRows']:>13}")
print("medians:")
for v in ("profiling-off", "profiling-on"):
    rs = [r for r in rows if r["variant"] == v]
    if rs:
        print(f"{v:<15}{statistics.median(r['pairsPerSecond'] for r in rs):>9.0f} pairs/s  {statistics.median(r['targetCpuPer1000'] for r in rs):.3f} CPU-s per 1,000 pairs")
PY
