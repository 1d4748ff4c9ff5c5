#!/usr/bin/env bash
# Installs (once, from Debian's packages) and starts or stops a RabbitMQ node bound to loopback.
source "$(dirname "$0")/lib.sh"

PORT="${BULKQR_AMQP_PORT:-5672}"
MGMT_PORT="${BULKQR_RABBITMQ_MGMT_PORT:-15672}"
PROM_PORT="${BULKQR_RABBITMQ_PROM_PORT:-15692}"
DIST_PORT="${BULKQR_RABBITMQ_DIST_PORT:-25672}"
SBIN=/usr/lib/rabbitmq/bin
DIR="$STATE/rabbitmq"

export RABBITMQ_NODENAME="${BULKQR_RABBITMQ_NODENAME:-bulkqr@localhost}"
export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$DIR/mnesia"
export RABBITMQ_LOG_BASE="$DIR/log"
export RABBITMQ_PID_FILE="$PIDS/rabbitmq.pid"
export RABBITMQ_DIST_PORT="$DIST_PORT"
# Erlang's own ports (epmd, distribution) listen on every interface unless told otherwise.
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export HOME="$DIR/home"

install() {
  [[ -x "$SBIN/rabbitmq-server" ]] && return 0
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  say "installing rabbitmq-server from Debian's packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq rabbitmq-server >/dev/null \
    || die "apt-get install rabbitmq-server failed"
}

configure() {
  mkdir -p "$DIR/mnesia" "$DIR/log" "$HOME"
  cat > "$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = 127.0.0.1:$PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $MGMT_PORT
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $PROM_PORT
loopback_users = none
CONF
  echo '[rabbitmq_management,rabbitmq_prometheus].' > "$RABBITMQ_ENABLED_PLUGINS_FILE"
}

ready() { "$SBIN/rabbitmq-diagnostics" -n "$RABBITMQ_NODENAME" -q check_port_connectivity >/dev/null 2>&1; }

start() {
  if pid_alive rabbitmq && ready; then return 0; fi
  port_open "$PORT" && die "port $PORT is taken by another process; set BULKQR_AMQP_PORT"
  install
  configure
  "$SBIN/rabbitmq-server" -detached >"$LOGS/rabbitmq-start.log" 2>&1 \
    || die "rabbitmq-server did not start (log: $LOGS/rabbitmq-start.log)"
  local waited=0
  until ready; do
    (( waited++ >= 60 )) && die "RabbitMQ not ready after 60 s (logs: $DIR/log)"
    sleep 1
  done
  epmd_pid > "$PIDS/epmd.pid" || true
  say "RabbitMQ on 127.0.0.1:$PORT (management on 127.0.0.1:$MGMT_PORT)"
}

# epmd_pid: the pid of the epmd that our node registered with (it outlives the node).
epmd_pid() {
  local pid
  for pid in $(pgrep -x epmd || true); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "HOME=$HOME" && { echo "$pid"; return 0; }
  done
  return 1
}

stop() {
  if pid_alive rabbitmq; then
    "$SBIN/rabbitmqctl" -n "$RABBITMQ_NODENAME" -q stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || stop_pid rabbitmq
    say "stopped RabbitMQ"
  fi
  rm -f "$RABBITMQ_PID_FILE"
  stop_pid epmd
}

"${1:-start}"
