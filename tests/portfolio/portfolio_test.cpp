#include <gtest/gtest.h>

#include "portfolio/portfolio.hpp"

namespace kestrel::portfolio {
namespace {

using core::Money;
using core::Price;

const core::Date d1 = core::Date::from_ymd(2024, 1, 2);
const core::Date d2 = core::Date::from_ymd(2024, 1, 3);

TEST(Portfolio, AverageCostRealisedAndUnrealised) {
  Portfolio p(2, {.initial_cash = Money::dollars(10'000)});
  std::vector<RoundTrip> closed;
  ASSERT_TRUE(p.apply_fill(0, 10, Price::dollars(100), Money::dollars(1), d1, 1, closed));
  ASSERT_TRUE(p.apply_fill(0, 10, Price::dollars(110), Money::dollars(1), d1, 1, closed));
  EXPECT_EQ(p.position(0).average_cost(), Price::dollars(105));
  EXPECT_EQ(p.cash(), Money::dollars(10'000 - 1000 - 1100 - 2));
  p.mark(0, Price::dollars(120), 2);
  EXPECT_EQ(p.unrealized(), Money::dollars(300));
  EXPECT_EQ(p.equity(), Money::dollars(10'000 - 2100 - 2 + 2400));
  ASSERT_TRUE(p.apply_fill(0, -5, Price::dollars(120), Money::dollars(1), d2, 2, closed));
  EXPECT_TRUE(closed.empty());
  EXPECT_EQ(p.position(0).realized, Money::dollars(75 - 3));  // 5 × (120 − 105) − all fees so far
  ASSERT_TRUE(p.apply_fill(0, -15, Price::dollars(100), Money::dollars(1), d2, 2, closed));
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].quantity, 20);
  EXPECT_EQ(closed[0].entry_value, Money::dollars(2100));
  EXPECT_EQ(closed[0].exit_value, Money::dollars(600 + 1500));
  EXPECT_EQ(closed[0].pnl, Money::dollars(-4));  // 2100 − 2100 − 4 fees
  EXPECT_EQ(closed[0].fees, Money::dollars(4));
  EXPECT_TRUE(p.held().empty());
  EXPECT_EQ(p.cash(), Money::dollars(10'000 - 4));
}

TEST(Portfolio, NoShortsUnlessEnabled) {
  Portfolio p(1, {});
  std::vector<RoundTrip> closed;
  auto s = p.apply_fill(0, -1, Price::dollars(10), Money{}, d1, 1, closed);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("short selling is disabled"), std::string::npos);
  EXPECT_EQ(p.cash(), Money::dollars(100'000));
}

TEST(Portfolio, FlipSplitsTheFillAndShortsPayBorrow) {
  Portfolio p(1, {.initial_cash = Money::dollars(1000), .allow_short = true, .borrow_rate = 0.252});
  std::vector<RoundTrip> closed;
  ASSERT_TRUE(p.apply_fill(0, 10, Price::dollars(10), Money{}, d1, 1, closed));
  ASSERT_TRUE(p.apply_fill(0, -30, Price::dollars(12), Money::dollars(3), d2, 2, closed));
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].pnl, Money::dollars(20 - 1));  // a third of the fee closes the long
  EXPECT_EQ(p.position(0).quantity, -20);
  EXPECT_EQ(p.position(0).fees, Money::dollars(2));
  p.accrue_borrow();  // 0.1% of the $240 short a day
  EXPECT_EQ(p.cash(), Money::dollars(1000 - 100 + 360 - 3) - Money::round(0.24));
  p.mark(0, Price::dollars(11), 3);
  EXPECT_EQ(p.market_value(), Money::dollars(-220));
  EXPECT_EQ(p.gross_value(), Money::dollars(220));
}

TEST(Portfolio, StalePositionsKeepTheirLastPrice) {
  Portfolio p(2, {});
  std::vector<RoundTrip> closed;
  ASSERT_TRUE(p.apply_fill(1, 10, Price::dollars(50), Money{}, d1, 1, closed));
  p.mark(1, Price::dollars(55), 1);
  p.mark_stale(1);
  EXPECT_TRUE(p.position(1).stale);
  EXPECT_EQ(p.stale_count(), 1u);
  EXPECT_EQ(p.market_value(), Money::dollars(550));
}

}  // namespace
}  // namespace kestrel::portfolio
