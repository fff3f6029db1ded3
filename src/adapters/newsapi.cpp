#include "adapters/newsapi.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adapters/url.hpp"
#include "core/date.hpp"
#include "core/iso_time.hpp"

namespace kestrel::adapters {
namespace {

using json = nlohmann::json;

std::string text_of(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// NewsAPI reads from/to as UTC when they carry no offset.
std::string utc_time(std::int64_t unix_seconds) {
  const auto day = static_cast<std::int32_t>(unix_seconds >= 0 ? unix_seconds / 86'400 : (unix_seconds - 86'399) / 86'400);
  const std::int64_t s = unix_seconds - std::int64_t{day} * 86'400;
  return fmt::format("{}T{:02}:{:02}:{:02}", core::Date::from_days(day).to_string(), s / 3600, s % 3600 / 60, s % 60);
}

}  // namespace

std::optional<BodyCheck> check_newsapi_reply(const HttpResponse& reply) {
  const json doc = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const std::string status = text_of(doc, "status");
  if (status == "ok" && reply.status >= 200 && reply.status < 300) return BodyCheck{};
  if (status != "error") return std::nullopt;
  const std::string code = text_of(doc, "code");
  const std::string detail = fmt::format("{} ({})", text_of(doc, "message"), code);
  using Verdict = BodyCheck::Verdict;
  // The daily request quota: asking again before it refills only burns what is left.
  if (code == "rateLimited" || code == "apiKeyExhausted") return BodyCheck{Verdict::QuotaExhausted, detail};
  if (code == "apiKeyMissing" || code == "apiKeyInvalid" || code == "apiKeyDisabled") {
    return BodyCheck{Verdict::NotEntitled, detail};
  }
  if (code == "maximumResultsReached") return BodyCheck{};  // the client stops paging
  // The plan's history limit: every older window would get the same answer.
  if (code == "parameterInvalid" && text_of(doc, "message").find("too far in the past") != std::string::npos) {
    return BodyCheck{Verdict::NotEntitled, detail};
  }
  if (code == "unexpectedError") return std::nullopt;  // a 500: retried by status
  return BodyCheck{Verdict::Rejected, detail};
}

core::Result<NewsApiPage> parse_newsapi_everything(std::string_view body, const std::string& ticker,
                                                   std::string_view what) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return core::fail("{}: reply is not a JSON object", what);
  NewsApiPage page;
  if (text_of(doc, "status") == "error") {
    if (text_of(doc, "code") == "maximumResultsReached") {
      page.max_results_reached = true;
      return page;
    }
    return core::fail("{}: NewsAPI error: {}", what, text_of(doc, "message"));
  }
  const auto total = doc.find("totalResults");
  const auto articles = doc.find("articles");
  if (total == doc.end() || !total->is_number_integer() || articles == doc.end() || !articles->is_array()) {
    return core::fail("{}: no \"totalResults\" and \"articles\": not a /v2/everything reply", what);
  }
  page.total_results = total->get<std::int64_t>();
  page.articles = articles->size();
  for (std::size_t i = 0; i < articles->size(); ++i) {
    const json& a = (*articles)[i];
    if (!a.is_object()) return core::fail("{}: articles[{}]: not an object", what, i);
    store::NewsItem item;
    item.title = text_of(a, "title");
    item.text = text_of(a, "description");
    item.url = text_of(a, "url");
    if (item.title == "[Removed]" || item.url == "https://removed.com") {
      ++page.removed;
      continue;
    }
    const std::string when = text_of(a, "publishedAt");
    const auto published = core::parse_iso8601_seconds(when);
    if (!published) return core::fail("{}: articles[{}].publishedAt: '{}' is not an ISO 8601 time with an offset", what, i, when);
    item.published_at = *published;
    if (const auto source = a.find("source"); source != a.end() && source->is_object()) item.source = text_of(*source, "name");
    if (item.source.empty()) item.source = "newsapi";
    if (item.title.empty() && item.text.empty()) continue;  // nothing a classifier could read
    item.id = store::news_item_id(item.url, item.source, item.published_at, item.title + "\n" + item.text);
    item.tickers.push_back({.ticker = ticker, .relevance = 1, .vendor_score = std::nullopt});
    page.items.push_back(std::move(item));
  }
  return page;
}

NewsApiClient::NewsApiClient(Fetcher& fetcher, NewsApiOptions options)
    : fetcher_(fetcher), options_(std::move(options)) {}

VendorResult<NewsWindow> NewsApiClient::fetch_window(const NewsWindowRequest& request) {
  NewsWindow window;
  window.complete_to = request.to;
  const std::string what = fmt::format("newsapi {}", request.ticker);
  const HttpHeaders headers = {{"X-Api-Key", options_.api_key}};
  std::int64_t end = request.to;  // articles published in [request.from, end) are still to come
  while (end > request.from) {
    std::size_t received = 0;
    bool capped = false;
    std::int64_t oldest = end;
    for (int page_number = 1;; ++page_number) {
      const std::string path = with_query("/v2/everything", {{"q", request.query},
                                                             {"from", utc_time(request.from)},
                                                             {"to", utc_time(end - 1)},
                                                             {"sortBy", "publishedAt"},
                                                             {"language", options_.language},
                                                             {"pageSize", std::to_string(options_.page_size)},
                                                             {"page", std::to_string(page_number)}});
      auto reply = fetcher_.exchange(path, headers, check_newsapi_reply, what);
      if (!reply) return std::unexpected(reply.error());
      ++window.requests;
      auto page = parse_newsapi_everything(reply->body, request.ticker, what);
      if (!page) return std::unexpected(VendorError{VendorError::Kind::Malformed, fetcher_.scrub(page.error().message)});
      if (page->max_results_reached) {
        capped = true;
        break;
      }
      received += page->articles;
      for (store::NewsItem& item : page->items) {
        oldest = std::min(oldest, item.published_at);
        if (item.published_at >= request.from && item.published_at < end) window.items.push_back(std::move(item));
      }
      if (page->articles < static_cast<std::size_t>(options_.page_size) ||
          static_cast<std::int64_t>(received) >= page->total_results) {
        break;
      }
    }
    if (!capped) break;
    // Newest first: [oldest, end) is in hand. Ask for the rest, up to and including the oldest
    // second (it may have been cut in two); a second that alone fills the cap ends the window.
    if (oldest + 1 >= end) {
      window.gaps.push_back(fmt::format("{}: more articles published at {} than the plan's result cap; the "
                                        "rest of [{}, {}) is missing", what, utc_time(oldest), utc_time(request.from),
                                        utc_time(end)));
      break;
    }
    end = oldest + 1;
  }
  std::sort(window.items.begin(), window.items.end(), [](const auto& a, const auto& b) { return a.published_at < b.published_at; });
  return window;
}

}  // namespace kestrel::adapters
