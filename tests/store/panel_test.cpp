#include "store/panel.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace kestrel::store {
namespace {

using core::Date;

Date day(const char* text) { return *Date::parse(text); }

Bar bar(const char* date, double close, double adj_close, double volume) {
  return {day(date), close - 1, close + 1, close - 2, close, adj_close, volume};
}

// AAA: four days with a 2-for-1 split on 2020-01-06 (raw close halves) and a 0.5 dividend on
// 2020-01-03. BBB: starts later and skips 2020-01-06, so the panel has NaN holes.
std::vector<TickerSeries> two_tickers() {
  TickerSeries a{"AAA", "Tech", {}, {}};
  a.bars = {bar("2020-01-02", 100, 50, 1000), bar("2020-01-03", 102, 51, 1100),
            bar("2020-01-06", 52, 52, 2400), bar("2020-01-07", 53, 53, 2500)};
  a.actions = {{day("2020-01-03"), 0.5, 1}, {day("2020-01-06"), 0, 2}};
  TickerSeries b{"BBB", "Energy", {}, {}};
  b.bars = {bar("2020-01-03", 10, 10, 7), bar("2020-01-07", 11, 11, 8)};
  return {a, b};
}

TEST(Panel, BuildsTheUnionOfDatesInFieldTickerDateLayout) {
  const Panel p = Panel::build(two_tickers());
  ASSERT_EQ(p.num_dates(), 4u);
  ASSERT_EQ(p.num_tickers(), 2u);
  EXPECT_EQ(p.dates()[0], day("2020-01-02"));
  EXPECT_EQ(p.dates()[3], day("2020-01-07"));
  EXPECT_EQ(p.tickers(), (std::vector<std::string>{"AAA", "BBB"}));
  EXPECT_EQ(p.sectors(), (std::vector<std::string>{"Tech", "Energy"}));

  // One ticker's history of one field is contiguous, fields outermost.
  const double* base = p.series(Field::Open, 0).data();
  EXPECT_EQ(p.series(Field::Close, 1).data(), base + (3 * 2 + 1) * 4);
  EXPECT_DOUBLE_EQ(p.value(Field::Open, 0, 0), 99);
  EXPECT_DOUBLE_EQ(p.value(Field::High, 0, 1), 103);
  EXPECT_DOUBLE_EQ(p.value(Field::Low, 0, 2), 50);
  EXPECT_DOUBLE_EQ(p.value(Field::AdjClose, 0, 0), 50);
  EXPECT_DOUBLE_EQ(p.value(Field::Volume, 1, 3), 8);
  EXPECT_DOUBLE_EQ(p.value(Field::Close, 1, 1), 10);
}

TEST(Panel, MissingBarsAreNaNInEveryField) {
  const Panel p = Panel::build(two_tickers());
  for (std::size_t f = 0; f < kFieldCount; ++f) {
    EXPECT_TRUE(std::isnan(p.value(static_cast<Field>(f), 1, 0))) << to_string(static_cast<Field>(f));
    EXPECT_TRUE(std::isnan(p.value(static_cast<Field>(f), 1, 2))) << to_string(static_cast<Field>(f));
  }
  EXPECT_FALSE(p.has_bar(1, 0));
  EXPECT_TRUE(p.has_bar(1, 1));
  EXPECT_FALSE(p.has_bar(1, 2));
  EXPECT_DOUBLE_EQ(p.value(Field::Dividend, 1, 1), 0) << "a bar without a dividend has 0, not NaN";
}

TEST(Panel, SplitFactorAndAdjustedValuesOnATwoForOneSplit) {
  const Panel p = Panel::build(two_tickers());
  // Before the split day a raw share is two of today's shares.
  EXPECT_DOUBLE_EQ(p.value(Field::SplitFactor, 0, 0), 2);
  EXPECT_DOUBLE_EQ(p.value(Field::SplitFactor, 0, 1), 2);
  EXPECT_DOUBLE_EQ(p.value(Field::SplitFactor, 0, 2), 1);
  EXPECT_DOUBLE_EQ(p.value(Field::SplitFactor, 0, 3), 1);
  EXPECT_DOUBLE_EQ(p.value(Field::SplitFactor, 1, 1), 1);

  // Raw price / SplitFactor is continuous across the split; so is the adjusted close.
  EXPECT_DOUBLE_EQ(p.value(Field::Close, 0, 1) / p.value(Field::SplitFactor, 0, 1), 51);
  EXPECT_DOUBLE_EQ(p.adjusted(Field::Close, 0, 1), 51);
  EXPECT_DOUBLE_EQ(p.adjusted(Field::Open, 0, 1), 101 * 0.5);
  EXPECT_DOUBLE_EQ(p.adjusted(Field::High, 0, 0), 101 * 0.5);
  EXPECT_DOUBLE_EQ(p.adjusted(Field::Low, 0, 2), 50);
  EXPECT_DOUBLE_EQ(p.adjusted(Field::Volume, 0, 0), 2000);
  EXPECT_DOUBLE_EQ(p.adjusted(Field::Volume, 0, 3), 2500);
  EXPECT_DOUBLE_EQ(p.adjusted(Field::Dividend, 0, 1), 0.5);
  EXPECT_DOUBLE_EQ(p.adjusted(Field::AdjClose, 0, 2), 52);
  EXPECT_TRUE(std::isnan(p.adjusted(Field::Close, 1, 0)));

  EXPECT_DOUBLE_EQ(p.value(Field::Dividend, 0, 0), 0);
  EXPECT_DOUBLE_EQ(p.value(Field::Dividend, 0, 1), 0.5);
  EXPECT_DOUBLE_EQ(p.value(Field::Dividend, 0, 2), 0);
}

TEST(Panel, ADividendOnADayWithoutABarLandsOnTheNextBar) {
  auto series = two_tickers();
  series[1].actions = {{day("2020-01-06"), 0.25, 1}};
  const Panel p = Panel::build(series);
  EXPECT_TRUE(std::isnan(p.value(Field::Dividend, 1, 2)));
  EXPECT_DOUBLE_EQ(p.value(Field::Dividend, 1, 3), 0.25);
}

TEST(Panel, LooksUpTickersAndDates) {
  const Panel p = Panel::build(two_tickers());
  EXPECT_EQ(p.ticker_index("BBB"), 1u);
  EXPECT_EQ(p.ticker_index("AAA"), 0u);
  EXPECT_FALSE(p.ticker_index("CCC"));
  EXPECT_FALSE(p.ticker_index(""));

  EXPECT_EQ(p.date_index(day("2020-01-06")), 2u);
  EXPECT_FALSE(p.date_index(day("2020-01-04")));
  EXPECT_EQ(p.date_index_at_or_before(day("2020-01-04")), 1u);  // a Saturday: Friday's index
  EXPECT_EQ(p.date_index_at_or_before(day("2020-01-02")), 0u);
  EXPECT_FALSE(p.date_index_at_or_before(day("2020-01-01")));
  EXPECT_EQ(p.date_index_at_or_before(day("2030-01-01")), 3u);
}

TEST(Panel, ViewNeverExposesTheFuture) {
  const Panel p = Panel::build(two_tickers());
  const PanelView v = p.as_of(1);
  EXPECT_EQ(v.today(), 1u);
  EXPECT_EQ(v.date(), day("2020-01-03"));
  EXPECT_DOUBLE_EQ(v.value(Field::Close, 0), 102);
  EXPECT_DOUBLE_EQ(v.value(Field::Close, 0, 1), 100);
  EXPECT_TRUE(std::isnan(v.value(Field::Close, 0, 2))) << "before the first date";
  EXPECT_TRUE(std::isnan(v.adjusted(Field::Close, 0, 2)));
  EXPECT_DOUBLE_EQ(v.adjusted(Field::Close, 0, 1), 50);

  const auto h = v.history(Field::Close, 0, 3);
  ASSERT_EQ(h.size(), 2u) << "clipped at the start of the panel";
  EXPECT_DOUBLE_EQ(h[0], 100);
  EXPECT_DOUBLE_EQ(h.back(), 102) << "history ends at t";
  EXPECT_EQ(h.data() + h.size(), p.series(Field::Close, 0).data() + 2);

  const auto one = p.as_of(3).history(Field::Volume, 1, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_DOUBLE_EQ(one[0], 8);
  EXPECT_TRUE(p.as_of(3).history(Field::Volume, 1, 0).empty());
}

TEST(Panel, CopiesShareTheArraysAndOutliveTheOriginal) {
  std::optional<Panel> original = Panel::build(two_tickers());
  const Panel copy = *original;
  const double* data = original->series(Field::Close, 0).data();
  original.reset();
  EXPECT_EQ(copy.series(Field::Close, 0).data(), data);
  EXPECT_DOUBLE_EQ(copy.value(Field::Close, 0, 3), 53);
  EXPECT_EQ(copy.ticker_index("BBB"), 1u);
}

TEST(Panel, EmptyInputGivesAnEmptyPanel) {
  const Panel p = Panel::build({});
  EXPECT_EQ(p.num_dates(), 0u);
  EXPECT_EQ(p.num_tickers(), 0u);
  EXPECT_FALSE(p.date_index_at_or_before(day("2020-01-01")));
}

}  // namespace
}  // namespace kestrel::store
