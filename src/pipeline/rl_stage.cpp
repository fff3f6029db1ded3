#include "pipeline/rl_stage.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "rl/agent_observations.hpp"

namespace kestrel::pipeline {

core::Result<RlStageResult> run_rl_stage(const PipelineConfig& config, const store::Panel& panel,
                                                 const features::FeatureMatrix& matrix,
                                                 const std::filesystem::path& predictions,
                                                 const std::vector<std::string>& exclude, const rl::LogSink& log) {
  const auto benchmark = panel.ticker_index(config.benchmark);
  if (!benchmark) return core::fail_as(core::ErrorKind::Config, "rl: the benchmark '{}' is not in the data", config.benchmark);
  std::vector<std::size_t> universe;
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    const auto& ticker = panel.tickers()[i];
    if (i != *benchmark && std::find(exclude.begin(), exclude.end(), ticker) == exclude.end()) universe.push_back(i);
  }
  std::vector<std::filesystem::path> files;
  for (const auto& model : config.rl.scores) files.push_back(predictions / (model + ".csv"));
  auto scored = rl::agent_observations(panel, universe, *benchmark, files);
  if (!scored) return std::unexpected(scored.error());

  const RlSettings& s = config.rl;
  const BacktestSettings& b = config.backtest;
  rl::WalkForwardConfig wf;
  wf.folds = s.folds;
  wf.test_days = s.test_days;
  wf.valid_days = s.valid_days;
  wf.ppo_steps = static_cast<std::int64_t>(s.ppo_steps);
  wf.dqn_steps = static_cast<std::int64_t>(s.dqn_steps);
  wf.checks = s.checks;
  wf.top_k = b.top_k;
  rl::restrict_to_scores(*scored, wf);
  wf.seed = config.seed;
  wf.ppo.n_steps = static_cast<std::int64_t>(s.ppo_n_steps);
  wf.dqn.gradient_steps = static_cast<std::int64_t>(s.dqn_gradient_steps);
  // The backtests' costs (pipeline.cpp's backtest_config); the agents keep the plan's limits
  // and trade rules: they are what the agents are judged under.
  wf.env.initial_cash = b.initial_cash;
  wf.env.slippage = {.kind = sim::SlippageModel::Kind::FixedBps, .bps = b.slippage_bps};
  wf.env.commission = {.kind = sim::CommissionModel::Kind::PerShare, .per_share = 0.005, .minimum = 1.0,
                       .maximum_fraction = 0.01};
  wf.env.min_trade_fraction = s.band;
  RlStageResult result;
  result.observed = fmt::format(
      "prices, the market regime{}, and the {} predictions of {}",
      s.feature_rows ? fmt::format(", the {} feature rows (scaled on each fold's training dates)", matrix.num_features()) : "",
      s.walk_forward_scores ? "walk-forward's out-of-fold" : "test segment's", fmt::join(s.scores, ", "));
  if (log) {
    log(fmt::format("rl: observing {}, scored from {} to {}", result.observed,
                    panel.dates()[scored->first_scored_day].to_string(), panel.dates()[scored->last_scored_day].to_string()));
  }
  std::optional<rl::FeatureRows> rows;
  if (s.feature_rows) rows = rl::feature_rows(matrix, universe);
  auto report = rl::walk_forward(panel, universe, *benchmark, scored->features, rows ? &*rows : nullptr, wf, log);
  if (!report) return std::unexpected(report.error());
  result.report = std::move(*report);
  return result;
}

}  // namespace kestrel::pipeline
