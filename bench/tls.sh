#!/usr/bin/env bash
# What TLS costs on one node (issue 31 step 8), plain against TLS side by side in one run, alternating:
#  - logins: COUNT (10,000) idle devices connect and subscribe, in clear with the device secret on 1883, or over TLS on
#    8883 each with a certificate of its own (CN = its thing, issued by the bench's device CA before the clock starts):
#    logins per second, the node's CPU while they connect, and its RSS per idle connection once they are in;
#  - P1 (200 devices answering SUCCEEDED, commands over REST, 200 in flight): in clear, and over TLS with the device
#    secret (the handshakes happen in the setup; the window measures encrypted traffic): pairs/s and node CPU per pair.
# Each variant runs on a fresh node (SQLite, ReadyToRun publish); ROUNDS (2) rounds, the order flipped every round.
# The certificates (a server CA and server certificate, a device CA) are made with openssl in the scratch folder.
# Reproduce: bench/tls.sh (about 8 minutes with the defaults); KEEP=1 keeps the scratch folder.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=tls
source bench/lib/one-node.sh
COUNT=${COUNT:-10000}
ROUNDS=${ROUNDS:-2}
WORKERS=${WORKERS:-2}
DEVICES=${DEVICES:-200}
WARMUP=${WARMUP:-15}
DURATION=${DURATION:-20}
build_release silo bench/loadgen

tls=$WORK/tls
mkdir -p "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=bench server CA" \
  -keyout "$tls/server-ca.key" -out "$tls/server-ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
openssl x509 -req -in "$tls/server.csr" -CA "$tls/server-ca.crt" -CAkey "$tls/server-ca.key" -CAcreateserial -days 30 \
  -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out "$tls/server.crt" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=bench device CA" \
  -keyout "$tls/device-ca.key" -out "$tls/device-ca.crt" 2>/dev/null

# A fresh node with MQTT in clear (MPORT) and over TLS (TPORT), devices identified by the device CA. FRESH=0 keeps the
# first node for every run (bench/smoke.sh, which checks that the script works, not its figures).
fresh_grid() {
  if [ -n "${GPID:-}" ] && [ "${FRESH:-1}" = 0 ]; then return 0; fi
  if [ -n "${GPID:-}" ]; then kill "$GPID" 2>/dev/null || true; wait "$GPID" 2>/dev/null || true; rm -f "$WORK"/grid.db*; fi
  TPORT=$(free_port)
  start_grid --Mqtt:Tls:Port="$TPORT" --Mqtt:Tls:Certificate:Path="$tls/server.crt" --Mqtt:Tls:Certificate:KeyPath="$tls/server.key" \
    --Devices:ClientCertificates:CaPath="$tls/device-ca.crt"
  wait_port "$TPORT"
}

# connection arguments of a variant: plain, or TLS (with device certificates for the logins).
conn() {
  case $1 in
    plain) echo --mqtt-port "$MPORT" ;;
    tls) echo --mqtt-port "$TPORT" --tls true ;;
    tls-cert) echo --mqtt-port "$TPORT" --tls true --device-ca-cert "$tls/device-ca.crt" --device-ca-key "$tls/device-ca.key" ;;
  esac
}

for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="plain tls"; else order="tls plain"; fi
  for v in $order; do
    fresh_grid
    login=$v; [ "$v" = tls ] && login=tls-cert
    echo "round $round: $COUNT idle logins, $login..." >&2
    # shellcheck disable=SC2046
    "$LG" idle --target grid --label "idle-$login" --workers "$WORKERS" --count "$COUNT" --target-pid "$GPID" \
      --device-secret "$DEVICE_SECRET" --prefix "idle-$v-$round" $(conn "$login") --out "$WORK/idle-$v-$round.json" >/dev/null 2>"$WORK/idle-$v-$round.err"
    fresh_grid
    echo "round $round: P1, $v..." >&2
    # shellcheck disable=SC2046
    "$LG" run --target grid --label "p1-$v" --workload P1 --workers "$WORKERS" --devices "$DEVICES" --window "$DEVICES" \
      --warmup "$WARMUP" --duration "$DURATION" --target-pid "$GPID" --http-port "$HPORT" --jwt-secret "$SECRET" \
      --device-secret "$DEVICE_SECRET" --prefix "p1-$v-$round" $(conn "$v") --out "$WORK/p1-$v-$round.json" >/dev/null 2>"$WORK/p1-$v-$round.err"
  done
done

python3 - "$WORK" <<'PY'
import glob, json, os, sys
work = sys.argv[1]
def load(pattern):
    return [json.load(open(f)) | {"file": os.path.basename(f)} for f in sorted(glob.glob(os.path.join(work, pattern)))]
print("| idle logins | connected | logins/s | node CPU-s while connecting | RSS per connection, KB |")
print("|---|---|---|---|---|")
for r in load("idle-*.json"):
    print(f"| {r['file'][:-5]} | {r['connected']} of {r['count']} | {r['connectsPerSecond']} | {r['targetCpuSecondsConnecting']} | {r['bytesPerConnection'] / 1024:.1f} |")
print()
print("| P1 | pairs/s | node CPU-ms per pair | p50 / p99 ms |")
print("|---|---|---|---|")
for r in load("p1-*.json"):
    print(f"| {r['file'][:-5]} | {r['pairsPerSecond']} | {r['targetCpuPer1000']} | {r['p50ms']} / {r['p99ms']} |")
# Fails when a run did not do its work: every device logged in, every P1 run answered pairs without errors.
bad = [r["file"] for r in load("idle-*.json") if r["connected"] != r["count"]] + \
      [r["file"] for r in load("p1-*.json") if r["pairs"] == 0 or r["errors"] != 0]
if bad or len(load("idle-*.json")) == 0:
    sys.exit(f"incomplete runs: {bad}")
PY
