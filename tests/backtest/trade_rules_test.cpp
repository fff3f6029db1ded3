// The engine's trade rules: each exit triggers exactly when it should.
#include <gtest/gtest.h>

#include "backtest/engine.hpp"
#include "scenario.hpp"

namespace kestrel::testing {
namespace {

using execution::Side;

backtest::EngineConfig rules_only(backtest::TradeRules rules) {
  auto c = bare_config();
  c.rules = rules;
  return c;
}

constexpr backtest::TradeRules kNoRules{.stop_loss = 0, .breakeven_after = 0, .trail = 0, .time_stop_days = 0,
                                        .max_positions = 0, .min_position = core::Money{}};

struct Result {
  analysis::BacktestRecord record;
  std::vector<execution::Fill> fills;
};

// Buys 10 shares after day 0's close (filled at day 1's open) and lets the rules work.
Result buy_and_watch(const std::vector<std::optional<BarSpec>>& bars, backtest::TradeRules rules) {
  const auto panel = store::Panel::build({make_series("A", bars)});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 10)));
    }
  };
  backtest::BacktestEngine engine(panel, rules_only(rules), s);
  auto record = engine.run();
  EXPECT_TRUE(record) << (record ? "" : record.error().message);
  return {record ? *record : analysis::BacktestRecord{}, s.fills};
}

TEST(TradeRules, InitialStopFivePercentBelowEntry) {
  auto rules = kNoRules;
  rules.stop_loss = 0.05;
  // Entry 100 on day 1; the stop at 95 works from day 2. Day 1's low of 94 is before it exists.
  const auto r = buy_and_watch({flat(100), BarSpec{100, 101, 94, 100}, BarSpec{99, 100, 95.5, 96},
                                BarSpec{96, 97, 94, 95}, flat(95)},
                               rules);
  ASSERT_EQ(r.fills.size(), 2u);
  EXPECT_EQ(r.fills[1].date, day(3));
  EXPECT_EQ(r.fills[1].price, px(95));
  ASSERT_EQ(r.record.trades.size(), 1u);
  EXPECT_EQ(r.record.trades[0].exit_reason, "stop");
  EXPECT_DOUBLE_EQ(r.record.trades[0].pnl, -50.0);
}

TEST(TradeRules, BreakEvenAfterThreePercentThenTrailTwoPercent) {
  auto rules = kNoRules;
  rules.stop_loss = 0.05;
  rules.breakeven_after = 0.03;
  rules.trail = 0.02;
  // Entry 100. Day 1 closes at 102.9 (< +3%): stop stays 95. Day 2 closes at 104 (+4%): stop to
  // max(100, 104 × 0.98 = 101.92). Day 3 closes at 106: 103.88. Day 4's low of 103 hits it.
  const auto r = buy_and_watch({flat(100), BarSpec{100, 103, 99, 102.9}, BarSpec{103, 104.5, 102, 104},
                                BarSpec{104, 106.5, 103.9, 106}, BarSpec{105, 105.5, 103, 104}, flat(104)},
                               rules);
  ASSERT_EQ(r.fills.size(), 2u);
  EXPECT_EQ(r.fills[1].date, day(4));
  EXPECT_EQ(r.fills[1].price, px(103.88));
  EXPECT_EQ(r.record.trades[0].exit_reason, "trailing_stop");
  // The working stops placed: 95 (day 1), 101.92 (day 2), 103.88 (day 3).
  std::vector<double> stops;
  for (const auto& o : r.record.orders) {
    if (o.type == "stop") stops.push_back(o.stop_price);
  }
  EXPECT_EQ(stops, (std::vector<double>{95, 101.92, 103.88}));
}

TEST(TradeRules, BreakEvenStopNeverBelowEntry) {
  auto rules = kNoRules;
  rules.breakeven_after = 0.03;
  rules.trail = 0.10;  // the trail (103 × 0.9) is below entry, so the stop sits at entry
  const auto r = buy_and_watch({flat(100), BarSpec{100, 103, 99, 103}, BarSpec{102, 102, 99, 99.5}, flat(99)}, rules);
  ASSERT_EQ(r.fills.size(), 2u);
  EXPECT_EQ(r.fills[1].date, day(2));
  EXPECT_EQ(r.fills[1].price, px(100));
}

TEST(TradeRules, TimeStopAfterNDaysWithoutProfit) {
  auto rules = kNoRules;
  rules.time_stop_days = 3;
  // Entry on day 1 (bar 1) at 100; closes at or below entry; day 4 is 3 bars later, so the exit
  // is placed after day 4's close and fills at day 5's open.
  const auto r = buy_and_watch({flat(100), flat(100), flat(99), flat(100), flat(98), BarSpec{97, 97, 97, 97}, flat(97)},
                               rules);
  ASSERT_EQ(r.fills.size(), 2u);
  EXPECT_EQ(r.fills[1].date, day(5));
  EXPECT_EQ(r.fills[1].price, px(97));
  EXPECT_EQ(r.record.trades[0].exit_reason, "time_stop");
}

TEST(TradeRules, TimeStopWaitsWhileInProfit) {
  auto rules = kNoRules;
  rules.time_stop_days = 3;
  const auto r = buy_and_watch({flat(100), flat(100), flat(99), flat(100), flat(101), flat(100.5), flat(100)}, rules);
  // Day 4 closes in profit (101): no exit; day 5 closes at 100.5 (> entry): none; day 6 at 100
  // (not in profit) places one that has no next bar to fill on.
  EXPECT_EQ(r.fills.size(), 1u);
  ASSERT_EQ(r.record.orders.size(), 2u);
  EXPECT_EQ(r.record.orders[1].submitted, day(6));
}

TEST(TradeRules, MaxPositionsAndMinPosition) {
  std::vector<store::TickerSeries> series;
  for (const char* name : {"A", "B", "C"}) series.push_back(make_series(name, {flat(50), flat(50), flat(50)}));
  const auto panel = store::Panel::build(series);
  auto rules = kNoRules;
  rules.max_positions = 2;
  rules.min_position = core::Money::dollars(100);
  Scripted s;
  std::vector<std::size_t> slots;
  std::vector<bool> accepted;
  s.bar = [&](strategy::StrategyContext& c, std::size_t t) {
    slots.push_back(c.open_slots());
    if (t != 0) return;
    accepted.push_back(c.submit(market(0, Side::Buy, 1)).has_value());  // $50 < $100
    accepted.push_back(c.submit(market(0, Side::Buy, 10)).has_value());
    accepted.push_back(c.submit(market(1, Side::Buy, 10)).has_value());
    accepted.push_back(c.submit(market(2, Side::Buy, 10)).has_value());  // a third position
  };
  backtest::BacktestEngine engine(panel, rules_only(rules), s);
  ASSERT_TRUE(engine.run());
  EXPECT_EQ(accepted, (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(slots, (std::vector<std::size_t>{2, 0, 0}));
  EXPECT_EQ(s.fills.size(), 2u);
}

}  // namespace
}  // namespace kestrel::testing
