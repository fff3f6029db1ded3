#pragma once
// NewsAPI (newsapi.org) /v2/everything: full-text search over news articles.
//   GET /v2/everything?q=…&from=YYYY-MM-DDTHH:MM:SS&to=…&sortBy=publishedAt&language=en
//       &pageSize=1..100&page=N     with the key in the X-Api-Key header (kept out of URLs)
//   200 {"status": "ok", "totalResults": N, "articles": [{"source": {"id", "name"}, "author",
//        "title", "description", "url", "urlToImage", "publishedAt": "2024-01-05T14:30:00Z",
//        "content"}]}
//   errors {"status": "error", "code": …, "message": …}: 401 apiKeyMissing/apiKeyInvalid/
//        apiKeyDisabled, 429 rateLimited ("Developer accounts are limited to 100 requests over a
//        24 hour period …") and apiKeyExhausted, 426 maximumResultsReached (the plan's cap on
//        results: 100 for developer keys), 400/426 parameterInvalid (also "You are trying to
//        request results too far in the past. Your plan permits you to request articles as far
//        back as …"), 500 unexpectedError.
// Articles carry no ticker tags: the collector stores each under the ticker it searched for,
// relevance 1, no vendor score. Articles NewsAPI has taken down come back as "[Removed]"
// stubs and are skipped.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/news_vendor.hpp"

namespace kestrel::adapters {

inline constexpr std::string_view kNewsApiBaseUrl = "https://newsapi.org";

// Classifies any NewsAPI reply by its JSON error code (see above); nullopt for a reply that
// carries none (a 5xx page, a 429 without a body): the Fetcher's status rules apply.
// maximumResultsReached is accepted: the client reads it as "no further pages".
std::optional<BodyCheck> check_newsapi_reply(const HttpResponse& reply);

struct NewsApiPage {
  std::int64_t total_results = 0;
  std::size_t articles = 0;  // in the reply, removed ones included
  std::size_t removed = 0;
  std::vector<store::NewsItem> items;  // tagged with `ticker`
  bool max_results_reached = false;    // the plan's cap: the reply had no articles, only the notice
};

// Parses a /v2/everything reply body; `what` names it in messages.
core::Result<NewsApiPage> parse_newsapi_everything(std::string_view body, const std::string& ticker,
                                                   std::string_view what);

struct NewsApiOptions {
  std::string api_key;  // sent as X-Api-Key; the Fetcher must list it among its secrets
  int page_size = 100;  // the vendor's largest
  std::string language = "en";
  std::int64_t window_seconds = 86'400;  // one day per window: under the result cap on most days
};

// A window is paged (page=1, 2, …, newest first) until totalResults are in. When the plan's
// result cap stops the paging, everything from the oldest article received to the window's
// end is in hand, so the rest of the window is asked again with `to` moved back to it; a
// second that alone holds more than the cap is reported as a gap.
class NewsApiClient final : public NewsVendor {
 public:
  NewsApiClient(Fetcher& fetcher, NewsApiOptions options);
  std::string_view name() const override { return "newsapi"; }
  std::int64_t window_seconds() const override { return options_.window_seconds; }
  VendorResult<NewsWindow> fetch_window(const NewsWindowRequest& request) override;

 private:
  Fetcher& fetcher_;
  NewsApiOptions options_;
};

}  // namespace kestrel::adapters
