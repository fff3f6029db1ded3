#!/usr/bin/env bash
# Kestrel against pandas on the same 20 indicators and the same rows, back to back, with the
# ratio printed (docs/benchmarks.md, "Features"). Both load every <TICKER>.csv.gz of the folder
# and time only the computation (best of 3). Kestrel runs once on one thread (pandas uses one)
# and once on every core; its full 105-feature set is timed as well for scale.
# Usage: bash bench/features_vs_pandas.sh [KESTREL_BINARY] [DATA_FOLDER]
# Needs Debian's python3-pandas.
set -euo pipefail
kestrel=${1:-build/release/kestrel}
data=${2:-../shared/data/us-daily}
here=$(dirname "$0")
/usr/bin/python3 -c 'import pandas' 2>/dev/null || { echo "pandas is missing: apt-get install python3-pandas" >&2; exit 1; }

best() { sed -n 's/.*compute best \([0-9.]*\) s.*/\1/p' | head -1; }

echo "== kestrel, the pandas script's 20 indicators, 1 thread"
k1_out=$("$kestrel" -q bench features --data "$data" --set pandas20 --threads 1 --repeat 3)
echo "$k1_out"
echo "== kestrel, the pandas script's 20 indicators, all cores"
kn_out=$("$kestrel" -q bench features --data "$data" --set pandas20 --repeat 3)
echo "$kn_out"
echo "== kestrel, all 105 features, all cores"
ka_out=$("$kestrel" -q bench features --data "$data" --repeat 3)
echo "$ka_out"
echo "== pandas, 20 indicators"
p_out=$(/usr/bin/python3 "$here/pandas_features.py" "$data")
echo "$p_out"

k1=$(echo "$k1_out" | best)
kn=$(echo "$kn_out" | best)
ka=$(echo "$ka_out" | best)
p=$(echo "$p_out" | best)
echo "== ratio (pandas compute time / kestrel compute time, same 20 indicators, same rows)"
awk -v p="$p" -v k1="$k1" -v kn="$kn" -v ka="$ka" 'BEGIN {
  printf "  1 thread each:      pandas %.2f s / kestrel %.2f s = %.1fx\n", p, k1, p / k1
  printf "  kestrel all cores:  pandas %.2f s / kestrel %.2f s = %.1fx\n", p, kn, p / kn
  printf "  (kestrel, all 105 features on all cores: %.2f s)\n", ka
}'
