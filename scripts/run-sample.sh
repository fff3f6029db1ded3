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
# A/B: the logistic regression against XGBoost on separate books over the same test years,
# with the comparison (is the difference more than noise?) in out/sample/ab/ab-comparison.html.
rm -rf "$out/ab"
./build/release/kestrel -q trade ab --replay --a configs/paper-sample.toml --b configs/paper-sample-b.toml --dir "$out/ab"
