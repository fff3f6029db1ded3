// The trading kernel between a strategy and a venue: point in time at every callback, one
// exit per position, every strategy order through the risk manager, and a venue whose
// answers come later than the kernel's requests.
#include <gtest/gtest.h>

#include <cmath>

#include "kernel_harness.hpp"

namespace kestrel::testing {
namespace {

using execution::OrderStatus;
using execution::OrderTag;
using execution::OrderType;
using execution::Side;
using execution::TimeInForce;

// Day 2 is the day the fills happen: its close, high and low are values nothing else has,
// so a strategy that could read them during the session would be caught.
constexpr double kSecretClose = 777.0;
constexpr double kSecretHigh = 800.0;
constexpr double kSecretLow = 50.0;

TEST(KernelPointInTime, OnFillAtTheOpenCannotReadTheDaysCloseHighOrLow) {
  const auto panel = store::Panel::build({make_series(
      "A", {flat(100), flat(100), BarSpec{100, kSecretHigh, kSecretLow, kSecretClose}, flat(kSecretClose)})});
  struct Peeker final : strategy::Strategy {
    std::vector<double> seen;
    std::size_t view_day = 99;
    bool filled = false;
    std::string_view name() const override { return "peeker"; }
    void on_bar(strategy::StrategyContext& c) override {
      if (c.market().today() == 1) (void)c.submit(market(0, Side::Buy, 10));
    }
    void on_fill(strategy::StrategyContext& c, const execution::Fill&) override {
      filled = true;
      const auto& m = c.market();
      view_day = m.today();
      seen = {m.close(0), m.high(0), m.low(0), m.close_ago(0, 0), m.raw(store::Field::Close, 0),
              m.raw(store::Field::High, 0), m.raw(store::Field::Low, 0), m.close_history(0, 5).back(),
              c.portfolio().position(0).last_price.to_double(), c.portfolio().equity().to_double()};
    }
  } peeker;
  KernelHarness h(panel, plain_kernel_config(), peeker);
  h.start();
  for (std::size_t t = 0; t < panel.num_dates(); ++t) h.day(t);
  ASSERT_TRUE(peeker.filled);
  EXPECT_EQ(peeker.view_day, 1u) << "during day 2's session the view must stand at day 1";
  for (double v : peeker.seen) {
    EXPECT_NE(v, kSecretClose);
    EXPECT_NE(v, kSecretHigh);
    EXPECT_NE(v, kSecretLow);
    EXPECT_NE(v, kSecretClose * 10);  // equity marked at the secret close
  }
}

TEST(KernelPointInTime, NothingIsVisibleBeforeTheFirstClose) {
  const auto panel = store::Panel::build({make_series("A", {flat(100), flat(101)})});
  struct Starter final : strategy::Strategy {
    bool saw_bar = true;
    std::string_view name() const override { return "starter"; }
    core::Status on_start(strategy::StrategyContext& c) override {
      saw_bar = c.market().has_bar(0) || !std::isnan(c.market().close_ago(0, 0)) || !c.market().close_history(0, 3).empty();
      return {};
    }
    void on_bar(strategy::StrategyContext&) override {}
  } starter;
  KernelHarness h(panel, plain_kernel_config(), starter);
  h.start();
  EXPECT_FALSE(starter.saw_bar);
}

// Long 10 shares from day 1 at 100 with the plan's 5% stop (95) working from day 1's close.
struct ExitScenario {
  Scripted strategy;
  trading::KernelConfig config = plain_kernel_config();
  ExitScenario() {
    config.portfolio.allow_short = true;  // a double exit would show as a short position
    config.rules.stop_loss = 0.05;
  }
};

TEST(KernelExits, AGappedOpenNeverFillsBothTheStopAndTheStrategyExit) {
  // Day 3 opens at 90, through the stop at 95, and the strategy sold at day 2's close.
  const auto panel = store::Panel::build(
      {make_series("A", {flat(100), flat(100), flat(97), BarSpec{90, 91, 89, 90}, flat(90)})});
  ExitScenario s;
  s.strategy.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) (void)c.submit(market(0, Side::Buy, 10));
    if (t == 2) {
      ASSERT_TRUE(c.submit(market(0, Side::Sell, 10)));
    }
  };
  KernelHarness h(panel, s.config, s.strategy);
  h.start();
  for (std::size_t t = 0; t < panel.num_dates(); ++t) h.day(t);
  ASSERT_FALSE(h.kernel.error()) << h.kernel.error()->message;
  EXPECT_EQ(h.kernel.portfolio().position(0).quantity, 0) << "both exits filled: an unintended short";
  ASSERT_EQ(s.strategy.fills.size(), 2u);
  EXPECT_EQ(s.strategy.fills[1].tag, OrderTag::Signal);
  EXPECT_EQ(s.strategy.fills[1].price, px(90));
  // The stop was taken off the venue before the exit was sent.
  const auto& orders = h.kernel.orders().orders();
  const auto stop = std::find_if(orders.begin(), orders.end(), [](const auto& o) { return o.request.type == OrderType::Stop; });
  ASSERT_NE(stop, orders.end());
  EXPECT_EQ(stop->status, OrderStatus::Cancelled);
  EXPECT_NE(stop->reason.find("replaced by the strategy's exit"), std::string::npos) << stop->reason;
}

