// Parsing of model predictions (date,ticker,score[,confidence]).
#include <gtest/gtest.h>

#include <cmath>

#include "strategy/predictions.hpp"

namespace kestrel::strategy {
namespace {

store::Panel two_tickers() {
  std::vector<store::TickerSeries> series;
  for (const char* name : {"A", "B"}) {
    store::TickerSeries s{.symbol = name, .sector = {}, .bars = {}, .actions = {}};
    s.bars.push_back({.date = core::Date::from_ymd(2024, 1, 2), .open = 1, .high = 1, .low = 1, .close = 1,
                      .adj_close = 1, .volume = 1});
    series.push_back(s);
  }
  return store::Panel::build(series);
}

TEST(Predictions, ParsesSortsByDateAndKeepsConfidence) {
  const auto panel = two_tickers();
  auto p = parse_predictions("date,ticker,score,confidence\n2024-01-03,B,0.5,0.9\n2024-01-02,A,-1,0.2\n", "p.csv", panel);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].date, core::Date::from_ymd(2024, 1, 2));
  EXPECT_EQ((*p)[0].instrument, 0u);
  EXPECT_DOUBLE_EQ((*p)[0].score, -1.0);
  EXPECT_DOUBLE_EQ((*p)[1].confidence, 0.9);
  auto no_confidence = parse_predictions("date,ticker,score\n2024-01-02,B,1\n", "p.csv", panel);
  ASSERT_TRUE(no_confidence);
  EXPECT_TRUE(std::isnan((*no_confidence)[0].confidence));
}

TEST(Predictions, ErrorsNameFileLineAndColumn) {
  const auto panel = two_tickers();
  auto bad_ticker = parse_predictions("date,ticker,score\n2024-01-02,ZZZ,1\n", "p.csv", panel);
  ASSERT_FALSE(bad_ticker);
  EXPECT_EQ(bad_ticker.error().message, "p.csv:2:12: ticker: 'ZZZ' is not in the market data");
  auto bad_score = parse_predictions("date,ticker,score\n2024-01-02,A,high\n", "p.csv", panel);
  ASSERT_FALSE(bad_score);
  EXPECT_EQ(bad_score.error().message, "p.csv:2:14: score: not a finite number: 'high'");
  auto twice = parse_predictions("date,ticker,score\n2024-01-02,A,1\n2024-01-02,B,2\n2024-01-02,A,0.5\n", "p.csv", panel);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message, "p.csv:4:12: ticker: a second prediction for A on 2024-01-02 (the first is on line 2)");
  auto bad_header = parse_predictions("day,ticker,score\n", "p.csv", panel);
  ASSERT_FALSE(bad_header);
  EXPECT_NE(bad_header.error().message.find("p.csv:1: header must be date,ticker,score[,confidence]"), std::string::npos);
}

}  // namespace
}  // namespace kestrel::strategy
