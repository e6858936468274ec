#!/usr/bin/env bash
# Local RabbitMQ and NATS (JetStream) brokers from Debian's packages, for run.sh and the benchmark.
#   brokers-local.sh start DATA_DIR AMQP_PORT NATS_PORT   start both (data kept in DATA_DIR/rabbitmq and DATA_DIR/nats)
#   brokers-local.sh stop DATA_DIR                        stop both
#   brokers-local.sh install                              install the Debian packages when missing (as root)
#   brokers-local.sh available                            exit 0 when both are installed
# RabbitMQ runs as its own node (name, ports AMQP_PORT and AMQP_PORT+1, cookie, database and log under DATA_DIR),
# beside any system-wide one.
set -euo pipefail

RABBIT=/usr/lib/rabbitmq/bin/rabbitmq-server
RABBITCTL=/usr/lib/rabbitmq/bin/rabbitmqctl
NATS=/usr/sbin/nats-server

available() { [ -x "$RABBIT" ] && [ -x "$NATS" ]; }

install_brokers() {
  available && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "brokers-local: installing rabbitmq-server and nats-server (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server nats-server >/dev/null
    return 0
  fi
  echo "brokers-local: rabbitmq-server and nats-server are not installed (sudo apt-get install -y rabbitmq-server nats-server)" >&2
  return 1
}

rabbit_env() {
  local dir; dir=$(readlink -f "$1")
  export HOME="$dir/rabbitmq" RABBITMQ_NODENAME="scheduleman@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$dir/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$dir/rabbitmq/log"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/rabbitmq/enabled_plugins" RABBITMQ_CONFIG_FILE="$dir/rabbitmq/rabbitmq"
  export RABBITMQ_PID_FILE="$dir/rabbitmq/pid"
  [ -n "${2:-}" ] && export RABBITMQ_NODE_PORT="$2" RABBITMQ_DIST_PORT="$(( $2 + 1 ))"
  return 0
}

wait_port() {
  for _ in $(seq 1 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.2; done
  echo "brokers-local: nothing listens on $1 ($2)" >&2; return 1
}

start() {
  local dir=$1 amqp=$2 nats=$3
  mkdir -p "$dir/rabbitmq" "$dir/nats"
  [ -f "$dir/rabbitmq/enabled_plugins" ] || echo "[]." > "$dir/rabbitmq/enabled_plugins"
  [ -f "$dir/rabbitmq/rabbitmq.conf" ] || : > "$dir/rabbitmq/rabbitmq.conf"
  if ! (echo > "/dev/tcp/127.0.0.1/$amqp") 2>/dev/null; then
    (rabbit_env "$dir" "$amqp"; "$RABBIT" -detached >/dev/null 2>&1)
  fi
  if ! (echo > "/dev/tcp/127.0.0.1/$nats") 2>/dev/null; then
    "$NATS" -js -a 127.0.0.1 -p "$nats" -sd "$dir/nats" -P "$dir/nats/pid" -l "$dir/nats/nats.log" &
    disown
  fi
  wait_port "$nats" nats-server
  wait_port "$amqp" "rabbitmq-server; its log: $dir/rabbitmq/log"
}

stop() {
  local dir=$1
  [ -f "$dir/rabbitmq/pid" ] && (rabbit_env "$dir"; "$RABBITCTL" -n scheduleman@localhost stop >/dev/null 2>&1 || true)
  [ -f "$dir/nats/pid" ] && { kill "$(cat "$dir/nats/pid")" 2>/dev/null || true; rm -f "$dir/nats/pid"; }
  return 0
}

case "${1:-}" in
  start) [ $# -eq 4 ] || { echo "usage: $0 start DATA_DIR AMQP_PORT NATS_PORT" >&2; exit 2; }; start "$2" "$3" "$4" ;;
  stop) stop "$2" ;;
  install) install_brokers ;;
  available) available ;;
  *) echo "usage: $0 start DATA_DIR AMQP_PORT NATS_PORT | stop DATA_DIR | install | available" >&2; exit 2 ;;
esac
