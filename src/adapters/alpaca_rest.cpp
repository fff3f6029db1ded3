#include "adapters/alpaca_rest.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "adapters/alpaca_wire.hpp"
#include "adapters/url.hpp"
#include "core/elapsed.hpp"

namespace kestrel::adapters {
namespace {

BaseUrl base_or_invalid(const std::string& url) {
  auto base = parse_base_url(url);
  return base ? *base : BaseUrl{"http://invalid.invalid", ""};
}

std::int64_t header_int(const HttpResponse& r, std::string_view name, std::int64_t fallback) {
  const std::string v = r.header(name);
  if (v.empty()) return fallback;
  try {
    return std::stoll(v);
  } catch (...) {
    return fallback;
  }
}

}  // namespace

std::string alpaca_error(const HttpResponse& response) {
  const std::string message = alpaca::error_message(response.body);
  return fmt::format("HTTP {}{}{}", response.status, message.empty() ? "" : ": ", message);
}

AlpacaRest::AlpacaRest(AlpacaSettings settings, SleepClock& clock, LogSink log)
    : settings_(std::move(settings)),
      http_(base_or_invalid(settings_.trading_url), settings_.timeouts),
      clock_(&clock),
      log_(std::move(log)) {}

core::Result<HttpResponse> AlpacaRest::call(std::string_view method, const std::string& path, const std::string& body) {
  if (!parse_base_url(settings_.trading_url)) {
    return core::fail_as(core::ErrorKind::Config, "alpaca: trading_url '{}' is not an http(s) URL", settings_.trading_url);
  }
  const HttpHeaders headers{{"APCA-API-KEY-ID", settings_.key_id},
                            {"APCA-API-SECRET-KEY", settings_.secret_key},
                            {"Accept", "application/json"}};
  for (int attempt = 0;; ++attempt) {
    // Measured on the monotonic clock: a duration for the metrics, not a time the node decides on.
    const auto started = std::chrono::steady_clock::now();
    auto response = http_.request(method, path, headers, body);
    ++stats_.requests;
    stats_.seconds += core::seconds_since(started);
    if (!response || response->status >= 400) ++stats_.errors;
    if (!response) {
      return core::fail_as(core::ErrorKind::Unavailable, "alpaca: {} {}: {}", method, path, response.error().message);
    }
    rate_limit_ = {.limit = static_cast<int>(header_int(*response, "X-Ratelimit-Limit", 0)),
                   .remaining = static_cast<int>(header_int(*response, "X-Ratelimit-Remaining", -1)),
                   .reset = header_int(*response, "X-Ratelimit-Reset", 0)};
    if (response->status != 429) return response;
    if (attempt >= settings_.throttle_retries) {
      return core::fail_as(core::ErrorKind::Throttled, "alpaca: {} {}: still rate limited after {} waits ({})", method,
                           path, attempt, alpaca_error(*response));
    }
    // Wait until the window resets (the header is unix seconds), within reason.
    const std::int64_t now_s = static_cast<std::int64_t>(std::time(nullptr));
    std::chrono::milliseconds wait = settings_.reconnect_backoff * (1 << attempt);
    if (rate_limit_.reset > now_s) wait = std::chrono::seconds(rate_limit_.reset - now_s) + std::chrono::milliseconds(50);
    wait = std::min(wait, settings_.max_throttle_wait);
    if (log_) log_(fmt::format("alpaca: rate limited on {} {}; waiting {} ms", method, path, wait.count()));
    clock_->sleep_for(wait);
  }
}

core::Result<nlohmann::json> AlpacaRest::json_of(const HttpResponse& response, std::string_view what) {
  try {
    return nlohmann::json::parse(response.body);
  } catch (const nlohmann::json::exception&) {
    return core::fail_as(core::ErrorKind::Unavailable, "alpaca: {}: the reply is not JSON: {}", what,
                         response.body.substr(0, 200));
  }
}

namespace {

core::ErrorKind kind_of(int status) {
  if (status == 404) return core::ErrorKind::NotFound;
  if (status >= 500) return core::ErrorKind::Unavailable;
  return core::ErrorKind::Rejected;
}

}  // namespace

core::Result<alpaca::Order> AlpacaRest::submit(const nlohmann::json& body) {
  auto response = call("POST", "/v2/orders", body.dump());
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return core::fail_as(kind_of(response->status), "alpaca: order refused: {}", alpaca_error(*response));
  auto json = json_of(*response, "POST /v2/orders");
  if (!json) return std::unexpected(json.error());
  return alpaca::parse_order(*json);
}

core::Result<std::optional<alpaca::Order>> AlpacaRest::order_by_client_id(const std::string& client_order_id) {
  auto response = call("GET", with_query("/v2/orders:by_client_order_id", {{"client_order_id", client_order_id}}));
  if (!response) return std::unexpected(response.error());
  if (response->status == 404) return std::optional<alpaca::Order>{};
  if (response->status != 200) return core::fail_as(kind_of(response->status), "alpaca: order lookup: {}", alpaca_error(*response));
  auto json = json_of(*response, "GET order by client order id");
  if (!json) return std::unexpected(json.error());
  auto order = alpaca::parse_order(*json);
  if (!order) return std::unexpected(order.error());
  return std::optional<alpaca::Order>{std::move(*order)};
}

core::Status AlpacaRest::cancel(const std::string& alpaca_order_id) {
  auto response = call("DELETE", "/v2/orders/" + url_encode(alpaca_order_id));
  if (!response) return std::unexpected(response.error());
  if (response->status == 204 || response->status == 200) return {};
  return core::fail_as(kind_of(response->status), "alpaca: cancel: {}", alpaca_error(*response));
}

core::Result<std::vector<alpaca::Order>> AlpacaRest::orders(std::string_view status, std::optional<core::UnixNanos> after) {
  QueryParams query{{"status", std::string(status)}, {"limit", "500"}, {"nested", "true"}, {"direction", "asc"}};
  if (after) query.emplace_back("after", alpaca::format_time(*after));
  auto response = call("GET", with_query("/v2/orders", query));
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return core::fail_as(kind_of(response->status), "alpaca: orders: {}", alpaca_error(*response));
  auto json = json_of(*response, "GET /v2/orders");
  if (!json) return std::unexpected(json.error());
  if (!json->is_array()) return core::fail_as(core::ErrorKind::Unavailable, "alpaca: GET /v2/orders: not a list");
  std::vector<alpaca::Order> out;
  for (const auto& j : *json) {
    auto o = alpaca::parse_order(j);
    if (!o) return std::unexpected(o.error());
    out.push_back(std::move(*o));
  }
  return out;
}

core::Result<std::vector<alpaca::Position>> AlpacaRest::positions() {
  auto response = call("GET", "/v2/positions");
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return core::fail_as(kind_of(response->status), "alpaca: positions: {}", alpaca_error(*response));
  auto json = json_of(*response, "GET /v2/positions");
  if (!json) return std::unexpected(json.error());
  if (!json->is_array()) return core::fail_as(core::ErrorKind::Unavailable, "alpaca: GET /v2/positions: not a list");
  std::vector<alpaca::Position> out;
  for (const auto& j : *json) {
    auto p = alpaca::parse_position(j);
    if (!p) return std::unexpected(p.error());
    out.push_back(std::move(*p));
  }
  return out;
}

core::Result<alpaca::Account> AlpacaRest::account() {
  auto response = call("GET", "/v2/account");
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return core::fail_as(kind_of(response->status), "alpaca: account: {}", alpaca_error(*response));
  auto json = json_of(*response, "GET /v2/account");
  if (!json) return std::unexpected(json.error());
  return alpaca::parse_account(*json);
}

core::Result<std::vector<alpaca::Activity>> AlpacaRest::activities(std::string_view type, const std::string& after_id) {
  constexpr std::size_t kPageSize = 100;
  std::vector<alpaca::Activity> out;
  std::string token = after_id;
  for (;;) {
    QueryParams query{{"direction", "asc"}, {"page_size", std::to_string(kPageSize)}};
    if (!token.empty()) query.emplace_back("page_token", token);
    const std::string path = with_query("/v2/account/activities/" + url_encode(type), query);
    auto response = call("GET", path);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) {
      return core::fail_as(kind_of(response->status), "alpaca: {} activities: {}", type, alpaca_error(*response));
    }
    auto json = json_of(*response, "GET /v2/account/activities");
    if (!json) return std::unexpected(json.error());
    if (!json->is_array()) return core::fail_as(core::ErrorKind::Unavailable, "alpaca: GET /v2/account/activities: not a list");
    for (const auto& j : *json) {
      auto a = alpaca::parse_activity(j);
      if (!a) return std::unexpected(a.error());
      out.push_back(std::move(*a));
    }
    if (json->size() < kPageSize) return out;
    token = out.back().id;
  }
}

core::Status AlpacaRest::cancel_all_orders() {
  auto response = call("DELETE", "/v2/orders");
  if (!response) return std::unexpected(response.error());
  if (response->status != 207 && response->status != 200 && response->status != 204) {
    return core::fail_as(kind_of(response->status), "alpaca: cancel all orders: {}", alpaca_error(*response));
  }
  return {};
}

core::Status AlpacaRest::close_all_positions() {
  auto response = call("DELETE", "/v2/positions?cancel_orders=true");
  if (!response) return std::unexpected(response.error());
  if (response->status != 207 && response->status != 200 && response->status != 204) {
    return core::fail_as(kind_of(response->status), "alpaca: close all positions: {}", alpaca_error(*response));
  }
  return {};
}

}  // namespace kestrel::adapters
