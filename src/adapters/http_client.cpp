#include "adapters/http_client.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace kestrel::adapters {
namespace {

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "could not connect";
    case httplib::Error::ConnectionTimeout: return "connect timed out";
    case httplib::Error::Read: return "reading the reply failed or timed out";
    case httplib::Error::Write: return "sending the request failed";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLServerVerification: return "TLS certificate verification failed";
    case httplib::Error::ExceedRedirectCount: return "too many redirects";
    default: return "HTTP error " + httplib::to_string(error);
  }
}

}  // namespace

HttpClient::HttpClient(BaseUrl base, HttpTimeouts timeouts)
    : base_(std::move(base)), client_(std::make_unique<httplib::Client>(base_.origin)) {
  client_->set_connection_timeout(timeouts.connect);
  client_->set_read_timeout(timeouts.read);
  client_->set_follow_location(true);
  // Some vendors refuse requests without a browser-like or named agent.
  client_->set_default_headers({{"User-Agent", "kestrel/0.1"}});
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

core::Result<HttpResponse> HttpClient::get(const std::string& path_and_query) {
  if (!client_->is_valid()) return core::fail("cannot create an HTTP client for {}", base_.origin);
  auto result = client_->Get(base_.path_prefix + path_and_query);
  if (!result) {
    return core::fail("no response from {} ({})", base_.origin, describe(result.error()));
  }
  return HttpResponse{result->status, std::move(result->body), {}};
}

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return v;
    }
  }
  return {};
}

core::Result<HttpResponse> HttpClient::request(std::string_view method, const std::string& path_and_query,
                                               const HttpHeaders& headers, const std::string& body) {
  if (!client_->is_valid()) return core::fail("cannot create an HTTP client for {}", base_.origin);
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  const std::string path = base_.path_prefix + path_and_query;
  httplib::Result result{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    result = client_->Get(path, h);
  } else if (method == "POST") {
    result = client_->Post(path, h, body, "application/json");
  } else if (method == "DELETE") {
    result = client_->Delete(path, h, body, body.empty() ? "" : "application/json");
  } else if (method == "PATCH") {
    result = client_->Patch(path, h, body, "application/json");
  } else {
    return core::fail("HTTP method {} is not supported", method);
  }
  if (!result) {
    return core::fail_as(core::ErrorKind::Unavailable, "no response from {} ({})", base_.origin, describe(result.error()));
  }
  HttpResponse response{result->status, std::move(result->body), {}};
  for (const auto& [k, v] : result->headers) response.headers.emplace_back(k, v);
  return response;
}

std::string HttpClient::url_for(const std::string& path_and_query) const {
  return base_.origin + base_.path_prefix + path_and_query;
}

}  // namespace kestrel::adapters
