#!/usr/bin/env bash
# The horizons comparison of docs/results.md: configs/us-daily-horizons.toml run with the label
# horizon at 1, 5 and 20 sessions — the backtest rebalancing once per horizon and both splits'
# embargo at least the horizon — then one table of what each run measured, out of sample, and
# two model-free controls traded the same way over the same test segment (scripts/naive_tilts.py:
# the 20 smallest and the 20 most volatile names), because a survivorship-biased universe pays
# a size or volatility tilt whether or not a model has skill.
# Usage: bash scripts/horizons.sh [DATA_FOLDER] [OUT_FOLDER] [--tables-only]
#   about 15 minutes on 2 cores; --tables-only prints the tables of an earlier run's OUT_FOLDER.
# Needs python3-pandas for the controls.
set -euo pipefail
cd "$(dirname "$0")/.."
kestrel=${KESTREL:-build/release/kestrel}
data=$(realpath "${1:-../shared/data/us-daily}")
out=${2:-out/horizons}
tables_only=${3:-}
mkdir -p "$out"
horizons="1 5 20"

if [ "$tables_only" != "--tables-only" ]; then
  for h in $horizons; do
    embargo=$(( h > 5 ? h : 5 ))
    sed -e "s|^horizon = 1$|horizon = $h|" \
        -e "s|^rebalance_every = 1$|rebalance_every = $h|" \
        -e "s|^embargo = 5$|embargo = $embargo|" \
        -e "s|^dir = .*|dir = \"$data\"|" \
        -e "s|^name = .*|name = \"us-daily-horizon-$h\"|" configs/us-daily-horizons.toml > "$out/h$h.toml"
    grep -q "^horizon = $h$" "$out/h$h.toml" && grep -q "^rebalance_every = $h$" "$out/h$h.toml" ||
      { echo "could not set horizon $h in $out/h$h.toml" >&2; exit 1; }
    echo "== horizon $h (embargo $embargo, rebalance every $h)"
    "$kestrel" -q pipeline --config "$out/h$h.toml" --out "$out/h$h"
  done

  # The controls: the same backtest as the pipeline's (top 20, no stops or risk limits, 5 bps,
  # $0.005 a share) over the same test segment, rebalanced every 20 sessions.
  /usr/bin/python3 scripts/naive_tilts.py "$data" "$out/controls" 2016-12-01
  for rule in small volatile; do
    cat > "$out/controls/$rule.toml" <<TOML
mode = "backtest"
name = "control-$rule"
seed = 42
[data]
csv_dir = "$data"
exclude = ["SPX", "SPY"]
benchmark = "SPY"
start = "2017-01-03"
end = "2019-12-31"
[portfolio]
initial_cash = 1000000.0
[execution]
time_in_force = "day"
participation_cap = 0.05
[execution.slippage]
model = "fixed_bps"
bps = 5
[execution.commission]
model = "per_share"
[rules]
stop_loss = 0
breakeven_after = 0
trail = 0
time_stop_days = 0
max_positions = 20
[risk]
enabled = false
[strategy]
type = "signal"
predictions = "$(realpath "$out/controls")/$rule.csv"
top_k = 20
rebalance_every = 20
TOML
    "$kestrel" -q backtest --config "$out/controls/$rule.toml" --out "$out/controls/$rule" > "$out/controls/$rule.log"
  done
fi

echo
echo "| horizon | model | walk-forward rank IC (2010-2019) | test rank IC (2017-2019) | test AUC | backtest CAGR | Sharpe | max drawdown | traded / capital | verdict |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
for h in $horizons; do
  for model in logistic_regression xgboost; do
    metric() { awk -F, -v s="$1" -v m="$model" -v c="$2" '$1 == s && $2 == m && $3 == "all" { printf "%.4f", $c }' "$out/h$h/metrics.csv"; }
    # The backtest table's row: | model | total | CAGR | volatility | Sharpe | max DD | trades | traded | costs | verdict |
    bt=$(awk -v m="| $model |" '/traded \/ capital/ { on = 1 } on && index($0, m) == 1 { print; exit }' "$out/h$h/report.md")
    cell() { echo "$bt" | awk -F'|' -v c="$1" '{ gsub(/^ +| +$/, "", $c); print $c }'; }
    echo "| $h | $model | $(metric walk_forward 11) | $(metric fixed 11) | $(metric fixed 7) | $(cell 4) | $(cell 6) | $(cell 7) | $(cell 9) | $(cell 11) |"
  done
done
echo
echo "The controls: the same test segment, top 20 rebalanced every 20 sessions, no model (scripts/naive_tilts.py):"
echo
echo "| control | total return | CAGR | Sharpe | max drawdown |"
echo "|---|---:|---:|---:|---:|"
for rule in small volatile; do
  /usr/bin/python3 - "$out/controls/$rule/stats.json" "$rule" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
m = s["statistics"]["strategy"]
def pick(key):
    if key not in m:
        raise SystemExit(f"{sys.argv[1]}: no statistics.strategy.{key}")
    return m[key]
name = {"small": "20 smallest (20-day dollar volume)", "volatile": "20 most volatile (20-day)"}[sys.argv[2]]
print(f"| {name} | {100 * pick('total_return'):.2f}% | {100 * pick('annual_return'):.2f}% | "
      f"{pick('sharpe'):.2f} | {100 * pick('max_drawdown'):.2f}% |")
PY
done
echo
echo "Buy-and-hold SPY over the same test segment:"
echo
echo "| benchmark | total return | CAGR | volatility | Sharpe | max drawdown | trades | traded / capital | costs / capital | |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
awk '/traded \/ capital/ { on = 1 } on && index($0, "| buy-and-hold SPY |") == 1 { print; exit }' "$out/h1/report.md"
