#!/usr/bin/env bash
# Starts (and clusters, the first time) or stops the cluster's three RabbitMQ nodes on loopback.
# `start` starts whichever node is not running: a node killed or stopped rejoins on its own.
source "$(dirname "$0")/cluster-env.sh"

DATA="$CLUSTER/rabbitmq"
FORMED="$DATA/formed"   # written once the three nodes have joined; until then, data is wiped
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

# node_env N: the environment of node N and of CLI calls to it (call in a subshell).
node_env() {
  local n=$1
  export RABBITMQ_NODENAME; RABBITMQ_NODENAME=$(node_name "$n")
  export RABBITMQ_CONFIG_FILE="$DATA/$n/rabbitmq.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$DATA/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$DATA/$n/mnesia"
  export RABBITMQ_LOG_BASE="$DATA/$n/log"
  export RABBITMQ_PID_FILE="$PIDS/rabbitmq-$n.pid"
  export RABBITMQ_DIST_PORT; RABBITMQ_DIST_PORT=$(dist_port "$n")
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export HOME="$RABBIT_HOME"
}

install() {
  [[ -x "$SBIN/rabbitmq-server" ]] && return 0
  "$(dirname "$0")/rabbitmq.sh" install   # the single node's script knows how
}

# cookie: one Erlang cookie for the three nodes and the CLI, made once.
cookie() {
  mkdir -p "$RABBIT_HOME"
  local file="$RABBIT_HOME/.erlang.cookie"
  [[ -s "$file" ]] && return 0
  head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$file"
  chmod 400 "$file"
}

configure() {
  local n=$1
  mkdir -p "$DATA/$n/mnesia" "$DATA/$n/log"
  cat > "$DATA/$n/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$(amqp_port "$n")
management.tcp.ip = 127.0.0.1
management.tcp.port = $(mgmt_port "$n")
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $(prom_port "$n")
loopback_users = none
cluster_partition_handling = pause_minority
CONF
  echo '[rabbitmq_management,rabbitmq_prometheus].' > "$DATA/enabled_plugins"
}

ctl() { local n=$1; shift; (node_env "$n"; "$SBIN/rabbitmqctl" -n "$(node_name "$n")" -q "$@"); }

ready() {
  local n=$1
  port_open "$(amqp_port "$n")" || return 1
  (node_env "$n"; "$SBIN/rabbitmq-diagnostics" -n "$(node_name "$n")" -q \
    check_port_connectivity >/dev/null 2>&1)
}

running() { pid_alive "rabbitmq-$1" && ready "$1"; }

# boot N: start node N in the background and wait until it answers; fail if it exits.
boot() {
  local n=$1 log="$LOGS/rabbitmq-$n-start.log" wrapper deadline
  port_open "$(amqp_port "$n")" && die "port $(amqp_port "$n") is taken; set BULKQR_CLUSTER_PORT_BASE"
  configure "$n"
  rm -f "$PIDS/rabbitmq-$n.pid"
  # Not -detached, as in rabbitmq.sh: an early failure lands in the start log. Run from its
  # own folder: a node stopping beside its peers may write a stray Mnesia.NODE/ in its cwd.
  (node_env "$n"; cd "$DATA/$n"; exec setsid "$SBIN/rabbitmq-server" </dev/null >"$log" 2>&1) &
  wrapper=$!
  deadline=$((SECONDS + ${BULKQR_RABBITMQ_START_TIMEOUT_S:-240}))
  until ready "$n"; do
    if ! kill -0 "$wrapper" 2>/dev/null; then
      tail -n 20 "$log" >&2; die "node $n exited while booting (log: $log, $DATA/$n/log)"
    fi
    (( SECONDS < deadline )) || die "node $n not ready in time (log: $DATA/$n/log)"
    sleep 1
  done
  say "$(node_name "$n") on 127.0.0.1:$(amqp_port "$n")"
}

join() {
  local n=$1
  ctl "$n" stop_app
  ctl "$n" join_cluster "$(node_name 1)"
  ctl "$n" start_app
}

# start_all NODES...: boot those not running, side by side.
start_all() {
  local pids=() n status=0
  for n in "$@"; do
    running "$n" || { boot "$n" & pids+=($!); }
  done
  for n in "${pids[@]}"; do wait "$n" || status=1; done
  return $status
}

start() {
  install
  cookie
  if [[ -e "$FORMED" ]]; then
    start_all "${NODES[@]}"   # a cluster that was formed: each node rejoins as it boots
    return
  fi
  stop
  rm -rf "${NODES[@]/#/$DATA/}"
  start_all "${NODES[@]}"
  for n in "${NODES[@]:1}"; do join "$n"; done
  touch "$FORMED"
  say "cluster formed: $(node_name 1), $(node_name 2), $(node_name 3)"
}

# epmd_pid: the cluster's own epmd (started by its first node; it outlives the nodes).
epmd_pid() {
  local pid env
  for pid in $(pgrep -x epmd || true); do
    env=$(tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null) || continue
    grep -qx "HOME=$RABBIT_HOME" <<<"$env" && grep -qx "ERL_EPMD_PORT=$EPMD_PORT" <<<"$env" \
      && { echo "$pid"; return 0; }
  done
  return 1
}

stop_node() {
  local n=$1
  pid_alive "rabbitmq-$n" || { rm -f "$PIDS/rabbitmq-$n.pid"; return 0; }
  ctl "$n" stop "$PIDS/rabbitmq-$n.pid" >/dev/null 2>&1 || stop_pid "rabbitmq-$n"
  rm -f "$PIDS/rabbitmq-$n.pid"
  say "stopped $(node_name "$n")"
}

stop() {
  local n pids=()
  for n in "${NODES[@]}"; do stop_node "$n" & pids+=($!); done
  wait "${pids[@]}" || true
  epmd_pid > "$PIDS/epmd.pid" && stop_pid epmd
  rm -f "$PIDS/epmd.pid"
}

"${1:-start}"
