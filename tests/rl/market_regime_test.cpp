// The market regime columns of the agents' observation.
#include <gtest/gtest.h>

#include <cmath>

#include "rl/market_regime.hpp"
#include "rl/price_observations.hpp"
#include "store/csv_folder.hpp"

namespace kestrel::rl {
namespace {

TEST(MarketRegime, EveryTickerSeesTheBenchmarksTrendAndVolatilityOfTheDay) {
  const store::Panel panel = *store::load_csv_panel(KESTREL_SAMPLE_DATA);
  const std::size_t spy = *panel.ticker_index("SPY");
  const std::vector<std::size_t> universe = {*panel.ticker_index("AAPL"), *panel.ticker_index("XOM")};
  const auto base = price_observations(panel, universe);
  const auto with = append_market_regime(panel, spy, universe.size(), base);
  ASSERT_EQ(with.count, 6u);
  const std::size_t t = 300;
  const auto adj = panel.series(store::Field::AdjClose, spy);
  const double trend = 10 * std::log(adj[t] / adj[t - 20]);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_NEAR(with.values[(t * 2 + k) * 6 + 4], trend, 1e-5);
    EXPECT_GT(with.values[(t * 2 + k) * 6 + 5], 0.0f);
    EXPECT_EQ(with.values[(t * 2 + k) * 6 + 2], base.values[(t * 2 + k) * 4 + 2]);
  }
  EXPECT_EQ(with.values[(10 * 2 + 0) * 6 + 4], 0.0f) << "no 20-day history yet";
}

}  // namespace
}  // namespace kestrel::rl
