#pragma once
// A plain HTTP(S) GET over cpp-httplib with connect and read timeouts. It knows nothing about
// vendors, retries or secrets: callers decide what a status means and scrub URLs they report.
#include <chrono>
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

  // A header's value, case-insensitively; empty when absent.
  std::string header(std::string_view name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpTimeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds read{30'000};
};

class HttpClient {
 public:
  HttpClient(BaseUrl base, HttpTimeouts timeouts);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // GET base.path_prefix + path_and_query. Fails only when no response arrived (connection
  // refused, timeout, TLS failure); any HTTP status is a response. The error names the
  // transport problem, not the URL.
  core::Result<HttpResponse> get(const std::string& path_and_query);
  // Any method ("GET", "POST", "DELETE", "PATCH") with headers and a JSON body (may be empty).
  // Same failure rule as get(): an error only when no response arrived.
  core::Result<HttpResponse> request(std::string_view method, const std::string& path_and_query,
                                     const HttpHeaders& headers, const std::string& body = {});

  // What a request for `path_and_query` goes to, for messages (unredacted: scrub it first).
  std::string url_for(const std::string& path_and_query) const;

 private:
  BaseUrl base_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace kestrel::adapters