TEST(KernelExits, TheExitWaitsForTheCancelAndIsWithdrawnWhenTheStopFilledFirst) {
  // Day 3 trades through the stop (95) intraday. The kernel's cancel of the stop reaches the
  // venue only after day 3's session: the stop fills, the cancel is refused, and the
  // strategy's exit, held until the cancel was settled, must never reach the venue.
  const auto panel = store::Panel::build(
      {make_series("A", {flat(100), flat(100), flat(97), BarSpec{96, 96, 93, 94}, flat(94)})});
  ExitScenario s;
  s.strategy.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) (void)c.submit(market(0, Side::Buy, 10));
    if (t == 2) {
      ASSERT_TRUE(c.submit(market(0, Side::Sell, 10)));
    }
  };
  KernelHarness h(panel, s.config, s.strategy);
  h.start();
  h.day(0);
  h.day(1);
  h.open(2);
  h.venue.hold_cancels = true;
  h.venue.hold_events = true;
  const int sent_before = h.venue.submitted;
  h.close(2);  // the strategy sells; the kernel asks to cancel the stop and holds the sell
  EXPECT_EQ(h.venue.submitted, sent_before) << "the exit went out while the stop was still working";
  const auto& orders = h.kernel.orders().orders();
  const auto& exit = orders.back();
  EXPECT_EQ(exit.request.tag, OrderTag::Signal);
  EXPECT_EQ(exit.status, OrderStatus::New);
  h.venue.venue().process_session(3);  // the stop fills before the cancel arrives
  h.venue.release();                   // the cancel is refused; the fill and the refusal arrive
  h.kernel.begin_session(3);
  h.kernel.process_events();
  h.close(3);
  h.day(4);
  ASSERT_FALSE(h.kernel.error()) << h.kernel.error()->message;
  EXPECT_EQ(h.kernel.portfolio().position(0).quantity, 0);
  EXPECT_EQ(exit.status, OrderStatus::Cancelled);
  EXPECT_EQ(exit.reason, "oco: position closed by bt-2");  // withdrawn, never sent
  EXPECT_EQ(h.venue.submitted, sent_before) << "the withdrawn exit must never be sent";
  ASSERT_EQ(s.strategy.fills.size(), 2u);
  EXPECT_EQ(s.strategy.fills[1].tag, OrderTag::Stop);
}

