#!/usr/bin/env bash
# A local CommandGrid cluster on Orleans: 3 silos (HTTP 5101-5103, silo ports 11111-11113, gateway
# ports 30000-30002) and 2 standalone gateways (HTTP 5201-5202, MQTT 18831-18832) against one PostgreSQL.
#   scripts/cluster.sh start   # publishes (scripts/publish.sh), starts, prints the gateways' URLs
#   scripts/cluster.sh stop    # stops them (clean leave), then the throwaway PostgreSQL if we started it
# COMMANDGRID_POSTGRES: connection string of the PostgreSQL to use; unset = scripts/postgres-test-server.sh.
# CLUSTER_DIR (default /tmp/commandgrid-cluster) holds pids and logs. JWT secret: COMMANDGRID_JWT_SECRET.
# Silos and gateways talk mutual TLS (Cluster:Tls): a cluster CA and one node certificate are made with openssl in
# $CLUSTER_DIR/tls on the first start (private keys stay there, mode 600). CLUSTER_TLS=0 runs the cluster in clear.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER_DIR="${CLUSTER_DIR:-/tmp/commandgrid-cluster}"
SECRET="${COMMANDGRID_JWT_SECRET:-local-cluster-secret-that-is-long-enough-for-hs256}"
SILO_HTTP=(5101 5102 5103)
SILO_TCP=(11111 11112 11113)
SILO_GATEWAY=(30000 30001 30002)
GATEWAY_HTTP=(5201 5202)
GATEWAY_MQTT=(18831 18832)

start() {
    mkdir -p "$CLUSTER_DIR"
    local pg="${COMMANDGRID_POSTGRES:-}"
    if [[ -z "$pg" ]]; then
        # Stop it again at "stop" only if this start started it (others may be using it).
        local running=0
        command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "${PGTEST_PORT:-55432}" && running=1
        pg=$(scripts/postgres-test-server.sh start | tail -1)
        [[ $running == 1 ]] || touch "$CLUSTER_DIR/own-postgres"
    fi
    # Published with ReadyToRun (scripts/publish.sh): five processes would otherwise each JIT-compile the same code.
    scripts/publish.sh >"$CLUSTER_DIR/build.log" 2>&1 || { cat "$CLUSTER_DIR/build.log" >&2; exit 1; }
    # Every silo applies storage/Clustering/postgres-clustering.sql before Orleans starts (under an advisory lock).
    local common=("--Storage:ConnectionString=$pg" --Cluster:ClusterId=local "--Auth:JwtSecret=$SECRET")
    if [[ "${CLUSTER_TLS:-1}" != 0 ]]; then
        cluster_certificates "$CLUSTER_DIR/tls"
        common+=("--Cluster:Tls:Certificate:Path=$CLUSTER_DIR/tls/node.crt" "--Cluster:Tls:Certificate:KeyPath=$CLUSTER_DIR/tls/node.key"
                 "--Cluster:Tls:CaPath=$CLUSTER_DIR/tls/cluster-ca.crt")
    fi
    # Silos: Orleans' ADO.NET clustering on the PostgreSQL; each one a silo port and a gateway port for the clients.
    for i in 0 1 2; do
        nohup dotnet publish/silo/CommandGrid.Silo.dll --urls="http://127.0.0.1:${SILO_HTTP[$i]}" \
            --Storage:Provider=postgres "${common[@]}" --Cluster:Enabled=true --Cluster:MemberName="silo$i" \
            --Cluster:SiloPort="${SILO_TCP[$i]}" --Cluster:GatewayPort="${SILO_GATEWAY[$i]}" --Mqtt:Enabled=false \
            >"$CLUSTER_DIR/silo$i.log" 2>&1 &
        echo $! >"$CLUSTER_DIR/silo$i.pid"
    done
    # Gateways: Orleans clients; they find the silos' gateway ports in the membership table.
    for i in 0 1; do
        nohup dotnet publish/gateway/CommandGrid.Gateway.dll --urls="http://127.0.0.1:${GATEWAY_HTTP[$i]}" \
            "${common[@]}" --Mqtt:Port="${GATEWAY_MQTT[$i]}" >"$CLUSTER_DIR/gateway$i.log" 2>&1 &
        echo $! >"$CLUSTER_DIR/gateway$i.pid"
    done
    # A gateway answers /health once its Orleans client has connected to a silo.
    for port in "${SILO_HTTP[@]}" "${GATEWAY_HTTP[@]}"; do wait_http "$port"; done
    echo "silos:    ${SILO_HTTP[*]/#/http://127.0.0.1:}"
    echo "gateways: ${GATEWAY_HTTP[*]/#/http://127.0.0.1:} (MQTT on ${GATEWAY_MQTT[*]})"
    [[ "${CLUSTER_TLS:-1}" != 0 ]] && echo "silos and gateways talk mutual TLS (certificates in $CLUSTER_DIR/tls)"
    echo "logs and pids in $CLUSTER_DIR; token: dotnet run --project silo -- token Auth:JwtSecret=$SECRET"
}

# A cluster CA and a node certificate for server and client authentication (each node accepts and opens connections).
cluster_certificates() {
    local dir=$1
    [[ -f "$dir/node.crt" ]] && return 0
    mkdir -p "$dir" && chmod 700 "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 -subj "/CN=CommandGrid cluster CA" \
        -keyout "$dir/cluster-ca.key" -out "$dir/cluster-ca.crt" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=commandgrid-node" \
        -keyout "$dir/node.key" -out "$dir/node.csr" 2>/dev/null
    openssl x509 -req -in "$dir/node.csr" -CA "$dir/cluster-ca.crt" -CAkey "$dir/cluster-ca.key" -CAcreateserial -days 365 \
        -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n') -out "$dir/node.crt" 2>/dev/null
    chmod 600 "$dir"/*.key
}

wait_http() {
    for _ in $(seq 1 120); do
        curl -fs "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "nothing answers on port $1; see $CLUSTER_DIR/*.log" >&2
    exit 1
}

stop() {
    # Gateways first, then silos; SIGTERM makes each leave the membership table cleanly.
    for name in gateway0 gateway1 silo2 silo1 silo0; do
        local file="$CLUSTER_DIR/$name.pid"
        [[ -f "$file" ]] || continue
        local pid
        pid=$(cat "$file")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
            if kill -0 "$pid" 2>/dev/null; then
                echo "$name (pid $pid) still running 20 s after SIGTERM: killing it" >&2
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$file"
        echo "stopped $name"
    done
    if [[ -f "$CLUSTER_DIR/own-postgres" ]]; then
        scripts/postgres-test-server.sh stop
        rm -f "$CLUSTER_DIR/own-postgres"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
