#include "store/trading_calendar.hpp"

#include <filesystem>
#include <set>
#include <variant>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/input_file.hpp"
#include "store/nyse_closures_csv.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::store {
namespace {

using core::Date;
using ::testing::HasSubstr;

Date d(const char* text) { return *Date::parse(text); }

TradingCalendar nyse() {
  auto calendar = TradingCalendar::nyse();
  EXPECT_TRUE(calendar.has_value()) << calendar.error().message;
  return std::move(*calendar);
}

bool session(const TradingCalendar& c, const char* date) {
  auto s = c.is_session(d(date));
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return s.value_or(false);
}

std::string reason(const TradingCalendar& c, const char* date) {
  auto r = c.closure_reason(d(date));
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return r && *r ? **r : std::string();
}

std::vector<Date> bar_dates(const std::filesystem::path& path) {
  auto file = read_input_file(path);
  EXPECT_TRUE(file.has_value()) << file.error().message;
  std::vector<Date> dates;
  for (const Bar& b : std::get<BarFile>(*file).bars) dates.push_back(b.date);
  return dates;
}

// Every bar is on a session and every session in [from, to] has a bar.
void expect_same_sessions(const TradingCalendar& calendar, const std::vector<Date>& all_dates,
                          Date from, Date to) {
  std::set<Date> dates;
  for (Date date : all_dates) {
    if (from <= date && date <= to) dates.insert(date);
  }
  auto sessions = calendar.sessions(from, to);
  ASSERT_TRUE(sessions.has_value()) << sessions.error().message;
  std::vector<std::string> missing, extra;
  for (Date s : *sessions) {
    if (!dates.contains(s)) missing.push_back(s.to_string());
  }
  const std::set<Date> session_set(sessions->begin(), sessions->end());
  for (Date date : dates) {
    if (!session_set.contains(date)) extra.push_back(date.to_string());
  }
  EXPECT_THAT(missing, ::testing::IsEmpty()) << "sessions without a bar";
  EXPECT_THAT(extra, ::testing::IsEmpty()) << "bars on days the calendar says are closed";
  EXPECT_EQ(*calendar.session_count(from, to), static_cast<std::int64_t>(dates.size()));
}

TEST(TradingCalendar, CoversNyseRangeAndEmbedsTheCommittedCsv) {
  const auto calendar = nyse();
  EXPECT_EQ(calendar.first_date(), d("1980-01-01"));
  EXPECT_EQ(calendar.last_date(), d("2030-12-31"));
  // The binary carries exactly the CSV in the repo (a stale build would differ).
  EXPECT_EQ(embedded_nyse_closures_csv(),
            testing::read_file(std::filesystem::path(KESTREL_SOURCE_DIR) /
                               "data/calendar/nyse_closures.csv"));
  EXPECT_EQ(calendar.closures().size(), 456u);
}

TEST(TradingCalendar, RegularHolidaysFollowNyseRules) {
  const auto c = nyse();
  EXPECT_EQ(reason(c, "2019-01-01"), "New Year's Day");
  EXPECT_EQ(reason(c, "2017-01-02"), "New Year's Day");  // Jan 1 on a Sunday -> Monday
  // Jan 1 on a Saturday: no closure on the Friday before (NYSE rule).
  EXPECT_TRUE(session(c, "2021-12-31"));
  EXPECT_TRUE(session(c, "2010-12-31"));
  EXPECT_TRUE(session(c, "1999-12-31"));
  EXPECT_TRUE(session(c, "1997-01-20"));  // MLK Day before the NYSE observed it
  EXPECT_EQ(reason(c, "1998-01-19"), "Martin Luther King Jr. Day");
  EXPECT_EQ(reason(c, "2019-02-18"), "Washington's Birthday");
  EXPECT_EQ(reason(c, "2019-04-19"), "Good Friday");
  EXPECT_EQ(reason(c, "2008-03-21"), "Good Friday");
  EXPECT_EQ(reason(c, "2019-05-27"), "Memorial Day");
  EXPECT_TRUE(session(c, "2021-06-18"));  // Juneteenth only from 2022
  EXPECT_EQ(reason(c, "2022-06-20"), "Juneteenth National Independence Day");  // Sunday -> Monday
  EXPECT_EQ(reason(c, "2027-06-18"), "Juneteenth National Independence Day");  // Saturday -> Friday
  EXPECT_EQ(reason(c, "2015-07-03"), "Independence Day");                      // Saturday -> Friday
  EXPECT_EQ(reason(c, "2010-07-05"), "Independence Day");                      // Sunday -> Monday
  EXPECT_EQ(reason(c, "2019-09-02"), "Labor Day");
  EXPECT_EQ(reason(c, "2019-11-28"), "Thanksgiving Day");
  EXPECT_TRUE(session(c, "2019-11-29"));  // the day after Thanksgiving is an early close
  EXPECT_EQ(reason(c, "2021-12-24"), "Christmas Day");  // Saturday -> Friday
  EXPECT_EQ(reason(c, "2022-12-26"), "Christmas Day");  // Sunday -> Monday
  EXPECT_TRUE(session(c, "2019-12-24"));
  EXPECT_EQ(reason(c, "1980-11-04"), "Election Day");  // presidential election days to 1980
  EXPECT_TRUE(session(c, "1984-11-06"));
  EXPECT_FALSE(session(c, "2019-12-28"));  // Saturday
  EXPECT_EQ(reason(c, "2019-12-28"), "");
}

TEST(TradingCalendar, SpecialClosures) {
  const auto c = nyse();
  for (const char* date :
       {"1985-09-27", "1994-04-27", "2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14",
        "2004-06-11", "2007-01-02", "2012-10-29", "2012-10-30", "2018-12-05", "2025-01-09"}) {
    EXPECT_FALSE(session(c, date)) << date;
    EXPECT_NE(reason(c, date), "") << date;
  }
  EXPECT_EQ(reason(c, "2012-10-29"), "Hurricane Sandy");
  EXPECT_TRUE(session(c, "2001-09-10"));
  EXPECT_TRUE(session(c, "2001-09-17"));
  EXPECT_TRUE(session(c, "1987-10-19"));  // the crash was traded
}

TEST(TradingCalendar, NavigationAndCounts) {
  const auto c = nyse();
  EXPECT_EQ(*c.next_session(d("2019-12-24")), d("2019-12-26"));
  EXPECT_EQ(*c.next_session(d("2001-09-10")), d("2001-09-17"));
  EXPECT_EQ(*c.previous_session(d("2019-12-26")), d("2019-12-24"));
  EXPECT_EQ(*c.previous_session(d("2020-01-01")), d("2019-12-31"));
  EXPECT_EQ(*c.next_session(d("2019-12-28")), d("2019-12-30"));  // from a weekend
  EXPECT_EQ(*c.session_count(d("2019-01-01"), d("2019-12-31")), 252);
  EXPECT_EQ(*c.session_count(d("2018-01-01"), d("2018-12-31")), 251);  // Bush mourning day
  EXPECT_EQ(*c.session_count(d("2019-12-31"), d("2019-12-30")), 0);
  const auto week = *c.sessions(d("2019-12-23"), d("2019-12-29"));
  EXPECT_EQ(week, (std::vector<Date>{d("2019-12-23"), d("2019-12-24"), d("2019-12-26"),
                                     d("2019-12-27")}));
  EXPECT_TRUE(c.sessions(d("2019-12-31"), d("2019-12-30"))->empty());
}

TEST(TradingCalendar, OutOfRangeIsAnError) {
  const auto c = nyse();
  auto before = c.is_session(d("1979-12-31"));
  ASSERT_FALSE(before.has_value());
  EXPECT_THAT(
      before.error().message,
      HasSubstr("1979-12-31 is outside the trading calendar's range 1980-01-01 .. 2030-12-31"));
  EXPECT_FALSE(c.sessions(d("2030-12-01"), d("2031-01-31")).has_value());
  EXPECT_FALSE(c.session_count(d("1979-01-01"), d("1980-12-31")).has_value());
  EXPECT_FALSE(c.closure_reason(d("2031-01-01")).has_value());
  auto next = c.next_session(d("2030-12-31"));
  ASSERT_FALSE(next.has_value());
  EXPECT_THAT(next.error().message, HasSubstr("no session after 2030-12-31"));
  EXPECT_FALSE(c.previous_session(d("1980-01-02")).has_value());  // Jan 1 1980 was a holiday
  EXPECT_TRUE(c.covers(d("2030-12-31")));
  EXPECT_FALSE(c.covers(d("2031-01-01")));
}

TEST(TradingCalendar, FromCsvRejectsBadListsWithTheLine) {
  const Date first = d("2019-01-01"), last = d("2019-12-31");
  auto parse = [&](const std::string& text) {
    return TradingCalendar::from_csv(text, "c.csv", first, last);
  };
  EXPECT_TRUE(parse("date,reason\n2019-12-25,Christmas Day\n").has_value());
  EXPECT_THAT(parse("day,why\n").error().message,
              HasSubstr("c.csv:1:1: expected the header 'date,reason'"));
  EXPECT_THAT(parse("date,reason\n2019-12-28,x\n").error().message,
              HasSubstr("c.csv:2:1: 2019-12-28 is a weekend day"));
  EXPECT_THAT(parse("date,reason\n2019-12-25,x\n2019-07-04,y\n").error().message,
              HasSubstr("c.csv:3:1: 2019-07-04 is not after"));
  EXPECT_THAT(parse("date,reason\n2019-12-25,x\n2019-12-25,y\n").error().message,
              HasSubstr("c.csv:3:1"));
  EXPECT_THAT(parse("date,reason\n2020-01-01,x\n").error().message,
              HasSubstr("outside the calendar range"));
  EXPECT_THAT(parse("date,reason\n2019-13-01,x\n").error().message,
              HasSubstr("c.csv:2:1: '2019-13-01' is not a date"));
  EXPECT_THAT(parse("date,reason\n2019-12-25\n").error().message,
              HasSubstr("c.csv:2:1: expected 2 fields"));
}

TEST(TradingCalendar, AgreesWithSampleSpyBars) {
  const auto spy = bar_dates(std::filesystem::path(KESTREL_SAMPLE_DATA) / "SPY.csv.gz");
  ASSERT_FALSE(spy.empty());
  expect_same_sessions(nyse(), spy, d("2010-01-04"), d("2019-12-31"));
}

TEST(TradingCalendar, AgreesWithFullSpxHistory) {
  const std::filesystem::path spx = KESTREL_SOURCE_DIR "/../shared/data/us-daily/SPX.csv.gz";
  if (!std::filesystem::exists(spx)) GTEST_SKIP() << spx << " not present";
  const auto dates = bar_dates(spx);
  ASSERT_FALSE(dates.empty());
  // The whole index history in the data set (1982-04-20 ..), which covers 1999-11-01 ..
  // 2019-12-31 and the older special closures (Hurricane Gloria, Nixon).
  ASSERT_LE(dates.front(), d("1999-11-01"));
  expect_same_sessions(nyse(), dates, dates.front(), d("2019-12-31"));
}

}  // namespace
}  // namespace kestrel::store
