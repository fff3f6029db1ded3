// Golden backtests: tiny hand-made markets whose fills and P&L can be checked by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/performance_stats.hpp"
#include "backtest/engine.hpp"
#include "scenario.hpp"

namespace kestrel::testing {
namespace {

using execution::OrderType;
using execution::Side;
using execution::TimeInForce;

struct Outcome {
  analysis::BacktestRecord record;
  std::vector<execution::Fill> fills;
};

Outcome run(const store::Panel& panel, Scripted& strategy, backtest::EngineConfig config = bare_config()) {
  backtest::BacktestEngine engine(panel, config, strategy);
  auto record = engine.run();
  EXPECT_TRUE(record.has_value()) << (record ? "" : record.error().message);
  return {record ? *record : analysis::BacktestRecord{}, strategy.fills};
}

TEST(GoldenBacktest, StopGappedThroughFillsAtTheOpen) {
  const auto panel = store::Panel::build(
      {make_series("A", {flat(100), BarSpec{100, 102, 99, 101}, BarSpec{90, 92, 88, 91}, flat(91)})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 10)));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Sell, .quantity = 10, .type = OrderType::Stop,
                            .tif = TimeInForce::Gtc, .stop_price = px(95)}));
    }
  };
  const auto out = run(panel, s);
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[0].date, day(1));
  EXPECT_EQ(out.fills[0].price, px(100));
  EXPECT_EQ(out.fills[1].date, day(2));
  EXPECT_EQ(out.fills[1].price, px(90));  // the open, not the stop price 95
  ASSERT_EQ(out.record.trades.size(), 1u);
  EXPECT_DOUBLE_EQ(out.record.trades[0].pnl, -100.0);
  EXPECT_DOUBLE_EQ(out.record.trades[0].exit_price, 90.0);
  ASSERT_EQ(out.record.equity.size(), 4u);
  EXPECT_DOUBLE_EQ(out.record.equity[0].equity, 100000.0);
  EXPECT_DOUBLE_EQ(out.record.equity[1].equity, 100010.0);  // 99,000 cash + 10 × 101
  EXPECT_DOUBLE_EQ(out.record.equity[2].equity, 99900.0);
  EXPECT_DOUBLE_EQ(out.record.equity[3].equity, 99900.0);
  EXPECT_EQ(out.record.orders[1].status, "filled");
  EXPECT_DOUBLE_EQ(out.record.orders[1].average_fill_price, 90.0);
}

TEST(GoldenBacktest, StatisticsOfTheGapScenarioByHand) {
  const auto panel = store::Panel::build(
      {make_series("A", {flat(100), BarSpec{100, 102, 99, 101}, BarSpec{90, 92, 88, 91}, flat(91)})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 10)));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Sell, .quantity = 10, .type = OrderType::Stop,
                            .tif = TimeInForce::Gtc, .stop_price = px(95)}));
    }
  };
  const auto out = run(panel, s);
  auto stats = analysis::compute_performance_stats(out.record);
  ASSERT_TRUE(stats) << stats.error().message;
  // Equity 100,000 → 100,010 → 99,900 → 99,900.
  const double r[] = {100010.0 / 100000.0 - 1, 99900.0 / 100010.0 - 1, 0.0};
  const double mean = (r[0] + r[1] + r[2]) / 3;
  const double sd = std::sqrt(((r[0] - mean) * (r[0] - mean) + (r[1] - mean) * (r[1] - mean) + (r[2] - mean) * (r[2] - mean)) / 2);
  EXPECT_NEAR(stats->strategy.total_return, -0.001, 1e-12);
  EXPECT_NEAR(stats->strategy.max_drawdown, 99900.0 / 100010.0 - 1, 1e-12);
  EXPECT_NEAR(stats->strategy.sharpe, mean / sd * std::sqrt(252.0), 1e-9);
  EXPECT_EQ(stats->trades.trades, 1u);
  EXPECT_EQ(stats->trades.losses, 1u);
  EXPECT_DOUBLE_EQ(stats->trades.win_rate, 0.0);
  EXPECT_DOUBLE_EQ(stats->trades.average_loss, -100.0);
  EXPECT_DOUBLE_EQ(stats->trades.average_holding_days, 1.0);
}

