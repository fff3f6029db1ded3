#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/clock.hpp"
#include "core/fixed_point.hpp"

namespace kestrel::core {
namespace {

TEST(FixedPoint, ConversionsAreCheckedAndRounded) {
  EXPECT_EQ(Price::from_double(12.3456786)->raw(), 12'345'679);
  EXPECT_EQ(Price::from_double(-0.0000004)->raw(), 0);
  EXPECT_FALSE(Price::from_double(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(Money::from_double(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(Money::from_double(1e13));  // beyond ±9.2 trillion dollars
  EXPECT_EQ(to_string(Money::from_raw(-1'500'000)), "-1.50");
  EXPECT_EQ(to_string(Price::from_raw(100'000'001)), "100.000001");
}

TEST(FixedPoint, ArithmeticIsExact) {
  const Price p = Price::round(0.1);
  EXPECT_EQ(notional(p, 3), Money::round(0.3));  // no 0.30000000000000004
  EXPECT_EQ(Money::dollars(10) - Money::round(0.01), Money::round(9.99));
  EXPECT_EQ(shares_for(Money::dollars(1000), Price::round(33.0)), 30);
  EXPECT_EQ(Money::dollars(100).scaled(0.0001), Money::round(0.01));
  EXPECT_EQ(Money::round(-2.5).abs(), Money::round(2.5));
}

// An overflow or a NaN is an error the caller sees (a failed test, a CLI error), not an abort.
TEST(FixedPoint, OverflowAndNaNThrowInsteadOfAborting) {
  EXPECT_THROW((void)notional(Price::dollars(1'000'000), 1'000'000'000), std::overflow_error);
  EXPECT_THROW((void)Price::round(std::nan("")), std::overflow_error);
  try {
    (void)(Money::dollars(9'000'000'000'000) + Money::dollars(9'000'000'000'000));
    ADD_FAILURE() << "no exception";
  } catch (const std::overflow_error& e) {
    EXPECT_NE(std::string(e.what()).find("fixed-point overflow in add"), std::string::npos);
  }
}

TEST(SimClock, OnlyMovesForward) {
  SimClock clock;
  const UnixNanos open = at_time_of_day(Date::from_ymd(2024, 1, 2), 14 * 3600 + 1800);
  EXPECT_TRUE(clock.advance_to(open));
  EXPECT_EQ(clock.today(), Date::from_ymd(2024, 1, 2));
  EXPECT_FALSE(clock.advance_to(open - 1));
  EXPECT_EQ(clock.now(), open);
}

}  // namespace
}  // namespace kestrel::core
