#include "support/fake_alpaca.hpp"

#include <httplib.h>

#include <atomic>
#include <cmath>
#include <deque>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

namespace kestrel::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using nlohmann::json;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string rfc3339(std::int64_t ns) {
  const std::time_t s = ns / 1'000'000'000;
  std::tm tm{};
  gmtime_r(&s, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ns % 1'000'000'000);
}

std::string money(double v) { return fmt::format("{:.4f}", v); }

json error(int code, const std::string& message) { return {{"code", code}, {"message", message}}; }

bool is_open(const std::string& status) {
  return status == "new" || status == "accepted" || status == "partially_filled" || status == "pending_new" ||
         status == "held" || status == "pending_cancel";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The stream server

struct FakeAlpaca::Stream {
  struct Session {
    explicit Session(tcp::socket socket) : ws(std::move(socket)), wake(ws.get_executor()) {}
    websocket::stream<beast::tcp_stream> ws;
    std::deque<std::string> queue;
    net::steady_timer wake;
    bool listening = false;
    bool closed = false;
  };

  Stream(std::string key, std::string secret)
      : key_(std::move(key)), secret_(std::move(secret)), acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port = acceptor_.local_endpoint().port();
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Stream() {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void broadcast(std::string message) {
    net::post(ioc_, [this, message = std::move(message)] {
      for (auto& s : sessions_) {
        if (!s->listening || s->closed) continue;
        s->queue.push_back(message);
        s->wake.cancel();
      }
    });
  }
  void drop() {
    net::post(ioc_, [this] {
      for (auto& s : sessions_) {
        if (s->closed) continue;
        s->closed = true;
        beast::error_code ec;
        beast::get_lowest_layer(s->ws).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(s->ws).socket().close(ec);
        s->wake.cancel();
      }
    });
  }

  int port = 0;
  std::atomic<int> listening_total{0};
  std::atomic<int> live{0};
  std::atomic<bool> refusing{false};

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket = co_await acceptor_.async_accept(net::use_awaitable);
      if (refusing.load()) {  // an outage: the connection is reset before the handshake
        beast::error_code ec;
        socket.set_option(net::socket_base::linger(true, 0), ec);
        socket.close(ec);
        continue;
      }
      auto session = std::make_shared<Session>(std::move(socket));
      sessions_.push_back(session);
      net::co_spawn(ioc_, serve(session), net::detached);
    }
  }

  net::awaitable<void> reader(std::shared_ptr<Session> s) {
    // Reading is what answers the client's pings; anything it sends now is ignored.
    try {
      beast::flat_buffer buffer;
      for (;;) {
        co_await s->ws.async_read(buffer, net::use_awaitable);
        buffer.clear();
      }
    } catch (...) {
    }
    s->closed = true;
    s->wake.cancel();
  }

  net::awaitable<void> serve(std::shared_ptr<Session> s) {
    try {
      co_await s->ws.async_accept(net::use_awaitable);
      s->ws.binary(true);  // the paper stream sends binary frames
      beast::flat_buffer buffer;
      co_await s->ws.async_read(buffer, net::use_awaitable);
      const json auth = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      buffer.clear();
      std::string key, secret;
      if (!auth.is_discarded() && auth.value("action", "") == "auth") {
        key = auth.value("key", "");
        secret = auth.value("secret", "");
      } else if (!auth.is_discarded() && auth.value("action", "") == "authenticate" && auth.contains("data")) {
        key = auth["data"].value("key_id", "");
        secret = auth["data"].value("secret_key", "");
      }
      const bool ok = key == key_ && secret == secret_;
      const json reply = {{"stream", "authorization"},
                          {"data", {{"action", "authenticate"}, {"status", ok ? "authorized" : "unauthorized"}}}};
      co_await s->ws.async_write(net::buffer(reply.dump()), net::use_awaitable);
      if (!ok) {
        co_await s->ws.async_close(websocket::close_code::policy_error, net::use_awaitable);
        co_return;
      }
      co_await s->ws.async_read(buffer, net::use_awaitable);
      const json listen = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      buffer.clear();
      json streams = json::array();
      if (!listen.is_discarded() && listen.value("action", "") == "listen") streams = listen["data"]["streams"];
      const json ack = {{"stream", "listening"}, {"data", {{"streams", streams}}}};
      co_await s->ws.async_write(net::buffer(ack.dump()), net::use_awaitable);
      s->listening = true;
      ++listening_total;
      ++live;
      net::co_spawn(ioc_, reader(s), net::detached);
      while (!s->closed) {
        while (!s->queue.empty() && !s->closed) {
          const std::string message = std::move(s->queue.front());
          s->queue.pop_front();
          co_await s->ws.async_write(net::buffer(message), net::use_awaitable);
        }
        if (s->closed) break;
        s->wake.expires_at(net::steady_timer::time_point::max());
        beast::error_code ec;
        co_await s->wake.async_wait(net::redirect_error(net::use_awaitable, ec));
      }
    } catch (...) {
    }
    if (s->listening) --live;
    s->listening = false;
    s->closed = true;
  }

  std::string key_, secret_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<std::shared_ptr<Session>> sessions_;  // only touched on the io_context's thread
};

// ---------------------------------------------------------------------------------------------

FakeAlpaca::FakeAlpaca(std::string key_id, std::string secret_key, std::vector<std::string> symbols, double cash)
    : key_(std::move(key_id)), secret_(std::move(secret_key)), symbols_(std::move(symbols)), cash_(cash) {
  stream_ = std::make_unique<Stream>(key_, secret_);
  rest_ = std::make_unique<httplib::Server>();
  serve_rest();
  rest_port_ = rest_->bind_to_any_port("127.0.0.1");
  rest_thread_ = std::thread([this] { rest_->listen_after_bind(); });
  while (!rest_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeAlpaca::~FakeAlpaca() {
  rest_->stop();
  if (rest_thread_.joinable()) rest_thread_.join();
  stream_.reset();
}

std::string FakeAlpaca::trading_url() const { return fmt::format("http://127.0.0.1:{}", rest_port_); }
std::string FakeAlpaca::stream_url() const { return fmt::format("ws://127.0.0.1:{}/stream", stream_->port); }

std::string FakeAlpaca::next_id() {
  ++sequence_;
  return fmt::format("61e69015-8549-4bfd-b9c3-{:012x}", sequence_);
}

FakeAlpacaOrder* FakeAlpaca::find_by_client_id(const std::string& cid) {
  for (auto& o : orders_) {
    if (o.client_order_id == cid) return &o;
  }
  return nullptr;
}

FakeAlpacaOrder* FakeAlpaca::find_by_id(const std::string& id) {
  for (auto& o : orders_) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

json FakeAlpaca::order_json(const FakeAlpacaOrder& o) const {
  auto nullable = [](double v) { return v > 0 ? json(money(v)) : json(nullptr); };
  json j = {{"id", o.id},
            {"client_order_id", o.client_order_id},
            {"created_at", rfc3339(o.created_ns)},
            {"updated_at", rfc3339(o.updated_ns)},
            {"submitted_at", rfc3339(o.created_ns)},
            {"filled_at", o.status == "filled" ? json(rfc3339(o.updated_ns)) : json(nullptr)},
            {"asset_class", "us_equity"},
            {"symbol", o.symbol},
            {"qty", std::to_string(o.qty)},
            {"filled_qty", std::to_string(o.filled_qty)},
            {"filled_avg_price", o.filled_qty > 0 ? json(money(o.filled_value / static_cast<double>(o.filled_qty))) : json(nullptr)},
            {"order_class", o.order_class},
            {"order_type", o.type},
            {"type", o.type},
            {"side", o.side},
            {"time_in_force", o.time_in_force},
            {"limit_price", nullable(o.limit_price)},
            {"stop_price", nullable(o.stop_price)},
            {"status", o.status},
            {"extended_hours", false},
            {"legs", nullptr}};
  if (!o.legs.empty()) {
    json legs = json::array();
    for (const auto& id : o.legs) {
      for (const auto& leg : orders_) {
        if (leg.id == id) legs.push_back(order_json(leg));
      }
    }
    j["legs"] = legs;
  }
  return j;
}

void FakeAlpaca::send_event(const std::string& event, const FakeAlpacaOrder& o, const std::string& execution_id,
                            std::int64_t qty, double price) {
  json data = {{"event", event}, {"timestamp", rfc3339(now_ns())}, {"order", order_json(o)}};
  if (!execution_id.empty()) {
    data["execution_id"] = execution_id;
    data["qty"] = std::to_string(qty);
    data["price"] = money(price);
    const auto p = positions_.find(o.symbol);
    data["position_qty"] = std::to_string(p == positions_.end() ? 0 : p->second.first);
  }
  const std::string message = json{{"stream", "trade_updates"}, {"data", data}}.dump();
  if (holding_) {
    held_.push_back(message);
    if (duplicate_) held_.push_back(message);
    return;
  }
  stream_->broadcast(message);
  if (duplicate_) stream_->broadcast(message);
}

void FakeAlpaca::book_fill(FakeAlpacaOrder& o, std::int64_t qty, double price) {
  o.filled_qty += qty;
  o.filled_value += static_cast<double>(qty) * price;
  o.updated_ns = now_ns();
  o.status = o.filled_qty == o.qty ? "filled" : "partially_filled";
  auto& [held, average] = positions_[o.symbol];
  const std::int64_t signed_qty = o.side == "buy" ? qty : -qty;
  if (o.side == "buy") {
    average = held + qty != 0 ? (average * static_cast<double>(held) + price * static_cast<double>(qty)) /
                                    static_cast<double>(held + qty)
                              : 0;
    cash_ -= static_cast<double>(qty) * price;
  } else {
    cash_ += static_cast<double>(qty) * price;
    if (fees_) {
      auto cents_up = [](double dollars) { return std::ceil(dollars * 100.0 - 1e-7) / 100.0; };
      const double sec = cents_up(fees_->sec_rate * static_cast<double>(qty) * price);
      const double taf = cents_up(std::min(fees_->taf_per_share * static_cast<double>(qty), fees_->taf_max));
      for (const auto& [amount, description] : {std::pair{sec, "REG fee"}, std::pair{taf, "TAF fee"}}) {
        if (amount <= 0) continue;
        cash_ -= amount;
        fees_charged_ += amount;
        const std::size_t n = fee_activities_.size() + 1;
        fee_activities_.push_back({{"activity_type", "FEE"},
                                   {"id", fmt::format("{:017}::fee-{:06}", n, n)},
                                   {"date", "2019-11-15"},
                                   {"net_amount", money(-amount)},
                                   {"description", description},
                                   {"symbol", o.symbol},
                                   {"qty", std::to_string(qty)},
                                   {"per_share_amount", nullptr},
                                   {"status", "executed"}});
      }
    }
  }
  held += signed_qty;
  if (held == 0) positions_.erase(o.symbol);
}

void FakeAlpaca::charge_regulatory_fees(double sec_rate, double taf_per_share, double taf_max) {
  std::lock_guard lock(mutex_);
  fees_ = Fees{sec_rate, taf_per_share, taf_max};
}

double FakeAlpaca::fees_charged() const {
  std::lock_guard lock(mutex_);
  return fees_charged_;
}

void FakeAlpaca::serve_rest() {
  auto authorized = [this](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("APCA-API-KEY-ID") == key_ && req.get_header_value("APCA-API-SECRET-KEY") == secret_) {
      return true;
    }
    res.status = 401;
    res.set_content(error(40110000, "request is not authorized").dump(), "application/json");
    return false;
  };
  rest_->set_pre_routing_handler([this, authorized](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    requests_.push_back(req.method + " " + req.path);
    if (!authorized(req, res)) return httplib::Server::HandlerResponse::Handled;
    if (throttle_left_ > 0) {
      --throttle_left_;
      res.status = 429;
      res.set_header("X-Ratelimit-Limit", "200");
      res.set_header("X-Ratelimit-Remaining", "0");
      res.set_header("X-Ratelimit-Reset", std::to_string(std::time(nullptr) + throttle_reset_after_));
      res.set_content(error(42910000, "rate limit exceeded").dump(), "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("X-Ratelimit-Limit", "200");
    res.set_header("X-Ratelimit-Remaining", "199");
    res.set_header("X-Ratelimit-Reset", std::to_string(std::time(nullptr) + 60));
    return httplib::Server::HandlerResponse::Unhandled;
  });

  rest_->Post("/v2/orders", [this](const httplib::Request& req, httplib::Response& res) {
    std::unique_lock lock(mutex_);
    const json body = json::parse(req.body, nullptr, false);
    auto reply = [&](int status, const json& j) {
      res.status = status;
      res.set_content(j.dump(), "application/json");
    };
    if (body.is_discarded()) return reply(400, error(40010000, "request body format is invalid"));
    const std::string symbol = body.value("symbol", "");
    const std::string cid = body.value("client_order_id", "");
    if (std::find(symbols_.begin(), symbols_.end(), symbol) == symbols_.end()) {
      return reply(422, error(40010001, fmt::format("asset \"{}\" not found", symbol)));
    }
    const std::int64_t qty = std::stoll(body.value("qty", std::string("0")));
    if (qty <= 0) return reply(422, error(40010001, "qty must be > 0"));
    if (!cid.empty() && find_by_client_id(cid) != nullptr) {
      return reply(422, error(40010001, "client_order_id must be unique"));
    }
    const std::string side = body.value("side", "");
    const double price = prices_.contains(symbol) ? prices_[symbol] : 0.0;
    if (side == "buy" && price > 0 && static_cast<double>(qty) * price > cash_) {
      return reply(403, error(40310000, "insufficient buying power"));
    }
    if (side == "sell") {
      std::int64_t available = positions_.contains(symbol) ? positions_[symbol].first : 0;
      for (const auto& o : orders_) {
        if (o.symbol == symbol && o.side == "sell" && is_open(o.status) && o.status != "held") available -= o.qty - o.filled_qty;
      }
      if (qty > available) {
        return reply(403, error(40310000, fmt::format("insufficient qty available for order (requested: {}, available: {})",
                                                      qty, std::max<std::int64_t>(0, available))));
      }
    }
    if (fail_next_ && !fail_next_->second) {
      const int status = fail_next_->first;
      fail_next_.reset();
      return reply(status, json{{"message", "internal server error"}});
    }
    FakeAlpacaOrder o;
    o.id = next_id();
    o.client_order_id = cid.empty() ? next_id() : cid;
    o.symbol = symbol;
    o.side = side;
    o.type = body.value("type", "market");
    o.time_in_force = body.value("time_in_force", "day");
    o.qty = qty;
    o.status = "accepted";
    o.order_class = body.value("order_class", "");
    if (body.contains("limit_price") && body["limit_price"].is_string()) o.limit_price = std::stod(body["limit_price"].get<std::string>());
    if (body.contains("stop_price") && body["stop_price"].is_string()) o.stop_price = std::stod(body["stop_price"].get<std::string>());
    o.created_ns = o.updated_ns = now_ns();
    std::vector<FakeAlpacaOrder> legs;
    auto leg = [&](const std::string& type, double limit, double stop) {
      FakeAlpacaOrder l;
      l.id = next_id();
      l.client_order_id = next_id();  // Alpaca names the legs
      l.symbol = symbol;
      l.side = side == "buy" ? "sell" : "buy";
      l.type = type;
      l.time_in_force = o.time_in_force;
      l.qty = qty;
      l.status = "held";
      l.limit_price = limit;
      l.stop_price = stop;
      l.parent = o.id;
      l.created_ns = l.updated_ns = o.created_ns;
      o.legs.push_back(l.id);
      legs.push_back(l);
    };
    if (body.contains("take_profit")) leg("limit", std::stod(body["take_profit"]["limit_price"].get<std::string>()), 0);
    if (body.contains("stop_loss")) leg("stop", 0, std::stod(body["stop_loss"]["stop_price"].get<std::string>()));
    orders_.push_back(o);
    for (auto& l : legs) orders_.push_back(l);
    const FakeAlpacaOrder& stored = *find_by_client_id(o.client_order_id);
    const json reply_body = order_json(stored);
    send_event("new", stored);
    if (fail_next_ && fail_next_->second) {
      const int status = fail_next_->first;
      fail_next_.reset();
      return reply(status, json{{"message", "internal server error"}});  // accepted all the same
    }
    if (delay_next_) {
      const auto delay = *delay_next_;
      delay_next_.reset();
      lock.unlock();
      std::this_thread::sleep_for(delay);  // the order stands; the client has given up waiting
      lock.lock();
    }
    reply(200, reply_body);
  });

  rest_->Get("/v2/orders:by_client_order_id", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    const std::string cid = req.get_param_value("client_order_id");
    if (const auto* o = find_by_client_id(cid)) {
      res.set_content(order_json(*o).dump(), "application/json");
    } else {
      res.status = 404;
      res.set_content(error(40410000, fmt::format("order not found for {}", cid)).dump(), "application/json");
    }
  });

  rest_->Get("/v2/orders", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    const std::string status = req.has_param("status") ? req.get_param_value("status") : "open";
    // Cancel-all is asynchronous at Alpaca: its pending cancels finish two listings later.
    if (cancels_finish_in_ > 0 && --cancels_finish_in_ == 0) {
      for (auto& o : orders_) {
        if (o.status != "pending_cancel") continue;
        o.status = "canceled";
        o.updated_ns = now_ns();
        send_event("canceled", o);
      }
    }
    json list = json::array();
    for (const auto& o : orders_) {
      if (!o.parent.empty()) continue;  // legs are nested under their parent
      const bool open = is_open(o.status);
      if (status == "all" || (status == "open" && open) || (status == "closed" && !open)) list.push_back(order_json(o));
    }
    res.set_content(list.dump(), "application/json");
  });

  rest_->Delete(R"(/v2/orders/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    FakeAlpacaOrder* o = find_by_id(req.matches[1]);
    if (o == nullptr) {
      res.status = 404;
      res.set_content(error(40410000, "order not found").dump(), "application/json");
      return;
    }
    if (!is_open(o->status)) {
      res.status = 422;
      res.set_content(error(42210000, fmt::format("order is already in \"{}\" state", o->status)).dump(), "application/json");
      return;
    }
    o->status = "canceled";
    o->updated_ns = now_ns();
    send_event("canceled", *o);
    res.status = 204;
  });

  rest_->Delete("/v2/orders", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    json list = json::array();
    for (auto& o : orders_) {
      if (!is_open(o.status) || o.status == "pending_cancel") continue;
      o.status = "pending_cancel";
      o.updated_ns = now_ns();
      send_event("pending_cancel", o);
      list.push_back({{"id", o.id}, {"status", 200}});
    }
    if (!list.empty()) cancels_finish_in_ = 2;
    res.status = 207;
    res.set_content(list.dump(), "application/json");
  });

  rest_->Delete("/v2/positions", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    if (req.get_param_value("cancel_orders") == "true") {
      for (auto& o : orders_) {
        if (!is_open(o.status)) continue;
        o.status = "canceled";
        o.updated_ns = now_ns();
        send_event("canceled", o);
      }
    }
    json list = json::array();
    const auto held = positions_;
    for (const auto& [symbol, position] : held) {
      FakeAlpacaOrder o;
      o.id = next_id();
      o.client_order_id = next_id();
      o.symbol = symbol;
      o.side = position.first > 0 ? "sell" : "buy";
      o.type = "market";
      o.time_in_force = "day";
      o.qty = std::llabs(position.first);
      o.status = "accepted";
      o.created_ns = o.updated_ns = now_ns();
      book_fill(o, o.qty, prices_.contains(symbol) ? prices_[symbol] : position.second);
      orders_.push_back(o);
      list.push_back({{"symbol", symbol}, {"status", 200}});
    }
    res.status = 207;
    res.set_content(list.dump(), "application/json");
  });

