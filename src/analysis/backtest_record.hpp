#pragma once
// What a finished run (backtest now, paper/live later) hands to analysis: the daily equity
// curve, closed trades and every order. Plain doubles here: the engine keeps fixed-point
// accounting and converts when it records. This is the contract between backtest/ (which
// fills it) and analysis/ (statistics and reports), which sits below it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/risk_summary.hpp"
#include "core/date.hpp"

namespace kestrel::analysis {

// One row per trading day, valued at that day's close.
struct EquityPoint {
  core::Date date;
  double equity = 0;          // cash + market value of positions
  double cash = 0;
  double gross_exposure = 0;  // sum |position value| / equity
  double net_exposure = 0;    // sum position value / equity
  double benchmark = 0;       // benchmark total-return level (e.g. SPY adj_close) that day
  int positions = 0;
};

// A round trip: entry to full exit of one position (partial exits close proportionally).
struct TradeRecord {
  std::string ticker;
  core::Date entry_date;
  core::Date exit_date;
  double quantity = 0;     // shares, negative for shorts
  double entry_price = 0;  // average fill price
  double exit_price = 0;
  double pnl = 0;          // after commissions and slippage
  double return_pct = 0;   // pnl / entry notional
  double commission = 0;
  std::string exit_reason;  // "signal", "stop", "take_profit", "trailing_stop", "time_stop", "end"...
};

struct OrderRecord {
  core::Date submitted;
  core::Date last_update;
  std::string client_order_id;
  std::string ticker;
  std::string side;    // "buy" / "sell"
  std::string type;    // "market", "limit", "stop", "stop_limit", "trailing_stop", "moo", "moc"
  std::string status;  // "filled", "partially_filled", "cancelled", "expired", "rejected"
  double quantity = 0;
  double filled_quantity = 0;
  double limit_price = 0;  // 0 when not applicable
  double stop_price = 0;
  double average_fill_price = 0;
  double commission = 0;
  std::string reason;  // why rejected/cancelled, if so
};

struct BacktestRecord {
  std::string name;                 // strategy / run name
  std::string benchmark = "SPY";
  std::string config_text;          // the TOML that produced the run (for reproducibility)
  std::string config_hash;
  std::uint64_t seed = 0;
  std::vector<EquityPoint> equity;  // ascending dates
  std::vector<TradeRecord> trades;
  std::vector<OrderRecord> orders;
  std::optional<RiskSummary> risk;  // limits hit, VaR/CVaR, stress, Monte Carlo, Sharpe significance
  std::int64_t orders_refused = 0;  // entries the trade rules refused (max_positions, min_position)
  std::vector<std::string> flags;   // why the run did nothing useful (activity_flags.hpp); empty: none
};

}  // namespace kestrel::analysis
