// Golden backtests of the risk manager inside the engine: each rule triggers exactly when it
// should, on hand-made markets whose equity can be followed by hand (no costs, no trade
// rules; 100,000 starting cash; flat bars, so fills are at the bar's price).
#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>

#include "backtest/engine.hpp"
#include "scenario.hpp"

namespace kestrel::testing {
namespace {

using execution::OrderType;
using execution::Side;
using execution::TimeInForce;

// Every limit loose except the portfolio rules (5% daily loss, 3-trade streak, 15% drawdown).
backtest::EngineConfig risk_config() {
  auto c = bare_config();
  c.risk.enabled = true;
  c.risk.limits = risk::RiskLimits{.max_order_fraction = 10, .max_position_fraction = 10, .max_sector_fraction = 10,
                                   .max_gross_exposure = 10, .min_cash_fraction = 0, .max_positions = 1000,
                                   .min_position_value = 0};
  return c;
}

std::vector<std::optional<BarSpec>> closes(std::initializer_list<double> prices) {
  std::vector<std::optional<BarSpec>> out;
  for (double p : prices) out.push_back(flat(p));
  return out;
}

std::vector<std::optional<BarSpec>> constant(double price, int days) {
  return std::vector<std::optional<BarSpec>>(static_cast<std::size_t>(days), flat(price));
}

struct Outcome {
  analysis::BacktestRecord record;
  std::vector<execution::Fill> fills;
};

Outcome run(const store::Panel& panel, Scripted& strategy, const backtest::EngineConfig& config) {
  backtest::BacktestEngine engine(panel, config, strategy);
  auto record = engine.run();
  EXPECT_TRUE(record.has_value()) << (record ? "" : record.error().message);
  return {record ? *record : analysis::BacktestRecord{}, strategy.fills};
}

std::int64_t count(const analysis::BacktestRecord& r, const std::string& rule) {
  const auto it = r.risk->counters.find(rule);
  return it == r.risk->counters.end() ? 0 : it->second;
}

std::vector<std::string> events(const analysis::BacktestRecord& r) {
  std::vector<std::string> out;
  for (const auto& e : r.risk->events) out.push_back(fmt::format("{} {} {}", e.date.to_string(), e.kind, e.rule));
  return out;
}

TEST(RiskRules, DailyLossBlocksNewEntriesThatDayOnly) {
  // A: 900 shares bought at 100 (day 1); day 2 closes at 94: equity 94,600 is 5.4% below the
  // session's opening equity 100,000.
  const auto panel = store::Panel::build(
      {make_series("A", closes({100, 100, 94, 94, 94})), make_series("B", constant(50, 5))});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 900)));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit(market(1, Side::Buy, 10)));  // the day before: allowed
    }
    if (t == 2) {
      const auto denied = c.submit(market(1, Side::Buy, 10));
      ASSERT_FALSE(denied);
      EXPECT_NE(denied.error().message.find("daily_loss"), std::string::npos) << denied.error().message;
      ASSERT_TRUE(c.submit(market(0, Side::Sell, 100)));  // reducing: still allowed
    }
    if (t == 3) {
      ASSERT_TRUE(c.submit(market(1, Side::Buy, 10)));  // the next day: allowed again
    }
  };
  const auto out = run(panel, s, risk_config());
  ASSERT_EQ(out.fills.size(), 4u);
  EXPECT_EQ(out.fills[2].date, day(3));
  EXPECT_EQ(out.fills[2].quantity, 100);
  EXPECT_EQ(out.fills[3].date, day(4));
  EXPECT_EQ(out.fills[3].instrument, 1u);
  EXPECT_EQ(events(out.record),
            (std::vector<std::string>{"2024-01-03 daily_loss_limit daily_loss", "2024-01-03 denied daily_loss"}));
  EXPECT_EQ(count(out.record, "daily_loss"), 2);  // the trigger and the one denial
}

