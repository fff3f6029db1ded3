#pragma once
// What the trading kernel is configured with — the same values in every mode (backtest,
// paper, live); the composition root (backtest runner or trading node) fills it from the
// TOML config.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "allocation/portfolio_optimizer.hpp"
#include "core/date.hpp"
#include "core/fixed_point.hpp"
#include "execution/order.hpp"
#include "portfolio/portfolio.hpp"
#include "risk/risk_manager.hpp"

namespace kestrel::trading {

using InstrumentId = std::uint32_t;

// Exits the kernel manages for every position (0 disables a rule).
struct TradeRules {
  double stop_loss = 0.05;         // initial stop this fraction below (shorts: above) the entry
  double breakeven_after = 0.03;   // once the best close is this far in profit: stop to entry…
  double trail = 0.02;             // …and from then on trail this fraction behind the best close
  std::size_t time_stop_days = 30; // exit at the next open after this many bars not in profit
  std::size_t max_positions = 20;  // open positions plus pending entries
  core::Money min_position = core::Money::dollars(100);  // smaller entries are refused
  // Send the initial stop with the entry (a broker's one-triggers-other order), so the
  // position is protected from its first session; otherwise the stop is placed after the
  // first close, like a rule a trader applies at the end of the day.
  bool attach_stop = false;
};

// The risk manager's configuration ([risk] in the TOML config).
struct RiskSettings {
  bool enabled = true;  // the plan's limits are on unless a run turns them off
  risk::RiskLimits limits;
  // Engage the kill switch at the open of the first session on or after this date
  // (for tests and what-if runs; a live node engages it by hand or by its kill file).
  std::optional<core::Date> kill_switch_date;
};

// Portfolio construction for target-weight strategies ([portfolio] method = ...): the
// strategy picks the names (its positive target weights), allocation::allocate sizes them
// from their daily returns over `lookback_days` up to the decision bar (point in time).
struct PortfolioConstruction {
  allocation::AllocationMethod method = allocation::AllocationMethod::EqualWeight;
  std::size_t lookback_days = 126;
  allocation::AllocationConstraints constraints;  // equity and previous weights are filled per rebalance
};

struct KernelConfig {
  std::vector<InstrumentId> universe;  // tradable instruments; empty: all
  portfolio::PortfolioConfig portfolio;
  TradeRules rules;
  RiskSettings risk;
  std::optional<PortfolioConstruction> construction;  // none: the strategy's weights as given
  execution::TimeInForce rebalance_tif = execution::TimeInForce::Day;
  // Client order ids are "<prefix>-<sequence>": unique per run (a node uses its run id).
  std::string order_id_prefix = "bt";
};

}  // namespace kestrel::trading
