#pragma once
// Monte Carlo of a strategy's future from its own history, so a user sees the spread of
// outcomes rather than one backtest path:
//  - stationary block bootstrap (Politis & Romano 1994) of daily returns: blocks of random
//    geometric length keep volatility clustering and short-range autocorrelation;
//  - reshuffling of the trade sequence: the same trades in another order give another
//    drawdown, which shows how much of the backtest's drawdown was luck of ordering.
// Paths run in parallel; path i always uses random stream i of the seed, so results are
// identical for any thread count.
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace kestrel::analysis {

struct MonteCarloOptions {
  int paths = 10'000;
  int horizon_days = 252;          // one trading year
  double mean_block_length = 10;   // bootstrap: expected block length in days
  double drawdown_threshold = 0.15;
  double ruin_threshold = 0.50;    // ruin = equity falls to (1 - this) of the start
  std::uint64_t seed = 42;
};

// Percentiles of one statistic across paths.
struct Distribution {
  double mean = 0;
  double p05 = 0;
  double p25 = 0;
  double p50 = 0;
  double p75 = 0;
  double p95 = 0;
};

struct MonteCarloResult {
  int paths = 0;
  int horizon_days = 0;
  Distribution cagr;
  Distribution sharpe;        // annualised, sqrt(252)
  Distribution max_drawdown;  // positive fraction, e.g. 0.12 = -12%
  Distribution final_equity;  // growth of 1
  double probability_drawdown_over_threshold = 0;
  double probability_of_ruin = 0;
  // Equity bands per day (growth of 1): 5th, 50th and 95th percentile across paths.
  std::vector<double> band_p05;
  std::vector<double> band_p50;
  std::vector<double> band_p95;
};

// Needs at least 20 finite returns.
core::Result<MonteCarloResult> bootstrap_daily_returns(std::span<const double> daily_returns,
                                                       const MonteCarloOptions& options);

// `trade_returns`: each closed trade's P&L as a fraction of equity when it was opened, in
// the order they closed. Each path is a random permutation of all trades (horizon_days
// is ignored; a path has one step per trade); CAGR and Sharpe are not defined per trade
// and are left at zero.
core::Result<MonteCarloResult> reshuffle_trades(std::span<const double> trade_returns,
                                                const MonteCarloOptions& options);

}  // namespace kestrel::analysis
