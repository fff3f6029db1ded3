#include "store/data_validator.hpp"

#include <algorithm>
#include <map>
#include <variant>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/importer.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::store {
namespace {

using core::Date;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

Date d(const char* text) { return *Date::parse(text); }

TradingCalendar calendar() {
  auto nyse = TradingCalendar::nyse();
  EXPECT_TRUE(nyse.has_value()) << nyse.error().message;
  return std::move(*nyse);
}

// A defect-free series: one bar per session from `from`, closes that change every day by a
// small step, high/low around open and close, positive volume.
std::vector<Bar> clean_bars(const char* from, std::size_t count) {
  std::vector<Bar> bars;
  Date day = d(from);
  if (!*calendar().is_session(day)) day = *calendar().next_session(day);
  for (std::size_t i = 0; i < count; ++i, day = *calendar().next_session(day)) {
    const double close = 100 + 0.1 * static_cast<double>(i);
    bars.push_back({day, close - 0.05, close + 1, close - 1, close, close, 1000});
  }
  return bars;
}

void set_close(Bar& b, double close) {
  b.close = b.adj_close = close;
  b.open = close;
  b.high = close + 1;
  b.low = close - 1;
}

TickerValidation check(std::vector<Bar> bars, const std::vector<CorporateAction>& actions = {},
                       ValidationOptions options = {}) {
  return validate_bars("T", std::move(bars), actions, calendar(), options);
}

std::vector<Finding> of(const TickerValidation& v, Check c) {
  std::vector<Finding> out;
  std::copy_if(v.findings.begin(), v.findings.end(), std::back_inserter(out),
               [&](const Finding& f) { return f.check == c; });
  return out;
}

TEST(DataValidator, CleanDataHasNoFindings) {
  // Spans Thanksgiving, Christmas and New Year's Day: holidays are not missing sessions.
  const auto v = check(clean_bars("2019-11-01", 70));
  EXPECT_THAT(v.findings, ::testing::IsEmpty());
  EXPECT_EQ(v.rows, 70);
  EXPECT_EQ(v.first_date, d("2019-11-01"));
  EXPECT_EQ(v.last_date, d("2020-02-12"));
  EXPECT_EQ(v.missing_sessions + v.non_session_dates + v.duplicate_dates + v.non_positive_prices +
                v.negative_volume + v.high_below_low + v.outside_range + v.zero_volume_days +
                v.stale_runs + v.unadjusted_splits + v.outside_calendar,
            0);
  EXPECT_TRUE(check({}).findings.empty());
}

TEST(DataValidator, MissingSessionsAreReportedAsRuns) {
  auto bars = clean_bars("2019-11-01", 40);
  const Date s10 = bars[10].date, s11 = bars[11].date, s20 = bars[20].date;
  bars.erase(bars.begin() + 20);
  bars.erase(bars.begin() + 10, bars.begin() + 12);
  bars.erase(bars.begin());  // before the first bar nothing is missing
  const auto v = check(bars);
  EXPECT_EQ(v.missing_sessions, 3);
  const auto missing = of(v, Check::MissingSessions);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].first, s10);
  EXPECT_EQ(missing[0].last, s11);
  EXPECT_EQ(missing[0].count, 2);
  EXPECT_EQ(missing[1].first, s20);
  EXPECT_EQ(missing[1].last, s20);
  EXPECT_EQ(missing[1].count, 1);
  EXPECT_EQ(v.findings.size(), 2u);
}

TEST(DataValidator, BarsOnClosedDaysAreReported) {
  auto bars = clean_bars("2019-12-02", 30);
  bars.push_back({d("2019-12-25"), 100, 101, 99, 100.5, 100.5, 10});  // Christmas
  bars.push_back({d("2019-12-07"), 100, 101, 99, 100.5, 100.5, 10});  // a Saturday
  const auto v = check(bars);
  EXPECT_EQ(v.non_session_dates, 2);
  const auto found = of(v, Check::NonSessionDate);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].first, d("2019-12-07"));
  EXPECT_THAT(found[0].detail, HasSubstr("Saturday"));
  EXPECT_EQ(found[1].first, d("2019-12-25"));
  EXPECT_THAT(found[1].detail, HasSubstr("Christmas Day"));
  EXPECT_EQ(v.missing_sessions, 0);
  EXPECT_EQ(v.findings.size(), 2u);
}

