#include "adapters/yahoo.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "store/csv.hpp"

namespace kestrel::adapters {
namespace {

using nlohmann::json;

// The whole history: Yahoo's own "max" range starts in 1900 (period1 may be negative).
constexpr std::int64_t kEarliestUnixSeconds = -2'208'988'800;  // 1900-01-01

std::string unix_seconds(core::Date date) {
  return std::to_string(static_cast<std::int64_t>(date.days()) * 86'400);
}

// The exchange-local calendar day of a Unix time.
core::Date local_day(std::int64_t unix_seconds, std::int64_t gmtoffset) {
  return core::date_of((unix_seconds + gmtoffset) * core::kNanosPerSecond);
}

bool contains(std::string_view text, std::string_view word) { return text.find(word) != std::string_view::npos; }

// The first line of a body, shortened, for messages.
std::string snippet(std::string_view body) {
  body = body.substr(0, body.find_first_of("\r\n"));
  if (body.size() > 200) return fmt::format("{}…", body.substr(0, 200));
  return std::string(body);
}

// "Not Found: No data found, symbol may be delisted" from {"chart"|"finance": {"error": {…}}}.
std::optional<std::string> yahoo_error(std::string_view body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  for (const char* wrapper : {"chart", "finance"}) {
    const auto w = doc.find(wrapper);
    if (w == doc.end() || !w->is_object()) continue;
    const auto error = w->find("error");
    if (error == w->end() || !error->is_object()) continue;
    const std::string code = error->value("code", std::string());
    const std::string description = error->value("description", std::string());
    if (code.empty()) return description;
    return description.empty() ? code : code + ": " + description;
  }
  return std::nullopt;
}

// One value of an indicator array: nullopt for null, an error for anything but a number.
core::Result<std::optional<double>> value_at(const json& array, std::size_t i, std::string_view field,
                                             const std::string& source, core::Date date) {
  const json& v = array[i];
  if (v.is_null()) return std::optional<double>();
  if (!v.is_number()) return core::fail("{}: {}: field '{}': {} is not a number", source, date.to_string(), field, v.dump());
  const double x = v.get<double>();
  const bool volume = field == "volume";
  if (!std::isfinite(x) || x < 0 || (!volume && x == 0)) {
    return core::fail("{}: {}: field '{}': {} is out of range", source, date.to_string(), field, x);
  }
  return std::optional<double>(x);
}

const json* array_in(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_array() ? &*it : nullptr;
}

}  // namespace

core::Result<store::BarFile> parse_yahoo_chart(std::string_view body, const std::string& ticker) {
  const std::string source = fmt::format("yahoo {} (chart)", ticker);
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::parse_error& e) {
    return core::fail("{}: body is not valid JSON at byte {} (truncated or corrupted reply?)", source, e.byte);
  }
  const auto chart = doc.is_object() ? doc.find("chart") : doc.end();
  if (!doc.is_object() || chart == doc.end() || !chart->is_object()) {
    return core::fail("{}: no \"chart\" object in the reply", source);
  }
  if (auto error = yahoo_error(body)) return core::fail("{}: {}", source, *error);
  const json* results = array_in(*chart, "result");
  if (results == nullptr || results->empty() || !(*results)[0].is_object()) {
    return core::fail("{}: no chart.result[0] in the reply", source);
  }
  const json& result = (*results)[0];
  std::int64_t gmtoffset = 0;
  if (auto meta = result.find("meta"); meta != result.end() && meta->is_object()) {
    if (auto symbol = meta->find("symbol");
        symbol != meta->end() && symbol->is_string() &&
        store::to_lower(symbol->get<std::string>()) != store::to_lower(ticker)) {
      return core::fail("{}: reply is for symbol '{}', not '{}'", source, symbol->get<std::string>(), ticker);
    }
    if (auto offset = meta->find("gmtoffset"); offset != meta->end() && offset->is_number_integer()) {
      gmtoffset = offset->get<std::int64_t>();
    }
  }