TEST(GoldenBacktest, LimitNeverTouchedExpiresOrStaysWorking) {
  const auto panel = store::Panel::build(
      {make_series("A", {flat(100), BarSpec{100, 101, 99, 100}, BarSpec{100, 101, 99, 100}})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Buy, .quantity = 10, .type = OrderType::Limit,
                          .tif = TimeInForce::Day, .limit_price = px(95)}));
    ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Buy, .quantity = 10, .type = OrderType::Limit,
                          .tif = TimeInForce::Gtc, .limit_price = px(90)}));
  };
  const auto out = run(panel, s);
  EXPECT_TRUE(out.fills.empty());
  EXPECT_TRUE(out.record.trades.empty());
  ASSERT_EQ(out.record.orders.size(), 2u);
  EXPECT_EQ(out.record.orders[0].status, "expired");
  EXPECT_EQ(out.record.orders[0].reason, "day order not filled");
  EXPECT_EQ(out.record.orders[0].last_update, day(1));
  EXPECT_EQ(out.record.orders[1].status, "accepted");
  EXPECT_DOUBLE_EQ(out.record.equity.back().equity, 100000.0);
}

TEST(GoldenBacktest, BracketTakeProfitFillsAndCancelsStopLoss) {
  const auto panel = store::Panel::build({make_series(
      "A", {flat(100), BarSpec{100, 104, 99, 103}, BarSpec{105, 111, 104, 108}, BarSpec{108, 109, 90, 95}})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    auto request = market(0, Side::Buy, 10);
    request.bracket = execution::Bracket{.take_profit = px(110), .stop_loss = px(95)};
    ASSERT_TRUE(c.submit(request));
  };
  const auto out = run(panel, s);
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[1].date, day(2));
  EXPECT_EQ(out.fills[1].price, px(110));
  EXPECT_EQ(out.fills[1].tag, execution::OrderTag::TakeProfit);
  ASSERT_EQ(out.record.orders.size(), 3u);
  EXPECT_EQ(out.record.orders[0].status, "filled");
  EXPECT_EQ(out.record.orders[1].type, "limit");
  EXPECT_EQ(out.record.orders[1].status, "filled");
  EXPECT_EQ(out.record.orders[2].type, "stop");
  EXPECT_EQ(out.record.orders[2].status, "cancelled");  // day 3's low of 90 would have hit it
  EXPECT_EQ(out.record.orders[2].reason, "oco: take_profit filled");
  ASSERT_EQ(out.record.trades.size(), 1u);
  EXPECT_DOUBLE_EQ(out.record.trades[0].pnl, 100.0);
  EXPECT_EQ(out.record.trades[0].exit_reason, "take_profit");
}

TEST(GoldenBacktest, SplitDayIsContinuousWithAdjustedPrices) {
  // 2-for-1 split with ex-date day 2: raw prices halve, the adjusted series does not.
  const auto panel = store::Panel::build({make_series(
      "S", {BarSpec{200, 202, 198, 200, 100}, BarSpec{200, 201, 199, 200, 100}, BarSpec{101, 102, 100, 101, 101},
            BarSpec{102, 102, 102, 102, 102}})});
  Scripted s;
  std::vector<double> raw_close, adjusted_close;
  s.bar = [&](strategy::StrategyContext& c, std::size_t t) {
    raw_close.push_back(c.market().raw(store::Field::Close, 0));
    adjusted_close.push_back(c.market().close(0));
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 10)));
    }
  };
  const auto out = run(panel, s);
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.fills[0].price, px(100));  // day 1's open 200 × (100 / 200)
  EXPECT_EQ(raw_close, (std::vector<double>{200, 200, 101, 102}));
  EXPECT_EQ(adjusted_close, (std::vector<double>{100, 100, 101, 102}));
  ASSERT_EQ(out.record.equity.size(), 4u);
  EXPECT_DOUBLE_EQ(out.record.equity[1].equity, 100000.0);
  EXPECT_DOUBLE_EQ(out.record.equity[2].equity, 100010.0);  // +1%, not −50%, on the split day
  EXPECT_DOUBLE_EQ(out.record.equity[3].equity, 100020.0);
}

