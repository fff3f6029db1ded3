#pragma once
// Alpaca's Trading API v2 over REST: orders (submit, look up by client order id, cancel, list),
// positions, the account, and the kill switch's "cancel everything, close everything". Keys go
// in the APCA-API-KEY-ID / APCA-API-SECRET-KEY headers and never into a URL, a log line or an
// error. Rate limits: every reply's X-Ratelimit-* headers are kept; a 429 waits until the
// X-Ratelimit-Reset time (bounded) and retries — a 429 means the request was not processed,
// so that retry is safe even for an order. Nothing else is retried here: what to do after a
// 5xx or a timeout on an order is the broker's decision (it looks the order up first).
//
// Errors carry a kind: Rejected (Alpaca refused: 4xx, its message quoted), NotFound (404),
// Throttled (still 429 after waiting), Unavailable (5xx, no reply, a timeout: the outcome is
// unknown).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/alpaca_wire.hpp"
#include "adapters/http_client.hpp"
#include "adapters/sleep_clock.hpp"
#include "adapters/fetcher.hpp"
#include "core/error.hpp"

namespace kestrel::adapters {

struct AlpacaSettings {
  std::string trading_url = "https://paper-api.alpaca.markets";  // https://api.alpaca.markets for live
  std::string stream_url = "wss://paper-api.alpaca.markets/stream";
  std::string key_id;
  std::string secret_key;
  HttpTimeouts timeouts{std::chrono::milliseconds(5'000), std::chrono::milliseconds(10'000)};
  std::chrono::milliseconds max_throttle_wait{60'000};  // one 429 waits at most this long
  int throttle_retries = 3;
  int lookup_attempts = 4;                               // after an order POST failed
  std::chrono::milliseconds lookup_backoff{500};
  std::chrono::milliseconds stream_idle_timeout{30'000};  // no frame nor pong: reconnect
  std::chrono::milliseconds reconnect_backoff{500};
  std::chrono::milliseconds max_reconnect_backoff{30'000};
};

// The rate-limit headers of the last reply.
struct RateLimit {
  int limit = 0;
  int remaining = -1;    // -1: unknown
  std::int64_t reset = 0;  // unix seconds
};

class AlpacaRest {
 public:
  AlpacaRest(AlpacaSettings settings, SleepClock& clock, LogSink log);

  core::Result<alpaca::Order> submit(const nlohmann::json& body);
  // nullopt: Alpaca has no order with this client order id.
  core::Result<std::optional<alpaca::Order>> order_by_client_id(const std::string& client_order_id);
  core::Status cancel(const std::string& alpaca_order_id);
  core::Result<std::vector<alpaca::Order>> orders(std::string_view status, std::optional<core::UnixNanos> after = {});
  core::Result<std::vector<alpaca::Position>> positions();
  core::Result<alpaca::Account> account();
  // Account activities of one type (e.g. "FEE") after the activity `after_id` (all when empty),
  // oldest first, every page.
  core::Result<std::vector<alpaca::Activity>> activities(std::string_view type, const std::string& after_id);
  // DELETE /v2/orders, then DELETE /v2/positions?cancel_orders=true (the kill switch).
  core::Status cancel_all_orders();
  core::Status close_all_positions();

  const RateLimit& rate_limit() const { return rate_limit_; }

  // Every request so far: how many, how many failed (no reply, or an HTTP error status), and
  // the time spent waiting for replies — the node's broker health metrics.
  struct RequestStats {
    std::int64_t requests = 0, errors = 0;
    double seconds = 0;
  };
  const RequestStats& request_stats() const { return stats_; }

 private:
  core::Result<HttpResponse> call(std::string_view method, const std::string& path, const std::string& body = {});
  core::Result<nlohmann::json> json_of(const HttpResponse& response, std::string_view what);

  AlpacaSettings settings_;
  HttpClient http_;
  SleepClock* clock_;
  LogSink log_;
  RateLimit rate_limit_;
  RequestStats stats_;
};

// Alpaca's error reply as a message: its "message" field, else the body, never the request.
std::string alpaca_error(const HttpResponse& response);

}  // namespace kestrel::adapters
