#!/usr/bin/env bash
# Starts, stops or reports the three local servers (RabbitMQ, FerretDB, versitygw).
source "$(dirname "$0")/lib.sh"
here=$(dirname "$0")

case "${1:-start}" in
  start)
    # Builds can run side by side; RabbitMQ's install uses apt, the others Go.
    "$here/rabbitmq.sh" start & r=$!
    "$here/ferretdb.sh" start & f=$!
    "$here/versitygw.sh" start & v=$!
    status=0
    for p in $r $f $v; do wait "$p" || status=1; done
    exit $status ;;
  stop)
    "$here/rabbitmq.sh" stop; "$here/ferretdb.sh" stop; "$here/versitygw.sh" stop ;;
  *) die "usage: $0 start|stop" ;;
esac
