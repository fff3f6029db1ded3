// Which names the signal strategies hold: the top k, or with a hold band the names already held
// while they stay within k + band, the freed places going to the best names not held.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "strategy/signal_strategy.hpp"

namespace kestrel::strategy {
namespace {

// Scores for instruments 0..n-1: instrument i scores `scores[i]`.
std::vector<Prediction> day(const std::vector<double>& scores) {
  std::vector<Prediction> out;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    out.push_back({.date = core::Date::from_ymd(2024, 1, 2), .instrument = static_cast<std::uint32_t>(i), .score = scores[i]});
  }
  return out;
}

std::vector<InstrumentId> longs(const std::vector<TargetWeight>& targets) {
  std::vector<InstrumentId> out;
  for (const auto& t : targets) {
    if (t.weight > 0) out.push_back(t.instrument);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Ranks by score: 5 (0.9), 4 (0.8), 3 (0.7), 2 (0.6), 1 (0.5), 0 (0.4).
const std::vector<double> kScores{0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

TEST(SignalTargets, WithoutABandTheTopKWhateverIsHeld) {
  auto today = day(kScores);
  std::vector<TargetWeight> targets;
  const std::vector<InstrumentId> held{1, 2};
  signal_targets(today, {.top_k = 2, .gross = 1.0}, held, {}, targets);
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{4, 5}));
  for (const auto& t : targets) EXPECT_DOUBLE_EQ(t.weight, 0.5);
}

TEST(SignalTargets, AHeldNameStaysWhileWithinTheBandAndTheRestGoToTheBestNotHeld) {
  std::vector<TargetWeight> targets;
  // Holding 3 (rank 3) and 1 (rank 5); k = 2, band = 2: 3 is within rank 4 and stays, 1 is out
  // of the band and goes; its place goes to the best name not held, 5.
  auto today = day(kScores);
  signal_targets(today, {.top_k = 2, .gross = 1.0, .hold_band = 2}, std::vector<InstrumentId>{1, 3}, {}, targets);
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{3, 5}));
  // Band 1 keeps down to rank 3: instrument 3 still stays, instrument 2 (rank 4) would not.
  today = day(kScores);
  signal_targets(today, {.top_k = 2, .gross = 1.0, .hold_band = 1}, std::vector<InstrumentId>{1, 3}, {}, targets);
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{3, 5}));
  today = day(kScores);
  signal_targets(today, {.top_k = 2, .gross = 1.0, .hold_band = 1}, std::vector<InstrumentId>{1, 2}, {}, targets);
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{4, 5}));
  // Nothing held: the top k.
  today = day(kScores);
  signal_targets(today, {.top_k = 2, .gross = 1.0, .hold_band = 3}, {}, {}, targets);
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{4, 5}));
  // More held names within the band than places: the best ranked of them.
  today = day(kScores);
  signal_targets(today, {.top_k = 2, .gross = 1.0, .hold_band = 4}, std::vector<InstrumentId>{1, 2, 3}, {}, targets);
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{2, 3}));
}

TEST(SignalTargets, APositionWithinTheMinimumHoldingPeriodIsKeptWhateverItsRank) {
  std::vector<TargetWeight> targets;
  // Holding 0 (ranked last) and 1 (next to last); only 0 is still young. k = 2, no band: 0
  // keeps its place at its size, 1 goes, and the other place goes to the best name, 5.
  auto today = day(kScores);
  signal_targets(today, {.top_k = 2, .gross = 1.0, .min_hold_days = 5}, std::vector<InstrumentId>{0, 1}, {}, targets,
                 std::vector<InstrumentId>{0});
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{0, 5}));
  for (const auto& t : targets) EXPECT_EQ(t.hold, t.instrument == 0) << t.instrument;
  // With a band as well: the young name first, then held names within the band.
  today = day(kScores);
  signal_targets(today, {.top_k = 2, .gross = 1.0, .hold_band = 3, .min_hold_days = 5}, std::vector<InstrumentId>{0, 2},
                 {}, targets, std::vector<InstrumentId>{0});
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{0, 2}));
  // More young names than places: all are kept (a minimum holding period is a rule, not a wish).
  today = day(kScores);
  signal_targets(today, {.top_k = 1, .gross = 1.0, .min_hold_days = 5}, std::vector<InstrumentId>{0, 1}, {}, targets,
                 std::vector<InstrumentId>{0, 1});
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{0, 1}));
  // A young name with no score today (no bar) is kept too.
  today = day({0.4, 0.5, 0.6});
  signal_targets(today, {.top_k = 2, .gross = 1.0, .min_hold_days = 5}, std::vector<InstrumentId>{9}, {}, targets,
                 std::vector<InstrumentId>{9});
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{1, 2, 9}));
}

