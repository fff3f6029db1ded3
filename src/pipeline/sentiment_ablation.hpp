#pragma once
// `kestrel news ablation`: what the news-sentiment features add. One pipeline config with
// [features.sentiment] is run twice with everything else equal — the same data, splits, models,
// seeds and backtests — once without the sentiment features ("price only") and once with them;
// then every model's fixed-split test predictions are compared date by date.
//
// Each metric's difference (with − without) comes with a 95% interval from a bootstrap over
// test dates (dates drawn with replacement, 2,000 times, seeded): accuracy (pooled), AUC (mean
// of the daily AUCs), rank IC (mean daily Spearman correlation of score and forward return) and
// its ICIR. The backtests after costs are compared on their daily returns with the paired
// test of analysis/paired_difference.hpp (Newey-West). An interval that contains 0 means the
// sample cannot tell the two apart — the usual outcome, and the report says so.
//
// With backtest.event_stop in the config, both runs' own backtests go without it (so that the
// features alone are compared) and each model's with-sentiment predictions are backtested a
// third time with the stop, compared with the same paired test.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "analysis/paired_difference.hpp"
#include "core/error.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/pipeline_config.hpp"

namespace kestrel::pipeline {

struct AblationMetric {
  std::string name;
  double without = 0;  // price features only
  double with = 0;     // price + sentiment
  double low = 0;      // 95% bootstrap interval of with − without
  double high = 0;
  double difference() const { return with - without; }
  bool resolved() const { return low > 0 || high < 0; }  // the interval excludes 0
};

// The with-sentiment run's predictions backtested again with the event stop (backtest.event_stop).
struct EventStopComparison {
  double level = 0;
  double cagr_without = 0, cagr_with = 0, sharpe_without = 0, sharpe_with = 0, max_dd_without = 0, max_dd_with = 0;
  std::size_t trades_without = 0, trades_with = 0;
  analysis::PairedDifference daily_returns;  // with the stop − without
  std::filesystem::path report;              // the stopped backtest's report folder
};

struct AblationModel {
  std::string model;
  std::size_t dates = 0;    // test dates both runs scored
  std::size_t samples = 0;  // (date, ticker) pairs both runs scored, with a label
  std::vector<AblationMetric> metrics;  // accuracy, AUC, rank IC, rank ICIR
  // The backtests after costs: annual return, Sharpe and maximum drawdown of each run, and
  // the paired test on their daily returns (with − without).
  double cagr_without = 0, cagr_with = 0, sharpe_without = 0, sharpe_with = 0, max_dd_without = 0, max_dd_with = 0;
  double costs_without = 0, costs_with = 0;  // commissions + slippage over the initial capital
  analysis::PairedDifference daily_returns;
  std::optional<EventStopComparison> event_stop;
};

struct AblationResult {
  PipelineResult without;
  PipelineResult with;
  std::vector<AblationModel> models;
};

// Runs both pipelines under out/price-only and out/with-sentiment (each with its own report).
core::Result<AblationResult> run_sentiment_ablation(const PipelineConfig& config, const PipelineOptions& options);

// out/ablation.md: the table above with a plain verdict per model; returns its path.
core::Result<std::filesystem::path> write_ablation_report(const AblationResult& result, const PipelineConfig& config,
                                                          const std::filesystem::path& out);

}  // namespace kestrel::pipeline
