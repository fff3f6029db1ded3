#include "support/fake_news_server.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/date.hpp"
#include "core/iso_time.hpp"
#include "core/new_york_time.hpp"
#include "store/csv.hpp"

namespace kestrel::testing {
namespace {

using Json = nlohmann::ordered_json;

// The vendors' own texts, word for word.
constexpr const char* kAlphaVantageDailyLimit =
    "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. Please subscribe to any "
    "of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits.";
constexpr const char* kAlphaVantageBurst =
    "Thank you for using Alpha Vantage! Please consider spreading out your free API requests more sparingly (1 "
    "request per second). You may subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to "
    "lift the free key rate limit (25 requests per day) and instantly unlock all premium endpoints";
constexpr const char* kAlphaVantageInvalidInputs =
    "Invalid inputs. Please refer to the API documentation https://www.alphavantage.co/documentation#newsapi and try "
    "again.";
constexpr const char* kAlphaVantageBadKey =
    "the parameter apikey is invalid or missing. Please claim your free API key on "
    "(https://www.alphavantage.co/support/#api-key). It should take less than 20 seconds.";
constexpr const char* kNewsApiRateLimited =
    "You have made too many requests recently. Developer accounts are limited to 100 requests over a 24 hour period "
    "(50 requests available every 12 hours). Please upgrade to a paid plan if you need more requests.";
constexpr const char* kNewsApiKeyMissing =
    "Your API key is missing. Append this to the URL with the apiKey param, or use the x-api-key HTTP header.";
constexpr const char* kNewsApiKeyInvalid =
    "Your API key is invalid or incorrect. Check your key, or go to https://newsapi.org to create a free API key.";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string new_york_stamp(std::int64_t t, bool seconds) {
  const core::NewYorkTime ny = core::new_york_time(t);
  std::string out = fmt::format("{:04}{:02}{:02}T{:02}{:02}", ny.date.year(), ny.date.month(), ny.date.day(),
                                ny.seconds / 3600, ny.seconds % 3600 / 60);
  if (seconds) out += fmt::format("{:02}", ny.seconds % 60);
  return out;
}

std::optional<std::int64_t> parse_new_york_minute(const std::string& t) {
  if (t.size() != 13 || t[8] != 'T') return std::nullopt;
  const auto date = core::Date::parse(fmt::format("{}-{}-{}", t.substr(0, 4), t.substr(4, 2), t.substr(6, 2)));
  if (!date) return std::nullopt;
  return core::from_new_york_time(*date, std::stoi(t.substr(9, 2)) * 3600 + std::stoi(t.substr(11, 2)) * 60);
}

std::string utc_stamp(std::int64_t t) {
  const auto day = core::Date::from_days(static_cast<std::int32_t>(t / 86'400));
  const std::int64_t s = t % 86'400;
  return fmt::format("{}T{:02}:{:02}:{:02}Z", day.to_string(), s / 3600, s % 3600 / 60, s % 60);
}

// NewsAPI's from/to: a date (to: its end) or a date-time, UTC unless it says otherwise.
std::optional<std::int64_t> parse_newsapi_time(const std::string& text, bool end_of_day) {
  if (const auto day = core::Date::parse(text)) return std::int64_t{day->days()} * 86'400 + (end_of_day ? 86'399 : 0);
  return core::parse_iso8601_seconds(text.find('Z') == std::string::npos && text.find('+') == std::string::npos
                                         ? text + "Z"
                                         : text);
}

}  // namespace

std::vector<FakeArticle> make_articles(const std::string& ticker, std::int64_t first, std::int64_t every, int count,
                                       bool with_removed) {
  std::vector<FakeArticle> out;
  for (int i = 0; i < count; ++i) {
    FakeArticle a;
    a.ticker = ticker;
    a.published_at = first + every * i;
    a.title = fmt::format("{} shares move after report number {}", ticker, i);
    a.summary = fmt::format("Analysts discuss {} in the {} note of the day.", ticker, i % 2 == 0 ? "upbeat" : "gloomy");
    a.url = fmt::format("https://news.example.com/{}/{}", lower(ticker), i);
    a.source = i % 3 == 0 ? "Reuters" : "Benzinga";
    a.score = ((i * 37) % 200 - 100) / 100.0;
    a.removed = with_removed && i % 7 == 6;
    out.push_back(std::move(a));
  }
  return out;
}

struct FakeNewsServer::State {
  mutable std::mutex mutex;
  std::string av_key;
  std::string newsapi_key;
  std::vector<FakeArticle> articles;
  int av_quota = 25, av_used = 0;
  int newsapi_quota = 100, newsapi_used = 0;
  int newsapi_max_results = 100;
  std::optional<std::int64_t> newsapi_oldest;
  std::deque<NewsFault> faults;
  std::vector<std::string> seen;
  std::vector<std::string> key_headers;

