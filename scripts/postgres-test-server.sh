#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for tests and prints its connection string (Npgsql form) as the last line of
# standard output. Nothing here is for production: the cluster lives in a temporary folder, listens on 127.0.0.1
# only, on a free port, with a random password generated for this run.
#
#   scripts/postgres-test-server.sh start        installs Debian's postgresql package if no server binaries are found
#                                                (needs root and apt), creates and starts the cluster, prints
#                                                  PGTEST_DIR=<folder>          (pass it to stop)
#                                                  Host=127.0.0.1;Port=...;Username=...;Password=...;Database=...
#   scripts/postgres-test-server.sh stop DIR     stops that cluster and deletes its folder.
#
# PostgreSQL refuses to run as root, so when run as root the server runs as an unprivileged user (the package's
# 'postgres' user, or 'aicompliance-pg', created when missing). A step that fails stops the script with a message
# naming it; the script never reports a server it did not start.
set -euo pipefail

fail() { echo "postgres-test-server: $*" >&2; exit 1; }

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; fi
}

as_user() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u "$RUN_AS" -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'PY' 2>/dev/null && return 0
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  fail "no free port found"
}

start() {
  local bin
  bin=$(find_bin)
  if [[ -z "$bin" ]]; then
    [[ "$(id -u)" == 0 ]] || fail "PostgreSQL is not installed and installing it needs root: run 'apt-get install postgresql' or run this script as root."
    command -v apt-get >/dev/null || fail "PostgreSQL is not installed and apt-get is not available."
    echo "postgres-test-server: installing Debian's postgresql package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || fail "apt-get install postgresql failed"
    bin=$(find_bin)
    [[ -n "$bin" ]] || fail "postgresql was installed but initdb/pg_ctl were not found under /usr/lib/postgresql"
  fi

  RUN_AS=$(id -un)
  if [[ "$(id -u)" == 0 ]]; then
    if id postgres >/dev/null 2>&1; then
      RUN_AS=postgres
    else
      id aicompliance-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin aicompliance-pg \
        || fail "could not create the unprivileged user 'aicompliance-pg'"
      RUN_AS=aicompliance-pg
    fi
  fi

  local dir port password user=aicompliance db=aicompliance_test
  dir=$(mktemp -d "${TMPDIR:-/tmp}/aicompliance-pg.XXXXXX")
  chmod 700 "$dir"
  [[ "$(id -u)" == 0 ]] && chown "$RUN_AS" "$dir"
  password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
  printf '%s\n' "$password" > "$dir/pwfile"
  [[ "$(id -u)" == 0 ]] && chown "$RUN_AS" "$dir/pwfile"
  chmod 600 "$dir/pwfile"

  as_user "$bin/initdb" -D "$dir/data" -U "$user" --pwfile="$dir/pwfile" --auth-local=scram-sha-256 --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; fail "initdb failed (log above)"; }
  rm -f "$dir/pwfile"

  port=$(free_port)
  as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >&2 \
    || { cat "$dir/server.log" >&2 || true; fail "pg_ctl start failed (server log above)"; }

  as_user env PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U "$user" -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE DATABASE $db;" >&2 || fail "could not create database $db"

  echo "PGTEST_DIR=$dir"
  echo "Host=127.0.0.1;Port=$port;Username=$user;Password=$password;Database=$db"
}

stop() {
  local dir=${1:-}
  [[ -n "$dir" && -d "$dir/data" ]] || fail "stop needs the PGTEST_DIR that start printed"
  local bin
  bin=$(find_bin)
  [[ -n "$bin" ]] || fail "pg_ctl not found"
  RUN_AS=$(stat -c %U "$dir/data")
  as_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || fail "pg_ctl stop failed"
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
