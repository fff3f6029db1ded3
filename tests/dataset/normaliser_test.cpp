#include "dataset/normaliser.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "test_data.hpp"

namespace kestrel::dataset {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

features::FeatureMatrix two_ticker_matrix() {
  const auto panel = testing::panel_from_closes({std::vector<double>(20, 1.0), std::vector<double>(20, 1.0)});
  return testing::indexed_matrix(panel, 3);
}

// Overwrites every value of every feature at dates >= from with `poison`.
void poison_after(features::FeatureMatrix& m, std::size_t from, float poison) {
  for (std::size_t f = 0; f < m.num_features(); ++f) {
    for (std::size_t i = 0; i < m.num_tickers(); ++i) {
      auto s = m.series(f, i);
      for (std::size_t t = from; t < s.size(); ++t) s[t] = poison;
    }
  }
}

TEST(Normaliser, ZScoreParametersByHand) {
  const auto m = two_ticker_matrix();
  // Feature 0 over dates [0,4): ticker 0 -> 0,1,2,3; ticker 1 -> 10,11,12,13.
  const auto n = Normaliser::fit(NormaliserKind::ZScore, m, {0, 4});
  EXPECT_DOUBLE_EQ(n.center()[0], 6.5);
  EXPECT_NEAR(n.scale()[0], std::sqrt(26.25), 1e-9);  // population std of the 8 values
  EXPECT_DOUBLE_EQ(n.center()[1], 1006.5);
  EXPECT_NEAR(n.transform(0, 6.5f), 0.0f, 1e-6);
}

TEST(Normaliser, RobustUsesMedianAndIqr) {
  auto m = two_ticker_matrix();
  m.series(0, 1)[3] = 1e9f;  // an outlier barely moves the robust fit
  const auto n = Normaliser::fit(NormaliserKind::Robust, m, {0, 4});
  // Sorted: 0,1,2,3,10,11,12,1e9 -> median 6.5, p25 = 1.75, p75 = 11.25.
  EXPECT_DOUBLE_EQ(n.center()[0], 6.5);
  EXPECT_DOUBLE_EQ(n.scale()[0], 9.5);
}

TEST(Normaliser, FittingNeverReadsOutsideTheTrainingWindow) {
  for (auto kind : {NormaliserKind::ZScore, NormaliserKind::Robust}) {
    const auto clean = two_ticker_matrix();
    auto poisoned = clean;
    poison_after(poisoned, 8, 1e30f);
    // Rows before the window are poisoned too: the window is [2, 8).
    for (std::size_t i = 0; i < 2; ++i) {
      poisoned.series(0, i)[0] = -1e30f;
      poisoned.series(0, i)[1] = kNaN;
    }
    const auto a = Normaliser::fit(kind, clean, {2, 8});
    const auto b = Normaliser::fit(kind, poisoned, {2, 8});
    EXPECT_EQ(a.center(), b.center()) << to_string(kind);
    EXPECT_EQ(a.scale(), b.scale()) << to_string(kind);
    const auto c = Normaliser::fit(kind, poisoned, {2, 9});  // the poison is visible once inside
    EXPECT_TRUE(a.center() != c.center() || a.scale() != c.scale()) << to_string(kind);
  }
}

TEST(Normaliser, NaNStaysNaNAndConstantFeaturesGetUnitScale) {
  auto m = two_ticker_matrix();
  for (std::size_t i = 0; i < 2; ++i) {
    for (float& x : m.series(2, i)) x = 5.0f;
  }
  m.series(1, 0)[3] = kNaN;
  const auto n = Normaliser::fit(NormaliserKind::ZScore, m, {0, 10}, /*clip=*/3.0f);
  EXPECT_DOUBLE_EQ(n.scale()[2], 1.0);
  ASSERT_TRUE(n.apply(m));
  EXPECT_TRUE(std::isnan(m.at(1, 0, 3)));
  EXPECT_FLOAT_EQ(m.at(2, 1, 7), 0.0f);
  EXPECT_FLOAT_EQ(m.at(0, 1, 19), 3.0f);  // clipped: (29 - 9.5) / 5.77 > 3
}

TEST(Normaliser, CrossSectionalRankPerDate) {
  const auto panel = testing::panel_from_closes({{1, 1}, {1, 1}, {1, 1}, {1, 1}});
  auto m = testing::indexed_matrix(panel, 1);
  m.series(0, 0)[0] = 5;
  m.series(0, 1)[0] = 1;
  m.series(0, 2)[0] = 5;
  m.series(0, 3)[0] = kNaN;
  const auto n = Normaliser::fit(NormaliserKind::CrossSectionalRank, m, {0, 1});
  ASSERT_TRUE(n.apply(m));
  EXPECT_FLOAT_EQ(m.at(0, 1, 0), -1.0f);  // lowest of 3
  EXPECT_FLOAT_EQ(m.at(0, 0, 0), 0.5f);   // tied for ranks 1 and 2 -> 1.5 -> 2*1.5/2-1
  EXPECT_FLOAT_EQ(m.at(0, 2, 0), 0.5f);
  EXPECT_TRUE(std::isnan(m.at(0, 3, 0)));
  EXPECT_FLOAT_EQ(m.at(0, 3, 1), 1.0f);  // date 1: 1, 11, 21, 31
}

TEST(Normaliser, JsonRoundTripAndNameCheck) {
  auto m = two_ticker_matrix();
  const auto n = Normaliser::fit(NormaliserKind::Robust, m, {0, 12}, 4.0f);
  const auto back = Normaliser::from_json(n.to_json());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->kind(), NormaliserKind::Robust);
  EXPECT_EQ(back->names(), n.names());
  EXPECT_EQ(back->center(), n.center());
  EXPECT_EQ(back->scale(), n.scale());
  EXPECT_EQ(back->clip(), 4.0f);
  m.names[1] = "renamed";
  EXPECT_FALSE(back->apply(m));
  EXPECT_FALSE(Normaliser::from_json("{\"kind\": \"zscore\"}"));
  EXPECT_FALSE(Normaliser::from_json("not json"));
}

}  // namespace
}  // namespace kestrel::dataset