TEST(RiskRules, ThreeLosersHalveTheNextPositionAndAWinnerRestoresIt) {
  // Buy 100 at the open of odd days, sell at the open of the next even day: three round trips
  // lose $100 each (100 -> 99), the fourth (halved to 50 shares) wins (100 -> 102).
  const auto panel = store::Panel::build({make_series("A", closes({100, 100, 99, 100, 99, 100, 99, 100, 102, 102, 102}))});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    const auto held = c.portfolio().position(0).quantity;
    if (t % 2 == 0 && t <= 8) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 100)));
    }
    if (t % 2 == 1 && t <= 7) {
      ASSERT_TRUE(c.submit(market(0, Side::Sell, held)));
    }
  };
  const auto out = run(panel, s, risk_config());
  std::vector<core::Quantity> quantities;
  for (const auto& f : out.fills) quantities.push_back(f.quantity);
  EXPECT_EQ(quantities, (std::vector<core::Quantity>{100, 100, 100, 100, 100, 100, 50, 50, 100}));
  EXPECT_EQ(events(out.record), (std::vector<std::string>{"2024-01-07 losing_streak losing_streak",
                                                          "2024-01-07 size_reduced losing_streak",
                                                          "2024-01-09 streak_ended losing_streak"}));
  ASSERT_EQ(out.record.trades.size(), 5u);
  EXPECT_DOUBLE_EQ(out.record.trades[3].pnl, 100.0);  // 50 x (102 - 100)
}

TEST(RiskRules, DrawdownHaltStopsNewEntriesButExitsStillWork) {
  // 900 A bought at 100; A slides 3 a day (2.7% of equity, under the daily limit). Day 7
  // closes at 83: equity 84,700 is 15.3% below the 100,000 peak.
  const auto panel = store::Panel::build({make_series("A", closes({100, 100, 97, 94, 91, 88, 85, 83, 83, 83})),
                                          make_series("B", constant(50, 10))});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 900)));
    }
    if (t == 6) {
      ASSERT_TRUE(c.submit(market(1, Side::Buy, 10)));  // 13.5% down: allowed
    }
    if (t == 7 || t == 8) {
      EXPECT_FALSE(c.submit(market(1, Side::Buy, 10)));
    }
    if (t == 8) {
      ASSERT_TRUE(c.submit(market(0, Side::Sell, 900)));
    }
  };
  const auto out = run(panel, s, risk_config());
  ASSERT_EQ(out.fills.size(), 3u);
  EXPECT_EQ(out.fills[2].date, day(9));
  EXPECT_EQ(out.fills[2].side, Side::Sell);
  EXPECT_EQ(out.fills[2].quantity, 900);
  EXPECT_EQ(events(out.record), (std::vector<std::string>{"2024-01-08 drawdown_halt max_drawdown",
                                                          "2024-01-08 denied halted", "2024-01-09 denied halted"}));
  EXPECT_NE(out.record.risk->events[0].message.find("ALERT"), std::string::npos);
  EXPECT_EQ(count(out.record, "max_drawdown"), 1);
  EXPECT_EQ(count(out.record, "halted"), 2);
}

TEST(RiskRules, DrawdownStepsResizeTheTargetsAtTheCloseAndRestoreThem) {
  // The strategy decides once: all in A. A falls 6% on day 2 (equity 94,000: past the 5% step),
  // so at that close the kernel sizes the same targets at half: 500 shares at 94, the other 500
  // sold at day 3's open. A is back at 100 on day 4 (equity 97,000, 3% down): restored, 970
  // shares, so 470 bought at day 5's open. No strategy decision after day 0.
  const auto panel = store::Panel::build({make_series("A", closes({100, 100, 94, 94, 100, 100, 100}))});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    const std::vector<strategy::TargetWeight> targets{{.instrument = 0, .weight = 1.0}};
    c.set_target_weights(targets);
  };
  auto config = risk_config();
  config.risk.limits.drawdown_steps = {{0.05, 0.5}};
  const auto out = run(panel, s, config);
  ASSERT_EQ(out.fills.size(), 3u);
  EXPECT_EQ(out.fills[0].quantity, 1000);
  EXPECT_EQ(out.fills[1].side, Side::Sell);
  EXPECT_EQ(out.fills[1].quantity, 500);
  EXPECT_EQ(out.fills[1].date, day(3));
  EXPECT_EQ(out.fills[2].side, Side::Buy);
  EXPECT_EQ(out.fills[2].quantity, 470);
  EXPECT_EQ(out.fills[2].date, day(5));
  EXPECT_EQ(events(out.record), (std::vector<std::string>{day(2).to_string() + " daily_loss_limit daily_loss",
                                                          day(2).to_string() + " exposure_scaled drawdown_steps",
                                                          day(4).to_string() + " exposure_scaled drawdown_steps"}));
}

