#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (the CTest fixture "postgres"; see
# tests/CMakeLists.txt). No systemd, no TCP port: it listens only on a Unix socket in a fresh
# folder under /tmp (short enough for the socket path limit), trusts local connections, and
# skips fsync (the tests kill trading nodes, never the server). Run as root it runs as the
# `postgres` user, since PostgreSQL refuses to run as root.
#
#   postgres_server.sh start STATE_DIR   writes STATE_DIR/url (the server's `postgres` database)
#   postgres_server.sh stop STATE_DIR    stops it and removes its files
set -euo pipefail
action=${1:?start or stop}
state=${2:?state folder}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "postgres_server.sh: PostgreSQL is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
as_owner=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  as_owner=(runuser -u postgres --)
fi

stop() {
  if [ -f "$state/data_dir" ]; then
    data=$(cat "$state/data_dir")
    if [ -f "$data/db/postmaster.pid" ]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$data/db" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$data"
  fi
  rm -rf "$state"
}

case "$action" in
  start)
    stop  # a server left by an interrupted run
    mkdir -p "$state"
    data=$(mktemp -d /tmp/kestrel-pg.XXXXXX)
    echo "$data" > "$state/data_dir"
    if [ "$owner" = postgres ]; then chown postgres "$data"; fi
    "${as_owner[@]}" "$bin/initdb" -D "$data/db" -A trust -U "$owner" --no-sync >"$data/initdb.log" 2>&1 ||
      { cat "$data/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
      -o "-c listen_addresses='' -k $data -p 5432 -c fsync=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$data/server.log" >&2; exit 1; }
    echo "postgresql:///postgres?host=$data&port=5432&user=$owner" > "$state/url"
    echo "postgres_server.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $data"
    ;;
  stop)
    stop
    ;;
  *)
    echo "postgres_server.sh: unknown action $action (start or stop)" >&2
    exit 2
    ;;
esac
