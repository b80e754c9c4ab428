#!/usr/bin/env bash
# Runs the MQTT round-trip benchmark against Debian's mosquitto and against CommandGrid, one after the other, and prints a table.
# Usage: bench/run.sh            (env: DEVICES=100 WARMUP=5 DURATION=20)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d /tmp/cg-bench-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

[ -f tests/js/node_modules/mqtt/package.json ] || (cd tests/js && npm ci --no-audit --no-fund >/dev/null)
echo "building the silo (Release)..." >&2
dotnet build -c Release silo -v q -nologo >/dev/null

# 1. Baseline: mosquitto relays request -> device -> response.
MPORT=$(free_port)
# set_tcp_nodelay: without it mosquitto's small QoS 1 packets wait on Nagle's algorithm / delayed ACKs (p50 ~45 ms).
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\nset_tcp_nodelay true\n' "$MPORT" > "$WORK/mosquitto.conf"
/usr/sbin/mosquitto -c "$WORK/mosquitto.conf" 2>"$WORK/mosquitto.log" & MPID=$!; PIDS+=("$MPID")
wait_port "$MPORT"
echo "mosquitto baseline..." >&2
TARGET_PID=$MPID node bench/mqtt-roundtrip/bench.js mosquitto "$MPORT" > "$WORK/mosquitto.json"
kill "$MPID"; wait "$MPID" 2>/dev/null || true

# 2. CommandGrid: REST create -> durable PENDING -> MQTT request -> SENT -> device answer -> SUCCEEDED -> accepted.
HPORT=$(free_port); GPORT=$(free_port); SPORT=$(free_port)
SECRET="bench-secret-$(date +%s)-long-enough-for-hs256-signing"
DEVICE_SECRET="bench-device-secret"
dotnet silo/bin/Release/net10.0/CommandGrid.Silo.dll --urls "http://127.0.0.1:$HPORT" --Mqtt:Address=127.0.0.1 --Mqtt:Port="$GPORT" --Cluster:SiloPort="$SPORT" \
  --Storage:ConnectionString="Data Source=$WORK/grid.db" --Auth:JwtSecret="$SECRET" --Mqtt:DeviceSecret="$DEVICE_SECRET" \
  --RateLimit:PermitsPerSecond=1000000 --Logging:LogLevel:Default=Warning >"$WORK/silo.log" 2>&1 & GPID=$!; PIDS+=("$GPID")
wait_port "$HPORT"; wait_port "$GPORT"
echo "CommandGrid..." >&2
TARGET_PID=$GPID node bench/mqtt-roundtrip/bench.js grid "$HPORT" "$GPORT" "$SECRET" "$DEVICE_SECRET" > "$WORK/grid.json"

node -e '
const rows = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")));
console.log(`${"target".padEnd(12)}${"devices".padStart(8)}${"pairs".padStart(9)}${"pairs/s".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"gen cpu%".padStart(10)}${"srv cpu%".padStart(10)}${"load1".padStart(7)}`);
for (const r of rows) console.log(`${r.target.padEnd(12)}${String(r.devices).padStart(8)}${String(r.pairs).padStart(9)}${r.pairsPerSecond.toFixed(1).padStart(10)}${r.p50ms.toFixed(2).padStart(9)}${r.p99ms.toFixed(2).padStart(9)}${String(r.genCpuPct).padStart(10)}${String(r.targetCpuPct).padStart(10)}${String(r.load1).padStart(7)}`);
console.log(`(${rows[0].seconds} s measured after warm-up; ${require("os").cpus().length} cores; ${new Date().toISOString()})`);
' "$WORK/mosquitto.json" "$WORK/grid.json"
