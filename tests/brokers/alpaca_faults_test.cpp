// Alpaca as unkind as the real one: failures after the order was accepted, rate limits,
// duplicate and out-of-order stream events, a dropped stream, a rejection, and a position
// changed outside the bot. The broker must never place an order twice nor book a fill twice.
#include <gtest/gtest.h>

#include "adapters/alpaca_wire.hpp"
#include "venue_harness.hpp"

namespace kestrel::testing {
namespace {

using execution::OrderEventKind;
using execution::OrderType;
using execution::Side;
using execution::TimeInForce;

execution::OrderRequest buy(std::uint32_t instrument, core::Quantity q) {
  return {.instrument = instrument, .side = Side::Buy, .quantity = q, .type = OrderType::Market, .tif = TimeInForce::Day};
}

TEST(AlpacaFaults, A5xxAfterTheOrderWasAcceptedIsSettledByALookupNotASecondOrder) {
  AlpacaUnderTest v;
  v.fake().fail_next_order(500, /*accept_it=*/true);
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", buy(0, 10))));
  EXPECT_EQ(v.fake().orders_with_client_id("k-1"), 1);
  EXPECT_EQ(v.fake().requests("POST /v2/orders"), 1) << "the POST was retried blindly";
  EXPECT_GE(v.fake().requests("GET /v2/orders:by_client_order_id"), 1);
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
}

TEST(AlpacaFaults, A5xxBeforeAcceptanceIsSentAgainOnceTheLookupSaysItIsNotThere) {
  AlpacaUnderTest v;
  v.fake().fail_next_order(503, /*accept_it=*/false);
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", buy(0, 10))));
  EXPECT_EQ(v.fake().orders_with_client_id("k-1"), 1);
  EXPECT_EQ(v.fake().requests("POST /v2/orders"), 2);
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
}

TEST(AlpacaFaults, ATimeoutAfterAcceptanceIsSettledByALookup) {
  AlpacaUnderTest v;
  v.fake().delay_next_order(std::chrono::milliseconds(900));  // the client gives up after 400 ms
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", buy(0, 10))));
  EXPECT_EQ(v.fake().orders_with_client_id("k-1"), 1);
  EXPECT_EQ(v.fake().requests("POST /v2/orders"), 1);
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
}

TEST(AlpacaFaults, A429WaitsForTheResetThenSendsOnce) {
  AlpacaUnderTest v;
  v.fake().throttle_next(1, 1);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", buy(0, 10))));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300)) << "did not wait for the reset";
  EXPECT_EQ(v.fake().orders_with_client_id("k-1"), 1);
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
}

TEST(AlpacaFaults, ARejectionCarriesAlpacasReason) {
  AlpacaUnderTest v;
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", buy(0, 100'000))));  // $5M with $100k
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Rejected));
  for (const auto& e : v.events.snapshot()) {
    if (e.kind == OrderEventKind::Rejected) {
      EXPECT_NE(e.reason.find("insufficient buying power"), std::string::npos) << e.reason;
    }
  }
  // Selling what is reserved by a working stop is refused too, as Alpaca does.
  ASSERT_TRUE(v.client().submit(an_order(2, "k-2", buy(0, 10))));
  v.open_market();
  ASSERT_TRUE(v.events.wait_for([&](const auto&) { return v.events.filled("k-2") == 10; }));
  auto stop = buy(0, 10);
  stop.side = Side::Sell;
  stop.type = OrderType::Stop;
  stop.tif = TimeInForce::Gtc;
  stop.stop_price = core::Price::round(45);
  ASSERT_TRUE(v.client().submit(an_order(3, "k-3", stop)));
  auto sell = buy(0, 10);
  sell.side = Side::Sell;
  ASSERT_TRUE(v.client().submit(an_order(4, "k-4", sell)));
  ASSERT_TRUE(v.events.wait_for_kind("k-4", OrderEventKind::Rejected));
}

