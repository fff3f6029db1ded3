#pragma once
// Alpha Vantage NEWS_SENTIMENT replies, as `kestrel news import` reads them from saved files:
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
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/news_item.hpp"

namespace kestrel::adapters {

struct AlphaVantageNews {
  std::vector<store::NewsItem> items;
  std::size_t skipped_tickers = 0;  // non-stock tags
};

core::Result<AlphaVantageNews> parse_alpha_vantage_news(std::string_view body, std::string_view source);

}  // namespace kestrel::adapters
