#pragma once
// Every headline statistic of a finished run, computed from its BacktestRecord: the daily
// returns of the equity curve and of the benchmark level, the closed trades and the orders.
// Definitions: docs/statistics.md.
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "analysis/backtest_record.hpp"
#include "analysis/exposure_stats.hpp"
#include "analysis/trade_stats.hpp"
#include "core/date.hpp"
#include "core/error.hpp"

namespace kestrel::analysis {

// Statistics of one daily return series (return_stats.hpp has the definitions).
struct SeriesStats {
  double total_return = 0;
  double annual_return = 0;  // CAGR
  double annual_volatility = 0;
  double sharpe = 0;
  double sortino = 0;
  double downside_risk = 0;
  double max_drawdown = 0;
  double calmar = 0;
  double value_at_risk = 0;              // 95% one-day, historical
  double conditional_value_at_risk = 0;  // 95% one-day, historical
};

SeriesStats compute_series_stats(std::span<const double> returns);

// A drawdown period with its dates (drawdown.hpp counts durations in trading days).
struct DatedDrawdown {
  double depth = 0;
  core::Date peak;
  core::Date trough;
  std::optional<core::Date> recovery;  // none while still under water at the end
  std::size_t trading_days = 0;        // peak to recovery, or to the last day
};

struct PerformanceStats {
  std::size_t equity_points = 0;  // start and end are meaningful only when this is > 0
  core::Date start;               // first equity point (the starting capital)
  core::Date end;
  std::size_t trading_days = 0;  // daily returns: equity points - 1
  double starting_equity = 0;
  double ending_equity = 0;
  SeriesStats strategy;
  SeriesStats benchmark;
  double alpha = 0;              // annualised, against the benchmark
  double beta = 0;
  double information_ratio = 0;  // daily, as empyrical
  std::optional<DatedDrawdown> max_drawdown_period;
  std::optional<DatedDrawdown> longest_drawdown_period;
  TradeStats trades;
  ExposureStats exposure;
};

// Fails when the equity curve is not in strictly ascending date order or holds a
// non-finite equity value; an empty or one-day curve gives NaN statistics.
core::Result<PerformanceStats> compute_performance_stats(const BacktestRecord& record);

// The equity and benchmark columns of a record as daily returns (one fewer than points).
std::vector<double> equity_returns(std::span<const EquityPoint> equity);
std::vector<double> benchmark_returns(std::span<const EquityPoint> equity);

}  // namespace kestrel::analysis