  store::BarFile file;
  file.ticker = ticker;
  file.format = store::BarFormat::Yahoo;
  // No "timestamp": no session in the window (e.g. nothing after the last stored day).
  if (const json* timestamps = array_in(result, "timestamp")) {
    const auto indicators = result.find("indicators");
    const json* quotes = indicators != result.end() && indicators->is_object() ? array_in(*indicators, "quote") : nullptr;
    const json* adjcloses = indicators != result.end() && indicators->is_object() ? array_in(*indicators, "adjclose") : nullptr;
    if (quotes == nullptr || quotes->empty() || !(*quotes)[0].is_object()) {
      return core::fail("{}: no indicators.quote[0] in the reply", source);
    }
    if (adjcloses == nullptr || adjcloses->empty() || !(*adjcloses)[0].is_object()) {
      return core::fail("{}: no indicators.adjclose[0] in the reply (adjusted closes were asked for)", source);
    }
    const json& quote = (*quotes)[0];
    static constexpr std::array<std::string_view, 6> fields = {"open", "high", "low", "close", "adjclose", "volume"};
    std::array<const json*, 6> columns{};
    for (std::size_t f = 0; f < fields.size(); ++f) {
      columns[f] = array_in(f == 4 ? (*adjcloses)[0] : quote, fields[f]);
      if (columns[f] == nullptr || columns[f]->size() != timestamps->size()) {
        return core::fail("{}: indicators field '{}' has {} values for {} timestamps", source, fields[f],
                          columns[f] == nullptr ? 0 : columns[f]->size(), timestamps->size());
      }
    }
    for (std::size_t i = 0; i < timestamps->size(); ++i) {
      const json& ts = (*timestamps)[i];
      if (!ts.is_number_integer()) return core::fail("{}: timestamp[{}]: {} is not a Unix time", source, i, ts.dump());
      const core::Date date = local_day(ts.get<std::int64_t>(), gmtoffset);
      std::array<double, 6> v{};
      bool complete = true;
      for (std::size_t f = 0; f < fields.size(); ++f) {
        auto x = value_at(*columns[f], i, fields[f], source, date);
        if (!x) return std::unexpected(x.error());
        if (!*x) complete = false;
        else v[f] = **x;
      }
      if (!complete) {
        ++file.skipped_null_rows;
        continue;
      }
      // A day listed twice (a session still in progress) keeps its latest values.
      if (!file.bars.empty() && file.bars.back().date == date) file.bars.pop_back();
      file.bars.push_back({date, v[0], v[1], v[2], v[3], v[4], v[5]});
    }
  }
  std::sort(file.bars.begin(), file.bars.end(), [](const auto& a, const auto& b) { return a.date < b.date; });
  file.bars.erase(std::unique(file.bars.begin(), file.bars.end(),
                              [](const auto& a, const auto& b) { return a.date == b.date; }),
                  file.bars.end());