  std::optional<NewsFault> take_fault() {
    if (faults.empty()) return std::nullopt;
    const NewsFault f = faults.front();
    faults.pop_front();
    return f;
  }
};

namespace {

std::string full_url(const httplib::Request& req) {
  std::string out = req.path;
  char sep = '?';
  for (const auto& [k, v] : req.params) {
    out += sep + k + "=" + v;
    sep = '&';
  }
  return out;
}

// Faults every endpoint shares; true when the reply is made.
bool apply(std::optional<NewsFault> fault, httplib::Response& res) {
  if (fault == NewsFault::ServerError) {
    res.status = 503;
    res.set_content("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", "text/html");
    return true;
  }
  return false;
}

std::string alpha_vantage_feed(const std::vector<const FakeArticle*>& items) {
  Json doc;
  doc["items"] = std::to_string(items.size());
  doc["sentiment_score_definition"] =
      "x <= -0.35: Bearish; -0.35 < x <= -0.15: Somewhat-Bearish; -0.15 < x < 0.15: Neutral; 0.15 <= x < 0.35: "
      "Somewhat_Bullish; x >= 0.35: Bullish";
  doc["relevance_score_definition"] = "0 < x <= 1, with a higher score indicating higher relevance.";
  Json feed = Json::array();
  for (const FakeArticle* a : items) {
    const std::string label = a->score <= -0.35 ? "Bearish" : a->score >= 0.35 ? "Bullish" : "Neutral";
    Json tags = Json::array();
    tags.push_back({{"ticker", a->ticker},
                    {"relevance_score", fmt::format("{:.6f}", 0.5 + 0.25 * (a->score > 0))},
                    {"ticker_sentiment_score", fmt::format("{:.6f}", a->score)},
                    {"ticker_sentiment_label", label}});
    if (a->published_at % 2 == 0) {
      tags.push_back({{"ticker", "FOREX:USD"}, {"relevance_score", "0.1"}, {"ticker_sentiment_score", "0.0"},
                      {"ticker_sentiment_label", "Neutral"}});
    }
    feed.push_back({{"title", a->title},
                    {"url", a->url},
                    {"time_published", new_york_stamp(a->published_at, true)},
                    {"authors", Json::array({"Staff"})},
                    {"summary", a->summary},
                    {"banner_image", nullptr},
                    {"source", a->source},
                    {"category_within_source", "n/a"},
                    {"source_domain", "news.example.com"},
                    {"topics", Json::array({{{"topic", "Earnings"}, {"relevance_score", "0.5"}}})},
                    {"overall_sentiment_score", a->score},
                    {"overall_sentiment_label", label},
                    {"ticker_sentiment", std::move(tags)}});
  }
  doc["feed"] = std::move(feed);
  return doc.dump(4);
}

std::string newsapi_error(httplib::Response& res, int status, std::string_view code, std::string_view message) {
  res.status = status;
  const std::string body = Json{{"status", "error"}, {"code", code}, {"message", message}}.dump();
  res.set_content(body, "application/json; charset=utf-8");
  return body;
}

}  // namespace

FakeNewsServer::FakeNewsServer(std::string alpha_vantage_key, std::string newsapi_key)
    : state_(std::make_unique<State>()), server_(std::make_unique<httplib::Server>()) {
  state_->av_key = std::move(alpha_vantage_key);
  state_->newsapi_key = std::move(newsapi_key);
  State& st = *state_;

  server_->Get("/query", [&st](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(st.mutex);
    st.seen.push_back(full_url(req));
    auto json_reply = [&](const char* key, std::string_view text) {
      res.set_content(Json{{key, text}}.dump(4), "application/json");
    };
    if (req.get_param_value("apikey") != st.av_key) return json_reply("Error Message", kAlphaVantageBadKey);
    if (++st.av_used > st.av_quota) return json_reply("Information", kAlphaVantageDailyLimit);
    const auto fault = st.take_fault();
    if (apply(fault, res)) return;
    if (fault == NewsFault::BurstNotice) return json_reply("Information", kAlphaVantageBurst);
    if (req.get_param_value("function") != "NEWS_SENTIMENT") {
      return json_reply("Error Message", "This API function (" + req.get_param_value("function") +
                                             ") does not exist.");
    }
    const std::string ticker = req.get_param_value("tickers");
    const bool known = std::any_of(st.articles.begin(), st.articles.end(), [&](const auto& a) { return a.ticker == ticker; });
    const auto from = req.has_param("time_from") ? parse_new_york_minute(req.get_param_value("time_from")) : std::optional<std::int64_t>(0);
    const auto to = req.has_param("time_to") ? parse_new_york_minute(req.get_param_value("time_to"))
                                             : std::optional<std::int64_t>(std::int64_t{1} << 40);
    if (!known || !from || !to) return json_reply("Information", kAlphaVantageInvalidInputs);
    const std::string sort = req.has_param("sort") ? req.get_param_value("sort") : "LATEST";
    const std::size_t limit = std::min<std::size_t>(1000, req.has_param("limit") ? std::stoul(req.get_param_value("limit")) : 50);
    std::vector<const FakeArticle*> hits;
    for (const FakeArticle& a : st.articles) {
      if (a.ticker == ticker && a.published_at >= *from && a.published_at < *to + 60) hits.push_back(&a);
    }
    std::stable_sort(hits.begin(), hits.end(), [&](const FakeArticle* a, const FakeArticle* b) {
      return sort == "EARLIEST" ? a->published_at < b->published_at : a->published_at > b->published_at;
    });
    if (hits.size() > limit) hits.resize(limit);
    std::string body = alpha_vantage_feed(hits);
    if (fault == NewsFault::Truncated) body.resize(body.size() / 2);
    res.set_content(body, "application/json");
  });

  server_->Get("/v2/everything", [&st](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(st.mutex);
    st.seen.push_back(full_url(req));
    const std::string key = req.has_header("X-Api-Key") ? req.get_header_value("X-Api-Key") : req.get_param_value("apiKey");
    st.key_headers.push_back(req.get_header_value("X-Api-Key"));
    if (key.empty()) return (void)newsapi_error(res, 401, "apiKeyMissing", kNewsApiKeyMissing);
    if (key != st.newsapi_key) return (void)newsapi_error(res, 401, "apiKeyInvalid", kNewsApiKeyInvalid);
    if (++st.newsapi_used > st.newsapi_quota) return (void)newsapi_error(res, 429, "rateLimited", kNewsApiRateLimited);
    const auto fault = st.take_fault();
    if (apply(fault, res)) return;
    const auto from = parse_newsapi_time(req.get_param_value("from"), false);
    const auto to = req.has_param("to") ? parse_newsapi_time(req.get_param_value("to"), true)
                                        : std::optional<std::int64_t>(std::int64_t{1} << 40);
    if (!from || !to) {
      return (void)newsapi_error(res, 400, "parameterInvalid",
                                 "The from or to parameter is in an invalid format. Please use ISO 8601 format.");
    }
    if (st.newsapi_oldest && *from < *st.newsapi_oldest) {
      return (void)newsapi_error(
          res, 426, "parameterInvalid",
          fmt::format("You are trying to request results too far in the past. Your plan permits you to request "
                      "articles as far back as {}, but you have requested {}. You may need to upgrade to a paid plan.",
                      core::Date::from_days(static_cast<std::int32_t>(*st.newsapi_oldest / 86'400)).to_string(),
                      core::Date::from_days(static_cast<std::int32_t>(*from / 86'400)).to_string()));
    }
    const int page_size = req.has_param("pageSize") ? std::stoi(req.get_param_value("pageSize")) : 100;
    const int page = req.has_param("page") ? std::stoi(req.get_param_value("page")) : 1;
    if (page_size < 1 || page_size > 100 || page < 1) {
      return (void)newsapi_error(res, 400, "parameterInvalid", "You have requested too many results. The pageSize "
                                                                "parameter must be between 1 and 100.");
    }
    if (page * page_size > st.newsapi_max_results) {
      return (void)newsapi_error(
          res, 426, "maximumResultsReached",
          fmt::format("You have requested too many results. Developer accounts are limited to a max of {} results. "
                      "You are trying to request results {} to {}. Please upgrade to a paid plan if you need more "
                      "results.",
                      st.newsapi_max_results, (page - 1) * page_size, page * page_size));
    }
    // q: terms joined by OR, each matched case-insensitively in the title or description.
    std::vector<std::string> terms;
    std::string q = req.get_param_value("q");
    for (std::size_t at = 0;;) {
      const auto next = q.find(" OR ", at);
      std::string term = store::trim(q.substr(at, next == std::string::npos ? std::string::npos : next - at));
      if (term.size() >= 2 && term.front() == '"' && term.back() == '"') term = term.substr(1, term.size() - 2);
      if (!term.empty()) terms.push_back(lower(term));
      if (next == std::string::npos) break;
      at = next + 4;
    }
    std::vector<const FakeArticle*> hits;
    for (const FakeArticle& a : st.articles) {
      if (a.published_at < *from || a.published_at > *to) continue;
      const std::string text = lower(a.title + " " + a.summary);
      if (std::any_of(terms.begin(), terms.end(), [&](const auto& t) { return text.find(t) != std::string::npos; })) {
        hits.push_back(&a);
      }
    }
    std::stable_sort(hits.begin(), hits.end(),
                     [](const FakeArticle* a, const FakeArticle* b) { return a->published_at > b->published_at; });
    Json articles = Json::array();
    for (std::size_t i = static_cast<std::size_t>((page - 1) * page_size);
         i < hits.size() && i < static_cast<std::size_t>(page * page_size); ++i) {
      const FakeArticle& a = *hits[i];
      if (a.removed) {
        articles.push_back({{"source", {{"id", nullptr}, {"name", "[Removed]"}}}, {"author", nullptr},
                            {"title", "[Removed]"}, {"description", "[Removed]"}, {"url", "https://removed.com"},
                            {"urlToImage", nullptr}, {"publishedAt", "1970-01-01T00:00:00Z"}, {"content", "[Removed]"}});
        continue;
      }
      articles.push_back({{"source", {{"id", a.source == "Reuters" ? Json("reuters") : Json(nullptr)}, {"name", a.source}}},
                          {"author", "Staff"},
                          {"title", a.title},
                          {"description", a.summary},
                          {"url", a.url},
                          {"urlToImage", nullptr},
                          {"publishedAt", utc_stamp(a.published_at)},
                          {"content", a.summary.substr(0, 20) + "… [+1234 chars]"}});
    }
    std::string body = Json{{"status", "ok"}, {"totalResults", hits.size()}, {"articles", std::move(articles)}}.dump();
    if (fault == NewsFault::Truncated) body.resize(body.size() / 2);
    res.set_content(body, "application/json; charset=utf-8");
  });

  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake news vendor: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeNewsServer::~FakeNewsServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeNewsServer::base_url() const { return fmt::format("http://127.0.0.1:{}", port_); }

void FakeNewsServer::add_articles(const std::vector<FakeArticle>& articles) {
  std::lock_guard lock(state_->mutex);
  state_->articles.insert(state_->articles.end(), articles.begin(), articles.end());
}

void FakeNewsServer::set_alpha_vantage_quota(int requests) {
  std::lock_guard lock(state_->mutex);
  state_->av_quota = requests;
}

void FakeNewsServer::set_newsapi_quota(int requests) {
  std::lock_guard lock(state_->mutex);
  state_->newsapi_quota = requests;
}

void FakeNewsServer::reset_quotas() {
  std::lock_guard lock(state_->mutex);
  state_->av_used = 0;
  state_->newsapi_used = 0;
}

void FakeNewsServer::set_newsapi_max_results(int results) {
  std::lock_guard lock(state_->mutex);
  state_->newsapi_max_results = results;
}

void FakeNewsServer::set_newsapi_oldest(std::optional<std::int64_t> oldest_utc_seconds) {
  std::lock_guard lock(state_->mutex);
  state_->newsapi_oldest = oldest_utc_seconds;
}

void FakeNewsServer::inject(NewsFault fault, int times) {
  std::lock_guard lock(state_->mutex);
  for (int i = 0; i < times; ++i) state_->faults.push_back(fault);
}

std::vector<std::string> FakeNewsServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->seen;
}

std::vector<std::string> FakeNewsServer::api_key_headers() const {
  std::lock_guard lock(state_->mutex);
  return state_->key_headers;
}

}  // namespace kestrel::testing
