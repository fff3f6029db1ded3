#include "analysis/monte_carlo.hpp"

#include <gtest/gtest.h>

#include <cmath>

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
  const auto r = normal_returns(0.0008, 0.01, 2520, 11);
  MonteCarloOptions o;
  o.paths = 4000;
  auto m = bootstrap_daily_returns(r, o);
  ASSERT_TRUE(m.has_value());
  // Expected values come from the sample itself, not from the generator's parameters: the
  // bootstrap resamples these 2,520 returns, so its paths centre on their Sharpe ratio.
  double sum = 0, squares = 0;
  for (double x : r) sum += x;
  const double mean = sum / static_cast<double>(r.size());
  for (double x : r) squares += (x - mean) * (x - mean);
  const double daily_sharpe = mean / std::sqrt(squares / static_cast<double>(r.size() - 1));
  const double sample_sharpe = daily_sharpe * std::sqrt(252.0);
  // The annualised Sharpe of one 252-day path of iid returns is close to normal with standard
  // deviation sqrt(1 + SR_daily^2 / 2) (Lo 2002; the sqrt(252)s cancel). Tolerances are four
  // standard errors of each estimate over o.paths paths:
  //   median:   1.2533 * sd / sqrt(paths)
  //   p05, p95: sqrt(0.05 * 0.95 / paths) / phi(1.645) * sd each, so their spread ~ sqrt(2) x that.
  const double path_sd = std::sqrt(1 + daily_sharpe * daily_sharpe / 2);
  const double paths = o.paths;
  const double median_se = 1.2533 * path_sd / std::sqrt(paths);
  const double tail_quantile_se = std::sqrt(0.05 * 0.95 / paths) / 0.10314 * path_sd;
  EXPECT_NEAR(m->sharpe.p50, sample_sharpe, 4 * median_se);
  EXPECT_NEAR(m->sharpe.p95 - m->sharpe.p05, 2 * 1.6449 * path_sd, 4 * std::sqrt(2.0) * tail_quantile_se);
  EXPECT_LT(m->sharpe.p05, m->sharpe.p50);
  EXPECT_LT(m->sharpe.p50, m->sharpe.p95);
  EXPECT_EQ(m->band_p50.size(), 252u);
  EXPECT_LT(m->band_p05.back(), m->band_p50.back());
  EXPECT_LT(m->band_p50.back(), m->band_p95.back());
}

TEST(MonteCarlo, StationaryBootstrapKeepsBlocksTogether) {
  // Fifty +1% days then fifty -1% days: drawn one day at a time (blocks of mean length 1) a
  // year's log return has sd 0.01 * sqrt(252) ~ 0.16, so its 5-95% range is about 0.55; drawn
  // in blocks of mean length 50 the runs of gains and losses survive and the range is about
  // 1.5 (both from an independent numpy simulation of the stationary bootstrap, 2,000 paths).
  // A bootstrap that ignores the block length has the narrow range in both cases.
  std::vector<double> runs(50, 0.01);
  runs.insert(runs.end(), 50, -0.01);
  MonteCarloOptions o;
  o.paths = 2000;
  o.mean_block_length = 1;
  auto iid = bootstrap_daily_returns(runs, o);
  o.mean_block_length = 50;
  auto blocks = bootstrap_daily_returns(runs, o);
  ASSERT_TRUE(iid && blocks);
  const double iid_range = std::log(iid->final_equity.p95) - std::log(iid->final_equity.p05);
  const double block_range = std::log(blocks->final_equity.p95) - std::log(blocks->final_equity.p05);
  EXPECT_NEAR(iid_range, 0.55, 0.1);
  EXPECT_GT(block_range, 2 * iid_range);
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
