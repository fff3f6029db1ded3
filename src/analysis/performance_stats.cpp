#include "analysis/performance_stats.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/drawdown.hpp"
#include "analysis/return_stats.hpp"

namespace kestrel::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

core::Status check_equity_curve(std::span<const EquityPoint> equity) {
  for (std::size_t i = 0; i < equity.size(); ++i) {
    if (!std::isfinite(equity[i].equity)) {
      return core::fail("equity curve: equity on {} (point {}) is {}, not a finite number",
                        equity[i].date.to_string(), i, equity[i].equity);
    }
    if (i > 0 && !(equity[i - 1].date < equity[i].date)) {
      return core::fail("equity curve: point {} ({}) is not after point {} ({}); dates must ascend",
                        i, equity[i].date.to_string(), i - 1, equity[i - 1].date.to_string());
    }
  }
  return {};
}

std::optional<DatedDrawdown> dated(const std::optional<DrawdownPeriod>& period,
                                   std::span<const EquityPoint> equity) {
  if (!period) return std::nullopt;
  DatedDrawdown out{.depth = period->depth,
                    .peak = equity[period->peak].date,
                    .trough = equity[period->trough].date,
                    .recovery = std::nullopt,
                    .trading_days = period->duration};
  if (period->recovery) out.recovery = equity[*period->recovery].date;
  return out;
}

}  // namespace

SeriesStats compute_series_stats(std::span<const double> returns) {
  return SeriesStats{
      .total_return = total_return(returns),
      .annual_return = annual_return(returns),
      .annual_volatility = annual_volatility(returns),
      .sharpe = sharpe_ratio(returns),
      .sortino = sortino_ratio(returns),
      .downside_risk = downside_risk(returns),
      .max_drawdown = max_drawdown(returns),
      .calmar = calmar_ratio(returns),
      .value_at_risk = value_at_risk(returns),
      .conditional_value_at_risk = conditional_value_at_risk(returns),
  };
}

std::vector<double> equity_returns(std::span<const EquityPoint> equity) {
  std::vector<double> levels;
  levels.reserve(equity.size());
  for (const auto& point : equity) levels.push_back(point.equity);
  return simple_returns(levels);
}

std::vector<double> benchmark_returns(std::span<const EquityPoint> equity) {
  std::vector<double> levels;
  levels.reserve(equity.size());
  // A benchmark level of 0 means "no level that day" (the record's default value).
  for (const auto& point : equity) levels.push_back(point.benchmark > 0 ? point.benchmark : kNaN);
  return simple_returns(levels);
}

core::Result<PerformanceStats> compute_performance_stats(const BacktestRecord& record) {
  const std::span<const EquityPoint> equity = record.equity;
  if (auto status = check_equity_curve(equity); !status) return std::unexpected(status.error());

  PerformanceStats stats;
  stats.equity_points = equity.size();
  if (!equity.empty()) {
    stats.start = equity.front().date;
    stats.end = equity.back().date;
    stats.starting_equity = equity.front().equity;
    stats.ending_equity = equity.back().equity;
    stats.trading_days = equity.size() - 1;
  } else {
    stats.starting_equity = kNaN;
    stats.ending_equity = kNaN;
  }
  const auto returns = equity_returns(equity);
  const auto benchmark = benchmark_returns(equity);
  stats.strategy = compute_series_stats(returns);
  stats.benchmark = compute_series_stats(benchmark);
  const AlphaBeta ab = alpha_beta(returns, benchmark);
  stats.alpha = ab.alpha;
  stats.beta = ab.beta;
  stats.information_ratio = information_ratio(returns, benchmark);

  const auto periods = drawdown_periods(returns);
  const DrawdownSummary summary = summarize_drawdowns(periods);
  stats.max_drawdown_period = dated(summary.deepest, equity);
  stats.longest_drawdown_period = dated(summary.longest, equity);

  stats.trades = compute_trade_stats(record.trades);
  stats.exposure = compute_exposure_stats(equity, record.orders);
  return stats;
}

}  // namespace kestrel::analysis
