#!/usr/bin/env bash
# TTL lateness against a fresh CommandGrid silo (Release, SQLite file): see ttl.js. In steady state, or with RESTART=1
# across a restart: the silo is stopped (SIGTERM) right after the creates and started again on the same file, so the
# TTLs fall due on reminders the new process read back from the store.
# Usage: bench/ttl-lateness/run.sh        (env: COMMANDS=2000 TTL_MIN=10 TTL_MAX=40 RESTART=0 GRID_EXTRA="--Section:Key=value ...")
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cg-ttl-XXXXXX")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
GPID=
cleanup() { [ -n "$GPID" ] && kill "$GPID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

echo "building the silo (Release)..." >&2
dotnet build -c Release silo -v q -nologo >/dev/null
HPORT=$(free_port); GPORT=$(free_port); SPORT=$(free_port)
SECRET="ttl-secret-$(date +%s)-long-enough-for-hs256-signing"
start_silo() {
  dotnet silo/bin/Release/net10.0/CommandGrid.Silo.dll --urls "http://127.0.0.1:$HPORT" --Mqtt:Address=127.0.0.1 --Mqtt:Port="$GPORT" --Cluster:SiloPort="$SPORT" \
    --Storage:ConnectionString="Data Source=$WORK/grid.db" --Auth:JwtSecret="$SECRET" --Mqtt:DeviceSecret=ttl-device-secret \
    --RateLimit:PermitsPerSecond=1000000 --Logging:LogLevel:Default=Warning ${GRID_EXTRA:-} >>"$WORK/silo.log" 2>&1 & GPID=$!
  wait_port "$HPORT"
}
start_silo
echo "creating ${COMMANDS:-2000} pending executions, TTL ${TTL_MIN:-10}-${TTL_MAX:-40} s, and waiting for them to time out..." >&2
if [ "${RESTART:-0}" = 1 ]; then
  node bench/ttl-lateness/ttl.js create "$HPORT" "$SECRET" >"$WORK/created.json"
  stopped=$(date +%s.%N)
  kill -TERM "$GPID"; wait "$GPID" || true
  start_silo
  echo "restarted: HTTP port open $(python3 -c "import time; print(f'{time.time() - $stopped:.1f}')") s after the stop began" >&2
  node bench/ttl-lateness/ttl.js measure "$HPORT" "$SECRET" <"$WORK/created.json"
else
  node bench/ttl-lateness/ttl.js "$HPORT" "$SECRET"
fi