TEST(RiskRules, KillSwitchCancelsOrdersAndFlattensAtItsDatesOpen) {
  const auto panel = store::Panel::build(
      {make_series("A", {flat(100), flat(100), flat(100), BarSpec{105, 106, 104, 105}, flat(105), flat(105)}),
       make_series("B", constant(50, 6))});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 100)));
      ASSERT_TRUE(c.submit(market(1, Side::Buy, 40)));
      // Never touched: still working when the switch is thrown.
      ASSERT_TRUE(c.submit({.instrument = 1, .side = Side::Buy, .quantity = 10, .type = OrderType::Limit,
                            .tif = TimeInForce::Gtc, .limit_price = px(40)}));
    }
    if (t == 3) {
      EXPECT_FALSE(c.submit(market(0, Side::Buy, 10)));  // halted after the switch
    }
  };
  auto config = risk_config();
  config.risk.kill_switch_date = day(3);
  const auto out = run(panel, s, config);
  ASSERT_EQ(out.fills.size(), 4u);
  EXPECT_EQ(out.fills[2].date, day(3));
  EXPECT_EQ(out.fills[2].price, px(105));  // flattened at that day's open
  EXPECT_EQ(out.fills[3].date, day(3));
  EXPECT_EQ(out.fills[3].instrument, 1u);
  EXPECT_EQ(out.record.equity.back().positions, 0);
  ASSERT_EQ(out.record.trades.size(), 2u);
  EXPECT_EQ(out.record.trades[0].exit_reason, "kill_switch");
  const auto limit = std::find_if(out.record.orders.begin(), out.record.orders.end(),
                                  [](const auto& o) { return o.type == "limit"; });
  ASSERT_NE(limit, out.record.orders.end());
  EXPECT_EQ(limit->status, "cancelled");
  EXPECT_EQ(limit->reason, "kill switch");
  EXPECT_EQ(events(out.record), (std::vector<std::string>{"2024-01-04 kill_switch kill_switch", "2024-01-04 denied halted"}));
}

TEST(RiskRules, KillSwitchWithoutFlatteningOnlyCancelsAndHalts) {
  const auto panel = store::Panel::build({make_series("A", constant(100, 5))});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 100)));
    }
  };
  auto config = risk_config();
  config.risk.kill_switch_date = day(2);
  config.risk.limits.flatten_on_kill = false;
  const auto out = run(panel, s, config);
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.record.equity.back().positions, 1);
  EXPECT_EQ(count(out.record, "kill_switch"), 1);
}

store::TickerSeries in_sector(store::TickerSeries s, std::string sector) {
  s.sector = std::move(sector);
  return s;
}

