#!/usr/bin/env bash
# Builds (once) and starts or stops FerretDB v1 with its SQLite backend on loopback.
source "$(dirname "$0")/lib.sh"

VERSION=v1.24.2
PORT="${BULKQR_FERRETDB_PORT:-27017}"
EXE="$BIN/ferretdb-$VERSION"

install() {
  [[ -x "$EXE" ]] && return 0
  require_go
  say "building FerretDB $VERSION (about a minute the first time)"
  # `go install` of this module builds a binary that panics at start: the module ships
  # build/version/version.txt empty. Build from a writable copy with the version filled in.
  local dir src
  dir=$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -d "$dir" ]] || die "go mod download of FerretDB $VERSION failed"
  src=$(mktemp -d)
  cp -r "$dir/." "$src"
  chmod -R u+w "$src"
  echo "$VERSION" > "$src/build/version/version.txt"
  (cd "$src" && go build -o "$EXE.tmp" ./cmd/ferretdb) || die "go build of FerretDB failed"
  mv "$EXE.tmp" "$EXE"
  rm -rf "$src"
}

start() {
  pid_alive ferretdb && return 0
  port_open "$PORT" && die "port $PORT is taken by another process; set BULKQR_FERRETDB_PORT"
  install
  mkdir -p "$STATE/ferretdb/data" "$STATE/ferretdb/state"
  local log="$LOGS/ferretdb.log"
  # setsid: its own session, so a Ctrl-C meant for `make run` does not stop it.
  # BULKQR_FERRETDB_DEBUG_ADDR (e.g. 127.0.0.1:8088) serves its metrics and Go's pprof
  # profiles, for finding where the store's CPU goes (docs/benchmarks.md); off by default.
  setsid nohup "$EXE" --handler=sqlite --sqlite-url="file:$STATE/ferretdb/data/" \
    --listen-addr="127.0.0.1:$PORT" --state-dir="$STATE/ferretdb/state" \
    --debug-addr="${BULKQR_FERRETDB_DEBUG_ADDR:--}" --telemetry=disable --log-level=warn >"$log" 2>&1 &
  echo $! > "$PIDS/ferretdb.pid"
  wait_port ferretdb "$PORT" 30 "$log"
  say "FerretDB $VERSION on 127.0.0.1:$PORT"
}

stop() { stop_pid ferretdb; }

"${1:-start}"