  // Dividends and splits, merged per day as Alpha Vantage's columns give them.
  std::map<core::Date, store::CorporateAction> actions;
  if (auto events = result.find("events"); events != result.end() && events->is_object()) {
    auto event_day = [&](const json& e, std::string_view kind) -> core::Result<core::Date> {
      const auto date = e.find("date");
      if (date == e.end() || !date->is_number_integer()) {
        return core::fail("{}: events.{}: an event without a \"date\"", source, kind);
      }
      return local_day(date->get<std::int64_t>(), gmtoffset);
    };
    if (auto dividends = events->find("dividends"); dividends != events->end() && dividends->is_object()) {
      for (const auto& [key, e] : dividends->items()) {
        if (!e.is_object()) return core::fail("{}: events.dividends.{}: expected an object", source, key);
        auto day = event_day(e, "dividends");
        if (!day) return std::unexpected(day.error());
        const auto amount = e.find("amount");
        if (amount == e.end() || !amount->is_number() || amount->get<double>() < 0) {
          return core::fail("{}: events.dividends: {}: amount is missing or negative", source, day->to_string());
        }
        auto& action = actions.try_emplace(*day, store::CorporateAction{*day, 0, 1}).first->second;
        action.dividend += amount->get<double>();
      }
    }
    if (auto splits = events->find("splits"); splits != events->end() && splits->is_object()) {
      for (const auto& [key, e] : splits->items()) {
        if (!e.is_object()) return core::fail("{}: events.splits.{}: expected an object", source, key);
        auto day = event_day(e, "splits");
        if (!day) return std::unexpected(day.error());
        const auto numerator = e.find("numerator");
        const auto denominator = e.find("denominator");
        if (numerator == e.end() || denominator == e.end() || !numerator->is_number() ||
            !denominator->is_number() || numerator->get<double>() <= 0 || denominator->get<double>() <= 0) {
          return core::fail("{}: events.splits: {}: numerator and denominator must be positive numbers", source,
                            day->to_string());
        }
        auto& action = actions.try_emplace(*day, store::CorporateAction{*day, 0, 1}).first->second;
        action.split_coefficient *= numerator->get<double>() / denominator->get<double>();
      }
    }
  }
  for (const auto& [day, action] : actions) file.actions.push_back(action);
  return file;
}

YahooClient::YahooClient(Fetcher& fetcher, Fetcher& cookie_fetcher)
    : fetcher_(fetcher), cookie_fetcher_(cookie_fetcher) {}

VendorResult<YahooClient::Session> YahooClient::open_session() {
  // The cookie page answers 404 on fc.yahoo.com: any status but throttling or a server error
  // is its answer; the cookie is what counts.
  const ReplyChecker any_reply = [](const HttpResponse& reply) -> std::optional<BodyCheck> {
    if (reply.status == 429 || reply.status >= 500) return std::nullopt;
    return BodyCheck{};
  };
  auto page = cookie_fetcher_.exchange("/", {}, any_reply, "yahoo session cookie");
  if (!page) return std::unexpected(page.error());
  Session session;
  for (const std::string& set_cookie : page->headers_named("Set-Cookie")) {
    const std::string pair = store::trim(std::string_view(set_cookie).substr(0, set_cookie.find(';')));
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    fetcher_.add_secret(pair.substr(eq + 1));
    cookie_fetcher_.add_secret(pair.substr(eq + 1));
    session.cookie += (session.cookie.empty() ? "" : "; ") + pair;
  }
  if (session.cookie.empty()) {
    return std::unexpected(VendorError{
        VendorError::Kind::NotEntitled,
        fmt::format("{} set no cookie (HTTP {}), so no crumb can be asked for: Yahoo's session "
                    "handshake has changed or a consent page is in the way",
                    cookie_fetcher_.url_for("/"), page->status)});
  }

  const ReplyChecker crumb_reply = [](const HttpResponse& reply) -> std::optional<BodyCheck> {
    if (reply.status == 401 || reply.status == 403) return BodyCheck{};
    return std::nullopt;
  };
  auto crumb = fetcher_.exchange("/v1/test/getcrumb", {{"Cookie", session.cookie}}, crumb_reply, "yahoo crumb");
  if (!crumb) return std::unexpected(crumb.error());
  if (crumb->status == 401 || crumb->status == 403) {
    return std::unexpected(VendorError{
        VendorError::Kind::NotEntitled,
        fetcher_.scrub(fmt::format("the crumb was refused with the cookie just received (HTTP {}: {}) "
                                   "(GET {})",
                                   crumb->status, yahoo_error(crumb->body).value_or(snippet(crumb->body)),
                                   fetcher_.url_for("/v1/test/getcrumb")))});
  }
  session.crumb = store::trim(crumb->body);
  const bool plausible = !session.crumb.empty() && session.crumb.size() <= 64 &&
                         std::none_of(session.crumb.begin(), session.crumb.end(), [](char c) {
                           return std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '{';
                         });
  if (!plausible) {
    return std::unexpected(VendorError{
        VendorError::Kind::NotEntitled,
        fetcher_.scrub(fmt::format("/v1/test/getcrumb answered no crumb ('{}')", snippet(crumb->body)))});
  }
  fetcher_.add_secret(session.crumb);
  return session;
}

VendorResult<store::BarFile> YahooClient::fetch_daily(const DailyRequest& request) {
  // From the last stored day, so that the reply overlaps it and a re-basing of adjusted
  // closes shows; everything when nothing is stored.
  const std::string period1 =
      request.last_stored ? unix_seconds(*request.last_stored) : std::to_string(kEarliestUnixSeconds);
  const std::string what = fmt::format("yahoo {}", request.ticker);
  // A 401 is the session's problem (handled below); a chart error is the ticker's, whatever
  // the status (404 "Not Found" for an unknown symbol, 400 for a bad request, or 200).
  const ReplyChecker check = [](const HttpResponse& reply) -> std::optional<BodyCheck> {
    if (reply.status == 401) return BodyCheck{};
    if (reply.status == 429 || reply.status >= 500) return std::nullopt;
    if (auto error = yahoo_error(reply.body)) return BodyCheck{BodyCheck::Verdict::Rejected, *error};
    return std::nullopt;
  };
  for (int round = 1;; ++round) {
    if (!session_) {
      auto session = open_session();
      if (!session) {
        VendorError error = std::move(session.error());
        error.message = fmt::format("{}: {}", what, error.message);
        return std::unexpected(std::move(error));
      }
      session_ = std::move(*session);
    }
    const std::string path = with_query("/v8/finance/chart/" + url_encode(request.ticker),
                                        {{"period1", period1},
                                         {"period2", unix_seconds(request.today + 1)},
                                         {"interval", "1d"},
                                         {"events", "div,splits"},
                                         {"includeAdjustedClose", "true"},
                                         {"crumb", session_->crumb}});
    auto reply = fetcher_.exchange(path, {{"Cookie", session_->cookie}}, check, what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status == 401) {
      session_.reset();
      const std::string reason = yahoo_error(reply->body).value_or(snippet(reply->body));
      // A crumb or cookie goes stale: one fresh session, one more try.
      if (round == 1 && (contains(reply->body, "Invalid Crumb") || contains(reply->body, "Invalid Cookie"))) continue;
      return std::unexpected(VendorError{
          VendorError::Kind::NotEntitled,
          fetcher_.scrub(fmt::format("{}: Yahoo refused the session (HTTP 401: {}){} (GET {})", what, reason,
                                     round > 1 ? " again with a fresh cookie and crumb" : "",
                                     fetcher_.url_for(path)))});
    }
    auto file = parse_yahoo_chart(reply->body, request.ticker);
    if (!file) {
      return std::unexpected(VendorError{VendorError::Kind::Malformed, fetcher_.scrub(file.error().message)});
    }
    return std::move(*file);
  }
}

}  // namespace kestrel::adapters
