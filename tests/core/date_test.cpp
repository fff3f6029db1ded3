#include "core/date.hpp"

#include <gtest/gtest.h>

namespace kestrel::core {
namespace {

TEST(Date, EpochAndKnownDays) {
  EXPECT_EQ(Date::from_ymd(1970, 1, 1).days(), 0);
  EXPECT_EQ(Date::from_ymd(2000, 3, 1).days(), 11017);
  EXPECT_EQ(Date::from_ymd(2019, 12, 31).to_string(), "2019-12-31");
  EXPECT_EQ(Date::from_ymd(1969, 12, 31).days(), -1);
}

TEST(Date, RoundTripsEveryDayFor200Years) {
  for (std::int32_t d = Date::from_ymd(1900, 1, 1).days(); d < Date::from_ymd(2100, 1, 1).days(); ++d) {
    const Date date = Date::from_days(d);
    const auto parsed = Date::parse(date.to_string());
    ASSERT_TRUE(parsed.has_value()) << date.to_string();
    ASSERT_EQ(parsed->days(), d);
  }
}

TEST(Date, Weekday) {
  EXPECT_EQ(Date::from_ymd(1970, 1, 1).weekday(), 3u);   // Thursday
  EXPECT_EQ(Date::from_ymd(2019, 12, 30).weekday(), 0u); // Monday
  EXPECT_TRUE(Date::from_ymd(2019, 12, 29).is_weekend());
  EXPECT_EQ(Date::from_ymd(1969, 12, 29).weekday(), 0u); // Monday before the epoch
}

TEST(Date, RejectsMalformedAndImpossibleDates) {
  for (const char* bad : {"2019-02-29", "2019-13-01", "2019-00-10", "2019-1-01", "20190101", "2019-01-0a",
                          "", "2019-04-31"}) {
    EXPECT_FALSE(Date::parse(bad).has_value()) << bad;
  }
  EXPECT_TRUE(Date::parse("2020-02-29").has_value());
}

}  // namespace
}  // namespace kestrel::core
