#!/usr/bin/env bash
# Installs (once, from Debian's packages) and starts or stops a Prometheus bound to loopback
# that scrapes the local gateway, worker and RabbitMQ and evaluates bulkqr's alert rules.
# The tests run Prometheus and promtool from this install with configurations of their own.
source "$(dirname "$0")/lib.sh"

PORT="${BULKQR_PROMETHEUS_PORT:-9090}"
GATEWAY_PORT="${BULKQR_HTTP_PORT:-8080}"
WORKER_PORT="${BULKQR_WORKER_METRICS_PORT:-9100}"
RABBITMQ_PORT="${BULKQR_RABBITMQ_PROM_PORT:-15692}"
DIR="$STATE/prometheus"

install() {
  command -v prometheus >/dev/null && command -v promtool >/dev/null && return 0
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  say "installing prometheus (with promtool) from Debian's packages"
  $sudo apt-get update -qq
  # Without recommends: the package would pull in its node exporter and start services.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    prometheus >/dev/null || die "apt-get install prometheus failed"
}

configure() {
  mkdir -p "$DIR/data"
  cp "$ROOT/deploy/prometheus/alerts.yaml" "$DIR/alerts.yaml"
  cat > "$DIR/prometheus.yml" <<CONF
# Written by scripts/prometheus.sh: deploy/prometheus/prometheus.yml with local targets.
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files: [alerts.yaml]
scrape_configs:
  - job_name: bulkqr-gateway
    static_configs: [{targets: ["127.0.0.1:$GATEWAY_PORT"]}]
  - job_name: bulkqr-worker
    static_configs: [{targets: ["127.0.0.1:$WORKER_PORT"]}]
  - job_name: rabbitmq
    metrics_path: /metrics/per-object
    static_configs: [{targets: ["127.0.0.1:$RABBITMQ_PORT"]}]
CONF
  promtool check config "$DIR/prometheus.yml" >/dev/null || die "the generated configuration is invalid"
}

start() {
  pid_alive prometheus && return 0
  port_open "$PORT" && die "port $PORT is taken by another process; set BULKQR_PROMETHEUS_PORT"
  install
  configure
  local log="$LOGS/prometheus.log"
  # setsid: its own session, so a Ctrl-C meant for `make run` does not stop it.
  setsid nohup prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --web.listen-address="127.0.0.1:$PORT" >"$log" 2>&1 &
  echo $! > "$PIDS/prometheus.pid"
  wait_port prometheus "$PORT" 30 "$log"
  say "Prometheus on 127.0.0.1:$PORT"
}

stop() { stop_pid prometheus; }

"${1:-start}"
