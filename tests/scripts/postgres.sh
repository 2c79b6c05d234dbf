#!/usr/bin/env bash
# Throw-away PostgreSQL for the test suite.
#
#   tests/scripts/postgres.sh start DIR   initdb + start on a free loopback port; prints nothing but
#                                         progress on stderr; writes DIR/database_url (mode 0600)
#   tests/scripts/postgres.sh stop DIR    stop the server and remove DIR
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to an unprivileged system user
# (litellm-pgtest, created when missing) and lives in a private directory of its own under /tmp
# (mktemp, mode 0700, owned by that user; its path is in DIR/pgdir): DIR may be anywhere, under
# directories that user cannot enter, and no permission outside what this script creates changes.
# Run as another user, the cluster lives in DIR itself. The server listens on 127.0.0.1 only, with
# a unix socket inside the cluster's directory, password authentication (scram-sha-256) and a
# random password, so tests exercise a DSN that holds a real secret.
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
  chmod 0700 "$dir"
  local pgdir=$dir
  if [ "$(id -u)" = 0 ]; then
    id -u "$pguser" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pguser"
    pgdir=$(mktemp -d /tmp/litellm-pgtest.XXXXXX)
    echo "$pgdir" > "$dir/pgdir"
    chown "$pguser" "$pgdir"
    as_owner test -w "$pgdir" || { log "$pguser cannot enter $pgdir (is /tmp world-searchable?)"; exit 1; }
  fi
  local password port
  password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  umask 077
  printf '%s\n' "$password" > "$pgdir/pwfile"
  [ "$(id -u)" = 0 ] && chown "$pguser" "$pgdir/pwfile"
  as_owner "$bin/initdb" -D "$pgdir/data" -U litellm --pwfile="$pgdir/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$pgdir/pwfile"
  as_owner "$bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$pgdir/server.log" >&2; exit 1; }
  printf 'postgres://litellm:%s@127.0.0.1:%s/postgres?sslmode=disable\n' "$password" "$port" > "$dir/database_url"
  echo "$bin" > "$dir/bindir"
  log "PostgreSQL running on 127.0.0.1:$port (data in $pgdir)"
}

stop() {
  local pgdir=$dir
  [ -f "$dir/pgdir" ] && pgdir=$(cat "$dir/pgdir")
  if [ -d "$pgdir/data" ]; then
    local bin; bin=$(cat "$dir/bindir" 2>/dev/null || find_bin)
    as_owner "$bin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  case "$pgdir" in /tmp/litellm-pgtest.*) rm -rf "$pgdir" ;; esac
  rm -rf "$dir"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