  rest_->Get("/v2/positions", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    json list = json::array();
    for (const auto& [symbol, position] : positions_) {
      const double price = prices_.contains(symbol) ? prices_[symbol] : position.second;
      list.push_back({{"symbol", symbol},
                      {"qty", std::to_string(position.first)},
                      {"side", position.first < 0 ? "short" : "long"},
                      {"avg_entry_price", money(position.second)},
                      {"market_value", money(price * static_cast<double>(position.first))},
                      {"current_price", money(price)}});
    }
    res.set_content(list.dump(), "application/json");
  });

  // Account activities of one type, oldest first with direction=asc; page_token: the id after
  // which the page starts.
  rest_->Get(R"(/v2/account/activities/([A-Z]+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    json list = json::array();
    if (req.matches[1] == "FEE") {
      const std::string after = req.has_param("page_token") ? req.get_param_value("page_token") : "";
      const std::size_t page = req.has_param("page_size") ? std::stoul(req.get_param_value("page_size")) : 100;
      for (const auto& a : fee_activities_) {
        if (!after.empty() && a["id"].get<std::string>() <= after) continue;
        if (list.size() == page) break;
        list.push_back(a);
      }
    }
    if (req.get_param_value("direction") != "asc") std::reverse(list.begin(), list.end());
    res.set_content(list.dump(), "application/json");
  });

  rest_->Get("/v2/account", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    double value = 0;
    for (const auto& [symbol, position] : positions_) {
      value += (prices_.contains(symbol) ? prices_[symbol] : position.second) * static_cast<double>(position.first);
    }
    res.set_content(json{{"id", "fake-account"},
                         {"status", "ACTIVE"},
                         {"currency", "USD"},
                         {"cash", money(cash_)},
                         {"equity", money(cash_ + value)},
                         {"buying_power", money(cash_)},
                         {"trading_blocked", false}}
                        .dump(),
                    "application/json");
  });
}

