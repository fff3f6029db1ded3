#include "adapters/alpaca_stream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <fmt/format.h>

namespace kestrel::adapters {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

struct AlpacaStream::Connection {
  net::io_context ioc;
};

namespace {

struct Endpoint {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;
};

core::Result<Endpoint> parse_ws_url(std::string_view url) {
  Endpoint e;
  std::string_view rest;
  if (url.starts_with("wss://")) {
    e.tls = true;
    rest = url.substr(6);
  } else if (url.starts_with("ws://")) {
    rest = url.substr(5);
  } else {
    return core::fail_as(core::ErrorKind::Config, "alpaca: stream_url '{}' must start with wss:// or ws://", url);
  }
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  e.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    e.host = std::string(authority);
    e.port = e.tls ? "443" : "80";
  } else {
    e.host = std::string(authority.substr(0, colon));
    e.port = std::string(authority.substr(colon + 1));
  }
  if (e.host.empty()) return core::fail_as(core::ErrorKind::Config, "alpaca: stream_url '{}' has no host", url);
  return e;
}

std::string text_of(const beast::flat_buffer& buffer) { return beast::buffers_to_string(buffer.data()); }

// Authenticate, listen, then read trade updates until the connection fails or is stopped.
template <class Ws>
net::awaitable<void> session(Ws& ws, const Endpoint& e, const AlpacaSettings& settings,
                             const AlpacaStream::Callbacks& callbacks, std::atomic<bool>& listening,
                             std::atomic<int>& connections) {
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = settings.timeouts.connect;
  timeout.idle_timeout = settings.stream_idle_timeout;
  timeout.keep_alive_pings = true;  // a ping at half the idle time; silence beyond it is a dead link
  ws.set_option(timeout);
  co_await ws.async_handshake(e.host, e.path, net::use_awaitable);

  beast::flat_buffer buffer;
  const nlohmann::json auth = {{"action", "auth"}, {"key", settings.key_id}, {"secret", settings.secret_key}};
  co_await ws.async_write(net::buffer(auth.dump()), net::use_awaitable);
  co_await ws.async_read(buffer, net::use_awaitable);
  const auto reply = nlohmann::json::parse(text_of(buffer), nullptr, false);
  if (reply.is_discarded() || reply.value("stream", "") != "authorization" ||
      reply["data"].value("status", "") != "authorized") {
    throw std::runtime_error("not authorized: " + text_of(buffer).substr(0, 200));
  }
  buffer.clear();
  const nlohmann::json listen = {{"action", "listen"}, {"data", {{"streams", {"trade_updates"}}}}};
  co_await ws.async_write(net::buffer(listen.dump()), net::use_awaitable);
  co_await ws.async_read(buffer, net::use_awaitable);
  const auto ack = nlohmann::json::parse(text_of(buffer), nullptr, false);
  if (ack.is_discarded() || ack.value("stream", "") != "listening") {
    throw std::runtime_error("listen refused: " + text_of(buffer).substr(0, 200));
  }
  listening = true;
  ++connections;
  if (callbacks.connected) callbacks.connected();
  for (;;) {
    buffer.clear();
    co_await ws.async_read(buffer, net::use_awaitable);
    // The paper stream sends binary frames, the data stream text: both hold JSON.
    const auto message = nlohmann::json::parse(text_of(buffer), nullptr, false);
    if (message.is_discarded()) {
      if (callbacks.log) callbacks.log(fmt::format("alpaca stream: a frame that is not JSON ({} bytes)", buffer.size()));
      continue;
    }
    if (message.value("stream", "") == "trade_updates" && message.contains("data") && callbacks.trade_update) {
      callbacks.trade_update(message["data"]);
    }
  }
}

}  // namespace

AlpacaStream::AlpacaStream(AlpacaSettings settings, Callbacks callbacks)
    : settings_(std::move(settings)), callbacks_(std::move(callbacks)) {}

AlpacaStream::~AlpacaStream() { stop(); }

void AlpacaStream::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void AlpacaStream::stop() {
  stopping_ = true;
  {
    std::lock_guard lock(mutex_);
    if (current_) current_->ioc.stop();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  listening_ = false;
}

std::string AlpacaStream::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void AlpacaStream::run() {
  auto backoff = settings_.reconnect_backoff;
  while (!stopping_) {
    const int before = connections_.load();
    if (!connect_once()) break;
    if (connections_.load() > before) backoff = settings_.reconnect_backoff;  // it had worked: start over
    if (callbacks_.log) {
      callbacks_.log(fmt::format("alpaca stream: disconnected ({}); reconnecting in {} ms", last_error(), backoff.count()));
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, backoff, [this] { return stopping_.load(); });
    backoff = std::min(backoff * 2, settings_.max_reconnect_backoff);
  }
}

bool AlpacaStream::connect_once() {
  auto endpoint = parse_ws_url(settings_.stream_url);
  if (!endpoint) {
    std::lock_guard lock(mutex_);
    last_error_ = endpoint.error().message;
    return !stopping_;
  }
  auto connection = std::make_shared<Connection>();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    current_ = connection;
  }
  net::io_context& ioc = connection->ioc;
  std::string error;
  auto on_done = [&error](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const boost::system::system_error& ex) {
      error = ex.code().message();
    } catch (const std::exception& ex) {
      error = ex.what();
    }
  };
  try {
    tcp::resolver resolver(ioc);
    const auto addresses = resolver.resolve(endpoint->host, endpoint->port);
    if (endpoint->tls) {
      net::ssl::context tls(net::ssl::context::tlsv12_client);
      tls.set_default_verify_paths();
      tls.set_verify_mode(net::ssl::verify_peer);
      websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, tls);
      beast::get_lowest_layer(ws).expires_after(settings_.timeouts.connect);
      beast::get_lowest_layer(ws).connect(addresses);
      beast::get_lowest_layer(ws).expires_never();
      if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), endpoint->host.c_str())) {
        throw std::runtime_error("TLS: cannot set the server name");
      }
      ws.next_layer().handshake(net::ssl::stream_base::client);
      net::co_spawn(ioc, session(ws, *endpoint, settings_, callbacks_, listening_, connections_), on_done);
      ioc.run();
    } else {
      websocket::stream<beast::tcp_stream> ws(ioc);
      beast::get_lowest_layer(ws).expires_after(settings_.timeouts.connect);
      beast::get_lowest_layer(ws).connect(addresses);
      beast::get_lowest_layer(ws).expires_never();
      net::co_spawn(ioc, session(ws, *endpoint, settings_, callbacks_, listening_, connections_), on_done);
      ioc.run();
    }
  } catch (const boost::system::system_error& e) {
    error = e.code().message();
  } catch (const std::exception& e) {
    error = e.what();
  }
  listening_ = false;
  std::lock_guard lock(mutex_);
  current_.reset();
  last_error_ = stopping_ ? std::string("stopped") : (error.empty() ? std::string("connection closed") : error);
  return !stopping_;
}

}  // namespace kestrel::adapters