TEST(AlpacaFaults, DuplicateAndOutOfOrderEventsBookEachFillOnce) {
  AlpacaUnderTest v;
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", buy(0, 10))));
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
  v.fake().duplicate_events(true);
  v.fake().hold_events();
  v.fake().fill("k-1", 4, 50.0);
  v.fake().fill("k-1", 6, 51.0);
  v.fake().release_events(/*reversed=*/true);  // fill (10) before partial_fill (4), each twice
  ASSERT_TRUE(v.events.wait_for([&](const auto&) { return v.events.filled("k-1") == 10; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(v.events.filled("k-1"), 10);
  double value = 0;
  for (const auto& e : v.events.snapshot()) {
    if (e.kind == OrderEventKind::Fill) value += static_cast<double>(e.quantity) * e.price.to_double();
  }
  EXPECT_NEAR(value, 4 * 50.0 + 6 * 51.0, 0.01);  // the total Alpaca reports
}

TEST(AlpacaFaults, FillsMissedWhileTheStreamWasDownArriveWithTheSweep) {
  AlpacaUnderTest v;
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", buy(0, 10))));
  ASSERT_TRUE(v.events.wait_for_kind("k-1", OrderEventKind::Accepted));
  const int before = v.fake().stream_connections();
  v.fake().drop_stream();
  ASSERT_TRUE(v.events.wait_for([&](const auto&) { return v.fake().live_stream_connections() == 0; }));
  v.fake().fill("k-1", 10, 50.0);  // nobody listening: this event is lost
  ASSERT_TRUE(v.events.wait_for([&](const auto&) { return v.fake().stream_connections() > before; }));
  ASSERT_TRUE(v.events.wait_for([&](const auto&) { return v.events.filled("k-1") == 10; }));
  EXPECT_GE(v.fake().requests("GET /v2/orders:by_client_order_id"), 1);  // the sweep
}

TEST(AlpacaFaults, APositionChangedOutsideTheBotIsWhatPositionsReports) {
  AlpacaUnderTest v;
  v.fake().set_position("BBB", 7, 48.0);
  auto positions = v.client().positions();
  ASSERT_TRUE(positions) << positions.error().message;
  ASSERT_EQ(positions->size(), 1u);
  EXPECT_EQ((*positions)[0].instrument, 1u);
  EXPECT_EQ((*positions)[0].quantity, 7);
}

TEST(AlpacaFaults, KeysAreNeverInALogLineOrAnError) {
  AlpacaUnderTest v;
  v.fake().fail_next_order(500, true);
  ASSERT_TRUE(v.client().submit(an_order(1, "k-1", buy(0, 10))));
  for (const auto& line : v.log()) {
    EXPECT_EQ(line.find("secret-never-logged"), std::string::npos) << line;
    EXPECT_EQ(line.find("PKTEST0000000000000"), std::string::npos) << line;
  }
}

TEST(AlpacaWire, OrdersTimesAndDecimals) {
  execution::OrderRequest r{.client_order_id = "k-9", .instrument = 0, .side = Side::Sell, .quantity = 3,
                            .type = OrderType::StopLimit, .tif = TimeInForce::Gtc,
                            .limit_price = core::Price::round(0.5123), .stop_price = core::Price::round(12.3)};
  auto body = adapters::alpaca::order_body(r, "AAA");
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ((*body)["type"], "stop_limit");
  EXPECT_EQ((*body)["qty"], "3");
  EXPECT_EQ((*body)["limit_price"], "0.5123");  // sub-dollar: four decimals
  EXPECT_EQ((*body)["stop_price"], "12.30");
  EXPECT_EQ((*body)["time_in_force"], "gtc");
  r.type = OrderType::Market;
  r.bracket = execution::Bracket{.take_profit = {}, .stop_loss = core::Price::round(9)};
  EXPECT_EQ((*adapters::alpaca::order_body(r, "AAA"))["order_class"], "oto");
  auto t = adapters::alpaca::parse_time("2021-03-16T18:38:01.942282Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, core::at_time_of_day(core::Date::from_ymd(2021, 3, 16), 18 * 3600 + 38 * 60 + 1) + 942'282'000);
  EXPECT_EQ(*adapters::alpaca::parse_time("2021-03-16T14:38:01-04:00"), *adapters::alpaca::parse_time("2021-03-16T18:38:01Z"));
  EXPECT_FALSE(adapters::alpaca::parse_time("yesterday"));
  auto o = adapters::alpaca::parse_order(nlohmann::json::parse(
      R"({"id":"a1","client_order_id":"k-1","symbol":"AAA","side":"buy","type":"market","status":"partially_filled",
          "qty":"10","filled_qty":"4","filled_avg_price":"50.25","updated_at":"2024-01-02T14:30:00Z","legs":null})"));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->filled_qty, 4);
  EXPECT_DOUBLE_EQ(o->filled_avg_price, 50.25);
  auto bad = adapters::alpaca::parse_order(nlohmann::json::parse(R"({"id":"a1","status":"new","qty":"1.5"})"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("fractional shares"), std::string::npos);
}

TEST(AlpacaFaults, FeeActivitiesArriveOnceInOrderAcrossPagesAfterTheLastBooked) {
  // 60 sells of a position held outside the bot: Alpaca charges a SEC fee and a TAF on each,
  // as 120 FEE activities — more than one page of 100.
  AlpacaUnderTest v;
  v.fake().charge_regulatory_fees();
  v.fake().set_position(kSymbols[0], 6'000, kPrice);
  for (int k = 1; k <= 60; ++k) {
    const std::string cid = "s-" + std::to_string(k);
    ASSERT_TRUE(v.client().submit(an_order(static_cast<execution::OrderId>(k), cid,
                                           {.instrument = 0, .side = Side::Sell, .quantity = 100,
                                            .type = OrderType::Market, .tif = TimeInForce::Day})));
    ASSERT_TRUE(v.events.wait_for_kind(cid, OrderEventKind::Accepted));
  }
  v.open_market();
  auto all = v.broker().fees_after("");
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 120u);
  double total = 0;
  for (std::size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].activity_type, "FEE");
    EXPECT_LT((*all)[i].net_amount, 0.0);
    if (i > 0) {
      EXPECT_LT((*all)[i - 1].id, (*all)[i].id) << "not oldest first";
    }
    total -= (*all)[i].net_amount;
  }
  EXPECT_NEAR(total, v.fake().fees_charged(), 1e-9);
  EXPECT_GE(v.fake().requests("GET /v2/account/activities/FEE"), 2);  // paged
  auto rest = v.broker().fees_after((*all)[99].id);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 20u);
  EXPECT_EQ(rest->front().id, (*all)[100].id);
  auto none = v.broker().fees_after(all->back().id);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace kestrel::testing
