#pragma once
// A plain HTTP(S) request over cpp-httplib with connect and read timeouts, a deadline for the
// whole request and a cap on the reply body. It knows nothing about vendors, retries or
// secrets: callers decide what a status means and scrub URLs they report.
//
// The read timeout alone bounds only the silence between two reads: a server that trickles a
// byte every few seconds would hold a request forever, and an endless body would be buffered
// whole. So every request also has a deadline (a watchdog aborts it, headers or body) and the
// body is read through a receiver that stops at the cap.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/url.hpp"
#include "core/error.hpp"

namespace httplib {
class Client;
}

namespace kestrel::adapters {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // as received

  // A header's value, case-insensitively; empty when absent (the first when repeated).
  std::string header(std::string_view name) const;
  // Every value of a repeated header (Set-Cookie), case-insensitively, in order.
  std::vector<std::string> headers_named(std::string_view name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpTimeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds read{30'000};  // the longest silence between two reads
  // The whole request: connect, send, headers and body. <= 0: no deadline.
  std::chrono::milliseconds total{120'000};
};

// Replies are read into memory, so their size is capped; vendors' daily histories are a few MB.
inline constexpr std::size_t kDefaultMaxReplyBytes = std::size_t{64} << 20;  // 64 MiB

class HttpClient {
 public:
  HttpClient(BaseUrl base, HttpTimeouts timeouts, std::size_t max_reply_bytes = kDefaultMaxReplyBytes);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // GET base.path_prefix + path_and_query. Fails only when no complete response arrived
  // (connection refused, timeout, deadline, TLS failure: kind Unavailable; a body over the
  // cap: kind Rejected, as asking again would get the same); any HTTP status is a response.
  // The error names the origin and the transport problem, not the URL.
  core::Result<HttpResponse> get(const std::string& path_and_query, const HttpHeaders& headers = {});
  // Any method ("GET", "POST", "DELETE", "PATCH") with headers and a body (may be empty; JSON
  // unless `headers` name another Content-Type).
  // Same failure rule as get().
  core::Result<HttpResponse> request(std::string_view method, const std::string& path_and_query,
                                     const HttpHeaders& headers, const std::string& body = {});

  // What a request for `path_and_query` goes to, for messages (unredacted: scrub it first).
  std::string url_for(const std::string& path_and_query) const;
  const std::string& origin() const { return base_.origin; }

 private:
  BaseUrl base_;
  HttpTimeouts timeouts_;
  std::size_t max_reply_bytes_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace kestrel::adapters
