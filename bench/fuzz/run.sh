#!/usr/bin/env bash
# Fuzzes a live one-node grid's MQTT listener: 1,000,000+ mutated/random MQTT packets from several connections,
# while a valid device keeps receiving commands created over REST and answering them. Prints the figures.
# Usage: bench/fuzz/run.sh            (env: SEED=20261122 PACKETS=1000000 CONNECTIONS=12 COMMAND_INTERVAL_MS=100)
set -euo pipefail
cd "$(dirname "$0")/../.."
SEED=${SEED:-20261122}; PACKETS=${PACKETS:-1000000}; CONNECTIONS=${CONNECTIONS:-12}; COMMAND_INTERVAL_MS=${COMMAND_INTERVAL_MS:-100}
WORK=$(mktemp -d /tmp/cg-fuzz-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
GPID=
cleanup() { [ -n "$GPID" ] && kill "$GPID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

echo "building the silo and the fuzzer (Release)..." >&2
dotnet build -c Release silo -v q -nologo >/dev/null
dotnet build -c Release bench/fuzz/CommandGrid.Fuzz.csproj -v q -nologo >/dev/null

HPORT=$(free_port); MPORT=$(free_port); SPORT=$(free_port)
SECRET="fuzz-secret-$(date +%s)-long-enough-for-hs256-signing"
DEVICE_SECRET="fuzz-device-secret"
# Protocol violations are logged as warnings, one per malformed connection: the engine's category logs errors only here,
# so that silo.log stays small and every line in it counts.
dotnet silo/bin/Release/net10.0/CommandGrid.Silo.dll --urls "http://127.0.0.1:$HPORT" --Mqtt:Address=127.0.0.1 --Mqtt:Port="$MPORT" \
  --Cluster:SiloPort="$SPORT" --Storage:ConnectionString="Data Source=$WORK/grid.db" --Auth:JwtSecret="$SECRET" --Mqtt:DeviceSecret="$DEVICE_SECRET" \
  --RateLimit:PermitsPerSecond=1000000 --Logging:LogLevel:Default=Warning --Logging:LogLevel:CommandGrid.Mqtt.Server=Error \
  >"$WORK/silo.log" 2>&1 & GPID=$!
wait_port "$HPORT"; wait_port "$MPORT"
echo "gateway pid $GPID, MQTT port $MPORT; fuzzing (seed $SEED, $PACKETS packets, $CONNECTIONS connections)..." >&2
STATUS=0
dotnet bench/fuzz/bin/Release/net10.0/CommandGrid.Fuzz.dll --mqtt-port "$MPORT" --http-port "$HPORT" --jwt-secret "$SECRET" \
  --device-secret "$DEVICE_SECRET" --seed "$SEED" --packets "$PACKETS" --connections "$CONNECTIONS" \
  --command-interval-ms "$COMMAND_INTERVAL_MS" --pid "$GPID" || STATUS=$?
if kill -0 "$GPID" 2>/dev/null; then echo "gateway process         still running"; else echo "gateway process         EXITED (crash)"; STATUS=1; fi
ERRORS=$(grep -cE '^(fail|crit):' "$WORK/silo.log" || true)
echo "gateway log errors      $ERRORS (fail/crit lines in silo.log)"
if [ "$ERRORS" != 0 ]; then grep -A8 -E '^(fail|crit):' "$WORK/silo.log" | head -60; STATUS=1; fi
echo "($(nproc) cores; $(date -u +%Y-%m-%dT%H:%M:%SZ))"
exit $STATUS
