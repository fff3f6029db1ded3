#include "dataset/feature_summary.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace kestrel::dataset {
namespace {

// Quantile with linear interpolation on the sorted values: the definition the summary
// must reproduce while sorting nothing.
double sorted_quantile(std::vector<float> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  if (lo + 1 >= v.size()) return v[lo];
  return v[lo] + (pos - static_cast<double>(lo)) * (static_cast<double>(v[lo + 1]) - v[lo]);
}

TEST(FeatureSummary, QuantilesEqualThoseOfTheSortedValuesAndSkipMissingOnes) {
  features::FeatureMatrix m;
  m.names = {"noisy", "ties", "single"};
  m.tickers = {"A", "B", "C"};
  for (int t = 0; t < 337; ++t) m.dates.push_back(core::Date::from_days(10000 + t));
  const std::size_t cells = m.num_tickers() * m.num_dates();
  m.values.assign(m.num_features() * cells, std::numeric_limits<float>::quiet_NaN());
  std::mt19937 rng(5);
  std::normal_distribution<float> noise(0.0f, 3.0f);
  std::vector<std::vector<float>> present(3);
  for (std::size_t j = 0; j < cells; ++j) {
    if (j % 7 == 3) continue;  // missing cells
    m.values[j] = noise(rng);
    m.values[cells + j] = static_cast<float>(j % 5);  // many ties
    present[0].push_back(m.values[j]);
    present[1].push_back(m.values[cells + j]);
  }
  m.values[2 * cells + 17] = 4.5f;
  present[2].push_back(4.5f);

  const auto stats = summarise_features(m);
  ASSERT_EQ(stats.size(), 3u);
  for (std::size_t f = 0; f < 3; ++f) {
    const auto& v = present[f];
    EXPECT_EQ(stats[f].count, v.size()) << m.names[f];
    EXPECT_DOUBLE_EQ(stats[f].nan_share, 1.0 - static_cast<double>(v.size()) / static_cast<double>(cells));
    EXPECT_EQ(stats[f].min, *std::min_element(v.begin(), v.end())) << m.names[f];
    EXPECT_EQ(stats[f].max, *std::max_element(v.begin(), v.end())) << m.names[f];
    EXPECT_EQ(stats[f].p1, sorted_quantile(v, 0.01)) << m.names[f];
    EXPECT_EQ(stats[f].p50, sorted_quantile(v, 0.50)) << m.names[f];
    EXPECT_EQ(stats[f].p99, sorted_quantile(v, 0.99)) << m.names[f];
  }
  EXPECT_EQ(stats[1].p50, 2.0);
  EXPECT_EQ(stats[2].p1, 4.5);
}

}  // namespace
}  // namespace kestrel::dataset
