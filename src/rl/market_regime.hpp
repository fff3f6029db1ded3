#pragma once
// Market regime in the agents' observation: the benchmark's (SPY's) 20-day log return and
// 20-day volatility of daily log returns, each ×10 as in price_observations, the same for
// every ticker on a day; 0 before 20 sessions of history. Appended as two columns.
#include <cstddef>
#include <vector>

#include "rl/trading_env.hpp"
#include "store/panel.hpp"

namespace kestrel::rl {

ObservationFeatures append_market_regime(const store::Panel& panel, std::size_t benchmark, std::size_t tickers,
                                         const ObservationFeatures& base);

}  // namespace kestrel::rl