void FakeAlpaca::set_price(const std::string& symbol, double price) {
  std::lock_guard lock(mutex_);
  prices_[symbol] = price;
}

void FakeAlpaca::fill(const std::string& client_order_id, std::int64_t qty, double price) {
  std::lock_guard lock(mutex_);
  FakeAlpacaOrder* o = find_by_client_id(client_order_id);
  if (o == nullptr || !is_open(o->status)) return;
  qty = std::min(qty, o->qty - o->filled_qty);
  book_fill(*o, qty, price);
  send_event(o->status == "filled" ? "fill" : "partial_fill", *o, next_id(), qty, price);
  if (o->status == "filled") {
    for (const auto& id : o->legs) {  // a filled entry activates its legs
      if (FakeAlpacaOrder* leg = find_by_id(id); leg != nullptr && leg->status == "held") {
        leg->status = "new";
        leg->updated_ns = now_ns();
        send_event("new", *leg);
      }
    }
    if (!o->parent.empty()) {  // one leg filled: the other goes
      if (FakeAlpacaOrder* parent = find_by_id(o->parent)) {
        for (const auto& id : parent->legs) {
          FakeAlpacaOrder* sibling = find_by_id(id);
          if (sibling != nullptr && sibling != o && is_open(sibling->status)) {
            sibling->status = "canceled";
            sibling->updated_ns = now_ns();
            send_event("canceled", *sibling);
          }
        }
      }
    }
  }
}

