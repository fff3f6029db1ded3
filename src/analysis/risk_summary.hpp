#pragma once
// The risk section of a run's report, as plain data: analysis sits below risk/ and
// backtest/, so those layers compute it (risk manager events, VaR, stress tests, Monte
// Carlo, Sharpe significance) and this struct only carries it to the JSON and HTML writers.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/date.hpp"

namespace kestrel::analysis {

// One risk-manager event: a denied or resized order, a rule that triggered, an alert.
struct RiskEventRecord {
  core::Date date;
  std::string kind;  // "denied", "size_reduced", "daily_loss_limit", "drawdown_halt", "kill_switch", ...
  std::string rule;  // "max_position", "daily_loss", ...
  std::string message;
};

// One VaR/CVaR estimate (positive loss fractions).
struct RiskMeasureRecord {
  std::string scope;   // "strategy" (its daily returns) or "holdings" (final holdings' assets)
  std::string method;  // "historical", "normal", "cornish_fisher", "monte_carlo"
  double confidence = 0;
  int horizon_days = 0;
  double var = 0;
  double cvar = 0;
};

struct StressRecord {
  std::string scenario;
  std::string kind;  // "historical" or "hypothetical"
  double portfolio_return = 0;
  double worst_drawdown = 0;
  double benchmark_return = 0;
  std::vector<std::string> proxied;
};

// Percentiles of one Monte Carlo statistic across paths.
struct PercentileRecord {
  double p05 = 0;
  double p50 = 0;
  double p95 = 0;
};

struct MonteCarloRecord {
  int paths = 0;
  int horizon_days = 0;
  std::uint64_t seed = 0;
  PercentileRecord cagr;
  PercentileRecord sharpe;
  PercentileRecord max_drawdown;
  double drawdown_threshold = 0;
  double probability_drawdown_over_threshold = 0;
  double ruin_threshold = 0;
  double probability_of_ruin = 0;
  std::vector<double> band_p05;  // growth of 1, one value per simulated day (day 1..horizon)
  std::vector<double> band_p50;
  std::vector<double> band_p95;
};

// Is the Sharpe ratio more than luck? A single run gets the probabilistic Sharpe ratio (no
// deflation: one trial); a sweep's best run gets the deflated Sharpe ratio and the sweep's
// probability of backtest overfitting.
struct SharpeSignificanceRecord {
  bool deflated = false;        // true: from a sweep
  double sharpe = 0;            // per day
  double probabilistic_sharpe = 0;
  double deflated_sharpe = 0;   // sweep only
  double expected_max_sharpe = 0;
  std::size_t trials = 1;
  std::size_t observations = 0;
  double pbo = -1;              // sweep only; -1 when not computed
};

struct RiskSummary {
  bool manager_enabled = false;
  std::map<std::string, double> limits;  // the RiskLimits in force, by TOML key
  std::map<std::string, std::int64_t> counters;  // denials and rule triggers per rule
  std::vector<RiskEventRecord> events;
  std::vector<RiskMeasureRecord> measures;
  std::vector<StressRecord> stress;
  bool has_monte_carlo = false;
  MonteCarloRecord monte_carlo;
  bool has_sharpe_significance = false;
  SharpeSignificanceRecord sharpe_significance;
  std::vector<std::string> notes;  // parts that could not be computed, and why
};

}  // namespace kestrel::analysis
