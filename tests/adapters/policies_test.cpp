// Unit tests of the pieces under the collector: URLs, redaction, backoff, pacing, notice
// recognition and API key lookup.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/alpha_vantage.hpp"
#include "adapters/api_key.hpp"
#include "adapters/rate_limiter.hpp"
#include "adapters/redact.hpp"
#include "adapters/retry_policy.hpp"
#include "adapters/url.hpp"
#include "adapters/yahoo.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::adapters {
namespace {

using std::chrono::milliseconds;

TEST(BaseUrl, SplitsOriginAndPathPrefix) {
  auto url = parse_base_url("http://127.0.0.1:8080/vendor/");
  ASSERT_TRUE(url.has_value()) << url.error().message;
  EXPECT_EQ(url->origin, "http://127.0.0.1:8080");
  EXPECT_EQ(url->path_prefix, "/vendor");
  auto plain = parse_base_url("https://www.alphavantage.co");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->origin, "https://www.alphavantage.co");
  EXPECT_EQ(plain->path_prefix, "");
}

TEST(BaseUrl, RejectsWhatItCannotUse) {
  EXPECT_FALSE(parse_base_url("www.alphavantage.co").has_value());
  EXPECT_FALSE(parse_base_url("ftp://host").has_value());
  EXPECT_FALSE(parse_base_url("http://host:port").has_value());
  EXPECT_FALSE(parse_base_url("http://host/query?apikey=x").has_value());
  EXPECT_FALSE(parse_base_url("http:///path").has_value());
}

TEST(Url, EncodesQueryValues) {
  EXPECT_EQ(url_encode("BRK.B"), "BRK.B");
  EXPECT_EQ(url_encode("a b&c=d"), "a%20b%26c%3Dd");
  EXPECT_EQ(with_query("/query", {{"symbol", "A&B"}, {"datatype", "csv"}}),
            "/query?symbol=A%26B&datatype=csv");
}

TEST(Redact, ScrubsKeyParametersAndKnownSecrets) {
  EXPECT_EQ(redact("GET http://h/query?symbol=IBM&apikey=ABC123&datatype=csv"),
            "GET http://h/query?symbol=IBM&apikey=***&datatype=csv");
  EXPECT_EQ(redact("ApiKey=ABC123 and token=xyz"), "ApiKey=*** and token=***");
  EXPECT_EQ(redact("key ABC123 echoed", {"ABC123"}), "key *** echoed");
  EXPECT_EQ(redact("myapikey=keep"), "myapikey=keep");  // only whole parameter names
  EXPECT_EQ(redact("(GET /query?apikey=ABC123)"), "(GET /query?apikey=***)");
}

TEST(Redact, KnownSecretsWithAmpersandOrSpaceGoWholeInEveryEncoding) {
  const std::vector<std::string> secrets = {"Q7x&Zk9 Wm2+Pv4"};
  // As with_query sends it, and with the other encodings servers and libraries use.
  EXPECT_EQ(redact("GET http://h/query?symbol=IBM&apikey=Q7x%26Zk9%20Wm2%2BPv4&datatype=csv", secrets),
            "GET http://h/query?symbol=IBM&apikey=***&datatype=csv");
  EXPECT_EQ(redact("apikey=Q7x%26zk9+Wm2%2bPv4&x=1", {"Q7x&zk9 Wm2+Pv4"}), "apikey=***&x=1");
  // Echoed decoded by a vendor: the '&' and the space would end the parameter's value.
  EXPECT_EQ(redact("Invalid API call for /query?apikey=Q7x&Zk9 Wm2+Pv4&symbol=IBM", secrets),
            "Invalid API call for /query?apikey=***&symbol=IBM");
  EXPECT_EQ(redact("the key Q7x&Zk9 Wm2+Pv4 is invalid", secrets), "the key *** is invalid");
  // Inside JSON, escaped.
  EXPECT_EQ(redact(R"({"echo": "Q7x&Zk9 Wm2+Pv4"})", secrets), R"({"echo": "***"})");
  EXPECT_EQ(redact(R"({"echo": "a\"b c"})", {"a\"b c"}), R"({"echo": "***"})");
  // Neither half alone is the secret.
  EXPECT_EQ(redact("Q7x and Wm2", secrets), "Q7x and Wm2");
}

