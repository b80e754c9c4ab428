#!/usr/bin/env bash
# A connection flood past the descriptor limit: one node (Release, SQLite) started under `prlimit --nofile=NOFILE`,
# then COUNT idle MQTT devices (loadgen idle, default NOFILE + 500) held for DURATION seconds, those refused trying
# again RECONNECT_MS after each refusal (0: once only), sampled every INTERVAL s: alive, RSS, open descriptors, MQTT
# refusals (commandgrid_refusals_total: QuotaExceeded at the connection limit, ServerBusy over the connect rate) and
# Kestrel's open connections (kestrel_active_connections). Then the devices leave, and it measures how long until a new
# device is accepted and /health answers 200 again.
# Usage: bench/flood.sh     env: NOFILE=2048 COUNT=NOFILE+500 DURATION=120 INTERVAL=5 RECONNECT_MS=1000 WORKERS=2 HEALTH_WAIT=1 NO_BUILD=1 KEEP=1
#        GRID_DLL=path/to/CommandGrid.Silo.dll runs another build (e.g. a worktree of the commit before the limits).
set -euo pipefail
cd "$(dirname "$0")/.."
NOFILE=${NOFILE:-2048}; COUNT=${COUNT:-$((NOFILE + 500))}; DURATION=${DURATION:-120}; INTERVAL=${INTERVAL:-5}; WORKERS=${WORKERS:-2}
RECONNECT_MS=${RECONNECT_MS:-1000}
BENCH_NAME=flood
# shellcheck source=bench/lib/one-node.sh
. bench/lib/one-node.sh
build_release silo bench/loadgen
GRID_DLL=$(grid_dll)

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== command: NOFILE=$NOFILE COUNT=$COUNT DURATION=$DURATION INTERVAL=$INTERVAL RECONNECT_MS=$RECONNECT_MS GRID_DLL=$GRID_DLL bench/flood.sh"
HPORT=$(free_port); MPORT=$(free_port); SPORT=$(free_port)
SECRET="flood-secret-$(date +%s)-long-enough-for-hs256-signing"; DEVICE_SECRET=flood-device-secret
prlimit --nofile="$NOFILE:$NOFILE" dotnet "$GRID_DLL" --urls "http://127.0.0.1:$HPORT" --Cluster:SiloPort="$SPORT" \
  --Mqtt:Address=127.0.0.1 --Mqtt:Port="$MPORT" --Storage:ConnectionString="Data Source=$WORK/grid.db" \
  --Auth:JwtSecret="$SECRET" --Mqtt:DeviceSecret="$DEVICE_SECRET" --Logging:LogLevel:Default=Warning \
  --Logging:LogLevel:CommandGrid.Gateway.Hosting=Information >"$WORK/grid.log" 2>&1 & GPID=$!
PIDS+=("$GPID")
wait_port "$HPORT"; wait_port "$MPORT"
grep -m1 'File descriptors' "$WORK/grid.log" | sed 's/^ */== /' || true

# metric NAME [LABEL-TEXT]: the sum of a counter's samples on /metrics whose labels contain LABEL-TEXT.
metric() { curl -fs --max-time 5 "http://127.0.0.1:$HPORT/metrics" 2>/dev/null | awk -v name="$1{" -v label="${2:-}" 'index($0, name) == 1 && index($0, label) { s += $NF } END { printf "%d", s }'; }
sample() {
  if ! kill -0 "$GPID" 2>/dev/null; then echo "$1 s: DEAD ($(tail -c 300 "$WORK/grid.log" | tr '\n' ' '))"; return 1; fi
  printf '%5s s: RSS %5d MB, %5d descriptors, MQTT refused at the limit %7s, over the rate %7s, Kestrel connections open %6s\n' "$1" \
    $(( $(rss_kb "$GPID") / 1024 )) "$(ls "/proc/$GPID/fd" | wc -l)" "$(metric commandgrid_refusals_total 'reason="QuotaExceeded"')" \
    "$(metric commandgrid_refusals_total 'reason="ServerBusy"')" "$(metric kestrel_active_connections)"
}
sample 0
"$LG" idle --target grid --label flood --workers "$WORKERS" --count "$COUNT" --target-pid "$GPID" --mqtt-port "$MPORT" \
  --device-secret "$DEVICE_SECRET" --prefix flood --subscribe false --reconnect-ms "$RECONNECT_MS" --out "$WORK/idle.json" --hold-file "$WORK/release" \
  >"$WORK/idle.out" 2>"$WORK/idle.err" & LPID=$!; PIDS+=("$LPID")
alive=1
for t in $(seq "$INTERVAL" "$INTERVAL" "$DURATION"); do
  sleep "$INTERVAL"
  sample "$t" || { alive=0; break; }
done
[ -f "$WORK/idle.json" ] && python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"== loadgen: {r['connected']} of {r['count']} connected, {r['failed']} refused or failed, in {r['connectSeconds']} s\")" "$WORK/idle.json"
touch "$WORK/release"; wait "$LPID" 2>/dev/null || true
if [ "$alive" = 1 ]; then
  left=$(date +%s.%N)
  until python3 - "$MPORT" "$DEVICE_SECRET" <<'PY'
import socket, struct, sys
port, secret = int(sys.argv[1]), sys.argv[2]
s16 = lambda v: struct.pack(">H", len(v.encode())) + v.encode()
body = s16("MQTT") + bytes([5, 0xC2]) + struct.pack(">H", 30) + b"\x00" + s16("flood-after") + s16("flood-after") + s16(secret)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(bytes([0x10, len(body)]) + body)
h = s.recv(4)
sys.exit(0 if len(h) == 4 and h[0] == 0x20 and h[3] == 0 else 1)
PY
  do sleep 0.2; done
  accepted=$(python3 -c "import time; print(f'{time.time() - $left:.1f}')")
  healthy=skipped
  if [ "${HEALTH_WAIT:-1}" = 1 ]; then
    # /health stays Degraded for 30 s after the last refusal (gateway/Hosting/ConnectionLimits.cs).
    until curl -fs -o /dev/null "http://127.0.0.1:$HPORT/health"; do sleep 0.5; done
    healthy="$(python3 -c "import time; print(f'{time.time() - $left:.1f}')") s"
  fi
  sample after
  echo "== recovered: a new device accepted ${accepted} s after the flood left, /health 200 after ${healthy}"
else
  echo "== the node died under the flood"
  exit 1
fi
