#include "dataset/labels.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_data.hpp"

namespace kestrel::dataset {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Labels, NextDayDirectionUsesTomorrowsCloseAndIsNaNWithoutIt) {
  // t:          0    1    2    3    4    5
  // A second ticker trades every day, so the panel has date 4 although T0 has no bar then.
  const auto panel = testing::panel_from_closes({{100, 101, 101, 99, kNaN, 100}, {1, 1, 1, 1, 1, 1}});
  const auto labels = make_labels(panel, {.kind = LabelKind::Direction, .horizon = 1});
  ASSERT_TRUE(labels) << labels.error().message;
  EXPECT_EQ(labels->name, "direction_1d");
  EXPECT_EQ(labels->horizon, 1u);
  EXPECT_EQ(labels->at(0, 0), 1.0f);             // 100 -> 101
  EXPECT_TRUE(std::isnan(labels->at(0, 1)));     // flat: inside the (zero) dead zone
  EXPECT_EQ(labels->at(0, 2), 0.0f);             // 101 -> 99
  EXPECT_TRUE(std::isnan(labels->at(0, 3)));     // tomorrow missing
  EXPECT_TRUE(std::isnan(labels->at(0, 4)));     // today missing
  EXPECT_TRUE(std::isnan(labels->at(0, 5)));     // past the panel's end
}

TEST(Labels, ForwardReturnOverKDays) {
  const auto panel = testing::panel_from_closes({{100, 110, 120, 90, 99}});
  const auto labels = make_labels(panel, {.kind = LabelKind::ForwardReturn, .horizon = 3});
  ASSERT_TRUE(labels);
  EXPECT_EQ(labels->name, "fwd_return_3d");
  EXPECT_FLOAT_EQ(labels->at(0, 0), -0.1f);   // 100 -> 90
  EXPECT_FLOAT_EQ(labels->at(0, 1), -0.1f);   // 110 -> 99
  EXPECT_TRUE(std::isnan(labels->at(0, 2)));  // t+3 is past the end
  EXPECT_TRUE(std::isnan(labels->at(0, 4)));
}

TEST(Labels, DeadZoneLeavesSmallMovesUnlabeledNotZero) {
  const auto panel = testing::panel_from_closes({{100, 100.5, 102, 101.9, 99}});
  const auto labels = make_labels(panel, {.kind = LabelKind::Direction, .horizon = 1, .dead_zone = 0.01});
  ASSERT_TRUE(labels);
  EXPECT_TRUE(std::isnan(labels->at(0, 0)));  // +0.5 %
  EXPECT_EQ(labels->at(0, 1), 1.0f);          // +1.5 %
  EXPECT_TRUE(std::isnan(labels->at(0, 2)));  // -0.1 %
  EXPECT_EQ(labels->at(0, 3), 0.0f);          // -2.8 %
}

TEST(Labels, OutperformanceIsBalancedAroundTheDailyMedian) {
  // Day 0 -> 1 returns: +1 %, +2 %, +3 %, +4 % (median 2.5 %). Day 1 -> 2: T3 has no bar.
  const auto panel = testing::panel_from_closes(
      {{100, 101, 100}, {100, 102, 100}, {100, 103, 110}, {100, 104, kNaN}});
  const auto labels = make_labels(panel, {.kind = LabelKind::Outperformance, .horizon = 1, .min_cross_section = 2});
  ASSERT_TRUE(labels);
  EXPECT_EQ(labels->at(0, 0), 0.0f);
  EXPECT_EQ(labels->at(1, 0), 0.0f);
  EXPECT_EQ(labels->at(2, 0), 1.0f);
  EXPECT_EQ(labels->at(3, 0), 1.0f);
  // Day 1: -0.99 %, -1.96 %, +6.8 %: median -0.99 % is T0 itself (excess 0: unlabeled).
  EXPECT_TRUE(std::isnan(labels->at(0, 1)));
  EXPECT_EQ(labels->at(1, 1), 0.0f);
  EXPECT_EQ(labels->at(2, 1), 1.0f);
  EXPECT_TRUE(std::isnan(labels->at(3, 1)));
}