TEST(RetryPolicy, DoublesUpToTheCap) {
  const RetryPolicy policy{10, milliseconds(5), milliseconds(20)};
  EXPECT_EQ(policy.backoff(1), milliseconds(5));
  EXPECT_EQ(policy.backoff(2), milliseconds(10));
  EXPECT_EQ(policy.backoff(3), milliseconds(20));
  EXPECT_EQ(policy.backoff(30), milliseconds(20));
}

TEST(RateLimiter, SpacesCallsByTheInterval) {
  testing::FakeSleepClock clock;
  RateLimiter limiter(5, clock);
  EXPECT_EQ(limiter.interval(), milliseconds(12'000));
  limiter.acquire();  // the first call never waits
  EXPECT_EQ(clock.elapsed_ms(), 0);
  limiter.acquire();
  EXPECT_EQ(clock.elapsed_ms(), 12'000);
  clock.sleep_for(milliseconds(20'000));  // time spent elsewhere counts towards the spacing
  limiter.acquire();
  EXPECT_EQ(clock.elapsed_ms(), 32'000);
  clock.sleep_for(milliseconds(3'000));
  limiter.acquire();
  EXPECT_EQ(clock.elapsed_ms(), 44'000);
}

TEST(RateLimiter, ZeroDisablesPacing) {
  testing::FakeSleepClock clock;
  RateLimiter limiter(0, clock);
  for (int i = 0; i < 3; ++i) limiter.acquire();
  EXPECT_EQ(clock.elapsed_ms(), 0);
}

TEST(AlphaVantageBody, RecognisesNoticesAndErrors) {
  using V = BodyCheck::Verdict;
  EXPECT_EQ(check_alpha_vantage_body(R"({"Note": "Thank you for using Alpha Vantage!"})").verdict, V::Throttled);
  EXPECT_EQ(check_alpha_vantage_body(R"({"Information": "spread out your requests"})").verdict, V::Throttled);
  EXPECT_EQ(check_alpha_vantage_body(R"({"Information": "This is a premium endpoint."})").verdict, V::NotEntitled);
  const auto error = check_alpha_vantage_body(R"({"Error Message": "Invalid API call."})");
  EXPECT_EQ(error.verdict, V::Rejected);
  EXPECT_EQ(error.detail, "Invalid API call.");
  EXPECT_EQ(check_alpha_vantage_body("timestamp,open\n").verdict, V::Accept);
  EXPECT_EQ(check_alpha_vantage_body(R"j({"Meta Data": {}, "Time Series (Daily)": {}})j").verdict, V::Accept);
}

// The vendor's notices word for word (2024-2025). The burst notice mentions both "premium
// endpoints" and "25 requests per day"; it must still read as a burst to wait out.
TEST(AlphaVantageBody, ClassifiesTheVendorsRealNotices) {
  using V = BodyCheck::Verdict;
  const auto verdict = [](const std::string& key, const std::string& text) {
    return check_alpha_vantage_body(nlohmann::json{{key, text}}.dump()).verdict;
  };
  EXPECT_EQ(verdict("Information",
                    "Thank you for using Alpha Vantage! Please consider spreading out your free API requests "
                    "more sparingly (1 request per second). You may subscribe to any of the premium plans at "
                    "https://www.alphavantage.co/premium/ to lift the free key rate limit (25 requests per "
                    "day) and instantly unlock all premium endpoints"),
            V::Throttled);
  EXPECT_EQ(verdict("Information",
                    "Thank you for using Alpha Vantage! Please consider spreading out your free API requests "
                    "more sparingly (1 request per second). You may subscribe to any of the premium plans at "
                    "https://www.alphavantage.co/premium/ to lift the free key rate limit (25 requests per "
                    "day), raise the per-second burst limit, and instantly unlock all premium endpoints."),
            V::Throttled);
  EXPECT_EQ(verdict("Information",
                    "Thank you for using Alpha Vantage! Please consider spreading out your free API requests "
                    "more sparingly. You may subscribe to any of the premium plans at "
                    "https://www.alphavantage.co/premium/ to lift the free key rate limit (25 requests per "
                    "day) and instantly unlock all premium endpoints"),
            V::Throttled);
  EXPECT_EQ(verdict("Note",
                    "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute "
                    "and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if you would "
                    "like to target a higher API call frequency."),
            V::Throttled);
  EXPECT_EQ(verdict("Information",
                    "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. "
                    "Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to "
                    "instantly remove all daily rate limits."),
            V::QuotaExhausted);
  EXPECT_EQ(verdict("Information",
                    "Thank you for using Alpha Vantage! This is a premium endpoint. You may subscribe to any "
                    "of the premium plans at https://www.alphavantage.co/premium/ to instantly unlock all "
                    "premium endpoints"),
            V::NotEntitled);
  EXPECT_EQ(verdict("Information",
                    "Thank you for using Alpha Vantage! The outputsize=full parameter value is a premium "
                    "feature for the TIME_SERIES_DAILY endpoint. You may subscribe to any of the premium "
                    "plans at https://www.alphavantage.co/premium/ to instantly unlock all premium features"),
            V::NotEntitled);
}

TEST(AlphaVantageJson, ParsesTheFreeDailySeriesUnadjusted) {
  auto file = parse_alpha_vantage_json(
      R"j({"Meta Data": {"2. Symbol": "IBM"}, "Time Series (Daily)": {
            "2024-06-07": {"1. open": "168.18", "2. high": "171.305", "3. low": "168.06", "4. close": "170.01", "5. volume": "3475495"},
            "2024-06-06": {"1. open": "167.38", "2. high": "168.44", "3. low": "166.8", "4. close": "168.2", "5. volume": "2207263"}}})j",
      "IBM", AlphaVantageOptions::Function::Daily);
  ASSERT_TRUE(file.has_value()) << file.error().message;
  ASSERT_EQ(file->bars.size(), 2u);
  EXPECT_EQ(file->bars[0].date, core::Date::from_ymd(2024, 6, 6));
  EXPECT_EQ(file->bars[1].close, 170.01);
  EXPECT_EQ(file->bars[1].adj_close, 170.01);
  EXPECT_EQ(file->bars[1].volume, 3475495);
  EXPECT_TRUE(file->actions.empty());
  auto csv = parse_alpha_vantage_csv("timestamp,open,high,low,close,volume\r\n2024-06-07,168.18,171.305,168.06,170.01,3475495\r\n",
                                     "IBM", AlphaVantageOptions::Function::Daily);
  ASSERT_TRUE(csv.has_value()) << csv.error().message;
  EXPECT_EQ(csv->bars.at(0).adj_close, 170.01);
  auto bad = parse_alpha_vantage_csv("timestamp,open,high,low,close,volume\n2024-06-07,1,2,0.5,x,10\n", "IBM",
                                     AlphaVantageOptions::Function::Daily);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "alphavantage IBM (csv):2: field 'close': 'x' is not a number");
}

TEST(AlphaVantageJson, ReportsMissingSeriesAndWrongSymbol) {
  auto missing = parse_alpha_vantage_json(R"({"Meta Data": {"2. Symbol": "IBM"}})", "IBM");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message,
            "alphavantage IBM (json): no \"Time Series (Daily)\" object in the reply");
  auto wrong = parse_alpha_vantage_json(R"j({"Meta Data": {"2. Symbol": "MSFT"}, "Time Series (Daily)": {}})j", "IBM");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().message.find("reply is for symbol 'MSFT', not 'IBM'"), std::string::npos);
  auto no_field = parse_alpha_vantage_json(
      R"j({"Time Series (Daily)": {"2024-01-02": {"1. open": "1", "2. high": "2"}}})j", "IBM");
  ASSERT_FALSE(no_field.has_value());
  EXPECT_EQ(no_field.error().message, "alphavantage IBM (json): 2024-01-02: missing field '3. low'");
}

// A reply shaped as Yahoo's v8 chart sends it: timestamps at the New York open, a day of
// nulls, a dividend and a 3-for-2 split among the events.
TEST(YahooChart, ParsesBarsAdjustedClosesAndEvents) {
  const std::string body = R"j({"chart":{"result":[{"meta":{"currency":"USD","symbol":"IBM","exchangeName":"NYQ",
      "instrumentType":"EQUITY","gmtoffset":-14400,"timezone":"EDT","exchangeTimezoneName":"America/New_York"},
      "timestamp":[1717507800,1717594200,1717680600],
      "events":{"dividends":{"1717594200":{"amount":1.67,"date":1717594200}},
                "splits":{"1717680600":{"date":1717680600,"numerator":3.0,"denominator":2.0,"splitRatio":"3:2"}}},
      "indicators":{"quote":[{"open":[164.6,null,167.38],"high":[166.4,null,168.44],"low":[163.88,null,166.8],
                              "close":[165.81,null,168.2],"volume":[2594203,null,2207263]}],
                    "adjclose":[{"adjclose":[160.11,null,162.42]}]}}],"error":null}})j";
  auto file = parse_yahoo_chart(body, "IBM");
  ASSERT_TRUE(file.has_value()) << file.error().message;
  ASSERT_EQ(file->bars.size(), 2u);  // the day of nulls is skipped
  EXPECT_EQ(file->skipped_null_rows, 1u);
  EXPECT_EQ(file->bars[0].date, core::Date::from_ymd(2024, 6, 4));  // 09:30 EDT, not the UTC day
  EXPECT_EQ(file->bars[0].close, 165.81);
  EXPECT_EQ(file->bars[0].adj_close, 160.11);
  EXPECT_EQ(file->bars[1].date, core::Date::from_ymd(2024, 6, 6));
  EXPECT_EQ(file->bars[1].volume, 2207263);
  ASSERT_EQ(file->actions.size(), 2u);
  EXPECT_EQ(file->actions[0].date, core::Date::from_ymd(2024, 6, 5));
  EXPECT_EQ(file->actions[0].dividend, 1.67);
  EXPECT_EQ(file->actions[0].split_coefficient, 1);
  EXPECT_EQ(file->actions[1].date, core::Date::from_ymd(2024, 6, 6));
  EXPECT_EQ(file->actions[1].dividend, 0);
  EXPECT_EQ(file->actions[1].split_coefficient, 1.5);
}

