#pragma once
// Fills the risk section of a finished run's record (analysis::RiskSummary): VaR/CVaR of
// the strategy's daily returns and of the final holdings, stress tests of the final
// holdings, a Monte Carlo bootstrap of the daily returns and the probabilistic Sharpe ratio;
// and, for a sweep, the deflated Sharpe ratio of the best run and the sweep's probability
// of backtest overfitting. Parts that cannot be computed (too short a run, no holdings, no
// benchmark for the stress betas) are skipped with a note saying why, never invented.
#include <cstdint>
#include <vector>

#include "analysis/backtest_record.hpp"
#include "core/error.hpp"
#include "portfolio/portfolio.hpp"
#include "store/panel.hpp"

namespace kestrel::backtest {

struct RiskAnalysisOptions {
  int monte_carlo_paths = 10'000;  // bootstrap paths of one year
  int var_draws = 100'000;         // Monte Carlo VaR draws
  int lookback_days = 252;         // asset returns behind the holdings' VaR
  std::uint64_t seed = 42;
};

// `book` is the portfolio at the end of the run (its marks give the final weights).
void add_risk_analysis(analysis::BacktestRecord& record, const store::Panel& panel, const portfolio::Portfolio& book,
                       const RiskAnalysisOptions& options = {});

// The strategy's daily simple returns from the equity curve.
std::vector<double> daily_returns(const analysis::BacktestRecord& record);

// The best run of a sweep (highest per-day Sharpe) gets the deflated Sharpe ratio over every
// run's Sharpe, and the probability of backtest overfitting across the runs (CSCV); both go
// into each record's risk section (the best run's `deflated` flag is set). Returns the index
// of the best run.
core::Result<std::size_t> add_sweep_significance(std::vector<analysis::BacktestRecord*> records);

}  // namespace kestrel::backtest