TEST(GoldenBacktest, MissingBarMeansNoFillAndAStaleMark) {
  const auto panel = store::Panel::build({
      make_series("A", {flat(100), flat(100), std::nullopt, flat(103), flat(104)}),
      make_series("B", {flat(50), flat(50), flat(50), flat(50), flat(50)}),
  });
  Scripted s;
  bool stale_on_day2 = false;
  s.bar = [&](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 10)));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit(market(0, Side::Sell, 10)));  // DAY: day 2 has no bar
    }
    if (t == 2) {
      stale_on_day2 = c.portfolio().position(0).stale;
      auto gtc = market(0, Side::Sell, 10);
      gtc.tif = TimeInForce::Gtc;
      ASSERT_TRUE(c.submit(gtc));
    }
  };
  const auto out = run(panel, s);
  EXPECT_TRUE(stale_on_day2);
  ASSERT_EQ(out.record.orders.size(), 3u);
  EXPECT_EQ(out.record.orders[1].status, "expired");
  EXPECT_EQ(out.record.orders[1].reason, "no bar for A on 2024-01-03");
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[1].date, day(3));
  EXPECT_EQ(out.fills[1].price, px(103));
  EXPECT_DOUBLE_EQ(out.record.equity[2].equity, 100000.0);  // valued at the last price, 100
  EXPECT_EQ(out.record.equity[2].positions, 1);
  ASSERT_EQ(out.record.trades.size(), 1u);
  EXPECT_DOUBLE_EQ(out.record.trades[0].pnl, 30.0);
}

TEST(GoldenBacktest, MarketOnOpenAndMarketOnClose) {
  const auto panel = store::Panel::build(
      {make_series("A", {flat(100), BarSpec{101, 105, 99, 104}, BarSpec{103, 106, 100, 102}})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Buy, .quantity = 5, .type = OrderType::MarketOnClose}));
      ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Buy, .quantity = 10, .type = OrderType::MarketOnOpen}));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Sell, .quantity = 15, .type = OrderType::MarketOnClose}));
    }
  };
  const auto out = run(panel, s);
  ASSERT_EQ(out.fills.size(), 3u);
  EXPECT_EQ(out.fills[0].quantity, 10);  // the open comes before the close, whatever the sequence
  EXPECT_EQ(out.fills[0].price, px(101));
  EXPECT_EQ(out.fills[1].quantity, 5);
  EXPECT_EQ(out.fills[1].price, px(104));
  EXPECT_EQ(out.fills[1].date, day(1));
  EXPECT_EQ(out.fills[2].price, px(102));
  EXPECT_EQ(out.fills[2].date, day(2));
  // 10 × (102 − 101) + 5 × (102 − 104)
  EXPECT_DOUBLE_EQ(out.record.equity.back().equity, 100000.0 + 10 - 10);
}

TEST(GoldenBacktest, TrailingStopFollowsTheHighAndFillsAtItsLevel) {
  const auto panel = store::Panel::build({make_series(
      "A", {flat(100), flat(100), BarSpec{100, 120, 99, 118}, BarSpec{110, 111, 105, 106}, flat(106)})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 10)));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Sell, .quantity = 10, .type = OrderType::TrailingStop,
                            .tif = TimeInForce::Gtc, .trail_fraction = 0.10}));
    }
  };
  const auto out = run(panel, s);
  ASSERT_EQ(out.fills.size(), 2u);
  // Day 2: level 90 (10% under the close of 100) is not hit; the high of 120 lifts it to 108;
  // day 3's low of 105 crosses it.
  EXPECT_EQ(out.fills[1].date, day(3));
  EXPECT_EQ(out.fills[1].price, px(108));
  EXPECT_DOUBLE_EQ(out.record.trades[0].pnl, 80.0);
}

