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

# show_logs: the last lines RabbitMQ wrote, for a start that failed.
show_logs() {
  tail -n 10 "$DIR/log/$RABBITMQ_NODENAME.log" >&2 2>/dev/null || true
  grep -h -m 1 -A 3 "BOOT FAILED" "$LOGS/rabbitmq-start.log" >&2 || tail -n 30 "$LOGS/rabbitmq-start.log" >&2 || true
}

# wait_ready WRAPPER_PID TIMEOUT_S: wait until the node answers; fail at once if it exits.
# The AMQP port opens at the end of the boot, so it is polled first: each diagnostics call
# boots an Erlang VM of its own, which slows a node starting on a loaded machine.
wait_ready() {
  local wrapper=$1 timeout_s=$2 deadline=$((SECONDS + $2))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$wrapper" 2>/dev/null; then
      show_logs; die "RabbitMQ exited while booting (logs: $LOGS/rabbitmq-start.log, $DIR/log)"
    fi
    port_open "$PORT" && ready && return 0
    sleep 1
  done
  show_logs
  die "RabbitMQ not ready after $timeout_s s (logs: $DIR/log)"
}

start() {
  if pid_alive rabbitmq && ready; then return 0; fi
  port_open "$PORT" && die "port $PORT is taken by another process; set BULKQR_AMQP_PORT"
  install
  configure
  rm -f "$RABBITMQ_PID_FILE"
  # Not -detached: a node that fails before it logs (a taken distribution port) would vanish
  # silently. In the background its wrapper shell lives as long as the node, and the
  # node's early errors land in the start log.
  setsid "$SBIN/rabbitmq-server" </dev/null >"$LOGS/rabbitmq-start.log" 2>&1 &
  wait_ready $! "${BULKQR_RABBITMQ_START_TIMEOUT_S:-240}"
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