void FakeAlpaca::fill_market_orders() {
  std::vector<std::pair<std::string, std::int64_t>> todo;
  std::vector<double> at;
  {
    std::lock_guard lock(mutex_);
    for (const auto& o : orders_) {
      if (o.type == "market" && is_open(o.status) && o.status != "held") {
        todo.emplace_back(o.client_order_id, o.qty - o.filled_qty);
        at.push_back(prices_.contains(o.symbol) ? prices_[o.symbol] : 100.0);
      }
    }
  }
  for (std::size_t k = 0; k < todo.size(); ++k) fill(todo[k].first, todo[k].second, at[k]);
}

void FakeAlpaca::expire(const std::string& client_order_id) {
  std::lock_guard lock(mutex_);
  if (FakeAlpacaOrder* o = find_by_client_id(client_order_id); o != nullptr && is_open(o->status)) {
    o->status = "expired";
    o->updated_ns = now_ns();
    send_event("expired", *o);
  }
}

std::string FakeAlpaca::place_by_hand(const std::string& symbol, const std::string& side, std::int64_t qty,
                                      double limit_price) {
  std::lock_guard lock(mutex_);
  FakeAlpacaOrder o;
  o.id = next_id();
  o.client_order_id = "by-hand-" + o.id;
  o.symbol = symbol;
  o.side = side;
  o.type = "limit";
  o.time_in_force = "gtc";
  o.order_class = "";
  o.status = "new";
  o.qty = qty;
  o.limit_price = limit_price;
  o.created_ns = o.updated_ns = now_ns();
  orders_.push_back(o);
  send_event("new", o);
  return o.client_order_id;
}

