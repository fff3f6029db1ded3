#!/usr/bin/env bash
# The trading journal on SQLite and on PostgreSQL, back to back (docs/benchmarks.md, "Journal"):
# `kestrel trade replay` of a momentum strategy over the sample's two test years (503 sessions),
# each run into a fresh journal, timed by hyperfine. PostgreSQL is a throwaway local server
# (tests/support/postgres_server.sh: a Unix socket, fsync off — what the tests use; a real
# server with fsync on is slower per commit for paper and live runs, not for replays, which
# turn synchronous_commit off).
# Usage: bash bench/journal_backends.sh [KESTREL_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
kestrel=$(realpath "${1:-build/release/kestrel}")
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 1; }
work=$(mktemp -d)
trap 'bash tests/support/postgres_server.sh stop "$work/pg" >/dev/null; rm -rf "$work"' EXIT
bash tests/support/postgres_server.sh start "$work/pg"
server=$(cat "$work/pg/url")
cat > "$work/replay.toml" <<TOML
mode = "paper"
name = "journal-bench"
[data]
csv_dir = "$PWD/data/sample"
exclude = ["SPX", "SPY"]
benchmark = "SPY"
start = "2018-01-02"
end = "2019-12-31"
[strategy]
type = "momentum"
TOML
hyperfine --warmup 1 --runs 10 \
  --prepare "rm -f $work/j.db $work/j.db-wal $work/j.db-shm" \
  -n sqlite "$kestrel -q trade replay --config $work/replay.toml --db $work/j.db" \
  --prepare "psql -q '$server' -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'" \
  -n postgresql "$kestrel -q trade replay --config $work/replay.toml --db '${server/\/postgres\?//bench?}'"
