#!/usr/bin/env bash
# Starts, stops or reports bulkqr scaled out on loopback: three clustered RabbitMQ nodes,
# HAProxy in front of them (AMQP) and of two gateways (HTTP), two workers, FerretDB and S3.
#
#   scripts/cluster.sh start    start whatever is not running (a second start finds it running)
#   scripts/cluster.sh stop     stop all of it (FerretDB and S3, shared with `make run`, stay)
#   scripts/cluster.sh status   one JSON object; exit 0 when every piece runs, else 3
#
# Ports: a fixed block from BULKQR_CLUSTER_PORT_BASE (default 30100, see cluster-env.sh),
# HTTP on BULKQR_CLUSTER_HTTP_PORT (default 8080). The cluster's data: database
# BULKQR_CLUSTER_MONGO_DB (bulkqr_cluster) and bucket BULKQR_CLUSTER_S3_BUCKET (bulkqr-cluster)
# on the servers of `make run` (or those BULKQR_MONGO_URL / BULKQR_S3_ENDPOINT_URL name).
# Other BULKQR_* settings in the environment reach the gateways and workers as they are.
source "$(dirname "$0")/cluster-env.sh"
here=$(dirname "$0")

MONGO_DB="${BULKQR_CLUSTER_MONGO_DB:-bulkqr_cluster}"
S3_BUCKET="${BULKQR_CLUSTER_S3_BUCKET:-bulkqr-cluster}"
HAPROXY_CFG="$CLUSTER/haproxy.cfg"
GATEWAYS=(1 2)
WORKERS=(1 2)

install_haproxy() {
  command -v haproxy >/dev/null && return 0
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  say "installing haproxy from Debian's packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq haproxy >/dev/null \
    || die "apt-get install haproxy failed"
}

haproxy_config() {
  local n i
  {
    cat <<CFG
global
  maxconn 4096

defaults
  timeout connect 2s
  timeout client 10m
  timeout server 10m
  timeout tunnel 1h
  # A connection a stopping gateway refuses is tried again, the last time on another
  # server: only attempts that never reached a gateway, so a POST is never sent twice.
  retries 3
  option redispatch
  default-server inter 1s fall 2 rise 1

# The gateways: the cluster's one URL, as an Ingress in front of a Deployment's Service.
frontend http
  mode http
  bind 127.0.0.1:$HTTP_PORT
  default_backend gateways

backend gateways
  mode http
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
CFG
    for i in "${GATEWAYS[@]}"; do
      echo "  server gateway$i 127.0.0.1:${GATEWAY_PORTS[i-1]} check"
    done
    cat <<CFG

# AMQP: a Service in front of the RabbitMQ StatefulSet; a client of a dead node reconnects
# to a live one.
frontend amqp
  mode tcp
  bind 127.0.0.1:$AMQP_FRONT_PORT
  default_backend rabbitmq

backend rabbitmq
  mode tcp
  balance leastconn
  option tcp-check
CFG
    for n in "${NODES[@]}"; do
      echo "  server rabbit$n 127.0.0.1:$(amqp_port "$n") check on-marked-down shutdown-sessions"
    done
  } > "$HAPROXY_CFG"
}

start_haproxy() {
  pid_alive haproxy && return 0
  port_open "$HTTP_PORT" && die "port $HTTP_PORT is taken; set BULKQR_CLUSTER_HTTP_PORT"
  install_haproxy
  haproxy_config
  haproxy -c -q -f "$HAPROXY_CFG" || die "bad HAProxy config $HAPROXY_CFG"
  rm -f "$PIDS/haproxy.pid"
  haproxy -D -f "$HAPROXY_CFG" -p "$PIDS/haproxy.pid" >"$LOGS/haproxy.log" 2>&1 \
    || die "HAProxy did not start (log: $LOGS/haproxy.log)"
  wait_port haproxy "$HTTP_PORT" 10 "$LOGS/haproxy.log"
  say "HAProxy on 127.0.0.1:$HTTP_PORT (HTTP) and 127.0.0.1:$AMQP_FRONT_PORT (AMQP)"
}

# app NAME ROLE [VAR=VALUE...]: a gateway or worker in its own session, reaching the
# broker through HAProxy; `bulkqr ROLE` as scripts/run.sh starts it.
app() {
  local name=$1 role=$2; shift 2
  pid_alive "$name" && return 0
  env BULKQR_AMQP_URL="amqp://guest:guest@127.0.0.1:$AMQP_FRONT_PORT/" \
      BULKQR_MONGO_DB="$MONGO_DB" BULKQR_S3_BUCKET="$S3_BUCKET" \
      BULKQR_PUBLIC_URL="${BULKQR_PUBLIC_URL:-http://127.0.0.1:$HTTP_PORT}" \
      BULKQR_LOG_JSON=true "$@" \
      setsid nohup "$ROOT/.venv/bin/bulkqr" "$role" </dev/null >>"$LOGS/$name.log" 2>&1 &
  echo $! > "$PIDS/$name.pid"
}

