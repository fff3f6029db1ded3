#pragma once
// The end-to-end job `kestrel pipeline --config FILE.toml` runs, as a TOML file (every key in
// docs/pipeline.md). Unknown keys are errors and every problem is reported at once, each
// with file:line:column. Relative paths resolve against the config file's folder.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "dataset/batch.hpp"
#include "dataset/labels.hpp"
#include "dataset/splits.hpp"
#include "evaluation/controls.hpp"
#include "ml/model_config.hpp"

namespace kestrel::pipeline {

struct FixedSplitConfig {
  std::optional<core::Date> train_begin;
  std::optional<core::Date> train_end;  // inclusive; default: up to valid_begin
  core::Date valid_begin{};
  std::optional<core::Date> valid_end;  // inclusive; default: up to test_begin
  core::Date test_begin{};
  std::optional<core::Date> test_end;
  std::size_t embargo = 5;
};

struct WalkForwardConfig {
  bool enabled = true;
  dataset::WindowKind window = dataset::WindowKind::Expanding;
  std::optional<core::Date> first_date;  // first usable date (after the features' warm-up)
  std::size_t train_dates = 756;
  std::size_t valid_dates = 126;
  std::size_t test_dates = 252;
  std::size_t embargo = 5;
  std::vector<std::string> models;  // empty: every configured model
};

struct BacktestSettings {
  std::size_t top_k = 5;
  double initial_cash = 100'000;
  double slippage_bps = 5;
  bool trade_rules = false;  // the plan's stops and time stop on top of the daily signal
  // The risk manager's pre-trade limits (backtest [risk]); off by default so the backtest
  // measures the model's ranking, not the limits.
  bool risk_limits = false;
  // The signal strategy's shape and turnover controls (docs/backtesting.md, `signal`): short the
  // bottom top_k as well (market-neutral), hold band, rebalancing frequency, minimum holding
  // period, and the cost gate.
  bool long_short = false;
  std::size_t hold_band = 0;
  std::size_t rebalance_every = 1;
  std::size_t min_hold_days = 0;
  double min_gain = 0;
  // The event stop (strategy/signal_strategy.hpp): sell a held name at the next open after a
  // session whose news sentiment (news_mean) is below this level. Needs [features.sentiment].
  std::optional<double> event_stop = std::nullopt;
};

// The RL agents as strategies ([rl]; docs/rl.md): after the models, PPO sizing, DQN timing and
// their combination are evaluated walk-forward on the test segment, observing the test
// predictions of the models in `scores` (out of sample), against the top-k rule on the first
// of those scores, 1/N and buy-and-hold of the benchmark, with the backtests' costs.
struct RlSettings {
  bool enabled = false;  // the table is present and not `enabled = false`
  std::vector<std::string> scores;  // model names; their predictions are observed
  // Which out-of-sample predictions: the fixed split's test segment, or the walk-forward's
  // test folds (years more of scored dates; every score model must be in the walk-forward).
  bool walk_forward_scores = false;
  std::size_t folds = 1;
  std::size_t test_days = 126;
  std::size_t valid_days = 63;
  std::size_t ppo_steps = 100'000;
  std::size_t dqn_steps = 100'000;
  std::size_t ppo_n_steps = 256;
  std::size_t dqn_gradient_steps = 8;
  std::size_t checks = 4;
  double band = 0.005;  // the no-trade band, as a fraction of equity
  bool feature_rows = true;  // observe the features' rows too (scaled on each fold's training dates)
};

// News-sentiment features (features.sentiment; features/sentiment_features.hpp): the news of a
// store `kestrel news import` filled, each (item, ticker) scored by the vendor's score when it
// has one and `vendor_scores` is on, else by a classifier `kestrel news train` saved.
struct SentimentFeaturesConfig {
  bool enabled = false;  // the table is present
  std::filesystem::path news_db;
  std::filesystem::path classifier;  // empty: vendor scores only
  bool vendor_scores = true;
  double half_life = 3;
  std::size_t novelty_window = 5;
  std::size_t volume_window = 60;
  // The news source's span; default: its first and last stored item.
  std::optional<core::Date> coverage_from;
  std::optional<core::Date> coverage_to;
};

struct PipelineConfig {
  std::string name = "pipeline";
  std::uint64_t seed = 42;
  int threads = 0;
  std::filesystem::path data_dir;  // per-ticker CSVs (+ universe.csv), imported into a store
  // More such folders imported into the same store (data.extra_dirs), e.g. us-daily-midsmall
  // beside us-daily; a ticker in two folders is an import error.
  std::vector<std::filesystem::path> extra_data_dirs;
  std::vector<std::filesystem::path> data_dirs() const;
  std::string data_dirs_text() const;  // "A + B" for messages
  // data.tickers: only these (and the benchmark) are imported from the folders; empty: all.
  std::vector<std::string> tickers;
  std::string benchmark = "SPY";
  dataset::LabelOptions label;
  dataset::NanPolicy nan_policy = dataset::NanPolicy::Zero;
  // Permutation importance of every model on the last this-many dates of the fixed split's
  // validation window (evaluation/feature_importance.hpp); 0: not measured.
  std::size_t importance_dates = 126;
  // The Transformer's attention maps, averaged over this many of the fixed split's test
  // predictions (evenly spaced; evaluation/attention_maps.hpp); 0: not drawn.
  std::size_t attention_samples = 2000;
  std::size_t truncation_cuts = 1;  // leak check: recompute features on data cut at this many dates
  SentimentFeaturesConfig sentiment;
  FixedSplitConfig fixed;
  WalkForwardConfig walk_forward;
  bool controls = true;
  std::string control_model = "logistic_regression";
  evaluation::ControlOptions control_options;
  std::vector<std::string> models;
  std::map<std::string, ml::ModelConfig> model_configs;  // per model, [model] merged with [model.<name>]
  BacktestSettings backtest;
  RlSettings rl;
  std::string text;  // the file as read
  std::string hash;  // xxh64 of text, hex
};

core::Result<PipelineConfig> parse_pipeline_config(std::string_view text, std::string_view source,
                                                   const std::filesystem::path& base_dir);
core::Result<PipelineConfig> read_pipeline_config(const std::filesystem::path& path);

}  // namespace kestrel::pipeline
