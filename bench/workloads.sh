#!/usr/bin/env bash
# Runs workloads P1-P4 (bench/README.md) against CommandGrid, mosquitto and an MQTTnet 5.2 server with one
# C# load generator (bench/loadgen), and prints one table with every target side by side.
# Usage: bench/workloads.sh
#   env: DEVICES=200 WINDOW=$DEVICES WORKERS=2 WARMUP=5 DURATION=15 IDLE=10000 TTL_COUNT=10000 TTL_MIN=20 TTL_MAX=40
#        TARGETS="grid mosquitto mqttnet"  KEEP=1 (keep the JSON results; their folder is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEVICES=${DEVICES:-200}; WINDOW=${WINDOW:-$DEVICES}; WORKERS=${WORKERS:-2}; WARMUP=${WARMUP:-5}; DURATION=${DURATION:-15}
IDLE=${IDLE:-10000}; TTL_COUNT=${TTL_COUNT:-10000}; TTL_MIN=${TTL_MIN:-20}; TTL_MAX=${TTL_MAX:-40}
TARGETS=${TARGETS:-"grid mosquitto mqttnet"}
WORK=$(mktemp -d /tmp/cg-workloads-XXXXXX)
OUT=$WORK/results; mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() {
  touch "$WORK/release-idle" 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "results kept in $OUT" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
wait_port() { for _ in $(seq 1 600); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

# Every idle device is one socket in the generator and one in the target (same user, same limit).
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((IDLE + DEVICES + 500)) ] || { echo "ulimit -n $(ulimit -n) is too low for IDLE=$IDLE" >&2; exit 1; }

echo "== machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB," \
     ".NET SDK $(dotnet --version), kernel $(uname -r), mosquitto $(/usr/sbin/mosquitto -h | head -1 | awk '{print $3}'), ulimit -n $(ulimit -n)"
echo "== command: DEVICES=$DEVICES WINDOW=$WINDOW WORKERS=$WORKERS WARMUP=$WARMUP DURATION=$DURATION IDLE=$IDLE TTL_COUNT=$TTL_COUNT TTL_MIN=$TTL_MIN TTL_MAX=$TTL_MAX TARGETS=\"$TARGETS\" bench/workloads.sh"
# The grid's SQLite runs synchronous=FULL (an fsync per commit): the temp dir's fsync time bounds a lone pair's latency.
FSYNC_MS=$(python3 -c "
import os,time; f=os.open('$WORK/fsync-probe',os.O_WRONLY|os.O_CREAT); t=time.perf_counter(); n=50
for i in range(n): os.write(f,b'x'*4096); os.fsync(f)
print('%.2f'%((time.perf_counter()-t)*1000/n)); os.close(f); os.remove('$WORK/fsync-probe')")
echo "== fsync of a 4 KiB write in $WORK ($(df -T "$WORK" | awk 'NR==2{print $2}')): ${FSYNC_MS} ms on average over 50"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg); busiest other processes:"
ps -eo pcpu,etime,comm --sort=-pcpu | sed -n 2,6p | sed 's/^/   /'

echo "building (Release): silo, bench/loadgen, bench/mqttnet-server..." >&2
dotnet build -c Release silo -v q -nologo >/dev/null
dotnet build -c Release bench/loadgen -v q -nologo >/dev/null
dotnet build -c Release bench/mqttnet-server -v q -nologo >/dev/null
LG=$ROOT/bench/loadgen/bin/Release/net10.0/loadgen

SECRET="bench-secret-$(date +%s)-long-enough-for-hs256-signing"
DEVICE_SECRET="bench-device-secret"
start_target() { # $1 = target; sets TPID, MPORT, HPORT, KIND
  MPORT=$(free_port); HPORT=""; KIND=relay
  case "$1" in
    mosquitto)
      printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nmax_queued_messages 10000\n' "$MPORT" > "$WORK/mosquitto.conf"
      /usr/sbin/mosquitto -c "$WORK/mosquitto.conf" 2>"$WORK/mosquitto.log" & TPID=$! ;;
    mqttnet)
      "$ROOT/bench/mqttnet-server/bin/Release/net10.0/mqttnet-server" "$MPORT" >"$WORK/mqttnet.log" 2>&1 & TPID=$! ;;
    grid)
      KIND=grid; HPORT=$(free_port); SPORT=$(free_port); mkdir -p "$WORK/grid"
      dotnet "$ROOT/silo/bin/Release/net10.0/CommandGrid.Silo.dll" --urls "http://127.0.0.1:$HPORT" --Cluster:SiloPort="$SPORT" \
        --Mqtt:Address=127.0.0.1 --Mqtt:Port="$MPORT" --Storage:ConnectionString="Data Source=$WORK/grid/grid.db" \
        --Auth:JwtSecret="$SECRET" --Mqtt:DeviceSecret="$DEVICE_SECRET" --RateLimit:PermitsPerSecond=1000000 \
        --Logging:LogLevel:Default=Warning >"$WORK/grid.log" 2>&1 & TPID=$!
      wait_port "$HPORT" ;;
  esac
  PIDS+=("$TPID"); wait_port "$MPORT"
}
conn_args() { echo --target "$KIND" --label "$1" --target-pid "$TPID" --mqtt-port "$MPORT" --workers "$WORKERS" \
  ${HPORT:+--http-port "$HPORT" --jwt-secret "$SECRET" --device-secret "$DEVICE_SECRET"}; }
run() { # $1 = target, $2 = workload, rest = loadgen options
  local t=$1 w=$2; shift 2
  echo "  $t $w..." >&2
  # shellcheck disable=SC2046
  "$LG" run $(conn_args "$t") --workload "$w" --devices "$DEVICES" --warmup "$WARMUP" --duration "$DURATION" --prefix dev \
    --out "$OUT/$t-$w.json" "$@" >/dev/null
}

for t in $TARGETS; do
  echo "== $t" >&2
  start_target "$t"
  run "$t" P1 --window "$WINDOW"
  run "$t" P2w1 --window 1
  run "$t" P2open --rate-from "$OUT/$t-P1.json" --rate-fraction 0.5
  echo "  $t P3 ($IDLE idle connections)..." >&2
  rm -f "$WORK/release-idle"
  # shellcheck disable=SC2046
  "$LG" idle $(conn_args "$t") --count "$IDLE" --prefix idle --out "$OUT/$t-P3.json" --hold-file "$WORK/release-idle" >/dev/null & IPID=$!
  PIDS+=("$IPID")
  while [ ! -f "$OUT/$t-P3.json" ]; do kill -0 "$IPID" 2>/dev/null || { echo "idle connections failed" >&2; exit 1; }; sleep 0.5; done
  run "$t" P1idle --window "$WINDOW"
  touch "$WORK/release-idle"; wait "$IPID" || true
  if [ "$t" = grid ]; then
    echo "  grid P4 ($TTL_COUNT commands, TTL $TTL_MIN-$TTL_MAX s)..." >&2
    "$LG" ttl --http-port "$HPORT" --jwt-secret "$SECRET" --target-pid "$TPID" --count "$TTL_COUNT" \
      --min-ttl "$TTL_MIN" --max-ttl "$TTL_MAX" --out "$OUT/grid-P4.json" >/dev/null
  fi
  kill "$TPID"; wait "$TPID" 2>/dev/null || true
done

echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$LG" report "$OUT"
