#!/usr/bin/env bash
# Runs Scheduleman on this machine, no Docker needed: a local PostgreSQL (data kept in .data/ across runs),
# the migrations, the API on http://localhost:8080, two executors and WaitEcho on http://localhost:5003, and local
# RabbitMQ and NATS JetStream brokers for those targets (Debian's packages, installed when missing as root).
# Ctrl-C stops everything. Settings: SCHEDULER_PG_PORT (default 55432), API_PORT (8080), ECHO_PORT (5003),
# AMQP_PORT (55672), NATS_PORT (54222), DATA_DIR (.data: the database, brokers' data and local keys),
# BROKERS=off to run without the brokers, AUTH=off to run the API without API keys (it says so loudly; for demos only).
set -euo pipefail
cd "$(dirname "$0")"

PG_PORT=${SCHEDULER_PG_PORT:-55432}
API_PORT=${API_PORT:-8080}
ECHO_PORT=${ECHO_PORT:-5003}
DB=scheduleman
AMQP_PORT=${AMQP_PORT:-55672}
NATS_PORT=${NATS_PORT:-54222}
BROKERS=${BROKERS:-on}
DATA=${DATA_DIR:-.data}

command -v dotnet >/dev/null || { echo "run.sh: the .NET 10 SDK is required (https://dot.net)" >&2; exit 1; }

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo; echo "run.sh: stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  scripts/postgres-local.sh stop "$DATA/postgres"
  [ "$BROKERS" = on ] && scripts/brokers-local.sh stop "$DATA/brokers"
  echo "run.sh: stopped (data kept in $DATA/)"
  exit 0
}
trap cleanup EXIT INT TERM

scripts/postgres-local.sh start "$DATA/postgres" "$PG_PORT"
scripts/postgres-local.sh createdb "$PG_PORT" "$DB"
export ConnectionStrings__Scheduler="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$DB"

# The executors know the brokers by name ("connection": "orders" | "events"); WaitEcho consumes from both.
broker_env=()
echo_env=()
if [ "$BROKERS" = on ] && scripts/brokers-local.sh install; then
  scripts/brokers-local.sh start "$DATA/brokers" "$AMQP_PORT" "$NATS_PORT"
  broker_env=(Brokers__orders__Type=rabbitmq Brokers__orders__Uri="amqp://guest:guest@127.0.0.1:$AMQP_PORT"
              Brokers__events__Type=nats Brokers__events__Uri="nats://127.0.0.1:$NATS_PORT")
  echo_env=(WaitEcho__RabbitMq__Uri="amqp://guest:guest@127.0.0.1:$AMQP_PORT" WaitEcho__Nats__Url="nats://127.0.0.1:$NATS_PORT")
else
  BROKERS=off
  echo "run.sh: running without RabbitMQ and NATS (BROKERS=off, or they could not be installed)" >&2
fi

# Local secrets, made once and kept in $DATA/: the key that encrypts stored webhook secrets, an admin API key,
# and a signing secret WaitEcho verifies webhook signatures with.
mkdir -p "$DATA"
keep() { [ -s "$DATA/$1" ] || (umask 077; eval "$2" > "$DATA/$1"); cat "$DATA/$1"; }
export Secrets__Key; Secrets__Key=$(keep secrets.key 'head -c 32 /dev/urandom | base64')
API_KEY=$(keep api-key 'printf smk_local_; head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n"')
SIGNING_SECRET=$(keep webhook-secret 'printf whsec_; head -c 32 /dev/urandom | base64')
export Auth__BootstrapKey="$API_KEY"
[ "${AUTH:-on}" = off ] && export Auth__Enabled=false
# WaitEcho runs on this machine: allow webhooks to reach loopback (internal addresses are refused otherwise).
export Egress__Allow__0=127.0.0.1 Egress__Allow__1=localhost

echo "run.sh: building…"
dotnet build Scheduleman.sln -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet Scheduler.Storage/bin/Release/net10.0/Scheduler.Storage.dll migrate

