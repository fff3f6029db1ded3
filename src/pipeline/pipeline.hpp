#pragma once
// `kestrel pipeline`: data → features (+ leak check) → labels → train every configured model
// (fixed segments and walk-forward, out-of-sample predictions only) → controls → predictions
// files → backtests after costs against buy-and-hold of the benchmark → comparison report.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/performance_stats.hpp"
#include "core/date.hpp"
#include "core/error.hpp"
#include "evaluation/controls.hpp"
#include "evaluation/feature_importance.hpp"
#include "rl/walk_forward.hpp"
#include "evaluation/scored_samples.hpp"
#include "ml/model.hpp"
#include "pipeline/pipeline_config.hpp"

namespace kestrel::pipeline {

struct ModelResult {
  std::string name;
  evaluation::MetricTable fixed;                      // test segment of the fixed split
  std::optional<evaluation::MetricTable> walk_forward;  // every fold's test window
  std::size_t train_samples = 0;                      // fixed split
  double train_seconds = 0;                           // fixed split: fit and test predictions
  ml::FitReport fit;                                  // fixed split
  std::optional<evaluation::ImportanceResult> importance;  // fixed split's model, validation window
  std::vector<evaluation::FeatureImportance> attribution;  // its own (XGBoost SHAP): mean |contribution|, same window
  std::optional<ml::AttentionMaps> attention;  // attention models: mean over a sample of test predictions
  // For the report's charts: the test segment's mean daily rank IC by calendar month (dated by
  // the month's first session), and the calibration of probability scores (mean score and
  // realised share of "up" labels per decile of score; empty for a return label).
  std::vector<core::Date> ic_months;
  std::vector<double> monthly_rank_ic;
  std::vector<std::pair<double, double>> calibration;
  // The backtest's equity and the benchmark's (scaled to the same start), per session.
  std::vector<core::Date> equity_dates;
  std::vector<double> equity, benchmark_equity;
  std::filesystem::path predictions;                  // date,ticker,score for the test segment
  std::filesystem::path model_dir;                    // the fixed split's model, saved for trading
  std::optional<analysis::PerformanceStats> backtest;
  std::size_t trades = 0;
  double traded_value = 0;  // sum of |filled quantity x fill price| over the backtest's orders
  double commissions = 0;   // commissions and fees paid
  std::filesystem::path backtest_dir;
  std::string backtest_error;
};

struct PipelineResult {
  std::string name;
  std::uint64_t seed = 0;
  std::string config_hash;
  std::string label;
  std::string benchmark;
  double initial_cash = 0;   // of every backtest
  double slippage_bps = 0;   // fixed slippage of every backtest
  bool long_short = false;   // the backtests short the bottom top_k too (market-neutral)
  std::string backtest_shape;  // e.g. "top 5 long, hold band 5, decide every 5th day"
  core::Date first_date{}, last_date{};
  std::size_t tickers = 0;
  std::size_t features = 0;
  std::string sentiment;  // the news-sentiment inputs (features.sentiment), empty when off
  std::string fixed_fold;                   // describe(fold)
  std::vector<std::string> walk_forward_folds;
  std::vector<std::string> walk_forward_models;
  std::vector<std::string> leak_flags;      // features the leak check flagged (real data)
  std::string strongest_association;       // the passing feature nearest the threshold
  std::vector<evaluation::ControlResult> controls;
  std::vector<ModelResult> models;
  std::size_t models_planned = 0;           // fewer in `models`: a partial report mid-run
  std::vector<std::string> flags;           // why the run is not to be trusted; empty = none
  std::optional<rl::WalkForwardReport> agents;  // the [rl] stage, when it ran
  std::string agents_observe;  // what the agents observed, in words (the report says it)
  double seconds = 0;
};

struct PipelineOptions {
  std::filesystem::path out;
  bool show_progress = true;
  std::function<void(const std::string&)> log;  // one line per step; may be empty
};

core::Result<PipelineResult> run_pipeline(const PipelineConfig& config, const PipelineOptions& options);

}  // namespace kestrel::pipeline
