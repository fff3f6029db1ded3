#include "analysis/monte_carlo.hpp"

#include <gtest/gtest.h>

#include "core/rng.hpp"

namespace kestrel::analysis {
namespace {

std::vector<double> normal_returns(double mean, double stdev, int n, std::uint64_t seed) {
  core::Rng rng(seed);
  std::vector<double> r;
  for (int i = 0; i < n; ++i) r.push_back(mean + stdev * rng.normal());
  return r;
}

TEST(MonteCarlo, BootstrapIsReproducibleForASeed) {
  const auto r = normal_returns(0.0005, 0.01, 1000, 3);
  MonteCarloOptions o;
  o.paths = 2000;
  auto a = bootstrap_daily_returns(r, o);
  auto b = bootstrap_daily_returns(r, o);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->sharpe.p50, b->sharpe.p50);
  EXPECT_EQ(a->max_drawdown.p95, b->max_drawdown.p95);
  EXPECT_EQ(a->band_p05, b->band_p05);
  o.seed = 43;
  auto c = bootstrap_daily_returns(r, o);
  EXPECT_NE(a->sharpe.p50, c->sharpe.p50);
}

TEST(MonteCarlo, BootstrapRecoversTheSampleSharpe) {
  // Sample Sharpe of this series ~ 0.0008/0.01*sqrt(252) ~ 1.27; one-year paths scatter
  // around it with a standard error of ~1.
  const auto r = normal_returns(0.0008, 0.01, 2520, 11);
  MonteCarloOptions o;
  o.paths = 4000;
  auto m = bootstrap_daily_returns(r, o);
  ASSERT_TRUE(m.has_value());
  EXPECT_NEAR(m->sharpe.p50, 1.27, 0.3);
  EXPECT_LT(m->sharpe.p05, m->sharpe.p50);
  EXPECT_LT(m->sharpe.p50, m->sharpe.p95);
  EXPECT_NEAR(m->sharpe.p95 - m->sharpe.p05, 2 * 1.645, 0.6);
  EXPECT_EQ(m->band_p50.size(), 252u);
  EXPECT_LT(m->band_p05.back(), m->band_p50.back());
  EXPECT_LT(m->band_p50.back(), m->band_p95.back());
}

TEST(MonteCarlo, DrawdownAndRuinProbabilities) {
  MonteCarloOptions o;
  o.paths = 1000;
  // Steady gains never draw down; steady losses of 1%/day always breach 15% and (in 252
  // days) ruin at 50%.
  std::vector<double> up(100, 0.001), down(100, -0.01);
  auto a = bootstrap_daily_returns(up, o);
  auto b = bootstrap_daily_returns(down, o);
  EXPECT_EQ(a->probability_drawdown_over_threshold, 0.0);
  EXPECT_EQ(a->probability_of_ruin, 0.0);
  EXPECT_EQ(b->probability_drawdown_over_threshold, 1.0);
  EXPECT_EQ(b->probability_of_ruin, 1.0);
  EXPECT_NEAR(a->cagr.p50, std::pow(1.001, 252) - 1, 1e-12);
}

TEST(MonteCarlo, TradeReshufflingKeepsFinalEquityAndVariesDrawdown) {
  std::vector<double> trades;
  for (int i = 0; i < 40; ++i) trades.push_back(i % 3 == 0 ? -0.02 : 0.015);
  MonteCarloOptions o;
  o.paths = 500;
  auto m = reshuffle_trades(trades, o);
  ASSERT_TRUE(m.has_value());
  EXPECT_NEAR(m->final_equity.p05, m->final_equity.p95, 1e-12);  // products commute
  EXPECT_LT(m->max_drawdown.p05, m->max_drawdown.p95);
  EXPECT_EQ(m->band_p50.size(), trades.size());
}

TEST(MonteCarlo, RejectsTooLittleData) {
  EXPECT_FALSE(bootstrap_daily_returns(std::vector<double>(5, 0.01), {}).has_value());
  EXPECT_FALSE(reshuffle_trades(std::vector<double>{0.1}, {}).has_value());
  MonteCarloOptions bad;
  bad.paths = 0;
  EXPECT_FALSE(bootstrap_daily_returns(std::vector<double>(50, 0.01), bad).has_value());
}

}  // namespace
}  // namespace kestrel::analysis
