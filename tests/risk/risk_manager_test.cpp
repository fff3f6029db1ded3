#include "risk/risk_manager.hpp"

#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kestrel::risk {
namespace {

using core::Date;
using core::Money;
using core::Price;

const Date kDay = Date::from_ymd(2019, 6, 3);

// Four instruments: 0 and 1 in Tech, 2 in Energy, 3 in Tech; $100,000 cash.
struct Fixture {
  std::vector<RiskEvent> events;
  portfolio::Portfolio book{4, portfolio::PortfolioConfig{}};
  RiskManager manager;
  explicit Fixture(RiskLimits limits = {})
      : manager(limits, {"Tech", "Tech", "Energy", "Tech"}, [this](const RiskEvent& e) { events.push_back(e); }) {
    manager.on_session_start(kDay, book.equity());
  }
  void buy(portfolio::InstrumentId id, core::Quantity shares, double price) {
    std::vector<portfolio::RoundTrip> closed;
    ASSERT_TRUE(book.apply_fill(id, shares, Price::round(price), Money{}, kDay, 0, closed).has_value());
    book.mark(id, Price::round(price), 0);
  }
  RiskDecision check(portfolio::InstrumentId id, core::Quantity shares, double price,
                     double confidence = std::numeric_limits<double>::quiet_NaN()) {
    return manager.check(kDay, {id, shares, Price::round(price), confidence}, book);
  }
};

TEST(RiskManager, OrderAndPositionLimitsTriggerAtTheBoundary) {
  Fixture f;
  EXPECT_TRUE(f.check(0, 100, 100).approved);   // $10,000 = 10% of equity: allowed
  auto d = f.check(0, 101, 100);                // $10,100: one share too many
  EXPECT_FALSE(d.approved);
  EXPECT_EQ(d.rule, "max_order");
  f.buy(0, 60, 100);                            // hold $6,000
  d = f.check(0, 41, 100);                      // would be $10,100
  EXPECT_EQ(d.rule, "max_position");
  EXPECT_TRUE(f.check(0, 40, 100).approved);
  EXPECT_EQ(f.manager.counters().at("max_order"), 1);
  EXPECT_EQ(f.manager.counters().at("max_position"), 1);
  ASSERT_EQ(f.events.size(), 2u);
  EXPECT_THAT(f.events[1].message, ::testing::HasSubstr("10100.00"));
}

TEST(RiskManager, SectorGrossCashAndCountLimits) {
  RiskLimits limits;
  limits.max_order_fraction = 1;
  limits.max_position_fraction = 1;
  Fixture f(limits);
  f.buy(0, 200, 100);  // Tech $20,000
  EXPECT_EQ(f.check(1, 101, 100).rule, "max_sector");  // Tech would be $30,100 > 30%
  EXPECT_TRUE(f.check(1, 100, 100).approved);
  f.buy(2, 590, 100);  // Energy $59,000: cash $21,000 left
  EXPECT_EQ(f.check(3, 11, 100).rule, "cash_reserve");  // cash would be $19,900 < $20,000
  EXPECT_TRUE(f.check(3, 10, 100).approved);

  RiskLimits few;
  few.max_positions = 1;
  Fixture g(few);
  g.buy(0, 10, 100);
  EXPECT_EQ(g.check(2, 10, 100).rule, "max_positions");
  EXPECT_TRUE(g.check(0, 10, 100).approved);  // adding to a held name is not a new position
  EXPECT_EQ(g.check(2, -10, 100).rule, "max_positions");  // a new short is a new position too
}

TEST(RiskManager, MinimumPositionAndReducingOrders) {
  Fixture f;
  EXPECT_EQ(f.check(0, 1, 99.99).rule, "min_position");
  EXPECT_TRUE(f.check(0, 1, 100).approved);
  f.buy(0, 50, 100);
  f.manager.engage_kill_switch(kDay, "test");
  EXPECT_TRUE(f.check(0, -50, 100).approved) << "closing always passes, even when halted";
  EXPECT_TRUE(f.check(0, -20, 100).approved);
  EXPECT_EQ(f.check(0, -60, 100).rule, "halted") << "selling through zero opens a short";
  EXPECT_EQ(f.check(1, 1, 100).rule, "halted");
}

TEST(RiskManager, DailyLossBlocksNewRiskForTheRestOfTheDay) {
  Fixture f;
  f.manager.on_equity(kDay, Money::dollars(95'001));  // -4.999%
  EXPECT_FALSE(f.manager.new_risk_blocked_today());
  f.manager.on_equity(kDay, Money::dollars(95'000));  // -5%
  EXPECT_TRUE(f.manager.new_risk_blocked_today());
  EXPECT_EQ(f.check(0, 10, 100).rule, "daily_loss");
  f.manager.on_session_start(kDay + 1, Money::dollars(95'000));
  EXPECT_TRUE(f.check(0, 10, 100).approved);
  EXPECT_EQ(f.manager.counters().at("daily_loss"), 2);  // the trigger and one denial
}

TEST(RiskManager, LosingStreakHalvesNewPositionsUntilAWinner) {
  Fixture f;
  f.manager.on_trade_closed(kDay, Money::dollars(-10));
  f.manager.on_trade_closed(kDay, Money::dollars(-10));
  EXPECT_EQ(f.check(0, 10, 100).shares, 10);
  f.manager.on_trade_closed(kDay, Money::dollars(-10));  // third loser
  const RiskDecision d = f.check(0, 10, 100);
  EXPECT_TRUE(d.approved);
  EXPECT_EQ(d.shares, 5);
  f.buy(0, 5, 100);
  EXPECT_EQ(f.check(0, 10, 100).shares, 10) << "adding to a held position is not resized";
  f.manager.on_trade_closed(kDay, Money::dollars(0));  // break-even: streak neither grows nor ends
  EXPECT_EQ(f.manager.size_factor(), 0.5);
  f.manager.on_trade_closed(kDay, Money::dollars(1));
  EXPECT_EQ(f.manager.size_factor(), 1.0);
  EXPECT_EQ(f.check(1, 10, 100).shares, 10);
}

TEST(RiskManager, DrawdownHaltsAndAlertsUntilResumed) {
  Fixture f;
  f.manager.on_equity(kDay, Money::dollars(120'000));  // new peak
  f.manager.on_session_start(kDay + 1, Money::dollars(120'000));
  f.manager.on_equity(kDay + 1, Money::dollars(102'001));  // -14.999%
  EXPECT_FALSE(f.manager.halted());
  f.manager.on_session_start(kDay + 2, Money::dollars(102'001));
  f.manager.on_equity(kDay + 2, Money::dollars(102'000));  // -15%
  EXPECT_TRUE(f.manager.halted());
  ASSERT_FALSE(f.events.empty());
  EXPECT_EQ(f.events.back().kind, RiskEventKind::DrawdownHalt);
  EXPECT_THAT(f.events.back().message, ::testing::StartsWith("ALERT"));
  EXPECT_EQ(f.check(0, 1, 100).rule, "halted");
  f.manager.resume(kDay + 3, "operator reviewed");
  EXPECT_FALSE(f.manager.halted());
  EXPECT_TRUE(f.check(0, 1, 100).approved);
}

TEST(RiskManager, DrawdownStepsScaleExposureDownAndRestoreIt) {
  RiskLimits limits;
  limits.drawdown_steps = {{0.05, 0.75}, {0.10, 0.5}};
  Fixture f(limits);
  f.manager.on_equity(kDay, Money::dollars(100'000));  // the peak
  EXPECT_EQ(f.manager.exposure_scale(), 1.0);
  f.manager.on_equity(kDay + 1, Money::dollars(95'001));  // -4.999%
  EXPECT_EQ(f.manager.exposure_scale(), 1.0);
  f.manager.on_equity(kDay + 2, Money::dollars(95'000));  // -5%
  EXPECT_EQ(f.manager.exposure_scale(), 0.75);
  f.manager.on_equity(kDay + 3, Money::dollars(89'000));  // -11%
  EXPECT_EQ(f.manager.exposure_scale(), 0.5);
  EXPECT_FALSE(f.manager.halted()) << "the steps come before the 15% halt, not instead of it";
  f.manager.on_equity(kDay + 4, Money::dollars(92'000));  // recovering: -8%
  EXPECT_EQ(f.manager.exposure_scale(), 0.75);
  f.manager.on_equity(kDay + 5, Money::dollars(101'000));  // a new peak
  EXPECT_EQ(f.manager.exposure_scale(), 1.0);
  std::vector<std::string> changes;
  for (const auto& e : f.events) {
    if (e.kind == RiskEventKind::ExposureScaled) changes.push_back(e.message);
  }
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_THAT(changes[0], ::testing::HasSubstr("drawdown 5.00% from the peak 100000.00: exposure scaled down to 75%"));
  EXPECT_THAT(changes[1], ::testing::HasSubstr("scaled down to 50%"));
  EXPECT_THAT(changes[2], ::testing::HasSubstr("restored to 75%"));
  EXPECT_THAT(changes[3], ::testing::HasSubstr("restored to 100%"));
  // Past the halt the steps stay in force and the halt still comes.
  f.manager.on_equity(kDay + 6, Money::dollars(85'850));  // -15%
  EXPECT_TRUE(f.manager.halted());
  EXPECT_EQ(f.manager.exposure_scale(), 0.5);
}

TEST(RiskManager, KillSwitchActionsFollowConfig) {
  RiskLimits keep;
  keep.flatten_on_kill = false;
  Fixture f(keep);
  const KillSwitchActions a = f.manager.engage_kill_switch(kDay, "manual");
  EXPECT_TRUE(a.cancel_open_orders);
  EXPECT_FALSE(a.flatten_positions);
  EXPECT_TRUE(f.manager.halted());
}

TEST(RiskManager, FirstLivePresetCapsDollarsPositionsAndConfidence) {
  const auto preset = risk_preset("first_live");
  ASSERT_TRUE(preset.has_value());
  EXPECT_EQ(preset->max_capital, 1'000);
  EXPECT_EQ(preset->max_order_value, 100);
  EXPECT_EQ(preset->max_positions, 5);
  EXPECT_EQ(preset->daily_loss_limit, 0.05);
  EXPECT_EQ(preset->min_open_confidence, 0.8);
  EXPECT_TRUE(RiskManager::validate(*preset).has_value());
  EXPECT_FALSE(risk_preset("yolo").has_value());
  EXPECT_THAT(risk_preset_names(), ::testing::ElementsAre("first_live", "live_5k", "live_10k"));

  Fixture f(*preset);  // a $100,000 account: the dollar caps bind, not the fractions
  auto d = f.check(0, 10, 10, 0.8);  // $100 at 0.80: both at the boundary
  EXPECT_TRUE(d.approved);
  EXPECT_EQ(d.shares, 10);
  d = f.check(0, 15, 10, 0.9);  // $150: trimmed to the $100 a trade, not refused
  EXPECT_TRUE(d.approved);
  EXPECT_EQ(d.shares, 10);
  EXPECT_EQ(f.events.back().kind, RiskEventKind::SizeReduced);
  EXPECT_THAT(f.events.back().message, ::testing::HasSubstr("15 shares trimmed to 10"));
  d = f.check(0, 1, 100.01, 0.9);
  EXPECT_EQ(d.rule, "max_order_value") << "not even one share fits";
  EXPECT_EQ(f.check(0, 10, 10, 0.79).rule, "min_confidence");
  d = f.check(0, 10, 10);
  EXPECT_EQ(d.rule, "min_confidence");
  EXPECT_THAT(d.reason, ::testing::HasSubstr("has none"));
  EXPECT_EQ(f.check(0, 1, 10, 0.9).rule, "min_position") << "the preset's minimum position is a fifth of a trade, $20";
  EXPECT_TRUE(f.check(0, 2, 10, 0.9).approved);
  // $950 held across four names.
  f.buy(0, 25, 10);
  f.buy(1, 25, 10);
  f.buy(2, 25, 10);
  f.buy(3, 20, 10);
  d = f.check(3, 8, 10);  // would make $1,030
  EXPECT_TRUE(d.approved) << "adding to a held name needs no confidence";
  EXPECT_EQ(d.shares, 5) << "trimmed to the $50 left under the $1,000 cap";
  f.buy(3, 5, 10);
  EXPECT_EQ(f.check(3, 1, 10).rule, "max_capital");
  EXPECT_TRUE(f.check(0, -25, 10).approved) << "closing needs neither confidence nor room";
}

TEST(RiskManager, LossLimitsAreMeasuredOnTheCapitalAtStake) {
  RiskLimits capped = *risk_preset("first_live");
  Fixture f(capped);  // $100,000 account, $1,000 at stake: 5% is $50, not $5,000
  f.manager.on_equity(kDay, Money::dollars(99'951));
  EXPECT_FALSE(f.manager.new_risk_blocked_today());
  f.manager.on_equity(kDay, Money::dollars(99'950));
  EXPECT_TRUE(f.manager.new_risk_blocked_today());
  EXPECT_THAT(f.events.back().message, ::testing::HasSubstr("5.00% of 1000.00 at stake"));
  f.manager.on_session_start(kDay + 1, Money::dollars(99'950));
  f.manager.on_equity(kDay + 1, Money::dollars(99'851));  // $149 from the $100,000 peak: 14.9%
  EXPECT_FALSE(f.manager.halted());
  f.manager.on_session_start(kDay + 2, Money::dollars(99'851));
  f.manager.on_equity(kDay + 2, Money::dollars(99'850));  // $150: 15% of $1,000
  EXPECT_TRUE(f.manager.halted());

  Fixture small(capped);  // an account below the cap: its own equity is at stake
  small.manager.on_session_start(kDay, Money::dollars(800));
  small.manager.on_equity(kDay, Money::dollars(761));
  EXPECT_FALSE(small.manager.new_risk_blocked_today());
  small.manager.on_equity(kDay, Money::dollars(760));  // 5% of $800
  EXPECT_TRUE(small.manager.new_risk_blocked_today());
}

TEST(RiskManager, ValidateReportsEveryProblem) {
  RiskLimits bad;
  bad.max_drawdown = 0;
  bad.max_positions = 0;
  bad.min_cash_fraction = 1.5;
  bad.max_capital = -1;
  bad.min_open_confidence = 1.2;
  bad.drawdown_steps = {{0.10, 0.5}, {0.05, 0.75}, {0.2, 1.5}};
  const auto s = RiskManager::validate(bad);
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s.error().message, ::testing::HasSubstr("max_drawdown"));
  EXPECT_THAT(s.error().message, ::testing::HasSubstr("max_positions"));
  EXPECT_THAT(s.error().message, ::testing::HasSubstr("min_cash_fraction"));
  EXPECT_THAT(s.error().message, ::testing::HasSubstr("max_capital"));
  EXPECT_THAT(s.error().message, ::testing::HasSubstr("min_open_confidence"));
  EXPECT_THAT(s.error().message, ::testing::HasSubstr("drawdown_steps[1]: drawdowns must increase"));
  EXPECT_THAT(s.error().message, ::testing::HasSubstr("drawdown_steps[1]: a deeper drawdown cannot hold more"));
  EXPECT_THAT(s.error().message, ::testing::HasSubstr("drawdown_steps[2]: scale must be in [0, 1)"));
  EXPECT_TRUE(RiskManager::validate(RiskLimits{}).has_value());
}

}  // namespace
}  // namespace kestrel::risk
