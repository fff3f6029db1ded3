#pragma once
// The costs `kestrel rl evaluate` and `kestrel bench rl` trade at (bench/rl_env.py mirrors
// them): 5 bps slippage on every fill, $0.005 a share with a $1 minimum per order.
#include "rl/trading_env.hpp"

namespace kestrel::app {

inline void set_rl_costs(rl::TradingEnvConfig& config) {
  config.slippage = {.kind = sim::SlippageModel::Kind::FixedBps, .bps = 5};
  config.commission = {.kind = sim::CommissionModel::Kind::PerShare, .per_share = 0.005, .minimum = 1};
}

}  // namespace kestrel::app
