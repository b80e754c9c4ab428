#!/usr/bin/env bash
# A fleet job on one node (Release grid, SQLite file), through the REST door: THINGS registered things in one network,
# a dynamic group over it, DEVICES of them connected over MQTT through the load generator (they answer SUCCEEDED), one
# job to the group with no rollout limit (or MAX_PER_MINUTE). Prints how fast the job created its executions, how long
# it took to end, and whether it ended COMPLETED with counts exactly {SUCCEEDED: DEVICES, TIMED_OUT: the rest}.
# Usage: bench/jobs.sh      env: THINGS=100000 DEVICES=0 TTL=60 MAX_PER_MINUTE= KEEP=1 (keeps the database)
#   the 2,000-device case: THINGS=2000 DEVICES=2000 TTL=120 bench/jobs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
THINGS=${THINGS:-100000}; DEVICES=${DEVICES:-0}; TTL=${TTL:-60}
BENCH_NAME=jobs
# shellcheck source=bench/lib/one-node.sh
. bench/lib/one-node.sh
build_release silo bench/loadgen
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "== command: THINGS=$THINGS DEVICES=$DEVICES TTL=$TTL MAX_PER_MINUTE=${MAX_PER_MINUTE:-} bench/jobs.sh"
# Room for the devices' sockets on both sides of loopback.
ulimit -n 65536 2>/dev/null || true
start_grid ${GRID_EXTRA:-}
ROLLOUT=()
[ -n "${MAX_PER_MINUTE:-}" ] && ROLLOUT=(--max-per-minute "$MAX_PER_MINUTE")
"$LG" job --http-port "$HPORT" --mqtt-port "$MPORT" --jwt-secret "$SECRET" --device-secret "$DEVICE_SECRET" --target-pid "$GPID" \
  --things "$THINGS" --devices "$DEVICES" --ttl "$TTL" --prefix "job$(date +%s)" "${ROLLOUT[@]}" --out "$WORK/job.json" \
  >"$WORK/job.out" 2>"$WORK/job.err" || { cat "$WORK/job.err" >&2; cat "$WORK/job.out"; exit 1; }
cat "$WORK/job.err" >&2
kill -0 "$GPID" 2>/dev/null || { echo "jobs: the grid EXITED" >&2; tail -20 "$WORK/grid.log" >&2; exit 1; }
python3 - "$WORK/job.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"== {r['things']} things registered in {r['registerSeconds']} s; {r['devices']} devices connected; POST /jobs answered in {r['postAnsweredSeconds']} s")
print(f"== every execution created {r['allCreatedSeconds']} s after the POST: {r['createsPerSecond']}/s (best second {r['bestSecondCreates']}/s), "
      f"grid CPU {r['gridCpuSecondsCreating']} s")
print(f"== job {r['status']} {r['endedSeconds']} s after the POST (ttl {r['ttl']} s), counts {json.dumps(r['counts'])}, "
      f"expected {json.dumps(r['expectedCounts'])}: {'exact' if r['countsExact'] else 'NOT EXACT'}; grid RSS {r['gridRssBeforeMB']} -> {r['gridRssEndMB']} MB; load {r['loadavg']}")
sys.exit(0 if r['status'] == 'COMPLETED' and r['countsExact'] else 1)
PY
