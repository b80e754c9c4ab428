#!/usr/bin/env bash
# What one command costs, where it goes (issue 30's breakdown): loadgen P1 (DEVICES MQTT devices answering SUCCEEDED,
# commands created over REST, DEVICES in flight) for WARMUP s, then a WINDOW s window at both ends of which every
# process's /metrics (Orleans' meters, the grid's), its CPU time and PostgreSQL's statistics (pg_stat_database,
# pg_stat_statements) are read (bench/cost/breakdown.py); the table counts everything per command created in the window.
# Before the load, SETTLE s after the target started, an IDLE s window measures what it burns doing nothing, so the
# table can say what a command costs above that. RATE=N makes P1 open-loop at N commands/s (the same work for every target, none of them
# saturated) instead of DEVICES in flight.
# Targets, one after the other in one run:
#   node     one process on a SQLite file (the default deployment)
#   node-pg  one process on PostgreSQL (what PostgreSQL costs, without a cluster)
#   cluster  scripts/cluster.sh: 3 silos and 2 gateways on PostgreSQL, P1 through gateway 1 (REST and MQTT)
# Usage: bench/cost.sh     env: TARGETS="node node-pg cluster" DEVICES=200 WARMUP=15 WINDOW=20 MARGIN=5 SETTLE=15 IDLE=10 RATE= WORKERS=2 NO_BUILD=1 KEEP=1
#   GRID_ROOT=DIR runs the grid built in another checkout (its scripts/cluster.sh too); OUT_DIR=DIR keeps each target's JSON
#   there (bench/cost-ab.sh uses both to put two builds side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=${TARGETS:-node node-pg cluster}; DEVICES=${DEVICES:-200}; WARMUP=${WARMUP:-15}; WINDOW=${WINDOW:-20}; WORKERS=${WORKERS:-2}
MARGIN=${MARGIN:-5}; SETTLE=${SETTLE:-15}; IDLE=${IDLE:-10}; RATE=${RATE:-}
if [ -n "$RATE" ]; then PACE=(--rate "$RATE"); else PACE=(--window "$DEVICES"); fi
BENCH_NAME=cost
# shellcheck source=bench/lib/one-node.sh
. bench/lib/one-node.sh
build_release silo gateway bench/loadgen
BD=bench/cost/breakdown.py
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== command: TARGETS=\"$TARGETS\" DEVICES=$DEVICES WARMUP=$WARMUP WINDOW=$WINDOW SETTLE=$SETTLE IDLE=$IDLE RATE=$RATE WORKERS=$WORKERS bench/cost.sh (grid: $GRID_ROOT at $(git -C "$GRID_ROOT" rev-parse --short HEAD)$(git -C "$GRID_ROOT" diff --quiet HEAD -- . ':!bench' || echo ' with changes'))"