TEST(SignalTargets, YoungPositionsCountTheOpeningSession) {
  portfolio::Portfolio book(4, {});
  std::vector<portfolio::RoundTrip> closed;
  const auto day0 = core::Date::from_ymd(2024, 1, 2);
  ASSERT_TRUE(book.apply_fill(1, 10, core::Price::round(10.0), {}, day0, 10, closed));
  ASSERT_TRUE(book.apply_fill(3, 10, core::Price::round(10.0), {}, day0, 11, closed));
  std::vector<InstrumentId> young;
  // At session 14: instrument 1 has been held 5 sessions (10..14), instrument 3 four.
  young_positions(book, 14, 5, young);
  EXPECT_EQ(young, (std::vector<InstrumentId>{3}));
  young_positions(book, 15, 5, young);
  EXPECT_TRUE(young.empty());
  young_positions(book, 11, 0, young);
  EXPECT_TRUE(young.empty());
}

TEST(SignalTargets, LongShortBandsEachSide) {
  std::vector<TargetWeight> targets;
  auto today = day(kScores);
  // Short 1 held (second from the bottom), band 1: stays; the other short place is 0.
  signal_targets(today, {.top_k = 2, .long_short = true, .gross = 1.0, .hold_band = 1}, {}, std::vector<InstrumentId>{1},
                 targets);
  std::vector<InstrumentId> shorts;
  for (const auto& t : targets) {
    if (t.weight < 0) {
      shorts.push_back(t.instrument);
      EXPECT_DOUBLE_EQ(t.weight, -0.25);
    }
  }
  std::sort(shorts.begin(), shorts.end());
  EXPECT_EQ(shorts, (std::vector<InstrumentId>{0, 1}));
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{4, 5}));
}

// Which targets keep their size (no resizing trade).
std::vector<InstrumentId> holds(const std::vector<TargetWeight>& targets) {
  std::vector<InstrumentId> out;
  for (const auto& t : targets) {
    if (t.hold) out.push_back(t.instrument);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SignalTargets, AHeldNameIsReplacedOnlyWhenTheNewcomerScoresMoreThanTheCostHigher) {
  std::vector<TargetWeight> targets;
  const std::vector<InstrumentId> held{1, 2};  // scores 0.5 and 0.6; the top two are 5 (0.9) and 4 (0.8)
  auto with_gain = [&](double min_gain) {
    auto today = day(kScores);
    signal_targets(today, {.top_k = 2, .gross = 1.0, .min_gain = min_gain}, held, {}, targets);
    return longs(targets);
  };
  EXPECT_EQ(with_gain(0), (std::vector<InstrumentId>{4, 5}));    // off: the top k
  EXPECT_EQ(with_gain(0.1), (std::vector<InstrumentId>{4, 5}));  // 4 beats 2 by 0.2, 5 beats 1 by 0.4
  // 4 beats 2 by only 0.2: 2 stays, at its size; 5 still beats 1 (0.4) and takes its place.
  EXPECT_EQ(with_gain(0.25), (std::vector<InstrumentId>{2, 5}));
  EXPECT_EQ(holds(targets), (std::vector<InstrumentId>{2}));
  EXPECT_EQ(with_gain(0.45), (std::vector<InstrumentId>{1, 2}));  // nothing is worth the cost
  EXPECT_EQ(holds(targets), (std::vector<InstrumentId>{1, 2}));
  // Exactly the cost is not worth it: the gain must beat it.
  EXPECT_EQ(with_gain(0.4), (std::vector<InstrumentId>{1, 2}));
  // Nothing held: nothing to keep.
  auto today = day(kScores);
  signal_targets(today, {.top_k = 2, .gross = 1.0, .min_gain = 0.45}, {}, {}, targets);
  EXPECT_EQ(longs(targets), (std::vector<InstrumentId>{4, 5}));
  EXPECT_TRUE(holds(targets).empty());
}

TEST(SignalTargets, TheCostGateOnShortsComparesLowerScores) {
  std::vector<TargetWeight> targets;
  auto shorts_with_gain = [&](double min_gain) {
    auto today = day(kScores);
    signal_targets(today, {.top_k = 1, .long_short = true, .gross = 1.0, .min_gain = min_gain}, {},
                   std::vector<InstrumentId>{1}, targets);
    std::vector<InstrumentId> out;
    for (const auto& t : targets) {
      if (t.weight < 0) out.push_back(t.instrument);
    }
    return out;
  };
  EXPECT_EQ(shorts_with_gain(0.05), std::vector<InstrumentId>{0});  // 0 (0.4) is 0.1 lower than the held 1 (0.5)
  EXPECT_EQ(shorts_with_gain(0.15), std::vector<InstrumentId>{1});  // not worth a round trip
  EXPECT_EQ(holds(targets), std::vector<InstrumentId>{1});
  EXPECT_EQ(longs(targets), std::vector<InstrumentId>{5});
}

TEST(SignalTargets, RebalanceEveryMustBePositive) {
  EXPECT_FALSE(check_signal_params({.top_k = 2, .rebalance_every = 0}));
  EXPECT_TRUE(check_signal_params({.top_k = 2, .rebalance_every = 5}));
  EXPECT_FALSE(check_signal_params({.top_k = 2, .min_gain = -0.001}));
  EXPECT_FALSE(check_signal_params({.top_k = 2, .min_gain = std::nan("")}));
}

}  // namespace
}  // namespace kestrel::strategy
