#pragma once
// Is the best backtest of a sweep luck? Two answers from the backtest-overfitting
// literature (Bailey & López de Prado):
//  - the Deflated Sharpe Ratio: the probability that the best run's true Sharpe is above
//    zero, after accounting for how many runs were tried, their spread, and the returns'
//    skew and fat tails;
//  - the Probability of Backtest Overfitting by combinatorially symmetric cross-validation
//    (CSCV): how often the in-sample winner ranks in the bottom half out of sample.
#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace kestrel::analysis {

struct DeflatedSharpe {
  double sharpe = 0;           // per period (not annualised) of the selected run
  double expected_max_sharpe = 0;  // SR0: the best Sharpe expected from `trials` luck-only runs
  double deflated_sharpe = 0;  // probability in [0, 1]
  double probabilistic_sharpe = 0;  // same, against a benchmark Sharpe of 0 (no deflation)
  double skewness = 0;
  double kurtosis = 0;  // not excess: 3 for normal returns
  std::size_t observations = 0;
  std::size_t trials = 0;
};

// `selected`: daily returns of the chosen run; `trial_sharpes`: per-period Sharpe ratios of
// every run in the sweep (the selected one included), at least 2.
core::Result<DeflatedSharpe> deflated_sharpe_ratio(std::span<const double> selected,
                                                   std::span<const double> trial_sharpes);

struct OverfittingProbability {
  double pbo = 0;                   // share of splits where the IS winner is below the OOS median
  double probability_of_loss = 0;   // share of splits where the IS winner loses money OOS
  double degradation_slope = 0;     // OLS slope of OOS Sharpe on IS Sharpe of the winner
  std::size_t combinations = 0;
  std::vector<double> logits;       // lambda per split (for a histogram)
};

// `returns[run]` are the daily returns of each run over the same days (equal lengths, at
// least 2 runs). The days are cut into `partitions` contiguous blocks (even, >= 2).
core::Result<OverfittingProbability> probability_of_backtest_overfitting(
    const std::vector<std::vector<double>>& returns, std::size_t partitions = 16);

}  // namespace kestrel::analysis