TEST(GoldenBacktest, ParticipationCapSplitsAndCarriesOver) {
  std::vector<std::optional<BarSpec>> bars(5, BarSpec{10, 10, 10, 10, 10, 1000});
  const auto panel = store::Panel::build({make_series("A", bars)});
  auto config = bare_config();
  config.broker.participation_cap = 0.1;  // 100 shares a day
  {
    Scripted s;
    s.bar = [](strategy::StrategyContext& c, std::size_t t) {
      auto gtc = market(0, Side::Buy, 250);
      gtc.tif = TimeInForce::Gtc;
      if (t == 0) {
      ASSERT_TRUE(c.submit(gtc));
    }
    };
    const auto out = run(panel, s, config);
    ASSERT_EQ(out.fills.size(), 3u);
    EXPECT_EQ(out.fills[0].quantity, 100);
    EXPECT_EQ(out.fills[1].quantity, 100);
    EXPECT_EQ(out.fills[2].quantity, 50);
    EXPECT_EQ(out.fills[2].date, day(3));
    EXPECT_EQ(out.record.orders[0].status, "filled");
  }
  {
    // Both orders share the day's capacity in sequence order: the later DAY order gets none.
    Scripted s;
    s.bar = [](strategy::StrategyContext& c, std::size_t t) {
      if (t != 0) return;
      auto gtc = market(0, Side::Buy, 150);
      gtc.tif = TimeInForce::Gtc;
      ASSERT_TRUE(c.submit(gtc));
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 50)));
    };
    const auto out = run(panel, s, config);
    ASSERT_EQ(out.record.orders.size(), 2u);
    EXPECT_EQ(out.record.orders[0].status, "filled");
    EXPECT_EQ(out.record.orders[1].status, "expired");
    EXPECT_DOUBLE_EQ(out.record.orders[1].filled_quantity, 0.0);
    ASSERT_EQ(out.fills.size(), 2u);
    EXPECT_EQ(out.fills[0].quantity, 100);
    EXPECT_EQ(out.fills[1].quantity, 50);
  }
}

TEST(GoldenBacktest, ParticipationCapCountsSplitAdjustedShares) {
  // Before a 2-for-1 split (ex-date day 2) the adjusted price is half the raw one, so each raw
  // share traded is two of the strategy's adjusted shares: 10% of 1,000 raw shares is 200
  // adjusted shares a day, not 100. After the split raw and adjusted shares are the same.
  const auto panel = store::Panel::build({make_series(
      "S", {BarSpec{20, 20, 20, 20, 10, 1000}, BarSpec{20, 20, 20, 20, 10, 1000}, BarSpec{10, 10, 10, 10, 10, 2000},
            BarSpec{10, 10, 10, 10, 10, 2000}})});
  auto config = bare_config();
  config.broker.participation_cap = 0.1;
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    auto gtc = market(0, Side::Buy, 500);
    gtc.tif = TimeInForce::Gtc;
    if (t == 0) {
      ASSERT_TRUE(c.submit(gtc));
    }
  };
  const auto out = run(panel, s, config);
  ASSERT_EQ(out.fills.size(), 3u);
  EXPECT_EQ(out.fills[0].date, day(1));
  EXPECT_EQ(out.fills[0].quantity, 200);
  EXPECT_EQ(out.fills[0].price, px(10));  // the raw open 20 x (10 / 20)
  EXPECT_EQ(out.fills[1].date, day(2));
  EXPECT_EQ(out.fills[1].quantity, 200);
  EXPECT_EQ(out.fills[2].quantity, 100);
}

