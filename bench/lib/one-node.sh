# Sourced by the benchmarks that run against one Release grid node on a SQLite file (soak.sh, pending.sh, smoke.sh):
# a scratch folder, cleanup of every process started, ports, the Release build and publish, the node itself.
# Before sourcing: cd to the repository root. Sets ROOT, WORK (kept when KEEP is set), PIDS, LG (loadgen).
# GRID_ROOT: another checkout whose Release build is the grid to run (bench/cost-ab.sh's baseline); default this one.
ROOT=$PWD
GRID_ROOT=${GRID_ROOT:-$ROOT}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cg-${BENCH_NAME:-bench}-XXXXXX")
LG=$ROOT/bench/loadgen/bin/Release/net10.0/loadgen
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "${BENCH_NAME:-bench}: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 600); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

# build_release PROJECT...: unless NO_BUILD is set. The silo and the gateway are published as they run in production
# (scripts/publish.sh: ReadyToRun); the tools are built.
build_release() {
  [ -n "${NO_BUILD:-}" ] && return 0
  echo "building (Release): $*..." >&2
  local out published=
  for project in "$@"; do
    case $project in
      silo|gateway)
        [ -n "$published" ] && continue
        out=$(scripts/publish.sh 2>&1) || { echo "$out" >&2; return 1; }
        published=1 ;;
      *) out=$(dotnet build -c Release "$project" -v q -nologo 2>&1) || { echo "$out" | grep -E 'error|Error' >&2; return 1; } ;;
    esac
  done
}

# The node GRID_ROOT runs: GRID_DLL if set, else its ReadyToRun publish, or, for a checkout from before
# scripts/publish.sh (an older baseline of bench/cost-ab.sh), its Release build output.
grid_dll() {
  if [ -n "${GRID_DLL:-}" ]; then
    echo "$GRID_DLL"
  elif [ -f "$GRID_ROOT/scripts/publish.sh" ]; then
    echo "$GRID_ROOT/publish/silo/CommandGrid.Silo.dll"
  else
    echo "$GRID_ROOT/silo/bin/Release/net10.0/CommandGrid.Silo.dll"
  fi
}

# start_grid [EXTRA-ARGS...]: one node on free loopback ports, its log in $WORK/grid.log; sets GPID, HPORT, MPORT,
# SECRET, DEVICE_SECRET and returns once HTTP and MQTT accept connections.
start_grid() {
  HPORT=$(free_port); MPORT=$(free_port); local sport; sport=$(free_port)
  SECRET="${BENCH_NAME:-bench}-secret-$(date +%s)-long-enough-for-hs256-signing"
  DEVICE_SECRET="${BENCH_NAME:-bench}-device-secret"
  GRID_ARGS=(--urls "http://127.0.0.1:$HPORT" --Cluster:SiloPort="$sport"
    --Mqtt:Address=127.0.0.1 --Mqtt:Port="$MPORT" --Storage:ConnectionString="Data Source=$WORK/grid.db"
    --Auth:JwtSecret="$SECRET" --Mqtt:DeviceSecret="$DEVICE_SECRET" --RateLimit:PermitsPerSecond=1000000
    --Logging:LogLevel:Default=Warning "$@")
  launch_grid
}

# launch_grid: (re)starts the node start_grid configured, on the same ports and database file.
launch_grid() {
  dotnet "$(grid_dll)" "${GRID_ARGS[@]}" >>"$WORK/grid.log" 2>&1 & GPID=$!
  PIDS+=("$GPID")
  wait_port "$HPORT" && wait_port "$MPORT"
}

# rss_kb PID: resident set size now.
rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