# wait_log NAME TEXT TIMEOUT_S: until NAME's log says TEXT; fail if it exits first.
wait_log() {
  local name=$1 text=$2 deadline=$((SECONDS + $3)) log="$LOGS/$1.log"
  until grep -q "$text" "$log" 2>/dev/null; do
    pid_alive "$name" || { tail -n 20 "$log" >&2; die "$name exited (log: $log)"; }
    (( SECONDS < deadline )) || die "$name: no '$text' after $3 s (log: $log)"
    sleep 0.2
  done
}

start_gateway() {
  local i=$1 name="gateway-$1"
  pid_alive "$name" && return 0
  app "$name" gateway BULKQR_HTTP_PORT="${GATEWAY_PORTS[i-1]}"
  wait_port "$name" "${GATEWAY_PORTS[i-1]}" 120 "$LOGS/$name.log"
}

start_worker() {
  local i=$1 name="worker-$1"
  pid_alive "$name" && return 0
  app "$name" worker BULKQR_WORKER_METRICS_PORT="${WORKER_METRICS_PORTS[i-1]}"
  wait_log "$name" "worker consuming" 120
}

# wait_ready TIMEOUT_S: until the balancer's URL answers /readyz with 200.
wait_ready() {
  local deadline=$((SECONDS + $1)) url="http://127.0.0.1:$HTTP_PORT/readyz"
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "$url") == 200 ]]; do
    (( SECONDS < deadline )) || die "$url not ready after $1 s"
    sleep 0.5
  done
}

# local_servers: start FerretDB and S3 (as `make run` does) unless the environment points
# the gateways and workers at servers of its own (a test run on containers).
local_servers() {
  local status=0
  [[ -n "${BULKQR_MONGO_URL:-}" ]] || "$here/ferretdb.sh" start || status=1
  [[ -n "${BULKQR_S3_ENDPOINT_URL:-}" ]] || "$here/versitygw.sh" start || status=1
  return $status
}

start() {
  local started=$SECONDS
  status >/dev/null && { say "already running: http://127.0.0.1:$HTTP_PORT"; return 0; }
  local_servers & local servers=$!
  "$here/cluster-rabbitmq.sh" start || die "RabbitMQ cluster did not start"
  wait "$servers" || die "FerretDB or the S3 server did not start"
  start_haproxy
  start_gateway 1   # the first lays out the database; the others find it done
  start_gateway 2 & local g=$!
  start_worker 1 & local w1=$!
  start_worker 2 & local w2=$!
  wait "$g" && wait "$w1" && wait "$w2" || die "a gateway or worker did not start"
  wait_ready 60
  say "cluster up in $((SECONDS - started)) s: http://127.0.0.1:$HTTP_PORT"
}

# stop_app NAME: TERM, then KILL, the gateway or worker, then whatever is left of its
# session (a worker's render processes).
stop_app() {
  local pid
  pid=$(cat "$PIDS/$1.pid" 2>/dev/null) || return 0
  stop_pid "$1"
  pkill -KILL -s "$pid" 2>/dev/null || true
}

stop() {
  local name
  for name in gateway-1 gateway-2 worker-1 worker-2; do stop_app "$name" & done
  wait
  stop_pid haproxy
  "$here/cluster-rabbitmq.sh" stop
}

# pid_json NAME: the pid in NAME's pid file if it runs, else null.
pid_json() { if pid_alive "$1"; then cat "$PIDS/$1.pid"; else echo null; fi; }

status() {
  local n i all=0 rabbits=() gateways=() workers=()
  for n in "${NODES[@]}"; do
    rabbits+=("{\"node\": \"$(node_name "$n")\", \"amqpPort\": $(amqp_port "$n"), \"pid\": $(pid_json "rabbitmq-$n")}")
    pid_alive "rabbitmq-$n" || all=3
  done
  for i in "${GATEWAYS[@]}"; do
    gateways+=("{\"port\": ${GATEWAY_PORTS[i-1]}, \"pid\": $(pid_json "gateway-$i")}")
    pid_alive "gateway-$i" || all=3
  done
  for i in "${WORKERS[@]}"; do
    workers+=("{\"pid\": $(pid_json "worker-$i")}")
    pid_alive "worker-$i" || all=3
  done
  pid_alive haproxy || all=3
  local IFS=,
  printf '{"rabbitmq": [%s], "gateways": [%s], "workers": [%s], "haproxy": {"port": %s, "pid": %s}}\n' \
    "${rabbits[*]}" "${gateways[*]}" "${workers[*]}" "$HTTP_PORT" "$(pid_json haproxy)"
  return $all
}

case "${1:-}" in
  start|stop|status) "$1" ;;
  *) die "usage: $0 start|stop|status" ;;
esac