TEST(DataValidator, LenientParsingKeepsDuplicatesAndNegativesForTheChecks) {
  const std::string text =
      "date,open,high,low,close,adj_close,volume\n"
      "2019-12-02,10,11,9,10.5,10.5,100\n"
      "2019-12-03,10,11,-1,10.6,10.6,100\n"  // negative low
      "2019-12-03,10,11,9,10.6,10.6,100\n"   // duplicate date
      "2019-12-04,10,11,9,10.7,10.7,-5\n"    // negative volume
      "2019-12-05,10,11,9,10.8,10.8,100\n"
      "2019-12-05,10,11,9,10.9,10.9,100\n"
      "2019-12-05,10,11,9,11,11,100\n"
      "2019-12-06,0,11,9,10.2,10.2,100\n";  // zero open
  EXPECT_FALSE(parse_input_file(text, "t.csv", "T", ParseMode::Strict).has_value());
  auto file = parse_input_file(text, "t.csv", "T", ParseMode::Lenient);
  ASSERT_TRUE(file.has_value()) << file.error().message;
  auto& bars = std::get<BarFile>(*file).bars;
  ASSERT_EQ(bars.size(), 8u) << "lenient parsing must keep every row";
  const auto v = check(bars);
  EXPECT_EQ(v.rows, 8);
  EXPECT_EQ(v.duplicate_dates, 2);
  const auto dups = of(v, Check::DuplicateDate);
  ASSERT_EQ(dups.size(), 2u);
  EXPECT_EQ(dups[0].first, d("2019-12-03"));
  EXPECT_EQ(dups[0].count, 2);
  EXPECT_EQ(dups[1].first, d("2019-12-05"));
  EXPECT_EQ(dups[1].count, 3);
  EXPECT_EQ(v.non_positive_prices, 2);
  const auto nonpos = of(v, Check::NonPositivePrice);
  ASSERT_EQ(nonpos.size(), 2u);
  EXPECT_EQ(nonpos[0].detail, "low -1");
  EXPECT_EQ(nonpos[1].first, d("2019-12-06"));
  EXPECT_EQ(nonpos[1].detail, "open 0");
  EXPECT_EQ(v.negative_volume, 1);
  EXPECT_EQ(of(v, Check::NegativeVolume)[0].first, d("2019-12-04"));
  // A date's extra rows do not make gaps, runs or moves.
  EXPECT_EQ(v.missing_sessions + v.stale_runs + v.unadjusted_splits + v.zero_volume_days, 0);
  // open 0 lies outside [9, 11]: reported by both checks, which look at different things.
  EXPECT_EQ(v.outside_range, 1);
  EXPECT_EQ(v.findings.size(), 6u);
}

TEST(DataValidator, HighBelowLowAndOpenCloseOutsideTheRange) {
  auto bars = clean_bars("2019-06-03", 20);
  bars[3].high = bars[3].low - 0.5;  // high < low: open/close not judged
  bars[5].open = bars[5].high + 1;
  bars[7].close = bars[7].adj_close = bars[7].low - 0.25;
  bars[9].open = bars[9].low - 1;
  bars[9].close = bars[9].adj_close = bars[9].high + 1;
  bars[11].open = bars[11].high;  // on the boundary: fine
  bars[11].close = bars[11].adj_close = bars[11].low;
  const auto v = check(bars);
  EXPECT_EQ(v.high_below_low, 1);
  EXPECT_EQ(of(v, Check::HighBelowLow)[0].first, bars[3].date);
  EXPECT_EQ(v.outside_range, 3);
  const auto outside = of(v, Check::OutsideRange);
  ASSERT_EQ(outside.size(), 3u);
  EXPECT_EQ(outside[0].first, bars[5].date);
  EXPECT_THAT(outside[0].detail, HasSubstr("open"));
  EXPECT_THAT(outside[1].detail, HasSubstr("close"));
  EXPECT_THAT(outside[2].detail, HasSubstr("open"));
  EXPECT_THAT(outside[2].detail, HasSubstr("close"));
  EXPECT_EQ(v.findings.size(), 4u);
}

