#include <gtest/gtest.h>

#include "server/round_trips.hpp"

namespace kestrel::server {
namespace {

store::JournalEvent fill(const std::string& ticker, const std::string& side, double shares, double price,
                         double commission, std::int64_t ts) {
  store::JournalEvent e;
  e.kind = "fill";
  e.ticker = ticker;
  e.side = side;
  e.quantity = shares;
  e.price = price;
  e.commission = commission;
  e.ts = ts;
  return e;
}

TEST(RoundTrips, ATradeIsFromFlatToFlatWithCommissionsInItsPnl) {
  std::vector<store::JournalEvent> events = {
      fill("AAA", "buy", 10, 100, 1, 1),    // open
      fill("AAA", "buy", 10, 110, 1, 2),    // add
      fill("BBB", "buy", 5, 50, 1, 3),      // another ticker, still open at the end
      fill("AAA", "sell", 20, 108, 1, 4),   // close: 2160 - 1000 - 1100 - 3 = 57
      fill("AAA", "buy", 4, 100, 1, 5),     // a second AAA trade
      fill("AAA", "sell", 4, 99, 1, 6),     // 396 - 400 - 2 = -6
  };
  store::JournalEvent not_a_fill = fill("AAA", "sell", 100, 1, 0, 7);
  not_a_fill.kind = "cancelled";
  events.push_back(not_a_fill);
  const RoundTrips t = round_trips(events);
  ASSERT_EQ(t.closed.size(), 2u);
  EXPECT_NEAR(t.closed[0].pnl, 57, 1e-9);
  EXPECT_TRUE(t.closed[0].long_side);
  EXPECT_EQ(t.closed[0].opened_ns, 1);
  EXPECT_EQ(t.closed[0].closed_ns, 4);
  EXPECT_NEAR(t.closed[1].pnl, -6, 1e-9);
  EXPECT_EQ(t.wins, 1);
  EXPECT_EQ(t.losses, 1);
  EXPECT_NEAR(t.realised, 51, 1e-9);
}

TEST(RoundTrips, AFillThroughZeroClosesOneTradeAndOpensTheNext) {
  const RoundTrips t = round_trips({
      fill("AAA", "buy", 10, 100, 2, 1),
      fill("AAA", "sell", 30, 90, 6, 2),  // 10 close the long (-100 - 2 - 2 = -104), 20 open a short
      fill("AAA", "buy", 20, 80, 2, 3),   // the short: 1800 - 4 - 1600 - 2 = 194
  });
  ASSERT_EQ(t.closed.size(), 2u);
  EXPECT_TRUE(t.closed[0].long_side);
  EXPECT_NEAR(t.closed[0].pnl, -104, 1e-9);
  EXPECT_FALSE(t.closed[1].long_side);
  EXPECT_NEAR(t.closed[1].pnl, 194, 1e-9);
  EXPECT_EQ(t.closed[1].opened_ns, 2);
}

}  // namespace
}  // namespace kestrel::server
