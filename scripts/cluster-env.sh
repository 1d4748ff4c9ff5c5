# The scale-out cluster's layout (sourced by cluster.sh and cluster-rabbitmq.sh): its state
# folder and its fixed block of loopback ports, below Linux's ephemeral range (32768+), so
# neither the single-node servers (5672, 15672, 15692, 25672, 4369) nor the ports tests
# pick with free_port collide with it. A test runs its own cluster beside a developer's by
# setting another BULKQR_CLUSTER_PORT_BASE and BULKQR_CLUSTER_STATE_DIR.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BASE="${BULKQR_CLUSTER_PORT_BASE:-30100}"
CLUSTER="${BULKQR_CLUSTER_STATE_DIR:-$STATE/cluster}"
PIDS="$CLUSTER/pids"
LOGS="$CLUSTER/logs"
mkdir -p "$PIDS" "$LOGS"

NODES=(1 2 3)
NODE_PREFIX="${BULKQR_CLUSTER_NODE_PREFIX:-bulkqr-c}"
EPMD_PORT=$BASE                      # the cluster's own epmd: its node names stay its own
amqp_port() { echo $((BASE + $1)); } # 1..3: each node's AMQP listener
mgmt_port() { echo $((BASE + 10 + $1)); }
prom_port() { echo $((BASE + 20 + $1)); }
dist_port() { echo $((BASE + 30 + $1)); }
node_name() { echo "$NODE_PREFIX$1@localhost"; }
AMQP_FRONT_PORT=$((BASE + 40))       # HAProxy's AMQP frontend, in front of the three nodes
GATEWAY_PORTS=($((BASE + 41)) $((BASE + 42)))
WORKER_METRICS_PORTS=($((BASE + 43)) $((BASE + 44)))
HTTP_PORT="${BULKQR_CLUSTER_HTTP_PORT:-8080}"   # HAProxy's HTTP frontend, the public URL
RABBIT_HOME="$CLUSTER/home"          # HOME of every node and CLI call: its .erlang.cookie
SBIN=/usr/lib/rabbitmq/bin

export ERL_EPMD_PORT=$EPMD_PORT
export ERL_EPMD_ADDRESS=127.0.0.1
