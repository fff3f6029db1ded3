#include "store/input_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kestrel::store {
namespace {

using ::testing::HasSubstr;

BarFile parse_bars_ok(const std::string& text, const std::string& ticker = "TEST") {
  auto parsed = parse_input_file(text, "t.csv", ticker);
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().message);
  return std::get<BarFile>(*parsed);
}

std::string parse_error(const std::string& text, ParseMode mode = ParseMode::Strict) {
  auto parsed = parse_input_file(text, "t.csv", "TEST", mode);
  EXPECT_FALSE(parsed.has_value());
  return parsed ? "" : parsed.error().message;
}

TEST(InputFile, ParsesKestrelFormat) {
  const BarFile f = parse_bars_ok(
      "date,open,high,low,close,adj_close,volume\n"
      "2019-12-30,10,11,9,10.5,5.25,1000\r\n"
      "2019-12-31,10.5,12,10,11,5.5,2000\n");
  EXPECT_EQ(f.format, BarFormat::Kestrel);
  ASSERT_EQ(f.bars.size(), 2u);
  EXPECT_EQ(f.bars[1].date.to_string(), "2019-12-31");
  EXPECT_DOUBLE_EQ(f.bars[1].adj_close, 5.5);
  EXPECT_DOUBLE_EQ(f.bars[1].adjustment_factor(), 0.5);
  EXPECT_DOUBLE_EQ(f.bars[1].adj_high(), 6.0);
}

TEST(InputFile, ParsesYahooAndSkipsNullRows) {
  const BarFile f = parse_bars_ok(
      "Date,Open,High,Low,Close,Adj Close,Volume\n"
      "2019-12-30,10,11,9,10.5,10.5,1000\n"
      "2019-12-31,null,null,null,null,null,null\n");
  EXPECT_EQ(f.format, BarFormat::Yahoo);
  EXPECT_EQ(f.bars.size(), 1u);
  EXPECT_EQ(f.skipped_null_rows, 1u);
}

TEST(InputFile, ParsesAlphaVantageNewestFirstWithActions) {
  const BarFile f = parse_bars_ok(
      "timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient\n"
      "2020-08-31,127.58,131.0,126.0,129.04,128.5,225702700,0.0000,4.0\n"
      "2020-08-28,504.05,505.77,498.31,499.23,124.1,46907479,0.0000,1.0\n"
      "2020-08-07,452.82,454.7,441.17,444.45,110.4,49511403,0.8200,1.0\n");
  EXPECT_EQ(f.format, BarFormat::AlphaVantage);
  ASSERT_EQ(f.bars.size(), 3u);
  EXPECT_LT(f.bars[0].date, f.bars[1].date);
  ASSERT_EQ(f.actions.size(), 2u);
  EXPECT_DOUBLE_EQ(f.actions[0].dividend, 0.82);
  EXPECT_DOUBLE_EQ(f.actions[1].split_coefficient, 4.0);
}

TEST(InputFile, ReferenceFiles) {
  auto u = parse_input_file("ticker,name,sector\nA,\"Agilent, Inc.\",Health Care\n", "u.csv", "");
  ASSERT_TRUE(u.has_value());
  const auto& universe = std::get<UniverseFile>(*u);
  ASSERT_EQ(universe.tickers.size(), 1u);
  EXPECT_EQ(universe.tickers[0].name, "Agilent, Inc.");

  auto q = parse_input_file("ticker,date,flag,detail\nBF.B,,ticker_excluded,\"x, \"\"y\"\"\"\n", "q.csv", "");
  ASSERT_TRUE(q.has_value()) << q.error().message;
  const auto& flags = std::get<QualityFlagsFile>(*q);
  EXPECT_FALSE(flags.flags[0].date.has_value());
  EXPECT_EQ(flags.flags[0].detail, "x, \"y\"");
}

TEST(InputFile, TruncatedLineNamesLineAndColumn) {
  EXPECT_THAT(parse_error("date,open,high,low,close,adj_close,volume\n"
                          "2019-12-30,10,11,9,10.5,10.5,1000\n"
                          "2019-12-31,10,11\n"),
              HasSubstr("t.csv:3:17: expected 7 fields"));
}

TEST(InputFile, TextInANumberNamesField) {
  EXPECT_THAT(parse_error("date,open,high,low,close,adj_close,volume\n"
                          "2019-12-30,10,11,9,abc,10.5,1000\n"),
              HasSubstr("t.csv:2:20: field 'close': 'abc' is not a number"));
}

TEST(InputFile, NegativePriceRejectedInStrictModeOnly) {
  const std::string text = "date,open,high,low,close,adj_close,volume\n2019-12-30,10,11,-9,10,10,5\n";
  EXPECT_THAT(parse_error(text), HasSubstr("t.csv:2:18: field 'low': price must be positive, got -9"));
  EXPECT_TRUE(parse_input_file(text, "t.csv", "T", ParseMode::Lenient).has_value());
}

TEST(InputFile, DuplicateDateNamesBothLines) {
  EXPECT_THAT(parse_error("date,open,high,low,close,adj_close,volume\n"
                          "2019-12-30,10,11,9,10,10,5\n"
                          "2019-12-31,10,11,9,10,10,5\n"
                          "2019-12-30,10,11,9,10,10,5\n"),
              HasSubstr("t.csv:4:1: field 'date': duplicate date 2019-12-30 (also on line 2)"));
}

TEST(InputFile, BadDateAndUnknownHeader) {
  EXPECT_THAT(parse_error("date,open,high,low,close,adj_close,volume\n2019-02-30,1,1,1,1,1,1\n"),
              HasSubstr("t.csv:2:1: field 'date': '2019-02-30' is not a date"));
  EXPECT_THAT(parse_error("when,price\n2019-01-02,1\n"), HasSubstr("t.csv:1:1: unrecognised header"));
  EXPECT_THAT(parse_error(""), HasSubstr("file is empty"));
}

TEST(InputFile, TickerFromFilename) {
  EXPECT_EQ(ticker_from_filename("/x/AAPL.csv.gz"), "AAPL");
  EXPECT_EQ(ticker_from_filename("BRK.B.csv"), "BRK.B");
}

}  // namespace
}  // namespace kestrel::store
