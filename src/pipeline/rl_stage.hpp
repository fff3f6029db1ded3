#pragma once
// The pipeline's [rl] stage: the RL agents evaluated walk-forward (rl/walk_forward.hpp) over the
// dates the models scored — the test segment's predictions or, with rl.predictions =
// "walk_forward", the walk-forward's out-of-fold ones — observing those scores and the run's
// feature rows, with the backtests' costs and the plan's limits.
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "features/feature_matrix.hpp"
#include "pipeline/pipeline_config.hpp"
#include "rl/walk_forward.hpp"
#include "store/panel.hpp"

namespace kestrel::pipeline {

struct RlStageResult {
  rl::WalkForwardReport report;
  std::string observed;  // what the agents observed, in words (the log and the report say it)
};

// `matrix`: the run's features (their rows are observed unless rl.feature_rows is off);
// `predictions`: the folder of <model>.csv the models wrote; `exclude`: tickers that are
// feature inputs only (never traded).
core::Result<RlStageResult> run_rl_stage(const PipelineConfig& config, const store::Panel& panel,
                                                 const features::FeatureMatrix& matrix,
                                                 const std::filesystem::path& predictions,
                                                 const std::vector<std::string>& exclude, const rl::LogSink& log);

}  // namespace kestrel::pipeline
