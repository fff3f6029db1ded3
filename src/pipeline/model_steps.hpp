#pragma once
// The steps `kestrel pipeline` and `kestrel retrain` share: the data imported into the output
// folder's store, a model made and fitted as the config says, the manifest that lets trading
// rebuild its inputs, and its entry in the model registry.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backtest/config.hpp"
#include "core/error.hpp"
#include "dataset/labels.hpp"
#include "dataset/splits.hpp"
#include "evaluation/walk_forward_run.hpp"
#include "features/feature_matrix.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/pipeline_config.hpp"
#include "scoring/saved_model.hpp"
#include "store/panel.hpp"

namespace kestrel::pipeline {

// `config.data_dir` imported into OUT/market.db (new and corrected bars), and its research snapshot.
core::Result<store::Panel> import_data(const PipelineConfig& config, const std::filesystem::path& out, bool progress);

// The index and its ETF (the benchmark sector) and the benchmark are feature inputs only:
// never labelled, scored or traded.
bool feature_input_only(const PipelineConfig& config, const store::Panel& panel, std::size_t instrument);

// The config's class labels and the forward returns over the same horizon (for the IC).
struct PipelineLabels {
  dataset::Labels labels, forward_returns;
};
core::Result<PipelineLabels> make_pipeline_labels(const PipelineConfig& config, const store::Panel& panel);

// A model's test-segment backtest (pipeline.cpp): the signal strategy on `predictions` over
// [start, end], after costs, as a config value; with backtest.event_stop it reads `news`
// (date,ticker,score: each session's news sentiment).
backtest::BacktestConfig backtest_config(const PipelineConfig& config, const std::string& model,
                                         const std::filesystem::path& db, const std::filesystem::path& predictions,
                                         const std::vector<std::string>& exclude, core::Date start, core::Date end,
                                         const std::filesystem::path& news);

// The config's fixed split ([evaluation.fixed]) on the feature matrix's dates.
core::Result<dataset::Fold> fixed_fold(const PipelineConfig& config, std::span<const core::Date> dates);

// Makes `name` with [model] merged with [model.<name>], on every column of `matrix`.
evaluation::ModelMaker model_maker(const PipelineConfig& config, const features::FeatureMatrix& matrix,
                                   const std::string& name);
evaluation::RunOptions run_options(const PipelineConfig& config, const std::string& name, bool show_progress);

// How `name`'s walk-forward can run on a worker thread beside the models after it: its
// threads and theirs, or {0, 0} to run it in place. XGBoost's only: on two cores the sequence
// networks that follow it leave the second core mostly idle (their steps are too small to
// split), and XGBoost's fits draw nothing from LibTorch's process-wide generator and set no
// process-wide thread count (nthread is the booster's own). The cores (config.threads, 0: all)
// are split in two halves, so no core is asked to run two threads: LibTorch's threads wait for
// each other at every operation, and one of them sharing a core made the MLP three times
// slower. Needs 2 cores and a model after it.
struct BesideThreads {
  int walk_forward = 0;  // the worker's
  int others = 0;        // every model's after it
};
BesideThreads walk_forward_beside_threads(const PipelineConfig& config, const std::string& name);

// What trading needs to rebuild the inputs of `name` fitted on `fold`'s training window.
scoring::ModelManifest model_manifest(const PipelineConfig& config, const features::FeatureMatrix& matrix,
                                      const std::string& label_name, const std::string& name, const dataset::Fold& fold);

// Registers the evaluated model in the registry of the store `db` with `status`; its id.
// With `replaced` (a retraining's verdict), the champion's entry gets its new status in the same
// transaction: the registry never holds the challenger without the verdict on the champion.
struct StatusChange {
  std::int64_t id = 0;
  std::string status;
};
core::Result<std::int64_t> register_model(const std::filesystem::path& db, const ModelResult& model,
                                          const scoring::ModelManifest& manifest, const std::string& status = "trained",
                                          std::optional<StatusChange> replaced = std::nullopt);

}  // namespace kestrel::pipeline
