#pragma once
// One vendor call with the policies every vendor shares: pacing through a RateLimiter,
// retries with exponential backoff on 5xx, 408/429, transport failures (timeouts, refused
// connections, the request deadline) and throttle notices inside a 200 body; no retry on other
// 4xx, on a reply over the size cap, on a body the vendor marks as an error, or on a notice
// that the key's quota for the day is used up. Every URL and message is scrubbed of secrets
// before it is logged or returned.
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http_client.hpp"
#include "adapters/rate_limiter.hpp"
#include "adapters/retry_policy.hpp"
#include "adapters/sleep_clock.hpp"

namespace kestrel::adapters {

struct VendorError {
  enum class Kind {
    Unavailable,  // transport failures or 5xx until retries ran out
    Throttled,    // the vendor kept answering with throttle notices or 429 until retries ran out
    QuotaExhausted,  // the vendor said the key's quota is used up for today: asking again
                     // before it resets only burns requests, so it is not retried
    NotEntitled,  // the vendor refuses this key or session (a premium-only endpoint or option, a
                  // session handshake that fails): every ticker would get the same answer, so
                  // the vendor is done for the run
    Rejected,     // a 4xx or an error body: retrying the same request will not help
    Malformed,    // a 200 body that does not parse as the documented format
  };
  Kind kind = Kind::Unavailable;
  std::string message;
};

template <class T>
using VendorResult = std::expected<T, VendorError>;

// Warnings about retries and similar; the collector's caller decides where they go.
using LogSink = std::function<void(std::string_view)>;

// What a vendor reads into a 2xx body before parsing it.
struct BodyCheck {
  enum class Verdict { Accept, Throttled, QuotaExhausted, NotEntitled, Rejected };
  Verdict verdict = Verdict::Accept;
  std::string detail;  // the vendor's own words, when not Accept
};
using BodyChecker = std::function<BodyCheck(std::string_view body)>;

// What a vendor reads into any reply, whatever its status, before the Fetcher's status rules
// (2xx accepted, 5xx/408/429 retried, other statuses rejected). nullopt: apply those rules;
// Accept: hand the reply to the caller as it is, whatever its status.
using ReplyChecker = std::function<std::optional<BodyCheck>(const HttpResponse& reply)>;

struct FetcherSettings {
  RetryPolicy retry;
  double calls_per_minute = 0;      // <= 0: no pacing
  std::vector<std::string> secrets;  // scrubbed from every message, besides apikey=… values
};

class Fetcher {
 public:
  Fetcher(HttpClient http, FetcherSettings settings, SleepClock& clock, LogSink log);

  // GET path_and_query; `what` names the request in messages ("alphavantage AAPL").
  VendorResult<std::string> get(const std::string& path_and_query, const BodyChecker& check,
                                std::string_view what);
  // The same with request headers, `check` seeing every reply, and the whole reply returned.
  VendorResult<HttpResponse> exchange(const std::string& path_and_query, const HttpHeaders& headers,
                                      const ReplyChecker& check, std::string_view what);

  // A secret learnt during the run (a session cookie, a crumb): scrubbed from then on.
  void add_secret(std::string secret);
  std::string scrub(std::string_view text) const;
  // The URL of a request, scrubbed, for messages.
  std::string url_for(const std::string& path_and_query) const;

 private:
  HttpClient http_;
  FetcherSettings settings_;
  SleepClock& clock_;
  RateLimiter limiter_;
  LogSink log_;
};

}  // namespace kestrel::adapters
