#!/usr/bin/env bash
# The main job on the sample data shipped in data/sample: installs dependencies, builds, runs
# the pipeline into out/sample (the store, its snapshot, reports and saved models), then
# replays the paper-trading node on the saved model (out/sample/paper).
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
# The trading node paper-trades the saved logistic regression over the test years, with the
# same kernel the backtests ran; its journal is out/sample/paper.db (kestrel trade status).
./build/release/kestrel -q trade replay --config configs/paper-sample.toml --out "$out/paper"
