#pragma once
// `kestrel serve`: the dashboard of one trading run over HTTP (cpp-httplib), read from its
// journal while the node runs in its own process.
//
//   GET  /             the dashboard page (self-contained: uPlot and the page's script inline)
//   GET  /api/status   the dashboard snapshot as JSON (dashboard_json.hpp); the page polls it
//   GET  /metrics      Prometheus text exposition (node_metrics.hpp)
//   GET  /health       200 {"status":"ok",…} while the journal can be read, 503 otherwise
//   POST /api/kill     the kill switch ({"flatten": true} also closes every position)
//   POST /api/resume   lifts the kill switch or the drawdown halt
//
// The POST calls are the same requests as `kestrel trade kill|resume`: journaled controls the
// node applies at its next check. They need `Authorization: Bearer <token>`; a server started
// without a token refuses them all. Reads are open: bind to 127.0.0.1 (the default) unless a
// proxy in front adds authentication.
//
// Snapshots are rebuilt from the journal at most every `refresh_seconds`, and every reader in
// between is served the same bytes, so a busy page or scraper costs the journal nothing more.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "alerts/alert_dispatcher.hpp"
#include "backtest/config.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "server/alert_rules.hpp"
#include "server/dashboard_snapshot.hpp"
#include "store/journal.hpp"
#include "store/panel.hpp"

namespace httplib {
class Server;
}

namespace kestrel::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port (see DashboardServer::port)
  std::string journal;              // a SQLite file or a postgresql:// URL
  std::string run_id;               // empty: the newest run
  std::optional<backtest::DataConfig> market;  // the run's market data, when known
  std::string token;                // bearer token for the POST calls; empty: refuse them
  double refresh_seconds = 1.0;
  const core::Clock* clock = nullptr;  // the wall clock (required)
  std::function<void(const std::string&)> log;  // one line per request that changed something or failed
  // Alerts for what happens in the run (server/alert_rules.hpp), when configured: the journal
  // is then re-read every refresh_seconds whether or not anyone is looking at the page.
  alerts::AlertDispatcher* alerts = nullptr;
  double node_silent_minutes = 90;
  double broker_down_minutes = 5;
  // Called with every snapshot read (the scheduled reports look for closed sessions); the
  // journal is then re-read every refresh_seconds, as for alerts. Runs on the reading thread
  // with the journal locked: it must only queue work.
  std::function<void(const DashboardSnapshot&)> on_snapshot;
};

class DashboardServer {
 public:
  // Opens the journal (it must exist), loads the market data and binds the port.
  static core::Result<std::unique_ptr<DashboardServer>> open(ServerOptions options);
  ~DashboardServer();

  int port() const { return port_; }
  // Serves until stop(); returns an error if the server failed.
  core::Status run();
  void stop();

 private:
  explicit DashboardServer(ServerOptions options);
  struct Rendered {
    std::string status_json, metrics, health_json;
    bool healthy = false;
    bool waiting = false;  // the journal has no run (yet)
    std::chrono::steady_clock::time_point at;
  };
  std::shared_ptr<const Rendered> rendered();
  std::shared_ptr<const Rendered> render();
  void reload_market_if_changed();
  bool authorized(const std::string& header) const;
  std::string control(const std::string& action, int& status);
  void routes();

  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::mutex journal_mutex_;   // the journal and the market data
  std::mutex rendered_mutex_;  // the pointer to the latest rendering
  std::atomic<bool> rendering_{false};
  std::optional<store::Journal> journal_;
  std::optional<store::Panel> market_;
  std::string market_error_;
  std::filesystem::file_time_type market_stamp_{};
  std::chrono::steady_clock::time_point market_checked_{};
  std::shared_ptr<const Rendered> rendered_;
  std::string last_error_;  // logged once, not on every request
  AlertRules rules_;
  std::thread watcher_;  // re-reads the journal for the alert rules and on_snapshot
  std::mutex stop_mutex_;
  std::condition_variable stop_wake_;
  bool stopping_ = false;
};

}  // namespace kestrel::server