TEST(DataValidator, ZeroVolumeRuns) {
  auto bars = clean_bars("2019-06-03", 30);
  for (int i : {5, 6, 7, 15}) bars[static_cast<std::size_t>(i)].volume = 0;
  const auto v = check(bars);
  EXPECT_EQ(v.zero_volume_days, 4);
  EXPECT_EQ(v.longest_zero_volume_run, 3);
  const auto runs = of(v, Check::ZeroVolume);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].first, bars[5].date);
  EXPECT_EQ(runs[0].last, bars[7].date);
  EXPECT_EQ(runs[0].count, 3);
  EXPECT_EQ(runs[1].count, 1);
  EXPECT_EQ(v.findings.size(), 2u);
}

TEST(DataValidator, StalePricesNeedTheConfiguredRun) {
  auto bars = clean_bars("2019-06-03", 40);
  for (std::size_t i = 11; i <= 14; ++i) set_close(bars[i], bars[10].close);  // 5 bars
  for (std::size_t i = 21; i <= 23; ++i) set_close(bars[i], bars[20].close);  // 4 bars
  const auto v = check(bars);
  EXPECT_EQ(v.stale_runs, 1);
  const auto runs = of(v, Check::StalePrice);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].first, bars[10].date);
  EXPECT_EQ(runs[0].last, bars[14].date);
  EXPECT_EQ(runs[0].count, 5);
  EXPECT_EQ(v.findings.size(), 1u);
  EXPECT_EQ(check(bars, {}, {.stale_days = 4}).stale_runs, 2);
  EXPECT_EQ(check(bars, {}, {.stale_days = 6}).stale_runs, 0);
}

TEST(DataValidator, LargeMovesWithoutASplitOnRecord) {
  auto bars = clean_bars("2019-06-03", 30);
  const Date split_day = bars[10].date;
  for (std::size_t i = 10; i < bars.size(); ++i) set_close(bars[i], bars[i].close / 3);  // 3:1
  set_close(bars[20], bars[19].close * 3);  // a 1:3 reverse split ...
  for (std::size_t i = 21; i < bars.size(); ++i)
    set_close(bars[i], bars[20].close + 0.1 * static_cast<double>(i));
  const auto v = check(bars);
  EXPECT_EQ(v.unadjusted_splits, 2);
  const auto moves = of(v, Check::UnadjustedSplit);
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].first, split_day);
  EXPECT_THAT(moves[0].detail, HasSubstr("x0.33"));
  EXPECT_EQ(moves[1].first, bars[20].date);
  EXPECT_THAT(moves[1].detail, HasSubstr("x3.0000"));
  EXPECT_EQ(v.findings.size(), 2u);

  // A split on the day excuses the move; a dividend or a split on another day does not.
  EXPECT_EQ(check(bars, {{split_day, 0, 3}, {bars[20].date, 0, 1.0 / 3}}).unadjusted_splits, 0);
  EXPECT_EQ(check(bars, {{split_day, 1.5, 1}}).unadjusted_splits, 2);
  EXPECT_EQ(check(bars, {{bars[11].date, 0, 3}}).unadjusted_splits, 2);
}

TEST(DataValidator, MoveThresholdsAreExclusive) {
  auto bars = clean_bars("2019-06-03", 5);
  set_close(bars[0], 100);
  set_close(bars[1], 40);    // x0.4: not beyond
  set_close(bars[2], 100);   // x2.5: not beyond
  set_close(bars[3], 39.9);  // x0.399
  set_close(bars[4], 99.9);  // x2.5038
  const auto v = check(bars);
  const auto moves = of(v, Check::UnadjustedSplit);
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].first, bars[3].date);
  EXPECT_EQ(moves[1].first, bars[4].date);
}

