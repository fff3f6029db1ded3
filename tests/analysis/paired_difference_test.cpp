// The A/B test of two books: the Newey-West error worked out by hand on five days, the lag
// rule, identical books, and missing days.
#include "analysis/paired_difference.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.hpp"

namespace kestrel::analysis {
namespace {

// d = b - a = {1, 3, -1, 2, 0}%: mean 1%, deviations {0, 2, -2, 1, -1}%; lags floor(4 *
// 0.05^(2/9)) = 2; autocovariances (divided by n) 2e-4, -1.4e-4, 0.8e-4; long-run variance
// 2e-4 + 2 (2/3)(-1.4e-4) + 2 (1/3)(0.8e-4) = 6.6667e-5; error sqrt(6.6667e-5 / 5).
TEST(PairedDifference, NeweyWestErrorMatchesTheHandComputation) {
  const std::vector<double> a(5, 0.0);
  const std::vector<double> b = {0.01, 0.03, -0.01, 0.02, 0.00};
  const auto r = paired_difference(a, b);
  EXPECT_EQ(r.days, 5u);
  EXPECT_EQ(r.lags, 2u);
  EXPECT_NEAR(r.mean, 0.01, 1e-15);
  const double se = std::sqrt((2e-4 - 2.0 * 2 / 3 * 1.4e-4 + 2.0 / 3 * 0.8e-4) / 5);
  EXPECT_NEAR(r.standard_error, se, 1e-12);
  EXPECT_NEAR(r.t, 0.01 / se, 1e-9);
  EXPECT_NEAR(r.p_value, 0.006169, 2e-6);  // 2 (1 - Phi(2.7386))
  EXPECT_NEAR(r.annual_mean, 2.52, 1e-12);
  EXPECT_NEAR(r.annual_low, 252 * (0.01 - 1.959963984540054 * se), 1e-9);
  EXPECT_NEAR(r.annual_high, 252 * (0.01 + 1.959963984540054 * se), 1e-9);
  EXPECT_NEAR(r.annual_detectable, 252 * (1.959963984540054 + 0.8416212335729143) * se, 1e-9);
  // Swapping the books flips the sign, not the evidence.
  const auto swapped = paired_difference(b, a);
  EXPECT_NEAR(swapped.mean, -0.01, 1e-15);
  EXPECT_NEAR(swapped.p_value, r.p_value, 1e-12);
}

TEST(PairedDifference, LagsGrowWithTheSampleAsTheRuleSays) {
  core::Rng rng(1);
  std::vector<double> a(1000), b(1000);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = 0.01 * rng.normal();
    b[i] = a[i] + 0.001 * rng.normal();
  }
  EXPECT_EQ(paired_difference(std::span(a).first(100), std::span(b).first(100)).lags, 4u);
  EXPECT_EQ(paired_difference(std::span(a).first(252), std::span(b).first(252)).lags, 4u);  // 4 * 2.52^(2/9) = 4.92
  EXPECT_EQ(paired_difference(a, b).lags, 6u);  // 4 * 10^(2/9) = 6.69
  // Shared market moves cancel: the error is that of the 0.1% differences, not the 1% returns.
  const auto r = paired_difference(a, b);
  EXPECT_LT(r.standard_error, 0.0001);
  EXPECT_GT(r.p_value, 0.001);  // no true difference
}

TEST(PairedDifference, IdenticalBooksAreNoDifferenceAndMissingDaysAreSkipped) {
  const std::vector<double> a = {0.01, -0.02, 0.005, 0.0};
  const auto same = paired_difference(a, a);
  EXPECT_EQ(same.mean, 0.0);
  EXPECT_EQ(same.p_value, 1.0);
  const std::vector<double> b = {0.02, std::nan(""), 0.015, 0.01};
  const auto gaps = paired_difference(a, b);
  EXPECT_EQ(gaps.days, 3u);
  EXPECT_NEAR(gaps.mean, 0.01, 1e-15);
  EXPECT_EQ(gaps.p_value, 0.0);  // 1% better on every day: no noise at all
  EXPECT_TRUE(std::isnan(paired_difference(std::span(a).first(1), std::span(b).first(1)).mean));
}

}  // namespace
}  // namespace kestrel::analysis