TEST(Labels, ExcessOverTheBenchmarksOwnForwardReturn) {
  // T2 is the benchmark: +2 % over days 0..2 (horizon 2), then missing on day 3.
  //   T0: +5 % vs +2 %: beats it; day 1: 102 -> 101 = -0.98 % vs 101 -> 102 = +0.99 %: trails.
  //   T1: +1 % vs +2 %: trails (by 1 %, outside a 0.5 % dead zone); day 1: +1.96 % vs +0.99 %:
  //       beats by 0.97 %.
  const auto panel = testing::panel_from_closes(
      {{100, 102, 105, 101, 100}, {100, 102, 101, 104, 103}, {100, 101, 102, 102, kNaN}});
  const auto labels = make_labels(panel, {.kind = LabelKind::ExcessOverBenchmark, .horizon = 2, .dead_zone = 0.005,
                                          .benchmark = "T2"});
  ASSERT_TRUE(labels) << labels.error().message;
  EXPECT_EQ(labels->name, "excess_2d");
  EXPECT_TRUE(labels->is_classification());
  EXPECT_EQ(labels->at(0, 0), 1.0f);
  EXPECT_EQ(labels->at(1, 0), 0.0f);
  EXPECT_EQ(labels->at(0, 1), 0.0f);
  EXPECT_EQ(labels->at(1, 1), 1.0f);
  // Day 2 -> 4: the benchmark has no close on day 4, so there is no hurdle and no label.
  EXPECT_TRUE(std::isnan(labels->at(0, 2)));
  EXPECT_TRUE(std::isnan(labels->at(1, 2)));
  // The benchmark itself is not labeled; an unknown benchmark is an error.
  for (std::size_t t = 0; t < 5; ++t) EXPECT_TRUE(std::isnan(labels->at(2, t)));
  EXPECT_FALSE(make_labels(panel, {.kind = LabelKind::ExcessOverBenchmark, .horizon = 1, .benchmark = "SPY"}));
}

TEST(Labels, OutperformanceNeedsAMinimumCrossSection) {
  const auto panel = testing::panel_from_closes({{100, 101}, {100, 99}});
  const auto labels = make_labels(panel, {.kind = LabelKind::Outperformance, .horizon = 1, .min_cross_section = 3});
  ASSERT_TRUE(labels);
  EXPECT_TRUE(std::isnan(labels->at(0, 0)));
  EXPECT_TRUE(std::isnan(labels->at(1, 0)));
}

TEST(Labels, BenchmarkTickersAreInputsNotLabeled) {
  std::vector<store::TickerSeries> series(3);
  const double closes[3][2] = {{100, 101}, {100, 99}, {100, 150}};
  for (std::size_t i = 0; i < 3; ++i) {
    series[i].symbol = i == 2 ? "SPY" : fmt::format("T{}", i);
    series[i].sector = i == 2 ? "Benchmark" : "Tech";
    for (std::size_t t = 0; t < 2; ++t) {
      const double c = closes[i][t];
      series[i].bars.push_back({core::Date::from_ymd(2024, 1, 1) + static_cast<std::int32_t>(t), c, c, c, c, c, 1});
    }
  }
  const auto panel = store::Panel::build(series);
  const auto labels = make_labels(panel, {.kind = LabelKind::Outperformance, .horizon = 1, .min_cross_section = 2});
  ASSERT_TRUE(labels);
  EXPECT_TRUE(std::isnan(labels->at(2, 0)));
  EXPECT_EQ(labels->at(0, 0), 1.0f);  // the median of T0 and T1 only: SPY's +50 % is ignored
  EXPECT_EQ(labels->at(1, 0), 0.0f);
  const auto all = make_labels(panel, {.kind = LabelKind::Direction, .benchmark_sector = ""});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->at(2, 0), 1.0f);
}

TEST(Labels, RejectsBadOptions) {
  const auto panel = testing::panel_from_closes({{100, 101}});
  EXPECT_FALSE(make_labels(panel, {.horizon = 0}));
  EXPECT_FALSE(make_labels(panel, {.dead_zone = -0.1}));
  EXPECT_FALSE(make_labels(panel, {.kind = LabelKind::ForwardReturn, .dead_zone = 0.01}));
}

TEST(Labels, SampleDataOutperformanceClassesAreBalanced) {
  const auto panel = testing::sample_panel();
  const auto labels = make_labels(panel, {.kind = LabelKind::Outperformance, .horizon = 5});
  ASSERT_TRUE(labels);
  std::size_t ones = 0, zeros = 0;
  for (float v : labels->values) {
    if (v == 1.0f) ++ones;
    if (v == 0.0f) ++zeros;
  }
  ASSERT_GT(ones + zeros, 10000u);
  const double share = static_cast<double>(ones) / static_cast<double>(ones + zeros);
  EXPECT_NEAR(share, 0.5, 0.02);
}

}  // namespace
}  // namespace kestrel::dataset
