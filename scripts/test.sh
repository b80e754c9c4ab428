#!/usr/bin/env bash
# Runs CommandGrid's whole test suite on a fresh Debian machine: installs what the tests
# need (PostgreSQL, mosquitto, the npm test clients, chromium for the console's browser tests),
# starts a throwaway PostgreSQL on a loopback port, builds everything (bench/ too) and runs each
# benchmark tool once on a tiny workload (bench/smoke.sh), then runs the suite against SQLite and
# again against PostgreSQL. Everything it writes to the temp directory goes into one folder that
# it removes at the end, the throwaway database included.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=$(mktemp -d /tmp/commandgrid-test-XXXXXX)
chmod 711 "$SCRATCH" # the database server runs as postgres, in a folder below
mkdir "$SCRATCH/tmp"
# A database of this run's own unless PGTEST_DIR names one to keep.
export PGTEST_DIR=${PGTEST_DIR:-$SCRATCH/pg}
# At the end: the database stopped, the compiler server the builds started (its pipe is in the scratch folder) shut
# down, the folder removed.
cleanup() {
  scripts/postgres-test-server.sh stop >/dev/null 2>&1 || true
  TMPDIR=$SCRATCH/tmp dotnet build-server shutdown >/dev/null 2>&1 || true
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
# The console tests drive Debian's chromium through Playwright (its own browser download is not used).
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Debian starts its own mosquitto service on 1883 on install; the tests run their own on free ports.
(cd tests/js && npm ci --no-audit --no-fund --loglevel=error)

export COMMANDGRID_TEST_POSTGRES
COMMANDGRID_TEST_POSTGRES=$(scripts/postgres-test-server.sh start | tail -n 1)
export COMMANDGRID_TEST_POSTGRES_REQUIRED=1

# The build's, the tools' and the tests' temp files (the dotnet CLI's own too) go to the scratch folder; no MSBuild
# node outlives the run.
export TMPDIR=$SCRATCH/tmp MSBUILDDISABLENODEREUSE=1
dotnet build CommandGrid.sln -c Release -nologo -v quiet
log=$SCRATCH/test.log
status=0
echo "== bench smoke"
bench/smoke.sh || status=1
# Pass 1: the grid on SQLite (the storage suite covers both providers itself, the cluster needs PostgreSQL).
# Pass 2: the grid on PostgreSQL, including the storage suite and the cluster; the suites whose store is not the
# grid's run once, in pass 1: the MQTT engine's, the grains' (Orleans' memory storage) and the console's browser tests,
# and so do the door suites that ask nothing of the store the Grid suite does not already ask on PostgreSQL (the
# WebSocket API's, the broker bridge's, TLS's), which keeps the command under 15 minutes.
run_pass() {
  local storage=$1; shift
  echo "== tests with storage: $storage"
  COMMANDGRID_TEST_STORAGE=$storage dotnet test CommandGrid.sln -c Release --no-build -nologo \
    --logger "console;verbosity=normal" "$@" -- RunConfiguration.TestSessionTimeout=1500000 2>&1 | tee -a "$log"
  return "${PIPESTATUS[0]}"
}
run_pass sqlite --filter "FullyQualifiedName!~CommandGrid.Tests.Cluster&FullyQualifiedName!~CommandGrid.Tests.Storage" || status=1
run_pass postgres --filter "FullyQualifiedName!~CommandGrid.Tests.Mqtt.&FullyQualifiedName!~CommandGrid.Tests.Tls.&FullyQualifiedName!~CommandGrid.Tests.Grains.&FullyQualifiedName!~CommandGrid.Tests.OpsConsole.&FullyQualifiedName!~CommandGrid.Tests.WebSockets.&FullyQualifiedName!~CommandGrid.Tests.Broker." || status=1
passed=$(awk '/^[[:space:]]+Passed:[[:space:]]+[0-9]+/ {s+=$2} END {print s+0}' "$log")
failed=$(awk '/^[[:space:]]+Failed:[[:space:]]+[0-9]+/ {s+=$2} END {print s+0}' "$log")
echo "tests: $passed passed, $failed failed"
# The failures' names last, where a reader of the log's tail (CI shows only the tail) finds them.
if [ "$failed" != 0 ]; then
  echo "failed tests:"
  grep -a -E '^[[:space:]]+Failed [A-Za-z]' "$log" | sed 's/^[[:space:]]*/  /' || true
fi
exit $status
