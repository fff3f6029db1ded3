#include "analysis/exposure_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/return_stats.hpp"

namespace kestrel::analysis {

ExposureStats compute_exposure_stats(std::span<const EquityPoint> equity,
                                     std::span<const OrderRecord> orders) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  ExposureStats stats;
  double gross = 0;
  double net = 0;
  double positions = 0;
  double equity_sum = 0;
  std::size_t invested_days = 0;
  for (const auto& point : equity) {
    gross += point.gross_exposure;
    net += point.net_exposure;
    positions += point.positions;
    equity_sum += point.equity;
    stats.max_gross_exposure = std::max(stats.max_gross_exposure, point.gross_exposure);
    if (point.positions > 0) ++invested_days;
  }
  const auto days = static_cast<double>(equity.size());
  stats.average_gross_exposure = equity.empty() ? kNaN : gross / days;
  stats.average_net_exposure = equity.empty() ? kNaN : net / days;
  stats.average_positions = equity.empty() ? kNaN : positions / days;
  stats.time_in_market = equity.empty() ? kNaN : static_cast<double>(invested_days) / days;

  stats.orders = orders.size();
  for (const auto& order : orders) {
    if (order.filled_quantity != 0) {
      ++stats.filled_orders;
      stats.traded_notional += std::abs(order.filled_quantity * order.average_fill_price);
    }
    if (order.status == "rejected") ++stats.rejected_orders;
  }
  const double years = (days - 1) / kTradingDaysPerYear;
  const double mean_equity = equity_sum / days;
  stats.annual_turnover = equity.size() >= 2 && mean_equity > 0
                              ? stats.traded_notional / 2 / mean_equity / years
                              : kNaN;
  return stats;
}

}  // namespace kestrel::analysis
