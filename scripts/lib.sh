# Shared helpers for the local-server scripts: paths, logging and readiness waits.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="${BULKQR_STATE_DIR:-$ROOT/.state}"
BIN="${BULKQR_BIN_DIR:-$ROOT/.state/bin}"
PIDS="$STATE/pids"
LOGS="$STATE/logs"
mkdir -p "$BIN" "$PIDS" "$LOGS"

say() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# pid_alive NAME: true when the pid file for NAME names a running process (a killed one
# its parent has not reaped yet, a zombie, answers kill -0 but runs no more).
pid_alive() {
  local f="$PIDS/$1.pid" pid state
  [[ -s "$f" ]] || return 1
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port NAME PORT TIMEOUT_S LOG: wait for the port, or fail naming the log to read.
wait_port() {
  local name=$1 port=$2 timeout_s=$3 log=$4 waited=0
  until port_open "$port"; do
    if ! pid_alive "$name"; then
      tail -n 20 "$log" >&2 || true
      die "$name exited before listening on 127.0.0.1:$port (log: $log)"
    fi
    (( waited++ >= timeout_s * 10 )) && die "$name not listening on 127.0.0.1:$port after ${timeout_s}s (log: $log)"
    sleep 0.1
  done
}

# stop_pid NAME [GRACE_S]: TERM the process in NAME's pid file, then KILL it after GRACE_S
# seconds (default 10; a bulkqr worker or gateway needs its BULKQR_DRAIN_TIMEOUT_S and more).
stop_pid() {
  local name=$1 grace_s=${2:-10} f="$PIDS/$1.pid" pid
  [[ -s "$f" ]] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq $((grace_s * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    say "stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

require_go() {
  command -v go >/dev/null || die "Go is not installed. Install Go 1.22 or newer from the official tarball
  (Debian's golang package is too old for FerretDB and versitygw), put its bin/ on PATH, and rerun."
  local minor
  minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
  (( minor >= 22 )) || die "Go $(go env GOVERSION) is too old; FerretDB and versitygw need Go 1.22 or newer."
}
