#!/usr/bin/env bash
# `kestrel serve` under load while a node writes its journal (docs/benchmarks.md, "Dashboard"):
# a node replays the sample's test years with a momentum strategy over and over (each replay a
# new run into the same journal, so the server keeps re-reading a journal that changes), the
# server follows it with its market data (--config), and wrk requests the JSON API, the
# metrics and the page for 10 s each over loopback. Server, node and wrk share this machine's
# cores.
# Usage: bash bench/serve_load.sh [KESTREL_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
kestrel=$(realpath "${1:-build/release/kestrel}")
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/node.toml" <<TOML
mode = "paper"
name = "serve-bench"
[data]
csv_dir = "$PWD/data/sample"
exclude = ["SPX", "SPY"]
benchmark = "SPY"
start = "2018-01-02"
end = "2019-12-31"
[strategy]
type = "momentum"
[node]
journal = "$work/journal.db"
TOML
"$kestrel" -q trade replay --config "$work/node.toml" >/dev/null
( while true; do
    for to in 2019-03-29 2019-06-28 2019-09-30 2019-12-31; do
      "$kestrel" -q trade replay --config "$work/node.toml" --from 2018-01-02 --to "$to" --db "$work/journal.db" >/dev/null || exit 1
    done
    rm -f "$work/journal.db" "$work/journal.db-wal" "$work/journal.db-shm"
    "$kestrel" -q trade replay --config "$work/node.toml" >/dev/null
  done ) &
pids+=($!)
"$kestrel" serve --config "$work/node.toml" --port 0 > "$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "http://127.0.0.1:" "$work/serve.log" && break; sleep 0.1; done
port=$(grep -o "http://127.0.0.1:[0-9]*" "$work/serve.log" | head -1 | cut -d: -f3)
echo "kestrel serve on port $port; node replaying into $work/journal.db; $(nproc) cores"
for path in /api/status /metrics /; do
  echo "== GET $path"
  wrk -t2 -c16 -d10s "http://127.0.0.1:$port$path" | grep -E "Requests/sec|Latency|Non-2xx|Socket errors|requests in"
done
