#!/usr/bin/env bash
# Failover figures: runs the cluster and node tests (tests/Cluster: real silo and gateway processes on a throwaway
# PostgreSQL, silos killed with kill -9) and prints what they measured: detection time, how soon creates succeed
# again, how late the TTLs of a dead silo's commands fire after its death is declared, how soon a restarted node
# times out what fell due while it was down. The tests assert order and outcome only; the timings are this report's.
# Usage: bench/failover/run.sh            (env: ROUNDS=1 PGTEST_PORT=<a free port>)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cg-failover-XXXXXX")
chmod 711 "$WORK"
export PGTEST_DIR=$WORK/pg
export PGTEST_PORT=${PGTEST_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
cleanup() { scripts/postgres-test-server.sh stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "building the tests, silo and gateway (Release)..." >&2
dotnet build -c Release tests -v q -nologo >/dev/null
export COMMANDGRID_TEST_POSTGRES
COMMANDGRID_TEST_POSTGRES=$(scripts/postgres-test-server.sh start | tail -n 1)
export COMMANDGRID_TEST_STORAGE=postgres
echo "== machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  COMMANDGRID_FAILOVER_REPORT=$WORK/figures.txt dotnet test tests -c Release --no-build -nologo \
    --filter "FullyQualifiedName~CommandGrid.Tests.Cluster" >"$WORK/test.log" 2>&1 || { tail -n 60 "$WORK/test.log" >&2; exit 1; }
  cat "$WORK/figures.txt"
  rm -f "$WORK/figures.txt"
done
