#include <gtest/gtest.h>

#include <cmath>

#include "server/prediction_outcomes.hpp"

namespace kestrel::server {
namespace {

// Four tickers over four days; ticker k's close grows by (k+1)% a day, except on the third day
// when the order reverses.
store::Panel market() {
  std::vector<store::TickerSeries> series;
  const core::Date start = core::Date::from_ymd(2020, 1, 6);
  for (int k = 0; k < 4; ++k) {
    store::TickerSeries s;
    s.symbol = std::string(1, static_cast<char>('A' + k));
    double close = 100;
    for (int d = 0; d < 4; ++d) {
      store::Bar bar{};
      bar.date = start + d;
      bar.open = bar.high = bar.low = bar.close = bar.adj_close = close;
      bar.volume = 1000;
      s.bars.push_back(bar);
      close *= d == 1 ? 1 + 0.01 * (4 - k) : 1 + 0.01 * (k + 1);
    }
    series.push_back(std::move(s));
  }
  return store::Panel::build(series);
}

std::vector<store::JournalPrediction> scores(core::Date date, const std::string& model, std::vector<double> by_ticker) {
  std::vector<store::JournalPrediction> out;
  for (std::size_t k = 0; k < by_ticker.size(); ++k) {
    out.push_back({.date = date, .ticker = std::string(1, static_cast<char>('A' + k)), .score = by_ticker[k], .model = model});
  }
  return out;
}

TEST(PredictionOutcomes, HitsAreSidesOfTheDaysMediansAndPendingDaysAreNotMisses) {
  const store::Panel panel = market();
  const core::Date d0 = core::Date::from_ymd(2020, 1, 6);
  std::vector<store::JournalPrediction> p;
  for (auto& x : scores(d0, "good", {0.1, 0.2, 0.3, 0.4})) p.push_back(x);      // right order: 4 hits
  for (auto& x : scores(d0 + 1, "good", {0.1, 0.2, 0.3, 0.4})) p.push_back(x);  // the reversal: 0 hits
  for (auto& x : scores(d0 + 2, "good", {0.1, 0.2, 0.3, 0.4})) p.push_back(x);  // 4 hits
  for (auto& x : scores(d0 + 3, "good", {0.1, 0.2, 0.3, 0.4})) p.push_back(x);  // no next session yet
  const auto outcomes = prediction_outcomes(p, panel, 2);
  ASSERT_EQ(outcomes.size(), 1u);
  const ModelOutcomes& m = outcomes[0];
  EXPECT_EQ(m.model, "good");
  EXPECT_EQ(m.predictions, 16u);
  EXPECT_EQ(m.scored, 12u);
  EXPECT_EQ(m.hits, 8u);
  EXPECT_DOUBLE_EQ(m.hit_rate, 8.0 / 12.0);
  EXPECT_EQ(m.pending_days, 1u);
  ASSERT_EQ(m.daily_hit_rate.size(), 3u);
  EXPECT_DOUBLE_EQ(m.daily_hit_rate[0], 1.0);
  EXPECT_DOUBLE_EQ(m.daily_hit_rate[1], 0.0);
  EXPECT_DOUBLE_EQ(m.rolling_hit_rate[1], 0.5);  // window 2
  EXPECT_DOUBLE_EQ(m.rolling_hit_rate[2], 0.5);
  EXPECT_NEAR(m.mean_rank_ic, (1.0 - 1.0 + 1.0) / 3.0, 1e-12);  // Spearman +1, -1, +1
}

TEST(PredictionOutcomes, ModelsAreSeparateAndTiesWithTheMedianAreNotCounted) {
  const store::Panel panel = market();
  const core::Date d0 = core::Date::from_ymd(2020, 1, 6);
  std::vector<store::JournalPrediction> p = scores(d0, "a", {0.4, 0.3, 0.2, 0.1});   // reversed: 0 hits
  for (auto& x : scores(d0, "b", {0.5, 0.5, 0.5, 0.9})) p.push_back(x);  // median 0.5: only D counts
  const auto outcomes = prediction_outcomes(p, panel);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].hits, 0u);
  EXPECT_EQ(outcomes[0].scored, 4u);
  EXPECT_NEAR(outcomes[0].mean_rank_ic, -1.0, 1e-12);
  EXPECT_EQ(outcomes[1].scored, 1u);
  EXPECT_EQ(outcomes[1].hits, 1u);
}

TEST(PredictionOutcomes, TickersOrDatesOutsideTheDataAreSkipped) {
  const store::Panel panel = market();
  std::vector<store::JournalPrediction> p = {
      {.date = core::Date::from_ymd(2020, 1, 6), .ticker = "ZZZ", .score = 1, .model = "m"},
      {.date = core::Date::from_ymd(2019, 1, 1), .ticker = "A", .score = 1, .model = "m"}};
  const auto outcomes = prediction_outcomes(p, panel);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].scored, 0u);
  EXPECT_TRUE(std::isnan(outcomes[0].hit_rate));
}

}  // namespace
}  // namespace kestrel::server