TEST(YahooChart, EmptyWindowErrorsAndMismatches) {
  // Nothing after period1: a result without timestamps.
  auto empty = parse_yahoo_chart(
      R"({"chart":{"result":[{"meta":{"symbol":"IBM","gmtoffset":-14400},"indicators":{"quote":[{}],"adjclose":[{}]}}],"error":null}})",
      "IBM");
  ASSERT_TRUE(empty.has_value()) << empty.error().message;
  EXPECT_TRUE(empty->bars.empty());
  auto gone = parse_yahoo_chart(
      R"({"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}})",
      "XYZQ");
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().message, "yahoo XYZQ (chart): Not Found: No data found, symbol may be delisted");
  auto short_column = parse_yahoo_chart(
      R"({"chart":{"result":[{"timestamp":[1717507800,1717594200],"indicators":{"quote":[{"open":[1,2],"high":[1,2],"low":[1,2],"close":[1],"volume":[1,2]}],"adjclose":[{"adjclose":[1,2]}]}}],"error":null}})",
      "IBM");
  ASSERT_FALSE(short_column.has_value());
  EXPECT_EQ(short_column.error().message, "yahoo IBM (chart): indicators field 'close' has 1 values for 2 timestamps");
}

TEST(ApiKey, FileWinsOverEnvironmentAndEmptyIsAnError) {
  testing::TempDir dir;
  testing::write_file(dir / "key", "  FILEKEY \n");
  EXPECT_EQ(resolve_api_key(dir / "key", "ENVKEY", "ALPHAVANTAGE_API_KEY").value(), "FILEKEY");
  EXPECT_EQ(resolve_api_key(std::nullopt, " ENVKEY ", "ALPHAVANTAGE_API_KEY").value(), "ENVKEY");
  auto none = resolve_api_key(std::nullopt, nullptr, "ALPHAVANTAGE_API_KEY");
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message.find("set ALPHAVANTAGE_API_KEY"), std::string::npos);
  testing::write_file(dir / "empty", "\n");
  EXPECT_FALSE(resolve_api_key(dir / "empty", "ENVKEY", "ALPHAVANTAGE_API_KEY").has_value());
}

}  // namespace
}  // namespace kestrel::adapters
