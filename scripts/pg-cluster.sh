#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and local runs.
#
#   scripts/pg-cluster.sh start <dir> <port>   initdb (first time) and start; prints the
#                                              connection string as the last line of stdout
#   scripts/pg-cluster.sh stop <dir>           stop it (the data stays in <dir>)
#   scripts/pg-cluster.sh url <dir>            print the connection string of a started cluster
#
# The cluster runs as the `postgres` user (PostgreSQL refuses root), listens on 127.0.0.1 only,
# keeps its unix socket inside <dir>, trusts local loopback connections and runs with
# fsync=off: never put data you care about in it. A database `zugong` is created. Starting a
# cluster that is already running just prints its URL.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=postgres

usage() {
  echo "usage: $0 start <dir> <port> | stop <dir> | url <dir>" >&2
  exit 2
}

# Runs a command as the postgres user (or directly when already that user).
as_pg() {
  if [ "$(id -un)" = "$PGUSER_OS" ]; then
    "$@"
  elif [ "$(id -u)" = 0 ]; then
    runuser -u "$PGUSER_OS" -- "$@"
  else
    sudo -u "$PGUSER_OS" -- "$@"
  fi
}

url_for() { echo "postgresql://postgres@127.0.0.1:$1/zugong"; }

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then usage; fi
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
data="$dir/data"
sock="$dir/socket"
log="$dir/postgres.log"

running() { [ -f "$data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }

case "$cmd" in
  start)
    port=${3:-}
    [ -n "$port" ] || usage
    if running; then
      # Already up: report the port it actually runs on.
      port=$(sed -n 4p "$data/postmaster.pid")
      url_for "$port"
      exit 0
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown "$PGUSER_OS": "$dir"; fi
    if [ ! -f "$data/PG_VERSION" ]; then
      as_pg mkdir -p "$data" "$sock"
      as_pg chmod 700 "$data"
      as_pg "$PGBIN/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=trust >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
      }
      cat >>"$data/postgresql.conf" <<EOF

# pg-cluster.sh: a throwaway test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
EOF
      # Loopback only, no password (hba is read top-down; these come first).
      cat >"$data/pg_hba.conf" <<EOF
local   all  all                trust
host    all  all  127.0.0.1/32  trust
host    all  all  ::1/128       trust
EOF
    fi
    as_pg mkdir -p "$sock"
    as_pg "$PGBIN/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "-p $port" start >/dev/null || {
      tail -n 30 "$log" >&2
      exit 1
    }
    for _ in $(seq 1 60); do
      as_pg "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break
      sleep 0.5
    done
    if ! as_pg "$PGBIN/psql" -h "$sock" -p "$port" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'zugong'" | grep -q 1; then
      as_pg "$PGBIN/createdb" -h "$sock" -p "$port" -U postgres -E UTF8 -T template0 zugong
    fi
    url_for "$port"
    ;;
  stop)
    if running; then
      as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
  url)
    running || { echo "not running: $dir" >&2; exit 1; }
    url_for "$(sed -n 4p "$data/postmaster.pid")"
    ;;
  *)
    usage
    ;;
esac
