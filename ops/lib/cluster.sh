# A three-node RabbitMQ cluster of the project's own on loopback (nodes hipcall-c1..c3@localhost,
# AMQP ports 5681-5683, distribution ports 25681-25683, data under ops/.run/cluster/), beside the
# single test broker on 5672, which it never touches. Sourced by ops/cluster, ops/test, ops/chaos
# and ops/bench. The nodes share the Erlang cookie of the user rabbitmq-server runs as.

CLUSTER_NODES=(c1 c2 c3)
CLUSTER_BASE_PORT="${HIPCALL_CLUSTER_BASE_PORT:-5680}"
CLUSTER_DIR="${HIPCALL_CLUSTER_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/ops/.run/cluster}"

# cluster_node_name NODE: the Erlang node name of c1, c2 or c3.
cluster_node_name() { echo "hipcall-$1@localhost"; }
# cluster_node_port NODE: the AMQP port of c1, c2 or c3.
cluster_node_port() { echo $((CLUSTER_BASE_PORT + ${1#c})); }

# cluster_check_node NODE: fails with a message unless NODE is one of the cluster's.
cluster_check_node() {
  case " ${CLUSTER_NODES[*]} " in *" $1 "*) return 0 ;; esac
  echo "unknown node '$1': expected one of ${CLUSTER_NODES[*]}" >&2
  return 2
}

# cluster_ctl NODE ARGS...: rabbitmqctl against that node.
cluster_ctl() {
  local node="$1"; shift
  rabbitmqctl -q -n "$(cluster_node_name "$node")" "$@"
}

# cluster_node_up NODE: whether the node's RabbitMQ application runs.
cluster_node_up() {
  timeout 15 rabbitmqctl -q -n "$(cluster_node_name "$1")" await_startup --timeout 5 >/dev/null 2>&1
}

# cluster_urls: the AMQP_URL list of the three nodes (comma-separated, as AMQP_URL accepts it).
cluster_urls() {
  local node urls=()
  for node in "${CLUSTER_NODES[@]}"; do urls+=("amqp://guest:guest@127.0.0.1:$(cluster_node_port "$node")/%2F"); done
  (IFS=,; echo "${urls[*]}")
}

# cluster_ctl_nodes: the Erlang node names, comma-separated (HIPCALL_CTL_NODES of ops/hipcall_ops).
cluster_ctl_nodes() {
  local node names=()
  for node in "${CLUSTER_NODES[@]}"; do names+=("$(cluster_node_name "$node")"); done
  (IFS=,; echo "${names[*]}")
}

# cluster_beam_pid NODE: the pid of the node's Erlang VM (empty when it is not running).
cluster_beam_pid() {
  local file="$CLUSTER_DIR/$1/beam.pid" pid
  [ -s "$file" ] || return 0
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
  return 0
}

# cluster_advanced_config: the nodes' advanced.config. A quorum queue's at-least-once dead-lettering
# (the retry queues' way back) re-sends a message whose target did not confirm it only after
# dead_letter_worker_publisher_confirm_timeout, 3 minutes by default: a retry in flight when a node
# fails would come back minutes late. 10 s, as ops/kubernetes/rabbitmq sets it.
cluster_advanced_config() {
  echo "[{rabbit, [{dead_letter_worker_publisher_confirm_timeout, 10000}]}]."
}

# cluster_launch NODE: starts the node's rabbitmq-server in the background (data in its own dir).
cluster_launch() {
  local node="$1" dir="$CLUSTER_DIR/$1" port
  port="$(cluster_node_port "$node")"
  mkdir -p "$dir/mnesia" "$dir/log"
  echo "[rabbitmq_consistent_hash_exchange]." > "$dir/enabled_plugins"
  cluster_advanced_config >"$dir/advanced.config"
  rm -f "$dir/beam.pid"
  # Debian's rabbitmq-server drops to the rabbitmq user when started as root.
  if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq:rabbitmq "$dir"; fi
  # The node outlives this script: it must hold none of the caller's descriptors (a caller that
  # waits for end-of-file on one, as Foundation's Process does, would wait for the node instead).
  (
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    RABBITMQ_NODENAME="$(cluster_node_name "$node")" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" \
      RABBITMQ_DIST_PORT=$((port + 20000)) RABBITMQ_PID_FILE="$dir/beam.pid" \
      RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
      exec setsid nohup rabbitmq-server >>"$dir/log/server.out" 2>&1 </dev/null
  ) &
}

# cluster_wait_up NODE [SECONDS]: waits until the node runs; prints its log and fails otherwise.
cluster_wait_up() {
  local node="$1" limit="${2:-120}" waited=0
  until cluster_node_up "$node"; do
    if [ "$waited" -ge "$limit" ]; then
      echo "node $node did not start within ${limit}s; its log:" >&2
      tail -30 "$CLUSTER_DIR/$node/log/server.out" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# cluster_running_nodes: the running members as one node (any that answers) sees them.
cluster_running_nodes() {
  local node
  for node in "${CLUSTER_NODES[@]}"; do
    if cluster_node_up "$node"; then
      cluster_ctl "$node" eval 'rabbit_nodes:all_running().' 2>/dev/null && return 0
    fi
  done
  return 1
}

# cluster_joined NODE: whether NODE runs as a member of c1's cluster.
cluster_joined() {
  cluster_ctl c1 eval 'rabbit_nodes:all_running().' 2>/dev/null | grep -q "'$(cluster_node_name "$1")'"
}

# cluster_join NODE: makes a running NODE a member of c1's cluster (a no-op when it is one).
cluster_join() {
  local node="$1"
  cluster_joined "$node" && return 0
  echo "==> $node joins the cluster of c1"
  local log="$CLUSTER_DIR/$node/log/join.out"
  { cluster_ctl "$node" stop_app && cluster_ctl "$node" reset &&
    cluster_ctl "$node" join_cluster "$(cluster_node_name c1)" && cluster_ctl "$node" start_app; } >"$log" 2>&1 || {
    echo "node $node could not join the cluster:" >&2; tail -20 "$log" >&2; return 1; }
}

# cluster_start: starts the nodes that are down, forms the cluster and waits until all three run
# in it. Idempotent: a running, formed cluster is left as it is.
cluster_start() {
  local node
  for node in "${CLUSTER_NODES[@]}"; do
    if ! cluster_node_up "$node" && [ -z "$(cluster_beam_pid "$node")" ]; then
      echo "==> starting $node ($(cluster_node_name "$node")) on 127.0.0.1:$(cluster_node_port "$node")"
      cluster_launch "$node"
    fi
  done
  for node in "${CLUSTER_NODES[@]}"; do cluster_wait_up "$node" || return 1; done
  for node in c2 c3; do cluster_join "$node" || return 1; done
  for node in "${CLUSTER_NODES[@]}"; do cluster_wait_joined "$node" || return 1; done
  echo "==> cluster of ${#CLUSTER_NODES[@]} nodes running"
}

# cluster_wait_joined NODE [SECONDS]: waits until NODE runs as a member of the cluster.
cluster_wait_joined() {
  local node="$1" limit="${2:-120}" waited=0
  until cluster_node_up "$node" && cluster_joined "$node"; do
    if [ "$waited" -ge "$limit" ]; then
      echo "node $node did not rejoin the cluster within ${limit}s" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# cluster_kill NODE: SIGKILL of the node's Erlang VM (no clean shutdown).
cluster_kill() {
  local pid
  pid="$(cluster_beam_pid "$1")"
  if [ -z "$pid" ]; then echo "node $1 is not running" >&2; return 1; fi
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "==> killed $1 (beam pid $pid)"
}

# cluster_stop_node NODE: stops one node cleanly (it stays a member and rejoins when started).
cluster_stop_node() {
  local pid
  pid="$(cluster_beam_pid "$1")"
  [ -n "$pid" ] || return 0
  cluster_ctl "$1" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  echo "==> stopped $1"
}

# cluster_restart NODE: starts a node that is down (killed or stopped) and waits until it rejoined;
# a running node is stopped first.
cluster_restart() {
  local node="$1"
  if [ -n "$(cluster_beam_pid "$node")" ]; then cluster_stop_node "$node"; fi
  echo "==> starting $node again"
  cluster_launch "$node"
  cluster_wait_up "$node" && cluster_wait_joined "$node" && echo "==> $node rejoined the cluster"
}

# cluster_stop: stops every node (the last one stopped keeps the cluster's state on disk).
cluster_stop() {
  local node
  for node in c3 c2 c1; do cluster_stop_node "$node"; done
}

# cluster_status: one line per node; fails when a node is down or out of the cluster.
cluster_status() {
  local node state down=0
  for node in "${CLUSTER_NODES[@]}"; do
    if ! cluster_node_up "$node"; then state="down"; down=1
    elif cluster_joined "$node"; then state="running"
    else state="running, not in the cluster of c1"; down=1
    fi
    printf '%s  %-22s amqp://127.0.0.1:%s  %s\n' "$node" "$(cluster_node_name "$node")" "$(cluster_node_port "$node")" "$state"
  done
  return "$down"
}
