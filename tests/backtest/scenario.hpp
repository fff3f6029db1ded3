#pragma once
// Golden backtests: the shared market scenarios plus the engine's bare configuration.
#include "backtest/engine.hpp"
#include "support/market_scenario.hpp"

namespace kestrel::testing {

// No costs, no trade rules, no risk limits: fills are exactly the bar prices.
inline backtest::EngineConfig bare_config() {
  backtest::EngineConfig c;
  c.risk.enabled = false;
  c.rules = backtest::TradeRules{.stop_loss = 0, .breakeven_after = 0, .trail = 0, .time_stop_days = 0,
                                 .max_positions = 0, .min_position = core::Money{}};
  return c;
}

}  // namespace kestrel::testing
