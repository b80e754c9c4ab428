#!/usr/bin/env bash
# TTL lateness in steady state against a fresh CommandGrid silo (Release, SQLite file): see ttl.js.
# Usage: bench/ttl-lateness/run.sh        (env: COMMANDS=2000 TTL_MIN=10 TTL_MAX=40)
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d /tmp/cg-ttl-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

echo "building the silo (Release)..." >&2
dotnet build -c Release silo -v q -nologo >/dev/null
HPORT=$(free_port); GPORT=$(free_port); SPORT=$(free_port)
SECRET="ttl-secret-$(date +%s)-long-enough-for-hs256-signing"
dotnet silo/bin/Release/net10.0/CommandGrid.Silo.dll --urls "http://127.0.0.1:$HPORT" --Mqtt:Address=127.0.0.1 --Mqtt:Port="$GPORT" --Cluster:SiloPort="$SPORT" \
  --Storage:ConnectionString="Data Source=$WORK/grid.db" --Auth:JwtSecret="$SECRET" --Mqtt:DeviceSecret=ttl-device-secret \
  --RateLimit:PermitsPerSecond=1000000 --Logging:LogLevel:Default=Warning >"$WORK/silo.log" 2>&1 & GPID=$!; PIDS+=("$GPID")
wait_port "$HPORT"
echo "creating ${COMMANDS:-2000} pending executions, TTL ${TTL_MIN:-10}-${TTL_MAX:-40} s, and waiting for them to time out..." >&2
node bench/ttl-lateness/ttl.js "$HPORT" "$SECRET"
