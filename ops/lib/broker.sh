# Starts and stops a RabbitMQ of the project's own: loopback only, data under ops/.run/.
# Sourced by ops scripts. Reuses a broker that already answers on the port.

# HIPCALL_BROKER_PORT moves the AMQP port; a broker on another port gets a node name of its own
# (hipcall-sync-PORT@localhost) and distribution port PORT + 20000, so it runs beside the default one.
BROKER_PORT="${HIPCALL_BROKER_PORT:-5672}"
if [ "$BROKER_PORT" = 5672 ]; then
  BROKER_NODE="${RABBITMQ_NODENAME:-hipcall-sync@localhost}"
else
  BROKER_NODE="${HIPCALL_BROKER_NODE:-hipcall-sync-$BROKER_PORT@localhost}"
fi
BROKER_STARTED=0
BROKER_PID=""
# A broker this script starts also listens for TLS on 127.0.0.1:BROKER_TLS_PORT when ops/lib/tls.sh
# is sourced (its certificates); BROKER_TLS says whether that listener is up (a reused broker has none).
BROKER_TLS_PORT="${HIPCALL_BROKER_TLS_PORT:-5671}"
BROKER_TLS=0
export RABBITMQ_NODENAME="$BROKER_NODE"

# broker_answers: whether something accepts AMQP connections on the port.
broker_answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$BROKER_PORT" 2>/dev/null
}

# start_broker DIR: starts rabbitmq-server with its data in DIR unless a broker already answers.
start_broker() {
  local dir="$1"
  if broker_answers; then
    echo "==> reusing the RabbitMQ that answers on 127.0.0.1:$BROKER_PORT"
    # It may be a system broker under the default node name rather than ours.
    if ! rabbitmqctl -q status >/dev/null 2>&1; then
      unset RABBITMQ_NODENAME
      rabbitmqctl -q status >/dev/null 2>&1 || echo "warning: rabbitmqctl cannot reach that broker; tests that use it will fail" >&2
    fi
    rabbitmq-plugins -q enable rabbitmq_consistent_hash_exchange >/dev/null 2>&1 || true
    return 0
  fi
  mkdir -p "$dir/mnesia" "$dir/log"
  echo "[rabbitmq_consistent_hash_exchange]." > "$dir/enabled_plugins"
  local config=()
  if declare -F ensure_tls_certificates >/dev/null; then
    ensure_tls_certificates
    tls_broker_config "$BROKER_TLS_PORT" >"$dir/rabbitmq.conf"
    config=(RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf")
    BROKER_TLS=1
  fi
  # Debian's rabbitmq-server drops to the rabbitmq user when started as root.
  if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq:rabbitmq "$dir"; fi
  echo "==> starting RabbitMQ ($BROKER_NODE) on 127.0.0.1:$BROKER_PORT$([ "$BROKER_TLS" = 1 ] && echo " (TLS on $BROKER_TLS_PORT)"), data in $dir"
  pgrep -x epmd >/dev/null || EPMD_STARTED_BY_US=1
  env "${config[@]}" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$BROKER_PORT" \
    RABBITMQ_DIST_PORT=$((BROKER_PORT + 20000)) \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    nohup rabbitmq-server >"$dir/log/server.out" 2>&1 &
  BROKER_PID=$!
  echo "$BROKER_PID" >"$dir/server.pid"
  BROKER_STARTED=1
  local waited=0
  until broker_answers && rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1; do
    if ! kill -0 "$BROKER_PID" 2>/dev/null || [ "$waited" -ge 120 ]; then
      echo "RabbitMQ did not start; its log:" >&2
      tail -40 "$dir/log/server.out" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "==> RabbitMQ is ready"
}

# stop_broker: stops the broker this script started, and returns once its process has exited
# (and stops epmd, if it started that too). A broker it reused is left running.
stop_broker() {
  [ "$BROKER_STARTED" = 1 ] || return 0
  BROKER_STARTED=0
  echo "==> stopping RabbitMQ ($BROKER_NODE)"
  rabbitmqctl -q -n "$BROKER_NODE" stop >/dev/null 2>&1 || kill "$BROKER_PID" 2>/dev/null || true
  # The server is this shell's child: wait for it here, not with a bare `wait` elsewhere.
  wait "$BROKER_PID" 2>/dev/null || true
  if [ "${EPMD_STARTED_BY_US:-0}" = 1 ]; then epmd -kill >/dev/null 2>&1 || true; fi
}
