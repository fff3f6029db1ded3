// The ExecutionClient contract, run against the simulated venue and against Alpaca (the fake
// server): what the kernel relies on from any venue. Suite names say which venue ran.
#include <gtest/gtest.h>

#include "venue_harness.hpp"

namespace kestrel::testing {
namespace {

using execution::OrderEventKind;
using execution::OrderType;
using execution::Side;
using execution::TimeInForce;

execution::OrderRequest market_buy(std::uint32_t instrument, core::Quantity q) {
  return {.instrument = instrument, .side = Side::Buy, .quantity = q, .type = OrderType::Market, .tif = TimeInForce::Day};
}

template <class Venue>
class ExecutionContract : public ::testing::Test {
 protected:
  Venue venue;
};

using Venues = ::testing::Types<SimVenueUnderTest, AlpacaUnderTest>;
class VenueNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, SimVenueUnderTest> ? "SimVenue" : "Alpaca";
  }
};
TYPED_TEST_SUITE(ExecutionContract, Venues, VenueNames);

TYPED_TEST(ExecutionContract, SubmitSaysSentAndAcceptanceComesAsAnEvent) {
  auto& v = this->venue;
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", market_buy(0, 10))));
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
  auto open = v.client().open_orders();
  ASSERT_TRUE(open) << open.error().message;
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].client_order_id, "k-1");
  EXPECT_EQ((*open)[0].quantity, 10);
}

TYPED_TEST(ExecutionContract, AMarketOrderFillsAtTheOpenAndMovesTheBook) {
  auto& v = this->venue;
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", market_buy(0, 10))));
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
  v.open_market();
  ASSERT_TRUE(v.events.wait_for([](const auto&) { return true; }));
  ASSERT_TRUE(v.events.wait_for([&](const auto&) { return v.events.filled("k-1") == 10; }));
  for (const auto& e : v.events.snapshot()) {
    if (e.kind == OrderEventKind::Fill) {
      EXPECT_EQ(e.price, core::Price::round(kPrice));
      EXPECT_FALSE(e.execution_id.empty());
    }
  }
  auto positions = v.client().positions();
  ASSERT_TRUE(positions) << positions.error().message;
  ASSERT_EQ(positions->size(), 1u);
  EXPECT_EQ((*positions)[0].instrument, 0u);
  EXPECT_EQ((*positions)[0].quantity, 10);
  auto account = v.client().account();
  ASSERT_TRUE(account) << account.error().message;
  EXPECT_EQ(account->cash, core::Money::round(kCash - 10 * kPrice));
  EXPECT_TRUE(v.client().open_orders()->empty());
}

TYPED_TEST(ExecutionContract, CancellingAWorkingOrderIsConfirmedByAnEvent) {
  auto& v = this->venue;
  auto limit = market_buy(1, 5);
  limit.type = OrderType::Limit;
  limit.tif = TimeInForce::Gtc;
  limit.limit_price = core::Price::round(40);
  const auto order = an_order(7, "k-7", limit);
  ASSERT_TRUE(v.client().submit(order));
  ASSERT_TRUE(v.events.wait_for_kind("k-7", OrderEventKind::Accepted));
  ASSERT_TRUE(v.client().cancel(order));
  ASSERT_TRUE(v.events.wait_for_kind("k-7", OrderEventKind::Cancelled));
  EXPECT_TRUE(v.client().open_orders()->empty());
}

TYPED_TEST(ExecutionContract, CancellingAFilledOrderIsRefusedByAnEventNotAnError) {
  auto& v = this->venue;
  const auto order = an_order(1, "k-1", market_buy(0, 10));
  ASSERT_TRUE(v.client().submit(order));
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
  v.open_market();
  ASSERT_TRUE(v.events.wait_for([&](const auto&) { return v.events.filled("k-1") == 10; }));
  ASSERT_TRUE(v.client().cancel(order));
  EXPECT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::CancelRejected));
  EXPECT_EQ(v.events.count("k-1", OrderEventKind::Cancelled), 0u);
}

TYPED_TEST(ExecutionContract, ARejectedOrderIsRejectedAgainWhenResent) {
  auto& v = this->venue;
  const auto order = an_order(3, "k-3", market_buy(9, 10));  // no such instrument
  ASSERT_TRUE(v.client().submit(order));
  ASSERT_TRUE(v.events.wait_for_kind("k-3", OrderEventKind::Rejected));
  ASSERT_TRUE(v.client().submit(order));
  ASSERT_TRUE(v.events.wait_for([&](const auto&) { return v.events.count("k-3", OrderEventKind::Rejected) == 2; }));
  EXPECT_EQ(v.events.count("k-3", OrderEventKind::Accepted), 0u);
}

TYPED_TEST(ExecutionContract, SendingAnAcceptedOrderAgainDoesNotDuplicateIt) {
  auto& v = this->venue;
  const auto order = an_order(1, "k-1", market_buy(0, 10));
  ASSERT_TRUE(v.client().submit(order));
  ASSERT_TRUE(v.client().submit(order));  // a retry after a crash, say
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
  EXPECT_EQ(v.client().open_orders()->size(), 1u);
  v.open_market();
  ASSERT_TRUE(v.events.wait_for([&](const auto&) { return v.events.filled("k-1") == 10; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(v.events.filled("k-1"), 10);
  EXPECT_EQ((*v.client().positions())[0].quantity, 10);
}

}  // namespace
}  // namespace kestrel::testing
