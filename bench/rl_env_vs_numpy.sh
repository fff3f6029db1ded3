#!/usr/bin/env bash
# Kestrel's trading environment against the same environment in Python/numpy (bench/rl_env.py),
# back to back on the same data, episodes and steps, with the ratio printed (docs/benchmarks.md,
# "Reinforcement learning"). Both time only the stepping (random sizing actions drawn
# beforehand), best of 3, on one thread; both print a "check" line from one deterministic path,
# which must be the same — else the two are not the same environment.
# Usage: bash bench/rl_env_vs_numpy.sh [KESTREL_BINARY] [DATA_FOLDER] [EPISODES] [STEPS]
# Needs Debian's python3-numpy and python3-pandas.
set -euo pipefail
kestrel=${1:-build/release/kestrel}
data=${2:-../shared/data/us-daily}
episodes=${3:-16}
steps=${4:-500}
here=$(dirname "$0")
/usr/bin/python3 -c 'import numpy, pandas' 2>/dev/null || { echo "numpy/pandas missing: apt-get install python3-pandas" >&2; exit 1; }

echo "== kestrel"
k_out=$("$kestrel" -q bench rl --data "$data" --episodes "$episodes" --steps "$steps" --no-train)
echo "$k_out"
echo "== python/numpy"
p_out=$(/usr/bin/python3 "$here/rl_env.py" "$data" "$episodes" "$steps")
echo "$p_out"

k_check=$(echo "$k_out" | grep '^check:')
p_check=$(echo "$p_out" | grep '^check:')
if [ "$k_check" != "$p_check" ]; then
  echo "the check lines differ: the two environments do not compute the same thing" >&2
  exit 1
fi
best() { sed -n 's/.*env sizing:.*compute best \([0-9.]*\) s.*/\1/p' | head -1; }
k=$(echo "$k_out" | best)
p=$(echo "$p_out" | best)
echo "== ratio (numpy stepping time / kestrel stepping time; same environment, same rows and steps)"
awk -v p="$p" -v k="$k" 'BEGIN { printf "  numpy %.3f s / kestrel %.3f s = %.1fx\n", p, k, p / k }'