TEST(GoldenBacktest, SlippageAndCommissionByHand) {
  const auto panel = store::Panel::build({make_series("A", {flat(50), flat(50), flat(50), flat(50)})});
  auto config = bare_config();
  config.broker.slippage = {.kind = sim::SlippageModel::Kind::FixedBps, .bps = 10};
  config.broker.commission = {.kind = sim::CommissionModel::Kind::PerShare, .per_share = 0.005, .minimum = 1.0,
                              .maximum_fraction = 0.01};
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 100)));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit(market(0, Side::Sell, 100)));
    }
  };
  const auto out = run(panel, s, config);
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[0].price, px(50.05));  // 50 + 10 bps
  EXPECT_EQ(out.fills[0].commission, core::Money::dollars(1));  // 100 × $0.005 is below the $1 minimum
  EXPECT_EQ(out.fills[1].price, px(49.95));
  EXPECT_DOUBLE_EQ(out.record.equity[1].cash, 100000.0 - 5005.0 - 1.0);
  ASSERT_EQ(out.record.trades.size(), 1u);
  EXPECT_DOUBLE_EQ(out.record.trades[0].pnl, -12.0);  // (49.95 − 50.05) × 100 − 2 × $1
  EXPECT_DOUBLE_EQ(out.record.trades[0].commission, 2.0);
  EXPECT_DOUBLE_EQ(out.record.equity.back().equity, 100000.0 - 12.0);
}

// Bars that move: every open differs from the previous close and the ranges are wide, so a
// fill at the wrong price (the previous close, this bar's close), on the wrong day, or with a
// wrong slippage or fee sign shows in the cash, to the cent. Worked by hand:
//   t0 close: buy 300 at market   -> t1 open 105 + 20 bps = 105.21, fee 300 x $0.01 = $3.00
//   t1 close: sell 120 at market  -> t2 open 107 - 20 bps = 106.786, fee $1.20
//   t2 close: buy 50 market-on-close -> t3 close 102 + 20 bps = 102.204, fee $0.50 -> $1 minimum
TEST(GoldenBacktest, MovingBarsWithSlippageAndCommissionToTheCent) {
  const auto panel = store::Panel::build({make_series(
      "A", {BarSpec{100, 104, 98, 102}, BarSpec{105, 110, 103, 108}, BarSpec{107, 109, 100, 101},
            BarSpec{99, 103, 97, 102}})});
  auto config = bare_config();
  config.broker.slippage = {.kind = sim::SlippageModel::Kind::FixedBps, .bps = 20};
  config.broker.commission = {.kind = sim::CommissionModel::Kind::PerShare, .per_share = 0.01, .minimum = 1.0,
                              .maximum_fraction = 0.01};
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 300)));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit(market(0, Side::Sell, 120)));
    }
    if (t == 2) {
      ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Buy, .quantity = 50, .type = OrderType::MarketOnClose}));
    }
  };
  const auto out = run(panel, s, config);
  ASSERT_EQ(out.fills.size(), 3u);
  EXPECT_EQ(out.fills[0].date, day(1));
  EXPECT_EQ(out.fills[0].price, px(105.21));
  EXPECT_EQ(out.fills[0].commission, core::Money::dollars(3));
  EXPECT_EQ(out.fills[1].date, day(2));
  EXPECT_EQ(out.fills[1].price, px(106.786));
  EXPECT_EQ(out.fills[1].commission, core::Money::round(1.20));
  EXPECT_EQ(out.fills[2].date, day(3));
  EXPECT_EQ(out.fills[2].price, px(102.204));
  EXPECT_EQ(out.fills[2].commission, core::Money::dollars(1));
  ASSERT_EQ(out.record.equity.size(), 4u);
  const double cash[] = {100000.00, 68434.00, 81247.12, 76135.92};
  const double equity[] = {100000.00, 100834.00, 99427.12, 99595.92};  // cash + shares x close
  for (std::size_t t = 0; t < 4; ++t) {
    EXPECT_NEAR(out.record.equity[t].cash, cash[t], 0.005) << "day " << t;
    EXPECT_NEAR(out.record.equity[t].equity, equity[t], 0.005) << "day " << t;
  }
}

