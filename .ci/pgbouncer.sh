#!/usr/bin/env bash
# A private PgBouncer in transaction pooling mode in front of the local PostgreSQL (docs/deployment.md), for the
# tests that run through a pooler: .ci/pgbouncer.sh start|stop|status. Installs Debian's pgbouncer when missing.
# Every database name passes through to the server (the "*" entry), so the test databases pytest-django creates
# are reachable by their names. Its configuration, pid and log live in their own folder; safe to run twice.
set -euo pipefail

PORT="${PGBOUNCER_PORT:-6432}"
SERVER_HOST="${PGBOUNCER_SERVER_HOST:-127.0.0.1}"
SERVER_PORT="${PGBOUNCER_SERVER_PORT:-5432}"
DIR="${PGBOUNCER_DIR:-${TMPDIR:-/tmp}/tracker-pgbouncer-$PORT}"
CONFIG="$DIR/pgbouncer.ini"
PIDFILE="$DIR/pgbouncer.pid"
LOGFILE="$DIR/pgbouncer.log"

# PgBouncer refuses to run as root: as root, run it as the postgres user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

install() {
  command -v pgbouncer >/dev/null && return
  if [ "$(id -u)" -ne 0 ]; then
    echo "pgbouncer is not installed: run as root once, or apt-get install pgbouncer" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
}

configure() {
  mkdir -p "$DIR"
  # trust, as the local server's own pg_hba does for 127.0.0.1; the user must still be listed.
  printf '"postgres" ""\n' >"$DIR/userlist.txt"
  cat >"$CONFIG" <<EOF
[databases]
; Any database name, as is, on the shared server. jit is off for every server connection, as the app asks for it
; on a direct connection (PgBouncer does not pass the "options" startup parameter on).
* = host=$SERVER_HOST port=$SERVER_PORT connect_query='SET jit = off'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
logfile = $LOGFILE
pidfile = $PIDFILE
EOF
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$DIR"; fi
}

start() {
  if running; then
    echo "pgbouncer already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    return
  fi
  install
  configure
  as_owner pgbouncer -d "$CONFIG"
  for _ in $(seq 50); do
    pg_isready -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres && {
      echo "pgbouncer on 127.0.0.1:$PORT (transaction pooling) -> $SERVER_HOST:$SERVER_PORT"
      return
    }
    sleep 0.2
  done
  echo "pgbouncer did not start; its log ($LOGFILE):" >&2
  tail -20 "$LOGFILE" >&2 || true
  exit 1
}

stop() {
  if ! running; then
    echo "pgbouncer not running on 127.0.0.1:$PORT"
    return
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  kill "$pid"
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || { echo "pgbouncer stopped"; return; }
    sleep 0.2
  done
  echo "pgbouncer (pid $pid) did not stop" >&2
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(cat "$PIDFILE"))"; else echo "stopped"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