TEST(RiskRules, PreTradeDenialsArePinned) {
  // Plan limits: 10% per position, 30% per sector, 20% cash reserve; all names at $100, so
  // 100 shares are 10% of the 100,000 equity. Orders of one day are checked together.
  std::vector<store::TickerSeries> series;
  const std::vector<std::pair<std::string, std::string>> names = {
      {"A", "Tech"}, {"B", "Tech"}, {"C", "Tech"}, {"D", "Tech"}, {"E", "Energy"},
      {"F", "Energy"}, {"G", "Health"}, {"H", "Health"}, {"I", "Utilities"}, {"J", "Utilities"}};
  for (const auto& [name, sector] : names) series.push_back(in_sector(make_series(name, constant(100, 3)), sector));
  const auto panel = store::Panel::build(std::move(series));
  std::vector<std::string> denied;
  Scripted s;
  s.bar = [&](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    const std::vector<std::pair<std::uint32_t, core::Quantity>> orders = {
        {0, 110},  // A: 11% -> max_position
        {0, 100}, {1, 100}, {2, 100},  // A, B, C: Tech at 30%
        {3, 1},    // D: Tech above 30% -> max_sector
        {4, 100}, {5, 100}, {6, 100}, {7, 100}, {8, 50},  // cash now 25,000
        {9, 60},   // J: cash would be 19,000 < 20,000 -> cash_reserve
        {9, 50}};  // J: cash exactly 20,000 -> allowed
    for (const auto& [i, q] : orders) {
      auto id = c.submit(market(i, Side::Buy, q));
      if (!id) denied.push_back(names[i].first);
    }
  };
  auto config = risk_config();
  config.risk.limits.max_position_fraction = 0.10;
  config.risk.limits.max_sector_fraction = 0.30;
  config.risk.limits.min_cash_fraction = 0.20;
  const auto out = run(panel, s, config);
  EXPECT_EQ(denied, (std::vector<std::string>{"A", "D", "J"}));
  EXPECT_EQ(out.fills.size(), 9u);
  EXPECT_EQ(count(out.record, "max_position"), 1);
  EXPECT_EQ(count(out.record, "max_sector"), 1);
  EXPECT_EQ(count(out.record, "cash_reserve"), 1);
  EXPECT_DOUBLE_EQ(out.record.equity.back().cash, 20000.0);
}

TEST(RiskRules, MaxPositionsAndMinimumSizeDenials) {
  const auto panel = store::Panel::build({make_series("A", constant(100, 3)), make_series("B", constant(100, 3)),
                                          make_series("C", constant(100, 3)), make_series("D", constant(50, 3))});
  int denials = 0;
  Scripted s;
  s.bar = [&](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    for (std::uint32_t i : {0u, 1u, 2u}) denials += c.submit(market(i, Side::Buy, 10)) ? 0 : 1;
  };
  auto config = risk_config();
  config.risk.limits.max_positions = 2;
  config.risk.limits.min_position_value = 100;
  auto out = run(panel, s, config);
  EXPECT_EQ(denials, 1);
  EXPECT_EQ(count(out.record, "max_positions"), 1);
  EXPECT_EQ(out.fills.size(), 2u);

  Scripted small;
  small.bar = [&](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      EXPECT_FALSE(c.submit(market(3, Side::Buy, 1)));  // $50 < $100 minimum
    }
  };
  out = run(panel, small, config);
  EXPECT_EQ(count(out.record, "min_position"), 1);
  EXPECT_TRUE(out.fills.empty());
}

TEST(RiskRules, TargetWeightsAreCheckedTogetherAgainstTheCashReserve) {
  // Ten names at 10% each would leave no cash: with the 20% reserve the last two are denied.
  std::vector<store::TickerSeries> series;
  for (char n = 'A'; n <= 'J'; ++n) series.push_back(make_series(std::string(1, n), constant(100, 3)));
  const auto panel = store::Panel::build(std::move(series));
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    std::vector<strategy::TargetWeight> targets;
    for (std::uint32_t i = 0; i < 10; ++i) targets.push_back({.instrument = i, .weight = 0.10});
    c.set_target_weights(targets);
  };
  auto config = risk_config();
  config.risk.limits.min_cash_fraction = 0.20;
  const auto out = run(panel, s, config);
  EXPECT_EQ(out.fills.size(), 8u);
  EXPECT_EQ(count(out.record, "cash_reserve"), 2);
}

TEST(RiskRules, DisabledRiskRecordsNothing) {
  const auto panel = store::Panel::build({make_series("A", constant(100, 3))});
  Scripted s;
  const auto out = run(panel, s, bare_config());
  EXPECT_FALSE(out.record.risk.has_value());
}

}  // namespace
}  // namespace kestrel::testing
