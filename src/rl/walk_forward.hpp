#pragma once
// Walk-forward evaluation of the RL agents against simple rules, all stepped through the same
// trading environment (same costs, limits and trade rules), out of sample.
//
// The dates from the first stock's 20th session to the last are cut from the end into `folds`
// test periods of `test_days`; each fold trains on everything before its validation period
// (`valid_days` just before the test), checks the agent on the validation period `checks`
// times during training and keeps the best check (early stopping on validation, never on
// test), then runs it once, deterministically, over the test period; with model scores in the
// observation the two agents also run together (ppo_dqn_system). Rules need no training
// and run on the test periods alone. Feature rows in the observation are scaled with each fold's
// training dates' statistics (feature_rows.hpp), the same scaling for its validation and test. Test periods are chained into one daily return series per
// strategy, from which the statistics come; the deflated Sharpe ratio counts every strategy
// evaluated as a trial.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/performance_stats.hpp"
#include "core/error.hpp"
#include "rl/agent.hpp"
#include "rl/trading_env.hpp"
#include "store/panel.hpp"

namespace kestrel::rl {

struct WalkForwardConfig {
  std::size_t folds = 2;
  std::size_t test_days = 252;
  std::size_t valid_days = 126;
  std::int64_t ppo_steps = 200'000;  // environment steps (rows × days) per fold
  std::int64_t dqn_steps = 200'000;
  std::size_t checks = 4;            // validation checks per fold
  std::size_t train_episodes = 4;    // episodes stepped together while training
  std::size_t top_k = 10;            // the rule strategies' names
  // The dates periods may use (panel indices; e.g. where model scores exist). 0: from the
  // stocks' 20th session / to the last date.
  std::size_t first_day = 0;
  std::size_t last_day = 0;
  // An observation column of model scores (score_observations.hpp): the top-k rules rank by it
  // (score_topk, and vol_target_topk) instead of by the 20-day return, and the combined
  // system runs (PPO sizes what DQN lets in). None: price-only observations.
  std::optional<std::size_t> score_column;
  TradingEnvConfig env;              // costs, limits, trade rules, band, reward penalties (control and dates are set per use)
  PpoConfig ppo;
  DqnConfig dqn;
  std::uint64_t seed = 1;
};

struct StrategyOutcome {
  std::string name;
  std::string description;
  std::vector<double> daily_returns;  // test days of every fold, chained
  analysis::SeriesStats stats;
  double annual_turnover = 0;  // traded value / average equity, per year
  double average_exposure = 0;  // positions' value / equity, averaged over the test days
  double costs = 0;            // commissions + slippage / starting equity, summed over folds
  std::size_t round_trips = 0;
  double entry_accuracy = 0;   // round trips closed above their entry price
  bool halted = false;         // the drawdown halt stopped it in some fold (cash from then on)
};

struct WalkForwardReport {
  std::vector<StrategyOutcome> strategies;
  std::vector<std::string> folds;  // "train A..B, valid B..C, test C..D" per fold
  double deflated_sharpe = 0;      // of the best Sharpe, over every strategy as a trial
  std::string best;
};

using LogSink = std::function<void(const std::string&)>;

// `universe`: the stocks (panel indices); `benchmark`: the panel index of SPY for buy-and-hold;
// `features`: the observation's columns (agent_observations.hpp); `feature_rows`: the universe's
// feature rows, scaled per fold with its training dates' statistics, or null for none.
core::Result<WalkForwardReport> walk_forward(const store::Panel& panel, const std::vector<std::size_t>& universe,
                                             std::size_t benchmark, const ObservationFeatures& features,
                                             const FeatureRows* feature_rows, const WalkForwardConfig& config,
                                             const LogSink& log, const ProgressSink& progress = {});

// One line per agent against buy-and-hold of the benchmark, the best Sharpe with its deflated
// Sharpe ratio, and a warning for every strategy that was hardly ever invested (an agent that
// learned to sit in cash has not learned to trade; its flat record is not a result).
std::vector<std::string> verdicts(const WalkForwardReport& report);
// The strategies invested less than 5% of their equity on average.
std::vector<std::string> never_invested(const WalkForwardReport& report);

// The report as a Markdown table with the verdicts.
std::string to_markdown(const WalkForwardReport& report);

}  // namespace kestrel::rl
