// Runs that did nothing useful say so: every order denied, nothing placed, barely invested.
#include <gtest/gtest.h>

#include "backtest/engine.hpp"
#include "scenario.hpp"
#include "strategy/buy_and_hold.hpp"

namespace kestrel::testing {
namespace {

std::vector<std::optional<BarSpec>> flat_days(double price, int n) {
  return std::vector<std::optional<BarSpec>>(static_cast<std::size_t>(n), flat(price));
}

analysis::BacktestRecord run(const store::Panel& panel, strategy::Strategy& s, backtest::EngineConfig config) {
  backtest::BacktestEngine engine(panel, std::move(config), s);
  auto record = engine.run();
  EXPECT_TRUE(record) << (record ? "" : record.error().message);
  return record ? *record : analysis::BacktestRecord{};
}

TEST(ActivityFlags, EveryOrderDeniedIsFlaggedWithTheRules) {
  // Buy-and-hold of one stock at 100% of equity against the default limits (10% per order).
  const auto panel = store::Panel::build({make_series("A", flat_days(100, 10))});
  strategy::BuyAndHold hold({0});
  backtest::EngineConfig config;  // the plan's defaults: risk on, trade rules on
  const auto record = run(panel, hold, config);
  EXPECT_TRUE(record.orders.empty());
  ASSERT_FALSE(record.flags.empty());
  EXPECT_NE(record.flags[0].find("every order the strategy placed was refused: 1 denied by the risk manager"),
            std::string::npos)
      << record.flags[0];
  EXPECT_NE(record.flags[0].find("max_order"), std::string::npos) << record.flags[0];
}

TEST(ActivityFlags, NoOrderAndNeverInvested) {
  const auto panel = store::Panel::build({make_series("A", flat_days(100, 5))});
  Scripted idle;
  const auto record = run(panel, idle, bare_config());
  ASSERT_EQ(record.flags.size(), 2u);
  EXPECT_EQ(record.flags[0], "the strategy placed no order: nothing was traded");
  EXPECT_EQ(record.flags[1], "never invested: the portfolio held no position on any day");
}

TEST(ActivityFlags, BarelyInvestedIsFlaggedAndAnInvestedRunIsNot) {
  const auto panel = store::Panel::build({make_series("A", flat_days(100, 6))});
  for (const core::Quantity shares : {10, 500}) {  // 1% and 50% of the 100,000 equity
    Scripted s;
    s.bar = [shares](strategy::StrategyContext& c, std::size_t t) {
      if (t == 0) {
        ASSERT_TRUE(c.submit(market(0, execution::Side::Buy, shares)));
      }
    };
    const auto record = run(panel, s, bare_config());
    if (shares == 10) {
      ASSERT_EQ(record.flags.size(), 1u);
      EXPECT_NE(record.flags[0].find("barely invested: 0.8% of equity on average (peak 1.0%)"), std::string::npos)
          << record.flags[0];
    } else {
      EXPECT_TRUE(record.flags.empty()) << record.flags[0];
    }
  }
}

}  // namespace
}  // namespace kestrel::testing
