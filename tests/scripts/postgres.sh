#!/usr/bin/env bash
# Throw-away PostgreSQL for the test suite.
#
#   tests/scripts/postgres.sh start DIR   initdb + start on a free loopback port; prints nothing but
#                                         progress on stderr; writes DIR/database_url (mode 0600)
#   tests/scripts/postgres.sh stop DIR    stop the server and remove DIR
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to an unprivileged system user
# (litellm-pgtest, created when missing). The server listens on 127.0.0.1 only, with a unix socket
# inside DIR, password authentication (scram-sha-256) and a random password, so tests exercise a
# DSN that holds a real secret.
set -euo pipefail

cmd=${1:-}; dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then echo "usage: $0 start|stop DIR" >&2; exit 2; fi
pguser=litellm-pgtest

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"; return
  fi
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$pguser" -- "$@"; else "$@"; fi
}

start() {
  local bin
  if ! bin=$(find_bin); then
    [ "$(id -u)" = 0 ] || { log "PostgreSQL server binaries not found; install the postgresql package"; exit 1; }
    log "installing PostgreSQL from Debian packages"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin=$(find_bin)
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then
    id -u "$pguser" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pguser"
    chown "$pguser" "$dir"
    # the owner must be able to reach DIR through its parents
    local p=$dir
    while [ "$p" != / ]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
  fi
  chmod 0700 "$dir"
  local password port
  password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  umask 077
  printf '%s\n' "$password" > "$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown "$pguser" "$dir/pwfile"
  as_owner "$bin/initdb" -D "$dir/data" -U litellm --pwfile="$dir/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  printf 'postgres://litellm:%s@127.0.0.1:%s/postgres?sslmode=disable\n' "$password" "$port" > "$dir/database_url"
  echo "$bin" > "$dir/bindir"
  log "PostgreSQL running on 127.0.0.1:$port (data in $dir)"
}

stop() {
  [ -d "$dir/data" ] || { rm -rf "$dir"; return; }
  local bin; bin=$(cat "$dir/bindir" 2>/dev/null || find_bin)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