void FakeAlpaca::set_position(const std::string& symbol, std::int64_t qty, double average_price) {
  std::lock_guard lock(mutex_);
  if (qty == 0) {
    positions_.erase(symbol);
  } else {
    positions_[symbol] = {qty, average_price};
  }
}

void FakeAlpaca::fail_next_order(int status, bool accept_it) {
  std::lock_guard lock(mutex_);
  fail_next_ = std::pair{status, accept_it};
}

void FakeAlpaca::delay_next_order(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delay_next_ = delay;
}

void FakeAlpaca::throttle_next(int requests, int reset_after_seconds) {
  std::lock_guard lock(mutex_);
  throttle_left_ = requests;
  throttle_reset_after_ = reset_after_seconds;
}

void FakeAlpaca::duplicate_events(bool on) {
  std::lock_guard lock(mutex_);
  duplicate_ = on;
}

void FakeAlpaca::hold_events() {
  std::lock_guard lock(mutex_);
  holding_ = true;
}

void FakeAlpaca::release_events(bool reversed) {
  std::lock_guard lock(mutex_);
  holding_ = false;
  if (reversed) std::reverse(held_.begin(), held_.end());
  for (auto& m : held_) stream_->broadcast(std::move(m));
  held_.clear();
}

void FakeAlpaca::drop_stream() { stream_->drop(); }
void FakeAlpaca::refuse_stream(bool on) { stream_->refusing = on; }
int FakeAlpaca::stream_connections() const { return stream_->listening_total.load(); }
int FakeAlpaca::live_stream_connections() const { return stream_->live.load(); }

std::vector<FakeAlpacaOrder> FakeAlpaca::orders() const {
  std::lock_guard lock(mutex_);
  return orders_;
}

int FakeAlpaca::orders_with_client_id(const std::string& client_order_id) const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(orders_.begin(), orders_.end(),
                                        [&](const auto& o) { return o.client_order_id == client_order_id; }));
}

std::map<std::string, std::pair<std::int64_t, double>> FakeAlpaca::positions() const {
  std::lock_guard lock(mutex_);
  return positions_;
}

double FakeAlpaca::cash() const {
  std::lock_guard lock(mutex_);
  return cash_;
}

int FakeAlpaca::requests(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(
      std::count_if(requests_.begin(), requests_.end(), [&](const auto& r) { return r.rfind(prefix, 0) == 0; }));
}

}  // namespace kestrel::testing
