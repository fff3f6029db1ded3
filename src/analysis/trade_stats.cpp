#include "analysis/trade_stats.hpp"

#include <algorithm>
#include <limits>

namespace kestrel::analysis {

TradeStats compute_trade_stats(std::span<const TradeRecord> trades) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  TradeStats stats;
  stats.trades = trades.size();
  double total_pnl = 0;
  double total_return = 0;
  double holding_days = 0;
  for (const auto& trade : trades) {
    total_pnl += trade.pnl;
    total_return += trade.return_pct;
    holding_days += trade.exit_date - trade.entry_date;
    stats.commission += trade.commission;
    if (trade.pnl > 0) {
      ++stats.wins;
      stats.gross_profit += trade.pnl;
      stats.largest_win = std::max(stats.largest_win, trade.pnl);
    } else if (trade.pnl < 0) {
      ++stats.losses;
      stats.gross_loss += trade.pnl;
      stats.largest_loss = std::min(stats.largest_loss, trade.pnl);
    }
  }
  const auto count = static_cast<double>(stats.trades);
  stats.win_rate = stats.trades ? static_cast<double>(stats.wins) / count : kNaN;
  stats.average_trade = stats.trades ? total_pnl / count : kNaN;
  stats.average_return = stats.trades ? total_return / count : kNaN;
  stats.average_holding_days = stats.trades ? holding_days / count : kNaN;
  stats.average_win = stats.wins ? stats.gross_profit / static_cast<double>(stats.wins) : kNaN;
  stats.average_loss = stats.losses ? stats.gross_loss / static_cast<double>(stats.losses) : kNaN;
  stats.profit_factor = stats.losses ? stats.gross_profit / -stats.gross_loss : kNaN;
  return stats;
}

}  // namespace kestrel::analysis
