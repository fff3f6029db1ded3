#!/usr/bin/env bash
# Whole-process timings a user feels (docs/benchmarks.md, "Start-up"): `kestrel --version` and
# an SMA crossover backtest of 50 tickers over 10 years, report included, timed by hyperfine.
# Usage: bash bench/startup.sh [KESTREL_BINARY] [US_DAILY_FOLDER]
set -euo pipefail
kestrel=${1:-build/release/kestrel}
data=$(realpath "${2:-../shared/data/us-daily}")
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/us50"
# The first 50 stocks alphabetically (SPX, an index, and SPY, the benchmark, left out), and SPY.
for f in $(ls "$data" | grep '\.csv\.gz$' | grep -v -e '^SPX\.' -e '^SPY\.' | head -50) SPY.csv.gz; do
  ln -s "$data/$f" "$work/us50/$f"
done
cat > "$work/sma50.toml" <<TOML
name = "sma-50"
[data]
csv_dir = "$work/us50"
exclude = ["SPY"]
benchmark = "SPY"
start = "2010-01-04"
end = "2019-12-31"
[strategy]
type = "sma_crossover"
fast = 50
slow = 200
TOML
hyperfine --warmup 2 --runs 20 "$kestrel --version" \
  "$kestrel -q backtest --config $work/sma50.toml --out $work/out"
