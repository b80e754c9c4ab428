#!/usr/bin/env bash
# Idle devices per node (issue 30, step 5: 50,000 idle MQTT devices at <= 6 KB of RSS each, logged in within 20 s).
# A fresh one-node grid (ReadyToRun publish, SQLite file) with its descriptor limit raised; loadgen's P3 connects IDLE
# MQTT devices (MQTT 5, each with the device secret, subscribed at QoS 1 to its own command requests, so each has a
# session, a device link and an active device grain), and reports the seconds until the last is subscribed and the
# node's RSS before and SETTLE s after (RSS delta / connections), and the node's CPU time while they logged in. The node's connect rate limit is off
# (Mqtt:MaxConnectsPerSecond=0; its default of 1,000/s would alone take 50 s for 50,000). Then /metrics gives the node's GC heap, to tell managed
# memory from the rest. Variants alternate for ROUNDS rounds, the order flipped each round: BUILDS="this" runs this
# checkout's publish; BUILDS="this base" also runs BASE_DLL (another checkout's CommandGrid.Silo.dll) for a side by side.
# Usage: bench/idle.sh     env: IDLE=50000 ROUNDS=1 SETTLE=10 WORKERS=2 BUILDS="this" BASE_DLL=... NO_BUILD=1 KEEP=1
set -euo pipefail
cd "$(dirname "$0")/.."
IDLE=${IDLE:-50000}; ROUNDS=${ROUNDS:-1}; SETTLE=${SETTLE:-10}; WORKERS=${WORKERS:-2}; BUILDS=${BUILDS:-this}
BENCH_NAME=idle
# shellcheck source=bench/lib/one-node.sh
. bench/lib/one-node.sh
build_release silo bench/loadgen
declare -A DLL=([this]=$(grid_dll) [base]=${BASE_DLL:-})

# Every idle device is one socket in a generator worker and one in the node, whose MQTT limit follows its descriptor
# limit (gateway/Hosting/ConnectionLimits.cs: 20,000 descriptors allow 16,639 MQTT connections). Root with
# CAP_SYS_RESOURCE may raise the hard limit; where it cannot (this machine: 20,000), IDLE stays below that.
ulimit -n $((IDLE + 20000)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((IDLE * 10 / 9 + 2000)) ] || { echo "ulimit -n $(ulimit -n) is too low for IDLE=$IDLE (a hard limit of $(ulimit -Hn))" >&2; exit 1; }
# All of them come from 127.0.0.1 to one port: each needs an ephemeral port of its own.
read -r low high < /proc/sys/net/ipv4/ip_local_port_range
[ $((high - low)) -gt $((IDLE + 1000)) ] || { echo "ephemeral ports $low-$high are too few for IDLE=$IDLE (sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\", and back to \"32768 60999\" before the tests)" >&2; exit 1; }
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, .NET SDK $(dotnet --version); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== command: IDLE=$IDLE ROUNDS=$ROUNDS SETTLE=$SETTLE WORKERS=$WORKERS BUILDS=\"$BUILDS\" bench/idle.sh ($(git rev-parse --short HEAD))"

# live_heap_bytes: the node's live managed objects now, from a heap snapshot (dotnet-gcdump, which collects first);
# empty without the tool. RSS says what the machine pays; this says what the objects themselves take, without the
# garbage and the GC's headroom that RSS also holds.
GCDUMP=$(command -v dotnet-gcdump || echo "$HOME/.dotnet/tools/dotnet-gcdump")
live_heap_bytes() {
  [ -x "$GCDUMP" ] || return 0
  "$GCDUMP" collect -p "$GPID" -o "$WORK/heap.gcdump" >/dev/null 2>&1 || return 0
  "$GCDUMP" report "$WORK/heap.gcdump" 2>/dev/null | awk '/GC Heap bytes/ {gsub(",", "", $1); print $1; exit}'
  rm -f "$WORK/heap.gcdump"
}

printf '%-6s %-5s %10s %7s %10s %14s %13s %14s %18s %19s\n' round build connected failed "connect s" "RSS before MB" "RSS after MB" "RSS KB/device" "live heap KB/device" "login CPU-ms/device"
for round in $(seq 1 "$ROUNDS"); do
  order=$BUILDS
  [ $((round % 2)) -eq 0 ] && order=$(echo "$BUILDS" | tr ' ' '\n' | tac | tr '\n' ' ')
  for build in $order; do
    [ -n "${DLL[$build]}" ] || { echo "no DLL for build $build (BASE_DLL?)" >&2; exit 1; }
    rm -f "$WORK/grid.db"*
    GRID_DLL=${DLL[$build]} start_grid --Mqtt:MaxConnectsPerSecond=0
    sleep 5
    heap0=$(live_heap_bytes)
    out=$WORK/idle-$round-$build.json
    "$LG" idle --target grid --label "$build" --target-pid "$GPID" --mqtt-port "$MPORT" --http-port "$HPORT" \
      --jwt-secret "$SECRET" --device-secret "$DEVICE_SECRET" --workers "$WORKERS" --count "$IDLE" --prefix "idle$round" \
      --settle "$SETTLE" --out "$out" --hold-file "$WORK/release-$round-$build" >/dev/null & IPID=$!
    while [ ! -f "$out" ]; do kill -0 "$IPID" 2>/dev/null || { echo "loadgen idle failed" >&2; exit 1; }; sleep 0.5; done
    heap1=$(live_heap_bytes)
    python3 -c "
import json,sys; r=json.load(open(sys.argv[1])); h0, h1 = sys.argv[4], sys.argv[5]
live = '%.1f' % ((int(h1) - int(h0)) / max(1, r['connected']) / 1024) if h0 and h1 else 'n/a'
print('%-6s %-5s %10d %7d %10.1f %14.0f %13.0f %14.1f %18s %19.2f' % (sys.argv[2], sys.argv[3], r['connected'], r['failed'], r['connectSeconds'],
  r['rssBeforeMB'], r['rssAfterMB'], (r['bytesPerConnection'] or 0) / 1024, live, r['targetCpuSecondsConnecting'] * 1000 / max(1, r['connected'])))" "$out" "$round" "$build" "${heap0:-}" "${heap1:-}"
    touch "$WORK/release-$round-$build"; wait "$IPID" || true
    kill "$GPID"; wait "$GPID" 2>/dev/null || true
  done
done
