#include "server/dashboard_server.hpp"

#include <chrono>
#include <thread>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "live/live_clock.hpp"
#include "server/dashboard_json.hpp"
#include "server/dashboard_page.hpp"
#include "server/dashboard_snapshot.hpp"
#include "server/node_metrics.hpp"
#include "store/snapshot.hpp"

namespace kestrel::server {
namespace {

using nlohmann::json;

// Compares in time independent of where the strings differ, so the token cannot be guessed
// byte by byte from response times.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

// The store file the market data comes from, whose modification time says it changed.
std::filesystem::path market_file(const backtest::DataConfig& data) {
  if (!data.db.empty()) return data.db;
  if (!data.snapshot.empty()) return data.snapshot;
  return {};
}

}  // namespace

DashboardServer::DashboardServer(ServerOptions options)
    : options_(std::move(options)), http_(std::make_unique<httplib::Server>()), rules_(options_.node_silent_minutes, options_.broker_down_minutes) {
  // Headers and a small body go out as two writes; without this, Nagle's algorithm holds the
  // body back until the client's delayed ACK of the headers (~40 ms a response on keep-alive).
  http_->set_tcp_nodelay(true);
}

DashboardServer::~DashboardServer() { stop(); }

core::Result<std::unique_ptr<DashboardServer>> DashboardServer::open(ServerOptions options) {
  if (options.clock == nullptr) return core::fail("kestrel serve: no clock given");
  std::unique_ptr<DashboardServer> server(new DashboardServer(std::move(options)));
  auto journal = store::Journal::open_existing(server->options_.journal);
  // A node that has just created its journal file writes the schema a moment later: a file
  // without it is given a few seconds before it counts as "not a Kestrel trading journal".
  std::error_code unreadable;
  for (int i = 0; i < 50 && !journal && journal.error().kind == core::ErrorKind::NotFound &&
                  std::filesystem::exists(server->options_.journal, unreadable);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    journal = store::Journal::open_existing(server->options_.journal);
  }
  if (!journal) return std::unexpected(journal.error());
  server->journal_.emplace(std::move(*journal));
  if (server->options_.market) {
    auto panel = backtest::load_panel(*server->options_.market);
    if (!panel) {
      return core::fail("the run's market data: {}", panel.error().message);
    }
    server->market_.emplace(std::move(*panel));
    std::error_code ec;
    if (const auto file = market_file(*server->options_.market); !file.empty()) {
      server->market_stamp_ = std::filesystem::last_write_time(file, ec);
    }
    server->market_checked_ = std::chrono::steady_clock::now();
  }
  // A journal that cannot be read is an error now; one without a run yet (the node is about to
  // start) is shown as such until the run appears.
  server->rendered_ = server->render();
  if (const auto& first = server->rendered_; !first->healthy && !first->waiting) {
    return core::fail("{}", json::parse(first->health_json).value("error", ""));
  }
  server->routes();
  const auto& o = server->options_;
  if (o.port == 0) {
    server->port_ = server->http_->bind_to_any_port(o.host);
  } else {
    server->port_ = server->http_->bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (server->port_ < 0) {
    return core::fail_as(core::ErrorKind::Unavailable, "kestrel serve: cannot listen on {}:{} (in use, or not an "
                         "address of this machine)", o.host, o.port);
  }
  return server;
}

core::Status DashboardServer::run() {
  if (options_.alerts != nullptr || options_.on_snapshot) {
    watcher_ = std::thread([this] {
      const auto period = std::chrono::duration<double>(options_.refresh_seconds);
      std::unique_lock lock(stop_mutex_);
      while (!stopping_) {
        lock.unlock();
        (void)rendered();
        lock.lock();
        stop_wake_.wait_for(lock, period, [this] { return stopping_; });
      }
    });
  }
  const bool ok = http_->listen_after_bind();
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (!ok) return core::fail("kestrel serve: the HTTP server stopped with an error");
  return {};
}

void DashboardServer::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_wake_.notify_all();
  if (http_) http_->stop();  // a no-op until the server listens
}

void DashboardServer::reload_market_if_changed() {
  // A paper node imports the day's bars into the store after each close; look at most once a
  // minute whether the store changed, and reload its research view then.
  if (!options_.market) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - market_checked_ < std::chrono::seconds(60)) return;
  market_checked_ = now;
  const auto file = market_file(*options_.market);
  if (file.empty()) return;
  std::error_code ec;
  const auto stamp = std::filesystem::last_write_time(file, ec);
  if (ec || stamp == market_stamp_) return;
  auto panel = backtest::load_panel(*options_.market);
  if (!panel) {
    market_error_ = panel.error().message;
    return;
  }
  market_stamp_ = stamp;
  market_error_.clear();
  market_.emplace(std::move(*panel));
}