TEST(DataValidator, BarsOutsideTheCalendarAreCountedNotChecked) {
  std::vector<Bar> bars;
  for (Date day = d("1979-12-17"); day <= d("1980-01-08"); day = day + 1) {
    if (day.is_weekend() || day == d("1980-01-01")) continue;
    bars.push_back({day, 10, 11, 9, 10 + 0.01 * (day - d("1979-12-17")), 10, 100});
  }
  const auto v = check(bars);
  EXPECT_EQ(v.outside_calendar, 11);  // 1979-12-17 .. 1979-12-31 (weekdays)
  const auto outside = of(v, Check::OutsideCalendar);
  ASSERT_EQ(outside.size(), 1u);
  EXPECT_EQ(outside[0].first, d("1979-12-17"));
  EXPECT_EQ(outside[0].last, d("1979-12-31"));
  EXPECT_EQ(v.missing_sessions, 0);
  EXPECT_EQ(v.findings.size(), 1u);
}

TEST(DataValidator, FindingsAreSortedByDate) {
  auto bars = clean_bars("2019-06-03", 30);
  bars[20].volume = 0;
  bars[3].high = bars[3].low - 1;
  bars.erase(bars.begin() + 10);
  std::reverse(bars.begin(), bars.end());  // input order does not matter
  const auto v = check(bars);
  ASSERT_EQ(v.findings.size(), 3u);
  EXPECT_EQ(v.findings[0].check, Check::HighBelowLow);
  EXPECT_EQ(v.findings[1].check, Check::MissingSessions);
  EXPECT_EQ(v.findings[2].check, Check::ZeroVolume);
}

// AAA: a duplicate date and a negative price; BBB: a 3:1 split on record and an unrecorded
// 1:4 reverse split; CCC (Alpha Vantage columns): a split recorded in its own column.
void write_files(const std::filesystem::path& dir, bool with_defects) {
  const std::string header = "date,open,high,low,close,adj_close,volume\n";
  std::string aaa = header + "2019-12-02,10,11,9,10.5,10.5,100\n";
  if (with_defects) aaa += "2019-12-02,10,11,9,10.5,10.5,100\n2019-12-03,10,11,-9,10.6,10.6,100\n";
  aaa += "2019-12-04,10,11,9,10.7,10.7,100\n";
  write_file(dir / "AAA.csv", aaa);
  write_file(dir / "BBB.csv", header +
                                  "2019-12-02,30,31,29,30,10,100\n"
                                  "2019-12-03,10,11,9,10,10,100\n"
                                  "2019-12-04,40,41,39,40,10,100\n");
  write_file(
      dir / "CCC.csv",
      "timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient\n"
      "2019-12-04,10,11,9,10,10,100,0,3\n"
      "2019-12-03,30,31,29,30,10,100,0,1\n");
  write_file(dir / "corporate_actions.csv",
             "ticker,date,dividend,split_coefficient\nBBB,2019-12-03,0,3\n");
  write_file(dir / "universe.csv", "ticker,name,sector\nAAA,A Inc,Industrials\n");
}

void expect_file_findings(const ValidationReport& report, bool with_defects) {
  ASSERT_EQ(report.tickers.size(), 3u);
  const auto& aaa = report.tickers[0];
  const auto& bbb = report.tickers[1];
  const auto& ccc = report.tickers[2];
  EXPECT_EQ(aaa.ticker, "AAA");
  EXPECT_EQ(aaa.duplicate_dates, with_defects ? 1 : 0);
  EXPECT_EQ(aaa.non_positive_prices, with_defects ? 1 : 0);
  EXPECT_EQ(aaa.missing_sessions, with_defects ? 0 : 1);
  EXPECT_EQ(bbb.ticker, "BBB");
  EXPECT_EQ(bbb.unadjusted_splits, 1);
  ASSERT_EQ(bbb.findings.size(), 1u);
  EXPECT_EQ(bbb.findings[0].first, d("2019-12-04"));
  EXPECT_EQ(ccc.ticker, "CCC");
  EXPECT_THAT(ccc.findings, ::testing::IsEmpty());
}

