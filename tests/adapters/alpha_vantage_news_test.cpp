// Saved Alpha Vantage NEWS_SENTIMENT replies: the feed with its string scores, New York times,
// non-stock tags skipped, notices and malformed items refused with the vendor's words or the field.
#include "adapters/alpha_vantage_news.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/date.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::adapters {
namespace {

using ::testing::HasSubstr;

std::int64_t utc(int y, unsigned m, unsigned d, int h, int min) {
  return std::int64_t{core::Date::from_ymd(y, m, d).days()} * 86400 + h * 3600 + min * 60;
}

// The reply's shape as Alpha Vantage documents it (scores per ticker as strings).
const std::string kReply = R"({
  "items": "3",
  "sentiment_score_definition": "x <= -0.35: Bearish; -0.35 < x <= -0.15: Somewhat-Bearish; -0.15 < x < 0.15: Neutral; 0.15 <= x < 0.35: Somewhat_Bullish; x >= 0.35: Bullish",
  "relevance_score_definition": "0 < x <= 1, with a higher score indicating higher relevance.",
  "feed": [
    {"title": "Apple beats on services", "url": "https://example.com/a", "time_published": "20240105T093000",
     "authors": ["A. Writer"], "summary": "Services revenue rose.", "source": "Benzinga",
     "overall_sentiment_score": 0.31, "overall_sentiment_label": "Somewhat-Bullish",
     "ticker_sentiment": [
       {"ticker": "AAPL", "relevance_score": "0.91", "ticker_sentiment_score": "0.412", "ticker_sentiment_label": "Bullish"},
       {"ticker": "FOREX:USD", "relevance_score": "0.1", "ticker_sentiment_score": "0.0", "ticker_sentiment_label": "Neutral"}]},
    {"title": "Chipmakers slide", "url": "https://example.com/b", "time_published": "20240705T153000",
     "summary": "", "source": "Reuters", "overall_sentiment_score": -0.2, "overall_sentiment_label": "Somewhat-Bearish",
     "ticker_sentiment": [
       {"ticker": "NVDA", "relevance_score": "0.5", "ticker_sentiment_score": "-0.25", "ticker_sentiment_label": "Somewhat-Bearish"},
       {"ticker": "AMD", "relevance_score": "0.4", "ticker_sentiment_score": "-0.3", "ticker_sentiment_label": "Somewhat-Bearish"}]},
    {"title": "Bitcoin weekly", "url": "https://example.com/c", "time_published": "20240706T100000", "summary": "x",
     "source": "CoinDesk", "ticker_sentiment": [{"ticker": "CRYPTO:BTC", "relevance_score": "0.9", "ticker_sentiment_score": "0.1"}]}
  ]
})";

TEST(NewsAlphaVantage, TheFeedBecomesItemsWithVendorScoresAtNewYorkTimes) {
  auto parsed = parse_alpha_vantage_news(kReply, "av.json");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->items.size(), 2u);  // the crypto-only item is about no stock
  EXPECT_EQ(parsed->skipped_tickers, 2u);
  const auto& a = parsed->items[0];
  EXPECT_EQ(a.published_at, utc(2024, 1, 5, 14, 30));  // 09:30 EST
  EXPECT_EQ(a.title, "Apple beats on services");
  EXPECT_EQ(a.text, "Services revenue rose.");
  EXPECT_EQ(a.source, "Benzinga");
  ASSERT_EQ(a.tickers.size(), 1u);
  EXPECT_EQ(a.tickers[0].ticker, "AAPL");
  EXPECT_DOUBLE_EQ(a.tickers[0].relevance, 0.91);
  EXPECT_DOUBLE_EQ(*a.tickers[0].vendor_score, 0.412);
  const auto& b = parsed->items[1];
  EXPECT_EQ(b.published_at, utc(2024, 7, 5, 19, 30));  // 15:30 EDT
  ASSERT_EQ(b.tickers.size(), 2u);
  EXPECT_EQ(b.tickers[0].ticker, "AMD");  // by ticker
  EXPECT_DOUBLE_EQ(*b.tickers[1].vendor_score, -0.25);
  EXPECT_EQ(a.id.front(), 'u');  // identified by its url
}

TEST(NewsAlphaVantage, NoticesAndBadItemsAreRefusedWithTheirWords) {
  const std::string quota =
      R"({"Information": "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits."})";
  auto notice = parse_alpha_vantage_news(quota, "day.json");
  ASSERT_FALSE(notice);
  EXPECT_THAT(notice.error().message, HasSubstr("day.json: Alpha Vantage answered with a notice, not news: Thank you"));
  auto bars = parse_alpha_vantage_news(R"j({"Meta Data": {}, "Time Series (Daily)": {}})j", "bars.json");
  ASSERT_FALSE(bars);
  EXPECT_THAT(bars.error().message, HasSubstr("not a NEWS_SENTIMENT reply"));
  std::string bad_time = kReply;
  bad_time.replace(bad_time.find("20240705T153000"), 15, "2024-07-05 15:30");
  auto time = parse_alpha_vantage_news(bad_time, "t.json");
  ASSERT_FALSE(time);
  EXPECT_THAT(time.error().message, HasSubstr("t.json: feed[1].time_published: '2024-07-05 15:30'"));
  std::string bad_score = kReply;
  bad_score.replace(bad_score.find("\"-0.25\""), 7, "\"-2.5\"");
  auto score = parse_alpha_vantage_news(bad_score, "s.json");
  ASSERT_FALSE(score);
  EXPECT_THAT(score.error().message, HasSubstr("feed[1].ticker_sentiment[0].ticker_sentiment_score"));
}

TEST(NewsAlphaVantage, ASavedReplyImportsOnceWithItsScores) {
  testing::TempDir dir;
  testing::write_file(dir / "aapl.json", kReply);
  const std::string command = std::string(KESTREL_BINARY) + " news import " + (dir / "aapl.json").string() + " --db " +
                              (dir / "news.db").string();
  const auto first = testing::run_command(command);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("Alpha Vantage NEWS_SENTIMENT, 2 items (2 tags that are not stocks skipped)"));
  EXPECT_THAT(first.output, HasSubstr("2 items added, 0 already there; item-ticker rows: 3 added"));
  const auto again = testing::run_command(command);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("0 items added, 2 already there; item-ticker rows: 0 added, 0 updated"));
}

}  // namespace
}  // namespace kestrel::adapters
