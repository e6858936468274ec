#!/usr/bin/env bash
# The README's test command: installs what the tests need when it is missing, then runs `dotnet test "$@"`.
#   ./test.sh                                   every test
#   ./test.sh tests/Scheduler.Common.Tests      one project (any dotnet test arguments pass through)
# Installs only as root with apt-get (as on CI and a fresh machine of this project's kind); otherwise it names
# what to install and stops before running anything. SCHEDULER_TEST_SKIP_INSTALL=1 skips the check.
set -euo pipefail
cd "$(dirname "$0")"

missing=()   # Debian packages to install
REDOCLY_VERSION=2.77.0

# need BINARY PACKAGE: the package that provides BINARY is installed when BINARY is absent.
need() {
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}

if [ "${SCHEDULER_TEST_SKIP_INSTALL:-0}" != 1 ]; then
  command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK is required (dotnet on PATH)" >&2; exit 1; }
  # PostgreSQL for the fixture, unless the tests are pointed at a server (SCHEDULER_TEST_DB).
  if [ -z "${SCHEDULER_TEST_DB:-}" ] && ! scripts/postgres-local.sh find >/dev/null 2>&1; then
    missing+=(postgresql)
  fi
  # The browser tests drive Debian's Chromium (Playwright's own browser download cannot be used here).
  need /usr/bin/chromium chromium
  # The PgBouncer test runs the trigger path through a real PgBouncer in transaction pooling mode.
  need /usr/sbin/pgbouncer pgbouncer
  # The automated failover test runs pg_auto_failover (a monitor and two nodes).
  need /usr/bin/pg_autoctl postgresql-15-auto-failover
  # The RabbitMQ and NATS JetStream targets are tested against real brokers; amqp-tools is the independent AMQP reader.
  need /usr/lib/rabbitmq/bin/rabbitmq-server rabbitmq-server
  need /usr/bin/amqp-consume amqp-tools
  need /usr/sbin/nats-server nats-server

  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "test.sh: installing ${missing[*]} (apt-get)" >&2
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "test.sh: the tests need these Debian packages: ${missing[*]}" >&2
      echo "  install them (sudo apt-get install -y ${missing[*]}) and run ./test.sh again," >&2
      echo "  or set SCHEDULER_TEST_SKIP_INSTALL=1 to run what can run without them." >&2
      exit 1
    fi
  fi
  # The OpenAPI linter (Redocly CLI, from npm) that OpenApiTests runs over docs/openapi.json, kept in .tools/.
  if [ ! -x .tools/node_modules/.bin/redocly ]; then
    command -v npm >/dev/null || { echo "test.sh: npm (Node.js 20.19+) is needed to install the OpenAPI linter" >&2; exit 1; }
    echo "test.sh: installing the OpenAPI linter (@redocly/cli $REDOCLY_VERSION) into .tools/" >&2
    npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error "@redocly/cli@$REDOCLY_VERSION" >/dev/null
  fi
fi

exec dotnet test "$@"
