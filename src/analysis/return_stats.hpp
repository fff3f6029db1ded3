#pragma once
// Statistics of a daily simple-return series, defined as in the Python library empyrical
// (docs/statistics.md gives each formula). A NaN return is a day without a return: the
// averaging statistics skip it, the compounding ones count it as a flat day, and it still
// counts as a day where empyrical counts days (CAGR's number of years). A statistic that is
// undefined for its input (too few days, zero volatility, no losing day) is NaN.
#include <cstddef>
#include <span>
#include <vector>

namespace kestrel::analysis {

inline constexpr double kTradingDaysPerYear = 252;
inline constexpr double kTailCutoff = 0.05;  // VaR/CVaR at 95%

// r_t = level_t / level_{t-1} - 1, one fewer value than levels; NaN where either level is
// missing (NaN) or the earlier one is not positive.
std::vector<double> simple_returns(std::span<const double> levels);

// prod(1 + r) - 1.
double total_return(std::span<const double> returns);
// Compound annual growth rate: prod(1 + r)^(252 / n) - 1.
double annual_return(std::span<const double> returns);
// std(r, ddof=1) * sqrt(252).
double annual_volatility(std::span<const double> returns);
// mean(r) / std(r, ddof=1) * sqrt(252).
double sharpe_ratio(std::span<const double> returns);
// sqrt(mean(min(r, 0)^2)) * sqrt(252), the mean taken over every day.
double downside_risk(std::span<const double> returns);
// mean(r) * 252 / downside_risk(r).
double sortino_ratio(std::span<const double> returns);
// Most negative (wealth - running peak) / running peak, the peak including the start.
double max_drawdown(std::span<const double> returns);
// annual_return / |max_drawdown|.
double calmar_ratio(std::span<const double> returns);
// The cutoff quantile of the daily returns (numpy's linear interpolation): a return, so a
// loss is negative.
double value_at_risk(std::span<const double> returns, double cutoff = kTailCutoff);
// Mean of the floor((n - 1) * cutoff) + 1 worst daily returns.
double conditional_value_at_risk(std::span<const double> returns, double cutoff = kTailCutoff);

// Against a benchmark's returns on the same days (same length); days where either is NaN
// are left out.
struct AlphaBeta {
  double alpha = 0;  // (1 + mean(r - beta * b))^252 - 1
  double beta = 0;   // cov(r, b) / var(b), both with ddof=0
};
AlphaBeta alpha_beta(std::span<const double> returns, std::span<const double> benchmark);
// mean(r - b) / std(r - b, ddof=1): empyrical's daily (not annualised) information ratio.
double information_ratio(std::span<const double> returns, std::span<const double> benchmark);

// Sharpe ratio of each trailing window of `window` days, aligned with `returns`; NaN until
// the first full window.
std::vector<double> rolling_sharpe(std::span<const double> returns, std::size_t window);

}  // namespace kestrel::analysis
