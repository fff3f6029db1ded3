#include "adapters/fetcher.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "adapters/redact.hpp"

namespace kestrel::adapters {
namespace {

// The first line of a body, shortened, for messages about non-2xx replies.
std::string snippet(std::string_view body) {
  body = body.substr(0, body.find_first_of("\r\n"));
  if (body.size() > 200) return fmt::format("{}…", body.substr(0, 200));
  return std::string(body);
}

std::string describe(std::chrono::milliseconds wait) {
  if (wait < std::chrono::seconds(1)) return fmt::format("{} ms", wait.count());
  return fmt::format("{:.1f} s", static_cast<double>(wait.count()) / 1000.0);
}

bool is_retryable_status(int status) { return status >= 500 || status == 408 || status == 429; }

}  // namespace

Fetcher::Fetcher(HttpClient http, FetcherSettings settings, SleepClock& clock, LogSink log)
    : http_(std::move(http)),
      settings_(std::move(settings)),
      clock_(clock),
      limiter_(settings_.calls_per_minute, clock),
      log_(std::move(log)) {}

std::string Fetcher::scrub(std::string_view text) const { return redact(text, settings_.secrets); }

void Fetcher::add_secret(std::string secret) {
  if (!secret.empty()) settings_.secrets.push_back(std::move(secret));
}

std::string Fetcher::url_for(const std::string& path_and_query) const {
  return scrub(http_.url_for(path_and_query));
}

VendorResult<std::string> Fetcher::get(const std::string& path_and_query, const BodyChecker& check,
                                       std::string_view what) {
  const ReplyChecker on_success = [&](const HttpResponse& reply) -> std::optional<BodyCheck> {
    if (reply.status < 200 || reply.status >= 300) return std::nullopt;
    return check(reply.body);
  };
  auto reply = exchange(path_and_query, {}, on_success, what);
  if (!reply) return std::unexpected(std::move(reply.error()));
  return std::move(reply->body);
}

VendorResult<HttpResponse> Fetcher::exchange(const std::string& path_and_query, const HttpHeaders& headers,
                                             const ReplyChecker& check, std::string_view what) {
  const int attempts = std::max(1, settings_.retry.max_attempts);
  const std::string url = url_for(path_and_query);
  VendorError last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      const auto wait = settings_.retry.backoff(attempt - 1);
      if (log_) {
        log_(scrub(fmt::format("{}: attempt {}/{} failed ({}); retrying in {}", what, attempt - 1,
                               attempts, last.message, describe(wait))));
      }
      clock_.sleep_for(wait);
    }
    limiter_.acquire();
    auto response = http_.get(path_and_query, headers);
    if (!response) {
      // A reply over the size cap would be as large next time.
      if (response.error().kind == core::ErrorKind::Rejected) {
        return std::unexpected(VendorError{
            VendorError::Kind::Rejected, scrub(fmt::format("{}: {} (GET {})", what, response.error().message, url))});
      }
      last = {VendorError::Kind::Unavailable, response.error().message};
      continue;
    }
    const int status = response->status;
    std::optional<BodyCheck> verdict = check ? check(*response) : std::nullopt;
    if (!verdict) {
      if (status >= 200 && status < 300) return std::move(*response);
      const std::string reason = fmt::format("HTTP {}: {}", status, snippet(response->body));
      if (is_retryable_status(status)) {
        last = {status == 429 ? VendorError::Kind::Throttled : VendorError::Kind::Unavailable, reason};
        continue;
      }
      return std::unexpected(VendorError{VendorError::Kind::Rejected,
                                         scrub(fmt::format("{}: {} (GET {})", what, reason, url))});
    }
    switch (verdict->verdict) {
      case BodyCheck::Verdict::Accept:
        return std::move(*response);
      case BodyCheck::Verdict::Throttled:
        last = {VendorError::Kind::Throttled, fmt::format("throttled: {}", verdict->detail)};
        continue;
      case BodyCheck::Verdict::QuotaExhausted:
        return std::unexpected(VendorError{
            VendorError::Kind::QuotaExhausted,
            scrub(fmt::format("{}: quota used up: {} (GET {})", what, verdict->detail, url))});
      case BodyCheck::Verdict::NotEntitled:
        return std::unexpected(VendorError{
            VendorError::Kind::NotEntitled,
            scrub(fmt::format("{}: not covered by the key's plan: {} (GET {})", what, verdict->detail, url))});
      case BodyCheck::Verdict::Rejected:
        return std::unexpected(VendorError{
            VendorError::Kind::Rejected,
            scrub(fmt::format("{}: vendor error: {} (GET {})", what, verdict->detail, url))});
    }
  }
  return std::unexpected(VendorError{
      last.kind, scrub(fmt::format("{}: gave up after {} attempt(s): {} (GET {})", what, attempts,
                                   last.message, url))});
}

}  // namespace kestrel::adapters
