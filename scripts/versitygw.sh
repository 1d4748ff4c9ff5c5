#!/usr/bin/env bash
# Installs (once) and starts or stops versitygw, the S3 server, with its posix backend on loopback.
source "$(dirname "$0")/lib.sh"

VERSION=v1.7.0
PORT="${BULKQR_S3_PORT:-7070}"
EXE="$BIN/versitygw-$VERSION"
ACCESS_KEY="${BULKQR_S3_ACCESS_KEY:-bulkqr-local}"
SECRET_KEY="${BULKQR_S3_SECRET_KEY:-bulkqr-local-secret}"

install() {
  [[ -x "$EXE" ]] && return 0
  require_go
  say "building versitygw $VERSION (about a minute the first time)"
  GOBIN="$BIN/.gobin" go install "github.com/versity/versitygw/cmd/versitygw@$VERSION" \
    || die "go install of versitygw failed"
  mv "$BIN/.gobin/versitygw" "$EXE"
}

start() {
  pid_alive versitygw && return 0
  port_open "$PORT" && die "port $PORT is taken by another process; set BULKQR_S3_PORT"
  install
  mkdir -p "$STATE/s3/data" "$STATE/s3/meta"
  local log="$LOGS/versitygw.log"
  # setsid: its own session, so a Ctrl-C meant for `make run` does not stop it.
  ROOT_ACCESS_KEY="$ACCESS_KEY" ROOT_SECRET_KEY="$SECRET_KEY" setsid nohup "$EXE" \
    --port "127.0.0.1:$PORT" posix --sidecar "$STATE/s3/meta" "$STATE/s3/data" >"$log" 2>&1 &
  echo $! > "$PIDS/versitygw.pid"
  wait_port versitygw "$PORT" 30 "$log"
  say "versitygw $VERSION on 127.0.0.1:$PORT"
}

stop() { stop_pid versitygw; }

"${1:-start}"
