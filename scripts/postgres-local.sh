#!/usr/bin/env bash
# A local PostgreSQL cluster from the binaries on this machine, for run.sh, the tests and CI.
#   postgres-local.sh start DATA_DIR PORT   create the cluster if needed and start it (trust auth, 127.0.0.1)
#   postgres-local.sh stop DATA_DIR         stop it (fast shutdown)
#   postgres-local.sh destroy DATA_DIR      stop it at once and delete its data (throwaway test clusters)
#   postgres-local.sh createdb PORT NAME    create a database unless it exists
#   postgres-local.sh install               install the Debian package when no binaries are found
#   postgres-local.sh find                  print the directory of the binaries (exit 1 when there are none)
#   postgres-local.sh standby PRIMARY_PORT DATA_DIR PORT NAME
#                                           a streaming standby of the cluster on PRIMARY_PORT (pg_basebackup -R), started,
#                                           and made the primary's synchronous standby (commits wait for its flush)
#   postgres-local.sh kill DATA_DIR         stop at once, as a crash would (immediate shutdown)
#   postgres-local.sh promote DATA_DIR      promote a standby to primary; it then waits for no synchronous standby
# PostgreSQL refuses to run as root, so as root the cluster runs as the 'postgres' user.
set -euo pipefail

find_bindir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"; return 0
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

install_postgres() {
  find_bindir >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "postgres-local: installing PostgreSQL (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    find_bindir >/dev/null && return 0
  fi
  echo "postgres-local: no PostgreSQL binaries (initdb, pg_ctl) found; install PostgreSQL 13+ or set SCHEDULER_TEST_DB" >&2
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}
case "$cmd" in
  install) install_postgres ;;
  find) find_bindir ;;
  start)
    data=$(readlink -m "${2:?data dir}"); port=${3:?port}
    install_postgres
    bin=$(find_bindir)
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
      chown postgres "$data"
      # The postgres user must be able to reach the directory.
      p=$(dirname "$data"); while [ "$p" != / ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
      cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
shared_buffers = 256MB
CONF
    fi
    extra=""
    # Throwaway clusters (tests) trade durability for speed; run.sh keeps the defaults.
    [ "${POSTGRES_LOCAL_FAST:-0}" = 1 ] && extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -o "-p $port $extra" start >/dev/null
    echo "postgres-local: running on 127.0.0.1:$port (data $data)" >&2
    ;;
  stop)
    data=$(readlink -m "${2:?data dir}")
    bin=$(find_bindir)
    [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    ;;
  destroy)
    data=$(readlink -m "${2:?data dir}")
    bin=$(find_bindir)
    [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$data"
    ;;
  standby)
    primary_port=${2:?primary port}; data=$(readlink -m "${3:?data dir}"); port=${4:?port}; name=${5:?standby name}
    bin=$(find_bindir)
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres "$data"; chmod 700 "$data"; fi
    as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$data" -R -X stream -c fast >/dev/null
    # Named, so that the primary can wait for this standby by name.
    echo "primary_conninfo = 'host=127.0.0.1 port=$primary_port user=postgres application_name=$name'" | as_owner tee -a "$data/postgresql.auto.conf" >/dev/null
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -o "-p $port" start >/dev/null
    "$bin/psql" -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres -qAtc "alter system set synchronous_standby_names = '$name'" -c "select pg_reload_conf()" >/dev/null
    echo "postgres-local: standby '$name' running on 127.0.0.1:$port (data $data), synchronous for 127.0.0.1:$primary_port" >&2
    ;;
  kill)
    data=$(readlink -m "${2:?data dir}")
    bin=$(find_bindir)
    as_owner "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null
    ;;
  promote)
    data=$(readlink -m "${2:?data dir}")
    bin=$(find_bindir)
    as_owner "$bin/pg_ctl" -D "$data" -w promote >/dev/null
    port=$(sed -n 4p "$data/postmaster.pid")
    # The new primary has no standby yet: waiting for one would stall every commit.
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc "alter system set synchronous_standby_names = ''" -c "select pg_reload_conf()" >/dev/null
    ;;
  createdb)
    port=${2:?port}; name=${3:?database name}
    bin=$(find_bindir)
    if [ -z "$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc "select 1 from pg_database where datname = '$name'")" ]; then
      "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "create database \"$name\"" >/dev/null
    fi
    ;;
  *) echo "usage: $0 start DATA_DIR PORT | stop DATA_DIR | destroy DATA_DIR | createdb PORT NAME | standby PRIMARY_PORT DATA_DIR PORT NAME | kill DATA_DIR | promote DATA_DIR | install | find" >&2; exit 2 ;;
esac