TEST(DataValidator, ValidatesFilesWithTheirCorporateActions) {
  TempDir dir;
  write_files(dir / "in", true);
  auto report = validate_files({dir / "in"}, calendar(), {}, {});
  ASSERT_TRUE(report.has_value()) << report.error().message;
  expect_file_findings(*report, true);

  auto one = validate_files({dir / "in"}, calendar(), {"BBB", "BBB"}, {});
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->tickers.size(), 1u);
  EXPECT_EQ(one->tickers[0].ticker, "BBB");

  auto unknown = validate_files({dir / "in"}, calendar(), {"ZZZ", "AAA"}, {});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown.error().message, HasSubstr("no bars for ZZZ in the given files"));

  write_file(dir / "in/DDD.csv",
             "date,open,high,low,close,adj_close,volume\n2019-12-02,10,11,9,ten,10,1\n");
  auto malformed = validate_files({dir / "in"}, calendar(), {}, {});
  ASSERT_FALSE(malformed.has_value());
  EXPECT_THAT(malformed.error().message,
              HasSubstr("DDD.csv:2:20: field 'close': 'ten' is not a number"));
}

TEST(DataValidator, ValidatesTheStore) {
  TempDir dir;
  write_files(dir / "in", false);  // a store holds no duplicates or negative prices
  auto store = MarketStore::open(dir / "k.db", MarketStore::Access::ReadWrite);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  auto imported = import_paths(*store, {dir / "in"}, {.show_progress = false});
  ASSERT_TRUE(imported.has_value()) << imported.error().message;
  auto report = validate_store(*store, calendar(), {}, {});
  ASSERT_TRUE(report.has_value()) << report.error().message;
  expect_file_findings(*report, false);
  EXPECT_EQ(report->rows(), 7);

  auto unknown = validate_store(*store, calendar(), {"ZZZ"}, {});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown.error().message, HasSubstr("no bars for ZZZ in"));
}

TEST(DataValidateCommand, TableJsonAndExitCodes) {
  TempDir dir;
  write_files(dir / "in", true);
  const std::string validate =
      std::string(KESTREL_BINARY) + " data validate " + (dir / "in").string();
  const auto table = testing::run_command(validate);
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, HasSubstr("BBB      2019-12-04             unadjusted_split"));
  EXPECT_THAT(table.output, HasSubstr("3 ticker(s), 9 rows; 3 finding(s) in 2 ticker(s)"));

  const auto json = testing::run_command(validate + " --json --ticker AAA");
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr("\"check\": \"duplicate_date\""));
  EXPECT_THAT(json.output, HasSubstr("\"check\": \"non_positive_price\""));
  EXPECT_THAT(json.output, ::testing::Not(HasSubstr("BBB")));

  EXPECT_EQ(testing::run_command(validate + " --fail-on-findings").exit_code, 3);
  EXPECT_EQ(testing::run_command(validate + " --ticker CCC --fail-on-findings").exit_code, 0);
  const auto bad = testing::run_command(validate + " --ticker ZZZ");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("kestrel: error: no bars for ZZZ"));
}

