#!/usr/bin/env bash
# Cold start (issue 30, step 3): how fast a fresh one-node grid (Release, SQLite file) carries P1 in its first COLD
# seconds against later, once warm. Each variant's node starts on an empty database; P1 (DEVICES MQTT devices answering
# SUCCEEDED, commands created over REST, DEVICES in flight) starts the moment the node answers, and the commands
# answered (SUCCEEDED on /metrics) and the node's CPU time are read at 0, COLD, WARM_FROM and WARM_FROM + WARM s.
# Variants alternate for ROUNDS rounds, the order flipped each round:
#   jit  the Release build output (every method JIT-compiled as it is first called)
#   r2r  the ReadyToRun publish of scripts/publish.sh (what scripts/cluster.sh and the other benchmarks run)
#   r2r-nopgo  the same with dynamic PGO off (DOTNET_TieredPGO=0: hot methods are compiled once at tier 1, without an
#        instrumented tier first)
# Prints per run: seconds from launch to answering, pairs/s and CPU-ms per pair in the cold and the warm window, and
# cold / warm (the issue's goal: >= 75 %).
# Usage: bench/coldstart.sh     env: ROUNDS=2 DEVICES=200 COLD=20 WARM_FROM=60 WARM=20 WORKERS=2 VARIANTS="jit r2r" KEEP=1
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2}; DEVICES=${DEVICES:-200}; COLD=${COLD:-20}; WARM_FROM=${WARM_FROM:-60}; WARM=${WARM:-20}; WORKERS=${WORKERS:-2}
VARIANTS=${VARIANTS:-jit r2r}
BENCH_NAME=coldstart
# shellcheck source=bench/lib/one-node.sh
. bench/lib/one-node.sh
if [ -z "${NO_BUILD:-}" ]; then
  build_release bench/loadgen
  echo "building and publishing the silo..." >&2
  dotnet build -c Release silo -v q -nologo >/dev/null
  scripts/publish.sh >/dev/null
fi
declare -A DLL=([jit]=$ROOT/silo/bin/Release/net10.0/CommandGrid.Silo.dll [r2r]=$ROOT/publish/silo/CommandGrid.Silo.dll
  [r2r-nopgo]=$ROOT/publish/silo/CommandGrid.Silo.dll)
declare -A PGO=([jit]=1 [r2r]=1 [r2r-nopgo]=0)

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, .NET SDK $(dotnet --version); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== command: ROUNDS=$ROUNDS DEVICES=$DEVICES COLD=$COLD WARM_FROM=$WARM_FROM WARM=$WARM WORKERS=$WORKERS VARIANTS=\"$VARIANTS\" bench/coldstart.sh ($(git rev-parse --short HEAD))"

# sample: "answered cpu_seconds" now, for the node.
sample() {
  local answered
  answered=$(curl -sf "http://127.0.0.1:$HPORT/metrics" | awk '/^commandgrid_commands_status_changes_total/ && /SUCCEEDED/ {s += $NF} END {printf "%d", s}')
  echo "$answered $(awk -v t="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); split($0, f, " "); printf "%.2f", (f[12] + f[13]) / t}' "/proc/$GPID/stat")"
}

# at S: sleeps until S s after the node answered.
at() { local left; left=$(python3 -c "import time,sys; print(max(0.0, $T0 + $1 - time.time()))"); sleep "$left"; }

printf '| round | variant | launch to answering, s | cold pairs/s | cold CPU-ms per pair | warm pairs/s | warm CPU-ms per pair | cold / warm |\n|---|---|---|---|---|---|---|---|\n' | tee "$WORK/table.md"
for round in $(seq 1 "$ROUNDS"); do
  order=$VARIANTS; (( round % 2 )) || order=$(echo "$VARIANTS" | tr ' ' '\n' | tac | tr '\n' ' ')
  for variant in $order; do
    GRID_DLL=${DLL[$variant]}
    launched=$(date +%s.%N)
    DOTNET_TieredPGO=${PGO[$variant]} start_grid
    T0=$(date +%s.%N)
    "$LG" run --target grid --label "cold-$variant" --target-pid "$GPID" --mqtt-port "$MPORT" --workers "$WORKERS" \
      --http-port "$HPORT" --jwt-secret "$SECRET" --device-secret "$DEVICE_SECRET" --workload P1 --devices "$DEVICES" \
      --window "$DEVICES" --warmup 0 --duration $((WARM_FROM + WARM + 5)) --prefix "cold-$round-$variant" \
      --out "$WORK/$variant-$round.json" >"$WORK/$variant-$round.out" 2>&1 & LPID=$!
    PIDS+=("$LPID")
    read -r a0 c0 < <(sample)
    at "$COLD"; read -r a1 c1 < <(sample)
    at "$WARM_FROM"; read -r a2 c2 < <(sample)
    at $((WARM_FROM + WARM)); read -r a3 c3 < <(sample)
    wait "$LPID" || { echo "coldstart: the generator failed ($variant, round $round):" >&2; tail -20 "$WORK/$variant-$round.out" >&2; exit 1; }
    kill "$GPID"; wait "$GPID" 2>/dev/null || true
    rm -f "$WORK/grid.db"*
    python3 - "$round" "$variant" "$launched" "$T0" "$COLD" "$WARM" "$a0" "$c0" "$a1" "$c1" "$a2" "$c2" "$a3" "$c3" <<'PY' | tee -a "$WORK/table.md"
import sys
r, v, launched, t0, cold, warm = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
a0, c0, a1, c1, a2, c2, a3, c3 = map(float, sys.argv[7:])
cold_rate, warm_rate = (a1 - a0) / cold, (a3 - a2) / warm
per = lambda cpu, pairs: f"{1000 * cpu / pairs:.2f}" if pairs else "-"
print(f"| {r} | {v} | {t0 - launched:.1f} | {cold_rate:,.0f} | {per(c1 - c0, a1 - a0)} | {warm_rate:,.0f} | {per(c3 - c2, a3 - a2)} | "
      f"{100 * cold_rate / warm_rate if warm_rate else 0:.0f} % |")
PY
  done
done
