#include "adapters/http_client.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace kestrel::adapters {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kUserAgent = "kestrel/0.1";

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

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string seconds(std::chrono::milliseconds d) {
  return fmt::format("{:g}", static_cast<double>(d.count()) / 1000.0);
}

std::string mebibytes(std::size_t bytes) {
  return fmt::format("{:g}", static_cast<double>(bytes) / static_cast<double>(std::size_t{1} << 20));
}

// Aborts the request in flight on `client` once `deadline` passes. The content receiver
// catches a trickling body at its next chunk, but only this catches a server that trickles
// its headers or stalls just under the read timeout. Client::stop() is cpp-httplib's
// thread-safe way to shut the socket of a request in flight; a request that has not opened
// its socket yet is caught on the next round.
class Watchdog {
 public:
  Watchdog(httplib::Client& client, SteadyClock::time_point deadline, std::atomic<bool>& fired)
      : thread_([this, &client, deadline, &fired] {
          std::unique_lock lock(mutex_);
          if (wake_.wait_until(lock, deadline, [this] { return done_; })) return;
          fired = true;
          while (!done_) {
            lock.unlock();
            client.stop();
            lock.lock();
            wake_.wait_for(lock, std::chrono::milliseconds(20), [this] { return done_; });
          }
        }) {}

  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace

HttpClient::HttpClient(BaseUrl base, HttpTimeouts timeouts, std::size_t max_reply_bytes)
    : base_(std::move(base)),
      timeouts_(timeouts),
      max_reply_bytes_(max_reply_bytes),
      client_(std::make_unique<httplib::Client>(base_.origin)) {
  client_->set_connection_timeout(timeouts.connect);
  client_->set_read_timeout(timeouts.read);
  client_->set_follow_location(true);
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

core::Result<HttpResponse> HttpClient::get(const std::string& path_and_query, const HttpHeaders& headers) {
  return request("GET", path_and_query, headers);
}

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (same_name(k, name)) return v;
  }
  return {};
}

std::vector<std::string> HttpResponse::headers_named(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (same_name(k, name)) out.push_back(v);
  }
  return out;
}

core::Result<HttpResponse> HttpClient::request(std::string_view method, const std::string& path_and_query,
                                               const HttpHeaders& headers, const std::string& body) {
  if (!client_->is_valid()) {
    return core::fail_as(core::ErrorKind::Config, "cannot create an HTTP client for {}", base_.origin);
  }
  if (method != "GET" && method != "POST" && method != "DELETE" && method != "PATCH") {
    return core::fail_as(core::ErrorKind::Internal, "HTTP method {} is not supported", method);
  }
  httplib::Request req;
  req.method = std::string(method);
  req.path = base_.path_prefix + path_and_query;
  for (const auto& [k, v] : headers) req.headers.emplace(k, v);
  // Some vendors refuse requests without a browser-like or named agent.
  if (!req.has_header("User-Agent")) req.headers.emplace("User-Agent", std::string(kUserAgent));
  if (method == "POST" || method == "PATCH" || !body.empty()) {
    if (!req.has_header("Content-Type")) req.headers.emplace("Content-Type", "application/json");
    req.body = body;
  }

  const bool has_deadline = timeouts_.total > std::chrono::milliseconds::zero();
  const auto deadline = SteadyClock::now() + timeouts_.total;
  std::atomic<bool> deadline_passed{false};
  bool too_large = false;
  std::string reply;
  // A Content-Length over the cap fails before any of the body is read.
  req.response_handler = [&](const httplib::Response& res) {
    if (res.has_header("Content-Length")) {
      const std::string text = res.get_header_value("Content-Length");
      std::uint64_t length = 0;
      std::from_chars(text.data(), text.data() + text.size(), length);
      if (length > max_reply_bytes_) {
        too_large = true;
        return false;
      }
      reply.reserve(static_cast<std::size_t>(length));
    }
    return true;
  };
  req.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    if (size > max_reply_bytes_ - std::min(reply.size(), max_reply_bytes_)) {
      too_large = true;
      return false;
    }
    if (has_deadline && SteadyClock::now() >= deadline) {
      deadline_passed = true;
      return false;
    }
    reply.append(data, size);
    return true;
  };

  httplib::Result result{nullptr, httplib::Error::Unknown};
  if (has_deadline) {
    Watchdog watchdog(*client_, deadline, deadline_passed);
    result = client_->send(req);
  } else {
    result = client_->send(req);
  }
  // A reply that completed as the watchdog fired is still whole: only failures are judged.
  if (!result) {
    if (too_large) {
      return core::fail_as(core::ErrorKind::Rejected, "reply from {} is larger than {} MiB",
                           base_.origin, mebibytes(max_reply_bytes_));
    }
    if (deadline_passed || (has_deadline && SteadyClock::now() >= deadline)) {
      return core::fail_as(core::ErrorKind::Unavailable, "reply from {} exceeded the {} s deadline",
                           base_.origin, seconds(timeouts_.total));
    }
    return core::fail_as(core::ErrorKind::Unavailable, "no response from {} ({})", base_.origin,
                         describe(result.error()));
  }
  HttpResponse response{result->status, std::move(reply), {}};
  for (const auto& [k, v] : result->headers) response.headers.emplace_back(k, v);
  return response;
}

std::string HttpClient::url_for(const std::string& path_and_query) const {
  return base_.origin + base_.path_prefix + path_and_query;
}

}  // namespace kestrel::adapters
