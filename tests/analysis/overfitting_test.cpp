#include "analysis/overfitting.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "analysis/normal_distribution.hpp"
#include "core/rng.hpp"

namespace kestrel::analysis {
namespace {

TEST(NormalDistribution, QuantileInvertsCdf) {
  for (double p : {1e-10, 1e-4, 0.01, 0.025, 0.05, 0.3, 0.5, 0.7, 0.95, 0.975, 0.99, 1 - 1e-8}) {
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-14 + 1e-12 * p) << p;
  }
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-13);
  EXPECT_NEAR(normal_quantile(0.05), -1.6448536269514729, 1e-13);
}

// Reference values from tests/analysis/make_dsr_reference.py (Python statistics.NormalDist).
TEST(DeflatedSharpe, MatchesIndependentReference) {
  std::vector<double> r;
  for (int t = 0; t < 750; ++t) {
    r.push_back(0.0004 + 0.01 * std::sin(0.7 * t) + 0.004 * std::pow(std::cos(1.3 * t), 3));
  }
  auto baseline = deflated_sharpe_ratio(r, std::vector<double>{0.0, 0.1});
  ASSERT_TRUE(baseline.has_value());
  const double sr = baseline->sharpe;
  std::vector<double> trials;
  for (int k = 0; k < 10; ++k) trials.push_back(0.01 * k - 0.02);
  trials.push_back(sr);
  auto dsr = deflated_sharpe_ratio(r, trials);
  ASSERT_TRUE(dsr.has_value());
  EXPECT_NEAR(dsr->sharpe, 0.059694804871617886, 1e-12);
  EXPECT_NEAR(dsr->expected_max_sharpe, 0.04958814543716061, 1e-12);
  EXPECT_NEAR(dsr->deflated_sharpe, 0.608898625830436, 1e-10);
  EXPECT_NEAR(dsr->probabilistic_sharpe, 0.9487491782043321, 1e-10);
  EXPECT_NEAR(dsr->skewness, -0.006672200609842509, 1e-10);
  EXPECT_NEAR(dsr->kurtosis, 1.7556284285545902, 1e-10);
}

TEST(DeflatedSharpe, MoreTrialsDeflateMore) {
  core::Rng rng(7);
  std::vector<double> r;
  for (int t = 0; t < 1000; ++t) r.push_back(0.0005 + 0.01 * rng.normal());
  std::vector<double> few{0.0, 0.02, 0.04}, many;
  for (int k = 0; k < 200; ++k) many.push_back(0.04 * (k / 199.0));
  const double dsr_few = deflated_sharpe_ratio(r, few)->deflated_sharpe;
  const double dsr_many = deflated_sharpe_ratio(r, many)->deflated_sharpe;
  EXPECT_GT(dsr_few, dsr_many);
  EXPECT_FALSE(deflated_sharpe_ratio(r, std::vector<double>{0.1}).has_value());
}

std::vector<std::vector<double>> noise_runs(int runs, int days, double skill_of_run0, std::uint64_t seed) {
  std::vector<std::vector<double>> out(static_cast<std::size_t>(runs));
  for (int k = 0; k < runs; ++k) {
    core::Rng rng = core::Rng::for_stream(seed, static_cast<std::uint64_t>(k));
    for (int t = 0; t < days; ++t) out[static_cast<std::size_t>(k)].push_back((k == 0 ? skill_of_run0 : 0.0) + 0.01 * rng.normal());
  }
  return out;
}

TEST(ProbabilityOfBacktestOverfitting, PureNoiseIsAboutOneHalf) {
  auto pbo = probability_of_backtest_overfitting(noise_runs(30, 1600, 0.0, 1), 10);
  ASSERT_TRUE(pbo.has_value());
  EXPECT_EQ(pbo->combinations, 252u);  // C(10, 5)
  EXPECT_GT(pbo->pbo, 0.25);
  EXPECT_LT(pbo->pbo, 0.75);
}

TEST(ProbabilityOfBacktestOverfitting, GenuineSkillIsNotOverfit) {
  auto pbo = probability_of_backtest_overfitting(noise_runs(30, 1600, 0.004, 2), 10);
  ASSERT_TRUE(pbo.has_value());
  EXPECT_LT(pbo->pbo, 0.05);
  EXPECT_LT(pbo->probability_of_loss, 0.05);
}

TEST(ProbabilityOfBacktestOverfitting, RejectsBadInput) {
  EXPECT_FALSE(probability_of_backtest_overfitting(noise_runs(1, 100, 0, 1), 4).has_value());
  EXPECT_FALSE(probability_of_backtest_overfitting(noise_runs(3, 100, 0, 1), 5).has_value());
  auto ragged = noise_runs(3, 100, 0, 1);
  ragged[1].pop_back();
  EXPECT_FALSE(probability_of_backtest_overfitting(ragged, 4).has_value());
}

}  // namespace
}  // namespace kestrel::analysis
