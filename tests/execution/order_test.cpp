#include <gtest/gtest.h>

#include "execution/order.hpp"

namespace kestrel::execution {
namespace {

TEST(OrderStateMachine, AllowedAndForbiddenTransitions) {
  using S = OrderStatus;
  const S all[] = {S::New,    S::Submitted, S::Accepted, S::PartiallyFilled, S::PendingCancel,
                   S::Filled, S::Cancelled, S::Expired,  S::Rejected};
  const std::vector<std::pair<S, S>> allowed = {
      {S::New, S::Submitted},
      {S::New, S::Accepted},
      {S::New, S::Cancelled},  // withdrawn before it was sent
      {S::New, S::Rejected},
      {S::Submitted, S::Accepted},
      {S::Submitted, S::PartiallyFilled},  // a fill reported before the acknowledgement
      {S::Submitted, S::Filled},
      {S::Submitted, S::PendingCancel},
      {S::Submitted, S::Cancelled},
      {S::Submitted, S::Expired},
      {S::Submitted, S::Rejected},
      {S::Accepted, S::PartiallyFilled},
      {S::Accepted, S::Filled},
      {S::Accepted, S::PendingCancel},
      {S::Accepted, S::Cancelled},
      {S::Accepted, S::Expired},
      {S::Accepted, S::Rejected},
      {S::PartiallyFilled, S::PartiallyFilled},
      {S::PartiallyFilled, S::Filled},
      {S::PartiallyFilled, S::PendingCancel},
      {S::PartiallyFilled, S::Cancelled},
      {S::PartiallyFilled, S::Expired},
      {S::PartiallyFilled, S::Rejected},
      {S::PendingCancel, S::Filled},  // the late fill
      {S::PendingCancel, S::Accepted},  // cancel refused
      {S::PendingCancel, S::PartiallyFilled},
      {S::PendingCancel, S::Cancelled},
      {S::PendingCancel, S::Expired},
  };
  for (S from : all) {
    for (S to : all) {
      const bool expected = std::find(allowed.begin(), allowed.end(), std::pair{from, to}) != allowed.end();
      EXPECT_EQ(check_transition(from, to).has_value(), expected) << to_string(from) << " -> " << to_string(to);
    }
  }
}

TEST(OrderStateMachine, TransitionRecordsTimeAndRejectsInvalidMoves) {
  Order o;
  o.id = 7;
  o.request.client_order_id = "c-7";
  const auto at = [](int day, int second) { return core::at_time_of_day(core::Date::from_ymd(2024, 1, day), second); };
  ASSERT_TRUE(transition(o, OrderStatus::Accepted, at(2, 60)));
  ASSERT_TRUE(transition(o, OrderStatus::Filled, at(3, core::kSessionOpenSecond)));
  EXPECT_EQ(o.last_update, core::Date::from_ymd(2024, 1, 3));
  EXPECT_EQ(o.updated_ns, at(3, core::kSessionOpenSecond));
  auto again = transition(o, OrderStatus::Cancelled, at(4, 0));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, "order 7 (c-7): invalid order transition filled -> cancelled");
  EXPECT_EQ(o.status, OrderStatus::Filled);
}

TEST(OrderValidation, NamesTheField) {
  OrderRequest r{.instrument = 0, .side = Side::Buy, .quantity = 0};
  EXPECT_EQ(validate(r).error().message, "quantity: must be positive, got 0");
  r.quantity = 5;
  r.type = OrderType::Limit;
  EXPECT_EQ(validate(r).error().message, "limit_price: a limit order needs a positive limit price");
  r.type = OrderType::StopLimit;
  r.limit_price = core::Price::dollars(10);
  EXPECT_EQ(validate(r).error().message, "stop_price: a stop_limit order needs a positive stop price");
  r.type = OrderType::TrailingStop;
  EXPECT_FALSE(validate(r));
  r.trail_fraction = 0.05;
  EXPECT_TRUE(validate(r));
  r.type = OrderType::Market;
  r.bracket = Bracket{.take_profit = core::Price::dollars(90), .stop_loss = core::Price::dollars(95)};
  EXPECT_NE(validate(r).error().message.find("bracket: for a buy entry the stop_loss (95.00)"), std::string::npos);
  r.bracket = Bracket{.take_profit = core::Price::dollars(110), .stop_loss = core::Price::dollars(95)};
  EXPECT_TRUE(validate(r));
  r.bracket = Bracket{.take_profit = {}, .stop_loss = core::Price::dollars(95)};  // stop only
  EXPECT_TRUE(validate(r));
  r.bracket = Bracket{.take_profit = core::Price::dollars(110), .stop_loss = {}};
  EXPECT_FALSE(validate(r));
}

}  // namespace
}  // namespace kestrel::execution
