#include "support/fake_vendor_server.hpp"

#include <atomic>
#include <chrono>
#include <algorithm>
#include <deque>
#include <stdexcept>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/fake_clock.hpp"

namespace kestrel::testing {

std::vector<FakeDay> make_history(int index, int days) {
  std::vector<FakeDay> out;
  core::Date d = core::Date::from_ymd(2024, 1, 2);
  long cents = 10'000 + 2'500 * index;
  for (int i = 0; static_cast<int>(out.size()) < days; d = d + 1) {
    if (d.is_weekend()) continue;
    cents += ((i * 37 + index * 11) % 41) - 20;  // a deterministic wiggle
    FakeDay day;
    day.bar = {d, (cents - 15) / 100.0, (cents + 120) / 100.0, (cents - 130) / 100.0, cents / 100.0,
               (cents - 200) / 100.0, static_cast<double>(1'000'000 + 1'000 * i)};
    if (i % 63 == 40) day.dividend = 0.25;
    if (index == 1 && i == 150) day.split = 2;
    out.push_back(day);
    ++i;
  }
  return out;
}

struct FakeVendorServer::State {
  mutable std::mutex mutex;
  std::atomic<bool> stopping{false};  // ends trickling replies so the server stops at once
  std::string api_key;
  FakeSleepClock* clock = nullptr;
  std::map<std::string, std::vector<FakeDay>> histories;
  std::optional<core::Date> visible_until;
  std::map<std::string, std::deque<Fault>> faults;
  std::map<std::string, Fault> permanent_faults;
  std::vector<core::Date> yahoo_null_rows;
  bool premium = true;
  std::string alpaca_key_id = "PKTESTKEYID0000000001";
  std::string alpaca_secret = "alpaca-secret/with+symbols=";
  bool alpaca_sip = true;
  core::Date alpaca_today = core::Date::from_ymd(2100, 1, 1);
  // Yahoo's session: the cookie handed out last and the crumb issued for it.
  bool yahoo_withhold_cookie = false;
  std::string yahoo_cookie;
  std::string yahoo_crumb;
  int yahoo_cookies_issued = 0;
  int yahoo_crumbs_issued = 0;

  bool yahoo_cookie_ok(const httplib::Request& req) const {
    const std::string header = req.get_header_value("Cookie");
    const auto at = header.find("A3=");
    if (yahoo_cookie.empty() || at == std::string::npos) return false;
    const auto end = header.find(';', at);
    return header.substr(at + 3, end == std::string::npos ? std::string::npos : end - at - 3) == yahoo_cookie;
  }
  std::vector<SeenRequest> seen;

  std::optional<Fault> take_fault(const std::string& symbol) {
    if (auto it = permanent_faults.find(symbol); it != permanent_faults.end()) return it->second;
    auto& queue = faults[symbol];
    if (queue.empty()) return std::nullopt;
    const Fault f = queue.front();
    queue.pop_front();
    return f;
  }

  std::vector<FakeDay> visible(const std::string& symbol) const {
    std::vector<FakeDay> out;
    for (const FakeDay& d : histories.at(symbol)) {
      if (!visible_until || d.bar.date <= *visible_until) out.push_back(d);
    }
    return out;
  }
};

namespace {

std::string price(double v) { return fmt::format("{:.4f}", v); }

// Alpha Vantage's notices, word for word as the vendor sends them (2024-2025).
constexpr const char* kBurstNotice =
    "Thank you for using Alpha Vantage! Please consider spreading out your free API requests more "
    "sparingly (1 request per second). You may subscribe to any of the premium plans at "
    "https://www.alphavantage.co/premium/ to lift the free key rate limit (25 requests per day) and "
    "instantly unlock all premium endpoints";
constexpr const char* kDailyLimitNotice =
    "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. Please "
    "subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly "
    "remove all daily rate limits.";
constexpr const char* kPremiumEndpointNotice =
    "Thank you for using Alpha Vantage! This is a premium endpoint. You may subscribe to any of the "
    "premium plans at https://www.alphavantage.co/premium/ to instantly unlock all premium endpoints";
constexpr const char* kFullIsPremiumNotice =
    "Thank you for using Alpha Vantage! The outputsize=full parameter value is a premium feature for "
    "the TIME_SERIES_DAILY endpoint. You may subscribe to any of the premium plans at "
    "https://www.alphavantage.co/premium/ to instantly unlock all premium features";

std::string av_json(const std::string& symbol, const std::vector<FakeDay>& days, bool compact, bool adjusted) {
  nlohmann::ordered_json doc;
  doc["Meta Data"] = {{"1. Information", adjusted ? "Daily Time Series with Splits and Dividend Events"
                                                  : "Daily Prices (open, high, low, close) and Volumes"},
                      {"2. Symbol", symbol},
                      {"3. Last Refreshed", days.empty() ? "" : days.back().bar.date.to_string()},
                      {"4. Output Size", compact ? "Compact" : "Full size"},
                      {"5. Time Zone", "US/Eastern"}};
  nlohmann::ordered_json series = nlohmann::ordered_json::object();
  for (auto it = days.rbegin(); it != days.rend(); ++it) {  // newest first, as the vendor does
    const store::Bar& b = it->bar;
    if (!adjusted) {
      series[b.date.to_string()] = {{"1. open", price(b.open)},
                                    {"2. high", price(b.high)},
                                    {"3. low", price(b.low)},
                                    {"4. close", price(b.close)},
                                    {"5. volume", fmt::format("{:.0f}", b.volume)}};
      continue;
    }
    series[b.date.to_string()] = {{"1. open", price(b.open)},
                                  {"2. high", price(b.high)},
                                  {"3. low", price(b.low)},
                                  {"4. close", price(b.close)},
                                  {"5. adjusted close", price(b.adj_close)},
                                  {"6. volume", fmt::format("{:.0f}", b.volume)},
                                  {"7. dividend amount", price(it->dividend)},
                                  {"8. split coefficient", fmt::format("{:.1f}", it->split)}};
  }
  doc["Time Series (Daily)"] = std::move(series);
  return doc.dump(4);
}

std::string av_csv(const std::vector<FakeDay>& days, bool adjusted) {
  if (!adjusted) {
    std::string out = "timestamp,open,high,low,close,volume\r\n";
    for (auto it = days.rbegin(); it != days.rend(); ++it) {
      const store::Bar& b = it->bar;
      out += fmt::format("{},{},{},{},{},{:.0f}\r\n", b.date.to_string(), price(b.open), price(b.high),
                         price(b.low), price(b.close), b.volume);
    }
    return out;
  }
  std::string out = "timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient\r\n";
  for (auto it = days.rbegin(); it != days.rend(); ++it) {
    const store::Bar& b = it->bar;
    out += fmt::format("{},{},{},{},{},{},{:.0f},{},{:.1f}\r\n", b.date.to_string(), price(b.open),
                       price(b.high), price(b.low), price(b.close), price(b.adj_close), b.volume,
                       price(it->dividend), it->split);
  }
  return out;
}

// Yahoo's chart reply for the sessions whose open lies in [from, to) (Unix seconds), with
// null values on the days in `nulls`. Timestamps are the 09:30 New York open in UTC.
std::string yahoo_chart(const std::string& symbol, const std::vector<FakeDay>& days, std::vector<core::Date> nulls,
                        std::int64_t from, std::int64_t to, bool with_events, bool corrupt_last_close) {
  constexpr std::int64_t kOpenUtc = 14 * 3600 + 30 * 60;
  const auto ts = [](core::Date d) { return static_cast<std::int64_t>(d.days()) * 86'400 + kOpenUtc; };
  struct Row {
    core::Date date;
    const FakeDay* day;  // null: a row of nulls
  };
  std::vector<Row> rows;
  for (const FakeDay& d : days) rows.push_back({d.bar.date, &d});
  for (const core::Date n : nulls) rows.push_back({n, nullptr});
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.date < b.date; });
  std::erase_if(rows, [&](const Row& r) { return ts(r.date) < from || ts(r.date) >= to; });

  using Json = nlohmann::ordered_json;
  Json result;
  result["meta"] = {{"currency", "USD"},          {"symbol", symbol},      {"exchangeName", "NMS"},
                    {"instrumentType", "EQUITY"}, {"gmtoffset", -18000},   {"timezone", "EST"},
                    {"exchangeTimezoneName", "America/New_York"},          {"dataGranularity", "1d"}};
  if (rows.empty()) {  // no session in the window: no timestamps, empty indicators
    result["indicators"] = {{"quote", Json::array({Json::object()})}, {"adjclose", Json::array({Json::object()})}};
  } else {
    Json timestamps = Json::array(), open = Json::array(), high = Json::array(), low = Json::array(),
         close = Json::array(), volume = Json::array(), adjclose = Json::array();
    Json dividends = Json::object(), splits = Json::object();
    for (const Row& r : rows) {
      timestamps.push_back(ts(r.date));
      if (r.day == nullptr) {
        for (Json* a : {&open, &high, &low, &close, &volume, &adjclose}) a->push_back(nullptr);
        continue;
      }
      const store::Bar& b = r.day->bar;
      open.push_back(b.open);
      high.push_back(b.high);
      low.push_back(b.low);
      close.push_back(b.close);
      volume.push_back(static_cast<std::int64_t>(b.volume));
      adjclose.push_back(b.adj_close);
      const std::string key = std::to_string(ts(r.date));
      if (r.day->dividend != 0) dividends[key] = {{"amount", r.day->dividend}, {"date", ts(r.date)}};
      if (r.day->split != 1) {
        splits[key] = {{"date", ts(r.date)}, {"numerator", r.day->split}, {"denominator", 1.0},
                       {"splitRatio", fmt::format("{:g}:1", r.day->split)}};
      }
    }
    if (corrupt_last_close) close.back() = "abc";
    result["timestamp"] = std::move(timestamps);
    if (with_events && (!dividends.empty() || !splits.empty())) {
      result["events"] = Json::object();
      if (!dividends.empty()) result["events"]["dividends"] = std::move(dividends);
      if (!splits.empty()) result["events"]["splits"] = std::move(splits);
    }
    result["indicators"] = {
        {"quote", Json::array({{{"open", open}, {"high", high}, {"low", low}, {"close", close}, {"volume", volume}}})},
        {"adjclose", Json::array({{{"adjclose", adjclose}}})}};
  }
  Json doc;
  doc["chart"] = {{"result", Json::array({std::move(result)})}, {"error", nullptr}};
  return doc.dump();
}

// US daylight saving time: from the second Sunday of March to the first Sunday of November.
bool new_york_summer(core::Date d) {
  auto nth_sunday = [](int year, int month, int n) {
    core::Date first = core::Date::from_ymd(year, month, 1);
    while (first.weekday() != 6) first = first + 1;  // Monday = 0 … Sunday = 6
    return first + 7 * (n - 1);
  };
  return d >= nth_sunday(d.year(), 3, 2) && d < nth_sunday(d.year(), 11, 1);
}

// A daily bar's "t": midnight New York of its session, in UTC.
std::string alpaca_bar_time(core::Date d) {
  return fmt::format("{}T{:02}:00:00Z", d.to_string(), new_york_summer(d) ? 4 : 5);
}

// `factors`: each day's price adjustment (1 for raw bars); "all" is exact on the close.
std::string alpaca_bars(const std::string& symbol, const std::vector<FakeDay>& days, const std::vector<double>& factors,
                        std::size_t from, std::size_t count, std::string_view adjustment, std::size_t next) {
  nlohmann::ordered_json doc;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (std::size_t i = from; i < from + count; ++i) {
    const store::Bar& b = days[i].bar;
    const double f = factors[i];
    list.push_back({{"t", alpaca_bar_time(b.date)},
                    {"o", b.open * f},
                    {"h", b.high * f},
                    {"l", b.low * f},
                    {"c", adjustment == "all" ? b.adj_close : b.close * f},
                    {"v", adjustment == "raw" ? b.volume : b.volume / f},
                    {"n", 1000 + i},
                    {"vw", (b.high + b.low + b.close) / 3 * f}});
  }
  doc["bars"] = nlohmann::ordered_json::object();
  if (count > 0) doc["bars"][symbol] = std::move(list);
  doc["next_page_token"] = next == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(fmt::format("{}|{}", symbol, next));
  doc["currency"] = "USD";
  return doc.dump();
}

std::string full_url(const httplib::Request& req) {
  std::string url = req.path;
  char sep = '?';
  for (const auto& [k, v] : req.params) {
    url += fmt::format("{}{}={}", sep, k, v);
    sep = '&';
  }
  return url;
}

// Applies a fault that does not depend on the format; true when the reply is complete.
bool apply_fault(Fault fault, const httplib::Request& req, httplib::Response& res,
                 const std::atomic<bool>& stopping) {
  constexpr std::size_t kOversize = std::size_t{2} << 20;
  switch (fault) {
    case Fault::TooManyRequests:
      res.status = 429;
      res.set_content("Edge: Too Many Requests", "text/plain");
      return true;
    case Fault::Stall:
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      return false;
    case Fault::Trickle:
      res.set_chunked_content_provider("application/json", [&stopping](std::size_t offset, httplib::DataSink& sink) {
        if (stopping || offset >= 100) {
          sink.done();
          return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return sink.write(" ", 1);  // false once the client has hung up
      });
      return true;
    case Fault::Oversized:
      res.set_content(std::string(kOversize, ' '), "application/json");
      return true;
    case Fault::OversizedChunked:
      res.set_chunked_content_provider("application/json", [&stopping](std::size_t offset, httplib::DataSink& sink) {
        if (stopping || offset >= kOversize) {
          sink.done();
          return true;
        }
        const std::string block(64 << 10, ' ');
        return sink.write(block.data(), block.size());
      });
      return true;
    case Fault::ServerError:
      res.status = 503;
      res.set_content("Service Unavailable", "text/plain");
      return true;
    case Fault::Slow:
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      return false;
    case Fault::Note:
      res.set_content(R"({"Note": "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day."})",
                      "application/json");
      return true;
    case Fault::Information:
      res.set_content(nlohmann::json{{"Information", kBurstNotice}}.dump(), "application/json");
      return true;
    case Fault::DailyLimit:
      res.set_content(nlohmann::json{{"Information", kDailyLimitNotice}}.dump(), "application/json");
      return true;
    case Fault::PremiumEndpoint:
      res.set_content(nlohmann::json{{"Information", kPremiumEndpointNotice}}.dump(), "application/json");
      return true;
    case Fault::ErrorMessage:
      res.set_content(R"({"Error Message": "Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for TIME_SERIES_DAILY_ADJUSTED."})",
                      "application/json");
      return true;
    case Fault::EchoRequest:
      res.set_content(nlohmann::json{{"Error Message", "Invalid API call for " + full_url(req)}}.dump(),
                      "application/json");
      return true;
    case Fault::TruncatedJson:
    case Fault::TextInNumber:
    case Fault::StaleCrumb:
      return false;
  }
  return false;
}

}  // namespace

FakeVendorServer::FakeVendorServer(std::string api_key, FakeSleepClock* clock)
    : state_(std::make_unique<State>()), server_(std::make_unique<httplib::Server>()) {
  state_->api_key = std::move(api_key);
  state_->clock = clock;
  State& st = *state_;

  server_->Get("/query", [&st](const httplib::Request& req, httplib::Response& res) {
    const std::string symbol = req.get_param_value("symbol");
    std::optional<Fault> fault;
    std::vector<FakeDay> days;
    bool known = false;
    bool premium = true;
    {
      std::lock_guard lock(st.mutex);
      st.seen.push_back({req.path, symbol, req.get_param_value("outputsize"), req.get_param_value("datatype"),
                         req.get_param_value("function"), "", st.clock ? st.clock->elapsed_ms() : -1, full_url(req)});
      premium = st.premium;
      fault = st.take_fault(symbol);
      known = st.histories.contains(symbol);
      if (known) days = st.visible(symbol);
    }
    if (fault && apply_fault(*fault, req, res, st.stopping)) return;
    if (req.get_param_value("apikey") != st.api_key) {
      res.set_content(R"({"Error Message": "the parameter apikey is invalid or missing."})", "application/json");
      return;
    }
    const std::string function = req.get_param_value("function");
    const bool compact = req.get_param_value("outputsize") != "full";
    const bool adjusted = function == "TIME_SERIES_DAILY_ADJUSTED";
    // The vendor checks the plan before the symbol.
    if (adjusted && !premium) {
      apply_fault(Fault::PremiumEndpoint, req, res, st.stopping);
      return;
    }
    if (function == "TIME_SERIES_DAILY" && !compact && !premium) {
      res.set_content(nlohmann::json{{"Information", kFullIsPremiumNotice}}.dump(), "application/json");
      return;
    }
    if ((!adjusted && function != "TIME_SERIES_DAILY") || !known) {
      apply_fault(Fault::ErrorMessage, req, res, st.stopping);
      return;
    }
    if (compact && days.size() > 100) days.erase(days.begin(), days.end() - 100);
    const bool csv = req.get_param_value("datatype") == "csv";
    std::string body = csv ? av_csv(days, adjusted) : av_json(symbol, days, compact, adjusted);
    if (fault == Fault::TruncatedJson) body.resize(body.size() / 2);
    if (fault == Fault::TextInNumber) {  // corrupt the close of the newest day
      if (csv) {
        std::size_t pos = body.find('\n') + 1;
        for (int commas = 0; commas < 4; ++pos) commas += body[pos] == ',';
        body.insert(pos, "abc");
      } else {
        const std::string needle = "\"4. close\": \"";
        body.insert(body.find(needle) + needle.size(), "abc");
      }
    }
    res.set_content(body, csv ? "text/csv" : "application/json");
  });

  // Yahoo's CSV download was shut in September 2024: it answers every request like this.
  server_->Get(R"(/v7/finance/download/([^/?]+))", [&st](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(st.mutex);
      st.seen.push_back({req.path, req.matches[1], "", "", "", req.get_param_value("period1"),
                         st.clock ? st.clock->elapsed_ms() : -1, full_url(req)});
    }
    res.status = 401;
    res.set_content(R"({"finance":{"result":null,"error":{"code":"Unauthorized","description":"User is not logged in"}}})",
                    "application/json;charset=utf-8");
  });

  // The session cookie, as fc.yahoo.com hands it out: on a 404 page.
  server_->Get("/", [&st](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(st.mutex);
    st.seen.push_back({req.path, "", "", "", "", "", st.clock ? st.clock->elapsed_ms() : -1, full_url(req)});
    res.status = 404;
    res.set_content("<html><body>404 Not Found</body></html>", "text/html");
    if (st.yahoo_withhold_cookie) return;
    ++st.yahoo_cookies_issued;
    st.yahoo_cookie = fmt::format("d=AQABBKx9Z2YCE{}&S=AQAAAl7Qq{}", st.yahoo_cookies_issued, st.yahoo_cookies_issued);
    res.set_header("Set-Cookie", "A3=" + st.yahoo_cookie +
                                     "; Expires=Sat, 20 Feb 2027 08:15:07 GMT; Max-Age=31557600; Domain=.yahoo.com; "
                                     "Path=/; SameSite=None; Secure; HttpOnly");
  });

  server_->Get("/v1/test/getcrumb", [&st](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(st.mutex);
    st.seen.push_back({req.path, "", "", "", "", "", st.clock ? st.clock->elapsed_ms() : -1, full_url(req)});
    if (!st.yahoo_cookie_ok(req)) {
      res.status = 401;
      res.set_content(R"({"finance":{"result":null,"error":{"code":"Unauthorized","description":"Invalid Cookie"}}})",
                      "application/json;charset=utf-8");
      return;
    }
    ++st.yahoo_crumbs_issued;
    st.yahoo_crumb = fmt::format("Xq7.kT/{}b", st.yahoo_crumbs_issued);  // '.' and '/' as real crumbs have
    res.set_content(st.yahoo_crumb, "text/plain;charset=utf-8");
  });

  server_->Get(R"(/v8/finance/chart/([^/?]+))", [&st](const httplib::Request& req, httplib::Response& res) {
    const std::string symbol = req.matches[1];
    std::optional<Fault> fault;
    std::vector<FakeDay> days;
    std::vector<core::Date> nulls;
    bool known = false;
    bool cookie_ok = false;
    bool crumb_ok = false;
    {
      std::lock_guard lock(st.mutex);
      st.seen.push_back({req.path, symbol, "", "", "", req.get_param_value("period1"),
                         st.clock ? st.clock->elapsed_ms() : -1, full_url(req)});
      cookie_ok = st.yahoo_cookie_ok(req);
      crumb_ok = !st.yahoo_crumb.empty() && req.get_param_value("crumb") == st.yahoo_crumb;
      if (cookie_ok && crumb_ok) fault = st.take_fault(symbol);  // faults are for requests that get in
      if (fault == Fault::StaleCrumb) {
        st.yahoo_crumb.clear();  // expired: a new one is needed
        crumb_ok = false;
      }
      known = st.histories.contains(symbol);
      if (known) days = st.visible(symbol);
      nulls = st.yahoo_null_rows;
    }
    if (!cookie_ok || !crumb_ok) {
      res.status = 401;
      res.set_content(fmt::format(R"({{"finance":{{"result":null,"error":{{"code":"Unauthorized","description":"{}"}}}}}})",
                                  cookie_ok ? "Invalid Crumb" : "Invalid Cookie"),
                      "application/json;charset=utf-8");
      return;
    }
    if (fault && apply_fault(*fault, req, res, st.stopping)) return;
    if (!known) {
      res.status = 404;
      res.set_content(R"({"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}})",
                      "application/json;charset=utf-8");
      return;
    }
    const auto from = std::stoll(req.get_param_value("period1"));
    const auto to = std::stoll(req.get_param_value("period2"));
    std::string body = yahoo_chart(symbol, days, nulls, from, to, req.get_param_value("events") == "div,splits",
                                   fault == Fault::TextInNumber);
    if (fault == Fault::TruncatedJson) body.resize(body.size() / 2);
    res.set_content(body, "application/json;charset=utf-8");
  });

  server_->Get("/v2/stocks/bars", [&st](const httplib::Request& req, httplib::Response& res) {
    const std::string symbol = req.get_param_value("symbols");
    std::optional<Fault> fault;
    std::vector<FakeDay> days;
    bool keys_ok = false, sip = true;
    core::Date today;
    {
      std::lock_guard lock(st.mutex);
      SeenRequest seen{req.path, symbol, "", "", "", "", st.clock ? st.clock->elapsed_ms() : -1, full_url(req)};
      st.seen.push_back(std::move(seen));
      keys_ok = req.get_header_value("APCA-API-KEY-ID") == st.alpaca_key_id &&
                req.get_header_value("APCA-API-SECRET-KEY") == st.alpaca_secret;
      if (keys_ok) fault = st.take_fault(symbol);
      if (st.histories.contains(symbol)) days = st.visible(symbol);
      sip = st.alpaca_sip;
      today = st.alpaca_today;
    }
    auto message = [&res](int status, std::string_view text) {
      res.status = status;
      res.set_content(nlohmann::json{{"message", text}}.dump(), "application/json; charset=UTF-8");
    };
    if (!keys_ok) return message(403, "forbidden");
    if (fault == Fault::TooManyRequests) {
      res.set_header("X-RateLimit-Limit", "200");
      res.set_header("X-RateLimit-Remaining", "0");
      res.set_header("X-RateLimit-Reset", "1735689600");
      return message(429, "too many requests.");
    }
    if (fault && apply_fault(*fault, req, res, st.stopping)) return;
    if (req.get_param_value("timeframe") != "1Day") return message(422, "invalid timeframe");
    const auto start = core::Date::parse(req.get_param_value("start"));
    const auto end = core::Date::parse(req.get_param_value("end"));
    if (!start) return message(422, "invalid start");
    if (!end) return message(422, "invalid end");
    const std::string adjustment = req.get_param_value("adjustment");
    if (adjustment != "raw" && adjustment != "all" && adjustment != "split" && adjustment != "dividend") {
      return message(422, "invalid adjustment");
    }
    const std::string feed = req.get_param_value("feed");
    if (feed != "sip" && feed != "iex") return message(422, "invalid feed");
    if (feed == "sip" && !sip && *end >= today) return message(403, "subscription does not permit querying recent SIP data");
    const std::size_t limit = req.has_param("limit") ? std::stoul(req.get_param_value("limit")) : 1000;
    std::size_t first = 0;
    if (req.has_param("page_token")) {
      const std::string token = req.get_param_value("page_token");
      const auto bar = token.find('|');
      if (bar == std::string::npos || token.substr(0, bar) != symbol) return message(400, "invalid page token");
      first = std::stoul(token.substr(bar + 1));
    }
    // Adjustment factors over the whole history: a split scales every earlier day.
    std::vector<double> split_factor(days.size(), 1.0);
    for (std::size_t i = days.size(); i-- > 1;) split_factor[i - 1] = split_factor[i] / days[i].split;
    std::vector<FakeDay> range;
    std::vector<double> factors;
    for (std::size_t i = 0; i < days.size(); ++i) {
      const FakeDay& d = days[i];
      if (d.bar.date < *start || d.bar.date > *end) continue;
      range.push_back(d);
      factors.push_back(adjustment == "raw"     ? 1.0
                        : adjustment == "all"   ? d.bar.adj_close / d.bar.close
                        : adjustment == "split" ? split_factor[i]
                                                : 1.0);  // "dividend": none in the fake
    }
    first = std::min(first, range.size());
    const std::size_t count = std::min(limit, range.size() - first);
    const std::size_t next = first + count < range.size() ? first + count : 0;
    std::string body = alpaca_bars(symbol, range, factors, first, count, adjustment, next);
    if (fault == Fault::TruncatedJson) body.resize(body.size() / 2);
    res.set_content(body, "application/json; charset=UTF-8");
  });

  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake vendor: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() only works once the accept loop runs.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeVendorServer::~FakeVendorServer() {
  state_->stopping = true;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeVendorServer::base_url() const { return fmt::format("http://127.0.0.1:{}", port_); }

void FakeVendorServer::set_history(const std::string& ticker, std::vector<FakeDay> days) {
  std::lock_guard lock(state_->mutex);
  state_->histories[ticker] = std::move(days);
}

const std::vector<FakeDay>& FakeVendorServer::history(const std::string& ticker) const {
  std::lock_guard lock(state_->mutex);
  return state_->histories.at(ticker);
}

void FakeVendorServer::set_visible_until(std::optional<core::Date> last) {
  std::lock_guard lock(state_->mutex);
  state_->visible_until = last;
}

void FakeVendorServer::shift_adjusted_closes(const std::string& ticker, double delta) {
  std::lock_guard lock(state_->mutex);
  for (FakeDay& d : state_->histories.at(ticker)) d.bar.adj_close += delta;
}

void FakeVendorServer::inject(const std::string& ticker, Fault fault, int times) {
  std::lock_guard lock(state_->mutex);
  if (times < 0) {
    state_->permanent_faults[ticker] = fault;
    return;
  }
  for (int i = 0; i < times; ++i) state_->faults[ticker].push_back(fault);
}

void FakeVendorServer::clear_faults() {
  std::lock_guard lock(state_->mutex);
  state_->faults.clear();
  state_->permanent_faults.clear();
}

void FakeVendorServer::set_premium(bool premium) {
  std::lock_guard lock(state_->mutex);
  state_->premium = premium;
}

void FakeVendorServer::withhold_yahoo_cookie(bool withhold) {
  std::lock_guard lock(state_->mutex);
  state_->yahoo_withhold_cookie = withhold;
}

int FakeVendorServer::yahoo_crumbs_issued() const {
  std::lock_guard lock(state_->mutex);
  return state_->yahoo_crumbs_issued;
}

void FakeVendorServer::add_yahoo_null_row(core::Date date) {
  std::lock_guard lock(state_->mutex);
  state_->yahoo_null_rows.push_back(date);
}

void FakeVendorServer::set_alpaca_keys(std::string key_id, std::string secret_key) {
  std::lock_guard lock(state_->mutex);
  state_->alpaca_key_id = std::move(key_id);
  state_->alpaca_secret = std::move(secret_key);
}

void FakeVendorServer::set_alpaca_plan(bool sip_subscription, core::Date today) {
  std::lock_guard lock(state_->mutex);
  state_->alpaca_sip = sip_subscription;
  state_->alpaca_today = today;
}

std::vector<SeenRequest> FakeVendorServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->seen;
}

std::size_t FakeVendorServer::request_count(const std::string& symbol) const {
  std::lock_guard lock(state_->mutex);
  std::size_t n = 0;
  for (const auto& r : state_->seen) n += r.symbol == symbol;
  return n;
}

}  // namespace kestrel::testing
