#pragma once
// A source of news for one query at a time (Alpha Vantage NEWS_SENTIMENT, NewsAPI). Vendors
// page through a window of publication times and parse; the NewsCollector decides which
// windows are still missing and stores what arrives.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/fetcher.hpp"
#include "store/news_item.hpp"

namespace kestrel::adapters {

struct NewsWindowRequest {
  std::string ticker;  // what the items are stored under
  std::string query;   // the vendor's search text (NewsAPI's q); the ticker for Alpha Vantage
  std::int64_t from = 0;  // [from, to) in UTC seconds, whole minutes
  std::int64_t to = 0;
};

struct NewsWindow {
  std::vector<store::NewsItem> items;  // published in [request.from, complete_to)
  // Every item published before this was asked for (request.to when the window is done; less
  // when the vendor's page limit cut it, and the next request starts here).
  std::int64_t complete_to = 0;
  std::size_t requests = 0;
  // What the vendor would not give (its result cap, items in one minute past its page size):
  // said in the run's report, never silently dropped.
  std::vector<std::string> gaps;
};

class NewsVendor {
 public:
  virtual ~NewsVendor() = default;
  virtual std::string_view name() const = 0;
  // How many seconds one call to fetch_window should span: the collector stores each window in
  // its own transaction, so this is also what a failure can cost.
  virtual std::int64_t window_seconds() const = 0;
  virtual VendorResult<NewsWindow> fetch_window(const NewsWindowRequest& request) = 0;
};

}  // namespace kestrel::adapters
