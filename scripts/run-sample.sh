#!/usr/bin/env bash
# The main job on the sample data shipped in data/sample: installs dependencies, builds, and
# runs the pipeline into out/sample (the store, its snapshot and reports).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
out=out/sample
mkdir -p "$out"
db="$out/kestrel.db"
./build/release/kestrel data import --db "$db" data/sample
./build/release/kestrel data universe --db "$db"
# The end-to-end job: features, leak check, every model, controls, backtests, report.
./build/release/kestrel pipeline --config configs/sample.toml --out "$out"
echo "report: $out/report.html (markdown: $out/report.md)"
