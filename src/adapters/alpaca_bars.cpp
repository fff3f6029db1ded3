#include "adapters/alpaca_bars.hpp"

#include <array>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adapters/alpaca_wire.hpp"
#include "adapters/url.hpp"

namespace kestrel::adapters {
namespace {

using nlohmann::json;

constexpr std::string_view kRecentSip = "subscription does not permit querying recent SIP data";

// The New York calendar day of a daily bar's "t" (midnight New York, in UTC: 05:00Z in winter,
// 04:00Z in summer). Four hours back lands on that day in both seasons.
core::Date session_day(core::UnixNanos t) { return core::date_of(t - 4 * 3'600 * core::kNanosPerSecond); }

core::Result<double> number_field(const json& bar, const char* key, const std::string& where, bool volume) {
  const auto it = bar.find(key);
  if (it == bar.end() || !it->is_number()) {
    return core::fail("{}: field '{}': {}", where, key, it == bar.end() ? "missing" : it->dump() + " is not a number");
  }
  const double x = it->get<double>();
  if (!std::isfinite(x) || x < 0 || (!volume && x == 0)) return core::fail("{}: field '{}': {} is out of range", where, key, x);
  return x;
}

// The split coefficient a step in the split-adjustment factor stands for: 1 when the step is
// only rounding (Alpaca rounds adjusted prices to 4 decimals), else the nearest n or 1/n — splits
// are whole ratios such as 2, 3:2 or 1:10 — or the ratio itself when it is neither.
double split_coefficient(double ratio) {
  if (!std::isfinite(ratio) || ratio <= 0 || std::abs(ratio - 1) < 2e-3) return 1.0;
  for (double step : {1.0, 2.0}) {  // n, n/2 (3:2 splits)
    const double n = std::round(ratio * step);
    if (n > 0 && std::abs(ratio * step - n) < 2e-3 * n) return n / step;
    const double d = std::round(step / ratio);
    if (d > 0 && std::abs(step / ratio - d) < 2e-3 * d) return step / d;
  }
  return ratio;
}

}  // namespace

core::Result<AlpacaBarsPage> parse_alpaca_bars(std::string_view body, const std::string& ticker) {
  const std::string source = fmt::format("alpaca bars for {}", ticker);
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return core::fail("{}: the reply is not a JSON object", source);
  const auto bars = doc.find("bars");
  if (bars == doc.end() || !(bars->is_object() || bars->is_null())) {
    return core::fail("{}: the reply has no \"bars\" object", source);
  }
  AlpacaBarsPage page;
  if (const auto token = doc.find("next_page_token"); token != doc.end() && token->is_string()) {
    page.next_page_token = token->get<std::string>();
  }
  if (bars->is_null()) return page;
  const auto series = bars->find(ticker);
  if (series == bars->end()) return page;  // no bars in the range (or an unknown symbol)
  if (!series->is_array()) return core::fail("{}: bars.{} is not an array", source, ticker);
  for (std::size_t i = 0; i < series->size(); ++i) {
    const json& b = (*series)[i];
    const std::string where = fmt::format("{}: bar {}", source, i);
    if (!b.is_object()) return core::fail("{}: not an object", where);
    const auto t = b.find("t");
    if (t == b.end() || !t->is_string()) return core::fail("{}: field 't': missing or not a string", where);
    auto time = alpaca::parse_time(t->get<std::string>());
    if (!time) return core::fail("{}: field 't': {}", where, time.error().message);
    store::Bar bar;
    bar.date = session_day(*time);
    const std::string dated = fmt::format("{} ({})", where, bar.date.to_string());
    auto o = number_field(b, "o", dated, false);
    auto h = number_field(b, "h", dated, false);
    auto l = number_field(b, "l", dated, false);
    auto c = number_field(b, "c", dated, false);
    auto v = number_field(b, "v", dated, true);
    for (const auto* r : {&o, &h, &l, &c, &v}) {
      if (!*r) return std::unexpected(r->error());
    }
    bar.open = *o;
    bar.high = *h;
    bar.low = *l;
    bar.close = *c;
    bar.adj_close = *c;
    bar.volume = *v;
    if (!page.bars.empty() && !(page.bars.back().date < bar.date)) {
      return core::fail("{}: dates are not ascending ({} after {})", dated, bar.date.to_string(),
                        page.bars.back().date.to_string());
    }
    page.bars.push_back(bar);
  }
  return page;
}

AlpacaBarsClient::AlpacaBarsClient(Fetcher& fetcher, AlpacaBarsOptions options, LogSink log)
    : fetcher_(fetcher), options_(std::move(options)), log_(std::move(log)) {}

VendorResult<std::vector<store::Bar>> AlpacaBarsClient::fetch_all_pages(const std::string& ticker, core::Date start,
                                                                         core::Date end, std::string_view adjustment) {
  const std::string what = fmt::format("alpaca {} ({})", ticker, adjustment);
  const HttpHeaders headers{{"APCA-API-KEY-ID", options_.key_id}, {"APCA-API-SECRET-KEY", options_.secret_key}};
  // 403: bad keys (every ticker would get the same: stop the vendor for the run), or the free
  // plan's refusal of recent SIP data (handed back to retry with an earlier end). 4xx with a
  // message: the request's fault. 429 and 5xx: the Fetcher's retries.
  const ReplyChecker check = [](const HttpResponse& reply) -> std::optional<BodyCheck> {
    if (reply.status == 403 && reply.body.find(kRecentSip) != std::string::npos) return BodyCheck{};
    if (reply.status == 401 || reply.status == 403) {
      return BodyCheck{BodyCheck::Verdict::NotEntitled,
                       fmt::format("HTTP {} \"{}\": Alpaca refuses these keys (APCA_API_KEY_ID, APCA_API_SECRET_KEY: "
                                   "use the keys of a paper or live trading account)",
                                   reply.status, alpaca::error_message(reply.body))};
    }
    if (reply.status >= 400 && reply.status < 500 && reply.status != 408 && reply.status != 429) {
      return BodyCheck{BodyCheck::Verdict::Rejected, fmt::format("HTTP {} \"{}\"", reply.status, alpaca::error_message(reply.body))};
    }
    return std::nullopt;
  };
  std::vector<store::Bar> out;
  std::string token;
  for (int page = 1;; ++page) {
    const core::Date last = capped_end_ ? std::min(end, *capped_end_) : end;
    if (last < start) return out;
    QueryParams params{{"symbols", ticker},
                       {"timeframe", "1Day"},
                       {"start", start.to_string()},
                       {"end", last.to_string()},
                       {"adjustment", std::string(adjustment)},
                       {"feed", options_.feed},
                       {"limit", std::to_string(options_.page_limit)},
                       {"sort", "asc"}};
    if (!token.empty()) params.emplace_back("page_token", token);
    const std::string path = with_query("/v2/stocks/bars", params);
    auto reply = fetcher_.exchange(path, headers, check, what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status == 403) {
      // The free plan: SIP data of the last 15 minutes is not ours. End the day before; the
      // session's bar comes on the next run. Only worth it once, and only for a range that
      // reached today.
      if (capped_end_ || options_.feed != "sip") {
        return std::unexpected(VendorError{VendorError::Kind::NotEntitled,
                                           fetcher_.scrub(fmt::format("{}: HTTP 403 \"{}\" (GET {})", what, kRecentSip,
                                                                      fetcher_.url_for(path)))});
      }
      capped_end_ = last - 1;
      out.clear();
      token.clear();
      page = 0;
      if (log_) {
        log_(fmt::format("{}: Alpaca says \"{}\" (the free plan); asking for bars up to {} instead, so the "
                                   "last session comes on the next run",
                                   what, kRecentSip, capped_end_->to_string()));
      }
      continue;
    }
    auto parsed = parse_alpaca_bars(reply->body, ticker);
    if (!parsed) return std::unexpected(VendorError{VendorError::Kind::Malformed, fetcher_.scrub(parsed.error().message)});
    for (auto& bar : parsed->bars) {
      if (!out.empty() && !(out.back().date < bar.date)) {
        return std::unexpected(VendorError{
            VendorError::Kind::Malformed,
            fmt::format("{}: page {} repeats or reorders {}", what, page, bar.date.to_string())});
      }
      out.push_back(bar);
    }
    if (parsed->next_page_token.empty()) return out;
    if (parsed->next_page_token == token) {
      return std::unexpected(VendorError{VendorError::Kind::Malformed,
                                         fmt::format("{}: page {} hands back the same page token", what, page)});
    }
    token = std::move(parsed->next_page_token);
  }
}

VendorResult<store::BarFile> AlpacaBarsClient::fetch_daily(const DailyRequest& request) {
  // From the last stored day, so that the reply overlaps it and a re-basing of adjusted closes
  // shows; from Alpaca's first day when nothing is stored.
  const core::Date start = request.last_stored ? *request.last_stored : options_.first_date;
  std::array<std::vector<store::Bar>, 3> passes;  // raw, split-adjusted, fully adjusted
  const std::array<std::string_view, 3> adjustments{"raw", "split", "all"};
  for (std::size_t k = 0; k < passes.size(); ++k) {
    auto bars = fetch_all_pages(request.ticker, start, request.today, adjustments[k]);
    if (!bars) return std::unexpected(bars.error());
    passes[k] = std::move(*bars);
    if (passes[0].empty()) break;  // nothing new (or nothing at all): the other passes would say the same
  }
  const auto& [raw, split, all] = passes;
  if (raw.empty() && !request.last_stored) {
    return std::unexpected(VendorError{VendorError::Kind::Rejected,
                                       fmt::format("alpaca {}: no bars from {} to {} on the {} feed (unknown or "
                                                   "delisted symbol?)",
                                                   request.ticker, start.to_string(), request.today.to_string(),
                                                   options_.feed)});
  }
  store::BarFile file;
  file.ticker = request.ticker;
  file.format = store::BarFormat::Alpaca;
  if (raw.empty()) return file;
  // The passes must cover the same sessions; a day in one only would leave a bar without its
  // adjusted close.
  for (std::size_t k = 1; k < passes.size(); ++k) {
    if (passes[k].size() != raw.size()) {
      return std::unexpected(VendorError{
          VendorError::Kind::Malformed,
          fmt::format("alpaca {}: {} raw bars but {} with adjustment={} for the same range", request.ticker, raw.size(),
                      passes[k].size(), adjustments[k])});
    }
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (passes[k][i].date != raw[i].date) {
        return std::unexpected(VendorError{
            VendorError::Kind::Malformed,
            fmt::format("alpaca {}: the raw bar of {} meets the adjustment={} bar of {}", request.ticker,
                        raw[i].date.to_string(), adjustments[k], passes[k][i].date.to_string())});
      }
    }
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    store::Bar bar = raw[i];
    bar.adj_close = all[i].close;
    file.bars.push_back(bar);
    // A split shows as a step in the split-only adjustment factor between two sessions: before
    // a 2-for-1 split the split-adjusted price is half the raw one, from its ex-date on equal.
    if (i == 0) continue;
    const double before = split[i - 1].close / raw[i - 1].close;
    const double after = split[i].close / raw[i].close;
    const double coefficient = split_coefficient(after / before);
    if (coefficient != 1.0) file.actions.push_back({raw[i].date, 0.0, coefficient});
  }
  return file;
}

}  // namespace kestrel::adapters
