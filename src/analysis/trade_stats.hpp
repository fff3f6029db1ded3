#pragma once
// Statistics of closed round trips. A trade wins when its P&L (after costs) is positive and
// loses when negative; a flat trade counts as a trade but as neither.
#include <cstddef>
#include <span>

#include "analysis/backtest_record.hpp"

namespace kestrel::analysis {

struct TradeStats {
  std::size_t trades = 0;
  std::size_t wins = 0;
  std::size_t losses = 0;
  double win_rate = 0;       // wins / trades
  double profit_factor = 0;  // gross profit / gross loss (NaN without a losing trade)
  double gross_profit = 0;   // sum of winning P&L
  double gross_loss = 0;     // sum of losing P&L (negative)
  double average_win = 0;    // mean P&L of winners (NaN without one)
  double average_loss = 0;   // mean P&L of losers, negative (NaN without one)
  double average_trade = 0;  // mean P&L of all trades
  double average_return = 0; // mean return_pct of all trades
  double largest_win = 0;
  double largest_loss = 0;
  double average_holding_days = 0;  // calendar days from entry to exit
  double commission = 0;            // total over all trades
};

TradeStats compute_trade_stats(std::span<const TradeRecord> trades);

}  // namespace kestrel::analysis