TEST(KernelExits, AnAttachedStopProtectsFromTheEntrySession) {
  // Entry at day 1's open (100); day 1 trades down to 90. With attach_stop the stop (95)
  // travels with the entry and fills that day; without it, the stop only exists from day 1's
  // close and day 2 (flat 92) fills it at its open.
  const auto panel = store::Panel::build(
      {make_series("A", {flat(100), BarSpec{100, 101, 90, 93}, flat(92), flat(92)})});
  for (const bool attach : {true, false}) {
    Scripted s;
    s.bar = [](strategy::StrategyContext& c, std::size_t t) {
      if (t == 0) {
        ASSERT_TRUE(c.submit(market(0, Side::Buy, 10)));
      }
    };
    auto config = plain_kernel_config();
    config.rules.stop_loss = 0.05;
    config.rules.attach_stop = attach;
    KernelHarness h(panel, config, s);
    h.start();
    for (std::size_t t = 0; t < panel.num_dates(); ++t) h.day(t);
    ASSERT_EQ(s.fills.size(), 2u) << "attach " << attach;
    EXPECT_EQ(s.fills[1].date, attach ? day(1) : day(2)) << "attach " << attach;
    EXPECT_EQ(s.fills[1].price, attach ? px(95) : px(92)) << "attach " << attach;
    EXPECT_EQ(h.kernel.portfolio().position(0).quantity, 0);
  }
}

TEST(KernelExits, WithdrawingAnUnsentEntryWithdrawsItsAttachedStop) {
  const auto panel = store::Panel::build({make_series("A", {flat(100), flat(100), flat(100)})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    auto id = c.submit(market(0, Side::Buy, 10));
    ASSERT_TRUE(id);
    ASSERT_TRUE(c.cancel(*id));  // changed its mind before the order left
  };
  auto config = plain_kernel_config();
  config.rules.stop_loss = 0.05;
  config.rules.attach_stop = true;
  KernelHarness h(panel, config, s);
  h.start();
  for (std::size_t t = 0; t < panel.num_dates(); ++t) h.day(t);
  ASSERT_EQ(h.kernel.orders().orders().size(), 2u);  // the entry and its stop
  for (const auto& o : h.kernel.orders().orders()) EXPECT_EQ(o.status, OrderStatus::Cancelled) << o.request.client_order_id;
  EXPECT_TRUE(h.kernel.orders().open().empty());
  EXPECT_EQ(h.venue.submitted, 0);
}

TEST(KernelRisk, EveryStrategyOrderIsCheckedWhateverItsTag) {
  // 200 shares at 100 is 20% of the equity, above the 10% order limit. Tagging the order as a
  // stop used to skip the check.
  const auto panel = store::Panel::build({make_series("A", {flat(100), flat(100), flat(100)})});
  Scripted s;
  std::vector<std::string> denials;
  s.bar = [&denials](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    for (OrderTag tag : {OrderTag::Signal, OrderTag::Stop, OrderTag::TrailingStop, OrderTag::End}) {
      auto denied = c.submit({.instrument = 0, .side = Side::Buy, .quantity = 200, .type = OrderType::Stop,
                              .tif = TimeInForce::Gtc, .stop_price = px(101), .tag = tag});
      ASSERT_FALSE(denied) << execution::to_string(tag);
      EXPECT_EQ(denied.error().kind, core::ErrorKind::Denied);
      denials.push_back(denied.error().message);
    }
  };
  auto config = plain_kernel_config();
  config.risk.enabled = true;
  KernelHarness h(panel, config, s);
  h.start();
  for (std::size_t t = 0; t < panel.num_dates(); ++t) h.day(t);
  ASSERT_EQ(denials.size(), 4u);
  for (const auto& d : denials) EXPECT_NE(d.find("max_order"), std::string::npos) << d;
  EXPECT_TRUE(h.kernel.orders().orders().empty());
}

TEST(KernelTargets, OverThePositionCapTheLargestTargetsAreKept) {
  // Four targets, a cap of two positions: the two largest weights (C 30%, A 20%) are bought
  // and the smaller ones (B 5%, D 10%) are dropped, whatever their order in the request.
  const auto panel = store::Panel::build({make_series("A", {flat(100), flat(100), flat(100)}),
                                          make_series("B", {flat(50), flat(50), flat(50)}),
                                          make_series("C", {flat(20), flat(20), flat(20)}),
                                          make_series("D", {flat(10), flat(10), flat(10)})});
  Scripted s;
  s.bar = [](strategy::StrategyContext& c, std::size_t t) {
    if (t != 0) return;
    const std::vector<strategy::TargetWeight> targets{
        {.instrument = 1, .weight = 0.05}, {.instrument = 0, .weight = 0.20},
        {.instrument = 3, .weight = 0.10}, {.instrument = 2, .weight = 0.30}};
    c.set_target_weights(targets);
  };
  auto config = plain_kernel_config();
  config.rules.max_positions = 2;
  KernelHarness h(panel, config, s);
  h.start();
  for (std::size_t t = 0; t < panel.num_dates(); ++t) h.day(t);
  const auto& book = h.kernel.portfolio();
  EXPECT_EQ(book.position(0).quantity, 200);   // 20% of 100,000 at 100
  EXPECT_EQ(book.position(1).quantity, 0);
  EXPECT_EQ(book.position(2).quantity, 1500);  // 30% of 100,000 at 20
  EXPECT_EQ(book.position(3).quantity, 0);
}

TEST(KernelVenue, SubmitOnlyMeansSentAndStateArrivesAsEvents) {
  const auto panel = store::Panel::build({make_series("A", {flat(100), flat(101), flat(102)})});
  Scripted s;
  execution::OrderId id = 0;
  s.bar = [&id](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) id = *c.submit(market(0, Side::Buy, 10));
  };
  KernelHarness h(panel, plain_kernel_config(), s);
  h.start();
  h.open(0);
  h.venue.hold_events = true;
  h.close(0);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(h.kernel.orders().order(id)->status, OrderStatus::Submitted);  // sent, no answer yet
  EXPECT_GT(h.venue.held_events(), 0u);
  h.venue.release();
  h.kernel.process_events();
  EXPECT_EQ(h.kernel.orders().order(id)->status, OrderStatus::Accepted);
  h.day(1);
  EXPECT_EQ(h.kernel.orders().order(id)->status, OrderStatus::Filled);
  // The venue's own book agrees with the kernel's portfolio.
  auto positions = h.venue.positions();
  ASSERT_TRUE(positions);
  ASSERT_EQ(positions->size(), 1u);
  EXPECT_EQ((*positions)[0].quantity, h.kernel.portfolio().position(0).quantity);
  EXPECT_EQ(h.venue.account()->cash, h.kernel.portfolio().cash());
}

