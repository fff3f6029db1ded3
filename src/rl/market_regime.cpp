#include "rl/market_regime.hpp"

#include <algorithm>

#include "rl/price_observations.hpp"

namespace kestrel::rl {

ObservationFeatures append_market_regime(const store::Panel& panel, std::size_t benchmark, std::size_t tickers,
                                         const ObservationFeatures& base) {
  // The benchmark's own price observation: columns 2 (20-day return) and 3 (20-day volatility).
  const ObservationFeatures market = price_observations(panel, {benchmark});
  const std::size_t dates = panel.num_dates();
  const std::size_t count = base.count + 2;
  ObservationFeatures out{count, std::vector<float>(dates * tickers * count)};
  for (std::size_t t = 0; t < dates; ++t) {
    const float trend = market.values[t * market.count + 2];
    const float volatility = market.values[t * market.count + 3];
    for (std::size_t k = 0; k < tickers; ++k) {
      const std::size_t cell = t * tickers + k;
      std::copy_n(base.values.begin() + static_cast<std::ptrdiff_t>(cell * base.count), base.count,
                  out.values.begin() + static_cast<std::ptrdiff_t>(cell * count));
      out.values[cell * count + base.count] = trend;
      out.values[cell * count + base.count + 1] = volatility;
    }
  }
  return out;
}

}  // namespace kestrel::rl