// The whole us-daily data set: validate must find what its README lists under "Known
// quality issues". One test, so that ctest (one process per test) imports it only once.
TEST(FullDataValidation, FindsTheKnownQualityIssuesOfUsDaily) {
  const std::filesystem::path data = KESTREL_SOURCE_DIR "/../shared/data/us-daily";
  if (!std::filesystem::exists(data)) GTEST_SKIP() << data << " not present";
  TempDir dir;
  auto store = MarketStore::open(dir / "k.db", MarketStore::Access::ReadWrite);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  auto imported = import_paths(*store, {data}, {.show_progress = false});
  ASSERT_TRUE(imported.has_value()) << imported.error().message;
  auto report = validate_store(*store, calendar(), {}, {});
  ASSERT_TRUE(report.has_value()) << report.error().message;

  EXPECT_EQ(report->tickers.size(), 503u);
  EXPECT_EQ(report->rows(), 2250070);
  auto total = [&](std::int64_t TickerValidation::*member) {
    std::int64_t n = 0;
    for (const auto& t : report->tickers) n += t.*member;
    return n;
  };
  auto per_ticker = [&](std::int64_t TickerValidation::*member) {
    std::map<std::string, std::int64_t> out;
    for (const auto& t : report->tickers) {
      if (t.*member != 0) out[t.ticker] = t.*member;
    }
    return out;
  };

  // One-day raw close ratio < 0.4 or > 2.5 with no split record: these 7 and no others.
  std::vector<std::string> moves;
  for (const auto& t : report->tickers) {
    for (const auto& f : t.findings) {
      if (f.check == Check::UnadjustedSplit) moves.push_back(t.ticker + " " + f.first.to_string());
    }
  }
  EXPECT_THAT(moves, ::testing::ElementsAre("AIG 2008-09-15", "MO 2008-03-31", "NI 2015-07-02",
                                            "PENN 2013-11-04", "PWR 2002-07-02", "WMB 2002-07-22",
                                            "WY 2010-07-20"));

  // Zero-volume rows: 182 in 15 tickers; the README names 12 (DXCM, HFC, NRG have one each).
  EXPECT_EQ(total(&TickerValidation::zero_volume_days), 182);
  EXPECT_EQ(per_ticker(&TickerValidation::zero_volume_days),
            (std::map<std::string, std::int64_t>{{"ABMD", 2},
                                                 {"CHTR", 17},
                                                 {"DXCM", 1},
                                                 {"GILD", 3},
                                                 {"HFC", 1},
                                                 {"MNST", 22},
                                                 {"NDAQ", 19},
                                                 {"NRG", 1},
                                                 {"ODFL", 80},
                                                 {"SPGI", 6},
                                                 {"TTWO", 17},
                                                 {"VIAC", 4},
                                                 {"VRTX", 1},
                                                 {"WELL", 7},
                                                 {"WST", 1}}));

  // Gaps versus the calendar: 876 sessions; the README's largest counts, and nobody else
  // above the last of them (8: CDNS, DIS, MHK and VTR tie).
  EXPECT_EQ(total(&TickerValidation::missing_sessions), 876);
  const std::map<std::string, std::int64_t> largest = {
      {"KMX", 20}, {"HWM", 18}, {"WELL", 14}, {"TDY", 13}, {"URI", 11}, {"TYL", 11},
      {"PVH", 11}, {"TAP", 9},  {"SPGI", 9},  {"MAR", 9},  {"F", 9},    {"VTR", 8}};
  const auto missing = per_ticker(&TickerValidation::missing_sessions);
  for (const auto& [ticker, count] : largest) {
    EXPECT_EQ(missing.contains(ticker) ? missing.at(ticker) : 0, count) << ticker;
  }
  for (const auto& [ticker, count] : missing) {
    if (!largest.contains(ticker)) {
      EXPECT_LE(count, 8) << ticker;
    }
  }

  // Defects the data set was cleaned of (README "How the files were produced").
  EXPECT_EQ(total(&TickerValidation::non_session_dates), 0);
  EXPECT_EQ(total(&TickerValidation::duplicate_dates), 0);
  EXPECT_EQ(total(&TickerValidation::non_positive_prices), 0);
  EXPECT_EQ(total(&TickerValidation::negative_volume), 0);
  EXPECT_EQ(total(&TickerValidation::high_below_low), 0);
  EXPECT_EQ(total(&TickerValidation::outside_range), 0);
  EXPECT_EQ(total(&TickerValidation::outside_calendar), 0);
  // Not in the README: runs of >= 5 identical closes (mostly 2000-2003).
  EXPECT_EQ(total(&TickerValidation::stale_runs), 20);
}

}  // namespace
}  // namespace kestrel::store
