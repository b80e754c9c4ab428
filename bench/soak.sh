#!/usr/bin/env bash
# Soak: a one-node grid (Release, SQLite file) under P1 at its full rate for DURATION seconds. Every INTERVAL
# seconds it prints the grid's RSS, GC heap (after the last collection), Orleans activations and the pairs/s the
# grid completed (SUCCEEDED transitions on /metrics, so the figure is the grid's, not the generator's). At the end:
# the RSS slope after the first 2 minutes, RSS at the end against RSS at 2 minutes, the generator's own totals.
# Exit 1 when the generator saw errors or the end RSS is over LIMIT (default 1.2) × the 2-minute RSS (runs of
# 4 minutes or more; shorter runs only report).
# Usage: bench/soak.sh     env: DURATION=1800 INTERVAL=10 DEVICES=200 WINDOW=$DEVICES WORKERS=2 LIMIT=1.2 KEEP=1
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-1800}; INTERVAL=${INTERVAL:-10}; DEVICES=${DEVICES:-200}; WINDOW=${WINDOW:-$DEVICES}; WORKERS=${WORKERS:-2}
LIMIT=${LIMIT:-1.2}
BENCH_NAME=soak
# shellcheck source=bench/lib/one-node.sh
. bench/lib/one-node.sh
build_release silo bench/loadgen

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, .NET SDK $(dotnet --version); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== command: DURATION=$DURATION INTERVAL=$INTERVAL DEVICES=$DEVICES WINDOW=$WINDOW WORKERS=$WORKERS bench/soak.sh"
start_grid

"$LG" run --target grid --label soak --target-pid "$GPID" --mqtt-port "$MPORT" --workers "$WORKERS" \
  --http-port "$HPORT" --jwt-secret "$SECRET" --device-secret "$DEVICE_SECRET" --workload P1 --devices "$DEVICES" \
  --window "$WINDOW" --warmup 0 --duration "$DURATION" --prefix soak --out "$WORK/loadgen.json" >"$WORK/loadgen.out" 2>&1 & LPID=$!
PIDS+=("$LPID")

# sample T: one line of "t rss_mb heap_mb activations succeeded" from /proc and /metrics.
sample() {
  local rss
  rss=$(( $(rss_kb "$GPID") / 1024 ))
  curl -sf "http://127.0.0.1:$HPORT/metrics" | python3 -c '
import sys
heap = act = done = 0.0
for line in sys.stdin:
    if line.startswith("#"): continue
    name, _, value = line.rpartition(" ")
    if name.startswith("dotnet_gc_last_collection_heap_size_bytes"): heap += float(value)
    elif name.startswith("orleans_catalog_activations"): act += float(value)
    elif name.startswith("commandgrid_commands_status_changes_total") and "SUCCEEDED" in name: done += float(value)
print(sys.argv[1], sys.argv[2], "%.1f" % (heap / 1048576), int(act), int(done))' "$1" "$rss"
}

START=$(date +%s)
printf '%8s %10s %10s %12s %10s\n' "t s" "RSS MB" "heap MB" "activations" "pairs/s" | tee "$WORK/samples.txt"
PREV_T=0; PREV_DONE=0
while kill -0 "$LPID" 2>/dev/null; do
  sleep "$INTERVAL"
  kill -0 "$GPID" 2>/dev/null || { echo "soak: the grid EXITED" >&2; tail -20 "$WORK/grid.log" >&2; exit 1; }
  kill -0 "$LPID" 2>/dev/null || break
  T=$(( $(date +%s) - START ))
  read -r t rss heap act done < <(sample "$T")
  rate=$(python3 -c "print('%.0f' % (($done - $PREV_DONE) / max(1, $t - $PREV_T)))")
  printf '%8s %10.0f %10s %12s %10s\n' "$t" "$rss" "$heap" "$act" "$rate" | tee -a "$WORK/samples.txt"
  echo "$t $rss $heap $act $rate" >>"$WORK/series.txt"
  PREV_T=$t; PREV_DONE=$done
done
wait "$LPID" || { echo "soak: the generator failed:" >&2; tail -20 "$WORK/loadgen.out" >&2; exit 1; }

python3 - "$WORK/series.txt" "$WORK/loadgen.json" "$LIMIT" "$DURATION" <<'EOF'
import json, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
gen = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
limit, duration = float(sys.argv[3]), float(sys.argv[4])
print(f"== generator: {gen['pairs']} pairs in {gen['seconds']} s ({gen['pairs'] / max(gen['seconds'], 1):.0f}/s), {gen['errors']} errors")
late = [r for r in rows if r[0] >= 120] or rows
def slope(points):  # least squares, MB per minute
    n = len(points)
    if n < 2: return 0.0
    mx = sum(p[0] for p in points) / n; my = sum(p[1] for p in points) / n
    den = sum((p[0] - mx) ** 2 for p in points) or 1
    return 60 * sum((p[0] - mx) * (p[1] - my) for p in points) / den
rates = [r[4] for r in late]
at2, end = late[0], rows[-1]
ratio = end[1] / at2[1]
print(f"== RSS at {at2[0]:.0f} s: {at2[1]:.0f} MB; at the end ({end[0]:.0f} s): {end[1]:.0f} MB; ratio {ratio:.2f} (limit {limit}); "
      f"slope after 2 min: {slope([(r[0], r[1]) for r in late]):+.2f} MB/min RSS, {slope([(r[0], r[2]) for r in late]):+.2f} MB/min GC heap")
print(f"== pairs/s after 2 min: min {min(rates):.0f}, mean {sum(rates) / len(rates):.0f}, max {max(rates):.0f}; "
      f"activations at the end: {end[3]:.0f} (max {max(r[3] for r in rows):.0f})")
failed = gen["errors"] > 0 or gen["pairs"] == 0 or (duration >= 240 and ratio > limit)
print("== verdict: " + ("FAILED" if failed else ("flat" if duration >= 240 else "too short to judge flatness")))
sys.exit(1 if failed else 0)
EOF
