#include "adapters/alpha_vantage_news.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adapters/alpha_vantage.hpp"
#include "adapters/url.hpp"
#include "core/new_york_time.hpp"
#include "store/csv.hpp"

namespace kestrel::adapters {
namespace {

using json = nlohmann::json;

// "20240105T093000" (or without seconds) as New York time -> UTC seconds.
std::optional<std::int64_t> parse_time_published(std::string_view t) {
  if ((t.size() != 15 && t.size() != 13) || t[8] != 'T') return std::nullopt;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(t[i]))) return std::nullopt;
  }
  const auto date = core::Date::parse(fmt::format("{}-{}-{}", t.substr(0, 4), t.substr(4, 2), t.substr(6, 2)));
  if (!date) return std::nullopt;
  auto two = [&](std::size_t at) { return (t[at] - '0') * 10 + (t[at + 1] - '0'); };
  const int h = two(9), m = two(11), s = t.size() == 15 ? two(13) : 0;
  if (h > 23 || m > 59 || s > 59) return std::nullopt;
  return core::from_new_york_time(*date, h * 3600 + m * 60 + s);
}

bool stock_symbol(std::string_view t) {
  if (t.empty() || t.size() > 12) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

// A number the vendor may send as a string or as a number.
std::optional<double> number(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return store::parse_double(v.get<std::string>());
  return std::nullopt;
}

std::string text_of(const json& item, const char* key) {
  const auto it = item.find(key);
  return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

core::Result<AlphaVantageNews> parse_alpha_vantage_news(std::string_view body, std::string_view source) {
  if (const BodyCheck notice = check_alpha_vantage_body(body); notice.verdict != BodyCheck::Verdict::Accept) {
    return core::fail("{}: Alpha Vantage answered with a notice, not news: {}", source, notice.detail);
  }
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return core::fail("{}: not a JSON object", source);
  const auto feed = doc.find("feed");
  if (feed == doc.end() || !feed->is_array()) {
    return core::fail("{}: no \"feed\" array: not a NEWS_SENTIMENT reply", source);
  }
  AlphaVantageNews out;
  for (std::size_t i = 0; i < feed->size(); ++i) {
    const json& item = (*feed)[i];
    auto bad = [&](std::string_view field, std::string_view why) {
      return core::fail("{}: feed[{}].{}: {}", source, i, field, why);
    };
    if (!item.is_object()) return bad("", "not an object");
    const std::string when = text_of(item, "time_published");
    const auto published = parse_time_published(when);
    if (!published) return bad("time_published", fmt::format("'{}' is not YYYYMMDDTHHMMSS", when));
    store::NewsItem news;
    news.url = text_of(item, "url");
    news.title = text_of(item, "title");
    news.text = text_of(item, "summary");
    news.source = text_of(item, "source");
    if (news.source.empty()) news.source = "alphavantage";
    news.published_at = *published;
    if (news.title.empty() && news.text.empty()) return bad("title", "no title and no summary");
    news.id = store::news_item_id(news.url, news.source, news.published_at, news.title + "\n" + news.text);
    const auto tags = item.find("ticker_sentiment");
    if (tags != item.end() && tags->is_array()) {
      for (std::size_t k = 0; k < tags->size(); ++k) {
        const json& tag = (*tags)[k];
        const std::string ticker = tag.is_object() ? text_of(tag, "ticker") : std::string();
        if (!stock_symbol(ticker)) {
          ++out.skipped_tickers;
          continue;
        }
        const auto relevance = tag.contains("relevance_score") ? number(tag["relevance_score"]) : std::optional<double>(1.0);
        const auto score = tag.contains("ticker_sentiment_score") ? number(tag["ticker_sentiment_score"]) : std::nullopt;
        const std::string where = fmt::format("ticker_sentiment[{}]", k);
        if (!relevance || *relevance < 0 || *relevance > 1) return bad(where + ".relevance_score", "not a number in [0, 1]");
        if (score && (*score < -1 || *score > 1)) return bad(where + ".ticker_sentiment_score", "not a number in [-1, 1]");
        if (std::any_of(news.tickers.begin(), news.tickers.end(), [&](const auto& t) { return t.ticker == ticker; })) continue;
        news.tickers.push_back({.ticker = ticker, .relevance = *relevance, .vendor_score = score});
      }
    }
    if (news.tickers.empty()) continue;  // about no stock: nothing a feature could use
    std::sort(news.tickers.begin(), news.tickers.end(), [](const auto& a, const auto& b) { return a.ticker < b.ticker; });
    out.items.push_back(std::move(news));
  }
  return out;
}

std::string alpha_vantage_news_time(std::int64_t unix_seconds) {
  const core::NewYorkTime t = core::new_york_time(unix_seconds);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}", t.date.year(), t.date.month(), t.date.day(), t.seconds / 3600,
                     t.seconds % 3600 / 60);
}

AlphaVantageNewsClient::AlphaVantageNewsClient(Fetcher& fetcher, AlphaVantageNewsOptions options)
    : fetcher_(fetcher), options_(std::move(options)) {}

VendorResult<NewsWindow> AlphaVantageNewsClient::fetch_window(const NewsWindowRequest& request) {
  // time_to names a minute and includes it: the last minute before `to`.
  const std::string path = with_query("/query", {{"function", "NEWS_SENTIMENT"},
                                                 {"tickers", request.query},
                                                 {"time_from", alpha_vantage_news_time(request.from)},
                                                 {"time_to", alpha_vantage_news_time(request.to - 60)},
                                                 {"sort", "EARLIEST"},
                                                 {"limit", std::to_string(options_.limit)},
                                                 {"apikey", options_.api_key}});
  const std::string what = fmt::format("alphavantage news {}", request.ticker);
  auto body = fetcher_.get(path, check_alpha_vantage_body, what);
  if (!body) return std::unexpected(body.error());
  auto parsed = parse_alpha_vantage_news(*body, what);
  if (!parsed) return std::unexpected(VendorError{VendorError::Kind::Malformed, fetcher_.scrub(parsed.error().message)});
  NewsWindow window;
  window.requests = 1;
  window.complete_to = request.to;
  const std::size_t page = parsed->items.size();
  std::int64_t last = request.from;
  for (store::NewsItem& item : parsed->items) {
    last = std::max(last, item.published_at);
    if (item.published_at >= request.from && item.published_at < request.to) window.items.push_back(std::move(item));
  }
  if (page >= static_cast<std::size_t>(options_.limit)) {
    const std::int64_t last_minute = last - ((last % 60) + 60) % 60;
    if (last_minute > request.from) {
      window.complete_to = std::min(last_minute, request.to);
    } else {
      // A whole page inside the window's first minute: asking again from it would return the same.
      window.complete_to = std::min(request.from + 60, request.to);
      window.gaps.push_back(fmt::format("{} items or more published in the minute {} (New York): the vendor's page "
                                        "holds {}, the rest of that minute is missing",
                                        options_.limit, alpha_vantage_news_time(request.from), options_.limit));
    }
  }
  std::erase_if(window.items, [&](const store::NewsItem& i) { return i.published_at >= window.complete_to; });
  return window;
}

}  // namespace kestrel::adapters