TEST(KernelKillSwitch, CancelsEverythingFlattensAndRefusesNewRisk) {
  const auto panel = store::Panel::build({make_series("A", {flat(100), flat(100), flat(100), flat(100), flat(100)}),
                                          make_series("B", {flat(50), flat(50), flat(50), flat(50), flat(50)})});
  Scripted s;
  std::optional<core::Error> refused;
  s.bar = [&refused](strategy::StrategyContext& c, std::size_t t) {
    if (t == 0) {
      ASSERT_TRUE(c.submit(market(0, Side::Buy, 10)));
    }
    if (t == 1) {
      ASSERT_TRUE(c.submit({.instrument = 1, .side = Side::Buy, .quantity = 10, .type = OrderType::Limit,
                            .tif = TimeInForce::Gtc, .limit_price = px(40)}));
    }
    if (t == 3) {
      auto r = c.submit(market(1, Side::Buy, 10));
      if (!r) refused = r.error();
    }
  };
  KernelHarness h(panel, plain_kernel_config(), s);
  h.start();
  h.day(0);
  h.day(1);
  h.kernel.engage_kill_switch("operator", true);
  for (std::size_t t = 2; t < panel.num_dates(); ++t) h.day(t);
  EXPECT_EQ(h.kernel.portfolio().position(0).quantity, 0);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->message.find("kill switch"), std::string::npos);
  for (const auto& o : h.kernel.orders().orders()) {
    if (o.request.type == OrderType::Limit) {
      EXPECT_EQ(o.status, OrderStatus::Cancelled);
    }
    if (o.origin == execution::OrderOrigin::KillSwitch) {
      EXPECT_EQ(o.status, OrderStatus::Filled);
    }
  }
}

}  // namespace
}  // namespace kestrel::testing