# Each process runs from its build folder (so it finds its appsettings.json); output is prefixed with its name.
start() {
  local name=$1 project=$2; shift 2
  local urls=()
  [ -n "${URLS:-}" ] && urls=(--urls "$URLS")
  (cd "$project/bin/Release/net10.0" && exec "$@" dotnet "$project.dll" "${urls[@]}") > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
}
wait_for() { for _ in $(seq 1 150); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "run.sh: $1 did not answer" >&2; return 1; }

# WaitEcho also hosts a mock Kafka cluster (librdkafka's, a real protocol peer) and consumes topic 'triggers'.
URLS="http://localhost:$ECHO_PORT" start waitecho Scheduler.WaitEcho env WaitEcho__Kafka__Mock=true WaitEcho__SigningSecret="$SIGNING_SECRET" "${echo_env[@]}"
wait_for "http://localhost:$ECHO_PORT/healthz"
KAFKA=$(curl -fsS "http://localhost:$ECHO_PORT/kafka" | sed -E 's/.*"bootstrapServers":"([^"]*)".*/\1/')
URLS="http://localhost:$API_PORT" start api Scheduler.Crud.Api
# Workers of schedules with result tracking report back to the API at this address.
# The executors' gen0 budget, as their image sets it (Scheduler.Executor/Dockerfile).
export DOTNET_GCgen0size=0x600000
start executor-1 Scheduler.Executor env Executor__ExecutorId=executor-1 Kafka__BootstrapServers="$KAFKA" Executor__CallbackUrl="http://localhost:$API_PORT/" "${broker_env[@]}"
start executor-2 Scheduler.Executor env Executor__ExecutorId=executor-2 Kafka__BootstrapServers="$KAFKA" Executor__CallbackUrl="http://localhost:$API_PORT/" "${broker_env[@]}"
wait_for "http://localhost:$API_PORT/healthz"

cat <<INFO

  Scheduleman is running
    Web UI     http://localhost:$API_PORT/   ($([ "${AUTH:-on}" = off ] && echo "no sign-in: AUTH=off" || echo "sign in with the API key below"))
    API        http://localhost:$API_PORT/api/v1/schedules   (OpenAPI: /openapi/v1.json)
    WaitEcho   http://localhost:$ECHO_PORT/echo   (what it received: /received)
    Kafka      $KAFKA (mock cluster in WaitEcho; WaitEcho consumes topic 'triggers')$([ "$BROKERS" = on ] && echo "
    RabbitMQ   127.0.0.1:$AMQP_PORT, connection 'orders' (WaitEcho consumes exchange 'triggers')
    NATS       127.0.0.1:$NATS_PORT, connection 'events' (WaitEcho consumes stream TRIGGERS: subjects triggers.>)")
    executors  executor-1, executor-2
    PostgreSQL 127.0.0.1:$PG_PORT, database $DB, data in $DATA/postgres
    API key    $API_KEY   (admin of tenant 'default'; kept in $DATA/api-key)$([ "${AUTH:-on}" = off ] && echo "
    AUTH IS OFF (AUTH=off): every request acts as admin of tenant 'default'")
    Signing    $SIGNING_SECRET   (WaitEcho verifies signatures made with it; see /received)

  Try: export KEY=$API_KEY
       curl -s -X POST localhost:$API_PORT/api/v1/schedules -H "authorization: Bearer \$KEY" -H 'content-type: application/json' \\
         -d '{"name":"every-2s","cron":"*/2 * * * * *","target":{"type":"webhook","url":"http://localhost:$ECHO_PORT/echo","signingSecret":"$SIGNING_SECRET"}}'
       curl -s -X POST localhost:$API_PORT/api/v1/schedules -H "authorization: Bearer \$KEY" -H 'content-type: application/json' \\
         -d '{"name":"kafka-every-5s","cron":"*/5 * * * * *","target":{"type":"kafka","topic":"triggers"}}'
  Ctrl-C stops everything.

INFO
# Like a cluster, the rest keeps running when one process dies (e.g. an executor killed to watch recovery).
while [ ${#pids[@]} -gt 0 ]; do
  wait -n "${pids[@]}" || true
  alive=()
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
  [ ${#alive[@]} -lt ${#pids[@]} ] && echo "run.sh: a process exited; the others keep running (Ctrl-C stops them)" >&2
  pids=("${alive[@]}")
done
