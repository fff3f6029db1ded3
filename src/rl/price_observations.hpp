#pragma once
// A small point-in-time observation from prices alone: per (day, ticker) the 1-, 5- and
// 20-day log returns of the adjusted close and the 20-day volatility of daily log returns,
// each ×10 so that typical values sit near ±1; 0 where there is not enough history. For the
// environment benchmark (bench/rl_env.py computes the same) and for runs without a feature
// store; the pipeline's agents observe normalised feature rows and model scores instead.
#include <cstddef>
#include <vector>

#include "rl/trading_env.hpp"
#include "store/panel.hpp"

namespace kestrel::rl {

ObservationFeatures price_observations(const store::Panel& panel, const std::vector<std::size_t>& universe);

}  // namespace kestrel::rl
