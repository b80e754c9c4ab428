#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the storage tests, listening only on 127.0.0.1.
#   scripts/postgres-test-server.sh start   # prints the connection string as its last line
#   scripts/postgres-test-server.sh stop
# PGTEST_DIR (default /tmp/commandgrid-pg) holds the cluster and its socket;
# PGTEST_PORT (default 55432) is the TCP port; PGTEST_OPTIONS, more server options (e.g. "-c shared_preload_libraries=…").
# Works as root: the server runs as `postgres`.
set -euo pipefail

PGTEST_DIR="${PGTEST_DIR:-/tmp/commandgrid-pg}"
PGTEST_PORT="${PGTEST_PORT:-55432}"
DATA="$PGTEST_DIR/data"
LOG="$PGTEST_DIR/server.log"
DATABASE=commandgrid_test

find_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
    # Debian installs versioned binaries outside PATH; take the newest.
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [[ -z "$dir" ]]; then
        local initdb
        initdb=$(command -v initdb || true)
        [[ -n "$initdb" ]] && dir=$(dirname "$initdb")
    fi
    [[ -n "$dir" ]] || { echo "PostgreSQL binaries not found (install the postgresql package or set PG_BIN)" >&2; exit 1; }
    echo "$dir"
}

# Runs a command as the postgres user when we are root (postgres refuses to run as root),
# from / so that a checkout in a folder only root may enter is no obstacle.
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        if command -v runuser >/dev/null; then (cd / && runuser -u postgres -- "$@"); else (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")"); fi
    else
        "$@"
    fi
}

start() {
    local bin
    bin=$(find_bin)
    mkdir -p "$PGTEST_DIR"
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || { echo "the postgres user does not exist" >&2; exit 1; }
        chown postgres:postgres "$PGTEST_DIR"
    fi
    chmod 700 "$PGTEST_DIR"
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        as_pg "$bin/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=reject -E UTF8 --no-sync >"$PGTEST_DIR/initdb.log" 2>&1 \
            || { cat "$PGTEST_DIR/initdb.log" >&2; exit 1; }
        # Trust only loopback TCP; everything else stays rejected.
        as_pg sh -c "cat > '$DATA/pg_hba.conf'" <<HBA
local   all all                 trust
host    all all 127.0.0.1/32    trust
HBA
    fi
    if ! as_pg "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        as_pg "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start \
            -o "-c listen_addresses=127.0.0.1 -p $PGTEST_PORT -c unix_socket_directories='$PGTEST_DIR' -c max_connections=200 ${PGTEST_OPTIONS:-}" >/dev/null \
            || { cat "$LOG" >&2; exit 1; }
    fi
    for _ in $(seq 1 60); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$PGTEST_PORT" && break
        sleep 0.5
    done
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PGTEST_PORT" || { echo "postgres did not become ready; see $LOG" >&2; exit 1; }
    if [[ $(as_pg "$bin/psql" -h "$PGTEST_DIR" -p "$PGTEST_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'") != 1 ]]; then
        as_pg "$bin/createdb" -h "$PGTEST_DIR" -p "$PGTEST_PORT" -U postgres "$DATABASE"
    fi
    echo "Host=127.0.0.1;Port=$PGTEST_PORT;Username=postgres;Database=$DATABASE"
}

stop() {
    local bin
    bin=$(find_bin)
    if [[ -f "$DATA/PG_VERSION" ]] && as_pg "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        as_pg "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
        echo "stopped"
    else
        echo "not running"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
