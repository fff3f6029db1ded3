#include <gtest/gtest.h>

#include "execution/order.hpp"

namespace kestrel::execution {
namespace {

TEST(OrderStateMachine, AllowedAndForbiddenTransitions) {
  using S = OrderStatus;
  const S all[] = {S::New, S::Accepted, S::PartiallyFilled, S::Filled, S::Cancelled, S::Expired, S::Rejected};
  const std::vector<std::pair<S, S>> allowed = {
      {S::New, S::Accepted},
      {S::New, S::Rejected},
      {S::Accepted, S::PartiallyFilled},
      {S::Accepted, S::Filled},
      {S::Accepted, S::Cancelled},
      {S::Accepted, S::Expired},
      {S::PartiallyFilled, S::PartiallyFilled},
      {S::PartiallyFilled, S::Filled},
      {S::PartiallyFilled, S::Cancelled},
      {S::PartiallyFilled, S::Expired},
  };
  for (S from : all) {
    for (S to : all) {
      const bool expected = std::find(allowed.begin(), allowed.end(), std::pair{from, to}) != allowed.end();
      EXPECT_EQ(check_transition(from, to).has_value(), expected) << to_string(from) << " -> " << to_string(to);
    }
  }
}

TEST(OrderStateMachine, TransitionRecordsDateAndRejectsInvalidMoves) {
  Order o;
  o.id = 7;
  o.request.client_order_id = "c-7";
  ASSERT_TRUE(transition(o, OrderStatus::Accepted, core::Date::from_ymd(2024, 1, 2)));
  ASSERT_TRUE(transition(o, OrderStatus::Filled, core::Date::from_ymd(2024, 1, 3)));
  EXPECT_EQ(o.last_update, core::Date::from_ymd(2024, 1, 3));
  auto again = transition(o, OrderStatus::Cancelled, core::Date::from_ymd(2024, 1, 4));
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
}

}  // namespace
}  // namespace kestrel::execution