# PostgreSQL of its own (outside $WORK, which its server user may not enter), with pg_stat_statements loaded.
PGDIR=/tmp/cg-cost-pg-$$; PGPORT=$(free_port); DSN=
start_pg() {
  DSN=$(PGTEST_DIR=$PGDIR PGTEST_PORT=$PGPORT PGTEST_OPTIONS="-c shared_preload_libraries=pg_stat_statements" \
    scripts/postgres-test-server.sh start | tail -1)
  psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d commandgrid_test -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
}
stop_all() {
  [ -f "$WORK/cluster/silo0.pid" ] && CLUSTER_DIR=$WORK/cluster "$GRID_ROOT/scripts/cluster.sh" stop >/dev/null 2>&1 || true
  [ -d "$PGDIR" ] && { PGTEST_DIR=$PGDIR PGTEST_PORT=$PGPORT scripts/postgres-test-server.sh stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"; }
  cleanup
}
trap stop_all EXIT

# p1 LABEL HTTP MQTT PID: P1 in the background against a door; returns once commands flow, then WARMUP s more. Its
# measured phase lasts the window and MARGIN s more, for the scrapes at the window's ends.
p1() {
  "$LG" run --target grid --label "$1" --target-pid "$4" --http-port "$2" --mqtt-port "$3" --workers "$WORKERS" \
    --jwt-secret "$SECRET" --device-secret "$DEVICE_SECRET" --workload P1 --devices "$DEVICES" "${PACE[@]}" \
    --warmup "$WARMUP" --duration $((WINDOW + MARGIN)) --prefix "dev-$1" --out "$WORK/$1-p1.json" >"$WORK/$1-p1.out" 2>&1 & LGPID=$!
  PIDS+=("$LGPID")
  # grep -c reads to the end: grep -q would close the pipe early, and under pipefail curl's SIGPIPE fails the test.
  until [ "$(curl -fs "http://127.0.0.1:$2/metrics" | grep -c '^commandgrid_commands_created_total')" != 0 ]; do
    kill -0 "$LGPID" 2>/dev/null || { echo "loadgen ended before any command was created:" >&2; tail -5 "$WORK/$1-p1.out" >&2; exit 1; }
    sleep 0.5
  done
  sleep "$WARMUP"
}

for target in $TARGETS; do
  echo "== $target"
  case $target in
    node|node-pg)
      extra=()
      if [ "$target" = node-pg ]; then [ -n "$DSN" ] || start_pg; extra=(--Storage:Provider=postgres "--Storage:ConnectionString=$DSN"); fi
      start_grid "${extra[@]}"
      pids=(--pid "node=$GPID"); urls=(--metrics "node=http://127.0.0.1:$HPORT/metrics")
      [ "$target" = node-pg ] && pids+=(--pid "pg=$(head -1 "$PGDIR/data/postmaster.pid")")
      sleep "$SETTLE"
      python3 "$BD" measure --label "$target" --window "$IDLE" --out "$WORK/$target-idle.json" "${pids[@]}" "${urls[@]}"
      p1 "$target" "$HPORT" "$MPORT" "$GPID"
      python3 "$BD" measure --label "$target" --window "$WINDOW" --idle "$WORK/$target-idle.json" --out "$WORK/$target.json" \
        "${pids[@]}" "${urls[@]}" ${extra:+--pg "$PGPORT"}
      wait "$LGPID" || true
      kill "$GPID"; wait "$GPID" 2>/dev/null || true
      ;;
    cluster)
      [ -n "$DSN" ] || start_pg
      SECRET=cost-cluster-secret-that-is-long-enough-for-hs256; DEVICE_SECRET=cost-device-secret
      # The cluster script's processes take these from the environment (ASP.NET Core's configuration).
      CLUSTER_DIR=$WORK/cluster COMMANDGRID_POSTGRES=$DSN COMMANDGRID_JWT_SECRET=$SECRET Mqtt__DeviceSecret=$DEVICE_SECRET \
        RateLimit__PermitsPerSecond=1000000 Logging__LogLevel__Default=Warning "$GRID_ROOT/scripts/cluster.sh" start >"$WORK/cluster.out"
      pids=(--pid "pg=$(head -1 "$PGDIR/data/postmaster.pid")"); urls=()
      for i in 0 1 2; do pids+=(--pid "silo$i=$(cat "$WORK/cluster/silo$i.pid")"); urls+=(--metrics "silo$i=http://127.0.0.1:510$((i + 1))/metrics"); done
      for i in 0 1; do pids+=(--pid "gateway$i=$(cat "$WORK/cluster/gateway$i.pid")"); urls+=(--metrics "gateway$i=http://127.0.0.1:520$((i + 1))/metrics"); done
      sleep "$SETTLE"
      python3 "$BD" measure --label cluster --window "$IDLE" --out "$WORK/cluster-idle.json" "${pids[@]}" "${urls[@]}"
      p1 cluster 5201 18831 "$(cat "$WORK/cluster/gateway0.pid")"
      python3 "$BD" measure --label cluster --window "$WINDOW" --idle "$WORK/cluster-idle.json" --out "$WORK/cluster.json" \
        "${pids[@]}" "${urls[@]}" --pg "$PGPORT"
      wait "$LGPID" || true
      CLUSTER_DIR=$WORK/cluster "$GRID_ROOT/scripts/cluster.sh" stop >/dev/null
      ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  [ -n "${OUT_DIR:-}" ] && cp "$WORK/$target.json" "$WORK/$target-p1.json" "$OUT_DIR/"
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"   loadgen over its own {r['seconds']} s: {r['pairsPerSecond']} pairs/s, p50 {r['p50ms']} ms, p99 {r['p99ms']} ms, {r['errors']} errors, generator {r['generatorCores']} cores\")" "$WORK/$target-p1.json" 2>/dev/null || tail -3 "$WORK/$target-p1.out"
done
echo
python3 "$BD" table $(for t in $TARGETS; do echo "$WORK/$t.json"; done) | tee "$WORK/table.md"
