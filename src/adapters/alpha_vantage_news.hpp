#pragma once
// Alpha Vantage NEWS_SENTIMENT: replies as `kestrel news import` reads them from saved files,
// and the client `kestrel news collect` pages through a window of time with.
//   GET /query?function=NEWS_SENTIMENT&tickers=AAPL&time_from=YYYYMMDDTHHMM&time_to=…&sort=…&limit=…
//   {"items": "50", "sentiment_score_definition": …, "relevance_score_definition": …,
//    "feed": [{"title", "url", "time_published": "YYYYMMDDTHHMMSS", "authors", "summary",
//              "source", …, "overall_sentiment_score": 0.12, "overall_sentiment_label",
//              "ticker_sentiment": [{"ticker", "relevance_score": "0.35",
//                                    "ticker_sentiment_score": "0.2", "ticker_sentiment_label"}]}]}
// The per-ticker scores are strings. A notice ({"Information": …} or {"Note": …}, the daily
// quota or the burst limit) or {"Error Message": …} is an error quoting the vendor.
//
// The time zone of time_published is not documented. It is read as New York time: if it is
// really UTC, every item lands 4-5 hours later than it happened — a session late at worst,
// never a session early, so a misreading can delay a signal but never leak the future.
// Tickers the vendor tags that are not stock symbols ("FOREX:USD", "CRYPTO:BTC") are skipped.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/news_vendor.hpp"
#include "core/error.hpp"
#include "store/news_item.hpp"

namespace kestrel::adapters {

struct AlphaVantageNews {
  std::vector<store::NewsItem> items;
  std::size_t skipped_tickers = 0;  // non-stock tags
};

core::Result<AlphaVantageNews> parse_alpha_vantage_news(std::string_view body, std::string_view source);

// A UTC instant as time_from/time_to want it: New York wall time, YYYYMMDDTHHMM (the minute
// the instant falls in), the same reading parse_alpha_vantage_news applies to time_published.
std::string alpha_vantage_news_time(std::int64_t unix_seconds);

struct AlphaVantageNewsOptions {
  std::string api_key;  // never logged: the Fetcher must list it among its secrets
  int limit = 1000;     // the vendor's largest page
  // There is no page token: a window is paged by asking again from the last item's minute
  // (sort=EARLIEST). One request per window at least, so windows are long: a free key's 25
  // requests a day are best spent on full pages.
  std::int64_t window_seconds = std::int64_t{366} * 86'400;
};

// One request per fetch_window: GET /query?function=NEWS_SENTIMENT&tickers=T&time_from=…
// &time_to=…&sort=EARLIEST&limit=N. A full page (N items) means there may be more: the window
// is complete up to the minute of its last item, where the next request starts (items of that
// minute come again; their ids make that harmless). A full page within one minute cannot be
// paged past: that minute is reported as a gap.
class AlphaVantageNewsClient final : public NewsVendor {
 public:
  AlphaVantageNewsClient(Fetcher& fetcher, AlphaVantageNewsOptions options);
  std::string_view name() const override { return "alphavantage"; }
  std::int64_t window_seconds() const override { return options_.window_seconds; }
  VendorResult<NewsWindow> fetch_window(const NewsWindowRequest& request) override;

 private:
  Fetcher& fetcher_;
  AlphaVantageNewsOptions options_;
};

}  // namespace kestrel::adapters
