// The SMA crossover on real-world data problems found against Backtrader: gaps, ties, and a
// sell order that expires because the stock has no bar the next day.
#include <gtest/gtest.h>

#include "backtest/engine.hpp"
#include "scenario.hpp"
#include "strategy/sma_crossover.hpp"

namespace kestrel::testing {
namespace {

using execution::Side;

struct Outcome {
  analysis::BacktestRecord record;
  std::vector<execution::Fill> fills;
};

// The SMA strategy with a spy on its fills.
class SpiedSma final : public strategy::Strategy {
 public:
  explicit SpiedSma(strategy::SmaCrossoverParams p) : sma_(p) {}
  std::vector<execution::Fill> fills;
  std::string_view name() const override { return "sma"; }
  core::Status on_start(strategy::StrategyContext& c) override { return sma_.on_start(c); }
  void on_bar(strategy::StrategyContext& c) override { sma_.on_bar(c); }
  void on_fill(strategy::StrategyContext&, const execution::Fill& f) override { fills.push_back(f); }

 private:
  strategy::SmaCrossover sma_;
};

// "A" as given, beside "B", which trades every day (a single stock's missing day would not
// even be a panel date) and never crosses (flat: its averages tie).
Outcome run(const std::vector<std::optional<BarSpec>>& bars) {
  const auto panel = store::Panel::build(
      {make_series("A", bars), make_series("B", std::vector<std::optional<BarSpec>>(bars.size(), flat(50)))});
  SpiedSma sma({.fast = 2, .slow = 3, .position_weight = 0.5, .max_gap = 5});
  backtest::BacktestEngine engine(panel, bare_config(), sma);
  auto record = engine.run();
  EXPECT_TRUE(record) << (record ? "" : record.error().message);
  return {record ? *record : analysis::BacktestRecord{}, sma.fills};
}

TEST(SmaCrossoverGaps, AMissingBarIsBridgedNotABlindSpell) {
  // Below (12, 11, 10), a missing day, then 13: over the stock's own last three bars
  // (11, 10, 13) the fast average 11.5 is above the slow 11.33 — a cross, bought at day 5's
  // open. Counting panel dates, the missing day would blank the window and hide the cross.
  const auto out = run({flat(12), flat(11), flat(10), std::nullopt, flat(13), flat(14), flat(15), flat(15)});
  ASSERT_FALSE(out.fills.empty());
  EXPECT_EQ(out.fills[0].side, Side::Buy);
  EXPECT_EQ(out.fills[0].date, day(5));
}

TEST(SmaCrossoverGaps, AGapLongerThanMaxGapRestartsTheWarmUp) {
  // Six missing days (max_gap 5): the averages restart, so the later rise is no cross.
  const auto out = run({flat(12), flat(11), flat(10), std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                        std::nullopt, std::nullopt, flat(13), flat(14), flat(15), flat(16)});
  EXPECT_TRUE(out.fills.empty());
}

TEST(SmaCrossoverTies, EqualAveragesAreNoCross) {
  // Bought on the cross at day 3 (fast 11.5 > slow 11.33). Day 4 closes at 7: fast (13+7)/2 = 10
  // equals slow (10+13+7)/3 = 10 — a touch, not a cross down, so the position is kept (a strict
  // ">" used to read it as a cross and sell).
  const auto out = run({flat(12), flat(11), flat(10), flat(13), flat(7), flat(20), flat(20), flat(20)});
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.fills[0].side, Side::Buy);
  EXPECT_EQ(out.fills[0].date, day(4));
}

TEST(SmaCrossoverExits, ASellThatExpiredWithoutABarIsSentAgain) {
  // Cross down at day 5's close; day 6 has no bar, so the day order expires. The position is
  // still held at day 7's close: the sell goes again and fills at day 8's open.
  const auto out = run({flat(12), flat(11), flat(10), flat(13), flat(13), flat(5), std::nullopt, flat(5), flat(4),
                        flat(4)});
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[0].date, day(4));
  EXPECT_EQ(out.fills[1].side, Side::Sell);
  EXPECT_EQ(out.fills[1].date, day(8));
  EXPECT_EQ(out.fills[1].price, px(4));
  const auto expired = std::count_if(out.record.orders.begin(), out.record.orders.end(),
                                     [](const auto& o) { return o.status == "expired"; });
  EXPECT_EQ(expired, 1);
}

}  // namespace
}  // namespace kestrel::testing
