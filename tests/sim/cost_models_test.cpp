// Slippage and commission models against numbers worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/cost_models.hpp"

namespace kestrel::sim {
namespace {

using core::Money;
using execution::Side;

store::Panel panel_with_closes(const std::vector<double>& closes, double volume, double factor = 1.0) {
  store::TickerSeries s{.symbol = "A", .sector = {}, .bars = {}, .actions = {}};
  for (std::size_t k = 0; k < closes.size(); ++k) {
    const double raw = closes[k] / factor;
    s.bars.push_back({.date = core::Date::from_ymd(2024, 1, 1) + static_cast<int>(k), .open = raw, .high = raw,
                      .low = raw, .close = raw, .adj_close = closes[k], .volume = volume});
  }
  return store::Panel::build({s});
}

TEST(Commission, PerShareWithMinimumAndCap) {
  const CommissionModel m{.kind = CommissionModel::Kind::PerShare, .per_share = 0.005, .minimum = 1.0,
                          .maximum_fraction = 0.01};
  EXPECT_EQ(commission(m, Side::Buy, 100, Money::dollars(5000)), Money::dollars(1));           // 0.50 → minimum
  EXPECT_EQ(commission(m, Side::Sell, 1000, Money::dollars(50000)), Money::dollars(5));        // 1000 × 0.005
  EXPECT_EQ(commission(m, Side::Buy, 10000, Money::dollars(1000)), Money::dollars(10));        // 1% cap of $1000
  EXPECT_EQ(commission(m, Side::Buy, 333, Money::dollars(10000)), Money::round(1.67));         // 1.665 up to the cent
}

TEST(Commission, BasisPoints) {
  const CommissionModel m{.kind = CommissionModel::Kind::Bps, .bps = 5};
  EXPECT_EQ(commission(m, Side::Buy, 1, Money::dollars(20000)), Money::dollars(10));
}

TEST(Commission, ZeroCommissionPaysRegulatoryFeesOnSells) {
  const CommissionModel m{.kind = CommissionModel::Kind::ZeroWithFees, .sec_fee_rate = 27.8e-6,
                          .finra_taf_per_share = 0.000166, .finra_taf_max = 8.30};
  EXPECT_EQ(commission(m, Side::Buy, 1000, Money::dollars(20000)), Money{});
  // SEC: 20,000 × 27.8e-6 = 0.556 → 0.56; TAF: 1000 × 0.000166 = 0.166 → 0.17.
  EXPECT_EQ(commission(m, Side::Sell, 1000, Money::dollars(20000)), Money::round(0.73));
  // TAF capped at 8.30 for 100,000 shares; SEC 2,000,000 × 27.8e-6 = 55.60.
  EXPECT_EQ(commission(m, Side::Sell, 100000, Money::dollars(2000000)), Money::round(63.90));
}

TEST(Slippage, FixedSpreadVolatilityAndSquareRootImpact) {
  // Closes alternate 100, 102, 100, 102, …: returns ±2%; 21 bars so the window of 20 before
  // the last bar holds 19 returns.
  std::vector<double> closes;
  for (int k = 0; k < 21; ++k) closes.push_back(k % 2 == 0 ? 100.0 : 102.0);
  const auto panel = panel_with_closes(closes, 10000);
  const History h = history_before(panel, 0, 20, 20);
  // Returns: +0.02, −0.0196078…, alternating (10 up, 9 down); σ with ddof = 1.
  std::vector<double> r;
  for (int k = 1; k < 20; ++k) r.push_back(closes[k] / closes[k - 1] - 1);
  double mean = 0;
  for (double x : r) mean += x;
  mean /= static_cast<double>(r.size());
  double ss = 0;
  for (double x : r) ss += (x - mean) * (x - mean);
  const double sigma = std::sqrt(ss / static_cast<double>(r.size() - 1));
  EXPECT_NEAR(h.volatility, sigma, 1e-12);
  EXPECT_DOUBLE_EQ(h.average_volume, 10000.0);

  EXPECT_DOUBLE_EQ(slippage_fraction({.kind = SlippageModel::Kind::FixedBps, .bps = 7}, panel, 0, 20, 100), 7e-4);
  EXPECT_NEAR(slippage_fraction({.kind = SlippageModel::Kind::SpreadVolatility, .half_spread_bps = 2,
                                 .volatility_multiplier = 0.1},
                                panel, 0, 20, 100),
              2e-4 + 0.1 * sigma, 1e-15);
  // 2,500 shares against 10,000 average: sqrt(0.25) = 0.5.
  EXPECT_NEAR(slippage_fraction({.kind = SlippageModel::Kind::SquareRootImpact, .half_spread_bps = 1,
                                 .impact_coefficient = 0.8},
                                panel, 0, 20, 2500),
              1e-4 + 0.8 * sigma * 0.5, 1e-15);
}

TEST(Slippage, AverageVolumeIsInAdjustedShares) {
  // Adjustment factor 0.5: 10,000 as-traded shares are 20,000 adjusted shares.
  const auto panel = panel_with_closes({50, 50, 50}, 10000, 0.5);
  EXPECT_DOUBLE_EQ(history_before(panel, 0, 2, 20).average_volume, 20000.0);
}

}  // namespace
}  // namespace kestrel::sim
