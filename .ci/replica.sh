#!/usr/bin/env bash
# A dedicated PostgreSQL primary and its streaming replica for the read replica's tests (tests/replica/), on their
# own ports and data folders: the shared cluster is never touched.
#
#   bash .ci/replica.sh start   # create what is missing, start what is stopped; prints the tests' variables
#   bash .ci/replica.sh stop    # stop both (the data stays, for the next start)
#   bash .ci/replica.sh clean   # stop both and delete their data
#   bash .ci/replica.sh primary-stop|primary-start   # the primary alone: the tests' outage
#
# `start` is idempotent and prints, on stdout, the exports the tests read:
#   eval "$(bash .ci/replica.sh start)"
# REPLICA_DIR, REPLICA_PRIMARY_PORT and REPLICA_STANDBY_PORT change where and on which ports they run.
set -euo pipefail

BASE=${REPLICA_DIR:-/var/tmp/tracker-replica}
PRIMARY_PORT=${REPLICA_PRIMARY_PORT:-5433}
STANDBY_PORT=${REPLICA_STANDBY_PORT:-5434}
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PRIMARY=$BASE/primary
STANDBY=$BASE/standby

say() { printf '%s\n' "$*" >&2; }

# initdb and the servers refuse to run as root: run them as the postgres user, which owns the data folders.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { [ -f "$1/postmaster.pid" ] && as_postgres "$BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

wait_ready() {
  for _ in $(seq 60); do
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
    sleep 0.5
  done
  say "PostgreSQL on port $1 did not answer within 30 s"; return 1
}

start_server() {  # data folder, port
  running "$1" && return 0
  as_postgres "$BIN/pg_ctl" -D "$1" -l "$1.log" -w -t 60 start >/dev/null
  wait_ready "$2"
}

stop_server() {
  running "$1" || return 0
  as_postgres "$BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null
}

start() {
  [ -x "$BIN/initdb" ] || { say "PostgreSQL's server binaries (initdb, pg_ctl) not found"; exit 1; }
  mkdir -p "$BASE"
  [ "$(id -u)" = 0 ] && chown postgres: "$BASE"
  if [ ! -f "$PRIMARY/PG_VERSION" ]; then
    say "replica: creating the primary in $PRIMARY (port $PRIMARY_PORT)"
    rm -rf "$PRIMARY"
    as_postgres "$BIN/initdb" -D "$PRIMARY" -U postgres --auth=trust -E UTF8 >/dev/null
    # initdb's pg_hba.conf with --auth=trust already lets 127.0.0.1 replicate.
    cat >>"$PRIMARY/postgresql.conf" <<EOF
port = $PRIMARY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$BASE'
wal_level = replica
max_wal_senders = 5
wal_keep_size = '256MB'
fsync = off
EOF
  fi
  start_server "$PRIMARY" "$PRIMARY_PORT"
  if [ ! -f "$STANDBY/PG_VERSION" ]; then
    say "replica: copying the primary into $STANDBY (port $STANDBY_PORT)"
    rm -rf "$STANDBY"
    # -R writes primary_conninfo and standby.signal: the copy starts as a streaming replica.
    as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$STANDBY" -R -X stream
    printf 'port = %s\nhot_standby = on\n' "$STANDBY_PORT" >>"$STANDBY/postgresql.conf"
  fi
  start_server "$STANDBY" "$STANDBY_PORT"
  # A replay paused by an interrupted test would hold the replica back for ever.
  psql -q -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -d postgres -Atc "SELECT pg_wal_replay_resume()" >/dev/null
  say "replica: primary on 127.0.0.1:$PRIMARY_PORT, streaming replica on 127.0.0.1:$STANDBY_PORT"
  echo "export REPLICA_TEST_PRIMARY_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/postgres"
  echo "export REPLICA_TEST_REPLICA_URL=postgres://postgres@127.0.0.1:$STANDBY_PORT/postgres"
}

case "${1:-}" in
  start) start ;;
  stop) stop_server "$STANDBY"; stop_server "$PRIMARY" ;;
  primary-stop) stop_server "$PRIMARY" ;;
  primary-start) start_server "$PRIMARY" "$PRIMARY_PORT" ;;
  clean) stop_server "$STANDBY"; stop_server "$PRIMARY"; rm -rf "$PRIMARY" "$STANDBY" "$PRIMARY.log" "$STANDBY.log" ;;
  *) say "usage: $0 start|stop|clean|primary-stop|primary-start"; exit 2 ;;
esac