std::shared_ptr<const DashboardServer::Rendered> DashboardServer::render() {
  auto r = std::make_shared<Rendered>();
  r->at = std::chrono::steady_clock::now();
  reload_market_if_changed();
  SnapshotOptions so{.run_id = options_.run_id, .market = market_ ? &*market_ : nullptr,
                     .now_ns = options_.clock->now()};
  auto snapshot = read_snapshot(*journal_, so);
  if (!snapshot) {
    r->healthy = false;
    r->waiting = snapshot.error().kind == core::ErrorKind::NotFound;
    if (options_.log && snapshot.error().message != last_error_) {
      options_.log("the journal could not be read: " + snapshot.error().message);
    }
    last_error_ = snapshot.error().message;
    r->health_json = json{{"status", "error"}, {"error", snapshot.error().message}}.dump();
    // The page keeps polling a journal whose node has not started its run yet.
    r->status_json = r->waiting ? json{{"waiting", snapshot.error().message},
                                       {"refresh_seconds", options_.refresh_seconds}}.dump()
                                : r->health_json;
    r->metrics = "# kestrel: the journal could not be read\n";
    return r;
  }
  last_error_.clear();
  if (options_.alerts != nullptr) {
    for (auto& alert : rules_.update(*snapshot, options_.clock->now())) options_.alerts->post(std::move(alert));
  }
  if (options_.on_snapshot) options_.on_snapshot(*snapshot);
  if (!market_error_.empty()) snapshot->notes.push_back("the market data could not be reloaded: " + market_error_);
  json status = to_json(*snapshot);
  status["generated_at"] = live::iso_time(options_.clock->now());
  status["refresh_seconds"] = options_.refresh_seconds;
  status["controls_enabled"] = !options_.token.empty();
  r->status_json = status.dump();
  r->metrics = node_metrics(*snapshot);
  r->healthy = true;
  r->health_json = json{{"status", "ok"},
                        {"run", snapshot->run.run_id},
                        {"last_session", snapshot->today ? json(snapshot->today->date.to_string()) : json(nullptr)},
                        {"halted", snapshot->halted},
                        {"data_stale", snapshot->health.data_stale}}
                       .dump();
  return r;
}

std::shared_ptr<const DashboardServer::Rendered> DashboardServer::rendered() {
  std::shared_ptr<const Rendered> current;
  {
    std::lock_guard lock(rendered_mutex_);
    current = rendered_;
  }
  const auto max_age = std::chrono::duration<double>(options_.refresh_seconds);
  if (current && std::chrono::steady_clock::now() - current->at < max_age) return current;
  // Stale: one request re-reads the journal while the others are served the previous rendering.
  if (current && rendering_.exchange(true)) return current;
  std::shared_ptr<const Rendered> fresh;
  {
    std::lock_guard lock(journal_mutex_);
    fresh = render();
  }
  {
    std::lock_guard lock(rendered_mutex_);
    rendered_ = fresh;
  }
  rendering_ = false;
  return fresh;
}

bool DashboardServer::authorized(const std::string& header) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (options_.token.empty() || !header.starts_with(kScheme)) return false;
  return same_secret(header.substr(kScheme.size()), options_.token);
}

std::string DashboardServer::control(const std::string& action, int& status) {
  std::lock_guard lock(journal_mutex_);
  auto run = options_.run_id.empty() ? journal_->latest_run() : journal_->run(options_.run_id);
  if (!run || !*run) {
    status = 500;
    return json{{"error", run ? "no trading run in the journal" : run.error().message}}.dump();
  }
  if (auto s = journal_->request_control((*run)->run_id, action, live::iso_time(options_.clock->now())); !s) {
    status = 500;
    return json{{"error", s.error().message}}.dump();
  }
  {
    std::lock_guard reset(rendered_mutex_);
    rendered_.reset();  // the next read shows the pending control
  }
  status = 202;
  if (options_.log) options_.log(fmt::format("{} requested for run {} through the dashboard", action, (*run)->run_id));
  return json{{"requested", action},
              {"run", (*run)->run_id},
              {"note", "the node applies it at its next check"}}
      .dump();
}

void DashboardServer::routes() {
  http_->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(std::string(dashboard_page()), "text/html; charset=utf-8");
  });
  http_->Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
    const auto r = rendered();
    res.status = r->healthy || r->waiting ? 200 : 503;
    res.set_header("Cache-Control", "no-store");
    res.set_content(r->status_json, "application/json");
  });
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    const auto r = rendered();
    res.status = r->healthy ? 200 : 503;
    res.set_content(r->metrics, "text/plain; version=0.0.4; charset=utf-8");
  });
  http_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    const auto r = rendered();
    res.status = r->healthy ? 200 : 503;
    res.set_content(r->health_json, "application/json");
  });
  auto post = [this](const std::string& path, std::function<std::string(const httplib::Request&)> action_of) {
    http_->Post(path, [this, action_of](const httplib::Request& req, httplib::Response& res) {
      if (options_.token.empty()) {
        res.status = 403;
        res.set_content(json{{"error", "controls are disabled: start kestrel serve with a token "
                                       "(KESTREL_DASHBOARD_TOKEN or --token-file)"}}.dump(),
                        "application/json");
        return;
      }
      if (!authorized(req.get_header_value("Authorization"))) {
        res.status = 401;
        res.set_header("WWW-Authenticate", "Bearer");
        res.set_content(json{{"error", "a valid bearer token is required"}}.dump(), "application/json");
        if (options_.log) options_.log(fmt::format("refused {} from {}: no valid token", req.path, req.remote_addr));
        return;
      }
      const std::string action = action_of(req);
      if (action.empty()) {
        res.status = 400;
        res.set_content(json{{"error", "the body must be JSON, e.g. {\"flatten\": false}"}}.dump(), "application/json");
        return;
      }
      int status = 500;
      res.set_content(control(action, status), "application/json");
      res.status = status;
    });
  };
  post("/api/kill", [](const httplib::Request& req) -> std::string {
    if (req.body.empty()) return "kill";
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return "";
    const auto flatten = body.find("flatten");
    if (flatten != body.end() && !flatten->is_boolean()) return "";
    return flatten != body.end() && flatten->get<bool>() ? "kill_flatten" : "kill";
  });
  post("/api/resume", [](const httplib::Request&) -> std::string { return "resume"; });
}

}  // namespace kestrel::server
