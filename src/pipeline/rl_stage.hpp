#pragma once
// The pipeline's [rl] stage: the RL agents evaluated walk-forward on the test segment, observing
// the models' test predictions and the run's feature rows (rl/walk_forward.hpp), with the
// backtests' costs and limits.
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "features/feature_matrix.hpp"
#include "pipeline/pipeline_config.hpp"
#include "rl/walk_forward.hpp"
#include "store/panel.hpp"

namespace kestrel::pipeline {

// `matrix`: the run's features (their rows are observed unless rl.feature_rows is off);
// `predictions`: the folder of <model>.csv the models wrote; `exclude`: tickers that are
// feature inputs only (never traded).
core::Result<rl::WalkForwardReport> run_rl_stage(const PipelineConfig& config, const store::Panel& panel,
                                                 const features::FeatureMatrix& matrix,
                                                 const std::filesystem::path& predictions,
                                                 const std::vector<std::string>& exclude, const rl::LogSink& log);

}  // namespace kestrel::pipeline
