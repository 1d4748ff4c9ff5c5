#!/usr/bin/env bash
# Runs one worker and the gateway in the foreground until Ctrl-C.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

pids=()
cleanup() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/bulkqr worker & pids+=($!)
.venv/bin/bulkqr gateway & pids+=($!)
say "gateway on http://${BULKQR_HTTP_HOST:-127.0.0.1}:${BULKQR_HTTP_PORT:-8080}, one worker; Ctrl-C stops both"
say "credentials: .venv/bin/bulkqr admin create-subscription --name me"
wait -n "${pids[@]}"
