#pragma once
// A news item as the store keeps it: one text (a headline, an article summary, a tweet)
// published at a UTC second, and the tickers it is about. Its id is stable across imports:
// a hash of its url when it has one, else of its source, time and text, so re-importing the
// same file (or a vendor's overlapping pages) adds nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kestrel::store {

struct NewsTicker {
  std::string ticker;
  double relevance = 1;                // the vendor's relevance score in [0, 1]; 1 when not given
  std::optional<double> vendor_score = std::nullopt;  // the vendor's sentiment for this ticker in [-1, 1], if any
};

struct NewsItem {
  std::string id;
  std::int64_t published_at = 0;  // seconds since the Unix epoch, UTC
  std::string source;
  std::string url;
  std::string title;
  std::string text;
  std::vector<NewsTicker> tickers;  // by ticker, each once
};

// "u" + xxh64 of the url when there is one, else "c" + xxh64 of source, time and text.
std::string news_item_id(std::string_view url, std::string_view source, std::int64_t published_at,
                         std::string_view text);

}  // namespace kestrel::store