TEST(GoldenBacktest, NothingFillsBeforeTheNextBar) {
  const auto panel = store::Panel::build({make_series("A", {flat(100), BarSpec{101, 101, 101, 101}})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 1)));
      ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Buy, .quantity = 1, .type = OrderType::MarketOnClose}));
    }
  };
  const auto out = run(panel, s);
  ASSERT_EQ(out.fills.size(), 2u);
  for (const auto& f : out.fills) EXPECT_EQ(f.date, day(1));
}

TEST(GoldenBacktest, ShortSellingNeedsToBeEnabledAndPaysBorrow) {
  const auto panel = store::Panel::build({make_series("A", {flat(100), flat(100), flat(100), flat(100)})});
  {
    Scripted s;
    s.bar = [](strategy::StrategyContext& c, std::size_t t) {
      if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Sell, 10)));
    }
    };
    const auto out = run(panel, s);
    EXPECT_TRUE(out.fills.empty());
    EXPECT_EQ(out.record.orders[0].status, "cancelled");
    EXPECT_EQ(out.record.orders[0].reason, "no more shares to sell (short selling is disabled)");
  }
  {
    auto config = bare_config();
    config.portfolio.allow_short = true;
    config.portfolio.borrow_rate = 0.0252;  // 1 bp of the short value a day
    Scripted s;
    s.bar = [](strategy::StrategyContext& c, std::size_t t) {
      if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Sell, 10)));
    }
    };
    const auto out = run(panel, s, config);
    ASSERT_EQ(out.fills.size(), 1u);
    // Short from day 1's open; days 1, 2, 3 each cost 1 bp of $1,000 = $0.10.
    EXPECT_NEAR(out.record.equity.back().equity, 100000.0 - 0.30, 1e-9);
    EXPECT_NEAR(out.record.equity.back().net_exposure, -1000.0 / (100000.0 - 0.30), 1e-12);
  }
}

TEST(GoldenBacktest, StopLimitTriggersThenFillsOnlyWithinItsLimit) {
  // Day 2 gaps to 92, under the stop (95) and the limit (94): triggered, but no fill at the
  // open; the high of 94.5 then reaches the limit, so it fills at 94.
  const auto panel = store::Panel::build(
      {make_series("A", {flat(100), flat(100), BarSpec{92, 94.5, 91, 93}, flat(93)})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 10)));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit({.instrument = 0, .side = Side::Sell, .quantity = 10, .type = OrderType::StopLimit,
                            .tif = TimeInForce::Gtc, .limit_price = px(94), .stop_price = px(95)}));
    }
  };
  const auto out = run(panel, s);
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[1].date, day(2));
  EXPECT_EQ(out.fills[1].price, px(94));
}

TEST(GoldenBacktest, ClientOrderIdIsTheIdempotencyKey) {
  const auto panel = store::Panel::build({make_series("A", {flat(100), flat(100)})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    auto request = market(0, Side::Buy, 10);
    request.client_order_id = "entry-1";
    const auto first = c.submit(request);
    const auto retry = c.submit(request);
    ASSERT_TRUE(first && retry);
    EXPECT_EQ(*first, *retry);
    request.quantity = 20;
    const auto clash = c.submit(request);
    ASSERT_FALSE(clash);
    EXPECT_EQ(clash.error().message, "client_order_id 'entry-1' is already used by order 1 with different fields");
  };
  const auto out = run(panel, s);
  ASSERT_EQ(out.record.orders.size(), 1u);
  EXPECT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.record.orders[0].client_order_id, "entry-1");
}

}  // namespace
}  // namespace kestrel::testing
